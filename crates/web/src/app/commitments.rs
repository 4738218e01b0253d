//! Public commitments (item 3: 承诺可行、践诺见效、评诺满意): the use cases behind the pages and
//! the JSON API. Requirements handed down, each owner's commitments (made, edited, handed in,
//! amended), review one by one or in batches with the owners' notifications, progress with
//! evidence, coverage with reminders, the roll-up over both trees, the evaluation through the
//! surveys engine, and the public boards. What a reader is shown of a commitment is decided once,
//! by `domain::commitment::disclosure`; its satisfaction by `RateView`.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::http::StatusCode;
use pacesetter_domain::commitment::{self as rule, Disclosure, PublicField, State as CState, Summary};
use pacesetter_domain::dates::today;
use pacesetter_domain::ids::{CommitmentEvidenceId, CommitmentId, OrgId, SurveyId, TaskId, UnitId};
use pacesetter_domain::scope::{Access, Reach, Scope};
use pacesetter_domain::survey::TargetKind;
use pacesetter_domain::task::TaskState;
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::commitment::{self as cm, Board, CommitmentRow, EvidenceMeta, Filter, OrgSummary, ProgressRow, RequirementRow, RevisionRow};
use pacesetter_store::notify::{self, Note};
use pacesetter_store::survey::TargetRates;
use pacesetter_store::task::TaskRow;
use pacesetter_store::tree::{self, Node, Tree};
use pacesetter_store::{Conn, StoreError, campaign, survey};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::Date;

pub use pacesetter_domain::commitment::{Content, RateView, rate_definition};

/// The campaign that is running: commitments are made and shown in it.
async fn current(c: &mut Conn) -> AppResult<campaign::CampaignRow> {
    campaign::current(c).await?.ok_or_else(|| AppError::new(StatusCode::NOT_FOUND, "no_campaign", "目前没有进行中的活动", "No campaign is running"))
}

fn categories(camp: &campaign::CampaignRow) -> Vec<String> {
    camp.plan().map(|p| p.commitments.categories).unwrap_or_default()
}

/// A commitment's satisfaction as it may be shown.
pub fn rate_of(rates: &TargetRates, id: i64) -> RateView {
    RateView::of_target(rates.get(id), rates.is_hidden(id))
}

/// A commitment as lists show it.
pub struct Line {
    pub c: CommitmentRow,
    pub overdue: bool,
    pub late: bool,
    pub rate: RateView,
}

impl Line {
    pub fn new(c: CommitmentRow, rates: &TargetRates, today: Date) -> Line {
        Line { overdue: c.overdue(today), late: c.late(), rate: rate_of(rates, c.id), c }
    }
    pub fn state_label(&self, lang: &pacesetter_domain::Lang) -> &'static str {
        self.c.state().label(*lang)
    }
    pub fn rate_text(&self, lang: &pacesetter_domain::Lang) -> String {
        self.rate.text(*lang)
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

// ---- lists ------------------------------------------------------------------------------------

/// The filters of the lists and their exports.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ListQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<OrgId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<UnitId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// overdue or late
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag: Option<String>,
    /// The commitments handed in for one task (its page shows them as the submission).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskId>,
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
        Some(id) => Some(tree::require(c, Tree::Org, id.0).await?.path),
        None => None,
    };
    let unit_path = match q.unit {
        Some(id) => Some(tree::require(c, Tree::Unit, id.0).await?.path),
        None => None,
    };
    Ok(Filter {
        campaign: Some(campaign),
        org_path,
        unit_path,
        category: q.category.clone().filter(|s| !s.is_empty()),
        state: q.state.as_deref().and_then(CState::parse),
        task: q.task.map(|t| t.0),
        ..Default::default()
    })
}

async fn lines_in(c: &mut Conn, scope: &Scope, campaign: i64, q: &ListQuery) -> AppResult<Vec<Line>> {
    let f = filter_of(c, campaign, q).await?;
    let rows = cm::list(c, scope, &f).await?;
    let rates = cm::rates(c, campaign).await?;
    let today = today();
    Ok(rows
        .into_iter()
        .map(|r| Line::new(r, &rates, today))
        .filter(|l| match q.flag.as_deref() {
            Some("overdue") => l.overdue,
            Some("late") => l.late,
            _ => true,
        })
        .collect())
}

/// The commitments in the caller's scope that the filters select (the list, its exports and
/// the API's).
pub async fn list(s: &AppState, scope: &Scope, q: &ListQuery) -> AppResult<Vec<Line>> {
    let mut c = s.store.read().await?;
    let camp = current(&mut c).await?;
    lines_in(&mut c, scope, camp.id, q).await
}

