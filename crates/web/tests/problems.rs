//! The masses' problems (item 10) over HTTP, on both databases: raised, accepted, answered and
//! confirmed; escalated past its limits to the unit's head and then the office; an answer not
//! confirmed closes apart; an unsatisfied raiser sends it one level up; an unnamed raiser is
//! named to the unit nowhere; similar reports are grouped and handed down; the public list and
//! each unit's satisfaction.

mod common;

use common::TestApp;
use reqwest::Client;
use serde_json::{Value, json};

both!(
    a_problem_goes_from_the_raiser_to_the_unit_and_back_confirmed,
    an_unnamed_raiser_is_named_to_the_unit_nowhere,
    a_step_past_its_limit_goes_to_the_head_then_the_office,
    an_unsatisfied_raiser_sends_it_one_level_up_and_an_unconfirmed_answer_closes_apart,
    similar_reports_are_grouped_and_handed_down,
    bad_input_is_refused_in_the_users_language_and_changes_nothing,
    a_windows_page_shows_its_staff_commitments_and_satisfaction,
);

/// The window the demo's unit head manages, and the unit above it.
async fn library_window(app: &TestApp) -> (i64, i64) {
    let head = app.login("unithead").await;
    let me = app.get_json(&head, "/api/v1/me").await;
    let unit = me["reaches"].as_array().unwrap().iter().find(|r| r["kind"] == "unit").unwrap()["target"]
        .as_str()
        .unwrap()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let office = app.login("office").await;
    let lib = app.get_json(&office, &format!("/api/v1/units/{unit}")).await;
    let window = lib["children"].as_array().unwrap().iter().find(|n| n["kind"] == "window").unwrap()["id"].as_i64().unwrap();
    (window, unit)
}

