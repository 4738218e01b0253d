//! Both trees over the API (adapters over [`crate::app::tree`]). The tree's shape (names and kinds) is public to anyone logged in;
//! a node's page, its people and every change are scoped.

use super::date_or_today;
use super::dto::{DateRequest, MoveRequest, NodeChange, NodeDetail, NodeDto};
use crate::app::tree::{self as app, Change};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use pacesetter_domain::ids::{AccountId, GrantId, OrgId};
use pacesetter_domain::scope::Access;
use pacesetter_store::tree::{Node, NodeInput, Tree};

async fn all(state: &AppState, ctx: &Ctx, t: Tree) -> AppResult<Json<Vec<NodeDto>>> {
    let (nodes, counts) = app::all(state, t).await?;
    Ok(Json(nodes.iter().map(|n| NodeDto::new(t, n, counts.get(&n.id).copied().unwrap_or(0), ctx.lang)).collect()))
}

pub async fn orgs(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<NodeDto>>> {
    all(&s, &ctx, Tree::Org).await
}

pub async fn units(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<NodeDto>>> {
    all(&s, &ctx, Tree::Unit).await
}

async fn detail(state: &AppState, ctx: &Ctx, t: Tree, id: i64) -> AppResult<Json<NodeDetail>> {
    let l = app::load(state, &ctx.me()?.scope, t, id).await?;
    let count = |n: &Node| l.counts.get(&n.id).copied().unwrap_or(0);
    Ok(Json(NodeDetail {
        node: NodeDto::new(t, &l.node, count(&l.node), ctx.lang),
        ancestors: l.ancestors.iter().map(|n| NodeDto::new(t, n, count(n), ctx.lang)).collect(),
        children: l.children.iter().map(|n| NodeDto::new(t, n, count(n), ctx.lang)).collect(),
        access: if l.public {
            "public".into()
        } else if l.access == Access::Write {
            "write".into()
        } else {
            "read".into()
        },
        members_in_subtree: l.members_in_subtree,
    }))
}

pub async fn org(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<NodeDetail>> {
    detail(&s, &ctx, Tree::Org, id).await
}

pub async fn unit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<NodeDetail>> {
    detail(&s, &ctx, Tree::Unit, id).await
}

fn input(b: NodeChange) -> NodeInput {
    NodeInput { kind: b.kind, name: b.name, category: b.category, linked_unit_id: b.linked_unit_id }
}

async fn respond(state: &AppState, ctx: &Ctx, t: Tree, id: i64, change: Change) -> AppResult<Json<NodeDto>> {
    let n = app::apply(state, &ctx.me()?.scope, t, id, change).await?;
    Ok(Json(NodeDto::new(t, &n, 0, ctx.lang)))
}

pub async fn org_update(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<NodeChange>) -> AppResult<Json<NodeDto>> {
    respond(&s, &ctx, Tree::Org, id, Change::Update(input(b))).await
}
pub async fn unit_update(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<NodeChange>) -> AppResult<Json<NodeDto>> {
    respond(&s, &ctx, Tree::Unit, id, Change::Update(input(b))).await
}
pub async fn org_create(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<NodeChange>) -> AppResult<Json<NodeDto>> {
    respond(&s, &ctx, Tree::Org, id, Change::Create(input(b))).await
}
pub async fn unit_create(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<NodeChange>) -> AppResult<Json<NodeDto>> {
    respond(&s, &ctx, Tree::Unit, id, Change::Create(input(b))).await
}
pub async fn org_move(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<MoveRequest>) -> AppResult<Json<NodeDto>> {
    respond(&s, &ctx, Tree::Org, id, Change::Move(b.parent_id)).await
}
pub async fn unit_move(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<MoveRequest>) -> AppResult<Json<NodeDto>> {
    respond(&s, &ctx, Tree::Unit, id, Change::Move(b.parent_id)).await
}
pub async fn org_close(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<DateRequest>) -> AppResult<Json<NodeDto>> {
    let on = date_or_today("date", b.date.as_deref())?;
    respond(&s, &ctx, Tree::Org, id, Change::Close(on)).await
}
pub async fn unit_close(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<DateRequest>) -> AppResult<Json<NodeDto>> {
    let on = date_or_today("date", b.date.as_deref())?;
    respond(&s, &ctx, Tree::Unit, id, Change::Close(on)).await
}

/// Delegations in force within an organization's subtree (visible to the level above).
pub async fn delegations(State(s): State<AppState>, ctx: Ctx, Path(id): Path<OrgId>) -> AppResult<Json<Vec<super::dto::DelegationDto>>> {
    let rows = app::delegations(&s, &ctx.me()?.scope, id).await?;
    Ok(Json(rows.iter().map(super::dto::DelegationDto::new).collect()))
}

pub async fn api_delegate(State(s): State<AppState>, ctx: Ctx, Path(id): Path<OrgId>, Json(b): Json<super::dto::NewDelegation>) -> AppResult<Json<Vec<super::dto::DelegationDto>>> {
    app::delegate(&s, &ctx.me()?.scope, id, AccountId(b.account_id), &b.end_date).await?;
    delegations(State(s), ctx, Path(id)).await
}

pub async fn api_end_delegation(State(s): State<AppState>, ctx: Ctx, Path(id): Path<GrantId>) -> AppResult<axum::http::StatusCode> {
    app::end_delegation(&s, &ctx.me()?.scope, id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
