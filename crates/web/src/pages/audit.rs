//! The audit log, for the auditor: newest first, filtered, with the chain verified on request.

use super::{render, Layout, Pager};
use crate::api::audit::{describe, filter};
use crate::api::Paging;
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use pacesetter_store::audit::{self, AuditRow, VerifyReport};
use std::collections::HashMap;

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
}

pub async fn index(State(s): State<AppState>, ctx: Ctx, Query(raw): Query<Vec<(String, String)>>) -> AppResult<Response> {
    let q: HashMap<String, String> = raw.iter().cloned().collect();
    let p = Paging::from_query(q.get("page").map(String::as_str), q.get("per_page").map(String::as_str));
    let mut c = s.store.read().await?;
    let (rows, total) = audit::list(&mut c, &filter(&q), p.offset(), p.limit()).await?;
    let verify = if q.get("verify").is_some_and(|v| v == "1") { Some(audit::verify(&mut c).await?) } else { None };
    let problem = verify.as_ref().and_then(|v| v.problem.as_ref()).map(describe).unwrap_or_default();
    let pager = Pager::new(&raw, "/audit", p.page, p.limit(), total);
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    Ok(render(&AuditPage { l: Layout::new(&ctx, ctx.t("审计日志", "Audit log")), rows, pager, entity: get("entity"), entity_id: get("entity_id"), actor: get("actor"), verify, problem }))
}
