//! 学习型党组织示范点 (item 6) as use cases: registering a candidate with its creation plan and
//! milestones, progress reports with evidence, the office's standards and inspections, the list
//! in the caller's reach (and its export), and a point's page. The pages and the API are thin
//! adapters over these.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::upload::File;
use pacesetter_domain::dates::today;
use pacesetter_domain::scope::Scope;
use pacesetter_domain::study_point as sp;
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::StoreError;
use pacesetter_store::campaign::{self, CampaignRow};
use pacesetter_store::study_point::{self as store, InspectionRow, MilestoneRow, PointRow, ReportRow, StandardRow, Standing, Summary};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The running campaign, or a conflict that says there is none.
async fn running(c: &mut pacesetter_store::Conn) -> AppResult<CampaignRow> {
    campaign::current(c).await?.ok_or_else(|| AppError::from(StoreError::conflict("没有进行中的创先争优活动", "No campaign is running")))
}

/// The list page's data: the points the caller reads, what they may register, the standards.
pub struct Overview {
    pub points: Vec<Summary>,
    pub registrable: Vec<(i64, String)>,
    pub standards: Vec<StandardRow>,
    pub office: bool,
}

pub async fn overview(s: &AppState, scope: &Scope) -> AppResult<Overview> {
    let mut c = s.store.read().await?;
    let Some(camp) = campaign::current(&mut c).await? else {
        return Ok(Overview { points: Vec::new(), registrable: Vec::new(), standards: Vec::new(), office: scope.is_office() });
    };
    Ok(Overview {
        points: store::summaries(&mut c, Some(scope), camp.id, today()).await?,
        registrable: store::registrable(&mut c, scope).await?,
        standards: store::standards(&mut c, camp.id).await?,
        office: pacesetter_store::scope::office_only(scope).is_ok(),
    })
}

/// A candidate as typed: the organization, the creation plan, the milestones (one a line: a
/// date, then what is done by it).
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct RegisterInput {
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    #[schema(value_type = Option<i64>)]
    pub org_id: Option<i64>,
    #[serde(default)]
    pub plan: String,
    /// One a line: "2012-05-31 建成党员学习室".
    #[serde(default)]
    pub milestones: String,
}

