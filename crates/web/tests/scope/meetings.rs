//! Meetings, systems, disposal cases and care visits: a branch's meeting is run by its secretary and read by those who read the branch;
//! its members see it and check in; a secretary of another college's branch gets nothing.

use super::common::TestApp;
use super::{Case, Fixture, form, person_of};
use serde_json::{Value, json};

/// No meeting route names a second record that could be out of reach: the people of the
/// secretary's list must be on the meeting's own list, which the store checks.
pub const TWO_RECORDS: &[&str] = &[];

fn case(method: &'static str, path: String, insider: &'static str, outsider: &'static str) -> Case {
    Case { method, path, form: None, json: None, insider, outsider, secret: String::new(), crossed: vec![] }
}

/// A 主题党日 of the fixture's branch today, scheduled by its secretary; returns its id.
pub async fn meeting(app: &TestApp, f: &Fixture, topic: &str) -> i64 {
    let sec = app.login("branchsec").await;
    let today = pacesetter_domain::dates::iso(pacesetter_domain::dates::today());
    let body = json!({"kind": "theme_day", "org_id": f.branch, "topic": topic, "on_day": today, "starts": "14:30", "ends": "16:00", "place": "党员活动室"});
    let r = sec.post(app.url("/api/v1/meetings")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let v: Value = r.json().await.unwrap();
    v["meeting"]["id"].as_i64().unwrap()
}

/// A transfer waiting: the fixture's branch asks for a member of the other college's branch
/// (any earlier request for them withdrawn first); returns its id.
async fn transfer(app: &TestApp) -> i64 {
    let sec = app.login("branchsec").await;
    let other = app.login("branchsec2").await;
    let there = app.reach("branchsec2", "org").await;
    let here = app.reach("branchsec", "org").await;
    let list = app.get_json(&other, &format!("/api/v1/people?org_id={there}&political_status=01&per_page=50")).await;
    let me = app.get_json(&other, "/api/v1/me").await["person_id"].as_i64();
    let who = list["items"].as_array().unwrap().iter().find(|p| p["id"].as_i64() != me).unwrap()["number"].as_str().unwrap().to_string();
    for t in app.get_json(&sec, "/api/v1/transfers").await.as_array().unwrap() {
        if t["can_cancel"] == true {
            sec.post(app.url(&format!("/api/v1/transfers/{}/cancel", t["id"]))).json(&json!({})).send().await.unwrap();
        }
    }
    let r = sec.post(app.url("/api/v1/transfers")).json(&json!({"to_org_id": here.to_string(), "numbers": who, "note": "升学"})).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()[0]["id"].as_i64().unwrap()
}

/// A development file kept by the fixture's branch for the `k`-th student (a 共青团员) of the
/// college, opened by its secretary unless it is open already; returns the person and name.
async fn dev_file(app: &TestApp, k: usize) -> (i64, String) {
    let sec = app.login("branchsec").await;
    let orgsec = app.login("orgsec").await;
    let branch = app.reach("branchsec", "org").await;
    let list = app.get_json(&orgsec, "/api/v1/people?political_status=03&kind=student&per_page=20").await;
    let p = list["items"][k].clone();
    let today = pacesetter_domain::dates::iso(pacesetter_domain::dates::today());
    let r = sec.post(app.url("/api/v1/development")).json(&json!({"org_id": branch.to_string(), "number": p["number"], "on": today})).send().await.unwrap();
    assert!(r.status() == 201 || r.status() == 409, "{}", r.text().await.unwrap());
    (p["id"].as_i64().unwrap(), p["name"].as_str().unwrap().to_string())
}

/// A PDF added to the application of a development file by its branch; returns the document's id.
async fn attach_pdf(app: &TestApp, person: i64) -> i64 {
    let sec = app.login("branchsec").await;
    let token = app.csrf(&sec, "/home").await;
    let form = reqwest::multipart::Form::new().part("files", reqwest::multipart::Part::bytes(b"%PDF-1.4 application".to_vec()).file_name("入党申请书.pdf"));
    let r = sec.post(app.url(&format!("/api/v1/development/{person}/steps/applied/files"))).header("x-csrf-token", token).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let v: Value = r.json().await.unwrap();
    v["documents"].as_array().unwrap().last().unwrap()["id"].as_i64().unwrap()
}

/// Opens check-in and returns the code of the moment.
pub async fn open(app: &TestApp, id: i64) -> String {
    let sec = app.login("branchsec").await;
    let r = sec.post(app.url(&format!("/api/v1/meetings/{id}/checkin/open"))).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let c = app.get_json(&sec, &format!("/api/v1/meetings/{id}/checkin/code")).await;
    c["code"].as_str().unwrap().to_string()
}

/// A meeting recorded as held with a PDF; returns the file's id.
async fn file(app: &TestApp, f: &Fixture, topic: &str) -> i64 {
    let id = meeting(app, f, topic).await;
    let sec = app.login("branchsec").await;
    let token = app.csrf(&sec, "/home").await;
    let form = reqwest::multipart::Form::new().text("minutes", "会议记录").part("files", reqwest::multipart::Part::bytes(b"%PDF-1.4 minutes".to_vec()).file_name("会议纪要.pdf"));
    let r = sec.post(app.url(&format!("/api/v1/meetings/{id}/record"))).header("x-csrf-token", token).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let v: Value = r.json().await.unwrap();
    v["files"][0]["id"].as_i64().unwrap()
}

/// A working system of the fixture's branch, recorded by its secretary; returns its id.
async fn system(app: &TestApp, f: &Fixture, name: &str) -> i64 {
    let sec = app.login("branchsec").await;
    let r = sec
        .post(app.url(&format!("/api/v1/orgs/{}/systems", f.branch)))
        .json(&json!({"kind": "work", "name": name, "body": "每月集中学习一次", "adopted_on": "2012-03-01"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// A disposal case of the fixture's member, opened by the branch's secretary; returns its id.
async fn disposal(app: &TestApp, f: &Fixture, grounds: &str) -> i64 {
    let sec = app.login("branchsec").await;
    let r = sec.post(app.url("/api/v1/disposals")).json(&json!({"number": f.member_number, "measure": "talk", "grounds": grounds})).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// A new round with the fixture's member on it; returns the round and the member's target.
async fn care_target(app: &TestApp, f: &Fixture) -> (i64, i64) {
    let office = app.login("office").await;
    let d = |o: i64| pacesetter_domain::dates::iso(pacesetter_domain::dates::today() + time::Duration::days(o));
    let r = office.post(app.url("/api/v1/care")).json(&json!({"name": "春节走访慰问", "starts_on": d(-3), "ends_on": d(3)})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let round = r.json::<Value>().await.unwrap()["round"]["id"].as_i64().unwrap();
    let r = office.post(app.url(&format!("/api/v1/care/{round}/targets"))).json(&json!({"reason": "old_member", "numbers": f.member_number})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v = app.get_json(&office, &format!("/api/v1/care/{round}")).await;
    (round, v["targets"][0]["id"].as_i64().unwrap())
}

pub async fn case_for(app: &TestApp, f: &Fixture, name: &str, n: usize) -> Option<Case> {
    let topic = format!("第{n}次主题党日：学习雷锋精神");
    let api = name.starts_with("api_");
    let p = |id: i64, rest: &str| if api { format!("/api/v1/meetings/{id}{rest}") } else { format!("/meetings/{id}{rest}") };
    Some(match name {
        "meeting" | "api_meeting" => {
            let id = meeting(app, f, &topic).await;
            Case { secret: topic, ..case("GET", p(id, ""), "member", "branchsec2") }
        }
        "member_file_form" | "api_member_file" => {
            // The member's file, with a date only the branch's side should ever see.
            let office = app.login("office").await;
            let r = office.put(app.url(&format!("/api/v1/people/{}/file", f.member))).json(&json!({"birth_date": "2003-09-17"})).send().await.unwrap();
            assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
            let path = if api { format!("/api/v1/people/{}/file", f.member) } else { format!("/people/{}/file", f.member) };
            Case { secret: "2003-09-17".into(), ..case("GET", path, "branchsec", "branchsec2") }
        }
        "member_file_save" => Case { form: form(&[("job_post", "学生干部")]), ..case("POST", format!("/people/{}/file", f.member), "branchsec", "branchsec2") },
        "api_member_file_put" => Case { json: Some(json!({"job_post": "学生干部"})), ..case("PUT", format!("/api/v1/people/{}/file", f.member), "branchsec", "branchsec2") },
        "meeting_checkin_open" | "api_meeting_checkin_open" => {
            let id = meeting(app, f, &topic).await;
            Case { form: form(&[]), ..case("POST", p(id, "/checkin/open"), "branchsec", "branchsec2") }
        }
        "meeting_checkin_close" | "api_meeting_checkin_close" => {
            let id = meeting(app, f, &topic).await;
            open(app, id).await;
            Case { form: form(&[]), ..case("POST", p(id, "/checkin/close"), "branchsec", "branchsec2") }
        }
        "meeting_screen" | "meeting_qr" | "api_meeting_code" => {
            let id = meeting(app, f, &topic).await;
            open(app, id).await;
            let rest = match name {
                "meeting_screen" => "/screen",
                "meeting_qr" => "/qr.png",
                _ => "/checkin/code",
            };
            // (That a member of the branch sees the meeting but not its code is tested in
            // tests/meetings.rs: earlier cases here may have made the member a delegate.)
            case("GET", p(id, rest), "branchsec", "branchsec2")
        }
        "meeting_scan" => {
            let id = meeting(app, f, &topic).await;
            case("GET", format!("/meetings/{id}/in?c=00000000"), "member", "branchsec2")
        }
        "meeting_check_in" | "api_meeting_check_in" => {
            let id = meeting(app, f, &topic).await;
            let code = open(app, id).await;
            if api {
                Case { json: Some(json!({"code": code})), ..case("POST", format!("/api/v1/meetings/{id}/check-in"), "member", "branchsec2") }
            } else {
                Case { form: form(&[("c", &code)]), ..case("POST", format!("/meetings/{id}/in"), "member", "branchsec2") }
            }
        }
        "meeting_leave" | "api_meeting_leave" => {
            let id = meeting(app, f, &topic).await;
            if api {
                Case { json: Some(json!({"reason": "带学生外出实习"})), ..case("POST", p(id, "/leave"), "member", "branchsec2") }
            } else {
                Case { form: form(&[("reason", "带学生外出实习")]), ..case("POST", p(id, "/leave"), "member", "branchsec2") }
            }
        }
        "meeting_mark" | "api_meeting_mark" => {
            let id = meeting(app, f, &topic).await;
            let m = person_of(app, "member").await;
            if api {
                Case { json: Some(json!({"marks": [{"person_id": m, "status": "present"}]})), ..case("POST", p(id, "/attendance"), "branchsec", "branchsec2") }
            } else {
                Case { form: form(&[(&format!("s_{m}"), "present")]), ..case("POST", p(id, "/attendance"), "branchsec", "branchsec2") }
            }
        }
        "meeting_record" | "api_meeting_record" => {
            let id = meeting(app, f, &topic).await;
            Case {
                form: form(&[("_multipart", ""), ("minutes", "支部书记传达了会议精神，党员逐一发言。")]), ..case("POST", p(id, "/record"), "branchsec", "branchsec2")
            }
        }
        "meeting_cancel" | "api_meeting_cancel" => {
            let id = meeting(app, f, &topic).await;
            if api {
                Case { json: Some(json!({"reason": "与学院大会冲突"})), ..case("POST", p(id, "/cancel"), "branchsec", "branchsec2") }
            } else {
                Case { form: form(&[("reason", "与学院大会冲突")]), ..case("POST", p(id, "/cancel"), "branchsec", "branchsec2") }
            }
        }
        "meeting_file" => {
            let fid = file(app, f, &topic).await;
            case("GET", format!("/meetings/files/{fid}"), "member", "branchsec2")
        }
        "meetings_compliance_export" => case("GET", "/meetings/compliance/branch-meetings.xlsx".into(), "branchsec", ""),
        "disposals_export" => case("GET", "/disposals/export/disposal-cases.xlsx".into(), "branchsec", ""),
        "disposal" | "api_disposal" => {
            let id = disposal(app, f, &topic).await;
            Case { secret: topic, ..case("GET", if api { format!("/api/v1/disposals/{id}") } else { format!("/disposals/{id}") }, "orgsec", "contact") }
        }
        "disposal_follow_up" | "api_disposal_follow_up" => {
            let id = disposal(app, f, &topic).await;
            let today = pacesetter_domain::dates::iso(pacesetter_domain::dates::today());
            let path = if api { format!("/api/v1/disposals/{id}/follow-up") } else { format!("/disposals/{id}/follow-up") };
            if api {
                Case { json: Some(json!({"on_day": today, "note": "谈话"})), ..case("POST", path, "branchsec", "branchsec2") }
            } else {
                Case { form: form(&[("on_day", &today), ("note", "谈话")]), ..case("POST", path, "branchsec", "branchsec2") }
            }
        }
        "disposal_close" | "api_disposal_close" => {
            let id = disposal(app, f, &topic).await;
            let path = if api { format!("/api/v1/disposals/{id}/close") } else { format!("/disposals/{id}/close") };
            if api {
                Case { json: Some(json!({"outcome": "corrected", "outcome_note": "已改正"})), ..case("POST", path, "branchsec", "leader") }
            } else {
                Case { form: form(&[("outcome", "corrected"), ("outcome_note", "已改正")]), ..case("POST", path, "branchsec", "branchsec2") }
            }
        }
        "care_round" => {
            let (round, _) = care_target(app, f).await;
            case("GET", format!("/care/{round}"), "branchsec", "")
        }
        "care_export" => {
            let (round, _) = care_target(app, f).await;
            case("GET", format!("/care/{round}/export/care-visits.xlsx"), "office", "")
        }
        "care_targets" => {
            let (round, _) = care_target(app, f).await;
            Case { form: form(&[("reason", "named"), ("numbers", &f.member_number)]), ..case("POST", format!("/care/{round}/targets"), "office", "branchsec") }
        }
        "api_care_round" => {
            let (round, _) = care_target(app, f).await;
            case("GET", format!("/api/v1/care/{round}"), "branchsec", "")
        }
        "api_care_targets" => {
            let (round, _) = care_target(app, f).await;
            Case { json: Some(json!({"reason": "named", "numbers": f.member_number})), ..case("POST", format!("/api/v1/care/{round}/targets"), "office", "branchsec") }
        }
        "care_visit" | "api_care_visit" => {
            let (_, target) = care_target(app, f).await;
            let today = pacesetter_domain::dates::iso(pacesetter_domain::dates::today());
            let path = if api { format!("/api/v1/care/targets/{target}/visit") } else { format!("/care/targets/{target}/visit") };
            Case {
                form: form(&[("_multipart", ""), ("on_day", &today), ("visitors", "支部书记"), ("gifts", "慰问品"), ("amount", "300")]),
                ..case("POST", path, "branchsec", "branchsec2")
            }
        }
        "care_photo" => {
            let (_, target) = care_target(app, f).await;
            let sec = app.login("branchsec").await;
            let token = app.csrf(&sec, "/home").await;
            let today = pacesetter_domain::dates::iso(pacesetter_domain::dates::today());
            let form = reqwest::multipart::Form::new()
                .text("on_day", today)
                .text("visitors", "支部书记")
                .text("gifts", "慰问品")
                .part("photos", reqwest::multipart::Part::bytes(super::common::png_1x1()).file_name("p.png"));
            let r = sec.post(app.url(&format!("/api/v1/care/targets/{target}/visit"))).header("x-csrf-token", token).multipart(form).send().await.unwrap();
            assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
            let v: Value = r.json().await.unwrap();
            let photo = v["targets"].as_array().unwrap().iter().find(|t| t["id"] == target).unwrap()["visit"]["photos"][0].as_i64().unwrap();
            case("GET", format!("/care/photos/{photo}"), "branchsec", "branchsec2")
        }
        "api_transfer" => {
            let id = transfer(app).await;
            case("GET", format!("/api/v1/transfers/{id}"), "branchsec2", "unithead")
        }
        "api_transfer_decide" => {
            // The asking side never decides its own request.
            let id = transfer(app).await;
            Case { json: Some(json!({"decision": "refuse", "note": "不同意"})), ..case("POST", format!("/api/v1/transfers/{id}/decide"), "branchsec2", "branchsec") }
        }
        "transfer_cancel" | "api_transfer_cancel" => {
            // The side that decides never withdraws the other's request.
            let id = transfer(app).await;
            let path = if api { format!("/api/v1/transfers/{id}/cancel") } else { format!("/transfers/{id}/cancel") };
            Case { form: form(&[]), ..case("POST", path, "branchsec", "branchsec2") }
        }
        "development_file" | "api_development_file" | "development_pdf" => {
            let (id, who) = dev_file(app, 0).await;
            let path = match name {
                "api_development_file" => format!("/api/v1/development/{id}"),
                "development_pdf" => format!("/development/{id}/file.pdf"),
                _ => format!("/development/{id}"),
            };
            Case { secret: who, ..case("GET", path, "branchsec", "branchsec2") }
        }
        "development_step" | "api_development_step" => {
            // A fresh file each time: the talk is recorded once.
            let (id, _) = dev_file(app, if api { 2 } else { 1 }).await;
            let today = pacesetter_domain::dates::iso(pacesetter_domain::dates::today());
            if api {
                Case { json: Some(json!({"step": "talked", "on": today})), ..case("POST", format!("/api/v1/development/{id}/steps"), "branchsec", "branchsec2") }
            } else {
                Case { form: form(&[("step", "talked"), ("on", &today)]), ..case("POST", format!("/development/{id}/steps"), "branchsec", "branchsec2") }
            }
        }
        "development_report" | "api_development_report" => {
            let (id, _) = dev_file(app, 0).await;
            let today = pacesetter_domain::dates::iso(pacesetter_domain::dates::today());
            if api {
                Case { json: Some(json!({"on": today, "summary": "学习体会"})), ..case("POST", format!("/api/v1/development/{id}/reports"), "branchsec", "branchsec2") }
            } else {
                Case { form: form(&[("on", &today), ("summary", "学习体会")]), ..case("POST", format!("/development/{id}/reports"), "branchsec", "branchsec2") }
            }
        }
        "development_files_export" => case("GET", "/development/files/development-files.xlsx".into(), "branchsec", ""),
        "development_attach" | "api_development_attach" => {
            let (id, _) = dev_file(app, 0).await;
            let path = if api { format!("/api/v1/development/{id}/steps/applied/files") } else { format!("/development/{id}/steps/applied/files") };
            Case { form: form(&[("_multipart", "1")]), ..case("POST", path, "branchsec", "branchsec2") }
        }
        "development_document" => {
            let (id, who) = dev_file(app, 0).await;
            let doc = attach_pdf(app, id).await;
            Case { secret: who, ..case("GET", format!("/development/documents/{doc}"), "branchsec", "branchsec2") }
        }
        "development_export" => case("GET", "/development/overview/development.xlsx".into(), "branchsec", ""),
        "member_structure_export" => case("GET", "/members/structure/members-by-group.xlsx".into(), "branchsec", ""),
        "systems_export" => case("GET", "/systems/coverage/branch-systems.xlsx".into(), "branchsec", ""),
        "branch_systems" | "api_branch_systems" => {
            let sys = system(app, f, &format!("第{n}号学习制度")).await;
            let path = if api { format!("/api/v1/orgs/{}/systems", f.branch) } else { format!("/orgs/{}/systems", f.branch) };
            let _ = sys;
            Case { secret: format!("第{n}号学习制度"), ..case("GET", path, "branchsec", "branchsec2") }
        }
        "branch_system_create" | "api_branch_system_create" => {
            let path = if api { format!("/api/v1/orgs/{}/systems", f.branch) } else { format!("/orgs/{}/systems", f.branch) };
            if api {
                Case { json: Some(json!({"standard": "yihui_siping", "adopted_on": "2012-03-01"})), ..case("POST", path, "branchsec", "branchsec2") }
            } else {
                Case { form: form(&[("standard", "yihui_siping"), ("adopted_on", "2012-03-01")]), ..case("POST", path, "branchsec", "branchsec2") }
            }
        }
        "branch_system_update" | "api_branch_system_update" => {
            let id = system(app, f, &format!("第{n}号学习制度")).await;
            let fields = [("kind", "work"), ("name", "支部学习制度（修订）"), ("body", "每月学习一次"), ("adopted_on", "2012-03-01")];
            let path = if api { format!("/api/v1/systems/{id}") } else { format!("/systems/{id}") };
            if api {
                Case {
                    json: Some(json!({"kind": "work", "name": "支部学习制度（修订）", "body": "每月学习一次", "adopted_on": "2012-03-01"})),
                    ..case("POST", path, "branchsec", "branchsec2")
                }
            } else {
                Case { form: form(&fields), ..case("POST", path, "branchsec", "branchsec2") }
            }
        }
        "branch_system_retire" | "api_branch_system_retire" => {
            let id = system(app, f, &format!("第{n}号学习制度")).await;
            let path = if api { format!("/api/v1/systems/{id}/retire") } else { format!("/systems/{id}/retire") };
            if api {
                Case { json: Some(json!({})), ..case("POST", path, "branchsec", "branchsec2") }
            } else {
                Case { form: form(&[]), ..case("POST", path, "branchsec", "branchsec2") }
            }
        }
        _ => return None,
    })
}
