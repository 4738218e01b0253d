//! Both trees: the whole tree (names are public to anyone logged in), and a node's page with
//! its people and, for those allowed, its editing forms.

use super::{FormState, Layout, render, render_status, see_other};
use crate::app::tree::{self as app, Change};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::input::{self, Fields, date_or_today, values_of};
use crate::labels::category_label;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use pacesetter_domain::ids::{AccountId, GrantId, OrgId};
use pacesetter_domain::org::BranchCategory;
use pacesetter_domain::scope::Access;
use pacesetter_store::people::PersonListRow;
use pacesetter_store::relation::RelationRow;
use pacesetter_store::tree::{Node, NodeInput, Tree};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One line of the rendered tree: an opening, a leaf, or a closing of a branch of the list.
pub struct TreeItem {
    pub kind: &'static str,
    pub id: i64,
    pub name: String,
    pub kind_label: String,
    pub members: i64,
    pub linked: bool,
    pub open: bool,
    pub closed: bool,
}

#[derive(Template)]
#[template(path = "tree.html")]
struct TreePage {
    l: Layout,
    base: &'static str,
    items: Vec<TreeItem>,
    other_href: &'static str,
    other_label: String,
}

fn flatten(t: Tree, nodes: &[Node], counts: &HashMap<i64, i64>, can_open: &dyn Fn(&Node) -> bool, hide: &dyn Fn(&Node) -> bool, lang: pacesetter_domain::Lang) -> Vec<TreeItem> {
    let mut children: HashMap<Option<i64>, Vec<&Node>> = HashMap::new();
    for n in nodes.iter().filter(|n| !hide(n)) {
        children.entry(n.parent_id).or_default().push(n);
    }
    let mut out = Vec::new();
    fn walk(
        t: Tree,
        id: Option<i64>,
        children: &HashMap<Option<i64>, Vec<&Node>>,
        counts: &HashMap<i64, i64>,
        can_open: &dyn Fn(&Node) -> bool,
        lang: pacesetter_domain::Lang,
        out: &mut Vec<TreeItem>,
    ) {
        for n in children.get(&id).map(Vec::as_slice).unwrap_or(&[]) {
            let has_children = children.get(&Some(n.id)).is_some_and(|v| !v.is_empty());
            let item = |kind| TreeItem {
                kind,
                id: n.id,
                name: n.name.clone(),
                kind_label: t.kind_label(&n.kind, lang),
                members: counts.get(&n.id).copied().unwrap_or(0),
                linked: can_open(n),
                open: n.depth == 0,
                closed: n.closed_on.is_some(),
            };
            if has_children {
                out.push(item("open"));
                walk(t, Some(n.id), children, counts, can_open, lang, out);
                out.push(item("close"));
            } else {
                out.push(item("leaf"));
            }
        }
    }
    walk(t, None, &children, counts, can_open, lang, &mut out);
    out
}

async fn index(state: &AppState, ctx: &Ctx, t: Tree) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let (nodes, counts) = app::overview(state, t).await?;
    // Party groups are shown on their branch's page, not in the overview.
    let hide = |n: &Node| t == Tree::Org && n.kind == "group";
    let can_open = |n: &Node| t.access(scope, &n.path).is_some();
    let items = flatten(t, &nodes, &counts, &can_open, &hide, ctx.lang);
    let (title, base, other_href, other_label) = match t {
        Tree::Org => (ctx.t("党组织体系", "The Party tree"), "/orgs", "/units", ctx.t("查看行政单位体系", "See the administrative tree").to_string()),
        Tree::Unit => (ctx.t("行政单位体系", "The administrative tree"), "/units", "/orgs", ctx.t("查看党组织体系", "See the Party tree").to_string()),
    };
    Ok(render(&TreePage { l: Layout::new(ctx, title), base, items, other_href, other_label }))
}

pub async fn orgs_index(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    index(&s, &ctx, Tree::Org).await
}

pub async fn units_index(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    index(&s, &ctx, Tree::Unit).await
}

pub struct ChildLine {
    pub id: i64,
    pub name: String,
    pub kind_label: String,
    pub members: i64,
    pub closed: bool,
}

