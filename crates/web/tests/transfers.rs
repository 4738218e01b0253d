//! Transfers of a member's Party relation (组织关系转接, issue 20) over HTTP, on both databases:
//! the receiving branch asks, the member's branch (or one above it) decides, the old membership
//! ends and the new one starts the same day with both kept; nobody else sees or decides.

mod common;

use common::TestApp;
use pacesetter_domain::dates::{iso, today};
use reqwest::Client;
use serde_json::{Value, json};

both!(a_member_moves_to_another_branch_when_their_branch_agrees,);

async fn post(app: &TestApp, c: &Client, path: &str, body: Value) -> (u16, Value) {
    let r = c.post(app.url(path)).json(&body).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn person(app: &TestApp, user: &str) -> (i64, String) {
    let office = app.login("office").await;
    let id = app.get_json(&app.login(user).await, "/api/v1/me").await["person_id"].as_i64().unwrap();
    (id, app.get_json(&office, &format!("/api/v1/people/{id}")).await["number"].as_str().unwrap().to_string())
}

async fn a_member_moves_to_another_branch_when_their_branch_agrees(app: TestApp) {
    let (member, number) = person(&app, "member").await;
    let (_, teacher_no) = person(&app, "teacher").await;
    let here = app.reach("branchsec", "org").await;
    let there = app.reach("branchsec2", "org").await;
    let receiver = app.login("branchsec2").await;
    let sender = app.login("branchsec").await;

    // The receiving branch asks; only Party members move, once at a time.
    let (s, r) = post(&app, &receiver, "/api/v1/transfers", json!({"to_org_id": there.to_string(), "numbers": teacher_no, "note": "工作调动"})).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("不是在册党员"), "{r}");
    // A number nobody has is told alike: the request does not say who is in the Party.
    let (s2, r2) = post(&app, &receiver, "/api/v1/transfers", json!({"to_org_id": there.to_string(), "numbers": "X20990001", "note": "工作调动"})).await;
    assert_eq!(s2, 422, "{r2}");
    assert_eq!(r2.to_string().replace("X20990001", "#"), r.to_string().replace(&teacher_no, "#"), "the same answer");
    let (s, r) = post(&app, &receiver, "/api/v1/transfers", json!({"to_org_id": there.to_string(), "numbers": number, "note": ""})).await;
    assert_eq!(s, 422, "a reason is required: {r}");
    let (s, r) = post(&app, &receiver, "/api/v1/transfers", json!({"to_org_id": here.to_string(), "numbers": number, "note": "工作调动"})).await;
    assert!(s == 403 || s == 404, "one asks only into one's own branch: {s} {r}");
    let (s, r) = post(&app, &receiver, "/api/v1/transfers", json!({"to_org_id": there.to_string(), "numbers": number, "note": "工作调动"})).await;
    assert_eq!(s, 201, "{r}");
    let t = r[0].clone();
    let id = t["id"].as_i64().unwrap();
    assert_eq!((t["from_org_id"].as_i64(), t["state"].as_str(), t["can_decide"].as_bool()), (Some(here), Some("requested"), Some(false)), "{t}");
    let (s, r) = post(&app, &receiver, "/api/v1/transfers", json!({"to_org_id": there.to_string(), "numbers": number, "note": "工作调动"})).await;
    assert_eq!(s, 422, "one request at a time, told like any number that cannot move: {r}");
    assert!(r.to_string().contains("已有待处理的申请"), "{r}");

    // Nobody but the two sides (and those above) sees it; the asking side does not decide.
    for user in ["member", "unithead", "teacher"] {
        let c = app.login(user).await;
        assert_eq!(c.get(app.url(&format!("/api/v1/transfers/{id}"))).send().await.unwrap().status(), 404, "{user}");
        assert!(app.get_json(&c, "/api/v1/transfers").await.as_array().unwrap().is_empty(), "{user}");
    }
    let (s, _) = post(&app, &receiver, &format!("/api/v1/transfers/{id}/decide"), json!({"decision": "accept"})).await;
    assert_eq!(s, 403);
    let desk = app.get_json(&sender, "/api/v1/desk").await.to_string();
    assert!(desk.contains("\"transfer\""), "the deciding side's desk: {desk}");
    let mine = app.get_json(&sender, "/api/v1/transfers").await;
    assert_eq!(mine[0]["id"].as_i64(), Some(id), "{mine}");
    assert_eq!(mine[0]["can_decide"], true);

    // The member's branch decides: a refusal needs a reason; acceptance moves them today.
    let (s, r) = post(&app, &sender, &format!("/api/v1/transfers/{id}/decide"), json!({"decision": "refuse"})).await;
    assert_eq!(s, 422, "{r}");
    let (s, r) = post(&app, &sender, &format!("/api/v1/transfers/{id}/decide"), json!({"decision": "accept", "on": iso(today() + time::Duration::days(1))})).await;
    assert_eq!(s, 422, "not after today: {r}");
    let (s, r) = post(&app, &sender, &format!("/api/v1/transfers/{id}/decide"), json!({"decision": "accept"})).await;
    assert_eq!((s, r["state"].as_str()), (200, Some("accepted")), "{r}");
    let (s, _) = post(&app, &sender, &format!("/api/v1/transfers/{id}/decide"), json!({"decision": "accept"})).await;
    assert!(s == 409 || s == 404, "decided once: {s}");
    let office = app.login("office").await;
    let p = app.get_json(&office, &format!("/api/v1/people/{member}")).await;
    let ms = p["memberships"].as_array().unwrap();
    let old = ms.iter().find(|m| m["tree"] == "org" && m["node_id"].as_i64() == Some(here)).unwrap_or_else(|| panic!("{p}"));
    assert_eq!(old["end_date"].as_str(), Some(iso(today()).as_str()), "{old}");
    assert!(old["end_reason"].as_str().unwrap().contains("转出至"), "{old}");
    let new = ms.iter().find(|m| m["tree"] == "org" && m["node_id"].as_i64() == Some(there)).unwrap_or_else(|| panic!("{p}"));
    assert_eq!((new["start_date"].as_str(), new["end_date"].is_null()), (Some(iso(today()).as_str()), true), "{new}");
    // The person is now the receiving branch's, no longer the old one's (unless reached otherwise).
    assert_eq!(receiver.get(app.url(&format!("/api/v1/people/{member}"))).send().await.unwrap().status(), 200);
    assert!(!crate_ids(&app.get_json(&sender, &format!("/api/v1/people?org_id={here}&per_page=200")).await).contains(&member));

    // Back again, withdrawn once, then decided by the office in a batch.
    let (s, r) = post(&app, &sender, "/api/v1/transfers", json!({"to_org_id": here.to_string(), "numbers": number, "note": "返回原支部"})).await;
    assert_eq!(s, 201, "{r}");
    let back = r[0]["id"].as_i64().unwrap();
    let (s, _) = post(&app, &receiver, &format!("/api/v1/transfers/{back}/cancel"), json!({})).await;
    assert_eq!(s, 403, "only the asking side withdraws");
    let (s, r) = post(&app, &sender, &format!("/api/v1/transfers/{back}/cancel"), json!({})).await;
    assert_eq!((s, r["state"].as_str()), (200, Some("cancelled")), "{r}");
    let (s, r) = post(&app, &sender, "/api/v1/transfers", json!({"to_org_id": here.to_string(), "numbers": number, "note": "返回原支部"})).await;
    assert_eq!(s, 201, "{r}");
    let again = r[0]["id"].as_i64().unwrap();
    let (s, r) = post(&app, &office, "/api/v1/transfers/decide", json!({"ids": [again], "decision": "accept"})).await;
    assert_eq!((s, r[0]["state"].as_str()), (200, Some("accepted")), "{r}");
    let p = app.get_json(&office, &format!("/api/v1/people/{member}")).await;
    let in_here = p["memberships"].as_array().unwrap().iter().filter(|m| m["tree"] == "org" && m["node_id"].as_i64() == Some(here)).count();
    assert_eq!(in_here, 2, "both stays in the old branch are in the history: {p}");

    // The page: the waiting list with ticked boxes for the deciding side, the request form.
    let (s, _) = post(&app, &receiver, "/api/v1/transfers", json!({"to_org_id": there.to_string(), "numbers": number, "note": "第二次调动"})).await;
    assert_eq!(s, 201);
    let html = sender.get(app.url("/transfers")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("待我方办理") && html.contains("name=\"ids\"") && html.contains("第二次调动"), "the deciding side's page");
    let r = app.post_form(&sender, "/transfers/decide", &[("decision", "refuse"), ("note", "")]).await;
    assert_eq!(r.status(), 422);
    let html = receiver.get(app.url("/transfers")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("申请转入") && !html.contains("待我方办理"));
    let auditor = app.login("auditor").await;
    assert_eq!(app.get_json(&auditor, "/api/v1/audit?action=org_transfer.accept").await["total"], 2);
}

fn crate_ids(list: &Value) -> Vec<i64> {
    list["items"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect()
}
