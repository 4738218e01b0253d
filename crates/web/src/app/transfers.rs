//! Transfers of a member's Party relation (组织关系转接) as use cases: asking for people by
//! number (one or a list), accepting or refusing (one or several at once), withdrawing, and the
//! list of the caller's organizations' transfers.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use pacesetter_domain::scope::Scope;
use pacesetter_store::StoreError;
use pacesetter_store::transfer::{self as store, TransferRow};
use serde::{Deserialize, Serialize};

/// A request for people to come to a branch or group.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct TransferRequest {
    /// The receiving branch or group.
    #[serde(default)]
    pub to_org_id: String,
    /// Staff or student numbers, separated by spaces, commas or lines.
    #[serde(default)]
    pub numbers: String,
    /// Why (转入原因, such as 工作调动 or 升学).
    #[serde(default)]
    pub note: String,
}

/// Asks for everyone named; all or nothing. Returns the transfers' ids.
pub async fn request(s: &AppState, scope: &Scope, input: &TransferRequest) -> AppResult<Vec<i64>> {
    let to = input.to_org_id.trim().parse::<i64>().map_err(|_| AppError::invalid_field("to_org_id", "请选择接收的党支部或党小组", "Choose the receiving branch or group"))?;
    if input.note.trim().is_empty() {
        return Err(AppError::invalid_field("note", "请填写转入原因", "Say why they come"));
    }
    let mut w = s.store.write().await?;
    // The receiving side first: nothing of the people asked for is looked at before.
    store::receiver(&mut w, scope, to).await?;
    let mut seen = std::collections::HashSet::new();
    let mut numbers = pacesetter_domain::validate::numbers_of(&input.numbers);
    numbers.retain(|n| seen.insert(n.to_uppercase()));
    if numbers.is_empty() {
        return Err(AppError::invalid_field("numbers", "请填写要转入党员的工号或学号", "Give the numbers of the members to come"));
    }
    // A number nobody has, a number of someone outside the Party and a member already asked for
    // are told alike, for the whole list: a request does not tell who is in the Party.
    let mut ids = Vec::with_capacity(numbers.len());
    let mut refused = false;
    for n in &numbers {
        let Some(p) = pacesetter_store::people::id_by_number(&mut w, n).await? else {
            refused = true;
            continue;
        };
        match store::request(&mut w, scope, to, p.0, &input.note).await {
            Ok(id) => ids.push(id),
            Err(StoreError::Invalid(e)) if e.get("numbers").is_some() => refused = true,
            Err(StoreError::Conflict(_)) => refused = true,
            Err(e) => return Err(e.into()),
        }
    }
    if refused {
        let list = numbers.join("、");
        return Err(AppError::invalid_field(
            "numbers",
            &format!("以下编号中有不能申请转接的（不是在册党员、已在本组织、已有待处理的申请或编号有误），请核对后重试：{list}"),
            &format!("Some of these numbers cannot be asked for (not a current member, here already, a request waiting, or a wrong number): check them and try again: {list}"),
        ));
    }
    w.commit().await.map_err(StoreError::from)?;
    Ok(ids)
}

/// A decision on one or several transfers.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct TransferDecision {
    /// accept or refuse.
    #[serde(default)]
    pub decision: String,
    /// YYYY-MM-DD, not after today; today when empty (for acceptance: the day the relation moves).
    #[serde(default)]
    pub on: Option<String>,
    /// Required to refuse.
    #[serde(default)]
    pub note: String,
}

/// Decides the transfers named; all or nothing.
pub async fn decide(s: &AppState, scope: &Scope, ids: &[i64], input: &TransferDecision) -> AppResult<Vec<TransferRow>> {
    let accept = match input.decision.as_str() {
        "accept" => true,
        "refuse" => false,
        _ => return Err(AppError::invalid_field("decision", "请选择同意或不同意", "Accept or refuse")),
    };
    if ids.is_empty() {
        return Err(AppError::invalid_field("ids", "请至少选择一项", "Choose at least one"));
    }
    let on = crate::input::date_or_today("on", input.on.as_deref())?;
    if on > pacesetter_domain::dates::today() {
        return Err(AppError::invalid_field("on", "日期不能晚于今天", "The day cannot be after today"));
    }
    let mut w = s.store.write().await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(store::decide(&mut w, scope, *id, accept, on, &input.note).await?);
    }
    w.commit().await.map_err(StoreError::from)?;
    Ok(out)
}

pub async fn cancel(s: &AppState, scope: &Scope, id: i64) -> AppResult<TransferRow> {
    let mut w = s.store.write().await?;
    let t = store::cancel(&mut w, scope, id).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(t)
}

pub async fn get(s: &AppState, scope: &Scope, id: i64) -> AppResult<TransferRow> {
    let mut c = s.store.read().await?;
    Ok(store::get(&mut c, scope, id).await?)
}

pub async fn list(s: &AppState, scope: &Scope) -> AppResult<Vec<TransferRow>> {
    let mut c = s.store.read().await?;
    Ok(store::list(&mut c, scope, 500).await?)
}

/// The branches and groups the caller may receive people into.
pub async fn receiving(s: &AppState, scope: &Scope) -> AppResult<Vec<(i64, String)>> {
    let (orgs, _) = crate::app::tree::all(s, pacesetter_store::tree::Tree::Org).await?;
    let ok = |n: &pacesetter_store::tree::Node| {
        n.closed_on.is_none() && matches!(n.kind.as_str(), "branch" | "direct_branch" | "group") && scope.party_access(&n.path) == Some(pacesetter_domain::scope::Access::Write)
    };
    Ok(crate::app::tree::choices(&orgs, ok))
}
