//! The experience library (item 17) in SQL: entries handed in by organizations and units (or the
//! office) with their files, the office's review, who reads what (published entries: anyone
//! signed in; the others: the office and those who reach the source), and the entries made from
//! experience-exchange meetings' records.

use crate::db::{Conn, Sql};
use crate::tree::{self, Tree};
use crate::{StoreError, audit};
use pacesetter_domain::dates::now_ms;
use pacesetter_domain::library::{Draft, Kind, State};
use pacesetter_domain::role::Role;
use pacesetter_domain::scope::{Access, Reach, Scope};
use serde::Serialize;

/// Who an entry comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Office,
    Org(i64),
    Unit(i64),
}

pub use crate::attachments::{FileMeta, NewFile};

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct EntryRow {
    pub id: i64,
    pub kind: String,
    pub item: Option<i64>,
    pub title: String,
    pub body: String,
    pub source_org_id: Option<i64>,
    pub source_unit_id: Option<i64>,
    /// The organization's or unit's name; None for the office.
    pub source_name: Option<String>,
    pub source_path: Option<String>,
    pub meeting_id: Option<i64>,
    pub state: String,
    pub review_comment: Option<String>,
    pub submitted_ms: i64,
    pub reviewed_ms: Option<i64>,
}

impl EntryRow {
    pub fn kind(&self) -> Kind {
        Kind::parse(&self.kind).unwrap_or(Kind::Experience)
    }
    pub fn state(&self) -> State {
        State::parse(&self.state).unwrap_or(State::Submitted)
    }
}

const SELECT: &str = "SELECT e.id, e.kind, e.item, e.title, e.body, e.source_org_id, e.source_unit_id, COALESCE(so.name, su.name) AS source_name, \
     COALESCE(so.path, su.path) AS source_path, e.meeting_id, e.state, e.review_comment, e.submitted_ms, e.reviewed_ms \
     FROM library_entries e LEFT JOIN orgs so ON so.id = e.source_org_id LEFT JOIN units su ON su.id = e.source_unit_id";

/// The caller's own reach on a unit (never the administrator's reach over everything).
fn own_unit_access(scope: &Scope, path: &str) -> Option<Access> {
    scope.reaches.iter().filter(|(r, _)| matches!(r, Reach::Unit(p) if path.starts_with(p.as_str()))).map(|(_, a)| *a).max()
}

/// The caller's access to a source: the office's to all; through their own reaches in the
/// Party tree or the administrative one otherwise (the administrator's reach over everything
/// does not count: the library is the campaign's, not the system's).
pub fn source_access(scope: &Scope, org_path: Option<&str>, unit_path: Option<&str>) -> Option<Access> {
    if scope.is_office() {
        return Some(Access::Write);
    }
    match (org_path, unit_path) {
        (Some(p), _) => scope.party_access(p),
        (_, Some(p)) => own_unit_access(scope, p),
        _ => None,
    }
}

/// Whether the caller reads an entry that is not published: the office, the leaders, and those
/// who reach its source.
fn reads_unpublished(scope: &Scope, e: &EntryRow) -> bool {
    let path = e.source_path.as_deref();
    scope.has(Role::Leader) || source_access(scope, e.source_org_id.and(path), e.source_unit_id.and(path)).is_some()
}

/// `(SELECT e.id …)`: the entries the caller may read: the published ones, and the others of
/// sources they reach (all for the office and the leaders).
pub(crate) fn push_readable_ids(q: &mut Sql, scope: &Scope) {
    q.push("(SELECT e.id FROM library_entries e LEFT JOIN orgs so ON so.id = e.source_org_id LEFT JOIN units su ON su.id = e.source_unit_id WHERE e.state = 'published' OR ");
    crate::scope::push_org_condition(q, scope, Access::Read, "so.path", scope.is_office() || scope.has(Role::Leader));
    for r in scope.reaches_at_least(Access::Read) {
        if let Reach::Unit(p) = r {
            q.push(" OR su.path LIKE ").push_bind(format!("{p}%"));
        }
    }
    q.push(")");
}

