//! Appraisal rounds through HTTP, on SQLite and PostgreSQL alike: the library's windows appraised
//! against the standards the library set, by the three groups (群众评议, 党员互评, 领导点评 with
//! comments), with the scores, grades and ranks written out by hand below; and a branch's
//! 民主评议党员, where the branch records grades (a reason where they differ from the advice) and a
//! 不合格 grade opens a case that the secondary organization closes.

mod common;

use common::{Backend, TestApp};
use reqwest::Client;
use serde_json::{Value, json};

async fn post(app: &TestApp, c: &Client, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let r = app.post_form(c, path, fields).await;
    let status = r.status().as_u16();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string());
    let body = r.text().await.unwrap();
    (status, location.unwrap_or(body))
}

fn id_in(location: &str) -> i64 {
    location.trim_start_matches("/appraisals/").split('?').next().unwrap().parse().unwrap_or_else(|_| panic!("no id in {location}"))
}

async fn reach(app: &TestApp, c: &Client, kind: &str) -> i64 {
    let me = app.get_json(c, "/api/v1/me").await;
    let r = me["reaches"].as_array().unwrap().iter().find(|r| r["kind"] == kind && r["access"] == "write").unwrap_or_else(|| panic!("no {kind} reach: {me}"));
    r["target"].as_str().unwrap().trim_end_matches('/').rsplit('/').next().unwrap().parse().unwrap()
}

fn today() -> String {
    let d = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8)).date();
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

fn result(results: &Value, subject: i64) -> &Value {
    results["results"].as_array().unwrap().iter().find(|r| r["subject_id"] == subject).unwrap_or_else(|| panic!("no subject {subject} in {results}"))
}

