//! The server through HTTP, on SQLite and PostgreSQL alike: logging in, sessions and CSRF,
//! scope from the outside, people and both trees, exports, the audit log, errors.

mod common;

use common::{PASSWORD, TestApp, client};
use reqwest::header::{CONTENT_TYPE, ORIGIN};
use serde_json::{Value, json};

/// The last id of a reach's path, such as 55 of "/1/49/55/".
fn last_id(path: &str) -> i64 {
    path.trim_end_matches('/').rsplit('/').next().unwrap().parse().unwrap()
}

async fn reach(app: &TestApp, user: &str, kind: &str) -> i64 {
    let c = app.login(user).await;
    let me = app.get_json(&c, "/api/v1/me").await;
    let r = me["reaches"].as_array().unwrap().iter().find(|r| r["kind"] == kind).unwrap_or_else(|| panic!("{user} has no {kind} reach: {me}"));
    last_id(r["target"].as_str().unwrap())
}

async fn person_of(app: &TestApp, user: &str) -> i64 {
    let c = app.login(user).await;
    app.get_json(&c, "/api/v1/me").await["person_id"].as_i64().unwrap()
}

both!(
    health_answers_with_backend_and_schema,
    login_sets_a_session_and_logout_ends_it,
    a_wrong_password_is_refused_in_the_users_language,
    failed_logins_slow_the_pair_but_not_the_owner_elsewhere,
    forms_without_the_session_token_or_from_another_origin_are_refused,
    every_response_carries_the_security_headers,
    branch_secretary_sees_their_branch_and_not_another,
    people_lists_never_leak_across_branches,
    bad_input_gets_a_message_and_changes_nothing,
    a_person_is_edited_and_the_change_is_audited,
    a_person_who_leaves_keeps_their_history,
    a_transfer_ends_one_membership_and_starts_another,
    exports_are_excel_and_csv_with_formulas_neutralised,
    wechat_downloads_show_an_open_in_browser_page,
    the_directory_shows_public_fields_to_anyone_logged_in,
    trees_are_public_in_shape_and_editable_by_those_allowed,
    accounts_must_change_their_first_password,
    the_auditor_role_takes_the_administrator_and_the_office,
    the_auditor_reads_a_verified_chain_and_the_administrator_cannot,
    the_office_manages_relations_and_sees_coverage,
    the_language_switch_is_remembered_per_user,
    the_openapi_document_describes_every_api_route,
    unknown_routes_and_malformed_bodies_are_4xx_never_5xx,
    every_page_renders_for_every_demo_account,
);

async fn health_answers_with_backend_and_schema(app: TestApp) {
    let v: Value = reqwest::get(app.url("/healthz")).await.unwrap().json().await.unwrap();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["backend"], if app.backend == common::Backend::Sqlite { "sqlite" } else { "postgres" });
    assert!(v["schema_version"].as_i64().unwrap() >= 1);
}

async fn login_sets_a_session_and_logout_ends_it(app: TestApp) {
    let c = client(&app.base);
    // Anonymous: pages redirect to the login page, the API says 401.
    let r = c.get(app.url("/home")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"].to_str().unwrap().starts_with("/login"));
    assert_eq!(c.get(app.url("/api/v1/me")).send().await.unwrap().status(), 401);
    // Log in through the form.
    let token = app.csrf(&c, "/login").await;
    let r = c
        .post(app.url("/login"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string([("_csrf", token.as_str()), ("username", "orgsec"), ("password", PASSWORD), ("next", "/people")]).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/people");
    let cookie = r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).find(|c| c.starts_with("ps_session=")).unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http has no Secure cookie");
    let me = app.get_json(&c, "/api/v1/me").await;
    assert_eq!(me["username"], "orgsec");
    // A second login gives a new session id: the first one stops working.
    let first = cookie.split(';').next().unwrap().to_string();
    let other = app.login("orgsec").await;
    assert_eq!(app.get_json(&other, "/api/v1/me").await["username"], "orgsec");
    let r = app.post_form(&c, "/logout", &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(c.get(app.url("/api/v1/me")).send().await.unwrap().status(), 401);
    // The old cookie, replayed, opens nothing.
    let raw = reqwest::Client::new().get(app.url("/api/v1/me")).header("cookie", first).send().await.unwrap();
    assert_eq!(raw.status(), 401);
}

async fn a_wrong_password_is_refused_in_the_users_language(app: TestApp) {
    let c = client(&app.base);
    let r = c.post(app.url("/api/v1/auth/login")).json(&json!({"username": "admin", "password": "nope"})).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "bad_credentials");
    assert_eq!(v["error"]["message"], "用户名或密码错误");
    let r = c.post(app.url("/api/v1/auth/login")).header("accept-language", "en-GB,en").json(&json!({"username": "nobody", "password": "nope"})).send().await.unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["message"], "Wrong user name or password");
}

async fn failed_logins_slow_the_pair_but_not_the_owner_elsewhere(app: TestApp) {
    // The throttle counts failures per address and per account-and-address.
    let c = client(&app.base);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let r = c.post(app.url("/api/v1/auth/login")).json(&json!({"username": "member", "password": "guess"})).send().await.unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(&statuses[..3], &[401, 401, 401]);
    assert!(statuses[3..].contains(&429), "{statuses:?}");
    let r = c.post(app.url("/api/v1/auth/login")).json(&json!({"username": "member", "password": PASSWORD})).send().await.unwrap();
    assert_eq!(r.status(), 429, "even the right password waits while the pair is slowed");
    assert!(r.headers().contains_key("retry-after"));
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "too_many_attempts");
    // Another account from the same address is not slowed (the address allows 20).
    app.login("student").await;
}

