//! The page where a person makes, sees and revokes their tokens for API clients. A new token is
//! shown on the answer to the form that made it, once (no redirect would carry it).

use super::{FormState, Layout, render_status, see_other};
use crate::app::api_tokens::{self as app, IssuedToken, NewTokenRequest, TokenDto};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::Fields;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use pacesetter_domain::api_token::MAX_DAYS;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    l: Layout,
    f: FormState,
    tokens: Vec<TokenDto>,
    issued: Option<IssuedToken>,
    /// The guarded roles make read-only tokens only.
    read_only: bool,
    max_days: i64,
}

async fn page(state: &AppState, ctx: &Ctx, f: FormState, issued: Option<IssuedToken>, status: StatusCode) -> AppResult<Response> {
    let me = ctx.me()?;
    let tokens = app::list(state, me, ctx.lang).await?;
    let read_only = !pacesetter_domain::api_token::may_write(&me.scope);
    Ok(render_status(status, &TokensPage { l: Layout::new(ctx, ctx.t("接口令牌", "API tokens")), f, tokens, issued, read_only, max_days: MAX_DAYS }))
}

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let mut f = FormState::new(ctx.lang);
    f.set("days", "90");
    f.set("access", "read");
    page(&state, &ctx, f, None, StatusCode::OK).await
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub access: String,
    #[serde(default)]
    pub days: String,
}

pub async fn create(State(state): State<AppState>, ctx: Ctx, Fields(form): Fields<TokenForm>) -> AppResult<Response> {
    let me = ctx.me()?;
    // A number that does not parse is out of range: the rules say so in the user's language.
    let req = NewTokenRequest { name: form.name.clone(), access: form.access.clone(), days: form.days.trim().parse().unwrap_or(0) };
    match app::create(&state, me, &req, ctx.lang).await {
        Ok(issued) => {
            let mut f = FormState::new(ctx.lang);
            f.set("days", "90");
            f.set("access", "read");
            page(&state, &ctx, f, Some(issued), StatusCode::OK).await
        }
        Err(e) if e.fields.is_some() => {
            let values: HashMap<String, String> = [("name", form.name), ("access", form.access), ("days", form.days)].into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            page(&state, &ctx, FormState::refused(ctx.lang, values, &e), None, e.status).await
        }
        Err(e) => Err(e),
    }
}

pub async fn revoke(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    app::revoke(&state, ctx.me()?, id).await?;
    Ok(see_other("/tokens"))
}
