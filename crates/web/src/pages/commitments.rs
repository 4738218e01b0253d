//! Public commitments (item 3: 承诺可行、践诺见效、评诺满意), as pages: thin adapters over
//! [`crate::app::commitments`]. Each handler reads its form, calls the use case, and renders the
//! page (or the same form with what was typed and what is wrong).

use super::{FormState, Layout, confirm, conflict_form, render, render_status, see_other};
use crate::app::commitments::{self as app, CommitmentInput, Content, Line, ListQuery, MyTask, ProgressView, RevisionView, RollRow, rate_definition};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::export::Sheet;
use crate::input::{Paging, PagingQuery, Pairs};
use crate::pdf::{self, Item};
use crate::state::AppState;
use crate::upload;
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::Response;
use pacesetter_domain::Lang;
use pacesetter_domain::commitment::{PUBLIC_FIELDS, PublicField, STATES};
use pacesetter_domain::dates::{iso, today};
use pacesetter_domain::ids::{CommitmentEvidenceId, CommitmentId, OrgId, TaskId, UnitId};
use pacesetter_store::commitment::{self as cm, Board, RequirementRow};
use pacesetter_store::task::TaskRow;
use pacesetter_store::tree::Node;
use serde::Deserialize;
use std::collections::HashMap;

/// The commitments chosen to hand in: ids=1&ids=2.
struct SubmitForm {
    ids: Vec<CommitmentId>,
}

impl SubmitForm {
    fn parse(body: &[u8]) -> AppResult<SubmitForm> {
        Ok(SubmitForm { ids: Pairs::parse(body)?.ids("ids") })
    }
}

/// A reviewer's decision on the commitments chosen: ids (repeated), action, comment, and the
/// list to go back to; what was typed, for the form shown again, and whether it is confirmed.
struct ReviewForm {
    ids: Vec<CommitmentId>,
    action: Option<String>,
    comment: Option<String>,
    back: Option<String>,
    values: HashMap<String, String>,
    pairs: Vec<(String, String)>,
    confirmed: bool,
}

impl ReviewForm {
    fn parse(body: &[u8]) -> AppResult<ReviewForm> {
        let p = Pairs::parse(body)?;
        let values = p.0.iter().filter(|(k, _)| k != "ids" && k != "confirmed").cloned().collect();
        Ok(ReviewForm {
            ids: p.ids("ids"),
            action: p.one("action"),
            comment: p.one("comment"),
            back: p.one("back"),
            values,
            confirmed: confirm::confirmed(&p.0),
            pairs: confirm::again(&p.0),
        })
    }

    /// The commitment whose own page the decision came from (one item, sent back there).
    fn single(&self) -> Option<CommitmentId> {
        let id = self.back.as_deref()?.strip_prefix("/commitments/")?.parse().ok().map(CommitmentId)?;
        (self.ids == [id]).then_some(id)
    }

    fn back(&self) -> &str {
        self.back.as_deref().filter(|b| b.starts_with("/commitments") && super::is_local_path(b)).unwrap_or("/commitments/review")
    }
}

/// The board's settings: open_to_public=yes, fields (repeated; an unknown code is no field), and
/// the board to go back to.
struct BoardForm {
    open_to_public: bool,
    fields: Vec<PublicField>,
    org: Option<OrgId>,
}

impl BoardForm {
    fn parse(body: &[u8]) -> AppResult<BoardForm> {
        let p = Pairs::parse(body)?;
        Ok(BoardForm {
            open_to_public: p.one("open_to_public").as_deref() == Some("yes"),
            fields: p.all("fields").filter_map(|v| PublicField::parse(v.trim())).collect(),
            org: p.one("org").and_then(|v| v.parse().ok()).map(OrgId),
        })
    }
}

/// The form of a commitment: make one (with its task) or change one.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct CommitmentForm {
    #[serde(default)]
    pub task: Option<String>,
    #[serde(default)]
    pub requirement: Option<String>,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub measures: String,
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub due: String,
    #[serde(default)]
    pub submit: Option<String>,
}

