//! Notices (通知公告) in SQL: publishing one with its files to the people it reaches (fixed
//! then, and told), who may read it (its recipients, and those who reach the part of the tree
//! it went to), the first reading of each recipient, and the receipts: who has read it and who
//! has not.

use crate::db::{Conn, Sql};
use crate::tree::{self, Node, Tree};
use crate::{StoreError, audit, notify};
use pacesetter_domain::announcement::{Audience, Draft};
use pacesetter_domain::dates::now_ms;
use pacesetter_domain::org::OrgKind;
use pacesetter_domain::role::Role;
use pacesetter_domain::scope::{Access, Scope};
use serde::Serialize;

pub use crate::attachments::{FileMeta, NewFile};

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct AnnouncementRow {
    pub id: i64,
    pub sender_org_id: Option<i64>,
    /// The sending organization's name; None for the office.
    pub sender_name: Option<String>,
    pub audience_org_id: i64,
    pub audience_name: String,
    pub audience_path: String,
    pub audience: String,
    pub title: String,
    pub body: String,
    pub published_ms: i64,
    /// How many received it, and how many have read it.
    pub recipients: i64,
    pub read: i64,
}

impl AnnouncementRow {
    pub fn audience(&self) -> Audience {
        Audience::parse(&self.audience).unwrap_or(Audience::Members)
    }
}

const SELECT: &str = "SELECT a.id, a.sender_org_id, so.name AS sender_name, a.audience_org_id, ao.name AS audience_name, ao.path AS audience_path, a.audience, a.title, a.body, a.published_ms, \
     (SELECT COUNT(*) FROM announcement_recipients r WHERE r.announcement_id = a.id) AS recipients, \
     (SELECT COUNT(*) FROM announcement_recipients r WHERE r.announcement_id = a.id AND r.read_ms IS NOT NULL) AS read \
     FROM announcements a JOIN orgs ao ON ao.id = a.audience_org_id LEFT JOIN orgs so ON so.id = a.sender_org_id";

/// Whether an organization is secondary (a committee, general branch or direct branch).
fn is_secondary(n: &Node) -> bool {
    OrgKind::parse(&n.kind).is_some_and(OrgKind::is_secondary)
}

/// Whether the caller sends for an organization: it is secondary and open, and they keep it
/// through the Party tree (never through the administrator's reach over everything).
fn sends_for(scope: &Scope, n: &Node) -> bool {
    n.closed_on.is_none() && is_secondary(n) && scope.party_access(&n.path) == Some(Access::Write)
}

/// Whose receipts the caller sees.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ReceiptsReach {
    #[default]
    None,
    /// Every recipient's: the office, the leaders, and those who reach the part of the tree the
    /// notice went to through the Party tree.
    All,
    /// Those of the recipients who are members under these paths: a secretary below the part
    /// of the tree it went to sees their own part (one level sees the level below).
    Within(Vec<String>),
}

fn receipts_reach(scope: &Scope, audience_path: &str) -> ReceiptsReach {
    if scope.has(Role::Leader) || scope.party_access(audience_path).is_some() {
        return ReceiptsReach::All;
    }
    let below: Vec<String> = scope.own_org_paths(Access::Read).filter(|p| p.starts_with(audience_path)).map(str::to_string).collect();
    if below.is_empty() { ReceiptsReach::None } else { ReceiptsReach::Within(below) }
}

/// The secondary organizations a caller may send notices for (those they keep); the office
/// sends as itself.
pub async fn senders(c: &mut Conn, scope: &Scope) -> Result<Vec<Node>, StoreError> {
    if scope.is_office() {
        return Ok(Vec::new());
    }
    let all = tree::all(c, Tree::Org).await?;
    Ok(all.into_iter().filter(|n| sends_for(scope, n)).collect())
}

