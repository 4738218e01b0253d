//! Tokens for API clients over HTTP on both databases: a token acts as its person (their reach,
//! no further), read tokens only read, tokens make no tokens, the administrator's are read only,
//! and a revoked, lapsed, logged-out or cut-off token opens nothing.

mod common;

use common::TestApp;
use reqwest::Client;
use serde_json::{Value, json};

both!(a_token_acts_as_its_person_and_no_further, read_tokens_only_read_and_tokens_make_no_tokens, revoked_lapsed_and_cut_off_tokens_open_nothing, the_page_shows_a_new_token_once);

/// A client with no cookie and no Origin: a portal's server.
fn bare() -> Client {
    pacesetter_web::sign_on::install_crypto();
    Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Makes a token from a logged-in session; (the token, its id).
async fn token(app: &TestApp, session: &Client, name: &str, access: &str, days: i64) -> (String, i64) {
    let r = session.post(app.url("/api/v1/me/tokens")).json(&json!({"name": name, "access": access, "days": days})).send().await.unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["scope"], access);
    let exp = v["expires_in"].as_i64().unwrap();
    assert!((days * 86_400 - 5..=days * 86_400).contains(&exp), "{v}");
    (v["access_token"].as_str().unwrap().to_string(), v["token"]["id"].as_i64().unwrap())
}

async fn with_token(app: &TestApp, method: &str, path: &str, token: &str, body: Option<Value>) -> (u16, String, String) {
    let mut r = bare().request(method.parse().unwrap(), app.url(path)).bearer_auth(token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let www = r.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (r.status().as_u16(), www, r.text().await.unwrap())
}

async fn a_token_acts_as_its_person_and_no_further(app: TestApp) {
    let sec = app.login("branchsec").await;
    let (t, id) = token(&app, &sec, "学校门户网站", "write", 30).await;
    assert!(t.starts_with("pst_") && t.len() == 68, "{t}");
    // The same account, roles and reach as its person's session.
    let by_session = app.get_json(&sec, "/api/v1/me").await;
    let (s, _, body) = with_token(&app, "GET", "/api/v1/me", &t, None).await;
    assert_eq!(s, 200, "{body}");
    let by_token: Value = serde_json::from_str(&body).unwrap();
    for k in ["username", "roles", "reaches"] {
        assert_eq!(by_token[k], by_session[k], "{k}");
    }
    // Within the reach: the branch's people. Outside it: another branch's member.
    let branch = app.reach("branchsec", "org").await;
    let (s, _, body) = with_token(&app, "GET", &format!("/api/v1/people?org_id={branch}&per_page=5"), &t, None).await;
    assert_eq!(s, 200, "{body}");
    let sec2 = app.login("branchsec2").await;
    let (t2, _) = token(&app, &sec2, "另一支部的脚本", "write", 7).await;
    let member = app.get_json(&app.login("member").await, "/api/v1/me").await["person_id"].as_i64().unwrap();
    let number = app.get_json(&sec, &format!("/api/v1/people/{member}")).await["number"].as_str().unwrap().to_string();
    let (s, _, body) = with_token(&app, "GET", &format!("/api/v1/people/{member}"), &t2, None).await;
    assert!(s == 403 || s == 404, "another branch's token reached the member: {s} {body}");
    assert!(!body.contains(&number), "{body}");
    // A write with a write token needs no Origin and no form token: no browser sends a token.
    let (s, _, body) = with_token(&app, "PUT", "/api/v1/me/lang", &t, Some(json!({"lang": "en"}))).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(app.get_json(&sec, "/api/v1/me").await["lang"], "en");
    // The token wins over a cookie sent with it (the member's session here).
    let m = app.login("member").await;
    let r = m.get(app.url("/api/v1/me")).bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["username"], "branchsec");
    // Pages are for browsers: a token opens none.
    let r = bare().get(app.url("/home")).bearer_auth(&t).send().await.unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    // Its person lists it by name and last four characters, never the token itself, and the
    // use was noted.
    let list = app.get_json(&sec, "/api/v1/me/tokens").await;
    let row = list.as_array().unwrap().iter().find(|x| x["id"] == id).unwrap().clone();
    assert_eq!(row["hint"].as_str().unwrap(), &t[t.len() - 4..]);
    assert_eq!(row["active"], true);
    assert!(row["last_used"].is_string(), "{row}");
    assert!(!list.to_string().contains(&t[4..]), "the token itself is listed");
    // Nobody else sees it.
    assert!(!app.get_json(&sec2, "/api/v1/me/tokens").await.as_array().unwrap().iter().any(|x| x["id"] == id));
    // The making is audited, without the token.
    let auditor = app.login("auditor").await;
    let log = app.get_json(&auditor, &format!("/api/v1/audit?entity=api_token&entity_id={id}")).await.to_string();
    assert!(log.contains("api_token.create") && !log.contains(&t[4..]), "{log}");
}

