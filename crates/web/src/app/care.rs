//! Care visits (走访慰问) as use cases: the office's rounds and their lists, the targets the caller
//! keeps with the visits, recording a visit with photos, the coverage per college and the export.
//! Who sees what: [`pacesetter_store::care`].

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::upload::File;
use pacesetter_domain::Lang;
use pacesetter_domain::care::{self as dc, Reason};
use pacesetter_domain::dates::today;
use pacesetter_domain::scope::Scope;
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::StoreError;
use pacesetter_store::care::{self as store, RoundRow, TargetRow};
use serde::{Deserialize, Serialize};

/// A round as typed.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct RoundInput {
    /// Such as 2012年七一走访慰问.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
}

pub async fn create_round(s: &AppState, scope: &Scope, input: &RoundInput) -> AppResult<i64> {
    let r = dc::parse_round(&input.name, &input.starts_on, &input.ends_on).map_err(AppError::invalid)?;
    let mut w = s.store.write().await?;
    let id = store::create_round(&mut w, scope, &r).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

/// People to add to a round's list: the retired cadres on the roster, or people by number with
/// the reason.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct TargetsInput {
    /// retired_cadre, old_member, hardship or named.
    #[serde(default)]
    pub reason: String,
    /// Staff or student numbers, separated by spaces, commas or lines; empty adds every one of
    /// the kind on the roster (retired cadres; 老党员 by the office's bound on Party standing;
    /// members whose file says hardship), for named people it is required.
    #[serde(default)]
    pub numbers: String,
}

pub async fn add_targets(s: &AppState, scope: &Scope, round: i64, input: &TargetsInput) -> AppResult<usize> {
    let reason = Reason::parse(&input.reason).ok_or_else(|| AppError::invalid_field("reason", "请选择走访对象类别", "Choose why they are visited"))?;
    let mut w = s.store.write().await?;
    let people = if pacesetter_domain::validate::numbers_of(&input.numbers).is_empty() {
        // Every one of the group, from the roster and the members' files.
        match reason {
            Reason::RetiredCadre => store::retired_cadres(&mut w).await?,
            Reason::OldMember => pacesetter_store::member_file::members_of_group(&mut w, "old_member", pacesetter_domain::dates::today()).await?,
            Reason::Hardship => pacesetter_store::member_file::members_of_group(&mut w, "hardship", pacesetter_domain::dates::today()).await?,
            Reason::Named => return Err(AppError::invalid_field("numbers", "请填写走访对象的工号或学号", "Give the numbers of the people to visit")),
        }
    } else {
        crate::app::people::ids_of_numbers(&mut w, &input.numbers, "numbers").await?
    };
    let n = store::add_targets(&mut w, scope, round, reason, &people).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(n)
}

pub async fn rounds(s: &AppState) -> AppResult<Vec<RoundRow>> {
    let mut c = s.store.read().await?;
    Ok(store::rounds(&mut c).await?)
}

/// A round with the targets the caller keeps and the coverage per college.
pub struct RoundView {
    pub r: RoundRow,
    pub targets: Vec<TargetRow>,
    /// (college, targets, visited).
    pub coverage: Vec<(String, i64, i64)>,
}

pub async fn round(s: &AppState, scope: &Scope, id: i64) -> AppResult<RoundView> {
    let mut c = s.store.read().await?;
    let r = store::round(&mut c, id).await?;
    let targets = store::targets(&mut c, scope, id).await?;
    let mut coverage: Vec<(String, i64, i64)> = Vec::new();
    for t in &targets {
        let i = match coverage.iter().position(|x| x.0 == t.college) {
            Some(i) => i,
            None => {
                coverage.push((t.college.clone(), 0, 0));
                coverage.len() - 1
            }
        };
        coverage[i].1 += 1;
        coverage[i].2 += i64::from(t.visit.is_some());
    }
    Ok(RoundView { r, targets, coverage })
}

/// A visit as typed (the form's fields).
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct VisitInput {
    #[serde(default)]
    pub on_day: String,
    /// Who went.
    #[serde(default)]
    pub visitors: String,
    /// What was given.
    #[serde(default)]
    pub gifts: String,
    /// Its value in yuan.
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub note: String,
}

impl VisitInput {
    pub fn from_form(form: &crate::upload::MultipartForm) -> VisitInput {
        let v = |k: &str| form.values.get(k).cloned().unwrap_or_default();
        VisitInput { on_day: v("on_day"), visitors: v("visitors"), gifts: v("gifts"), amount: v("amount"), note: v("note") }
    }
}

/// Records the visit to a target the caller keeps, with up to 3 photos (stripped on upload).
pub async fn record(s: &AppState, scope: &Scope, target: i64, input: &VisitInput, photos: Vec<File>, mut errors: FieldErrors) -> AppResult<i64> {
    let mut w = s.store.write().await?;
    let round_id = store::round_of_target(&mut w, target).await?;
    let r = store::round(&mut w, round_id).await?.round();
    let visit = match dc::parse_visit(&input.on_day, &input.visitors, &input.gifts, &input.amount, &input.note, &r, today()) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.0.extend(e.0);
            None
        }
    };
    let kept: Vec<pacesetter_store::problem::Photo> =
        crate::upload::photos_only(photos, 3, "photos", &mut errors).into_iter().map(|(content_type, data)| pacesetter_store::problem::Photo { content_type, data }).collect();
    let Some(visit) = visit.filter(|_| errors.is_empty()) else { return Err(AppError::invalid(errors)) };
    let id = store::record(&mut w, scope, target, &visit, kept).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

/// The round a target is on.
pub async fn round_of_target(s: &AppState, target: i64) -> AppResult<i64> {
    let mut c = s.store.read().await?;
    Ok(store::round_of_target(&mut c, target).await?)
}

pub async fn photo(s: &AppState, scope: &Scope, id: i64) -> AppResult<(String, Vec<u8>)> {
    let mut c = s.store.read().await?;
    Ok(store::photo(&mut c, scope, id).await?)
}

/// The targets as one sheet (the reason only where the caller may know it).
pub fn sheet(v: &RoundView, lang: Lang) -> crate::export::Sheet {
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    crate::export::Sheet {
        name: v.r.name.chars().take(28).collect(),
        headers: vec![
            t("走访对象", "Person"),
            t("类别", "Reason"),
            t("负责走访", "Visited by"),
            t("二级单位", "College"),
            t("走访日期", "Day"),
            t("走访人员", "Who went"),
            t("慰问品或慰问金", "Given"),
            t("金额（元）", "Amount (yuan)"),
        ],
        rows: v
            .targets
            .iter()
            .map(|x| {
                let visit = x.visit.as_ref();
                vec![
                    x.person_name.clone(),
                    x.reason.map(|r| r.label(lang).to_string()).unwrap_or_default(),
                    x.keeper.clone(),
                    x.college.clone(),
                    visit.map(|v| pacesetter_domain::dates::iso(v.on_day)).unwrap_or_default(),
                    visit.map(|v| v.visitors.clone()).unwrap_or_default(),
                    visit.map(|v| v.gifts.clone()).unwrap_or_default(),
                    visit.map(|v| dc::yuan(v.amount_fen)).unwrap_or_default(),
                ]
            })
            .collect(),
    }
}
