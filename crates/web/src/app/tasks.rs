//! Tasks: the lists behind the dashboard's numbers, submitting, the reviewer's decisions (one or
//! a batch) with the owner's notification, and the queue of what waits for the caller.

use crate::error::{AppError, AppResult};
use crate::input;
use crate::state::AppState;
use pacesetter_domain::Lang;
use pacesetter_domain::dates::today;
use pacesetter_domain::ids::{AccountId, TaskId};
use pacesetter_domain::plan::Deliverable;
use pacesetter_domain::scope::Scope;
use pacesetter_domain::task::TaskState;
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::notify;
use pacesetter_store::task::{self, AttachmentMeta, Decision, ReviewRow, Rights, Submission, SubmissionRow, TaskFilter, TaskRow};
use pacesetter_store::tree::{self, Tree};
use pacesetter_store::{Conn, StoreError, campaign};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

/// A task as lists show it: the row with its derived dates and flags.
pub struct TaskLine {
    pub t: TaskRow,
    pub due: Option<Date>,
    pub days_left: Option<i64>,
    pub overdue: bool,
    pub late: bool,
    pub rights: Rights,
}

impl TaskLine {
    pub fn new(t: TaskRow, scope: &Scope, today: Date) -> TaskLine {
        let state = t.state();
        let d = t.dates();
        TaskLine { due: d.due_in_force(state), days_left: d.days_left(state, today), overdue: d.overdue(state, today), late: d.late(), rights: task::rights(scope, &t), t }
    }

    pub fn state_label(&self, lang: &Lang) -> &'static str {
        self.t.state().label(*lang)
    }

    pub fn badge(&self) -> &'static str {
        self.t.state().badge()
    }

    /// "3 days left", "due today" or "5 days overdue".
    pub fn left(&self, lang: &Lang) -> String {
        self.days_left.map(|n| pacesetter_domain::dates::days_left_text(n, *lang)).unwrap_or_default()
    }
}

/// The filters of a task list, from the query of the page, its export or the API.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct TaskQuery {
    #[serde(default, deserialize_with = "input::opt_id", skip_serializing_if = "Option::is_none")]
    pub campaign: Option<i64>,
    #[serde(default, deserialize_with = "input::opt_id", skip_serializing_if = "Option::is_none")]
    pub template: Option<i64>,
    /// A Party organization's subtree.
    #[serde(default, deserialize_with = "input::opt_id", skip_serializing_if = "Option::is_none")]
    pub org: Option<i64>,
    /// A unit's subtree.
    #[serde(default, deserialize_with = "input::opt_id", skip_serializing_if = "Option::is_none")]
    pub unit: Option<i64>,
    /// open, submitted, returned, accepted
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// overdue, soon (due within a week), late or review
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag: Option<String>,
    /// 1 for the tasks the caller owes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mine: Option<String>,
}

impl TaskQuery {
    /// "My tasks" unless the query selects something else.
    pub fn is_mine(&self) -> bool {
        input::text(&self.mine) == Some("1")
            || (self.campaign.is_none()
                && self.template.is_none()
                && self.org.is_none()
                && self.unit.is_none()
                && input::text(&self.state).is_none()
                && input::text(&self.flag).is_none())
    }

    /// The store's filter: a subtree the tree does not have selects nothing.
    async fn filter(&self, c: &mut pacesetter_store::Conn) -> AppResult<TaskFilter> {
        let mut path = async |tree: Tree, id: Option<i64>| -> AppResult<Option<String>> {
            let Some(id) = id else { return Ok(None) };
            Ok(Some(tree::get(c, tree, id).await?.map(|n| n.path).unwrap_or_else(|| "-".to_string())))
        };
        let org_path = path(Tree::Org, self.org).await?;
        let unit_path = path(Tree::Unit, self.unit).await?;
        Ok(TaskFilter { campaign: self.campaign, template: self.template, state: input::text(&self.state).and_then(TaskState::parse), org_path, unit_path, mine: self.is_mine() })
    }
}

