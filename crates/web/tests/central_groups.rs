//! The central groups (党委中心组, item 5) over HTTP, on both databases: a college sets up its
//! group with named members, plans its study by month and holds a session (a meeting expecting
//! the members); a member checks in once by the session's code (a second check-in is refused,
//! one before check-in opens too); a leave counts once the keeper marks it, not when only asked
//! for; speeches (by those present) and reflections are handed in; the year's scores are
//! recomputed here from the inputs by hand; the group never reaches another college, nor does
//! its keeper add someone of another college; a former member sees only the years they served.

mod common;

use common::TestApp;
use reqwest::Client;
use serde_json::{Value, json};

both!(a_college_central_group_studies_and_is_scored_by_the_weights,);

async fn send(app: &TestApp, c: &Client, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
    let r = c.request(method, app.url(path)).json(&body).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn post(app: &TestApp, c: &Client, path: &str, body: Value) -> (u16, Value) {
    send(app, c, reqwest::Method::POST, path, body).await
}

async fn number_of(app: &TestApp, user: &str) -> (i64, String) {
    let office = app.login("office").await;
    let id = app.get_json(&app.login(user).await, "/api/v1/me").await["person_id"].as_i64().unwrap();
    (id, app.get_json(&office, &format!("/api/v1/people/{id}")).await["number"].as_str().unwrap().to_string())
}

fn day(offset: i64) -> String {
    pacesetter_domain::dates::iso(pacesetter_domain::dates::today() + time::Duration::days(offset))
}

/// The default weights' total, by hand and unrounded: attendance 50%, speeches 20% (2 a year),
/// reflections 30% (4 a year), a leave counting half a presence.
fn by_hand_raw(sessions: f64, present: f64, leave: f64, speeches: f64, reflections: f64) -> f64 {
    let att = 100.0 * (present + leave * 0.5) / sessions;
    let sp = 100.0 * speeches.min(2.0) / 2.0;
    let re = 100.0 * reflections.min(4.0) / 4.0;
    att * 0.5 + sp * 0.2 + re * 0.3
}

fn one_decimal(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The total as shown: the unrounded one to one decimal.
fn by_hand(sessions: f64, present: f64, leave: f64, speeches: f64, reflections: f64) -> f64 {
    one_decimal(by_hand_raw(sessions, present, leave, speeches, reflections))
}

async fn a_college_central_group_studies_and_is_scored_by_the_weights(app: TestApp) {
    let college = app.reach("orgsec", "org").await;
    let orgsec = app.login("orgsec").await;
    let (s, g) = post(&app, &orgsec, "/api/v1/central-groups", json!({"org_id": college.to_string()})).await;
    assert_eq!(s, 201, "{g}");
    let id = g["id"].as_i64().unwrap();
    assert!(g["name"].as_str().unwrap().ends_with("中心组"), "{g}");
    let (s, r) = post(&app, &orgsec, "/api/v1/central-groups", json!({"org_id": college.to_string()})).await;
    assert_eq!(s, 409, "one group per committee: {r}");
    // Another college's secretary cannot set up this college's group.
    let other = app.login("branchsec2").await;
    let (s, _) = post(&app, &other, "/api/v1/central-groups", json!({"org_id": college.to_string()})).await;
    assert!(s == 403 || s == 404, "{s}");

    // Members with their roles and posts.
    let (me, my_no) = number_of(&app, "orgsec").await;
    let (teacher, teacher_no) = number_of(&app, "teacher").await;
    let (deputy, deputy_no) = number_of(&app, "member").await;
    let (_, head_no) = number_of(&app, "branchsec").await;
    for (no, role, post_) in [(&my_no, "leader", "党委书记"), (&teacher_no, "member", "副院长"), (&deputy_no, "deputy", "党委委员"), (&head_no, "member", "学生党支部书记")]
    {
        let (s, r) = post(&app, &orgsec, &format!("/api/v1/central-groups/{id}/members"), json!({"number": no, "role": role, "post": post_})).await;
        assert_eq!(s, 201, "{r}");
    }
    let (s, r) = post(&app, &orgsec, &format!("/api/v1/central-groups/{id}/members"), json!({"number": teacher_no, "role": "member", "post": "副院长"})).await;
    assert_eq!(s, 409, "once: {r}");
    let (s, r) = post(&app, &orgsec, &format!("/api/v1/central-groups/{id}/members"), json!({"number": head_no, "role": "leader", "post": "x"})).await;
    assert!(s == 409 || s == 422, "{r}");
    // Someone of another college is out of the keeper's reach: answered as a number nobody has.
    let (stranger, stranger_no) = number_of(&app, "branchsec2").await;
    let (s, r) = post(&app, &orgsec, &format!("/api/v1/central-groups/{id}/members"), json!({"number": stranger_no, "role": "member", "post": "委员"})).await;
    assert!(s == 404 || s == 422, "{s} {r}");
    let (s2, r2) = post(&app, &orgsec, &format!("/api/v1/central-groups/{id}/members"), json!({"number": "ZZ99999999", "role": "member", "post": "委员"})).await;
    assert_eq!((s, r.to_string().replace(&stranger_no, "?")), (s2, r2.to_string().replace("ZZ99999999", "?")), "the same answer as a number nobody has: {r} {r2}");
    let g = app.get_json(&orgsec, &format!("/api/v1/central-groups/{id}")).await;
    assert!(g["members"].as_array().unwrap().iter().all(|m| m["person_id"] != stranger), "{g}");
    // Someone who finds the group but does not keep it gets no further than that.
    let (s, _) = post(&app, &app.login("teacher").await, &format!("/api/v1/central-groups/{id}/members"), json!({"number": "ZZ99999999", "role": "member", "post": "委员"})).await;
    assert_eq!(s, 403, "a member does not add members, whatever the number");

    // The plan by month.
    let year = pacesetter_domain::dates::today().year();
    let (s, r) = send(
        &app,
        &orgsec,
        reqwest::Method::PUT,
        &format!("/api/v1/central-groups/{id}/plan"),
        json!({"year": year.to_string(), "month": "3", "topic": "学习十七届六中全会精神", "documents": "《决定》全文"}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["plan"][2]["topic"], "学习十七届六中全会精神");
    let (s, _) = send(&app, &orgsec, reqwest::Method::PUT, &format!("/api/v1/central-groups/{id}/plan"), json!({"year": year.to_string(), "month": "13", "topic": "x"})).await;
    assert_eq!(s, 422);

    // A session today expecting the four members, with a guest from an enterprise's group.
    let body = json!({"topic": "专题学习：创先争优", "on_day": day(0), "starts": "00:00", "ends": "23:59", "place": "行政楼会议室", "speaker": "党委书记", "documents": "《实施方案》", "guests": "张伟，湖南某集团党委"});
    let (s, sess) = post(&app, &orgsec, &format!("/api/v1/central-groups/{id}/sessions"), body).await;
    assert_eq!(s, 201, "{sess}");
    let mid = sess["session"]["meeting_id"].as_i64().unwrap();
    assert_eq!((sess["session"]["expected"].as_i64(), sess["session"]["guests"][0].as_str()), (Some(4), Some("张伟（湖南某集团党委）")));
    let (s, r) = post(&app, &orgsec, &format!("/api/v1/central-groups/{id}/sessions"), json!({"topic": "", "on_day": "x", "speaker": ""})).await;
    assert_eq!(s, 422, "{r}");
    let later = post(
        &app,
        &orgsec,
        &format!("/api/v1/central-groups/{id}/sessions"),
        json!({"topic": "下次学习", "on_day": day(1), "starts": "08:30", "ends": "11:30", "place": "会议室", "speaker": "院长"}),
    )
    .await
    .1;
    let later_id = later["session"]["meeting_id"].as_i64().unwrap();

    // Check-in by the session's code: once, and only while it is open.
    let t = app.login("teacher").await;
    let (s, r) = post(&app, &t, &format!("/api/v1/meetings/{later_id}/check-in"), json!({"code": "000000"})).await;
    assert_eq!(s, 409, "not open: {r}");
    let (s, r) = post(&app, &orgsec, &format!("/api/v1/meetings/{mid}/checkin/open"), json!({})).await;
    assert_eq!(s, 200, "{r}");
    let code = app.get_json(&orgsec, &format!("/api/v1/meetings/{mid}/checkin/code")).await["code"].as_str().unwrap().to_string();
    let (s, r) = post(&app, &t, &format!("/api/v1/meetings/{mid}/check-in"), json!({"code": code})).await;
    assert_eq!(s, 200, "{r}");
    let (s, r) = post(&app, &t, &format!("/api/v1/meetings/{mid}/check-in"), json!({"code": code})).await;
    assert_eq!(s, 409, "a second check-in is refused: {r}");
    let c = app.login("member").await;
    let (s, r) = post(&app, &c, &format!("/api/v1/meetings/{mid}/leave"), json!({"reason": "赴省里开会"})).await;
    assert_eq!(s, 200, "{r}");
    // The members are told of the sessions scheduled.
    assert!(app.get_json(&t, "/api/v1/notifications").await.to_string().contains("下次学习"), "the member is told");
    // Held, with minutes.
    let token = app.csrf(&orgsec, "/home").await;
    let form = reqwest::multipart::Form::new().text("minutes", "围绕创先争优开展专题学习，成员交流发言。");
    let r = orgsec.post(app.url(&format!("/api/v1/meetings/{mid}/record"))).header("x-csrf-token", token).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    // A leave only asked for counts as an absence, until the keeper marks it on the list.
    let sc = app.get_json(&orgsec, &format!("/api/v1/central-groups/{id}/scores")).await;
    let lc = sc["lines"].as_array().unwrap().iter().find(|l| l["person_id"] == deputy).unwrap().clone();
    assert_eq!((lc["sessions"].as_i64(), lc["present"].as_i64(), lc["leave"].as_i64()), (Some(1), Some(0), Some(0)), "{lc}");
    assert_eq!(lc["attendance_score"].as_f64(), Some(0.0), "{lc}");
    let (s, r) = post(&app, &orgsec, &format!("/api/v1/meetings/{mid}/attendance"), json!({"marks": [{"person_id": deputy, "status": "leave", "reason": "赴省里开会"}]})).await;
    assert_eq!(s, 200, "{r}");

    // Speeches and reflections: one's own, or the keeper's for a member.
    let reflection = "通过这次集中学习，我进一步认识到创先争优活动对学院发展的重要意义，要把学习成果转化为推动教学科研工作的实际行动，切实做到学有所得。";
    let (s, r) = post(&app, &t, &format!("/api/v1/central-groups/sessions/{mid}/contributions"), json!({"kind": "reflection", "body": "太短"})).await;
    assert_eq!(s, 422, "{r}");
    let (s, r) = post(&app, &t, &format!("/api/v1/central-groups/sessions/{mid}/contributions"), json!({"kind": "reflection", "body": reflection})).await;
    assert_eq!(s, 200, "{r}");
    let (s, _) = post(
        &app,
        &t,
        &format!("/api/v1/central-groups/sessions/{mid}/contributions"),
        json!({"kind": "speech", "body": "代写他人的交流发言内容一段", "person_id": deputy.to_string()}),
    )
    .await;
    assert_eq!(s, 403, "not for someone else");
    // A speech was given at the session: not by a member on leave, even through the keeper.
    let (s, r) = post(
        &app,
        &orgsec,
        &format!("/api/v1/central-groups/sessions/{mid}/contributions"),
        json!({"kind": "speech", "body": "院长就学科建设与创先争优结合作交流发言", "person_id": deputy.to_string()}),
    )
    .await;
    assert!(s == 409 || s == 422, "{s} {r}");
    let (s, r) = post(
        &app,
        &orgsec,
        &format!("/api/v1/central-groups/sessions/{mid}/contributions"),
        json!({"kind": "reflection", "body": format!("院长的心得：学科建设与创先争优相结合。{reflection}"), "person_id": deputy.to_string()}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    let (s, r) = post(&app, &t, &format!("/api/v1/central-groups/sessions/{mid}/contributions"), json!({"kind": "speech", "body": "结合分管的教学工作谈学习体会"})).await;
    assert_eq!(s, 200, "present, so a speech: {r}");
    let (s, _) = post(&app, &t, &format!("/api/v1/central-groups/sessions/{later_id}/contributions"), json!({"kind": "reflection", "body": reflection})).await;
    assert_eq!(s, 409, "not before the session");
    // A member reads their own only.
    let mine = app.get_json(&t, &format!("/api/v1/central-groups/sessions/{mid}")).await;
    assert_eq!(mine["contributions"].as_array().unwrap().len(), 2, "{mine}");
    assert!(!mine.to_string().contains("学科建设"), "{mine}");

    // The year's scores, recomputed by hand from the inputs.
    let sc = app.get_json(&orgsec, &format!("/api/v1/central-groups/{id}/scores")).await;
    let lines = sc["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 4, "{sc}");
    let of = |p: i64| lines.iter().find(|l| l["person_id"] == p).unwrap_or_else(|| panic!("{sc}")).clone();
    let lt = of(teacher);
    assert_eq!((lt["sessions"].as_i64(), lt["present"].as_i64(), lt["speeches"].as_i64(), lt["reflections"].as_i64()), (Some(1), Some(1), Some(1), Some(1)), "{lt}");
    assert_eq!(lt["total"].as_f64(), Some(by_hand(1.0, 1.0, 0.0, 1.0, 1.0)));
    let lc = of(deputy);
    assert_eq!((lc["leave"].as_i64(), lc["speeches"].as_i64(), lc["reflections"].as_i64()), (Some(1), Some(0), Some(1)), "the leave marked counts: {lc}");
    assert_eq!(lc["total"].as_f64(), Some(by_hand(1.0, 0.0, 1.0, 0.0, 1.0)));
    assert_eq!(of(me)["total"].as_f64(), Some(0.0));
    // The group's score: the mean of the unrounded totals (the leader and the branch secretary absent,
    // with nothing handed in), rounded once.
    let mean = one_decimal((by_hand_raw(1.0, 1.0, 0.0, 1.0, 1.0) + by_hand_raw(1.0, 0.0, 1.0, 0.0, 1.0) + 0.0 + 0.0) / 4.0);
    assert_eq!(sc["group_score"].as_f64(), Some(mean), "{sc}");
    // A member sees their own line, and no mean of fewer than five.
    let own = app.get_json(&t, &format!("/api/v1/central-groups/{id}/scores")).await;
    assert_eq!(own["lines"].as_array().unwrap().len(), 1, "{own}");
    assert!(own["group_score"].is_null(), "{own}");
    let last = app.get_json(&orgsec, &format!("/api/v1/central-groups/{id}/scores?year={}", year - 1)).await;
    assert!(last["lines"].as_array().unwrap().iter().all(|l| l["sessions"] == 0), "last year had no session: {last}");
    let r = orgsec.get(app.url(&format!("/central-groups/{id}?year={}", year - 1))).send().await.unwrap();
    assert_eq!(r.status(), 200, "a year in the query");
    let x = orgsec.get(app.url(&format!("/central-groups/{id}/scores/central-group-scores.xlsx"))).send().await.unwrap();
    assert_eq!(x.status(), 200);
    let html = orgsec.get(app.url(&format!("/central-groups/{id}/scores"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("学习考核") && html.contains(&format!("{:.1}", by_hand(1.0, 1.0, 0.0, 1.0, 1.0))), "the page shows the score");

    // The group never reaches another college.
    for path in [format!("/api/v1/central-groups/{id}"), format!("/api/v1/central-groups/{id}/scores"), format!("/api/v1/central-groups/sessions/{mid}")] {
        let r = other.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
    assert!(app.get_json(&other, "/api/v1/central-groups").await.as_array().unwrap().is_empty());

    // The office sets the weights; they add up to 100.
    let office = app.login("office").await;
    let w = json!({"attendance": "60", "speeches": "20", "reflections": "20", "leave_credit": "0", "speeches_expected": "2", "reflections_expected": "4"});
    let (s, r) = send(&app, &office, reqwest::Method::PUT, "/api/v1/central-groups/weights", w.clone()).await;
    assert_eq!(s, 200, "{r}");
    let (s, _) = send(
        &app,
        &office,
        reqwest::Method::PUT,
        "/api/v1/central-groups/weights",
        json!({"attendance": "70", "speeches": "20", "reflections": "20", "leave_credit": "0", "speeches_expected": "2", "reflections_expected": "4"}),
    )
    .await;
    assert_eq!(s, 422);
    let (s, _) = send(&app, &orgsec, reqwest::Method::PUT, "/api/v1/central-groups/weights", w).await;
    assert_eq!(s, 403);
    let sc = app.get_json(&orgsec, &format!("/api/v1/central-groups/{id}/scores")).await;
    let lc = sc["lines"].as_array().unwrap().iter().find(|l| l["person_id"] == deputy).unwrap().clone();
    assert_eq!(lc["total"].as_f64(), Some(5.0), "a leave counts nothing now; one reflection of four is 25 × 20%: {lc}");

    // The pages.
    let html = t.get(app.url(&format!("/central-groups/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("学习十七届六中全会精神") && html.contains("张伟"), "the member sees the plan and the sessions");
    let html = t.get(app.url(&format!("/central-groups/sessions/{mid}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("学有所得") && !html.contains("学科建设"), "the member's own reflection only");

    // A former member sees the years they served only: the branch secretary's term ends today.
    let head = app.login("branchsec").await;
    let (s, _) = send(&app, &head, reqwest::Method::GET, &format!("/api/v1/central-groups/{id}/scores?year={}", year - 1), Value::Null).await;
    assert_eq!(s, 200, "a current member reads any year");
    let g = app.get_json(&orgsec, &format!("/api/v1/central-groups/{id}")).await;
    let (head_id, _) = number_of(&app, "branchsec").await;
    let term = g["members"].as_array().unwrap().iter().find(|m| m["person_id"] == head_id && m["end_date"].is_null()).unwrap()["id"].as_i64().unwrap();
    let (s, r) = post(&app, &orgsec, &format!("/api/v1/central-groups/{id}/members/{term}/end"), json!({})).await;
    assert_eq!(s, 200, "{r}");
    let own = app.get_json(&head, &format!("/api/v1/central-groups/{id}/scores")).await;
    assert_eq!(own["lines"].as_array().unwrap().len(), 1, "their own line of the year they served: {own}");
    assert_eq!(app.get_json(&head, &format!("/api/v1/central-groups/{id}")).await["year"].as_i64(), Some(year as i64));
    for path in [
        format!("/api/v1/central-groups/{id}/scores?year={}", year - 1),
        format!("/api/v1/central-groups/{id}?year={}", year - 1),
        format!("/api/v1/central-groups/{id}?year={}", year + 1),
        format!("/central-groups/{id}/scores?year={}", year - 1),
    ] {
        let r = head.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
}
