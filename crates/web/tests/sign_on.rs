//! Campus sign-on against a provider stub that follows the protocols: CAS 3.0 (`/login`,
//! `/p3/serviceValidate` with the XML the specification gives, single-use tickets, the SAML
//! single logout) and OpenID Connect (discovery, JWKS, the authorization code with PKCE, ID
//! tokens signed RS256 with a test key, back-channel logout tokens).
//!
//! Checked from the outside, on SQLite and PostgreSQL: the first sign-on ties a roster person
//! by number (creating their account, or tying the one they have); later sign-ons go by the
//! subject; nobody outside the roster, who has left, or privileged gets in, each with a clear
//! page; forged or spent tickets, a state that is not the browser's, wrong audiences, expired
//! tokens, forged signatures, `alg: none` and replayed nonces are refused; a single logout ends
//! the sessions it names and nothing else, and a forged one ends nothing.

mod common;

use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use common::{Backend, TestApp};
use pacesetter_store::db::Sql;
use reqwest::Client;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const CLIENT_ID: &str = "pacesetter-test";
const SECRET: &str = "stub-secret";

/// What the stub's knobs make the next ID token look like.
#[derive(Clone, Default)]
struct Knobs {
    wrong_audience: bool,
    expired: bool,
    forged: bool,
    alg_none: bool,
    /// A nonce other than the one the request carried (a token replayed from another sign-on).
    nonce: Option<String>,
}

#[derive(Default)]
struct Stub {
    base: String,
    /// The person at the provider now: subject, number.
    user: (String, String),
    tickets: HashMap<String, (String, String, String)>,
    codes: HashMap<String, (String, String, String, (String, String))>,
    knobs: Knobs,
    nonces: Vec<String>,
}

type Shared = Arc<Mutex<Stub>>;

fn key(pem: &str) -> rsa::RsaPrivateKey {
    rsa::RsaPrivateKey::from_pkcs8_pem(pem).unwrap()
}

fn provider_key() -> rsa::RsaPrivateKey {
    key(include_str!("fixtures/provider-test-key.pem"))
}

fn jwt(k: &rsa::RsaPrivateKey, claims: &Value) -> String {
    let h = B64.encode(json!({"alg": "RS256", "kid": "k1", "typ": "JWT"}).to_string());
    let b = B64.encode(claims.to_string());
    let signed = format!("{h}.{b}");
    let sig = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(k.clone()).sign(signed.as_bytes());
    format!("{signed}.{}", B64.encode(sig.to_bytes()))
}

fn now() -> i64 {
    pacesetter_domain::dates::now_ms() / 1000
}

fn random() -> String {
    format!("{:x}", common::rand_suffix())
}

