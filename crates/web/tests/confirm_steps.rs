//! Issue 18: forms that do only what was asked. Publishing a survey and retiring a window's
//! standard cannot be undone: the page first says what will happen to how many and lists them,
//! posting the same fields again with `confirmed=1`; nothing changes before, and what would be
//! refused is refused before the step, on its own form. The JSON API does not ask. (Opening and
//! closing a vote: tests/selection_turnout.rs; applying an import: tests/import.rs.)

mod common;

use common::TestApp;
use reqwest::Client;
use serde_json::Value;

both!(publishing_a_survey_asks_first_and_changes_nothing_until_confirmed, retiring_a_standard_asks_first_and_changes_nothing_until_confirmed);

async fn post(app: &TestApp, c: &Client, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let r = app.post_form(c, path, fields).await;
    let status = r.status().as_u16();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string());
    let body = r.text().await.unwrap();
    (status, location.unwrap_or(body))
}

async fn state(app: &TestApp, office: &Client, id: i64) -> String {
    app.get_json(office, &format!("/api/v1/surveys/{id}")).await["state"].as_str().unwrap().to_string()
}

async fn publishing_a_survey_asks_first_and_changes_nothing_until_confirmed(app: TestApp) {
    let office = app.login("office").await;
    let (status, at) = post(&app, &office, "/surveys", &[("template", "window-satisfaction"), ("owner", "office")]).await;
    assert_eq!(status, 303, "{at}");
    let id: i64 = at.trim_start_matches("/surveys/").split('?').next().unwrap().parse().unwrap();
    // Refused before the step, on the survey's own page: no target chosen yet.
    let (status, body) = post(&app, &office, &format!("/surveys/{id}/open"), &[]).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("请先选定测评对象") && !body.contains(r#"name="confirmed""#), "{body}");
    // Every window in reach, and two invitees.
    assert_eq!(post(&app, &office, &format!("/surveys/{id}/targets"), &[]).await.0, 303);
    let mut numbers = Vec::new();
    for u in ["student", "teacher"] {
        let p = app.get_json(&app.login(u).await, "/api/v1/me").await["person_id"].as_i64().unwrap();
        numbers.push(app.get_json(&office, &format!("/api/v1/people/{p}")).await["number"].as_str().unwrap().to_string());
    }
    assert_eq!(post(&app, &office, &format!("/surveys/{id}/audience"), &[("mode", "numbers"), ("numbers", &numbers.join("\n"))]).await.0, 303);
    let builder: Value = app.get_json(&office, &format!("/api/v1/surveys/{id}")).await;
    let (status, body) = post(&app, &office, &format!("/surveys/{id}/open"), &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("将发布问卷") && body.contains("向 2 名受邀者开放作答") && body.contains("确认发布（2 名受邀者）"), "{body}");
    assert!(body.contains(r#"name="confirmed" value="1""#) && body.contains(r#"id="confirm""#) && body.contains(&format!(r#"action="/surveys/{id}/open""#)), "{body}");
    assert!(body.contains("测评对象"), "{body}");
    assert_eq!(state(&app, &office, id).await, "draft", "nothing changed before the confirmation: {builder}");
    // Someone else's confirmation is refused as the step would be.
    let (status, _) = post(&app, &app.login("member").await, &format!("/surveys/{id}/open"), &[("confirmed", "1")]).await;
    assert!(matches!(status, 403 | 404), "{status}");
    let (status, location) = post(&app, &office, &format!("/surveys/{id}/open"), &[("confirmed", "1")]).await;
    assert_eq!(status, 303, "{location}");
    assert_eq!(state(&app, &office, id).await, "open");
}

async fn retiring_a_standard_asks_first_and_changes_nothing_until_confirmed(app: TestApp) {
    let head = app.login("unithead").await;
    let me = app.get_json(&head, "/api/v1/me").await;
    let unit: i64 = me["reaches"].as_array().unwrap().iter().find(|r| r["kind"] == "unit").unwrap()["target"]
        .as_str()
        .unwrap()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    for (item, weight) in [("服务态度热情", "60"), ("办事效率高", "40")] {
        assert_eq!(post(&app, &head, &format!("/units/{unit}/standards"), &[("item", item), ("weight", weight)]).await.0, 303);
    }
    let standards = app.get_json(&head, &format!("/api/v1/units/{unit}/standards")).await;
    let items = standards["items"].as_array().unwrap();
    let sid = items.iter().find(|s| s["item"] == "办事效率高").unwrap()["id"].as_i64().unwrap();
    let n = items.len();
    // A standard of no such id is refused before any step.
    let (status, _) = post(&app, &head, &format!("/units/{unit}/standards"), &[("retire", "999999")]).await;
    assert_eq!(status, 404);
    let sid_text = sid.to_string();
    let (status, body) = post(&app, &head, &format!("/units/{unit}/standards"), &[("retire", &sid_text)]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("将停用以下 1 项评价标准") && body.contains("办事效率高（权重 40）") && !body.contains("服务态度热情"), "{body}");
    assert!(
        body.contains(&format!("还有 {} 项标准", n - 1)) && body.contains(&format!(r#"name="retire" value="{sid}""#)) && body.contains(r#"name="confirmed" value="1""#),
        "{body}"
    );
    let now = app.get_json(&head, &format!("/api/v1/units/{unit}/standards")).await;
    assert_eq!(now["items"].as_array().unwrap().len(), n, "nothing changed before the confirmation");
    let (status, _) = post(&app, &head, &format!("/units/{unit}/standards"), &[("retire", &sid_text), ("confirmed", "1")]).await;
    assert_eq!(status, 303);
    let now = app.get_json(&head, &format!("/api/v1/units/{unit}/standards")).await;
    assert_eq!(now["items"].as_array().unwrap().len(), n - 1);
    assert!(!now.to_string().contains("办事效率高"));
    // Adding asks nothing (it can be retired again).
    assert_eq!(post(&app, &head, &format!("/units/{unit}/standards"), &[("item", "环境整洁"), ("weight", "20")]).await.0, 303);
}
