//! Surveys and samples: every route that names a survey or a sample, as a page and through the
//! API. The library's head owns a window survey of the library; a college secretary neither
//! manages nor answers it; paper forms are the office's; a sample's seeds come from the office
//! and the owning unit only. A write that names a node (audience, targets, a sample's
//! population) is tried with only the survey, and with only the node, out of reach.

use super::common::TestApp;
use super::{Case, Crossed, Fixture, form};
use serde_json::{Value, json};

/// The writes of this module's routes that name a second record: a survey and a node.
pub const TWO_RECORDS: &[&str] = &["survey_audience", "api_survey_audience", "survey_targets", "api_survey_targets", "survey_sample", "api_survey_sample"];

fn sha256_hex(s: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

async fn post_json(app: &TestApp, user: &str, path: &str, body: Value) -> Value {
    let c = app.login(user).await;
    let r = c.post(app.url(path)).json(&body).send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    assert!(status.is_success(), "setup POST {path} as {user}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

async fn number_of(app: &TestApp, user: &str) -> String {
    let c = app.login(user).await;
    let me = app.get_json(&c, "/api/v1/me").await;
    app.get_json(&c, &format!("/api/v1/people/{}", me["person_id"])).await["number"].as_str().unwrap().to_string()
}

/// A window survey of the library, made by its unit head; with `open`, its targets set, the
/// unit head invited, and opened.
async fn library_survey(app: &TestApp, f: &Fixture, n: usize, open: bool) -> i64 {
    let c = app.login("unithead").await;
    let r = app.post_form(&c, "/surveys", &[("template", "window-satisfaction"), ("owner", &f.library.to_string()), ("title", &format!("图书馆窗口测评{n}"))]).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let id: i64 = r.headers()["location"].to_str().unwrap().trim_start_matches("/surveys/").split('?').next().unwrap().parse().unwrap();
    if open {
        let number = number_of(app, "unithead").await;
        for (path, fields) in [("targets", vec![]), ("audience", vec![("mode", "numbers"), ("numbers", number.as_str())]), ("open", vec![("confirmed", "1")])] {
            let r = app.post_form(&c, &format!("/surveys/{id}/{path}"), &fields).await;
            assert_eq!(r.status(), 303, "{path}: {}", r.text().await.unwrap());
        }
    }
    id
}

/// A window survey of the whole university (the office's): the library's head reaches the
/// library's windows and people but does not manage it.
async fn office_survey(app: &TestApp, n: usize) -> i64 {
    let v = post_json(app, "office", "/api/v1/surveys", json!({"template": "window-satisfaction", "title": format!("全校窗口测评{n}")})).await;
    v["id"].as_i64().unwrap()
}

/// An open survey of the office's without targets, for paper forms, with one serial issued.
async fn paper_survey(app: &TestApp, n: usize) -> (i64, String) {
    let v = post_json(app, "office", "/api/v1/surveys", json!({"template": "theme-commitments", "title": format!("纸质测评{n}")})).await;
    let id = v["id"].as_i64().unwrap();
    post_json(app, "office", &format!("/api/v1/surveys/{id}/open"), json!({})).await;
    let s = post_json(app, "office", &format!("/api/v1/surveys/{id}/paper/issue"), json!({"count": 1})).await;
    (id, s["serials"][0].as_str().unwrap().to_string())
}

/// A sample of a library survey's audience (the library's people), whose second seed is the
/// library's; with `committed`, both sides have committed (the unit's seed is "unit-seed").
async fn library_sample(app: &TestApp, f: &Fixture, n: usize, committed: bool) -> i64 {
    let survey = library_survey(app, f, n, false).await;
    let v = post_json(app, "unithead", &format!("/api/v1/surveys/{survey}/samples"), json!({"node": f.library, "size": "1"})).await;
    let id = v["id"].as_i64().unwrap();
    if committed {
        post_json(app, "office", &format!("/api/v1/samples/{id}/commit"), json!({"seed": sha256_hex("office-seed")})).await;
        post_json(app, "unithead", &format!("/api/v1/samples/{id}/commit"), json!({"seed": "unit-seed"})).await;
    }
    id
}

/// A write of a survey naming a node: the path's tail; the fields and body; the same with a node
/// out of reach; the same with the caller's own node (for another survey).
type Write = (&'static str, Vec<(&'static str, String)>, Value, Vec<(&'static str, String)>, Value, Vec<(&'static str, String)>, Value);

fn case(method: &'static str, path: String, form: Option<Vec<(String, String)>>, json: Option<Value>, insider: &'static str, outsider: &'static str, secret: String) -> Case {
    Case { method, path, form, json, insider, outsider, secret, crossed: vec![] }
}

/// The same write with a form or a JSON body, by `user`, with `what` out of their reach.
fn crossed(user: &'static str, what: &'static str, path: String, api: bool, fields: &[(&str, &str)], body: Value) -> Crossed {
    if api { Crossed { user, what, path, form: None, json: Some(body) } } else { Crossed { user, what, path, form: form(fields), json: None } }
}

pub async fn case_for(app: &TestApp, f: &Fixture, name: &str, n: usize) -> Option<Case> {
    let (insider, outsider) = ("unithead", "orgsec");
    let api = name.starts_with("api_");
    let plain = name.trim_start_matches("api_");
    let window_answers = json!({"q1": 0, "q2": 0, "q3": 1, "q4": 0, "q5": 0, "q6": 2, "q7": 0, "q8": 0, "q9": 0});
    Some(match name {
        // ---- samples: only the office and the owning unit commit and reveal ----
        "sample_commit" | "api_sample_commit" => {
            let id = library_sample(app, f, n, false).await;
            if api {
                case("POST", format!("/api/v1/samples/{id}/commit"), None, Some(json!({"seed": "unit-seed"})), insider, outsider, String::new())
            } else {
                case("POST", format!("/samples/{id}/commit"), form(&[("seed", "unit-seed")]), None, insider, outsider, String::new())
            }
        }
        "sample_reveal" | "api_sample_reveal" => {
            let id = library_sample(app, f, n, true).await;
            if api {
                case("POST", format!("/api/v1/samples/{id}/reveal"), None, Some(json!({"seed": "unit-seed"})), insider, outsider, String::new())
            } else {
                case("POST", format!("/samples/{id}/reveal"), form(&[("seed", "unit-seed")]), None, insider, outsider, String::new())
            }
        }
        // ---- paper forms: the office's ----
        "survey_paper"
        | "survey_paper_submit"
        | "survey_paper_issue"
        | "survey_paper_print"
        | "api_survey_paper"
        | "api_survey_paper_submit"
        | "api_survey_paper_issue"
        | "api_survey_paper_serials" => {
            let (id, serial) = paper_survey(app, n).await;
            let secret = format!("纸质测评{n}");
            let (method, path, body, json_body) = match name {
                "survey_paper" => ("GET", format!("/surveys/{id}/paper"), None, None),
                "survey_paper_print" => ("GET", format!("/surveys/{id}/paper/print"), None, None),
                "survey_paper_issue" => ("POST", format!("/surveys/{id}/paper/issue"), form(&[("count", "2")]), None),
                "survey_paper_submit" => {
                    ("POST", format!("/surveys/{id}/paper"), form(&[("serial", &serial), ("q1", "1"), ("q2", "13"), ("q3", "121"), ("q4", "2"), ("q5", "纸质意见")]), None)
                }
                "api_survey_paper" => ("GET", format!("/api/v1/surveys/{id}/paper"), None, None),
                "api_survey_paper_serials" => ("GET", format!("/api/v1/surveys/{id}/paper/serials"), None, None),
                "api_survey_paper_issue" => ("POST", format!("/api/v1/surveys/{id}/paper/issue"), None, Some(json!({"count": 2}))),
                _ => (
                    "POST",
                    format!("/api/v1/surveys/{id}/paper"),
                    None,
                    Some(json!({"serial": serial, "answers": {"q1": 0, "q2": [0, 2], "q3": [0, 1, 0], "q4": 1, "q5": "纸质意见"}})),
                ),
            };
            // The library's head runs surveys of their own, but paper forms are the office's.
            case(method, path, body, json_body, "office", "unithead", secret)
        }
        // ---- a survey and a node: the audience, the targets, a sample's population ----
        "survey_audience" | "api_survey_audience" | "survey_targets" | "api_survey_targets" | "survey_sample" | "api_survey_sample" => {
            let id = library_survey(app, f, n, false).await;
            let theirs = office_survey(app, n).await;
            let (tail, fields, body, wrong_fields, wrong_body, own_fields, own_body): Write = match plain {
                "survey_audience" => (
                    "audience",
                    vec![("mode", "unit".into()), ("node", f.library.to_string())],
                    json!({"mode": "unit", "node": f.library}),
                    vec![("mode", "unit".into()), ("node", f.class.to_string())],
                    json!({"mode": "unit", "node": f.class}),
                    vec![("mode", "unit".into()), ("node", f.library.to_string())],
                    json!({"mode": "unit", "node": f.library}),
                ),
                "survey_targets" => (
                    "targets",
                    vec![],
                    json!({"targets": []}),
                    vec![("target", f.class.to_string())],
                    json!({"targets": [f.class]}),
                    vec![("target", f.window.to_string())],
                    json!({"targets": [f.window]}),
                ),
                _ => (
                    "samples",
                    vec![("node", f.library.to_string()), ("size", "1".into()), ("stratify", "none".into())],
                    json!({"node": f.library, "size": "1", "stratify": "none"}),
                    vec![("node", f.class.to_string()), ("size", "1".into())],
                    json!({"node": f.class, "size": "1"}),
                    vec![("node", f.library.to_string()), ("size", "1".into()), ("owner", f.library.to_string())],
                    json!({"node": f.library, "size": "1", "owner_unit_id": f.library}),
                ),
            };
            let pairs = |v: &Vec<(&str, String)>| v.iter().map(|(k, v)| (k.to_string(), v.clone())).collect::<Vec<_>>();
            let refs = |v: &Vec<(&'static str, String)>| -> Vec<(&'static str, String)> { v.clone() };
            let at = |survey: i64| if api { format!("/api/v1/surveys/{survey}/{tail}") } else { format!("/surveys/{survey}/{tail}") };
            let (wrong, own) = (refs(&wrong_fields), refs(&own_fields));
            let wrong_refs: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let own_refs: Vec<(&str, &str)> = own.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let crossed = vec![
                // Their own survey, a node outside their reach (the cadre's class).
                crossed(insider, "the node", at(id), api, &wrong_refs, wrong_body),
                // Their own library's node, the office's survey they do not manage.
                crossed(insider, "the survey", at(theirs), api, &own_refs, own_body),
            ];
            Case {
                method: "POST",
                path: at(id),
                form: if api { None } else { Some(pairs(&fields)) },
                json: if api { Some(body) } else { None },
                insider,
                outsider,
                secret: String::new(),
                crossed,
            }
        }
        name if name.starts_with("survey_") || name.starts_with("api_survey") => {
            // A survey of the library (the unit head's unit) about its windows; the unit head
            // is its owner and, for the answering cases, an invitee; a college secretary is neither.
            let opened = matches!(plain, "survey_close" | "survey_remind" | "survey_answer_submit" | "survey_answer");
            let id = library_survey(app, f, n, opened).await;
            let at = |tail: &str| if api { format!("/api/v1/surveys/{id}{tail}") } else { format!("/surveys/{id}{tail}") };
            let title = format!("图书馆窗口测评{n}");
            let answers = [("q1", "0"), ("q2", "0"), ("q3", "1"), ("q4", "0"), ("q5", "0"), ("q6", "2"), ("q7", "0"), ("q8", "0"), ("q9", "0"), ("target", &f.window.to_string())];
            let answers: Vec<(&str, &str)> = answers.iter().map(|(k, v)| (*k, *v)).collect();
            let none = json!({});
            let (method, path, body, json_body, secret) = match (name, api) {
                ("survey_page", _) | ("api_survey", _) => ("GET", at(""), None, None, title),
                ("survey_questions", false) => ("POST", at("/questions"), form(&[("action", "add"), ("kind", "text"), ("text", "其他意见")]), None, String::new()),
                ("api_survey_questions", _) => ("POST", at("/questions"), None, Some(json!({"action": "add", "kind": "text", "text": "其他意见"})), String::new()),
                ("survey_links_revoke", _) | ("api_survey_links_revoke", _) => {
                    let c = app.login("unithead").await;
                    let number = number_of(app, "unithead").await;
                    assert_eq!(app.post_form(&c, &format!("/surveys/{id}/audience"), &[("mode", "numbers"), ("numbers", &number)]).await.status(), 303);
                    assert_eq!(app.post_form(&c, &format!("/surveys/{id}/links"), &[("kind", "personal")]).await.status(), 303);
                    if api {
                        ("POST", at("/links/revoke"), None, Some(json!({"number": number})), String::new())
                    } else {
                        ("POST", at("/links/revoke"), form(&[("number", &number)]), None, String::new())
                    }
                }
                ("survey_links", false) => ("POST", at("/links"), form(&[("kind", "slips"), ("count", "2")]), None, String::new()),
                ("api_survey_links", _) => ("POST", at("/links"), None, Some(json!({"kind": "slips", "count": 2})), String::new()),
                ("survey_open", _) | ("api_survey_open", _) => {
                    let c = app.login("unithead").await;
                    assert_eq!(app.post_form(&c, &format!("/surveys/{id}/targets"), &[]).await.status(), 303);
                    if api { ("POST", at("/open"), None, Some(none), String::new()) } else { ("POST", at("/open"), form(&[("confirmed", "1")]), None, String::new()) }
                }
                ("survey_remind", false) => ("POST", at("/remind"), form(&[]), None, String::new()),
                ("api_survey_remind", _) => ("POST", at("/remind"), None, Some(none), String::new()),
                ("survey_close", false) => ("POST", at("/close"), form(&[]), None, String::new()),
                ("api_survey_close", _) => ("POST", at("/close"), None, Some(none), String::new()),
                ("survey_answer", _) => ("GET", at("/answer"), None, None, title),
                ("survey_answer_submit", _) => ("POST", at("/answer"), form(&answers), None, String::new()),
                ("api_survey_answer", _) => ("POST", at("/responses"), None, Some(json!({"target": f.window, "answers": window_answers})), String::new()),
                ("survey_results", _) | ("api_survey_results", _) => ("GET", at("/results"), None, None, title),
                ("api_survey_recount", _) => ("GET", at("/recount"), None, None, String::new()),
                ("survey_export", _) => ("GET", at("/export/summary.xlsx"), None, None, String::new()),
                _ => return None,
            };
            case(method, path, body, json_body, insider, outsider, secret)
        }
        _ => return None,
    })
}