impl CommitmentForm {
    fn input(&self) -> CommitmentInput {
        CommitmentInput {
            requirement: self.requirement.as_deref().and_then(|v| v.trim().parse().ok()),
            category: self.category.clone(),
            content: self.content.clone(),
            measures: self.measures.clone(),
            target: self.target.clone(),
            due: self.due.clone(),
            submit: self.submit.as_deref() == Some("1"),
        }
    }
    fn values(&self) -> HashMap<String, String> {
        let mut m = HashMap::new();
        for (k, v) in [
            ("task", self.task.clone().unwrap_or_default()),
            ("requirement", self.requirement.clone().unwrap_or_default()),
            ("category", self.category.clone()),
            ("content", self.content.clone()),
            ("measures", self.measures.clone()),
            ("target", self.target.clone()),
            ("due", self.due.clone()),
        ] {
            m.insert(k.to_string(), v);
        }
        m
    }
}

/// The answer to a change that may be refused for what was typed (422) or for a change made
/// meanwhile (409): the form again, with the problem beside it. Anything else is an error page.
enum Refusal {
    Form(FormState, StatusCode),
    Error(AppError),
}

fn refusal(ctx: &Ctx, e: AppError, values: HashMap<String, String>) -> Refusal {
    if let Some(errs) = e.fields.clone() {
        return Refusal::Form(FormState::with(ctx.lang, values, errs), StatusCode::UNPROCESSABLE_ENTITY);
    }
    if e.status == StatusCode::CONFLICT {
        return Refusal::Form(conflict_form(ctx, values, e.message), StatusCode::CONFLICT);
    }
    Refusal::Error(e)
}

// ---- the hub: my commitments and the list in my scope ----------------------------------------

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
    pager: super::Pager,
    filter: ListQuery,
    states: Vec<(&'static str, &'static str)>,
    may_list: bool,
    office: bool,
    home_org: Option<i64>,
    query: String,
}

/// The hub: my commitments, and the list in my scope a page at a time (`?page=`), its filters
/// kept; the exports have every commitment that matches.
pub async fn index(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>, Query(p): Query<PagingQuery>) -> AppResult<Response> {
    hub(&s, &ctx, q, p.paging(), FormState::new(ctx.lang), StatusCode::OK).await
}

async fn hub(s: &AppState, ctx: &Ctx, q: ListQuery, paging: Paging, f: FormState, status: StatusCode) -> AppResult<Response> {
    let h = app::hub(s, &ctx.me()?.scope, &q).await?;
    let query = serde_urlencoded::to_string(&q).unwrap_or_default();
    let (lines, pager) = super::page_of(h.lines, paging, "/commitments", &query);
    let states = STATES.iter().map(|s| (s.code(), s.label(ctx.lang))).collect();
    let page = HubPage {
        l: Layout::new(ctx, ctx.t("公开承诺", "Public commitments")),
        campaign: h.campaign,
        mine: h.mine,
        categories: h.categories,
        f,
        to_review: h.to_review,
        lines,
        pager,
        filter: q,
        states,
        may_list: h.may_list,
        office: h.office,
        home_org: h.home_org,
        query,
    };
    Ok(render_status(status, &page))
}

/// Makes a commitment (a draft; `submit=1` hands it in at once).
pub async fn create(State(s): State<AppState>, ctx: Ctx, Form(form): Form<CommitmentForm>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let task: TaskId = form.task.as_deref().and_then(|v| v.trim().parse().ok()).ok_or_else(AppError::not_found)?;
    match app::create(&s, scope, task, &form.input()).await {
        Ok(id) => Ok(see_other(&format!("/commitments/{id}?done=saved"))),
        Err(e) => match refusal(&ctx, e, form.values()) {
            Refusal::Form(mut f, status) => {
                f.set("open_task", task.to_string());
                hub(&s, &ctx, ListQuery::default(), Paging::default(), f, status).await
            }
            Refusal::Error(e) => Err(e),
        },
    }
}

/// Hands drafts in for review (one or several).
pub async fn submit(State(s): State<AppState>, ctx: Ctx, RawForm(body): RawForm) -> AppResult<Response> {
    let ids = SubmitForm::parse(&body)?.ids;
    app::submit(&s, &ctx.me()?.scope, &ids).await?;
    let back = if ids.len() == 1 { format!("/commitments/{}?done=submitted", ids[0]) } else { "/commitments?done=submitted".into() };
    Ok(see_other(&back))
}

