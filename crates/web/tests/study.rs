//! Documents to study (items 1 and 4) over HTTP, on both databases: the office publishes a
//! document to every branch; each branch owes a study-record task; a branch holds a study
//! session (a meeting) and hands in its record by naming it; a meeting of another branch, or
//! none, is refused alike; the level above accepts; the document's coverage rolls up the tree
//! (the total is the sum of the level below), and another college sees none of it. A later plan
//! load leaves the published template alone.

mod common;

use common::TestApp;
use reqwest::Client;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

both!(a_document_is_studied_recorded_and_rolled_up,);

async fn post(app: &TestApp, c: &Client, path: &str, body: Value) -> (u16, Value) {
    let r = c.post(app.url(path)).json(&body).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn multipart(app: &TestApp, c: &Client, path: &str, form: Form) -> (u16, Value) {
    let token = app.csrf(c, "/home").await;
    let r = c.post(app.url(path)).header("x-csrf-token", token).multipart(form).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn day(offset: i64) -> String {
    pacesetter_domain::dates::iso(pacesetter_domain::dates::today() + time::Duration::days(offset))
}

fn doc_form(title: &str, owners: &str, due: &str) -> Form {
    Form::new()
        .text("title", title.to_string())
        .text("body", "认真学习《实施方案》，逐条对照本支部工作，明确本年度创先争优的目标和措施。")
        .text("item", "1")
        .text("owners", owners.to_string())
        .text("due", due.to_string())
        .part("files", Part::bytes(common::png_1x1()).file_name("实施方案.png"))
}

/// A study session of `org` held today, with `present` marked present, recorded: its id.
async fn study_session(app: &TestApp, sec: &Client, org: i64, present: usize) -> i64 {
    let (s, m) = post(
        app,
        sec,
        "/api/v1/meetings",
        json!({"kind": "study", "org_id": org, "topic": "学习《实施方案》", "on_day": day(0), "starts": "00:00", "ends": "23:59", "place": "党员活动室"}),
    )
    .await;
    assert_eq!(s, 201, "{m}");
    let id = m["meeting"]["id"].as_i64().unwrap();
    let people: Vec<i64> = m["attendance"].as_array().unwrap().iter().map(|a| a["person_id"].as_i64().unwrap()).collect();
    assert!(people.len() >= present, "{m}");
    let marks: Vec<Value> = people.iter().take(present).map(|p| json!({"person_id": p, "status": "present"})).collect();
    let (s, r) = post(app, sec, &format!("/api/v1/meetings/{id}/attendance"), json!({ "marks": marks })).await;
    assert_eq!(s, 200, "{r}");
    let (s, r) = multipart(
        app,
        sec,
        &format!("/api/v1/meetings/{id}/record"),
        Form::new().text("minutes", "逐条学习《实施方案》，结合支部实际讨论了本年度的承诺事项。").part("files", Part::bytes(common::png_1x1()).file_name("学习.png")),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    id
}

async fn a_document_is_studied_recorded_and_rolled_up(app: TestApp) {
    let office = app.login("office").await;
    let sec = app.login("branchsec").await;
    let other = app.login("branchsec2").await;
    let college = app.login("orgsec").await;
    let branch = app.reach("branchsec", "org").await;
    let other_branch = app.reach("branchsec2", "org").await;

    // Only the office publishes; bad input is refused with every reason and changes nothing.
    let (s, _) = multipart(&app, &sec, "/api/v1/study", doc_form("《实施方案》", "branches", &day(10))).await;
    assert_eq!(s, 403);
    let (s, r) = multipart(&app, &office, "/api/v1/study", doc_form("", "party_members", &day(-1))).await;
    assert_eq!(s, 422, "{r}");
    let text = r.to_string();
    assert!(text.contains("文件标题") && text.contains("学习范围") && text.contains("截止日期"), "{text}");
    assert!(app.get_json(&office, "/api/v1/study").await.as_array().unwrap().is_empty());

    // Published to every branch: each owes one study-record task.
    let (s, r) = multipart(&app, &office, "/api/v1/study", doc_form("《创先争优活动实施方案》", "branches", &day(10))).await;
    assert_eq!(s, 201, "{r}");
    let id = r["id"].as_i64().unwrap();
    let made = r["tasks"].as_i64().unwrap();
    assert!(made >= 2, "{r}");
    let doc = app.get_json(&office, &format!("/api/v1/study/{id}")).await;
    let template = doc["template_id"].as_i64().unwrap();
    assert_eq!((doc["owners"].as_str(), doc["item"].as_i64(), doc["files"].as_array().unwrap().len()), (Some("branches"), Some(1), 1), "{doc}");
    assert_eq!(doc["coverage"]["total"]["facts"]["total"].as_i64(), Some(made), "the whole university owes one record a branch: {doc}");
    // Everyone signed in reads the document and its file.
    let file = doc["files"][0]["href"].as_str().unwrap().to_string();
    assert_eq!(app.login("member").await.get(app.url(&file)).send().await.unwrap().status(), 200);

    let mine = app.get_json(&sec, &format!("/api/v1/tasks?template={template}")).await;
    let task = mine.as_array().unwrap().iter().find(|t| t["org_id"] == branch && t["can_submit"] == true).unwrap_or_else(|| panic!("{mine}")).clone();
    let task_id = task["id"].as_i64().unwrap();
    assert_eq!(task["code"].as_str(), Some(format!("study.{id}").as_str()), "{task}");

    // A record names a meeting: none, or another branch's, is refused alike.
    let (s, r) = multipart(&app, &sec, &format!("/api/v1/tasks/{task_id}/submit"), Form::new().text("body", "已学习")).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("学习会议"), "{r}");
    let theirs = study_session(&app, &other, other_branch, 1).await;
    let (s, r2) = multipart(&app, &sec, &format!("/api/v1/tasks/{task_id}/submit"), Form::new().text("meeting", theirs.to_string())).await;
    assert_eq!((s, r2.to_string().contains("学习会议")), (422, true), "{r2}");
    assert_eq!(r["error"], r2["error"], "the same answer for none and for another branch's");
    // Another college neither sees the task nor the document's coverage below this branch.
    assert_eq!(other.get(app.url(&format!("/api/v1/tasks/{task_id}"))).send().await.unwrap().status(), 404);
    assert_eq!(other.get(app.url(&format!("/api/v1/study/{id}?node={branch}"))).send().await.unwrap().status(), 404);
    assert_eq!(other.get(app.url(&format!("/study/{id}?node={branch}"))).send().await.unwrap().status(), 404);

    // The branch studies it and hands in the record.
    let ours = study_session(&app, &sec, branch, 2).await;
    let page = sec.get(app.url(&format!("/tasks/{task_id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("value=\"{ours}\"")) && !page.contains(&format!("value=\"{theirs}\"")), "the form offers the branch's own meetings only");
    let (s, r) = multipart(&app, &sec, &format!("/api/v1/tasks/{task_id}/submit"), Form::new().text("meeting", ours.to_string()).text("body", "全体党员参加学习")).await;
    assert_eq!((s, r["state"].as_str()), (200, Some("submitted")), "{r}");
    let detail = app.get_json(&college, &format!("/api/v1/tasks/{task_id}")).await;
    assert_eq!(detail["study_doc"].as_i64(), Some(id), "{detail}");
    let named = &detail["study_sessions"][0];
    assert_eq!((named["meeting_id"].as_i64(), named["present"].as_i64(), named["kind"].as_str()), (Some(ours), Some(2), Some("study")), "{detail}");

    // The level above accepts.
    let (s, r) = post(&app, &college, &format!("/api/v1/tasks/{task_id}/review"), json!({"action": "accept"})).await;
    assert_eq!((s, r["state"].as_str()), (200, Some("accepted")), "{r}");

    // Coverage rolls up: from the college's node, the level below adds up to the total, and the
    // accepted record is counted once at every level.
    let at_college = app.get_json(&college, &format!("/api/v1/study/{id}")).await;
    let cov = &at_college["coverage"];
    let total = cov["total"]["facts"]["total"].as_i64().unwrap();
    assert!(total >= 1 && total < made, "the college sees its own branches only: {cov}");
    let below: i64 = cov["by_child"].as_array().unwrap().iter().map(|r| r["facts"]["total"].as_i64().unwrap()).sum();
    assert_eq!(below, total, "{cov}");
    assert_eq!(cov["total"]["facts"]["accepted"].as_i64(), Some(1), "{cov}");
    let whole = app.get_json(&office, &format!("/api/v1/study/{id}")).await;
    assert_eq!(whole["coverage"]["total"]["facts"]["accepted"].as_i64(), Some(1), "{whole}");
    let dash = app.get_json(&office, &format!("/api/v1/campaigns/{}/dashboard?template={template}", whole["campaign_id"])).await;
    assert_eq!(dash["by_item"].as_array().unwrap().len(), 1, "one template's dashboard: {dash}");
    assert_eq!(dash["total"]["facts"]["total"].as_i64(), Some(made), "{dash}");
    let html = college.get(app.url(&format!("/study/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("学习进度") && html.contains("创先争优活动实施方案"), "the document's page");

    // A later plan load neither retires nor changes the published template.
    let plan = include_str!("../../../plans/2012-csust.toml").replace("title = \"创先争优年度工作计划\"", "title = \"创先争优年度工作计划（修订）\"");
    let token = app.csrf(&office, "/campaigns").await;
    let form = Form::new().part("file", Part::bytes(plan.into_bytes()).file_name("plan.toml")).text("confirm", "yes");
    let r = office.post(app.url("/campaigns")).header("x-csrf-token", token).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let after = app.get_json(&office, &format!("/api/v1/study/{id}")).await;
    assert_eq!(after["coverage"]["total"]["facts"]["total"].as_i64(), Some(made), "{after}");
    let t = app.get_json(&sec, &format!("/api/v1/tasks/{task_id}")).await;
    assert_eq!(t["state"].as_str(), Some("accepted"), "{t}");
}
