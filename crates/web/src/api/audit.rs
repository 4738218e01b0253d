//! The audit log over the API (the auditor): adapters over [`crate::app::audit`].

use super::dto::{AnchorDto, AuditEntryDto, AuditPage, VerifyDto};
use crate::app::audit as app;
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use pacesetter_domain::Lang;
use pacesetter_domain::dates::cst_from_ms;
use pacesetter_store::audit::AuditRow;

pub fn entry_dto(r: AuditRow, lang: Lang) -> AuditEntryDto {
    AuditEntryDto {
        seq: r.seq,
        at: cst_from_ms(r.at_ms).format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        actor: r.actor,
        action_label: pacesetter_domain::audit::action_label(&r.action, lang),
        action: r.action,
        entity: r.entity,
        entity_id: r.entity_id,
        before: r.before_json,
        after: r.after_json,
        hash: r.hash,
    }
}

pub async fn list(State(s): State<AppState>, ctx: Ctx, Query(q): Query<app::AuditQuery>) -> AppResult<Json<AuditPage>> {
    let p = q.paging();
    let (rows, total) = app::list(&s, &q.filter(), p.offset(), p.limit()).await?;
    Ok(Json(AuditPage { items: rows.into_iter().map(|r| entry_dto(r, ctx.lang)).collect(), total, page: p.page, per_page: p.limit() }))
}

/// Recomputes the chain, and checks it reaches the latest anchor.
pub async fn verify(State(s): State<AppState>) -> AppResult<Json<VerifyDto>> {
    let v = app::verify(&s).await?;
    Ok(Json(VerifyDto { entries: v.report.entries, ok: v.ok(), problem: v.problem(Lang::En), last_hash: v.report.last_hash.clone() }))
}

/// Records the latest entry as an anchor: its number and hash (keep a copy off the server).
pub async fn record_anchor(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<AnchorDto>> {
    let a = app::record_anchor(&s, &ctx.me()?.scope).await?;
    let recorded = cst_from_ms(a.recorded_ms).format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    Ok(Json(AnchorDto { id: a.id, seq: a.seq, hash: a.hash, recorded, by: a.recorded_by }))
}