/// `(SELECT a.id …)`: the notices the caller may read: those they received, those sent to a
/// part of the tree they reach, and those sent to a part above their own (see [`ReceiptsReach`]).
pub(crate) fn push_readable_ids(q: &mut Sql, scope: &Scope) {
    q.push(
        "(SELECT a.id FROM announcements a JOIN orgs ao ON ao.id = a.audience_org_id WHERE a.id IN (SELECT r.announcement_id FROM announcement_recipients r WHERE r.person_id = ",
    )
    .push_bind(scope.person.map(|p| p.0).unwrap_or(0))
    .push(") OR ");
    crate::scope::push_org_condition(q, scope, Access::Read, "ao.path", scope.is_office() || scope.has(Role::Leader));
    // Sent to a part of the tree above the caller's own: they see their part's receipts.
    for p in scope.own_org_paths(Access::Read) {
        q.push(" OR ").push_bind(p.to_string()).push(" LIKE ao.path || '%'");
    }
    q.push(")");
}

/// Publishes a notice from the office (`sender` None; the office only) or from a secondary
/// organization the caller changes, to a part of the tree within the sender's; tells each
/// recipient ([`tell`] tells them). Returns its id and how many received it.
pub async fn publish(c: &mut Conn, scope: &Scope, sender: Option<i64>, audience_org: i64, d: &Draft, files: Vec<NewFile>) -> Result<(i64, i64), StoreError> {
    let to = tree::get(c, Tree::Org, audience_org).await?.filter(|n| n.closed_on.is_none());
    let sender_node = match sender {
        None => {
            crate::scope::office_only(scope)?;
            None
        }
        Some(id) => {
            let n = tree::get(c, Tree::Org, id).await?.ok_or(StoreError::NotFound)?;
            if scope.party_access(&n.path).is_none() {
                return Err(StoreError::NotFound);
            }
            if !sends_for(scope, &n) {
                return Err(StoreError::forbidden("只有创先办和二级党组织可以发通知", "Only the office and secondary organizations send notices"));
            }
            Some(n)
        }
    };
    let Some(to) = to else {
        return Err(StoreError::invalid("audience_org_id", "请选择通知范围内的党组织", "Choose the organization it goes to"));
    };
    if let Some(s) = &sender_node {
        if !to.path.starts_with(&s.path) {
            // Another college's organization: as if it did not exist.
            return Err(StoreError::NotFound);
        }
    }
    let post = match d.audience {
        Audience::Members => "",
        // The committee: a group's leader is not on it.
        Audience::Secretaries => " AND m.post NOT IN ('member', 'group_leader')",
    };
    let people: Vec<(i64,)> = c
        .fetch_all(
            Sql::new(format!(
                "SELECT DISTINCT m.person_id FROM org_memberships m JOIN orgs o ON o.id = m.org_id JOIN people p ON p.id = m.person_id \
                 WHERE m.end_date IS NULL AND p.left_on IS NULL AND o.path LIKE $1{post} ORDER BY m.person_id"
            ))
            .bind(format!("{}%", to.path)),
        )
        .await?;
    if people.is_empty() {
        return Err(StoreError::invalid("audience_org_id", "这个范围内没有人可以通知", "Nobody in that part of the tree to tell"));
    }
    let now = now_ms();
    let id = c
        .fetch_i64(
            Sql::new(
                "INSERT INTO announcements (sender_org_id, audience_org_id, audience, title, body, published_by, published_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(sender)
            .bind(to.id)
            .bind(d.audience.code())
            .bind(d.title.as_str())
            .bind(d.body.as_str())
            .bind(scope.account.0)
            .bind(now),
        )
        .await?;
    for chunk in people.chunks(400) {
        let mut q = Sql::new("INSERT INTO announcement_recipients (announcement_id, person_id) VALUES ");
        for (i, (p,)) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push("(").push_bind(id).push(", ").push_bind(*p).push(")");
        }
        c.execute(q).await?;
    }
    let listed = crate::attachments::keep(c, crate::attachments::ANNOUNCEMENT, id, files).await?;
    audit::append(
        c,
        scope,
        "announcement.publish",
        "announcement",
        id,
        None,
        audit::snapshot(
            &serde_json::json!({"title": d.title, "sender_org": sender, "audience_org": to.id, "audience": d.audience.code(), "recipients": people.len(), "files": listed}),
        ),
    )
    .await?;
    Ok((id, people.len() as i64))
}