// ---- one commitment -------------------------------------------------------------------------

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

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    show_page(&s, &ctx, CommitmentId(id), None, StatusCode::OK).await
}

async fn show_page(s: &AppState, ctx: &Ctx, id: CommitmentId, f: Option<FormState>, status: StatusCode) -> AppResult<Response> {
    let d = app::detail(s, &ctx.me()?.scope, id).await?;
    let row = &d.line.c;
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
    let title = format!("{} · {}", row.owner_name, ctx.t("公开承诺", "Commitment"));
    let page = ShowPage {
        l: Layout::new(ctx, &title),
        line: d.line,
        requirement: d.requirement,
        requirements: d.requirements,
        categories: d.categories,
        revisions: d.revisions,
        pending: d.pending,
        progress: d.progress,
        owner: d.owner,
        reviewer: d.reviewer,
        f,
        today: iso(today()),
        definition: rate_definition(ctx.lang),
    };
    Ok(render_status(status, &page))
}

/// The answer to a change of a commitment: back to its page, or the page with the problem beside
/// what was typed.
async fn after_change(s: &AppState, ctx: &Ctx, id: CommitmentId, r: AppResult<()>, values: HashMap<String, String>) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(see_other(&format!("/commitments/{id}?done=saved"))),
        Err(e) => match refusal(ctx, e, values) {
            Refusal::Form(f, status) => show_page(s, ctx, id, Some(f), status).await,
            Refusal::Error(e) => Err(e),
        },
    }
}

/// Edits a draft or returned commitment, or asks to amend an approved one.
pub async fn edit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(form): Form<CommitmentForm>) -> AppResult<Response> {
    let id = CommitmentId(id);
    let r = app::edit(&s, &ctx.me()?.scope, id, &form.input()).await;
    after_change(&s, &ctx, id, r, form.values()).await
}

/// A progress report (multipart: day, percent, text, files).
pub async fn report(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mp: Multipart) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let id = CommitmentId(id);
    // Only the owner reports: asked before the upload is read.
    app::may_report(&s, scope, id).await?;
    let form = upload::read_form(mp, "files", s.site.max_upload).await?;
    let values = form.values.clone();
    let r = app::report(&s, scope, id, app::ProgressInput::from_form(form)).await.map(|_| ());
    after_change(&s, &ctx, id, r, values).await
}

/// A file of evidence, for whoever's scope holds its commitment.
pub async fn evidence(State(s): State<AppState>, ctx: Ctx, Path(id): Path<CommitmentEvidenceId>) -> AppResult<Response> {
    let (name, ty, data) = app::evidence_file(&s, &ctx.me()?.scope, id).await?;
    Ok(super::stored_file(&name, ty, data))
}

// ---- review ---------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "commitment_review.html")]
struct ReviewPage {
    l: Layout,
    lines: Vec<Line>,
    pending: HashMap<i64, Option<Content>>,
    /// The ticked ones (none when the queue opens).
    chosen: std::collections::HashSet<i64>,
    f: FormState,
}

pub async fn review_queue(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    review_page(&s, &ctx, FormState::new(ctx.lang), &[], StatusCode::OK).await
}

/// The queue: nothing ticked when it opens; after a refusal, exactly what was chosen.
async fn review_page(s: &AppState, ctx: &Ctx, f: FormState, chosen: &[CommitmentId], status: StatusCode) -> AppResult<Response> {
    let rows = app::review_queue(s, &ctx.me()?.scope).await?;
    let mut pending = HashMap::new();
    let mut lines = Vec::new();
    for r in rows {
        if let Some(a) = r.amendment {
            pending.insert(r.line.c.id, a);
        }
        lines.push(r.line);
    }
    let chosen = chosen.iter().map(|c| c.0).collect();
    Ok(render_status(status, &ReviewPage { l: Layout::new(ctx, ctx.t("审核公开承诺", "Review commitments")), lines, pending, chosen, f }))
}

