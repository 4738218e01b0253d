//! The relation records scope depends on, with their coverage (the campaign office).

use super::{FormState, Layout, Pager, field, form_map, render_status, see_other};
use crate::app::relations::{self as app, parse_kind};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::input::{Paging, date_or_today};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use pacesetter_domain::ids::RelationId;
use pacesetter_domain::role::RelationKind;
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::relation::{Coverage, RelationRow};
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "relations.html")]
struct RelationsPage {
    l: Layout,
    rows: Vec<RelationRow>,
    pager: Pager,
    kinds: Vec<(&'static str, String)>,
    kind: String,
    current: bool,
    coverage: Coverage,
    f: FormState,
}

async fn page(s: &AppState, ctx: &Ctx, raw: Vec<(String, String)>, f: FormState, status: StatusCode) -> AppResult<Response> {
    let map: HashMap<String, String> = raw.iter().cloned().collect();
    let kind_code = map.get("kind").cloned().unwrap_or_default();
    let kind = RelationKind::parse(&kind_code);
    let current = map.get("all").is_none_or(|v| v != "true");
    let p = Paging::from_query(map.get("page").map(String::as_str), map.get("per_page").map(String::as_str));
    let (rows, total) = app::list(s, kind, current, p.offset(), p.limit()).await?;
    let coverage = app::coverage(s).await?;
    let pager = Pager::new(&raw, "/relations", p.page, p.limit(), total);
    let kinds = RelationKind::ALL.iter().map(|k| (k.code(), k.label(ctx.lang).to_string())).collect();
    Ok(render_status(status, &RelationsPage { l: Layout::new(ctx, ctx.t("联系关系", "Relation records")), rows, pager, kinds, kind: kind_code, current, coverage, f }))
}

pub async fn index(State(s): State<AppState>, ctx: Ctx, Query(raw): Query<Vec<(String, String)>>) -> AppResult<Response> {
    page(&s, &ctx, raw, FormState::new(ctx.lang), StatusCode::OK).await
}

/// The relation records as a table to hand upward (item 8: who visits which class).
pub async fn export(State(s): State<AppState>, ctx: Ctx, Path(file): Path<String>, Query(raw): Query<Vec<(String, String)>>) -> AppResult<Response> {
    let map: HashMap<String, String> = raw.into_iter().collect();
    let kind = map.get("kind").and_then(|k| RelationKind::parse(k));
    let current = map.get("all").is_none_or(|v| v != "true");
    let (rows, _) = app::list(&s, kind, current, 0, 1_000_000).await?;
    let lang = ctx.lang;
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    let sheet = crate::export::Sheet {
        name: t("联系关系", "Relations"),
        headers: vec![t("类型", "Kind"), t("人员", "Person"), t("对象", "Target"), t("开始日期", "Start"), t("结束日期", "End")],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    RelationKind::parse(&r.kind).map(|k| k.label(lang).to_string()).unwrap_or_default(),
                    r.person_name.clone(),
                    r.target_name.clone(),
                    pacesetter_domain::dates::iso(r.start_date),
                    r.end_date.map(pacesetter_domain::dates::iso).unwrap_or_default(),
                ]
            })
            .collect(),
    };
    let format = if file.ends_with(".csv") { "csv" } else { "xlsx" };
    super::download(&ctx, &sheet, lang.t("联系关系", "relations"), format)
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    let r = async {
        let kind = parse_kind(field(&m, "kind").unwrap_or(""))?;
        let mut errs = FieldErrors::new();
        let person = match field(&m, "number") {
            Some(n) => app::person_by_number(&s, n).await?,
            None => None,
        };
        if person.is_none() {
            errs.add("number", "没有该工号的人员", "No person has this staff number");
        }
        let target = field(&m, "target_id").and_then(|v| v.parse::<i64>().ok());
        if target.is_none() {
            errs.add("target_id", "请填写班级、党支部或单位的编号", "Enter the id of the class, branch or unit");
        }
        let start = date_or_today("start_date", field(&m, "start_date"))?;
        let (Some(person), Some(target)) = (person, target) else { return Err(AppError::invalid(errs)) };
        app::create(&s, &scope, kind, person, target, start).await.map(|_| ())
    }
    .await;
    match r {
        Ok(()) => Ok(see_other("/relations?done=created")),
        Err(e) if e.fields.is_some() || e.status == StatusCode::CONFLICT => {
            let mut errs = e.fields.clone().unwrap_or_default();
            if errs.is_empty() {
                errs.0.push(pacesetter_domain::validate::FieldError { field: "_".into(), message: e.message.clone() });
            }
            page(&s, &ctx, Vec::new(), FormState::with(ctx.lang, m, errs), e.status).await
        }
        Err(e) => Err(e),
    }
}

pub async fn end(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    let r = async {
        let on = date_or_today("end_date", field(&m, "end_date"))?;
        app::end(&s, &scope, RelationId(id), on).await.map(|_| ())
    }
    .await;
    match r {
        Ok(()) => Ok(see_other("/relations?done=ended")),
        Err(e) if e.fields.is_some() || e.status == StatusCode::CONFLICT => {
            let mut errs = e.fields.clone().unwrap_or_default();
            if errs.is_empty() {
                errs.0.push(pacesetter_domain::validate::FieldError { field: "_".into(), message: e.message.clone() });
            }
            page(&s, &ctx, Vec::new(), FormState::with(ctx.lang, m, errs), e.status).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    l: Layout,
    o: app::Outbox,
    configured: bool,
}

/// The e-mail the server sends, for the office: delivered, waiting, failed with the reason.
pub async fn outbox(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let o = app::outbox(&s).await?;
    Ok(super::render(&OutboxPage { l: Layout::new(&ctx, ctx.t("邮件发送", "Outgoing mail")), o, configured: s.site.mail }))
}
