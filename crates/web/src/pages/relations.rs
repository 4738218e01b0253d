//! The relation records scope depends on, with their coverage (the campaign office).

use super::{FormState, Layout, Pager, render_status, see_other};
use crate::app::relations::{self as app, RelationQuery, parse_kind};
use crate::app::tree;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::input::{self, Fields, Params, date_or_today, values_of};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use pacesetter_domain::ids::RelationId;
use pacesetter_domain::org::OrgKind;
use pacesetter_domain::role::RelationKind;
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::relation::{Coverage, RelationRow};
use pacesetter_store::tree::Tree;
use serde::{Deserialize, Serialize};

#[derive(Template)]
#[template(path = "relations.html")]
struct RelationsPage {
    l: Layout,
    rows: Vec<RelationRow>,
    pager: Pager,
    kinds: Vec<(&'static str, String)>,
    kind: String,
    current: bool,
    coverage: Coverage,
    f: FormState,
    /// The targets, by full path: classes (cadres), branches (contact persons), units (heads).
    classes: Vec<(i64, String)>,
    branches: Vec<(i64, String)>,
    units: Vec<(i64, String)>,
    /// The office keeps every kind; the staff who link cadres keep the cadre–class links only.
    office: bool,
}

async fn page(s: &AppState, ctx: &Ctx, q: &RelationQuery, f: FormState, status: StatusCode) -> AppResult<Response> {
    let kind = q.kind()?;
    let current = q.current(true);
    let p = q.paging();
    let scope = &ctx.me()?.scope;
    let kept = app::kinds_kept(s, scope).await?;
    let (rows, total) = app::list(s, scope, kind, current, p.offset(), p.limit()).await?;
    let coverage = app::coverage(s, scope).await?;
    let pager = Pager::new(&q.pairs(), "/relations", p.page, p.limit(), total);
    let kinds = kept.iter().map(|k| (k.code(), k.label(ctx.lang).to_string())).collect();
    let office = kept.len() == RelationKind::ALL.len();
    let kind = kind.map(|k| k.code().to_string()).unwrap_or_default();
    let classes = tree::open_choices(s, Tree::Unit, |n| n.kind == "class").await?;
    let units = tree::open_choices(s, Tree::Unit, |n| n.kind != "class").await?;
    let branches = tree::open_choices(s, Tree::Org, |n| OrgKind::parse(&n.kind).is_some_and(|k| k.is_branch())).await?;
    Ok(render_status(
        status,
        &RelationsPage { l: Layout::new(ctx, ctx.t("联系关系", "Relation records")), rows, pager, kinds, kind, current, coverage, f, classes, branches, units, office },
    ))
}

pub async fn index(State(s): State<AppState>, ctx: Ctx, Params(q): Params<RelationQuery>) -> AppResult<Response> {
    page(&s, &ctx, &q, FormState::new(ctx.lang), StatusCode::OK).await
}

/// What the coverage lacks, as one table to hand upward: classes without a cadre, cadres without
/// a class, branches without a contact person, window units without a head.
pub async fn coverage_export(State(s): State<AppState>, ctx: Ctx, Path(file): Path<String>) -> AppResult<Response> {
    let cov = app::coverage(&s, &ctx.me()?.scope).await?;
    let lang = ctx.lang;
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    let mut rows = Vec::new();
    for (what, list) in [
        (t("未联系干部的班级（第8项）", "Class without a cadre (item 8)"), &cov.classes_without_cadre),
        (t("未联系班级的干部（第8项）", "Cadre without a class (item 8)"), &cov.cadres_without_class),
        (t("无联系人的党支部（第11项）", "Branch without a contact (item 11)"), &cov.branches_without_contact),
        (t("无负责人的窗口单位（第9项）", "Window unit without a head (item 9)"), &cov.window_units_without_head),
    ] {
        rows.extend(list.iter().map(|(id, name)| vec![what.clone(), name.clone(), id.to_string()]));
    }
    let sheet = crate::export::Sheet { name: t("联系覆盖缺口", "Coverage gaps"), headers: vec![t("缺口", "Gap"), t("名称", "Name"), t("编号", "Id")], rows };
    let format = if file.ends_with(".csv") { "csv" } else { "xlsx" };
    super::download(&ctx, &sheet, lang.t("联系覆盖缺口", "coverage-gaps"), format)
}

/// The relation records as a table to hand upward (item 8: who visits which class).
pub async fn export(State(s): State<AppState>, ctx: Ctx, Path(file): Path<String>, Params(q): Params<RelationQuery>) -> AppResult<Response> {
    let (rows, _) = app::list(&s, &ctx.me()?.scope, q.kind()?, q.current(true), 0, 1_000_000).await?;
    let lang = ctx.lang;
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    let sheet = crate::export::Sheet {
        name: t("联系关系", "Relations"),
        headers: vec![t("类型", "Kind"), t("人员", "Person"), t("对象", "Target"), t("开始日期", "Start"), t("结束日期", "End")],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    RelationKind::parse(&r.kind).map(|k| k.label(lang).to_string()).unwrap_or_default(),
                    r.person_name.clone(),
                    r.target_name.clone(),
                    pacesetter_domain::dates::iso(r.start_date),
                    r.end_date.map(pacesetter_domain::dates::iso).unwrap_or_default(),
                ]
            })
            .collect(),
    };
    let format = if file.ends_with(".csv") { "csv" } else { "xlsx" };
    super::download(&ctx, &sheet, lang.t("联系关系", "relations"), format)
}

