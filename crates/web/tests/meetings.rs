//! Meetings over HTTP, on both databases: a branch secretary schedules a 主题党日, its members are
//! told, one checks in with the code of the moment and one asks for leave, the meeting is
//! recorded with its minutes; the compliance flags the kinds a branch has not held this period;
//! the office holds an experience-exchange meeting of the cadres who visit classes; a branch's
//! systems and its board; its contact person's page. Bad input is refused in the user's
//! language and changes nothing; another college's secretary gets nothing.

mod common;

use common::TestApp;
use reqwest::Client;
use serde_json::{Value, json};

both!(
    a_branch_meeting_is_scheduled_checked_into_by_qr_and_recorded,
    the_office_holds_an_exchange_meeting_of_the_cadres,
    a_branch_records_its_systems_and_its_board_shows_them,
    the_contact_person_sees_the_branchs_progress_and_logs_guidance,
);

async fn branch_of(app: &TestApp, user: &str) -> i64 {
    app.reach(user, "org").await
}

async fn post(app: &TestApp, c: &Client, path: &str, body: Value) -> (u16, Value) {
    let r = c.post(app.url(path)).json(&body).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn today() -> String {
    pacesetter_domain::dates::iso(pacesetter_domain::dates::today())
}

async fn a_branch_meeting_is_scheduled_checked_into_by_qr_and_recorded(app: TestApp) {
    let branch = branch_of(&app, "branchsec").await;
    let sec = app.login("branchsec").await;
    let office = app.login("office").await;
    // The office requires a 支委会 every month of the year, vacations none, so this month counts.
    let (s, r) = post(&app, &office, "/api/v1/meetings/rules", json!({"kind": "branch_committee", "period": "monthly", "vacation": ""})).await;
    assert_eq!(s, 200, "{r}");
    let (s, r) = post(&app, &office, "/api/v1/meetings/rules", json!({"kind": "theme_day", "period": "monthly", "vacation": "13"})).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("不是 1 至 12 的月份"), "{r}");
    let before = app.get_json(&sec, "/api/v1/meetings").await.as_array().unwrap().len();
    // Bad input: the end before the start, no topic; refused with the reasons, nothing stored.
    let bad = json!({"kind": "theme_day", "org_id": branch, "topic": "", "on_day": today(), "starts": "16:00", "ends": "15:00", "place": "党员活动室"});
    let (s, r) = post(&app, &sec, "/api/v1/meetings", bad).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("结束时间须晚于开始时间") && r.to_string().contains("会议主题"), "{r}");
    assert_eq!(app.get_json(&sec, "/api/v1/meetings").await.as_array().unwrap().len(), before);
    // Another college's secretary cannot schedule for this branch.
    let other = app.login("branchsec2").await;
    let good = json!({"kind": "theme_day", "org_id": branch, "topic": "学雷锋志愿服务", "on_day": today(), "starts": "14:30", "ends": "16:00", "place": "党员活动室"});
    let (s, _) = post(&app, &other, "/api/v1/meetings", good.clone()).await;
    assert_eq!(s, 404);
    let (s, m) = post(&app, &sec, "/api/v1/meetings", good).await;
    assert_eq!(s, 201, "{m}");
    let id = m["meeting"]["id"].as_i64().unwrap();
    let expected = m["meeting"]["expected"].as_i64().unwrap();
    assert!(expected >= 2, "the branch's members are expected: {m}");
    let people: Vec<i64> = m["attendance"].as_array().unwrap().iter().map(|a| a["person_id"].as_i64().unwrap()).collect();
    // The member is told, and sees the meeting and only their own line.
    let member = app.login("member").await;
    let me = app.get_json(&member, "/api/v1/me").await["person_id"].as_i64().unwrap();
    assert!(people.contains(&me));
    assert!(app.get_json(&member, "/api/v1/notifications").await.to_string().contains("学雷锋志愿服务"), "the member is told");
    let seen = app.get_json(&member, &format!("/api/v1/meetings/{id}")).await;
    assert_eq!(seen["standing"], "expected");
    assert_eq!(seen["attendance"].as_array().unwrap().len(), 1, "{seen}");
    assert_eq!(other.get(app.url(&format!("/api/v1/meetings/{id}"))).send().await.unwrap().status(), 404);
    // Check-in is closed until the secretary opens it; a member cannot see the code.
    let (s, r) = post(&app, &member, &format!("/api/v1/meetings/{id}/check-in"), json!({"code": "00000000"})).await;
    assert_eq!(s, 409, "{r}");
    let (s, _) = post(&app, &sec, &format!("/api/v1/meetings/{id}/checkin/open"), json!({})).await;
    assert_eq!(s, 200);
    assert_eq!(member.get(app.url(&format!("/api/v1/meetings/{id}/checkin/code"))).send().await.unwrap().status(), 403);
    let code = app.get_json(&sec, &format!("/api/v1/meetings/{id}/checkin/code")).await;
    assert!(code["url"].as_str().unwrap().ends_with(&format!("/meetings/{id}/in?c={}", code["code"].as_str().unwrap())), "{code}");
    assert!(code["changes_in_ms"].as_i64().unwrap() <= 30_000);
    let png = sec.get(app.url(&format!("/meetings/{id}/qr.png"))).send().await.unwrap();
    assert_eq!(png.headers()["content-type"], "image/png");
    // A wrong code is refused in the user's language; the right one checks the member in.
    let (s, r) = post(&app, &member, &format!("/api/v1/meetings/{id}/check-in"), json!({"code": "12345678"})).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("签到码已过期或不正确"), "{r}");
    let (s, r) = post(&app, &member, &format!("/api/v1/meetings/{id}/check-in"), json!({"code": code["code"]})).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["attendance"][0]["status"], "present");
    assert_eq!(r["attendance"][0]["how"], "qr");
    // The secretary's list saved from a page loaded before the check-in leaves it as it is.
    let token = app.csrf(&sec, "/home").await;
    let stale = [
        ("_csrf", token.as_str()),
        (&format!("s_{me}") as &str, "expected"),
        (&format!("o_{me}") as &str, "expected"),
        (&format!("r_{me}") as &str, ""),
        (&format!("or_{me}") as &str, ""),
    ];
    let r = sec.post(app.url(&format!("/meetings/{id}/attendance"))).form(&stale).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let d = app.get_json(&sec, &format!("/api/v1/meetings/{id}")).await;
    let mine = d["attendance"].as_array().unwrap().iter().find(|a| a["person_id"] == me).unwrap().clone();
    assert_eq!((mine["status"].as_str(), mine["how"].as_str()), (Some("present"), Some("qr")), "{mine}");
    // Checking in again is refused and changes nothing.
    let (s, r) = post(&app, &member, &format!("/api/v1/meetings/{id}/check-in"), json!({"code": code["code"]})).await;
    assert_eq!(s, 409, "{r}");
    assert_eq!(app.get_json(&sec, &format!("/api/v1/meetings/{id}")).await["meeting"]["present"].as_i64(), Some(1));
    // Someone else asks for leave: the reason is required; once present, no leave.
    let (s, _) = post(&app, &member, &format!("/api/v1/meetings/{id}/leave"), json!({"reason": "临时有事"})).await;
    assert_eq!(s, 409, "present already");
    let mut taken = Vec::new();
    for user in ["branchsec", "member", "contact", "orgsec"] {
        taken.push(app.get_json(&app.login(user).await, "/api/v1/me").await["person_id"].as_i64().unwrap_or(0));
    }
    let other_member = *people.iter().find(|p| !taken.contains(p)).expect("a member without an account");
    let stand_in = app.account_for(other_member, &format!("m{id}x")).await;
    let (s, r) = post(&app, &stand_in, &format!("/api/v1/meetings/{id}/leave"), json!({"reason": " "})).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("请假事由"), "{r}");
    let (s, r) = post(&app, &stand_in, &format!("/api/v1/meetings/{id}/leave"), json!({"reason": "带学生外出实习"})).await;
    assert_eq!(s, 200, "{r}");
    // The secretary's list: the secretary sees the reason; leave without a reason is refused.
    let (s, r) = post(&app, &sec, &format!("/api/v1/meetings/{id}/attendance"), json!({"marks": [{"person_id": other_member, "status": "leave", "reason": ""}]})).await;
    assert_eq!(s, 422, "{r}");
    let d = app.get_json(&sec, &format!("/api/v1/meetings/{id}")).await;
    let line = d["attendance"].as_array().unwrap().iter().find(|a| a["person_id"] == other_member).unwrap().clone();
    assert_eq!((line["status"].as_str(), line["reason"].as_str()), (Some("leave"), Some("带学生外出实习")), "{d}");
    // Recorded with its minutes and a photo: held, check-in closed, the others absent.
    let token = app.csrf(&sec, "/home").await;
    let form = reqwest::multipart::Form::new()
        .text("minutes", "支部书记带领党员学习雷锋精神，随后到社区开展志愿服务。")
        .part("files", reqwest::multipart::Part::bytes(common::png_1x1()).file_name("合影.png"));
    let r = sec.post(app.url(&format!("/api/v1/meetings/{id}/record"))).header("x-csrf-token", token.clone()).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let held: Value = r.json().await.unwrap();
    assert_eq!(held["meeting"]["state"], "held");
    assert!(!held["meeting"]["checkin_open"].as_bool().unwrap());
    assert_eq!((held["meeting"]["present"].as_i64(), held["meeting"]["leave"].as_i64()), (Some(1), Some(1)));
    let rate = (1000.0 / expected as f64).round() / 10.0;
    assert_eq!(held["meeting"]["attendance_rate"].as_f64(), Some(rate));
    assert_eq!(held["files"].as_array().unwrap().len(), 1);
    let form = reqwest::multipart::Form::new().text("minutes", "再记一次");
    let r = sec.post(app.url(&format!("/api/v1/meetings/{id}/record"))).header("x-csrf-token", token).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 409, "recorded once");
    // The member reads the minutes once held.
    let seen = app.get_json(&member, &format!("/api/v1/meetings/{id}")).await;
    assert!(seen["minutes"].as_str().unwrap().contains("学习雷锋精神"));
    // The compliance: this month's 主题党日 is held; its 支委会 is not, and is flagged.
    let c = app.get_json(&sec, "/api/v1/meetings/compliance").await;
    let b = c["branches"].as_array().unwrap().iter().find(|b| b["branch_id"] == branch).unwrap_or_else(|| panic!("{c}")).clone();
    let kind = |k: &str| b["kinds"].as_array().unwrap().iter().find(|x| x["kind"] == k).unwrap().clone();
    assert_eq!(kind("theme_day")["current_held"], true, "{b}");
    assert_eq!(kind("branch_committee")["current_held"], false, "{b}");
    assert_eq!(b["present"].as_i64(), Some(1));
    let c2 = app.get_json(&other, "/api/v1/meetings/compliance").await;
    assert!(!c2["branches"].as_array().unwrap().iter().any(|b| b["branch_id"] == branch), "another college's secretary sees only their own branches");
    // The page flags it too, and the export opens as a workbook.
    let page = sec.get(app.url("/meetings/compliance")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("本期未开"), "the page flags the kinds not yet held this period");
    let x = sec.get(app.url("/meetings/compliance/branch-meetings.xlsx")).send().await.unwrap();
    assert_eq!(x.status(), 200);
    assert!(x.bytes().await.unwrap().starts_with(b"PK"));
    // A cancelled meeting cannot be recorded.
    let (_, m2) = post(
        &app,
        &sec,
        "/api/v1/meetings",
        json!({"kind": "lecture", "org_id": branch, "topic": "党章专题党课", "on_day": today(), "starts": "19:00", "ends": "20:30", "place": "教室"}),
    )
    .await;
    let id2 = m2["meeting"]["id"].as_i64().unwrap();
    let (s, r) = post(&app, &sec, &format!("/api/v1/meetings/{id2}/cancel"), json!({"reason": "与学院大会冲突"})).await;
    assert_eq!((s, r["meeting"]["state"].as_str()), (200, Some("cancelled")), "{r}");
    let (s, _) = post(&app, &sec, &format!("/api/v1/meetings/{id2}/checkin/open"), json!({})).await;
    assert_eq!(s, 409);
    assert!(app.get_json(&member, "/api/v1/notifications").await.to_string().contains("会议取消"), "the expected are told");
    // Leave is asked for before the meeting, not after its day.
    let yesterday = pacesetter_domain::dates::iso(pacesetter_domain::dates::today() - time::Duration::days(1));
    let (_, m3) = post(
        &app,
        &sec,
        "/api/v1/meetings",
        json!({"kind": "theme_day", "org_id": branch, "topic": "补录的主题党日", "on_day": yesterday, "starts": "14:00", "ends": "15:00", "place": "活动室"}),
    )
    .await;
    let id3 = m3["meeting"]["id"].as_i64().unwrap();
    let (s, r) = post(&app, &member, &format!("/api/v1/meetings/{id3}/leave"), json!({"reason": "事后补假"})).await;
    assert_eq!(s, 409, "{r}");
    // A past year's last month is reported missed like any other.
    let last = pacesetter_domain::dates::today().year() - 1;
    let c = app.get_json(&sec, &format!("/api/v1/meetings/compliance?year={last}")).await;
    let b = c["branches"].as_array().unwrap().iter().find(|b| b["branch_id"] == branch).unwrap().clone();
    let td = b["kinds"].as_array().unwrap().iter().find(|k| k["kind"] == "theme_day").unwrap().clone();
    assert!(td["missed"].as_array().unwrap().iter().any(|d| d == &json!(format!("{last}-12-01"))), "{td}");
    assert!(td["current_held"].is_null(), "{td}");
}