/// The tasks a query selects, sorted soonest due first (overdue at the top).
pub async fn lines(s: &AppState, scope: &Scope, q: &TaskQuery) -> AppResult<Vec<TaskLine>> {
    let mut c = s.store.read().await?;
    let f = q.filter(&mut c).await?;
    let flag = input::text(&q.flag);
    let rows = task::list(&mut c, scope, &f).await?;
    let today = today();
    let mut out: Vec<TaskLine> = rows.into_iter().map(|t| TaskLine::new(t, scope, today)).collect();
    match flag {
        Some("overdue") => out.retain(|l| l.overdue),
        Some("late") => out.retain(|l| l.late),
        Some("soon") => out.retain(|l| l.t.dates().due_soon(l.t.state(), today)),
        Some("review") => out.retain(|l| l.rights.review && l.t.state() == TaskState::Submitted),
        _ => {}
    }
    let open_first = |l: &TaskLine| matches!(l.t.state(), TaskState::Accepted | TaskState::Submitted);
    out.sort_by(|a, b| open_first(a).cmp(&open_first(b)).then(a.due.is_none().cmp(&b.due.is_none())).then(a.due.cmp(&b.due)).then(a.t.id.cmp(&b.t.id)));
    Ok(out)
}

/// A reviewer's decision as a form or the API sends it: accept, return (with a comment, and
/// resubmit_by) or extend (until, with a reason).
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct DecisionInput {
    /// accept, return or extend
    pub action: Option<String>,
    pub comment: Option<String>,
    /// The date a returned task is due again (YYYY-MM-DD).
    pub resubmit_by: Option<String>,
    /// The new due date of an extension (YYYY-MM-DD).
    pub until: Option<String>,
    /// Why the task is extended.
    pub reason: Option<String>,
}

impl DecisionInput {
    /// The decision it asks for, or the field that is wrong.
    pub fn decision(&self) -> Result<Decision, StoreError> {
        let comment = input::text(&self.comment).map(str::to_string);
        let date = |k: &str, v: &Option<String>| -> Result<Option<Date>, StoreError> {
            match input::text(v) {
                Some(v) => pacesetter_domain::validate::date(v).map(Some).map_err(|t| StoreError::invalid(k, t.zh, t.en)),
                None => Ok(None),
            }
        };
        match input::text(&self.action) {
            Some("accept") => Ok(Decision::Accept { comment }),
            Some("return") => Ok(Decision::Return { comment: comment.unwrap_or_default(), resubmit_by: date("resubmit_by", &self.resubmit_by)? }),
            Some("extend") => {
                let until = date("until", &self.until)?.ok_or_else(|| StoreError::invalid("until", "请填写新的截止日期", "Enter the new due date"))?;
                Ok(Decision::Extend { until, reason: input::text(&self.reason).unwrap_or("").to_string() })
            }
            _ => Err(StoreError::invalid("action", "请选择通过、退回或延期", "Choose accept, return or extend")),
        }
    }
}

/// Several tasks accepted or returned at once: the queue's form sends `id` once per ticked
/// task, the API `ids`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct BatchInput {
    /// Between 1 and 1000 task ids.
    #[serde(default, deserialize_with = "input::ids", alias = "id")]
    pub ids: Vec<i64>,
    /// accept or return
    pub action: Option<String>,
    pub comment: Option<String>,
}

impl BatchInput {
    /// What is wrong with the batch itself (each task is then checked on its own).
    pub fn errors(&self) -> FieldErrors {
        let mut errs = FieldErrors::new();
        if self.ids.is_empty() || self.ids.len() > 1000 {
            errs.add("id", "请勾选 1 到 1000 项", "Tick between 1 and 1000 tasks");
        }
        match input::text(&self.action) {
            Some("accept") => {}
            Some("return") if input::text(&self.comment).is_none() => errs.add("comment", "退回时请写明意见", "Say why they are returned"),
            Some("return") => {}
            _ => errs.add("action", "请选择批量通过或批量退回", "Choose to accept or to return"),
        }
        errs
    }

    fn decision(&self) -> DecisionInput {
        DecisionInput { action: self.action.clone(), comment: self.comment.clone(), ..Default::default() }
    }
}

/// Applies a decision to one task and notifies its owner; one place for the page, the batch
/// and the API.
pub async fn decide(s: &AppState, scope: &Scope, id: TaskId, d: Decision) -> Result<TaskRow, StoreError> {
    let mut w = s.store.write().await?;
    let (_, after) = decide_in(&mut w, s, scope, id, d).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(after)
}

