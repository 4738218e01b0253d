//! Accounts over HTTP on both databases: activation by a one-time code (handed over or
//! mailed through the outbox), the forced password change, the reset notice, delegation.

mod common;

use common::{PASSWORD, TestApp, client};
use serde_json::{Value, json};

async fn reach(app: &TestApp, user: &str, kind: &str) -> i64 {
    let c = app.login(user).await;
    let me = app.get_json(&c, "/api/v1/me").await;
    let r = me["reaches"].as_array().unwrap().iter().find(|r| r["kind"] == kind).unwrap().clone();
    r["target"].as_str().unwrap().trim_end_matches('/').rsplit('/').next().unwrap().parse().unwrap()
}

/// A current member of the branch secretary's branch who has no account yet.
async fn member_without_account(app: &TestApp) -> (i64, String) {
    let sec = app.login("branchsec").await;
    let branch = reach(app, "branchsec", "org").await;
    let admin = app.login("admin").await;
    let accounts = app.get_json(&admin, "/api/v1/accounts?per_page=200").await;
    let with: Vec<i64> = accounts["items"].as_array().unwrap().iter().filter_map(|a| a["person_id"].as_i64()).collect();
    let list = app.get_json(&sec, &format!("/api/v1/people?org_id={branch}&per_page=200")).await;
    let p = list["items"].as_array().unwrap().iter().find(|p| !with.contains(&p["id"].as_i64().unwrap())).expect("someone without an account").clone();
    (p["id"].as_i64().unwrap(), p["number"].as_str().unwrap().to_string())
}

both!(
    an_activated_account_logs_in_with_its_code_and_must_set_a_password,
    a_reset_password_is_shown_to_its_holder,
    a_secretary_delegates_within_the_branch_until_a_date,
    a_grant_naming_an_organization_that_is_not_an_id_is_refused_and_changes_nothing,
);

/// The account forms are typed: an organization that is not an id is a 400 with a message in
/// Chinese (it was silently dropped before, granting a secretary's role without its branch to
/// the store's own check), and the account keeps its roles.
async fn a_grant_naming_an_organization_that_is_not_an_id_is_refused_and_changes_nothing(app: TestApp) {
    let admin = app.login("admin").await;
    let list = app.get_json(&admin, "/api/v1/accounts?q=member&per_page=200").await;
    let id = list["items"].as_array().unwrap().iter().find(|a| a["username"] == "member").expect("the member's account")["id"].as_i64().unwrap();
    let before = app.get_json(&admin, &format!("/api/v1/accounts/{id}")).await;
    let r = app.post_form(&admin, &format!("/accounts/{id}/grants"), &[("role", "branch_secretary"), ("org_id", "abc"), ("start_date", "")]).await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(html.contains("表单无法读取") && html.contains("不是编号"), "{html}");
    let r = app.post_form(&admin, &format!("/accounts/{id}/requests"), &[("action", "end_role"), ("grant_id", "x1")]).await;
    assert_eq!(r.status(), 400);
    assert_eq!(app.get_json(&admin, &format!("/api/v1/accounts/{id}")).await, before, "nothing changed");
    let r = admin.get(app.url("/accounts?page=nonsense")).send().await.unwrap();
    assert_eq!(r.status(), 200, "a paging typo shows the first page");
}

async fn an_activated_account_logs_in_with_its_code_and_must_set_a_password(app: TestApp) {
    let (person, number) = member_without_account(&app).await;
    let sec = app.login("branchsec").await;
    let r = sec.post(app.url(&format!("/api/v1/people/{person}/activation"))).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let a: Value = r.json().await.unwrap();
    let code = a["code"].as_str().unwrap().to_string();
    let username = a["username"].as_str().unwrap().to_string();
    assert_eq!(username, number.to_lowercase());
    assert_eq!(code.replace('-', "").len(), 26, "at least 128 bits: {code}");
    // Another branch's secretary cannot issue one for this person.
    let other = app.login("branchsec2").await;
    assert_eq!(other.post(app.url(&format!("/api/v1/people/{person}/activation"))).json(&json!({})).send().await.unwrap().status(), 404);
    // No password works before activation, and a guessed code neither.
    let c = client(&app.base);
    let r = c.post(app.url("/api/v1/auth/login")).json(&json!({"username": username, "password": "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GG"})).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // The code, typed in lower case without dashes, logs in once.
    let typed = code.to_lowercase().replace('-', "");
    let r = c.post(app.url("/api/v1/auth/login")).json(&json!({"username": username, "password": typed})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["must_change_password"], true);
    assert_eq!(c.get(app.url("/api/v1/people")).send().await.unwrap().status(), 403);
    // The password may not be derived from the number.
    let r = c.post(app.url("/api/v1/me/password")).json(&json!({"current": "", "new": format!("pw-{number}")})).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let r = c.post(app.url("/api/v1/me/password")).json(&json!({"current": "", "new": "a phrase of my own"})).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(c.get(app.url("/api/v1/people")).send().await.unwrap().status(), 200);
    // The code is spent.
    let again = client(&app.base);
    let r = again.post(app.url("/api/v1/auth/login")).json(&json!({"username": username, "password": code})).send().await.unwrap();
    assert_eq!(r.status(), 401);
    app.login_with(&username, "a phrase of my own").await;
    // Once the holder has a password of their own, a secretary is shown no code (a code is a
    // password); the administrator may issue one, and a new code revokes the previous one.
    assert_eq!(sec.post(app.url(&format!("/api/v1/people/{person}/activation"))).json(&json!({})).send().await.unwrap().status(), 403);
    let admin = app.login("admin").await;
    let first = admin.post(app.url(&format!("/api/v1/people/{person}/activation"))).json(&json!({})).send().await.unwrap().json::<Value>().await.unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let _second = admin.post(app.url(&format!("/api/v1/people/{person}/activation"))).json(&json!({})).send().await.unwrap();
    let r = client(&app.base).post(app.url("/api/v1/auth/login")).json(&json!({"username": username, "password": first})).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // The audit log has the issue and the activation, never the code.
    let auditor = app.login("auditor").await;
    let log = app.get_json(&auditor, "/api/v1/audit?entity=account").await;
    let text = log.to_string();
    assert!(text.contains("account.activation_issued") && text.contains("account.activated"));
    assert!(!text.contains(&code) && !text.contains(&typed));
}