/// A commitment task the caller owes, with its commitments and the requirements they may answer.
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

async fn my_tasks(c: &mut Conn, scope: &Scope, camp: i64) -> AppResult<Vec<MyTask>> {
    let rates = cm::rates(c, camp).await?;
    let today = today();
    let mut mine = Vec::new();
    for t in cm::my_tasks(c, scope, camp).await? {
        let items = cm::list(c, scope, &Filter { campaign: Some(camp), task: Some(t.id), ..Default::default() }).await?;
        let items = items.into_iter().map(|r| Line::new(r, &rates, today)).collect();
        let requirements = cm::requirements_answerable(c, camp, t.unit_id, t.owner_path.as_deref()).await?;
        mine.push(MyTask { t, items, requirements });
    }
    Ok(mine)
}

/// The commitment tasks the caller owes, each with its commitments.
pub async fn mine(s: &AppState, scope: &Scope) -> AppResult<Vec<MyTask>> {
    let mut c = s.store.read().await?;
    let camp = current(&mut c).await?;
    my_tasks(&mut c, scope, camp.id).await
}

/// The hub: what the caller owes, how many wait for their review, and the list in their scope.
pub struct Hub {
    pub campaign: String,
    pub categories: Vec<String>,
    pub mine: Vec<MyTask>,
    pub to_review: usize,
    pub may_list: bool,
    pub lines: Vec<Line>,
    pub office: bool,
    /// The organization whose board the caller's link opens.
    pub home_org: Option<i64>,
}

pub async fn hub(s: &AppState, scope: &Scope, q: &ListQuery) -> AppResult<Hub> {
    let mut c = s.store.read().await?;
    let camp = current(&mut c).await?;
    let mine = my_tasks(&mut c, scope, camp.id).await?;
    let to_review = cm::list(&mut c, scope, &Filter { campaign: Some(camp.id), to_review: true, ..Default::default() }).await?.len();
    let may_list = acts_for_some(scope);
    let lines = if may_list { lines_in(&mut c, scope, camp.id, q).await? } else { Vec::new() };
    let home_org = scope.reaches.iter().find_map(|(r, _)| if let Reach::Org(p) = r { p.trim_end_matches('/').rsplit('/').next().and_then(|x| x.parse().ok()) } else { None });
    Ok(Hub { campaign: camp.title.clone(), categories: categories(&camp), mine, to_review, may_list, lines, office: scope.is_office_or_admin(), home_org })
}

// ---- making, editing and handing in ------------------------------------------------------------

/// A commitment as its owner writes it: the text as typed (the domain reads it against the
/// campaign's categories and year), the requirement it answers, and whether to hand it in now.
#[derive(Clone, Debug, Default)]
pub struct CommitmentInput {
    pub requirement: Option<i64>,
    pub category: String,
    pub content: String,
    pub measures: String,
    pub target: String,
    pub due: String,
    pub submit: bool,
}

impl CommitmentInput {
    fn content(&self, camp: &campaign::CampaignRow) -> Result<Content, StoreError> {
        rule::parse(&categories(camp), rule::Period::of_year(camp.year as i32), &self.category, &self.content, &self.measures, &self.target, &self.due).map_err(StoreError::Invalid)
    }

    /// A requirement of 0 (the form's "none") is none.
    fn requirement(&self) -> Option<i64> {
        self.requirement.filter(|r| *r > 0)
    }
}

/// Makes a commitment on a commitment task the caller owes: a draft, or handed in at once.
pub async fn create(s: &AppState, scope: &Scope, task: TaskId, input: &CommitmentInput) -> AppResult<CommitmentId> {
    let mut w = s.store.write().await?;
    let camp = campaign::current(&mut w).await?.ok_or(StoreError::NotFound)?;
    let content = input.content(&camp)?;
    let id = cm::create(&mut w, scope, task.0, input.requirement(), &content).await?;
    if input.submit {
        cm::submit(&mut w, scope, &[id]).await?;
    }
    w.commit().await.map_err(StoreError::from)?;
    Ok(CommitmentId(id))
}