/// A decision tried and undone, for the confirmation step: refused exactly as the decision would
/// be, and otherwise the task as it is now.
pub async fn decide_trial(s: &AppState, scope: &Scope, id: TaskId, d: Decision) -> Result<TaskRow, StoreError> {
    let mut w = s.store.write().await?;
    let (before, _) = decide_in(&mut w, s, scope, id, d).await?;
    w.rollback().await?;
    Ok(before)
}

/// The decision and the owner's notice in the caller's transaction: the task before and after.
async fn decide_in(w: &mut Conn, s: &AppState, scope: &Scope, id: TaskId, d: Decision) -> Result<(TaskRow, TaskRow), StoreError> {
    let (action, comment) = match &d {
        Decision::Accept { comment } => ("accept", comment.clone()),
        Decision::Return { comment, .. } => ("return", Some(comment.clone())),
        Decision::Extend { reason, .. } => ("extend", Some(reason.clone())),
    };
    let t = task::get(w, scope, id.0).await?;
    let calendar = campaign::get(w, t.campaign_id).await?.plan().map(|p| p.calendar).unwrap_or_default();
    let after = task::review(w, scope, id.0, d, &calendar).await?;
    notify::send(w, &[&after], vec![notify::decision_note(&after, action, comment.as_deref())], &s.site.public_url).await?;
    Ok((t, after))
}

/// Submits (or resubmits) a task.
pub async fn submit(s: &AppState, scope: &Scope, id: TaskId, sub: Submission) -> Result<TaskRow, StoreError> {
    let mut w = s.store.write().await?;
    let t = task::submit(&mut w, scope, id.0, sub).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(t)
}

/// A task with its submissions, files and reviews (the caller's scope).
pub async fn with_history(s: &AppState, scope: &Scope, id: TaskId) -> AppResult<(TaskRow, Vec<SubmissionRow>, Vec<AttachmentMeta>, Vec<ReviewRow>)> {
    let mut c = s.store.read().await?;
    let t = task::get(&mut c, scope, id.0).await?;
    let (subs, files, reviews) = task::history(&mut c, &t).await?;
    Ok((t, subs, files, reviews))
}

/// A task with its history and its campaign (whose calendar gives a resubmission's default date).
pub async fn detail(s: &AppState, scope: &Scope, id: TaskId) -> AppResult<(TaskRow, Vec<SubmissionRow>, Vec<AttachmentMeta>, Vec<ReviewRow>, campaign::CampaignRow)> {
    let mut c = s.store.read().await?;
    let t = task::get(&mut c, scope, id.0).await?;
    let (subs, files, reviews) = task::history(&mut c, &t).await?;
    let camp = task::campaign_of(&mut c, &t).await?;
    Ok((t, subs, files, reviews, camp))
}

/// A file handed in with a task the caller sees: its metadata and bytes.
pub async fn attachment(s: &AppState, scope: &Scope, id: i64) -> AppResult<(AttachmentMeta, Vec<u8>)> {
    let mut c = s.store.read().await?;
    Ok(task::attachment(&mut c, scope, id).await?)
}

/// The caller's notifications (the latest 200) with how many are unread; `read` marks them read
/// (the page does, the API leaves that to the client), and the calendar feeds they hold.
pub struct Notifications {
    pub rows: Vec<notify::NotificationRow>,
    pub unread: i64,
    pub feed_tokens: Vec<i64>,
}

pub async fn notifications(s: &AppState, account: AccountId, read: bool) -> AppResult<Notifications> {
    async fn load(c: &mut Conn, account: i64) -> Result<Notifications, StoreError> {
        let rows = notify::list(c, account, 200).await?;
        let unread = notify::unread(c, account).await?;
        let feed_tokens = notify::feed_tokens(c, account).await?;
        Ok(Notifications { rows, unread, feed_tokens })
    }
    if !read {
        let mut c = s.store.read().await?;
        return Ok(load(&mut c, account.0).await?);
    }
    let mut w = s.store.write().await?;
    let n = load(&mut w, account.0).await?;
    notify::mark_read(&mut w, account.0).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(n)
}

/// A new calendar-feed address for the caller: the secret token, shown once (only its hash is
/// stored).
pub async fn add_feed(s: &AppState, account: AccountId) -> AppResult<String> {
    let token = crate::auth::random_token(16);
    let mut w = s.store.write().await?;
    notify::add_feed_token(&mut w, account.0, &pacesetter_domain::audit::sha256_hex(token.as_bytes())).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(token)
}

