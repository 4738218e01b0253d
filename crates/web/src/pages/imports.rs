//! Roster import pages: upload, preview with every problem and the difference, commit.

use super::confirm::{self, Confirmable};
use super::{FormState, Layout, Pager, render, render_status, see_other};
use crate::app::imports::{self, read_upload};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::input::{self, Paging, Params};
use crate::sheets;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use pacesetter_domain::ids::ImportId;
use pacesetter_domain::roster::Column;
use pacesetter_store::roster::{self, Action, ImportRow, Leaving, Plan, PlannedRow};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    l: Layout,
    f: FormState,
    orgs: Vec<(i64, String)>,
    units: Vec<(i64, String)>,
    recent: Vec<ImportRow>,
    max_mb: usize,
}

async fn form_page(s: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> AppResult<Response> {
    let (orgs, units, default_org, default_unit) = imports::roots(s, &ctx.me()?.scope).await?;
    if orgs.is_empty() && units.is_empty() {
        return Err(AppError::forbidden());
    }
    let mut f = f;
    if !f.values.contains_key("root_org") && !f.values.contains_key("root_unit") {
        f.set("root_org", default_org.map(|i| i.to_string()).unwrap_or_default());
        f.set("root_unit", default_unit.map(|i| i.to_string()).unwrap_or_default());
    }
    let recent = imports::recent(s, &ctx.me()?.scope).await?;
    Ok(render_status(status, &ImportPage { l: Layout::new(ctx, ctx.t("导入名册", "Import a roster")), f, orgs, units, recent, max_mb: sheets::MAX_UPLOAD / 1024 / 1024 }))
}

pub async fn index(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    form_page(&s, &ctx, FormState::new(ctx.lang), StatusCode::OK).await
}

pub async fn upload(State(s): State<AppState>, ctx: Ctx, mp: Multipart) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let form = read_upload(mp).await;
    let (root_org, root_unit) = form.as_ref().map(|f| (f.root_org, f.root_unit)).unwrap_or((None, None));
    let result = match form {
        Ok(form) => imports::upload(&s, &scope, form).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((id, _)) => Ok(see_other(&format!("/import/{id}"))),
        Err(e) if e.fields.is_some() || matches!(e.status, StatusCode::PAYLOAD_TOO_LARGE | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) => {
            let mut errs = e.fields.clone().unwrap_or_default();
            if errs.is_empty() {
                errs.add("file", e.message.zh.clone(), e.message.en.clone());
            }
            let mut f = FormState::with(ctx.lang, HashMap::new(), errs);
            f.set("root_org", root_org.map(|i| i.to_string()).unwrap_or_default());
            f.set("root_unit", root_unit.map(|i| i.to_string()).unwrap_or_default());
            form_page(&s, &ctx, f, if e.status == StatusCode::NOT_FOUND { StatusCode::UNPROCESSABLE_ENTITY } else { e.status }).await
        }
        Err(e) => Err(e),
    }
}

pub async fn template(ctx: Ctx) -> AppResult<Response> {
    if ctx.wechat {
        return Ok(super::wechat_download(&ctx));
    }
    super::workbook(sheets::template(), "roster-template.xlsx", "名册导入模板.xlsx")
}

/// A problem as the preview lists it.
pub struct ProblemLine {
    pub line: usize,
    pub column: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "import_preview.html")]
struct PreviewPage {
    l: Layout,
    row: ImportRow,
    plan_counts: roster::Counts,
    problems: Vec<ProblemLine>,
    problems_total: usize,
    show: String,
    rows: Vec<PlannedRow>,
    leaving: Vec<Leaving>,
    pager: Pager,
    labels: HashMap<String, String>,
}

impl PreviewPage {
    fn label<'a>(&'a self, field: &'a str) -> &'a str {
        self.labels.get(field).map(String::as_str).unwrap_or(field)
    }
}

fn field_label(field: &str, lang: pacesetter_domain::Lang) -> String {
    Column::ALL.iter().find(|c| c.code() == field).map(|c| c.header(lang).to_string()).unwrap_or_else(|| match field {
        "left_on" => lang.t("离开日期（重新入册）", "Left on (rejoins)").into(),
        other => other.to_string(),
    })
}

/// The preview's query: which rows to show (`new`, `changed`, `moved`, `unchanged`, `leaving`
/// or `problems`; the problems first when there are any) and the page, read leniently.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct PreviewQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
}