async fn the_office_holds_an_exchange_meeting_of_the_cadres(app: TestApp) {
    let office = app.login("office").await;
    let cadre = app.login("cadre").await;
    let me = app.get_json(&cadre, "/api/v1/me").await;
    let number = app.get_json(&office, &format!("/api/v1/people/{}", me["person_id"])).await["number"].as_str().unwrap().to_string();
    let base =
        json!({"kind": "exchange", "host": "office", "topic": "干部联系班级工作经验交流会", "on_day": today(), "starts": "15:00", "ends": "17:00", "place": "行政楼第一会议室"});
    // An unknown number is refused by name.
    let mut b = base.clone();
    b["invitees"] = json!(format!("{number} X0000000"));
    let (s, r) = post(&app, &office, "/api/v1/meetings", b).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("X0000000"), "{r}");
    // A branch secretary cannot hold the office's meeting, nor a branch an exchange meeting.
    let sec = app.login("branchsec").await;
    let (s, _) = post(&app, &sec, "/api/v1/meetings", base.clone()).await;
    assert_eq!(s, 403);
    let branch = branch_of(&app, "branchsec").await;
    let mut b = base.clone();
    b["host"] = json!(format!("org:{branch}"));
    let (s, r) = post(&app, &sec, "/api/v1/meetings", b).await;
    assert_eq!(s, 422, "{r}");
    // Numbers are looked up only for those who may hold the meeting: no way to probe them.
    let head = app.login("unithead").await;
    let lib = app.reach("unithead", "unit").await;
    let mut b = base.clone();
    b["host"] = json!(format!("unit:{lib}"));
    b["invitees"] = json!("X0000000");
    let (s, _) = post(&app, &sec, "/api/v1/meetings", b.clone()).await;
    assert_eq!(s, 404, "not the secretary's unit, and nothing said of the number");
    // A unit invites its own people and its classes' cadres, not anyone on the roster.
    b["invitees"] = json!(number.clone());
    let (s, r) = post(&app, &head, "/api/v1/meetings", b).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("只能邀请本单位人员"), "{r}");
    // By default every cadre linked to a class is invited, this one among them.
    let (s, m) = post(&app, &office, "/api/v1/meetings", base).await;
    assert_eq!(s, 201, "{m}");
    let id = m["meeting"]["id"].as_i64().unwrap();
    assert!(m["attendance"].as_array().unwrap().iter().any(|a| a["person_id"] == me["person_id"]), "{m}");
    let mine = app.get_json(&cadre, "/api/v1/meetings?mine=true").await;
    assert!(mine.as_array().unwrap().iter().any(|x| x["id"] == id && x["kind"] == "exchange"), "{mine}");
    // The cadre's page lists it.
    let page = cadre.get(app.url("/liaison")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("干部联系班级工作经验交流会"), "the liaison page lists the exchange meetings");
    // Recorded with minutes and a file.
    let token = app.csrf(&office, "/home").await;
    let form = reqwest::multipart::Form::new()
        .text("minutes", "各联系干部交流了走访做法。")
        .part("files", reqwest::multipart::Part::bytes(b"%PDF-1.4 exchange".to_vec()).file_name("交流材料.pdf"));
    let r = office.post(app.url(&format!("/api/v1/meetings/{id}/record"))).header("x-csrf-token", token).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let held: Value = r.json().await.unwrap();
    let file = held["files"][0]["id"].as_i64().unwrap();
    let got = cadre.get(app.url(&format!("/meetings/files/{file}"))).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert!(got.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let student = app.login("student").await;
    assert_eq!(student.get(app.url(&format!("/meetings/files/{file}"))).send().await.unwrap().status(), 404);
}