/// Revokes every calendar feed of the caller.
pub async fn revoke_feeds(s: &AppState, account: AccountId) -> AppResult<()> {
    let mut w = s.store.write().await?;
    notify::revoke_feed_tokens(&mut w, account.0).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// The reviewer's queue: submitted tasks the caller decides, oldest submission first.
/// Commitment tasks are left out: their commitments are reviewed one by one on their own page.
pub async fn queue(s: &AppState, scope: &Scope) -> AppResult<Vec<TaskLine>> {
    let mut c = s.store.read().await?;
    let f = TaskFilter { state: Some(TaskState::Submitted), ..Default::default() };
    let today = today();
    let mut rows: Vec<TaskLine> = task::list(&mut c, scope, &f)
        .await?
        .into_iter()
        .map(|t| TaskLine::new(t, scope, today))
        .filter(|l| l.rights.review && l.t.deliverable() != Deliverable::Commitment)
        .collect();
    rows.sort_by_key(|l| (l.t.last_submitted_ms, l.t.id));
    Ok(rows)
}

/// Applies one decision to several tasks; returns how many went through and a line for each
/// that did not.
pub async fn batch_apply(s: &AppState, scope: &Scope, b: &BatchInput, lang: Lang) -> AppResult<(usize, Vec<String>)> {
    let errs = b.errors();
    if !errs.is_empty() {
        return Err(AppError::invalid(errs));
    }
    let mut done = 0;
    let mut failed = Vec::new();
    for id in &b.ids {
        let d = b.decision().decision()?;
        match decide(s, scope, TaskId(*id), d).await {
            Ok(_) => done += 1,
            Err(StoreError::Db(e)) => return Err(StoreError::Db(e).into()),
            Err(e) => {
                let msg = AppError::from(e).message.get(lang).to_string();
                failed.push(format!("#{id}: {msg}"));
            }
        }
    }
    Ok((done, failed))
}

/// The deadlines of the tasks the holder of a feed's token owes (`<token>.ics`), as all-day
/// iCalendar events; lines are folded at 75 octets and text escaped by the `icalendar` crate.
/// An unknown or revoked token is a 404.
pub async fn deadline_feed(s: &AppState, file: &str) -> AppResult<String> {
    use icalendar::{Calendar, Component, Event, EventLike, Property};
    let token = file.strip_suffix(".ics").unwrap_or(file);
    if token.len() != 32 || !token.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(AppError::not_found());
    }
    let mut c = s.store.read().await?;
    let Some(account) = notify::feed_account(&mut c, &pacesetter_domain::audit::sha256_hex(token.as_bytes())).await? else { return Err(AppError::not_found()) };
    let Some(scope) = pacesetter_store::scope::load(&mut c, pacesetter_domain::ids::AccountId(account), today()).await? else { return Err(AppError::not_found()) };
    let rows = task::list(&mut c, &scope, &TaskFilter { mine: true, ..Default::default() }).await?;
    let day = |d: Date| chrono::NaiveDate::from_ymd_opt(d.year(), u8::from(d.month()).into(), d.day().into());
    let mut cal = Calendar::empty();
    for (k, v) in [("VERSION", "2.0"), ("PRODID", "-//Pacesetter//CSUST//ZH"), ("CALSCALE", "GREGORIAN"), ("X-WR-CALNAME", "创先争优任务"), ("X-WR-TIMEZONE", "Asia/Shanghai")]
    {
        cal.append_property(Property::new(k, v));
    }
    for t in rows {
        let state = t.state();
        if state == TaskState::Accepted {
            continue;
        }
        let Some(due) = t.dates().due_in_force(state) else { continue };
        let (Some(start), Some(end)) = (day(due), day(due.next_day().unwrap_or(due))) else { continue };
        let event = Event::new()
            .uid(&format!("task-{}@pacesetter", t.id))
            .starts(start)
            .ends(end)
            .summary(&format!("截止：{}（{}）", t.title, t.owner_name))
            .description(&format!("{} {}", pacesetter_domain::dates::format_date(due, pacesetter_domain::Lang::Zh), t.wording.clone().unwrap_or_default()))
            .url(&format!("{}/tasks/{}", s.site.public_url, t.id))
            .done();
        cal.push(event);
    }
    Ok(cal.to_string())
}
