//! Tasks: the lists behind the dashboard's numbers, submitting, the reviewer's decisions (one or
//! a batch) with the owner's notification, and the queue of what waits for the caller.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use pacesetter_domain::Lang;
use pacesetter_domain::dates::today;
use pacesetter_domain::plan::Deliverable;
use pacesetter_domain::scope::Scope;
use pacesetter_domain::task::TaskState;
use pacesetter_store::notify;
use pacesetter_store::task::{self, AttachmentMeta, Decision, ReviewRow, Rights, Submission, SubmissionRow, TaskFilter, TaskRow};
use pacesetter_store::tree::{self, Tree};
use pacesetter_store::{StoreError, campaign};
use std::collections::HashMap;
use time::Date;

fn field<'a>(m: &'a HashMap<String, String>, k: &str) -> Option<&'a str> {
    m.get(k).map(|s| s.trim()).filter(|s| !s.is_empty())
}

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
        match self.days_left {
            Some(0) => lang.t("今天到期", "Due today").to_string(),
            Some(n) if n > 0 => match lang {
                Lang::Zh => format!("还剩{n}天"),
                Lang::En => format!("{n} days left"),
            },
            Some(n) => match lang {
                Lang::Zh => format!("逾期{}天", -n),
                Lang::En => format!("{} days overdue", -n),
            },
            None => String::new(),
        }
    }
}

/// The list's filters, read from the query.
fn filter_of(q: &HashMap<String, String>, paths: &HashMap<(&'static str, i64), String>) -> (TaskFilter, Option<String>) {
    let num = |k: &str| q.get(k).and_then(|v| v.parse::<i64>().ok());
    let f = TaskFilter {
        campaign: num("campaign"),
        template: num("template"),
        state: q.get("state").and_then(|s| TaskState::parse(s)),
        org_path: num("org").and_then(|id| paths.get(&("org", id)).cloned()).or_else(|| num("org").map(|_| "-".to_string())),
        unit_path: num("unit").and_then(|id| paths.get(&("unit", id)).cloned()).or_else(|| num("unit").map(|_| "-".to_string())),
        mine: is_mine(q),
    };
    (f, q.get("flag").cloned())
}

async fn node_paths(c: &mut pacesetter_store::Conn, q: &HashMap<String, String>) -> AppResult<HashMap<(&'static str, i64), String>> {
    let mut m = HashMap::new();
    for (key, tree) in [("org", Tree::Org), ("unit", Tree::Unit)] {
        if let Some(id) = q.get(key).and_then(|v| v.parse::<i64>().ok()) {
            if let Some(n) = tree::get(c, tree, id).await? {
                m.insert((key, id), n.path);
            }
        }
    }
    Ok(m)
}

/// "My tasks" unless the query selects something else.
pub fn is_mine(q: &HashMap<String, String>) -> bool {
    q.get("mine").is_some_and(|v| v == "1") || !["campaign", "template", "org", "unit", "state", "flag"].iter().any(|k| q.contains_key(*k))
}

/// The tasks a query selects, sorted soonest due first (overdue at the top).
pub async fn lines(s: &AppState, scope: &Scope, q: &HashMap<String, String>) -> AppResult<Vec<TaskLine>> {
    let mut c = s.store.read().await?;
    let paths = node_paths(&mut c, q).await?;
    let (f, flag) = filter_of(q, &paths);
    let rows = task::list(&mut c, scope, &f).await?;
    let today = today();
    let mut out: Vec<TaskLine> = rows.into_iter().map(|t| TaskLine::new(t, scope, today)).collect();
    match flag.as_deref() {
        Some("overdue") => out.retain(|l| l.overdue),
        Some("late") => out.retain(|l| l.late),
        Some("review") => out.retain(|l| l.rights.review && l.t.state() == TaskState::Submitted),
        _ => {}
    }
    let open_first = |l: &TaskLine| matches!(l.t.state(), TaskState::Accepted | TaskState::Submitted);
    out.sort_by(|a, b| open_first(a).cmp(&open_first(b)).then(a.due.is_none().cmp(&b.due.is_none())).then(a.due.cmp(&b.due)).then(a.t.id.cmp(&b.t.id)));
    Ok(out)
}

/// A reviewer's decision from a form or JSON map: `action` = accept, return or extend.
pub fn decision_of(m: &HashMap<String, String>) -> Result<Decision, StoreError> {
    let comment = field(m, "comment").map(str::to_string);
    let date = |k: &str| -> Result<Option<Date>, StoreError> {
        match field(m, k) {
            Some(v) => pacesetter_domain::validate::date(v).map(Some).map_err(|t| StoreError::invalid(k, t.zh, t.en)),
            None => Ok(None),
        }
    };
    match field(m, "action") {
        Some("accept") => Ok(Decision::Accept { comment }),
        Some("return") => Ok(Decision::Return { comment: comment.unwrap_or_default(), resubmit_by: date("resubmit_by")? }),
        Some("extend") => {
            let until = date("until")?.ok_or_else(|| StoreError::invalid("until", "请填写新的截止日期", "Enter the new due date"))?;
            Ok(Decision::Extend { until, reason: field(m, "reason").unwrap_or("").to_string() })
        }
        _ => Err(StoreError::invalid("action", "请选择通过、退回或延期", "Choose accept, return or extend")),
    }
}

/// Applies a decision to one task and notifies its owner; one place for the page, the batch
/// and the API.
pub async fn decide(s: &AppState, scope: &Scope, id: i64, d: Decision) -> Result<TaskRow, StoreError> {
    let (action, comment) = match &d {
        Decision::Accept { comment } => ("accept", comment.clone()),
        Decision::Return { comment, .. } => ("return", Some(comment.clone())),
        Decision::Extend { reason, .. } => ("extend", Some(reason.clone())),
    };
    let mut w = s.store.write().await?;
    let t = task::get(&mut w, scope, id).await?;
    let calendar = campaign::get(&mut w, t.campaign_id).await?.plan().map(|p| p.calendar).unwrap_or_default();
    let after = task::review(&mut w, scope, id, d, &calendar).await?;
    notify::send(&mut w, &[&after], vec![notify::decision_note(&after, action, comment.as_deref())], &s.site.public_url).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(after)
}

/// Submits (or resubmits) a task.
pub async fn submit(s: &AppState, scope: &Scope, id: i64, sub: Submission) -> Result<TaskRow, StoreError> {
    let mut w = s.store.write().await?;
    let t = task::submit(&mut w, scope, id, sub).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(t)
}

/// A task with its submissions, files and reviews (the caller's scope).
pub async fn with_history(s: &AppState, scope: &Scope, id: i64) -> AppResult<(TaskRow, Vec<SubmissionRow>, Vec<AttachmentMeta>, Vec<ReviewRow>)> {
    let mut c = s.store.read().await?;
    let t = task::get(&mut c, scope, id).await?;
    let (subs, files, reviews) = task::history(&mut c, &t).await?;
    Ok((t, subs, files, reviews))
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
pub async fn batch_apply(s: &AppState, scope: &Scope, ids: &[i64], m: &HashMap<String, String>, lang: Lang) -> AppResult<(usize, Vec<String>)> {
    let mut done = 0;
    let mut failed = Vec::new();
    for id in ids {
        let d = decision_of(m)?;
        match decide(s, scope, *id, d).await {
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
