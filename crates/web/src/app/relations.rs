//! Relation records (cadre–class, branch contact, unit head) and the office's outgoing mail.

use crate::error::{AppError, AppResult};
use crate::input::{self, Paging};
use crate::state::AppState;
use pacesetter_domain::ids::{PersonId, RelationId};
use pacesetter_domain::role::RelationKind;
use pacesetter_domain::scope::Scope;
use pacesetter_store::outbox::{self, Mail};
use pacesetter_store::relation::{self, Coverage, RelationRow};
use pacesetter_store::tree::Tree;
use pacesetter_store::{StoreError, people};
use serde::{Deserialize, Serialize};
use time::Date;

pub fn parse_kind(s: &str) -> AppResult<RelationKind> {
    RelationKind::parse(s).ok_or_else(|| AppError::bad_request("关系类型应为 cadre_class、branch_contact 或 unit_head", "The kind is cadre_class, branch_contact or unit_head"))
}

/// The filters of the relation records, from the query of the page, its export or the API:
/// `kind` (a kind's code, else every kind), `current` (`true`/`1` for current records only) or
/// the page's `all=true` (ended ones too), and the page.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct RelationQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_page: Option<String>,
}

impl RelationQuery {
    /// The kind asked for: a code that is not a kind is refused (it would otherwise list every kind).
    pub fn kind(&self) -> AppResult<Option<RelationKind>> {
        input::text(&self.kind).map(parse_kind).transpose()
    }

    /// Current records only? `current` decides when given, else `all`, else `default` (the
    /// page shows current ones, the API all of them unless asked).
    pub fn current(&self, default: bool) -> bool {
        let yes = |v: &str| matches!(v, "true" | "1" | "on" | "yes");
        match (input::text(&self.current), input::text(&self.all)) {
            (Some(c), _) => yes(c),
            (None, Some(a)) => !yes(a),
            (None, None) => default,
        }
    }

    pub fn paging(&self) -> Paging {
        Paging::from_query(self.page.as_deref(), self.per_page.as_deref())
    }

    /// The query as pairs, for the pager's links.
    pub fn pairs(&self) -> Vec<(String, String)> {
        input::pairs_of(self)
    }
}

/// The kinds of relation record the caller keeps (every kind for the office, the cadre–class
/// links for the staff of the unit it names); none is a 403.
pub async fn kinds_kept(state: &AppState, scope: &Scope) -> AppResult<Vec<RelationKind>> {
    let mut c = state.store.read().await?;
    let kinds = relation::kinds_kept(&mut c, scope).await?;
    if kinds.is_empty() {
        return Err(AppError::new(
            axum::http::StatusCode::FORBIDDEN,
            "forbidden",
            "只有创先办（干部联系班级另有创先办指定单位的工作人员）可以查看关系记录",
            "Only the campaign office (and, for cadres and classes, the staff of the unit it names) sees relation records",
        ));
    }
    Ok(kinds)
}

/// A page of relation records (of a kind the caller keeps, or all they keep; current ones only,
/// or all).
pub async fn list(state: &AppState, scope: &Scope, kind: Option<RelationKind>, current: bool, offset: i64, limit: i64) -> AppResult<(Vec<RelationRow>, i64)> {
    let kept = kinds_kept(state, scope).await?;
    let kinds = match kind {
        Some(k) if !kept.contains(&k) => {
            return Err(AppError::new(axum::http::StatusCode::FORBIDDEN, "forbidden", "您不能查看这类关系记录", "You may not see relation records of this kind"));
        }
        Some(k) => vec![k],
        None => kept,
    };
    let mut c = state.store.read().await?;
    Ok(relation::list(&mut c, &kinds, current, offset, limit).await?)
}

/// Classes, branches and window units still without their relation.
/// Coverage of the three relations, the classes and branches named by their full paths (twenty
/// 计算机1101班 told apart).
/// Only the kinds the caller keeps are counted (the staff who link cadres see item 8's).
pub async fn coverage(state: &AppState, scope: &Scope) -> AppResult<Coverage> {
    let kept = kinds_kept(state, scope).await?;
    let mut c = state.store.read().await?;
    let mut cov = relation::coverage(&mut c).await?;
    if !kept.contains(&RelationKind::BranchContact) {
        cov.branches = 0;
        cov.branches_without_contact.clear();
    }
    if !kept.contains(&RelationKind::UnitHead) {
        cov.window_units = 0;
        cov.window_units_without_head.clear();
    }
    let classes = std::mem::take(&mut cov.classes_without_cadre);
    cov.classes_without_cadre = crate::app::tree::with_full_paths(&mut c, Tree::Unit, classes).await?;
    let branches = std::mem::take(&mut cov.branches_without_contact);
    cov.branches_without_contact = crate::app::tree::with_full_paths(&mut c, Tree::Org, branches).await?;
    Ok(cov)
}

/// Creates a relation record for the person with a staff number (or id).
pub async fn create(state: &AppState, scope: &Scope, kind: RelationKind, person: PersonId, target: i64, start: Date) -> AppResult<RelationRow> {
    let mut w = state.store.write().await?;
    let row = relation::create(&mut w, scope, kind, person, target, start).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(row)
}

/// The person with a staff number, for the office's form.
pub async fn person_by_number(state: &AppState, number: &str) -> AppResult<Option<PersonId>> {
    let mut c = state.store.read().await?;
    Ok(people::id_by_number(&mut c, number).await?)
}

pub async fn end(state: &AppState, scope: &Scope, id: RelationId, on: Date) -> AppResult<RelationRow> {
    let mut w = state.store.write().await?;
    let row = relation::end(&mut w, scope, id, on).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(row)
}

/// The outbox as the office sees it: what was sent, what waits, what failed and why.
pub struct Outbox {
    pub sent: i64,
    pub pending: i64,
    pub failed: i64,
    /// The mail not yet delivered (the latest 200), each with whether it has given up.
    pub undelivered: Vec<(Mail, bool)>,
}

pub async fn outbox(state: &AppState) -> AppResult<Outbox> {
    let mut c = state.store.read().await?;
    let (sent, pending, failed) = outbox::counts(&mut c).await?;
    let undelivered = outbox::undelivered(&mut c, 200)
        .await?
        .into_iter()
        .map(|m| {
            let failed = m.attempts >= outbox::MAX_ATTEMPTS;
            (m, failed)
        })
        .collect();
    Ok(Outbox { sent, pending, failed, undelivered })
}