async fn a_reset_password_is_shown_to_its_holder(app: TestApp) {
    let admin = app.login("admin").await;
    let acct = app.get_json(&admin, "/api/v1/accounts?q=teacher").await["items"][0]["id"].as_i64().unwrap();
    let r = admin.post(app.url(&format!("/api/v1/accounts/{acct}/password"))).json(&json!({"password": "temporary-pass-1"})).send().await.unwrap();
    assert_eq!(r.status(), 204);
    let c = app.login_with("teacher", "temporary-pass-1").await;
    let me = app.get_json(&c, "/api/v1/me").await;
    assert_eq!(me["password_reset_by"], "admin");
    assert!(me["password_reset"].is_string());
    let html = c.get(app.url("/password")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("由管理员（admin）重置"), "the holder is told");
    let r = c.post(app.url("/api/v1/me/password")).json(&json!({"current": "temporary-pass-1", "new": "my chosen secret phrase"})).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert!(app.get_json(&c, "/api/v1/me").await["password_reset"].is_null(), "cleared once they change it");
    let _ = PASSWORD;
}

async fn a_secretary_delegates_within_the_branch_until_a_date(app: TestApp) {
    let branch = reach(&app, "branchsec", "org").await;
    let college = reach(&app, "orgsec", "org").await;
    let sec = app.login("branchsec").await;
    let member = app.login("member").await;
    let member_account = app.get_json(&member, "/api/v1/me").await["id"].as_i64().unwrap();
    let student_account = app.get_json(&app.login("student").await, "/api/v1/me").await["id"].as_i64().unwrap();
    // Someone in the branch the member may not touch before the delegation.
    let list = app.get_json(&sec, &format!("/api/v1/people?org_id={branch}&per_page=50")).await;
    let me_person = app.get_json(&member, "/api/v1/me").await["person_id"].as_i64().unwrap();
    let target = list["items"].as_array().unwrap().iter().find(|p| p["id"].as_i64() != Some(me_person)).unwrap()["id"].as_i64().unwrap();
    let r = member.patch(app.url(&format!("/api/v1/people/{target}"))).json(&json!({"phone": "13700000001"})).send().await.unwrap();
    assert!(matches!(r.status().as_u16(), 403 | 404));
    // Refused: no end date, beyond a year, someone not in the branch.
    for body in [
        json!({"account_id": member_account, "end_date": ""}),
        json!({"account_id": member_account, "end_date": "2099-01-01"}),
        json!({"account_id": student_account, "end_date": "2030-01-01"}),
    ] {
        let r = sec.post(app.url(&format!("/api/v1/orgs/{branch}/delegations"))).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 422, "{body}");
    }
    let until = pacesetter_domain::dates::iso(pacesetter_domain::dates::today().saturating_add(time::Duration::days(30)));
    let r = sec.post(app.url(&format!("/api/v1/orgs/{branch}/delegations"))).json(&json!({"account_id": member_account, "end_date": until})).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    // The delegate now acts in the branch (a fresh login takes the new scope).
    let delegate = app.login("member").await;
    let r = delegate.patch(app.url(&format!("/api/v1/people/{target}"))).json(&json!({"phone": "13700000001"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let auditor = app.login("auditor").await;
    let log = app.get_json(&auditor, &format!("/api/v1/audit?entity=person&entity_id={target}")).await;
    assert_eq!(log["items"][0]["actor"], "member");
    // The level above sees the delegation.
    let orgsec = app.login("orgsec").await;
    let d = app.get_json(&orgsec, &format!("/api/v1/orgs/{college}/delegations")).await;
    let d = d.as_array().unwrap().iter().find(|d| d["account_id"] == member_account).expect("visible to the level above").clone();
    assert_eq!(d["granted_by"], "branchsec");
    assert_eq!(d["end_date"], until.as_str());
    let html = orgsec.get(app.url(&format!("/orgs/{branch}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("权限委托"));
    // Another branch's secretary cannot end it; the secretary can.
    let other = app.login("branchsec2").await;
    assert_eq!(other.post(app.url(&format!("/api/v1/delegations/{}/end", d["id"]))).json(&json!({})).send().await.unwrap().status(), 404);
    assert_eq!(sec.post(app.url(&format!("/api/v1/delegations/{}/end", d["id"]))).json(&json!({})).send().await.unwrap().status(), 204);
    let after = app.login("member").await;
    let r = after.patch(app.url(&format!("/api/v1/people/{target}"))).json(&json!({"phone": "13700000002"})).send().await.unwrap();
    assert!(matches!(r.status().as_u16(), 403 | 404));
    let log = app.get_json(&auditor, "/api/v1/audit?action=grant.delegate").await;
    assert_eq!(log["total"], 2, "delegated and ended: {log}");
}

#[tokio::test]
async fn an_activation_code_is_mailed_through_the_outbox() {
    let sink = common::smtp_sink().await;
    let smtp = format!("smtp://{}", sink.addr);
    let app = common::spawn_with(common::Backend::Sqlite, |c| {
        c.smtp_url = Some(smtp);
        c.mail_from = Some("创先争优平台 <cxzy@csust.edu.cn>".into());
    })
    .await
    .unwrap();
    // A teacher of the college, who has an e-mail address on the roster.
    let orgsec = app.login("orgsec").await;
    let unit = reach(&app, "orgsec", "unit").await;
    let people = app.get_json(&orgsec, &format!("/api/v1/people?unit_id={unit}&kind=staff&per_page=50")).await;
    let admin = app.login("admin").await;
    let accounts = app.get_json(&admin, "/api/v1/accounts?per_page=200").await;
    let with: Vec<i64> = accounts["items"].as_array().unwrap().iter().filter_map(|a| a["person_id"].as_i64()).collect();
    let p = people["items"].as_array().unwrap().iter().find(|p| !p["email"].is_null() && !with.contains(&p["id"].as_i64().unwrap())).unwrap().clone();
    let r = orgsec.post(app.url(&format!("/api/v1/people/{}/activation", p["id"]))).json(&json!({"mail": true})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let a: Value = r.json().await.unwrap();
    assert!(a["code"].is_null(), "a mailed code is not shown to the secretary");
    assert_eq!(a["mailed_to"], p["email"]);
    let mut got = None;
    for _ in 0..100 {
        if let Some(m) = sink.messages.lock().unwrap().first().cloned() {
            got = Some(m);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let m = got.expect("the message reached the SMTP sink");
    assert_eq!(m.rcpt, vec![p["email"].as_str().unwrap().to_string()]);
    let subject = m.subject();
    assert!(subject.contains("=?utf-8?b?") || subject.contains("=?UTF-8?B?"), "RFC 2047: {subject}");
    let body = m.body();
    assert!(body.contains(&format!("{}/login", app.base)), "the link: {body}");
    assert!(body.contains("激活码："), "{body}");
    let office = app.login("office").await;
    let o = app.get_json(&office, "/api/v1/outbox").await;
    assert_eq!(o["sent"], 1);
    assert_eq!(o["pending"], 0);
}

#[tokio::test]
async fn undeliverable_mail_is_retried_and_shown_to_the_office() {
    // A relay that is not there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = common::spawn_with(common::Backend::Sqlite, |c| c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))).await.unwrap();
    let orgsec = app.login("orgsec").await;
    let unit = reach(&app, "orgsec", "unit").await;
    let people = app.get_json(&orgsec, &format!("/api/v1/people?unit_id={unit}&kind=staff&per_page=50")).await;
    let p = people["items"].as_array().unwrap().iter().rev().find(|p| !p["email"].is_null()).unwrap().clone();
    let r = orgsec.post(app.url(&format!("/api/v1/people/{}/activation", p["id"]))).json(&json!({"mail": true})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let office = app.login("office").await;
    let mut last = Value::Null;
    for _ in 0..100 {
        last = app.get_json(&office, "/api/v1/outbox").await;
        if last["undelivered"][0]["attempts"].as_i64().unwrap_or(0) >= 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(last["sent"], 0);
    assert!(last["undelivered"][0]["last_error"].is_string(), "{last}");
    let html = office.get(app.url("/mail")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("待发送") || html.contains("失败"));
}
