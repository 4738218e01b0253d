//! Tasks: "my tasks" soonest due first, the lists behind the dashboard's numbers, a task's page
//! with its submission form and history, the reviewer's queue with batch decisions, files,
//! notifications and the calendar feed.

use super::confirm::{self, Confirmable};
use super::{FormState, Layout, Pager, render, render_status, see_other};
use crate::app::tasks::{BatchInput, DecisionInput, TaskLine, TaskQuery, batch_apply, decide, decide_trial, lines, queue};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::input::{self, PagingQuery};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pacesetter_domain::dates::{iso, today};
use pacesetter_domain::ids::TaskId;
use pacesetter_domain::plan::Deliverable;
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::StoreError;
use pacesetter_store::notify::NotificationRow;
use pacesetter_store::task::{self, AttachmentMeta, ReviewRow, SubmissionRow};

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    l: Layout,
    rows: Vec<TaskLine>,
    pager: Pager,
    mine: bool,
    query: String,
}

/// The list a page at a time (`?page=`, `?per_page=` up to 200), its filters kept in the links;
/// the export has every task that matches.
pub async fn index(State(s): State<AppState>, ctx: Ctx, Query(q): Query<TaskQuery>, Query(p): Query<PagingQuery>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let all = lines(&s, &scope, &q).await?;
    let mine = q.is_mine();
    let query = serde_urlencoded::to_string(&q).unwrap_or_default();
    let (rows, pager) = super::page_of(all, p.paging(), "/tasks", &query);
    let title = if mine { ctx.t("我的任务", "My tasks") } else { ctx.t("任务清单", "Tasks") };
    Ok(render(&TasksPage { l: Layout::new(&ctx, title), rows, pager, mine, query }))
}

/// The same list as a workbook.
pub async fn export(State(s): State<AppState>, ctx: Ctx, Query(q): Query<TaskQuery>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let rows = lines(&s, &scope, &q).await?;
    let lang = ctx.lang;
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    let sheet = crate::export::Sheet {
        name: t("任务", "Tasks"),
        headers: vec![
            t("工作任务", "Work item"),
            t("任务", "Task"),
            t("承担单位/人", "Owner"),
            t("状态", "State"),
            t("截止日期", "Due"),
            t("时间要求", "Wording"),
            t("剩余天数", "Days left"),
            t("逾期", "Overdue"),
            t("迟交", "Late"),
            t("首次提交", "First submitted"),
        ],
        rows: rows
            .iter()
            .map(|l| {
                vec![
                    l.t.item.map(|i| i.to_string()).unwrap_or_default(),
                    l.t.title.clone(),
                    l.t.owner_name.clone(),
                    l.t.state().label(lang).to_string(),
                    l.due.map(iso).unwrap_or_default(),
                    l.t.wording.clone().unwrap_or_default(),
                    l.days_left.map(|d| d.to_string()).unwrap_or_default(),
                    if l.overdue { t("是", "yes") } else { String::new() },
                    if l.late { t("是", "yes") } else { String::new() },
                    l.t.first_submitted.map(iso).unwrap_or_default(),
                ]
            })
            .collect(),
    };
    super::download(&ctx, &sheet, lang.t("任务清单", "tasks"), "xlsx")
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    l: Layout,
    line: TaskLine,
    deliverable: Deliverable,
    checklist: Vec<String>,
    subs: Vec<SubmissionRow>,
    files: Vec<AttachmentMeta>,
    reviews: Vec<ReviewRow>,
    /// A commitment task's submission: its commitments, as far as the caller sees them.
    commitments: Vec<crate::app::commitments::Line>,
    f: FormState,
    max_mb: usize,
    resubmit_default: String,
    /// A study-record task's document and sessions.
    study: crate::app::study::TaskStudy,
}

impl TaskPage {
    /// A study session as a line: day, kind, topic, attendance.
    fn session_text(&self, m: &pacesetter_store::study::StudySession) -> String {
        let kind = pacesetter_domain::meeting::Kind::parse(&m.kind).map(|k| k.label(self.l.lang)).unwrap_or("");
        format!("{} {} · {} · {}{}/{}", iso(m.on_day), kind, m.topic, self.l.t("到会", "present "), m.present, m.expected)
    }

    fn named_of(&self, sub: &i64) -> Option<&pacesetter_store::study::StudySession> {
        self.study.named.iter().find(|(s, _)| s == sub).map(|(_, m)| m)
    }

    fn files_of(&self, sub: &i64) -> Vec<&AttachmentMeta> {
        self.files.iter().filter(|a| a.submission_id == *sub).collect()
    }

    fn action_label(&self, a: &str) -> &'static str {
        match a {
            "accept" => self.l.t("通过", "Accepted"),
            "return" => self.l.t("退回", "Returned"),
            _ => self.l.t("延期", "Extended"),
        }
    }

    fn kb(&self, size: &i64) -> String {
        super::size_kb(*size)
    }
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    task_page(&s, &ctx, id, FormState::new(ctx.lang), StatusCode::OK).await
}