/// Approves or returns the chosen commitments (a batch is all or nothing), after a step that
/// says what will happen to which. A refusal comes back where the decision was made: the
/// commitment's own page for one, the queue with the same ones ticked for a batch.
pub async fn review(State(s): State<AppState>, ctx: Ctx, RawForm(body): RawForm) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let form = ReviewForm::parse(&body)?;
    let r = match app::decision_of(form.action.as_deref(), form.comment.as_deref()) {
        Ok(d) if form.confirmed => app::review(&s, scope, &form.ids, &d).await.map(|_| ()),
        Ok(d) => match app::review_preview(&s, scope, &form.ids, &d).await {
            Ok(waiting) => return Ok(confirm::step(&ctx, review_step(&ctx, &form, &d, &waiting))),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => {
            let back = form.back();
            Ok(see_other(&format!("{back}{}done=reviewed", if back.contains('?') { "&" } else { "?" })))
        }
        Err(e) => match (refusal(&ctx, e, form.values.clone()), form.single()) {
            (Refusal::Form(f, status), Some(id)) => show_page(&s, &ctx, id, Some(f), status).await,
            (Refusal::Form(f, status), None) => review_page(&s, &ctx, f, &form.ids, status).await,
            (Refusal::Error(e), _) => Err(e),
        },
    }
}

/// What the confirmation of a review says: approve or return, how many, which, and the comment.
fn review_step(ctx: &Ctx, form: &ReviewForm, d: &cm::Decision, waiting: &[app::ToReview]) -> confirm::Confirm {
    let n = waiting.len();
    let (what, button, comment) = match d {
        cm::Decision::Approve { comment } => (
            ctx.t(
                &format!("将通过以下 {n} 项公开承诺（修改申请通过后即替换现行承诺），通过后在公开承诺栏公示。"),
                &format!("These {n} commitments will be approved (an amendment replaces the commitment in force) and shown on the board."),
            )
            .to_string(),
            ctx.t(&format!("确认通过 {n} 项"), &format!("Approve {n}")).to_string(),
            comment.clone().unwrap_or_default(),
        ),
        cm::Decision::Return { comment } => (
            ctx.t(
                &format!("将退回以下 {n} 项公开承诺，由承诺人按审核意见修改后重新提交。"),
                &format!("These {n} commitments will be returned to their owners to change and hand in again."),
            )
            .to_string(),
            ctx.t(&format!("确认退回 {n} 项"), &format!("Return {n}")).to_string(),
            comment.clone(),
        ),
    };
    let items = waiting.iter().map(|w| format!("{}：【{}】{}", w.line.c.owner_name, w.line.c.category, w.line.c.content)).collect();
    let note = if comment.is_empty() { String::new() } else { format!("{}{}", ctx.t("审核意见：", "Comment: "), comment) };
    let back = match form.single() {
        Some(id) => format!("/commitments/{id}"),
        None => "/commitments/review".into(),
    };
    confirm::Confirm { what, items, note, action: "/commitments/review".into(), fields: form.pairs.clone(), button, back, danger: matches!(d, cm::Decision::Return { .. }) }
}

// ---- coverage and reminders -----------------------------------------------------------------

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

/// ?org= : below which organization.
#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
pub struct NodeQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<OrgId>,
    /// A unit's roll-up instead (the dashboard only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<UnitId>,
}

/// Who in the caller's scope (or below an organization) has not yet committed.
pub async fn coverage(State(s): State<AppState>, ctx: Ctx, Query(q): Query<NodeQuery>) -> AppResult<Response> {
    let cov = app::coverage(&s, &ctx.me()?.scope, q.org).await?;
    let (made, total) = (cov.made(), cov.rows.len());
    let missing = cov.missing().into_iter().cloned().collect();
    let query = serde_urlencoded::to_string(&q).unwrap_or_default();
    Ok(render(&CoveragePage { l: Layout::new(&ctx, ctx.t("承诺覆盖情况", "Who has committed")), node: cov.node, missing, made, total, query }))
}