async fn forms_without_the_session_token_or_from_another_origin_are_refused(app: TestApp) {
    let c = app.login("orgsec").await;
    let lang_before = app.get_json(&c, "/api/v1/me").await["lang"].clone();
    // No token.
    let r = c.post(app.url("/lang")).header(CONTENT_TYPE, "application/x-www-form-urlencoded").body("lang=en&next=/home").send().await.unwrap();
    assert_eq!(r.status(), 403);
    // A wrong token.
    let r = c.post(app.url("/lang")).header(CONTENT_TYPE, "application/x-www-form-urlencoded").body("_csrf=0000&lang=en").send().await.unwrap();
    assert_eq!(r.status(), 403);
    // The right token, from another site.
    let token = app.csrf(&c, "/home").await;
    let r = c
        .post(app.url("/lang"))
        .header(ORIGIN, "https://evil.example")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!("_csrf={token}&lang=en"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // JSON from another site.
    let r = c.put(app.url("/api/v1/me/lang")).header(ORIGIN, "https://evil.example").json(&json!({"lang": "en"})).send().await.unwrap();
    assert_eq!(r.status(), 403);
    // A cross-site "simple" request (text/plain) to the API.
    let r = c.put(app.url("/api/v1/me/lang")).header(CONTENT_TYPE, "text/plain").body("{\"lang\":\"en\"}").send().await.unwrap();
    assert_eq!(r.status(), 415);
    assert_eq!(app.get_json(&c, "/api/v1/me").await["lang"], lang_before, "nothing changed");
    // The login form needs its pre-session token too.
    let anon = client(&app.base);
    let r = anon.post(app.url("/login")).header(CONTENT_TYPE, "application/x-www-form-urlencoded").body(format!("username=admin&password={PASSWORD}")).send().await.unwrap();
    assert_eq!(r.status(), 403);
}

async fn every_response_carries_the_security_headers(app: TestApp) {
    let c = app.login("member").await;
    for path in ["/home", "/login", "/api/v1/me", "/static/app.css", "/nowhere"] {
        let r = c.get(app.url(path)).send().await.unwrap();
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert!(h.contains_key("referrer-policy"), "{path}");
    }
    // No inline script on any page: the only script is our file.
    let html = c.get(app.url("/home")).send().await.unwrap().text().await.unwrap();
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains("<script src=\"/static/app.js\""));
}