/// Edits a draft or returned commitment (handing it in when asked), or asks to amend an approved
/// one (the approved text stays in force until the amendment is reviewed).
pub async fn edit(s: &AppState, scope: &Scope, id: CommitmentId, input: &CommitmentInput) -> AppResult<()> {
    let mut w = s.store.write().await?;
    let row = cm::get(&mut w, scope, id.0).await?;
    let camp = campaign::get(&mut w, row.campaign_id).await?;
    let content = input.content(&camp)?;
    cm::update(&mut w, scope, id.0, input.requirement(), &content).await?;
    if input.submit && cm::get(&mut w, scope, id.0).await?.state().is_editable() {
        cm::submit(&mut w, scope, &[id.0]).await?;
    }
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

fn none_chosen() -> AppError {
    let mut e = FieldErrors::new();
    e.add("ids", "请至少选择一项承诺", "Choose at least one commitment");
    AppError::invalid(e)
}

/// Hands drafts in for review, one or several: any that may not be handed in refuses them all.
pub async fn submit(s: &AppState, scope: &Scope, ids: &[CommitmentId]) -> AppResult<usize> {
    if ids.is_empty() {
        return Err(none_chosen());
    }
    if ids.len() > 1000 {
        return Err(AppError::bad_request("一次最多 1000 项", "At most 1,000 at once"));
    }
    let ids: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let mut w = s.store.write().await?;
    let n = cm::submit(&mut w, scope, &ids).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(n)
}

// ---- one commitment ----------------------------------------------------------------------------

pub struct RevisionView {
    pub r: RevisionRow,
    pub content: Option<Content>,
}

pub struct ProgressView {
    pub p: ProgressRow,
    pub files: Vec<EvidenceMeta>,
}

/// One commitment as the caller may read it.
pub struct Detail {
    pub line: Line,
    pub disclosure: Disclosure,
    pub requirement: Option<RequirementRow>,
    /// The requirements its owner may answer (for the edit form).
    pub requirements: Vec<RequirementRow>,
    pub categories: Vec<String>,
    pub revisions: Vec<RevisionView>,
    /// The amendment waiting for review.
    pub pending: Option<RevisionView>,
    pub progress: Vec<ProgressView>,
    /// The caller may change it and report on it (its owner, or who acts for the owner).
    pub owner: bool,
    /// The caller reviews it.
    pub reviewer: bool,
}

/// Applies what a reader outside the scope may see: the board's fields, nothing else.
fn disclose(mut row: CommitmentRow, d: &Disclosure) -> CommitmentRow {
    if !d.shows(PublicField::Name) {
        row.owner_name = String::new();
    }
    if !d.shows(PublicField::Org) {
        row.org_name = None;
    }
    if !d.shows(PublicField::Category) {
        row.category = String::new();
    }
    if !d.shows(PublicField::Content) {
        row.content = String::new();
    }
    if !d.shows(PublicField::Measures) {
        row.measures = String::new();
    }
    if !d.shows(PublicField::Target) {
        row.target = String::new();
    }
    if !d.shows(PublicField::Progress) {
        row.percent = 0;
    }
    row
}

/// A commitment the caller may read (any public one for anyone logged in, the others in the
/// task's scope), with what the rule discloses to them.
async fn readable(c: &mut Conn, scope: &Scope, id: i64) -> AppResult<(CommitmentRow, Disclosure)> {
    let row = cm::get(c, scope, id).await?;
    let inside = cm::in_scope(c, scope, id).await?;
    let board = cm::board(c, row.campaign_id).await?;
    let d = rule::disclosure(inside, &board.fields);
    Ok((disclose(row, &d), d))
}

/// One commitment with what the caller may see of it: as lists show it.
pub async fn get(s: &AppState, scope: &Scope, id: CommitmentId) -> AppResult<Line> {
    let mut c = s.store.read().await?;
    let (row, _) = readable(&mut c, scope, id.0).await?;
    let rates = cm::rates(&mut c, row.campaign_id).await?;
    Ok(Line::new(row, &rates, today()))
}

/// One commitment with its requirement, history, amendment, progress and evidence, each as far
/// as the caller may see it.
pub async fn detail(s: &AppState, scope: &Scope, id: CommitmentId) -> AppResult<Detail> {
    let mut c = s.store.read().await?;
    let (row, disclosure) = readable(&mut c, scope, id.0).await?;
    let camp = campaign::get(&mut c, row.campaign_id).await?;
    let rates = cm::rates(&mut c, row.campaign_id).await?;
    let rights = pacesetter_store::task::rights_of(scope, &row.ownership());
    let requirements = cm::requirements_answerable(&mut c, row.campaign_id, row.unit_id, row.owner_path.as_deref()).await?;
    let requirement = row.requirement_id.and_then(|r| requirements.iter().find(|x| x.id == r).cloned());
    let mut revisions: Vec<RevisionView> =
        if disclosure.history { cm::revisions(&mut c, scope, id.0).await?.into_iter().map(|r| RevisionView { content: r.content(), r }).collect() } else { Vec::new() };
    let pending = row.pending_revision.and_then(|p| revisions.iter().position(|r| r.r.id == p)).map(|i| revisions.remove(i));
    let files = if disclosure.evidence { cm::evidence(&mut c, scope, id.0).await? } else { Vec::new() };
    let progress = cm::progress(&mut c, scope, id.0)
        .await?
        .into_iter()
        .map(|mut p| {
            if !disclosure.reporter {
                p.reported_by = String::new();
            }
            let files = files.iter().filter(|f| f.progress_id == p.id).cloned().collect();
            ProgressView { p, files }
        })
        .collect();
    Ok(Detail {
        line: Line::new(row, &rates, today()),
        disclosure,
        requirement,
        requirements,
        categories: categories(&camp),
        revisions,
        pending,
        progress,
        owner: rights.submit,
        reviewer: rights.review,
    })
}

// ---- progress (践诺) ---------------------------------------------------------------------------

/// Only the owner reports: asked before an upload is read. Returns the last reported percent.
pub async fn may_report(s: &AppState, scope: &Scope, id: CommitmentId) -> AppResult<u8> {
    let mut c = s.store.read().await?;
    let row = cm::get(&mut c, scope, id.0).await?;
    if !pacesetter_store::task::rights_of(scope, &row.ownership()).submit {
        return Err(AppError::not_found());
    }
    Ok(row.percent.clamp(0, 100) as u8)
}

/// A progress report as typed, with its files (already checked by content) and the problems of
/// the files that were refused.
#[derive(Default)]
pub struct ProgressInput {
    pub day: Option<String>,
    pub percent: String,
    pub text: String,
    pub files: Vec<cm::NewEvidence>,
    pub file_errors: FieldErrors,
}

impl ProgressInput {
    /// Reads a progress report's form (multipart: day, percent, text, files).
    pub fn from_form(form: crate::upload::MultipartForm) -> ProgressInput {
        let crate::upload::MultipartForm { values, files, errors, .. } = form;
        let files = files.into_iter().map(|f| cm::NewEvidence { filename: f.filename, content_type: f.kind.content_type().into(), data: f.data }).collect();
        let field = |k: &str| values.get(k).cloned().unwrap_or_default();
        ProgressInput { day: values.get("day").cloned(), percent: field("percent"), text: field("text"), files, file_errors: errors }
    }
}

/// Reports progress with evidence; 100% fulfils the commitment. Returns the report's id.
pub async fn report(s: &AppState, scope: &Scope, id: CommitmentId, input: ProgressInput) -> AppResult<i64> {
    let last = may_report(s, scope, id).await?;
    let mut errors = input.file_errors;
    let day = match input.day.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
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
    let parsed = match rule::parse_progress(&input.percent, &input.text, last) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.0.extend(e.0);
            None
        }
    };
    let (Some(day), Some((percent, text)), true) = (day, parsed, errors.is_empty()) else {
        return Err(AppError::invalid(errors));
    };
    let mut w = s.store.write().await?;
    let pid = cm::report(&mut w, scope, id.0, day, percent, &text, input.files).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(pid)
}