/// Items 11 and 16: a branch records its systems; its board (党务公开栏) shows them, the meetings
/// it held this term (dates and topics, never the minutes) and its contact person, on the page
/// and on the printed A4 with a QR code; a retired system leaves the board.
async fn a_branch_records_its_systems_and_its_board_shows_them(app: TestApp) {
    let branch = branch_of(&app, "branchsec").await;
    let sec = app.login("branchsec").await;
    let path = format!("/api/v1/orgs/{branch}/systems");
    // Bad input: refused with the reasons, nothing stored.
    let (s, r) = post(&app, &sec, &path, json!({"kind": "", "name": "", "body": "", "adopted_on": "2099-01-01"})).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("请选择制度类别") && r.to_string().contains("建立日期不能晚于今天"), "{r}");
    assert!(app.get_json(&sec, &path).await.as_array().unwrap().is_empty());
    let other = app.login("branchsec2").await;
    let (s, _) = post(&app, &other, &path, json!({"standard": "yihui_siping", "adopted_on": "2012-03-01"})).await;
    assert_eq!(s, 404, "another college's secretary");
    // The coverage flags it before, not after.
    let cov = app.get_json(&sec, "/api/v1/systems").await;
    assert!(cov.as_array().unwrap().iter().any(|b| b["branch_id"] == branch && b["complete"] == false), "{cov}");
    let (s, y) = post(&app, &sec, &path, json!({"standard": "yihui_siping", "adopted_on": "2012-03-01", "practice": "每学期末开展一次"})).await;
    assert_eq!(s, 201, "{y}");
    assert_eq!((y["name"].as_str(), y["kind"].as_str()), (Some("一会四评"), Some("organizational")));
    assert!(y["body"].as_str().unwrap().contains("党员个人自评"));
    let (s, w) = post(&app, &sec, &path, json!({"kind": "work", "name": "支部集中学习制度", "body": "每月第二周集中学习一次。", "adopted_on": "2012-03-01"})).await;
    assert_eq!(s, 201, "{w}");
    let cov = app.get_json(&sec, "/api/v1/systems").await;
    assert!(cov.as_array().unwrap().iter().any(|b| b["branch_id"] == branch && b["complete"] == true), "{cov}");
    // A meeting held, with minutes that stay off the board.
    let (_, m) = post(
        &app,
        &sec,
        "/api/v1/meetings",
        json!({"kind": "lecture", "org_id": branch, "topic": "党章专题党课", "on_day": today(), "starts": "19:00", "ends": "20:30", "place": "教室"}),
    )
    .await;
    let id = m["meeting"]["id"].as_i64().unwrap();
    let token = app.csrf(&sec, "/home").await;
    let form = reqwest::multipart::Form::new().text("minutes", "讨论了某同志的思想状况（不公开）");
    let r = sec.post(app.url(&format!("/api/v1/meetings/{id}/record"))).header("x-csrf-token", token).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let student = app.login("student").await;
    let board = student.get(app.url(&format!("/boards/{branch}"))).send().await.unwrap().text().await.unwrap();
    assert!(
        board.contains("党务公开栏") && board.contains("一会四评") && board.contains("支部集中学习制度") && board.contains("党章专题党课"),
        "the board shows systems and meetings"
    );
    assert!(!board.contains("思想状况"), "never the minutes");
    let contact = app.get_json(&app.login("office").await, "/api/v1/relations?kind=branch_contact&current=true&per_page=200").await;
    if let Some(c) = contact["items"].as_array().unwrap().iter().find(|r| r["org_id"] == branch) {
        assert!(board.contains(c["person_name"].as_str().unwrap()), "the contact person");
    }
    let pdf = student.get(app.url(&format!("/boards/{branch}/poster.pdf"))).send().await.unwrap();
    assert_eq!(pdf.status(), 200);
    let text = common::poppler("pdftotext", &pdf.bytes().await.unwrap(), &["-layout"]);
    assert!(text.contains("党务公开栏") && text.contains("一会四评") && text.contains("党章专题党课") && !text.contains("思想状况"), "{text}");
    // Retired: off the board, kept in the register; twice is a conflict.
    let wid = w["id"].as_i64().unwrap();
    let (s, r) = post(&app, &sec, &format!("/api/v1/systems/{wid}/retire"), json!({})).await;
    assert_eq!(s, 200, "{r}");
    let (s, _) = post(&app, &sec, &format!("/api/v1/systems/{wid}/retire"), json!({})).await;
    assert_eq!(s, 409);
    let board = student.get(app.url(&format!("/boards/{branch}"))).send().await.unwrap().text().await.unwrap();
    assert!(!board.contains("支部集中学习制度"));
    assert_eq!(app.get_json(&sec, &path).await.as_array().unwrap().len(), 2, "the register keeps it");
}

