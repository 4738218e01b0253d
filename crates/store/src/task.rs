//! Tasks: who sees them (scope), who submits and who reviews, the lifecycle with every
//! transition in the audit log, attachments, and the rows the dashboards roll up.

use crate::campaign::{self, CampaignRow};
use crate::db::{Conn, Sql};
use crate::scope::push_person_condition;
use crate::{StoreError, audit};
use pacesetter_domain::calendar::Calendar;
use pacesetter_domain::dates::{cst_date, now_ms};
use pacesetter_domain::plan::{Deliverable, Reviewer};
use pacesetter_domain::role::Role;
use pacesetter_domain::scope::{Access, Reach, Scope};
use pacesetter_domain::task::{self, Action, Dates, TaskState};
use serde::Serialize;
use time::Date;

/// A task with what lists and pages show of its template, owner and campaign.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct TaskRow {
    pub id: i64,
    pub template_id: i64,
    pub campaign_id: i64,
    pub org_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub person_id: Option<i64>,
    pub state: String,
    pub extended_due: Option<Date>,
    pub extended_reason: Option<String>,
    pub resubmit_due: Option<Date>,
    pub first_submitted: Option<Date>,
    pub last_submitted_ms: Option<i64>,
    pub decided_ms: Option<i64>,
    pub code: String,
    pub item: Option<i64>,
    pub title: String,
    pub description: Option<String>,
    pub deliverable_json: String,
    pub due_date: Option<Date>,
    /// The template's first day (a published document's: the day it was published).
    pub from_date: Option<Date>,
    pub wording: Option<String>,
    pub reviewer: String,
    pub campaign_state: String,
    pub owner_name: String,
    /// The owner's path in its tree (for a person: their deepest current organization's, kept
    /// on the task as `member_org_id`).
    pub owner_path: Option<String>,
}

impl TaskRow {
    pub fn state(&self) -> TaskState {
        TaskState::parse(&self.state).unwrap_or(TaskState::Open)
    }
    pub fn dates(&self) -> Dates {
        Dates { template_due: self.due_date, extended_due: self.extended_due, resubmit_due: self.resubmit_due, first_submitted: self.first_submitted }
    }
    pub fn deliverable(&self) -> Deliverable {
        serde_json::from_str(&self.deliverable_json).unwrap_or(Deliverable::Text)
    }
    pub fn reviewer(&self) -> Reviewer {
        Reviewer::parse(&self.reviewer).unwrap_or(Reviewer::Office)
    }
    pub fn owner_kind(&self) -> &'static str {
        if self.org_id.is_some() {
            "org"
        } else if self.unit_id.is_some() {
            "unit"
        } else {
            "person"
        }
    }
    /// The path of the level above the owner: the parent organization of an organization, the
    /// organization of a person, the parent unit of a unit.
    pub fn parent_path(&self) -> Option<String> {
        self.ownership().parent_path()
    }

    pub fn ownership(&self) -> Ownership<'_> {
        Ownership {
            org_id: self.org_id,
            unit_id: self.unit_id,
            person_id: self.person_id,
            owner_path: self.owner_path.as_deref(),
            reviewer: self.reviewer(),
            active: self.campaign_state == "active",
        }
    }
}

/// Who owns a task and who reviews it: what the rights of a caller follow from (for a task, or
/// for a commitment made on one).
pub struct Ownership<'a> {
    pub org_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub person_id: Option<i64>,
    pub owner_path: Option<&'a str>,
    pub reviewer: Reviewer,
    /// The campaign is running (an archived one is read-only).
    pub active: bool,
}

impl Ownership<'_> {
    /// The path of the level above the owner: the parent organization of an organization, the
    /// organization of a person, the parent unit of a unit.
    pub fn parent_path(&self) -> Option<String> {
        let p = self.owner_path?;
        if self.person_id.is_some() {
            return Some(p.to_string());
        }
        let trimmed = p.trim_end_matches('/');
        trimmed.rfind('/').map(|i| format!("{}/", &trimmed[..i])).filter(|s| s.len() > 1)
    }
}

