//! Campus sign-on's use cases: starting one (the provider's address to send the browser to),
//! completing one (the identity to an account and a session, or a refusal), and the provider's
//! single logout. The protocols are `crate::sign_on`'s; the rules
//! [`pacesetter_domain::sign_on`]'s.

use crate::auth;
use crate::error::{AppError, AppResult};
use crate::sign_on::{Identity, Providers};
use crate::state::AppState;
use axum::http::StatusCode;
use pacesetter_domain::dates::now_ms;
use pacesetter_domain::ids::AccountId;
use pacesetter_domain::scope::Scope;
use pacesetter_domain::sign_on::{self as rules, First, PasswordPolicy, Provider, Refusal};
use pacesetter_store::{StoreError, sign_on};
use std::net::IpAddr;

/// The providers, or 404 when the server has none of `which`.
pub fn providers(state: &AppState, which: Provider) -> AppResult<&Providers> {
    let p = state.site.sign_on.as_ref().ok_or_else(AppError::not_found)?;
    let configured = match which {
        Provider::Cas => p.cas.is_some(),
        Provider::Oidc => p.oidc.is_some(),
    };
    if configured { Ok(p) } else { Err(AppError::not_found()) }
}

/// Where CAS sends the browser back, built from the public address (never from the request),
/// carrying the browser's own random value (also in its cookie): a ticket someone else got for
/// their own service address does not validate here, so nobody can sign a victim in as
/// themselves (login CSRF).
pub fn cas_service(state: &AppState, browser: &str) -> String {
    format!("{}/auth/cas/callback?s={browser}", state.site.public_url)
}

/// Where the OpenID provider sends the browser back.
pub fn oidc_redirect(state: &AppState) -> String {
    format!("{}/auth/oidc/callback", state.site.public_url)
}

/// Begins a CAS sign-on: the browser's value (for its cookie) and the CAS login address.
pub fn cas_start(state: &AppState) -> AppResult<(String, String)> {
    let p = providers(state, Provider::Cas)?;
    let cas = p.cas.as_ref().ok_or_else(AppError::not_found)?;
    let browser = auth::random_token(16);
    let url = cas.login_url(&cas_service(state, &browser));
    Ok((browser, url))
}

/// Begins an OpenID sign-on: its state (for the browser's cookie) and the provider's address.
pub async fn oidc_start(state: &AppState, next: &str) -> AppResult<(String, String)> {
    let p = providers(state, Provider::Oidc)?;
    let oidc = p.oidc.as_ref().ok_or_else(AppError::not_found)?;
    let (st, nonce, verifier) = (auth::random_token(32), auth::random_token(32), auth::random_token(32));
    let url = oidc.authorize_url(p, &oidc_redirect(state), &st, &nonce, &verifier).await.map_err(unavailable)?;
    let mut w = state.store.write().await?;
    sign_on::save_request(&mut w, &auth::token_hash(&st), &sign_on::Request { nonce, verifier, next: next.to_string(), created_ms: now_ms() }).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok((st, url))
}

/// The provider could not be asked: said plainly, as a 502.
fn unavailable(r: Refusal) -> AppError {
    if let Refusal::Invalid(why) = &r {
        tracing::warn!("campus sign-on: {why}");
    }
    AppError::new(
        StatusCode::BAD_GATEWAY,
        "sign_on_unavailable",
        "暂时无法连接统一身份认证，请稍后再试或使用账号密码登录",
        "The campus sign-on cannot be reached; try later, or log in with a password",
    )
}

/// A sign-on that went through: the session's token, and where to go.
pub struct Signed {
    pub token: String,
    pub next: String,
}

/// Completes a CAS sign-on from the ticket the browser brought back, with the value in the
/// callback's address and the one in the browser's cookie (they must be the same); the
/// session's token.
pub async fn cas_complete(
    state: &AppState,
    ticket: &str,
    browser: &str,
    cookie: Option<&str>,
    ip: IpAddr,
    user_agent: &str,
    old: Option<&str>,
) -> AppResult<Result<String, Refusal>> {
    let p = providers(state, Provider::Cas)?;
    let cas = p.cas.as_ref().ok_or_else(AppError::not_found)?;
    if browser.len() != 32 || !browser.bytes().all(|b| b.is_ascii_hexdigit()) || cookie.is_none_or(|c| !auth::same(c, browser)) {
        return Ok(Err(log_refusal(Provider::Cas, Refusal::Invalid("the sign-on was not begun in this browser".into()))));
    }
    let id = match cas.validate(p, &cas_service(state, browser), ticket).await {
        Ok(id) => id,
        Err(r) => return Ok(Err(log_refusal(Provider::Cas, r))),
    };
    Ok(complete(state, id, ip, user_agent, old).await?.map(|(token, _)| token))
}

/// Completes an OpenID sign-on: the state must be the one this browser was given (its
/// cookie) and one this server issued, unspent; then the code is exchanged and the ID token
/// checked against this sign-on's nonce.
pub async fn oidc_complete(
    state: &AppState,
    code: &str,
    st: &str,
    cookie_state: Option<&str>,
    ip: IpAddr,
    user_agent: &str,
    old: Option<&str>,
) -> AppResult<Result<Signed, Refusal>> {
    let p = providers(state, Provider::Oidc)?;
    let oidc = p.oidc.as_ref().ok_or_else(AppError::not_found)?;
    if cookie_state.is_none_or(|c| !auth::same(c, st)) {
        return Ok(Err(log_refusal(Provider::Oidc, Refusal::Invalid("the state is not this browser's".into()))));
    }
    let request = {
        let mut w = state.store.write().await?;
        let r = sign_on::take_request(&mut w, &auth::token_hash(st), now_ms()).await?;
        w.commit().await.map_err(StoreError::from)?;
        r
    };
    let Some(request) = request else { return Ok(Err(log_refusal(Provider::Oidc, Refusal::Invalid("the state is unknown, spent or stale".into())))) };
    let id = match oidc.exchange(p, &oidc_redirect(state), code, &request.verifier, &request.nonce).await {
        Ok(id) => id,
        Err(r) => return Ok(Err(log_refusal(Provider::Oidc, r))),
    };
    Ok(complete(state, id, ip, user_agent, old).await?.map(|(token, _)| Signed { token, next: request.next }))
}

