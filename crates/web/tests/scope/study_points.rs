//! 学习型党组织示范点: a point is kept by its branch (and those above it) and read by them; the
//! office inspects and sets the standards; a secretary of another college finds nothing.

use super::common::TestApp;
use super::{Case, Fixture, form};
use serde_json::{Value, json};

pub const TWO_RECORDS: &[&str] = &[];

fn case(method: &'static str, path: String, insider: &'static str) -> Case {
    Case { method, path, form: None, json: None, insider, outsider: "branchsec2", secret: String::new(), crossed: vec![] }
}

/// The fixture branch's point (registered by its college the first time).
async fn point(app: &TestApp, f: &Fixture) -> i64 {
    let office = app.login("office").await;
    let all = app.get_json(&office, "/api/v1/study-points").await;
    if let Some(p) = all.as_array().unwrap().iter().find(|p| p["org_id"] == f.branch) {
        return p["id"].as_i64().unwrap();
    }
    let day = pacesetter_domain::dates::iso(pacesetter_domain::dates::today() + time::Duration::days(30));
    let college = app.login("orgsec").await;
    let r = college
        .post(app.url("/api/v1/study-points"))
        .json(&json!({"org_id": f.branch, "plan": "以读书会为载体建设学习型支部", "milestones": format!("{day} 建成读书角")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["point"]["id"].as_i64().unwrap()
}

/// A fresh standard of the office's: its id.
async fn standard(app: &TestApp, n: usize) -> i64 {
    let office = app.login("office").await;
    let r = office.post(app.url("/api/v1/study-points/standards")).json(&json!({"item": format!("第{n}项检查标准"), "weight": "10"})).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap().as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).max().unwrap()
}

pub async fn case_for(app: &TestApp, f: &Fixture, name: &str, n: usize) -> Option<Case> {
    let api = name.starts_with("api_");
    let pre = if api { "/api/v1" } else { "" };
    Some(match name.trim_start_matches("api_") {
        "study_point" => {
            let id = point(app, f).await;
            Case { secret: "以读书会为载体".into(), ..case("GET", format!("{pre}/study-points/{id}"), "branchsec") }
        }
        "study_point_report" => {
            let id = point(app, f).await;
            Case {
                form: form(&[("_multipart", ""), ("body", "读书角已布置完成，每周开放两次。")]), ..case("POST", format!("{pre}/study-points/{id}/reports"), "branchsec")
            }
        }
        "study_point_file" => {
            let id = point(app, f).await;
            let sec = app.login("branchsec").await;
            let token = app.csrf(&sec, "/home").await;
            let mp =
                reqwest::multipart::Form::new().text("body", "读书分享会照片").part("files", reqwest::multipart::Part::bytes(super::common::png_1x1()).file_name("读书会.png"));
            let r = sec.post(app.url(&format!("/api/v1/study-points/{id}/reports"))).header("x-csrf-token", token).multipart(mp).send().await.unwrap();
            assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
            let d: Value = r.json().await.unwrap();
            let file = d["reports"][0]["files"][0]["id"].as_i64().unwrap();
            case("GET", format!("/study-points/files/{file}"), "branchsec")
        }
        "study_point_inspect" => {
            let id = point(app, f).await;
            standard(app, n).await;
            let office = app.login("office").await;
            let ids: Vec<String> =
                app.get_json(&office, "/api/v1/study-points/standards").await.as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap().to_string()).collect();
            let path = format!("{pre}/study-points/{id}/inspections");
            if api {
                let scores: serde_json::Map<String, Value> = ids.iter().map(|i| (i.clone(), json!(88))).collect();
                Case { json: Some(json!({"scores": scores})), ..case("POST", path, "office") }
            } else {
                let fields: Vec<(String, String)> = ids.iter().map(|i| (format!("score_{i}"), "88".to_string())).collect();
                Case { form: Some(fields), ..case("POST", path, "office") }
            }
        }
        "study_point_standard_retire" => {
            let id = standard(app, n).await;
            Case { json: api.then(|| json!({})), form: if api { None } else { form(&[]) }, ..case("POST", format!("{pre}/study-points/standards/{id}/retire"), "office") }
        }
        _ => return None,
    })
}
