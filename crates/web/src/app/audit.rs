//! The audit log, for the auditor: the entries, the chain's verification, anchors.

use crate::error::AppResult;
use crate::input::{self, Paging};
use crate::state::AppState;
use pacesetter_domain::audit::ChainProblem;
use pacesetter_domain::scope::Scope;
use pacesetter_domain::{Lang, Text};
use pacesetter_store::StoreError;
use pacesetter_store::audit::{self, AnchorRow, AuditFilter, AuditRow, VerifyReport};
use serde::{Deserialize, Serialize};

/// The log's query: what to show (entity, entity_id, actor, action: the beginning of one), the
/// page, and whether to verify the chain (`verify=1`, the page only).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct AuditQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_page: Option<String>,
}

impl AuditQuery {
    pub fn filter(&self) -> AuditFilter {
        let get = |v: &Option<String>| input::text(v).map(str::to_string);
        AuditFilter { entity: get(&self.entity), entity_id: get(&self.entity_id), actor: get(&self.actor), action_prefix: get(&self.action) }
    }

    /// The page asked for, clamped.
    pub fn paging(&self) -> Paging {
        Paging::from_query(self.page.as_deref(), self.per_page.as_deref())
    }

    pub fn verify(&self) -> bool {
        input::text(&self.verify) == Some("1")
    }

    /// The query as pairs, for the pager's links.
    pub fn pairs(&self) -> Vec<(String, String)> {
        serde_urlencoded::to_string(self).ok().and_then(|q| serde_urlencoded::from_str(&q).ok()).unwrap_or_default()
    }
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
