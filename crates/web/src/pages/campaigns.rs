//! Campaigns: the list, a campaign's plan with its task templates (dates editable by the
//! office), the calendar, the roll-up dashboard with its chart, and plan uploads with the
//! differences shown before anything changes.

use super::{FormState, Layout, render, render_status, see_other};
use crate::app::campaigns::{self as app, DashRow, DashboardQuery, build};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::input::{ConfirmForm, DueForm, Params};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use pacesetter_domain::Lang;
use pacesetter_domain::calendar::DayKind;
use pacesetter_domain::dates::iso;
use pacesetter_domain::ids::CampaignId;
use pacesetter_domain::plan::Plan;
use pacesetter_domain::role::Role;
use pacesetter_domain::scope::Scope;
use pacesetter_store::campaign::{CampaignRow, LoadReport, TemplateRow};
use pacesetter_store::dashboard::Facts;
use pacesetter_store::tree::Tree;
use std::collections::HashMap;
use time::Date;

fn is_office(ctx: &Ctx) -> bool {
    ctx.caller.as_ref().is_some_and(|c| c.scope.has_any(crate::routes::OFFICE))
}

#[derive(Template)]
#[template(path = "campaigns.html")]
struct CampaignsPage {
    l: Layout,
    rows: Vec<CampaignRow>,
    office: bool,
    f: FormState,
}

/// The shipped 2012 plan, to start a new year's plan from: its comments explain each part.
pub async fn example_plan() -> Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let disposition = "attachment; filename=\"example-plan-2012.toml\"";
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::CONTENT_DISPOSITION, disposition)], crate::DEMO_PLAN).into_response()
}

pub async fn index(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    list_page(&s, &ctx, FormState::new(ctx.lang), StatusCode::OK).await
}

