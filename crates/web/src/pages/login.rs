//! Logging in and out, changing one's password, switching the language.

use super::{FormState, Layout, local_path, render, render_status, see_other};
use crate::auth::{self, LANG_COOKIE, SESSION_COOKIE};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::input::{self, Fields, Params};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use pacesetter_domain::Lang;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    f: FormState,
    next: String,
    message: Option<String>,
    /// The campus sign-on's start addresses (with `next`), when configured.
    cas: Option<String>,
    oidc: Option<String>,
}

/// The campus sign-on buttons' addresses.
fn sign_on_links(state: &AppState, next: &str) -> (Option<String>, Option<String>) {
    let q = format!("?next={}", percent_encoding::utf8_percent_encode(next, percent_encoding::NON_ALPHANUMERIC));
    match &state.site.sign_on {
        Some(p) => (p.cas.as_ref().map(|_| format!("/auth/cas{q}")), p.oidc.as_ref().map(|_| format!("/auth/oidc{q}"))),
        None => (None, None),
    }
}

/// Where to go after logging in (`next`, a path on this site).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    pub next: Option<String>,
}

pub async fn form(State(state): State<AppState>, ctx: Ctx, Params(q): Params<NextQuery>) -> Response {
    if ctx.caller.is_some() {
        return see_other("/home");
    }
    let next = local_path(input::text(&q.next), "/home");
    let (cas, oidc) = sign_on_links(&state, &next);
    render(&LoginPage { l: Layout::new(&ctx, ctx.t("登录", "Log in")), f: FormState::new(ctx.lang), next, message: None, cas, oidc })
}

/// The login form.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub next: Option<String>,
}

pub async fn submit(State(state): State<AppState>, ctx: Ctx, form: Result<Fields<LoginForm>, AppError>) -> Response {
    let form = match form {
        Ok(Fields(f)) => f,
        Err(e) => return e.into_response(),
    };
    let (username, password) = (form.username, form.password);
    let next = local_path(input::text(&form.next), "/home");
    match auth::login(&state, &username, &password, ctx.ip, &ctx.user_agent, ctx.session_token.as_deref()).await {
        Ok(done) => {
            let to = if done.must_change_password { "/password".to_string() } else { next };
            let mut resp = see_other(&to);
            if let Ok(v) = auth::cookie(&state, SESSION_COOKIE, &done.token, None).parse() {
                resp.headers_mut().append(SET_COOKIE, v);
            }
            resp
        }
        Err(e) if matches!(e.status, StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS | StatusCode::FORBIDDEN) => {
            let mut f = FormState::new(ctx.lang);
            f.set("username", username);
            let (cas, oidc) = sign_on_links(&state, &next);
            let page = LoginPage { l: Layout::new(&ctx, ctx.t("登录", "Log in")), f, next, message: Some(e.message.get(ctx.lang).to_string()), cas, oidc };
            let mut r = render_status(e.status, &page);
            if let Some(s) = e.retry_after {
                if let Ok(v) = s.to_string().parse() {
                    r.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
                }
            }
            r
        }
        Err(e) => e.into_response(),
    }
}

pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    if let Some(t) = &ctx.session_token {
        auth::logout(&state, t).await?;
    }
    let mut resp = see_other("/login");
    if let Ok(v) = auth::cookie(&state, SESSION_COOKIE, "", Some(0)).parse() {
        resp.headers_mut().append(SET_COOKIE, v);
    }
    Ok(resp)
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    l: Layout,
    f: FormState,
    forced: bool,
    /// Just activated with a code: there is no current password to give.
    activating: bool,
    reset_notice: Option<String>,
    /// An account without a person keeps its own address on record (for a reset's code): its
    /// current value; None for an account whose person's record has it.
    own_email: Option<String>,
    personless: bool,
}

async fn password_page(state: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> AppResult<Response> {
    let me = ctx.me()?;
    let forced = me.account.must_change_password && !me.account.is_demo;
    let activating = me.account.password_hash.starts_with('!');
    let personless = me.account.person_id.is_none();
    let own_email = if personless { crate::app::accounts::own_address(state, me).await? } else { None };
    Ok(render_status(
        status,
        &PasswordPage { l: Layout::new(ctx, ctx.t("修改密码", "Change password")), f, forced, activating, reset_notice: reset_notice(me, ctx.lang), own_email, personless },
    ))
}

/// The holder of an account without a person records the address a reset's code goes to.
/// The address a reset's code goes to, with the current password.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct OwnEmailForm {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub email_password: String,
}

