//! Documents to study: a document is for everyone signed in (its files too, never for someone
//! signed out); its coverage below a branch is for those who reach that branch.

use super::common::TestApp;
use super::{Case, Fixture};
use reqwest::multipart::{Form, Part};
use serde_json::Value;

pub const TWO_RECORDS: &[&str] = &[];

/// A fresh document published by the office to every branch: (its id, its first file's id).
async fn document(app: &TestApp, n: usize) -> (i64, i64) {
    let office = app.login("office").await;
    let token = app.csrf(&office, "/home").await;
    let due = pacesetter_domain::dates::iso(pacesetter_domain::dates::today() + time::Duration::days(10));
    let form = Form::new()
        .text("title", format!("第{n}号学习文件"))
        .text("body", "学习要求：逐条学习，结合实际讨论。")
        .text("owners", "branches")
        .text("due", due)
        .part("files", Part::bytes(b"%PDF-1.4 case".to_vec()).file_name("文件.pdf"));
    let r = office.post(app.url("/api/v1/study")).header("x-csrf-token", token).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let d = app.get_json(&office, &format!("/api/v1/study/{id}")).await;
    (id, d["files"][0]["id"].as_i64().unwrap())
}

pub async fn case_for(app: &TestApp, f: &Fixture, name: &str, n: usize) -> Option<Case> {
    let api = name.starts_with("api_");
    let pre = if api { "/api/v1" } else { "" };
    Some(match name.trim_start_matches("api_") {
        "study_doc" => {
            let (id, _) = document(app, n).await;
            Case {
                method: "GET",
                path: format!("{pre}/study/{id}?node={}", f.branch),
                form: None,
                json: None,
                insider: "branchsec",
                outsider: "branchsec2",
                secret: String::new(),
                crossed: vec![],
            }
        }
        "study_file" => {
            let (_, file) = document(app, n).await;
            Case { method: "GET", path: format!("/study/files/{file}"), form: None, json: None, insider: "member", outsider: "", secret: "%PDF".into(), crossed: vec![] }
        }
        _ => return None,
    })
}
