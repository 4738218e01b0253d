//! Campus sign-on in the browser: the buttons' redirects to the provider, the callbacks, the
//! refusal page, and the provider's single logout (the one POST exempt from the Origin check,
//! verified instead: see `app::sign_on`).

use super::{Layout, local_path, render_status, see_other};
use crate::app::sign_on as app;
use crate::auth::{self, SESSION_COOKIE};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::{self, Params};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use pacesetter_domain::sign_on::Refusal;
use serde::Deserialize;

/// Where the browser goes once signed in, kept between the redirect and the callback.
const NEXT_COOKIE: &str = "pst_sso_next";
/// The CAS sign-on's value for this browser (also in the service address).
const CAS_COOKIE: &str = "pst_sso_cas";
/// The OpenID state this browser was given.
const STATE_COOKIE: &str = "pst_sso_state";

#[derive(Template)]
#[template(path = "sign_on_refused.html")]
struct Refused {
    l: Layout,
    message: String,
}

fn refused(ctx: &Ctx, r: &Refusal) -> Response {
    let page = Refused { l: Layout::new(ctx, ctx.t("统一身份认证", "Campus sign-on")), message: r.message().get(ctx.lang).to_string() };
    render_status(StatusCode::FORBIDDEN, &page)
}

fn with_cookies(mut resp: Response, cookies: &[String]) -> Response {
    for c in cookies {
        if let Ok(v) = c.parse() {
            resp.headers_mut().append(SET_COOKIE, v);
        }
    }
    resp
}

/// A short cookie for the sign-on's round trip (ten minutes); its value percent-encoded, so a
/// path cannot add attributes.
fn short(state: &AppState, name: &str, value: &str) -> String {
    let v = percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string();
    auth::cookie(state, name, &v, Some(if value.is_empty() { 0 } else { 600 }))
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Start {
    #[serde(default)]
    pub next: Option<String>,
}

/// GET /auth/cas: to the CAS server's login, remembering where to go after.
pub async fn cas(State(state): State<AppState>, Params(q): Params<Start>) -> AppResult<Response> {
    let (browser, to) = app::cas_start(&state)?;
    let next = local_path(input::text(&q.next), "/home");
    Ok(with_cookies(see_other(&to), &[short(&state, NEXT_COOKIE, &next), short(&state, CAS_COOKIE, &browser)]))
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct CasBack {
    #[serde(default)]
    pub ticket: Option<String>,
    /// The browser's value, as the service address carried it.
    #[serde(default)]
    pub s: Option<String>,
}

/// GET /auth/cas/callback?ticket=ST-…: the ticket is validated by the server itself.
pub async fn cas_callback(State(state): State<AppState>, ctx: Ctx, headers: axum::http::HeaderMap, Params(q): Params<CasBack>) -> AppResult<Response> {
    let clear = [short(&state, NEXT_COOKIE, ""), short(&state, CAS_COOKIE, "")];
    let Some(ticket) = input::text(&q.ticket) else { return Ok(with_cookies(refused(&ctx, &Refusal::Invalid("no ticket".into())), &clear)) };
    let browser = input::text(&q.s).unwrap_or("");
    match app::cas_complete(&state, ticket, browser, cookie(&headers, CAS_COOKIE), ctx.ip, &ctx.user_agent, ctx.session_token.as_deref()).await? {
        Ok(token) => {
            let next = cookie(&headers, NEXT_COOKIE).map(|n| percent_encoding::percent_decode_str(n).decode_utf8_lossy().to_string());
            let next = local_path(next.as_deref(), "/home");
            let mut set = vec![auth::cookie(&state, SESSION_COOKIE, &token, None)];
            set.extend(clear);
            Ok(with_cookies(see_other(&next), &set))
        }
        Err(r) => Ok(with_cookies(refused(&ctx, &r), &clear)),
    }
}

fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    let all = headers.get(axum::http::header::COOKIE).and_then(|v| v.to_str().ok())?;
    auth::read_cookie(all, name)
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct CasLogout {
    #[serde(default, rename = "logoutRequest")]
    pub logout_request: String,
}

/// POST /auth/cas/callback: the CAS server's single logout.
pub async fn cas_single_logout(State(state): State<AppState>, axum::Form(f): axum::Form<CasLogout>) -> AppResult<Response> {
    let n = app::cas_logout(&state, &f.logout_request).await?;
    tracing::info!(sessions = n, "CAS single logout");
    Ok((StatusCode::OK, "ok").into_response())
}

/// GET /auth/oidc: to the OpenID provider, with state (also in this browser's cookie), nonce
/// and PKCE challenge.
pub async fn oidc(State(state): State<AppState>, Params(q): Params<Start>) -> AppResult<Response> {
    let next = local_path(input::text(&q.next), "/home");
    let (st, to) = app::oidc_start(&state, &next).await?;
    Ok(with_cookies(see_other(&to), &[short(&state, STATE_COOKIE, &st)]))
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct OidcBack {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
}

/// GET /auth/oidc/callback?code=…&state=…
pub async fn oidc_callback(State(state): State<AppState>, ctx: Ctx, headers: axum::http::HeaderMap, Params(q): Params<OidcBack>) -> AppResult<Response> {
    let clear = short(&state, STATE_COOKIE, "");
    let (Some(code), Some(st)) = (input::text(&q.code), input::text(&q.state)) else {
        let why = q.error.clone().unwrap_or_else(|| "no code".into());
        return Ok(with_cookies(refused(&ctx, &Refusal::Invalid(why)), &[clear]));
    };
    match app::oidc_complete(&state, code, st, cookie(&headers, STATE_COOKIE), ctx.ip, &ctx.user_agent, ctx.session_token.as_deref()).await? {
        Ok(s) => Ok(with_cookies(see_other(&local_path(Some(&s.next), "/home")), &[auth::cookie(&state, SESSION_COOKIE, &s.token, None), clear])),
        Err(r) => Ok(with_cookies(refused(&ctx, &r), &[clear])),
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct OidcLogout {
    #[serde(default)]
    pub logout_token: String,
}

/// POST /auth/oidc/logout: the provider's back-channel logout (OpenID Connect Back-Channel
/// Logout 1.0): 200 once the token checks out, 400 otherwise.
pub async fn oidc_back_channel_logout(State(state): State<AppState>, axum::Form(f): axum::Form<OidcLogout>) -> AppResult<Response> {
    let n = app::oidc_logout(&state, &f.logout_token).await?;
    tracing::info!(sessions = n, "OpenID back-channel logout");
    Ok((StatusCode::OK, [(axum::http::header::CACHE_CONTROL, "no-store")], "").into_response())
}

/// The paths whose POST comes from the provider's server, not a browser: exempt from the
/// Origin check, and verified by their handlers instead.
pub const BACK_CHANNEL: &[&str] = &["/auth/cas/callback", "/auth/oidc/logout"];
