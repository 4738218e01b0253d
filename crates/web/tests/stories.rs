//! Publicity (item 19) over HTTP, on both databases: a college writes a story of an excellent
//! member near them with a photo (EXIF removed) and hands it in; bad input is refused with every
//! reason and nobody writes for an organization they do not keep, or about someone outside it;
//! until the office publishes it, only the college, those above and the office read it (search
//! too); edits name the version they start from; the office edits and publishes it; then anyone,
//! without an account, reads the page with its Open Graph tags and picture, and the person's
//! public fields link to it; the office takes it down with a reason.

mod common;

use common::TestApp;
use reqwest::Client;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

both!(a_story_goes_from_draft_to_public_and_down_again,);

async fn send(app: &TestApp, c: &Client, path: &str, form: Form) -> (u16, Value) {
    let token = app.csrf(c, "/home").await;
    let r = c.post(app.url(path)).header("x-csrf-token", token).multipart(form).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn post(app: &TestApp, c: &Client, path: &str, body: Value) -> (u16, Value) {
    let r = c.post(app.url(path)).header("x-csrf-token", app.csrf(c, "/home").await).json(&body).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn story(org: &str, subject: &str) -> Form {
    Form::new()
        .text("org", org.to_string())
        .text("kind", "neighbour")
        .text("title", "扎根实验室的老黄牛")
        .text("summary", "二十年如一日带学生做实验的党员教师")
        .text("body", "## 身边人说\n\n- 有问题找他，从来不推。\n\n<script>alert('x')</script>")
        .text("subject", subject.to_string())
        .part("images", Part::bytes(common::jpeg_with_exif()).file_name("实验室.jpg"))
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

async fn found(app: &TestApp, c: &Client, q: &str, id: i64) -> bool {
    let v = app.get_json(c, &format!("/api/v1/search?q={}&kind=story", enc(q))).await;
    v["groups"].as_array().unwrap().iter().flat_map(|g| g["hits"].as_array().unwrap().iter()).any(|h| h["id"] == id)
}

async fn status(c: &Client, url: String) -> u16 {
    c.get(url).send().await.unwrap().status().as_u16()
}

async fn a_story_goes_from_draft_to_public_and_down_again(app: TestApp) {
    let office = app.login("office").await;
    let college = app.login("orgsec").await;
    let branch_sec = app.login("branchsec").await;
    let outsider = app.login("branchsec2").await;
    let member = app.login("member").await;
    let admin = app.login("admin").await;
    let anon = common::client(&app.url(""));
    let cs = app.reach("orgsec", "org").await;
    let branch = app.reach("branchsec", "org").await;
    let member_me = app.get_json(&member, "/api/v1/me").await;
    let member_person = member_me["person_id"].as_i64().unwrap();
    let outsider_person = app.get_json(&outsider, "/api/v1/me").await["person_id"].as_i64().unwrap();
    let org = format!("org:{cs}");
    let about = format!("person:{member_person}");

    // Bad input: every reason, nothing kept.
    let bad = Form::new().text("org", "x").text("kind", "gossip").text("title", " ").text("summary", "").text("subject", "someone");
    let (s, v) = send(&app, &college, "/api/v1/stories", bad).await;
    assert_eq!(s, 422, "{v}");
    let fields: Vec<&str> = v["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    for f in ["org", "kind", "title", "summary", "body", "subject"] {
        assert!(fields.contains(&f), "{f} in {v}");
    }
    let pdf = story(&org, &about).part("images", Part::bytes(b"%PDF-1.4\n%%EOF".to_vec()).file_name("a.pdf"));
    let (s, v) = send(&app, &college, "/api/v1/stories", pdf).await;
    assert_eq!((s, v["error"]["fields"][0]["field"].as_str()), (422, Some("images")), "only pictures: {v}");
    // Nobody writes for an organization they do not keep; a branch is not a secondary organization.
    assert_eq!(send(&app, &outsider, "/api/v1/stories", story(&org, "")).await.0, 404);
    assert_eq!(send(&app, &member, "/api/v1/stories", story(&org, "")).await.0, 404);
    assert_eq!(send(&app, &admin, "/api/v1/stories", story(&org, "")).await.0, 404, "the administrator is not the campaign");
    assert_eq!(send(&app, &branch_sec, "/api/v1/stories", story(&format!("org:{branch}"), "")).await.0, 403);
    assert_eq!(send(&app, &college, "/api/v1/stories", story("office", "")).await.0, 403);
    assert_eq!(send(&app, &office, "/api/v1/stories", story(&org, "")).await.0, 422, "the office writes as itself");
    // A college writes about its own people only.
    let (s, v) = send(&app, &college, "/api/v1/stories", story(&org, &format!("person:{outsider_person}"))).await;
    assert_eq!((s, v["error"]["fields"][0]["field"].as_str()), (422, Some("subject")), "{v}");
    assert_eq!(send(&app, &college, "/api/v1/stories", story(&org, "award:999999")).await.0, 422);

    // The college writes one.
    let (s, v) = send(&app, &college, "/api/v1/stories", story(&org, &about)).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let d = app.get_json(&college, &format!("/api/v1/stories/{id}")).await;
    assert_eq!((d["state"].as_str(), d["person_id"].as_i64(), d["images"].as_array().unwrap().len()), (Some("draft"), Some(member_person), 1), "{d}");
    assert!(!d["html"].as_str().unwrap().contains("<script"), "raw HTML never passes: {d}");
    let image = d["images"][0]["href"].as_str().unwrap().to_string();
    // Before it is published: the college, those above and the office read it; nobody else.
    assert_eq!(status(&office, app.url(&format!("/api/v1/stories/{id}"))).await, 200);
    for c in [&anon, &outsider, &member, &branch_sec] {
        assert_eq!(status(c, app.url(&format!("/api/v1/stories/{id}"))).await, 404);
        assert_eq!(status(c, app.url(&format!("/stories/{id}"))).await, 404);
        assert_eq!(status(c, app.url(&image)).await, 404, "nor its picture");
    }
    assert!(app.get_json(&anon, "/api/v1/stories").await.as_array().unwrap().iter().all(|s| s["id"] != id));
    assert!(found(&app, &college, "老黄牛", id).await);
    assert!(!found(&app, &outsider, "老黄牛", id).await, "search keeps a draft to its readers");

    // The office neither edits nor publishes a draft the college has not handed in.
    let edit = |version: i64, title: &str| {
        Form::new()
            .text("version", version.to_string())
            .text("kind", "neighbour")
            .text("title", title.to_string())
            .text("summary", "二十年如一日带学生做实验的党员教师")
            .text("body", "他每天七点到实验室。\n\n[学校主页](https://www.csust.edu.cn) [坏链接](javascript:alert(1))")
            .text("subject", about.clone())
    };
    assert_eq!(send(&app, &office, &format!("/api/v1/stories/{id}/edit"), edit(1, "创先办改")).await.0, 409);
    assert_eq!(post(&app, &office, &format!("/api/v1/stories/{id}/review"), json!({"action": "publish"})).await.0, 409);
    // An edit names its version: a stale one is refused, nothing lost silently.
    let (s, v) = send(&app, &college, &format!("/api/v1/stories/{id}/edit"), edit(1, "扎根实验室的“老黄牛”")).await;
    assert_eq!((s, v["version"].as_i64()), (200, Some(2)), "{v}");
    assert_eq!(send(&app, &college, &format!("/api/v1/stories/{id}/edit"), edit(1, "旧版本")).await.0, 409);
    // Handed in: the college no longer changes it, and does not publish it.
    let (s, v) = post(&app, &college, &format!("/api/v1/stories/{id}/submit"), json!({})).await;
    assert_eq!((s, v["state"].as_str()), (200, Some("submitted")), "{v}");
    assert_eq!(post(&app, &college, &format!("/api/v1/stories/{id}/submit"), json!({})).await.0, 409);
    assert_eq!(send(&app, &college, &format!("/api/v1/stories/{id}/edit"), edit(3, "再改")).await.0, 409);
    assert_eq!(post(&app, &college, &format!("/api/v1/stories/{id}/review"), json!({"action": "publish"})).await.0, 403);
    assert_eq!(post(&app, &outsider, &format!("/api/v1/stories/{id}/submit"), json!({})).await.0, 404);
    // The office returns only with a reason, edits, and publishes.
    assert_eq!(post(&app, &office, &format!("/api/v1/stories/{id}/review"), json!({"action": "return"})).await.0, 422);
    let (s, v) = send(&app, &office, &format!("/api/v1/stories/{id}/edit"), edit(3, "扎根实验室的“老黄牛”——记计算机学院党员教师")).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = post(&app, &office, &format!("/api/v1/stories/{id}/review"), json!({"action": "publish"})).await;
    assert_eq!((s, v["state"].as_str()), (200, Some("published")), "{v}");

    // Public now: the page opens without an account and carries its Open Graph tags.
    let r = anon.get(app.url(&format!("/stories/{id}"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"<meta property="og:title" content="扎根实验室的“老黄牛”——记计算机学院党员教师">"#), "{html}");
    assert!(html.contains(r#"<meta property="og:description" content="二十年如一日带学生做实验的党员教师">"#), "{html}");
    let og_image = format!(r#"<meta property="og:image" content="{}{image}">"#, app.url(""));
    assert!(html.contains(&og_image), "an absolute picture address {og_image}: {html}");
    assert!(html.contains(r#"<a href="https://www.csust.edu.cn">学校主页</a>"#) && !html.contains("javascript:alert"), "only safe links: {html}");
    assert!(!html.contains("<script>alert"), "{html}");
    // The picture is public too, and carries no EXIF (where GPS positions live).
    let r = anon.get(app.url(&image)).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["content-type"].to_str().unwrap().to_string()), (200, "image/jpeg".to_string()));
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0xFF, 0xD8]) && !bytes.windows(4).any(|w| w == b"Exif") && !bytes.windows(3).any(|w| w == b"GPS"), "EXIF removed");
    let public = app.get_json(&anon, &format!("/api/v1/stories/{id}")).await;
    assert!(public["review_comment"].is_null() && public["version"] == 0, "nothing internal for the public: {public}");
    let list = app.get_json(&anon, "/api/v1/stories?kind=neighbour").await;
    assert!(list.as_array().unwrap().iter().any(|s| s["id"] == id && s["source_org_id"] == cs), "{list}");
    let page = anon.get(app.url("/stories")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("/stories/{id}")), "the public list links it");
    assert!(found(&app, &outsider, "老黄牛", id).await, "published: everyone finds it");
    // The person's public fields link to it.
    let name = app.get_json(&office, &format!("/api/v1/people/{member_person}")).await["name"].as_str().unwrap().to_string();
    let dir = app.get_json(&outsider, &format!("/api/v1/directory?q={}", enc(&name))).await;
    let me_there = dir.as_array().unwrap().iter().find(|p| p["id"] == member_person).unwrap_or_else(|| panic!("{dir}"));
    assert_eq!(me_there["story"].as_str(), Some(format!("/stories/{id}").as_str()), "{dir}");
    let dir_page = outsider.get(app.url(&format!("/directory?q={}", enc(&name)))).send().await.unwrap().text().await.unwrap();
    assert!(dir_page.contains(&format!("href=\"/stories/{id}\"")), "the directory links the story");
    // Nobody but the office writes to it now; unknown filters are refused.
    assert_eq!(send(&app, &college, &format!("/api/v1/stories/{id}/edit"), edit(5, "改")).await.0, 409);
    assert_eq!(anon.get(app.url("/api/v1/stories?kind=rumour")).send().await.unwrap().status(), 422);
    assert_eq!(anon.post(app.url(&format!("/api/v1/stories/{id}/submit"))).json(&json!({})).send().await.unwrap().status(), 401);

    // The office takes it down with a reason: gone from the public, back with the college.
    assert_eq!(post(&app, &office, &format!("/api/v1/stories/{id}/review"), json!({"action": "return"})).await.0, 422);
    let (s, v) = post(&app, &office, &format!("/api/v1/stories/{id}/review"), json!({"action": "return", "comment": "人物信息待核实"})).await;
    assert_eq!((s, v["state"].as_str(), v["review_comment"].as_str()), (200, Some("returned"), Some("人物信息待核实")), "{v}");
    assert_eq!(status(&anon, app.url(&format!("/stories/{id}"))).await, 404);
    assert_eq!(status(&anon, app.url(&image)).await, 404);
    let dir = app.get_json(&outsider, &format!("/api/v1/directory?q={}", enc(&name))).await;
    assert!(dir.as_array().unwrap().iter().all(|p| p["id"] != member_person || p["story"].is_null()), "{dir}");
    let back = app.get_json(&college, &format!("/api/v1/stories/{id}")).await;
    assert_eq!(back["state"].as_str(), Some("returned"));
    // The college's page shows the office's reason and lets it edit again.
    let page = college.get(app.url(&format!("/stories/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("人物信息待核实") && page.contains(&format!("/stories/{id}/edit")), "{page}");
}
