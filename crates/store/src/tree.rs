//! Both hierarchies, stored the same way: each node keeps its path of ids ("/1/5/23/"), so a
//! subtree is one prefix match. The Party tree (orgs) and the administrative tree (units)
//! share this code; what differs between them (kinds, a branch's category, a committee's
//! linked college) is named here and decided in the domain.

use crate::StoreError;
use crate::audit;
use crate::db::{Conn, Sql};
use pacesetter_domain::Lang;
use pacesetter_domain::org::{BranchCategory, OrgKind};
use pacesetter_domain::scope::{Access, Scope};
use pacesetter_domain::unit::UnitKind;
use pacesetter_domain::validate;
use serde::Serialize;
use std::collections::HashMap;
use time::Date;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tree {
    Org,
    Unit,
}

impl Tree {
    pub fn table(self) -> &'static str {
        match self {
            Tree::Org => "orgs",
            Tree::Unit => "units",
        }
    }

    pub fn memberships(self) -> &'static str {
        match self {
            Tree::Org => "org_memberships",
            Tree::Unit => "unit_memberships",
        }
    }

    pub fn fk(self) -> &'static str {
        match self {
            Tree::Org => "org_id",
            Tree::Unit => "unit_id",
        }
    }

    pub fn entity(self) -> &'static str {
        match self {
            Tree::Org => "org",
            Tree::Unit => "unit",
        }
    }

    fn columns(self) -> &'static str {
        match self {
            Tree::Org => "id, parent_id, kind, name, path, depth, closed_on, category, linked_unit_id",
            Tree::Unit => "id, parent_id, kind, name, path, depth, closed_on, CAST(NULL AS TEXT) AS category, CAST(NULL AS BIGINT) AS linked_unit_id",
        }
    }

    /// The caller's access to a node of this tree.
    pub fn access(self, scope: &Scope, path: &str) -> Option<Access> {
        match self {
            Tree::Org => scope.org_access(path),
            Tree::Unit => scope.unit_access(path),
        }
    }

    /// The label of a kind code in this tree.
    pub fn kind_label(self, kind: &str, lang: Lang) -> String {
        match self {
            Tree::Org => OrgKind::parse(kind).map(|k| k.label(lang)).unwrap_or(kind).to_string(),
            Tree::Unit => UnitKind::parse(kind).map(|k| k.label(lang)).unwrap_or(kind).to_string(),
        }
    }

    /// Whether a node of `kind` may sit under a node of `parent` (None: the root); None when
    /// the kind is not one of this tree's.
    fn placement(self, kind: &str, parent: Option<&str>) -> Option<bool> {
        match self {
            Tree::Org => {
                let k = OrgKind::parse(kind)?;
                let p = parent.and_then(OrgKind::parse);
                Some(k.may_sit_under(p))
            }
            Tree::Unit => {
                let k = UnitKind::parse(kind)?;
                let p = parent.and_then(UnitKind::parse);
                Some(k.may_sit_under(p))
            }
        }
    }

    /// The kinds a child of a node of kind `parent` may have, as codes.
    pub fn child_kinds(self, parent: &str) -> Vec<&'static str> {
        match self {
            Tree::Org => OrgKind::parse(parent).map(|k| k.child_kinds().into_iter().map(OrgKind::code).collect()).unwrap_or_default(),
            Tree::Unit => UnitKind::parse(parent).map(|k| k.child_kinds().into_iter().map(UnitKind::code).collect()).unwrap_or_default(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Node {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub name: String,
    pub path: String,
    pub depth: i64,
    pub closed_on: Option<Date>,
    pub category: Option<String>,
    pub linked_unit_id: Option<i64>,
}

impl Node {
    /// The ids on the way from the root to this node, itself included.
    pub fn path_ids(&self) -> Vec<i64> {
        self.path.split('/').filter_map(|s| s.parse().ok()).collect()
    }
}

/// Every node of a tree, parents before children.
pub async fn all(c: &mut Conn, tree: Tree) -> Result<Vec<Node>, StoreError> {
    Ok(c.fetch_all(Sql::new(format!("SELECT {} FROM {} ORDER BY depth, id", tree.columns(), tree.table()))).await?)
}

pub async fn get(c: &mut Conn, tree: Tree, id: i64) -> Result<Option<Node>, StoreError> {
    Ok(c.fetch_optional(Sql::new(format!("SELECT {} FROM {} WHERE id = $1", tree.columns(), tree.table())).bind(id)).await?)
}

/// The node, or NotFound.
pub async fn require(c: &mut Conn, tree: Tree, id: i64) -> Result<Node, StoreError> {
    get(c, tree, id).await?.ok_or(StoreError::NotFound)
}

/// The node's ancestors, root first, without the node itself.
pub async fn ancestors(c: &mut Conn, tree: Tree, node: &Node) -> Result<Vec<Node>, StoreError> {
    let ids: Vec<i64> = node.path_ids().into_iter().filter(|i| *i != node.id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(format!("SELECT {} FROM {} WHERE id IN (", tree.columns(), tree.table()));
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.push_bind(*id);
    }
    q.push(") ORDER BY depth");
    Ok(c.fetch_all(q).await?)
}

pub async fn children(c: &mut Conn, tree: Tree, id: i64) -> Result<Vec<Node>, StoreError> {
    Ok(c.fetch_all(Sql::new(format!("SELECT {} FROM {} WHERE parent_id = $1 ORDER BY id", tree.columns(), tree.table())).bind(id)).await?)
}

/// Current members directly in each node.
pub async fn member_counts(c: &mut Conn, tree: Tree) -> Result<HashMap<i64, i64>, StoreError> {
    let rows: Vec<(i64, i64)> =
        c.fetch_all(Sql::new(format!("SELECT {fk}, COUNT(*) FROM {m} WHERE end_date IS NULL GROUP BY {fk}", fk = tree.fk(), m = tree.memberships()))).await?;
    Ok(rows.into_iter().collect())
}

/// Current members in a node's whole subtree (distinct people).
/// Whether a person belongs now to this node or to a node below it: the nodes on the path of
/// their own memberships, whose public page they may see.
pub async fn holds_within(c: &mut Conn, tree: Tree, person: i64, node: &Node) -> Result<bool, StoreError> {
    let n = c
        .fetch_i64(
            Sql::new(format!(
                "SELECT COUNT(*) FROM {m} m JOIN {t} n ON n.id = m.{fk} WHERE m.person_id = $1 AND m.end_date IS NULL AND n.path LIKE $2",
                m = tree.memberships(),
                t = tree.table(),
                fk = tree.fk()
            ))
            .bind(person)
            .bind(format!("{}%", node.path)),
        )
        .await?;
    Ok(n > 0)
}

pub async fn subtree_member_count(c: &mut Conn, tree: Tree, node: &Node) -> Result<i64, StoreError> {
    Ok(c.fetch_i64(
        Sql::new(format!(
            "SELECT COUNT(DISTINCT m.person_id) FROM {m} m JOIN {t} n ON n.id = m.{fk} WHERE m.end_date IS NULL AND n.path LIKE $1",
            m = tree.memberships(),
            t = tree.table(),
            fk = tree.fk()
        ))
        .bind(format!("{}%", node.path)),
    )
    .await?)
}

/// What a form or the API gives for a new node or a change to one.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct NodeInput {
    pub kind: Option<String>,
    pub name: Option<String>,
    pub category: Option<String>,
    pub linked_unit_id: Option<i64>,
}

/// Checks the fields that only the Party tree has. Linking a unit to an organization puts the
/// unit's people in the reach of the organization's secretaries, so a new link names a unit
/// the caller may already change (the office, for any unit); `current` is the link in force.
async fn check_org_fields(
    c: &mut Conn,
    scope: &Scope,
    tree: Tree,
    kind: &str,
    input: &NodeInput,
    current: Option<i64>,
    errs: &mut validate::FieldErrors,
) -> Result<(Option<String>, Option<i64>), StoreError> {
    if tree != Tree::Org {
        return Ok((None, None));
    }
    let is_branch = OrgKind::parse(kind).is_some_and(OrgKind::is_branch);
    let category = match input.category.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(_) if !is_branch => {
            errs.add("category", "只有党支部有支部类别", "Only branches have a category");
            None
        }
        Some(s) => match BranchCategory::parse(s) {
            Some(cat) => Some(cat.code().to_string()),
            None => {
                errs.add("category", "支部类别无效", "Unknown branch category");
                None
            }
        },
    };
    let linked = match input.linked_unit_id {
        None => None,
        Some(u) => match get(c, Tree::Unit, u).await? {
            Some(n) if current != Some(u) && Tree::Unit.access(scope, &n.path) != Some(Access::Write) => {
                return Err(StoreError::forbidden(
                    "无权关联该单位：关联后本组织的书记可以管理该单位的人员",
                    "You may not link that unit: linking it would put its people in the reach of this organization's secretaries",
                ));
            }
            Some(n) if matches!(UnitKind::parse(&n.kind), Some(UnitKind::College | UnitKind::Office | UnitKind::DirectUnit)) => Some(u),
            _ => {
                errs.add("linked_unit_id", "关联单位应为学院、机关处室或直属单位", "The linked unit must be a college, an office or a directly attached unit");
                None
            }
        },
    };
    Ok((category, linked))
}

