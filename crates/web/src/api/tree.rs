//! Both trees over the API. The tree's shape (names and kinds) is public to anyone logged in;
//! a node's page, its people and every change are scoped.

use super::date_or_today;
use super::dto::{DateRequest, MoveRequest, NodeChange, NodeDetail, NodeDto};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use pacesetter_domain::scope::Access;
use pacesetter_store::StoreError;
use pacesetter_store::tree::{self, Node, NodeInput, Tree};
use std::collections::HashMap;

/// A node with what its page shows, loaded only if it is in the caller's scope.
pub struct Loaded {
    pub node: Node,
    pub access: Access,
    pub ancestors: Vec<Node>,
    pub children: Vec<Node>,
    pub counts: HashMap<i64, i64>,
    pub members_in_subtree: i64,
}

pub async fn load(state: &AppState, ctx: &Ctx, t: Tree, id: i64) -> AppResult<Loaded> {
    let scope = &ctx.me()?.scope;
    let mut c = state.store.read().await?;
    let node = tree::require(&mut c, t, id).await?;
    let access = t.access(scope, &node.path).ok_or_else(AppError::not_found)?;
    let ancestors = tree::ancestors(&mut c, t, &node).await?;
    let children = tree::children(&mut c, t, id).await?;
    let counts = tree::member_counts(&mut c, t).await?;
    let members_in_subtree = tree::subtree_member_count(&mut c, t, &node).await?;
    Ok(Loaded { node, access, ancestors, children, counts, members_in_subtree })
}

async fn all(state: &AppState, ctx: &Ctx, t: Tree) -> AppResult<Json<Vec<NodeDto>>> {
    let mut c = state.store.read().await?;
    let counts = tree::member_counts(&mut c, t).await?;
    let nodes = tree::all(&mut c, t).await?;
    Ok(Json(nodes.iter().map(|n| NodeDto::new(t, n, counts.get(&n.id).copied().unwrap_or(0), ctx.lang)).collect()))
}

pub async fn orgs(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<NodeDto>>> {
    all(&s, &ctx, Tree::Org).await
}

pub async fn units(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<NodeDto>>> {
    all(&s, &ctx, Tree::Unit).await
}

async fn detail(state: &AppState, ctx: &Ctx, t: Tree, id: i64) -> AppResult<Json<NodeDetail>> {
    let l = load(state, ctx, t, id).await?;
    let count = |n: &Node| l.counts.get(&n.id).copied().unwrap_or(0);
    Ok(Json(NodeDetail {
        node: NodeDto::new(t, &l.node, count(&l.node), ctx.lang),
        ancestors: l.ancestors.iter().map(|n| NodeDto::new(t, n, count(n), ctx.lang)).collect(),
        children: l.children.iter().map(|n| NodeDto::new(t, n, count(n), ctx.lang)).collect(),
        access: if l.access == Access::Write { "write".into() } else { "read".into() },
        members_in_subtree: l.members_in_subtree,
    }))
}

pub async fn org(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<NodeDetail>> {
    detail(&s, &ctx, Tree::Org, id).await
}

pub async fn unit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<NodeDetail>> {
    detail(&s, &ctx, Tree::Unit, id).await
}

/// The kinds of change to a node, shared by the pages and the API.
pub enum Change {
    Update(NodeInput),
    Create(NodeInput),
    Move(i64),
    Close(time::Date),
}

/// Applies a change in one transaction; returns the node changed or created.
pub async fn apply(state: &AppState, ctx: &Ctx, t: Tree, id: i64, change: Change) -> AppResult<Node> {
    let scope = &ctx.me()?.scope;
    let mut w = state.store.write().await?;
    let node = match change {
        Change::Update(input) => tree::update(&mut w, scope, t, id, &input).await?,
        Change::Create(input) => tree::create(&mut w, scope, t, id, &input).await?,
        Change::Move(parent) => tree::move_to(&mut w, scope, t, id, parent).await?,
        Change::Close(on) => tree::close(&mut w, scope, t, id, on).await?,
    };
    w.commit().await.map_err(StoreError::from)?;
    Ok(node)
}

fn input(b: NodeChange) -> NodeInput {
    NodeInput { kind: b.kind, name: b.name, category: b.category, linked_unit_id: b.linked_unit_id }
}

async fn respond(state: &AppState, ctx: &Ctx, t: Tree, id: i64, change: Change) -> AppResult<Json<NodeDto>> {
    let n = apply(state, ctx, t, id, change).await?;
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
pub async fn delegations(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<Vec<super::dto::DelegationDto>>> {
    let l = load(&s, &ctx, Tree::Org, id).await?;
    let mut c = s.store.read().await?;
    let rows = pacesetter_store::account::delegations_within(&mut c, &l.node.path, pacesetter_domain::dates::today()).await?;
    Ok(Json(rows.iter().map(super::dto::DelegationDto::new).collect()))
}

/// A secretary delegates rights within the organization; shared with the page.
pub async fn delegate(state: &AppState, ctx: &Ctx, org: i64, account: i64, end: &str) -> AppResult<()> {
    let scope = &ctx.me()?.scope;
    let end = date_or_today("end_date", Some(end).filter(|e| !e.trim().is_empty()).or(Some("-")))?;
    let mut w = state.store.write().await?;
    pacesetter_store::account::delegate(&mut w, scope, pacesetter_domain::ids::AccountId(account), org, end, pacesetter_domain::dates::today()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

pub async fn end_delegation(state: &AppState, ctx: &Ctx, grant: i64) -> AppResult<()> {
    let scope = &ctx.me()?.scope;
    let mut w = state.store.write().await?;
    pacesetter_store::account::end_delegation(&mut w, scope, pacesetter_domain::ids::GrantId(grant), pacesetter_domain::dates::today()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

pub async fn api_delegate(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<super::dto::NewDelegation>) -> AppResult<Json<Vec<super::dto::DelegationDto>>> {
    delegate(&s, &ctx, id, b.account_id, &b.end_date).await?;
    delegations(State(s), ctx, Path(id)).await
}

pub async fn api_end_delegation(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<axum::http::StatusCode> {
    end_delegation(&s, &ctx, id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
