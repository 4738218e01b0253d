//! Research projects (item 18) over HTTP, on both databases: the office opens a call; members
//! apply with a team and a blind section (one naming its author is refused) and a Word file
//! whose author is removed; the college forwards within its quota; experts score the blind
//! sections once each, recused from their own college's, and never see an applicant's name in
//! any page, export or API answer; the ranking is recomputed here by hand from the score sheets
//! the auditor downloads (the highest and lowest dropped); a tie at the funding line is decided
//! with a reason; the approval list goes on notice and is approved with each project's funding.

mod common;

use common::TestApp;
use reqwest::Client;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use std::io::{Read, Write};

both!(a_call_goes_from_applications_to_approved_projects_with_a_blind_review,);

async fn post(app: &TestApp, c: &Client, path: &str, body: Value) -> (u16, Value) {
    let r = c.post(app.url(path)).header("x-csrf-token", app.csrf(c, "/home").await).json(&body).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn apply(app: &TestApp, c: &Client, call: i64, title: &str, blind: &str, team: &str, file: Option<Vec<u8>>) -> (u16, Value) {
    let mut form = Form::new().text("category", "c2").text("title", title.to_string()).text("budget", "9000").text("team", team.to_string()).text("blind", blind.to_string());
    if let Some(f) = file {
        form = form.part("files", Part::bytes(f).file_name("王某某课题申报书.docx"));
    }
    let r = c.post(app.url(&format!("/api/v1/research/{call}/applications"))).header("x-csrf-token", app.csrf(c, "/home").await).multipart(form).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

/// A Word document whose properties name its author and college.
fn docx_by(author: &str, college: &str) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    for (name, data) in [
        ("[Content_Types].xml", "<Types/>".to_string()),
        ("word/document.xml", "<w:document>研究内容与方法</w:document>".to_string()),
        ("docProps/core.xml", format!("<cp:coreProperties><dc:creator>{author}</dc:creator></cp:coreProperties>")),
        ("docProps/app.xml", format!("<Properties><Company>{college}</Company></Properties>")),
    ] {
        w.start_file(name, o).unwrap();
        w.write_all(data.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn gcd(a: u128, b: u128) -> u128 {
    if b == 0 { a } else { gcd(b, a % b) }
}

async fn text(c: &Client, url: String) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    let s = r.status().as_u16();
    let disposition = r.headers().get("content-disposition").map(|v| v.to_str().unwrap_or("").to_string()).unwrap_or_default();
    let bytes = r.bytes().await.unwrap();
    // An Excel file is a zip: read its parts as text too.
    let mut body = String::from_utf8_lossy(&bytes).to_string();
    if let Ok(mut z) = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())) {
        for i in 0..z.len() {
            let mut part = String::new();
            let _ = z.by_index(i).unwrap().read_to_string(&mut part);
            body.push_str(&part);
        }
    }
    (s, format!("{disposition}\n{body}"))
}

async fn a_call_goes_from_applications_to_approved_projects_with_a_blind_review(app: TestApp) {
    let office = app.login("office").await;
    let auditor = app.login("auditor").await;
    let college = app.login("orgsec").await;
    let member = app.login("member").await;
    let branch_sec = app.login("branchsec").await;
    let name_of = async |user: &str| {
        let c = app.login(user).await;
        let p = app.get_json(&c, "/api/v1/me").await["person_id"].as_i64().unwrap();
        (p, app.get_json(&office, &format!("/api/v1/people/{p}")).await["name"].as_str().unwrap().to_string())
    };
    let (member_person, member_name) = name_of("member").await;
    let (_, orgsec_name) = name_of("orgsec").await;
    let (teammate, teammate_name) = name_of("branchsec").await;
    let cs = app.reach("orgsec", "org").await;
    let cs_name = app.get_json(&office, &format!("/api/v1/orgs/{cs}")).await["node"]["name"].as_str().unwrap().to_string();

    // The office opens the call; bad input names every mistake.
    let (s, v) = post(
        &app,
        &office,
        "/api/v1/research",
        json!({"title": "", "deadline": "三月底", "categories": "重点", "criteria": "选题 50", "trim": "x", "funded": "0", "quota": "", "notice_days": "99"}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["error"]["fields"].as_array().unwrap().len(), 8, "{v}");
    assert_eq!(post(&app, &college, "/api/v1/research", json!({})).await.0, 403);
    // A day ahead: the server counts days in China time.
    let today = time::OffsetDateTime::now_utc().date() + time::Duration::days(1);
    let call = json!({"title": "2012年校级党建研究课题", "deadline": today.to_string(), "categories": "重点课题 20000\n一般课题 8000", "criteria": "选题意义 40\n研究方案 60", "trim": "trim", "funded": "1", "quota": "2", "notice_days": "5"});
    let (s, v) = post(&app, &office, "/api/v1/research", call).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();

    // Applications: within the cap, a blind section naming nobody.
    let blind = "本课题研究学生党支部建在项目组上的做法，拟采用问卷与访谈。";
    let (s, v) = apply(&app, &member, id, "项目组党建研究", blind, "", None).await;
    assert_eq!((s, v["error"]["fields"][0]["field"].as_str()), (422, Some("budget")), "over the cap of 8000: {v}");
    let over = Form::new().text("category", "c2").text("title", "项目组党建研究").text("budget", "8000").text("blind", format!("课题负责人{member_name}长期从事学生工作。"));
    let r = member.post(app.url(&format!("/api/v1/research/{id}/applications"))).header("x-csrf-token", app.csrf(&member, "/home").await).multipart(over).send().await.unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["fields"][0]["field"].as_str(), Some("blind"), "the blind section names its author: {v}");
    let ok = |title: &'static str| Form::new().text("category", "c2").text("title", title).text("budget", "8000").text("blind", blind);
    let send = async |c: &Client, f: Form| {
        let r = c.post(app.url(&format!("/api/v1/research/{id}/applications"))).header("x-csrf-token", app.csrf(c, "/home").await).multipart(f).send().await.unwrap();
        let s = r.status().as_u16();
        (s, r.json::<Value>().await.unwrap_or(Value::Null))
    };
    let (s, v) = send(
        &member,
        ok("项目组党建研究").text("team", teammate.to_string()).part("files", Part::bytes(docx_by(&member_name, &cs_name)).file_name(format!("{member_name}申报书.docx"))),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let a = v["id"].as_i64().unwrap();
    let (s, v) = send(&college, ok("学院党建工作品牌研究")).await;
    assert_eq!(s, 201, "{v}");
    let b = v["id"].as_i64().unwrap();
    let (s, v) = send(&branch_sec, ok("支部组织生活质量研究")).await;
    assert_eq!(s, 201, "{v}");
    let c3 = v["id"].as_i64().unwrap();

    // Search finds an application by its words for those who read it with its names, no one else.
    let found = async |c: &Client, q: &str| {
        let q = percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC).to_string();
        let v = app.get_json(c, &format!("/api/v1/search?q={q}&kind=research")).await;
        v["groups"].as_array().unwrap().iter().flat_map(|g| g["hits"].as_array().unwrap().iter()).any(|h| h["id"] == b)
    };
    assert!(found(&college, "党建工作品牌").await);
    assert!(!found(&member, "党建工作品牌").await, "the member reads only their own");

    // Who reads an application with its names: its team, its college, the office; not another college.
    let d = app.get_json(&branch_sec, &format!("/api/v1/research/applications/{a}")).await;
    assert_eq!((d["applicant"].as_str(), d["team"][0]["name"].as_str()), (Some(member_name.as_str()), Some(teammate_name.as_str())), "{d}");
    let other = app.login("branchsec2").await;
    assert_eq!(other.get(app.url(&format!("/api/v1/research/applications/{a}"))).send().await.unwrap().status(), 404);
    // The office does not forward for the college; the college forwards within its quota of 2.
    assert_eq!(post(&app, &office, &format!("/api/v1/research/applications/{a}/forward"), json!({"action": "forward"})).await.0, 403);
    assert_eq!(post(&app, &college, &format!("/api/v1/research/applications/{a}/forward"), json!({"action": "return"})).await.0, 422, "a return says why");
    for x in [a, b] {
        let (s, v) = post(&app, &college, &format!("/api/v1/research/applications/{x}/forward"), json!({"action": "forward"})).await;
        assert_eq!((s, v["state"].as_str()), (200, Some("forwarded")), "{v}");
    }
    let (s, v) = post(&app, &college, &format!("/api/v1/research/applications/{c3}/forward"), json!({"action": "forward"})).await;
    assert_eq!(s, 409, "the quota is used up: {v}");
    assert_eq!(post(&app, &college, &format!("/api/v1/research/applications/{c3}/forward"), json!({"action": "return", "comment": "名额已满"})).await.0, 200);

    // Experts: one of the college (recused from its applications), and others.
    let candidates = ["branchsec", "teacher", "cadre", "unithead", "contact", "branchsec2"];
    for u in candidates {
        let (s, v) = post(&app, &office, &format!("/api/v1/research/{id}/experts"), json!({"username": u})).await;
        assert_eq!(s, 201, "{u}: {v}");
    }
    assert_eq!(post(&app, &office, &format!("/api/v1/research/{id}/experts"), json!({"username": "teacher"})).await.0, 409);
    // Those who read names are not experts: a leader, the auditor, the office.
    for u in ["leader", "auditor", "office"] {
        let (s, v) = post(&app, &office, &format!("/api/v1/research/{id}/experts"), json!({"username": u})).await;
        assert_eq!((s, v["error"]["fields"][0]["field"].as_str()), (422, Some("username")), "{u}: {v}");
    }
    assert_eq!(post(&app, &office, &format!("/api/v1/research/{id}/close"), json!({})).await.0, 409, "not before the deadline");
    app.age(&format!("UPDATE research_calls SET deadline = '2012-03-31' WHERE id = {id}")).await;
    let (s, v) = post(&app, &office, &format!("/api/v1/research/{id}/close"), json!({})).await;
    assert_eq!((s, v["stage"].as_str()), (200, Some("review")), "{v}");

    // Each expert's blind list: no name, no organization, no file name from the applicant.
    let secrets = [member_name.as_str(), orgsec_name.as_str(), teammate_name.as_str(), cs_name.as_str(), "申报书"];
    let mut scorers = Vec::new();
    for u in candidates {
        let e = app.login(u).await;
        let review = app.get_json(&e, &format!("/api/v1/research/{id}/review")).await;
        let ids: Vec<i64> = review["applications"].as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect();
        if u == "branchsec" {
            assert!(ids.is_empty(), "recused from their own college's: {review}");
        }
        assert!(!ids.contains(&c3), "a returned application is not reviewed");
        let mut seen = vec![review.to_string()];
        seen.push(text(&e, app.url(&format!("/research/{id}/review"))).await.1);
        seen.push(text(&e, app.url(&format!("/research/{id}"))).await.1);
        seen.push(app.get_json(&e, &format!("/api/v1/research/{id}")).await.to_string());
        seen.push(text(&e, app.url(&format!("/research/{id}/applications.xlsx"))).await.1);
        for x in review["applications"].as_array().unwrap() {
            for f in x["files"].as_array().unwrap() {
                let (s, body) = text(&e, app.url(f["href"].as_str().unwrap())).await;
                assert_eq!(s, 200);
                assert!(body.contains("研究内容与方法"), "the file itself is kept");
                seen.push(body);
            }
        }
        // The college's own branch secretary is on a team and applied: they read their own,
        // and are recused from the college's anyway.
        let insider = u == "branchsec";
        for x in [a, b] {
            let s = e.get(app.url(&format!("/api/v1/research/applications/{x}"))).send().await.unwrap().status();
            assert!(insider || s == 404, "{u} reads no names: {s}");
        }
        assert_eq!(e.get(app.url(&format!("/api/v1/research/{id}/ranking"))).send().await.unwrap().status(), 403);
        assert_eq!(e.get(app.url(&format!("/research/{id}/sheets.csv"))).send().await.unwrap().status(), 403);
        for body in seen.iter().filter(|_| !insider) {
            for secret in secrets {
                assert!(!body.contains(secret), "{u} sees {secret:?}: {}", body.chars().take(600).collect::<String>());
            }
        }
        if ids.contains(&a) && ids.contains(&b) {
            scorers.push((u, e));
        }
    }
    assert!(scorers.len() >= 3, "enough experts outside the college: {}", scorers.len());

    // The sheets: the last expert is far apart on each, so dropping the extremes ties them.
    let n = scorers.len();
    let mut given: Vec<(i64, [u32; 2])> = Vec::new();
    for (k, (u, e)) in scorers.iter().enumerate() {
        let last = k == n - 1;
        let sa = if last { [0, 0] } else { [80, 70] };
        let sb = if last { [100, 100] } else { [80, 70] };
        for (x, sc) in [(a, sa), (b, sb)] {
            let (s, v) = post(&app, e, &format!("/api/v1/research/applications/{x}/score"), json!({"scores": [sc[0].to_string(), sc[1].to_string()]})).await;
            assert_eq!(s, 204, "{u}: {v}");
            given.push((x, sc));
        }
        let (s, _) = post(&app, e, &format!("/api/v1/research/applications/{a}/score"), json!({"scores": ["90", "90"]})).await;
        assert_eq!(s, 409, "once each");
    }
    let (s, _) = post(&app, &scorers[0].1, &format!("/api/v1/research/applications/{a}/score"), json!({"scores": ["101"]})).await;
    assert!(s == 422 || s == 409);
    assert_eq!(post(&app, &branch_sec, &format!("/api/v1/research/applications/{a}/score"), json!({"scores": ["90", "90"]})).await.0, 404, "a recused expert cannot score");

    // Everyone still missing a sheet blocks the notice.
    let (s, v) = post(&app, &office, &format!("/api/v1/research/{id}/publish"), json!({})).await;
    assert_eq!(s, 409, "{v}");
    // The remaining experts (outside the college, not among the scorers) score too.
    for u in candidates {
        if scorers.iter().any(|(x, _)| *x == u) || u == "branchsec" {
            continue;
        }
        let e = app.login(u).await;
        let review = app.get_json(&e, &format!("/api/v1/research/{id}/review")).await;
        for x in review["applications"].as_array().unwrap() {
            let xid = x["id"].as_i64().unwrap();
            let (s, _) = post(&app, &e, &format!("/api/v1/research/applications/{xid}/score"), json!({"scores": ["80", "70"]})).await;
            assert_eq!(s, 204);
            given.push((xid, [80, 70]));
        }
    }

    // The auditor downloads the sheets and recomputes the ranking by hand.
    let sheets = app.get_json(&auditor, &format!("/api/v1/research/{id}/sheets")).await;
    assert_eq!(sheets.as_array().unwrap().len(), given.len(), "{sheets}");
    let csv = auditor.get(app.url(&format!("/research/{id}/sheets.csv"))).send().await.unwrap().text().await.unwrap();
    assert_eq!(csv.lines().count(), given.len() + 1, "{csv}");
    let mut exact = std::collections::HashMap::new();
    for x in [a, b] {
        // A sheet's total: (40 × s1 + 60 × s2) / 100; without the highest and the lowest.
        let mut totals: Vec<u128> = sheets
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["application_id"] == x)
            .map(|s| 40 * s["scores"][0].as_u64().unwrap() as u128 + 60 * s["scores"][1].as_u64().unwrap() as u128)
            .collect();
        totals.sort();
        let kept = &totals[1..totals.len() - 1];
        let (num, den) = (kept.iter().sum::<u128>(), 100 * kept.len() as u128);
        let g = gcd(num, den);
        exact.insert(x, format!("{}/{}", num / g, den / g));
    }
    assert_eq!(exact[&a], exact[&b], "dropping the extremes ties them");
    let ranking = app.get_json(&auditor, &format!("/api/v1/research/{id}/ranking")).await;
    for line in ranking.as_array().unwrap() {
        let x = line["application_id"].as_i64().unwrap();
        assert_eq!(line["score_exact"].as_str(), Some(exact[&x].as_str()), "{line}");
        assert_eq!(line["tied"], true, "{line}");
    }
    assert_eq!(line_count(&ranking), 2);
    // A tie at the funding line: no notice until the office orders it, with a reason.
    let (s, v) = post(&app, &office, &format!("/api/v1/research/{id}/publish"), json!({})).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(post(&app, &office, &format!("/api/v1/research/{id}/tie"), json!({"order": [b, a], "reason": ""})).await.0, 422);
    assert_eq!(post(&app, &office, &format!("/api/v1/research/{id}/tie"), json!({"order": [b], "reason": "研究基础更扎实"})).await.0, 422);
    assert_eq!(post(&app, &office, &format!("/api/v1/research/{id}/tie"), json!({"order": [b, a], "reason": "研究基础更扎实"})).await.0, 204);
    let ranking = app.get_json(&office, &format!("/api/v1/research/{id}/ranking")).await;
    assert_eq!((ranking[0]["application_id"].as_i64(), ranking[0]["funded"].as_bool()), (Some(b), Some(true)), "{ranking}");
    let (s, v) = post(&app, &office, &format!("/api/v1/research/{id}/publish"), json!({})).await;
    assert_eq!((s, v["stage"].as_str()), (200, Some("notice")), "{v}");
    // On notice: everyone signed in sees the approval list; approval waits for the notice to end.
    let seen = app.get_json(&member, &format!("/api/v1/research/{id}")).await;
    assert_eq!(seen["approved"].as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect::<Vec<_>>(), vec![b], "{seen}");
    assert!(seen["ranking"].is_null(), "no figures for a member");
    assert!(seen["tie_reason"].is_null() && seen["tie_order"].as_array().unwrap().is_empty(), "nor the tie decision: {seen}");
    assert_eq!(post(&app, &office, &format!("/api/v1/research/{id}/approve"), json!({"decision": "校党字〔2012〕8号"})).await.0, 409);
    app.age(&format!("UPDATE research_calls SET notice_from = '2012-04-01', notice_until = '2012-04-08' WHERE id = {id}")).await;
    assert_eq!(post(&app, &office, &format!("/api/v1/research/{id}/approve"), json!({"decision": ""})).await.0, 422);
    let (s, v) = post(&app, &office, &format!("/api/v1/research/{id}/approve"), json!({"decision": "校党字〔2012〕8号"})).await;
    assert_eq!((s, v["stage"].as_str()), (200, Some("final")), "{v}");
    let funded = app.get_json(&college, &format!("/api/v1/research/applications/{b}")).await;
    assert_eq!(funded["funding"].as_i64(), Some(8000), "{funded}");
    // The exports: the ranking for the office, the applications for the college.
    let (s, body) = text(&office, app.url(&format!("/research/{id}/ranking.xlsx"))).await;
    assert!(s == 200 && body.contains("学院党建工作品牌研究"), "{s}");
    let (s, body) = text(&college, app.url(&format!("/research/{id}/applications.xlsx"))).await;
    assert!(s == 200 && body.contains(&member_name), "{s}");
    let page = office.get(app.url(&format!("/research/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("研究基础更扎实") && page.contains("校党字〔2012〕8号"), "the page shows the tie's reason and the decision");
    let _ = member_person;

    // The auditor's bundle: the same sheets, the rule, the tie decision and the exact result, no name.
    let bundle = app.get_json(&auditor, &format!("/api/v1/research/{id}/audit")).await;
    let raw = bundle.to_string();
    for secret in [member_name.as_str(), orgsec_name.as_str(), cs_name.as_str()] {
        assert!(!raw.contains(secret), "the bundle names no one: {secret}");
    }
    assert_eq!(bundle["sheets"].as_array().unwrap().len(), given.len());
    assert_eq!(bundle["tie_reason"].as_str(), Some("研究基础更扎实"));
    for r in bundle["result"].as_array().unwrap() {
        let x = if r["application"] == funded["code"] { b } else { a };
        assert_eq!(r["score_exact"].as_str(), Some(exact[&x].as_str()), "{r}");
    }
    assert_eq!(college.get(app.url(&format!("/api/v1/research/{id}/audit"))).send().await.unwrap().status(), 403);

    // The funded project reports: mid-term first, each reviewed by the office.
    let report = async |c: &Client, kind: &str, body: &str| {
        let f = Form::new().text("kind", kind.to_string()).text("body", body.to_string());
        let r = c.post(app.url(&format!("/api/v1/research/applications/{b}/reports"))).header("x-csrf-token", app.csrf(c, "/home").await).multipart(f).send().await.unwrap();
        let s = r.status().as_u16();
        (s, r.json::<Value>().await.unwrap_or(Value::Null))
    };
    assert_eq!(report(&college, "final", "结题").await.0, 409, "the mid-term comes first");
    assert_eq!(report(&member, "midterm", "中期").await.0, 404, "a project the member cannot even read");
    assert_eq!(report(&office, "midterm", "中期").await.0, 403, "the office reviews reports, it does not write them");
    assert_eq!(report(&college, "midterm", "").await.0, 422);
    let (s, v) = report(&college, "midterm", "已完成问卷调查和两次访谈。").await;
    assert_eq!(s, 201, "{v}");
    let midterm = v["id"].as_i64().unwrap();
    assert_eq!(report(&college, "midterm", "再交一次").await.0, 409, "once while it is reviewed");
    assert_eq!(post(&app, &college, &format!("/api/v1/research/reports/{midterm}/review"), json!({"action": "pass"})).await.0, 403);
    assert_eq!(post(&app, &office, &format!("/api/v1/research/reports/{midterm}/review"), json!({"action": "return"})).await.0, 422);
    let (s, v) = post(&app, &office, &format!("/api/v1/research/reports/{midterm}/review"), json!({"action": "return", "comment": "请补充访谈记录"})).await;
    assert_eq!((s, v["state"].as_str()), (200, Some("returned")), "{v}");
    assert_eq!(report(&college, "midterm", "已完成问卷调查和两次访谈，附访谈记录。").await.0, 201, "handed in again after a return");
    assert_eq!(post(&app, &office, &format!("/api/v1/research/reports/{midterm}/review"), json!({"action": "pass"})).await.0, 200);
    let (s, v) = report(&college, "final", "形成研究报告一份。").await;
    assert_eq!(s, 201, "{v}");
    let d = app.get_json(&college, &format!("/api/v1/research/applications/{b}")).await;
    let states: Vec<(&str, &str)> = d["reports"].as_array().unwrap().iter().map(|r| (r["kind"].as_str().unwrap(), r["state"].as_str().unwrap())).collect();
    assert_eq!(states, vec![("midterm", "passed"), ("final", "submitted")], "{d}");
    assert!(d["may_report"].as_array().unwrap().is_empty(), "{d}");
}

fn line_count(v: &Value) -> usize {
    v.as_array().map(|a| a.len()).unwrap_or(0)
}
