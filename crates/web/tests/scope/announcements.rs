//! Notices: a notice is read by those it was sent to and by those who reach the part of the tree
//! it went to; its receipts and their export by the latter only; its files as the notice.

use super::common::TestApp;
use super::{Case, Fixture};
use reqwest::multipart::{Form, Part};
use serde_json::Value;

pub const TWO_RECORDS: &[&str] = &[];

/// A fresh notice from the office to the members of the fixture's branch: (its id, its file's id).
async fn notice(app: &TestApp, f: &Fixture, n: usize) -> (i64, i64) {
    let office = app.login("office").await;
    let token = app.csrf(&office, "/home").await;
    let form = Form::new()
        .text("title", format!("第{n}号通知"))
        .text("body", "请各位党员按时参加组织生活。")
        .text("audience_org_id", f.branch.to_string())
        .part("files", Part::bytes(b"%PDF-1.4 case".to_vec()).file_name("通知.pdf"));
    let r = office.post(app.url("/api/v1/announcements")).header("x-csrf-token", token).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let d = app.get_json(&office, &format!("/api/v1/announcements/{id}")).await;
    (id, d["files"][0]["id"].as_i64().unwrap())
}

fn get(path: String, insider: &'static str, secret: &str) -> Case {
    Case { method: "GET", path, form: None, json: None, insider, outsider: "branchsec2", secret: secret.into(), crossed: vec![] }
}

pub async fn case_for(app: &TestApp, f: &Fixture, name: &str, n: usize) -> Option<Case> {
    let api = name.starts_with("api_");
    let pre = if api { "/api/v1" } else { "" };
    Some(match name.trim_start_matches("api_") {
        "announcement_page" | "announcement" => {
            let (id, _) = notice(app, f, n).await;
            get(format!("{pre}/announcements/{id}"), "member", &format!("第{n}号通知"))
        }
        "announcement_receipts" => {
            let (id, _) = notice(app, f, n).await;
            get(format!("/api/v1/announcements/{id}/receipts"), "branchsec", "")
        }
        "announcement_receipts_xlsx" => {
            let (id, _) = notice(app, f, n).await;
            get(format!("/announcements/{id}/receipts.xlsx"), "branchsec", "")
        }
        "announcement_file" => {
            let (_, file) = notice(app, f, n).await;
            get(format!("/announcements/files/{file}"), "member", "%PDF")
        }
        _ => return None,
    })
}