async fn insert(c: &mut Conn, scope: &Scope, source: Source, meeting: Option<i64>, d: &Draft, files: Vec<NewFile>) -> Result<i64, StoreError> {
    let (org, unit) = match source {
        Source::Office => (None, None),
        Source::Org(id) => (Some(id), None),
        Source::Unit(id) => (None, Some(id)),
    };
    let id = c
        .fetch_i64(
            Sql::new(
                "INSERT INTO library_entries (kind, item, title, body, source_org_id, source_unit_id, meeting_id, state, submitted_by, submitted_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'submitted', $8, $9) RETURNING id",
            )
            .bind(d.kind.code())
            .bind(d.item)
            .bind(d.title.as_str())
            .bind(d.body.as_str())
            .bind(org)
            .bind(unit)
            .bind(meeting)
            .bind(scope.account.0)
            .bind(now_ms()),
        )
        .await?;
    let listed = crate::attachments::keep(c, crate::attachments::LIBRARY, id, files).await?;
    audit::append(
        c,
        scope,
        "library.submit",
        "library_entry",
        id,
        None,
        audit::snapshot(&serde_json::json!({"title": d.title, "kind": d.kind.code(), "item": d.item, "source_org": org, "source_unit": unit, "meeting": meeting, "files": listed})),
    )
    .await?;
    Ok(id)
}

/// Hands in an entry from a source the caller changes (the office may hand one in as itself).
pub async fn submit(c: &mut Conn, scope: &Scope, source: Source, d: &Draft, files: Vec<NewFile>) -> Result<i64, StoreError> {
    match source {
        Source::Office => crate::scope::office_only(scope)?,
        Source::Org(id) | Source::Unit(id) => {
            let t = if matches!(source, Source::Org(_)) { Tree::Org } else { Tree::Unit };
            let n = tree::get(c, t, id).await?.filter(|n| n.closed_on.is_none()).ok_or(StoreError::NotFound)?;
            let access = if t == Tree::Org { source_access(scope, Some(&n.path), None) } else { source_access(scope, None, Some(&n.path)) };
            match access {
                None => return Err(StoreError::NotFound),
                Some(Access::Read) => return Err(StoreError::forbidden("只能以您负责的组织或单位名义提交", "Hand it in for an organization or unit you keep")),
                Some(Access::Write) => {}
            }
        }
    }
    insert(c, scope, source, None, d, files).await
}

/// The entry made from an experience-exchange meeting's record: its topic, minutes and
/// materials (not its photos), from its host, waiting for the office's review. Called when the meeting is
/// recorded (the caller ran it).
pub(crate) async fn from_meeting(c: &mut Conn, scope: &Scope, meeting: i64) -> Result<i64, StoreError> {
    let (topic, minutes, org, unit, day): (String, Option<String>, Option<i64>, Option<i64>, time::Date) =
        c.fetch_one(Sql::new("SELECT topic, minutes, org_id, unit_id, on_day FROM meetings WHERE id = $1").bind(meeting)).await?;
    let source = match (org, unit) {
        (Some(o), _) => Source::Org(o),
        (_, Some(u)) => Source::Unit(u),
        _ => Source::Office,
    };
    let d = Draft {
        title: topic.chars().take(pacesetter_domain::library::MAX_TITLE).collect(),
        body: format!("{}（{}）\n\n{}", topic, pacesetter_domain::dates::iso(day), minutes.unwrap_or_default()).chars().take(pacesetter_domain::library::MAX_BODY).collect(),
        kind: Kind::Experience,
        item: Some(17),
    };
    // The materials, not the photos of the meeting (those stay with it).
    let files: Vec<(String, String, Vec<u8>)> = c
        .fetch_all(
            Sql::new("SELECT name, content_type, data FROM meeting_files WHERE meeting_id = $1 AND photo = FALSE ORDER BY id LIMIT $2")
                .bind(meeting)
                .bind(pacesetter_domain::library::MAX_FILES as i64),
        )
        .await?;
    let files = files.into_iter().map(|(name, content_type, data)| NewFile { name, content_type, data }).collect();
    insert(c, scope, source, Some(meeting), &d, files).await
}

/// An entry the caller may read; 404 for anyone else.
pub async fn get(c: &mut Conn, scope: &Scope, id: i64) -> Result<EntryRow, StoreError> {
    let e: EntryRow = c.fetch_optional(Sql::new(format!("{SELECT} WHERE e.id = $1")).bind(id)).await?.ok_or(StoreError::NotFound)?;
    if e.state() == State::Published || reads_unpublished(scope, &e) { Ok(e) } else { Err(StoreError::NotFound) }
}