async fn sibling_named(c: &mut Conn, tree: Tree, parent: i64, name: &str, except: i64) -> Result<bool, StoreError> {
    let n = c
        .fetch_i64(
            Sql::new(format!("SELECT COUNT(*) FROM {} WHERE parent_id = $1 AND name = $2 AND id <> $3 AND closed_on IS NULL", tree.table())).bind(parent).bind(name).bind(except),
        )
        .await?;
    Ok(n > 0)
}

fn lock_sql(c: &Conn) -> Option<Sql> {
    // Tree edits take ids as MAX(id)+1; on PostgreSQL they are serialised by a lock of their own
    // (SQLite's write transaction already is).
    c.is_postgres().then(|| Sql::new("SELECT pg_advisory_xact_lock(2012031501)"))
}

/// Creates a child of `parent_id`. The caller needs write access to the parent.
pub async fn create(c: &mut Conn, scope: &Scope, tree: Tree, parent_id: i64, input: &NodeInput) -> Result<Node, StoreError> {
    let parent = require(c, tree, parent_id).await?;
    if tree.access(scope, &parent.path).is_none() {
        return Err(StoreError::NotFound);
    }
    if tree.access(scope, &parent.path) != Some(Access::Write) {
        return Err(StoreError::forbidden("无权在此节点下新建", "You may not add nodes here"));
    }
    if parent.closed_on.is_some() {
        return Err(StoreError::conflict("上级节点已撤销", "The parent node is closed"));
    }
    let mut errs = validate::FieldErrors::new();
    let name = errs.take("name", validate::name(input.name.as_deref().unwrap_or(""), 80));
    let kind = input.kind.clone().unwrap_or_default();
    match tree.placement(&kind, Some(&parent.kind)) {
        None => errs.add("kind", "类别无效", "Unknown kind"),
        Some(false) => errs.add("kind", "该类别不能设在此上级之下", "A node of this kind cannot sit under this parent"),
        Some(true) => {}
    }
    let (category, linked) = check_org_fields(c, scope, tree, &kind, input, None, &mut errs).await?;
    if let Some(n) = &name {
        if sibling_named(c, tree, parent.id, n, 0).await? {
            errs.add("name", "同一上级下已有同名节点", "A node of this name already exists under the same parent");
        }
    }
    let Some(name) = name else { return Err(StoreError::Invalid(errs)) };
    if !errs.is_empty() {
        return Err(StoreError::Invalid(errs));
    }
    if let Some(l) = lock_sql(c) {
        c.execute(l).await?;
    }
    let id = c.fetch_i64(Sql::new(format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {}", tree.table()))).await?;
    let path = format!("{}{id}/", parent.path);
    let mut q = Sql::new(format!(
        "INSERT INTO {} (id, parent_id, kind, name, path, depth, created_ms{}) VALUES ($1, $2, $3, $4, $5, $6, $7{})",
        tree.table(),
        if tree == Tree::Org { ", category, linked_unit_id" } else { "" },
        if tree == Tree::Org { ", $8, $9" } else { "" }
    ))
    .bind(id)
    .bind(parent.id)
    .bind(kind.as_str())
    .bind(name.as_str())
    .bind(path.as_str())
    .bind(parent.depth + 1)
    .bind(pacesetter_domain::dates::now_ms());
    if tree == Tree::Org {
        q = q.bind(category).bind(linked);
    }
    c.execute(q).await?;
    let node = require(c, tree, id).await?;
    audit::append(c, scope, &format!("{}.create", tree.entity()), tree.entity(), id, None, audit::snapshot(&node)).await?;
    // A new organization or unit receives the tasks its kind owes in running campaigns.
    crate::campaign::sync_active(c).await?;
    Ok(node)
}

/// Renames a node or changes its category or linked unit.
pub async fn update(c: &mut Conn, scope: &Scope, tree: Tree, id: i64, input: &NodeInput) -> Result<Node, StoreError> {
    let before = require(c, tree, id).await?;
    match tree.access(scope, &before.path) {
        None => return Err(StoreError::NotFound),
        Some(Access::Read) => return Err(StoreError::forbidden("无权修改此节点", "You may not change this node")),
        Some(Access::Write) => {}
    }
    let mut errs = validate::FieldErrors::new();
    let name = match &input.name {
        Some(n) => errs.take("name", validate::name(n, 80)),
        None => Some(before.name.clone()),
    };
    let merged = NodeInput {
        kind: None,
        name: None,
        category: if input.category.is_some() { input.category.clone() } else { before.category.clone() },
        linked_unit_id: if input.linked_unit_id.is_some() { input.linked_unit_id } else { before.linked_unit_id },
    };
    let (category, linked) = check_org_fields(c, scope, tree, &before.kind, &merged, before.linked_unit_id, &mut errs).await?;
    if let (Some(n), Some(p)) = (&name, before.parent_id) {
        if sibling_named(c, tree, p, n, id).await? {
            errs.add("name", "同一上级下已有同名节点", "A node of this name already exists under the same parent");
        }
    }
    let Some(name) = name else { return Err(StoreError::Invalid(errs)) };
    if !errs.is_empty() {
        return Err(StoreError::Invalid(errs));
    }
    let q = match tree {
        Tree::Org => Sql::new("UPDATE orgs SET name = $1, category = $2, linked_unit_id = $3 WHERE id = $4").bind(name.as_str()).bind(category).bind(linked).bind(id),
        Tree::Unit => Sql::new("UPDATE units SET name = $1 WHERE id = $2").bind(name.as_str()).bind(id),
    };
    c.execute(q).await?;
    let after = require(c, tree, id).await?;
    if after != before {
        audit::append(c, scope, &format!("{}.update", tree.entity()), tree.entity(), id, audit::snapshot(&before), audit::snapshot(&after)).await?;
    }
    Ok(after)
}

/// Moves a node, with its subtree, under another parent. The caller needs write access to the
/// node and to the new parent; no one moves the root, nor a node under its own subtree.
pub async fn move_to(c: &mut Conn, scope: &Scope, tree: Tree, id: i64, new_parent_id: i64) -> Result<Node, StoreError> {
    let node = require(c, tree, id).await?;
    let Some(old_parent) = node.parent_id else {
        return Err(StoreError::forbidden("根节点不能移动", "The root cannot be moved"));
    };
    let parent = require(c, tree, new_parent_id).await?;
    if tree.access(scope, &node.path).is_none() {
        return Err(StoreError::NotFound);
    }
    let old_parent_node = require(c, tree, old_parent).await?;
    if tree.access(scope, &old_parent_node.path) != Some(Access::Write) || tree.access(scope, &parent.path) != Some(Access::Write) {
        return Err(StoreError::forbidden("移动需要对原上级和新上级都有管理权限", "Moving needs rights over both the old and the new parent"));
    }
    if parent.path.starts_with(&node.path) {
        return Err(StoreError::invalid("parent_id", "不能移到自己的下级之下", "A node cannot move under its own subtree"));
    }
    if tree.placement(&node.kind, Some(&parent.kind)) != Some(true) {
        return Err(StoreError::invalid("parent_id", "该类别不能设在此上级之下", "A node of this kind cannot sit under this parent"));
    }
    if parent.closed_on.is_some() {
        return Err(StoreError::conflict("新上级已撤销", "The new parent is closed"));
    }
    if old_parent == new_parent_id {
        return Ok(node);
    }
    let new_path = format!("{}{}/", parent.path, node.id);
    let delta = parent.depth + 1 - node.depth;
    c.execute(
        Sql::new(format!("UPDATE {} SET path = $1 || substr(path, CAST($2 AS INTEGER)), depth = depth + $3 WHERE path LIKE $4", tree.table()))
            .bind(new_path.as_str())
            .bind(node.path.chars().count() as i64 + 1)
            .bind(delta)
            .bind(format!("{}%", node.path)),
    )
    .await?;
    c.execute(Sql::new(format!("UPDATE {} SET parent_id = $1 WHERE id = $2", tree.table())).bind(new_parent_id).bind(id)).await?;
    let after = require(c, tree, id).await?;
    audit::append(c, scope, &format!("{}.move", tree.entity()), tree.entity(), id, audit::snapshot(&node), audit::snapshot(&after)).await?;
    Ok(after)
}

/// Closes a node (撤销): it stays, with its history, but takes no new members. Refused while
/// people or open children remain in it.
pub async fn close(c: &mut Conn, scope: &Scope, tree: Tree, id: i64, on: Date) -> Result<Node, StoreError> {
    let node = require(c, tree, id).await?;
    match tree.access(scope, &node.path) {
        None => return Err(StoreError::NotFound),
        Some(Access::Read) => return Err(StoreError::forbidden("无权撤销此节点", "You may not close this node")),
        Some(Access::Write) => {}
    }
    let Some(parent_id) = node.parent_id else {
        return Err(StoreError::forbidden("根节点不能撤销", "The root cannot be closed"));
    };
    let parent = require(c, tree, parent_id).await?;
    if tree.access(scope, &parent.path) != Some(Access::Write) {
        return Err(StoreError::forbidden("撤销需要对上级有管理权限", "Closing needs rights over the parent"));
    }
    if node.closed_on.is_some() {
        return Err(StoreError::conflict("该节点已撤销", "The node is already closed"));
    }
    let open_children = c.fetch_i64(Sql::new(format!("SELECT COUNT(*) FROM {} WHERE parent_id = $1 AND closed_on IS NULL", tree.table())).bind(id)).await?;
    let members = subtree_member_count(c, tree, &node).await?;
    if open_children > 0 || members > 0 {
        return Err(StoreError::conflict(
            format!("仍有{open_children}个下级和{members}名成员，请先转出或撤销"),
            format!("{open_children} open children and {members} members remain; move or close them first"),
        ));
    }
    let n = c.execute(Sql::new(format!("UPDATE {} SET closed_on = $1 WHERE id = $2 AND closed_on IS NULL", tree.table())).bind(on).bind(id)).await?;
    StoreError::unless_changed(n, "该节点已撤销", "The node is already closed")?;
    let after = require(c, tree, id).await?;
    audit::append(c, scope, &format!("{}.close", tree.entity()), tree.entity(), id, audit::snapshot(&node), audit::snapshot(&after)).await?;
    Ok(after)
}

/// Distinct current members in each node's whole subtree, for every node at once.
pub async fn subtree_counts(c: &mut Conn, tree: Tree) -> Result<HashMap<i64, i64>, StoreError> {
    let rows: Vec<(i64, String)> = c
        .fetch_all(Sql::new(format!(
            "SELECT m.person_id, n.path FROM {m} m JOIN {t} n ON n.id = m.{fk} WHERE m.end_date IS NULL",
            m = tree.memberships(),
            t = tree.table(),
            fk = tree.fk()
        )))
        .await?;
    let mut sets: HashMap<i64, std::collections::HashSet<i64>> = HashMap::new();
    for (person, path) in rows {
        for id in path.split('/').filter_map(|s| s.parse::<i64>().ok()) {
            sets.entry(id).or_default().insert(person);
        }
    }
    Ok(sets.into_iter().map(|(k, v)| (k, v.len() as i64)).collect())
}