#[derive(Template)]
#[template(path = "node.html")]
struct NodePage {
    l: Layout,
    base: &'static str,
    node: Node,
    kind_label: String,
    category: String,
    linked_unit: Option<(i64, String)>,
    ancestors: Vec<Node>,
    children: Vec<ChildLine>,
    members: Vec<PersonListRow>,
    members_total: i64,
    relations: Vec<RelationRow>,
    can_edit: bool,
    /// Only the public page: the caller belongs here but does not manage it.
    public: bool,
    child_kinds: Vec<(&'static str, String)>,
    categories: Vec<(&'static str, String)>,
    move_targets: Vec<(i64, String)>,
    f: FormState,
    is_org: bool,
    is_branch: bool,
    delegations: Vec<pacesetter_store::account::DelegationRow>,
    delegates: Vec<(i64, String, String)>,
}

async fn page(state: &AppState, ctx: &Ctx, t: Tree, id: i64, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let lang = ctx.lang;
    let v = app::node_view(state, scope, t, id).await?;
    let (l, counts) = (v.loaded, v.subtree_counts);
    let can_edit = l.access == Access::Write;
    let is_org = t == Tree::Org;
    let is_branch = is_org && pacesetter_domain::org::OrgKind::parse(&l.node.kind).is_some_and(|k| k.is_branch());
    let child_kinds = t.child_kinds(&l.node.kind).into_iter().map(|k| (k, t.kind_label(k, lang))).collect();
    let categories = BranchCategory::ALL.iter().map(|c| (c.code(), c.label(lang).to_string())).collect();
    let mut f = f;
    if !f.values.contains_key("name") {
        f.set("name", l.node.name.clone());
        f.set("category", l.node.category.clone().unwrap_or_default());
    }
    let children = l
        .children
        .iter()
        .map(|n| ChildLine {
            id: n.id,
            name: n.name.clone(),
            kind_label: t.kind_label(&n.kind, lang),
            members: counts.get(&n.id).copied().unwrap_or(0),
            closed: n.closed_on.is_some(),
        })
        .collect();
    let page = NodePage {
        l: Layout::new(ctx, &l.node.name),
        base: if is_org { "/orgs" } else { "/units" },
        kind_label: t.kind_label(&l.node.kind, lang),
        category: category_label(l.node.category.as_deref(), lang),
        linked_unit: v.linked_unit,
        ancestors: l.ancestors,
        children,
        members: v.members,
        members_total: v.members_total,
        relations: v.relations,
        can_edit,
        public: l.public,
        child_kinds,
        categories,
        move_targets: v.move_targets,
        f,
        is_org,
        is_branch,
        delegations: v.delegations,
        delegates: v.delegates,
        node: l.node,
    };
    Ok(render_status(status, &page))
}

pub async fn org_page(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    page(&s, &ctx, Tree::Org, id, FormState::new(ctx.lang), StatusCode::OK).await
}

pub async fn unit_page(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    page(&s, &ctx, Tree::Unit, id, FormState::new(ctx.lang), StatusCode::OK).await
}

/// Runs a change from a form; on invalid input the page comes back with the errors.
async fn change(state: &AppState, ctx: &Ctx, t: Tree, id: i64, values: HashMap<String, String>, ch: AppResult<Change>, done: &str) -> AppResult<Response> {
    let result = match ch {
        Ok(ch) => app::apply(state, &ctx.me()?.scope, t, id, ch).await,
        Err(e) => Err(e),
    };
    let base = if t == Tree::Org { "/orgs" } else { "/units" };
    match result {
        Ok(n) => Ok(see_other(&format!("{base}/{}?done={done}", if done == "created" { n.id } else { id }))),
        Err(e) if e.fields.is_some() || e.status == StatusCode::CONFLICT => {
            let mut errs = e.fields.clone().unwrap_or_default();
            if errs.is_empty() {
                errs.0.push(pacesetter_domain::validate::FieldError { field: "_".into(), message: e.message.clone() });
            }
            page(state, ctx, t, id, FormState::with(ctx.lang, values, errs), e.status).await
        }
        Err(e) => Err(e),
    }
}

/// A node's new name and category.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct NodeForm {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// A new child of a node: its kind, name and category.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ChildForm {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child_category: Option<String>,
}

/// A node's new parent.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct MoveForm {
    #[serde(default, deserialize_with = "input::opt_id", skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<i64>,
}

