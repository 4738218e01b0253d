//! Care visits (走访慰问, item 13) over HTTP, on both databases: the office opens a round and names
//! whom to visit and why; each is visited by their branch, else by their unit; a unit sees whom
//! to visit but never why; the visit is recorded once, within the round's dates.

mod common;

use common::TestApp;
use reqwest::Client;
use serde_json::{Value, json};

both!(a_round_of_care_visits_is_opened_visited_and_counted,);

async fn post(app: &TestApp, c: &Client, path: &str, body: Value) -> (u16, Value) {
    let r = c.post(app.url(path)).json(&body).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn day(offset: i64) -> String {
    pacesetter_domain::dates::iso(pacesetter_domain::dates::today() + time::Duration::days(offset))
}

async fn number_of(app: &TestApp, user: &str) -> (i64, String) {
    let office = app.login("office").await;
    let id = app.get_json(&app.login(user).await, "/api/v1/me").await["person_id"].as_i64().unwrap();
    (id, app.get_json(&office, &format!("/api/v1/people/{id}")).await["number"].as_str().unwrap().to_string())
}

async fn a_round_of_care_visits_is_opened_visited_and_counted(app: TestApp) {
    let office = app.login("office").await;
    let (s, r) = post(&app, &office, "/api/v1/care", json!({"name": "七一走访慰问", "starts_on": day(5), "ends_on": day(-5)})).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("结束日期不能早于开始日期"));
    let sec = app.login("branchsec").await;
    let (s, _) = post(&app, &sec, "/api/v1/care", json!({"name": "x", "starts_on": day(-5), "ends_on": day(5)})).await;
    assert_eq!(s, 403, "the office opens rounds");
    let (s, r) = post(&app, &office, "/api/v1/care", json!({"name": "七一走访慰问", "starts_on": day(-5), "ends_on": day(10)})).await;
    assert_eq!(s, 201, "{r}");
    let round = r["round"]["id"].as_i64().unwrap();
    let (member, member_no) = number_of(&app, "member").await;
    let (teacher, teacher_no) = number_of(&app, "teacher").await;
    let (s, r) = post(&app, &office, &format!("/api/v1/care/{round}/targets"), json!({"reason": "hardship", "numbers": format!("{member_no} X0000000")})).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("X0000000"));
    let (s, r) = post(&app, &office, &format!("/api/v1/care/{round}/targets"), json!({"reason": "hardship", "numbers": member_no})).await;
    assert_eq!((s, r["added"].as_i64()), (200, Some(1)), "{r}");
    let (s, r) = post(&app, &office, &format!("/api/v1/care/{round}/targets"), json!({"reason": "named", "numbers": format!("{teacher_no}，{member_no}")})).await;
    assert_eq!((s, r["added"].as_i64()), (200, Some(1)), "the member is on it already: {r}");
    // The branch sees its member and why; the college's secretary sees both, the teacher
    // through the college's unit, without why; the library's head sees no one.
    let mine = app.get_json(&sec, &format!("/api/v1/care/{round}")).await;
    let t = mine["targets"].as_array().unwrap().iter().find(|t| t["person_id"] == member).unwrap_or_else(|| panic!("{mine}")).clone();
    assert_eq!(t["reason"], "hardship");
    assert!(!mine["targets"].as_array().unwrap().iter().any(|t| t["person_id"] == teacher));
    let orgsec = app.login("orgsec").await;
    let theirs = app.get_json(&orgsec, &format!("/api/v1/care/{round}")).await;
    let tt = theirs["targets"].as_array().unwrap().iter().find(|t| t["person_id"] == teacher).unwrap_or_else(|| panic!("{theirs}")).clone();
    let head = app.login("unithead").await;
    let none = app.get_json(&head, &format!("/api/v1/care/{round}")).await;
    assert!(none["targets"].as_array().unwrap().is_empty(), "{none}");
    assert!(!head.get(app.url(&format!("/care/{round}"))).send().await.unwrap().text().await.unwrap().contains("生活困难"));
    // The teacher is in no branch: kept by the college's unit, whose side never learns why.
    assert!(tt["reason"].is_null(), "{tt}");
    // The visit: within the round, once, by whoever keeps the person.
    let target = t["id"].as_i64().unwrap();
    let visit = |c: Client, on: String| {
        let app_url = app.url(&format!("/api/v1/care/targets/{target}/visit"));
        let base = app.base.clone();
        async move {
            let token = common::TestApp::at(&base).csrf(&c, "/home").await;
            let f = reqwest::multipart::Form::new()
                .text("on_day", on)
                .text("visitors", "支部书记、支部委员")
                .text("gifts", "慰问金")
                .text("amount", "500")
                .part("photos", reqwest::multipart::Part::bytes(common::png_1x1()).file_name("走访.png"));
            let r = c.post(app_url).header("x-csrf-token", token).multipart(f).send().await.unwrap();
            let s = r.status().as_u16();
            (s, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, r) = visit(sec.clone(), day(-20)).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("起止日期之内"), "{r}");
    let (s, _) = visit(app.login("branchsec2").await, day(0)).await;
    assert_eq!(s, 404, "another college's branch");
    let (s, r) = visit(sec.clone(), day(0)).await;
    assert_eq!(s, 201, "{r}");
    let done = r["targets"].as_array().unwrap().iter().find(|t| t["id"] == target).unwrap().clone();
    assert_eq!(done["visit"]["amount"], "500.00");
    let photo = done["visit"]["photos"][0].as_i64().unwrap();
    assert_eq!(sec.get(app.url(&format!("/care/photos/{photo}"))).send().await.unwrap().status(), 200);
    assert_eq!(head.get(app.url(&format!("/care/photos/{photo}"))).send().await.unwrap().status(), 404);
    let (s, _) = visit(sec.clone(), day(0)).await;
    assert_eq!(s, 409, "recorded once");
    // The office's page counts the visits per college, and the list exports.
    let page = office.get(app.url(&format!("/care/{round}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("已走访") && page.contains("生活困难党员"));
    let x = orgsec.get(app.url(&format!("/care/{round}/export/care-visits.xlsx"))).send().await.unwrap();
    assert_eq!(x.status(), 200);
    assert!(x.bytes().await.unwrap().starts_with(b"PK"));
}
