//! Logging in and out, and the caller's own account.

use super::dto::{LangRequest, LoginRequest, Me, PasswordChange, ReachDto, RoleDto};
use crate::auth::{self, Caller, SESSION_COOKIE};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use pacesetter_domain::Lang;
use pacesetter_domain::scope::{Access, Reach};

pub fn me_dto(c: &Caller, lang: Lang) -> Me {
    Me {
        id: c.account.id,
        username: c.account.username.clone(),
        display_name: c.account.display_name.clone(),
        person_id: c.account.person_id,
        lang: c.account.lang.clone(),
        must_change_password: c.account.must_change_password && !c.account.is_demo,
        roles: c.scope.roles.iter().map(|r| RoleDto::new(*r, lang)).collect(),
        reaches: c
            .scope
            .reaches
            .iter()
            .map(|(r, a)| {
                let (kind, target) = match r {
                    Reach::All => ("all", None),
                    Reach::Org(p) => ("org", Some(p.clone())),
                    Reach::Unit(p) => ("unit", Some(p.clone())),
                    Reach::Person(id) => ("person", Some(id.to_string())),
                };
                ReachDto { kind: kind.into(), target, access: if *a == Access::Write { "write".into() } else { "read".into() } }
            })
            .collect(),
        csrf_token: c.csrf.clone(),
        password_reset: c.account.password_reset_ms.map(|ms| pacesetter_domain::dates::format_datetime_ms(ms, lang)),
        password_reset_by: c.account.password_reset_by.clone(),
    }
}

pub async fn login(State(state): State<AppState>, ctx: Ctx, Json(body): Json<LoginRequest>) -> AppResult<Response> {
    let done = auth::login(&state, &body.username, &body.password, ctx.ip, &ctx.user_agent, ctx.session_token.as_deref()).await?;
    let caller = auth::caller_from_token(&state, &done.token).await?.ok_or_else(AppError::internal)?;
    let lang = caller.account.lang();
    let mut resp = Json(me_dto(&caller, lang)).into_response();
    if let Ok(v) = auth::cookie(&state, SESSION_COOKIE, &done.token, None).parse() {
        resp.headers_mut().append(SET_COOKIE, v);
    }
    Ok(resp)
}

/// Ends the session; with an API token, revokes the token.
pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    if let Some(c) = ctx.caller.as_deref().filter(|c| c.api_token.is_some()) {
        crate::app::api_tokens::revoke_own(&state, c).await?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    if let Some(t) = &ctx.session_token {
        auth::logout(&state, t).await?;
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = auth::cookie(&state, SESSION_COOKIE, "", Some(0)).parse() {
        resp.headers_mut().append(SET_COOKIE, v);
    }
    Ok(resp)
}

pub async fn me(ctx: Ctx) -> AppResult<Json<Me>> {
    Ok(Json(me_dto(ctx.me()?, ctx.lang)))
}

pub async fn set_lang(State(state): State<AppState>, ctx: Ctx, Json(body): Json<LangRequest>) -> AppResult<Json<Me>> {
    let caller = ctx.me()?;
    let lang = Lang::parse(&body.lang).ok_or_else(|| AppError::bad_request("语言应为 zh 或 en", "The language is zh or en"))?;
    crate::app::accounts::set_lang(&state, caller, lang).await?;
    let mut c = caller.clone();
    c.account.lang = lang.code().into();
    Ok(Json(me_dto(&c, lang)))
}

pub async fn change_password(State(state): State<AppState>, ctx: Ctx, Json(body): Json<PasswordChange>) -> AppResult<StatusCode> {
    auth::change_password(&state, ctx.me()?, &body.current, &body.new).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A campus sign-on provider a client may send a person to.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SignOnProviderDto {
    /// "cas" or "oidc".
    pub provider: String,
    /// Where a browser starts the sign-on (add `?next=/path`).
    pub start: String,
}

/// The campus sign-on providers this server is configured with (none: passwords only).
pub async fn providers(State(state): State<AppState>) -> Json<Vec<SignOnProviderDto>> {
    let mut out = Vec::new();
    if let Some(p) = &state.site.sign_on {
        if p.cas.is_some() {
            out.push(SignOnProviderDto { provider: "cas".into(), start: format!("{}/auth/cas", state.site.public_url) });
        }
        if p.oidc.is_some() {
            out.push(SignOnProviderDto { provider: "oidc".into(), start: format!("{}/auth/oidc", state.site.public_url) });
        }
    }
    Json(out)
}

/// Who may log in with this platform's own password.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct PasswordPolicyDto {
    /// "everyone", or "privileged" (the administrator and the auditor only; everyone else signs
    /// on through the campus provider).
    pub passwords: String,
}

pub async fn password_policy(State(state): State<AppState>) -> AppResult<Json<PasswordPolicyDto>> {
    let p = crate::app::sign_on::password_policy(&state).await?;
    Ok(Json(PasswordPolicyDto { passwords: p.code().into() }))
}

pub async fn set_password_policy(State(state): State<AppState>, ctx: Ctx, Json(body): Json<PasswordPolicyDto>) -> AppResult<Json<PasswordPolicyDto>> {
    let policy = crate::app::sign_on::parse_policy(&body.passwords)?;
    let p = crate::app::sign_on::set_password_policy(&state, &ctx.me()?.scope, policy).await?;
    Ok(Json(PasswordPolicyDto { passwords: p.code().into() }))
}

/// The caller's own API tokens (never the tokens themselves).
pub async fn tokens(State(state): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<crate::app::api_tokens::TokenDto>>> {
    Ok(Json(crate::app::api_tokens::list(&state, ctx.me()?, ctx.lang).await?))
}

/// Makes an API token for the caller (from a session only); the answer is the one place the
/// token is ever shown.
pub async fn create_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<crate::app::api_tokens::NewTokenRequest>,
) -> AppResult<(StatusCode, Json<crate::app::api_tokens::IssuedToken>)> {
    Ok((StatusCode::CREATED, Json(crate::app::api_tokens::create(&state, ctx.me()?, &body, ctx.lang).await?)))
}

pub async fn revoke_token(State(state): State<AppState>, ctx: Ctx, axum::extract::Path(id): axum::extract::Path<i64>) -> AppResult<StatusCode> {
    crate::app::api_tokens::revoke(&state, ctx.me()?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