fn log_refusal(provider: Provider, r: Refusal) -> Refusal {
    match &r {
        Refusal::Invalid(why) => tracing::warn!(provider = provider.code(), "campus sign-on refused: {why}"),
        other => tracing::info!(provider = provider.code(), "campus sign-on refused: {other:?}"),
    }
    r
}

/// Ties or finds the account of a vouched-for identity and begins its session, in one
/// transaction; or says why not.
async fn complete(state: &AppState, id: Identity, ip: IpAddr, user_agent: &str, old: Option<&str>) -> AppResult<Result<(String, AccountId), Refusal>> {
    let now = now_ms();
    let today = pacesetter_domain::dates::today();
    let mut w = state.store.write().await?;
    let account = match sign_on::tied_account(&mut w, id.provider, &id.subject).await? {
        Some(a) => {
            let facts = sign_on::account_facts(&mut w, id.provider, a).await?.ok_or_else(AppError::not_found)?;
            let person = sign_on::person_of(&mut w, a).await?;
            if let Err(r) = rules::later(person.as_ref(), &facts, today) {
                return Ok(Err(log_refusal(id.provider, r)));
            }
            sign_on::touch(&mut w, id.provider, &id.subject, now).await?;
            a
        }
        None => {
            let Some(number) = id.number.clone().filter(|n| !n.trim().is_empty()) else { return Ok(Err(log_refusal(id.provider, Refusal::NoNumber))) };
            let (person, account) = sign_on::by_number(&mut w, id.provider, &number).await?;
            let scope = Scope::system(&format!("campus sign-on ({})", id.provider.code()));
            let a = match rules::first(person.as_ref(), account.as_ref(), today) {
                Ok(First::Tie { account }) => account,
                Ok(First::Create { person }) => sign_on::create_account(&mut w, &scope, id.provider, person, &number).await?,
                Err(r) => return Ok(Err(log_refusal(id.provider, r))),
            };
            sign_on::tie(&mut w, &scope, id.provider, &id.subject, a, &number, now).await?;
            a
        }
    };
    let token = auth::start_session(&mut w, AccountId(account), ip, user_agent, old, Some(&id.sso), now).await?;
    w.commit().await.map_err(StoreError::from)?;
    tracing::info!(provider = id.provider.code(), account, %ip, "campus sign-on");
    Ok(Ok((token, AccountId(account))))
}

/// A CAS single logout (the provider's POST to the service address): ends the sessions begun
/// with the ticket it names. Nothing else is believed of it: without the ticket, which only the
/// provider and this server saw, it ends nothing.
pub async fn cas_logout(state: &AppState, logout_request: &str) -> AppResult<u64> {
    providers(state, Provider::Cas)?;
    let Some(ticket) = crate::sign_on::parse_logout_request(logout_request) else {
        return Err(AppError::bad_request("单点注销请求无法识别", "The single logout request does not read"));
    };
    let mut w = state.store.write().await?;
    let n = sign_on::end_sessions(&mut w, &crate::sign_on::cas_sso(&ticket)).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(n)
}

/// An OpenID back-channel logout: the logout token is verified (signature, issuer, audience,
/// event, no nonce) before any session ends.
pub async fn oidc_logout(state: &AppState, token: &str) -> AppResult<u64> {
    let p = providers(state, Provider::Oidc)?;
    let oidc = p.oidc.as_ref().ok_or_else(AppError::not_found)?;
    let (sub, sid) = oidc.verify_logout(p, token).await.map_err(|r| {
        let _ = log_refusal(Provider::Oidc, r);
        AppError::bad_request("注销令牌无效", "The logout token is invalid")
    })?;
    let mut w = state.store.write().await?;
    let n = sign_on::end_oidc_sessions(&mut w, sub.as_deref(), sid.as_deref()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(n)
}

/// Who may log in with a password now.
pub async fn password_policy(state: &AppState) -> AppResult<PasswordPolicy> {
    let mut c = state.store.read().await?;
    Ok(sign_on::password_policy(&mut c).await?)
}

/// The office keeps passwords for the administrator and the auditor only, or gives them back
/// to everyone; audited. Without a campus provider nobody else could sign in: refused.
pub async fn set_password_policy(state: &AppState, scope: &Scope, policy: PasswordPolicy) -> AppResult<PasswordPolicy> {
    if policy == PasswordPolicy::PrivilegedOnly && state.site.sign_on.is_none() {
        let mut e = pacesetter_domain::validate::FieldErrors::new();
        e.add("passwords", "本平台未配置统一身份认证，不能关闭其他人的密码登录", "No campus sign-on is configured: passwords cannot be turned off for the others");
        return Err(AppError::invalid(e));
    }
    let mut w = state.store.write().await?;
    sign_on::set_password_policy(&mut w, scope, policy).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(policy)
}

/// Reads a policy's code, as the form and the API give it.
pub fn parse_policy(s: &str) -> AppResult<PasswordPolicy> {
    PasswordPolicy::parse(s.trim()).ok_or_else(|| {
        let mut e = pacesetter_domain::validate::FieldErrors::new();
        e.add("passwords", "应为 everyone 或 privileged", "Either everyone or privileged");
        AppError::invalid(e)
    })
}