/// A file of evidence, for whoever's scope holds its commitment: (name, type, bytes).
pub async fn evidence_file(s: &AppState, scope: &Scope, id: CommitmentEvidenceId) -> AppResult<(String, String, Vec<u8>)> {
    let mut c = s.store.read().await?;
    Ok(cm::evidence_file(&mut c, scope, id.0).await?)
}

// ---- review ----------------------------------------------------------------------------------

/// A commitment waiting for the caller's review, with the amendment it waits with.
pub struct ToReview {
    pub line: Line,
    /// Some when an amendment waits (its text, when it reads).
    pub amendment: Option<Option<Content>>,
}

pub async fn review_queue(s: &AppState, scope: &Scope) -> AppResult<Vec<ToReview>> {
    let mut c = s.store.read().await?;
    let camp = current(&mut c).await?;
    let rows = cm::list(&mut c, scope, &Filter { campaign: Some(camp.id), to_review: true, ..Default::default() }).await?;
    let waiting: Vec<i64> = rows.iter().filter(|r| r.pending_revision.is_some()).map(|r| r.id).collect();
    let mut pending = cm::pending_amendments(&mut c, scope, &waiting).await?;
    let today = today();
    Ok(rows
        .into_iter()
        .map(|r| {
            let amendment = r.pending_revision.map(|_| pending.remove(&r.id).flatten());
            ToReview { line: Line::new(r, &TargetRates::default(), today), amendment }
        })
        .collect())
}

