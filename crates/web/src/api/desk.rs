//! The caller's desk as JSON: the same use case as the first page (`app::desk`).

use crate::app::desk::{self, Duty, RelationBlock, Reviews, Waiting};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

/// What waits for the caller, what they answer for in each organization they act for, and their
/// relations (the first page after login).
#[derive(Serialize, ToSchema)]
pub struct DeskDto {
    /// The current campaign's title, if one is running.
    pub campaign: Option<String>,
    pub waiting: Vec<Waiting>,
    pub reviews: Reviews,
    pub duties: Vec<Duty>,
    pub relations: Vec<RelationBlock>,
}

pub async fn desk(State(state): State<AppState>, ctx: Ctx) -> AppResult<Json<DeskDto>> {
    let me = ctx.me()?;
    let d = desk::desk(&state, &me.scope, me.id(), me.account.person_id, ctx.lang).await?;
    Ok(Json(DeskDto { campaign: d.campaign, waiting: d.waiting, reviews: d.reviews, duties: d.duties, relations: d.relations }))
}
