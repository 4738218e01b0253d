//! Scope from the outside: every route that names a record in its path is tried by a caller
//! who must not reach it (403 or 404, and nothing of the record in the answer) and by one who
//! may (success). The cases live beside this file, one module per concept; the test fails when
//! a route has no case.

#[path = "../common/mod.rs"]
mod common;

mod cases;

use common::TestApp;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

both!(every_scoped_route_refuses_a_caller_outside_its_scope);

/// The last id of a reach's path, such as 55 of "/1/49/55/".
fn last_id(path: &str) -> i64 {
    path.trim_end_matches('/').rsplit('/').next().unwrap().parse().unwrap()
}

pub async fn reach(app: &TestApp, user: &str, kind: &str) -> i64 {
    let c = app.login(user).await;
    let me = app.get_json(&c, "/api/v1/me").await;
    let r = me["reaches"].as_array().unwrap().iter().find(|r| r["kind"] == kind).unwrap_or_else(|| panic!("{user} has no {kind} reach: {me}"));
    last_id(r["target"].as_str().unwrap())
}

pub async fn person_of(app: &TestApp, user: &str) -> i64 {
    let c = app.login(user).await;
    app.get_json(&c, "/api/v1/me").await["person_id"].as_i64().unwrap()
}

/// One case of the scope test: the same existing record, tried by a caller outside the scope
/// (who must get 403 or 404 and no data) and then by one inside it (who must succeed).
pub struct Case {
    pub method: &'static str,
    pub path: String,
    pub form: Option<Vec<(String, String)>>,
    pub json: Option<Value>,
    pub insider: &'static str,
    pub outsider: &'static str,
    /// Text of the record that the outsider's response must not contain.
    pub secret: String,
}

pub struct Fixture {
    pub branch: i64,
    pub member: i64,
    pub member_number: String,
    pub class: i64,
    pub library: i64,
    pub window: i64,
    pub branch_name: String,
}

async fn fixture(app: &TestApp) -> Fixture {
    let branch = reach(app, "branchsec", "org").await;
    let member = person_of(app, "member").await;
    let class = reach(app, "cadre", "unit").await;
    let library = reach(app, "unithead", "unit").await;
    let office = app.login("office").await;
    let b = app.get_json(&office, &format!("/api/v1/orgs/{branch}")).await;
    let lib = app.get_json(&office, &format!("/api/v1/units/{library}")).await;
    let window = lib["children"].as_array().unwrap().iter().find(|n| n["kind"] == "window").unwrap()["id"].as_i64().unwrap();
    let p = app.get_json(&office, &format!("/api/v1/people/{member}")).await;
    Fixture { branch, member, member_number: p["number"].as_str().unwrap().into(), class, library, window, branch_name: b["node"]["name"].as_str().unwrap().into() }
}

pub fn form(pairs: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
    Some(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
}

async fn run(app: &TestApp, c: &reqwest::Client, case: &Case) -> (u16, String) {
    let url = app.url(&case.path);
    let r = match (case.method, &case.form, &case.json) {
        ("GET", _, _) => c.get(url).send().await.unwrap(),
        (m, Some(f), _) if f.iter().any(|(k, _)| k == "_multipart") => {
            let token = app.csrf(c, "/home").await;
            let mut form = reqwest::multipart::Form::new().part("files", reqwest::multipart::Part::bytes(b"%PDF-1.4 case".to_vec()).file_name("case.pdf"));
            for (k, v) in f.iter().filter(|(k, _)| k != "_multipart") {
                form = form.text(k.clone(), v.clone());
            }
            c.request(m.parse().unwrap(), url).header("x-csrf-token", token).multipart(form).send().await.unwrap()
        }
        (m, Some(f), _) => {
            let token = app.csrf(c, "/home").await;
            let mut all = vec![("_csrf".to_string(), token)];
            all.extend(f.iter().cloned());
            c.request(m.parse().unwrap(), url).header(CONTENT_TYPE, "application/x-www-form-urlencoded").body(serde_urlencoded::to_string(&all).unwrap()).send().await.unwrap()
        }
        (m, None, Some(j)) => c.request(m.parse().unwrap(), url).json(j).send().await.unwrap(),
        (m, None, None) => c.request(m.parse().unwrap(), url).json(&json!({})).send().await.unwrap(),
    };
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The case for a route, from the module of its concept.
async fn case_for(app: &TestApp, f: &Fixture, name: &str, n: usize) -> Option<Case> {
    if let Some(c) = cases::case_for(app, f, name, n).await {
        return Some(c);
    }
    None
}

async fn every_scoped_route_refuses_a_caller_outside_its_scope(app: TestApp) {
    let f = fixture(&app).await;
    let mut missing = Vec::new();
    let mut tried = 0;
    for (n, route) in pacesetter_web::routes::table().iter().enumerate() {
        if route.access != pacesetter_web::routes::Access::Scoped {
            continue;
        }
        let Some(case) = case_for(&app, &f, route.name, n).await else {
            missing.push(route.name);
            continue;
        };
        assert_eq!(route.method.as_str(), case.method, "{}: the case uses the route's method", route.name);
        let outsider = app.login(case.outsider).await;
        let (status, body) = run(&app, &outsider, &case).await;
        assert!(matches!(status, 403 | 404), "{} {}: {} must be refused, got {status}", route.name, case.path, case.outsider);
        if !case.secret.is_empty() {
            assert!(!body.contains(&case.secret), "{}: the refusal leaks {:?}", route.name, case.secret);
        }
        let insider = app.login(case.insider).await;
        let (status, body) = run(&app, &insider, &case).await;
        assert!(matches!(status, 200..=299 | 303), "{} {}: {} must succeed, got {status}: {}", route.name, case.path, case.insider, &body[..body.len().min(400)]);
        tried += 1;
    }
    assert!(missing.is_empty(), "scoped routes without a scope case: {missing:?}");
    assert!(tried >= 30, "only {tried} scoped routes tried");
}
