//! Publicity: a story in the works is changed and handed in by the college that writes it (the
//! office reviews it); another college's secretary finds nothing; only the office publishes.

use super::common::TestApp;
use super::{Case, Fixture, form};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

pub const TWO_RECORDS: &[&str] = &[];

/// A fresh draft written by the fixture branch's college (its secretary), handed in when asked.
async fn story(app: &TestApp, n: usize, hand_in: bool) -> i64 {
    let sec = app.login("orgsec").await;
    let college = app.reach("orgsec", "org").await;
    let token = app.csrf(&sec, "/home").await;
    let mp = Form::new()
        .text("org", format!("org:{college}"))
        .text("kind", "news")
        .text("title", format!("第{n}号稿件"))
        .text("summary", "学院推进创先争优")
        .text("body", "学院召开推进会。")
        .part("images", Part::bytes(super::common::png_1x1()).file_name("会场.png"));
    let r = sec.post(app.url("/api/v1/stories")).header("x-csrf-token", token.clone()).multipart(mp).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    if hand_in {
        let r = sec.post(app.url(&format!("/api/v1/stories/{id}/submit"))).header("x-csrf-token", token).json(&json!({})).send().await.unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }
    id
}

fn case(method: &'static str, path: String, insider: &'static str, outsider: &'static str) -> Case {
    Case { method, path, form: None, json: None, insider, outsider, secret: String::new(), crossed: vec![] }
}

pub async fn case_for(app: &TestApp, _f: &Fixture, name: &str, n: usize) -> Option<Case> {
    let api = name.starts_with("api_");
    let pre = if api { "/api/v1" } else { "" };
    Some(match name.trim_start_matches("api_") {
        "story_edit_form" => {
            let id = story(app, n, false).await;
            Case { secret: format!("第{n}号稿件"), ..case("GET", format!("/stories/{id}/edit"), "orgsec", "branchsec2") }
        }
        "story_edit" => {
            let id = story(app, n, false).await;
            let fields = [("_multipart", "1"), ("version", "1"), ("kind", "news"), ("title", "改过的稿件"), ("summary", "学院推进创先争优"), ("body", "学院召开推进会。")];
            Case { form: form(&fields), ..case("POST", format!("{pre}/stories/{id}/edit"), "orgsec", "branchsec2") }
        }
        "story_submit" => {
            let id = story(app, n, false).await;
            Case { json: api.then(|| json!({})), form: if api { None } else { form(&[]) }, ..case("POST", format!("{pre}/stories/{id}/submit"), "orgsec", "branchsec2") }
        }
        "story_review" => {
            let id = story(app, n, true).await;
            // The college writes it but does not publish it.
            Case {
                json: api.then(|| json!({"action": "publish"})),
                form: if api { None } else { form(&[("action", "publish")]) },
                ..case("POST", format!("{pre}/stories/{id}/review"), "office", "orgsec")
            }
        }
        _ => return None,
    })
}
