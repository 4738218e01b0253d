//! The disposal of unqualified members as use cases: the cases the caller keeps (with the
//! appraisals' 不合格 cases still to take up), opening one for a member or from an appraisal's
//! case, following it up, closing it with its outcome. Confidential: see
//! [`pacesetter_store::disposal`].

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use pacesetter_domain::dates::today;
use pacesetter_domain::disposal as dp;
use pacesetter_domain::scope::Scope;
use pacesetter_store::StoreError;
use pacesetter_store::disposal::{self as store, CaseRow};
use serde::{Deserialize, Serialize};
use time::Date;

/// A case as typed: the member by number, or the appraisal's case it comes from.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct OpenInput {
    /// The member's staff or student number (when not from an appraisal).
    #[serde(default)]
    pub number: String,
    /// An appraisal's follow-up case of a 不合格 grade.
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    pub appraisal_case: Option<i64>,
    /// talk, correction, persuade or removal.
    #[serde(default)]
    pub measure: String,
    #[serde(default)]
    pub grounds: String,
    /// YYYY-MM-DD; required for a correction.
    #[serde(default)]
    pub deadline: String,
}

pub async fn open(s: &AppState, scope: &Scope, input: &OpenInput) -> AppResult<i64> {
    let opening = dp::parse_opening(&input.measure, &input.grounds, &input.deadline, today()).map_err(AppError::invalid)?;
    let mut w = s.store.write().await?;
    // Only the office learns that a number is not on the roster: anyone else gets the same 404
    // for a number that does not exist as for one outside their branches.
    let office = scope.has(pacesetter_domain::role::Role::Office);
    let person = match input.number.trim() {
        "" => None,
        n => match pacesetter_store::people::id_by_number(&mut w, n).await? {
            Some(p) => Some(p.0),
            None if office => return Err(AppError::invalid_field("number", "名册中没有这个学号或工号", "No one on the roster has this number")),
            None => return Err(AppError::not_found()),
        },
    };
    let id = store::open(&mut w, scope, person, input.appraisal_case, &opening, today()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

/// The caller's cases, and the appraisals' cases still to take up.
pub struct Overview {
    pub cases: Vec<CaseRow>,
    pub pending: Vec<(i64, String, String)>,
}

pub async fn overview(s: &AppState, scope: &Scope) -> AppResult<Overview> {
    let mut c = s.store.read().await?;
    Ok(Overview { cases: store::list(&mut c, scope).await?, pending: store::pending_from_appraisals(&mut c, scope).await? })
}

/// A case with its follow-ups.
pub struct CaseView {
    pub k: CaseRow,
    pub followups: Vec<(Date, String)>,
}

pub async fn case(s: &AppState, scope: &Scope, id: i64) -> AppResult<CaseView> {
    let mut c = s.store.read().await?;
    let k = store::get(&mut c, scope, id).await?;
    let followups = store::followups(&mut c, scope, id).await?;
    Ok(CaseView { k, followups })
}

/// A follow-up as typed.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct FollowUpInput {
    /// YYYY-MM-DD, not after today.
    #[serde(default)]
    pub on_day: String,
    #[serde(default)]
    pub note: String,
}

pub async fn follow_up(s: &AppState, scope: &Scope, id: i64, input: &FollowUpInput) -> AppResult<()> {
    let (on, note) = dp::parse_followup(&input.on_day, &input.note, today()).map_err(AppError::invalid)?;
    let mut w = s.store.write().await?;
    store::follow_up(&mut w, scope, id, on, &note).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// The outcome that closes a case.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct CloseInput {
    /// corrected, left, removed or other.
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub outcome_note: String,
}

pub async fn close(s: &AppState, scope: &Scope, id: i64, input: &CloseInput) -> AppResult<CaseRow> {
    let (outcome, note) = dp::parse_outcome(&input.outcome, &input.outcome_note).map_err(AppError::invalid)?;
    let mut w = s.store.write().await?;
    let k = store::close(&mut w, scope, id, outcome, &note, today()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(k)
}

/// The cases as one sheet, to hand upward.
pub fn sheet(cases: &[CaseRow], lang: pacesetter_domain::Lang) -> crate::export::Sheet {
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    let day = |d: Option<Date>| d.map(pacesetter_domain::dates::iso).unwrap_or_default();
    crate::export::Sheet {
        name: t("不合格党员处置", "Disposal cases"),
        headers: vec![
            t("党员", "Member"),
            t("党支部", "Branch"),
            t("措施", "Measure"),
            t("事由", "Grounds"),
            t("期限", "Deadline"),
            t("立案日期", "Opened"),
            t("结果", "Outcome"),
            t("办结日期", "Closed"),
        ],
        rows: cases
            .iter()
            .map(|k| {
                vec![
                    k.person_name.clone(),
                    k.org_name.clone(),
                    k.measure().label(lang).to_string(),
                    k.grounds.clone(),
                    day(k.deadline),
                    pacesetter_domain::dates::iso(k.opened_on),
                    k.outcome().map(|o| o.label(lang).to_string()).unwrap_or_else(|| t("办理中", "open")),
                    day(k.closed_on),
                ]
            })
            .collect(),
    }
}