/// The same list as export.xlsx or export.csv.
pub async fn coverage_export(State(s): State<AppState>, ctx: Ctx, Path(file): Path<String>, Query(q): Query<NodeQuery>) -> AppResult<Response> {
    let format = match file.as_str() {
        "export.xlsx" => "xlsx",
        "export.csv" => "csv",
        _ => return Err(AppError::not_found()),
    };
    let cov = app::coverage(&s, &ctx.me()?.scope, q.org).await?;
    let lang = ctx.lang;
    let sheet = Sheet {
        name: lang.t("未承诺名单", "Not committed").into(),
        headers: vec![lang.t("承诺人", "Owner").into(), lang.t("任务", "Task").into(), lang.t("截止日期", "Due").into(), lang.t("状态", "State").into()],
        rows: cov
            .missing()
            .iter()
            .map(|t| vec![t.owner_name.clone(), t.title.clone(), t.due_date.map(iso).unwrap_or_default(), lang.t("未承诺", "Not committed").into()])
            .collect(),
    };
    super::download(&ctx, &sheet, lang.t("未承诺名单", "not-committed"), format)
}

/// Reminds everyone in the caller's scope (or below an organization) who has not committed:
/// a notification and an e-mail, once a day each.
pub async fn remind(State(s): State<AppState>, ctx: Ctx, Form(q): Form<OrgForm>) -> AppResult<Response> {
    let org = q.org();
    app::remind(&s, &ctx.me()?.scope, org).await?;
    let org = org.map(|o| format!("org={o}&")).unwrap_or_default();
    Ok(see_other(&format!("/commitments/coverage?{org}done=reminded")))
}

/// A form that names an organization (or none, which is left empty).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct OrgForm {
    #[serde(default)]
    pub org: Option<String>,
}

impl OrgForm {
    fn org(&self) -> Option<OrgId> {
        self.org.as_deref().and_then(|v| v.trim().parse().ok())
    }
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
    let (rows, orgs) = app::requirements(s, &ctx.me()?.scope).await?;
    Ok(render_status(status, &RequirementsPage { l: Layout::new(ctx, ctx.t("争创要求", "Requirements handed down")), rows, orgs, f }))
}

/// The form of a requirement to hand down.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct RequirementForm {
    #[serde(default)]
    pub org: Option<String>,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub text: String,
}

pub async fn add_requirement(State(s): State<AppState>, ctx: Ctx, Form(form): Form<RequirementForm>) -> AppResult<Response> {
    let r = app::NewRequirement {
        org: form.org.as_deref().and_then(|v| v.trim().parse().ok()),
        parent: form.parent.as_deref().and_then(|v| v.trim().parse().ok()),
        title: form.title.clone(),
        text: form.text.clone(),
    };
    match app::add_requirement(&s, &ctx.me()?.scope, &r).await {
        Ok(_) => Ok(see_other("/commitments/requirements?done=saved")),
        Err(e) => {
            let values: HashMap<String, String> = [("org", form.org.unwrap_or_default()), ("parent", form.parent.unwrap_or_default()), ("title", form.title), ("text", form.text)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            match refusal(&ctx, e, values) {
                Refusal::Form(f, status) => requirements_page(&s, &ctx, f, status).await,
                Refusal::Error(e) => Err(e),
            }
        }
    }
}

// ---- the roll-up ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "commitment_dashboard.html")]
struct DashboardPage {
    l: Layout,
    node: Node,
    unit: bool,
    me: RollRow,
    children: Vec<RollRow>,
    windows: Vec<RollRow>,
    definition: &'static str,
}

/// The commitments of an organization's subtree: its own figures beside each child's.
pub async fn dashboard(State(s): State<AppState>, ctx: Ctx, Query(q): Query<NodeQuery>) -> AppResult<Response> {
    let r = app::rollup(&s, &ctx.me()?.scope, q.org, q.unit).await?;
    let title = format!("{} · {}", r.node.name, ctx.t("公开承诺统计", "Commitments roll-up"));
    Ok(render(&DashboardPage {
        l: Layout::new(&ctx, &title),
        node: r.node,
        unit: r.unit,
        me: r.me,
        children: r.children,
        windows: r.windows,
        definition: rate_definition(ctx.lang),
    }))
}

// ---- exports --------------------------------------------------------------------------------

pub async fn export_xlsx(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> AppResult<Response> {
    export(&s, &ctx, q, "xlsx").await
}

pub async fn export_csv(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> AppResult<Response> {
    export(&s, &ctx, q, "csv").await
}

async fn export(s: &AppState, ctx: &Ctx, q: ListQuery, format: &str) -> AppResult<Response> {
    let rows = app::list(s, &ctx.me()?.scope, &q).await?;
    let lang = ctx.lang;
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
                    l.rate.text(lang),
                ]
            })
            .collect(),
    };
    super::download(ctx, &sheet, lang.t("公开承诺", "commitments"), format)
}

