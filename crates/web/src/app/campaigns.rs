//! Campaigns: a campaign's plan with its task templates and their counts, the office's changes
//! (a template's due date, archiving, reminders now, a plan upload with its differences shown
//! before anything changes), and the dashboard: completion, late and overdue, rolled up the
//! tree within the caller's scope, by work item and by the level below.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use pacesetter_domain::Lang;
use pacesetter_domain::dates::today;
use pacesetter_domain::ids::CampaignId;
use pacesetter_domain::plan::{self, Plan};
use pacesetter_domain::role::Role;
use pacesetter_domain::scope::{Reach, Scope};
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::StoreError;
use pacesetter_store::campaign::{self, CampaignRow, LoadReport, TemplateRow};
use pacesetter_store::dashboard::{self, Facts, Rollup};
use pacesetter_store::tree::{self, Tree};
use serde::Deserialize;

/// The dashboard's query, shared by its page, its export and the API: `tree=org|unit` (anything
/// else is the Party tree, as before) and `node=<id>`, the node to roll up below (text that is not
/// an id is refused).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DashboardQuery {
    #[serde(default)]
    pub tree: Option<String>,
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    pub node: Option<i64>,
    /// One task template only (a document to study's coverage, say).
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    pub template: Option<i64>,
}

impl DashboardQuery {
    pub fn tree(&self) -> Tree {
        if crate::input::text(&self.tree) == Some("unit") { Tree::Unit } else { Tree::Org }
    }

    /// `&template=ID` when one template is asked for, to carry on links.
    pub fn template_part(&self) -> String {
        self.template.map(|t| format!("&template={t}")).unwrap_or_default()
    }
}

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
    pub campaign: CampaignRow,
    pub tree: Tree,
    pub node: Option<tree::Node>,
    pub crumbs: Vec<(String, String)>,
    pub total: DashRow,
    pub by_item: Vec<DashRow>,
    pub by_child: Vec<DashRow>,
}

/// Every campaign, newest first (their names and years are public to anyone logged in).
pub async fn list(s: &AppState) -> AppResult<Vec<CampaignRow>> {
    let mut c = s.store.read().await?;
    Ok(campaign::list(&mut c).await?)
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

/// The dashboard of a campaign (or of one of its templates, `q.template`) within the caller's
/// scope, from `q.node` or the top of the caller's reach.
pub async fn build(s: &AppState, scope: &Scope, campaign: CampaignId, q: &DashboardQuery, lang: Lang) -> AppResult<Dashboard> {
    let (tree_kind, node, only) = (q.tree(), q.node, q.template);
    let campaign_id = campaign.0;
    let mut c = s.store.read().await?;
    let row = campaign::get(&mut c, campaign_id).await?;
    let rollup: Rollup = dashboard::rollup(&mut c, scope, campaign_id, today()).await?;
    let templates: Vec<TemplateRow> = campaign::templates(&mut c, campaign_id).await?.into_iter().filter(|t| !t.retired && only.is_none_or(|o| o == t.id)).collect();
    if only.is_some() && templates.is_empty() {
        return Err(AppError::not_found());
    }
    let nodes = tree::all(&mut c, tree_kind).await?;
    drop(c);
    // A node asked for by id must be one the caller reaches (the shape of the trees is public,
    // their numbers are not): another branch's dashboard is a 404, not a page of zeros.
    if let Some(id) = node {
        let reached = nodes.iter().find(|n| n.id == id).is_some_and(|n| scope.global().is_some() || tree_kind.access(scope, &n.path).is_some());
        if !reached {
            return Err(AppError::not_found());
        }
    }
    let node_id = node.or_else(|| start_node(scope, tree_kind, &nodes));
    let node = node_id.and_then(|id| nodes.iter().find(|n| n.id == id).cloned());
    let key = if tree_kind == Tree::Org { "org" } else { "unit" };
    let by_tn = |t: i64, id: i64| if tree_kind == Tree::Org { rollup.by_template_org.get(&(t, id)).copied() } else { rollup.by_template_unit.get(&(t, id)).copied() };
    let by_node = |id: i64| match only {
        Some(t) => by_tn(t, id),
        None if tree_kind == Tree::Org => rollup.by_org.get(&id).copied(),
        None => rollup.by_unit.get(&id).copied(),
    };
    let base = format!("campaign={}{}", row.id, q.template_part());
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
                        query: if only.is_some() { q.clone() } else { format!("{q}&template={}", t.id) },
                    })
                })
                .collect();
            (total, items)
        }
        // The whole university: every task, including the office's own.
        _ => {
            let all = match only {
                Some(t) => rollup.by_template.get(&t).copied().unwrap_or_default(),
                None => rollup.all,
            };
            let total = DashRow { name: lang.t("全校", "The whole university").to_string(), href: None, facts: all, query: base.clone() };
            let items = templates
                .iter()
                .filter_map(|t| {
                    rollup.by_template.get(&t.id).map(|f| DashRow {
                        name: item_label(t),
                        href: Some(format!("/campaigns/{}#t{}", row.id, t.id)),
                        facts: *f,
                        query: if only.is_some() { base.clone() } else { format!("{base}&template={}", t.id) },
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
                    href: Some(format!("/campaigns/{}/dashboard?tree={key}&node={}{}", row.id, ch.id, q.template_part())),
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
                crumbs.push((format!("/campaigns/{}/dashboard?tree={key}&node={id}{}", row.id, q.template_part()), a.name.clone()));
            }
        }
    }
    Ok(Dashboard { campaign: row, tree: tree_kind, node, crumbs, total, by_item, by_child })
}

fn item_label(t: &TemplateRow) -> String {
    match t.item {
        Some(i) => format!("{i}. {}", t.title),
        None => t.title.clone(),
    }
}

/// Only the campaign office (or the administrator) changes a campaign.
fn office_only(scope: &Scope) -> AppResult<()> {
    if scope.has_any(&[Role::Office, Role::Admin]) { Ok(()) } else { Err(AppError::forbidden()) }
}

/// A task template with the counts of its tasks in the caller's scope.
pub struct TemplateLine {
    pub t: TemplateRow,
    pub facts: Facts,
}

/// A campaign as its page and the API show it: the row, the plan as loaded, and its current
/// (not retired) templates.
pub struct CampaignView {
    pub row: CampaignRow,
    pub plan: Plan,
    pub templates: Vec<TemplateLine>,
}

/// Any logged-in person reads a campaign's plan; the counts are those of their scope.
pub async fn show(s: &AppState, scope: &Scope, id: CampaignId) -> AppResult<CampaignView> {
    let mut c = s.store.read().await?;
    let row = campaign::get(&mut c, id.0).await?;
    let plan = row.plan()?;
    let rollup = dashboard::rollup(&mut c, scope, id.0, today()).await?;
    let templates = campaign::templates(&mut c, id.0)
        .await?
        .into_iter()
        .filter(|t| !t.retired)
        .map(|t| TemplateLine { facts: rollup.by_template.get(&t.id).copied().unwrap_or_default(), t })
        .collect();
    Ok(CampaignView { row, plan, templates })
}

/// The office moves a template's due date (`None`: back to none); audited, and kept by later
/// plan loads. The template must be one of this campaign's.
pub async fn set_due(s: &AppState, scope: &Scope, id: CampaignId, template: i64, due: Option<&str>) -> AppResult<TemplateRow> {
    office_only(scope)?;
    let due = match due.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => Some(pacesetter_domain::validate::date(v).map_err(|t| StoreError::invalid("due", t.zh, t.en))?),
        None => None,
    };
    let mut w = s.store.write().await?;
    let t = campaign::template(&mut w, template).await?;
    if t.campaign_id != id.0 {
        return Err(AppError::not_found());
    }
    let t = campaign::set_due(&mut w, scope, template, due).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(t)
}