const SELECT: &str = "SELECT t.id, t.template_id, t.campaign_id, t.org_id, t.unit_id, t.person_id, t.state, t.extended_due, t.extended_reason, t.resubmit_due, \
     t.first_submitted, t.last_submitted_ms, t.decided_ms, tt.code, tt.item, tt.title, tt.description, tt.deliverable_json, tt.due_date, tt.from_date, tt.wording, tt.reviewer, \
     c.state AS campaign_state, COALESCE(o.name, u.name, p.name, '') AS owner_name, \
     COALESCE(o.path, u.path, mo.path) AS owner_path \
     FROM tasks t JOIN task_templates tt ON tt.id = t.template_id JOIN campaigns c ON c.id = t.campaign_id \
     LEFT JOIN orgs o ON o.id = t.org_id LEFT JOIN units u ON u.id = t.unit_id LEFT JOIN people p ON p.id = t.person_id \
     LEFT JOIN orgs mo ON mo.id = t.member_org_id";

/// Appends the condition for the tasks a scope can see: an organization's through the Party
/// tree, a unit's through the administrative tree, a person's through the people scope. The
/// query joins the owner organization as `o` and the owner unit as `u`.
pub fn push_task_condition(q: &mut Sql, scope: &Scope) {
    if scope.global().is_some() {
        q.push("(1 = 1)");
        return;
    }
    q.push("((t.org_id IS NOT NULL AND (1 = 0");
    for r in scope.reaches_at_least(Access::Read) {
        if let Reach::Org(p) = r {
            q.push(" OR o.path LIKE ").push_bind(format!("{p}%"));
        }
    }
    q.push(")) OR (t.unit_id IS NOT NULL AND (1 = 0");
    for r in scope.reaches_at_least(Access::Read) {
        if let Reach::Unit(p) = r {
            q.push(" OR u.path LIKE ").push_bind(format!("{p}%"));
        }
    }
    q.push(")) OR (t.person_id IS NOT NULL AND ");
    push_person_condition(q, scope, Access::Read, "t.person_id");
    q.push("))");
}

/// What a caller may do with a task.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Rights {
    pub submit: bool,
    pub review: bool,
}

pub fn rights(scope: &Scope, t: &TaskRow) -> Rights {
    rights_of(scope, &t.ownership())
}

pub fn rights_of(scope: &Scope, t: &Ownership) -> Rights {
    let active = t.active;
    let owner_write = match (t.org_id, t.unit_id, t.person_id) {
        (Some(_), _, _) => t.owner_path.is_some_and(|p| scope.org_access(p) == Some(Access::Write)),
        (_, Some(_), _) => t.owner_path.is_some_and(|p| scope.unit_access(p) == Some(Access::Write)),
        (_, _, Some(pid)) => scope.person.map(|x| x.0) == Some(pid),
        _ => false,
    };
    let office = scope.has_any(&[Role::Office, Role::Admin]);
    let review = match t.reviewer {
        Reviewer::Office => office,
        // The level above: the parent organization (or unit) of the owner; for a member, the
        // organization they belong to. Nobody reviews their own submission.
        Reviewer::Parent => {
            let own = t.person_id.is_some() && scope.person.map(|x| x.0) == t.person_id;
            let above = match (t.unit_id, t.parent_path()) {
                (Some(_), Some(p)) => scope.unit_access(&p) == Some(Access::Write),
                (None, Some(p)) => scope.org_access(&p) == Some(Access::Write),
                _ => false,
            };
            office || (!own && above)
        }
    };
    Rights { submit: active && owner_write, review: active && review }
}

/// Filters of the task lists.
#[derive(Clone, Debug, Default)]
pub struct TaskFilter {
    pub campaign: Option<i64>,
    pub template: Option<i64>,
    pub state: Option<TaskState>,
    /// Tasks owned within this organization's subtree (or by its members).
    pub org_path: Option<String>,
    /// Tasks owned within this unit's subtree.
    pub unit_path: Option<String>,
    /// Only the tasks the caller owes: those of the organizations and units they act for
    /// (not the ones below), and their own (for the office: the office's own tasks).
    pub mine: bool,
}

