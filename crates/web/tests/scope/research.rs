//! Research projects: a call is read by everyone signed in, but an application with its names
//! only by its team, its college's keepers and the office; the college forwards; an expert reads
//! the blind review and scores it, nobody else; only the office runs the call; the ranking is the
//! office's (and the leaders' and the auditor's), the sheets the office's and the auditor's.

use super::common::TestApp;
use super::{Case, Fixture, form};
use reqwest::Client;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

pub const TWO_RECORDS: &[&str] = &[];

async fn post(app: &TestApp, c: &Client, path: &str, body: Value) -> Value {
    let r = c.post(app.url(path)).header("x-csrf-token", app.csrf(c, "/home").await).json(&body).send().await.unwrap();
    let s = r.status();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert!(s.is_success(), "{path}: {s} {v}");
    v
}

/// A fresh open call (deadline tomorrow in UTC, so still open in China time).
async fn call(app: &TestApp, n: usize) -> i64 {
    let office = app.login("office").await;
    let deadline = (time::OffsetDateTime::now_utc().date() + time::Duration::days(1)).to_string();
    let v = post(
        app,
        &office,
        "/api/v1/research",
        json!({"title": format!("第{n}批课题"), "deadline": deadline, "categories": "一般课题 8000", "criteria": "选题意义 40\n研究方案 60", "trim": "plain", "funded": "1", "quota": "2", "notice_days": "3"}),
    )
    .await;
    v["id"].as_i64().unwrap()
}