async fn read_tokens_only_read_and_tokens_make_no_tokens(app: TestApp) {
    let m = app.login("member").await;
    let (read, _) = token(&app, &m, "只读小程序", "read", 90).await;
    let (s, _, _) = with_token(&app, "GET", "/api/v1/desk", &read, None).await;
    assert_eq!(s, 200);
    let (s, www, body) = with_token(&app, "PUT", "/api/v1/me/lang", &read, Some(json!({"lang": "en"}))).await;
    assert_eq!(s, 403, "{body}");
    assert!(www.contains("insufficient_scope"), "{www}");
    assert!(body.contains("只读"), "{body}");
    assert_eq!(app.get_json(&m, "/api/v1/me").await["lang"], "zh", "a read token changed something");
    // A token cannot make or revoke tokens, nor extend its own life.
    let (write, write_id) = token(&app, &m, "读写脚本", "write", 1).await;
    let (s, _, body) = with_token(&app, "POST", "/api/v1/me/tokens", &write, Some(json!({"name": "更多", "access": "write", "days": 365}))).await;
    assert_eq!(s, 403, "{body}");
    let (s, _, _) = with_token(&app, "DELETE", &format!("/api/v1/me/tokens/{write_id}"), &write, None).await;
    assert_eq!(s, 403);
    // Bad requests: every problem named, in Chinese first, and nothing made.
    let before = app.get_json(&m, "/api/v1/me/tokens").await.as_array().unwrap().len();
    let r = m.post(app.url("/api/v1/me/tokens")).json(&json!({"name": " ", "access": "admin", "days": 0})).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    let fields: Vec<&str> = v["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"name") && fields.contains(&"access") && fields.contains(&"days"), "{v}");
    assert!(v.to_string().contains("有效期应为 1 至 365 天"), "{v}");
    let r = m.post(app.url("/api/v1/me/tokens")).json(&json!({"name": "x", "access": "read", "days": "九十"})).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(app.get_json(&m, "/api/v1/me/tokens").await.as_array().unwrap().len(), before);
    // The guarded roles (the administrator, the campaign office, the auditor): read tokens only.
    let admin = app.login("admin").await;
    for who in ["admin", "office", "auditor"] {
        let c = app.login(who).await;
        let r = c.post(app.url("/api/v1/me/tokens")).json(&json!({"name": "运维脚本", "access": "write", "days": 30})).send().await.unwrap();
        assert_eq!(r.status(), 422, "{who}");
        assert!(r.text().await.unwrap().contains("只读"), "{who}");
    }
    // And at each use: a write token of someone made administrator since reads only.
    let teacher = app.login("teacher").await;
    let (t, _) = token(&app, &teacher, "教学脚本", "write", 30).await;
    assert_eq!(with_token(&app, "PUT", "/api/v1/me/lang", &t, Some(json!({"lang": "en"}))).await.0, 200);
    let teacher_id = app.get_json(&teacher, "/api/v1/me").await["id"].as_i64().unwrap();
    let r = admin.post(app.url(&format!("/api/v1/accounts/{teacher_id}/grants"))).json(&json!({"role": "admin"})).send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let (s, www, _) = with_token(&app, "PUT", "/api/v1/me/lang", &t, Some(json!({"lang": "zh"}))).await;
    assert_eq!(s, 403);
    assert!(www.contains("insufficient_scope"), "{www}");
    assert_eq!(with_token(&app, "GET", "/api/v1/me", &t, None).await.0, 200);
    let (admin_read, _) = token(&app, &admin, "运维脚本", "read", 30).await;
    let (s, _, _) = with_token(&app, "GET", "/api/v1/accounts?per_page=5", &admin_read, None).await;
    assert_eq!(s, 200);
    // At most ten in force.
    for i in 0..8 {
        token(&app, &m, &format!("第{i}个"), "read", 1).await;
    }
    let r = m.post(app.url("/api/v1/me/tokens")).json(&json!({"name": "第十一个", "access": "read", "days": 1})).send().await.unwrap();
    assert_eq!(r.status(), 422);
}

async fn revoked_lapsed_and_cut_off_tokens_open_nothing(app: TestApp) {
    // No credentials at all: a 401 that names the scheme (RFC 7235).
    let r = bare().get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("Bearer")));
    for bad in ["pst_short", &format!("pst_{}", "0".repeat(64)), "not-a-token"] {
        let (s, www, body) = with_token(&app, "GET", "/api/v1/me", bad, None).await;
        assert_eq!(s, 401, "{bad}: {body}");
        assert!(www.contains("invalid_token"), "{www}");
        assert!(body.contains("访问令牌无效"), "{body}");
    }
    let m = app.login("member").await;
    // Revoked by its person.
    let (t, id) = token(&app, &m, "旧手机", "write", 30).await;
    let r = m.delete(app.url(&format!("/api/v1/me/tokens/{id}"))).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(with_token(&app, "GET", "/api/v1/me", &t, None).await.0, 401);
    let list = app.get_json(&m, "/api/v1/me/tokens").await;
    let row = list.as_array().unwrap().iter().find(|x| x["id"] == id).unwrap().clone();
    assert!(row["active"] == false && row["revoked"].is_string(), "{row}");
    // Logged out by its client.
    let (t, _) = token(&app, &m, "小程序", "read", 30).await;
    assert_eq!(with_token(&app, "POST", "/api/v1/auth/logout", &t, None).await.0, 204);
    assert_eq!(with_token(&app, "GET", "/api/v1/me", &t, None).await.0, 401);
    // The session that made it is not ended by the client's logout.
    app.get_json(&m, "/api/v1/me").await;
    // Lapsed.
    let (t, id) = token(&app, &m, "短期", "read", 1).await;
    app.age(&format!("UPDATE api_tokens SET expires_ms = 1000 WHERE id = {id}")).await;
    assert_eq!(with_token(&app, "GET", "/api/v1/me", &t, None).await.0, 401);
    // A reset of the password by the administrator ends every way in.
    let (t, _) = token(&app, &m, "门户", "read", 30).await;
    assert_eq!(with_token(&app, "GET", "/api/v1/me", &t, None).await.0, 200);
    let account = app.get_json(&m, "/api/v1/me").await["id"].as_i64().unwrap();
    let admin = app.login("admin").await;
    let r = admin.post(app.url(&format!("/api/v1/accounts/{account}/password"))).json(&json!({"password": "Tmp#Reset-2012qz"})).send().await.unwrap();
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap());
    assert_eq!(with_token(&app, "GET", "/api/v1/me", &t, None).await.0, 401);
    // Its person's own password change revokes the others, but not the token in use.
    let sec = app.login("branchsec").await;
    let (a, _) = token(&app, &sec, "甲", "write", 30).await;
    let (b, _) = token(&app, &sec, "乙", "read", 30).await;
    let (s, _, body) = with_token(&app, "POST", "/api/v1/me/password", &a, Some(json!({"current": common::PASSWORD, "new": "湘江北去橘子洲头2012令牌"}))).await;
    assert_eq!(s, 204, "{body}");
    assert_eq!(with_token(&app, "GET", "/api/v1/me", &a, None).await.0, 200);
    assert_eq!(with_token(&app, "GET", "/api/v1/me", &b, None).await.0, 401);
    // Disabled by the administrator: out.
    let sec_id =
        app.get_json(&admin, "/api/v1/accounts?per_page=200").await["items"].as_array().unwrap().iter().find(|x| x["username"] == "branchsec").unwrap()["id"].as_i64().unwrap();
    let r = app.post_form(&admin, &format!("/accounts/{sec_id}/disabled"), &[("disabled", "true")]).await;
    assert!(r.status().is_redirection() || r.status().is_success(), "{}", r.status());
    assert_eq!(with_token(&app, "GET", "/api/v1/me", &a, None).await.0, 401);
}

async fn the_page_shows_a_new_token_once(app: TestApp) {
    let m = app.login("teacher").await;
    let r = app.post_form(&m, "/tokens", &[("name", "课程平台"), ("access", "write"), ("days", "60")]).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let i = html.find("pst_").expect("the new token is shown");
    let t: String = html[i..].chars().take(68).collect();
    assert_eq!(with_token(&app, "GET", "/api/v1/me", &t, None).await.0, 200);
    let again = m.get(app.url("/tokens")).send().await.unwrap().text().await.unwrap();
    assert!(again.contains("课程平台") && !again.contains(&t), "the token is shown twice");
    // A bad form comes back with what was typed and what is wrong, and makes nothing.
    let r = app.post_form(&m, "/tokens", &[("name", "另一个"), ("access", "write"), ("days", "999")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("有效期应为") && html.contains("另一个") && !html.contains("pst_"), "{html}");
    // Revoked from the page.
    let id = app.get_json(&m, "/api/v1/me/tokens").await[0]["id"].as_i64().unwrap();
    let r = app.post_form(&m, &format!("/tokens/{id}/revoke"), &[]).await;
    assert!(r.status().is_redirection());
    assert_eq!(with_token(&app, "GET", "/api/v1/me", &t, None).await.0, 401);
}
