//! A campaign's dashboard: completion, late and overdue, rolled up the tree within the caller's
//! scope, by work item and by the level below.

use crate::error::AppResult;
use crate::state::AppState;
use pacesetter_domain::Lang;
use pacesetter_domain::dates::today;
use pacesetter_domain::scope::{Reach, Scope};
use pacesetter_store::campaign::{self, TemplateRow};
use pacesetter_store::dashboard::{self, Facts, Rollup};
use pacesetter_store::tree::{self, Tree};

/// One row of the dashboard: a node (or the whole level) with its counts and their links.
pub struct DashRow {
    pub name: String,
    pub href: Option<String>,
    pub facts: Facts,
    /// The query that selects the tasks behind this row (without the flag or state).
    pub query: String,
}

impl DashRow {
    pub fn pct(&self) -> String {
        format!("{:.0}%", self.facts.completion())
    }
}

/// The dashboard's data, shared by the page, the export and the API.
pub struct Dashboard {
    pub tree: Tree,
    pub node: Option<tree::Node>,
    pub crumbs: Vec<(String, String)>,
    pub total: DashRow,
    pub by_item: Vec<DashRow>,
    pub by_child: Vec<DashRow>,
}

/// The node a caller starts at: the top of their reach in the tree, or the tree's root.
fn start_node(scope: &Scope, tree: Tree, nodes: &[tree::Node]) -> Option<i64> {
    if scope.global().is_some() {
        return nodes.iter().find(|n| n.parent_id.is_none()).map(|n| n.id);
    }
    scope
        .reaches
        .iter()
        .filter_map(|(r, _)| match (r, tree) {
            (Reach::Org(p), Tree::Org) | (Reach::Unit(p), Tree::Unit) => Some(p.clone()),
            _ => None,
        })
        .min_by_key(|p| p.len())
        .and_then(|p| p.trim_end_matches('/').rsplit('/').next().and_then(|x| x.parse().ok()))
}

pub async fn build(s: &AppState, scope: &Scope, campaign_id: i64, tree_kind: Tree, node: Option<i64>, lang: Lang) -> AppResult<Dashboard> {
    let mut c = s.store.read().await?;
    let row = campaign::get(&mut c, campaign_id).await?;
    let rollup: Rollup = dashboard::rollup(&mut c, scope, campaign_id, today()).await?;
    let templates: Vec<TemplateRow> = campaign::templates(&mut c, campaign_id).await?.into_iter().filter(|t| !t.retired).collect();
    let nodes = tree::all(&mut c, tree_kind).await?;
    drop(c);
    let node_id = node.or_else(|| start_node(scope, tree_kind, &nodes));
    let node = node_id.and_then(|id| nodes.iter().find(|n| n.id == id).cloned());
    let key = if tree_kind == Tree::Org { "org" } else { "unit" };
    let by_node = |id: i64| if tree_kind == Tree::Org { rollup.by_org.get(&id).copied() } else { rollup.by_unit.get(&id).copied() };
    let by_tn = |t: i64, id: i64| if tree_kind == Tree::Org { rollup.by_template_org.get(&(t, id)).copied() } else { rollup.by_template_unit.get(&(t, id)).copied() };
    let base = format!("campaign={}", row.id);
    let (total, by_item) = match &node {
        Some(n) if n.parent_id.is_some() || scope.global().is_none() => {
            let q = format!("{base}&{key}={}", n.id);
            let total = DashRow { name: n.name.clone(), href: None, facts: by_node(n.id).unwrap_or_default(), query: q.clone() };
            let items = templates
                .iter()
                .filter_map(|t| {
                    by_tn(t.id, n.id).map(|f| DashRow {
                        name: item_label(t),
                        href: Some(format!("/campaigns/{}#t{}", row.id, t.id)),
                        facts: f,
                        query: format!("{q}&template={}", t.id),
                    })
                })
                .collect();
            (total, items)
        }
        // The whole university: every task, including the office's own.
        _ => {
            let total = DashRow { name: lang.t("全校", "The whole university").to_string(), href: None, facts: rollup.all, query: base.clone() };
            let items = templates
                .iter()
                .filter_map(|t| {
                    rollup.by_template.get(&t.id).map(|f| DashRow {
                        name: item_label(t),
                        href: Some(format!("/campaigns/{}#t{}", row.id, t.id)),
                        facts: *f,
                        query: format!("{base}&template={}", t.id),
                    })
                })
                .collect();
            (total, items)
        }
    };
    let mut by_child: Vec<DashRow> = match &node {
        Some(n) => nodes
            .iter()
            .filter(|ch| ch.parent_id == Some(n.id))
            .filter_map(|ch| {
                by_node(ch.id).map(|f| DashRow {
                    name: ch.name.clone(),
                    href: Some(format!("/campaigns/{}/dashboard?tree={key}&node={}", row.id, ch.id)),
                    facts: f,
                    query: format!("{base}&{key}={}", ch.id),
                })
            })
            .collect(),
        None => Vec::new(),
    };
    by_child.sort_by(|a, b| a.facts.completion().partial_cmp(&b.facts.completion()).unwrap_or(std::cmp::Ordering::Equal).then(a.name.cmp(&b.name)));
    let mut crumbs = Vec::new();
    if let Some(n) = &node {
        for id in n.path.split('/').filter_map(|x| x.parse::<i64>().ok()) {
            if let Some(a) = nodes.iter().find(|x| x.id == id) {
                crumbs.push((format!("/campaigns/{}/dashboard?tree={key}&node={id}", row.id), a.name.clone()));
            }
        }
    }
    Ok(Dashboard { tree: tree_kind, node, crumbs, total, by_item, by_child })
}

fn item_label(t: &TemplateRow) -> String {
    match t.item {
        Some(i) => format!("{i}. {}", t.title),
        None => t.title.clone(),
    }
}