/// Item 11: the contact person sees the branch's progress on one page and logs guidance visits,
/// to their own branch only.
async fn the_contact_person_sees_the_branchs_progress_and_logs_guidance(app: TestApp) {
    let contact = app.login("contact").await;
    let branch = branch_of(&app, "contact").await;
    // The branch's secretary-side records show up: a system recorded by the office.
    let office = app.login("office").await;
    let (s, r) = post(&app, &office, &format!("/api/v1/orgs/{branch}/systems"), json!({"standard": "qunzhong_tuiyou", "adopted_on": "2012-03-01"})).await;
    assert_eq!(s, 201, "{r}");
    let mine = app.get_json(&contact, "/api/v1/contact").await;
    let b = mine.as_array().unwrap().iter().find(|b| b["org_id"] == branch).unwrap_or_else(|| panic!("{mine}")).clone();
    assert!(b["systems"].as_array().unwrap().iter().any(|x| x == "群众推优"), "{b}");
    assert!(b["tasks"].as_i64().is_some() && b["meetings_held"].as_i64().is_some());
    // A visit: bad input refused, another branch not found, then logged.
    let (s, r) = post(&app, &contact, "/api/v1/contact/visits", json!({"org": branch, "on_day": "2099-01-01", "topics": "", "advice": "x"})).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("日期不能晚于今天") && r.to_string().contains("指导内容"), "{r}");
    let elsewhere = branch_of(&app, "branchsec2").await;
    let (s, _) = post(&app, &contact, "/api/v1/contact/visits", json!({"org": elsewhere, "on_day": today(), "topics": "三会一课", "advice": "按月召开"})).await;
    assert_eq!(s, 404);
    let (s, r) =
        post(&app, &contact, "/api/v1/contact/visits", json!({"org": branch, "on_day": today(), "topics": "检查三会一课记录", "advice": "支委会记录要写明议题和决定"})).await;
    assert_eq!(s, 201, "{r}");
    let mine = app.get_json(&contact, "/api/v1/contact").await;
    assert!(mine.to_string().contains("支委会记录要写明议题和决定"));
    let page = contact.get(app.url("/contact")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("检查三会一课记录") && page.contains("群众推优"));
    // Someone who is no branch's contact has an empty page and cannot log.
    let student = app.login("student").await;
    assert!(app.get_json(&student, "/api/v1/contact").await.as_array().unwrap().is_empty());
    let (s, _) = post(&app, &student, "/api/v1/contact/visits", json!({"org": branch, "on_day": today(), "topics": "x", "advice": "y"})).await;
    assert_eq!(s, 404);
}