/// Tells each recipient with an account of a notice (and mails those with an address).
pub async fn tell(c: &mut Conn, id: i64, public_url: &str) -> Result<usize, StoreError> {
    let a: AnnouncementRow = c.fetch_optional(Sql::new(format!("{SELECT} WHERE a.id = $1")).bind(id)).await?.ok_or(StoreError::NotFound)?;
    let accounts: Vec<(i64, Option<String>)> = c
        .fetch_all(
            Sql::new(
                "SELECT ac.id, p.email FROM announcement_recipients r JOIN accounts ac ON ac.person_id = r.person_id AND ac.disabled = FALSE JOIN people p ON p.id = r.person_id \
                 WHERE r.announcement_id = $1 ORDER BY ac.id",
            )
            .bind(id),
        )
        .await?;
    let link = notify::Link { task: None, href: format!("/announcements/{id}") };
    notify::tell(
        c,
        &accounts,
        "announcement",
        &format!("{}通知：{}", a.sender_name.as_deref().unwrap_or("创先办"), a.title),
        &format!("Notice from {}: {}", a.sender_name.as_deref().unwrap_or("the campaign office"), a.title),
        &link,
        &format!("announcement:{id}"),
        public_url,
    )
    .await
}

/// What the caller may do with a notice.
#[derive(Clone, Debug, Default)]
pub struct Standing {
    /// They received it.
    pub recipient: bool,
    /// When they first read it.
    pub read_ms: Option<i64>,
    /// Whose receipts they see.
    pub receipts: ReceiptsReach,
}

/// A notice the caller may read, and their standing; 404 for anyone else.
pub async fn get(c: &mut Conn, scope: &Scope, id: i64) -> Result<(AnnouncementRow, Standing), StoreError> {
    let a: AnnouncementRow = c.fetch_optional(Sql::new(format!("{SELECT} WHERE a.id = $1")).bind(id)).await?.ok_or(StoreError::NotFound)?;
    let me = scope.person.map(|p| p.0).unwrap_or(0);
    let mine: Option<(Option<i64>,)> =
        c.fetch_optional(Sql::new("SELECT read_ms FROM announcement_recipients WHERE announcement_id = $1 AND person_id = $2").bind(id).bind(me)).await?;
    let recipient = mine.is_some();
    let receipts = receipts_reach(scope, &a.audience_path);
    if !recipient && receipts == ReceiptsReach::None {
        return Err(StoreError::NotFound);
    }
    Ok((a, Standing { recipient, read_ms: mine.and_then(|m| m.0), receipts }))
}

/// Records the caller's first reading of a notice they received (later readings change
/// nothing). Whether this was the first.
pub async fn mark_read(c: &mut Conn, scope: &Scope, id: i64) -> Result<bool, StoreError> {
    let Some(me) = scope.person else {
        return Ok(false);
    };
    let n = c
        .execute(Sql::new("UPDATE announcement_recipients SET read_ms = $1 WHERE announcement_id = $2 AND person_id = $3 AND read_ms IS NULL").bind(now_ms()).bind(id).bind(me.0))
        .await?;
    Ok(n == 1)
}

/// A notice in a list: with whether the caller has read it (for those they received).
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ListRow {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub a: AnnouncementRow,
    /// None when the caller did not receive it.
    pub my_read_ms: Option<i64>,
    pub received: bool,
}

/// The notices the caller received and those sent to parts of the tree they reach, newest first.
pub async fn list(c: &mut Conn, scope: &Scope, limit: i64) -> Result<Vec<ListRow>, StoreError> {
    let me = scope.person.map(|p| p.0).unwrap_or(0);
    let mut q = Sql::new(SELECT.replace(
        " FROM announcements a",
        ", (SELECT r.read_ms FROM announcement_recipients r WHERE r.announcement_id = a.id AND r.person_id = $1) AS my_read_ms, \
         EXISTS (SELECT 1 FROM announcement_recipients r WHERE r.announcement_id = a.id AND r.person_id = $1) AS received FROM announcements a",
    ))
    .bind(me);
    q.push(" WHERE a.id IN ");
    push_readable_ids(&mut q, scope);
    q.push(" ORDER BY a.published_ms DESC, a.id DESC LIMIT ").push_bind(limit);
    Ok(c.fetch_all(q).await?)
}

