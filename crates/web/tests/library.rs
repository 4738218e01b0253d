//! The experience library (item 17) over HTTP, on both databases: a branch hands in a practice
//! with a file; bad input is refused with every reason; nobody hands one in for an organization
//! they do not keep; until the office publishes it, only the branch, those above it and the
//! office read it (search too); a return needs a reason and a reviewed entry is not reviewed
//! again; once published everyone reads and finds it; the list filters by kind and work item and
//! exports; an experience-exchange meeting's record lands in the library by itself.

mod common;

use common::TestApp;
use reqwest::Client;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

both!(entries_are_handed_in_reviewed_published_and_found,);

async fn submit(app: &TestApp, c: &Client, form: Form) -> (u16, Value) {
    let token = app.csrf(c, "/home").await;
    let r = c.post(app.url("/api/v1/library")).header("x-csrf-token", token).multipart(form).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn post(app: &TestApp, c: &Client, path: &str, body: Value) -> (u16, Value) {
    let r = c.post(app.url(path)).header("x-csrf-token", app.csrf(c, "/home").await).json(&body).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn entry(title: &str, source: String) -> Form {
    Form::new()
        .text("title", title.to_string())
        .text("body", "支部每月开展一次“党员先锋岗”亮诺践诺活动，结果在支部公示栏公开。")
        .text("kind", "experience")
        .text("item", "17")
        .text("source", source)
        .part("files", Part::bytes(common::png_1x1()).file_name("先锋岗.png"))
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

async fn found(app: &TestApp, c: &Client, q: &str, id: i64) -> bool {
    let v = app.get_json(c, &format!("/api/v1/search?q={}&kind=library", enc(q))).await;
    v["groups"][0]["hits"].as_array().unwrap().iter().any(|h| h["id"] == id)
}

async fn entries_are_handed_in_reviewed_published_and_found(app: TestApp) {
    let office = app.login("office").await;
    let sec = app.login("branchsec").await;
    let college = app.login("orgsec").await;
    let outsider = app.login("branchsec2").await;
    let member = app.login("member").await;
    let branch = app.reach("branchsec", "org").await;
    let other_branch = app.reach("branchsec2", "org").await;

    // Bad input: every reason, nothing stored.
    let (s, v) = submit(&app, &sec, Form::new().text("title", " ").text("kind", "rumour").text("item", "99").text("source", "x")).await;
    assert_eq!(s, 422, "{v}");
    let fields: Vec<&str> = v["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    for f in ["title", "body", "kind", "item", "source"] {
        assert!(fields.contains(&f), "{f} in {v}");
    }
    // Not for an organization the caller does not keep.
    assert_eq!(submit(&app, &sec, entry("越权", format!("org:{other_branch}"))).await.0, 404);
    assert_eq!(submit(&app, &member, entry("越权", format!("org:{branch}"))).await.0, 404);
    assert_eq!(submit(&app, &sec, entry("冒充", "office".into())).await.0, 403);
    let admin = app.login("admin").await;
    assert_eq!(submit(&app, &admin, entry("管理员", format!("org:{branch}"))).await.0, 404, "the administrator is not the campaign");

    // The branch hands one in.
    let (s, v) = submit(&app, &sec, entry("党员先锋岗亮诺践诺", format!("org:{branch}"))).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let d = app.get_json(&sec, &format!("/api/v1/library/{id}")).await;
    assert_eq!((d["state"].as_str(), d["files"].as_array().unwrap().len()), (Some("submitted"), 1), "{d}");
    // Waiting: the branch, its college and the office read it; another college does not.
    assert_eq!(college.get(app.url(&format!("/api/v1/library/{id}"))).send().await.unwrap().status(), 200);
    assert_eq!(outsider.get(app.url(&format!("/api/v1/library/{id}"))).send().await.unwrap().status(), 404);
    assert_eq!(admin.get(app.url(&format!("/api/v1/library/{id}"))).send().await.unwrap().status(), 404);
    assert!(app.get_json(&outsider, "/api/v1/library").await.as_array().unwrap().iter().all(|e| e["id"] != id));
    assert!(found(&app, &sec, "先锋岗", id).await);
    assert!(!found(&app, &outsider, "先锋岗", id).await, "search keeps a waiting entry to its readers");

    // Only the office reviews; a return says why.
    assert_eq!(post(&app, &sec, &format!("/api/v1/library/{id}/review"), json!({"action": "publish"})).await.0, 403);
    assert_eq!(post(&app, &office, &format!("/api/v1/library/{id}/review"), json!({"action": "return"})).await.0, 422);
    let (s, v) = post(&app, &office, &format!("/api/v1/library/{id}/review"), json!({"action": "return", "comment": "请补充实施效果"})).await;
    assert_eq!((s, v["state"].as_str(), v["review_comment"].as_str()), (200, Some("returned"), Some("请补充实施效果")), "{v}");
    assert_eq!(post(&app, &office, &format!("/api/v1/library/{id}/review"), json!({"action": "publish"})).await.0, 409, "reviewed once");
    assert_eq!(outsider.get(app.url(&format!("/api/v1/library/{id}"))).send().await.unwrap().status(), 404);

    // Handed in again with its effect, and published: everyone reads and finds it.
    let (_, v) = submit(&app, &sec, entry("党员先锋岗亮诺践诺（补充实施效果）", format!("org:{branch}"))).await;
    let again = v["id"].as_i64().unwrap();
    let (s, v) = post(&app, &office, &format!("/api/v1/library/{again}/review"), json!({"action": "publish"})).await;
    assert_eq!((s, v["state"].as_str()), (200, Some("published")), "{v}");
    let d = app.get_json(&outsider, &format!("/api/v1/library/{again}")).await;
    assert_eq!(d["title"], "党员先锋岗亮诺践诺（补充实施效果）");
    let file = d["files"][0]["href"].as_str().unwrap().to_string();
    assert_eq!(outsider.get(app.url(&file)).send().await.unwrap().status(), 200);
    assert!(found(&app, &outsider, "亮诺践诺", again).await);

    // Filters and the export.
    let listed = |v: &Value, id: i64| v.as_array().unwrap().iter().any(|e| e["id"] == id);
    assert!(listed(&app.get_json(&outsider, "/api/v1/library?kind=experience&item=17").await, again));
    assert!(!listed(&app.get_json(&outsider, "/api/v1/library?kind=system").await, again));
    assert_eq!(outsider.get(app.url("/api/v1/library?kind=rumour")).send().await.unwrap().status(), 422);
    let r = outsider.get(app.url("/library.xlsx?kind=experience")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    let page = office.get(app.url(&format!("/library/{}", again))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("党员先锋岗亮诺践诺"));

    // An experience-exchange meeting of the office, recorded with its materials, lands in the
    // library waiting for review.
    let today = pacesetter_domain::dates::iso(pacesetter_domain::dates::today());
    let (s, m) = post(
        &app,
        &office,
        "/api/v1/meetings",
        json!({"kind": "exchange", "host": "office", "topic": "创先争优长效机制经验交流会", "on_day": today, "starts": "00:00", "ends": "23:59", "place": "行政楼第一会议室"}),
    )
    .await;
    assert_eq!(s, 201, "{m}");
    let meeting = m["meeting"]["id"].as_i64().unwrap();
    let token = app.csrf(&office, "/home").await;
    let r = office
        .post(app.url(&format!("/api/v1/meetings/{meeting}/record")))
        .header("x-csrf-token", token)
        .multipart(Form::new().text("minutes", "各学院交流了建立长效机制的做法。").part("files", Part::bytes(b"%PDF-1.4 materials".to_vec()).file_name("交流材料.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let waiting = app.get_json(&office, "/api/v1/library?state=submitted").await;
    let e = waiting.as_array().unwrap().iter().find(|e| e["meeting_id"] == meeting).unwrap_or_else(|| panic!("{waiting}")).clone();
    assert_eq!(e["title"], "创先争优长效机制经验交流会");
    assert!(e["body"].as_str().unwrap().contains("长效机制的做法"), "{e}");
    let d = app.get_json(&office, &format!("/api/v1/library/{}", e["id"])).await;
    assert_eq!(d["files"][0]["name"], "交流材料.pdf", "{d}");
}