async fn task_page(s: &AppState, ctx: &Ctx, id: i64, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let (t, subs, files, reviews, camp) = crate::app::tasks::detail(s, &scope, TaskId(id)).await?;
    let calendar = camp.plan().map(|p| p.calendar).unwrap_or_default();
    let resubmit_default = iso(pacesetter_domain::task::resubmit_due(&calendar, today()));
    let deliverable = t.deliverable();
    let checklist = match &deliverable {
        Deliverable::Checklist(items) => items.clone(),
        _ => Vec::new(),
    };
    let commitments = if deliverable == Deliverable::Commitment {
        let q = crate::app::commitments::ListQuery { task: Some(TaskId(id)), ..Default::default() };
        crate::app::commitments::list(s, &scope, &q).await?
    } else {
        Vec::new()
    };
    let title = t.title.clone();
    let line = TaskLine::new(t, &scope, today());
    let study = crate::app::study::for_task(s, &line.t, line.rights.submit).await?;
    Ok(render_status(
        status,
        &TaskPage {
            l: Layout::new(ctx, &title),
            line,
            deliverable,
            checklist,
            subs,
            files,
            reviews,
            commitments,
            f,
            max_mb: s.site.max_upload / 1024 / 1024,
            resubmit_default,
            study,
        },
    ))
}

/// Submits (or resubmits) a task: multipart with `files`, `body`, `number`, `check`.
pub async fn submit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mp: Multipart) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let result = match crate::upload::read_submission(mp, s.site.max_upload).await {
        Ok((sub, values)) => crate::app::tasks::submit(&s, &scope, TaskId(id), sub).await.map_err(|e| (AppError::from(e), values)),
        Err(refused) => Err(refused),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/tasks/{id}?done=submitted"))),
        Err((e, values)) if e.fields.is_some() || e.status == StatusCode::PAYLOAD_TOO_LARGE => {
            let mut errs = e.fields.clone().unwrap_or_default();
            if errs.is_empty() {
                errs.add("files", e.message.zh.clone(), e.message.en.clone());
            }
            let status = if e.status == StatusCode::PAYLOAD_TOO_LARGE { e.status } else { StatusCode::UNPROCESSABLE_ENTITY };
            task_page(&s, &ctx, id, FormState::with(ctx.lang, values, errs), status).await
        }
        Err((e, _)) => Err(e),
    }
}

