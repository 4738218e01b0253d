//! Roster imports over the API: adapters over [`crate::app::imports`].

use super::dto::{ImportDto, ProblemDto};
use crate::app::imports::{commit, discard, load, read_upload, upload};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use pacesetter_domain::Lang;
use pacesetter_domain::ids::ImportId;
use pacesetter_store::roster::{self, ImportRow, Plan};

pub fn dto(row: &ImportRow, plan: &Plan, lang: Lang, limit: usize) -> ImportDto {
    ImportDto {
        id: row.id,
        state: row.state.clone(),
        filename: row.filename.clone(),
        root_org_id: row.root_org_id,
        root_unit_id: row.root_unit_id,
        counts: serde_json::to_value(&plan.counts).unwrap_or_default(),
        problems: plan
            .problems
            .iter()
            .take(limit)
            .map(|p| ProblemDto { line: p.line as i64, column: p.column.map(|c| c.code().to_string()), message: p.message.get(lang).to_string() })
            .collect(),
        rows: plan.rows.iter().filter(|r| r.action != roster::Action::Unchanged).take(limit).map(|r| serde_json::to_value(r).unwrap_or_default()).collect(),
        leaving: plan.leaving.iter().take(limit).map(|l| serde_json::to_value(l).unwrap_or_default()).collect(),
    }
}

pub async fn api_upload(State(s): State<AppState>, ctx: Ctx, mp: Multipart) -> AppResult<Json<ImportDto>> {
    let scope = &ctx.me()?.scope;
    let form = read_upload(mp).await?;
    let (id, _) = upload(&s, scope, form).await?;
    let (row, plan) = load(&s, scope, id).await?;
    Ok(Json(dto(&row, &plan, ctx.lang, 1000)))
}

pub async fn api_get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<ImportId>) -> AppResult<Json<ImportDto>> {
    let (row, plan) = load(&s, &ctx.me()?.scope, id).await?;
    Ok(Json(dto(&row, &plan, ctx.lang, 1000)))
}

pub async fn api_commit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<ImportId>) -> AppResult<Json<ImportDto>> {
    let scope = &ctx.me()?.scope;
    commit(&s, scope, id).await?;
    let (row, plan) = load(&s, scope, id).await?;
    Ok(Json(dto(&row, &plan, ctx.lang, 1000)))
}

pub async fn api_discard(State(s): State<AppState>, ctx: Ctx, Path(id): Path<ImportId>) -> AppResult<StatusCode> {
    discard(&s, &ctx.me()?.scope, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
