//! Scope from the outside: every route that names a record in its path is tried by a caller
//! who must not reach it (403 or 404, and nothing of the record in the answer) and by one who
//! may (success). The cases live beside this file, one module per concept; the test fails when
//! a route has no case.

#[path = "../common/mod.rs"]
mod common;

mod activities;
mod admin;
mod announcements;
mod appraisals;
mod cases;
mod central;
mod commitments;
mod library;
mod meetings;
mod problems;
mod research;
mod selections;
mod stories;
mod study;
mod study_points;
mod surveys;

use common::TestApp;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

both!(every_scoped_route_refuses_a_caller_outside_its_scope);

pub async fn reach(app: &TestApp, user: &str, kind: &str) -> i64 {
    app.reach(user, kind).await
}

pub async fn person_of(app: &TestApp, user: &str) -> i64 {
    let c = app.login(user).await;
    app.get_json(&c, "/api/v1/me").await["person_id"].as_i64().unwrap()
}

/// One case of the scope test: the same existing record, tried by a caller outside the scope
/// (who must get 403 or 404 and no data; "" for someone not logged in, on routes open to every
/// logged-in user) and then by one inside it (who must succeed).
pub struct Case {
    pub method: &'static str,
    pub path: String,
    pub form: Option<Vec<(String, String)>>,
    pub json: Option<Value>,
    pub insider: &'static str,
    pub outsider: &'static str,
    /// Text of the record that the outsider's response must not contain.
    pub secret: String,
    /// For a write that names two records: the same write by a caller who reaches all but one
    /// of them, which must be refused too (tried before the insider's case).
    pub crossed: Vec<Crossed>,
}

/// A write by a caller who reaches the route's record but not the other one it names.
pub struct Crossed {
    pub user: &'static str,
    /// Which record is out of reach, for the failure message.
    pub what: &'static str,
    pub path: String,
    pub form: Option<Vec<(String, String)>>,
    pub json: Option<Value>,
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

async fn run(app: &TestApp, c: &reqwest::Client, method: &str, path: &str, form: &Option<Vec<(String, String)>>, json: &Option<Value>) -> (u16, String) {
    let url = app.url(path);
    let r = match (method, form, json) {
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
    if let Some(c) = admin::case_for(app, f, name, n).await {
        return Some(c);
    }
    if let Some(c) = surveys::case_for(app, f, name, n).await {
        return Some(c);
    }
    if let Some(c) = commitments::case_for(app, f, name, n).await {
        return Some(c);
    }
    if let Some(c) = appraisals::case_for(app, f, name, n).await {
        return Some(c);
    }
    if let Some(c) = selections::case_for(app, f, name, n).await {
        return Some(c);
    }
    if let Some(c) = problems::case_for(app, f, name, n).await {
        return Some(c);
    }
    if let Some(c) = meetings::case_for(app, f, name, n).await {
        return Some(c);
    }
    if let Some(c) = central::case_for(app, f, name, n).await {
        return Some(c);
    }
    if let Some(c) = study_points::case_for(app, f, name, n).await {
        return Some(c);
    }
    if let Some(c) = study::case_for(app, f, name, n).await {
        return Some(c);
    }
    if let Some(c) = activities::case_for(app, f, name, n).await {
        return Some(c);
    }
    if let Some(c) = announcements::case_for(app, f, name, n).await {
        return Some(c);
    }
    if let Some(c) = library::case_for(app, f, name, n).await {
        return Some(c);
    }
    if let Some(c) = stories::case_for(app, f, name, n).await {
        return Some(c);
    }
    if let Some(c) = research::case_for(app, f, name, n).await {
        return Some(c);
    }
    None
}

/// Writes that name a second record (in the path or the body): each case of theirs carries a
/// crossed case per record, with only that record out of the caller's reach.
fn two_records() -> Vec<&'static str> {
    [
        cases::TWO_RECORDS,
        admin::TWO_RECORDS,
        surveys::TWO_RECORDS,
        commitments::TWO_RECORDS,
        appraisals::TWO_RECORDS,
        selections::TWO_RECORDS,
        problems::TWO_RECORDS,
        meetings::TWO_RECORDS,
        central::TWO_RECORDS,
        activities::TWO_RECORDS,
        study::TWO_RECORDS,
        study_points::TWO_RECORDS,
        announcements::TWO_RECORDS,
        library::TWO_RECORDS,
        stories::TWO_RECORDS,
        research::TWO_RECORDS,
    ]
    .concat()
}

/// Routes that name a record and still have no case: the debt this test lists until it is paid.
/// A route leaves this list when its concept's module gives it a case; the list only shrinks.
const PENDING: &[&str] = &[];

/// The client of a user, or no session at all for "" (a route open to every logged-in user
/// is tried from outside by someone not logged in).
async fn client_of(app: &TestApp, user: &str) -> reqwest::Client {
    if user.is_empty() { common::client(&app.base) } else { app.login(user).await }
}

async fn every_scoped_route_refuses_a_caller_outside_its_scope(app: TestApp) {
    use pacesetter_web::routes::Access;
    let f = fixture(&app).await;
    let two = two_records();
    let (mut missing, mut tried, mut crossed) = (Vec::new(), 0, 0);
    for (n, route) in pacesetter_web::routes::table().iter().enumerate() {
        let names_a_record = route.path.contains('{');
        let checked = match route.access {
            Access::Scoped => true,
            Access::LoggedIn | Access::Roles(_) => names_a_record,
            Access::Public | Access::Token => false,
        };
        if !checked {
            continue;
        }
        let Some(case) = case_for(&app, &f, route.name, n).await else {
            if !PENDING.contains(&route.name) {
                missing.push(route.name);
            }
            continue;
        };
        assert!(!PENDING.contains(&route.name), "{}: it has a case now, so take it off PENDING", route.name);
        assert_eq!(route.method.as_str(), case.method, "{}: the case uses the route's method", route.name);
        assert!(!two.contains(&route.name) || !case.crossed.is_empty(), "{}: names two records, so it needs a crossed case per record", route.name);
        let outsider = client_of(&app, case.outsider).await;
        let (status, body) = run(&app, &outsider, case.method, &case.path, &case.form, &case.json).await;
        let refused = matches!(status, 403 | 404) || (case.outsider.is_empty() && (status == 401 || (status == 303 && body.is_empty())));
        assert!(refused, "{} {}: {:?} must be refused, got {status}", route.name, case.path, case.outsider);
        if !case.secret.is_empty() {
            assert!(!body.contains(&case.secret), "{}: the refusal leaks {:?}", route.name, case.secret);
        }
        for x in &case.crossed {
            let c = app.login(x.user).await;
            let (status, body) = run(&app, &c, case.method, &x.path, &x.form, &x.json).await;
            assert!(
                matches!(status, 403 | 404),
                "{} {}: {} with {} out of reach must be refused, got {status}: {}",
                route.name,
                x.path,
                x.user,
                x.what,
                body.chars().take(300).collect::<String>()
            );
            crossed += 1;
        }
        let insider = app.login(case.insider).await;
        let (status, body) = run(&app, &insider, case.method, &case.path, &case.form, &case.json).await;
        assert!(matches!(status, 200..=299 | 303), "{} {}: {} must succeed, got {status}: {}", route.name, case.path, case.insider, body.chars().take(400).collect::<String>());
        tried += 1;
    }
    assert!(missing.is_empty(), "routes that name a record without a scope case: {missing:?}");
    assert!(tried >= 30, "only {tried} routes tried");
    eprintln!("scope: {tried} routes tried from outside and inside, {crossed} crossed cases, {} pending", PENDING.len());
}