async fn start_stub() -> Shared {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let shared: Shared = Arc::new(Mutex::new(Stub { base: base.clone(), ..Stub::default() }));
    let router = axum::Router::new()
        .route("/cas/login", axum::routing::get(cas_login))
        .route("/cas/p3/serviceValidate", axum::routing::get(cas_validate))
        .route("/oidc/.well-known/openid-configuration", axum::routing::get(discovery))
        .route("/oidc/jwks", axum::routing::get(jwks))
        .route("/oidc/authorize", axum::routing::get(authorize))
        .route("/oidc/token", axum::routing::post(token))
        .with_state(shared.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    shared
}

async fn cas_login(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> impl IntoResponse {
    let service = q["service"].clone();
    let ticket = format!("ST-{}", random());
    let mut s = s.lock().unwrap();
    let (user, number) = s.user.clone();
    s.tickets.insert(ticket.clone(), (service.clone(), user, number));
    let sep = if service.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{service}{sep}ticket={ticket}"))
}

/// CAS 3.0 section 2.5: a ticket is valid once, for the service it was issued to.
async fn cas_validate(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> impl IntoResponse {
    let mut s = s.lock().unwrap();
    let found = s.tickets.remove(q.get("ticket").map(String::as_str).unwrap_or(""));
    let body = match found {
        Some((service, user, number)) if Some(&service) == q.get("service") => format!(
            "<cas:serviceResponse xmlns:cas=\"http://www.yale.edu/tp/cas\">\n <cas:authenticationSuccess>\n  <cas:user>{user}</cas:user>\n  <cas:attributes>\n   \
             <cas:employeeNumber>{number}</cas:employeeNumber>\n   <cas:cn>测试 &amp; 用户</cas:cn>\n  </cas:attributes>\n </cas:authenticationSuccess>\n</cas:serviceResponse>"
        ),
        _ => format!(
            "<cas:serviceResponse xmlns:cas=\"http://www.yale.edu/tp/cas\">\n <cas:authenticationFailure code=\"INVALID_TICKET\">Ticket {} not recognized</cas:authenticationFailure>\n</cas:serviceResponse>",
            q.get("ticket").cloned().unwrap_or_default()
        ),
    };
    ([("content-type", "application/xml; charset=utf-8")], body)
}

async fn discovery(State(s): State<Shared>) -> impl IntoResponse {
    let base = s.lock().unwrap().base.clone();
    axum::Json(json!({
        "issuer": format!("{base}/oidc"),
        "authorization_endpoint": format!("{base}/oidc/authorize"),
        "token_endpoint": format!("{base}/oidc/token"),
        "jwks_uri": format!("{base}/oidc/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }))
}

async fn jwks() -> impl IntoResponse {
    let k = provider_key().to_public_key();
    axum::Json(json!({"keys": [{"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256", "n": B64.encode(k.n().to_bytes_be()), "e": B64.encode(k.e().to_bytes_be())}]}))
}

async fn authorize(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> impl IntoResponse {
    assert_eq!(q.get("response_type").map(String::as_str), Some("code"));
    assert_eq!(q.get("client_id").map(String::as_str), Some(CLIENT_ID));
    assert_eq!(q.get("code_challenge_method").map(String::as_str), Some("S256"), "PKCE with S256");
    assert!(q.get("scope").is_some_and(|s| s.split(' ').any(|x| x == "openid")));
    let code = random();
    let mut s = s.lock().unwrap();
    let user = s.user.clone();
    s.nonces.push(q["nonce"].clone());
    s.codes.insert(code.clone(), (q["redirect_uri"].clone(), q["code_challenge"].clone(), q["nonce"].clone(), user));
    Redirect::to(&format!("{}?code={code}&state={}", q["redirect_uri"], q["state"]))
}

/// RFC 6749 4.1.3 with RFC 7636: the code once, for its redirect address, with the verifier
/// whose S256 is the challenge, from the client with its secret.
async fn token(State(s): State<Shared>, Form(f): Form<HashMap<String, String>>) -> axum::response::Response {
    let mut s = s.lock().unwrap();
    let bad = |what: &str| (axum::http::StatusCode::BAD_REQUEST, axum::Json(json!({"error": "invalid_grant", "error_description": what}))).into_response();
    let Some((redirect, challenge, nonce, (sub, number))) = s.codes.remove(f.get("code").map(String::as_str).unwrap_or("")) else { return bad("unknown code") };
    if f.get("redirect_uri") != Some(&redirect) || f.get("client_id").map(String::as_str) != Some(CLIENT_ID) || f.get("client_secret").map(String::as_str) != Some(SECRET) {
        return bad("client");
    }
    if pacesetter_web::sign_on::pkce_challenge(f.get("code_verifier").map(String::as_str).unwrap_or("")) != challenge {
        return bad("PKCE");
    }
    let k = s.knobs.clone();
    let claims = json!({
        "iss": format!("{}/oidc", s.base),
        "aud": if k.wrong_audience { "someone-else" } else { CLIENT_ID },
        "sub": sub,
        "student_number": number,
        "sid": format!("sid-{sub}"),
        "iat": now(),
        "exp": if k.expired { now() - 3600 } else { now() + 300 },
        "nonce": k.nonce.clone().unwrap_or(nonce),
    });
    let id_token = if k.alg_none {
        format!("{}.{}.", B64.encode(json!({"alg": "none"}).to_string()), B64.encode(claims.to_string()))
    } else if k.forged {
        jwt(&key(include_str!("fixtures/forger-test-key.pem")), &claims)
    } else {
        jwt(&provider_key(), &claims)
    };
    axum::Json(json!({"access_token": random(), "token_type": "Bearer", "expires_in": 300, "id_token": id_token})).into_response()
}

backends!(
    cas_ties_by_number_then_by_subject_and_refuses_the_rest,
    oidc_checks_state_nonce_audience_expiry_and_signature,
    the_office_keeps_passwords_for_the_administrator_and_the_auditor_only
);

async fn app_with(backend: Backend, stub: &Shared) -> Option<TestApp> {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = stub.lock().unwrap().base.clone();
    common::spawn_with(backend, |c| {
        c.addr = format!("127.0.0.1:{port}");
        c.public_url = Some(format!("http://127.0.0.1:{port}"));
        c.cas_url = Some(format!("{base}/cas"));
        c.cas_number_attribute = Some("employeeNumber".into());
        c.oidc_issuer = Some(format!("{base}/oidc"));
        c.oidc_client_id = Some(CLIENT_ID.into());
        c.oidc_client_secret = Some(SECRET.into());
        c.oidc_number_claim = Some("student_number".into());
    })
    .await
}

/// People of the roster without an account, who have not left: (id, number).
async fn people_without_accounts(app: &TestApp, n: i64) -> Vec<(i64, String)> {
    let store = pacesetter_store::Store::open(&app.db_url, &pacesetter_store::OpenOptions::default()).await.unwrap();
    let mut c = store.read().await.unwrap();
    let rows = c
        .fetch_all(
            Sql::new("SELECT id, number FROM people WHERE left_on IS NULL AND id NOT IN (SELECT person_id FROM accounts WHERE person_id IS NOT NULL) ORDER BY id LIMIT $1").bind(n),
        )
        .await
        .unwrap();
    drop(c);
    store.close().await;
    rows
}

async fn number_of_account(app: &TestApp, username: &str) -> String {
    let store = pacesetter_store::Store::open(&app.db_url, &pacesetter_store::OpenOptions::default()).await.unwrap();
    let mut c = store.read().await.unwrap();
    let (n,): (String,) = c.fetch_one(Sql::new("SELECT p.number FROM accounts a JOIN people p ON p.id = a.person_id WHERE a.username = $1").bind(username)).await.unwrap();
    drop(c);
    store.close().await;
    n
}

fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

/// A browser signing in through CAS as the stub's current user: the answer to the callback.
async fn cas_sign_in(app: &TestApp, browser: &Client, next: &str) -> (reqwest::Response, String) {
    let r = browser.get(app.url(&format!("/auth/cas?next={next}"))).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let to_cas = location(&r);
    let service = format!("{}/auth/cas/callback", app.base);
    let prefix = format!("/cas/login?service={}", percent_encode(&format!("{service}?s=")));
    assert!(to_cas.contains(&prefix), "the service is the public address's callback, with this browser's value: {to_cas}");
    let r = browser.get(&to_cas).send().await.unwrap();
    let back = location(&r);
    let ticket = back.rsplit("ticket=").next().unwrap().to_string();
    (browser.get(&back).send().await.unwrap(), ticket)
}

fn percent_encode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

async fn me(app: &TestApp, c: &Client) -> Option<Value> {
    let r = c.get(app.url("/api/v1/me")).send().await.unwrap();
    if r.status() == 200 { Some(r.json().await.unwrap()) } else { None }
}

async fn cas_ties_by_number_then_by_subject_and_refuses_the_rest(backend: Backend) {
    let stub = start_stub().await;
    let Some(app) = app_with(backend, &stub).await else { return };
    let fresh = people_without_accounts(&app, 3).await;
    let (person, number) = fresh[0].clone();
    // The login page offers the campus sign-on, and the API lists it.
    let anon = common::client(&app.base);
    let page = anon.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("统一身份认证登录") && page.contains("/auth/cas?next=%2Fhome"), "the button");
    let listed: Value = anon.get(app.url("/api/v1/auth/providers")).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().iter().map(|p| p["provider"].as_str().unwrap()).collect::<Vec<_>>(), ["cas", "oidc"]);

    // First sign-on: a person of the roster without an account gets one, tied to the subject.
    stub.lock().unwrap().user = ("cas-zhang".into(), number.clone());
    let browser = common::client(&app.base);
    let (r, ticket) = cas_sign_in(&app, &browser, "%2Ftasks").await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    assert_eq!(location(&r), "/tasks", "back where the person was going");
    let m = me(&app, &browser).await.expect("signed in");
    assert_eq!(m["username"], number.to_ascii_lowercase());
    assert_eq!(m["person_id"].as_i64(), Some(person), "{m}");
    // The ticket was spent: bringing it again is refused, as is a forged one.
    let again = common::client(&app.base);
    for t in [ticket.clone(), "ST-forged-0000".to_string(), "not-a-ticket".to_string()] {
        let r = again.get(app.url(&format!("/auth/cas/callback?ticket={t}"))).send().await.unwrap();
        assert_eq!(r.status(), 403);
        assert!(r.text().await.unwrap().contains("统一身份认证的应答无效或已过期"));
        assert!(me(&app, &again).await.is_none());
    }

    // Login CSRF: an attacker begins a sign-on as themselves and hands the callback (with a
    // fresh ticket) to a victim's browser. It was not begun there: refused, nobody signed in.
    let attacker = common::client(&app.base);
    let r = attacker.get(app.url("/auth/cas?next=%2Fhome")).send().await.unwrap();
    let r = attacker.get(location(&r)).send().await.unwrap();
    let planted = location(&r);
    let victim = common::client(&app.base);
    let r = victim.get(&planted).send().await.unwrap();
    assert_eq!(r.status(), 403, "a callback from another browser");
    assert!(me(&app, &victim).await.is_none());

    // Later: the subject decides, whatever number the provider now says.
    stub.lock().unwrap().user = ("cas-zhang".into(), fresh[1].1.clone());
    let second = common::client(&app.base);
    let (r, _) = cas_sign_in(&app, &second, "%2Fhome").await;
    assert_eq!(r.status(), 303);
    assert_eq!(me(&app, &second).await.unwrap()["person_id"].as_i64(), Some(person), "the same account as at first");
    // A new subject bringing a number already tied is refused.
    stub.lock().unwrap().user = ("cas-impostor".into(), number.clone());
    let (r, _) = cas_sign_in(&app, &common::client(&app.base), "%2Fhome").await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("已与另一个统一身份认证账号绑定"));

    // A person with an account already (the demo's member) is tied to it.
    let member_number = number_of_account(&app, "member").await;
    stub.lock().unwrap().user = ("cas-member".into(), member_number);
    let m_browser = common::client(&app.base);
    let (r, _) = cas_sign_in(&app, &m_browser, "%2Fhome").await;
    assert_eq!(r.status(), 303);
    assert_eq!(me(&app, &m_browser).await.unwrap()["username"], "member");

    // Refused with a clear page: not in the roster; has left; privileged.
    stub.lock().unwrap().user = ("cas-stranger".into(), "NOSUCH-2012".into());
    let (r, _) = cas_sign_in(&app, &common::client(&app.base), "%2Fhome").await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("不在本平台的名单中"));
    app.age(&format!("UPDATE people SET left_on = '2012-01-01' WHERE id = {}", fresh[2].0)).await;
    stub.lock().unwrap().user = ("cas-gone".into(), fresh[2].1.clone());
    let (r, _) = cas_sign_in(&app, &common::client(&app.base), "%2Fhome").await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("已离校"));
    let teacher_number = number_of_account(&app, "teacher").await;
    app.age("INSERT INTO role_grants (account_id, role, start_date, created_ms) SELECT id, 'auditor', '2012-01-01', 0 FROM accounts WHERE username = 'teacher'").await;
    stub.lock().unwrap().user = ("cas-teacher".into(), teacher_number);
    let (r, _) = cas_sign_in(&app, &common::client(&app.base), "%2Fhome").await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("安全审计员请使用本平台的账号密码登录"));

    // Single logout: the CAS server names the first ticket; that session ends, others stay.
    // It comes without Origin or form token (the exemption), and a ticket nobody saw ends nothing.
    let slo = |t: &str| {
        format!(
            "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"LR-1\" Version=\"2.0\" IssueInstant=\"2012-06-20T10:00:00Z\">\
             <saml:NameID xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\">@NOT_USED@</saml:NameID><samlp:SessionIndex>{t}</samlp:SessionIndex></samlp:LogoutRequest>"
        )
    };
    let server = Client::new();
    let r = server.post(app.url("/auth/cas/callback")).form(&[("logoutRequest", slo("ST-nobody-saw-this"))]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(me(&app, &browser).await.is_some(), "a forged logout ends nothing");
    let r = server.post(app.url("/auth/cas/callback")).form(&[("logoutRequest", slo(&ticket))]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(me(&app, &browser).await.is_none(), "the session of that ticket ended");
    assert!(me(&app, &second).await.is_some(), "another sign-on's session stays");
    let r = server.post(app.url("/auth/cas/callback")).form(&[("logoutRequest", "<not xml")]).send().await.unwrap();
    assert_eq!(r.status(), 400);
    // Any other POST still needs our Origin.
    assert_eq!(server.post(app.url("/logout")).send().await.unwrap().status(), 403);

    // The tie is audited with the subject and number, nothing else of the provider's answer.
    let auditor = app.login("auditor").await;
    let log = auditor.get(app.url("/api/v1/audit?action=account.sign_on_tie")).send().await.unwrap().text().await.unwrap();
    assert!(log.contains("cas-zhang") && !log.contains("测试"), "{log}");
}

/// A browser through the OpenID flow; the callback's answer.
async fn oidc_sign_in(app: &TestApp, browser: &Client) -> reqwest::Response {
    let r = browser.get(app.url("/auth/oidc?next=%2Fhome")).send().await.unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let r = browser.get(location(&r)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    browser.get(location(&r)).send().await.unwrap()
}

async fn oidc_checks_state_nonce_audience_expiry_and_signature(backend: Backend) {
    let stub = start_stub().await;
    let Some(app) = app_with(backend, &stub).await else { return };
    let fresh = people_without_accounts(&app, 2).await;
    let (person, number) = fresh[0].clone();
    stub.lock().unwrap().user = ("oidc-li".into(), number.clone());
    let browser = common::client(&app.base);
    let r = oidc_sign_in(&app, &browser).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    assert_eq!(location(&r), "/home");
    assert_eq!(me(&app, &browser).await.expect("signed in")["person_id"].as_i64(), Some(person));

    // Each bad token is refused with the same clear page, and nobody is signed in.
    let refused = |knobs: Knobs| {
        let (stub, app) = (stub.clone(), TestApp::at(&app.base));
        async move {
            stub.lock().unwrap().knobs = knobs;
            let b = common::client(&app.base);
            let r = oidc_sign_in(&app, &b).await;
            let status = r.status().as_u16();
            let body = r.text().await.unwrap();
            stub.lock().unwrap().knobs = Knobs::default();
            (status, body.contains("统一身份认证的应答无效或已过期"), me(&app, &b).await.is_none())
        }
    };
    assert_eq!(refused(Knobs { wrong_audience: true, ..Knobs::default() }).await, (403, true, true), "a token for another client");
    assert_eq!(refused(Knobs { expired: true, ..Knobs::default() }).await, (403, true, true), "an expired token");
    assert_eq!(refused(Knobs { forged: true, ..Knobs::default() }).await, (403, true, true), "a token signed by another key");
    assert_eq!(refused(Knobs { alg_none: true, ..Knobs::default() }).await, (403, true, true), "an unsigned token");
    let old_nonce = stub.lock().unwrap().nonces[0].clone();
    assert_eq!(refused(Knobs { nonce: Some(old_nonce), ..Knobs::default() }).await, (403, true, true), "a replayed nonce");

    // The state must be this browser's: a callback carried to another browser is refused (and
    // spends nothing); a state answers one callback only.
    let a = common::client(&app.base);
    let r = a.get(app.url("/auth/oidc?next=%2Fhome")).send().await.unwrap();
    let r = a.get(location(&r)).send().await.unwrap();
    let callback = location(&r);
    let b = common::client(&app.base);
    assert_eq!(b.get(&callback).send().await.unwrap().status(), 403, "another browser's state");
    assert!(me(&app, &b).await.is_none());
    assert_eq!(a.get(&callback).send().await.unwrap().status(), 303, "its own browser signs in");
    // The same callback brought again with its state's cookie (as a replaying browser would):
    // the state was spent.
    let st = callback.split("state=").nth(1).unwrap().split('&').next().unwrap().to_string();
    let replay = Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = replay.get(&callback).header("cookie", format!("pst_sso_state={st}")).send().await.unwrap();
    assert_eq!(r.status(), 403, "a spent state");
    assert_eq!(a.get(app.url("/auth/oidc/callback?error=access_denied")).send().await.unwrap().status(), 403);

    // Back-channel logout: verified before anything ends.
    let issuer = format!("{}/oidc", stub.lock().unwrap().base);
    let logout = |claims: Value, k: &rsa::RsaPrivateKey| jwt(k, &claims);
    let good = json!({"iss": issuer, "aud": CLIENT_ID, "iat": now(), "jti": random(), "sub": "oidc-li", "sid": "sid-oidc-li",
        "events": {"http://schemas.openid.net/event/backchannel-logout": {}}});
    let server = Client::new();
    let post = |t: String| server.post(app.url("/auth/oidc/logout")).form(&[("logout_token", t)]).send();
    let mut with_nonce = good.clone();
    with_nonce["nonce"] = json!("n");
    assert_eq!(post(logout(with_nonce, &provider_key())).await.unwrap().status(), 400, "a logout token carries no nonce");
    assert_eq!(post(logout(good.clone(), &key(include_str!("fixtures/forger-test-key.pem")))).await.unwrap().status(), 400, "forged");
    let mut other_aud = good.clone();
    other_aud["aud"] = json!("someone-else");
    assert_eq!(post(logout(other_aud, &provider_key())).await.unwrap().status(), 400);
    assert!(me(&app, &browser).await.is_some(), "nothing ended yet");
    assert_eq!(post(logout(good, &provider_key())).await.unwrap().status(), 200);
    assert!(me(&app, &browser).await.is_none(), "the provider's logout ended the session");
}

async fn the_office_keeps_passwords_for_the_administrator_and_the_auditor_only(backend: Backend) {
    // Without a provider nobody else could sign in: refused.
    let Some(plain) = common::spawn(backend).await else { return };
    let office = plain.login("office").await;
    let r = office.post(plain.url("/api/v1/auth/password-policy")).json(&json!({"passwords": "privileged"})).send().await.unwrap();
    assert_eq!(r.status(), 422);

    let stub = start_stub().await;
    let Some(app) = app_with(backend, &stub).await else { return };
    let office = app.login("office").await;
    let r = office.post(app.url("/api/v1/auth/password-policy")).json(&json!({"passwords": "sometimes"})).send().await.unwrap();
    assert_eq!(r.status(), 422);
    // A branch secretary may not decide it.
    let sec = app.login("branchsec").await;
    assert_eq!(sec.post(app.url("/api/v1/auth/password-policy")).json(&json!({"passwords": "privileged"})).send().await.unwrap().status(), 403);
    let r = office.post(app.url("/api/v1/auth/password-policy")).json(&json!({"passwords": "privileged"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // A member's right password now points them to the campus sign-on; a wrong one is still
    // just wrong (the policy tells a stranger nothing).
    let c = common::client(&app.base);
    let r = c.post(app.url("/api/v1/auth/login")).json(&json!({"username": "member", "password": common::PASSWORD})).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("统一身份认证"));
    let r = c.post(app.url("/api/v1/auth/login")).json(&json!({"username": "member", "password": "wrong-password-2012"})).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // The login page says so, beside the sign-on button.
    let token = app.csrf(&c, "/login").await;
    let r = c
        .post(app.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string([("_csrf", token.as_str()), ("username", "member"), ("password", common::PASSWORD)]).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let page = r.text().await.unwrap();
    assert!(page.contains("本平台已改用学校统一身份认证登录") && page.contains("/auth/cas?next="), "{page}");
    // The administrator and the auditor keep theirs.
    app.login("admin").await;
    let auditor = app.login("auditor").await;
    let log = auditor.get(app.url("/api/v1/audit?action=site.password_policy")).send().await.unwrap().text().await.unwrap();
    assert!(log.contains("privileged"), "the change is audited: {log}");
    // The accounts page shows the choice; the office gives passwords back.
    let page = office.get(app.url("/accounts")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("只有系统管理员和安全审计员使用本平台的密码"));
    assert_eq!(app.post_form(&office, "/accounts/password-policy", &[("passwords", "everyone")]).await.status(), 303);
    app.login("member").await;
}
