//! The central groups (党委中心组): the university's and each secondary organization's group,
//! its members, its study plan, its sessions (meetings of kind `central_group`, with their
//! speaker, documents and guests), what members hand in, and the inputs of each member's year.
//!
//! Who sees what: the committee that holds the group runs it (its secretaries; the office runs
//! every group); the group's leader and study secretary read everything of it; a member sees the
//! group, its plan and sessions, and their own contributions and score; a former member finds the
//! group still, and the use cases show them only the years they served. Nobody else finds the
//! group here (its plan, members, contributions and scores). A session is a meeting, though: on
//! the meetings pages it is read, as any meeting of the committee, by whoever reads the committee
//! (its contact person, the university's leaders), with its list, leave reasons and minutes, and
//! its expected members see it there too.

use crate::StoreError;
use crate::audit;
use crate::db::{Conn, Sql};
use crate::meeting::{self, Host};
use crate::tree::{self, Node, Tree};
use pacesetter_domain::central_group::{Contribution, GroupRole, Guest, Inputs, Weights};
use pacesetter_domain::dates::now_ms;
use pacesetter_domain::meeting::{Kind, Schedule};
use pacesetter_domain::org::OrgKind;
use pacesetter_domain::scope::{Access, Scope};
use serde::Serialize;
use std::collections::HashMap;
use time::Date;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct GroupRow {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub org_path: String,
    pub name: String,
}

/// How the caller stands to a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Standing {
    /// Keeps it: members, plan, sessions, records.
    pub runs: bool,
    /// Reads every member's contributions and score.
    pub reads_all: bool,
    /// The caller's role, when a current member.
    pub role: Option<GroupRole>,
    /// For a former member only (neither a current member nor a keeper): the years their terms
    /// span, from the first start to the last end.
    pub served: Option<(i32, i32)>,
}

const SELECT: &str = "SELECT g.id, g.org_id, o.name AS org_name, o.path AS org_path, g.name FROM central_groups g JOIN orgs o ON o.id = g.org_id";

fn runs(scope: &Scope, path: &str) -> bool {
    scope.is_office() || scope.party_access(path) == Some(Access::Write)
}

async fn role_of(c: &mut Conn, group: i64, person: Option<i64>) -> Result<Option<GroupRole>, StoreError> {
    let Some(p) = person else { return Ok(None) };
    let r = c.fetch_opt_string(Sql::new("SELECT role FROM central_members WHERE group_id = $1 AND person_id = $2 AND end_date IS NULL").bind(group).bind(p)).await?;
    Ok(r.as_deref().and_then(GroupRole::parse))
}

/// The years a former member's (ended) terms span; None for someone who never was a member.
async fn served(c: &mut Conn, group: i64, person: Option<i64>) -> Result<Option<(i32, i32)>, StoreError> {
    let Some(p) = person else { return Ok(None) };
    let row: Option<(Option<Date>, Option<Date>)> = c
        .fetch_optional(Sql::new("SELECT MIN(start_date), MAX(end_date) FROM central_members WHERE group_id = $1 AND person_id = $2 AND end_date IS NOT NULL").bind(group).bind(p))
        .await?;
    Ok(match row {
        Some((Some(from), Some(to))) => Some((from.year(), to.year())),
        _ => None,
    })
}

/// The group and how the caller stands to it; NotFound for anyone who is neither its keeper nor
/// a member (now or before).
pub async fn get(c: &mut Conn, scope: &Scope, id: i64) -> Result<(GroupRow, Standing), StoreError> {
    let g: GroupRow = c.fetch_optional(Sql::new(format!("{SELECT} WHERE g.id = $1")).bind(id)).await?.ok_or(StoreError::NotFound)?;
    let me = scope.person.map(|p| p.0);
    let role = role_of(c, id, me).await?;
    let runs = runs(scope, &g.org_path);
    let served = if runs || role.is_some() { None } else { served(c, id, me).await? };
    if !runs && role.is_none() && served.is_none() {
        return Err(StoreError::NotFound);
    }
    Ok((g, Standing { runs, reads_all: runs || role.is_some_and(GroupRole::reads_all), role, served }))
}

