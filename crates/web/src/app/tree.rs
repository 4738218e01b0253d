//! Both trees: a node with what its page shows (in the caller's scope), the changes to nodes, and
//! delegations within an organization.

use crate::error::{AppError, AppResult};
use crate::input::date_or_today;
use crate::state::AppState;
use pacesetter_domain::dates::today;
use pacesetter_domain::ids::{AccountId, GrantId, OrgId};
use pacesetter_domain::role::Role;
use pacesetter_domain::scope::{Access, Reach, Scope};
use pacesetter_store::account::{self, DelegationRow};
use pacesetter_store::people::{self, PeopleFilter, PersonListRow};
use pacesetter_store::relation::{self, RelationRow};
use pacesetter_store::tree::{self, Node, NodeInput, Tree};
use pacesetter_store::{Conn, StoreError};
use std::collections::HashMap;

/// A node with what its page shows, loaded only if it is in the caller's scope.
pub struct Loaded {
    pub node: Node,
    pub access: Access,
    /// Out of the caller's scope but on the path of their own memberships (their class, Party
    /// group, department and the levels above): only the public page, the shape of the tree and
    /// its head-counts, as the tree's overview shows to anyone logged in.
    pub public: bool,
    pub ancestors: Vec<Node>,
    pub children: Vec<Node>,
    pub counts: HashMap<i64, i64>,
    pub members_in_subtree: i64,
}

pub async fn load(state: &AppState, scope: &Scope, t: Tree, id: i64) -> AppResult<Loaded> {
    let mut c = state.store.read().await?;
    let node = tree::require(&mut c, t, id).await?;
    let (access, public) = match t.access(scope, &node.path) {
        Some(a) => (a, false),
        // Above a node the caller reaches (the breadcrumb of their own pages), or on the path of
        // their own memberships.
        None if above_a_reach(scope, t, &node.path) => (Access::Read, true),
        None => match scope.person {
            Some(p) if tree::holds_within(&mut c, t, p.0, &node).await? => (Access::Read, true),
            _ => return Err(AppError::not_found()),
        },
    };
    let ancestors = tree::ancestors(&mut c, t, &node).await?;
    let children = tree::children(&mut c, t, id).await?;
    let counts = tree::member_counts(&mut c, t).await?;
    let members_in_subtree = tree::subtree_member_count(&mut c, t, &node).await?;
    Ok(Loaded { node, access, public, ancestors, children, counts, members_in_subtree })
}

/// Whether a node (by its path) lies above a subtree the scope reaches in this tree.
fn above_a_reach(scope: &Scope, t: Tree, path: &str) -> bool {
    scope.reaches.iter().any(|(r, _)| match (r, t) {
        (Reach::Org(p), Tree::Org) | (Reach::Unit(p), Tree::Unit) => p.starts_with(path),
        _ => false,
    })
}

/// Every node of a tree with its members' count: the shape is public to anyone logged in.
pub async fn all(state: &AppState, t: Tree) -> AppResult<(Vec<Node>, HashMap<i64, i64>)> {
    let mut c = state.store.read().await?;
    let counts = tree::member_counts(&mut c, t).await?;
    let nodes = tree::all(&mut c, t).await?;
    Ok((nodes, counts))
}

/// How a node is named in a form's choice: its path below the root, "计算机与通信工程学院党委 /
/// 本科生2008级党支部", so that twenty 本科生2008级党支部 can be told apart (the root by its
/// own name).
pub fn full_label(nodes: &HashMap<i64, &Node>, n: &Node) -> String {
    let ids = n.path_ids();
    let names: Vec<&str> = ids.iter().skip(usize::from(ids.len() > 1)).filter_map(|id| nodes.get(id).map(|x| x.name.as_str())).collect();
    if names.is_empty() { n.name.clone() } else { names.join(" / ") }
}

/// Choices of nodes for a form, each named by its full path, in tree order.
pub fn choices(nodes: &[Node], keep: impl Fn(&Node) -> bool) -> Vec<(i64, String)> {
    let by_id: HashMap<i64, &Node> = nodes.iter().map(|n| (n.id, n)).collect();
    let mut out: Vec<(Vec<String>, i64, String)> = nodes
        .iter()
        .filter(|n| keep(n))
        .map(|n| {
            let key = n.path_ids().iter().filter_map(|id| by_id.get(id).map(|x| x.name.clone())).collect();
            (key, n.id, full_label(&by_id, n))
        })
        .collect();
    out.sort();
    out.into_iter().map(|(_, id, label)| (id, label)).collect()
}

/// The open nodes of a tree that `keep` keeps, as choices named by their full paths.
pub async fn open_choices(state: &AppState, t: Tree, keep: impl Fn(&Node) -> bool) -> AppResult<Vec<(i64, String)>> {
    let mut c = state.store.read().await?;
    let nodes = tree::all(&mut c, t).await?;
    Ok(choices(&nodes, |n| n.closed_on.is_none() && keep(n)))
}