async fn list_page(s: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> AppResult<Response> {
    let rows = crate::app::campaigns::list(s).await?;
    Ok(render_status(status, &CampaignsPage { l: Layout::new(ctx, ctx.t("创先争优活动", "Campaigns")), rows, office: is_office(ctx), f }))
}

/// A task template as the plan page shows it.
pub struct TemplateView {
    pub t: TemplateRow,
    pub owners: String,
    pub deliverable: String,
    pub facts: Facts,
}

impl TemplateView {
    pub fn due_iso(&self) -> String {
        self.t.due_date.map(iso).unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "campaign.html")]
struct CampaignPage {
    l: Layout,
    c: CampaignRow,
    plan: Plan,
    templates: Vec<TemplateView>,
    office: bool,
    f: FormState,
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    show_page(&s, &ctx, id, FormState::new(ctx.lang), StatusCode::OK).await
}

async fn show_page(s: &AppState, ctx: &Ctx, id: i64, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let v = app::show(s, &scope, CampaignId(id)).await?;
    let templates = v
        .templates
        .into_iter()
        .map(|l| TemplateView { owners: l.t.owners().label(ctx.lang), deliverable: l.t.deliverable().label(ctx.lang).to_string(), facts: l.facts, t: l.t })
        .collect();
    let title = v.row.title.clone();
    Ok(render_status(status, &CampaignPage { l: Layout::new(ctx, &title), c: v.row, plan: v.plan, templates, office: is_office(ctx), f }))
}

/// The office moves a task's due date (audited); the next plan load keeps it.
pub async fn set_due(State(s): State<AppState>, ctx: Ctx, Path((id, tid)): Path<(i64, i64)>, Form(p): Form<DueForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    match app::set_due(&s, &scope, CampaignId(id), tid, p.due.as_deref()).await {
        Ok(_) => Ok(see_other(&format!("/campaigns/{id}?done=saved#t{tid}"))),
        Err(AppError { fields: Some(errs), .. }) => {
            let typed = HashMap::from([("due".to_string(), p.due.unwrap_or_default())]);
            show_page(&s, &ctx, id, FormState::with(ctx.lang, typed, errs), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

pub async fn close(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<ConfirmForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    app::close(&s, &scope, CampaignId(id), p.confirmed()).await?;
    Ok(see_other(&format!("/campaigns/{id}?done=closed")))
}

/// Sends the due-soon and overdue reminders now (they also go out by themselves every hour).
pub async fn remind(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let n = app::remind(&s, &scope, CampaignId(id)).await?;
    Ok(see_other(&format!("/campaigns/{id}?done=reminded&n={n}")))
}

// ---------------------------------------------------------------------------------------------
// Calendar

pub struct Day {
    pub date: Date,
    pub day: u8,
    pub kind: &'static str,
    pub title: String,
    pub marks: Vec<String>,
}

pub struct Month {
    pub label: String,
    /// Weeks of seven cells, Monday first; `None` pads the month.
    pub weeks: Vec<Vec<Option<Day>>>,
}

pub struct Milestone {
    pub date: Date,
    pub title: String,
    pub wording: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "campaign_calendar.html")]
struct CalendarPage {
    l: Layout,
    c: CampaignRow,
    months: Vec<Month>,
    milestones: Vec<Milestone>,
    /// (phase title, left %, width %) on the year's bar.
    bars: Vec<(String, f64, f64, String)>,
}

pub async fn calendar(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let v = app::show(&s, &scope, CampaignId(id)).await?;
    let (row, plan) = (v.row, v.plan);
    let templates: Vec<TemplateRow> = v.templates.into_iter().map(|l| l.t).collect();
    let lang = ctx.lang;
    let mut milestones: Vec<Milestone> = templates
        .iter()
        .filter_map(|t| {
            t.due_date.map(|d| Milestone { date: d, title: t.title.clone(), wording: t.wording.clone().unwrap_or_default(), href: format!("/campaigns/{id}#t{}", t.id) })
        })
        .collect();
    milestones.sort_by_key(|m| m.date);
    let (start, end) = match (plan.phases.iter().map(|p| p.start).min(), plan.phases.iter().map(|p| p.end).max()) {
        (Some(a), Some(b)) => (a, b),
        _ => {
            let y = plan.campaign.year;
            (
                Date::from_calendar_date(y, time::Month::January, 1).map_err(|_| AppError::internal())?,
                Date::from_calendar_date(y, time::Month::December, 31).map_err(|_| AppError::internal())?,
            )
        }
    };
    let span = ((end - start).whole_days() + 1).max(1) as f64;
    let bars = plan
        .phases
        .iter()
        .map(|p| {
            let left = (p.start - start).whole_days() as f64 * 100.0 / span;
            let width = (((p.end - p.start).whole_days() + 1) as f64 * 100.0 / span).max(1.0);
            let dates = format!("{} – {}", pacesetter_domain::dates::format_date(p.start, lang), pacesetter_domain::dates::format_date(p.end, lang));
            (p.title.clone(), (left * 10.0).round() / 10.0, (width * 10.0).round() / 10.0, dates)
        })
        .collect();
    let mut months = Vec::new();
    let mut first = Date::from_calendar_date(start.year(), start.month(), 1).map_err(|_| AppError::internal())?;
    while first <= end && months.len() < 24 {
        let mut weeks: Vec<Vec<Option<Day>>> = Vec::new();
        let mut week: Vec<Option<Day>> = (0..first.weekday().number_days_from_monday()).map(|_| None).collect();
        let mut d = first;
        while d.month() == first.month() {
            let kind = plan.calendar.kind(d);
            let (code, name) = match kind {
                DayKind::Working => ("work", String::new()),
                DayKind::Weekend => ("weekend", String::new()),
                DayKind::Holiday => ("holiday", plan.calendar.holidays.get(&d).cloned().unwrap_or_default()),
                DayKind::MakeUp => ("makeup", format!("{}{}", lang.t("调休上班：", "Make-up working day: "), plan.calendar.workdays.get(&d).cloned().unwrap_or_default())),
            };
            let marks: Vec<String> = milestones.iter().filter(|m| m.date == d).map(|m| m.title.clone()).collect();
            week.push(Some(Day { date: d, day: d.day(), kind: code, title: name, marks }));
            if week.len() == 7 {
                weeks.push(std::mem::take(&mut week));
            }
            match d.next_day() {
                Some(n) => d = n,
                None => break,
            }
        }
        if !week.is_empty() {
            while week.len() < 7 {
                week.push(None);
            }
            weeks.push(week);
        }
        let label = match lang {
            Lang::Zh => format!("{}年{}月", first.year(), u8::from(first.month())),
            Lang::En => format!("{} {}", first.month(), first.year()),
        };
        months.push(Month { label, weeks });
        first = match d.month() == first.month() {
            true => break,
            false => d,
        };
    }
    let title = format!("{} · {}", row.title, lang.t("日程", "Calendar"));
    Ok(render(&CalendarPage { l: Layout::new(&ctx, &title), c: row, months, milestones, bars }))
}

// ---------------------------------------------------------------------------------------------
// Dashboard

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    l: Layout,
    c: CampaignRow,
    tree: &'static str,
    node_name: String,
    crumbs: Vec<(String, String)>,
    total: DashRow,
    by_item: Vec<DashRow>,
    by_child: Vec<DashRow>,
    chart: String,
    export: String,
    /// `&template=ID` when the dashboard is of one template.
    tpl: String,
}

/// Text for the chart's SVG, escaped once here for the labels and the titles.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A bar's name beside it: on one line up to ten characters, else on two (the second ending in
/// … when even that is short); the whole name is the bar's title and in the table below.
fn chart_label(name: &str, y: usize) -> String {
    const LINE: usize = 10;
    let chars: Vec<char> = name.chars().collect();
    if chars.len() <= LINE {
        return format!("<text x=\"0\" y=\"{}\" font-size=\"11\">{}</text>", y + 13, esc(name));
    }
    let first: String = chars[..LINE].iter().collect();
    let mut second: String = chars[LINE..].iter().take(LINE).collect();
    if chars.len() > 2 * LINE {
        second = chars[LINE..2 * LINE - 1].iter().collect::<String>() + "…";
    }
    format!("<text x=\"0\" y=\"{}\" font-size=\"11\"><tspan x=\"0\">{}</tspan><tspan x=\"0\" dy=\"12\">{}</tspan></text>", y + 8, esc(&first), esc(&second))
}

/// A horizontal bar chart of completion by child, drawn on the server (no script), each bar a
/// link to the level below.
pub fn chart(rows: &[DashRow], lang: Lang) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let row_h = 32;
    let h = rows.len() * row_h + 30;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 360 {h}\" width=\"100%\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        esc(lang.t("各单位完成率（已通过/应交）", "Completion by organization (accepted / owed)"))
    );
    for (i, r) in rows.iter().enumerate() {
        let y = i * row_h + 4;
        let accepted = r.facts.completion();
        let handed = r.facts.handed_in();
        let label = chart_label(&r.name, y);
        let link = r.href.clone().unwrap_or_default();
        svg.push_str(&format!(
            "<a href=\"{}\"><title>{}: {} {}/{}</title>{}\
             <rect x=\"120\" y=\"{y}\" width=\"200\" height=\"18\" fill=\"#eee\"/>\
             <rect x=\"120\" y=\"{y}\" width=\"{:.1}\" height=\"18\" fill=\"#f3c969\"/>\
             <rect x=\"120\" y=\"{y}\" width=\"{:.1}\" height=\"18\" fill=\"#2e7d32\"/>\
             <text x=\"324\" y=\"{}\" font-size=\"11\">{:.0}%</text></a>",
            esc(&link),
            esc(&r.name),
            lang.t("已通过", "accepted"),
            r.facts.accepted,
            r.facts.total,
            label,
            handed * 2.0,
            accepted * 2.0,
            y + 13,
            accepted
        ));
    }
    let ly = rows.len() * row_h + 18;
    svg.push_str(&format!(
        "<rect x=\"120\" y=\"{}\" width=\"10\" height=\"10\" fill=\"#2e7d32\"/><text x=\"134\" y=\"{ly}\" font-size=\"10\">{}</text>\
         <rect x=\"200\" y=\"{}\" width=\"10\" height=\"10\" fill=\"#f3c969\"/><text x=\"214\" y=\"{ly}\" font-size=\"10\">{}</text></svg>",
        ly - 9,
        esc(lang.t("已通过", "Accepted")),
        ly - 9,
        esc(lang.t("已提交待审", "Submitted, awaiting review"))
    ));
    svg
}

pub async fn dashboard_page(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Params(q): Params<DashboardQuery>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let d = build(&s, &scope, CampaignId(id), &q, ctx.lang).await?;
    let row = d.campaign.clone();
    let chart = chart(&d.by_child, ctx.lang);
    let key = if d.tree == Tree::Org { "org" } else { "unit" };
    let export = format!("/campaigns/{id}/dashboard.xlsx?tree={key}{}{}", d.node.as_ref().map(|n| format!("&node={}", n.id)).unwrap_or_default(), q.template_part());
    let node_name = d.total.name.clone();
    let title = format!("{} · {}", row.title, ctx.t("进度看板", "Dashboard"));
    Ok(render(&DashboardPage {
        l: Layout::new(&ctx, &title),
        c: row,
        tree: key,
        node_name,
        crumbs: d.crumbs,
        total: d.total,
        by_item: d.by_item,
        by_child: d.by_child,
        chart,
        export,
        tpl: q.template_part(),
    }))
}

/// The dashboard as a workbook to hand upward: by work item and by organization.
pub async fn dashboard_export(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Params(q): Params<DashboardQuery>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let d = build(&s, &scope, CampaignId(id), &q, ctx.lang).await?;
    let lang = ctx.lang;
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    let headers = vec![
        t("名称", "Name"),
        t("应交", "Owed"),
        t("未交", "Open"),
        t("待审", "Submitted"),
        t("退回", "Returned"),
        t("已通过", "Accepted"),
        t("完成率", "Completion"),
        t("逾期", "Overdue"),
        t("迟交", "Late"),
    ];
    let line = |r: &DashRow| {
        let f = r.facts;
        vec![
            r.name.clone(),
            f.total.to_string(),
            f.open.to_string(),
            f.submitted.to_string(),
            f.returned.to_string(),
            f.accepted.to_string(),
            r.pct(),
            f.overdue.to_string(),
            f.late.to_string(),
        ]
    };
    let mut rows = vec![line(&d.total)];
    rows.push(vec![]);
    rows.push(vec![t("按工作任务", "By work item")]);
    rows.extend(d.by_item.iter().map(line));
    rows.push(vec![]);
    rows.push(vec![t("按下级组织", "By organization below")]);
    rows.extend(d.by_child.iter().map(line));
    let sheet = crate::export::Sheet { name: t("进度看板", "Dashboard"), headers, rows };
    super::download(&ctx, &sheet, lang.t("进度看板", "dashboard"), "xlsx")
}

// ---------------------------------------------------------------------------------------------
// Plan upload

#[derive(Template)]
#[template(path = "plan_preview.html")]
struct PlanPreview {
    l: Layout,
    report: LoadReport,
    source: String,
    title: String,
}

/// Uploads a plan: a new one is created at once; a changed one shows its differences and is
/// applied only on confirmation.
pub async fn upload(State(s): State<AppState>, ctx: Ctx, mp: Multipart) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let (source, confirm) = crate::upload::read_plan(mp).await?;
    let (report, plan) = match app::upload(&s, &scope, &source, confirm).await {
        Ok(r) => r,
        Err(AppError { fields: Some(errs), .. }) => return list_page(&s, &ctx, FormState::with(ctx.lang, HashMap::new(), errs), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => return Err(e),
    };
    if report.needs_confirmation {
        let title = ctx.t("计划变更确认", "Confirm the plan's changes").to_string();
        return Ok(render(&PlanPreview { l: Layout::new(&ctx, &title), report, source, title: plan.campaign.title }));
    }
    let id = report.campaign_id.unwrap_or(0);
    Ok(see_other(&format!("/campaigns/{id}?done={}", if report.unchanged { "unchanged" } else { "loaded" })))
}

/// For templates: a role check without a caller lookup.
pub fn office_of(scope: &Scope) -> bool {
    scope.has_any(&[Role::Office, Role::Admin])
}

#[cfg(test)]
mod chart_tests {
    use super::chart_label;

    #[test]
    fn long_names_wrap_instead_of_being_cut() {
        let short = chart_label("图书馆直属党支部", 4);
        assert!(short.contains(">图书馆直属党支部</text>"), "{short}");
        let long = chart_label("计算机与通信工程学院党委", 4);
        assert!(long.contains(">计算机与通信工程学院</tspan>") && long.contains(">党委</tspan>"), "{long}");
        let longer = chart_label("中共长沙理工大学交通运输工程学院委员会研究生党总支", 4);
        assert!(longer.contains("…</tspan>"), "{longer}");
        assert_eq!(chart_label("A&B", 0), "<text x=\"0\" y=\"13\" font-size=\"11\">A&amp;B</text>");
    }
}