/// A reviewer's decision, read from `action` (approve or return) and `comment`.
pub fn decision_of(action: Option<&str>, comment: Option<&str>) -> AppResult<cm::Decision> {
    let comment = comment.map(str::trim).filter(|c| !c.is_empty()).map(str::to_string);
    match action.map(str::trim) {
        Some("approve") => Ok(cm::Decision::Approve { comment }),
        Some("return") => Ok(cm::Decision::Return { comment: comment.unwrap_or_default() }),
        _ => {
            let mut e = FieldErrors::new();
            e.add("action", "请选择通过或退回", "Choose approve or return");
            Err(AppError::invalid(e))
        }
    }
}

/// What a decision would touch, before it is confirmed: the decision tried as it will be (in a
/// transaction that is rolled back, so every refusal is the one the decision itself would meet)
/// and the chosen commitments as they wait for the caller's review.
pub async fn review_preview(s: &AppState, scope: &Scope, ids: &[CommitmentId], d: &cm::Decision) -> AppResult<Vec<ToReview>> {
    if ids.len() > 1000 {
        return Err(AppError::bad_request("一次最多 1000 项", "At most 1,000 at once"));
    }
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let mut w = s.store.write().await?;
    cm::review(&mut w, scope, &raw, d).await?;
    w.rollback().await.map_err(StoreError::from)?;
    let chosen: std::collections::HashSet<i64> = raw.into_iter().collect();
    Ok(review_queue(s, scope).await?.into_iter().filter(|r| chosen.contains(&r.line.c.id)).collect())
}

/// Approves or returns commitments (or their amendments), one or a batch: all or nothing. Each
/// owner is told (a notification and an e-mail), in the same transaction.
pub async fn review(s: &AppState, scope: &Scope, ids: &[CommitmentId], d: &cm::Decision) -> AppResult<usize> {
    if ids.len() > 1000 {
        return Err(AppError::bad_request("一次最多 1000 项", "At most 1,000 at once"));
    }
    let ids: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let mut w = s.store.write().await?;
    let decided = cm::review(&mut w, scope, &ids, d).await?;
    let mut tasks: Vec<&TaskRow> = Vec::new();
    let mut notes = Vec::new();
    for x in &decided {
        let (kind, zh, en) = rule::decision_note(&x.content, x.approved, x.comment.as_deref());
        let decision = if x.approved { "approved" } else { "returned" };
        notes.push(Note { kind, task: x.task.id, zh, en, dedupe: format!("commitment:{decision}:{}:{}", x.id, x.at_ms) });
        if !tasks.iter().any(|t| t.id == x.task.id) {
            tasks.push(&x.task);
        }
    }
    notify::send(&mut w, &tasks, notes, &s.site.public_url).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(decided.len())
}

// ---- coverage and reminders ------------------------------------------------------------------

/// Who has committed in the caller's scope, or below an organization they reach.
pub struct Coverage {
    pub node: Option<Node>,
    /// Every commitment task; an open one has no commitment handed in.
    pub rows: Vec<TaskRow>,
}

impl Coverage {
    pub fn missing(&self) -> Vec<&TaskRow> {
        self.rows.iter().filter(|t| not_committed(t)).collect()
    }
    pub fn made(&self) -> usize {
        self.rows.len() - self.missing().len()
    }
}

fn not_committed(t: &TaskRow) -> bool {
    t.state() == TaskState::Open
}

async fn coverage_in(c: &mut Conn, scope: &Scope, org: Option<OrgId>) -> AppResult<(campaign::CampaignRow, Coverage)> {
    let camp = current(c).await?;
    let node = match org {
        Some(id) => Some(cm::org_in_reach(c, scope, Some(id.0), false).await?),
        None => None,
    };
    let rows = cm::coverage(c, scope, camp.id, node.as_ref().map(|n| n.path.clone()), None).await?;
    Ok((camp, Coverage { node, rows }))
}

pub async fn coverage(s: &AppState, scope: &Scope, org: Option<OrgId>) -> AppResult<Coverage> {
    let mut c = s.store.read().await?;
    Ok(coverage_in(&mut c, scope, org).await?.1)
}

