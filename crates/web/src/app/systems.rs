//! A branch's systems as use cases: the register of one branch (with its forms for those who
//! keep it), adding, changing and retiring a system, the coverage of the branches in reach with
//! its export, and what a branch's board (党务公开栏) shows beside its commitments: its systems in
//! force, the meetings it held this term (dates and topics, never minutes) and its contact person.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use pacesetter_domain::Lang;
use pacesetter_domain::branch_system::{self as bs, Input, Standard};
use pacesetter_domain::dates::today;
use pacesetter_domain::meeting::Kind as MeetingKind;
use pacesetter_domain::role::RelationKind;
use pacesetter_domain::scope::Scope;
use pacesetter_store::branch_system::{self as store, BranchSystems, SystemRow};
use pacesetter_store::tree::{Node, Tree};
use pacesetter_store::{Conn, StoreError};
use serde::{Deserialize, Serialize};

/// A system as typed (form or JSON).
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct SystemInput {
    /// work or organizational (a standard one is organizational).
    #[serde(default)]
    pub kind: String,
    /// yihui_siping, qunzhong_tuiyou, or empty.
    #[serde(default)]
    pub standard: String,
    #[serde(default)]
    pub name: String,
    /// The text (a standard one's steps when empty).
    #[serde(default)]
    pub body: String,
    /// YYYY-MM-DD, not after today.
    #[serde(default)]
    pub adopted_on: String,
    /// How it runs (运行情况).
    #[serde(default)]
    pub practice: String,
}

impl SystemInput {
    fn parse(&self) -> AppResult<Input> {
        bs::parse(&self.kind, &self.standard, &self.name, &self.body, &self.adopted_on, &self.practice, today()).map_err(AppError::invalid)
    }
}

/// One branch's register.
pub struct Register {
    pub node: Node,
    pub systems: Vec<SystemRow>,
    pub keeps: bool,
}

pub async fn register(s: &AppState, scope: &Scope, org: i64) -> AppResult<Register> {
    let mut c = s.store.read().await?;
    let (node, systems, keeps) = store::register(&mut c, scope, org).await?;
    Ok(Register { node, systems, keeps })
}

pub async fn create(s: &AppState, scope: &Scope, org: i64, input: &SystemInput) -> AppResult<i64> {
    let sys = input.parse()?;
    let mut w = s.store.write().await?;
    let id = store::create(&mut w, scope, org, &sys).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

pub async fn get(s: &AppState, scope: &Scope, id: i64) -> AppResult<SystemRow> {
    let mut c = s.store.read().await?;
    Ok(store::get(&mut c, scope, id).await?.0)
}

pub async fn update(s: &AppState, scope: &Scope, id: i64, input: &SystemInput) -> AppResult<SystemRow> {
    let sys = input.parse()?;
    let mut w = s.store.write().await?;
    store::update(&mut w, scope, id, &sys).await?;
    let row = store::get(&mut w, scope, id).await?.0;
    w.commit().await.map_err(StoreError::from)?;
    Ok(row)
}

pub async fn retire(s: &AppState, scope: &Scope, id: i64, on: Option<&str>) -> AppResult<SystemRow> {
    let on = crate::input::date_or_today("retired_on", on)?;
    let mut w = s.store.write().await?;
    store::retire(&mut w, scope, id, on).await?;
    let row = store::get(&mut w, scope, id).await?.0;
    w.commit().await.map_err(StoreError::from)?;
    Ok(row)
}

pub async fn coverage(s: &AppState, scope: &Scope, college: Option<i64>) -> AppResult<Vec<BranchSystems>> {
    let mut c = s.store.read().await?;
    Ok(store::coverage(&mut c, scope, college).await?)
}

/// The coverage as one sheet, a line per branch (the incomplete first).
pub fn coverage_sheet(rows: &[BranchSystems], lang: Lang) -> crate::export::Sheet {
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    let mut sorted: Vec<&BranchSystems> = rows.iter().collect();
    sorted.sort_by_key(|b| b.complete());
    crate::export::Sheet {
        name: t("支部制度", "Branch systems"),
        headers: vec![
            t("二级党组织", "Secondary organization"),
            t("党支部", "Branch"),
            t("工作制度", "Working systems"),
            t("组织制度", "Organizational systems"),
            t("缺", "Missing"),
        ],
        rows: sorted
            .into_iter()
            .map(|b| {
                let missing = match (b.work + b.organizational, b.organizational) {
                    (0, _) => t("尚无任何制度", "No system at all"),
                    (_, 0) => t("尚无组织制度", "No organizational system"),
                    _ => String::new(),
                };
                vec![b.college.clone(), b.branch.clone(), b.work.to_string(), b.organizational.to_string(), missing]
            })
            .collect(),
    }
}

/// The standard systems offered on the form: (code, name, steps).
pub fn standards() -> Vec<(&'static str, &'static str, String)> {
    Standard::ALL.into_iter().map(|s| (s.code(), s.name(), s.steps().join(" → "))).collect()
}

/// What a branch's board shows beside its commitments.
#[derive(Clone, Debug, Default)]
pub struct PartyBoard {
    pub systems: Vec<SystemRow>,
    /// This term's meetings held: (day, kind, topic).
    pub meetings: Vec<(time::Date, MeetingKind, String)>,
    pub contacts: Vec<String>,
}

/// The branch part of a board (None for an organization that is not a branch).
pub async fn party_board(c: &mut Conn, node: &Node) -> Result<Option<PartyBoard>, StoreError> {
    if !pacesetter_domain::org::OrgKind::parse(&node.kind).is_some_and(|k| k.is_branch()) {
        return Ok(None);
    }
    let day = today();
    let term = pacesetter_domain::liaison::term_start(day);
    let systems = store::in_force(c, node.id).await?;
    let meetings = pacesetter_store::meeting::held_by(c, &node.path, term, day).await?.into_iter().filter_map(|(d, k, t)| MeetingKind::parse(&k).map(|k| (d, k, t))).collect();
    let contacts =
        pacesetter_store::relation::at_node(c, Tree::Org, node.id).await?.into_iter().filter(|r| r.kind == RelationKind::BranchContact.code()).map(|r| r.person_name).collect();
    Ok(Some(PartyBoard { systems, meetings, contacts }))
}
