//! Relation records over the API (the campaign office).

use super::dto::{CoverageDto, DateRequest, NamedId, NewRelation, RelationDto, RelationPage};
use super::{Paging, date_or_today};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use pacesetter_domain::ids::{PersonId, RelationId};
use pacesetter_domain::role::RelationKind;
use pacesetter_store::{StoreError, relation};
use std::collections::HashMap;

pub fn parse_kind(s: &str) -> AppResult<RelationKind> {
    RelationKind::parse(s).ok_or_else(|| AppError::bad_request("关系类型应为 cadre_class、branch_contact 或 unit_head", "The kind is cadre_class, branch_contact or unit_head"))
}

pub async fn list(State(s): State<AppState>, ctx: Ctx, Query(q): Query<HashMap<String, String>>) -> AppResult<Json<RelationPage>> {
    let kind = match q.get("kind").map(String::as_str).filter(|k| !k.is_empty()) {
        Some(k) => Some(parse_kind(k)?),
        None => None,
    };
    let p = Paging::from_query(q.get("page").map(String::as_str), q.get("per_page").map(String::as_str));
    let current = q.get("current").is_some_and(|v| v == "true" || v == "1");
    let mut c = s.store.read().await?;
    let (rows, total) = relation::list(&mut c, kind, current, p.offset(), p.limit()).await?;
    Ok(Json(RelationPage { items: rows.iter().map(|r| RelationDto::new(r, ctx.lang)).collect(), total, page: p.page, per_page: p.limit() }))
}

pub async fn coverage(State(s): State<AppState>) -> AppResult<Json<CoverageDto>> {
    let mut c = s.store.read().await?;
    let cov = relation::coverage(&mut c).await?;
    let named = |v: Vec<(i64, String)>| v.into_iter().map(|(id, name)| NamedId { id, name }).collect();
    Ok(Json(CoverageDto {
        classes: cov.classes,
        classes_without_cadre: named(cov.classes_without_cadre),
        branches: cov.branches,
        branches_without_contact: named(cov.branches_without_contact),
        window_units: cov.window_units,
        window_units_without_head: named(cov.window_units_without_head),
    }))
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Json(b): Json<NewRelation>) -> AppResult<Json<RelationDto>> {
    let scope = &ctx.me()?.scope;
    let kind = parse_kind(&b.kind)?;
    let start = date_or_today("start_date", b.start_date.as_deref())?;
    let mut w = s.store.write().await?;
    let row = relation::create(&mut w, scope, kind, PersonId(b.person_id), b.target_id, start).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(Json(RelationDto::new(&row, ctx.lang)))
}

pub async fn end(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<DateRequest>) -> AppResult<Json<RelationDto>> {
    let scope = &ctx.me()?.scope;
    let on = date_or_today("date", b.date.as_deref())?;
    let mut w = s.store.write().await?;
    let row = relation::end(&mut w, scope, RelationId(id), on).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(Json(RelationDto::new(&row, ctx.lang)))
}

/// The outbox as the office sees it: what was sent, what waits, what failed and why.
pub async fn outbox(State(s): State<AppState>) -> AppResult<Json<super::dto::OutboxDto>> {
    let mut c = s.store.read().await?;
    let (sent, pending, failed) = pacesetter_store::outbox::counts(&mut c).await?;
    let undelivered = pacesetter_store::outbox::undelivered(&mut c, 200)
        .await?
        .into_iter()
        .map(|m| super::dto::MailDto {
            id: m.id,
            to: m.to_addr,
            subject: m.subject,
            attempts: m.attempts,
            last_error: m.last_error,
            state: if m.attempts >= pacesetter_store::outbox::MAX_ATTEMPTS { "failed".into() } else { "pending".into() },
        })
        .collect();
    Ok(Json(super::dto::OutboxDto { sent, pending, failed, undelivered }))
}