/// The group, for one who keeps it (NotFound for those who do not find it, Forbidden for its
/// members and former members).
pub async fn keep(c: &mut Conn, scope: &Scope, id: i64) -> Result<GroupRow, StoreError> {
    let (g, st) = get(c, scope, id).await?;
    if !st.runs {
        return Err(StoreError::forbidden("中心组由其所在党委（创先办）管理", "The committee that holds the group (or the office) keeps it"));
    }
    Ok(g)
}

/// The groups the caller keeps or belongs to (every group for the office).
pub async fn list(c: &mut Conn, scope: &Scope) -> Result<Vec<GroupRow>, StoreError> {
    let all: Vec<GroupRow> = c.fetch_all(Sql::new(format!("{SELECT} ORDER BY o.path"))).await?;
    let mine: Vec<i64> = match scope.person {
        Some(p) => c.fetch_all::<(i64,)>(Sql::new("SELECT DISTINCT group_id FROM central_members WHERE person_id = $1").bind(p.0)).await?.into_iter().map(|r| r.0).collect(),
        None => Vec::new(),
    };
    Ok(all.into_iter().filter(|g| runs(scope, &g.org_path) || mine.contains(&g.id)).collect())
}

/// Sets up the group of the university or of a secondary organization; its keeper does.
pub async fn create(c: &mut Conn, scope: &Scope, org: i64, name: &str) -> Result<i64, StoreError> {
    let node = tree::require(c, Tree::Org, org).await?;
    if scope.party_access(&node.path).is_none() && !scope.is_office() {
        return Err(StoreError::NotFound);
    }
    if !runs(scope, &node.path) {
        return Err(StoreError::forbidden("中心组由其所在党委（创先办）建立", "The committee (or the office) sets up its central group"));
    }
    let kind = OrgKind::parse(&node.kind);
    if node.closed_on.is_some() || !kind.is_some_and(|k| k == OrgKind::University || k.is_secondary()) {
        return Err(StoreError::invalid("org_id", "中心组设在校党委或二级党组织", "A central group belongs to the university's committee or a secondary organization"));
    }
    let name = name.trim();
    let name = if name.is_empty() { format!("{}中心组", node.name) } else { name.chars().take(60).collect() };
    let id = c
        .fetch_i64(Sql::new("INSERT INTO central_groups (org_id, name, created_ms) VALUES ($1, $2, $3) RETURNING id").bind(org).bind(name.as_str()).bind(now_ms()))
        .await
        .map_err(|e| StoreError::on_duplicate(e, "该党组织已有中心组", "This organization has a central group already"))?;
    audit::append(c, scope, "central_group.create", "central_group", id, None, None).await?;
    Ok(id)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct MemberRow {
    pub id: i64,
    pub person_id: i64,
    pub name: String,
    pub number: String,
    pub role: String,
    pub post: String,
    pub start_date: Date,
    pub end_date: Option<Date>,
}

/// The group's members, current first, then those who left.
pub async fn members(c: &mut Conn, group: i64) -> Result<Vec<MemberRow>, StoreError> {
    Ok(c.fetch_all(
        Sql::new(
            "SELECT m.id, m.person_id, p.name, p.number, m.role, m.post, m.start_date, m.end_date FROM central_members m JOIN people p ON p.id = m.person_id \
             WHERE m.group_id = $1 ORDER BY CASE WHEN m.end_date IS NULL THEN 0 ELSE 1 END, CASE m.role WHEN 'leader' THEN 0 WHEN 'deputy' THEN 1 WHEN 'secretary' THEN 2 ELSE 3 END, p.number",
        )
        .bind(group),
    )
    .await?)
}

const HAS_LEADER: (&str, &str) = ("中心组已有组长：请先结束原组长的任职", "The group has a leader: end their term first");

/// A refused insert of a member as the checks before it answer: the person's current term
/// (`central_members_current`, on group and person) or the group's current leader
/// (`central_members_leader`, on the group alone).
fn member_duplicate(e: sqlx::Error) -> StoreError {
    let person = e.as_database_error().is_some_and(|d| d.constraint() == Some("central_members_current") || d.message().contains("person_id"));
    if person {
        let t = pacesetter_domain::central_group::already_member();
        StoreError::on_duplicate(e, &t.zh, &t.en)
    } else {
        StoreError::on_duplicate(e, HAS_LEADER.0, HAS_LEADER.1)
    }
}

/// Adds a member (a person on the roster in the keeper's reach, not in the group now) with their
/// role and post. A person who has left, or whom the keeper does not reach (the office reaches
/// everyone), is refused under `number` alike, so the answer does not tell who is on the roster.
pub async fn add_member(c: &mut Conn, scope: &Scope, group: i64, person: i64, role: GroupRole, post: &str, on: Date) -> Result<i64, StoreError> {
    keep(c, scope, group).await?;
    let reached = scope.is_office() || crate::people::access(c, scope, pacesetter_domain::ids::PersonId(person)).await?.is_some();
    if !reached || c.fetch_i64(Sql::new("SELECT COUNT(*) FROM people WHERE id = $1 AND left_on IS NULL").bind(person)).await? == 0 {
        return Err(StoreError::invalid("number", "此人不在册", "This person is not on the roster"));
    }
    if role_of(c, group, Some(person)).await?.is_some() {
        return Err(StoreError::Conflict(pacesetter_domain::central_group::already_member()));
    }
    if role == GroupRole::Leader
        && c.fetch_i64(Sql::new("SELECT COUNT(*) FROM central_members WHERE group_id = $1 AND role = 'leader' AND end_date IS NULL").bind(group)).await? > 0
    {
        return Err(StoreError::conflict(HAS_LEADER.0, HAS_LEADER.1));
    }
    let post: String = post.trim().chars().take(60).collect();
    if post.is_empty() {
        return Err(StoreError::invalid("post", "请填写职务（如党委书记、院长）", "Give the post (such as 党委书记, 院长)"));
    }
    // The checks above read before writing; the database's unique indexes (one current term of a
    // person, one current leader) settle two keepers adding at once, with the same answers.
    let id = c
        .fetch_i64(
            Sql::new("INSERT INTO central_members (group_id, person_id, role, post, start_date) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind(group)
                .bind(person)
                .bind(role.code())
                .bind(post.as_str())
                .bind(on),
        )
        .await
        .map_err(member_duplicate)?;
    audit::append(c, scope, "central_group.member_add", "central_group", group, None, audit::snapshot(&serde_json::json!({"person": person, "role": role.code()}))).await?;
    Ok(id)
}

/// Ends a member's term on a day (not before it began).
pub async fn end_member(c: &mut Conn, scope: &Scope, group: i64, member: i64, on: Date) -> Result<(), StoreError> {
    keep(c, scope, group).await?;
    let row: Option<(Date, Option<Date>)> =
        c.fetch_optional(Sql::new("SELECT start_date, end_date FROM central_members WHERE id = $1 AND group_id = $2").bind(member).bind(group)).await?;
    let Some((start, end)) = row else { return Err(StoreError::NotFound) };
    if end.is_some() {
        return Err(StoreError::conflict("该成员的任职已结束", "This member's term has ended already"));
    }
    if on < start {
        return Err(StoreError::invalid("on", "结束日期不能早于开始日期", "The end cannot be before the start"));
    }
    c.execute(Sql::new("UPDATE central_members SET end_date = $1 WHERE id = $2").bind(on).bind(member)).await?;
    audit::append(c, scope, "central_group.member_end", "central_group", group, None, None).await?;
    Ok(())
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct PlanRow {
    pub month: i64,
    pub topic: String,
    pub documents: String,
}

pub async fn plan(c: &mut Conn, group: i64, year: i32) -> Result<Vec<PlanRow>, StoreError> {
    Ok(c.fetch_all(Sql::new("SELECT month, topic, documents FROM central_plan WHERE group_id = $1 AND year = $2 ORDER BY month").bind(group).bind(year as i64)).await?)
}

/// Sets a month's topic and documents; an empty topic takes the month out of the plan.
pub async fn set_plan(c: &mut Conn, scope: &Scope, group: i64, year: i32, month: u8, topic: &str, documents: &str) -> Result<(), StoreError> {
    keep(c, scope, group).await?;
    c.execute(Sql::new("DELETE FROM central_plan WHERE group_id = $1 AND year = $2 AND month = $3").bind(group).bind(year as i64).bind(month as i64)).await?;
    if !topic.is_empty() {
        c.execute(
            Sql::new("INSERT INTO central_plan (group_id, year, month, topic, documents) VALUES ($1, $2, $3, $4, $5)")
                .bind(group)
                .bind(year as i64)
                .bind(month as i64)
                .bind(topic)
                .bind(documents),
        )
        .await?;
    }
    audit::append(c, scope, "central_group.plan", "central_group", group, None, None).await?;
    Ok(())
}

/// A session: the meeting with what a central group adds to it.
#[derive(Clone, Debug, Serialize)]
pub struct SessionRow {
    pub meeting: meeting::MeetingRow,
    pub speaker: String,
    pub documents: String,
    pub guests: Vec<Guest>,
}

async fn extras(c: &mut Conn, id: i64) -> Result<(String, String, Vec<Guest>), StoreError> {
    let row: Option<(String, String, String)> = c.fetch_optional(Sql::new("SELECT speaker, documents, guests FROM central_sessions WHERE meeting_id = $1").bind(id)).await?;
    Ok(match row {
        Some((s, d, g)) => (s, d, serde_json::from_str(&g).unwrap_or_default()),
        None => Default::default(),
    })
}

/// The group's sessions of a year, newest first.
pub async fn sessions(c: &mut Conn, g: &GroupRow, year: i32) -> Result<Vec<SessionRow>, StoreError> {
    let ids: Vec<(i64,)> = c
        .fetch_all(
            Sql::new("SELECT id FROM meetings WHERE kind = 'central_group' AND org_id = $1 AND on_day >= $2 AND on_day <= $3 ORDER BY on_day DESC, id DESC")
                .bind(g.org_id)
                .bind(Date::from_calendar_date(year, time::Month::January, 1).map_err(|_| StoreError::invalid("year", "年份无效", "Unknown year"))?)
                .bind(Date::from_calendar_date(year, time::Month::December, 31).map_err(|_| StoreError::invalid("year", "年份无效", "Unknown year"))?),
        )
        .await?;
    let mut out = Vec::with_capacity(ids.len());
    for (id,) in ids {
        let m = meeting::get(c, &Scope::system("central-group"), id).await?.0;
        let (speaker, documents, guests) = extras(c, id).await?;
        out.push(SessionRow { meeting: m, speaker, documents, guests });
    }
    Ok(out)
}

/// Schedules a session of the group: a meeting of its committee expecting its current members.
pub async fn schedule(c: &mut Conn, scope: &Scope, group: i64, s: &Schedule, speaker: &str, documents: &str, guests: &[Guest]) -> Result<i64, StoreError> {
    let g = keep(c, scope, group).await?;
    let s = Schedule { kind: Kind::CentralGroup, ..s.clone() };
    let id = meeting::schedule(c, scope, Host::Org(g.org_id), &s, &[]).await?;
    c.execute(
        Sql::new("INSERT INTO central_sessions (meeting_id, speaker, documents, guests) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(speaker.trim().chars().take(60).collect::<String>())
            .bind(documents.trim().chars().take(1000).collect::<String>())
            .bind(serde_json::to_string(guests).unwrap_or_else(|_| "[]".into())),
    )
    .await?;
    Ok(id)
}

/// A session with its group, for someone who stands to the group (NotFound otherwise, and for a
/// meeting that is no central group's session).
pub async fn session(c: &mut Conn, scope: &Scope, id: i64) -> Result<(SessionRow, GroupRow, Standing), StoreError> {
    let m = meeting::get(c, &Scope::system("central-group"), id).await.map_err(|_| StoreError::NotFound)?.0;
    if m.kind() != Kind::CentralGroup {
        return Err(StoreError::NotFound);
    }
    let gid = c.fetch_opt_i64(Sql::new("SELECT id FROM central_groups WHERE org_id = $1").bind(m.org_id.unwrap_or(0))).await?.ok_or(StoreError::NotFound)?;
    let (g, st) = get(c, scope, gid).await?;
    let (speaker, documents, guests) = extras(c, id).await?;
    Ok((SessionRow { meeting: m, speaker, documents, guests }, g, st))
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ContributionRow {
    pub person_id: i64,
    pub name: String,
    pub kind: String,
    pub body: String,
    pub recorded_ms: i64,
}

/// A session's contributions the caller may read: all for the keepers and readers, their own
/// for a member.
pub async fn contributions(c: &mut Conn, scope: &Scope, id: i64) -> Result<Vec<ContributionRow>, StoreError> {
    let (_, _, st) = session(c, scope, id).await?;
    let mut q = Sql::new("SELECT x.person_id, p.name, x.kind, x.body, x.recorded_ms FROM central_contributions x JOIN people p ON p.id = x.person_id WHERE x.meeting_id = ");
    q.push_bind(id);
    if !st.reads_all {
        q.push(" AND x.person_id = ").push_bind(scope.person.map(|p| p.0).unwrap_or(0));
    }
    q.push(" ORDER BY p.number, x.kind");
    Ok(c.fetch_all(q).await?)
}

/// Hands in (or replaces) a speech's gist or a written reflection for a session, by the member
/// themselves or by the group's keeper for a member on the session's list; not for a cancelled
/// session, nor before its day. A speech was given at the session: only by someone present.
pub async fn contribute(c: &mut Conn, scope: &Scope, id: i64, person: i64, kind: Contribution, body: &str, today: Date) -> Result<(), StoreError> {
    let (s, _, st) = session(c, scope, id).await?;
    let me = scope.person.map(|p| p.0);
    if me != Some(person) && !st.runs {
        return Err(StoreError::forbidden("只能提交本人的发言和心得体会", "One hands in one's own speeches and reflections"));
    }
    let status = c.fetch_opt_string(Sql::new("SELECT status FROM meeting_attendance WHERE meeting_id = $1 AND person_id = $2").bind(id).bind(person)).await?;
    let Some(status) = status else {
        return Err(StoreError::invalid("person_id", "此人不在本次学习的应到名单中", "This person is not on the session's list"));
    };
    if s.meeting.state() == pacesetter_domain::meeting::State::Cancelled {
        return Err(StoreError::conflict("本次学习已取消", "The session is cancelled"));
    }
    if s.meeting.on_day > today {
        return Err(StoreError::conflict("学习尚未举行", "The session has not taken place yet"));
    }
    if kind == Contribution::Speech && status != pacesetter_domain::meeting::Attendance::Present.code() {
        return Err(StoreError::conflict(
            "交流发言只能由出席本次学习的成员提交（请先签到或由管理者登记出席）",
            "Only a member present at the session hands in a speech (check in, or have the keeper mark them present)",
        ));
    }
    c.execute(Sql::new("DELETE FROM central_contributions WHERE meeting_id = $1 AND person_id = $2 AND kind = $3").bind(id).bind(person).bind(kind.code())).await?;
    c.execute(
        Sql::new("INSERT INTO central_contributions (meeting_id, person_id, kind, body, recorded_by, recorded_ms) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id)
            .bind(person)
            .bind(kind.code())
            .bind(body)
            .bind(scope.account.0)
            .bind(now_ms()),
    )
    .await?;
    audit::append(c, scope, &format!("central_group.{}", kind.code()), "meeting", id, None, None).await?;
    Ok(())
}

/// The inputs of each member's year (those expected at a session held that year), by person. A
/// leave counts only when the keeper marked it on the list (a leave asked for by the member
/// themselves and not confirmed is an absence); contributions count only for sessions held.
pub async fn inputs(c: &mut Conn, g: &GroupRow, year: i32) -> Result<HashMap<i64, Inputs>, StoreError> {
    let (from, to) = (
        Date::from_calendar_date(year, time::Month::January, 1).map_err(|_| StoreError::invalid("year", "年份无效", "Unknown year"))?,
        Date::from_calendar_date(year, time::Month::December, 31).map_err(|_| StoreError::invalid("year", "年份无效", "Unknown year"))?,
    );
    let att: Vec<(i64, String)> = c
        .fetch_all(
            Sql::new(
                "SELECT a.person_id, CASE WHEN a.status = 'leave' AND COALESCE(a.how, '') = 'self' THEN 'absent' ELSE a.status END \
                 FROM meeting_attendance a JOIN meetings m ON m.id = a.meeting_id \
                 WHERE m.kind = 'central_group' AND m.org_id = $1 AND m.state = 'held' AND m.on_day >= $2 AND m.on_day <= $3",
            )
            .bind(g.org_id)
            .bind(from)
            .bind(to),
        )
        .await?;
    let mut out: HashMap<i64, Inputs> = HashMap::new();
    for (p, status) in att {
        let i = out.entry(p).or_default();
        i.sessions += 1;
        match status.as_str() {
            "present" => i.present += 1,
            "leave" => i.leave += 1,
            _ => {}
        }
    }
    let contrib: Vec<(i64, String)> = c
        .fetch_all(
            Sql::new(
                "SELECT x.person_id, x.kind FROM central_contributions x JOIN meetings m ON m.id = x.meeting_id \
                 WHERE m.kind = 'central_group' AND m.org_id = $1 AND m.state = 'held' AND m.on_day >= $2 AND m.on_day <= $3",
            )
            .bind(g.org_id)
            .bind(from)
            .bind(to),
        )
        .await?;
    for (p, kind) in contrib {
        let i = out.entry(p).or_default();
        match Contribution::parse(&kind) {
            Some(Contribution::Speech) => i.speeches += 1,
            Some(Contribution::Reflection) => i.reflections += 1,
            None => {}
        }
    }
    Ok(out)
}

/// The assessment weights in force (the defaults until the office sets them).
pub async fn weights(c: &mut Conn) -> Result<Weights, StoreError> {
    let row: Option<(i64, i64, i64, i64, i64, i64)> =
        c.fetch_optional(Sql::new("SELECT attendance, speeches, reflections, leave_credit, speeches_expected, reflections_expected FROM central_weights WHERE id = 1")).await?;
    Ok(match row {
        Some((attendance, speeches, reflections, leave_credit, speeches_expected, reflections_expected)) => {
            Weights { attendance, speeches, reflections, leave_credit, speeches_expected, reflections_expected }
        }
        None => Weights::default(),
    })
}

pub async fn set_weights(c: &mut Conn, scope: &Scope, w: &Weights) -> Result<(), StoreError> {
    crate::scope::office_only(scope)?;
    w.check().map_err(StoreError::Invalid)?;
    c.execute(Sql::new("DELETE FROM central_weights WHERE id = 1")).await?;
    c.execute(
        Sql::new("INSERT INTO central_weights (id, attendance, speeches, reflections, leave_credit, speeches_expected, reflections_expected) VALUES (1, $1, $2, $3, $4, $5, $6)")
            .bind(w.attendance)
            .bind(w.speeches)
            .bind(w.reflections)
            .bind(w.leave_credit)
            .bind(w.speeches_expected)
            .bind(w.reflections_expected),
    )
    .await?;
    audit::append(c, scope, "central_group.weights", "central_weights", 1, None, audit::snapshot(w)).await?;
    Ok(())
}

/// The node a group belongs to.
pub async fn node(c: &mut Conn, g: &GroupRow) -> Result<Node, StoreError> {
    tree::require(c, Tree::Org, g.org_id).await
}

/// The demo's central groups as of its day: the university's and each college committee's,
/// with the committee's members (secretary as leader, deputies, the organization commissioner
/// as study secretary) and up to four cadres of the college; the year's plan; a session a month
/// over the twelve months before the day (none in February and August), held with most members
/// present and some on leave, with minutes, reflections and speeches; and one session in the
/// coming week. Returns how many sessions were made.
pub async fn demo(c: &mut Conn, day: Date) -> Result<usize, StoreError> {
    use pacesetter_domain::meeting::Attendance;
    use pacesetter_domain::org::Post;
    use pacesetter_domain::people::CadreRank;
    use time::Duration;
    let scope = Scope::system("demo-loader");
    let mut rng = pacesetter_domain::rng::DemoRng::new(51);
    const TOPICS: [&str; 10] = [
        "学习贯彻十七届六中全会精神",
        "学习《关于在党的基层组织和党员中深入开展创先争优活动的意见》",
        "学习胡锦涛同志“七一”重要讲话精神",
        "社会主义核心价值体系建设",
        "高等教育质量工程与内涵发展",
        "学习党章，加强党性修养",
        "廉政建设与作风建设专题",
        "文化强国战略与大学文化建设",
        "科学发展观与学校“十二五”规划",
        "服务群众、服务师生专题研讨",
    ];
    let orgs: Vec<(i64, String, Option<i64>)> =
        c.fetch_all(Sql::new("SELECT id, name, linked_unit_id FROM orgs WHERE kind IN ('university', 'committee') AND closed_on IS NULL ORDER BY depth, id")).await?;
    let mut n = 0;
    for (org, name, unit) in orgs {
        let officers: Vec<(i64, String)> =
            c.fetch_all(Sql::new("SELECT person_id, post FROM org_memberships WHERE org_id = $1 AND end_date IS NULL AND post <> 'member' ORDER BY person_id").bind(org)).await?;
        if officers.is_empty() {
            continue;
        }
        let mut cadres: Vec<(i64, String)> = match unit {
            Some(u) => {
                c.fetch_all(Sql::new(
                    "SELECT DISTINCT p.id, p.cadre_rank FROM people p JOIN unit_memberships m ON m.person_id = p.id JOIN units x ON x.id = m.unit_id JOIN units lu ON lu.id = $1 \
                     WHERE p.cadre_rank IS NOT NULL AND p.left_on IS NULL AND m.end_date IS NULL AND x.path LIKE lu.path || '%' ORDER BY p.id",
                ).bind(u))
                .await?
            }
            None => c.fetch_all(Sql::new("SELECT id, cadre_rank FROM people WHERE cadre_rank IN ('bureau', 'deputy_bureau') AND left_on IS NULL ORDER BY id")).await?,
        };
        cadres.retain(|(p, _)| !officers.iter().any(|(o, _)| o == p));
        cadres.truncate(4);
        let gid = c
            .fetch_i64(Sql::new("INSERT INTO central_groups (org_id, name, created_ms) VALUES ($1, $2, $3) RETURNING id").bind(org).bind(format!("{name}中心组")).bind(now_ms()))
            .await?;
        let since = Date::from_calendar_date(day.year() - 1, time::Month::January, 1).unwrap_or(day);
        let mut members: Vec<(i64, GroupRole, String)> = Vec::new();
        for (p, post) in &officers {
            // One term a person and one leader a group (the database's unique indexes).
            if members.iter().any(|(q, _, _)| q == p) {
                continue;
            }
            let post = Post::parse(post);
            let role = match post {
                Some(Post::Secretary) if !members.iter().any(|(_, r, _)| *r == GroupRole::Leader) => GroupRole::Leader,
                Some(Post::Secretary) => GroupRole::Deputy,
                Some(Post::DeputySecretary) => GroupRole::Deputy,
                Some(Post::OrganizationCommissioner) => GroupRole::Secretary,
                _ => GroupRole::Member,
            };
            let label = post.map(|x| x.label(pacesetter_domain::Lang::Zh)).unwrap_or("委员");
            members.push((*p, role, format!("{name}{label}")));
        }
        for (p, rank) in &cadres {
            let label = CadreRank::parse(rank).map(|r| r.label(pacesetter_domain::Lang::Zh)).unwrap_or("干部");
            members.push((*p, GroupRole::Member, format!("{label}干部")));
        }
        for (p, role, post) in &members {
            c.execute(
                Sql::new("INSERT INTO central_members (group_id, person_id, role, post, start_date) VALUES ($1, $2, $3, $4, $5)")
                    .bind(gid)
                    .bind(*p)
                    .bind(role.code())
                    .bind(post.as_str())
                    .bind(since),
            )
            .await?;
        }
        // The plan of the day's year: a topic a month but in the vacations.
        let mut t = rng.below(TOPICS.len());
        for m in (1..=12u8).filter(|m| *m != 2 && *m != 8) {
            t = (t + 1) % TOPICS.len();
            c.execute(
                Sql::new("INSERT INTO central_plan (group_id, year, month, topic, documents) VALUES ($1, $2, $3, $4, $5)")
                    .bind(gid)
                    .bind(day.year() as i64)
                    .bind(m as i64)
                    .bind(TOPICS[t])
                    .bind("学校党委印发的学习材料"),
            )
            .await?;
        }
        // A session a month over the past twelve months, then one in the coming week.
        let mut on = day - Duration::days(365);
        let mut days: Vec<Date> = Vec::new();
        while on < day {
            let first = Date::from_calendar_date(on.year(), on.month(), 10 + rng.below(10) as u8).unwrap_or(on);
            if first < day && !matches!(first.month(), time::Month::February | time::Month::August) {
                days.push(first);
            }
            on = pacesetter_domain::development::add_months(Date::from_calendar_date(on.year(), on.month(), 1).unwrap_or(on), 1);
        }
        days.push(day + Duration::days(2 + rng.below(5) as i64));
        for d in days {
            let s = Schedule {
                kind: Kind::CentralGroup,
                topic: format!("专题学习：{}", rng.pick(&TOPICS)),
                on_day: d,
                starts: "08:30".into(),
                ends: "11:30".into(),
                place: "行政楼第一会议室".into(),
            };
            let mid = meeting::schedule(c, &scope, Host::Org(org), &s, &[]).await?;
            let guests = if rng.chance(0.15) { "[{\"name\":\"刘建国\",\"org\":\"湖南某建工集团党委中心组\"}]" } else { "[]" };
            c.execute(
                Sql::new("INSERT INTO central_sessions (meeting_id, speaker, documents, guests) VALUES ($1, $2, $3, $4)")
                    .bind(mid)
                    .bind("党委书记")
                    .bind("学习材料汇编")
                    .bind(guests),
            )
            .await?;
            n += 1;
            if d >= day {
                continue;
            }
            let mut marks = Vec::new();
            let mut present = Vec::new();
            for (p, _, _) in &members {
                let r = rng.below(100);
                if r < 82 {
                    marks.push((*p, Attendance::Present, None));
                    present.push(*p);
                } else if r < 94 {
                    marks.push((*p, Attendance::Leave, Some(rng.pick(&["出差", "参加上级会议", "外出讲学"]).to_string())));
                }
            }
            meeting::mark(c, &scope, mid, &marks).await?;
            meeting::record(c, &scope, mid, &format!("中心组围绕“{}”开展集中学习，领学人领学，成员交流发言。", s.topic), Vec::new(), day).await?;
            for (i, p) in present.iter().enumerate() {
                let mut items = Vec::new();
                if rng.chance(0.45) {
                    items.push((
                        Contribution::Reflection,
                        format!("参加本次中心组学习，围绕“{}”深入研读学习材料，进一步提高了思想认识，今后将把学习成果转化为推动学院改革发展和创先争优的实际行动。", s.topic),
                    ));
                }
                if i < 2 || rng.chance(0.1) {
                    items.push((Contribution::Speech, "结合分管工作谈学习体会，提出改进措施".to_string()));
                }
                for (kind, body) in items {
                    c.execute(
                        Sql::new("INSERT INTO central_contributions (meeting_id, person_id, kind, body, recorded_by, recorded_ms) VALUES ($1, $2, $3, $4, 0, $5)")
                            .bind(mid)
                            .bind(*p)
                            .bind(kind.code())
                            .bind(body)
                            // Handed in the afternoon of the session (12:00 in Beijing is 04:00 UTC).
                            .bind((d.midnight().assume_utc().unix_timestamp() + 4 * 3600) * 1000 + rng.below(3_600_000) as i64),
                    )
                    .await?;
                }
            }
        }
    }
    Ok(n)
}
