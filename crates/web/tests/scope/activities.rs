//! Activities: a branch's activity is run by its secretary and joined by its members; a
//! secretary of another college's branch finds nothing.

use super::common::TestApp;
use super::{Case, Fixture, form};
use serde_json::{Value, json};

pub const TWO_RECORDS: &[&str] = &[];

fn case(method: &'static str, path: String, insider: &'static str) -> Case {
    Case { method, path, form: None, json: None, insider, outsider: "branchsec2", secret: String::new(), crossed: vec![] }
}

/// A fresh activity of the fixture's branch today, announced by its secretary; returns its id.
async fn activity(app: &TestApp, f: &Fixture, kind: &str, title: &str) -> i64 {
    let sec = app.login("branchsec").await;
    let today = pacesetter_domain::dates::iso(pacesetter_domain::dates::today());
    let body = json!({"host": format!("org:{}", f.branch), "kind": kind, "title": title, "place": "党员活动室", "on_day": today, "starts": "00:00", "ends": "23:59"});
    let r = sec.post(app.url("/api/v1/activities")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["activity"]["id"].as_i64().unwrap()
}

async fn signed_up(app: &TestApp, id: i64) {
    let m = app.login("member").await;
    let r = m.post(app.url(&format!("/api/v1/activities/{id}/signup"))).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

/// Opens check-in and returns the code of the moment.
async fn opened(app: &TestApp, id: i64) -> String {
    let sec = app.login("branchsec").await;
    let r = sec.post(app.url(&format!("/api/v1/activities/{id}/checkin/open"))).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    app.get_json(&sec, &format!("/api/v1/activities/{id}/checkin/code")).await["code"].as_str().unwrap().to_string()
}

pub async fn case_for(app: &TestApp, f: &Fixture, name: &str, n: usize) -> Option<Case> {
    let api = name.starts_with("api_");
    let base = name.trim_start_matches("api_");
    let pre = if api { "/api/v1" } else { "" };
    Some(match base {
        "activity" => {
            let title = format!("第{n}次案例志愿服务");
            let id = activity(app, f, "volunteer", &title).await;
            Case { secret: title, ..case("GET", format!("{pre}/activities/{id}"), "member") }
        }
        "activity_signup" => {
            let id = activity(app, f, "study", &format!("第{n}次学习活动")).await;
            Case { json: api.then(|| json!({})), form: if api { None } else { form(&[]) }, ..case("POST", format!("{pre}/activities/{id}/signup"), "member") }
        }
        "activity_cancel" => {
            let id = activity(app, f, "study", &format!("第{n}次学习活动")).await;
            signed_up(app, id).await;
            Case { json: api.then(|| json!({})), form: if api { None } else { form(&[]) }, ..case("POST", format!("{pre}/activities/{id}/cancel"), "member") }
        }
        "activity_call_off" => {
            let id = activity(app, f, "study", &format!("第{n}次学习活动")).await;
            let reason = "场地临时调整";
            Case {
                json: api.then(|| json!({"reason": reason})),
                form: if api { None } else { form(&[("reason", reason)]) },
                ..case("POST", format!("{pre}/activities/{id}/call-off"), "branchsec")
            }
        }
        "activity_checkin_open" => {
            let id = activity(app, f, "study", &format!("第{n}次学习活动")).await;
            Case { json: api.then(|| json!({})), form: if api { None } else { form(&[]) }, ..case("POST", format!("{pre}/activities/{id}/checkin/open"), "branchsec") }
        }
        "activity_screen" | "activity_qr" | "activity_checkin_code" => {
            let id = activity(app, f, "study", &format!("第{n}次学习活动")).await;
            let code = opened(app, id).await;
            let path = match base {
                "activity_screen" => format!("/activities/{id}/screen"),
                "activity_qr" => format!("/activities/{id}/qr.png?c={code}"),
                _ => format!("/api/v1/activities/{id}/checkin/code"),
            };
            case("GET", path, "branchsec")
        }
        "activity_check_in" => {
            let id = activity(app, f, "study", &format!("第{n}次学习活动")).await;
            signed_up(app, id).await;
            let code = opened(app, id).await;
            if api {
                Case { json: Some(json!({"code": code})), ..case("POST", format!("/api/v1/activities/{id}/check-in"), "member") }
            } else {
                Case { form: form(&[("c", &code)]), ..case("POST", format!("/activities/{id}/in"), "member") }
            }
        }
        "activity_record" => {
            let id = activity(app, f, "volunteer", &format!("第{n}次志愿服务")).await;
            Case {
                form: form(&[("_multipart", "1"), ("record", "组织党员开展志愿服务活动"), ("hours", "2")]),
                ..case("POST", format!("{pre}/activities/{id}/record"), "branchsec")
            }
        }
        "activity_book" => {
            let id = activity(app, f, "reading", &format!("第{n}次读书月")).await;
            let fields = [("title", "红岩"), ("author", "罗广斌、杨益言"), ("review", "江姐等革命先烈坚贞不屈的精神令人震撼，激励我们坚定理想信念。")];
            if api {
                Case { json: Some(json!({"title": fields[0].1, "author": fields[1].1, "review": fields[2].1})), ..case("POST", format!("/api/v1/activities/{id}/books"), "member") }
            } else {
                Case { form: form(&fields), ..case("POST", format!("/activities/{id}/books"), "member") }
            }
        }
        "activities_branches_export" => Case { outsider: "", ..case("GET", "/activities/branches/branch-activities.xlsx".into(), "branchsec") },
        "activity_file" => {
            let id = activity(app, f, "volunteer", &format!("第{n}次志愿服务")).await;
            let sec = app.login("branchsec").await;
            let token = app.csrf(&sec, "/home").await;
            let mp = reqwest::multipart::Form::new()
                .text("record", "组织党员开展志愿服务活动")
                .text("hours", "2")
                .part("files", reqwest::multipart::Part::bytes(b"%PDF-1.4 record".to_vec()).file_name("活动总结.pdf"));
            let r = sec.post(app.url(&format!("/api/v1/activities/{id}/record"))).header("x-csrf-token", token).multipart(mp).send().await.unwrap();
            assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
            let fid = r.json::<Value>().await.unwrap()["files"][0]["id"].as_i64().unwrap();
            case("GET", format!("/activities/files/{fid}"), "member")
        }
        _ => return None,
    })
}