/// Accepts, returns or extends one task. Accepting and returning cannot be undone: a step first
/// says what will happen to which task (checked as the decision itself would be).
pub async fn review(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, form: Confirmable<DecisionInput>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let input = form.input;
    let r = match input.decision() {
        Ok(d) if form.confirmed || matches!(d, task::Decision::Extend { .. }) => decide(&s, &scope, TaskId(id), d).await,
        Ok(d) => {
            let accept = matches!(d, task::Decision::Accept { .. });
            match decide_trial(&s, &scope, TaskId(id), d).await {
                Ok(t) => return Ok(confirm::step(&ctx, decision_step(&ctx, accept, &[t], &input.comment, format!("/tasks/{id}/review"), form.again, format!("/tasks/{id}")))),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    let again = |errs| FormState::with(ctx.lang, input::values_of(&input), errs);
    match r {
        Ok(_) => Ok(see_other(&format!("/tasks/{id}?done=decided"))),
        Err(StoreError::Invalid(errs)) => task_page(&s, &ctx, id, again(errs), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(StoreError::Conflict(t)) => {
            let mut errs = FieldErrors::new();
            errs.add("_", t.zh, t.en);
            task_page(&s, &ctx, id, again(errs), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

/// What the confirmation of accepting or returning tasks says: which, how many, the comment.
fn decision_step(ctx: &Ctx, accept: bool, tasks: &[task::TaskRow], comment: &Option<String>, action: String, fields: Vec<(String, String)>, back: String) -> confirm::Confirm {
    let n = tasks.len();
    let (what, button) = if accept {
        (
            ctx.t(&format!("将通过以下 {n} 项任务，通过后即为完成。"), &format!("These {n} tasks will be accepted as done.")).to_string(),
            ctx.t(&format!("确认通过 {n} 项"), &format!("Accept {n}")).to_string(),
        )
    } else {
        (
            ctx.t(&format!("将退回以下 {n} 项任务，由责任方按意见修改后重新提交。"), &format!("These {n} tasks will be returned to be changed and handed in again.")).to_string(),
            ctx.t(&format!("确认退回 {n} 项"), &format!("Return {n}")).to_string(),
        )
    };
    let items = tasks.iter().map(|t| format!("{}（{}）", t.title, t.owner_name)).collect();
    let note = input::text(comment).map(|c| format!("{}{c}", ctx.t("意见：", "Comment: "))).unwrap_or_default();
    confirm::Confirm { what, items, note, action, fields, button, back, danger: !accept }
}

#[derive(Template)]
#[template(path = "reviews.html")]
struct ReviewsPage {
    l: Layout,
    rows: Vec<TaskLine>,
    f: FormState,
    results: Vec<String>,
    /// The ticked ones: none when the queue opens; after a refusal, exactly what was chosen.
    chosen: std::collections::HashSet<i64>,
}

pub async fn reviews(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let rows = queue(&s, &scope).await?;
    Ok(render(&ReviewsPage { l: Layout::new(&ctx, ctx.t("待审核", "To review")), rows, f: FormState::new(ctx.lang), results: Vec::new(), chosen: Default::default() }))
}

/// Accepts or returns several tasks at once, after a step that says to which and how many; each
/// decision stands on its own and the page says which did not go through and why.
pub async fn batch(State(s): State<AppState>, ctx: Ctx, form: Confirmable<BatchInput>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let input = form.input;
    let errs = input.errors();
    if !errs.is_empty() {
        let rows = queue(&s, &scope).await?;
        let f = FormState::with(ctx.lang, input::values_of(&input), errs);
        let chosen = input.ids.iter().copied().collect();
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &ReviewsPage { l: Layout::new(&ctx, ctx.t("待审核", "To review")), rows, f, results: Vec::new(), chosen }));
    }
    if !form.confirmed {
        let chosen: std::collections::HashSet<i64> = input.ids.iter().copied().collect();
        let tasks: Vec<task::TaskRow> = queue(&s, &scope).await?.into_iter().filter(|l| chosen.contains(&l.t.id)).map(|l| l.t).collect();
        let mut step = decision_step(&ctx, input::text(&input.action) == Some("accept"), &tasks, &input.comment, "/reviews/batch".into(), form.again, "/reviews".into());
        if tasks.len() < chosen.len() {
            let gone = chosen.len() - tasks.len();
            step.note = [
                step.note,
                ctx.t(&format!("另有 {gone} 项已不在您的待审核中，将不作处理。"), &format!("{gone} more no longer wait for your review and will be left alone.")).to_string(),
            ]
            .join(" ");
        }
        return Ok(confirm::step(&ctx, step));
    }
    let (done, results) = batch_apply(&s, &scope, &input, ctx.lang).await?;
    if results.is_empty() {
        return Ok(see_other(&format!("/reviews?done=decided&n={done}")));
    }
    let rows = queue(&s, &scope).await?;
    Ok(render_status(StatusCode::OK, &ReviewsPage { l: Layout::new(&ctx, ctx.t("待审核", "To review")), rows, f: FormState::new(ctx.lang), results, chosen: Default::default() }))
}

/// A file handed in with a task: always downloaded, never shown inline.
pub async fn attachment(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let (meta, bytes) = crate::app::tasks::attachment(&s, &scope, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, meta.content_type.clone()),
            (header::CONTENT_DISPOSITION, crate::export::attachment(&meta.filename)),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox".to_string()),
        ],
        bytes,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// Notifications and the calendar feed

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    l: Layout,
    rows: Vec<NotificationRow>,
    feed_tokens: Vec<i64>,
    new_feed: Option<String>,
}

impl NotificationsPage {
    fn text<'a>(&self, n: &'a NotificationRow) -> &'a str {
        n.text(self.l.lang)
    }
}

pub async fn notifications(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    notifications_page(&s, &ctx, None).await
}

async fn notifications_page(s: &AppState, ctx: &Ctx, new_feed: Option<String>) -> AppResult<Response> {
    let me = ctx.me()?;
    let n = crate::app::tasks::notifications(s, me.id(), true).await?;
    Ok(render(&NotificationsPage { l: Layout::new(ctx, ctx.t("通知", "Notifications")), rows: n.rows, feed_tokens: n.feed_tokens, new_feed }))
}

/// Creates a calendar-feed address (shown once; stored hashed).
pub async fn feed_create(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let me = ctx.me()?;
    let token = crate::app::tasks::add_feed(&s, me.id()).await?;
    let url = format!("{}/feed/{token}.ics", s.site.public_url);
    notifications_page(&s, &ctx, Some(url)).await
}

pub async fn feed_revoke(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let me = ctx.me()?;
    crate::app::tasks::revoke_feeds(&s, me.id()).await?;
    Ok(see_other("/notifications?done=revoked"))
}

/// The deadlines of the tasks the token's holder owes, as an iCalendar feed.
pub async fn feed(State(s): State<AppState>, Path(file): Path<String>) -> AppResult<Response> {
    let out = crate::app::tasks::deadline_feed(&s, &file).await?;
    Ok(([(header::CONTENT_TYPE, "text/calendar; charset=utf-8"), (header::CACHE_CONTROL, "private, no-store")], out).into_response())
}