/// Appends the condition for the tasks a scope owes.
fn push_owner_condition(q: &mut Sql, scope: &Scope) {
    let me = scope.person.map(|p| p.0).unwrap_or(-1);
    if scope.global().is_some() {
        q.push(" AND (t.unit_id = c.office_unit_id OR t.person_id = ").push_bind(me).push(")");
        return;
    }
    q.push(" AND ((1 = 0");
    for r in scope.reaches_at_least(Access::Write) {
        match r {
            // The organization or unit itself, not those below it: theirs are their own
            // secretaries' to hand in (and this caller's to review).
            Reach::Org(p) => {
                q.push(" OR o.path = ").push_bind(p.clone());
            }
            Reach::Unit(p) => {
                q.push(" OR u.path = ").push_bind(p.clone());
            }
            _ => {}
        }
    }
    q.push(") OR t.person_id = ").push_bind(me).push(")");
}

async fn fetch(c: &mut Conn, scope: &Scope, f: &TaskFilter, extra: &str) -> Result<Vec<TaskRow>, StoreError> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE ");
    push_task_condition(&mut q, scope);
    if let Some(id) = f.campaign {
        q.push(" AND t.campaign_id = ").push_bind(id);
    }
    if let Some(id) = f.template {
        q.push(" AND t.template_id = ").push_bind(id);
    }
    if let Some(s) = f.state {
        q.push(" AND t.state = ").push_bind(s.code());
    }
    if let Some(p) = &f.org_path {
        q.push(" AND (o.path LIKE ")
            .push_bind(format!("{p}%"))
            .push(" OR EXISTS (SELECT 1 FROM org_memberships fm JOIN orgs fo ON fo.id = fm.org_id WHERE fm.person_id = t.person_id AND fm.end_date IS NULL AND fo.path LIKE ");
        q.push_bind(format!("{p}%")).push("))");
    }
    if let Some(p) = &f.unit_path {
        q.push(" AND u.path LIKE ").push_bind(format!("{p}%"));
    }
    if f.mine {
        push_owner_condition(&mut q, scope);
    }
    q.push(" AND tt.retired = FALSE");
    q.push(extra);
    Ok(c.fetch_all(q).await?)
}

/// Tasks the caller can see, with the filters.
pub async fn list(c: &mut Conn, scope: &Scope, f: &TaskFilter) -> Result<Vec<TaskRow>, StoreError> {
    fetch(c, scope, f, " ORDER BY tt.sort, t.id").await
}

/// One task, when the caller can see it.
pub async fn get(c: &mut Conn, scope: &Scope, id: i64) -> Result<TaskRow, StoreError> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE t.id = ").push_bind(id).push(" AND ");
    push_task_condition(&mut q, scope);
    c.fetch_optional(q).await?.ok_or(StoreError::NotFound)
}

/// Every task of a running campaign still owed (open or returned), whoever can see it: for
/// the reminders.
pub(crate) async fn waiting(c: &mut Conn, campaign: i64) -> Result<Vec<TaskRow>, StoreError> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE t.campaign_id = ").push_bind(campaign).push(" AND c.state = 'active' AND tt.retired = FALSE AND t.state IN ('open', 'returned')");
    Ok(c.fetch_all(q).await?)
}

pub(crate) async fn get_unscoped(c: &mut Conn, id: i64) -> Result<TaskRow, StoreError> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE t.id = ").push_bind(id);
    c.fetch_optional(q).await?.ok_or(StoreError::NotFound)
}