/// Raises a problem through the API (multipart); returns the answer's status and body.
async fn raise(app: &TestApp, c: &Client, fields: &[(&str, &str)], photo: Option<Vec<u8>>) -> (u16, Value) {
    let token = app.csrf(c, "/home").await;
    let mut f = reqwest::multipart::Form::new();
    for (k, v) in fields {
        f = f.text(k.to_string(), v.to_string());
    }
    if let Some(p) = photo {
        f = f.part("photos", reqwest::multipart::Part::bytes(p).file_name("现场.jpg"));
    }
    let r = c.post(app.url("/api/v1/problems")).header("x-csrf-token", token).multipart(f).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn post(app: &TestApp, c: &Client, path: &str, body: Value) -> (u16, Value) {
    let r = c.post(app.url(path)).json(&body).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn name_of(app: &TestApp, user: &str) -> String {
    let c = app.login(user).await;
    let me = app.get_json(&c, "/api/v1/me").await;
    let office = app.login("office").await;
    app.get_json(&office, &format!("/api/v1/people/{}", me["person_id"])).await["name"].as_str().unwrap().to_string()
}

/// A day `days` before the problem's own day of raising (the server's today), as YYYY-MM-DD.
fn days_before(p: &Value, days: i64) -> String {
    let d = time::Date::parse(p["raised_on"].as_str().unwrap(), time::macros::format_description!("[year]-[month]-[day]")).unwrap();
    (d - time::Duration::days(days)).to_string()
}

async fn notes(app: &TestApp, c: &Client) -> String {
    app.get_json(c, "/api/v1/notifications").await.to_string()
}

async fn a_problem_goes_from_the_raiser_to_the_unit_and_back_confirmed(app: TestApp) {
    let (window, unit) = library_window(&app).await;
    let student = app.login("student").await;
    let w = window.to_string();
    let (s, p) = raise(
        &app,
        &student,
        &[("about", "window"), ("target", &w), ("category", "library"), ("body", "借还书窗口中午不开放，学生只能午休后排长队")],
        Some(common::jpeg_with_exif()),
    )
    .await;
    assert_eq!(s, 201, "{p}");
    let id = p["id"].as_i64().unwrap();
    assert_eq!(p["unit_id"], unit, "a window's problem goes to the unit above the window: {p}");
    assert_eq!(p["state"], "received");
    assert_eq!(p["raised_by"], name_of(&app, "student").await);
    // The photo was kept without its EXIF block.
    let photo = p["photos"][0].as_i64().unwrap();
    let bytes = student.get(app.url(&format!("/problems/photos/{photo}"))).send().await.unwrap().bytes().await.unwrap();
    assert!(bytes.starts_with(&[0xFF, 0xD8]) && !bytes.windows(4).any(|w| w == b"Exif"), "the EXIF block is gone");

    // The unit's head is told, sees it, accepts and answers.
    let head = app.login("unithead").await;
    assert!(notes(&app, &head).await.contains(&format!("第 {id} 号")), "the head is told of the new problem");
    let list = app.get_json(&head, "/api/v1/problems?show=open").await;
    assert!(list["items"].as_array().unwrap().iter().any(|x| x["id"] == id), "{list}");
    let desk = app.get_json(&head, "/api/v1/desk").await;
    assert!(desk["waiting"].as_array().unwrap().iter().any(|w| w["kind"] == "handle"), "the head's first page: {desk}");
    // Someone outside the unit does not reach it.
    for outsider in ["teacher", "branchsec2"] {
        let c = app.login(outsider).await;
        assert_eq!(c.get(app.url(&format!("/api/v1/problems/{id}"))).send().await.unwrap().status(), 404, "{outsider}");
        assert_eq!(post(&app, &c, &format!("/api/v1/problems/{id}/accept"), json!({})).await.0, 404, "{outsider} cannot accept it");
        assert_eq!(c.get(app.url(&format!("/problems/photos/{photo}"))).send().await.unwrap().status(), 404, "{outsider} cannot see its photo");
    }
    // The raiser cannot answer their own problem, nor confirm before the answer.
    assert_eq!(post(&app, &student, &format!("/api/v1/problems/{id}/answer"), json!({"reply": "好", "measures": "好"})).await.0, 403);
    let (s, p) = post(&app, &head, &format!("/api/v1/problems/{id}/accept"), json!({})).await;
    assert_eq!((s, p["state"].as_str()), (200, Some("assigned")), "{p}");
    assert_eq!(post(&app, &student, &format!("/api/v1/problems/{id}/confirm"), json!({"satisfied": "yes"})).await.0, 409, "not yet answered");
    let (s, p) =
        post(&app, &head, &format!("/api/v1/problems/{id}/answer"), json!({"reply": "已调整为中午轮班开放", "measures": "自下周一起借还书窗口 11:30—13:30 安排专人值守"})).await;
    assert_eq!((s, p["state"].as_str()), (200, Some("answered")), "{p}");
    assert!(notes(&app, &student).await.contains("已答复"), "the raiser is told of the answer");
    // The raiser's first page asks for the confirmation.
    let desk = app.get_json(&student, "/api/v1/desk").await;
    assert!(desk["waiting"].as_array().unwrap().iter().any(|w| w["kind"] == "confirm" && w["href"] == format!("/problems/{id}")), "{desk}");

    // The raiser confirms; it closes satisfied and counts for the unit.
    let (s, p) = post(&app, &student, &format!("/api/v1/problems/{id}/confirm"), json!({"satisfied": "yes", "comment": "谢谢"})).await;
    assert_eq!((s, p["state"].as_str()), (200, Some("satisfied")), "{p}");
    assert_eq!(post(&app, &student, &format!("/api/v1/problems/{id}/confirm"), json!({"satisfied": "yes"})).await.0, 409, "confirmed once");
    let events: Vec<&str> = p["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(events, ["raised", "assigned", "answered", "satisfied"]);
    let dash = app.get_json(&head, "/api/v1/problems/dashboard").await;
    let row = dash.as_array().unwrap().iter().find(|r| r["unit_id"] == unit).unwrap();
    assert!(row["satisfied"].as_i64().unwrap() >= 1 && row["raised"].as_i64().unwrap() >= 1, "{row}");

    // The office publishes it in its own words: the public list has neither the raiser's words
    // nor their name; one confirmation is too few for a satisfaction rate.
    let office = app.login("office").await;
    let (s, _) = post(&app, &office, &format!("/api/v1/problems/{id}/publish"), json!({"summary": "借还书窗口午间不开放", "done": "午间安排专人值守"})).await;
    assert_eq!(s, 200);
    let public = common::client(&app.base).get(app.url("/api/v1/problems/public")).send().await.unwrap().json::<Value>().await.unwrap();
    let text = public.to_string();
    assert!(text.contains("借还书窗口午间不开放") && !text.contains("排长队") && !text.contains(&name_of(&app, "student").await), "{public}");
    let sat = public["satisfaction"].as_array().unwrap().iter().find(|x| x["unit_id"] == unit).unwrap();
    assert!(sat["rate"].is_null(), "under 5 confirmations no rate: {sat}");
    let html = common::client(&app.base).get(app.url("/problems/public")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("午间安排专人值守"));
    // The list exports for the unit.
    let r = head.get(app.url("/problems/export/problems.xlsx?show=unit")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
}

async fn an_unnamed_raiser_is_named_to_the_unit_nowhere(app: TestApp) {
    let (window, _) = library_window(&app).await;
    let student = app.login("student").await;
    let name = name_of(&app, "student").await;
    let office = app.login("office").await;
    let me = app.get_json(&student, "/api/v1/me").await;
    let person = app.get_json(&office, &format!("/api/v1/people/{}", me["person_id"])).await;
    let number = person["number"].as_str().unwrap().to_string();
    let w = window.to_string();
    let (s, p) =
        raise(&app, &student, &[("about", "window"), ("target", &w), ("category", "library"), ("body", "自习室座位被长期占座，管理员不处理"), ("unnamed", "true")], None).await;
    assert_eq!(s, 201, "{p}");
    let id = p["id"].as_i64().unwrap();
    assert_eq!(p["raised_by"], name, "the raiser sees their own name");
    let head = app.login("unithead").await;
    // The unit is not told at the minute it was raised (that minute could name the raiser): the
    // next day's notice tells it how many unnamed problems wait.
    assert!(!notes(&app, &head).await.contains(&format!("第 {id} 号")), "no notice at the minute of raising");
    app.age(&format!("UPDATE problems SET step_on = '{}' WHERE id = {id}", days_before(&p, 1))).await;
    post(&app, &office, "/api/v1/problems/tick", json!({})).await;
    post(&app, &office, "/api/v1/problems/tick", json!({})).await;
    let n = notes(&app, &head).await;
    assert_eq!(n.matches("件不具名的群众问题待受理").count(), 1, "one daily notice: {n}");
    // The administrator reads every problem but does not act for the unit.
    let admin = app.login("admin").await;
    assert_eq!(post(&app, &admin, &format!("/api/v1/problems/{id}/accept"), json!({})).await.0, 403);
    assert!(app.get_json(&admin, &format!("/api/v1/problems/{id}")).await["raised_by"].is_null());
    let (s, _) = post(&app, &head, &format!("/api/v1/problems/{id}/accept"), json!({})).await;
    assert_eq!(s, 200);
    // Nothing the unit reads names the raiser: the problem, the list, the export, the pages, the
    // notifications.
    let mut seen = Vec::new();
    seen.push(app.get_json(&head, &format!("/api/v1/problems/{id}")).await.to_string());
    seen.push(app.get_json(&head, "/api/v1/problems").await.to_string());
    seen.push(app.get_json(&head, "/api/v1/problems/dashboard").await.to_string());
    for path in [format!("/problems/{id}"), "/problems".into(), "/problems?show=open".into(), "/problems/export/problems.csv?show=unit".into(), "/problems/dashboard".into()] {
        let r = head.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        seen.push(r.text().await.unwrap());
    }
    seen.push(notes(&app, &head).await);
    for (i, body) in seen.iter().enumerate() {
        assert!(!body.contains(&name) && !body.contains(&number), "answer {i} names the unnamed raiser: {}", body.chars().take(400).collect::<String>());
    }
    let one = app.get_json(&head, &format!("/api/v1/problems/{id}")).await;
    assert!(one["raised_by"].is_null() && one["unnamed"] == true, "{one}");
    // The office always knows who raised it; the leader reading every problem does not.
    assert_eq!(app.get_json(&office, &format!("/api/v1/problems/{id}")).await["raised_by"], name);
    let leader = app.login("leader").await;
    assert!(app.get_json(&leader, &format!("/api/v1/problems/{id}")).await["raised_by"].is_null());
    // The raiser's own steps name no one in the history.
    let events = one["events"].as_array().unwrap();
    assert!(events.iter().filter(|e| e["kind"] == "raised").all(|e| e["by"].is_null()));
}

async fn a_step_past_its_limit_goes_to_the_head_then_the_office(app: TestApp) {
    let (window, unit) = library_window(&app).await;
    let teacher = app.login("teacher").await;
    let w = window.to_string();
    let (s, p) = raise(&app, &teacher, &[("about", "window"), ("target", &w), ("category", "service"), ("body", "窗口办理教师借阅证需要跑三个部门盖章")], None).await;
    assert_eq!(s, 201, "{p}");
    let id = p["id"].as_i64().unwrap();
    let office = app.login("office").await;
    let head = app.login("unithead").await;
    // Within its limit, the tick does nothing to it.
    assert_eq!(post(&app, &office, "/api/v1/problems/tick", json!({})).await.0, 200);
    assert_eq!(app.get_json(&office, &format!("/api/v1/problems/{id}")).await["escalation"], "none");
    // Its acceptance was due yesterday: the head hears of it, once.
    app.age(&format!("UPDATE problems SET due_on = '{}' WHERE id = {id}", days_before(&p, 1))).await;
    post(&app, &office, "/api/v1/problems/tick", json!({})).await;
    post(&app, &office, "/api/v1/problems/tick", json!({})).await;
    let p = app.get_json(&office, &format!("/api/v1/problems/{id}")).await;
    assert_eq!(p["escalation"], "head", "{p}");
    let n = notes(&app, &head).await;
    assert_eq!(n.matches(&format!("第 {id} 号群众问题（办事服务）已超过办理时限")).count(), 1, "once: {n}");
    let overdue = app.get_json(&head, "/api/v1/problems?show=overdue").await;
    assert!(overdue["items"].as_array().unwrap().iter().any(|x| x["id"] == id));
    // A whole limit later still unaccepted: the office hears of it.
    app.age(&format!("UPDATE problems SET due_on = '{}' WHERE id = {id}", days_before(&p, 30))).await;
    post(&app, &office, "/api/v1/problems/tick", json!({})).await;
    let p = app.get_json(&office, &format!("/api/v1/problems/{id}")).await;
    assert_eq!(p["escalation"], "office", "{p}");
    assert!(notes(&app, &office).await.contains(&format!("第 {id} 号群众问题（办事服务")), "the office is told");
    let kinds: Vec<&str> = p["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["raised", "escalated_head", "escalated_office"]);
    let dash = app.get_json(&office, "/api/v1/problems/dashboard").await;
    assert!(dash.as_array().unwrap().iter().any(|r| r["unit_id"] == unit && r["overdue"].as_i64().unwrap() >= 1), "{dash}");
    // Accepting starts a new step with its own limit: no longer overdue.
    let (s, p) = post(&app, &head, &format!("/api/v1/problems/{id}/accept"), json!({})).await;
    assert_eq!((s, p["escalation"].as_str()), (200, Some("none")), "{p}");
}

async fn an_unsatisfied_raiser_sends_it_one_level_up_and_an_unconfirmed_answer_closes_apart(app: TestApp) {
    let (window, unit) = library_window(&app).await;
    let office = app.login("office").await;
    let lib = app.get_json(&office, &format!("/api/v1/units/{unit}")).await;
    let parent = lib["node"]["parent_id"].as_i64();
    let student = app.login("student").await;
    let head = app.login("unithead").await;
    let w = window.to_string();
    let mut ids = Vec::new();
    for body in ["图书馆空调温度过低，冬天阅览室太冷", "图书馆电子阅览室电脑太旧，开机要十分钟"] {
        let (s, p) = raise(&app, &student, &[("about", "window"), ("target", &w), ("category", "library"), ("body", body)], None).await;
        assert_eq!(s, 201);
        let id = p["id"].as_i64().unwrap();
        post(&app, &head, &format!("/api/v1/problems/{id}/accept"), json!({})).await;
        let (s, _) = post(&app, &head, &format!("/api/v1/problems/{id}/answer"), json!({"reply": "已报修", "measures": "已联系后勤处"})).await;
        assert_eq!(s, 200);
        ids.push(id);
    }
    // Not satisfied: it reopens one level up (the unit above the library, or the office's
    // triage when the library is a top-level unit), and the unit's figure counts it.
    let (s, p) = post(&app, &student, &format!("/api/v1/problems/{}/confirm", ids[0]), json!({"satisfied": "no", "comment": "依然很冷"})).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["state"], "received");
    assert_eq!(p["reopened"], 1);
    let up = app.get_json(&office, &format!("/api/v1/units/{}", parent.unwrap())).await;
    let expected = if up["node"]["parent_id"].is_null() { Value::Null } else { json!(parent) };
    assert_eq!(p["unit_id"], expected, "one level up: {p}");
    let dash = app.get_json(&office, "/api/v1/problems/dashboard").await;
    let row = dash.as_array().unwrap().iter().find(|r| r["unit_id"] == unit).unwrap();
    assert_eq!(row["unsatisfied"], 1, "{row}");
    if expected.is_null() {
        let triage = app.get_json(&office, "/api/v1/problems?show=triage").await;
        assert!(triage["items"].as_array().unwrap().iter().any(|x| x["id"] == ids[0]), "the office's triage has it");
    }
    // Not confirmed in time: closed as unconfirmed, apart from the satisfied; the raiser is told.
    let raised = app.get_json(&office, &format!("/api/v1/problems/{}", ids[1])).await;
    app.age(&format!("UPDATE problems SET due_on = '{}' WHERE id = {}", days_before(&raised, 30), ids[1])).await;
    post(&app, &office, "/api/v1/problems/tick", json!({})).await;
    let p = app.get_json(&office, &format!("/api/v1/problems/{}", ids[1])).await;
    assert_eq!(p["state"], "unconfirmed", "{p}");
    assert!(notes(&app, &student).await.contains("未确认"), "the raiser is told it closed");
    let dash = app.get_json(&office, "/api/v1/problems/dashboard").await;
    let row = dash.as_array().unwrap().iter().find(|r| r["unit_id"] == unit).unwrap();
    assert_eq!((row["unconfirmed"].as_i64(), row["satisfied"].as_i64()), (Some(1), Some(0)), "{row}");
    assert_eq!(post(&app, &student, &format!("/api/v1/problems/{}/confirm", ids[1]), json!({"satisfied": "yes"})).await.0, 409, "closed");
}

async fn similar_reports_are_grouped_and_handed_down(app: TestApp) {
    let (_, unit) = library_window(&app).await;
    let u = unit.to_string();
    let library = [
        ("student", "图书馆开放时间太短了，晚上十点就关门，希望延长开放时间"),
        ("teacher", "建议图书馆延长开放时间，晚上能开到十一点"),
        ("member", "图书馆晚上关门太早，自习室不够用，开放时间能不能延长"),
        ("cadre", "希望延长图书馆的开放时间，考试周晚上没有地方自习"),
        ("branchsec", "图书馆的开放时间能否延长一些？晚上十点关门太早"),
    ];
    let others = [("student", "食堂饭菜价格上涨太快，学生负担重"), ("teacher", "宿舍热水供应不稳定，晚上经常没有热水"), ("member", "校园网经常断线，宿舍WiFi信号很差")];
    let mut lib_ids = Vec::new();
    for (i, (user, body)) in library.iter().chain(others.iter()).enumerate() {
        let c = app.login(user).await;
        let (s, p) = raise(&app, &c, &[("about", "campus"), ("category", if i < 5 { "library" } else { "other" }), ("body", body)], None).await;
        assert_eq!(s, 201, "{p}");
        assert!(p["unit_id"].is_null(), "the campus goes to the office's triage");
        if i < 5 {
            lib_ids.push(p["id"].as_i64().unwrap());
        }
    }
    let office = app.login("office").await;
    let (s, r) = post(&app, &office, "/api/v1/problem-groups/regroup", json!({})).await;
    assert_eq!(s, 200, "{r}");
    let groups = app.get_json(&office, "/api/v1/problem-groups").await;
    let g = groups.as_array().unwrap().iter().find(|g| g["raisers"] == 5).unwrap_or_else(|| panic!("a group of five raisers: {groups}")).clone();
    let gid = g["id"].as_i64().unwrap();
    let one = app.get_json(&office, &format!("/api/v1/problem-groups/{gid}")).await;
    let mut members: Vec<i64> = one["members"].as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect();
    members.sort();
    assert_eq!(members, lib_ids, "the five wordings meet, nothing else joins: {one}");
    // The unrelated ones are in no group of two or more.
    for gr in groups.as_array().unwrap() {
        for (_, t) in gr["samples"].as_array().unwrap().iter().map(|x| (x[0].clone(), x[1].as_str().unwrap().to_string())) {
            assert!(!t.contains("食堂") && !t.contains("热水") && !t.contains("WiFi"), "{gr}");
        }
    }
    // Only the office sees the groups.
    let head = app.login("unithead").await;
    assert_eq!(head.get(app.url("/api/v1/problem-groups")).send().await.unwrap().status(), 403);
    // Split one off and merge it back; then hand the group down to the library with a
    // requirement to a Party organization.
    let (s, split) = post(&app, &office, &format!("/api/v1/problem-groups/{gid}"), json!({"action": "split", "problems": [lib_ids[4]]})).await;
    assert_eq!(s, 200, "{split}");
    assert_eq!(split["problems"], 1);
    let (s, merged) = post(&app, &office, &format!("/api/v1/problem-groups/{gid}"), json!({"action": "merge", "from": split["id"]})).await;
    assert_eq!((s, merged["problems"].as_i64()), (200, Some(5)), "{merged}");
    let (s, _) = post(&app, &office, &format!("/api/v1/problem-groups/{gid}"), json!({"action": "rename", "title": "图书馆开放时间"})).await;
    assert_eq!(s, 200);
    let branch = app.get_json(&office, "/api/v1/orgs").await;
    let org = branch.as_array().map(|a| a[0]["id"].clone()).unwrap_or(Value::Null);
    let (s, handed) = post(&app, &office, &format!("/api/v1/problem-groups/{gid}"), json!({"action": "hand_down", "unit": u, "note": "请研究延长开放时间", "org": org})).await;
    assert_eq!(s, 200, "{handed}");
    assert_eq!(handed["title"], "图书馆开放时间");
    assert!(handed["handed_to"].is_string(), "{handed}");
    // Its problems are now the library's, and the head is told.
    let mine = app.get_json(&head, "/api/v1/problems?show=open").await;
    for id in &lib_ids {
        assert!(mine["items"].as_array().unwrap().iter().any(|x| x["id"] == *id), "{id} went to the library");
    }
    assert!(notes(&app, &head).await.contains("图书馆开放时间"));
    // Regrouping keeps a group handled by hand.
    post(&app, &office, "/api/v1/problem-groups/regroup", json!({})).await;
    assert_eq!(app.get_json(&office, &format!("/api/v1/problem-groups/{gid}")).await["problems"], 5);
}

async fn bad_input_is_refused_in_the_users_language_and_changes_nothing(app: TestApp) {
    let student = app.login("student").await;
    let before = app.get_json(&student, "/api/v1/problems?show=mine").await["total"].as_i64().unwrap();
    let (s, e) = raise(&app, &student, &[("about", "window"), ("category", "nope"), ("body", "短")], None).await;
    assert_eq!(s, 422, "{e}");
    let text = e.to_string();
    assert!(text.contains("请选择问题类别") && text.contains("请选择涉及的窗口或单位"), "{e}");
    // A PDF is not a photo.
    let token = app.csrf(&student, "/home").await;
    let f = reqwest::multipart::Form::new()
        .text("about", "campus")
        .text("category", "other")
        .text("body", "校园里路灯太暗了，晚上走路不安全")
        .part("photos", reqwest::multipart::Part::bytes(b"%PDF-1.4 x".to_vec()).file_name("a.pdf"));
    let r = student.post(app.url("/api/v1/problems")).header("x-csrf-token", token).multipart(f).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("不是照片"));
    // A window that is not one.
    let (_, unit) = library_window(&app).await;
    let (s, _) = raise(&app, &student, &[("about", "window"), ("target", &unit.to_string()), ("category", "library"), ("body", "这个单位的问题写成了窗口")], None).await;
    assert_eq!(s, 422);
    assert_eq!(app.get_json(&student, "/api/v1/problems?show=mine").await["total"].as_i64().unwrap(), before, "nothing was stored");
    // The page keeps what was typed and says what is wrong.
    let token = app.csrf(&student, "/problems/new").await;
    let f = reqwest::multipart::Form::new().text("about", "campus").text("category", "").text("body", "宿舍楼下自行车乱停乱放");
    let r = student.post(app.url(&format!("/problems?_csrf={token}"))).multipart(f).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("宿舍楼下自行车乱停乱放") && html.contains("请选择问题类别"));
    // The office's limits are whole working days.
    let office = app.login("office").await;
    let (s, e) = post(&app, &office, "/api/v1/problems/rules", json!({"accept_days": "0", "answer_days": "5", "confirm_days": "x"})).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(app.get_json(&office, "/api/v1/problems/rules").await["accept_days"], 2, "unchanged");
    let (s, r) = post(&app, &office, "/api/v1/problems/rules", json!({"accept_days": "3", "answer_days": "5", "confirm_days": "7", "public_list": "false"})).await;
    assert_eq!((s, r["confirm_days"].as_i64()), (200, Some(7)));
    assert_eq!(common::client(&app.base).get(app.url("/api/v1/problems/public")).send().await.unwrap().status(), 404, "the office closed the public list");
}

async fn a_windows_page_shows_its_staff_commitments_and_satisfaction(app: TestApp) {
    let (window, _) = library_window(&app).await;
    let office = app.login("office").await;
    let head = app.login("unithead").await;
    let people = app.get_json(&office, &format!("/api/v1/people?unit_id={window}&kind=staff&per_page=20")).await;
    let staff = people["items"].as_array().unwrap()[0].clone();
    let (person, number) = (staff["id"].as_i64().unwrap(), staff["number"].as_str().unwrap().to_string());
    let put = |who: Client, person: i64, service_no: String, photo: bool| {
        let app = &app;
        async move {
            let token = app.csrf(&who, "/home").await;
            let mut f = reqwest::multipart::Form::new().text("person", person.to_string()).text("post", "借还书岗").text("service_no", service_no);
            if photo {
                f = f.part("photo", reqwest::multipart::Part::bytes(common::jpeg_with_exif()).file_name("证件照.jpg"));
            }
            let r = who.post(app.url(&format!("/api/v1/windows/{window}/staff"))).header("x-csrf-token", token).multipart(f).send().await.unwrap();
            let s = r.status().as_u16();
            (s, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    // The staff number is a login name: it is not a service number.
    let (s, e) = put(head.clone(), person, number.clone(), false).await;
    assert_eq!(s, 422, "{e}");
    assert!(e.to_string().contains("服务编号不能用工号"), "{e}");
    // Someone who does not work there, or a caller who does not manage the window, is refused.
    let member = app.get_json(&app.login("member").await, "/api/v1/me").await["person_id"].as_i64().unwrap();
    assert_eq!(put(head.clone(), member, "TS-09".into(), false).await.0, 404, "a person outside the window");
    assert!(matches!(put(app.login("branchsec2").await, person, "TS-01".into(), false).await.0, 403 | 404));
    let (s, w) = put(head.clone(), person, "TS-01".into(), true).await;
    assert_eq!(s, 200, "{w}");
    let shown = w["staff"].as_array().unwrap().iter().find(|p| p["service_no"] == "TS-01").unwrap().clone();
    assert_eq!(shown["party_badge"], false, "no badge until the person chooses");
    // The public page (no login) shows the name, post and service number, never the staff number.
    let anon = common::client(&app.base);
    let html = anon.get(app.url(&format!("/w/{window}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("TS-01") && html.contains(staff["name"].as_str().unwrap()) && html.contains("借还书岗") && !html.contains(&number), "{html}");
    assert!(html.contains("亮承诺") && html.contains("群众满意度") && html.contains("对本窗口反映问题或意见"));
    let photo = anon.get(app.url(shown["photo_url"].as_str().unwrap())).send().await.unwrap().bytes().await.unwrap();
    assert!(photo.starts_with(&[0xFF, 0xD8]) && !photo.windows(4).any(|w| w == b"Exif"), "the photo's EXIF is gone");
    // The person chooses to show their badge: shown if they are a Party member.
    let me = app.account_for(person, &format!("win{person}")).await;
    let r = me.post(app.url("/api/v1/me/badge")).json(&json!({"show": true})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let member_now = matches!(staff["political_status"].as_str(), Some("01") | Some("02"));
    let w = app.get_json(&anon, &format!("/api/v1/windows/{window}")).await;
    assert_eq!(w["staff"][0]["party_badge"], member_now, "{w}");
    // Someone on no window page has no badge to show.
    let r = app.login("member").await.post(app.url("/api/v1/me/badge")).json(&json!({"show": true})).send().await.unwrap();
    assert_eq!(r.status(), 404);
    // The head takes the person off the page.
    let token = app.csrf(&head, "/home").await;
    let sid = shown["id"].as_i64().unwrap();
    let r = head.post(app.url(&format!("/api/v1/windows/{window}/staff/{sid}/remove"))).header("x-csrf-token", token).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(app.get_json(&anon, &format!("/api/v1/windows/{window}")).await["staff"].as_array().unwrap().is_empty());
    // 三比 and 三创 are award categories of the plan: the office starts their selections.
    let t = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8)).date();
    let day = |d: time::Date| d.to_string();
    for category in ["post-dedication-pioneers", "quality-service-brands"] {
        let (s, v) = post(
            &app,
            &office,
            "/api/v1/selections",
            json!({"category": category, "nominate_until": day(t + time::Duration::days(3)), "vote_from": day(t + time::Duration::days(5)), "vote_until": day(t + time::Duration::days(9))}),
        )
        .await;
        assert!(s == 200 || s == 201, "{category}: {s} {v}");
    }
}