/// A list of (id, name) of one tree as choices named by their full paths, in tree order (the
/// lists the store gives by name alone).
pub async fn with_full_paths(c: &mut Conn, t: Tree, items: Vec<(i64, String)>) -> AppResult<Vec<(i64, String)>> {
    if items.is_empty() {
        return Ok(items);
    }
    let nodes = tree::all(c, t).await?;
    let wanted: std::collections::HashSet<i64> = items.iter().map(|(id, _)| *id).collect();
    Ok(choices(&nodes, |n| wanted.contains(&n.id)))
}

/// The kinds of change to a node.
pub enum Change {
    Update(NodeInput),
    Create(NodeInput),
    Move(i64),
    Close(time::Date),
}

/// Applies a change in one transaction; returns the node changed or created.
pub async fn apply(state: &AppState, scope: &Scope, t: Tree, id: i64, change: Change) -> AppResult<Node> {
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

/// Delegations in force within an organization's subtree (visible to the level above).
pub async fn delegations(state: &AppState, scope: &Scope, org: OrgId) -> AppResult<Vec<DelegationRow>> {
    let l = load(state, scope, Tree::Org, org.0).await?;
    if l.public {
        return Err(AppError::not_found());
    }
    let mut c = state.store.read().await?;
    Ok(account::delegations_within(&mut c, &l.node.path, today()).await?)
}

/// A secretary delegates rights within the organization until a date.
pub async fn delegate(state: &AppState, scope: &Scope, org: OrgId, account: AccountId, end: &str) -> AppResult<()> {
    let end = date_or_today("end_date", Some(end).filter(|e| !e.trim().is_empty()).or(Some("-")))?;
    let mut w = state.store.write().await?;
    account::delegate(&mut w, scope, account, org.0, end, today()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

pub async fn end_delegation(state: &AppState, scope: &Scope, grant: GrantId) -> AppResult<()> {
    let mut w = state.store.write().await?;
    account::end_delegation(&mut w, scope, grant, today()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Every node of a tree with its subtree's member counts, for the overview.
pub async fn overview(state: &AppState, t: Tree) -> AppResult<(Vec<Node>, HashMap<i64, i64>)> {
    let mut c = state.store.read().await?;
    let nodes = tree::all(&mut c, t).await?;
    let counts = tree::subtree_counts(&mut c, t).await?;
    Ok((nodes, counts))
}

/// What a node's page shows: the node (in the caller's scope), its first members, its relation
/// records, the linked unit, where it may move, and the delegations within it.
pub struct NodeView {
    pub loaded: Loaded,
    pub subtree_counts: HashMap<i64, i64>,
    pub members: Vec<PersonListRow>,
    pub members_total: i64,
    pub relations: Vec<RelationRow>,
    pub linked_unit: Option<(i64, String)>,
    pub move_targets: Vec<(i64, String)>,
    pub delegations: Vec<DelegationRow>,
    /// Members' accounts a secretary may delegate to: (account, user name, name).
    pub delegates: Vec<(i64, String, String)>,
}

pub async fn node_view(state: &AppState, scope: &Scope, t: Tree, id: i64) -> AppResult<NodeView> {
    let l = load(state, scope, t, id).await?;
    let mut c = state.store.read().await?;
    let subtree_counts = tree::subtree_counts(&mut c, t).await?;
    let filter = match t {
        Tree::Org => PeopleFilter { org_id: Some(id), ..Default::default() },
        Tree::Unit => PeopleFilter { unit_id: Some(id), ..Default::default() },
    };
    // The public page lists no members: the head-count only, as the tree's overview gives it (the
    // posts held here, such as the contact person or the linked cadre, stay named).
    let (members, members_total) = if l.public { (Vec::new(), l.members_in_subtree) } else { people::list(&mut c, scope, &filter, 0, 50).await? };
    let relations = relation::at_node(&mut c, t, id).await?;
    let linked_unit = match l.node.linked_unit_id {
        Some(u) => tree::get(&mut c, Tree::Unit, u).await?.map(|n| (n.id, n.name)),
        None => None,
    };
    let can_edit = l.access == Access::Write;
    let move_targets = if can_edit && l.node.parent_id.is_some() {
        let kind = l.node.kind.clone();
        let targets = tree::all(&mut c, t)
            .await?
            .into_iter()
            .filter(|n| n.closed_on.is_none() && !n.path.starts_with(&l.node.path) && Some(n.id) != l.node.parent_id)
            .filter(|n| t.child_kinds(&n.kind).contains(&kind.as_str()) && t.access(scope, &n.path) == Some(Access::Write))
            .map(|n| (n.id, n.name))
            .collect();
        with_full_paths(&mut c, t, targets).await?
    } else {
        Vec::new()
    };
    let (delegations, delegates) = if t == Tree::Org && !l.public {
        let d = account::delegations_within(&mut c, &l.node.path, today()).await?;
        let holds = scope.has_any(&[Role::OrgSecretary, Role::BranchSecretary, Role::Office, Role::Admin]);
        let candidates = if can_edit && holds { account::member_accounts(&mut c, &l.node.path).await? } else { Vec::new() };
        (d, candidates)
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(NodeView { loaded: l, subtree_counts, members, members_total, relations, linked_unit, move_targets, delegations, delegates })
}
