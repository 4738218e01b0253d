//! Search over the API: an adapter over [`crate::app::search`].

use crate::app::search::{self as app, Found, SearchQuery};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::Params;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use pacesetter_domain::search::Piece;
use serde::Serialize;
use utoipa::ToSchema;

/// A piece of a shown text; `hit` marks the part that matched the query.
#[derive(Serialize, ToSchema)]
pub struct SearchPieceDto {
    pub text: String,
    pub hit: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SearchHitDto {
    /// person, org, unit, commitment, problem, study_doc, announcement, library, story or research.
    pub kind: String,
    pub id: i64,
    /// The name or title as plain text (empty for a problem).
    pub title: String,
    /// The title in pieces, the matched part marked.
    pub title_marked: Vec<SearchPieceDto>,
    /// An excerpt of the text around the match (commitments, problems, documents).
    pub excerpt: Vec<SearchPieceDto>,
    /// A person's Party organization and unit; the organization or unit above a place.
    pub context: Option<String>,
    /// A person's staff or student number: only for people in the caller's scope.
    pub number: Option<String>,
    /// The number in pieces, the matched start marked (empty without a number).
    pub number_marked: Vec<SearchPieceDto>,
    /// The page to open, when the caller may open one.
    pub href: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchGroupDto {
    pub kind: String,
    pub hits: Vec<SearchHitDto>,
    /// There are more hits of this kind: ask again with `kind`.
    pub more: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SearchDto {
    /// The query as compared (folded: lower case, half-width, without spaces or punctuation).
    pub query: String,
    pub groups: Vec<SearchGroupDto>,
}

fn pieces(p: &[Piece]) -> Vec<SearchPieceDto> {
    p.iter().map(|p| SearchPieceDto { text: p.text.clone(), hit: p.hit }).collect()
}

fn hit_dto(f: &Found) -> SearchHitDto {
    SearchHitDto {
        kind: f.hit.kind.code().to_string(),
        id: f.hit.id,
        title: f.hit.title.clone(),
        title_marked: pieces(&f.title),
        excerpt: pieces(&f.excerpt),
        context: f.hit.context.clone(),
        number: f.hit.number.clone(),
        number_marked: pieces(&f.number),
        href: f.href(),
    }
}

/// Searches people, organizations, units, commitments, problems and documents within the
/// caller's scope.
pub async fn search(State(s): State<AppState>, ctx: Ctx, Params(q): Params<SearchQuery>) -> AppResult<Json<SearchDto>> {
    let r = app::search(&s, &ctx.me()?.scope, &q).await?;
    Ok(Json(SearchDto {
        query: r.query.text.clone(),
        groups: r.groups.iter().map(|(k, hits, more)| SearchGroupDto { kind: k.code().to_string(), hits: hits.iter().map(hit_dto).collect(), more: *more }).collect(),
    }))
}