/// A recipient as the receipts show them.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Receipt {
    pub person_id: i64,
    pub name: String,
    pub org_label: Option<String>,
    pub read_ms: Option<i64>,
}

/// The recipients whose receipts the caller sees (see [`ReceiptsReach`]) with their first
/// reading, those who have not read it first.
pub async fn receipts(c: &mut Conn, scope: &Scope, id: i64) -> Result<Vec<Receipt>, StoreError> {
    let (_, st) = get(c, scope, id).await?;
    let mut q = Sql::new(format!(
        "SELECT p.id AS person_id, p.name, {} AS org_label, r.read_ms FROM announcement_recipients r JOIN people p ON p.id = r.person_id WHERE r.announcement_id = $1",
        crate::people::ORG_LABEL
    ))
    .bind(id);
    match &st.receipts {
        ReceiptsReach::None => return Err(StoreError::NotFound),
        ReceiptsReach::All => {}
        ReceiptsReach::Within(paths) => {
            q.push(" AND r.person_id IN (SELECT wm.person_id FROM org_memberships wm JOIN orgs wo ON wo.id = wm.org_id WHERE wm.end_date IS NULL AND (1 = 0");
            for p in paths {
                q.push(" OR wo.path LIKE ").push_bind(format!("{p}%"));
            }
            q.push("))");
        }
    }
    q.push(" ORDER BY r.read_ms IS NOT NULL, org_label, p.name, p.id");
    Ok(c.fetch_all(q).await?)
}

pub async fn files(c: &mut Conn, id: i64) -> Result<Vec<FileMeta>, StoreError> {
    crate::attachments::list(c, crate::attachments::ANNOUNCEMENT, id).await
}

/// A file of a notice the caller may read.
pub async fn file(c: &mut Conn, scope: &Scope, file: i64) -> Result<(String, String, Vec<u8>), StoreError> {
    let owner = crate::attachments::owner_of(c, crate::attachments::ANNOUNCEMENT, file).await?;
    get(c, scope, owner).await?;
    crate::attachments::read(c, crate::attachments::ANNOUNCEMENT, file).await
}

/// The demo's notices (no one is told): one from the office to every branch's secretaries and committee members
/// (most have read it), one from the first college to its members.
pub async fn demo(c: &mut Conn) -> Result<(), StoreError> {
    let office = Scope { roles: vec![pacesetter_domain::role::Role::Office], ..Scope::system("demo-loader") };
    let orgs = tree::all(c, Tree::Org).await?;
    let Some(root) = orgs.iter().find(|n| n.parent_id.is_none()) else {
        return Ok(());
    };
    let d = Draft {
        title: "关于做好七一表彰推荐工作的通知".into(),
        body: "各党支部：\n根据学校创先争优活动实施方案，请各支部于6月10日前完成优秀共产党员、优秀党务工作者和先进基层党组织的推荐，推荐材料报所在二级党组织。\n\n创先办".into(),
        audience: Audience::Secretaries,
    };
    let (id, _) = publish(c, &office, None, root.id, &d, Vec::new()).await?;
    // Most have read it: all but every fourth.
    c.execute(
        Sql::new("UPDATE announcement_recipients SET read_ms = $1 WHERE announcement_id = $2 AND person_id % 4 <> 0 AND person_id NOT IN (SELECT person_id FROM accounts WHERE person_id IS NOT NULL AND is_demo = TRUE)")
            .bind(now_ms())
            .bind(id),
    )
    .await?;
    if let Some(college) = orgs.iter().find(|n| is_secondary(n) && OrgKind::parse(&n.kind) == Some(OrgKind::Committee)) {
        let system = Scope { reaches: vec![(pacesetter_domain::scope::Reach::Org(college.path.clone()), Access::Write)], ..Scope::system("demo-loader") };
        let d = Draft {
            title: "关于开展“我身边的优秀共产党员”征文活动的通知".into(),
            body: "各党支部、全体党员：\n为宣传身边的先进典型，学院党委决定开展“我身边的优秀共产党员”征文活动。请于5月20日前将征文交所在支部，由支部择优推荐。".into(),
            audience: Audience::Members,
        };
        publish(c, &system, Some(college.id), college.id, &d, Vec::new()).await?;
    }
    Ok(())
}