// ---- evaluation (评诺) through the surveys engine -------------------------------------------

/// Starts an evaluation survey of the public commitments below an organization; the owner then
/// opens it on the survey's page.
pub async fn evaluate(State(s): State<AppState>, ctx: Ctx, Form(q): Form<OrgForm>) -> AppResult<Response> {
    let (id, _) = app::evaluate(&s, &ctx.me()?.scope, q.org()).await?;
    Ok(see_other(&format!("/surveys/{id}?done=created")))
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
    party: Option<crate::app::systems::PartyBoard>,
}

impl BoardPage {
    fn meeting_word(&self, k: &pacesetter_domain::meeting::Kind) -> &'static str {
        k.label(self.l.lang)
    }

    fn system_kind(&self, s: &pacesetter_store::branch_system::SystemRow) -> &'static str {
        s.kind().label(self.l.lang)
    }

    fn shows(&self, f: &str) -> bool {
        self.board.fields.iter().any(|x| x.code() == f)
    }
}

pub async fn board(State(s): State<AppState>, ctx: Ctx, Path(org): Path<i64>) -> AppResult<Response> {
    let b = app::board(&s, ctx.caller.as_ref().map(|c| &c.scope), OrgId(org)).await?;
    let office = ctx.caller.as_ref().is_some_and(|c| c.scope.is_office_or_admin());
    let all_fields = PUBLIC_FIELDS.iter().map(|f| (f.code(), f.label(ctx.lang), b.board.fields.contains(f))).collect();
    let title = if b.party.is_some() {
        format!("{} · {}", b.node.name, ctx.t("党务公开栏", "Branch board"))
    } else {
        format!("{} · {}", b.node.name, ctx.t("公开承诺栏", "Commitments board"))
    };
    Ok(render(&BoardPage {
        l: Layout::new(&ctx, &title),
        party: b.party,
        node: b.node,
        board: b.board,
        lines: b.lines,
        children: b.children,
        office,
        all_fields,
        definition: rate_definition(ctx.lang),
    }))
}

/// The office opens the board to readers without an account and marks the fields shown.
pub async fn board_settings(State(s): State<AppState>, ctx: Ctx, RawForm(body): RawForm) -> AppResult<Response> {
    let form = BoardForm::parse(&body)?;
    app::set_board(&s, &ctx.me()?.scope, &Board { open_to_public: form.open_to_public, fields: form.fields }).await?;
    let back = form.org.map(|o| format!("/boards/{o}?done=saved")).unwrap_or_else(|| "/commitments?done=saved".into());
    Ok(see_other(&back))
}

