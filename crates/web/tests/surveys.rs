//! Surveys through HTTP, on SQLite and PostgreSQL alike: the office runs the 2012 window
//! satisfaction questionnaire from the plan's template; people answer by login and by
//! single-use link; duplicates (fifty at once) are refused with 409; the results and the
//! exports show the figures written out by hand below.

mod common;

use common::{TestApp, poppler};
use reqwest::Client;
use serde_json::{Value, json};

async fn reach(app: &TestApp, user: &str, kind: &str) -> i64 {
    let c = app.login(user).await;
    let me = app.get_json(&c, "/api/v1/me").await;
    let r = me["reaches"].as_array().unwrap().iter().find(|r| r["kind"] == kind && r["access"] == "write").unwrap_or_else(|| panic!("{user} has no {kind} reach"));
    r["target"].as_str().unwrap().trim_end_matches('/').rsplit('/').next().unwrap().parse().unwrap()
}

async fn number_of(app: &TestApp, user: &str) -> String {
    let c = app.login(user).await;
    let me = app.get_json(&c, "/api/v1/me").await;
    let office = app.login("office").await;
    app.get_json(&office, &format!("/api/v1/people/{}", me["person_id"])).await["number"].as_str().unwrap().to_string()
}

async fn post(app: &TestApp, c: &Client, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let r = app.post_form(c, path, fields).await;
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

/// The answers of the window questionnaire: q1..q8 satisfied, q9 (the overall rating, which
/// makes the rate) as given, q10 a comment.
fn answers(q9: u8, comment: &str) -> Value {
    let mut a = json!({"q1": 0, "q2": 0, "q3": 1, "q4": 0, "q5": 1, "q6": 0, "q7": 0, "q8": 2, "q9": q9});
    if !comment.is_empty() {
        a["q10"] = json!(comment);
    }
    a
}

both!(the_window_survey_runs_from_the_template_to_results_and_exports, a_survey_refuses_bad_answers_and_strangers);

mod a_sample_of_2000_students_is_drawn_with_two_seeds {
    #[tokio::test]
    async fn sqlite() {
        let app = crate::common::spawn_with(crate::common::Backend::Sqlite, |c| c.demo_size = 6_000).await.unwrap();
        super::a_sample_of_2000_students_is_drawn_with_two_seeds(app).await
    }
    #[tokio::test]
    async fn postgres() {
        if let Some(app) = crate::common::spawn_with(crate::common::Backend::Postgres, |c| c.demo_size = 6_000).await {
            super::a_sample_of_2000_students_is_drawn_with_two_seeds(app).await
        }
    }
}

fn sha256_hex(s: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn first_id(html: &str, prefix: &str) -> i64 {
    let i = html.find(prefix).unwrap() + prefix.len();
    html[i..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
}

/// The office creates the window survey; the office and the library (a unit) draw 2,000 students
/// of the whole university by college, each with its own seed; the survey's audience is the draw;
/// the published record recomputes to the same draw and names no student number.
async fn a_sample_of_2000_students_is_drawn_with_two_seeds(app: TestApp) {
    let office = app.login("office").await;
    assert_eq!(post(&app, &office, "/surveys", &[("template", "window-satisfaction"), ("owner", "office")]).await.0, 303);
    let id = first_id(&office.get(app.url("/surveys")).send().await.unwrap().text().await.unwrap(), "href=\"/surveys/");
    let library = reach(&app, "unithead", "unit").await;
    let root = app.get_json(&office, "/api/v1/units").await;
    let root = root.as_array().unwrap().iter().find(|n| n["parent_id"].is_null()).unwrap()["id"].as_i64().unwrap();
    let r = app
        .post_form(
            &office,
            &format!("/surveys/{id}/samples"),
            &[("node", &root.to_string()), ("students_only", "yes"), ("size", "2000"), ("stratify", "college"), ("owner", &library.to_string())],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let sample = first_id(r.headers()["location"].to_str().unwrap(), "/samples/");
    // The population is frozen and its hash published before any seed exists.
    let anon = common::client(&app.url(""));
    let record = anon.get(app.url(&format!("/samples/{sample}"))).send().await.unwrap().text().await.unwrap();
    let population = anon.get(app.url(&format!("/samples/{sample}/population.tsv"))).send().await.unwrap().text().await.unwrap();
    assert!(record.contains(&sha256_hex(&population)), "the published hash is the population file's");
    let member_number = number_of(&app, "member").await;
    assert!(!population.contains(&member_number) && !record.contains(&member_number), "no student number is published");
    assert!(population.lines().count() > 2000);

    // Commit: the office with a hash computed away from the system, the library with its seed.
    let (office_seed, unit_seed) = ("创先办-2012-05-种子-7f3a", "library-seed-b41c");
    assert_eq!(post(&app, &office, &format!("/samples/{sample}/commit"), &[("seed", &sha256_hex(office_seed))]).await.0, 303);
    assert_eq!(post(&app, &office, &format!("/samples/{sample}/commit"), &[("seed", "another")]).await.0, 409, "no second commitment");
    let head = app.login("unithead").await;
    let hp = head.get(app.url(&format!("/samples/{sample}"))).send().await.unwrap().text().await.unwrap();
    assert!(hp.contains("您代表所属单位"), "the library's head commits for the library");
    assert_eq!(post(&app, &head, &format!("/samples/{sample}/reveal"), &[("seed", unit_seed)]).await.0, 409, "no reveal before both commit");
    assert_eq!(post(&app, &head, &format!("/samples/{sample}/commit"), &[("seed", unit_seed)]).await.0, 303);
    let stranger = app.login("orgsec").await;
    assert_eq!(post(&app, &stranger, &format!("/samples/{sample}/reveal"), &[("seed", "x")]).await.0, 403, "a third party has no seed to give");
    // Reveal: a seed that does not match its commitment is refused.
    let (status, body) = post(&app, &office, &format!("/samples/{sample}/reveal"), &[("seed", "创先办-另一个种子")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("不符"));
    assert_eq!(post(&app, &office, &format!("/samples/{sample}/reveal"), &[("seed", office_seed)]).await.0, 303);
    assert_eq!(post(&app, &head, &format!("/samples/{sample}/reveal"), &[("seed", unit_seed)]).await.0, 303);

    // The draw: 2,000 by largest remainder over the colleges, recomputed from the public record.
    let drawn = anon.get(app.url(&format!("/samples/{sample}/drawn.tsv"))).send().await.unwrap().text().await.unwrap();
    assert_eq!(drawn.lines().count(), 2000);
    let entries: Vec<pacesetter_domain::sample::Entry> = population
        .lines()
        .map(|l| {
            let (p, s) = l.split_once('\t').unwrap();
            pacesetter_domain::sample::Entry { pseudonym: p.into(), stratum: s.into() }
        })
        .collect();
    let seed = pacesetter_domain::sample::draw_seed(office_seed, unit_seed);
    let again: String =
        pacesetter_domain::sample::draw(&entries, pacesetter_domain::sample::Size::Count(2000), &seed).iter().map(|d| format!("{}\t{}\n", d.stratum, d.pseudonym)).collect();
    assert_eq!(again, drawn, "anyone recomputes the same draw from the record");
    let record = anon.get(app.url(&format!("/samples/{sample}"))).send().await.unwrap().text().await.unwrap();
    assert!(record.contains(&seed) && record.contains(office_seed) && record.contains(unit_seed));
    // The survey's audience is the draw.
    let page = office.get(app.url(&format!("/surveys/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("2000 人"), "the survey invites the 2,000 drawn");
    // Each person looks up their own pseudonym.
    let student = app.login("student").await;
    let mine = student.get(app.url("/me/pseudonym")).send().await.unwrap().text().await.unwrap();
    let p = mine.split("<strong>").nth(1).unwrap().split("</strong>").next().unwrap();
    assert_eq!(p.len(), 32);
    assert!(population.lines().any(|l| l.starts_with(p)), "the student finds themselves in the published population");
    assert_eq!(mine.contains(&format!("/samples/{sample}")), drawn.contains(p), "and sees whether they were drawn");
}

async fn the_window_survey_runs_from_the_template_to_results_and_exports(app: TestApp) {
    let office = app.login("office").await;
    let (status, _) = post(&app, &office, "/surveys", &[("template", "window-satisfaction"), ("owner", "office")]).await;
    assert_eq!(status, 303);
    let page = office.get(app.url("/surveys")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("文明示范窗口群众满意度测评表"), "the new survey is listed");
    let id: i64 = {
        let i = page.find("href=\"/surveys/").unwrap() + "href=\"/surveys/".len();
        page[i..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
    };
    // The preview shows the nine ratings and the comment box, in three sections.
    let preview = office.get(app.url(&format!("/surveys/{id}/answer"))).send().await.unwrap().text().await.unwrap();
    assert!(preview.contains("预览"));
    assert_eq!(preview.matches("<legend>").count(), 3);
    assert_eq!(preview.matches("name=\"q9\"").count(), 3, "满意 / 基本满意 / 不满意");

    // Targets: every window; the audience: the library (by unit) and the member (by number).
    assert_eq!(post(&app, &office, &format!("/surveys/{id}/targets"), &[]).await.0, 303);
    let library = reach(&app, "unithead", "unit").await;
    let lib = app.get_json(&office, &format!("/api/v1/units/{library}")).await;
    let window = lib["children"].as_array().unwrap().iter().find(|n| n["kind"] == "window").unwrap()["id"].as_i64().unwrap();
    assert_eq!(post(&app, &office, &format!("/surveys/{id}/audience"), &[("mode", "unit"), ("node", &library.to_string())]).await.0, 303);
    let member_number = number_of(&app, "member").await;
    let branchsec_number = number_of(&app, "branchsec").await;
    let numbers = format!("{member_number}\n{branchsec_number}");
    assert_eq!(post(&app, &office, &format!("/surveys/{id}/audience"), &[("mode", "numbers"), ("numbers", &numbers)]).await.0, 303);
    let (status, body) = post(&app, &office, &format!("/surveys/{id}/audience"), &[("mode", "numbers"), ("numbers", "NOSUCH-1")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("查无此人"), "an unknown number is named, nothing added");

    // Answering before the survey opens is refused.
    let member = app.login("member").await;
    let r = member.post(app.url(&format!("/api/v1/surveys/{id}/responses"))).json(&json!({"target": window, "answers": answers(0, "")})).send().await.unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(post(&app, &office, &format!("/surveys/{id}/open"), &[("confirmed", "1")]).await.0, 303);
    let (status, _) = post(&app, &office, &format!("/surveys/{id}/questions"), &[("action", "add"), ("kind", "text"), ("text", "迟到的题目")]).await;
    assert_eq!(status, 409, "an open survey's questions are frozen");

    // Six printed slips, answered through their links: q9 = 满意, 满意, 基本满意, 不满意, 满意, 基本满意.
    let r = app.post_form(&office, &format!("/surveys/{id}/links"), &[("kind", "slips"), ("count", "7")]).await;
    assert_eq!(r.status(), 200);
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}'), "CSV with a BOM");
    let tokens: Vec<String> = csv.lines().skip(1).map(|l| l.rsplit("/s/").next().unwrap().trim().trim_matches('"').to_string()).collect();
    assert_eq!(tokens.len(), 7);
    assert!(tokens.iter().all(|t| t.len() == 32), "128-bit tokens");
    let anon = common::client(&app.url(""));
    for (t, q9) in tokens.iter().zip([0u8, 0, 1, 2, 0, 1]) {
        let r = anon.post(app.url(&format!("/api/v1/s/{t}"))).json(&json!({"target": window, "answers": answers(q9, "窗口服务热情周到，办事效率高。")})).send().await.unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    }
    // A spent link is refused, as a page and through the API.
    let r = anon.post(app.url(&format!("/api/v1/s/{}", tokens[0]))).json(&json!({"target": window, "answers": answers(0, "")})).send().await.unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(anon.get(app.url(&format!("/s/{}", tokens[0]))).send().await.unwrap().status(), 409);
    assert_eq!(anon.get(app.url("/s/00000000000000000000000000000000")).send().await.unwrap().status(), 404);

    // The member answers by login through the form: 不满意 overall.
    let form = app.csrf(&member, &format!("/surveys/{id}/answer?target={window}")).await;
    let mut fields: Vec<(String, String)> = vec![("_csrf".into(), form), ("target".into(), window.to_string())];
    for (k, v) in answers(2, "").as_object().unwrap() {
        fields.push((k.clone(), v.to_string()));
    }
    let r = member
        .post(app.url(&format!("/surveys/{id}/answer")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(&fields).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("已提交"));
    let again = member.post(app.url(&format!("/api/v1/surveys/{id}/responses"))).json(&json!({"target": window, "answers": answers(0, "")})).send().await.unwrap();
    assert_eq!(again.status(), 409);
    assert!(again.text().await.unwrap().contains("只能作答一次"));

    // Fifty submissions at once from one person: exactly one is stored.
    let bs = app.login("branchsec").await;
    let mut handles = Vec::new();
    for _ in 0..50 {
        let c = bs.clone();
        let url = app.url(&format!("/api/v1/surveys/{id}/responses"));
        handles.push(tokio::spawn(async move { c.post(url).json(&json!({"target": window, "answers": answers(0, "")})).send().await.unwrap().status().as_u16() }));
    }
    let mut codes = Vec::new();
    for h in handles {
        codes.push(h.await.unwrap());
    }
    assert_eq!(codes.iter().filter(|c| **c == 201).count(), 1, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == 409).count(), 49, "{codes:?}");

    // Expected, by hand: q9 over 8 responses: 满意 4 (slips 1, 2, 5; branchsec), 基本满意 2
    // (slips 3, 6), 不满意 2 (slip 4, member): rate (4 + 2) / 8 = 75.00%. q5 (基本满意 in every
    // answer): 8 of 8. Channels: 6 by link, 2 by login: the 2 are under the minimum, and the 6
    // goes with them (8 minus 6 would give the 2 away).
    let results = office.get(app.url(&format!("/surveys/{id}/results"))).send().await.unwrap().text().await.unwrap();
    assert!(results.contains("75.00%"), "the rate");
    assert!(results.contains("4/2/2"), "its counts");
    assert!(results.contains("第 9 题（总体评价）"), "the definition is printed with the figure");
    assert!(results.contains("窗口服务热情周到"), "free text of a group of 8 is shown");
    assert!(results.contains("<svg"), "charts are drawn on the server");
    assert!(results.contains("100.00%"), "q5: every answer 基本满意");
    assert!(results.contains(r#"<div class="stat">—</div><div class="muted">专属链接</div>"#), "6 by link, hidden with the 2");
    assert!(results.contains(r#"<div class="stat">—</div><div class="muted">登录作答</div>"#), "2 by login, under the minimum");
    // The response rate by organization: the invitees (the library's people, the member and
    // the branch secretary) by tree; the two who answered by login are under the minimum, so
    // no row says how many answered.
    let rate_rows: Vec<(String, u64, String)> = results
        .split("各单位参与率")
        .nth(1)
        .expect("the response-rate table")
        .split("<tr><td>")
        .skip(1)
        .filter_map(|r| {
            let cells: Vec<&str> = r.split("</td>").map(|c| c.rsplit('>').next().unwrap_or("")).collect();
            Some((cells.first()?.to_string(), cells.get(2)?.parse().ok()?, cells.get(3)?.to_string()))
        })
        .collect();
    // In this demo the library's six people (five of them Party members) sit under one college and
    // one secondary Party organization, the member and the branch secretary under another.
    let pairs: Vec<(&str, u64, &str)> = rate_rows.iter().map(|r| (r.0.as_str(), r.1, r.2.as_str())).collect();
    assert_eq!(pairs, vec![("党组织", 5, "&lt;5"), ("党组织", 2, "&lt;5"), ("行政单位", 6, "&lt;5"), ("行政单位", 2, "&lt;5")]);
    let recount = office.get(app.url(&format!("/surveys/{id}/results?recount=1"))).send().await.unwrap().text().await.unwrap();
    assert!(recount.contains("核算一致"), "the stored tally equals a recount from the raw responses");
    // The window's own line, and the response rate of the library's people.
    let one = office.get(app.url(&format!("/surveys/{id}/results?target={window}"))).send().await.unwrap().text().await.unwrap();
    assert!(one.contains("75.00%"));

    // Exports: raw responses in random-id order without persons; the summary with the rate.
    let raw = office.get(app.url(&format!("/surveys/{id}/export/responses.csv"))).send().await.unwrap().text().await.unwrap();
    let lines: Vec<&str> = raw.lines().collect();
    assert_eq!(lines.len(), 9, "a header and 8 responses");
    assert!(!lines[0].contains("人员编号"), "an anonymous survey exports no person column: {}", lines[0]);
    let ids: Vec<&str> = lines[1..].iter().map(|l| l.split(',').next().unwrap().trim_matches('"')).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "kept and exported in the order of their random ids");
    assert!(ids.iter().all(|i| i.len() == 36 && i.as_bytes()[14] == b'4'), "version-4 ids");
    let summary = office.get(app.url(&format!("/surveys/{id}/export/summary.csv"))).send().await.unwrap().text().await.unwrap();
    assert!(summary.contains("75.00%"));
    let pdf = office.get(app.url(&format!("/surveys/{id}/export/summary.pdf"))).send().await.unwrap().bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    assert!(poppler("pdffonts", &pdf, &[]).lines().any(|l| l.contains("yes yes")), "embedded subset font");
    let text = poppler("pdftotext", &pdf, &["-enc", "UTF-8"]);
    assert!(text.contains("75.00%") && text.contains("满意率"), "{text}");
    let exported = text.split("导出日期").nth(1).unwrap_or("").trim_start();
    assert!(exported.chars().take(12).collect::<String>().contains('年'), "dates in PDFs as people write them (2012年12月20日): {text}");
    let xlsx = office.get(app.url(&format!("/surveys/{id}/export/responses.xlsx"))).send().await.unwrap();
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));

    // A reminder reaches those who have not answered (the library's people), once a day.
    assert_eq!(post(&app, &office, &format!("/surveys/{id}/remind"), &[]).await.0, 303);
    let head = app.login("unithead").await;
    let notes = head.get(app.url("/notifications")).send().await.unwrap().text().await.unwrap();
    assert!(notes.contains("请完成问卷"), "the unit head, invited with the library and silent, is reminded");
    let mine = member.get(app.url("/notifications")).send().await.unwrap().text().await.unwrap();
    assert!(!mine.contains("请完成问卷"), "who answered is not reminded");
    assert_eq!(post(&app, &office, &format!("/surveys/{id}/remind"), &[]).await.0, 303);
    let again = head.get(app.url("/notifications")).send().await.unwrap().text().await.unwrap();
    assert_eq!(again.matches("请完成问卷").count(), notes.matches("请完成问卷").count(), "once a day");
    // The member, not the owner, sees no results; the invitee's list shows the survey answered.
    assert_eq!(member.get(app.url(&format!("/surveys/{id}/results"))).send().await.unwrap().status(), 404);
    let mine = member.get(app.url("/surveys")).send().await.unwrap().text().await.unwrap();
    assert!(mine.contains("已作答"));
    // Closing ends answering.
    assert_eq!(post(&app, &office, &format!("/surveys/{id}/close"), &[]).await.0, 303);
    let r = anon.post(app.url(&format!("/api/v1/s/{}", tokens[6]))).json(&json!({"target": window, "answers": answers(0, "")})).send().await.unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("未在进行中"));
}

async fn a_survey_refuses_bad_answers_and_strangers(app: TestApp) {
    let office = app.login("office").await;
    assert_eq!(post(&app, &office, "/surveys", &[("template", "theme-commitments"), ("owner", "office")]).await.0, 303);
    let page = office.get(app.url("/surveys")).send().await.unwrap().text().await.unwrap();
    let i = page.find("href=\"/surveys/").unwrap() + "href=\"/surveys/".len();
    let id: i64 = page[i..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap();
    let member_number = number_of(&app, "member").await;
    assert_eq!(post(&app, &office, &format!("/surveys/{id}/audience"), &[("mode", "numbers"), ("numbers", &member_number)]).await.0, 303);
    assert_eq!(post(&app, &office, &format!("/surveys/{id}/open"), &[("confirmed", "1")]).await.0, 303);
    let member = app.login("member").await;
    // Issue 18: a query string that does not parse is explained in the user's language, not in
    // the parser's English.
    let r = member.get(app.url(&format!("/surveys/{id}/answer?target=abc"))).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let body = r.text().await.unwrap();
    assert!(body.contains("查询参数“target”应为数字") && !body.contains("invalid digit") && !body.contains("deserialize"), "{body}");
    let anon = reqwest::Client::new();
    let r = anon.get(app.url(&format!("/surveys/{id}/answer?target=abc"))).header("accept-language", "en-GB,en;q=0.9").send().await.unwrap();
    let body = r.text().await.unwrap();
    assert!(!body.contains("invalid digit") && !body.contains("deserialize"), "{body}");
    // So is an address whose id is not a number (a mistyped QR link).
    for path in ["/w/abc/rate", "/surveys/abc", "/api/v1/surveys/abc"] {
        let r = member.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 400, "{path}");
        let body = r.text().await.unwrap();
        assert!(body.contains("网址不正确") && !body.contains("Cannot parse") && !body.contains("Invalid URL"), "{path}: {body}");
    }
    // A required matrix left half empty, an option that does not exist: each named, nothing stored.
    let token = app.csrf(&member, &format!("/surveys/{id}/answer")).await;
    let body = serde_urlencoded::to_string([("_csrf", token.as_str()), ("q1", "7"), ("q3.0", "0")]).unwrap();
    let r = member.post(app.url(&format!("/surveys/{id}/answer"))).header("content-type", "application/x-www-form-urlencoded").body(body).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("不是本题的选项"));
    assert!(html.contains("请为每一项评分"));
    assert!(html.contains("此题必答"));
    let r = member.post(app.url(&format!("/api/v1/surveys/{id}/responses"))).json(&json!({"answers": {"q1": "很多"}})).send().await.unwrap();
    assert_eq!(r.status(), 422);
    // A good answer is taken once.
    let good = json!({"answers": {"q1": 0, "q3": [0, 1, 0], "q4": 1}});
    assert_eq!(member.post(app.url(&format!("/api/v1/surveys/{id}/responses"))).json(&good).send().await.unwrap().status(), 201);
    // A named survey that allows it takes a second answer as a replacement; an anonymous one never.
    let (status, body) =
        post(&app, &office, "/surveys", &[("template", "blank"), ("owner", "office"), ("title", "支部意见征集"), ("anonymous", "yes"), ("allow_replace", "yes")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("不能替换"));
    // A personal link goes by mail to an invitee without an account, never to the office; it
    // can be revoked by the person's number, and then opens nothing.
    let r = office
        .post(app.url("/api/v1/people"))
        .header("x-csrf-token", app.csrf(&office, "/home").await)
        .json(&json!({"name": "链接测试", "kind": "staff", "number": "T16000101", "political_status": "13", "unit_id": reach(&app, "unithead", "unit").await, "email": "link.test@example.edu.cn"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    assert_eq!(post(&app, &office, &format!("/surveys/{id}/audience"), &[("mode", "numbers"), ("numbers", "T16000101")]).await.0, 303);
    let r = app.post_form(&office, &format!("/surveys/{id}/links"), &[("kind", "personal")]).await;
    assert_eq!(r.status(), 303);
    assert!(!r.text().await.unwrap().contains("/s/"));
    let link = app.mailed_link("link.test@example.edu.cn").await.expect("the link is mailed to the invitee");
    let anon = common::client(&app.url(""));
    assert_eq!(anon.get(app.url(&format!("/s/{link}"))).send().await.unwrap().status(), 200);
    assert_eq!(post(&app, &office, &format!("/surveys/{id}/links/revoke"), &[("number", "T16000101")]).await.0, 303);
    assert_eq!(anon.get(app.url(&format!("/s/{link}"))).send().await.unwrap().status(), 404, "a revoked link opens nothing");
    assert_eq!(post(&app, &office, &format!("/surveys/{id}/links/revoke"), &[("number", "NOSUCH")]).await.0, 422);
    // Someone not invited learns nothing and cannot answer.
    let other = app.login("branchsec2").await;
    assert_eq!(other.get(app.url(&format!("/surveys/{id}"))).send().await.unwrap().status(), 404);
    assert_eq!(other.post(app.url(&format!("/api/v1/surveys/{id}/responses"))).json(&good).send().await.unwrap().status(), 404);
    // One response in an anonymous survey: no figures, no raw export.
    let results = office.get(app.url(&format!("/surveys/{id}/results"))).send().await.unwrap().text().await.unwrap();
    assert!(results.contains("答卷不足 5 份"));
    assert_eq!(office.get(app.url(&format!("/surveys/{id}/export/responses.csv"))).send().await.unwrap().status(), 403);
}

both!(windows_have_standards_inspections_qr_posters_and_advisory_ratings, paper_forms_are_numbered_printed_and_entered_once);

fn png_1x1() -> Vec<u8> {
    vec![
        137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0, 58, 126, 155, 85, 0, 0, 0, 10, 73, 68, 65, 84, 120, 156, 99, 248, 15,
        0, 1, 1, 1, 0, 177, 56, 246, 20, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
    ]
}

async fn library_window(app: &TestApp) -> (i64, i64) {
    let office = app.login("office").await;
    let library = reach(app, "unithead", "unit").await;
    let lib = app.get_json(&office, &format!("/api/v1/units/{library}")).await;
    let window = lib["children"].as_array().unwrap().iter().find(|n| n["kind"] == "window").unwrap()["id"].as_i64().unwrap();
    (library, window)
}

async fn windows_have_standards_inspections_qr_posters_and_advisory_ratings(app: TestApp) {
    let (library, window) = library_window(&app).await;
    let head = app.login("unithead").await;
    // The library sets its windows' standards; a weight out of range is refused.
    assert_eq!(post(&app, &head, &format!("/units/{library}/standards"), &[("item", "服务态度热情"), ("weight", "60")]).await.0, 303);
    assert_eq!(post(&app, &head, &format!("/units/{library}/standards"), &[("item", "办事效率高"), ("weight", "40")]).await.0, 303);
    let (status, body) = post(&app, &head, &format!("/units/{library}/standards"), &[("item", "其他"), ("weight", "0")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("权重应为"));
    // The window's public page shows them, with its QR code.
    let anon = common::client(&app.url(""));
    let page = anon.get(app.url(&format!("/w/{window}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("服务态度热情") && page.contains("办事效率高"));
    assert!(page.contains(&format!("/w/{window}/qr.png")));
    assert!(!page.contains("实地检查"), "inspections are for its managers only");
    let qr = anon.get(app.url(&format!("/w/{window}/qr.png"))).send().await.unwrap();
    assert_eq!(qr.headers()["content-type"], "image/png");
    assert!(qr.bytes().await.unwrap().starts_with(b"\x89PNG"));
    let poster = anon.get(app.url(&format!("/w/{window}/poster.pdf"))).send().await.unwrap().bytes().await.unwrap();
    assert!(poster.starts_with(b"%PDF"));
    assert!(poster.len() < 1_000_000);
    let fonts = poppler("pdffonts", &poster, &[]);
    assert!(fonts.lines().any(|l| l.contains("yes yes")), "the font is embedded as a subset: {fonts}");
    let text = poppler("pdftotext", &poster, &["-enc", "UTF-8"]);
    assert!(text.contains("群众满意度测评"), "the text can be extracted: {text}");
    let drawn = poppler("pdftoppm", &poster, &["-gray", "-r", "20"]);
    let dark: usize = drawn.trim_start_matches("dark pixels: ").parse().unwrap();
    assert!(dark > 500, "the glyphs and the QR code are drawn: {drawn}");

    // An inspection: 60 × 90 + 40 × 70 over 100 = 82.00; a missing score is refused.
    let spage = head.get(app.url(&format!("/units/{library}/standards"))).send().await.unwrap().text().await.unwrap();
    let ids: Vec<String> = spage.match_indices("name=\"retire\" value=\"").map(|(i, m)| spage[i + m.len()..].chars().take_while(char::is_ascii_digit).collect()).collect();
    assert_eq!(ids.len(), 2);
    let token = app.csrf(&head, "/home").await;
    let bad = reqwest::multipart::Form::new().text(format!("score_{}", ids[0]), "90");
    let r = head.post(app.url(&format!("/w/{window}/inspections"))).header("x-csrf-token", token.clone()).multipart(bad).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let good = reqwest::multipart::Form::new()
        .text(format!("score_{}", ids[0]), "90")
        .text(format!("score_{}", ids[1]), "70")
        .text("day", "2012-05-18")
        .text("notes", "窗口整洁，有一人未佩戴工作牌")
        .part("photos", reqwest::multipart::Part::bytes(png_1x1()).file_name("现场.png"));
    let r = head.post(app.url(&format!("/w/{window}/inspections"))).header("x-csrf-token", token).multipart(good).send().await.unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let page = head.get(app.url(&format!("/w/{window}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("82.00") && page.contains("未佩戴工作牌") && page.contains("/inspection-photos/"));

    // The library measures its windows: a survey; the QR page takes advisory ratings apart.
    assert_eq!(post(&app, &head, "/surveys", &[("template", "window-satisfaction"), ("owner", &library.to_string())]).await.0, 303);
    let id = {
        let list = head.get(app.url("/surveys")).send().await.unwrap().text().await.unwrap();
        let i = list.find("href=\"/surveys/").unwrap() + "href=\"/surveys/".len();
        list[i..].chars().take_while(char::is_ascii_digit).collect::<String>().parse::<i64>().unwrap()
    };
    assert_eq!(post(&app, &head, &format!("/surveys/{id}/targets"), &[]).await.0, 303);
    assert_eq!(post(&app, &head, &format!("/surveys/{id}/open"), &[("confirmed", "1")]).await.0, 303);
    let form = anon.get(app.url(&format!("/w/{window}/rate"))).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("只作参考"), "without login, the rating is advisory");
    let token = common::token_in(&form).unwrap();
    let mut fields: Vec<(String, String)> = vec![("_csrf".into(), token.clone())];
    for (k, v) in answers(0, "").as_object().unwrap() {
        fields.push((k.clone(), v.to_string()));
    }
    let send = |fields: Vec<(String, String)>| {
        let anon = anon.clone();
        let url = app.url(&format!("/w/{window}/rate?survey={id}"));
        async move { anon.post(url).header("content-type", "application/x-www-form-urlencoded").body(serde_urlencoded::to_string(&fields).unwrap()).send().await.unwrap() }
    };
    let r = send(fields.clone()).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("参考意见"));
    for _ in 0..9 {
        assert_eq!(send(fields.clone()).await.status(), 200);
    }
    assert_eq!(send(fields.clone()).await.status(), 429, "ten an hour per address");
    let results = head.get(app.url(&format!("/surveys/{id}/results"))).send().await.unwrap().text().await.unwrap();
    assert!(results.contains("参考评价"));
    assert!(results.contains("答卷不足 5 份"), "advisory ratings never count as responses");
    assert!(results.contains("82.00"), "the inspection score stands beside the survey's figures");
}

async fn paper_forms_are_numbered_printed_and_entered_once(app: TestApp) {
    let office = app.login("office").await;
    assert_eq!(post(&app, &office, "/surveys", &[("template", "theme-commitments"), ("owner", "office")]).await.0, 303);
    let list = office.get(app.url("/surveys")).send().await.unwrap().text().await.unwrap();
    let i = list.find("href=\"/surveys/").unwrap() + "href=\"/surveys/".len();
    let id: i64 = list[i..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap();
    assert_eq!(post(&app, &office, &format!("/surveys/{id}/open"), &[("confirmed", "1")]).await.0, 303);
    let r = app.post_form(&office, &format!("/surveys/{id}/paper/issue"), &[("count", "3")]).await;
    assert_eq!(r.status(), 303);
    let print = office.get(app.url(r.headers()["location"].to_str().unwrap())).send().await.unwrap().text().await.unwrap();
    let serials: Vec<String> = (1..=3).map(|n| format!("{id:04}-{n:06}")).collect();
    assert!(serials.iter().all(|s| print.contains(s.as_str())), "each printed form carries its serial");
    assert!(print.contains("☐"));
    // q1 option 1, q2 options 1 and 3, q3 matrix 1/2/1, q4 rating 2, q5 text.
    let entry = [("q1", "1"), ("q2", "13"), ("q3", "121"), ("q4", "2"), ("q5", "纸质意见")];
    let mut fields = vec![("serial", serials[0].as_str())];
    fields.extend(entry);
    let r = app.post_form(&office, &format!("/surveys/{id}/paper"), &fields).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (status, body) = post(&app, &office, &format!("/surveys/{id}/paper"), &fields).await;
    assert_eq!(status, 409);
    assert!(body.contains("已录入过"));
    let mut bad = vec![("serial", "0000-999999")];
    bad.extend(entry);
    let (status, body) = post(&app, &office, &format!("/surveys/{id}/paper"), &bad).await;
    assert_eq!(status, 422);
    assert!(body.contains("未发放"));
    let mut wrong = vec![("serial", serials[1].as_str())];
    wrong.extend([("q1", "7"), ("q3", "12"), ("q4", "2")]);
    let (status, body) = post(&app, &office, &format!("/surveys/{id}/paper"), &wrong).await;
    assert_eq!(status, 422);
    assert!(body.contains("不是本题的选项") && body.contains("请为每一项评分"));
    // Counted, but one form is under the minimum: not even its channel is shown.
    let page = office.get(app.url(&format!("/surveys/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("纸质 1"));
    let raw = office.get(app.url(&format!("/surveys/{id}/export/responses.csv"))).send().await;
    assert_eq!(raw.unwrap().status(), 403, "one anonymous response: no raw export");
    // Only the office enters paper forms.
    let head = app.login("unithead").await;
    assert_eq!(head.get(app.url(&format!("/surveys/{id}/paper"))).send().await.unwrap().status(), 403);
}

both!(the_survey_api_runs_a_survey_and_publishes_no_small_group, samples_and_paper_forms_work_through_the_api);

/// POSTs JSON and returns the status and the answer.
async fn post_json(app: &TestApp, c: &Client, path: &str, body: Value) -> (u16, Value) {
    let r = c.post(app.url(path)).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Everything the survey pages do, through the JSON API: create, build, invite, hand out slips,
/// open, answer (logged in and by link), results, recount, close. An anonymous survey's answers
/// name nobody, and a target with fewer than 5 responses shows nothing, not even by subtraction
/// from a total, a channel or its free texts.
async fn the_survey_api_runs_a_survey_and_publishes_no_small_group(app: TestApp) {
    let office = app.login("office").await;
    let library = reach(&app, "unithead", "unit").await;
    let mut windows = Vec::new();
    for name in ["接口测试窗口甲", "接口测试窗口乙"] {
        let (status, w) = post_json(&app, &office, &format!("/api/v1/units/{library}/children"), json!({"kind": "window", "name": name})).await;
        assert!(status == 200 || status == 201, "{status} {w}");
        windows.push(w["id"].as_i64().unwrap());
    }
    let (shown, hidden) = (windows[0], windows[1]);

    // Create from the plan's template; the list offers the templates and lists the survey.
    let list = app.get_json(&office, "/api/v1/surveys").await;
    assert!(list["templates"].as_array().unwrap().iter().any(|t| t["code"] == "window-satisfaction"), "{list}");
    assert!(list["office"].as_bool().unwrap());
    let (status, s) = post_json(&app, &office, "/api/v1/surveys", json!({"template": "window-satisfaction", "title": "接口测评"})).await;
    assert_eq!(status, 201, "{s}");
    let id = s["id"].as_i64().unwrap();
    assert_eq!((s["state"].as_str(), s["anonymous"].as_bool(), s["manages"].as_bool()), (Some("draft"), Some(true), Some(true)));
    assert_eq!(s["questions"].as_array().unwrap().len(), 10);
    let (status, _) = post_json(&app, &office, "/api/v1/surveys", json!({"template": "no-such-template"})).await;
    assert_eq!(status, 422, "an unknown template is a mistake to correct");
    assert!(app.get_json(&office, "/api/v1/surveys").await["managed"].as_array().unwrap().iter().any(|x| x["id"] == id));

    // The builder: a question added, moved, removed; a bad one refused with its field.
    let (status, s) =
        post_json(&app, &office, &format!("/api/v1/surveys/{id}/questions"), json!({"action": "add", "kind": "single", "text": "您的身份", "options": ["学生", "教工"]})).await;
    assert_eq!(status, 200, "{s}");
    let added = s["questions"].as_array().unwrap().last().unwrap()["code"].as_str().unwrap().to_string();
    assert_eq!(s["questions"].as_array().unwrap().len(), 11);
    let (status, s) = post_json(&app, &office, &format!("/api/v1/surveys/{id}/questions"), json!({"action": "up", "code": added})).await;
    assert_eq!(status, 200);
    assert_eq!(s["questions"][9]["code"], added.as_str());
    let (status, e) = post_json(&app, &office, &format!("/api/v1/surveys/{id}/questions"), json!({"action": "add", "kind": "single", "text": "没有选项"})).await;
    assert_eq!(status, 422, "{e}");
    assert!(e["error"]["fields"].to_string().contains("options"), "{e}");
    let (status, s) = post_json(&app, &office, &format!("/api/v1/surveys/{id}/questions"), json!({"action": "delete", "code": added})).await;
    assert_eq!(status, 200);
    assert_eq!(s["questions"].as_array().unwrap().len(), 10);

    // Targets: the two windows; the audience: the member by number.
    let (status, s) = post_json(&app, &office, &format!("/api/v1/surveys/{id}/targets"), json!({"targets": [shown, hidden]})).await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["targets"].as_array().unwrap().len(), 2);
    let member_number = number_of(&app, "member").await;
    let (status, a) = post_json(&app, &office, &format!("/api/v1/surveys/{id}/audience"), json!({"mode": "numbers", "numbers": [member_number]})).await;
    assert_eq!(status, 200, "{a}");
    assert_eq!((a["added"].as_u64(), a["invitees"].as_i64()), (Some(1), Some(1)));
    let (status, _) = post_json(&app, &office, &format!("/api/v1/surveys/{id}/audience"), json!({"mode": "everyone"})).await;
    assert_eq!(status, 422);
    // Slips: printed links tied to nobody, shown once.
    let (status, l) = post_json(&app, &office, &format!("/api/v1/surveys/{id}/links"), json!({"kind": "slips", "count": 9})).await;
    assert_eq!(status, 200, "{l}");
    let slips: Vec<String> = l["slips"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().rsplit('/').next().unwrap().to_string()).collect();
    assert_eq!(slips.len(), 9);
    let (status, l) = post_json(&app, &office, &format!("/api/v1/surveys/{id}/links"), json!({"kind": "personal"})).await;
    assert_eq!(status, 200, "{l}");
    assert_eq!(l["with_account"], 1, "the member answers by logging in: {l}");
    assert!(l["slips"].as_array().unwrap().is_empty(), "personal links never come back");

    // Not open yet: nobody answers; a stranger finds nothing.
    let member = app.login("member").await;
    let (status, _) = post_json(&app, &member, &format!("/api/v1/surveys/{id}/responses"), json!({"target": shown, "answers": answers(0, "")})).await;
    assert_eq!(status, 409);
    let stranger = app.login("orgsec").await;
    assert_eq!(stranger.get(app.url(&format!("/api/v1/surveys/{id}"))).send().await.unwrap().status(), 404);
    assert_eq!(stranger.get(app.url(&format!("/api/v1/surveys/{id}/results"))).send().await.unwrap().status(), 404);
    let (status, s) = post_json(&app, &office, &format!("/api/v1/surveys/{id}/open"), json!({})).await;
    assert_eq!((status, s["state"].as_str()), (200, Some("open")));
    let (status, _) = post_json(&app, &office, &format!("/api/v1/surveys/{id}/open"), json!({})).await;
    assert_eq!(status, 409, "opened once");

    // The member: invited, answers once; the answer carries only a random id.
    let mine = app.get_json(&member, "/api/v1/surveys").await;
    assert!(mine["invitations"].as_array().unwrap().iter().any(|i| i["survey"]["id"] == id && i["answered"] == false), "{mine}");
    let form = app.get_json(&member, &format!("/api/v1/surveys/{id}")).await;
    assert_eq!((form["invited"].as_bool(), form["manages"].as_bool(), form["answered"].as_bool()), (Some(true), Some(false), Some(false)));
    assert!(form["invitees"].is_null() && form["channels"].is_null(), "the audience's size is the manager's: {form}");
    let (status, a) = post_json(&app, &member, &format!("/api/v1/surveys/{id}/responses"), json!({"target": shown, "answers": answers(0, "公开意见")})).await;
    assert_eq!(status, 201, "{a}");
    assert_eq!(a.as_object().unwrap().keys().collect::<Vec<_>>(), vec!["id"], "nothing but the response's random id: {a}");
    assert!(!a.to_string().contains(&member_number));
    let (status, _) = post_json(&app, &member, &format!("/api/v1/surveys/{id}/responses"), json!({"target": shown, "answers": answers(0, "")})).await;
    assert_eq!(status, 409);
    // Answers are typed: anything but a number, a list or a text is refused, never a 500.
    let (status, _) = post_json(&app, &member, &format!("/api/v1/surveys/{id}/responses"), json!({"target": hidden, "answers": {"q1": {"x": 1}}})).await;
    assert!((400..500).contains(&status), "{status}");
    let (status, _) = post_json(&app, &member, &format!("/api/v1/surveys/{id}/responses"), json!({"target": hidden, "answers": "q1=0"})).await;
    assert!((400..500).contains(&status), "{status}");

    // By slip: the form, then the answer; 4 more about the shown window, 2 about the other.
    let anon = common::client(&app.url(""));
    let f = app.get_json(&anon, &format!("/api/v1/s/{}", slips[0])).await;
    assert_eq!(f["survey"], id);
    assert_eq!(f["targets"].as_array().unwrap().len(), 2);
    assert!(f["questions"][8]["columns"].as_array().is_some_and(|c| c.len() == 3));
    for (i, slip) in slips.iter().take(6).enumerate() {
        let (target, comment) = if i < 4 { (shown, "公开意见") } else { (hidden, "只写给乙窗口的秘密意见") };
        let (status, a) = post_json(&app, &anon, &format!("/api/v1/s/{slip}"), json!({"target": target, "answers": answers(if i == 0 { 2 } else { 0 }, comment)})).await;
        assert_eq!(status, 201, "{a}");
    }
    let (status, _) = post_json(&app, &anon, &format!("/api/v1/s/{}", slips[0]), json!({"target": shown, "answers": answers(0, "")})).await;
    assert_eq!(status, 409, "a slip answers once");
    assert_eq!(anon.get(app.url(&format!("/api/v1/s/{}", slips[0]))).send().await.unwrap().status(), 409);

    // Results: the shown window has 5 and its figures; the other has 2 and shows nothing, and
    // nothing contains it: not the total, not a channel, not the texts.
    let r = app.get_json(&office, &format!("/api/v1/surveys/{id}/results")).await;
    assert_eq!(r["min_group"], 5);
    let by = |t: i64| r["targets"].as_array().unwrap().iter().find(|x| x["id"] == t).unwrap().clone();
    assert_eq!(by(shown)["figures"]["responses"], 5, "{r}");
    assert!(by(hidden)["figures"].is_null(), "two responses show nothing: {r}");
    assert_eq!(r["total"]["responses"], 5, "the total is the shown targets' only: {r}");
    assert_eq!((r["hidden_targets"].as_u64(), r["left_out"].as_bool()), (Some(1), Some(true)));
    assert!(r["others"].is_null());
    let shown_channels: u64 = r["channels"].as_array().unwrap().iter().filter_map(|c| c["responses"].as_u64()).sum();
    assert!(shown_channels <= 5, "no channel count gives the hidden window away: {r}");
    let text = r.to_string();
    assert!(text.contains("公开意见") && !text.contains("秘密意见"), "the free texts follow the figures shown: {r}");
    assert!(!text.contains(&member_number) && !text.contains("person"), "no person in the results");
    let one = app.get_json(&office, &format!("/api/v1/surveys/{id}/results?target={hidden}")).await;
    assert_eq!(one["target"], hidden);
    assert!(one["view"].is_null() && one["texts"].as_array().unwrap().iter().all(|t| t["texts"].as_array().unwrap().is_empty()), "{one}");
    let one = app.get_json(&office, &format!("/api/v1/surveys/{id}/results?target={shown}")).await;
    assert_eq!(one["view"]["responses"], 5);
    assert_eq!(one["view"]["rate"], "80.00", "one dissatisfied of 5: {one}");
    // The member sees no results of a survey that does not open them; the manager recounts.
    assert_eq!(member.get(app.url(&format!("/api/v1/surveys/{id}/results"))).send().await.unwrap().status(), 404);
    assert_eq!(app.get_json(&office, &format!("/api/v1/surveys/{id}/recount")).await["consistent"], true);
    let b = app.get_json(&office, &format!("/api/v1/surveys/{id}")).await;
    assert_eq!(b["invitees"], 1);

    // Reminders, a revoked link, and the close; nothing is taken after it.
    let (status, reminded) = post_json(&app, &office, &format!("/api/v1/surveys/{id}/remind"), json!({})).await;
    assert_eq!(status, 200);
    // A handful answered: how many were reminded would say how many answered.
    assert!(reminded["notified"].is_null() && reminded["mailed"].is_null(), "{reminded}");
    let r = office.post(app.url(&format!("/api/v1/surveys/{id}/links/revoke"))).json(&json!({"number": member_number})).send().await.unwrap();
    assert_eq!(r.status(), 204);
    let (status, s) = post_json(&app, &office, &format!("/api/v1/surveys/{id}/close"), json!({})).await;
    assert_eq!((status, s["state"].as_str()), (200, Some("closed")));
    let (status, _) = post_json(&app, &office, &format!("/api/v1/surveys/{id}/close"), json!({})).await;
    assert_eq!(status, 409, "closed once");
    let (status, _) = post_json(&app, &anon, &format!("/api/v1/s/{}", slips[7]), json!({"target": shown, "answers": answers(0, "")})).await;
    assert_eq!(status, 409, "a closed survey takes no answer");
}

/// A spot check drawn with two seeds through the API, recomputed from its public record; paper
/// forms issued, listed and entered once.
async fn samples_and_paper_forms_work_through_the_api(app: TestApp) {
    let office = app.login("office").await;
    let head = app.login("unithead").await;
    let library = reach(&app, "unithead", "unit").await;
    let (status, s) = post_json(&app, &head, "/api/v1/samples", json!({"node": library, "size": "1", "owner_unit_id": library})).await;
    assert_eq!(status, 201, "{s}");
    let id = s["id"].as_i64().unwrap();
    assert_eq!((s["state"].as_str(), s["purpose"].as_str(), s["party"].as_str()), (Some("committing"), Some("spot_check"), Some("unit")));
    assert!(app.get_json(&office, "/api/v1/samples").await.as_array().unwrap().iter().any(|x| x["id"] == id));
    let (status, _) = post_json(&app, &head, "/api/v1/samples", json!({"node": library, "size": "lots", "owner_unit_id": library})).await;
    assert_eq!(status, 422);
    let (office_seed, unit_seed) = ("office-api-seed", "unit-api-seed");
    let (status, s) = post_json(&app, &office, &format!("/api/v1/samples/{id}/commit"), json!({"seed": sha256_hex(office_seed)})).await;
    assert_eq!((status, s["party"].as_str()), (200, Some("office")), "{s}");
    let stranger = app.login("orgsec").await;
    let (status, _) = post_json(&app, &stranger, &format!("/api/v1/samples/{id}/commit"), json!({"seed": "x"})).await;
    assert_eq!(status, 403, "a third party has no seed to give");
    let (status, _) = post_json(&app, &head, &format!("/api/v1/samples/{id}/reveal"), json!({"seed": unit_seed})).await;
    assert_eq!(status, 409, "no reveal before both commit");
    let (status, s) = post_json(&app, &head, &format!("/api/v1/samples/{id}/commit"), json!({"seed": unit_seed})).await;
    assert_eq!((status, s["state"].as_str()), (200, Some("revealing")));
    let (status, _) = post_json(&app, &office, &format!("/api/v1/samples/{id}/reveal"), json!({"seed": "another"})).await;
    assert_eq!(status, 422, "a seed that does not match its commitment");
    assert_eq!(post_json(&app, &office, &format!("/api/v1/samples/{id}/reveal"), json!({"seed": office_seed})).await.0, 200);
    let (status, s) = post_json(&app, &head, &format!("/api/v1/samples/{id}/reveal"), json!({"seed": unit_seed})).await;
    assert_eq!((status, s["state"].as_str()), (200, Some("drawn")), "{s}");
    assert_eq!(s["drawn"].as_array().unwrap().len(), 1);
    // Anyone recomputes the draw from the public record.
    let anon = common::client(&app.url(""));
    let record = app.get_json(&anon, &format!("/api/v1/samples/{id}")).await;
    assert!(record["party"].is_null());
    let population = anon.get(app.url(record["population_file"].as_str().unwrap())).send().await.unwrap().text().await.unwrap();
    assert_eq!(sha256_hex(&population), record["population_hash"].as_str().unwrap());
    let drawn = anon.get(app.url(record["drawn_file"].as_str().unwrap())).send().await.unwrap().text().await.unwrap();
    let entries: Vec<pacesetter_domain::sample::Entry> = population
        .lines()
        .map(|l| {
            let (p, s) = l.split_once('\t').unwrap();
            pacesetter_domain::sample::Entry { pseudonym: p.into(), stratum: s.into() }
        })
        .collect();
    let seed = pacesetter_domain::sample::draw_seed(office_seed, unit_seed);
    assert_eq!(record["draw_seed"], seed.as_str());
    let again: String =
        pacesetter_domain::sample::draw(&entries, pacesetter_domain::sample::Size::Count(1), &seed).iter().map(|d| format!("{}\t{}\n", d.stratum, d.pseudonym)).collect();
    assert_eq!(again, drawn);
    // My pseudonym.
    let student = app.login("student").await;
    let me = app.get_json(&student, "/api/v1/me/pseudonym").await;
    assert_eq!(me["pseudonym"].as_str().unwrap().len(), 32);

    // Paper forms: the office's; issued, listed, entered once; nothing joins a serial to a response.
    let (status, s) = post_json(&app, &office, "/api/v1/surveys", json!({"template": "theme-commitments"})).await;
    assert_eq!(status, 201, "{s}");
    let sid = s["id"].as_i64().unwrap();
    assert_eq!(post_json(&app, &office, &format!("/api/v1/surveys/{sid}/open"), json!({})).await.0, 200);
    let (status, i) = post_json(&app, &office, &format!("/api/v1/surveys/{sid}/paper/issue"), json!({"count": 3})).await;
    assert_eq!(status, 200, "{i}");
    assert_eq!(i["serials"].as_array().unwrap().len(), 3);
    assert_eq!(post_json(&app, &office, &format!("/api/v1/surveys/{sid}/paper/issue"), json!({"count": 0})).await.0, 422);
    let listed = app.get_json(&office, &format!("/api/v1/surveys/{sid}/paper/serials")).await;
    assert_eq!(listed["total"], 3);
    assert_eq!(listed["serials"], i["serials"]);
    let serial = i["serials"][0].as_str().unwrap();
    let body = json!({"serial": serial, "answers": {"q1": 0, "q2": [0, 2], "q3": [0, 1, 0], "q4": 1, "q5": "纸质意见"}});
    let (status, e) = post_json(&app, &office, &format!("/api/v1/surveys/{sid}/paper"), body.clone()).await;
    assert_eq!(status, 201, "{e}");
    assert_eq!(e.as_object().unwrap().keys().collect::<Vec<_>>(), vec!["serial"]);
    assert_eq!(post_json(&app, &office, &format!("/api/v1/surveys/{sid}/paper"), body).await.0, 409, "entered once");
    let (status, _) = post_json(&app, &office, &format!("/api/v1/surveys/{sid}/paper"), json!({"serial": "0000-999999", "answers": {"q1": 0}})).await;
    assert_eq!(status, 422);
    let desk = app.get_json(&office, &format!("/api/v1/surveys/{sid}/paper")).await;
    assert_eq!((desk["issued"].as_i64(), desk["entered"].as_i64()), (Some(3), Some(1)));
    assert_eq!(head.get(app.url(&format!("/api/v1/surveys/{sid}/paper"))).send().await.unwrap().status(), 403, "only the office");
    // One anonymous response: the builder's channels show nothing.
    let b = app.get_json(&office, &format!("/api/v1/surveys/{sid}")).await;
    assert!(b["channels"].as_array().unwrap().iter().all(|c| c["responses"].is_null()), "{b}");
}