pub async fn preview(State(s): State<AppState>, ctx: Ctx, Path(id): Path<ImportId>, Params(q): Params<PreviewQuery>) -> AppResult<Response> {
    let (row, plan) = imports::load(&s, &ctx.me()?.scope, id).await?;
    let show = input::text(&q.show).map(str::to_string).unwrap_or_else(|| if plan.problems.is_empty() { "new".into() } else { "problems".into() });
    let page = Paging::from_query(q.page.as_deref(), None).page;
    let per = 100usize;
    let skip = ((page - 1) as usize) * per;
    let Plan { rows, problems, leaving, counts } = plan;
    let total;
    let mut shown_rows = Vec::new();
    let mut shown_leaving = Vec::new();
    let mut shown_problems = Vec::new();
    let lang = ctx.lang;
    match show.as_str() {
        "leaving" => {
            total = leaving.len();
            shown_leaving = leaving.into_iter().skip(skip).take(per).collect();
        }
        "problems" => {
            total = problems.len();
            shown_problems = problems
                .iter()
                .skip(skip)
                .take(per)
                .map(|p| ProblemLine { line: p.line, column: p.column.map(|c| c.header(lang).to_string()).unwrap_or_default(), message: p.message.get(lang).to_string() })
                .collect();
        }
        other => {
            let action = match other {
                "changed" => Action::Changed,
                "moved" => Action::Moved,
                "unchanged" => Action::Unchanged,
                _ => Action::New,
            };
            let matching: Vec<PlannedRow> = rows.into_iter().filter(|r| r.action == action).collect();
            total = matching.len();
            shown_rows = matching.into_iter().skip(skip).take(per).collect();
        }
    }
    let pager = Pager::new(&input::pairs_of(&q), &format!("/import/{id}"), page, per as i64, total as i64);
    let labels = ["name", "kind", "gender", "political_status", "dev_stage", "cadre_rank", "email", "phone", "id_number", "org", "unit", "post", "left_on"]
        .into_iter()
        .chain(pacesetter_domain::member_file::FIELDS.into_iter().filter(|f| *f != "hardship"))
        .map(|f| (f.to_string(), field_label(f, lang)))
        .collect();
    let title = format!("{} · {}", ctx.t("名册预览", "Roster preview"), row.filename);
    Ok(render(&PreviewPage {
        l: Layout::new(&ctx, &title),
        plan_counts: counts,
        problems: shown_problems,
        problems_total: problems.len(),
        show,
        rows: shown_rows,
        leaving: shown_leaving,
        pager,
        labels,
        row,
    }))
}

/// Applies a previewed import, after the confirmation step (the one way to confirm it): the
/// import is tried and undone, and the step says what it would do to how many, against the
/// roster as it is now.
pub async fn commit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<ImportId>, form: Confirmable<serde::de::IgnoredAny>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    if !form.confirmed {
        let (row, plan) = imports::commit_trial(&s, scope, id).await?;
        return Ok(confirm::step(&ctx, commit_step(&ctx, id, &row.filename, &plan, form.again)));
    }
    imports::commit(&s, scope, id).await?;
    Ok(see_other(&format!("/import/{id}?done=imported")))
}

/// What the confirmation of an import says: how many are added, changed, moved and leave, and
/// who leaves (named: they are marked as having left).
fn commit_step(ctx: &Ctx, id: ImportId, filename: &str, plan: &Plan, fields: Vec<(String, String)>) -> confirm::Confirm {
    let c = &plan.counts;
    let touched = c.new + c.changed + c.moved + c.leaving;
    let what = ctx
        .t(
            &format!(
                "将导入名册“{filename}”，涉及 {touched} 人：新增 {} 人，信息变更 {} 人，组织/单位调整 {} 人，离开 {} 人；全部变更记入审计日志。",
                c.new, c.changed, c.moved, c.leaving
            ),
            &format!(
                "The roster \"{filename}\" will be imported, touching {touched} people: {} new, {} changed, {} moved, {} leaving; every change is audited.",
                c.new, c.changed, c.moved, c.leaving
            ),
        )
        .to_string();
    let mut items: Vec<String> = plan.leaving.iter().map(|p| format!("{}（{}）{}：{}", p.name, p.number, ctx.t("离开", " leaves"), p.at)).collect();
    items.extend(plan.rows.iter().filter(|r| r.action != Action::Unchanged).map(|r| {
        let what = match r.action {
            Action::New => ctx.t("新增", "new"),
            Action::Changed => ctx.t("信息变更", "changed"),
            Action::Moved => ctx.t("组织/单位调整", "moved"),
            _ => "",
        };
        format!("{}（{}）{}", r.name, r.number, what)
    }));
    let note = ctx.t(&format!("{} 人不变。", c.unchanged), &format!("{} unchanged.", c.unchanged)).to_string();
    let button = ctx.t(&format!("确认导入（{touched} 人）"), &format!("Import ({touched} people)")).to_string();
    confirm::Confirm { what, items, note, action: format!("/import/{id}/commit"), fields, button, back: format!("/import/{id}"), danger: c.leaving > 0 }
}

pub async fn discard(State(s): State<AppState>, ctx: Ctx, Path(id): Path<ImportId>) -> AppResult<Response> {
    imports::discard(&s, &ctx.me()?.scope, id).await?;
    Ok(see_other("/import?done=discarded"))
}

/// Every problem of an import as a spreadsheet, to fix the file line by line.
pub async fn problems_export(State(s): State<AppState>, ctx: Ctx, Path((id, file)): Path<(ImportId, String)>) -> AppResult<Response> {
    let (_, plan) = imports::load(&s, &ctx.me()?.scope, id).await?;
    let lang = ctx.lang;
    let sheet = crate::export::Sheet {
        name: lang.t("问题", "Problems").into(),
        headers: vec![lang.t("行", "Line").into(), lang.t("列", "Column").into(), lang.t("问题", "Problem").into()],
        rows: plan.problems.iter().map(|p| vec![p.line.to_string(), p.column.map(|c| c.header(lang).to_string()).unwrap_or_default(), p.message.get(lang).to_string()]).collect(),
    };
    super::download(&ctx, &sheet, lang.t("名册问题清单", "roster-problems"), if file.ends_with(".csv") { "csv" } else { "xlsx" })
}
