//! Transfers of a member's Party relation (组织关系转接). The receiving branch or group asks for a
//! person by number; the organization they belong to now, or any level above it (so the level
//! above both), accepts or refuses; when they belong to none, the level above the receiving
//! organization decides. Accepting ends the old membership and starts the new one on the same
//! day, in one transaction; both stay in the person's history.

use crate::StoreError;
use crate::audit;
use crate::db::{Conn, Sql};
use crate::scope::push_org_condition;
use crate::tree::{self, Tree};
use pacesetter_domain::dates::now_ms;
use pacesetter_domain::org::{OrgKind, Post};
use pacesetter_domain::people::PoliticalStatus;
use pacesetter_domain::scope::{Access, Scope};
use serde::Serialize;
use time::Date;

/// A transfer as lists show it: the person's public fields and the two organizations.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct TransferRow {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub person_number: String,
    pub from_org_id: Option<i64>,
    pub from_org: Option<String>,
    pub from_path: Option<String>,
    pub to_org_id: i64,
    pub to_org: String,
    pub to_path: String,
    pub note: String,
    /// requested, accepted, refused or cancelled.
    pub state: String,
    pub requested_ms: i64,
    pub decided_on: Option<Date>,
    pub decision_note: Option<String>,
}

const SELECT: &str = "SELECT t.id, t.person_id, p.name AS person_name, p.number AS person_number, t.from_org_id, fo.name AS from_org, fo.path AS from_path, \
     t.to_org_id, o.name AS to_org, o.path AS to_path, t.note, t.state, t.requested_ms, t.decided_on, t.decision_note \
     FROM org_transfers t JOIN people p ON p.id = t.person_id JOIN orgs o ON o.id = t.to_org_id LEFT JOIN orgs fo ON fo.id = t.from_org_id";

/// Where the person's Party relation is now: their deepest current branch or group membership.
async fn current(c: &mut Conn, person: i64) -> Result<Option<(i64, i64, String)>, StoreError> {
    let rows: Vec<(i64, i64, String)> = c
        .fetch_all(
            Sql::new(
                "SELECT m.id, o.id, o.path FROM org_memberships m JOIN orgs o ON o.id = m.org_id WHERE m.person_id = $1 AND m.end_date IS NULL \
                 AND o.kind IN ('branch', 'direct_branch', 'group') ORDER BY o.depth DESC, m.id",
            )
            .bind(person),
        )
        .await?;
    Ok(rows.into_iter().next())
}

/// Whether the caller decides a transfer: write through the Party tree over where the person is
/// now (the office everywhere), or, for a person held nowhere, over the level above the
/// receiving organization.
fn decides(scope: &Scope, t: &TransferRow) -> bool {
    let path = match &t.from_path {
        Some(p) => p.clone(),
        None => {
            let trimmed = t.to_path.trim_end_matches('/');
            trimmed[..trimmed.rfind('/').map_or(0, |i| i + 1)].to_string()
        }
    };
    scope.party_access(&path) == Some(Access::Write)
}

/// Whether the caller asked for it (runs the receiving organization).
fn receives(scope: &Scope, t: &TransferRow) -> bool {
    scope.party_access(&t.to_path) == Some(Access::Write)
}

/// Asks for a person (a current Party member, named by number) to come to `to_org`. The caller
/// runs the receiving branch or group. Returns the transfer's id.
/// The receiving organization, when the caller keeps it and it takes members (a branch or a
/// group): checked before anything of the people asked for is looked at.
pub async fn receiver(c: &mut Conn, scope: &Scope, to_org: i64) -> Result<tree::Node, StoreError> {
    let node = tree::require(c, Tree::Org, to_org).await?;
    if scope.party_access(&node.path) != Some(Access::Write) {
        return Err(if scope.party_access(&node.path).is_some() {
            StoreError::forbidden("只有接收组织的书记可以申请转入", "Only the receiving organization asks for a transfer")
        } else {
            StoreError::NotFound
        });
    }
    if node.closed_on.is_some() || !OrgKind::parse(&node.kind).is_some_and(|k| k.is_branch() || k == OrgKind::Group) {
        return Err(StoreError::invalid("to_org_id", "组织关系只能转入党支部或党小组", "A Party relation moves into a branch or a group"));
    }
    Ok(node)
}

