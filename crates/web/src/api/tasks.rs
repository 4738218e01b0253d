//! Campaigns, tasks, reviews and notifications over the API: adapters over
//! [`crate::app::tasks`] and [`crate::app::campaigns`].

use super::dto::{BatchResultDto, NotificationsDto, TaskDetailDto, TaskLineDto};
use crate::app::tasks::{self as task_pages, TaskLine};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use pacesetter_domain::dates::iso;
use pacesetter_store::notify;
use serde_json::Value;
use std::collections::HashMap;

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

pub async fn list(State(s): State<AppState>, ctx: Ctx, Query(q): Query<HashMap<String, String>>) -> AppResult<Json<Vec<TaskLineDto>>> {
    let scope = ctx.me()?.scope.clone();
    let rows = task_pages::lines(&s, &scope, &q).await?;
    Ok(Json(rows.iter().map(line_dto).collect()))
}

pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<TaskDetailDto>> {
    let scope = ctx.me()?.scope.clone();
    let (t, subs, files, reviews) = task_pages::with_history(&s, &scope, id).await?;
    let line = line_dto(&TaskLine::new(t, &scope, pacesetter_domain::dates::today()));
    Ok(Json(TaskDetailDto { line, submissions: subs, files, reviews }))
}

/// Submits a task: multipart with `files`, `body`, `number`, `check` (and the X-CSRF-Token header).
/// Answers with the task as a list shows it, dates as ISO strings.
pub async fn submit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mp: axum::extract::Multipart) -> AppResult<Json<TaskLineDto>> {
    let scope = ctx.me()?.scope.clone();
    let (sub, _) = crate::upload::read_submission(mp, s.site.max_upload).await?;
    let t = task_pages::submit(&s, &scope, id, sub).await?;
    Ok(Json(line_dto(&TaskLine::new(t, &scope, pacesetter_domain::dates::today()))))
}

pub async fn review(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(m): Json<HashMap<String, Value>>) -> AppResult<Json<TaskLineDto>> {
    let scope = ctx.me()?.scope.clone();
    let m = strings(m);
    let d = task_pages::decision_of(&m)?;
    let t = task_pages::decide(&s, &scope, id, d).await?;
    Ok(Json(line_dto(&TaskLine::new(t, &scope, pacesetter_domain::dates::today()))))
}

fn strings(m: HashMap<String, Value>) -> HashMap<String, String> {
    m.into_iter()
        .filter_map(|(k, v)| match v {
            Value::String(s) => Some((k, s)),
            Value::Null => None,
            other => Some((k, other.to_string())),
        })
        .collect()
}

pub async fn reviews(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<TaskLineDto>>> {
    let scope = ctx.me()?.scope.clone();
    let rows = task_pages::queue(&s, &scope).await?;
    Ok(Json(rows.iter().map(line_dto).collect()))
}

/// {"ids": [..], "action": "accept" | "return", "comment": ".."}
pub async fn batch(State(s): State<AppState>, ctx: Ctx, Json(mut m): Json<HashMap<String, Value>>) -> AppResult<Json<BatchResultDto>> {
    let scope = ctx.me()?.scope.clone();
    let ids: Vec<i64> = m.remove("ids").and_then(|v| v.as_array().map(|a| a.iter().filter_map(Value::as_i64).collect())).unwrap_or_default();
    let m = strings(m);
    if ids.is_empty() || ids.len() > 1000 {
        return Err(AppError::bad_request("请勾选 1 到 1000 项", "Give between 1 and 1000 ids"));
    }
    if !matches!(m.get("action").map(String::as_str), Some("accept" | "return")) {
        return Err(AppError::bad_request("批量操作只能是通过（accept）或退回（return）", "A batch accepts or returns"));
    }
    let (done, failed) = task_pages::batch_apply(&s, &scope, &ids, &m, ctx.lang).await?;
    Ok(Json(BatchResultDto { done, failed }))
}

pub async fn notifications(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<NotificationsDto>> {
    let me = ctx.me()?;
    let mut c = s.store.read().await?;
    let rows = notify::list(&mut c, me.id().0, 200).await?;
    let unread = notify::unread(&mut c, me.id().0).await?;
    Ok(Json(NotificationsDto { unread, items: rows }))
}
