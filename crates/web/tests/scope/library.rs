//! The experience library: an entry waiting for review is read by the office and those who keep
//! its source (its files too); another college's secretary finds nothing; only the office
//! reviews.

use super::common::TestApp;
use super::{Case, Fixture, form};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

pub const TWO_RECORDS: &[&str] = &[];

/// A fresh entry handed in by the fixture branch's secretary: (its id, its file's id).
async fn entry(app: &TestApp, f: &Fixture, n: usize) -> (i64, i64) {
    let sec = app.login("branchsec").await;
    let token = app.csrf(&sec, "/home").await;
    let mp = Form::new()
        .text("title", format!("第{n}号支部工作法"))
        .text("body", "每月第一周召开支委会研究党员发展和教育管理。")
        .text("kind", "experience")
        .text("item", "17")
        .text("source", format!("org:{}", f.branch))
        .part("files", Part::bytes(b"%PDF-1.4 case".to_vec()).file_name("工作法.pdf"));
    let r = sec.post(app.url("/api/v1/library")).header("x-csrf-token", token).multipart(mp).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let d = app.get_json(&sec, &format!("/api/v1/library/{id}")).await;
    (id, d["files"][0]["id"].as_i64().unwrap())
}

fn case(method: &'static str, path: String, insider: &'static str, outsider: &'static str) -> Case {
    Case { method, path, form: None, json: None, insider, outsider, secret: String::new(), crossed: vec![] }
}

pub async fn case_for(app: &TestApp, f: &Fixture, name: &str, n: usize) -> Option<Case> {
    let api = name.starts_with("api_");
    let pre = if api { "/api/v1" } else { "" };
    Some(match name.trim_start_matches("api_") {
        "library_entry" => {
            let (id, _) = entry(app, f, n).await;
            Case { secret: format!("第{n}号支部工作法"), ..case("GET", format!("{pre}/library/{id}"), "branchsec", "branchsec2") }
        }
        "library_file" => {
            let (_, file) = entry(app, f, n).await;
            Case { secret: "%PDF".into(), ..case("GET", format!("/library/files/{file}"), "branchsec", "branchsec2") }
        }
        "library_review" => {
            let (id, _) = entry(app, f, n).await;
            // The secretary keeps the source but does not review.
            Case {
                json: api.then(|| json!({"action": "publish"})),
                form: if api { None } else { form(&[("action", "publish")]) },
                ..case("POST", format!("{pre}/library/{id}/review"), "office", "branchsec")
            }
        }
        _ => return None,
    })
}