async fn branch_secretary_sees_their_branch_and_not_another(app: TestApp) {
    let mine = reach(&app, "branchsec", "org").await;
    let theirs = reach(&app, "branchsec2", "org").await;
    let c = app.login("branchsec").await;
    let r = c.get(app.url(&format!("/orgs/{mine}"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let other = c.get(app.url(&format!("/orgs/{theirs}"))).send().await.unwrap();
    assert!(matches!(other.status().as_u16(), 403 | 404));
    let body = other.text().await.unwrap();
    let their_name = app.get_json(&app.login("branchsec2").await, &format!("/api/v1/orgs/{theirs}")).await["node"]["name"].as_str().unwrap().to_string();
    assert!(!body.contains(&their_name), "the refusal names nothing of the other branch");
    let r = c.get(app.url(&format!("/api/v1/orgs/{theirs}"))).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "not_found");
}

async fn people_lists_never_leak_across_branches(app: TestApp) {
    let theirs = reach(&app, "branchsec2", "org").await;
    let c = app.login("branchsec").await;
    // Asking for another branch's members gives an empty list, not their names.
    let v = app.get_json(&c, &format!("/api/v1/people?org_id={theirs}")).await;
    assert_eq!(v["total"], 0);
    let all = app.get_json(&c, "/api/v1/people?per_page=200").await;
    let total = all["total"].as_i64().unwrap();
    assert!(total > 1 && total < 100, "{total}");
    let other = app.login("branchsec2").await;
    let theirs_list = app.get_json(&other, "/api/v1/people?per_page=200").await;
    let mine: Vec<i64> = all["items"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    for p in theirs_list["items"].as_array().unwrap() {
        assert!(!mine.contains(&p["id"].as_i64().unwrap()));
    }
    // The export follows the same scope.
    let csv = c.get(app.url(&format!("/people/export.csv?org_id={theirs}"))).send().await.unwrap().text().await.unwrap();
    assert_eq!(csv.lines().count(), 1, "only the header: {csv}");
    // A member sees only themselves; the auditor no one.
    let m = app.login("member").await;
    assert_eq!(app.get_json(&m, "/api/v1/people").await["total"], 1);
    let a = app.login("auditor").await;
    assert_eq!(a.get(app.url("/api/v1/people")).send().await.unwrap().json::<Value>().await.unwrap()["total"], 0);
}

async fn bad_input_gets_a_message_and_changes_nothing(app: TestApp) {
    let member = person_of(&app, "member").await;
    let c = app.login("branchsec").await;
    let before = app.get_json(&c, &format!("/api/v1/people/{member}")).await;
    let r = c.patch(app.url(&format!("/api/v1/people/{member}"))).json(&json!({"email": "not-an-email", "id_number": "123", "political_status": "党员"})).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "invalid");
    let fields: Vec<&str> = v["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"email") && fields.contains(&"id_number") && fields.contains(&"political_status"), "{fields:?}");
    assert!(v["error"]["message"].as_str().unwrap().contains("电子邮箱"));
    assert_eq!(app.get_json(&c, &format!("/api/v1/people/{member}")).await, before);
    // The form keeps what was typed and shows the error beside the field.
    let token = app.csrf(&c, "/home").await;
    let r = c
        .post(app.url(&format!("/people/{member}")))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string([("_csrf", token.as_str()), ("name", "改名"), ("kind", "student"), ("number", "2.01201E+11"), ("political_status", "01")]).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("科学计数法"), "the Excel-mangled number is explained");
    assert!(html.contains("value=\"改名\""), "what was typed is kept");
    assert_eq!(app.get_json(&c, &format!("/api/v1/people/{member}")).await, before);
    // A duplicate staff number is a 409 with a message (the member has an account, so their
    // number changes through the administrator only).
    let office = app.login("admin").await;
    let other = app.get_json(&office, "/api/v1/people?per_page=3").await["items"][2]["number"].as_str().unwrap().to_string();
    let r = office.patch(app.url(&format!("/api/v1/people/{member}"))).json(&json!({"number": other})).send().await.unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.json::<Value>().await.unwrap()["error"]["message"].as_str().unwrap().contains("工号/学号"));
}

async fn a_person_is_edited_and_the_change_is_audited(app: TestApp) {
    let member = person_of(&app, "member").await;
    let c = app.login("branchsec").await;
    let r = c.patch(app.url(&format!("/api/v1/people/{member}"))).json(&json!({"phone": "13907319999", "dev_stage": ""})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["phone"], "13907319999");
    assert_eq!(p["access"], "write");
    let auditor = app.login("auditor").await;
    let log = app.get_json(&auditor, &format!("/api/v1/audit?entity=person&entity_id={member}")).await;
    let e = &log["items"][0];
    assert_eq!(e["action"], "person.update");
    assert_eq!(e["actor"], "branchsec");
    assert!(e["before"].as_str().unwrap().contains("phone") && e["after"].as_str().unwrap().contains("13907319999"));
    assert!(!e["after"].as_str().unwrap().contains(p["id_number"].as_str().unwrap_or("never")), "ID numbers are masked in the log");
    // Readers see the ID number masked; writers in full.
    let contact = app.login("office").await;
    assert_eq!(app.get_json(&contact, &format!("/api/v1/people/{member}")).await["access"], "write");
    let m = app.login("member").await;
    let own = app.get_json(&m, &format!("/api/v1/people/{member}")).await;
    assert_eq!(own["access"], "read");
    assert!(own["id_number"].as_str().unwrap().contains('*'));
}

async fn a_person_who_leaves_keeps_their_history(app: TestApp) {
    let office = app.login("office").await;
    let branch = reach(&app, "branchsec", "org").await;
    let p = office
        .post(app.url("/api/v1/people"))
        .json(&json!({"name": "毕业生", "kind": "student", "number": "200899990001", "political_status": "01", "org_id": branch}))
        .send()
        .await
        .unwrap();
    assert_eq!(p.status(), 200);
    let id = p.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let c = app.login("branchsec").await;
    let r = c.post(app.url(&format!("/api/v1/people/{id}/leave"))).json(&json!({"date": "2012-07-01", "reason": "毕业"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["left_on"], "2012-07-01");
    assert_eq!(v["memberships"][0]["end_date"], "2012-07-01");
    assert_eq!(v["memberships"][0]["end_reason"], "毕业");
    // No longer in the branch's current list, still in the office's list of people who left.
    let list = app.get_json(&c, "/api/v1/people?q=毕业生").await;
    assert_eq!(list["total"], 0);
    let all = app.get_json(&office, "/api/v1/people?q=毕业生&include_left=true").await;
    assert_eq!(all["total"], 1);
    assert_eq!(all["items"][0]["left_on"], "2012-07-01");
    let again = c.post(app.url(&format!("/api/v1/people/{id}/leave"))).json(&json!({"reason": "again"})).send().await.unwrap();
    assert!(matches!(again.status().as_u16(), 404 | 409));
}

async fn a_transfer_ends_one_membership_and_starts_another(app: TestApp) {
    let member = person_of(&app, "member").await;
    let office = app.login("office").await;
    let to = reach(&app, "branchsec2", "org").await;
    let p = app.get_json(&office, &format!("/api/v1/people/{member}")).await;
    let m = p["memberships"].as_array().unwrap().iter().find(|m| m["tree"] == "org").unwrap().clone();
    // Issue 20: a move out of the branch is a transfer. The office runs both sides, so it is
    // done at once: the old membership ends the day the new one starts, and the transfer is on
    // record. A branch secretary who runs only the receiving side is sent to ask.
    let sec2 = app.login("branchsec2").await;
    let r = sec2.post(app.url(&format!("/api/v1/people/{member}/memberships"))).json(&json!({"tree": "org", "node_id": to, "start_date": "2012-09-01"})).send().await.unwrap();
    assert!(r.status() == 404 || r.status() == 403, "{}", r.status());
    let r = office.post(app.url(&format!("/api/v1/people/{member}/memberships"))).json(&json!({"tree": "org", "node_id": to, "start_date": "2012-09-01"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let t = app.get_json(&office, "/api/v1/transfers").await;
    assert_eq!((t[0]["state"].as_str(), t[0]["to_org_id"].as_i64()), (Some("accepted"), Some(to)), "{t}");
    let r = office
        .post(app.url(&format!("/api/v1/people/{member}/memberships/org/{}/end", m["id"])))
        .json(&json!({"date": "2012-08-31", "reason": "组织关系转接"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409, "it has ended already");
    // The old branch's secretary no longer sees them; the new one does.
    let old = app.login("branchsec").await;
    assert_eq!(old.get(app.url(&format!("/api/v1/people/{member}"))).send().await.unwrap().status(), 404);
    let new = app.login("branchsec2").await;
    let p = app.get_json(&new, &format!("/api/v1/people/{member}")).await;
    let ended: Vec<&Value> = p["memberships"].as_array().unwrap().iter().filter(|m| !m["end_date"].is_null()).collect();
    assert_eq!(ended.len(), 1, "history kept: {p}");
    assert!(ended[0]["end_reason"].as_str().unwrap().starts_with("组织关系转出至"), "{p}");
    assert_eq!(ended[0]["end_date"], "2012-09-01");
}

async fn exports_are_excel_and_csv_with_formulas_neutralised(app: TestApp) {
    let office = app.login("office").await;
    let branch = reach(&app, "branchsec", "org").await;
    let r = office
        .post(app.url("/api/v1/people"))
        .json(&json!({"name": "=HYPERLINK(\"http://x\")", "kind": "student", "number": "201299990099", "political_status": "01", "org_id": branch}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let c = app.login("branchsec").await;
    let r = c.get(app.url("/people/export.csv")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.starts_with("\"姓名\",\"类别\",\"工号/学号\""), "every field quoted: {}", text.chars().take(80).collect::<String>());
    assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{text}");
    let lines = text.lines().count() - 1;
    let total = app.get_json(&c, "/api/v1/people").await["total"].as_i64().unwrap();
    assert_eq!(lines as i64, total);
    let r = c.get(app.url("/people/export.xlsx")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    assert_eq!(&r.bytes().await.unwrap()[..2], b"PK");
    let r = c.get(app.url("/api/v1/people/export?format=csv")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = c.get(app.url("/api/v1/people/export?format=pdf")).send().await.unwrap();
    assert_eq!(r.status(), 400);
}

async fn wechat_downloads_show_an_open_in_browser_page(app: TestApp) {
    let c = app.login("branchsec").await;
    let ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.47";
    let r = c.get(app.url("/people/export.xlsx")).header("user-agent", ua).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(r.text().await.unwrap().contains("在浏览器打开"));
}

async fn the_directory_shows_public_fields_to_anyone_logged_in(app: TestApp) {
    let office = app.login("office").await;
    let someone = app.get_json(&office, "/api/v1/people?per_page=1&kind=staff").await["items"][0].clone();
    let name = someone["name"].as_str().unwrap();
    let student = app.login("student").await;
    let v = app.get_json(&student, &format!("/api/v1/directory?q={name}")).await;
    let hit = v.as_array().unwrap().iter().find(|p| p["id"] == someone["id"]).expect("found by name");
    let keys: Vec<&String> = hit.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 5, "only id, name, org, unit and the link to a published story about them: {hit}");
    let raw = serde_json::to_string(&v).unwrap();
    assert!(!raw.contains(someone["number"].as_str().unwrap()));
    // The full record stays out of reach.
    let r = student.get(app.url(&format!("/api/v1/people/{}", someone["id"]))).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(client(&app.base).get(app.url("/api/v1/directory?q=王")).send().await.unwrap().status(), 401);
}

async fn trees_are_public_in_shape_and_editable_by_those_allowed(app: TestApp) {
    let member = app.login("member").await;
    let orgs = app.get_json(&member, "/api/v1/orgs").await;
    let orgs = orgs.as_array().unwrap();
    assert!(orgs.iter().any(|o| o["kind"] == "university"));
    assert!(orgs.iter().filter(|o| o["kind"] == "branch").count() >= 6);
    let units = app.get_json(&member, "/api/v1/units").await;
    assert!(units.as_array().unwrap().iter().any(|u| u["kind"] == "window"));
    let html = member.get(app.url("/orgs")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("中共长沙理工大学委员会"));
    // The office adds a committee and a branch; a branch may not sit under the root.
    let office = app.login("office").await;
    let root = orgs.iter().find(|o| o["kind"] == "university").unwrap()["id"].as_i64().unwrap();
    let r = office.post(app.url(&format!("/api/v1/orgs/{root}/children"))).json(&json!({"kind": "branch", "name": "挂错层级的支部"})).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let r = office.post(app.url(&format!("/api/v1/orgs/{root}/children"))).json(&json!({"kind": "committee", "name": "新学院党委"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    // A member cannot rename it.
    let r = member.patch(app.url(&format!("/api/v1/orgs/{id}"))).json(&json!({"name": "x"})).send().await.unwrap();
    assert!(matches!(r.status().as_u16(), 403 | 404));
    // Closing a node with members is refused with a reason; an empty one closes.
    let branch = reach(&app, "branchsec", "org").await;
    let r = office.post(app.url(&format!("/api/v1/orgs/{branch}/close"))).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 409);
    let r = office.post(app.url(&format!("/api/v1/orgs/{id}/close"))).json(&json!({"date": "2012-12-31"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["closed_on"], "2012-12-31");
}

async fn accounts_must_change_their_first_password(app: TestApp) {
    let admin = app.login("admin").await;
    let office = app.login("office").await;
    let someone = app.get_json(&office, "/api/v1/people?kind=staff&political_status=13&per_page=1").await["items"][0].clone();
    let r = admin.post(app.url("/api/v1/accounts")).json(&json!({"username": "newcomer", "person_id": someone["id"], "password": "430102199001011234"})).send().await.unwrap();
    assert_eq!(r.status(), 422, "an ID-number-like password is refused");
    let r = admin.post(app.url("/api/v1/accounts")).json(&json!({"username": "newcomer", "person_id": someone["id"], "password": "first-password-1"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let acct: Value = r.json().await.unwrap();
    assert_eq!(acct["display_name"], someone["name"]);
    let c = client(&app.base);
    let r = c.post(app.url("/api/v1/auth/login")).json(&json!({"username": "newcomer", "password": "first-password-1"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["must_change_password"], true);
    let r = c.get(app.url("/api/v1/people")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "password_change_required");
    let r = c.get(app.url("/home")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/password");
    let r = c.post(app.url("/api/v1/me/password")).json(&json!({"current": "first-password-1", "new": "short"})).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let r = c.post(app.url("/api/v1/me/password")).json(&json!({"current": "first-password-1", "new": "my own long secret"})).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(c.get(app.url("/api/v1/people")).send().await.unwrap().status(), 200);
    // A reset by the administrator forces a change again and is audited.
    let r = admin.post(app.url(&format!("/api/v1/accounts/{}/password", acct["id"]))).json(&json!({"password": "temporary-pass-9"})).send().await.unwrap();
    assert_eq!(r.status(), 204);
    let auditor = app.login("auditor").await;
    let log = app.get_json(&auditor, &format!("/api/v1/audit?entity=account&entity_id={}", acct["id"])).await;
    assert!(log["items"].as_array().unwrap().iter().any(|e| e["action"] == "account.password_reset" && e["actor"] == "admin"));
    // Demo accounts are exempt from the forced change.
    assert_eq!(app.get_json(&office, "/api/v1/me").await["must_change_password"], false);
}

async fn the_auditor_role_takes_the_administrator_and_the_office(app: TestApp) {
    let admin = app.login("admin").await;
    let office = app.login("office").await;
    let accounts = app.get_json(&admin, "/api/v1/accounts?q=teacher").await;
    let teacher = accounts["items"][0]["id"].as_i64().unwrap();
    let admin_id = app.get_json(&admin, "/api/v1/me").await["id"].as_i64().unwrap();
    let r = admin.post(app.url(&format!("/api/v1/accounts/{admin_id}/grants"))).json(&json!({"role": "auditor"})).send().await.unwrap();
    assert_eq!(r.status(), 403, "the administrator cannot grant itself the auditor role");
    let r = admin.post(app.url(&format!("/api/v1/accounts/{admin_id}/auditor-request"))).json(&json!({})).send().await.unwrap();
    assert!(matches!(r.status().as_u16(), 403 | 409));
    let r = admin.post(app.url(&format!("/api/v1/accounts/{teacher}/auditor-request"))).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let req = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = admin.post(app.url(&format!("/api/v1/account-requests/{req}/decide"))).json(&json!({"approve": true})).send().await.unwrap();
    assert_eq!(r.status(), 403, "the requester cannot approve");
    let member = app.login("member").await;
    let r = member.post(app.url(&format!("/api/v1/account-requests/{req}/decide"))).json(&json!({"approve": true})).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = office.post(app.url(&format!("/api/v1/account-requests/{req}/decide"))).json(&json!({"approve": true})).send().await.unwrap();
    assert_eq!(r.status(), 204);
    let t = app.login("teacher").await;
    assert_eq!(t.get(app.url("/api/v1/audit")).send().await.unwrap().status(), 200);
    let auditor = app.login("auditor").await;
    let log = app.get_json(&auditor, "/api/v1/audit?action=account_request").await;
    assert!(log["items"].as_array().unwrap().iter().any(|e| e["action"] == "account_request.approved" && e["actor"] == "office"));
}

async fn the_auditor_reads_a_verified_chain_and_the_administrator_cannot(app: TestApp) {
    let auditor = app.login("auditor").await;
    let v = app.get_json(&auditor, "/api/v1/audit/verify").await;
    assert_eq!(v["ok"], true);
    assert!(v["entries"].as_u64().unwrap() > 10);
    let html = auditor.get(app.url("/audit?verify=1")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("哈希链完整"));
    let admin = app.login("admin").await;
    assert_eq!(admin.get(app.url("/api/v1/audit")).send().await.unwrap().status(), 403);
    assert_eq!(admin.get(app.url("/audit")).send().await.unwrap().status(), 403);
    // The auditor does not read the roster.
    assert_eq!(auditor.get(app.url("/api/v1/people")).send().await.unwrap().json::<Value>().await.unwrap()["total"], 0);
}

async fn the_office_manages_relations_and_sees_coverage(app: TestApp) {
    let office = app.login("office").await;
    let cov = app.get_json(&office, "/api/v1/relations/coverage").await;
    assert_eq!(cov["classes_without_cadre"].as_array().unwrap().len(), 0, "{cov}");
    let rels = app.get_json(&office, "/api/v1/relations?kind=cadre_class&current=true&per_page=1").await;
    let rel = rels["items"][0].clone();
    let r = office.post(app.url(&format!("/api/v1/relations/{}/end", rel["id"]))).json(&json!({"date": "2012-07-01"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let cov = app.get_json(&office, "/api/v1/relations/coverage").await;
    assert_eq!(cov["classes_without_cadre"][0]["id"], rel["unit_id"]);
    // Coverage the other way round: a cadre left without any class is named.
    let others = app.get_json(&office, "/api/v1/relations?kind=cadre_class&current=true&per_page=200").await;
    let still_linked = others["items"].as_array().unwrap().iter().any(|r| r["person_id"] == rel["person_id"]);
    let listed = |cov: &Value| cov["cadres_without_class"].as_array().unwrap().iter().any(|p| p["id"] == rel["person_id"]);
    assert!(cov["cadres"].as_i64().unwrap() > 0, "{cov}");
    assert_eq!(listed(&cov), !still_linked, "{cov}");
    assert!(!still_linked && listed(&cov), "the cadre had this one class: now listed without one: {cov}");
    let page = office.get(app.url("/relations")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("未联系班级的干部"), "the page shows both directions");
    // The gaps export, to hand upward.
    let person = app.get_json(&office, &format!("/api/v1/people/{}", rel["person_id"])).await;
    let csv = office.get(app.url("/relations/coverage/coverage.csv")).send().await.unwrap().text().await.unwrap();
    assert!(csv.contains("未联系班级的干部") && csv.contains(person["name"].as_str().unwrap()), "{csv}");
    let r = office.get(app.url("/relations/coverage/coverage.xlsx")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    assert_eq!(app.login("member").await.get(app.url("/relations/coverage/coverage.xlsx")).send().await.unwrap().status(), 403);
    // Re-link the class to the same cadre.
    let r = office.post(app.url("/api/v1/relations")).json(&json!({"kind": "cadre_class", "person_id": rel["person_id"], "target_id": rel["unit_id"]})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(!listed(&app.get_json(&office, "/api/v1/relations/coverage").await), "linked again, no longer listed");
    // The class's page names its cadre since a date written as people write it.
    let class = office.get(app.url(&format!("/units/{}", rel["unit_id"]))).send().await.unwrap().text().await.unwrap();
    let since = class.split("联系干部：").nth(1).and_then(|x| x.split("</p>").next()).unwrap_or_default().to_string();
    assert!(since.contains("（自 ") && since.contains('年') && !since.contains('-'), "{since}");
    // A student cannot be linked as a cadre; a member may not manage relations.
    let student = person_of(&app, "student").await;
    let r = office.post(app.url("/api/v1/relations")).json(&json!({"kind": "cadre_class", "person_id": student, "target_id": rel["unit_id"]})).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let member = app.login("member").await;
    assert_eq!(member.get(app.url("/api/v1/relations")).send().await.unwrap().status(), 403);
    assert_eq!(member.get(app.url("/relations")).send().await.unwrap().status(), 403);
    // The cadre's scope follows the relation: the class is readable, not writable.
    let cadre = app.login("cadre").await;
    let class = reach(&app, "cadre", "unit").await;
    let d = app.get_json(&cadre, &format!("/api/v1/units/{class}")).await;
    assert_eq!(d["access"], "read");
    let r = cadre.patch(app.url(&format!("/api/v1/units/{class}"))).json(&json!({"name": "改名"})).send().await.unwrap();
    assert_eq!(r.status(), 403);
}

async fn the_language_switch_is_remembered_per_user(app: TestApp) {
    let c = app.login("teacher").await;
    let html = c.get(app.url("/home")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("lang=\"zh-CN\"") && html.contains("工作台"));
    let r = app.post_form(&c, "/lang", &[("lang", "en"), ("next", "/home")]).await;
    assert_eq!(r.status(), 303);
    // A new session of the same user, on another device, is in English.
    let other = app.login("teacher").await;
    let html = other.get(app.url("/home")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("lang=\"en\"") && html.contains("My desk"), "{}", &html[..300]);
    let r = other.get(app.url("/api/v1/people/999999")).send().await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["message"], "Not found, or not yours to see");
    // Someone else still sees Chinese.
    let zh = app.login("student").await;
    assert!(zh.get(app.url("/home")).send().await.unwrap().text().await.unwrap().contains("工作台"));
}

async fn the_openapi_document_describes_every_api_route(app: TestApp) {
    let v: Value = reqwest::get(app.url("/api/openapi.json")).await.unwrap().json().await.unwrap();
    assert!(v["openapi"].as_str().unwrap().starts_with("3."));
    for route in pacesetter_web::routes::table() {
        if !route.path.starts_with("/api/v1/") {
            continue;
        }
        let method = route.method.as_str().to_ascii_lowercase();
        let op = &v["paths"][route.path][&method];
        assert!(op.is_object(), "{} {} is not in the document", route.method, route.path);
        assert_eq!(op["operationId"], route.name);
    }
    assert!(v["components"]["schemas"]["PersonDto"].is_object());
    assert!(v["components"]["schemas"]["Error"].is_object());
}

async fn unknown_routes_and_malformed_bodies_are_4xx_never_5xx(app: TestApp) {
    let c = app.login("office").await;
    let r = c.get(app.url("/api/v1/nothing")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "not_found");
    let r = c.get(app.url("/nothing")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("<html"));
    for (method, path, body) in [
        ("POST", "/api/v1/people", "{not json"),
        ("POST", "/api/v1/people", "{\"name\": 5}"),
        ("PATCH", "/api/v1/people/abc", "{}"),
        ("PATCH", "/api/v1/people/1", "[]"),
        ("POST", "/api/v1/orgs/1/children", "{\"kind\": \"nonsense\", \"name\": \"x\"}"),
        ("POST", "/api/v1/relations", "{\"kind\": \"x\", \"person_id\": 1, \"target_id\": 1}"),
        ("POST", "/api/v1/people/1/memberships/tree/1/end", "{\"reason\": \"x\"}"),
        ("GET", "/api/v1/people?org_id=abc&page=-4&per_page=100000", ""),
        ("POST", "/api/v1/people/1/leave", "{\"reason\": \"x\", \"date\": \"2012-02-30\"}"),
        ("DELETE", "/api/v1/people/1", ""),
    ] {
        let r = c.request(method.parse().unwrap(), app.url(path)).header(CONTENT_TYPE, "application/json").body(body.to_string()).send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        assert!((200..500).contains(&status), "{method} {path} {body}: {status} {text}");
        if status >= 400 {
            let v: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{method} {path}: error is not JSON: {text}"));
            assert!(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{text}");
        }
    }
}

async fn every_page_renders_for_every_demo_account(app: TestApp) {
    let branch = reach(&app, "branchsec", "org").await;
    let class = reach(&app, "cadre", "unit").await;
    let member = person_of(&app, "member").await;
    for user in ["admin", "auditor", "office", "leader", "orgsec", "branchsec", "member", "student", "teacher", "cadre", "unithead", "contact"] {
        let c = app.login(user).await;
        for path in ["/home", "/orgs", "/units", "/people", "/directory?q=王", "/password"] {
            let r = c.get(app.url(path)).send().await.unwrap();
            assert_eq!(r.status(), 200, "{user} {path}");
        }
        for path in
            [format!("/orgs/{branch}"), format!("/units/{class}"), format!("/people/{member}"), "/accounts".into(), "/relations".into(), "/audit".into(), "/people/new".into()]
        {
            let s = c.get(app.url(&path)).send().await.unwrap().status().as_u16();
            assert!(matches!(s, 200 | 403 | 404), "{user} {path}: {s}");
        }
    }
}

both!(user_text_is_always_escaped, paging_is_clamped_and_every_response_carries_a_request_id, people_and_relation_filters_that_are_not_ids_are_refused_and_change_nothing);

/// The people list, its exports and its API read one typed query: an `org_id`, `unit_id` or
/// `class_id` that is not an id is a 400 in the caller's language (it selected nobody before, or
/// would widen the list if ignored); a paging typo still shows the first page. A form with a node
/// that is not an id is refused the same way and changes nothing.
async fn people_and_relation_filters_that_are_not_ids_are_refused_and_change_nothing(app: TestApp) {
    let office = app.login("office").await;
    for path in ["/people?org_id=abc", "/people?class_id=x", "/people/export.csv?unit_id=1;2", "/people/export.xlsx?org_id=one"] {
        let r = office.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 400, "{path}");
        assert!(r.text().await.unwrap().contains("不是编号"), "{path}");
    }
    for path in ["/api/v1/people?org_id=abc", "/api/v1/people/export?unit_id=x", "/api/v1/relations?kind=nonsense"] {
        let r = office.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 400, "{path}");
        let v: Value = r.json().await.unwrap();
        let m = v["error"]["message"].as_str().unwrap();
        assert!(!m.is_empty() && !m.contains("deserialize") && m.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{path}: {m}");
    }
    for path in ["/people?page=abc&per_page=", "/api/v1/people?page=x", "/api/v1/accounts?page=x&q=", "/relations?page=zz", "/directory?q=", "/api/v1/directory?q=王"] {
        assert_eq!(office.get(app.url(path)).send().await.unwrap().status(), 200, "{path}");
    }
    let member = person_of(&app, "member").await;
    let before = app.get_json(&office, &format!("/api/v1/people/{member}")).await;
    let r = app.post_form(&office, &format!("/people/{member}/memberships"), &[("tree", "org"), ("org_id", "abc"), ("post", "member")]).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("不是编号"));
    let r = app.post_form(&office, "/relations", &[("kind", "nonsense"), ("number", "1"), ("target_id", "1")]).await;
    assert_eq!(r.status(), 400);
    assert_eq!(app.get_json(&office, &format!("/api/v1/people/{member}")).await, before, "nothing changed");
    assert_eq!(app.post_form(&office, "/lang", &[("lang", "en")]).await.status(), 303);
    let r = office.get(app.url("/api/v1/people?org_id=abc")).send().await.unwrap();
    let m = r.json::<Value>().await.unwrap()["error"]["message"].as_str().unwrap().to_string();
    assert!(m.contains("\"abc\" is not an id") && !m.contains("不是"), "{m}");
}

/// `?page=9223372036854775807` overflowed the offset; every answer carries a request id (the
/// trace span's) for finding it in the log.
async fn paging_is_clamped_and_every_response_carries_a_request_id(app: TestApp) {
    let office = app.login("office").await;
    for path in
        ["/api/v1/people?page=9223372036854775807&per_page=9223372036854775807", "/people?page=9223372036854775807", "/api/v1/audit?page=-5", "/api/v1/accounts?page=99999999999"]
    {
        let c = if path.contains("audit") { app.login("auditor").await } else { office.clone() };
        let r = c.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let id = r.headers().get("x-request-id").expect("a request id").to_str().unwrap().to_string();
        assert_eq!(id.len(), 16);
    }
    let anon = common::client(&app.base);
    let r = anon.get(app.url("/no/such/route")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.headers().contains_key("x-request-id"));
}

async fn user_text_is_always_escaped(app: TestApp) {
    let office = app.login("office").await;
    let branch = reach(&app, "branchsec", "org").await;
    let r = office
        .post(app.url("/api/v1/people"))
        .json(&json!({"name": "<script>alert(1)</script>", "kind": "student", "number": "201299990077", "political_status": "01", "org_id": branch}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    for path in [format!("/people/{id}"), "/people?q=script".into(), format!("/orgs/{branch}"), "/directory?q=script".into()] {
        let html = office.get(app.url(&path)).send().await.unwrap().text().await.unwrap();
        assert!(!html.contains("<script>alert"), "{path} renders user text unescaped");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") || html.contains("&#60;script&#62;"), "{path}");
    }
}

#[tokio::test]
async fn a_second_start_keeps_the_data() {
    let dir = pacesetter_store::testkit::TempDir::new();
    let build = || {
        let mut config = pacesetter_web::Config::new("127.0.0.1:0", dir.path.clone());
        config.demo_password = Some(PASSWORD.into());
        config.demo_size = common::SIZE;
        pacesetter_web::Application::build(config)
    };
    let first = build().await.unwrap();
    assert!(first.demo.as_ref().unwrap().loaded_now);
    let base = format!("http://{}", first.spawn());
    let app = TestApp::at(&base);
    let office = app.login("office").await;
    let before = app.get_json(&office, "/api/v1/people").await["total"].as_i64().unwrap();
    let branch = reach(&app, "branchsec", "org").await;
    let r = office
        .post(app.url("/api/v1/people"))
        .json(&json!({"name": "留存测试", "kind": "student", "number": "201299990055", "political_status": "01", "org_id": branch}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let second = build().await.unwrap();
    assert!(!second.demo.as_ref().unwrap().loaded_now, "the demo is loaded only once");
    let base = format!("http://{}", second.spawn());
    let app = TestApp::at(&base);
    let office = app.login("office").await;
    assert_eq!(app.get_json(&office, "/api/v1/people").await["total"].as_i64().unwrap(), before + 1);
}

#[tokio::test]
async fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
    let app = common::spawn_with(common::Backend::Sqlite, |c| c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await.unwrap();
    let c = client(&app.base);
    let attempt = |ip: &'static str, password: &'static str| {
        let c = c.clone();
        let url = app.url("/api/v1/auth/login");
        async move { c.post(url).header("x-forwarded-for", ip).json(&json!({"username": "member", "password": password})).send().await.unwrap().status().as_u16() }
    };
    for _ in 0..4 {
        attempt("10.0.0.1", "guess").await;
    }
    assert_eq!(attempt("10.0.0.1", PASSWORD).await, 429, "the attacker's address is slowed");
    assert_eq!(attempt("10.0.0.2", PASSWORD).await, 200, "the owner at another address is not");
    // Without trust, the header is ignored: every request comes from 127.0.0.1.
    let plain = common::spawn(common::Backend::Sqlite).await.unwrap();
    let c = client(&plain.base);
    for ip in ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"] {
        c.post(plain.url("/api/v1/auth/login")).header("x-forwarded-for", ip).json(&json!({"username": "member", "password": "guess"})).send().await.unwrap();
    }
    let s = c.post(plain.url("/api/v1/auth/login")).header("x-forwarded-for", "10.9.9.9").json(&json!({"username": "member", "password": PASSWORD})).send().await.unwrap().status();
    assert_eq!(s, 429);
}

#[tokio::test]
async fn cookies_are_secure_behind_an_https_public_url() {
    let app = common::spawn_with(common::Backend::Sqlite, |c| c.public_url = Some("https://cxzy.example.edu.cn".into())).await.unwrap();
    let c = reqwest::Client::new();
    let r = c.post(app.url("/api/v1/auth/login")).header(ORIGIN, "https://cxzy.example.edu.cn").json(&json!({"username": "member", "password": PASSWORD})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("; Secure") && cookie.contains("HttpOnly"), "{cookie}");
    // Our own address is not the public origin: a form from it is refused.
    let r = c.post(app.url("/api/v1/auth/login")).header(ORIGIN, app.base.as_str()).json(&json!({"username": "member", "password": PASSWORD})).send().await.unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn the_offices_export_relations_accounts_and_the_log() {
    let app = common::spawn(common::Backend::Sqlite).await.unwrap();
    for (user, path) in [("office", "/relations/export/relations.csv?kind=cadre_class"), ("admin", "/accounts/export/accounts.csv"), ("auditor", "/audit/export/audit.csv")] {
        let c = app.login(user).await;
        let r = c.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{user} {path}");
        let bytes = r.bytes().await.unwrap();
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
        assert!(String::from_utf8_lossy(&bytes).lines().count() > 2, "{path}");
        let xlsx = path.replace(".csv", ".xlsx");
        let r = c.get(app.url(&xlsx)).send().await.unwrap();
        assert_eq!(&r.bytes().await.unwrap()[..2], b"PK", "{xlsx}");
        let member = app.login("member").await;
        assert_eq!(member.get(app.url(path)).send().await.unwrap().status(), 403, "{path}");
    }
}