/// A new attachment, already checked by type and size.
pub struct NewAttachment {
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// What a submission carries.
#[derive(Default)]
pub struct Submission {
    pub body: Option<String>,
    pub number: Option<String>,
    pub checklist: Vec<bool>,
    pub attachments: Vec<NewAttachment>,
    /// A study record's session: a meeting the owner held and recorded.
    pub meeting: Option<i64>,
}

/// What a caller is told when another submission or decision on the same task came first.
const SUBMITTED_MEANWHILE: (&str, &str) = ("该任务刚刚已被提交或处理，请刷新后查看", "This task was handed in or decided meanwhile; reload to see it");
const DECIDED_MEANWHILE: (&str, &str) = ("该任务已被他人处理，请刷新后查看", "Someone else has already decided this task; reload to see it");

/// Submits (or resubmits) a task.
pub async fn submit(c: &mut Conn, scope: &Scope, id: i64, s: Submission) -> Result<TaskRow, StoreError> {
    let t = get(c, scope, id).await?;
    if !rights(scope, &t).submit {
        return Err(if t.campaign_state != "active" {
            StoreError::conflict("该活动已归档，只读", "This campaign is archived and read-only")
        } else {
            StoreError::forbidden("只有承担单位或本人可以提交", "Only the owner of the task submits it")
        });
    }
    let next = task::next(t.state(), Action::Submit).map_err(StoreError::Conflict)?;
    let mut errs = pacesetter_domain::validate::FieldErrors::new();
    match t.deliverable() {
        Deliverable::Commitment => errs.add("body", "公开承诺请在“公开承诺”页面填写并提交审核", "Commitments are made and handed in on the commitments page"),
        Deliverable::Document if s.attachments.is_empty() => errs.add("files", "请上传文件", "Upload a document"),
        Deliverable::Text if s.body.as_deref().map(str::trim).unwrap_or("").is_empty() => errs.add("body", "请填写内容", "Write the text"),
        Deliverable::Number => match s.number.as_deref().map(str::trim) {
            Some(n) if n.parse::<f64>().is_ok_and(f64::is_finite) => {}
            _ => errs.add("number", "请填写数字", "Enter a number"),
        },
        Deliverable::Checklist(items) if s.checklist.len() != items.len() || !s.checklist.iter().all(|b| *b) => {
            errs.add("checklist", "请逐项确认后提交", "Tick every item before submitting")
        }
        Deliverable::Study => match crate::study::check_session(c, &t, s.meeting, t.from_date).await {
            Err(StoreError::Invalid(e)) => errs.0.extend(e.0),
            other => other?,
        },
        _ => {}
    }
    if s.body.as_deref().is_some_and(|b| b.chars().count() > 20_000) {
        errs.add("body", "内容不能超过两万字", "At most 20,000 characters");
    }
    if !errs.is_empty() {
        return Err(StoreError::Invalid(errs));
    }
    let now = now_ms();
    let today = cst_date(now);
    // Guarded by the state read above: a submission or a decision that came first (PostgreSQL's
    // writers run side by side) makes this one a conflict, with nothing of it kept.
    let n = c
        .execute(
            Sql::new("UPDATE tasks SET state = $1, first_submitted = COALESCE(first_submitted, $2), last_submitted_ms = $3 WHERE id = $4 AND state = $5")
                .bind(next.code())
                .bind(today)
                .bind(now)
                .bind(id)
                .bind(t.state.as_str()),
        )
        .await?;
    StoreError::unless_changed(n, SUBMITTED_MEANWHILE.0, SUBMITTED_MEANWHILE.1)?;
    let sub = c
        .fetch_i64(
            Sql::new("INSERT INTO submissions (task_id, body, number_value, checklist_json, submitted_by, submitted_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(id)
                .bind(s.body.clone())
                .bind(s.number.clone())
                .bind(if s.checklist.is_empty() { None } else { serde_json::to_string(&s.checklist).ok() })
                .bind(scope.actor.as_str())
                .bind(now),
        )
        .await?;
    let meeting = if t.deliverable() == Deliverable::Study { s.meeting } else { None };
    if let Some(m) = meeting {
        c.execute(Sql::new("INSERT INTO submission_meetings (submission_id, meeting_id) VALUES ($1, $2)").bind(sub).bind(m)).await?;
    }
    let mut files = Vec::new();
    for a in s.attachments {
        let sha = pacesetter_domain::audit::sha256_hex(&a.data);
        files.push(serde_json::json!({"name": a.filename, "type": a.content_type, "size": a.data.len(), "sha256": sha}));
        c.execute(
            Sql::new("INSERT INTO attachments (submission_id, filename, content_type, size, sha256, data) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(sub)
                .bind(a.filename)
                .bind(a.content_type)
                .bind(a.data.len() as i64)
                .bind(sha)
                .bind(a.data),
        )
        .await?;
    }
    audit::append(
        c,
        scope,
        "task.submit",
        "task",
        id,
        Some(serde_json::json!({"state": t.state}).to_string()),
        Some(serde_json::json!({"state": next.code(), "submission": sub, "files": files, "meeting": meeting}).to_string()),
    )
    .await?;
    get_unscoped(c, id).await
}

/// A reviewer's decision.
pub enum Decision {
    Accept { comment: Option<String> },
    Return { comment: String, resubmit_by: Option<Date> },
    Extend { until: Date, reason: String },
}

/// Reviews a task: accept, return with a comment (the resubmission date defaults to five
/// working days later), or extend its date for this owner with a reason.
pub async fn review(c: &mut Conn, scope: &Scope, id: i64, d: Decision, calendar: &Calendar) -> Result<TaskRow, StoreError> {
    let t = get(c, scope, id).await?;
    if !rights(scope, &t).review {
        return Err(if t.campaign_state != "active" {
            StoreError::conflict("该活动已归档，只读", "This campaign is archived and read-only")
        } else {
            StoreError::forbidden("您不是该任务的审核方", "You do not review this task")
        });
    }
    if t.deliverable() == Deliverable::Commitment && !matches!(d, Decision::Extend { .. }) {
        return Err(StoreError::conflict("公开承诺请在“公开承诺”的审核页面逐项审核", "Commitments are reviewed one by one on the commitments review page"));
    }
    let now = now_ms();
    let today = cst_date(now);
    let (action, comment, new_due, sql) = match d {
        Decision::Accept { comment } => {
            let next = task::next(t.state(), Action::Accept).map_err(StoreError::Conflict)?;
            (
                "accept",
                comment,
                None,
                Sql::new("UPDATE tasks SET state = $1, decided_ms = $2 WHERE id = $3 AND state = $4").bind(next.code()).bind(now).bind(id).bind(t.state.as_str()),
            )
        }
        Decision::Return { comment, resubmit_by } => {
            let next = task::next(t.state(), Action::Return).map_err(StoreError::Conflict)?;
            if comment.trim().is_empty() {
                return Err(StoreError::invalid("comment", "退回时请写明意见", "Say why it is returned"));
            }
            let due = resubmit_by.unwrap_or_else(|| task::resubmit_due(calendar, today));
            if due < today {
                return Err(StoreError::invalid("resubmit_by", "重新提交日期不能早于今天", "The resubmission date cannot be in the past"));
            }
            (
                "return",
                Some(comment),
                Some(due),
                Sql::new("UPDATE tasks SET state = $1, resubmit_due = $2, decided_ms = $3 WHERE id = $4 AND state = $5")
                    .bind(next.code())
                    .bind(due)
                    .bind(now)
                    .bind(id)
                    .bind(t.state.as_str()),
            )
        }
        Decision::Extend { until, reason } => {
            if t.state() == TaskState::Accepted {
                return Err(StoreError::conflict("已通过的任务无需延期", "An accepted task needs no extension"));
            }
            if reason.trim().is_empty() {
                return Err(StoreError::invalid("reason", "延期须说明理由", "An extension needs a reason"));
            }
            if t.due_date.is_some_and(|d| until <= d) {
                return Err(StoreError::invalid("until", "延期日期应晚于原截止日期", "The new date must be after the original one"));
            }
            let q = if t.state() == TaskState::Returned {
                Sql::new("UPDATE tasks SET extended_due = $1, extended_reason = $2, resubmit_due = $1 WHERE id = $3 AND state = $4")
            } else {
                Sql::new("UPDATE tasks SET extended_due = $1, extended_reason = $2 WHERE id = $3 AND state = $4")
            };
            let q = q.bind(until).bind(reason.as_str()).bind(id).bind(t.state.as_str());
            ("extend", Some(reason), Some(until), q)
        }
    };
    // Every decision is guarded by the state it was taken on: of two reviewers deciding at once
    // (PostgreSQL runs them side by side), the second finds the state changed and is told so;
    // its review row and audit entry are never written.
    StoreError::unless_changed(c.execute(sql).await?, DECIDED_MEANWHILE.0, DECIDED_MEANWHILE.1)?;
    c.execute(
        Sql::new("INSERT INTO reviews (task_id, action, comment, new_due, reviewer, at_ms) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id)
            .bind(action)
            .bind(comment.clone())
            .bind(new_due)
            .bind(scope.actor.as_str())
            .bind(now),
    )
    .await?;
    let after = get_unscoped(c, id).await?;
    audit::append(
        c,
        scope,
        &format!("task.{action}"),
        "task",
        id,
        Some(serde_json::json!({"state": t.state, "due": t.dates().due_in_force(t.state()).map(pacesetter_domain::dates::iso)}).to_string()),
        Some(serde_json::json!({"state": after.state, "comment": comment, "new_due": new_due.map(pacesetter_domain::dates::iso)}).to_string()),
    )
    .await?;
    Ok(after)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct SubmissionRow {
    pub id: i64,
    pub body: Option<String>,
    pub number_value: Option<String>,
    pub checklist_json: Option<String>,
    pub submitted_by: String,
    pub submitted_ms: i64,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct AttachmentMeta {
    pub id: i64,
    pub submission_id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ReviewRow {
    pub action: String,
    pub comment: Option<String>,
    pub new_due: Option<Date>,
    pub reviewer: String,
    pub at_ms: i64,
}

/// A task's history: submissions with their files, and reviews.
pub async fn history(c: &mut Conn, task: &TaskRow) -> Result<(Vec<SubmissionRow>, Vec<AttachmentMeta>, Vec<ReviewRow>), StoreError> {
    let subs = c
        .fetch_all(
            Sql::new(format!(
                "SELECT s.id, s.body, s.number_value, s.checklist_json, {} AS submitted_by, s.submitted_ms FROM submissions s WHERE s.task_id = $1 ORDER BY s.id DESC",
                crate::account::shown_name("s.submitted_by")
            ))
            .bind(task.id),
        )
        .await?;
    let files = c
        .fetch_all(Sql::new("SELECT a.id, a.submission_id, a.filename, a.content_type, a.size, a.sha256 FROM attachments a JOIN submissions s ON s.id = a.submission_id WHERE s.task_id = $1 ORDER BY a.id").bind(task.id))
        .await?;
    let reviews = c
        .fetch_all(
            Sql::new(format!(
                "SELECT r.action, r.comment, r.new_due, {} AS reviewer, r.at_ms FROM reviews r WHERE r.task_id = $1 ORDER BY r.id DESC",
                crate::account::shown_name("r.reviewer")
            ))
            .bind(task.id),
        )
        .await?;
    Ok((subs, files, reviews))
}

/// An attachment's content, when the caller can see its task.
pub async fn attachment(c: &mut Conn, scope: &Scope, id: i64) -> Result<(AttachmentMeta, Vec<u8>), StoreError> {
    let meta: AttachmentMeta =
        c.fetch_optional(Sql::new("SELECT id, submission_id, filename, content_type, size, sha256 FROM attachments WHERE id = $1").bind(id)).await?.ok_or(StoreError::NotFound)?;
    let task_id = c.fetch_i64(Sql::new("SELECT task_id FROM submissions WHERE id = $1").bind(meta.submission_id)).await?;
    get(c, scope, task_id).await?;
    let data: Vec<Vec<crate::db::Arg>> = c.fetch_values(Sql::new("SELECT data FROM attachments WHERE id = $1").bind(id), &[crate::db::ColType::Bytes]).await?;
    let bytes = match data.into_iter().next().and_then(|mut r| r.pop()) {
        Some(crate::db::Arg::Bytes(b)) => b,
        _ => return Err(StoreError::NotFound),
    };
    Ok((meta, bytes))
}

/// The campaign of a task, for its calendar.
pub async fn campaign_of(c: &mut Conn, t: &TaskRow) -> Result<CampaignRow, StoreError> {
    campaign::get(c, t.campaign_id).await
}