/// The form of a new relation record: the person by staff number, the target by id (typed, so a
/// typo comes back on the form).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct RelationForm {
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub target_id: Option<String>,
    #[serde(default)]
    pub start_date: Option<String>,
}

/// The form that ends a record (`end_date`, empty for today).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct EndForm {
    #[serde(default)]
    pub end_date: Option<String>,
}

/// Back to the list, or the list with the form's problem.
async fn after(s: &AppState, ctx: &Ctx, r: AppResult<()>, values: std::collections::HashMap<String, String>, done: &str) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(see_other(&format!("/relations?done={done}"))),
        Err(e) if e.fields.is_some() || e.status == StatusCode::CONFLICT => {
            let mut errs = e.fields.clone().unwrap_or_default();
            if errs.is_empty() {
                errs.0.push(pacesetter_domain::validate::FieldError { field: "_".into(), message: e.message.clone() });
            }
            page(s, ctx, &RelationQuery::default(), FormState::with(ctx.lang, values, errs), e.status).await
        }
        Err(e) => Err(e),
    }
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Fields(form): Fields<RelationForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let r = async {
        let kind = parse_kind(input::text(&form.kind).unwrap_or(""))?;
        let mut errs = FieldErrors::new();
        let person = match input::text(&form.number) {
            Some(n) => app::person_by_number(&s, n).await?,
            None => None,
        };
        if person.is_none() {
            errs.add("number", "没有该工号的人员", "No person has this staff number");
        }
        // The picker sends `unit:ID` or `org:ID`; a bare id is read in the kind's tree.
        let raw = input::text(&form.target_id).unwrap_or("");
        let (tree_of, id) = match raw.split_once(':') {
            Some(("org", id)) => (Some(true), id),
            Some(("unit", id)) => (Some(false), id),
            Some(_) => (None, ""),
            None => (None, raw),
        };
        let target = id.trim().parse::<i64>().ok();
        if target.is_none() {
            errs.add("target_id", "请选择班级、党支部或单位", "Choose the class, branch or unit");
        } else if tree_of.is_some_and(|org| org != kind.targets_org()) {
            errs.add(
                "target_id",
                "所选对象与联系类型不符：干部联系班级、联系人联系党支部、负责人负责单位",
                "The choice does not fit the kind: a cadre links to a class, a contact to a branch, a head to a unit",
            );
        }
        let start = date_or_today("start_date", input::text(&form.start_date))?;
        let (Some(person), Some(target), true) = (person, target, errs.is_empty()) else { return Err(AppError::invalid(errs)) };
        app::create(&s, &scope, kind, person, target, start).await.map(|_| ())
    }
    .await;
    after(&s, &ctx, r, values_of(&form), "created").await
}

pub async fn end(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<EndForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let r = async {
        let on = date_or_today("end_date", input::text(&form.end_date))?;
        app::end(&s, &scope, RelationId(id), on).await.map(|_| ())
    }
    .await;
    after(&s, &ctx, r, values_of(&form), "ended").await
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    l: Layout,
    o: app::Outbox,
    configured: bool,
}

/// The e-mail the server sends, for the office: delivered, waiting, failed with the reason.
pub async fn outbox(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let o = app::outbox(&s).await?;
    Ok(super::render(&OutboxPage { l: Layout::new(&ctx, ctx.t("邮件发送", "Outgoing mail")), o, configured: s.site.mail }))
}