pub async fn request(c: &mut Conn, scope: &Scope, to_org: i64, person: i64, note: &str) -> Result<i64, StoreError> {
    receiver(c, scope, to_org).await?;
    let who: Option<(String, Option<Date>)> = c.fetch_optional(Sql::new("SELECT political_status, left_on FROM people WHERE id = $1").bind(person)).await?;
    let Some((status, left)) = who else { return Err(StoreError::NotFound) };
    if left.is_some() || !PoliticalStatus::parse(&status).is_some_and(PoliticalStatus::is_party_member) {
        return Err(StoreError::invalid("numbers", "只有在册的党员（含预备党员）可以转接组织关系", "Only a current member (or probationary member) has a Party relation to move"));
    }
    let from = current(c, person).await?;
    if from.as_ref().is_some_and(|(_, o, _)| *o == to_org) {
        return Err(StoreError::conflict("此人已在该组织", "The person already belongs there"));
    }
    let pending = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM org_transfers WHERE person_id = $1 AND state = 'requested'").bind(person)).await?;
    if pending > 0 {
        return Err(StoreError::conflict("此人已有待处理的转接申请", "A transfer of this person is already waiting"));
    }
    let note = note.trim().chars().take(200).collect::<String>();
    let id = c
        .fetch_i64(
            Sql::new(
                "INSERT INTO org_transfers (person_id, from_org_id, from_membership_id, to_org_id, note, state, requested_by, requested_ms) \
                 VALUES ($1, $2, $3, $4, $5, 'requested', $6, $7) RETURNING id",
            )
            .bind(person)
            .bind(from.as_ref().map(|f| f.1))
            .bind(from.as_ref().map(|f| f.0))
            .bind(to_org)
            .bind(note.as_str())
            .bind(scope.account.0)
            .bind(now_ms()),
        )
        .await?;
    audit::append(c, scope, "org_transfer.request", "org_transfer", id, None, audit::snapshot(&serde_json::json!({"person": person, "from": from.map(|f| f.1), "to": to_org})))
        .await?;
    Ok(id)
}

/// A transfer the caller asked for or decides (or, reading, that reaches their organizations).
pub async fn get(c: &mut Conn, scope: &Scope, id: i64) -> Result<TransferRow, StoreError> {
    let t: TransferRow = c.fetch_optional(Sql::new(format!("{SELECT} WHERE t.id = $1")).bind(id)).await?.ok_or(StoreError::NotFound)?;
    let reads = scope.party_access(&t.to_path).is_some() || t.from_path.as_deref().is_some_and(|p| scope.party_access(p).is_some()) || decides(scope, &t);
    if !reads {
        return Err(StoreError::NotFound);
    }
    Ok(t)
}

/// Accepts (the old membership ends and the new starts on `on`) or refuses with a reason.
pub async fn decide(c: &mut Conn, scope: &Scope, id: i64, accept: bool, on: Date, note: &str) -> Result<TransferRow, StoreError> {
    let t = get(c, scope, id).await?;
    if !decides(scope, &t) {
        return Err(StoreError::forbidden("由此人现在所在的党组织或其上级办理", "The organization the person belongs to now, or one above it, decides"));
    }
    if t.state != "requested" {
        return Err(StoreError::conflict("该转接申请已处理", "This transfer has been decided"));
    }
    let note = note.trim().chars().take(200).collect::<String>();
    if !accept && note.is_empty() {
        return Err(StoreError::invalid("note", "不同意转接须说明理由", "Say why the transfer is refused"));
    }
    let n = c
        .execute(
            Sql::new("UPDATE org_transfers SET state = $1, decided_by = $2, decided_ms = $3, decided_on = $4, decision_note = $5 WHERE id = $6 AND state = 'requested'")
                .bind(if accept { "accepted" } else { "refused" })
                .bind(scope.account.0)
                .bind(now_ms())
                .bind(on)
                .bind(note.as_str())
                .bind(id),
        )
        .await?;
    StoreError::unless_changed(n, "该转接申请已处理", "This transfer has been decided")?;
    if accept {
        // The membership the request named must still be the current one.
        let now = current(c, t.person_id).await?;
        if now.as_ref().map(|f| f.1) != t.from_org_id {
            return Err(StoreError::conflict("此人的组织关系已有变化，请重新申请", "The person's Party relation has changed since the request: ask again"));
        }
        if let Some((membership, from, _)) = now {
            let start: Option<Date> = c.fetch_optional::<(Date,)>(Sql::new("SELECT start_date FROM org_memberships WHERE id = $1").bind(membership)).await?.map(|r| r.0);
            if start.is_some_and(|s| on < s) {
                return Err(StoreError::invalid("on", "转接日期不能早于原组织关系的开始日期", "The transfer cannot be dated before the old membership began"));
            }
            // Every current membership within the branch left ends: its groups' and its own.
            let left = branch_of(c, from).await?.unwrap_or(from);
            let path = tree::require(c, Tree::Org, left).await?.path;
            c.execute(
                Sql::new(
                    "UPDATE org_memberships SET end_date = $1, end_reason = $2 WHERE person_id = $3 AND end_date IS NULL \
                     AND org_id IN (SELECT id FROM orgs WHERE path LIKE $4)",
                )
                .bind(on)
                .bind(format!("组织关系转出至{}", t.to_org))
                .bind(t.person_id)
                .bind(format!("{path}%")),
            )
            .await?;
        }
        c.execute(
            Sql::new("INSERT INTO org_memberships (person_id, org_id, post, start_date) VALUES ($1, $2, $3, $4)")
                .bind(t.person_id)
                .bind(t.to_org_id)
                .bind(Post::Member.code())
                .bind(on),
        )
        .await
        .map_err(|e| StoreError::on_duplicate(e, "此人已在该组织", "The person already belongs there"))?;
        // A file of development in progress moves with the person.
        if let Some(b) = branch_of(c, t.to_org_id).await? {
            crate::development::follow_transfer(c, t.person_id, b).await?;
        }
        crate::campaign::refresh_member_orgs(c, Some(t.person_id)).await?;
    }
    let after = get(c, &Scope::system("transfer"), id).await?;
    audit::append(c, scope, if accept { "org_transfer.accept" } else { "org_transfer.refuse" }, "org_transfer", id, None, audit::snapshot(&after)).await?;
    Ok(after)
}

