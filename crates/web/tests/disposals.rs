//! The disposal of unqualified members (item 13) over HTTP, on both databases: the branch opens
//! a case, follows it up and closes it with its outcome; the organization above and the office
//! see it; the branch's contact person, the leaders, another branch and the member see nothing.

mod common;

use common::TestApp;
use reqwest::Client;
use serde_json::{Value, json};

both!(a_branch_opens_follows_up_and_closes_a_case_that_others_never_see,);

async fn post(app: &TestApp, c: &Client, path: &str, body: Value) -> (u16, Value) {
    let r = c.post(app.url(path)).json(&body).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn a_branch_opens_follows_up_and_closes_a_case_that_others_never_see(app: TestApp) {
    let sec = app.login("branchsec").await;
    let office = app.login("office").await;
    let member = app.get_json(&app.login("member").await, "/api/v1/me").await["person_id"].as_i64().unwrap();
    let number = app.get_json(&office, &format!("/api/v1/people/{member}")).await["number"].as_str().unwrap().to_string();
    let deadline = pacesetter_domain::dates::iso(pacesetter_domain::dates::today() + time::Duration::days(90));
    // A correction needs its deadline; refused in the user's language, nothing stored.
    let (s, r) = post(&app, &sec, "/api/v1/disposals", json!({"number": number, "measure": "correction", "grounds": "长期不参加组织生活"})).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("限期改正须写明期限"), "{r}");
    assert!(app.get_json(&sec, "/api/v1/disposals").await.as_array().unwrap().is_empty());
    // Another college's secretary cannot open one for this member.
    let other = app.login("branchsec2").await;
    let (s, _) = post(&app, &other, "/api/v1/disposals", json!({"number": number, "measure": "talk", "grounds": "x"})).await;
    assert_eq!(s, 404);
    // No one but the office can probe numbers: unknown, not a member, or not theirs, all 404.
    for n in ["X0000000", number.as_str()] {
        let (s, _) = post(&app, &app.login("student").await, "/api/v1/disposals", json!({"number": n, "measure": "talk", "grounds": "x"})).await;
        assert_eq!(s, 404, "{n}");
    }
    let (s, _) = post(&app, &sec, "/api/v1/disposals", json!({"number": "X0000000", "measure": "talk", "grounds": "x"})).await;
    assert_eq!(s, 404);
    let (s, k) = post(&app, &sec, "/api/v1/disposals", json!({"number": number, "measure": "correction", "grounds": "长期不参加组织生活，不交党费", "deadline": deadline})).await;
    assert_eq!(s, 201, "{k}");
    let id = k["id"].as_i64().unwrap();
    assert_eq!((k["state"].as_str(), k["overdue"].as_bool()), (Some("open"), Some(false)));
    // The organization above and the office see it; no one else learns it exists.
    for user in ["orgsec", "office"] {
        let c = app.login(user).await;
        assert!(app.get_json(&c, "/api/v1/disposals").await.as_array().unwrap().iter().any(|x| x["id"] == id), "{user}");
    }
    for user in ["branchsec2", "contact", "leader", "member", "admin"] {
        let c = app.login(user).await;
        let r = c.get(app.url(&format!("/api/v1/disposals/{id}"))).send().await.unwrap();
        assert_eq!(r.status(), 404, "{user}");
        let body = r.text().await.unwrap();
        assert!(!body.contains("不交党费"), "{user}");
        let list = c.get(app.url("/api/v1/disposals")).send().await.unwrap().text().await.unwrap();
        assert!(!list.contains("不交党费"), "{user}: {list}");
    }
    // Followed up, then closed with its outcome; closed once.
    let today = pacesetter_domain::dates::iso(pacesetter_domain::dates::today());
    let (s, r) = post(&app, &sec, &format!("/api/v1/disposals/{id}/follow-up"), json!({"on_day": today, "note": ""})).await;
    assert_eq!(s, 422, "{r}");
    let (s, r) = post(&app, &sec, &format!("/api/v1/disposals/{id}/follow-up"), json!({"on_day": today, "note": "支部书记谈话，本人表示按时参加组织生活"})).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["followups"].as_array().unwrap().len(), 1);
    let (s, r) =
        post(&app, &sec, &format!("/api/v1/disposals/{id}/close"), json!({"outcome": "corrected", "outcome_note": "三个月内按时参加组织生活、交纳党费，经支部大会认定已改正"}))
            .await;
    assert_eq!((s, r["state"].as_str(), r["outcome"].as_str()), (200, Some("closed"), Some("corrected")), "{r}");
    let (s, _) = post(&app, &sec, &format!("/api/v1/disposals/{id}/close"), json!({"outcome": "other", "outcome_note": "再次办结"})).await;
    assert_eq!(s, 409);
    let (s, _) = post(&app, &sec, &format!("/api/v1/disposals/{id}/follow-up"), json!({"on_day": today, "note": "办结后"})).await;
    assert_eq!(s, 409);
    // The page and the export.
    let page = sec.get(app.url(&format!("/disposals/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("已改正，恢复为合格党员") && page.contains("支部书记谈话"));
    let x = sec.get(app.url("/disposals/export/disposal-cases.xlsx")).send().await.unwrap();
    assert_eq!(x.status(), 200);
    assert!(x.bytes().await.unwrap().starts_with(b"PK"));
}