/// Reminds each in the caller's scope (or below an organization) who has not committed, and
/// whom the caller reviews: a notification and an e-mail, once a day each. Returns (tasks
/// reminded, notifications new).
pub async fn remind(s: &AppState, scope: &Scope, org: Option<OrgId>) -> AppResult<(usize, usize)> {
    let mut w = s.store.write().await?;
    let (camp, cov) = coverage_in(&mut w, scope, org).await?;
    let missing: Vec<&TaskRow> = cov.missing().into_iter().filter(|t| pacesetter_store::task::rights(scope, t).review || scope.is_office_or_admin()).collect();
    let day = pacesetter_domain::dates::iso(today());
    let notes = missing
        .iter()
        .map(|t| {
            let (zh, en) = rule::make_note(&t.title, t.due_date);
            Note { kind: "due_soon", task: t.id, zh, en, dedupe: format!("commit-remind:{}:{day}", t.id) }
        })
        .collect();
    let n = notify::send(&mut w, &missing, notes, &s.site.public_url).await?;
    cm::record_reminder(&mut w, scope, camp.id, missing.len(), n).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok((missing.len(), n))
}

// ---- requirements ----------------------------------------------------------------------------

/// The requirements the caller can read (and those their own commitments answer), and the
/// organizations they may hand one down to.
pub async fn requirements(s: &AppState, scope: &Scope) -> AppResult<(Vec<RequirementRow>, Vec<Node>)> {
    let mut c = s.store.read().await?;
    let camp = current(&mut c).await?;
    let mut rows = cm::requirements_visible(&mut c, scope, camp.id).await?;
    for t in cm::my_tasks(&mut c, scope, camp.id).await? {
        if let (None, Some(p)) = (t.unit_id, t.owner_path.as_deref()) {
            for r in cm::requirements_for(&mut c, camp.id, p).await? {
                if !rows.iter().any(|x| x.id == r.id) {
                    rows.push(r);
                }
            }
        }
    }
    let orgs = cm::addressable_orgs(&mut c, scope, 2000).await?;
    Ok((rows, orgs))
}

/// A requirement handed down to an organization, optionally splitting one addressed to it or
/// above it.
#[derive(Clone, Debug, Default)]
pub struct NewRequirement {
    pub org: Option<OrgId>,
    pub parent: Option<i64>,
    pub title: String,
    pub text: String,
}

pub async fn add_requirement(s: &AppState, scope: &Scope, r: &NewRequirement) -> AppResult<RequirementRow> {
    let Some(org) = r.org else {
        return Err(StoreError::invalid("org", "请选择下达给哪个组织", "Choose the organization").into());
    };
    let mut w = s.store.write().await?;
    let camp = campaign::current(&mut w).await?.ok_or(StoreError::NotFound)?;
    let row = cm::add_requirement(&mut w, scope, camp.id, org.0, r.parent, &r.title, &r.text).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(row)
}

// ---- the roll-up -----------------------------------------------------------------------------

pub struct RollRow {
    pub node: Node,
    pub s: OrgSummary,
    pub rate: RateView,
    pub own_rate: RateView,
    pub committed: usize,
    pub owed: usize,
}

impl RollRow {
    pub fn mean(s: &Summary) -> String {
        s.mean_progress().map(|p| format!("{p}%")).unwrap_or_else(|| "—".into())
    }
    pub fn rate_text(&self, lang: &pacesetter_domain::Lang) -> String {
        self.rate.text(*lang)
    }
    pub fn own_rate_text(&self, lang: &pacesetter_domain::Lang) -> String {
        self.own_rate.text(*lang)
    }
}

