//! The audit log, for the auditor: the entries, the chain's verification, anchors.

use crate::error::AppResult;
use crate::state::AppState;
use pacesetter_domain::audit::ChainProblem;
use pacesetter_domain::scope::Scope;
use pacesetter_domain::{Lang, Text};
use pacesetter_store::StoreError;
use pacesetter_store::audit::{self, AnchorRow, AuditFilter, AuditRow, VerifyReport};
use std::collections::HashMap;

/// The filter of a query string (entity, entity_id, actor, action: the beginning of one).
pub fn filter(q: &HashMap<String, String>) -> AuditFilter {
    let get = |k: &str| q.get(k).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    AuditFilter { entity: get("entity"), entity_id: get("entity_id"), actor: get("actor"), action_prefix: get("action") }
}

/// A page of entries, newest first.
pub async fn list(state: &AppState, f: &AuditFilter, offset: i64, limit: i64) -> AppResult<(Vec<AuditRow>, i64)> {
    let mut c = state.store.read().await?;
    Ok(audit::list(&mut c, f, offset, limit).await?)
}

pub fn describe(p: &ChainProblem) -> String {
    match p {
        ChainProblem::Gap { expected, found } => format!("gap: entry {expected} is missing (next found: {found})"),
        ChainProblem::BrokenLink { seq } => format!("entry {seq} does not point back to the entry before it"),
        ChainProblem::Edited { seq } => format!("entry {seq} was changed after it was written"),
    }
}

/// The chain recomputed, and whether it still reaches the latest anchor recorded.
pub struct Verified {
    pub report: VerifyReport,
    /// Why the chain no longer reaches the latest anchor.
    pub anchor: Option<Text>,
}

impl Verified {
    pub fn ok(&self) -> bool {
        self.report.ok && self.anchor.is_none()
    }

    /// The problem in words: the chain's, else the anchor's.
    pub fn problem(&self, lang: Lang) -> Option<String> {
        self.report.problem.as_ref().map(describe).or_else(|| self.anchor.as_ref().map(|t| t.get(lang).to_string()))
    }
}

pub async fn verify(state: &AppState) -> AppResult<Verified> {
    let mut c = state.store.read().await?;
    let report = audit::verify(&mut c).await?;
    let anchor = anchor_problem(&mut c).await?;
    Ok(Verified { report, anchor })
}

async fn anchor_problem(c: &mut pacesetter_store::Conn) -> Result<Option<Text>, StoreError> {
    Ok(match audit::latest_anchor(c).await? {
        Some(a) => audit::reaches(c, &a.anchor()).await?.err(),
        None => None,
    })
}

/// The latest anchor and, when the chain no longer reaches it, why (a cheap check for the page).
pub async fn latest_anchor(state: &AppState) -> AppResult<(Option<AnchorRow>, Option<Text>)> {
    let mut c = state.store.read().await?;
    let a = audit::latest_anchor(&mut c).await?;
    let problem = anchor_problem(&mut c).await?;
    Ok((a, problem))
}

/// Records the latest entry as an anchor.
pub async fn record_anchor(state: &AppState, scope: &Scope) -> AppResult<AnchorRow> {
    let mut w = state.store.write().await?;
    let a = audit::record_anchor(&mut w, scope).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(a)
}

/// An anchor as the text the auditor keeps off the server.
pub async fn anchor_text(state: &AppState, id: i64) -> AppResult<(i64, String)> {
    let mut c = state.store.read().await?;
    let a = audit::anchor(&mut c, id).await?;
    let text = a.anchor().to_text(&pacesetter_domain::dates::format_datetime_ms(a.recorded_ms, Lang::En), &a.recorded_by);
    Ok((a.seq, text))
}