async fn windows_are_appraised_by_three_groups(backend: Backend) {
    let Some(app) = common::spawn(backend).await else { return };
    let office = app.login("office").await;
    let unithead = app.login("unithead").await;
    let library = reach(&app, &unithead, "unit").await;
    // The library sets its standards for its windows (item 9).
    for (item, weight) in [("服务态度", "60"), ("办事效率", "40")] {
        let (status, _) = post(&app, &unithead, &format!("/units/{library}/standards"), &[("item", item), ("weight", weight)]).await;
        assert_eq!(status, 303);
    }
    // The member works at the library too, so they appraise its windows as a fellow Party member.
    let member = app.login("member").await;
    let me = app.get_json(&member, "/api/v1/me").await;
    let person = me["person_id"].as_i64().unwrap();
    let r = office
        .post(app.url(&format!("/api/v1/people/{person}/memberships")))
        .json(&json!({"tree": "unit", "node_id": library, "role": null, "start_date": today()}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());

    let t = today();
    let base = [
        ("title", "图书馆窗口三评"),
        ("kind", "window"),
        ("scale", "satisfaction"),
        ("w_masses", "50"),
        ("w_peers", "30"),
        ("w_leaders", "20"),
        ("w_own", "0"),
        ("grades", "优秀:90,良好:80,合格:60,不合格:0"),
        ("quota", "2"),
        ("opens", t.as_str()),
        ("closes", t.as_str()),
    ];
    // Bad input changes nothing: weights adding up to 90, a broken grade list.
    let lib = library.to_string();
    let mut bad: Vec<(&str, &str)> = base.to_vec();
    bad.push(("unit", lib.as_str()));
    bad.retain(|(k, _)| *k != "w_own");
    bad.push(("w_own", "-10"));
    let (status, body) = post(&app, &office, "/appraisals", &bad).await;
    assert_eq!(status, 422, "{body}");
    let mut bad2: Vec<(&str, &str)> = base.iter().filter(|(k, _)| *k != "w_masses").copied().collect();
    bad2.push(("unit", lib.as_str()));
    bad2.push(("w_masses", "40"));
    let (status, body) = post(&app, &office, "/appraisals", &bad2).await;
    assert_eq!(status, 422);
    assert!(body.contains("现在是 90"), "{body}");
    let (status, _) = post(&app, &member, "/appraisals", &[("title", "x")]).await;
    assert_eq!(status, 403);
    let mut good: Vec<(&str, &str)> = base.to_vec();
    good.push(("unit", lib.as_str()));
    let (status, location) = post(&app, &office, "/appraisals", &good).await;
    assert_eq!(status, 303, "{location}");
    let id = id_in(&location);
    let results = app.get_json(&office, &format!("/api/v1/appraisals/{id}/results")).await;
    let subjects: Vec<i64> = results["results"].as_array().unwrap().iter().map(|r| r["subject_id"].as_i64().unwrap()).collect();
    assert_eq!(subjects.len(), 5, "the library's five windows: {results}");
    let (w1, w2, w3) = (subjects[0], subjects[1], subjects[2]);
    let form = app.get_json(&office, "/api/v1/me").await; // keeps the session warm
    assert!(form["username"] == "office");
    let page = member.get(app.url(&format!("/appraisals/{id}/subjects/{w1}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("服务态度") && page.contains("办事效率") && page.contains("党员互评"), "the window's unit's standards, in the member's group");

    let student = app.login("student").await;
    let teacher = app.login("teacher").await;
    // Anonymous groups (群众评议, 党员互评) count only from 5 raters (DOMAIN.md): three more
    // students and four more Party members working at the library get accounts for the fixture.
    let demo_people: Vec<i64> = {
        let mut v = Vec::new();
        for u in ["member", "student", "teacher", "branchsec", "branchsec2", "orgsec", "cadre", "contact", "unithead", "office", "leader"] {
            v.push(app.get_json(&app.login(u).await, "/api/v1/me").await["person_id"].as_i64().unwrap_or(0));
        }
        v
    };
    let pick = |q: &'static str, n: usize| {
        let (app, office, demo_people) = (&app, office.clone(), demo_people.clone());
        async move {
            let page = app.get_json(&office, &format!("/api/v1/people?{q}&per_page=200")).await;
            page["items"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).filter(|p| !demo_people.contains(p)).take(n).collect::<Vec<i64>>()
        }
    };
    let students = pick("kind=student&political_status=03", 3).await;
    let mut masses = vec![student.clone(), teacher.clone()];
    for (i, p) in students.iter().enumerate() {
        masses.push(app.account_for(*p, &format!("masses{i}")).await);
    }
    let members = pick("kind=staff&political_status=01", 40).await;
    let mut peers = vec![member.clone()];
    for p in members {
        if peers.len() == 5 {
            break;
        }
        // Library staff only through the library: someone who already works there would be 自评 of their window.
        let rec = app.get_json(&office, &format!("/api/v1/people/{p}")).await;
        if rec["memberships"].as_array().unwrap().iter().any(|m| m["tree"] == "unit" && m["node_id"] == library) {
            continue;
        }
        let r = office
            .post(app.url(&format!("/api/v1/people/{p}/memberships")))
            .json(&json!({"tree": "unit", "node_id": library, "role": null, "start_date": today()}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
        peers.push(app.account_for(p, &format!("peer{}", peers.len())).await);
    }
    assert_eq!(peers.len(), 5);

    // The fixture (0 = 满意 100, 1 = 基本满意 60, 2 = 不满意 0; 服务态度 60, 办事效率 40):
    // window 1: 群众 100/100 → 100, 100/60 → 84, 100/100 → 100, 60/60 → 60, 100/100 → 100: mean
    // 444/5 = 88.8; 党员互评 60/100 → 76, 100/100 → 100, 100/100 → 100, 60/60 → 60, 100/60 → 84:
    // 84; 领导点评 unithead 100/100 → 100, office 60/60 → 60: 80.
    // 0.5 × 88.8 + 0.3 × 84 + 0.2 × 80 = 44.4 + 25.2 + 16 = 85.60 (428/5) → 良好.
    // window 2: one student 0/100 (under 5: counts as empty, shown as nothing); the unit head
    // 0/100 → 40: 领导点评 alone → 40.00 → 不合格. window 3 the same: 40.00, so windows 2 and 3
    // tie at the quota line of 2 until the office orders them, with a reason.
    let rate = |c: &Client, subject: i64, a: &str, b: &str, comment: &str| {
        let (app, c, a, b, comment) = (&app, c.clone(), a.to_string(), b.to_string(), comment.to_string());
        async move { post(app, &c, &format!("/appraisals/{id}/subjects/{subject}"), &[("c0", a.as_str()), ("c1", b.as_str()), ("comment", comment.as_str())]).await }
    };
    let desk = student.get(app.url("/home")).send().await.unwrap().text().await.unwrap();
    assert!(desk.contains("图书馆窗口三评") && desk.contains("待评议 5"), "the desk counts the windows to appraise");
    for (c, (a, b)) in masses.iter().zip([("0", "0"), ("0", "1"), ("0", "0"), ("1", "1"), ("0", "0")]) {
        assert_eq!(rate(c, w1, a, b, "").await.0, 303);
    }
    for (c, (a, b)) in peers.iter().zip([("1", "0"), ("0", "0"), ("0", "0"), ("1", "1"), ("0", "1")]) {
        let page = c.get(app.url(&format!("/appraisals/{id}/subjects/{w1}"))).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("党员互评"), "a fellow member of the library");
        assert_eq!(rate(c, w1, a, b, "").await.0, 303);
    }
    let (status, body) = rate(&unithead, w1, "0", "0", "").await;
    assert_eq!(status, 422, "a leader comments: {body}");
    assert!(body.contains("领导点评须写评语"));
    assert_eq!(rate(&unithead, w1, "0", "0", "服务热情，借还高效").await.0, 303);
    assert_eq!(rate(&office, w1, "1", "1", "高峰时段排队较长，需增加人手").await.0, 303);
    assert_eq!(rate(&student, w2, "2", "0", "").await.0, 303);
    assert_eq!(rate(&student, w3, "2", "0", "").await.0, 303);
    assert_eq!(rate(&unithead, w2, "2", "0", "态度需改进").await.0, 303);
    assert_eq!(rate(&unithead, w3, "2", "0", "态度需改进").await.0, 303);
    // Refused: a second appraisal, a value off the scale, a missing item.
    let (status, body) = rate(&student, w1, "1", "1", "").await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("您已评议过"));
    assert_eq!(rate(&teacher, w2, "7", "0", "").await.0, 422);
    assert_eq!(rate(&teacher, w2, "0", "", "").await.0, 422);

    let results = app.get_json(&office, &format!("/api/v1/appraisals/{id}/results")).await;
    let r1 = result(&results, w1);
    assert_eq!(r1["score"], "85.60", "{r1}");
    assert_eq!(r1["score_exact"], "428/5");
    assert_eq!(
        r1["groups"],
        json!([{"group": "masses", "raters": 5, "under_minimum": false, "mean": "88.80"}, {"group": "peers", "raters": 5, "under_minimum": false, "mean": "84.00"}, {"group": "leaders", "raters": 2, "under_minimum": false, "mean": "80.00"}])
    );
    assert_eq!(r1["advised"], "良好");
    assert_eq!(r1["rank"], 1);
    assert_eq!(r1["comments"].as_array().unwrap().len(), 2);
    let r2 = result(&results, w2);
    assert_eq!(r2["score"], "40.00");
    assert_eq!(r2["shared_out"], json!(["masses", "peers"]));
    // The lone student's rating shows nothing, not even how many rated (issue 16: a group of one
    // published its rater's exact score).
    assert_eq!(r2["groups"][0], json!({"group": "masses", "raters": null, "under_minimum": true, "mean": null}));
    assert_eq!(r2["advised"], "不合格");
    assert_eq!(r2["rank"], 2);
    assert_eq!(result(&results, w3)["rank"], 2, "equal scores share a rank");
    assert_eq!(r2["tied_at_line"], true);
    assert_eq!(r1["within_quota"], true);
    assert_eq!(r2["within_quota"], false, "a tie at the line puts neither within until the office decides");
    let (p2, p3) = (format!("pos{w2}"), format!("pos{w3}"));
    let (status, _) = post(&app, &office, &format!("/appraisals/{id}/tie"), &[(p3.as_str(), "1"), (p2.as_str(), "2")]).await;
    assert_eq!(status, 422, "a reason is required");
    let (status, _) = post(&app, &office, &format!("/appraisals/{id}/tie"), &[(p3.as_str(), "1"), (p2.as_str(), "2"), ("reason", "实地检查得分：三号窗口较高")]).await;
    assert_eq!(status, 303);
    let results = app.get_json(&office, &format!("/api/v1/appraisals/{id}/results")).await;
    assert_eq!(result(&results, w3)["within_quota"], true);
    assert_eq!(result(&results, w2)["within_quota"], false);
    assert_eq!(result(&results, w2)["tied_at_line"], false);
    // A page at a time (issue 17): the pages of two lines, in turn, are the whole list in its
    // order; a page past the last is the last; a typo is the first page of the default length.
    let all: Vec<Value> = results["results"].as_array().unwrap().clone();
    assert!(all.len() >= 3, "{results}");
    assert_eq!(results["total"], all.len());
    let mut joined = Vec::new();
    for n in 1..=all.len().div_ceil(2) {
        let p = app.get_json(&office, &format!("/api/v1/appraisals/{id}/results?per_page=2&page={n}")).await;
        assert_eq!((p["page"].as_u64(), p["per_page"].as_u64(), p["total"].as_u64()), (Some(n as u64), Some(2), Some(all.len() as u64)));
        joined.extend(p["results"].as_array().unwrap().iter().cloned());
    }
    assert_eq!(joined, all);
    let last = app.get_json(&office, &format!("/api/v1/appraisals/{id}/results?per_page=2&page=9223372036854775807")).await;
    assert_eq!(last["page"].as_u64(), Some(all.len().div_ceil(2) as u64));
    let typo = app.get_json(&office, &format!("/api/v1/appraisals/{id}/results?page=abc&per_page=x")).await;
    assert_eq!((typo["page"].as_u64(), typo["per_page"].as_u64()), (Some(1), Some(50)));
    let page = office.get(app.url(&format!("/appraisals/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("85.60") && page.contains("按无人评议处理") && page.contains("实地检查得分"), "{page}");
    let csv = office.get(app.url(&format!("/appraisals/{id}/results.csv"))).send().await.unwrap().text().await.unwrap();
    assert!(csv.contains("85.60") && csv.contains("良好"), "{csv}");
    assert!(csv.contains("名额线并列的处理") && csv.contains("实地检查得分：三号窗口较高"), "the tie decision and its reason: {csv}");

    // Issue 16: the auditor recounts every combined score and the order from the round's bundle
    // alone, in exact fractions, and gets what was published; the lone student's rating is not in it.
    let auditor = app.login("auditor").await;
    let r = auditor.get(app.url(&format!("/appraisals/{id}/audit.json"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let bundle: Value = r.json().await.unwrap();
    assert_eq!(member.get(app.url(&format!("/appraisals/{id}/audit.json"))).send().await.unwrap().status(), 403);
    recount_appraisal(&bundle, &results);
    let b2 = bundle["subjects"].as_array().unwrap().iter().find(|x| x["subject_id"] == w2).unwrap();
    assert!(b2["groups"][0]["ratings"].is_null() && b2["groups"][0]["omitted"].is_string(), "{b2}");
    assert_eq!(bundle["tie_reason"], "实地检查得分：三号窗口较高");
    assert_eq!(bundle["tie_order"], json!([w3, w2]));
    assert!(!bundle.to_string().contains("rater_id"), "no rater in the bundle");

    // Nor in a backup: who rated whom is kept apart, and an anonymous group's rating names no
    // rater (the once-each list has as many rows as there are ratings).
    let store = pacesetter_store::Store::open(&app.db_url, &pacesetter_store::OpenOptions::default()).await.unwrap();
    let mut file = Vec::new();
    pacesetter_store::backup::backup(&store, &mut file).await.unwrap();
    let (mut table, mut columns) = (String::new(), Vec::<String>::new());
    let (mut anonymous, mut named, mut raters) = (0, 0, 0);
    for line in String::from_utf8(file).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        if let Some(t) = v["table"].as_str() {
            table = t.to_string();
            columns = v["columns"].as_array().unwrap().iter().map(|c| c.as_str().or(c[0].as_str()).or(c["name"].as_str()).unwrap_or("").to_string()).collect();
            continue;
        }
        let Some(row) = v.as_array() else { continue };
        let col = |name: &str| &row[columns.iter().position(|c| c == name).unwrap_or_else(|| panic!("{name} in {columns:?}"))];
        match table.as_str() {
            "appraisal_ratings" if col("round_id") == id => {
                if matches!(col("grp").as_str(), Some("masses" | "peers")) {
                    assert!(col("rater_id").is_null(), "an anonymous rating names its rater: {row:?}");
                    anonymous += 1;
                } else {
                    assert!(col("rater_id").is_i64(), "{row:?}");
                    named += 1;
                }
            }
            "appraisal_raters" if col("round_id") == id => raters += 1,
            _ => {}
        }
    }
    assert!(anonymous >= 10 && named >= 2, "{anonymous} anonymous and {named} named ratings");
    assert_eq!(raters, anonymous + named);

    // The people served see no results; the unit head sees their windows'.
    let seen = app.get_json(&student, &format!("/api/v1/appraisals/{id}/results")).await;
    assert!(seen["results"].as_array().unwrap().is_empty(), "{seen}");
    let seen = app.get_json(&unithead, &format!("/api/v1/appraisals/{id}/results")).await;
    assert_eq!(seen["results"].as_array().unwrap().len(), 5);

    // The library's cadres: the head appraises their deputy as the leader, the member (library
    // staff now) as one of the people served; the head's own form is 自评.
    let (status, location) = post(
        &app,
        &office,
        "/appraisals",
        &[
            ("title", "图书馆干部评议"),
            ("kind", "cadre"),
            ("unit", lib.as_str()),
            ("w_masses", "40"),
            ("w_peers", "20"),
            ("w_leaders", "30"),
            ("w_own", "10"),
            ("opens", t.as_str()),
            ("closes", t.as_str()),
        ],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let cid = id_in(&location);
    let head = app.get_json(&unithead, "/api/v1/me").await["person_id"].as_i64().unwrap();
    let cadres = app.get_json(&office, &format!("/api/v1/appraisals/{cid}/results")).await;
    let list = cadres["results"].as_array().unwrap();
    assert!(list.len() >= 2, "the library's head and deputy: {cadres}");
    let own = list.iter().find(|r| r["person_id"] == head).expect("the head is appraised")["subject_id"].as_i64().unwrap();
    let deputy = list.iter().find(|r| r["person_id"] != head).unwrap()["subject_id"].as_i64().unwrap();
    let form = |cl: &Client, sid: i64| {
        let (cl, url) = (cl.clone(), app.url(&format!("/appraisals/{cid}/subjects/{sid}")));
        async move { cl.get(url).send().await.unwrap().text().await.unwrap() }
    };
    assert!(form(&unithead, deputy).await.contains("领导点评"));
    assert!(form(&unithead, own).await.contains("自评"));
    assert!(form(&member, deputy).await.contains("群众评议"));
    // A student of another college has no part: the round is not theirs to see (404 since issue
    // 17, which put who sees a round in its query; 403 before).
    let r = student.get(app.url(&format!("/appraisals/{cid}/subjects/{deputy}"))).send().await.unwrap();
    assert!(matches!(r.status().as_u16(), 403 | 404), "a student of another college has no part: {}", r.status());
}

async fn a_branch_grades_its_members(backend: Backend) {
    let Some(app) = common::spawn(backend).await else { return };
    let office = app.login("office").await;
    let branchsec = app.login("branchsec").await;
    let branch = reach(&app, &branchsec, "org").await;
    let b = branch.to_string();
    let t = today();
    let (status, location) = post(
        &app,
        &office,
        "/appraisals",
        &[
            ("title", "2012年民主评议党员"),
            ("kind", "member"),
            ("org", b.as_str()),
            ("scale", "satisfaction"),
            ("w_masses", "0"),
            ("w_peers", "60"),
            ("w_leaders", "40"),
            ("w_own", "0"),
            ("grades", "优秀:90,合格:70,基本合格:60,不合格:0"),
            ("opens", t.as_str()),
            ("closes", t.as_str()),
        ],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let id = id_in(&location);
    let member = app.login("member").await;
    let me = app.get_json(&member, "/api/v1/me").await["person_id"].as_i64().unwrap();
    let sec = app.get_json(&branchsec, "/api/v1/me").await["person_id"].as_i64().unwrap();
    let results = app.get_json(&branchsec, &format!("/api/v1/appraisals/{id}/results")).await;
    let all: Vec<i64> = results["results"].as_array().unwrap().iter().filter(|r| r["person_id"] != sec).map(|r| r["subject_id"].as_i64().unwrap()).collect();
    assert!(all.len() >= 3, "the branch's members but its secretary: {results}");
    let member_subject = results["results"].as_array().unwrap().iter().find(|r| r["person_id"] == me).and_then(|r| r["subject_id"].as_i64()).expect("the member is appraised");
    // The member's page lists the others as 党员互评 and themself as 自评 (not weighed: not offered).
    let page = member.get(app.url(&format!("/appraisals/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("党员互评"), "{page}");
    // Subjects that are neither the member nor the secretary.
    let mut others = Vec::new();
    for s in &all {
        let p = member.get(app.url(&format!("/appraisals/{id}/subjects/{s}"))).send().await.unwrap();
        let body = p.text().await.unwrap();
        if body.contains("党员互评") {
            others.push(*s);
        }
    }
    assert!(others.len() >= 2, "{others:?} (member {me}, secretary {sec})");
    let (x, y) = (others[0], others[1]);
    // X: the member 满意 (100) as a peer, alone, so the group counts as empty (an anonymous group
    // under 5 shows nothing); the secretary 基本满意 (60) as the leader carries it all: 60.00 →
    // advised 基本合格.
    let (status, _) = post(&app, &member, &format!("/appraisals/{id}/subjects/{x}"), &[("c0", "0")]).await;
    assert_eq!(status, 303);
    let (status, _) = post(&app, &branchsec, &format!("/appraisals/{id}/subjects/{x}"), &[("c0", "1"), ("comment", "学习主动，联系群众还需加强")]).await;
    assert_eq!(status, 303);
    let student = app.login("student").await;
    let (status, _) = post(&app, &student, &format!("/appraisals/{id}/subjects/{x}"), &[("c0", "0")]).await;
    assert_eq!(status, 403, "a student outside the member's units has no part");
    let r = app.get_json(&branchsec, &format!("/api/v1/appraisals/{id}/results")).await;
    assert_eq!(result(&r, x)["score"], "60.00");
    assert_eq!(result(&r, x)["advised"], "基本合格");
    assert_eq!(result(&r, x)["groups"][0]["under_minimum"], true, "{}", result(&r, x));

    // Grades wait for the appraisal to close (moved into the past here: the server has no clock
    // to wind).
    let (status, body) = post(&app, &branchsec, &format!("/appraisals/{id}/grades/{x}"), &[("grade", "合格")]).await;
    assert_eq!(status, 409, "{body}");
    let d = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8)).date() - time::Duration::days(3);
    let past = format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day());
    app.age(&format!("UPDATE appraisal_rounds SET opens = '{past}', closes = '{past}' WHERE id = {id}")).await;
    let (status, _) = post(&app, &branchsec, &format!("/appraisals/{id}/grades/{sec}"), &[("grade", "优秀"), ("reason", "x")]).await;
    assert!(status == 403 || status == 404, "a secretary does not grade themself: {status}");
    // The grade list starts on the advice, or on 请选择 where there is none (issue 18: it used to
    // start on 优秀); sent without a choice, nothing is recorded.
    let page = branchsec.get(app.url(&format!("/appraisals/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<option value=\"\">请选择</option>") || page.contains("<option value=\"\" selected>请选择</option>"), "{page}");
    let (status, body) = post(&app, &branchsec, &format!("/appraisals/{id}/grades/{x}"), &[("grade", "")]).await;
    assert_eq!(status, 422, "{body}");
    assert!(result(&app.get_json(&branchsec, &format!("/api/v1/appraisals/{id}/results")).await, x)["grade"].is_null());
    // The branch meeting decides 优秀: a reason is required since the advice is 基本合格.
    let (status, body) = post(&app, &branchsec, &format!("/appraisals/{id}/grades/{x}"), &[("grade", "优秀")]).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("请写明理由"), "{body}");
    let (status, _) = post(&app, &branchsec, &format!("/appraisals/{id}/grades/{x}"), &[("grade", "优秀"), ("reason", "支部大会表决：本年度带领学习小组成绩突出")]).await;
    assert_eq!(status, 303);
    // Another college's secretary cannot grade this branch's members.
    let other = app.login("branchsec2").await;
    let (status, _) = post(&app, &other, &format!("/appraisals/{id}/grades/{y}"), &[("grade", "合格"), ("reason", "x")]).await;
    assert_eq!(status, 404);
    // 不合格 opens a case for the secondary organization, which closes it.
    let (status, _) = post(&app, &branchsec, &format!("/appraisals/{id}/grades/{y}"), &[("grade", "不合格"), ("reason", "长期不参加组织生活，经教育仍不改正")]).await;
    assert_eq!(status, 303);
    let r = app.get_json(&branchsec, &format!("/api/v1/appraisals/{id}/results")).await;
    assert_eq!(result(&r, x)["grade"], "优秀");
    assert_eq!(result(&r, y)["grade"], "不合格");
    let orgsec = app.login("orgsec").await;
    let page = orgsec.get(app.url(&format!("/appraisals/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("待处置"), "the secondary organization sees the case");
    assert!(page.contains("各支部评定情况"), "the secondary organization sees its branches' grades");
    let cid: i64 = page.split("/cases/").nth(1).and_then(|s| s.split('/').next()).and_then(|s| s.parse().ok()).expect("the case's form");
    let elsewhere = other.get(app.url(&format!("/appraisals/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(!elsewhere.contains("待处置"), "another college does not");
    let (status, _) = post(&app, &orgsec, &format!("/appraisals/{id}/cases/{cid}/close"), &[("note", "")]).await;
    assert_eq!(status, 422);
    let (status, _) = post(&app, &orgsec, &format!("/appraisals/{id}/cases/{cid}/close"), &[("note", "经谈话教育，限期改正，列为重点帮助对象")]).await;
    assert_eq!(status, 303);
    let page = orgsec.get(app.url(&format!("/appraisals/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("已办结") && page.contains("限期改正"));
    // A 不合格 changed to 基本合格 on review voids its case.
    {
        let z = member_subject;
        assert_eq!(post(&app, &branchsec, &format!("/appraisals/{id}/grades/{z}"), &[("grade", "不合格"), ("reason", "不按时交纳党费")]).await.0, 303);
        assert_eq!(post(&app, &branchsec, &format!("/appraisals/{id}/grades/{z}"), &[("grade", "基本合格"), ("reason", "已补交，支部大会复议")]).await.0, 303);
        let page = orgsec.get(app.url(&format!("/appraisals/{id}"))).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("已撤销（等次已改）"), "{page}");
    }
}

/// Sends a JSON body; the status and the answer.
async fn send(app: &TestApp, c: &Client, method: &str, path: &str, body: Value) -> (u16, Value) {
    let r = c.request(method.parse().unwrap(), app.url(path)).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Everything the round pages offer, through the JSON API alone (issue 17): start a round, the
/// rater's list and form, appraise, the results, the office's order of a tie, the branch's
/// grades, the college's view by branch and its follow-up case, and the auditor's bundle; bad
/// input is refused with a message and changes nothing.
async fn a_round_through_the_api(backend: Backend) {
    let Some(app) = common::spawn(backend).await else { return };
    let office = app.login("office").await;
    let branchsec = app.login("branchsec").await;
    let member = app.login("member").await;
    let orgsec = app.login("orgsec").await;
    let branch = reach(&app, &branchsec, "org").await;
    let t = today();
    let round = |title: &str, weights: Value, kind: &str| {
        json!({
            "title": title, "kind": kind, "org_id": branch, "weights": weights, "quota": 1, "opens": t, "closes": t,
            "grades": [{"grade": "优秀", "min": 90}, {"grade": "合格", "min": 70}, {"grade": "基本合格", "min": 60}, {"grade": "不合格", "min": 0}],
        })
    };
    let before = app.get_json(&office, "/api/v1/appraisals").await.as_array().unwrap().len();
    // Refused, changing nothing: weights adding up to 90, an unknown kind, a member starting one.
    let (status, body) = send(&app, &office, "POST", "/api/v1/appraisals", round("接口评议", json!({"peers": 60, "leaders": 30}), "member")).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("90"), "{body}");
    let (status, _) = send(&app, &office, "POST", "/api/v1/appraisals", round("接口评议", json!({"peers": 60, "leaders": 40}), "club")).await;
    assert_eq!(status, 422);
    let (status, _) = send(&app, &member, "POST", "/api/v1/appraisals", round("接口评议", json!({"peers": 60, "leaders": 40}), "member")).await;
    assert_eq!(status, 403);
    assert_eq!(app.get_json(&office, "/api/v1/appraisals").await.as_array().unwrap().len(), before);

    let (status, r) = send(&app, &office, "POST", "/api/v1/appraisals", round("2012年接口民主评议", json!({"peers": 60, "leaders": 40}), "member")).await;
    assert_eq!(status, 201, "{r}");
    let id = r["id"].as_i64().unwrap();
    assert_eq!(r["kind"], "member");
    assert_eq!(r["scope_org_id"], branch);
    assert_eq!(r["open"], true);
    assert_eq!(r["grades"][0], json!({"grade": "优秀", "min": 90}));
    assert!(app.get_json(&member, "/api/v1/appraisals").await.as_array().unwrap().iter().any(|x| x["id"] == id), "the member has a part in it");
    assert_eq!(app.get_json(&member, &format!("/api/v1/appraisals/{id}")).await["title"], "2012年接口民主评议");

    // The member's list: the branch's other members as 党员互评.
    let mine = app.get_json(&member, &format!("/api/v1/appraisals/{id}/subjects")).await;
    let peers: Vec<i64> = mine.as_array().unwrap().iter().filter(|s| s["group"] == "peers").map(|s| s["subject_id"].as_i64().unwrap()).collect();
    assert!(!peers.is_empty(), "{mine}");
    let p = peers[0];
    let form = app.get_json(&member, &format!("/api/v1/appraisals/{id}/subjects/{p}")).await;
    assert_eq!(form["group"], "peers");
    assert_eq!(form["comment_required"], false);
    assert_eq!(form["criteria"].as_array().unwrap().len(), 1, "总体评价: {form}");
    assert_eq!(form["points"].as_array().unwrap().len(), 3);
    let path = format!("/api/v1/appraisals/{id}/subjects/{p}");
    assert_eq!(send(&app, &member, "POST", &path, json!({"values": [7]})).await.0, 422, "off the scale");
    assert_eq!(send(&app, &member, "POST", &path, json!({"values": []})).await.0, 422, "a value missing");
    let (status, rated) = send(&app, &member, "POST", &path, json!({"values": [0]})).await;
    assert_eq!(status, 201, "{rated}");
    assert_eq!(rated["group"], "peers");
    let (status, body) = send(&app, &member, "POST", &path, json!({"values": [1]})).await;
    assert_eq!(status, 409, "once each: {body}");
    assert_eq!(app.get_json(&member, &format!("/api/v1/appraisals/{id}/subjects/{p}")).await["done"], true);

    // The secretary comments as the leader on two members alike: tied at the quota line of 1.
    let theirs = app.get_json(&branchsec, &format!("/api/v1/appraisals/{id}/subjects")).await;
    let led: Vec<i64> = theirs.as_array().unwrap().iter().filter(|s| s["group"] == "leaders").map(|s| s["subject_id"].as_i64().unwrap()).collect();
    let (x, y) = (led[0], led[1]);
    let (status, body) = send(&app, &branchsec, "POST", &format!("/api/v1/appraisals/{id}/subjects/{x}"), json!({"values": [0]})).await;
    assert_eq!(status, 422, "a leader comments: {body}");
    for s in [x, y] {
        assert_eq!(send(&app, &branchsec, "POST", &format!("/api/v1/appraisals/{id}/subjects/{s}"), json!({"values": [0], "comment": "作用发挥明显"})).await.0, 201);
        if s == x {
            // Read between the two ratings: the figures kept in memory must not outlive the next.
            let between = app.get_json(&branchsec, &format!("/api/v1/appraisals/{id}/results")).await;
            assert_eq!(result(&between, x)["within_quota"], true, "{between}");
            assert_eq!(result(&between, y)["tied_at_line"], false, "{between}");
        }
    }
    let results = app.get_json(&branchsec, &format!("/api/v1/appraisals/{id}/results")).await;
    assert_eq!(result(&results, x)["score"], "100.00");
    assert_eq!(result(&results, x)["tied_at_line"], true);
    assert_eq!(result(&results, y)["tied_at_line"], true);
    assert_eq!(result(&results, x)["advised"], "优秀");

    // The office orders the tie: every tied one once, with a reason.
    let tie = format!("/api/v1/appraisals/{id}/tie");
    assert_eq!(send(&app, &office, "POST", &tie, json!({"order": [y], "reason": "表决"})).await.0, 422);
    assert_eq!(send(&app, &office, "POST", &tie, json!({"order": [y, x], "reason": " "})).await.0, 422);
    assert_eq!(send(&app, &branchsec, "POST", &tie, json!({"order": [y, x], "reason": "表决"})).await.0, 403);
    let (status, decided) = send(&app, &office, "POST", &tie, json!({"order": [y, x], "reason": "支部大会表决"})).await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["tie_order"], json!([y, x]));
    assert_eq!(decided["within_quota"], json!([y]));
    assert_eq!(decided["tie_at_line"], json!([]));
    assert_eq!(app.get_json(&office, &format!("/api/v1/appraisals/{id}")).await["tie_reason"], "支部大会表决");

    // Grades wait for the round to close; then a reason where the grade differs from the advice.
    let grade = |s: i64| format!("/api/v1/appraisals/{id}/grades/{s}");
    assert_eq!(send(&app, &branchsec, "POST", &grade(x), json!({"grade": "优秀"})).await.0, 409);
    let d = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8)).date() - time::Duration::days(3);
    let past = format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day());
    app.age(&format!("UPDATE appraisal_rounds SET opens = '{past}', closes = '{past}' WHERE id = {id}")).await;
    assert_eq!(send(&app, &branchsec, "POST", &grade(x), json!({"grade": "合格"})).await.0, 422, "a reason is required");
    assert_eq!(send(&app, &branchsec, "POST", &grade(x), json!({"grade": "良好", "reason": "x"})).await.0, 422, "not one of the round's grades");
    let (status, g) = send(&app, &branchsec, "POST", &grade(x), json!({"grade": "优秀"})).await;
    assert_eq!(status, 200, "{g}");
    assert_eq!(g, json!({"subject_id": x, "grade": "优秀", "advised": "优秀", "reason": null, "case_open": false}));
    let (status, g) = send(&app, &branchsec, "POST", &grade(y), json!({"grade": "不合格", "reason": "长期不参加组织生活"})).await;
    assert_eq!(status, 200, "{g}");
    assert_eq!(g["case_open"], true);

    // The college: its branches' grades, and the case it follows up.
    let rollup = app.get_json(&orgsec, &format!("/api/v1/appraisals/{id}/branches")).await;
    let row = rollup.as_array().unwrap().iter().find(|b| b["org_id"] == branch).unwrap_or_else(|| panic!("{rollup}"));
    let count = |g: &str| row["counts"].as_array().unwrap().iter().find(|c| c["grade"] == g).unwrap()["count"].as_i64().unwrap();
    assert_eq!((count("优秀"), count("不合格")), (1, 1), "{row}");
    let cases = app.get_json(&orgsec, &format!("/api/v1/appraisals/{id}/cases")).await;
    let case = cases.as_array().unwrap().iter().find(|k| k["subject_id"] == y).unwrap_or_else(|| panic!("{cases}"));
    assert_eq!(case["state"], "open");
    let cid = case["id"].as_i64().unwrap();
    // The college takes it up as a disposal case (item 13): once; the member comes with it.
    let (status, k) = send(&app, &orgsec, "POST", "/api/v1/disposals", json!({"appraisal_case": cid, "measure": "talk", "grounds": "民主评议为不合格"})).await;
    assert_eq!(status, 201, "{k}");
    assert_eq!(k["appraisal_case_id"], cid);
    assert_eq!(send(&app, &orgsec, "POST", "/api/v1/disposals", json!({"appraisal_case": cid, "measure": "talk", "grounds": "再次"})).await.0, 409);
    assert_eq!(send(&app, &app.login("branchsec2").await, "POST", "/api/v1/disposals", json!({"appraisal_case": cid, "measure": "talk", "grounds": "x"})).await.0, 404);
    let close = format!("/api/v1/appraisals/{id}/cases/{cid}/close");
    assert_eq!(send(&app, &orgsec, "POST", &close, json!({"note": ""})).await.0, 422);
    let (status, closed) = send(&app, &orgsec, "POST", &close, json!({"note": "经谈话教育，限期改正"})).await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["state"], "closed");
    assert_eq!(closed["note"], "经谈话教育，限期改正");
    assert_eq!(send(&app, &orgsec, "POST", &close, json!({"note": "再次"})).await.0, 409, "closed once");

    // The auditor's bundle, the same as the page's file; not for a member.
    let auditor = app.login("auditor").await;
    let bundle = app.get_json(&auditor, &format!("/api/v1/appraisals/{id}/audit")).await;
    assert_eq!(bundle["round"]["id"], id);
    assert_eq!(bundle["tie_order"], json!([y, x]));
    let file: Value = auditor.get(app.url(&format!("/appraisals/{id}/audit.json"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(bundle, file);
    assert_eq!(member.get(app.url(&format!("/api/v1/appraisals/{id}/audit"))).send().await.unwrap().status(), 403);
}

#[tokio::test]
async fn sqlite_windows_are_appraised_by_three_groups() {
    windows_are_appraised_by_three_groups(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_windows_are_appraised_by_three_groups() {
    windows_are_appraised_by_three_groups(Backend::Postgres).await;
}

#[tokio::test]
async fn sqlite_a_branch_grades_its_members() {
    a_branch_grades_its_members(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_branch_grades_its_members() {
    a_branch_grades_its_members(Backend::Postgres).await;
}

#[tokio::test]
async fn sqlite_a_round_through_the_api() {
    a_round_through_the_api(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_round_through_the_api() {
    a_round_through_the_api(Backend::Postgres).await;
}

/// Recounts a round from its auditor's bundle alone, in exact fractions (the rules the bundle
/// states), and checks every published score and the order.
fn recount_appraisal(bundle: &Value, published: &Value) {
    fn gcd(a: u128, b: u128) -> u128 {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    #[derive(Clone, Copy, Debug, PartialEq)]
    struct F(u128, u128);
    impl F {
        fn norm(self) -> F {
            let g = gcd(self.0, self.1).max(1);
            F(self.0 / g, self.1 / g)
        }
        fn add(self, o: F) -> F {
            F(self.0 * o.1 + o.0 * self.1, self.1 * o.1).norm()
        }
        fn mul(self, o: F) -> F {
            F(self.0 * o.0, self.1 * o.1).norm()
        }
    }
    let scale: std::collections::HashMap<u64, u128> = bundle["scale"].as_array().unwrap().iter().map(|p| (p[0].as_u64().unwrap(), p[1].as_u64().unwrap() as u128)).collect();
    let mut order: Vec<(i64, F)> = Vec::new();
    for s in bundle["subjects"].as_array().unwrap() {
        let weights: Vec<u128> = s["criteria"].as_array().unwrap().iter().map(|c| c["weight"].as_u64().unwrap() as u128).collect();
        let wsum: u128 = weights.iter().sum();
        let mut groups: Vec<(u128, Option<F>)> = Vec::new();
        for g in s["groups"].as_array().unwrap() {
            let weight = g["weight"].as_u64().unwrap() as u128;
            let ratings = g["ratings"].as_array().cloned().unwrap_or_default();
            if ratings.is_empty() {
                groups.push((weight, None));
                continue;
            }
            let mut sum = F(0, 1);
            for r in &ratings {
                let vals: Vec<u128> = r.as_array().unwrap().iter().map(|v| scale[&v.as_u64().unwrap()]).collect();
                let num: u128 = weights.iter().zip(&vals).map(|(w, v)| w * v).sum();
                sum = sum.add(F(num, wsum).norm());
            }
            groups.push((weight, Some(sum.mul(F(1, ratings.len() as u128)))));
        }
        let rated: u128 = groups.iter().filter(|g| g.1.is_some()).map(|g| g.0).sum();
        let combined = if rated == 0 { None } else { Some(groups.iter().filter_map(|(w, m)| m.map(|m| m.mul(F(*w, rated)))).fold(F(0, 1), F::add)) };
        let exact = combined.map(|f| format!("{}/{}", f.0, f.1));
        assert_eq!(s["combined_exact"].as_str().map(str::to_string), exact, "subject {}", s["subject_id"]);
        let id = s["subject_id"].as_i64().unwrap();
        let p = published["results"].as_array().unwrap().iter().find(|r| r["subject_id"] == id).unwrap();
        assert_eq!(p["score_exact"].as_str().map(str::to_string), exact, "the published exact score of {id}");
        if let Some(f) = combined {
            order.push((id, f));
            // Published to two decimals, half up.
            let hundredths = (f.0 * 100 * 2 + f.1) / (2 * f.1);
            assert_eq!(p["score"], format!("{}.{:02}", hundredths / 100, hundredths % 100));
        }
    }
    // Best first; equal scores in the office's recorded order, then by id.
    let pref: Vec<i64> = bundle["tie_order"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    let pos = |id: i64| pref.iter().position(|p| *p == id).unwrap_or(usize::MAX);
    order.sort_by(|a, b| (b.1.0 * a.1.1).cmp(&(a.1.0 * b.1.1)).then(pos(a.0).cmp(&pos(b.0))).then(a.0.cmp(&b.0)));
    let published_order: Vec<i64> = bundle["order"].as_array().unwrap().iter().map(|o| o[0].as_i64().unwrap()).collect();
    assert_eq!(order.iter().map(|o| o.0).collect::<Vec<_>>(), published_order);
}