/// The office archives a campaign: read-only from then on. `confirmed` is the user's tick.
pub async fn close(s: &AppState, scope: &Scope, id: CampaignId, confirmed: bool) -> AppResult<CampaignRow> {
    office_only(scope)?;
    if !confirmed {
        return Err(AppError::bad_request("请勾选确认后再归档", "Tick the confirmation to archive"));
    }
    let mut w = s.store.write().await?;
    campaign::close(&mut w, scope, id.0).await?;
    let row = campaign::get(&mut w, id.0).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(row)
}

/// The office sends the due-soon and overdue reminders now (they also go by themselves every
/// hour, and each at most once per task and due date); how many notifications went.
pub async fn remind(s: &AppState, scope: &Scope, id: CampaignId) -> AppResult<i64> {
    office_only(scope)?;
    let mut w = s.store.write().await?;
    campaign::get(&mut w, id.0).await?;
    let n = pacesetter_store::reminders::remind(&mut w, id.0, today(), &s.site.public_url).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(n as i64)
}

/// A plan's problems, each with its line, as field errors of `file`.
pub fn plan_errors(source: &str, errs: Vec<plan::PlanError>) -> FieldErrors {
    let mut fe = FieldErrors::new();
    if source.trim().is_empty() {
        fe.add("file", "请选择计划文件（.toml）", "Choose a plan file (.toml)");
    }
    for e in errs {
        let (zh, en) =
            if e.line > 0 { (format!("第{}行：{}", e.line, e.message.zh), format!("line {}: {}", e.line, e.message.en)) } else { (e.message.zh.clone(), e.message.en.clone()) };
        fe.add("file", zh, en);
    }
    fe
}

/// The office loads a plan: a new campaign at once, the same file again changes nothing, a
/// changed one reports its differences and is applied only with `confirm`. A plan that does not
/// read is refused with every problem and its line (422), and nothing changes.
pub async fn upload(s: &AppState, scope: &Scope, source: &str, confirm: bool) -> AppResult<(LoadReport, Plan)> {
    office_only(scope)?;
    let plan = plan::parse(source).map_err(|errs| AppError::invalid(plan_errors(source, errs)))?;
    let mut w = s.store.write().await?;
    let report = campaign::load(&mut w, scope, &plan, source, confirm).await?;
    w.commit().await.map_err(StoreError::from)?;
    // A real campaign stops a demo database's clock: its deadlines run on the real date.
    s.demo_clock.refresh(&s.store).await?;
    Ok((report, plan))
}
