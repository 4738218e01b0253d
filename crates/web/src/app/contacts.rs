//! A branch's contact person (item 11) as use cases: one page with each of their branches'
//! progress (the plan's tasks, the members' commitments by state, this year's meetings against
//! the office's rules, the systems in force) and the log of their guidance visits.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use pacesetter_domain::dates::today;
use pacesetter_domain::scope::Scope;
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::StoreError;
use pacesetter_store::branch_system::SystemRow;
use pacesetter_store::meeting::BranchCompliance;
use pacesetter_store::task::{TaskFilter, TaskRow};
use pacesetter_store::tree::Node;
use serde::{Deserialize, Serialize};
use time::Date;

/// One branch as its contact person sees it.
pub struct BranchProgress {
    pub node: Node,
    pub tasks: Vec<TaskRow>,
    /// Commitments of the branch and its members: (state's label, count).
    pub commitments: Vec<(&'static str, i64)>,
    pub meetings: Option<BranchCompliance>,
    pub systems: Vec<SystemRow>,
    /// (day, contact, topics, advice).
    pub visits: Vec<(Date, String, String, String)>,
}

pub async fn mine(s: &AppState, scope: &Scope, lang: pacesetter_domain::Lang) -> AppResult<Vec<BranchProgress>> {
    let Some(person) = scope.person else { return Ok(Vec::new()) };
    let mut c = s.store.read().await?;
    let camp = pacesetter_store::campaign::current(&mut c).await?;
    let mut out = Vec::new();
    for node in pacesetter_store::contact::branches_of(&mut c, person.0).await? {
        let tasks = match &camp {
            Some(camp) => pacesetter_store::task::list(&mut c, scope, &TaskFilter { campaign: Some(camp.id), org_path: Some(node.path.clone()), ..Default::default() }).await?,
            None => Vec::new(),
        };
        let commitments = match &camp {
            Some(camp) => {
                let f = pacesetter_store::commitment::Filter { campaign: Some(camp.id), org_path: Some(node.path.clone()), ..Default::default() };
                let rows = pacesetter_store::commitment::list(&mut c, scope, &f).await?;
                pacesetter_domain::commitment::STATES.iter().map(|st| (st.label(lang), rows.iter().filter(|r| r.state() == *st).count() as i64)).filter(|(_, n)| *n > 0).collect()
            }
            None => Vec::new(),
        };
        let (rows, _) = pacesetter_store::meeting::compliance(&mut c, scope, today().year(), Some(node.id), today()).await?;
        let meetings = rows.into_iter().find(|b| b.branch_id == node.id);
        let systems = pacesetter_store::branch_system::in_force(&mut c, node.id).await?;
        let visits = pacesetter_store::contact::visits(&mut c, node.id).await?;
        out.push(BranchProgress { node, tasks, commitments, meetings, systems, visits });
    }
    Ok(out)
}

/// A guidance visit as typed.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct GuidanceInput {
    /// One of the branches the caller is the contact of.
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    pub org: Option<i64>,
    /// YYYY-MM-DD, not after today.
    #[serde(default)]
    pub on_day: String,
    #[serde(default)]
    pub topics: String,
    /// What the contact advised.
    #[serde(default)]
    pub advice: String,
}

pub async fn record(s: &AppState, scope: &Scope, input: &GuidanceInput) -> AppResult<i64> {
    let mut e = FieldErrors::new();
    let on = match pacesetter_domain::validate::date(input.on_day.trim()) {
        Ok(d) if d > today() => {
            e.add("on_day", "日期不能晚于今天", "The day cannot be after today");
            None
        }
        Ok(d) => Some(d),
        Err(t) => {
            e.add("on_day", t.zh, t.en);
            None
        }
    };
    let topics = pacesetter_domain::validate::long_text(&mut e, "topics", &input.topics, 1000, ("指导内容", "topics"), true);
    let advice = pacesetter_domain::validate::long_text(&mut e, "advice", &input.advice, 2000, ("意见建议", "advice"), true);
    if input.org.is_none() {
        e.add("org", "请选择党支部", "Choose the branch");
    }
    let (Some(org), Some(on), true) = (input.org, on, e.is_empty()) else { return Err(AppError::invalid(e)) };
    let mut w = s.store.write().await?;
    let id = pacesetter_store::contact::record(&mut w, scope, org, on, &topics, &advice).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(id)
}
