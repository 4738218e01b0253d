//! Campaigns, tasks, reviews and notifications over the API: adapters over
//! [`crate::app::tasks`] and [`crate::app::campaigns`].

use super::dto::{BatchResultDto, NotificationsDto, TaskDetailDto, TaskLineDto};
use crate::app::tasks::{self as task_pages, BatchInput, DecisionInput, TaskLine, TaskQuery};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use pacesetter_domain::dates::iso;
use pacesetter_domain::ids::TaskId;

fn line_dto(l: &TaskLine) -> TaskLineDto {
    TaskLineDto {
        id: l.t.id,
        campaign_id: l.t.campaign_id,
        template_id: l.t.template_id,
        code: l.t.code.clone(),
        item: l.t.item,
        title: l.t.title.clone(),
        owner: l.t.owner_name.clone(),
        org_id: l.t.org_id,
        unit_id: l.t.unit_id,
        person_id: l.t.person_id,
        state: l.t.state.clone(),
        due: l.due.map(iso),
        wording: l.t.wording.clone(),
        days_left: l.days_left,
        overdue: l.overdue,
        late: l.late,
        first_submitted: l.t.first_submitted.map(iso),
        extended_due: l.t.extended_due.map(iso),
        resubmit_due: l.t.resubmit_due.map(iso),
        can_submit: l.rights.submit,
        can_review: l.rights.review,
    }
}

pub async fn list(State(s): State<AppState>, ctx: Ctx, Query(q): Query<TaskQuery>) -> AppResult<Json<Vec<TaskLineDto>>> {
    let scope = ctx.me()?.scope.clone();
    let rows = task_pages::lines(&s, &scope, &q).await?;
    Ok(Json(rows.iter().map(line_dto).collect()))
}

pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<TaskDetailDto>> {
    let scope = ctx.me()?.scope.clone();
    let (t, subs, files, reviews) = task_pages::with_history(&s, &scope, TaskId(id)).await?;
    let study = crate::app::study::for_task(&s, &t, false).await?;
    let study_sessions = study
        .named
        .into_iter()
        .map(|(submission_id, m)| super::dto::StudySessionDto {
            submission_id,
            meeting_id: m.id,
            kind: m.kind,
            topic: m.topic,
            on_day: iso(m.on_day),
            present: m.present,
            expected: m.expected,
        })
        .collect();
    let line = line_dto(&TaskLine::new(t, &scope, pacesetter_domain::dates::today()));
    Ok(Json(TaskDetailDto { line, submissions: subs, files, reviews, study_doc: study.doc.map(|d| d.id), study_sessions }))
}

/// Submits a task: multipart with `files`, `body`, `number`, `check` (and the X-CSRF-Token header).
/// Answers with the task as a list shows it, dates as ISO strings.
pub async fn submit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mp: axum::extract::Multipart) -> AppResult<Json<TaskLineDto>> {
    let scope = ctx.me()?.scope.clone();
    let (sub, _) = crate::upload::read_submission(mp, s.site.max_upload).await.map_err(|(e, _)| e)?;
    let t = task_pages::submit(&s, &scope, TaskId(id), sub).await?;
    Ok(Json(line_dto(&TaskLine::new(t, &scope, pacesetter_domain::dates::today()))))
}

pub async fn review(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<DecisionInput>) -> AppResult<Json<TaskLineDto>> {
    let scope = ctx.me()?.scope.clone();
    let t = task_pages::decide(&s, &scope, TaskId(id), b.decision()?).await?;
    Ok(Json(line_dto(&TaskLine::new(t, &scope, pacesetter_domain::dates::today()))))
}

pub async fn reviews(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<TaskLineDto>>> {
    let scope = ctx.me()?.scope.clone();
    let rows = task_pages::queue(&s, &scope).await?;
    Ok(Json(rows.iter().map(line_dto).collect()))
}

/// Accepts or returns several tasks; each decision stands on its own.
pub async fn batch(State(s): State<AppState>, ctx: Ctx, Json(b): Json<BatchInput>) -> AppResult<Json<BatchResultDto>> {
    let scope = ctx.me()?.scope.clone();
    let (done, failed) = task_pages::batch_apply(&s, &scope, &b, ctx.lang).await?;
    Ok(Json(BatchResultDto { done, failed }))
}

pub async fn notifications(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<NotificationsDto>> {
    let me = ctx.me()?;
    let n = task_pages::notifications(&s, me.id(), false).await?;
    Ok(Json(NotificationsDto { unread: n.unread, items: n.rows }))
}