/// Closing a node: the confirmation tick and the date.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct CloseForm {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_date: Option<String>,
}

macro_rules! node_handlers {
    ($tree:expr, $update:ident, $create:ident, $mv:ident, $close:ident) => {
        pub async fn $update(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<NodeForm>) -> AppResult<Response> {
            let input = NodeInput { kind: None, name: form.name.clone(), category: form.category.clone(), linked_unit_id: None };
            change(&s, &ctx, $tree, id, values_of(&form), Ok(Change::Update(input)), "saved").await
        }
        pub async fn $create(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<ChildForm>) -> AppResult<Response> {
            let input = NodeInput { kind: input::text(&form.kind).map(str::to_string), name: form.child_name.clone(), category: form.child_category.clone(), linked_unit_id: None };
            change(&s, &ctx, $tree, id, values_of(&form), Ok(Change::Create(input)), "created").await
        }
        pub async fn $mv(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<MoveForm>) -> AppResult<Response> {
            let target = form.parent_id.ok_or_else(|| {
                let mut e = pacesetter_domain::validate::FieldErrors::new();
                e.add("parent_id", "请选择新的上级", "Choose the new parent");
                AppError::invalid(e)
            });
            let ch = target.map(Change::Move);
            change(&s, &ctx, $tree, id, values_of(&form), ch, "moved").await
        }
        pub async fn $close(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<CloseForm>) -> AppResult<Response> {
            let ch = confirmed(&form.confirm).and_then(|_| date_or_today("close_date", input::text(&form.close_date))).map(Change::Close);
            change(&s, &ctx, $tree, id, values_of(&form), ch, "closed").await
        }
    };
}

fn confirmed(confirm: &Option<String>) -> AppResult<()> {
    if input::text(confirm).is_some() {
        Ok(())
    } else {
        let mut e = pacesetter_domain::validate::FieldErrors::new();
        e.add("confirm", "请勾选确认框", "Tick the box to confirm");
        Err(AppError::invalid(e))
    }
}

node_handlers!(Tree::Org, org_update, org_create_child, org_move, org_close);
node_handlers!(Tree::Unit, unit_update, unit_create_child, unit_move, unit_close);

/// A delegation of a branch's work to an account, until a date.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct DelegateForm {
    #[serde(default, deserialize_with = "input::opt_id", skip_serializing_if = "Option::is_none")]
    pub account_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
}

pub async fn org_delegate(State(s): State<AppState>, ctx: Ctx, Path(id): Path<OrgId>, Fields(form): Fields<DelegateForm>) -> AppResult<Response> {
    let r = app::delegate(&s, &ctx.me()?.scope, id, AccountId(form.account_id.unwrap_or(0)), input::text(&form.end_date).unwrap_or("")).await;
    match r {
        Ok(()) => Ok(see_other(&format!("/orgs/{id}?done=granted"))),
        Err(e) if e.fields.is_some() || e.status == StatusCode::CONFLICT => {
            let mut errs = e.fields.clone().unwrap_or_default();
            if errs.is_empty() {
                errs.0.push(pacesetter_domain::validate::FieldError { field: "_".into(), message: e.message.clone() });
            }
            page(&s, &ctx, Tree::Org, id.0, FormState::with(ctx.lang, values_of(&form), errs), e.status).await
        }
        Err(e) => Err(e),
    }
}

/// Ends a delegation, from the page of its organization (`org_id`, where to go back to).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DelegationEndForm {
    #[serde(default, deserialize_with = "input::opt_id")]
    pub org_id: Option<OrgId>,
}

pub async fn delegation_end(State(s): State<AppState>, ctx: Ctx, Path(gid): Path<GrantId>, Fields(form): Fields<DelegationEndForm>) -> AppResult<Response> {
    app::end_delegation(&s, &ctx.me()?.scope, gid).await?;
    let back = form.org_id.map(|o| format!("/orgs/{o}?done=ended")).unwrap_or_else(|| "/home".into());
    Ok(see_other(&back))
}
