//! Member development (发展党员, issue 20) over HTTP, on both databases: a student goes from
//! application to full member with every step dated and recorded by whom the rules name; a step
//! recorded too early is refused with the rule in the message; the political status and the
//! member's file follow the pipeline; the 公示 reaches the college only, without a birth date;
//! the file never reaches another branch.

mod common;

use common::TestApp;
use pacesetter_domain::dates::{iso, today};
use reqwest::Client;
use serde_json::{Value, json};
use time::Duration;

both!(
    a_student_goes_from_application_to_full_member_under_the_rules,
    a_candidates_notice_reaches_the_college_only,
    an_overdue_talk_is_reminded_and_the_stage_is_the_pipelines,
    a_ledger_loads_past_steps_under_the_same_rules,
);

async fn post(app: &TestApp, c: &Client, path: &str, body: Value) -> (u16, Value) {
    let r = c.post(app.url(path)).json(&body).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn person(app: &TestApp, user: &str) -> (i64, String) {
    let office = app.login("office").await;
    let id = app.get_json(&app.login(user).await, "/api/v1/me").await["person_id"].as_i64().unwrap();
    (id, app.get_json(&office, &format!("/api/v1/people/{id}")).await["number"].as_str().unwrap().to_string())
}

/// Two full members of the branch, by number (contacts and introducers).
async fn full_members(app: &TestApp, branch: i64) -> String {
    let office = app.login("office").await;
    let list = app.get_json(&office, &format!("/api/v1/people?org_id={branch}&political_status=01&per_page=2")).await;
    let n: Vec<String> = list["items"].as_array().unwrap().iter().map(|p| p["number"].as_str().unwrap().to_string()).collect();
    assert_eq!(n.len(), 2, "{list}");
    n.join(" ")
}

async fn step(app: &TestApp, c: &Client, id: i64, body: Value) -> (u16, Value) {
    post(app, c, &format!("/api/v1/development/{id}/steps"), body).await
}

async fn a_student_goes_from_application_to_full_member_under_the_rules(app: TestApp) {
    let branch = app.reach("branchsec", "org").await;
    let (student, number) = person(&app, "student").await;
    let sec = app.login("branchsec").await;
    let above = app.login("orgsec").await;
    let (s, r) = app_put(&app, &above, &format!("/api/v1/people/{student}/file"), json!({"birth_date": "2003-09-01"})).await;
    assert_eq!(s, 200, "{r}");
    let two = full_members(&app, branch).await;
    let one = two.split(' ').next().unwrap().to_string();

    // The application: at 18 or over.
    let (s, r) = post(&app, &sec, "/api/v1/development", json!({"org_id": branch.to_string(), "number": number, "on": "2021-08-01"})).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("年满18岁"), "{r}");
    let (s, r) = post(&app, &sec, "/api/v1/development", json!({"org_id": branch.to_string(), "number": number, "on": "2022-03-01"})).await;
    assert_eq!((s, r["stage"].as_str()), (201, Some("applicant")), "{r}");
    assert_eq!(app.get_json(&above, &format!("/api/v1/people/{student}")).await["dev_stage"], "applicant", "the stage follows the pipeline");
    let id = student;

    assert_eq!(step(&app, &sec, id, json!({"step": "talked", "on": "2022-03-20", "by": "支部书记"})).await.0, 200);
    let (s, r) = step(&app, &sec, id, json!({"step": "activist", "on": "2022-04-10", "numbers": "X0000000"})).await;
    assert_eq!(s, 422, "an unknown contact: {r}");
    assert_eq!(step(&app, &sec, id, json!({"step": "activist", "on": "2022-04-10", "numbers": one})).await.0, 200);
    // Filing with the level above is the level above's.
    let (s, r) = step(&app, &sec, id, json!({"step": "activist_filed", "on": "2022-04-20"})).await;
    assert_eq!(s, 403, "{r}");
    assert_eq!(step(&app, &above, id, json!({"step": "activist_filed", "on": "2022-04-20"})).await.0, 200);
    // A year's observation from the filing: a day early is refused with the rule.
    let (s, r) = step(&app, &sec, id, json!({"step": "candidate", "on": "2023-04-19", "numbers": two})).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("12个月以上培养考察") && r.to_string().contains("2023-04-20"), "{r}");
    assert_eq!(step(&app, &sec, id, json!({"step": "candidate", "on": "2023-05-01", "numbers": two})).await.0, 200);
    assert_eq!(step(&app, &above, id, json!({"step": "candidate_filed", "on": "2023-05-05"})).await.0, 200);
    assert_eq!(step(&app, &sec, id, json!({"step": "political_review", "on": "2023-05-10"})).await.0, 200);
    let (s, _) = step(&app, &sec, id, json!({"step": "training", "on": "2023-05-12"})).await;
    assert_eq!(s, 422, "the certificate is required");
    assert_eq!(step(&app, &sec, id, json!({"step": "training", "on": "2023-05-12", "certificate": "2023-017"})).await.0, 200);
    assert_eq!(step(&app, &sec, id, json!({"step": "publicity", "on": "2023-05-15", "place": "学院党务公开栏"})).await.0, 200);
    // Five working days: Monday 15 May to Friday 19 May; the pre-review is the 党委's, after it.
    let (s, r) = step(&app, &above, id, json!({"step": "pre_review", "on": "2023-05-19"})).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("5个工作日"), "{r}");
    assert_eq!(step(&app, &sec, id, json!({"step": "pre_review", "on": "2023-05-22"})).await.0, 403);
    assert_eq!(step(&app, &above, id, json!({"step": "pre_review", "on": "2023-05-22"})).await.0, 200);
    // The branch meeting: more than half present, a yes from more than half of those with a vote.
    let (s, r) = step(&app, &sec, id, json!({"step": "admitted", "on": "2023-06-01", "with_vote": "20", "present": "15", "yes": "10"})).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("未获通过"), "{r}");
    assert_eq!(step(&app, &sec, id, json!({"step": "admitted", "on": "2023-06-01", "with_vote": "20", "present": "15", "yes": "12"})).await.0, 200);
    assert_eq!(step(&app, &above, id, json!({"step": "higher_talk", "on": "2023-06-10"})).await.0, 200);
    let (s, r) = step(&app, &above, id, json!({"step": "approved", "on": "2023-06-20"})).await;
    assert_eq!((s, r["stage"].as_str()), (200, Some("probationary")), "{r}");
    let p = app.get_json(&above, &format!("/api/v1/people/{student}")).await;
    assert_eq!(p["political_status"], "02", "{p}");
    let f = app.get_json(&above, &format!("/api/v1/people/{student}/file")).await;
    assert_eq!(f["joined_on"], "2023-06-01", "probation runs from the branch meeting: {f}");
    assert!(
        p["memberships"].as_array().unwrap().iter().any(|m| m["tree"] == "org" && m["node_id"].as_i64() == Some(branch) && m["start_date"] == "2023-06-20"),
        "the new member belongs to the branch: {p}"
    );
    assert_eq!(step(&app, &sec, id, json!({"step": "oath", "on": "2023-07-01"})).await.0, 200);
    let (s, r) = step(&app, &sec, id, json!({"step": "conversion_meeting", "on": "2024-05-31", "with_vote": "20", "present": "15", "yes": "15"})).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("2024-06-01期满"), "{r}");
    assert_eq!(step(&app, &sec, id, json!({"step": "conversion_meeting", "on": "2024-06-03", "with_vote": "20", "present": "15", "yes": "15"})).await.0, 200);
    let (s, r) = step(&app, &above, id, json!({"step": "full_approved", "on": "2024-06-20"})).await;
    assert_eq!((s, r["stage"].as_str()), (200, Some("full")), "{r}");
    assert_eq!(r["steps"].as_array().unwrap().len(), 16, "every step dated: {r}");
    assert!(r["next"].as_array().unwrap().is_empty());
    assert!(r["steps"].as_array().unwrap().iter().all(|s| s["recorded_ms"].as_i64().unwrap() > 0 && s["recorded_by"].is_string()), "{r}");
    let f = app.get_json(&above, &format!("/api/v1/people/{student}/file")).await;
    assert_eq!(app.get_json(&above, &format!("/api/v1/people/{student}")).await["political_status"], "01");
    assert_eq!(f["full_on"], "2024-06-01", "党龄 counts from the end of probation: {f}");
    assert_eq!(f["applied_on"], "2022-03-01");
    let (s, _) = step(&app, &sec, id, json!({"step": "oath", "on": "2024-07-01"})).await;
    assert_eq!(s, 422, "the pipeline has ended");

    // The documents of a step: checked by content, by whoever records the step, read with the file.
    let token = app.csrf(&sec, "/home").await;
    let upload = |name: &str, bytes: &[u8]| reqwest::multipart::Form::new().part("files", reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()));
    let r = sec
        .post(app.url(&format!("/api/v1/development/{id}/steps/applied/files")))
        .header("x-csrf-token", &token)
        .multipart(upload("入党申请书.pdf", b"%PDF-1.4 letter"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let docs = r.json::<Value>().await.unwrap()["documents"].clone();
    assert_eq!(docs[0]["filename"], "入党申请书.pdf", "{docs}");
    let r = sec
        .post(app.url(&format!("/api/v1/development/{id}/steps/applied/files")))
        .header("x-csrf-token", &token)
        .multipart(upload("fake.pdf", b"MZ not a pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "a file is checked by its content");
    let r = sec
        .post(app.url(&format!("/api/v1/development/{id}/steps/approved/files")))
        .header("x-csrf-token", &token)
        .multipart(upload("审批表.pdf", b"%PDF-1.4 x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "the approval's documents are the committee's");
    let doc = docs[0]["id"].as_i64().unwrap();
    let d = sec.get(app.url(&format!("/development/documents/{doc}"))).send().await.unwrap();
    assert_eq!(d.status(), 200);
    assert!(d.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let other = app.login("branchsec2").await;
    assert_eq!(other.get(app.url(&format!("/development/documents/{doc}"))).send().await.unwrap().status(), 404);
    // Only the Party side over the branch sees the file.
    for user in ["branchsec2", "unithead", "member", "teacher", "student"] {
        let c = app.login(user).await;
        assert_eq!(c.get(app.url(&format!("/api/v1/development/{id}"))).send().await.unwrap().status(), 404, "{user}");
        assert!(app.get_json(&c, "/api/v1/development").await.as_array().unwrap().is_empty(), "{user}");
    }
    // The overview counts the year's admission; the page, the export and the PDF timeline.
    let office = app.login("office").await;
    let ov = app.get_json(&office, "/api/v1/development/overview?year=2023").await;
    let row = ov.as_array().unwrap().iter().find(|o| o["admitted"] == 1).unwrap_or_else(|| panic!("{ov}"));
    assert_eq!(row["admitted_students"], 1);
    let html = sec.get(app.url(&format!("/development/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("支部大会讨论接收") && html.contains("2023年6月1日"), "the timeline");
    let pdf = sec.get(app.url(&format!("/development/{id}/file.pdf"))).send().await.unwrap();
    assert_eq!(pdf.status(), 200);
    assert_eq!(&pdf.bytes().await.unwrap()[..4], b"%PDF");
    let x = office.get(app.url("/development/overview/development.xlsx?year=2023")).send().await.unwrap();
    assert_eq!(&x.bytes().await.unwrap()[..2], b"PK");
    // The office's quota, the office's alone.
    let (s, _) = app_put(&app, &above, "/api/v1/development/quotas", json!({"org_id": row["college_id"].to_string(), "year": "2023", "quota": "12"})).await;
    assert_eq!(s, 403);
    let (s, r) = app_put(&app, &office, "/api/v1/development/quotas", json!({"org_id": row["college_id"].to_string(), "year": "2023", "quota": "12"})).await;
    assert_eq!(s, 204, "{r}");
    let ov = app.get_json(&office, "/api/v1/development/overview?year=2023").await;
    assert!(ov.as_array().unwrap().iter().any(|o| o["quota"] == 12), "{ov}");
}

async fn app_put(app: &TestApp, c: &Client, path: &str, body: Value) -> (u16, Value) {
    let r = c.put(app.url(path)).json(&body).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn a_candidates_notice_reaches_the_college_only(app: TestApp) {
    let branch = app.reach("branchsec", "org").await;
    let (teacher, number) = person(&app, "teacher").await;
    let sec = app.login("branchsec").await;
    let above = app.login("orgsec").await;
    let (s, _) = app_put(&app, &above, &format!("/api/v1/people/{teacher}/file"), json!({"birth_date": "1990-02-03"})).await;
    assert_eq!(s, 200);
    let two = full_members(&app, branch).await;
    let day = |n: i64| iso(today() - Duration::days(n));
    let (s, r) = post(&app, &sec, "/api/v1/development", json!({"org_id": branch.to_string(), "number": number, "on": day(500)})).await;
    assert_eq!(s, 201, "{r}");
    for (who, body) in [
        (&sec, json!({"step": "talked", "on": day(490)})),
        (&sec, json!({"step": "activist", "on": day(480), "numbers": two.split(' ').next().unwrap()})),
        (&above, json!({"step": "activist_filed", "on": day(470)})),
        (&sec, json!({"step": "candidate", "on": day(100), "numbers": two})),
        (&above, json!({"step": "candidate_filed", "on": day(90)})),
        (&sec, json!({"step": "political_review", "on": day(80)})),
        (&sec, json!({"step": "training", "on": day(70), "certificate": "T-1"})),
        (&sec, json!({"step": "publicity", "on": day(0), "place": "学院党务公开栏"})),
    ] {
        let (s, r) = step(&app, who, teacher, body).await;
        assert_eq!(s, 200, "{r}");
    }
    let name = app.get_json(&above, &format!("/api/v1/people/{teacher}")).await["name"].as_str().unwrap().to_string();
    // Someone of the college, logged in, sees the notice; it names the introducers, never a birth date.
    let member = app.login("member").await;
    let notices = app.get_json(&member, "/api/v1/development/notices").await;
    let n = notices.as_array().unwrap().iter().find(|n| n["name"] == name.as_str()).unwrap_or_else(|| panic!("{notices}")).clone();
    assert_eq!(n["introducers"].as_array().unwrap().len(), 2, "{n}");
    assert!(!notices.to_string().contains("1990-02-03"), "{notices}");
    let html = member.get(app.url("/development/notices")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(&name) && !html.contains("1990"), "the board");
    let seen = app.get_json(&above, "/api/v1/development/notices").await;
    assert!(seen.to_string().contains(&name), "the 党委's own members see the branch's notice: {seen}");
    // Another college does not.
    let other = app.login("branchsec2").await;
    assert!(!app.get_json(&other, "/api/v1/development/notices").await.to_string().contains(&name));
    let anonymous = common::client(&app.base);
    let r = anonymous.get(app.url("/api/v1/development/notices")).send().await.unwrap();
    assert_eq!(r.status(), 401);
}

async fn an_overdue_talk_is_reminded_and_the_stage_is_the_pipelines(app: TestApp) {
    let branch = app.reach("branchsec", "org").await;
    let (student, number) = person(&app, "student").await;
    let sec = app.login("branchsec").await;
    // A branch of another college cannot open a file on this student (nor learn of them).
    let other = app.login("branchsec2").await;
    let there = app.reach("branchsec2", "org").await;
    let (s, r) = post(&app, &other, "/api/v1/development", json!({"org_id": there.to_string(), "number": number, "on": iso(today() - Duration::days(40))})).await;
    assert_eq!(s, 404, "{r}");
    let (s, r) = post(&app, &sec, "/api/v1/development", json!({"org_id": branch.to_string(), "number": number, "on": iso(today() - Duration::days(40))})).await;
    assert_eq!(s, 201, "{r}");
    let (s, r) = post(&app, &sec, "/api/v1/development", json!({"org_id": branch.to_string(), "number": number, "on": iso(today())})).await;
    assert_eq!(s, 409, "one file per person: {r}");
    let f = app.get_json(&sec, &format!("/api/v1/development/{student}")).await;
    assert!(f["overdue"][0].as_str().unwrap().contains("30日内应谈话"), "{f}");
    // The hourly reminders tell the branch's secretary, once.
    let store = pacesetter_store::Store::open(&app.db_url, &pacesetter_store::OpenOptions::default()).await.unwrap();
    let n = pacesetter_web::app::development::remind(&store, "http://localhost", today()).await.unwrap();
    assert!(n >= 1, "{n}");
    assert_eq!(pacesetter_web::app::development::remind(&store, "http://localhost", today()).await.unwrap(), 0, "once");
    let notes = app.get_json(&sec, "/api/v1/notifications").await.to_string();
    assert!(notes.contains("发展流程已超期"), "{notes}");
    let desk = app.get_json(&sec, "/api/v1/desk").await.to_string();
    assert!(desk.contains("\"develop\""), "the desk counts the overdue file: {desk}");
    // The person form no longer sets the stage or the status of someone being developed.
    let orgsec = app.login("orgsec").await;
    let r = orgsec.patch(app.url(&format!("/api/v1/people/{student}"))).json(&json!({"dev_stage": "candidate"})).send().await.unwrap();
    let status = r.status().as_u16();
    let body = r.text().await.unwrap();
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("由发展流程决定"), "{body}");
    assert_eq!(app.get_json(&orgsec, &format!("/api/v1/people/{student}")).await["dev_stage"], "applicant");
}

/// Uploads a ledger (CSV) to the API: (status, body).
async fn ledger(app: &TestApp, c: &Client, rows: &[Vec<String>], trial: bool) -> (u16, Value) {
    let header = "工号/学号,姓名,党支部,步骤,日期,经办人,培养联系人/入党介绍人,有表决权人数,到会人数,赞成票数,备注,培训证书编号,公示范围";
    let mut text = format!("{header}\n");
    for r in rows {
        text.push_str(&r.join(","));
        text.push('\n');
    }
    let mut f = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(text.into_bytes()).file_name("台账.csv"));
    if trial {
        f = f.text("trial", "1");
    }
    let token = app.csrf(c, "/home").await;
    let r = c.post(app.url("/api/v1/development/ledger")).header("x-csrf-token", token).multipart(f).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn row(number: &str, branch: &str, step: &str, on: &str, people: &str) -> Vec<String> {
    [number, "", branch, step, on, "", people, "", "", "", "", "", ""].iter().map(|x| x.to_string()).collect()
}

async fn a_ledger_loads_past_steps_under_the_same_rules(app: TestApp) {
    let branch = app.reach("branchsec", "org").await;
    let (student, number) = person(&app, "student").await;
    let orgsec = app.login("orgsec").await;
    let branch_name = app.get_json(&orgsec, &format!("/api/v1/orgs/{branch}")).await["node"]["name"].as_str().unwrap().to_string();
    let two = full_members(&app, branch).await;
    let one = two.split(' ').next().unwrap().to_string();
    let before = app.get_json(&orgsec, &format!("/api/v1/people/{student}")).await;
    let (stage_before, status_before) = (before["dev_stage"].clone(), before["political_status"].clone());
    assert!(!["01", "02"].contains(&status_before.as_str().unwrap()), "{before}");
    let mut rows = vec![
        row(&number, &branch_name, "递交入党申请书", "2022-03-01", ""),
        row(&number, "", "谈话", "2022-03-20", ""),
        row(&number, "", "积极分子", "2022-04-10", &one),
        row(&number, "", "积极分子备案", "2022-04-20", ""),
        // A year as an activist runs from the filing: 2023-04-20 at the earliest.
        row(&number, "", "确定为发展对象", "2023-04-10", &two),
    ];
    let (s, r) = ledger(&app, &orgsec, &rows, false).await;
    assert_eq!(s, 422, "{r}");
    let told = r.to_string();
    assert!(told.contains("第6行") && told.contains("12个月以上培养考察"), "the rule, with the line: {told}");
    assert_eq!(app.get_json(&orgsec, &format!("/api/v1/people/{student}")).await["dev_stage"], stage_before, "nothing changed");
    assert_eq!(orgsec.get(app.url(&format!("/api/v1/development/{student}"))).send().await.unwrap().status(), 404, "no file was left behind");

    // Fixed, a trial checks everything and stores nothing.
    rows[4][4] = "2023-04-25".into();
    let (s, r) = ledger(&app, &orgsec, &rows, true).await;
    assert_eq!((s, r["trial"].as_bool(), r["steps"].as_array().map(Vec::len)), (200, Some(true), Some(5)), "{r}");
    assert_eq!(orgsec.get(app.url(&format!("/api/v1/development/{student}"))).send().await.unwrap().status(), 404, "a trial stores nothing");
    let (s, r) = ledger(&app, &orgsec, &rows, false).await;
    assert_eq!((s, r["people"].as_i64()), (200, Some(1)), "{r}");
    let f = app.get_json(&orgsec, &format!("/api/v1/development/{student}")).await;
    assert_eq!(f["steps"].as_array().unwrap().len(), 5, "{f}");
    assert_eq!(f["steps"][4]["on"], "2023-04-25");
    assert_eq!(app.get_json(&orgsec, &format!("/api/v1/people/{student}")).await["dev_stage"], "candidate", "the stage follows the loaded pipeline");
    // Loaded twice, the steps are recorded already; a later ledger goes on from the file.
    let (s, r) = ledger(&app, &orgsec, &rows, false).await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("此人已有发展档案"), "{r}");
    let (s, r) = ledger(&app, &orgsec, &[row(&number, "", "发展对象备案", "2023-05-05", "")], false).await;
    assert_eq!(s, 200, "{r}");

    // Who records a step is the rules': the branch does not file with the level above.
    let sec = app.login("branchsec").await;
    let (_, other) = person(&app, "teacher").await;
    let (s, r) = ledger(
        &app,
        &sec,
        &[row(&other, &branch_name, "申请入党", "2022-03-01", ""), row(&other, "", "积极分子", "2022-04-10", &one), row(&other, "", "积极分子备案", "2022-04-20", "")],
        false,
    )
    .await;
    assert_eq!(s, 422, "{r}");
    assert!(r.to_string().contains("由上级党组织记录") || r.to_string().contains("不在您的范围内"), "{r}");
    // Another branch's secretary learns nothing of the student, not even that a file exists.
    let sec2 = app.login("branchsec2").await;
    let (s, r) = ledger(&app, &sec2, &[row(&number, "", "政治审查", "2023-05-10", "")], false).await;
    assert_eq!(s, 422, "{r}");
    let told = r.to_string();
    assert!(told.contains("不在您的范围内") && !told.contains(app.get_json(&orgsec, &format!("/api/v1/people/{student}")).await["name"].as_str().unwrap()), "{told}");
    assert_eq!(app.get_json(&orgsec, &format!("/api/v1/development/{student}")).await["steps"].as_array().unwrap().len(), 6, "nothing was added");
    // Nor does a bad date, a bad contact or an unknown number tell them anything more.
    let (_, a) = ledger(&app, &sec2, &[row(&number, "", "积极分子", "not-a-date", "X99999999")], false).await;
    let (_, b) = ledger(&app, &sec2, &[row("X20990002", "", "积极分子", "2023-05-10", "")], false).await;
    assert_eq!(a.to_string().replace(&number, "#"), b.to_string().replace("X20990002", "#"), "the same answer");
    // Someone who keeps no branch loads nothing.
    let (s, _) = ledger(&app, &app.login("student").await, &[row(&number, "", "政治审查", "2023-05-10", "")], true).await;
    assert_eq!(s, 403);

    // Taken on to probation and cancelled, the student gets back the status they applied with.
    let mut more: Vec<Vec<String>> = [
        ("政治审查", "2023-05-10"),
        ("短期集中培训", "2023-05-12"),
        ("发展对象公示", "2023-05-15"),
        ("上级党委预审", "2023-05-22"),
        ("支部大会讨论接收", "2023-06-01"),
        ("上级党委派人谈话", "2023-06-10"),
        ("上级党委审批（成为预备党员）", "2023-06-20"),
        ("取消预备党员资格", "2023-09-01"),
    ]
    .iter()
    .map(|(st, on)| row(&number, "", st, on, ""))
    .collect();
    more[1][11] = "2023-031".into();
    more[2][12] = "学院公示栏".into();
    more[4][7..10].clone_from_slice(&["20".to_string(), "15".to_string(), "11".to_string()]);
    let (s, r) = ledger(&app, &orgsec, &more, false).await;
    assert_eq!(s, 200, "{r}");
    let after = app.get_json(&orgsec, &format!("/api/v1/people/{student}")).await;
    assert_eq!((&after["political_status"], &after["dev_stage"]), (&status_before, &Value::Null), "{after}");
    assert!(after["memberships"].as_array().unwrap().iter().all(|m| m["tree"] != "org" || !m["end_date"].is_null()), "no Party organization holds them: {after}");

    // A member on the roster is given the development that made them one, to the end.
    let (member, member_no) = person(&app, "member").await;
    {
        assert_eq!(app.get_json(&orgsec, &format!("/api/v1/people/{member}")).await["political_status"], "01", "the demo's member is a full member");
        assert_eq!(orgsec.get(app.url(&format!("/api/v1/development/{member}"))).send().await.unwrap().status(), 404, "without a development file");
        let (s, r) = ledger(&app, &orgsec, &[row(&member_no, &branch_name, "递交入党申请书", "2015-03-01", "")], false).await;
        assert_eq!(s, 422, "{r}");
        let told = r.to_string();
        assert!(told.contains("台账须记录到"), "{told}");
        // The whole development that made them a full member loads, and dates their file.
        let mut rows: Vec<Vec<String>> = [
            ("递交入党申请书", "2008-10-01", ""),
            ("谈话", "2008-10-15", ""),
            ("积极分子", "2008-11-01", one.as_str()),
            ("积极分子备案", "2008-11-10", ""),
            ("确定为发展对象", "2009-11-10", two.as_str()),
            ("发展对象备案", "2009-11-15", ""),
            ("政审", "2009-11-16", ""),
            ("培训", "2009-11-17", ""),
            ("公示", "2009-11-23", ""),
            ("预审", "2009-12-01", ""),
            ("支部大会讨论接收", "2009-12-10", ""),
            ("上级谈话", "2009-12-15", ""),
            ("审批", "2009-12-20", ""),
            ("宣誓", "2010-01-05", ""),
            ("讨论转正", "2010-12-11", ""),
            ("批准转正", "2010-12-20", ""),
        ]
        .iter()
        .enumerate()
        .map(|(i, (st, on, people))| row(&member_no, if i == 0 { &branch_name } else { "" }, st, on, people))
        .collect();
        for i in [10, 14] {
            rows[i][7..10].clone_from_slice(&["20".to_string(), "15".to_string(), "12".to_string()]);
        }
        rows[7][11] = "2009-017".into();
        rows[8][12] = "学院公示栏".into();
        let (s, r) = ledger(&app, &orgsec, &rows, false).await;
        assert_eq!(s, 200, "{r}");
        let f = app.get_json(&orgsec, &format!("/api/v1/people/{member}/file")).await;
        assert_eq!((f["joined_on"].as_str(), f["full_on"].as_str()), (Some("2009-12-10"), Some("2010-12-10")), "党龄 from the end of probation: {f}");
        assert_eq!(app.get_json(&orgsec, &format!("/api/v1/people/{member}")).await["political_status"], "01");
    }

    // The person form and the roster no longer type a stage: it is the pipeline's.
    let (teacher, _) = person(&app, "teacher").await;
    let r = orgsec.patch(app.url(&format!("/api/v1/people/{teacher}"))).json(&json!({"dev_stage": "activist"})).send().await.unwrap();
    let status = r.status().as_u16();
    let body = r.text().await.unwrap();
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("发展阶段由发展党员流程记录") || body.contains("由发展流程决定"), "{body}");
    // The page: a trial's lines, or every problem by line.
    let (_, teacher_no) = person(&app, "teacher").await;
    let csv = format!("工号/学号,步骤,日期\n{teacher_no},递交入党申请书,2023-05-20\n");
    let token = app.csrf(&orgsec, "/development/ledger").await;
    let f = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("台账.csv")).text("trial", "1");
    let r = orgsec.post(app.url(&format!("/development/ledger?_csrf={token}"))).multipart(f).send().await.unwrap();
    let status = r.status().as_u16();
    let html = r.text().await.unwrap();
    assert_eq!(status, 422, "the application needs its branch: {html}");
    assert!(html.contains("第2行") && html.contains("请填写建档的党支部"), "{html}");
    // The page loads the template and shows a trial's lines.
    let t = orgsec.get(app.url("/development/ledger/template.xlsx")).send().await.unwrap();
    assert_eq!(t.status(), 200);
    let html = orgsec.get(app.url("/development/ledger")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("发展党员台账导入") && html.contains("只检查"), "{html}");
}
