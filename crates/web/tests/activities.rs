//! Activities (items 7, 12, 13) over HTTP, on both databases: a branch announces a volunteer
//! activity with a quota; a sign-up beyond it waits and moves up when a place is given up (and
//! is told); another college's secretary finds nothing; check-in is once and for those with a
//! place; the record gives each one checked in their hours; a reading month collects books per
//! branch; fifty sign-ups at once for the last place leave exactly one in it.

mod common;

use common::TestApp;
use reqwest::Client;
use serde_json::{Value, json};

both!(an_activity_fills_waits_and_moves_up, fifty_sign_ups_for_the_last_place_take_exactly_one, an_activity_and_a_members_part_are_evidence_in_the_selections,);

async fn post(app: &TestApp, c: &Client, path: &str, body: Value) -> (u16, Value) {
    let r = c.post(app.url(path)).json(&body).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn today() -> String {
    pacesetter_domain::dates::iso(pacesetter_domain::dates::today())
}

async fn an_activity_fills_waits_and_moves_up(app: TestApp) {
    let branch = app.reach("branchsec", "org").await;
    let sec = app.login("branchsec").await;
    let member = app.login("member").await;
    let body = json!({"host": format!("org:{branch}"), "kind": "volunteer", "title": "学雷锋志愿服务：社区义诊", "place": "岳麓街道社区", "on_day": today(), "starts": "00:00", "ends": "23:59", "quota": "1"});
    let (s, r) = post(&app, &sec, "/api/v1/activities", body.clone()).await;
    assert_eq!(s, 201, "{r}");
    let id = r["activity"]["id"].as_i64().unwrap();
    let (s, r) = post(&app, &sec, "/api/v1/activities", json!({"host": format!("org:{branch}"), "kind": "volunteer", "title": "", "on_day": "2000-01-01", "quota": "-3"})).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("名额") && r.to_string().contains("活动日期"), "every problem at once: {r}");
    let (s, r) = post(
        &app,
        &sec,
        "/api/v1/activities",
        json!({"host": format!("org:{branch}"), "kind": "volunteer", "title": "义诊\u{0}", "place": "社区", "on_day": today(), "starts": "08:00", "ends": "09:00"}),
    )
    .await;
    assert_eq!(s, 422, "a control character is refused, not a 500: {r}");
    // Another college's secretary can neither announce for this branch nor find the activity.
    let other = app.login("branchsec2").await;
    let (s, _) = post(&app, &other, "/api/v1/activities", body).await;
    assert!(s == 403 || s == 404, "{s}");
    assert_eq!(other.get(app.url(&format!("/api/v1/activities/{id}"))).send().await.unwrap().status(), 404);
    let (s, _) = post(&app, &other, &format!("/api/v1/activities/{id}/signup"), json!({})).await;
    assert_eq!(s, 404);
    assert!(!app.get_json(&other, "/api/v1/activities").await.to_string().contains("社区义诊"));

    // One place: the member takes it, the secretary waits.
    let (s, r) = post(&app, &member, &format!("/api/v1/activities/{id}/signup"), json!({})).await;
    assert_eq!((s, r["mine"].as_str()), (200, Some("confirmed")), "{r}");
    let (s, _) = post(&app, &member, &format!("/api/v1/activities/{id}/signup"), json!({})).await;
    assert_eq!(s, 409, "once");
    let (s, r) = post(&app, &sec, &format!("/api/v1/activities/{id}/signup"), json!({})).await;
    assert_eq!((s, r["mine"].as_str()), (200, Some("waiting")), "{r}");
    // The member gives the place up: the secretary moves up and is told.
    let (s, r) = post(&app, &member, &format!("/api/v1/activities/{id}/cancel"), json!({})).await;
    assert_eq!((s, r["mine"].as_str()), (200, Some("cancelled")), "{r}");
    let d = app.get_json(&sec, &format!("/api/v1/activities/{id}")).await;
    assert_eq!((d["mine"].as_str(), d["activity"]["confirmed"].as_i64(), d["activity"]["waiting"].as_i64()), (Some("confirmed"), Some(1), Some(0)), "{d}");
    assert!(app.get_json(&sec, "/api/v1/notifications").await.to_string().contains("从候补转为正式报名"));
    // A member reads their own sign-up only.
    let mine = app.get_json(&member, &format!("/api/v1/activities/{id}")).await;
    assert_eq!(mine["signups"].as_array().unwrap().len(), 1, "{mine}");

    // Check-in: for those with a place, once, while open.
    let (s, r) = post(&app, &sec, &format!("/api/v1/activities/{id}/check-in"), json!({"code": "123456"})).await;
    assert_eq!(s, 409, "not open yet: {r}");
    let (s, r) = post(&app, &sec, &format!("/api/v1/activities/{id}/checkin/open"), json!({})).await;
    assert_eq!(s, 200, "{r}");
    let code = app.get_json(&sec, &format!("/api/v1/activities/{id}/checkin/code")).await["code"].as_str().unwrap().to_string();
    let (s, _) = post(&app, &member, &format!("/api/v1/activities/{id}/check-in"), json!({"code": code})).await;
    assert_eq!(s, 403, "a cancelled sign-up has no place");
    let (s, r) = post(&app, &sec, &format!("/api/v1/activities/{id}/check-in"), json!({"code": code})).await;
    assert_eq!(s, 200, "{r}");
    let (s, _) = post(&app, &sec, &format!("/api/v1/activities/{id}/check-in"), json!({"code": code})).await;
    assert_eq!(s, 409, "once");
    let html = sec.get(app.url(&format!("/activities/{id}?c={code}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("社区义诊"), "what a scan opens");

    // The record: hours for each one checked in.
    let token = app.csrf(&sec, "/home").await;
    let form = reqwest::multipart::Form::new().text("record", "为社区居民义诊120人次，发放健康手册").text("hours", "3.3");
    let r = sec.post(app.url(&format!("/api/v1/activities/{id}/record"))).header("x-csrf-token", token.clone()).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 422, "half hours only");
    let form = reqwest::multipart::Form::new()
        .text("record", "为社区居民义诊120人次，发放健康手册")
        .text("hours", "3.5")
        .part("files", reqwest::multipart::Part::bytes(common::png_1x1()).file_name("义诊.png"));
    let r = sec.post(app.url(&format!("/api/v1/activities/{id}/record"))).header("x-csrf-token", token).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let d = app.get_json(&sec, &format!("/api/v1/activities/{id}")).await;
    let me = d["signups"].as_array().unwrap().iter().find(|x| x["checked_in"] == true).unwrap().clone();
    assert_eq!((d["activity"]["state"].as_str(), me["hours"].as_f64()), (Some("held"), Some(3.5)), "{d}");
    let mine = app.get_json(&sec, "/api/v1/activities/mine").await;
    assert_eq!((mine["items"][0]["activity_id"].as_i64(), mine["hours"].as_f64()), (Some(id), Some(3.5)), "{mine}");
    assert!(app.get_json(&member, "/api/v1/activities/mine").await["items"].as_array().unwrap().is_empty(), "the member gave up the place");

    // A reading month: books per branch.
    let (s, r) = post(&app, &sec, "/api/v1/activities", json!({"host": format!("org:{branch}"), "kind": "reading", "title": "三湘读书月", "place": "图书馆", "on_day": today(), "end_day": pacesetter_domain::dates::iso(pacesetter_domain::dates::today() + time::Duration::days(30)), "starts": "08:00", "ends": "22:00"})).await;
    assert_eq!(s, 201, "{r}");
    let reading = r["activity"]["id"].as_i64().unwrap();
    let (s, r) = post(&app, &member, &format!("/api/v1/activities/{reading}/books"), json!({"title": "平凡的世界", "author": "路遥", "review": "短"})).await;
    assert_eq!(s, 422, "{r}");
    let (s, r) = post(
        &app,
        &member,
        &format!("/api/v1/activities/{reading}/books"),
        json!({"title": "平凡的世界", "author": "路遥", "review": "孙少平在苦难中坚持读书和劳动，让我体会到奋斗的意义，也更懂得珍惜今天的学习条件。"}),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    let (s, _) = post(&app, &other, &format!("/api/v1/activities/{reading}/books"), json!({"title": "x", "review": "不在本支部的人不能登记读书情况，应当被拒绝"})).await;
    assert_eq!(s, 404);
    let rows = app.get_json(&sec, "/api/v1/activities/branches").await;
    let mine = rows.as_array().unwrap().iter().find(|r| r["branch_id"] == branch).unwrap_or_else(|| panic!("{rows}")).clone();
    assert_eq!((mine["held"].as_i64(), mine["took_part"].as_i64(), mine["books"].as_i64(), mine["none"].as_bool()), (Some(1), Some(1), Some(1), Some(false)), "{mine}");
    let html = sec.get(app.url("/activities/branches")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("各二级党组织") && html.contains("各党支部"), "the per-college totals");
    let x = sec.get(app.url("/activities/branches/branch-activities.xlsx")).send().await.unwrap();
    assert_eq!(x.status(), 200);
    let html = member.get(app.url("/activities")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("三湘读书月"), "the member finds it");
}

async fn fifty_sign_ups_for_the_last_place_take_exactly_one(app: TestApp) {
    let office = app.login("office").await;
    let body = json!({"host": "office", "kind": "ethics", "title": "师德师风报告会", "place": "大礼堂", "on_day": today(), "starts": "00:00", "ends": "23:59", "quota": "2"});
    let (s, r) = post(&app, &office, "/api/v1/activities", body).await;
    assert_eq!(s, 201, "{r}");
    let id = r["activity"]["id"].as_i64().unwrap();
    let member = app.login("member").await;
    assert_eq!(post(&app, &member, &format!("/api/v1/activities/{id}/signup"), json!({})).await.0, 200);
    // Fifty people, each with an account, ask for the last place at once.
    let people = app.get_json(&office, "/api/v1/people?kind=staff&per_page=80").await;
    let me = app.get_json(&member, "/api/v1/me").await["person_id"].clone();
    let mut clients = Vec::new();
    for (i, p) in people["items"].as_array().unwrap().iter().filter(|p| p["id"] != me && p["left_on"].is_null()).enumerate() {
        let name = format!("racer{i}x{}", common::rand_suffix() % 100_000);
        let admin = app.login("admin").await;
        let r = admin.post(app.url("/api/v1/accounts")).json(&json!({"username": name, "person_id": p["id"], "password": "initial-Pass-2012x"})).send().await.unwrap();
        if r.status() != 200 {
            continue; // a person with an account already
        }
        let c = app.login_with(&name, "initial-Pass-2012x").await;
        let r = c.post(app.url("/api/v1/me/password")).json(&json!({"current": "initial-Pass-2012x", "new": "湘江北去橘子洲头2012"})).send().await.unwrap();
        assert_eq!(r.status(), 204);
        clients.push(c);
        if clients.len() == 50 {
            break;
        }
    }
    assert_eq!(clients.len(), 50);
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|c| {
            let url = app.url(&format!("/api/v1/activities/{id}/signup"));
            tokio::spawn(async move {
                let r = c.post(url).json(&json!({})).send().await.unwrap();
                let s = r.status().as_u16();
                let v: Value = r.json().await.unwrap_or(Value::Null);
                (s, v["mine"].as_str().map(str::to_string))
            })
        })
        .collect();
    let mut places = 0;
    let mut waiting = 0;
    for t in tasks {
        match t.await.unwrap() {
            (200, Some(m)) if m == "confirmed" => places += 1,
            (200, Some(m)) if m == "waiting" => waiting += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((places, waiting), (1, 49));
    let d = app.get_json(&office, &format!("/api/v1/activities/{id}")).await;
    assert_eq!((d["activity"]["confirmed"].as_i64(), d["activity"]["waiting"].as_i64()), (Some(2), Some(49)), "{d}");
}

/// Item 6: a held activity's record is evidence a nomination of an activity can carry (the
/// nominating organization's own only), and a member's part in the year's activities shows with
/// their nomination as a 学习明星.
async fn an_activity_and_a_members_part_are_evidence_in_the_selections(app: TestApp) {
    let branch = app.reach("branchsec", "org").await;
    let college = app.reach("orgsec", "org").await;
    let other_college = app.reach("branchsec2", "org").await;
    let sec = app.login("branchsec").await;
    let member = app.login("member").await;
    let office = app.login("office").await;
    let orgsec = app.login("orgsec").await;
    let (s, r) = post(
        &app,
        &sec,
        "/api/v1/activities",
        json!({"host": format!("org:{branch}"), "kind": "volunteer", "title": "学雷锋：图书馆志愿整理", "place": "图书馆", "on_day": today(), "starts": "00:00", "ends": "23:59"}),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    let id = r["activity"]["id"].as_i64().unwrap();
    assert_eq!(post(&app, &member, &format!("/api/v1/activities/{id}/signup"), json!({})).await.0, 200);
    assert_eq!(post(&app, &sec, &format!("/api/v1/activities/{id}/checkin/open"), json!({})).await.0, 200);
    let code = app.get_json(&sec, &format!("/api/v1/activities/{id}/checkin/code")).await["code"].as_str().unwrap().to_string();
    assert_eq!(post(&app, &member, &format!("/api/v1/activities/{id}/check-in"), json!({"code": code})).await.0, 200);

    let t = today();
    let (s, r) = post(&app, &office, "/api/v1/selections", json!({"category": "study-activities", "quota": 1, "nominate_until": t, "vote_from": t, "vote_until": t})).await;
    assert!(s == 200 || s == 201, "{r}");
    let sel = r["id"].as_i64().unwrap();
    assert_eq!(post(&app, &office, &format!("/api/v1/selections/{sel}/quotas"), json!({"quotas": [{"org_id": college, "quota": 3}]})).await.0, 200);
    let nominate = json!({"by_org_id": college, "title": "图书馆志愿整理", "reasons": "坚持每月开展志愿服务", "activity_id": id});
    let (s, r) = post(&app, &orgsec, &format!("/api/v1/selections/{sel}/nominations"), nominate.clone()).await;
    assert_eq!(s, 422, "not held yet: {r}");
    let token = app.csrf(&sec, "/home").await;
    let form = reqwest::multipart::Form::new().text("record", "整理图书三千册，为读者上架新书五百册").text("hours", "2");
    let r = sec.post(app.url(&format!("/api/v1/activities/{id}/record"))).header("x-csrf-token", token).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    // Another college cannot carry this branch's activity.
    let other = app.login("branchsec2").await;
    let (s, _) =
        post(&app, &other, &format!("/api/v1/selections/{sel}/nominations"), json!({"by_org_id": other_college, "title": "借用", "reasons": "不应通过", "activity_id": id})).await;
    assert!(s == 403 || s == 404, "{s}");
    let (s, r) = post(&app, &orgsec, &format!("/api/v1/selections/{sel}/nominations"), nominate).await;
    assert!(s == 200 || s == 201, "{r}");
    let nid = r["id"].as_i64().unwrap();
    let v = app.get_json(&office, &format!("/api/v1/selections/{sel}")).await;
    let a = v["nominated_activities"].as_array().unwrap().iter().find(|a| a["nomination_id"] == nid).unwrap_or_else(|| panic!("{v}")).clone();
    assert_eq!((a["activity_id"].as_i64(), a["checked_in"].as_i64(), a["hours"].as_f64()), (Some(id), Some(1), Some(2.0)), "{a}");
    let page = office.get(app.url(&format!("/selections/{sel}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("/activities/{id}")) && page.contains("整理图书三千册"), "the nomination shows the record");

    // A member's part in the year's activities, with their nomination as a 学习明星.
    let (s, r) = post(&app, &office, "/api/v1/selections", json!({"category": "study-stars", "quota": 1, "nominate_until": t, "vote_from": t, "vote_until": t})).await;
    assert!(s == 200 || s == 201, "{r}");
    let stars = r["id"].as_i64().unwrap();
    assert_eq!(post(&app, &office, &format!("/api/v1/selections/{stars}/quotas"), json!({"quotas": [{"org_id": college, "quota": 3}]})).await.0, 200);
    let me = app.get_json(&member, "/api/v1/me").await;
    let person = me["person_id"].as_i64().unwrap();
    let (s, r) = post(&app, &orgsec, &format!("/api/v1/selections/{stars}/nominations"), json!({"by_org_id": college, "person_id": person, "reasons": "勤于学习、乐于奉献"})).await;
    assert!(s == 200 || s == 201, "{r}");
    let nid = r["id"].as_i64().unwrap();
    let v = app.get_json(&office, &format!("/api/v1/selections/{stars}")).await;
    let p = v["participation"].as_array().unwrap().iter().find(|p| p["nomination_id"] == nid).unwrap_or_else(|| panic!("{v}")).clone();
    assert_eq!((p["activities"].as_i64(), p["hours"].as_f64()), (Some(1), Some(2.0)), "{p}");

    // An activity called off before it is held: a reason, everyone signed up told, no more sign-ups.
    let (s, r) = post(
        &app,
        &sec,
        "/api/v1/activities",
        json!({"host": format!("org:{branch}"), "kind": "study", "title": "党史读书会", "place": "党员活动室", "on_day": today(), "starts": "00:00", "ends": "23:59"}),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    let off = r["activity"]["id"].as_i64().unwrap();
    assert_eq!(post(&app, &member, &format!("/api/v1/activities/{off}/signup"), json!({})).await.0, 200);
    let (s, _) = post(&app, &other, &format!("/api/v1/activities/{off}/call-off"), json!({"reason": "越权"})).await;
    assert_eq!(s, 404);
    let (s, r) = post(&app, &sec, &format!("/api/v1/activities/{off}/call-off"), json!({"reason": " "})).await;
    assert_eq!(s, 422, "{r}");
    let (s, r) = post(&app, &sec, &format!("/api/v1/activities/{off}/call-off"), json!({"reason": "会议室临时被征用，改期另行通知"})).await;
    assert_eq!((s, r["activity"]["state"].as_str()), (200, Some("cancelled")), "{r}");
    assert!(app.get_json(&member, "/api/v1/notifications").await.to_string().contains("活动已取消"), "the member is told");
    assert_eq!(post(&app, &sec, &format!("/api/v1/activities/{off}/call-off"), json!({"reason": "再次取消"})).await.0, 409);
}
