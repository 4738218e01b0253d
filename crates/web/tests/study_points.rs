//! 学习型党组织示范点 (item 6) over HTTP, on both databases: the office sets the inspection
//! standards; the secondary organization registers a branch with its creation plan (a branch
//! cannot register itself; another college cannot register it or see it); the branch reports
//! progress with evidence and marks a milestone done; the office inspects twice and the scores
//! are recomputed here from the items by hand; the 十佳 selection of the points takes only
//! registered points and shows their record.

mod common;

use common::TestApp;
use reqwest::Client;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

both!(a_point_is_registered_reports_and_is_inspected,);

async fn post(app: &TestApp, c: &Client, path: &str, body: Value) -> (u16, Value) {
    let r = c.post(app.url(path)).json(&body).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn day(offset: i64) -> String {
    pacesetter_domain::dates::iso(pacesetter_domain::dates::today() + time::Duration::days(offset))
}

async fn a_point_is_registered_reports_and_is_inspected(app: TestApp) {
    let office = app.login("office").await;
    let college = app.login("orgsec").await;
    let sec = app.login("branchsec").await;
    let other = app.login("branchsec2").await;
    let branch = app.reach("branchsec", "org").await;

    // The office's standards; nobody else sets them.
    let (s, _) = post(&app, &college, "/api/v1/study-points/standards", json!({"item": "学习制度健全", "weight": "40"})).await;
    assert_eq!(s, 403);
    let (s, r) = post(&app, &office, "/api/v1/study-points/standards", json!({"item": "", "weight": "0"})).await;
    assert_eq!(s, 422, "{r}");
    let (s, _) = post(&app, &office, "/api/v1/study-points/standards", json!({"item": "学习制度健全、落实到位", "weight": "40"})).await;
    assert_eq!(s, 201);
    let (s, r) = post(&app, &office, "/api/v1/study-points/standards", json!({"item": "学习载体新颖、成效明显", "weight": "60"})).await;
    assert_eq!(s, 201, "{r}");
    let standards: Vec<(i64, i64)> = r.as_array().unwrap().iter().map(|x| (x["id"].as_i64().unwrap(), x["weight"].as_i64().unwrap())).collect();
    assert_eq!(standards.iter().map(|x| x.1).collect::<Vec<_>>(), [40, 60]);

    // Registering: the college, not the branch itself, not another college.
    let plan = "以“书香支部”为载体，建立每月读书分享、党员讲堂和网上学习园地。";
    let milestones = format!("{} 建立学习制度并公开\n{} 建成党员学习园地\n{} 形成学习成果汇编", day(10), day(40), day(90));
    let body = json!({"org_id": branch, "plan": plan, "milestones": milestones});
    let (s, _) = post(&app, &sec, "/api/v1/study-points", body.clone()).await;
    assert_eq!(s, 403, "a branch does not register itself");
    let (s, _) = post(&app, &other, "/api/v1/study-points", body.clone()).await;
    assert_eq!(s, 404, "another college's secretary finds no such organization");
    let (s, r) = post(&app, &college, "/api/v1/study-points", json!({"org_id": branch, "plan": plan, "milestones": "下月 建立制度\n2012-13-01 建成"})).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("第1行") && r.to_string().contains("第2行"), "each bad line named: {r}");
    let (s, r) = post(&app, &college, "/api/v1/study-points", body.clone()).await;
    assert_eq!(s, 201, "{r}");
    let id = r["point"]["id"].as_i64().unwrap();
    assert_eq!((r["point"]["milestones"].as_i64(), r["standing"].as_str()), (Some(3), Some("keeps")), "{r}");
    let (s, _) = post(&app, &college, "/api/v1/study-points", body).await;
    assert_eq!(s, 409, "once per campaign");
    assert_eq!(other.get(app.url(&format!("/api/v1/study-points/{id}"))).send().await.unwrap().status(), 404);
    assert!(app.get_json(&other, "/api/v1/study-points").await.as_array().unwrap().iter().all(|p| p["id"] != id));

    // The branch reports progress and marks its first milestone done, with a photo.
    let first = r["milestones"][0]["id"].as_i64().unwrap();
    let token = app.csrf(&sec, "/home").await;
    let form = Form::new()
        .text("body", "支部学习制度已经支部党员大会通过，并在党务公开栏公开。")
        .text("milestone", first.to_string())
        .text("done", "yes")
        .part("files", Part::bytes(common::png_1x1()).file_name("公开栏.png"));
    let r = sec.post(app.url(&format!("/api/v1/study-points/{id}/reports"))).header("x-csrf-token", token.clone()).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let d: Value = r.json().await.unwrap();
    assert_eq!((d["point"]["milestones_done"].as_i64(), d["milestones"][0]["done_on"].as_str()), (Some(1), Some(day(0).as_str())), "{d}");
    let file = d["reports"][0]["files"][0]["id"].as_i64().unwrap();
    assert_eq!(sec.get(app.url(&format!("/study-points/files/{file}"))).send().await.unwrap().status(), 200);
    assert_eq!(other.get(app.url(&format!("/study-points/files/{file}"))).send().await.unwrap().status(), 404);
    let token2 = app.csrf(&other, "/home").await;
    let r = other.post(app.url(&format!("/api/v1/study-points/{id}/reports"))).header("x-csrf-token", token2).multipart(Form::new().text("body", "越权报告")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = sec.post(app.url(&format!("/api/v1/study-points/{id}/reports"))).header("x-csrf-token", token).multipart(Form::new().text("body", " ")).send().await.unwrap();
    assert_eq!(r.status(), 422, "an empty report changes nothing");

    // The office inspects twice; the college may not.
    let scores = |a: i64, b: i64| json!({"day": day(0), "notes": "学习园地内容充实", "scores": {standards[0].0.to_string(): a, standards[1].0.to_string(): b}});
    let (s, _) = post(&app, &college, &format!("/api/v1/study-points/{id}/inspections"), scores(90, 80)).await;
    assert_eq!(s, 403);
    let (s, r) = post(&app, &office, &format!("/api/v1/study-points/{id}/inspections"), json!({"day": day(0), "scores": {standards[0].0.to_string(): 90}})).await;
    assert_eq!(s, 422, "every standard scored: {r}");
    let (s, _) = post(&app, &office, &format!("/api/v1/study-points/{id}/inspections"), scores(90, 80)).await;
    assert_eq!(s, 201);
    let (s, d) = post(&app, &office, &format!("/api/v1/study-points/{id}/inspections"), scores(70, 95)).await;
    assert_eq!(s, 201, "{d}");
    // By hand: Σ weight × score ÷ Σ weight for each, then their mean, in hundredths.
    let by_hand: Vec<i64> = d["inspections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let items = i["items"].as_array().unwrap();
            let (sum, w) = items.iter().fold((0, 0), |(s, w), x| (s + x["weight"].as_i64().unwrap() * x["score"].as_i64().unwrap() * 100, w + x["weight"].as_i64().unwrap()));
            let x100 = (sum + w / 2) / w;
            assert_eq!(Some(x100 as f64 / 100.0), i["score"].as_f64(), "{i}");
            x100
        })
        .collect();
    assert_eq!(by_hand.iter().copied().collect::<std::collections::BTreeSet<_>>(), [8400, 8500].into_iter().collect());
    let mean = (by_hand.iter().sum::<i64>() + 1) / 2;
    assert_eq!(d["point"]["mean_score"].as_f64(), Some(mean as f64 / 100.0), "{d}");
    let html = college.get(app.url("/study-points")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("84.50"), "the list shows the mean");
    let xlsx = college.get(app.url("/study-points.xlsx")).send().await.unwrap();
    assert_eq!(xlsx.status(), 200);

    // The 十佳 of the points takes registered points only, and shows their record.
    let t = day(0);
    let (s, r) = post(
        &app,
        &office,
        "/api/v1/appraisals",
        json!({"title": "示范点评议", "kind": "organization", "org_id": app.reach("orgsec", "org").await, "weights": {"peers": 60, "leaders": 40}, "quota": 1, "opens": t, "closes": t,
               "grades": [{"grade": "优秀", "min": 90}, {"grade": "合格", "min": 70}, {"grade": "基本合格", "min": 60}, {"grade": "不合格", "min": 0}]}),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    let round = r["id"].as_i64().or(r["round"]["id"].as_i64()).unwrap_or_else(|| panic!("{r}"));
    let (s, r) = post(
        &app,
        &office,
        "/api/v1/selections",
        json!({"category": "study-demonstration-points", "quota": 1, "nominate_until": t, "vote_from": t, "vote_until": t, "appraisal_round_id": round}),
    )
    .await;
    assert!(s == 200 || s == 201, "{r}");
    let sel = r["id"].as_i64().unwrap();
    let tree = app.get_json(&office, &format!("/api/v1/orgs/{branch}")).await;
    let sibling = tree["node"]["parent_id"].as_i64().unwrap();
    let (s, r) = post(&app, &office, &format!("/api/v1/selections/{sel}/nominations"), json!({"org_id": sibling, "reasons": "学习氛围浓厚"})).await;
    assert_eq!(s, 422, "not a registered point: {r}");
    assert!(r.to_string().contains("示范点"), "{r}");
    let (s, r) = post(&app, &office, &format!("/api/v1/selections/{sel}/nominations"), json!({"org_id": branch, "reasons": "书香支部建设成效明显"})).await;
    assert!(s == 200 || s == 201, "{r}");
    let v = app.get_json(&office, &format!("/api/v1/selections/{sel}")).await;
    let p = v["study_points"].as_array().unwrap().iter().find(|p| p["org_id"] == branch).unwrap_or_else(|| panic!("{v}")).clone();
    assert_eq!((p["milestones_done"].as_i64(), p["inspections"].as_i64(), p["mean_score"].as_f64()), (Some(1), Some(2), Some(84.5)), "{p}");
    let page = office.get(app.url(&format!("/selections/{sel}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("/study-points/{id}")) && page.contains("84.50"), "the selection shows the point's record");
}