/// The board as an A4 poster: a header, then one block per commitment with the public fields,
/// continued on further pages as needed.
pub async fn board_pdf(State(s): State<AppState>, ctx: Ctx, Path(org): Path<i64>) -> AppResult<Response> {
    let app::BoardView { node, board, lines, party, .. } = app::board(&s, ctx.caller.as_ref().map(|c| &c.scope), OrgId(org)).await?;
    let lang = Lang::Zh;
    let shows = |f: PublicField| board.fields.contains(&f);
    let (left, width, top, bottom) = (50.0f32, 495.0f32, 60.0f32, 790.0f32);
    let mut pages: Vec<Vec<Item>> = Vec::new();
    let mut items: Vec<Item> = Vec::new();
    let mut y = top;
    let header = |items: &mut Vec<Item>, page: usize| {
        items.push(Item::Text {
            x: left, y: 40.0, size: 9.0, text: format!("{} · {} · 第{}页", if party.is_some() { "党务公开栏" } else { "公开承诺栏" }, node.name, page)
        });
    };
    let heading = if party.is_some() { "党务公开栏" } else { "公开承诺栏" };
    header(&mut items, 1);
    items.push(Item::Text { x: left, y: y + 20.0, size: 22.0, text: heading.into() });
    items.push(Item::Text { x: left, y: y + 48.0, size: 14.0, text: node.name.clone() });
    y += 72.0;
    if shows(PublicField::Rate) {
        items.push(Item::Text { x: left, y, size: 8.0, text: rate_definition(lang).into() });
        y += 16.0;
    }
    // The page's QR code at the top right, for readers of the printed board.
    let url = format!("{}/boards/{}", s.site.public_url, node.id);
    let (dark, qw) = crate::qr::modules(&url)?;
    let module = 80.0 / qw as f32;
    for qy in 0..qw {
        for qx in 0..qw {
            if dark[qy * qw + qx] {
                items.push(Item::Rect { x: left + width - 80.0 + qx as f32 * module, y: top + qy as f32 * module, w: module + 0.2, h: module + 0.2 });
            }
        }
    }
    y = y.max(top + 90.0);
    // Every block of lines (a size and a text each), in order: the branch's part, then the
    // commitments.
    let mut blocks: Vec<Vec<(f32, String)>> = Vec::new();
    let wrap = |text: &str, size: f32| pdf::wrap(text, size, width - 12.0);
    if let Some(p) = &party {
        blocks.push(vec![(14.0, "支部制度".into())]);
        if p.systems.is_empty() {
            blocks.push(vec![(10.0, "尚未登记制度。".into())]);
        }
        for sys in &p.systems {
            let mut block = vec![(12.0, format!("{}【{}】 {}建立", sys.name, sys.kind().label(lang), pacesetter_domain::dates::format_date(sys.adopted_on, lang)))];
            for line in sys.body.lines().filter(|l| !l.trim().is_empty()) {
                block.extend(wrap(line, 10.0).into_iter().map(|t| (10.0, t)));
            }
            if !sys.practice.is_empty() {
                block.extend(wrap(&format!("运行情况：{}", sys.practice), 10.0).into_iter().map(|t| (10.0, t)));
            }
            blocks.push(block);
        }
        blocks.push(vec![(14.0, "本学期召开的会议".into())]);
        if p.meetings.is_empty() {
            blocks.push(vec![(10.0, "本学期尚无已召开的会议记录。".into())]);
        }
        for (d, k, topic) in &p.meetings {
            blocks.push(wrap(&format!("{} {}：{topic}", pacesetter_domain::dates::format_date(*d, lang), k.label(lang)), 10.0).into_iter().map(|t| (10.0, t)).collect());
        }
        if !p.contacts.is_empty() {
            blocks.push(vec![(14.0, format!("支部联系人：{}", p.contacts.join("、")))]);
        }
        blocks.push(vec![(14.0, "党员公开承诺".into())]);
    }
    if lines.is_empty() {
        blocks.push(vec![(11.0, "尚无通过审核的公开承诺。".into())]);
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
                for (j, line) in wrap(&format!("{label}：{text}"), 10.0).into_iter().enumerate() {
                    block.push((10.0, if j == 0 { line } else { format!("  {line}") }));
                }
            }
        };
        add(PublicField::Content, "承诺", l.c.content.clone());
        add(PublicField::Measures, "措施", l.c.measures.clone());
        add(PublicField::Target, "目标", l.c.target.clone());
        add(PublicField::Due, "时限", pacesetter_domain::dates::format_date(l.c.due, Lang::Zh));
        add(PublicField::Progress, "进度", format!("{}%（{}）", l.c.percent, l.c.state().label(lang)));
        add(PublicField::Rate, "评诺", l.rate.text(lang));
        blocks.push(block);
    }
    for block in blocks {
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
            let indent = if size < 12.0 { 12.0 } else { 0.0 };
            items.push(Item::Text { x: left + indent, y, size, text });
        }
        y += 8.0;
    }
    pages.push(items);
    let bytes = pdf::render(&pages, pdf::A4)?;
    Ok(pdf::response(bytes, &format!("board-{}.pdf", node.id)))
}
