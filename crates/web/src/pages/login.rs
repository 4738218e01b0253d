//! Logging in and out, changing one's password, switching the language.

use super::{FormState, Layout, field, form_map, local_path, render, render_status, see_other};
use crate::auth::{self, LANG_COOKIE, SESSION_COOKIE};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use pacesetter_domain::Lang;
use pacesetter_store::account;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    f: FormState,
    next: String,
    message: Option<String>,
}

pub async fn form(ctx: Ctx, Query(q): Query<HashMap<String, String>>) -> Response {
    if ctx.caller.is_some() {
        return see_other("/home");
    }
    let next = local_path(q.get("next").map(String::as_str), "/home");
    render(&LoginPage { l: Layout::new(&ctx, ctx.t("登录", "Log in")), f: FormState::new(ctx.lang), next, message: None })
}

pub async fn submit(State(state): State<AppState>, ctx: Ctx, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let m = form_map(pairs);
    let username = m.get("username").cloned().unwrap_or_default();
    let password = m.get("password").cloned().unwrap_or_default();
    let next = local_path(field(&m, "next"), "/home");
    match auth::login(&state, &username, &password, ctx.ip, &ctx.user_agent, ctx.session_token.as_deref()).await {
        Ok(done) => {
            let to = if done.must_change_password { "/password".to_string() } else { next };
            let mut resp = see_other(&to);
            if let Ok(v) = auth::cookie(&state, SESSION_COOKIE, &done.token, None).parse() {
                resp.headers_mut().append(SET_COOKIE, v);
            }
            resp
        }
        Err(e) if matches!(e.status, StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS) => {
            let mut f = FormState::new(ctx.lang);
            f.set("username", username);
            let page = LoginPage { l: Layout::new(&ctx, ctx.t("登录", "Log in")), f, next, message: Some(e.message.get(ctx.lang).to_string()) };
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
    let own_email = if personless {
        let mut c = state.store.read().await?;
        pacesetter_store::account::address_on_record(&mut c, me.id()).await?
    } else {
        None
    };
    Ok(render_status(
        status,
        &PasswordPage { l: Layout::new(ctx, ctx.t("修改密码", "Change password")), f, forced, activating, reset_notice: reset_notice(me, ctx.lang), own_email, personless },
    ))
}

/// The holder of an account without a person records the address a reset's code goes to.
pub async fn email_submit(State(state): State<AppState>, ctx: Ctx, Form(pairs): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let me = ctx.me()?;
    let m = form_map(pairs);
    match crate::app::accounts::set_own_email(&state, me, field(&m, "email"), m.get("email_password").map(String::as_str).unwrap_or("")).await {
        Ok(()) => Ok(see_other("/password?done=saved")),
        Err(e) if e.fields.is_some() || e.status == StatusCode::CONFLICT => {
            let mut errs = e.fields.clone().unwrap_or_default();
            if errs.is_empty() {
                errs.0.push(pacesetter_domain::validate::FieldError { field: "email".into(), message: e.message.clone() });
            }
            // The password typed is not given back.
            let values: HashMap<String, String> = m.into_iter().filter(|(k, _)| k == "email").collect();
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

pub async fn password_submit(State(state): State<AppState>, ctx: Ctx, Form(pairs): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let me = ctx.me()?;
    let m = form_map(pairs);
    let current = m.get("current").cloned().unwrap_or_default();
    let new = m.get("new").cloned().unwrap_or_default();
    let again = m.get("again").cloned().unwrap_or_default();
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
pub async fn switch_lang(State(state): State<AppState>, ctx: Ctx, Form(pairs): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let m = form_map(pairs);
    let lang = field(&m, "lang").and_then(Lang::parse).unwrap_or(ctx.lang.other());
    let next = local_path(field(&m, "next"), "/home");
    if let Some(c) = &ctx.caller {
        let mut w = state.store.write().await?;
        account::set_lang(&mut w, c.id(), lang).await?;
        w.commit().await.map_err(pacesetter_store::StoreError::from)?;
    }
    let mut resp = see_other(&next);
    if let Ok(v) = auth::cookie(&state, LANG_COOKIE, lang.code(), Some(365 * 24 * 3600)).parse() {
        resp.headers_mut().append(SET_COOKIE, v);
    }
    Ok(resp)
}
