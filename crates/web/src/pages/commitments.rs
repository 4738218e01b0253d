//! Public commitments (item 3: 承诺可行、践诺见效、评诺满意): requirements handed down, each
//! owner's commitments, review one by one or in batches, coverage with reminders, progress with
//! evidence, evaluation through the surveys engine, public boards (page and A4 PDF), the
//! roll-up over both trees, and exports.

use super::{FormState, Layout, conflict_form, field, form_map, render, render_status, see_other};
use crate::api::dto::{CommitmentDto, CommitmentRateDto, OwedCommitmentsDto};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::export::Sheet;
use crate::pdf::{self, Item};
use crate::state::AppState;
use crate::upload;
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pacesetter_domain::Lang;
use pacesetter_domain::commitment::{self as rule, PUBLIC_FIELDS, PublicField, STATES, State as CState, Summary};
use pacesetter_domain::dates::{iso, today};
use pacesetter_domain::scope::{Access, Reach, Scope};
use pacesetter_domain::survey::{self as sv, Rate, TargetKind};
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::commitment::{self as cm, Board, CommitmentRow, Decision, Filter, OrgSummary, ProgressRow, RequirementRow, RevisionRow};
use pacesetter_store::survey::TargetRates;
use pacesetter_store::task::TaskRow;
use pacesetter_store::tree::{self, Node, Tree};
use pacesetter_store::{Conn, StoreError, campaign, survey};
use std::collections::HashMap;

/// How a commitment's satisfaction is printed: its rate, or that it is under the minimum (no
/// count: how many rated a small group is not shown either).
pub fn commitment_rate(rates: &TargetRates, id: i64, lang: Lang) -> String {
    if rates.is_hidden(id) {
        return match lang {
            Lang::Zh => format!("评价不足{}人，不公布", sv::MIN_GROUP),
            Lang::En => format!("fewer than {} ratings: not shown", sv::MIN_GROUP),
        };
    }
    rate_text(&rates.get(id).unwrap_or_default(), rates.anonymous, lang)
}

/// How a satisfaction figure is printed: the rate with its counts, or why it is not shown.
pub fn rate_text(r: &Rate, anonymous: bool, lang: Lang) -> String {
    let n = r.valid();
    if n == 0 {
        return lang.t("尚无评价", "Not rated yet").into();
    }
    if !sv::may_show(n, anonymous) {
        return match lang {
            Lang::Zh => format!("评价不足{}人，不公布", sv::MIN_GROUP),
            Lang::En => format!("fewer than {} ratings: not shown", sv::MIN_GROUP),
        };
    }
    match lang {
        Lang::Zh => format!("{}（满意 {}，基本满意 {}，不满意 {}，共 {} 份）", sv::fmt_percent(r.percent()), r.satisfied, r.fairly, r.dissatisfied, n),
        Lang::En => format!("{} (satisfied {}, fairly {}, dissatisfied {}; {} ratings)", sv::fmt_percent(r.percent()), r.satisfied, r.fairly, r.dissatisfied, n),
    }
}

/// The definition printed with every rate.
pub fn rate_definition(lang: Lang) -> &'static str {
    lang.t("满意率 =（满意 + 基本满意）÷ 有效评价数", "Satisfaction = (satisfied + fairly satisfied) ÷ valid ratings")
}

async fn current(c: &mut Conn) -> AppResult<campaign::CampaignRow> {
    campaign::current(c).await?.ok_or_else(|| AppError::new(StatusCode::NOT_FOUND, "no_campaign", "目前没有进行中的活动", "No campaign is running"))
}

fn categories(camp: &campaign::CampaignRow) -> Vec<String> {
    camp.plan().map(|p| p.commitments.categories).unwrap_or_default()
}

fn period(camp: &campaign::CampaignRow) -> rule::Period {
    rule::Period::of_year(camp.year as i32)
}

/// A commitment as lists show it.
pub struct Line {
    pub c: CommitmentRow,
    pub overdue: bool,
    pub late: bool,
    pub rate: String,
}

impl Line {
    fn new(c: CommitmentRow, rates: &TargetRates, lang: Lang, today: time::Date) -> Line {
        let rate = commitment_rate(rates, c.id, lang);
        Line { overdue: c.overdue(today), late: c.late(), rate, c }
    }
    pub fn state_label(&self, lang: &Lang) -> &'static str {
        self.c.state().label(*lang)
    }
    pub fn badge(&self) -> &'static str {
        match self.c.state() {
            CState::Draft => "muted",
            CState::UnderReview => "warn",
            CState::Returned => "bad",
            CState::Approved | CState::InProgress => "info",
            CState::Fulfilled => "ok",
        }
    }
}

// ---- the hub: my commitments and the list in my scope ----------------------------------------

pub struct MyTask {
    pub t: TaskRow,
    pub items: Vec<Line>,
    pub requirements: Vec<RequirementRow>,
}

impl MyTask {
    pub fn has_editable(&self) -> bool {
        self.items.iter().any(|i| i.c.state().is_editable())
    }
}

#[derive(Template)]
#[template(path = "commitments.html")]
struct HubPage {
    l: Layout,
    campaign: String,
    mine: Vec<MyTask>,
    categories: Vec<String>,
    f: FormState,
    to_review: usize,
    lines: Vec<Line>,
    filter: ListQuery,
    states: Vec<(&'static str, &'static str)>,
    may_list: bool,
    office: bool,
    home_org: Option<i64>,
    query: String,
}

#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct ListQuery {
    #[serde(default)]
    pub org: Option<i64>,
    #[serde(default)]
    pub unit: Option<i64>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    /// overdue or late
    #[serde(default)]
    pub flag: Option<String>,
}

impl ListQuery {
    pub fn is(&self, k: &str, v: &str) -> bool {
        match k {
            "category" => self.category.as_deref() == Some(v),
            "state" => self.state.as_deref() == Some(v),
            "flag" => self.flag.as_deref() == Some(v),
            _ => false,
        }
    }
}

/// Whether the caller acts for any organization or unit (and so has a list to see).
fn acts_for_some(scope: &Scope) -> bool {
    scope.reaches.iter().any(|(r, _)| !matches!(r, Reach::Person(_)))
}

