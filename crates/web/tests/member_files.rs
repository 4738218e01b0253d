//! The member's file (党员档案, issue 20) over HTTP, on both databases: the dates and the Party
//! standing computed from them, the rules between them refused with the rule in the message,
//! the hardship flag seen and set only by the Party side that acts over the person, the plan's
//! groups as filters of the people list and counted per secondary organization (the counts
//! recomputed from the lists), and the office's bounds.

mod common;

use common::TestApp;
use pacesetter_domain::dates::{iso, today};
use pacesetter_domain::member_file::years_between;
use reqwest::Client;
use serde_json::{Value, json};
use time::Duration;

both!(a_members_file_is_kept_with_its_rules_and_its_hardship_flag_stays_with_the_party_side, the_plans_groups_are_counted_per_college_and_recomputed_from_the_lists,);

async fn put(app: &TestApp, c: &Client, path: &str, body: Value) -> (u16, Value) {
    let r = c.put(app.url(path)).json(&body).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn person_of(app: &TestApp, user: &str) -> i64 {
    app.get_json(&app.login(user).await, "/api/v1/me").await["person_id"].as_i64().unwrap()
}

async fn status_of(app: &TestApp, c: &Client, id: i64) -> u16 {
    c.get(app.url(&format!("/api/v1/people/{id}/file"))).send().await.unwrap().status().as_u16()
}

fn ids(list: &Value) -> Vec<i64> {
    list["items"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect()
}

async fn a_members_file_is_kept_with_its_rules_and_its_hardship_flag_stays_with_the_party_side(app: TestApp) {
    let sec = app.login("branchsec").await;
    let member = person_of(&app, "member").await;
    let status = app.get_json(&sec, &format!("/api/v1/people/{member}")).await["political_status"].as_str().unwrap().to_string();
    // A student member: joined a year and more ago when full, within the year when probationary.
    let (joined, full) = if status == "01" { ("2023-06-20".to_string(), Some("2024-06-20")) } else { (iso(today() - Duration::days(100)), None) };
    let mut body = json!({"birth_date": "2003-09-01", "applied_on": "2021-10-08", "joined_on": joined, "degree": "学士"});
    if let Some(f) = full {
        body["full_on"] = json!(f);
    }
    let (s, f) = put(&app, &sec, &format!("/api/v1/people/{member}/file"), body).await;
    assert_eq!(s, 200, "{f}");
    assert_eq!(f["age"].as_i64(), Some(years_between(time::macros::date!(2003 - 09 - 01), today()) as i64));
    match full {
        Some(_) => assert_eq!(f["standing"].as_i64(), Some(years_between(time::macros::date!(2024 - 06 - 20), today()) as i64), "党龄 counts from full membership: {f}"),
        None => assert!(f["standing"].is_null(), "a probationary member has no standing yet: {f}"),
    }
    assert_eq!(f["degree"], "bachelor");
    assert_eq!(f["hardship"], false, "the branch reads the flag");

    // The rules between the dates are refused with the rule in the message, and change nothing.
    let early = if status == "01" { json!({"full_on": "2023-12-20"}) } else { json!({"full_on": iso(today())}) };
    let (s, r) = put(&app, &sec, &format!("/api/v1/people/{member}/file"), early).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("预备期至少一年") || r.to_string().contains("只属于正式党员"), "{r}");
    let (s, r) = put(&app, &sec, &format!("/api/v1/people/{member}/file"), json!({"applied_on": "2019-01-01"})).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("年满十八岁"), "{r}");
    let (s, r) = put(&app, &sec, &format!("/api/v1/people/{member}/file"), json!({"birth_date": iso(today() + Duration::days(1))})).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("不能晚于今天"), "{r}");
    let (s, r) = put(&app, &sec, &format!("/api/v1/people/{member}/file"), json!({"title": "讲师"})).await;
    assert_eq!(s, 422, "a student has no title: {r}");
    let again = app.get_json(&sec, &format!("/api/v1/people/{member}/file")).await;
    assert_eq!(again["applied_on"], "2021-10-08", "nothing changed: {again}");

    // The flag: set by the branch, read by it, its college's secretary and the office; never by
    // the member, a contact person, a unit or another branch.
    let (s, f) = put(&app, &sec, &format!("/api/v1/people/{member}/file"), json!({"hardship": "1"})).await;
    assert_eq!((s, &f["hardship"]), (200, &json!(true)), "{f}");
    assert_eq!(f["applied_on"], "2021-10-08", "a field left out keeps its value");
    for user in ["orgsec", "office"] {
        let c = app.login(user).await;
        assert_eq!(app.get_json(&c, &format!("/api/v1/people/{member}/file")).await["hardship"], true, "{user}");
    }
    let own = app.login("member").await;
    let mine = app.get_json(&own, &format!("/api/v1/people/{member}/file")).await;
    assert!(mine["hardship"].is_null() && mine["applied_on"] == "2021-10-08", "the member reads their file but not the flag: {mine}");
    let (s, _) = put(&app, &own, &format!("/api/v1/people/{member}/file"), json!({"hardship": ""})).await;
    assert_eq!(s, 403, "a member does not change their own file");
    for user in ["branchsec2", "unithead", "teacher"] {
        let c = app.login(user).await;
        let s = status_of(&app, &c, member).await;
        assert!(s == 403 || s == 404, "{user} got {s}");
        let (s, _) = put(&app, &c, &format!("/api/v1/people/{member}/file"), json!({"hardship": ""})).await;
        assert!(s == 403 || s == 404, "{user} got {s}");
    }
    let contact = app.login("contact").await;
    if status_of(&app, &contact, member).await == 200 {
        assert!(app.get_json(&contact, &format!("/api/v1/people/{member}/file")).await["hardship"].is_null());
    }
    // A unit's head changes their staff's file, never the flag (and cannot clear it unseen).
    let head = app.login("unithead").await;
    let me = person_of(&app, "unithead").await;
    let (s, r) = put(&app, &head, &format!("/api/v1/people/{me}/file"), json!({"title": "副研究馆员", "hardship": "1"})).await;
    assert_eq!(s, 403, "{r}");
    let (s, r) = put(&app, &head, &format!("/api/v1/people/{me}/file"), json!({"title": "副研究馆员", "hardship": ""})).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["title_level"], "associate_senior", "read from the title: {r}");
    assert!(r["hardship"].is_null());

    // The people list's group: the branch and the college find the member; others find no one.
    for user in ["branchsec", "orgsec", "office"] {
        let c = app.login(user).await;
        assert!(ids(&app.get_json(&c, "/api/v1/people?group=hardship&per_page=200").await).contains(&member), "{user}");
    }
    for user in ["branchsec2", "unithead", "leader", "contact"] {
        let c = app.login(user).await;
        assert!(!ids(&app.get_json(&c, "/api/v1/people?group=hardship&per_page=200").await).contains(&member), "{user}");
    }
    // The person's page shows the file, the flag only to the Party side; the form saves.
    let html = sec.get(app.url(&format!("/people/{member}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("党员档案") && html.contains("生活困难") && html.contains("2021年10月8日"), "the page shows the file");
    let html = own.get(app.url(&format!("/people/{member}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("党员档案") && !html.contains("生活困难"));
    let form = sec.get(app.url(&format!("/people/{member}/file"))).send().await.unwrap();
    assert_eq!(form.status(), 200);
    let csrf = app.get_json(&sec, "/api/v1/me").await["csrf_token"].as_str().unwrap().to_string();
    let r = sec
        .post(app.url(&format!("/people/{member}/file")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("birth_date", "2003-09-01"),
            ("applied_on", "2021-10-08"),
            ("joined_on", joined.as_str()),
            ("full_on", full.unwrap_or("")),
            ("job_post", "学生干部"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let f = app.get_json(&sec, &format!("/api/v1/people/{member}/file")).await;
    assert_eq!((f["job_post"].as_str(), f["hardship"].as_bool()), (Some("学生干部"), Some(false)), "an unticked box clears the flag: {f}");
    let r = sec.post(app.url(&format!("/people/{member}/file"))).form(&[("_csrf", csrf.as_str()), ("applied_on", "出错")]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("日期格式应为"));
}

async fn the_plans_groups_are_counted_per_college_and_recomputed_from_the_lists(app: TestApp) {
    let office = app.login("office").await;
    let orgsec = person_of(&app, "orgsec").await;
    let member = person_of(&app, "member").await;
    let young_birth = iso(today() - Duration::days(365 * 33));
    let (s, r) = put(&app, &office, &format!("/api/v1/people/{orgsec}/file"), json!({"birth_date": young_birth, "title": "副教授", "degree": "博士"})).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["groups"], json!(["talent", "young_teacher"]), "{r}");
    let (s, r) = put(&app, &office, &format!("/api/v1/people/{member}/file"), json!({"hardship": "1"})).await;
    assert_eq!(s, 200, "{r}");

    let rows = app.get_json(&office, "/api/v1/members/structure").await;
    let rows = rows.as_array().unwrap();
    assert!(!rows.is_empty());
    let org_of = |v: &Value| v["college"].as_str().unwrap_or("").contains("计算机");
    let cs = rows.iter().find(|r| org_of(r)).unwrap_or_else(|| panic!("{rows:?}")).clone();
    let college = cs["college_id"].as_i64().unwrap();
    assert!(cs["talent"].as_i64().unwrap() >= 1 && cs["young_teachers"].as_i64().unwrap() >= 1 && cs["hardship"].as_i64().unwrap() >= 1, "{cs}");
    // Every count is recomputed from the people list an outsider can page through.
    for (group, field) in [("talent", "talent"), ("young_teacher", "young_teachers"), ("hardship", "hardship")] {
        let mut n = 0;
        for status in ["01", "02"] {
            n += app.get_json(&office, &format!("/api/v1/people?org_id={college}&group={group}&political_status={status}&per_page=1")).await["total"].as_i64().unwrap();
        }
        assert_eq!(Some(n), cs[field].as_i64(), "{group}: {cs}");
    }
    let full = app.get_json(&office, &format!("/api/v1/people?org_id={college}&political_status=01&per_page=1")).await["total"].as_i64().unwrap();
    assert_eq!(Some(full), cs["full"].as_i64());

    // The college's secretary sees its own row with the flag; the leader and a branch do not.
    let own = app.get_json(&app.login("orgsec").await, "/api/v1/members/structure").await;
    assert_eq!(own.as_array().unwrap().len(), 1, "{own}");
    assert_eq!(own[0]["hardship"], cs["hardship"]);
    let leader = app.get_json(&app.login("leader").await, "/api/v1/members/structure").await;
    assert!(leader.as_array().unwrap().iter().all(|r| r["hardship"].is_null()), "{leader}");
    // A branch counts its own members only, its own flags among them.
    let bc = app.login("branchsec").await;
    let branch = app.get_json(&bc, "/api/v1/members/structure").await;
    assert_eq!(branch.as_array().unwrap().len(), 1, "{branch}");
    let mine = app.get_json(&bc, "/api/v1/people?group=hardship&per_page=1").await["total"].as_i64().unwrap();
    assert_eq!(branch[0]["hardship"].as_i64(), Some(mine), "{branch}");
    assert!(branch[0]["full"].as_i64().unwrap() + branch[0]["probationary"].as_i64().unwrap() < cs["full"].as_i64().unwrap() + cs["probationary"].as_i64().unwrap());
    assert!(app.get_json(&app.login("teacher").await, "/api/v1/members/structure").await.as_array().unwrap().is_empty());

    // The office's bounds: checked, the office's alone, and the counts follow them.
    let (s, r) = put(&app, &office, "/api/v1/members/rules", json!({"young_max_age": "18", "old_min_standing": "50"})).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("25至50"));
    let sec = app.login("orgsec").await;
    let (s, _) = put(&app, &sec, "/api/v1/members/rules", json!({"young_max_age": "30", "old_min_standing": "50"})).await;
    assert_eq!(s, 403);
    let (s, r) = put(&app, &office, "/api/v1/members/rules", json!({"young_max_age": "30", "old_min_standing": "50"})).await;
    assert_eq!((s, r["young_max_age"].as_i64()), (200, Some(30)), "{r}");
    let f = app.get_json(&office, &format!("/api/v1/people/{orgsec}/file")).await;
    assert_eq!(f["groups"], json!(["talent"]), "33 is no longer young under a bound of 30: {f}");
    let after = app.get_json(&office, &format!("/api/v1/members/structure?org_id={college}")).await;
    assert!(after[0]["young_teachers"].as_i64().unwrap() < cs["young_teachers"].as_i64().unwrap(), "{after}");

    // The page and its export.
    let html = office.get(app.url("/members/structure")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("党员队伍结构") && html.contains("高层次人才") && html.contains("name=\"young_max_age\""));
    let x = office.get(app.url("/members/structure/members.xlsx")).send().await.unwrap();
    assert_eq!(x.status(), 200);
    assert_eq!(&x.bytes().await.unwrap()[..2], b"PK");
}
