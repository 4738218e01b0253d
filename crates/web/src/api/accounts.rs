//! Accounts and roles over the API: adapters over [`crate::app::accounts`].

use super::date_or_today;
use super::dto::*;
use crate::app::accounts::{self as app, AccountQuery};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::Params;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use pacesetter_domain::ids::{AccountId, AuditorRequestId, GrantId, OrgId, PersonId};
use pacesetter_domain::role::TwoOfficeAction;

pub async fn list(State(s): State<AppState>, ctx: Ctx, Params(q): Params<AccountQuery>) -> AppResult<Json<AccountPage>> {
    let p = q.paging();
    let (rows, total) = app::list(&s, q.text(), p.offset(), p.limit()).await?;
    let items = rows.into_iter().map(|r| app::list_view(r, ctx.lang)).collect();
    Ok(Json(AccountPage { items, total, page: p.page, per_page: p.limit() }))
}

pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<AccountDto>> {
    Ok(Json(app::view(&s, &ctx.me()?.scope, AccountId(id), ctx.lang).await?))
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Json(b): Json<NewAccountRequest>) -> AppResult<Json<AccountDto>> {
    let id = app::create(&s, &ctx.me()?.scope, &b.username, b.display_name.as_deref(), b.person_id.map(PersonId), &b.password).await?;
    Ok(Json(app::view(&s, &ctx.me()?.scope, id, ctx.lang).await?))
}

pub async fn grant(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<NewGrant>) -> AppResult<Json<AccountDto>> {
    let role = app::parse_role(&b.role)?;
    let start = date_or_today("start_date", b.start_date.as_deref())?;
    app::grant(&s, &ctx.me()?.scope, AccountId(id), role, b.org_id.map(OrgId), start).await?;
    Ok(Json(app::view(&s, &ctx.me()?.scope, AccountId(id), ctx.lang).await?))
}

pub async fn end_grant(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<DateRequest>) -> AppResult<StatusCode> {
    let on = date_or_today("date", b.date.as_deref())?;
    app::end_grant(&s, &ctx.me()?.scope, GrantId(id), on).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn reset_password(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<PasswordReset>) -> AppResult<StatusCode> {
    app::reset(&s, &ctx.me()?.scope, AccountId(id), &b.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn request_auditor(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<AuditorRequestDto>> {
    Ok(Json(app::ask(&s, &ctx.me()?.scope, AccountId(id), TwoOfficeAction::GrantAuditor, None, ctx.lang).await?))
}

pub async fn create_request(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<TwoOfficeRequest>) -> AppResult<Json<AuditorRequestDto>> {
    let action = app::parse_action(&b.action)?;
    Ok(Json(app::ask(&s, &ctx.me()?.scope, AccountId(id), action, b.grant_id.map(GrantId), ctx.lang).await?))
}

pub async fn auditor_requests(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<AuditorRequestDto>>> {
    Ok(Json(app::requests(&s, ctx.lang).await?))
}

pub async fn decide_auditor(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<Decision>) -> AppResult<StatusCode> {
    app::decide(&s, &ctx.me()?.scope, AuditorRequestId(id), b.approve).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn own_email(State(s): State<AppState>, ctx: Ctx, Json(b): Json<OwnEmail>) -> AppResult<StatusCode> {
    app::set_own_email(&s, ctx.me()?, b.email.as_deref(), &b.password).await?;
    Ok(StatusCode::NO_CONTENT)
}
