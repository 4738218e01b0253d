//! Relation records over the API (the campaign office): adapters over [`crate::app::relations`].

use super::date_or_today;
use super::dto::{CoverageDto, DateRequest, MailDto, NamedId, NewRelation, OutboxDto, RelationDto, RelationPage};
use crate::app::relations::{self as app, RelationQuery};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::Params;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use pacesetter_domain::ids::{PersonId, RelationId};

pub async fn list(State(s): State<AppState>, ctx: Ctx, Params(q): Params<RelationQuery>) -> AppResult<Json<RelationPage>> {
    let p = q.paging();
    let (rows, total) = app::list(&s, &ctx.me()?.scope, q.kind()?, q.current(false), p.offset(), p.limit()).await?;
    Ok(Json(RelationPage { items: rows.iter().map(|r| RelationDto::new(r, ctx.lang)).collect(), total, page: p.page, per_page: p.limit() }))
}

pub async fn coverage(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<CoverageDto>> {
    let cov = app::coverage(&s, &ctx.me()?.scope).await?;
    let named = |v: Vec<(i64, String)>| v.into_iter().map(|(id, name)| NamedId { id, name }).collect();
    Ok(Json(CoverageDto {
        classes: cov.classes,
        classes_without_cadre: named(cov.classes_without_cadre),
        cadres: cov.cadres,
        cadres_without_class: named(cov.cadres_without_class),
        branches: cov.branches,
        branches_without_contact: named(cov.branches_without_contact),
        window_units: cov.window_units,
        window_units_without_head: named(cov.window_units_without_head),
    }))
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Json(b): Json<NewRelation>) -> AppResult<Json<RelationDto>> {
    let kind = app::parse_kind(&b.kind)?;
    let start = date_or_today("start_date", b.start_date.as_deref())?;
    let row = app::create(&s, &ctx.me()?.scope, kind, PersonId(b.person_id), b.target_id, start).await?;
    Ok(Json(RelationDto::new(&row, ctx.lang)))
}

pub async fn end(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<DateRequest>) -> AppResult<Json<RelationDto>> {
    let on = date_or_today("date", b.date.as_deref())?;
    let row = app::end(&s, &ctx.me()?.scope, RelationId(id), on).await?;
    Ok(Json(RelationDto::new(&row, ctx.lang)))
}

/// The outbox as the office sees it: what was sent, what waits, what failed and why.
pub async fn outbox(State(s): State<AppState>) -> AppResult<Json<OutboxDto>> {
    let o = app::outbox(&s).await?;
    let undelivered = o
        .undelivered
        .into_iter()
        .map(|(m, failed)| MailDto {
            id: m.id,
            to: m.to_addr,
            subject: m.subject,
            attempts: m.attempts,
            last_error: m.last_error,
            state: if failed { "failed".into() } else { "pending".into() },
        })
        .collect();
    Ok(Json(OutboxDto { sent: o.sent, pending: o.pending, failed: o.failed, undelivered }))
}