async fn filter_of(c: &mut Conn, campaign: i64, q: &ListQuery) -> AppResult<Filter> {
    let org_path = match q.org {
        Some(id) => Some(tree::require(c, Tree::Org, id).await?.path),
        None => None,
    };
    let unit_path = match q.unit {
        Some(id) => Some(tree::require(c, Tree::Unit, id).await?.path),
        None => None,
    };
    Ok(Filter {
        campaign: Some(campaign),
        org_path,
        unit_path,
        category: q.category.clone().filter(|s| !s.is_empty()),
        state: q.state.as_deref().and_then(CState::parse),
        ..Default::default()
    })
}

async fn lines(c: &mut Conn, scope: &Scope, campaign: i64, q: &ListQuery, lang: Lang) -> AppResult<Vec<Line>> {
    let f = filter_of(c, campaign, q).await?;
    let rows = cm::list(c, scope, &f).await?;
    let rates = cm::rates(c, campaign).await?;
    let today = today();
    Ok(rows
        .into_iter()
        .map(|r| Line::new(r, &rates, lang, today))
        .filter(|l| match q.flag.as_deref() {
            Some("overdue") => l.overdue,
            Some("late") => l.late,
            _ => true,
        })
        .collect())
}

pub async fn index(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> AppResult<Response> {
    hub(&s, &ctx, q, FormState::new(ctx.lang), StatusCode::OK).await
}

async fn hub(s: &AppState, ctx: &Ctx, q: ListQuery, f: FormState, status: StatusCode) -> AppResult<Response> {
    let me = ctx.me()?;
    let scope = &me.scope;
    let mut c = s.store.read().await?;
    let camp = current(&mut c).await?;
    let rates = cm::rates(&mut c, camp.id).await?;
    let today = today();
    let mut mine = Vec::new();
    for t in cm::my_tasks(&mut c, scope, camp.id).await? {
        let items = cm::list(&mut c, scope, &Filter { campaign: Some(camp.id), task: Some(t.id), ..Default::default() }).await?;
        let items = items.into_iter().map(|r| Line::new(r, &rates, ctx.lang, today)).collect();
        let requirements = cm::requirements_answerable(&mut c, camp.id, t.unit_id, t.owner_path.as_deref()).await?;
        mine.push(MyTask { t, items, requirements });
    }
    let to_review = cm::list(&mut c, scope, &Filter { campaign: Some(camp.id), to_review: true, ..Default::default() }).await?.len();
    let may_list = acts_for_some(scope);
    let lines = if may_list { lines(&mut c, scope, camp.id, &q, ctx.lang).await? } else { Vec::new() };
    let home_org = scope.reaches.iter().find_map(|(r, _)| if let Reach::Org(p) = r { p.trim_end_matches('/').rsplit('/').next().and_then(|x| x.parse().ok()) } else { None });
    let query = serde_urlencoded::to_string(&q).unwrap_or_default();
    let states = STATES.iter().map(|s| (s.code(), s.label(ctx.lang))).collect();
    let page = HubPage {
        l: Layout::new(ctx, ctx.t("公开承诺", "Public commitments")),
        campaign: camp.title.clone(),
        mine,
        categories: categories(&camp),
        f,
        to_review,
        lines,
        filter: q,
        states,
        may_list,
        office: scope.is_office_or_admin(),
        home_org,
        query,
    };
    Ok(render_status(status, &page))
}

fn content_of(camp: &campaign::CampaignRow, m: &HashMap<String, String>) -> Result<rule::Content, FieldErrors> {
    rule::parse(
        &categories(camp),
        period(camp),
        field(m, "category").unwrap_or(""),
        field(m, "content").unwrap_or(""),
        field(m, "measures").unwrap_or(""),
        field(m, "target").unwrap_or(""),
        field(m, "due").unwrap_or(""),
    )
}

fn requirement_of(m: &HashMap<String, String>) -> Option<i64> {
    field(m, "requirement").and_then(|v| v.parse().ok()).filter(|v: &i64| *v > 0)
}

/// Makes a commitment (a draft; `submit=1` hands it in at once).
pub async fn create(State(s): State<AppState>, ctx: Ctx, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    let task_id = field(&m, "task").and_then(|v| v.parse::<i64>().ok()).ok_or_else(AppError::not_found)?;
    let r = async {
        let mut w = s.store.write().await?;
        let camp = campaign::current(&mut w).await?.ok_or(StoreError::NotFound)?;
        let content = content_of(&camp, &m).map_err(StoreError::Invalid)?;
        let id = cm::create(&mut w, &scope, task_id, requirement_of(&m), &content).await?;
        if field(&m, "submit") == Some("1") {
            cm::submit(&mut w, &scope, &[id]).await?;
        }
        w.commit().await.map_err(StoreError::from)?;
        Ok::<_, StoreError>(id)
    }
    .await;
    match r {
        Ok(id) => Ok(see_other(&format!("/commitments/{id}?done=saved"))),
        Err(StoreError::Invalid(e)) => {
            let mut f = FormState::with(ctx.lang, m, e);
            f.set("open_task", task_id.to_string());
            hub(&s, &ctx, ListQuery::default(), f, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

fn ids_of(p: &[(String, String)]) -> Vec<i64> {
    let mut v: Vec<i64> = p.iter().filter(|(k, _)| k == "ids").filter_map(|(_, v)| v.parse().ok()).collect();
    v.sort();
    v.dedup();
    v
}

/// Hands drafts in for review (one or several).
pub async fn submit(State(s): State<AppState>, ctx: Ctx, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let ids = ids_of(&p);
    if ids.is_empty() {
        return Err(AppError::invalid({
            let mut e = FieldErrors::new();
            e.add("ids", "请至少选择一项承诺", "Choose at least one commitment");
            e
        }));
    }
    let mut w = s.store.write().await?;
    cm::submit(&mut w, &scope, &ids).await?;
    w.commit().await.map_err(StoreError::from)?;
    let back = if ids.len() == 1 { format!("/commitments/{}?done=submitted", ids[0]) } else { "/commitments?done=submitted".into() };
    Ok(see_other(&back))
}

// ---- one commitment -------------------------------------------------------------------------

pub struct RevisionView {
    pub r: RevisionRow,
    pub content: Option<rule::Content>,
}

pub struct ProgressView {
    pub p: ProgressRow,
    pub files: Vec<(i64, String, bool)>,
}

#[derive(Template)]
#[template(path = "commitment.html")]
struct ShowPage {
    l: Layout,
    line: Line,
    requirement: Option<RequirementRow>,
    requirements: Vec<RequirementRow>,
    categories: Vec<String>,
    revisions: Vec<RevisionView>,
    pending: Option<RevisionView>,
    progress: Vec<ProgressView>,
    owner: bool,
    reviewer: bool,
    f: FormState,
    today: String,
    definition: &'static str,
}

/// A commitment as the caller may read it, and whether it is inside their scope. Outside it (a
/// public commitment read by anyone logged in) only the fields the office shows on the board are
/// kept: the board's choice holds on every page.
async fn readable(c: &mut Conn, scope: &Scope, id: i64) -> AppResult<(CommitmentRow, bool)> {
    let mut row = cm::get(c, scope, id).await?;
    let inside = cm::in_scope(c, scope, id).await?;
    if !inside {
        let board = cm::board(c, row.campaign_id).await?;
        let shows = |f: PublicField| board.fields.contains(&f);
        if !shows(PublicField::Name) {
            row.owner_name = String::new();
        }
        if !shows(PublicField::Org) {
            row.org_name = None;
        }
        if !shows(PublicField::Category) {
            row.category = String::new();
        }
        if !shows(PublicField::Content) {
            row.content = String::new();
        }
        if !shows(PublicField::Measures) {
            row.measures = String::new();
        }
        if !shows(PublicField::Target) {
            row.target = String::new();
        }
        if !shows(PublicField::Progress) {
            row.percent = 0;
        }
    }
    Ok((row, inside))
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    show_page(&s, &ctx, id, None, StatusCode::OK).await
}

async fn show_page(s: &AppState, ctx: &Ctx, id: i64, f: Option<FormState>, status: StatusCode) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let mut c = s.store.read().await?;
    let (row, inside) = readable(&mut c, scope, id).await?;
    let camp = campaign::get(&mut c, row.campaign_id).await?;
    let rates = cm::rates(&mut c, row.campaign_id).await?;
    let rights = pacesetter_store::task::rights_of(scope, &row.ownership());
    let (owner, reviewer) = (rights.submit, rights.review);
    let requirements = cm::requirements_answerable(&mut c, row.campaign_id, row.unit_id, row.owner_path.as_deref()).await?;
    let requirement = row.requirement_id.and_then(|r| requirements.iter().find(|x| x.id == r).cloned());
    let mut revisions: Vec<RevisionView> = cm::revisions(&mut c, id).await?.into_iter().map(|r| RevisionView { content: r.content(), r }).collect();
    let pending = row.pending_revision.and_then(|p| revisions.iter().position(|r| r.r.id == p)).map(|i| revisions.remove(i));
    // The history of decisions and the evidence are for those whose scope holds the commitment;
    // other readers see the text in force and the reports.
    if !inside {
        revisions.clear();
    }
    let files = if inside { cm::evidence(&mut c, id).await? } else { Vec::new() };
    let progress = cm::progress(&mut c, id)
        .await?
        .into_iter()
        .map(|mut p| {
            if !inside {
                // The reporter's user name is a staff or student number.
                p.reported_by = String::new();
            }
            let fs = files.iter().filter(|f| f.1 == p.id).map(|f| (f.0, f.2.clone(), f.3.starts_with("image/"))).collect();
            ProgressView { p, files: fs }
        })
        .collect();
    let f = f.unwrap_or_else(|| {
        let mut f = FormState::new(ctx.lang);
        f.set("category", row.category.clone());
        f.set("content", row.content.clone());
        f.set("measures", row.measures.clone());
        f.set("target", row.target.clone());
        f.set("due", iso(row.due));
        f.set("requirement", row.requirement_id.map(|r| r.to_string()).unwrap_or_default());
        f.set("percent", row.percent.to_string());
        f
    });
    let line = Line::new(row, &rates, ctx.lang, today());
    let title = format!("{} · {}", line.c.owner_name, ctx.t("公开承诺", "Commitment"));
    let page = ShowPage {
        l: Layout::new(ctx, &title),
        line,
        requirement,
        requirements,
        categories: categories(&camp),
        revisions,
        pending,
        progress,
        owner,
        reviewer,
        f,
        today: iso(today()),
        definition: rate_definition(ctx.lang),
    };
    Ok(render_status(status, &page))
}

/// Edits a draft or returned commitment, or asks to amend an approved one.
pub async fn edit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    let r = async {
        let mut w = s.store.write().await?;
        let row = cm::get(&mut w, &scope, id).await?;
        let camp = campaign::get(&mut w, row.campaign_id).await?;
        let content = content_of(&camp, &m).map_err(StoreError::Invalid)?;
        cm::update(&mut w, &scope, id, requirement_of(&m), &content).await?;
        if field(&m, "submit") == Some("1") && cm::get(&mut w, &scope, id).await?.state().is_editable() {
            cm::submit(&mut w, &scope, &[id]).await?;
        }
        w.commit().await.map_err(StoreError::from)?;
        Ok::<_, StoreError>(())
    }
    .await;
    after_change(&s, &ctx, id, r, m).await
}

/// A progress report (multipart: day, percent, text, files).
pub async fn report(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mp: Multipart) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    // Only the owner reports: asked before the upload is read.
    {
        let mut c = s.store.read().await?;
        let row = cm::get(&mut c, &scope, id).await?;
        if !pacesetter_store::task::rights_of(&scope, &row.ownership()).submit {
            return Err(AppError::not_found());
        }
    }
    let upload::MultipartForm { values, files, mut errors } = upload::read_form(mp, "files", s.site.max_upload).await?;
    let files = files.into_iter().map(|f| cm::NewEvidence { filename: f.filename, content_type: f.kind.content_type().into(), data: f.data }).collect();
    let day = match values.get("day").map(|d| d.trim()).filter(|d| !d.is_empty()) {
        Some(d) => match pacesetter_domain::validate::date(d) {
            Ok(d) if d <= today() => Some(d),
            Ok(_) => {
                errors.add("day", "进展日期不能晚于今天", "The report cannot be dated in the future");
                None
            }
            Err(t) => {
                errors.add("day", t.zh, t.en);
                None
            }
        },
        None => Some(today()),
    };
    let current_percent = {
        let mut c = s.store.read().await?;
        cm::get(&mut c, &scope, id).await?.percent.clamp(0, 100) as u8
    };
    let field_of = |k: &str| values.get(k).map(String::as_str).unwrap_or("");
    let parsed = match rule::parse_progress(field_of("percent"), field_of("text"), current_percent) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.0.extend(e.0);
            None
        }
    };
    let (Some(day), Some((percent, text)), true) = (day, parsed, errors.is_empty()) else {
        return show_page(&s, &ctx, id, Some(FormState::with(ctx.lang, values, errors)), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let r = async {
        let mut w = s.store.write().await?;
        cm::report(&mut w, &scope, id, day, percent, &text, files).await?;
        w.commit().await.map_err(StoreError::from)?;
        Ok::<_, StoreError>(())
    }
    .await;
    after_change(&s, &ctx, id, r, values).await
}

/// The answer to a change of a commitment: back to its page, or the page with the problem beside
/// what was typed.
async fn after_change(s: &AppState, ctx: &Ctx, id: i64, r: Result<(), StoreError>, values: HashMap<String, String>) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(see_other(&format!("/commitments/{id}?done=saved"))),
        Err(StoreError::Invalid(e)) => show_page(s, ctx, id, Some(FormState::with(ctx.lang, values, e)), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(StoreError::Conflict(t)) => show_page(s, ctx, id, Some(conflict_form(ctx, values, t)), StatusCode::CONFLICT).await,
        Err(e) => Err(e.into()),
    }
}

/// A file of evidence, for whoever may read its commitment.
pub async fn evidence(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let mut c = s.store.read().await?;
    let (name, ty, data) = cm::evidence_file(&mut c, scope, id).await?;
    Ok(super::stored_file(&name, ty, data))
}

// ---- review ---------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "commitment_review.html")]
struct ReviewPage {
    l: Layout,
    lines: Vec<Line>,
    pending: HashMap<i64, Option<rule::Content>>,
    f: FormState,
}

pub async fn review_queue(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    review_page(&s, &ctx, FormState::new(ctx.lang), StatusCode::OK).await
}

async fn review_page(s: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let mut c = s.store.read().await?;
    let camp = current(&mut c).await?;
    let rows = cm::list(&mut c, scope, &Filter { campaign: Some(camp.id), to_review: true, ..Default::default() }).await?;
    let mut pending = HashMap::new();
    for r in &rows {
        if let Some(p) = r.pending_revision {
            let rev = cm::revisions(&mut c, r.id).await?.into_iter().find(|x| x.id == p).and_then(|x| x.content());
            pending.insert(r.id, rev);
        }
    }
    let today = today();
    let lines = rows.into_iter().map(|r| Line::new(r, &TargetRates::default(), ctx.lang, today)).collect();
    Ok(render_status(status, &ReviewPage { l: Layout::new(ctx, ctx.t("审核公开承诺", "Review commitments")), lines, pending, f }))
}

/// Approves or returns the chosen commitments (a batch is all or nothing).
pub async fn review(State(s): State<AppState>, ctx: Ctx, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let ids = ids_of(&p);
    let m = form_map(p);
    let comment = field(&m, "comment").map(str::to_string);
    let d = match field(&m, "action") {
        Some("approve") => Decision::Approve { comment },
        Some("return") => Decision::Return { comment: comment.unwrap_or_default() },
        _ => {
            let mut e = FieldErrors::new();
            e.add("action", "请选择通过或退回", "Choose approve or return");
            return review_page(&s, &ctx, FormState::with(ctx.lang, m, e), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let r = async {
        let mut w = s.store.write().await?;
        let n = cm::review(&mut w, &scope, &ids, &d, &s.site.public_url).await?;
        w.commit().await.map_err(StoreError::from)?;
        Ok::<_, StoreError>(n)
    }
    .await;
    match r {
        Ok(_) => {
            let back = field(&m, "back").filter(|b| b.starts_with("/commitments")).unwrap_or("/commitments/review");
            Ok(see_other(&format!("{back}{}done=reviewed", if back.contains('?') { "&" } else { "?" })))
        }
        Err(StoreError::Invalid(e)) => review_page(&s, &ctx, FormState::with(ctx.lang, m, e), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(StoreError::Conflict(t)) => review_page(&s, &ctx, conflict_form(&ctx, m, t), StatusCode::CONFLICT).await,
        Err(e) => Err(e.into()),
    }
}

// ---- coverage and reminders -----------------------------------------------------------------

pub struct CoverageLine {
    pub t: TaskRow,
    pub made: bool,
}

#[derive(Template)]
#[template(path = "commitment_coverage.html")]
struct CoveragePage {
    l: Layout,
    node: Option<Node>,
    missing: Vec<TaskRow>,
    made: usize,
    total: usize,
    query: String,
}

#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct NodeQuery {
    #[serde(default)]
    pub org: Option<i64>,
}

async fn coverage_rows(c: &mut Conn, scope: &Scope, q: &NodeQuery) -> AppResult<(campaign::CampaignRow, Option<Node>, Vec<TaskRow>)> {
    let camp = current(c).await?;
    let node = match q.org {
        Some(id) => {
            let n = tree::require(c, Tree::Org, id).await?;
            if scope.org_access(&n.path).is_none() {
                return Err(AppError::not_found());
            }
            Some(n)
        }
        None => None,
    };
    let rows = cm::coverage(c, scope, camp.id, node.as_ref().map(|n| n.path.clone()), None).await?;
    Ok((camp, node, rows))
}

fn not_committed(t: &TaskRow) -> bool {
    t.state() == pacesetter_domain::task::TaskState::Open
}

/// Who in the caller's scope (or below an organization) has not yet committed.
pub async fn coverage(State(s): State<AppState>, ctx: Ctx, Query(q): Query<NodeQuery>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let mut c = s.store.read().await?;
    let (_, node, rows) = coverage_rows(&mut c, scope, &q).await?;
    let total = rows.len();
    let missing: Vec<TaskRow> = rows.into_iter().filter(not_committed).collect();
    let made = total - missing.len();
    let query = serde_urlencoded::to_string(&q).unwrap_or_default();
    Ok(render(&CoveragePage { l: Layout::new(&ctx, ctx.t("承诺覆盖情况", "Who has committed")), node, missing, made, total, query }))
}

pub async fn coverage_export(State(s): State<AppState>, ctx: Ctx, Path(format): Path<String>, Query(q): Query<NodeQuery>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let mut c = s.store.read().await?;
    let (_, _, rows) = coverage_rows(&mut c, scope, &q).await?;
    let lang = ctx.lang;
    let sheet = Sheet {
        name: lang.t("未承诺名单", "Not committed").into(),
        headers: vec![lang.t("承诺人", "Owner").into(), lang.t("任务", "Task").into(), lang.t("截止日期", "Due").into(), lang.t("状态", "State").into()],
        rows: rows
            .iter()
            .filter(|t| not_committed(t))
            .map(|t| vec![t.owner_name.clone(), t.title.clone(), t.due_date.map(iso).unwrap_or_default(), lang.t("未承诺", "Not committed").into()])
            .collect(),
    };
    let format = format.trim_start_matches("export.");
    super::download(&ctx, &sheet, lang.t("未承诺名单", "not-committed"), format)
}

/// Reminds everyone in the caller's scope (or below an organization) who has not committed:
/// a notification and an e-mail, once a day each.
pub async fn remind(State(s): State<AppState>, ctx: Ctx, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    let q = NodeQuery { org: field(&m, "org").and_then(|v| v.parse().ok()) };
    let mut w = s.store.write().await?;
    let (_, _, rows) = coverage_rows(&mut w, &scope, &q).await?;
    let missing: Vec<&TaskRow> = rows.iter().filter(|t| not_committed(t)).filter(|t| pacesetter_store::task::rights(&scope, t).review || scope.is_office_or_admin()).collect();
    let day = iso(today());
    let notes = missing
        .iter()
        .map(|t| pacesetter_store::notify::Note {
            kind: "due_soon",
            task: t.id,
            zh: format!("请尽快提出公开承诺：“{}”（截止{}）", t.title, t.due_date.map(iso).unwrap_or_default()),
            en: format!("Please make your public commitment: \"{}\" (due {})", t.title, t.due_date.map(iso).unwrap_or_default()),
            dedupe: format!("commit-remind:{}:{day}", t.id),
        })
        .collect();
    let n = pacesetter_store::notify::send(&mut w, &missing, notes, &s.site.public_url).await?;
    pacesetter_store::audit::append(
        &mut w,
        &scope,
        "commitment.remind",
        "campaign",
        rows.first().map(|t| t.campaign_id).unwrap_or(0),
        None,
        Some(serde_json::json!({"tasks": missing.len(), "sent": n}).to_string()),
    )
    .await?;
    w.commit().await.map_err(StoreError::from)?;
    let org = q.org.map(|o| format!("org={o}&")).unwrap_or_default();
    Ok(see_other(&format!("/commitments/coverage?{org}done=reminded")))
}

// ---- requirements ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "requirements.html")]
struct RequirementsPage {
    l: Layout,
    rows: Vec<RequirementRow>,
    orgs: Vec<Node>,
    f: FormState,
}

pub async fn requirements(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    requirements_page(&s, &ctx, FormState::new(ctx.lang), StatusCode::OK).await
}

async fn requirements_page(s: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let mut c = s.store.read().await?;
    let camp = current(&mut c).await?;
    let mut rows = cm::requirements_visible(&mut c, scope, camp.id).await?;
    // And those a member's own commitments answer (their branch's and above).
    for t in cm::my_tasks(&mut c, scope, camp.id).await? {
        if let (None, Some(p)) = (t.unit_id, t.owner_path.as_deref()) {
            for r in cm::requirements_for(&mut c, camp.id, p).await? {
                if !rows.iter().any(|x| x.id == r.id) {
                    rows.push(r);
                }
            }
        }
    }
    // The organizations the caller may address: those they can change, down to branches.
    let orgs: Vec<Node> = tree::all(&mut c, Tree::Org)
        .await?
        .into_iter()
        .filter(|n| n.closed_on.is_none() && scope.org_access(&n.path) == Some(Access::Write) && n.kind != "group")
        .take(2000)
        .collect();
    Ok(render_status(status, &RequirementsPage { l: Layout::new(ctx, ctx.t("争创要求", "Requirements handed down")), rows, orgs, f }))
}

pub async fn add_requirement(State(s): State<AppState>, ctx: Ctx, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    let r = async {
        let mut w = s.store.write().await?;
        let camp = campaign::current(&mut w).await?.ok_or(StoreError::NotFound)?;
        let org = field(&m, "org").and_then(|v| v.parse::<i64>().ok()).ok_or_else(|| StoreError::invalid("org", "请选择下达给哪个组织", "Choose the organization"))?;
        let parent = field(&m, "parent").and_then(|v| v.parse::<i64>().ok());
        cm::add_requirement(&mut w, &scope, camp.id, org, parent, field(&m, "title").unwrap_or(""), field(&m, "text").unwrap_or("")).await?;
        w.commit().await.map_err(StoreError::from)?;
        Ok::<_, StoreError>(())
    }
    .await;
    match r {
        Ok(()) => Ok(see_other("/commitments/requirements?done=saved")),
        Err(StoreError::Invalid(e)) => requirements_page(&s, &ctx, FormState::with(ctx.lang, m, e), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(e.into()),
    }
}

// ---- the roll-up ----------------------------------------------------------------------------

pub struct RollRow {
    pub node: Node,
    pub s: OrgSummary,
    pub rate: String,
    pub own_rate: String,
    pub committed: usize,
    pub owed: usize,
}

impl RollRow {
    pub fn mean(s: &Summary) -> String {
        s.mean_progress().map(|p| format!("{p}%")).unwrap_or_else(|| "—".into())
    }
}

#[derive(Template)]
#[template(path = "commitment_dashboard.html")]
struct DashboardPage {
    l: Layout,
    node: Node,
    me: RollRow,
    children: Vec<RollRow>,
    windows: Vec<RollRow>,
    definition: &'static str,
}

/// Coverage by organization id (subtree): (committed, owed), from the commitment tasks.
fn coverage_by_org(rows: &[TaskRow]) -> HashMap<i64, (usize, usize)> {
    let mut out: HashMap<i64, (usize, usize)> = HashMap::new();
    for t in rows {
        let Some(path) = t.owner_path.as_deref() else {
            continue;
        };
        if t.unit_id.is_some() {
            continue;
        }
        for id in path.split('/').filter_map(|s| s.parse::<i64>().ok()) {
            let e = out.entry(id).or_default();
            e.1 += 1;
            if !not_committed(t) {
                e.0 += 1;
            }
        }
    }
    out
}

/// The commitments of an organization's subtree: its own figures beside each child's.
pub async fn dashboard(State(s): State<AppState>, ctx: Ctx, Query(q): Query<NodeQuery>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let mut c = s.store.read().await?;
    let camp = current(&mut c).await?;
    let all = tree::all(&mut c, Tree::Org).await?;
    let node = match q.org {
        Some(id) => all.iter().find(|n| n.id == id).cloned().ok_or_else(AppError::not_found)?,
        None => {
            // The caller's highest organization, or the root.
            let mine = scope.reaches.iter().filter_map(|(r, _)| if let Reach::Org(p) = r { Some(p.clone()) } else { None }).min_by_key(|p| p.len());
            match (scope.global(), mine) {
                (Some(_), _) | (None, None) => all.iter().find(|n| n.depth == 0).cloned().ok_or_else(AppError::not_found)?,
                (None, Some(p)) => all.iter().find(|n| n.path == p).cloned().ok_or_else(AppError::not_found)?,
            }
        }
    };
    if scope.org_access(&node.path).is_none() {
        return Err(AppError::not_found());
    }
    let rates = cm::rates(&mut c, camp.id).await?;
    let sums = cm::summaries(&mut c, camp.id, &rates.shown).await?;
    let anonymous = rates.anonymous;
    let tasks = cm::coverage(&mut c, scope, camp.id, Some(node.path.clone()), None).await?;
    let cov = coverage_by_org(&tasks);
    let lang = ctx.lang;
    let roll = |n: &Node| {
        let s = sums.get(&n.id).cloned().unwrap_or_default();
        let (committed, owed) = cov.get(&n.id).copied().unwrap_or_default();
        RollRow { rate: rate_text(&s.subtree_rate, anonymous, lang), own_rate: rate_text(&s.own_rate, anonymous, lang), node: n.clone(), s, committed, owed }
    };
    let me = roll(&node);
    let children = all.iter().filter(|n| n.parent_id == Some(node.id) && n.closed_on.is_none()).map(roll).collect();
    // Window units (亮承诺): their commitments, for the office.
    let mut windows = Vec::new();
    if scope.global().is_some() && node.depth == 0 {
        let units = tree::all(&mut c, Tree::Unit).await?;
        let root_unit = units.iter().find(|u| u.depth == 0).map(|u| u.path.clone()).unwrap_or_default();
        let rows = cm::list(&mut c, scope, &Filter { campaign: Some(camp.id), unit_path: Some(root_unit.clone()), ..Default::default() }).await?;
        let mut by_unit: HashMap<i64, OrgSummary> = HashMap::new();
        let today = today();
        for r in rows.iter().filter(|r| r.unit_id.is_some()) {
            let e = by_unit.entry(r.unit_id.unwrap_or(0)).or_default();
            e.own.add(r.state(), r.percent.clamp(0, 100) as u8, r.overdue(today));
            e.own_rate.add(&rates.get(r.id).unwrap_or_default());
        }
        let unit_tasks = cm::coverage(&mut c, scope, camp.id, None, Some(root_unit)).await?;
        let by_id: HashMap<i64, &Node> = units.iter().map(|u| (u.id, u)).collect();
        for t in unit_tasks.iter().filter(|t| t.unit_id.is_some()) {
            let Some(u) = t.unit_id.and_then(|id| by_id.get(&id).copied()) else { continue };
            let s = by_unit.get(&u.id).cloned().unwrap_or_default();
            windows.push(RollRow {
                rate: rate_text(&s.own_rate, anonymous, lang),
                own_rate: String::new(),
                node: u.clone(),
                s,
                committed: usize::from(!not_committed(t)),
                owed: 1,
            });
        }
    }
    let title = format!("{} · {}", node.name, ctx.t("公开承诺统计", "Commitments roll-up"));
    Ok(render(&DashboardPage { l: Layout::new(&ctx, &title), node, me, children, windows, definition: rate_definition(lang) }))
}

// ---- exports --------------------------------------------------------------------------------

pub async fn export_xlsx(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> AppResult<Response> {
    export(&s, &ctx, q, "xlsx").await
}

pub async fn export_csv(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> AppResult<Response> {
    export(&s, &ctx, q, "csv").await
}

async fn export(s: &AppState, ctx: &Ctx, q: ListQuery, format: &str) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let mut c = s.store.read().await?;
    let camp = current(&mut c).await?;
    let lang = ctx.lang;
    let rows = lines(&mut c, scope, camp.id, &q, lang).await?;
    let h = |zh: &str, en: &str| lang.t(zh, en).to_string();
    let sheet = Sheet {
        name: h("公开承诺", "Commitments"),
        headers: vec![
            h("编号", "No."),
            h("承诺人", "Owner"),
            h("所在组织", "Organization"),
            h("类别", "Category"),
            h("承诺内容", "Commitment"),
            h("具体措施", "Measures"),
            h("目标", "Target"),
            h("完成时限", "Due"),
            h("状态", "State"),
            h("进度", "Progress"),
            h("逾期", "Overdue"),
            h("迟交", "Late"),
            h("评诺满意率", "Satisfaction"),
        ],
        rows: rows
            .iter()
            .map(|l| {
                vec![
                    l.c.id.to_string(),
                    l.c.owner_name.clone(),
                    l.c.org_name.clone().unwrap_or_default(),
                    l.c.category.clone(),
                    l.c.content.clone(),
                    l.c.measures.clone(),
                    l.c.target.clone(),
                    iso(l.c.due),
                    l.c.state().label(lang).into(),
                    format!("{}%", l.c.percent),
                    if l.overdue { h("是", "yes") } else { String::new() },
                    if l.late { h("是", "yes") } else { String::new() },
                    l.rate.clone(),
                ]
            })
            .collect(),
    };
    super::download(ctx, &sheet, lang.t("公开承诺", "commitments"), format)
}

// ---- evaluation (评诺) through the surveys engine -------------------------------------------

/// Starts an evaluation survey of the public commitments below an organization, from the plan's
/// template whose target is `commitment`: the targets are the commitments, the audience the
/// organization's members (and its linked unit's people). The owner then opens it on the
/// survey's page.
pub async fn evaluate(State(s): State<AppState>, ctx: Ctx, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    let mut w = s.store.write().await?;
    let camp = current(&mut w).await?;
    let org = match field(&m, "org").and_then(|v| v.parse::<i64>().ok()) {
        Some(id) => tree::require(&mut w, Tree::Org, id).await?,
        None => tree::all(&mut w, Tree::Org).await?.into_iter().find(|n| n.depth == 0).ok_or_else(AppError::not_found)?,
    };
    if scope.org_access(&org.path) != Some(Access::Write) {
        return Err(AppError::not_found());
    }
    let linked: Option<i64> = w.fetch_opt_i64(pacesetter_store::db::Sql::new("SELECT linked_unit_id FROM orgs WHERE id = $1").bind(org.id)).await.map_err(StoreError::from)?;
    let owner_unit = if scope.is_office_or_admin() {
        None
    } else {
        Some(linked.ok_or_else(|| {
            AppError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "本组织没有对应的行政单位，请由创先办发起评诺",
                "This organization has no linked unit: ask the campaign office to start the evaluation",
            )
        })?)
    };
    let t = camp.plan()?.surveys.into_iter().find(|t| t.target == TargetKind::Commitment).ok_or_else(|| {
        AppError::new(StatusCode::CONFLICT, "no_template", "活动计划中没有评诺问卷模板（target = \"commitment\"）", "The plan has no evaluation template (target = \"commitment\")")
    })?;
    let mut new = survey::NewSurvey::from_template(Some(camp.id), t, owner_unit);
    new.title = format!("{} · {}", new.title, org.name);
    let id = survey::create(&mut w, &scope, new).await?;
    let n = cm::set_survey_targets(&mut w, id, camp.id, Some(&org.path)).await?;
    if n == 0 {
        return Err(AppError::new(StatusCode::CONFLICT, "no_targets", "该组织下还没有通过审核的公开承诺", "There are no approved commitments below this organization yet"));
    }
    survey::invite_subtree(&mut w, &scope, id, survey::Tree::Party, org.id).await?;
    if let Some(u) = linked {
        survey::invite_subtree(&mut w, &scope, id, survey::Tree::Admin, u).await?;
    }
    pacesetter_store::audit::append(&mut w, &scope, "commitment.evaluation", "survey", id, None, Some(serde_json::json!({"org": org.id, "targets": n}).to_string())).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(see_other(&format!("/surveys/{id}?done=created")))
}

/// The commitment-evaluation surveys that are open, for a commitment's page.
pub async fn open_evaluations(c: &mut Conn, commitment: i64) -> Result<Vec<survey::SurveyRow>, StoreError> {
    survey::open_for_target(c, TargetKind::Commitment, commitment).await
}

// ---- the public board -----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    l: Layout,
    node: Node,
    board: Board,
    lines: Vec<Line>,
    children: Vec<Node>,
    office: bool,
    all_fields: Vec<(&'static str, &'static str, bool)>,
    definition: &'static str,
}

impl BoardPage {
    fn shows(&self, f: &str) -> bool {
        self.board.fields.iter().any(|x| x.code() == f)
    }
}

/// The board may be read by anyone logged in, and by anyone at all once the office opens it.
async fn board_data(s: &AppState, ctx: &Ctx, org: i64) -> AppResult<(Node, Board, Vec<Line>, Vec<Node>)> {
    let mut c = s.store.read().await?;
    let camp = current(&mut c).await?;
    let board = cm::board(&mut c, camp.id).await?;
    if ctx.caller.is_none() && !board.open_to_public {
        return Err(AppError::unauthorized());
    }
    let node = tree::require(&mut c, Tree::Org, org).await?;
    // The board of an organization: its own commitments and its members' (not those below).
    let scope = Scope::system("board");
    let rows = cm::list(&mut c, &scope, &Filter { campaign: Some(camp.id), org_path: Some(node.path.clone()), public_only: true, ..Default::default() }).await?;
    let rows: Vec<CommitmentRow> = rows.into_iter().filter(|r| r.board_org_id == Some(node.id)).collect();
    let rates = cm::rates(&mut c, camp.id).await?;
    let today = today();
    let lines = rows.into_iter().map(|r| Line::new(r, &rates, ctx.lang, today)).collect();
    let children = tree::children(&mut c, Tree::Org, node.id).await?.into_iter().filter(|n| n.closed_on.is_none()).collect();
    Ok((node, board, lines, children))
}

pub async fn board(State(s): State<AppState>, ctx: Ctx, Path(org): Path<i64>) -> AppResult<Response> {
    let (node, board, lines, children) = board_data(&s, &ctx, org).await?;
    let office = ctx.caller.as_ref().is_some_and(|c| c.scope.is_office_or_admin());
    let all_fields = PUBLIC_FIELDS.iter().map(|f| (f.code(), f.label(ctx.lang), board.fields.contains(f))).collect();
    let title = format!("{} · {}", node.name, ctx.t("公开承诺栏", "Commitments board"));
    Ok(render(&BoardPage { l: Layout::new(&ctx, &title), node, board, lines, children, office, all_fields, definition: rate_definition(ctx.lang) }))
}

/// The office opens the board to readers without an account and marks the fields shown.
pub async fn board_settings(State(s): State<AppState>, ctx: Ctx, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let fields: Vec<PublicField> = p.iter().filter(|(k, _)| k == "fields").filter_map(|(_, v)| PublicField::parse(v)).collect();
    let m = form_map(p);
    let open = field(&m, "open_to_public") == Some("yes");
    let mut w = s.store.write().await?;
    let camp = current(&mut w).await?;
    cm::set_board(&mut w, &scope, camp.id, &Board { open_to_public: open, fields }).await?;
    w.commit().await.map_err(StoreError::from)?;
    let back = field(&m, "org").and_then(|v| v.parse::<i64>().ok()).map(|o| format!("/boards/{o}?done=saved")).unwrap_or_else(|| "/commitments?done=saved".into());
    Ok(see_other(&back))
}

/// The board as an A4 poster: a header, then one block per commitment with the public fields,
/// continued on further pages as needed.
pub async fn board_pdf(State(s): State<AppState>, ctx: Ctx, Path(org): Path<i64>) -> AppResult<Response> {
    let (node, board, lines, _) = board_data(&s, &ctx, org).await?;
    let lang = Lang::Zh;
    let shows = |f: PublicField| board.fields.contains(&f);
    let (left, width, top, bottom) = (50.0f32, 495.0f32, 60.0f32, 790.0f32);
    let mut pages: Vec<Vec<Item>> = Vec::new();
    let mut items: Vec<Item> = Vec::new();
    let mut y = top;
    let header = |items: &mut Vec<Item>, page: usize| {
        items.push(Item::Text { x: left, y: 40.0, size: 9.0, text: format!("公开承诺栏 · {} · 第{}页", node.name, page) });
    };
    header(&mut items, 1);
    items.push(Item::Text { x: left, y: y + 20.0, size: 22.0, text: "公开承诺栏".into() });
    items.push(Item::Text { x: left, y: y + 48.0, size: 14.0, text: node.name.clone() });
    y += 72.0;
    if shows(PublicField::Rate) {
        items.push(Item::Text { x: left, y, size: 8.0, text: rate_definition(lang).into() });
        y += 16.0;
    }
    if lines.is_empty() {
        items.push(Item::Text { x: left, y: y + 14.0, size: 11.0, text: "尚无通过审核的公开承诺。".into() });
    }
    for (i, l) in lines.iter().enumerate() {
        let mut block: Vec<(f32, String)> = Vec::new();
        let mut head = format!("{}.", i + 1);
        if shows(PublicField::Name) {
            head.push(' ');
            head.push_str(&l.c.owner_name);
        }
        if shows(PublicField::Org) {
            if let Some(o) = &l.c.org_name {
                if l.c.person_id.is_some() {
                    head.push_str(&format!("（{o}）"));
                }
            }
        }
        if shows(PublicField::Category) {
            head.push_str(&format!(" 【{}】", l.c.category));
        }
        block.push((12.0, head));
        let mut add = |f: PublicField, label: &str, text: String| {
            if shows(f) {
                for (j, line) in pdf::wrap(&format!("{label}：{text}"), 10.0, width - 12.0).into_iter().enumerate() {
                    block.push((10.0, if j == 0 { line } else { format!("  {line}") }));
                }
            }
        };
        add(PublicField::Content, "承诺", l.c.content.clone());
        add(PublicField::Measures, "措施", l.c.measures.clone());
        add(PublicField::Target, "目标", l.c.target.clone());
        add(PublicField::Due, "时限", iso(l.c.due));
        add(PublicField::Progress, "进度", format!("{}%（{}）", l.c.percent, l.c.state().label(lang)));
        add(PublicField::Rate, "评诺", l.rate.clone());
        let height: f32 = block.iter().map(|(s, _)| s * 1.6).sum::<f32>() + 8.0;
        if y + height > bottom && y > top + 1.0 {
            pages.push(std::mem::take(&mut items));
            header(&mut items, pages.len() + 1);
            y = top;
        }
        // A block taller than a page continues on the next, line by line.
        for (size, text) in block {
            if y + size * 1.6 > bottom {
                pages.push(std::mem::take(&mut items));
                header(&mut items, pages.len() + 1);
                y = top;
            }
            y += size * 1.6;
            items.push(Item::Text { x: left + if size < 12.0 { 12.0 } else { 0.0 }, y, size, text });
        }
        y += 8.0;
    }
    pages.push(items);
    let bytes = pdf::render(&pages, pdf::A4)?;
    Ok(pdf::response(bytes, &format!("board-{}.pdf", node.id)))
}

// ---- JSON ------------------------------------------------------------------------------------

fn rate_dto(rates: &TargetRates, id: i64) -> CommitmentRateDto {
    match rates.get(id) {
        Some(r) => CommitmentRateDto {
            shown: true,
            under_minimum: None,
            satisfied: Some(r.satisfied),
            fairly: Some(r.fairly),
            dissatisfied: Some(r.dissatisfied),
            valid: Some(r.valid()),
            percent: Some(sv::fmt_percent(r.percent())),
        },
        None => CommitmentRateDto { shown: false, under_minimum: Some(rates.is_hidden(id)), satisfied: None, fairly: None, dissatisfied: None, valid: None, percent: None },
    }
}

fn line_dto(l: &CommitmentRow, rates: &TargetRates) -> CommitmentDto {
    CommitmentDto {
        id: l.id,
        task_id: l.task_id,
        owner_kind: l.owner_kind().to_string(),
        owner_name: l.owner_name.clone(),
        org_id: l.board_org_id,
        org_name: l.org_name.clone(),
        requirement_id: l.requirement_id,
        category: l.category.clone(),
        content: l.content.clone(),
        measures: l.measures.clone(),
        target: l.target.clone(),
        due: iso(l.due),
        state: l.state.clone(),
        percent: l.percent,
        version: l.version,
        amendment_pending: l.pending_revision.is_some(),
        overdue: l.overdue(today()),
        late: l.late(),
        rate: rate_dto(rates, l.id),
    }
}

/// The commitment tasks the caller owes, each with its commitments.
pub async fn api_mine(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let mut c = s.store.read().await?;
    let camp = current(&mut c).await?;
    let mut out = Vec::new();
    for t in cm::my_tasks(&mut c, scope, camp.id).await? {
        let items = cm::list(&mut c, scope, &Filter { campaign: Some(camp.id), task: Some(t.id), ..Default::default() }).await?;
        out.push(OwedCommitmentsDto {
            task_id: t.id,
            owner_kind: t.owner_kind().to_string(),
            owner_name: t.owner_name,
            task_state: t.state,
            commitments: items.iter().map(|i| i.id).collect(),
        });
    }
    Ok(axum::Json(out).into_response())
}

/// The commitments in the caller's scope, with the list's filters.
pub async fn api_list(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let mut c = s.store.read().await?;
    let camp = current(&mut c).await?;
    let f = filter_of(&mut c, camp.id, &q).await?;
    let rows = cm::list(&mut c, scope, &f).await?;
    let rates = cm::rates(&mut c, camp.id).await?;
    Ok(axum::Json(rows.iter().map(|r| line_dto(r, &rates)).collect::<Vec<_>>()).into_response())
}

/// One commitment with its satisfaction figures.
pub async fn api_get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let mut c = s.store.read().await?;
    let (row, _) = readable(&mut c, scope, id).await?;
    let rates = cm::rates(&mut c, row.campaign_id).await?;
    Ok(axum::Json(line_dto(&row, &rates)).into_response())
}