/// The office publishes an entry handed in, or returns it with a reason.
pub async fn review(c: &mut Conn, scope: &Scope, id: i64, to: State, comment: Option<&str>) -> Result<EntryRow, StoreError> {
    crate::scope::office_only(scope)?;
    get(c, scope, id).await?;
    let n = c
        .execute(
            Sql::new("UPDATE library_entries SET state = $1, review_comment = $2, reviewed_ms = $3 WHERE id = $4 AND state = 'submitted'")
                .bind(to.code())
                .bind(comment)
                .bind(now_ms())
                .bind(id),
        )
        .await?;
    StoreError::unless_changed(n, "这条经验已审核过", "This entry has been reviewed already")?;
    audit::append(c, scope, "library.review", "library_entry", id, None, audit::snapshot(&serde_json::json!({"state": to.code(), "comment": comment}))).await?;
    get(c, scope, id).await
}

/// Filters of the list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub kind: Option<Kind>,
    pub item: Option<i64>,
    pub state: Option<State>,
}

/// The entries the caller may read under a filter, newest first.
pub async fn list(c: &mut Conn, scope: &Scope, f: &Filter, limit: i64) -> Result<Vec<EntryRow>, StoreError> {
    let mut q = Sql::new(format!("{SELECT} WHERE e.id IN "));
    push_readable_ids(&mut q, scope);
    if let Some(k) = f.kind {
        q.push(" AND e.kind = ").push_bind(k.code());
    }
    if let Some(i) = f.item {
        q.push(" AND e.item = ").push_bind(i);
    }
    if let Some(s) = f.state {
        q.push(" AND e.state = ").push_bind(s.code());
    }
    q.push(" ORDER BY e.submitted_ms DESC, e.id DESC LIMIT ").push_bind(limit);
    Ok(c.fetch_all(q).await?)
}

pub async fn files(c: &mut Conn, id: i64) -> Result<Vec<FileMeta>, StoreError> {
    crate::attachments::list(c, crate::attachments::LIBRARY, id).await
}

/// A file of an entry the caller may read.
pub async fn file(c: &mut Conn, scope: &Scope, file: i64) -> Result<(String, String, Vec<u8>), StoreError> {
    let owner = crate::attachments::owner_of(c, crate::attachments::LIBRARY, file).await?;
    get(c, scope, owner).await?;
    crate::attachments::read(c, crate::attachments::LIBRARY, file).await
}

/// The demo's library: a few published entries from colleges and the office, and one waiting.
pub async fn demo(c: &mut Conn) -> Result<(), StoreError> {
    let scope = Scope { roles: vec![pacesetter_domain::role::Role::Office], ..Scope::system("demo-loader") };
    let colleges: Vec<(i64,)> = c.fetch_all(Sql::new("SELECT id FROM orgs WHERE depth = 1 AND kind = 'committee' AND closed_on IS NULL ORDER BY id LIMIT 3")).await?;
    let entries: [(Kind, i64, &str, &str); 4] = [
        (
            Kind::System,
            17,
            "党支部“三会一课”考勤与通报制度",
            "一、支部党员大会、支委会、党小组会和党课均实行签到，缺席须事先请假。\n二、每季度在支部内通报出勤情况，连续两次无故缺席的由支部书记谈话提醒。\n三、考勤记录作为民主评议党员的依据之一。",
        ),
        (
            Kind::Experience,
            3,
            "公开承诺“双公示”做法",
            "承诺内容在学院橱窗和网站同时公示，践诺进度每月更新一次；年底由服务对象评诺，评诺结果与评先挂钩。实行以来承诺按期完成率明显提高。",
        ),
        (
            Kind::Case,
            10,
            "学生公寓报修问题的闭环办理",
            "学生反映公寓热水器故障后，后勤处当天受理，三天内维修完毕，并回访学生确认满意。此后建立了报修问题台账，每周汇总一次办结情况。",
        ),
        (Kind::Experience, 16, "党员志愿服务积分管理", "每名党员每学期参加志愿服务不少于8小时，服务时长计入积分，积分结果在支部公示，作为评选优秀共产党员的参考。"),
    ];
    for (i, (kind, item, title, body)) in entries.into_iter().enumerate() {
        let source = colleges.get(i % colleges.len().max(1)).map(|c| Source::Org(c.0)).unwrap_or(Source::Office);
        let d = Draft { title: title.into(), body: body.into(), kind, item: Some(item) };
        let id = insert(c, &scope, source, None, &d, Vec::new()).await?;
        // The last one is still waiting for the office.
        if i < 3 {
            review(c, &scope, id, State::Published, None).await?;
        }
    }
    Ok(())
}