pub async fn email_submit(State(state): State<AppState>, ctx: Ctx, Fields(form): Fields<OwnEmailForm>) -> AppResult<Response> {
    let me = ctx.me()?;
    match crate::app::accounts::set_own_email(&state, me, input::text(&form.email), &form.email_password).await {
        Ok(()) => Ok(see_other("/password?done=saved")),
        Err(e) if e.fields.is_some() || e.status == StatusCode::CONFLICT => {
            let mut errs = e.fields.clone().unwrap_or_default();
            if errs.is_empty() {
                errs.0.push(pacesetter_domain::validate::FieldError { field: "email".into(), message: e.message.clone() });
            }
            // The password typed is not given back.
            let values: HashMap<String, String> = form.email.iter().map(|e| ("email".to_string(), e.clone())).collect();
            let errs = pacesetter_domain::validate::FieldErrors(
                errs.0
                    .into_iter()
                    .map(|mut x| {
                        if x.field == "password" {
                            x.field = "email_password".into();
                        }
                        x
                    })
                    .collect(),
            );
            password_page(&state, &ctx, FormState::with(ctx.lang, values, errs), e.status).await
        }
        Err(e) => Err(e),
    }
}

pub fn reset_notice(me: &crate::auth::Caller, lang: pacesetter_domain::Lang) -> Option<String> {
    me.account.password_reset_ms.map(|ms| {
        let by = me.account.password_reset_by.clone().unwrap_or_default();
        let when = pacesetter_domain::dates::format_datetime_ms(ms, lang);
        match lang {
            pacesetter_domain::Lang::Zh => format!("您的密码已于{when}由管理员（{by}）重置。如非您本人申请，请立即联系系统管理员。"),
            pacesetter_domain::Lang::En => format!("Your password was reset by the administrator ({by}) on {when}. If you did not ask for it, tell the administrator at once."),
        }
    })
}

pub async fn password_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    password_page(&state, &ctx, FormState::new(ctx.lang), StatusCode::OK).await
}

/// A change of one's password: the current one, the new one twice.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub current: String,
    #[serde(default)]
    pub new: String,
    #[serde(default)]
    pub again: String,
}

pub async fn password_submit(State(state): State<AppState>, ctx: Ctx, Fields(form): Fields<PasswordForm>) -> AppResult<Response> {
    let me = ctx.me()?;
    let PasswordForm { current, new, again } = form;
    let result = if new != again {
        let mut e = pacesetter_domain::validate::FieldErrors::new();
        e.add("again", "两次输入的新密码不一致", "The two new passwords differ");
        Err(AppError::invalid(e))
    } else {
        auth::change_password(&state, me, &current, &new).await
    };
    match result {
        Ok(()) => Ok(see_other("/home?done=password")),
        Err(e) if e.fields.is_some() => {
            password_page(&state, &ctx, FormState::with(ctx.lang, HashMap::new(), e.fields.clone().unwrap_or_default()), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

/// Remembers the language: on the account when logged in, in a cookie otherwise.
/// The language switch: the language (else the other one) and where to go back to.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct LangForm {
    #[serde(default)]
    pub lang: Option<String>,
    #[serde(default)]
    pub next: Option<String>,
}

pub async fn switch_lang(State(state): State<AppState>, ctx: Ctx, Fields(form): Fields<LangForm>) -> AppResult<Response> {
    let lang = input::text(&form.lang).and_then(Lang::parse).unwrap_or(ctx.lang.other());
    let next = local_path(input::text(&form.next), "/home");
    if let Some(c) = &ctx.caller {
        crate::app::accounts::set_lang(&state, c, lang).await?;
    }
    let mut resp = see_other(&next);
    if let Ok(v) = auth::cookie(&state, LANG_COOKIE, lang.code(), Some(365 * 24 * 3600)).parse() {
        resp.headers_mut().append(SET_COOKIE, v);
    }
    Ok(resp)
}