pub async fn register(s: &AppState, scope: &Scope, input: &RegisterInput) -> AppResult<i64> {
    let org = input.org_id.ok_or_else(|| AppError::invalid_field("org_id", "请选择创建示范点的党组织", "Choose the organization"))?;
    let mut w = s.store.write().await?;
    let camp = running(&mut w).await?;
    let mut e = FieldErrors::new();
    let plan = sp::plan_text(&input.plan).map_err(|x| e.0.extend(x.0)).ok();
    let ms = sp::milestones(&input.milestones, today()).map_err(|x| e.0.extend(x.0)).ok();
    // Reach first: whether the caller may register this organization at all.
    store::check_register(&mut w, scope, camp.id, org).await?;
    let (Some(plan), Some(ms)) = (plan, ms) else {
        return Err(AppError::invalid(e));
    };
    let id = store::register(&mut w, scope, camp.id, org, &plan, &ms).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

/// A point's page.
pub struct View {
    pub point: PointRow,
    pub standing: Standing,
    pub office: bool,
    pub summary: Option<Summary>,
    pub milestones: Vec<MilestoneRow>,
    pub reports: Vec<ReportRow>,
    /// (id, report id, name, photo).
    pub files: Vec<(i64, i64, String, bool)>,
    pub inspections: Vec<InspectionRow>,
    /// The standards in force (for the office's inspection form).
    pub standards: Vec<StandardRow>,
}

pub async fn view(s: &AppState, scope: &Scope, id: i64) -> AppResult<View> {
    let mut c = s.store.read().await?;
    let (point, standing) = store::get(&mut c, scope, id).await?;
    let summary = store::summaries(&mut c, None, point.campaign_id, today()).await?.into_iter().find(|x| x.point.id == id);
    Ok(View {
        milestones: store::milestones(&mut c, id).await?,
        reports: store::reports(&mut c, id).await?,
        files: store::files(&mut c, id).await?,
        inspections: store::inspections(&mut c, id).await?,
        standards: store::standards(&mut c, point.campaign_id).await?,
        office: pacesetter_store::scope::office_only(scope).is_ok(),
        summary,
        point,
        standing,
    })
}

/// A progress report as typed (with its files apart).
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ReportInput {
    #[serde(default)]
    pub body: String,
    /// The milestone it is about (an id of this point's plan), or empty.
    #[serde(default)]
    pub milestone: String,
    /// "yes": the milestone is done.
    #[serde(default)]
    pub done: String,
}

impl ReportInput {
    pub fn from_values(v: &HashMap<String, String>) -> ReportInput {
        let get = |k: &str| v.get(k).cloned().unwrap_or_default();
        ReportInput { body: get("body"), milestone: get("milestone"), done: get("done") }
    }
}

pub async fn report(s: &AppState, scope: &Scope, id: i64, input: &ReportInput, files: Vec<File>, mut errors: FieldErrors) -> AppResult<i64> {
    let body = pacesetter_domain::validate::long_text(&mut errors, "body", &input.body, 3000, ("进展情况", "progress"), true);
    let milestone = match input.milestone.trim() {
        "" => None,
        m => match m.parse::<i64>() {
            Ok(v) => Some(v),
            Err(_) => {
                errors.add("milestone", "请选择本示范点创建计划中的节点", "Choose a milestone of this point's plan");
                None
            }
        },
    };
    let done = matches!(input.done.trim(), "yes" | "true" | "on" | "1");
    let files = crate::app::meetings::record_files(files, &mut errors);
    let mut w = s.store.write().await?;
    // Reach first: a point out of reach is NotFound whatever was typed.
    store::get(&mut w, scope, id).await?;
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let rid = store::report(&mut w, scope, id, store::NewReport { body, milestone, done, files }, today()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(rid)
}

/// An inspection as typed: the day, a score per standard (`score_ID`, or `scores` in the API),
/// notes.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct InspectInput {
    /// YYYY-MM-DD (today when empty).
    #[serde(default)]
    pub day: String,
    #[serde(default)]
    pub notes: String,
    /// Standard id → score from 0 to 100.
    #[serde(default)]
    pub scores: HashMap<String, i64>,
}

impl InspectInput {
    /// From a form's fields: `day`, `notes` and `score_ID`.
    pub fn from_form(v: &HashMap<String, String>) -> (InspectInput, FieldErrors) {
        let mut e = FieldErrors::new();
        let mut scores = HashMap::new();
        for (k, val) in v {
            if let Some(id) = k.strip_prefix("score_") {
                match val.trim().parse::<i64>() {
                    Ok(n) => {
                        scores.insert(id.to_string(), n);
                    }
                    Err(_) => e.add(k, "请打 0 至 100 分", "Give a score from 0 to 100"),
                }
            }
        }
        (InspectInput { day: v.get("day").cloned().unwrap_or_default(), notes: v.get("notes").cloned().unwrap_or_default(), scores }, e)
    }
}

pub async fn inspect(s: &AppState, scope: &Scope, id: i64, input: &InspectInput, mut errors: FieldErrors) -> AppResult<i64> {
    let day = match input.day.trim() {
        "" => Some(today()),
        d => match pacesetter_domain::validate::date(d) {
            Ok(x) if x > today() => {
                errors.add("day", "检查日期不能晚于今天", "The day cannot be in the future");
                None
            }
            Ok(x) => Some(x),
            Err(t) => {
                errors.add("day", t.zh, t.en);
                None
            }
        },
    };
    let notes = pacesetter_domain::validate::long_text(&mut errors, "notes", &input.notes, 2000, ("检查意见", "notes"), false);
    let mut scores = HashMap::new();
    for (k, v) in &input.scores {
        match k.trim().parse::<i64>() {
            Ok(id) => {
                scores.insert(id, *v);
            }
            Err(_) => errors.add("scores", "评分须按检查项编号给出", "Scores are given by the standards' ids"),
        }
    }
    let mut w = s.store.write().await?;
    store::get(&mut w, scope, id).await?;
    pacesetter_store::scope::office_only(scope)?;
    let Some(day) = day.filter(|_| errors.is_empty()) else {
        return Err(AppError::invalid(errors));
    };
    let iid = store::inspect(&mut w, scope, id, day, &scores, &notes).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(iid)
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct StandardInput {
    #[serde(default)]
    pub item: String,
    /// 1 to 100.
    #[serde(default)]
    pub weight: String,
}

pub async fn add_standard(s: &AppState, scope: &Scope, input: &StandardInput) -> AppResult<i64> {
    pacesetter_store::scope::office_only(scope)?;
    let weight = input.weight.trim().parse::<i64>().unwrap_or(0);
    let mut w = s.store.write().await?;
    let camp = running(&mut w).await?;
    let id = store::add_standard(&mut w, scope, camp.id, &input.item, weight).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

pub async fn retire_standard(s: &AppState, scope: &Scope, id: i64) -> AppResult<()> {
    let mut w = s.store.write().await?;
    store::retire_standard(&mut w, scope, id).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

pub async fn file(s: &AppState, scope: &Scope, id: i64) -> AppResult<(String, String, Vec<u8>)> {
    let mut c = s.store.read().await?;
    Ok(store::file(&mut c, scope, id).await?)
}

/// The list as a sheet to hand upward: one row a point.
pub fn sheet(points: &[Summary], lang: pacesetter_domain::Lang) -> crate::export::Sheet {
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    crate::export::Sheet {
        name: t("示范点", "Study points"),
        headers: vec![
            t("党组织", "Organization"),
            t("节点总数", "Milestones"),
            t("已完成", "Done"),
            t("逾期未完成", "Overdue"),
            t("进展报告", "Reports"),
            t("检查次数", "Inspections"),
            t("检查平均分", "Mean inspection score"),
        ],
        rows: points
            .iter()
            .map(|p| {
                vec![
                    p.point.org_name.clone(),
                    p.progress.total.to_string(),
                    p.progress.done.to_string(),
                    p.progress.overdue.to_string(),
                    p.reports.to_string(),
                    p.inspections.to_string(),
                    p.mean_x100.map(score_text).unwrap_or_default(),
                ]
            })
            .collect(),
    }
}

pub use pacesetter_domain::study_point::score_text;
