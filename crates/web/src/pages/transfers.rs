//! Transfers as pages: thin adapters over [`crate::app::transfers`]. One page lists the
//! caller's organizations' transfers, with the request form (receiving side) and the decision
//! form over the ticked ones (the side that decides).

use super::{FormState, Layout, render_status, see_other};
use crate::app::transfers::{self as app, TransferDecision, TransferRequest};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::Fields;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use pacesetter_domain::scope::Scope;
use pacesetter_store::transfer::{TransferRow, may_cancel, may_decide};
use serde::{Deserialize, Serialize};

#[derive(Template)]
#[template(path = "transfers.html")]
struct TransfersPage {
    l: Layout,
    rows: Vec<(TransferRow, bool, bool)>,
    receiving: Vec<(i64, String)>,
    f: FormState,
    today: String,
}

impl TransfersPage {
    fn waiting(&self) -> usize {
        self.rows.iter().filter(|(_, d, _)| *d).count()
    }

    fn state_label(&self, s: &str) -> &'static str {
        let l = self.l.lang;
        match s {
            "requested" => l.t("待办理", "Waiting"),
            "accepted" => l.t("已转入", "Accepted"),
            "refused" => l.t("未同意", "Refused"),
            _ => l.t("已撤回", "Withdrawn"),
        }
    }
}

async fn page(s: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope: &Scope = &ctx.me()?.scope;
    let rows = app::list(s, scope).await?.into_iter().map(|t| (may_decide(scope, &t), may_cancel(scope, &t), t)).map(|(d, c, t)| (t, d, c)).collect();
    let receiving = app::receiving(s, scope).await?;
    let today = pacesetter_domain::dates::iso(pacesetter_domain::dates::today());
    Ok(render_status(status, &TransfersPage { l: Layout::new(ctx, ctx.t("组织关系转接", "Transfers of Party relations")), rows, receiving, f, today }))
}

pub async fn index(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    page(&s, &ctx, FormState::new(ctx.lang), StatusCode::OK).await
}

pub async fn request(State(s): State<AppState>, ctx: Ctx, Fields(form): Fields<TransferRequest>) -> AppResult<Response> {
    match app::request(&s, &ctx.me()?.scope, &form).await {
        Ok(_) => Ok(see_other("/transfers?done=saved")),
        Err(e) if e.fields.is_some() || matches!(e.status, StatusCode::CONFLICT | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) => {
            page(
                &s,
                &ctx,
                FormState::refused(ctx.lang, crate::input::values_of(&form), &e),
                if e.status == StatusCode::NOT_FOUND { StatusCode::UNPROCESSABLE_ENTITY } else { e.status },
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// The decision form: the ticked transfers and what is decided.
#[derive(Deserialize, Serialize, Default)]
pub struct DecisionForm {
    #[serde(default, deserialize_with = "crate::input::ids")]
    ids: Vec<i64>,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    on: Option<String>,
    #[serde(default)]
    note: String,
}

pub async fn decide(State(s): State<AppState>, ctx: Ctx, Fields(form): Fields<DecisionForm>) -> AppResult<Response> {
    let input = TransferDecision { decision: form.decision.clone(), on: form.on.clone(), note: form.note.clone() };
    match app::decide(&s, &ctx.me()?.scope, &form.ids, &input).await {
        Ok(_) => Ok(see_other("/transfers?done=saved")),
        Err(e) if e.fields.is_some() || e.status == StatusCode::CONFLICT => {
            let values = [("decision", form.decision), ("on", form.on.unwrap_or_default()), ("note", form.note)].into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            page(&s, &ctx, FormState::refused(ctx.lang, values, &e), e.status).await
        }
        Err(e) => Err(e),
    }
}

pub async fn cancel(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    app::cancel(&s, &ctx.me()?.scope, id).await?;
    Ok(see_other("/transfers?done=saved"))
}