/// An organization's own figures (its own and its members' commitments) beside each child's
/// subtree, and for the office at the root the window units' (亮承诺).
pub struct Rollup {
    pub node: Node,
    /// A unit's roll-up (a unit head's: the unit and its windows), not an organization's.
    pub unit: bool,
    pub me: RollRow,
    pub children: Vec<RollRow>,
    pub windows: Vec<RollRow>,
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

pub async fn rollup(s: &AppState, scope: &Scope, org: Option<OrgId>, unit: Option<UnitId>) -> AppResult<Rollup> {
    let mut c = s.store.read().await?;
    let camp = current(&mut c).await?;
    let rates = cm::rates(&mut c, camp.id).await?;
    let anonymous = rates.anonymous;
    // A unit asked for, or a caller who reaches units and no organization (a unit head): the
    // unit's roll-up.
    let reaches_org = scope.global().is_some() || scope.reaches_at_least(Access::Read).any(|r| matches!(r, Reach::Org(_)));
    let unit_node = match unit {
        Some(u) => Some(unit_in_reach(&mut c, scope, Some(u.0)).await?),
        None if org.is_none() && !reaches_org => Some(unit_in_reach(&mut c, scope, None).await?),
        None => None,
    };
    if let Some(node) = unit_node {
        let windows = unit_rows(&mut c, scope, camp.id, &rates, &node.path).await?;
        let mut me = RollRow { node: node.clone(), s: OrgSummary::default(), rate: RateView::NotRated, own_rate: RateView::NotRated, committed: 0, owed: 0 };
        let mut rate = pacesetter_domain::survey::Rate::default();
        for w in &windows {
            me.s.own.merge(&w.s.own);
            me.s.subtree.merge(&w.s.own);
            rate.add(&w.s.own_rate);
            me.committed += w.committed;
            me.owed += w.owed;
        }
        me.rate = RateView::of_sum(rate, anonymous);
        me.own_rate = me.rate;
        return Ok(Rollup { node, unit: true, me, children: Vec::new(), windows });
    }
    // The organization asked for, or the caller's highest (the root for the office).
    let node = cm::org_in_reach(&mut c, scope, org.map(|o| o.0), false).await?;
    let sums = cm::summaries(&mut c, camp.id, &rates.shown).await?;
    let tasks = cm::coverage(&mut c, scope, camp.id, Some(node.path.clone()), None).await?;
    let cov = coverage_by_org(&tasks);
    let roll = |n: &Node| {
        let s = sums.get(&n.id).cloned().unwrap_or_default();
        let (committed, owed) = cov.get(&n.id).copied().unwrap_or_default();
        RollRow { rate: RateView::of_sum(s.subtree_rate, anonymous), own_rate: RateView::of_sum(s.own_rate, anonymous), node: n.clone(), s, committed, owed }
    };
    let me = roll(&node);
    let children = tree::children(&mut c, Tree::Org, node.id).await?.iter().filter(|n| n.closed_on.is_none()).map(roll).collect();
    let windows = if scope.global().is_some() && node.depth == 0 {
        let units = tree::all(&mut c, Tree::Unit).await?;
        let root_unit = units.iter().find(|u| u.depth == 0).map(|u| u.path.clone()).unwrap_or_default();
        unit_rows(&mut c, scope, camp.id, &rates, &root_unit).await?
    } else {
        Vec::new()
    };
    Ok(Rollup { node, unit: false, me, children, windows })
}

/// The unit asked for if the caller reads it, or the caller's highest unit.
async fn unit_in_reach(c: &mut Conn, scope: &Scope, id: Option<i64>) -> AppResult<Node> {
    let units = tree::all(c, Tree::Unit).await?;
    units
        .into_iter()
        .filter(|u| u.closed_on.is_none() && scope.unit_access(&u.path).is_some())
        .filter(|u| id.is_none_or(|i| u.id == i))
        .min_by_key(|u| (u.depth, u.id))
        .ok_or_else(|| StoreError::NotFound.into())
}

/// The units under a path that owe a commitment (windows and the units themselves): each one's
/// own commitments, whether it has committed, and their satisfaction.
async fn unit_rows(c: &mut Conn, scope: &Scope, campaign: i64, rates: &TargetRates, root: &str) -> AppResult<Vec<RollRow>> {
    let units = tree::all(c, Tree::Unit).await?;
    let rows = cm::list(c, scope, &Filter { campaign: Some(campaign), unit_path: Some(root.to_string()), ..Default::default() }).await?;
    let mut by_unit: HashMap<i64, OrgSummary> = HashMap::new();
    let today = today();
    for r in rows.iter() {
        let Some(u) = r.unit_id else { continue };
        let e = by_unit.entry(u).or_default();
        e.own.add(r.state(), r.percent.clamp(0, 100) as u8, r.overdue(today));
        e.own_rate.add(&rates.get(r.id).unwrap_or_default());
    }
    let unit_tasks = cm::coverage(c, scope, campaign, None, Some(root.to_string())).await?;
    let by_id: HashMap<i64, &Node> = units.iter().map(|u| (u.id, u)).collect();
    // One row per unit: a unit that owes several commitment tasks counts each task once and its
    // commitments once.
    let mut out: Vec<RollRow> = Vec::new();
    for t in unit_tasks.iter() {
        let Some(u) = t.unit_id.and_then(|id| by_id.get(&id).copied()) else { continue };
        if let Some(row) = out.iter_mut().find(|r| r.node.id == u.id) {
            row.committed += usize::from(!not_committed(t));
            row.owed += 1;
            continue;
        }
        let s = by_unit.get(&u.id).cloned().unwrap_or_default();
        out.push(RollRow {
            rate: RateView::of_sum(s.own_rate, rates.anonymous),
            own_rate: RateView::NotRated,
            node: u.clone(),
            s,
            committed: usize::from(!not_committed(t)),
            owed: 1,
        });
    }
    Ok(out)
}

// ---- evaluation (评诺) through the surveys engine -------------------------------------------

/// Starts an evaluation survey of the public commitments below an organization the caller may
/// act on (their highest without one; the university for the office), from the plan's template
/// whose target is `commitment`: the targets are the commitments, the audience the
/// organization's members and its linked unit's people. The owner then opens it on the survey's
/// page. Returns the survey and how many commitments it names.
pub async fn evaluate(s: &AppState, scope: &Scope, org: Option<OrgId>) -> AppResult<(SurveyId, u64)> {
    let mut w = s.store.write().await?;
    let camp = current(&mut w).await?;
    let org = cm::org_in_reach(&mut w, scope, org.map(|o| o.0), true).await?;
    let linked = org.linked_unit_id;
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
    let id = survey::create(&mut w, scope, new).await?;
    let n = cm::set_survey_targets(&mut w, id, camp.id, Some(&org.path)).await?;
    if n == 0 {
        return Err(AppError::new(StatusCode::CONFLICT, "no_targets", "该组织下还没有通过审核的公开承诺", "There are no approved commitments below this organization yet"));
    }
    survey::invite_subtree(&mut w, scope, id, survey::Tree::Party, org.id).await?;
    if let Some(u) = linked {
        survey::invite_subtree(&mut w, scope, id, survey::Tree::Admin, u).await?;
    }
    cm::record_evaluation(&mut w, scope, id, org.id, n).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok((SurveyId(id), n))
}

// ---- the public board ------------------------------------------------------------------------

/// An organization's board: its own commitments and its members' that are public, with the
/// fields the office shows.
pub struct BoardView {
    pub node: Node,
    pub board: Board,
    pub lines: Vec<Line>,
    pub children: Vec<Node>,
    /// A branch's board (党务公开栏) also shows its systems, this term's meetings and its contact.
    pub party: Option<crate::app::systems::PartyBoard>,
}

/// The board may be read by anyone logged in (`caller`), and by anyone at all once the office
/// opens it.
pub async fn board(s: &AppState, caller: Option<&Scope>, org: OrgId) -> AppResult<BoardView> {
    let mut c = s.store.read().await?;
    let camp = current(&mut c).await?;
    let board = cm::board(&mut c, camp.id).await?;
    if caller.is_none() && !board.open_to_public {
        return Err(AppError::unauthorized());
    }
    let node = tree::require(&mut c, Tree::Org, org.0).await?;
    let rows = cm::board_rows(&mut c, camp.id, &node).await?;
    let rates = cm::rates(&mut c, camp.id).await?;
    let today = today();
    let lines = rows.into_iter().map(|r| Line::new(r, &rates, today)).collect();
    let children = tree::children(&mut c, Tree::Org, node.id).await?.into_iter().filter(|n| n.closed_on.is_none()).collect();
    let party = crate::app::systems::party_board(&mut c, &node).await?;
    Ok(BoardView { node, board, lines, children, party })
}

/// The office opens the board to readers without an account (or closes it) and marks the
/// fields it shows.
pub async fn set_board(s: &AppState, scope: &Scope, b: &Board) -> AppResult<()> {
    let mut w = s.store.write().await?;
    let camp = current(&mut w).await?;
    cm::set_board(&mut w, scope, camp.id, b).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// The board's settings as they stand.
pub async fn board_settings(s: &AppState) -> AppResult<Board> {
    let mut c = s.store.read().await?;
    let camp = current(&mut c).await?;
    Ok(cm::board(&mut c, camp.id).await?)
}

/// Reads the field codes of the board's settings; an unknown one is a mistake to correct.
pub fn public_fields(codes: &[String]) -> AppResult<Vec<PublicField>> {
    let mut out = Vec::new();
    for c in codes {
        match PublicField::parse(c.trim()) {
            Some(f) => out.push(f),
            None => return Err(StoreError::invalid("fields", format!("未知的公开内容：{c}"), format!("Unknown field: {c}")).into()),
        }
    }
    Ok(PublicField::parse_list(&PublicField::join(&out)))
}