/// Withdraws a request still waiting; the receiving organization's.
pub async fn cancel(c: &mut Conn, scope: &Scope, id: i64) -> Result<TransferRow, StoreError> {
    let t = get(c, scope, id).await?;
    if !receives(scope, &t) {
        return Err(StoreError::forbidden("只有申请的组织可以撤回", "Only the organization that asked withdraws it"));
    }
    let n = c
        .execute(
            Sql::new("UPDATE org_transfers SET state = 'cancelled', decided_by = $1, decided_ms = $2 WHERE id = $3 AND state = 'requested'")
                .bind(scope.account.0)
                .bind(now_ms())
                .bind(id),
        )
        .await?;
    StoreError::unless_changed(n, "该转接申请已处理", "This transfer has been decided")?;
    audit::append(c, scope, "org_transfer.cancel", "org_transfer", id, None, None).await?;
    get(c, scope, id).await
}

/// The transfers into or out of the organizations the caller reaches through the Party tree
/// (every one for the office), waiting first, then the latest.
pub async fn list(c: &mut Conn, scope: &Scope, limit: i64) -> Result<Vec<TransferRow>, StoreError> {
    let mut q = Sql::new(format!("{SELECT} WHERE ("));
    push_org_condition(&mut q, scope, Access::Read, "o.path", scope.is_office());
    q.push(" OR ");
    push_org_condition(&mut q, scope, Access::Read, "fo.path", false);
    q.push(") ORDER BY CASE WHEN t.state = 'requested' THEN 0 ELSE 1 END, t.id DESC LIMIT ").push_bind(limit);
    let mut rows: Vec<TransferRow> = c.fetch_all(q).await?;
    // A person held nowhere is decided above the receiving organization: those above see it too.
    if !scope.is_office() {
        let mut above = Sql::new(format!("{SELECT} WHERE t.from_org_id IS NULL AND t.state = 'requested' ORDER BY t.id DESC LIMIT "));
        above.push_bind(limit);
        for t in c.fetch_all::<TransferRow>(above).await? {
            if decides(scope, &t) && !rows.iter().any(|r| r.id == t.id) {
                rows.insert(0, t);
            }
        }
    }
    Ok(rows)
}

/// What the caller may do with a transfer.
pub fn may_decide(scope: &Scope, t: &TransferRow) -> bool {
    t.state == "requested" && decides(scope, t)
}

pub fn may_cancel(scope: &Scope, t: &TransferRow) -> bool {
    t.state == "requested" && receives(scope, t)
}

/// The branch an organization belongs to (a group's parent, a branch itself).
async fn branch_of(c: &mut Conn, org: i64) -> Result<Option<i64>, StoreError> {
    let row: Option<(String, Option<i64>)> = c.fetch_optional(Sql::new("SELECT kind, parent_id FROM orgs WHERE id = $1").bind(org)).await?;
    Ok(match row {
        Some((k, parent)) if k == "group" => parent,
        Some((k, _)) if k == "branch" || k == "direct_branch" => Some(org),
        _ => None,
    })
}

/// Where a Party member is now (name, path), when a membership in `to_org` would take them out
/// of their branch: such a move is a transfer, never a second membership.
pub async fn crosses(c: &mut Conn, person: i64, to_org: i64) -> Result<Option<(String, String)>, StoreError> {
    let Some(to_branch) = branch_of(c, to_org).await? else { return Ok(None) };
    let Some((_, from, path)) = current(c, person).await? else { return Ok(None) };
    if branch_of(c, from).await? == Some(to_branch) {
        return Ok(None);
    }
    let name = c.fetch_opt_string(Sql::new("SELECT name FROM orgs WHERE id = $1").bind(from)).await?.unwrap_or_default();
    Ok(Some((name, path)))
}

/// A transfer asked for and accepted at once by a caller who runs both sides; the new
/// membership holds `post`.
pub async fn move_now(c: &mut Conn, scope: &Scope, person: i64, to_org: i64, post: &str, on: Date, note: &str) -> Result<TransferRow, StoreError> {
    let post =
        if post.trim().is_empty() { Post::Member.code() } else { Post::parse(post).ok_or_else(|| StoreError::invalid("post", "党内职务无效", "Unknown post"))?.code() };
    let id = request(c, scope, to_org, person, note).await?;
    let t = decide(c, scope, id, true, on, "").await?;
    if post != Post::Member.code() {
        c.execute(Sql::new("UPDATE org_memberships SET post = $1 WHERE person_id = $2 AND org_id = $3 AND end_date IS NULL").bind(post).bind(person).bind(to_org)).await?;
    }
    Ok(t)
}
