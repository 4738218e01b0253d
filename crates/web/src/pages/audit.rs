//! The audit log, for the auditor: newest first, filtered, with the chain verified on request.

use super::{Layout, Pager, render};
use crate::app::audit as app;
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use pacesetter_domain::audit;
use pacesetter_store::audit::{AnchorRow, AuditRow, VerifyReport};

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    l: Layout,
    rows: Vec<AuditRow>,
    pager: Pager,
    entity: String,
    entity_id: String,
    actor: String,
    verify: Option<VerifyReport>,
    problem: String,
    /// The latest anchor the auditor recorded, and whether the chain still reaches it.
    anchor: Option<AnchorRow>,
    anchor_problem: Option<String>,
    entities: Vec<(&'static str, String)>,
}

impl AuditPage {
    fn action(&self, code: &str) -> String {
        audit::action_label(code, self.l.lang)
    }
    fn entity_name(&self, code: &str) -> String {
        audit::entity_label(code, self.l.lang)
    }
    fn change(&self, raw: &str) -> String {
        audit::change_text(raw, self.l.lang)
    }
}

/// The kinds of record the filter offers.
const ENTITIES: [&str; 20] = [
    "person",
    "org",
    "unit",
    "account",
    "relation",
    "roster",
    "campaign",
    "task",
    "task_template",
    "commitment",
    "survey",
    "selection",
    "selection_nomination",
    "selection_objection",
    "appraisal_round",
    "appraisal_subject",
    "appraisal_case",
    "sample",
    "database",
    "audit",
];

pub async fn index(State(s): State<AppState>, ctx: Ctx, Query(q): Query<app::AuditQuery>) -> AppResult<Response> {
    let p = q.paging();
    let (rows, total) = app::list(&s, &q.filter(), p.offset(), p.limit()).await?;
    let verify = if q.verify() { Some(app::verify(&s).await?.report) } else { None };
    let problem = verify.as_ref().and_then(|v| v.problem.as_ref()).map(app::describe).unwrap_or_default();
    let pager = Pager::new(&q.pairs(), "/audit", p.page, p.limit(), total);
    let get = |v: &Option<String>| v.clone().unwrap_or_default();
    let (anchor, anchor_problem) = app::latest_anchor(&s).await?;
    let anchor_problem = anchor_problem.map(|t| t.get(ctx.lang).to_string());
    Ok(render(&AuditPage {
        l: Layout::new(&ctx, ctx.t("审计日志", "Audit log")),
        rows,
        pager,
        entity: get(&q.entity),
        entity_id: get(&q.entity_id),
        actor: get(&q.actor),
        verify,
        problem,
        anchor,
        anchor_problem,
        entities: ENTITIES.iter().map(|e| (*e, audit::entity_label(e, ctx.lang))).collect(),
    }))
}

/// Records the latest entry as an anchor, then shows it to print or download.
pub async fn record_anchor(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let a = app::record_anchor(&s, &ctx.me()?.scope).await?;
    Ok(super::see_other(&format!("/audit?done=saved#anchor{}", a.id)))
}

/// An anchor as a text file to keep off the server (`pacesetter audit verify --since-anchor FILE`).
pub async fn anchor_file(State(s): State<AppState>, Path(file): Path<String>) -> AppResult<Response> {
    let id: i64 = file.strip_suffix(".txt").and_then(|x| x.parse().ok()).ok_or_else(crate::error::AppError::not_found)?;
    let (seq, text) = app::anchor_text(&s, id).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/plain; charset=utf-8".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"audit-anchor-{seq}.txt\"")),
        ],
        text,
    )
        .into_response())
}

/// The filtered log as a table, newest first (at most 100,000 entries per file).
pub async fn export(State(s): State<AppState>, ctx: Ctx, Path(file): Path<String>, Query(q): Query<app::AuditQuery>) -> AppResult<Response> {
    let (rows, _) = app::list(&s, &q.filter(), 0, 100_000).await?;
    let lang = ctx.lang;
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    let sheet = crate::export::Sheet {
        name: t("审计日志", "Audit log"),
        headers: vec![
            "#".into(),
            t("时间", "Time"),
            t("操作人", "Actor"),
            t("操作", "Action"),
            t("说明", "Meaning"),
            t("对象", "Entity"),
            t("编号", "Id"),
            t("之前", "Before"),
            t("之后", "After"),
            t("哈希", "Hash"),
        ],
        rows: rows
            .into_iter()
            .map(|r| {
                vec![
                    r.seq.to_string(),
                    pacesetter_domain::dates::format_datetime_ms(r.at_ms, lang),
                    r.actor,
                    audit::action_label(&r.action, lang),
                    r.action,
                    r.entity,
                    r.entity_id,
                    r.before_json.unwrap_or_default(),
                    r.after_json.unwrap_or_default(),
                    r.hash,
                ]
            })
            .collect(),
    };
    let format = if file.ends_with(".csv") { "csv" } else { "xlsx" };
    super::download(&ctx, &sheet, lang.t("审计日志", "audit-log"), format)
}
