//! The audit log over the API (the auditor).

use super::Paging;
use super::dto::{AnchorDto, AuditEntryDto, AuditPage, VerifyDto};
use crate::error::AppResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use pacesetter_domain::audit::ChainProblem;
use pacesetter_domain::dates::cst_from_ms;
use pacesetter_store::audit::{self, AuditFilter, AuditRow};
use std::collections::HashMap;

pub fn entry_dto(r: AuditRow) -> AuditEntryDto {
    AuditEntryDto {
        seq: r.seq,
        at: cst_from_ms(r.at_ms).format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        actor: r.actor,
        action: r.action,
        entity: r.entity,
        entity_id: r.entity_id,
        before: r.before_json,
        after: r.after_json,
        hash: r.hash,
    }
}

pub fn filter(q: &HashMap<String, String>) -> AuditFilter {
    let get = |k: &str| q.get(k).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    AuditFilter { entity: get("entity"), entity_id: get("entity_id"), actor: get("actor"), action_prefix: get("action") }
}

pub async fn list(State(s): State<AppState>, Query(q): Query<HashMap<String, String>>) -> AppResult<Json<AuditPage>> {
    let p = Paging::from_query(q.get("page").map(String::as_str), q.get("per_page").map(String::as_str));
    let mut c = s.store.read().await?;
    let (rows, total) = audit::list(&mut c, &filter(&q), p.offset(), p.limit()).await?;
    Ok(Json(AuditPage { items: rows.into_iter().map(entry_dto).collect(), total, page: p.page, per_page: p.limit() }))
}

pub fn describe(p: &ChainProblem) -> String {
    match p {
        ChainProblem::Gap { expected, found } => format!("gap: entry {expected} is missing (next found: {found})"),
        ChainProblem::BrokenLink { seq } => format!("entry {seq} does not point back to the entry before it"),
        ChainProblem::Edited { seq } => format!("entry {seq} was changed after it was written"),
    }
}

/// Recomputes the chain, and checks it still reaches the latest anchor recorded.
pub async fn verify(State(s): State<AppState>) -> AppResult<Json<VerifyDto>> {
    let mut c = s.store.read().await?;
    let r = audit::verify(&mut c).await?;
    let anchor = match audit::latest_anchor(&mut c).await? {
        Some(a) => audit::reaches(&mut c, &a.anchor()).await?.err().map(|t| t.en),
        None => None,
    };
    let ok = r.ok && anchor.is_none();
    Ok(Json(VerifyDto { entries: r.entries, ok, problem: r.problem.as_ref().map(describe).or(anchor), last_hash: r.last_hash }))
}

/// Records the latest entry as an anchor: its number and hash (keep a copy off the server).
pub async fn record_anchor(State(s): State<AppState>, ctx: crate::ctx::Ctx) -> AppResult<Json<AnchorDto>> {
    let scope = ctx.me()?.scope.clone();
    let mut w = s.store.write().await?;
    let a = audit::record_anchor(&mut w, &scope).await?;
    w.commit().await.map_err(pacesetter_store::StoreError::from)?;
    let recorded = cst_from_ms(a.recorded_ms).format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    Ok(Json(AnchorDto { id: a.id, seq: a.seq, hash: a.hash, recorded, by: a.recorded_by }))
}