async fn apply(app: &TestApp, user: &str, call: i64, title: String) -> i64 {
    let c = app.login(user).await;
    let f = Form::new()
        .text("category", "c1")
        .text("title", title)
        .text("budget", "5000")
        .text("blind", "研究支部组织生活的方法。")
        .part("files", Part::bytes(b"%PDF-1.4 /Author (someone) case".to_vec()).file_name("活页.pdf"));
    let r = c.post(app.url(&format!("/api/v1/research/{call}/applications"))).header("x-csrf-token", app.csrf(&c, "/home").await).multipart(f).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// A call with the member's and the college secretary's applications forwarded.
async fn forwarded(app: &TestApp, n: usize) -> (i64, i64, i64) {
    let id = call(app, n).await;
    let a = apply(app, "member", id, format!("第{n}号课题甲")).await;
    let b = apply(app, "orgsec", id, format!("第{n}号课题乙")).await;
    let college = app.login("orgsec").await;
    for x in [a, b] {
        post(app, &college, &format!("/api/v1/research/applications/{x}/forward"), json!({"action": "forward"})).await;
    }
    (id, a, b)
}

/// The same, closed for review with another college's branch secretary as the expert.
async fn in_review(app: &TestApp, n: usize) -> (i64, i64, i64) {
    let (id, a, b) = forwarded(app, n).await;
    let office = app.login("office").await;
    post(app, &office, &format!("/api/v1/research/{id}/experts"), json!({"username": "branchsec2"})).await;
    app.age(&format!("UPDATE research_calls SET deadline = '2012-03-31' WHERE id = {id}")).await;
    post(app, &office, &format!("/api/v1/research/{id}/close"), json!({})).await;
    (id, a, b)
}

/// The same, scored: tied at the line, or not.
async fn scored(app: &TestApp, n: usize, tie: bool) -> (i64, i64, i64) {
    let (id, a, b) = in_review(app, n).await;
    let expert = app.login("branchsec2").await;
    post(app, &expert, &format!("/api/v1/research/applications/{a}/score"), json!({"scores": ["80", "80"]})).await;
    let sb = if tie { "80" } else { "60" };
    post(app, &expert, &format!("/api/v1/research/applications/{b}/score"), json!({"scores": [sb, sb]})).await;
    (id, a, b)
}

/// The same, approved: the member's project (scored higher) is funded.
async fn approved(app: &TestApp, n: usize) -> (i64, i64) {
    let (id, a, _) = scored(app, n, false).await;
    let office = app.login("office").await;
    post(app, &office, &format!("/api/v1/research/{id}/publish"), json!({})).await;
    app.age(&format!("UPDATE research_calls SET notice_from = '2012-04-01', notice_until = '2012-04-05' WHERE id = {id}")).await;
    post(app, &office, &format!("/api/v1/research/{id}/approve"), json!({"decision": "校党字〔2012〕8号"})).await;
    (id, a)
}

/// A mid-term report of the member's funded project, with a file: (report, file).
async fn reported(app: &TestApp, n: usize) -> (i64, i64) {
    let (_, a) = approved(app, n).await;
    let member = app.login("member").await;
    let f = Form::new().text("kind", "midterm").text("body", format!("第{n}号中期报告")).part("files", Part::bytes(b"%PDF-1.4 report".to_vec()).file_name("中期.pdf"));
    let r = member.post(app.url(&format!("/api/v1/research/applications/{a}/reports"))).header("x-csrf-token", app.csrf(&member, "/home").await).multipart(f).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let report = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let d = app.get_json(&member, &format!("/api/v1/research/applications/{a}")).await;
    (report, d["reports"][0]["files"][0]["id"].as_i64().unwrap())
}

fn case(method: &'static str, path: String, insider: &'static str, outsider: &'static str) -> Case {
    Case { method, path, form: None, json: None, insider, outsider, secret: String::new(), crossed: vec![] }
}

/// A POST to the office's steps, as a page form or JSON.
fn office_post(api: bool, path: String, fields: &[(&str, &str)], body: Value) -> Case {
    Case { json: api.then_some(body), form: if api { None } else { form(fields) }, ..case("POST", path, "office", "orgsec") }
}

pub async fn case_for(app: &TestApp, _f: &Fixture, name: &str, n: usize) -> Option<Case> {
    let api = name.starts_with("api_");
    let pre = if api { "/api/v1" } else { "" };
    Some(match name.trim_start_matches("api_") {
        "research_call" => {
            let id = call(app, n).await;
            case("GET", format!("{pre}/research/{id}"), "member", "")
        }
        "research_apply" => {
            let id = call(app, n).await;
            // Anyone on the roster applies; an account without a person (the auditor's) does not.
            let path = if api { format!("/api/v1/research/{id}/applications") } else { format!("/research/{id}/apply") };
            Case {
                form: form(&[("_multipart", "1"), ("category", "c1"), ("title", "组织生活研究"), ("budget", "3000"), ("blind", "研究组织生活。")]),
                ..case("POST", path, "member", "auditor")
            }
        }
        "research_expert" => {
            let id = call(app, n).await;
            office_post(api, format!("{pre}/research/{id}/experts"), &[("username", "teacher")], json!({"username": "teacher"}))
        }
        "research_close" => {
            let (id, _, _) = forwarded(app, n).await;
            let office = app.login("office").await;
            post(app, &office, &format!("/api/v1/research/{id}/experts"), json!({"username": "branchsec2"})).await;
            app.age(&format!("UPDATE research_calls SET deadline = '2012-03-31' WHERE id = {id}")).await;
            office_post(api, format!("{pre}/research/{id}/close"), &[], json!({}))
        }
        "research_tie" => {
            let (id, a, b) = scored(app, n, true).await;
            let (pa, pb) = (format!("pos{a}"), format!("pos{b}"));
            let fields = [(pa.as_str(), "2"), (pb.as_str(), "1"), ("reason", "研究基础更扎实")];
            office_post(api, format!("{pre}/research/{id}/tie"), &fields, json!({"order": [b, a], "reason": "研究基础更扎实"}))
        }
        "research_publish" => {
            let (id, _, _) = scored(app, n, false).await;
            office_post(api, format!("{pre}/research/{id}/publish"), &[], json!({}))
        }
        "research_approve" => {
            let (id, _, _) = scored(app, n, false).await;
            let office = app.login("office").await;
            post(app, &office, &format!("/api/v1/research/{id}/publish"), json!({})).await;
            app.age(&format!("UPDATE research_calls SET notice_from = '2012-04-01', notice_until = '2012-04-05' WHERE id = {id}")).await;
            office_post(api, format!("{pre}/research/{id}/approve"), &[("decision", "校党字〔2012〕8号")], json!({"decision": "校党字〔2012〕8号"}))
        }
        "research_review" => {
            let (id, _, _) = in_review(app, n).await;
            Case { secret: "研究支部组织生活".into(), ..case("GET", format!("{pre}/research/{id}/review"), "branchsec2", "member") }
        }
        "research_export" => {
            let (id, _, _) = scored(app, n, false).await;
            Case { secret: format!("第{n}号课题"), ..case("GET", format!("/research/{id}/ranking.xlsx"), "office", "member") }
        }
        "research_ranking" => {
            let (id, _, _) = scored(app, n, false).await;
            Case { secret: format!("第{n}号课题"), ..case("GET", format!("/api/v1/research/{id}/ranking"), "office", "member") }
        }
        "research_sheets" => {
            let (id, _, _) = scored(app, n, false).await;
            case("GET", format!("/api/v1/research/{id}/sheets"), "auditor", "member")
        }
        "research_application" => {
            let id = call(app, n).await;
            let a = apply(app, "member", id, format!("第{n}号课题")).await;
            Case { secret: format!("第{n}号课题"), ..case("GET", format!("{pre}/research/applications/{a}"), "member", "branchsec2") }
        }
        "research_forward" => {
            let id = call(app, n).await;
            let a = apply(app, "member", id, format!("第{n}号课题")).await;
            Case {
                json: api.then(|| json!({"action": "forward"})),
                form: if api { None } else { form(&[("action", "forward")]) },
                ..case("POST", format!("{pre}/research/applications/{a}/forward"), "orgsec", "branchsec2")
            }
        }
        "research_score" => {
            let (id, a, _) = in_review(app, n).await;
            let call = id.to_string();
            Case {
                json: api.then(|| json!({"scores": ["70", "80"]})),
                form: if api { None } else { form(&[("score0", "70"), ("score1", "80"), ("call", call.as_str())]) },
                ..case("POST", format!("{pre}/research/applications/{a}/score"), "branchsec2", "member")
            }
        }
        "research_file" => {
            let id = call(app, n).await;
            let a = apply(app, "member", id, format!("第{n}号课题")).await;
            let office = app.login("office").await;
            let d = app.get_json(&office, &format!("/api/v1/research/applications/{a}")).await;
            let file = d["files"][0]["id"].as_i64().unwrap();
            Case { secret: "%PDF".into(), ..case("GET", format!("/research/files/{file}"), "member", "branchsec2") }
        }
        "research_report" => {
            let (_, a) = approved(app, n).await;
            let path = format!("{pre}/research/applications/{a}/reports");
            Case { form: form(&[("_multipart", "1"), ("kind", "midterm"), ("body", "中期进展")]), ..case("POST", path, "member", "branchsec2") }
        }
        "research_report_review" => {
            let (report, _) = reported(app, n).await;
            Case {
                json: api.then(|| json!({"action": "pass"})),
                form: if api { None } else { form(&[("action", "pass")]) },
                ..case("POST", format!("{pre}/research/reports/{report}/review"), "office", "member")
            }
        }
        "research_report_file" => {
            let (_, file) = reported(app, n).await;
            Case { secret: "%PDF".into(), ..case("GET", format!("/research/report-files/{file}"), "member", "branchsec2") }
        }
        "research_audit" => {
            let (id, _, _) = scored(app, n, false).await;
            case("GET", format!("/api/v1/research/{id}/audit"), "auditor", "orgsec")
        }
        _ => return None,
    })
}
