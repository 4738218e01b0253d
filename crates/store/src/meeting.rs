//! Meetings in SQL: the office's rules, scheduling with the expected roster of the day, QR
//! check-in and leave, the secretary's list, the record (minutes, photos, files), cancelling,
//! the lists a caller reads, and the compliance of every branch in reach.
//!
//! Who does what:
//! - a branch meeting is run by whoever writes to its organization (its secretary, the secretary
//!   of the organization above, the office); its readers are those who read the organization
//!   (its contact person, the leaders); its expected people see it, check in and ask for leave;
//! - an exchange meeting is run by the office, or for a unit's one by those who act on the unit
//!   (its head, a college's secretary); the leaders read it; its invitees see it.
//!
//! The leave reasons and the minutes are for those who run and read a meeting; an expected
//! person sees the meeting, their own attendance and, once held, the minutes.

use crate::StoreError;
use crate::audit;
use crate::db::{Conn, Sql};
use crate::tree::{self, Tree};
use pacesetter_domain::dates::now_ms;
use pacesetter_domain::meeting::{self as mt, Attendance, Kind, Period, Rule, Schedule, State};
use pacesetter_domain::org::OrgKind;
use pacesetter_domain::role::Role;
use pacesetter_domain::scope::{Access, Reach, Scope};
use serde::Serialize;
use std::collections::HashMap;
use time::Date;

/// The rules in force, one per branch kind (the default where the office set none).
pub async fn rules(c: &mut Conn) -> Result<Vec<Rule>, StoreError> {
    let rows: Vec<(String, String, String)> = c.fetch_all(Sql::new("SELECT kind, period, vacation FROM meeting_rules")).await?;
    Ok(Kind::BRANCH
        .into_iter()
        .map(|k| match rows.iter().find(|r| r.0 == k.code()) {
            Some((_, p, v)) => Rule { kind: k, period: Period::parse(p).unwrap_or(Period::Monthly), vacation: mt::parse_vacation(v).unwrap_or_default() },
            None => Rule::default_for(k),
        })
        .collect())
}

pub async fn set_rule(c: &mut Conn, scope: &Scope, rule: &Rule) -> Result<(), StoreError> {
    crate::scope::office_only(scope)?;
    let before = rules(c).await?.into_iter().find(|r| r.kind == rule.kind);
    let vacation = rule.vacation.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(",");
    c.execute(
        Sql::new("INSERT INTO meeting_rules (kind, period, vacation) VALUES ($1, $2, $3) ON CONFLICT (kind) DO UPDATE SET period = $2, vacation = $3")
            .bind(rule.kind.code())
            .bind(rule.period.code())
            .bind(vacation),
    )
    .await?;
    audit::append(c, scope, "meeting.rules", "meeting_rules", rule.kind.code(), audit::snapshot(&before), audit::snapshot(rule)).await?;
    Ok(())
}

/// Who holds a meeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Host {
    /// A Party organization (a branch, or a Party group for its own meeting).
    Org(i64),
    /// A unit (an exchange meeting of a college or of 学工部).
    Unit(i64),
    /// The office (a university-wide exchange meeting).
    Office,
}

/// How the caller stands to a meeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Schedules, records and corrects it.
    Runs,
    /// Reads all of it (the organization's contact person, the leaders).
    Reads,
    /// Is expected at it: sees it and their own attendance, checks in, asks for leave.
    Expected,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct MeetingRow {
    pub id: i64,
    pub kind: String,
    pub org_id: Option<i64>,
    pub unit_id: Option<i64>,
    /// The organization's or unit's name ("" for the office).
    pub host_name: String,
    pub host_path: String,
    pub topic: String,
    pub place: String,
    pub on_day: Date,
    pub starts: String,
    pub ends: String,
    pub state: String,
    pub minutes: Option<String>,
    pub cancel_reason: Option<String>,
    pub checkin_opened_ms: Option<i64>,
    pub checkin_closed_ms: Option<i64>,
    pub recorded_ms: Option<i64>,
    pub expected: i64,
    pub present: i64,
    pub leave: i64,
}

impl MeetingRow {
    pub fn kind(&self) -> Kind {
        Kind::parse(&self.kind).unwrap_or(Kind::ThemeDay)
    }

    pub fn state(&self) -> State {
        State::parse(&self.state).unwrap_or(State::Scheduled)
    }

    /// Whether check-in is open at `now`: opened, not closed, and within its hours.
    pub fn checkin_open(&self, now: i64) -> bool {
        self.state() == State::Scheduled && self.checkin_closed_ms.is_none() && self.checkin_opened_ms.is_some_and(|o| now - o < mt::CHECKIN_OPEN_MS)
    }

    /// The attendance rate, once held.
    pub fn rate(&self) -> Option<f64> {
        if self.state() == State::Held { mt::rate(self.present, self.expected) } else { None }
    }
}

const SELECT: &str = "SELECT m.id, m.kind, m.org_id, m.unit_id, COALESCE(o.name, u.name, '') AS host_name, COALESCE(o.path, u.path, '') AS host_path, \
     m.topic, m.place, m.on_day, m.starts, m.ends, m.state, m.minutes, m.cancel_reason, m.checkin_opened_ms, m.checkin_closed_ms, m.recorded_ms, \
     (SELECT COUNT(*) FROM meeting_attendance a WHERE a.meeting_id = m.id) AS expected, \
     (SELECT COUNT(*) FROM meeting_attendance a WHERE a.meeting_id = m.id AND a.status = 'present') AS present, \
     (SELECT COUNT(*) FROM meeting_attendance a WHERE a.meeting_id = m.id AND a.status = 'leave') AS leave \
     FROM meetings m LEFT JOIN orgs o ON o.id = m.org_id LEFT JOIN units u ON u.id = m.unit_id";

/// How the caller stands to a meeting held by `host` at `path`, apart from being expected.
/// The office (or the server itself) runs every meeting; the leaders read every one. The
/// administrator's reach over everything is for accounts, not for minutes and leave reasons.
fn office(scope: &Scope) -> bool {
    scope.is_office()
}

fn leader(scope: &Scope) -> bool {
    scope.has(Role::Leader)
}

fn standing_by_reach(scope: &Scope, row_org: Option<i64>, row_unit: Option<i64>, path: &str) -> Option<Standing> {
    let (write, read) = match (row_org, row_unit) {
        (Some(_), _) => (scope.party_access(path) == Some(Access::Write), leader(scope) || scope.party_access(path).is_some()),
        (None, Some(_)) => (office(scope) || scope.acts_on_unit(path), leader(scope)),
        (None, None) => (office(scope), leader(scope)),
    };
    if write {
        Some(Standing::Runs)
    } else if read {
        Some(Standing::Reads)
    } else {
        None
    }
}

/// The meeting and how the caller stands to it; NotFound for anyone else.
pub async fn get(c: &mut Conn, scope: &Scope, id: i64) -> Result<(MeetingRow, Standing), StoreError> {
    let row: MeetingRow = c.fetch_optional(Sql::new(format!("{SELECT} WHERE m.id = $1")).bind(id)).await?.ok_or(StoreError::NotFound)?;
    if let Some(s) = standing_by_reach(scope, row.org_id, row.unit_id, &row.host_path) {
        return Ok((row, s));
    }
    let me = scope.person.map(|p| p.0).unwrap_or(0);
    if c.fetch_i64(Sql::new("SELECT COUNT(*) FROM meeting_attendance WHERE meeting_id = $1 AND person_id = $2").bind(id).bind(me)).await? > 0 {
        return Ok((row, Standing::Expected));
    }
    Err(StoreError::NotFound)
}

/// The meeting, for the one who runs it (NotFound for others, Forbidden for readers).
async fn run(c: &mut Conn, scope: &Scope, id: i64) -> Result<MeetingRow, StoreError> {
    match get(c, scope, id).await? {
        (row, Standing::Runs) => Ok(row),
        _ => Err(StoreError::forbidden(
            "只有会议的组织者（本支部书记、上级党组织或创先办）可以这样做",
            "Only those who run the meeting (its secretary, the organization above, the office) may do this",
        )),
    }
}

/// What holds a check-in and a record with files: a meeting or an activity.
#[derive(Clone, Copy)]
pub(crate) enum Held {
    Meeting,
    Activity,
}

impl Held {
    fn table(self) -> &'static str {
        match self {
            Held::Meeting => "meetings",
            Held::Activity => "activities",
        }
    }

    fn files(self) -> (&'static str, &'static str) {
        match self {
            Held::Meeting => ("meeting_files", "meeting_id"),
            Held::Activity => ("activity_files", "activity_id"),
        }
    }
}

/// The check-in secret of a meeting or an activity.
pub(crate) async fn checkin_secret(c: &mut Conn, held: Held, id: i64) -> Result<String, StoreError> {
    Ok(c.fetch_opt_string(Sql::new(format!("SELECT checkin_secret FROM {} WHERE id = $1", held.table())).bind(id)).await?.unwrap_or_default())
}

/// Checks a scanned code against a meeting's or an activity's check-in of the moment: open at
/// `now`, and the code of the moment (or the one before).
pub(crate) async fn accept_code(c: &mut Conn, held: Held, id: i64, open: bool, code: &str, now: i64) -> Result<(), StoreError> {
    if !open {
        return Err(StoreError::conflict("签到未开始或已结束", "Check-in is not open"));
    }
    let secret = checkin_secret(c, held, id).await?;
    if !mt::code_accepted(secret.as_bytes(), id, code, now) {
        return Err(StoreError::invalid("code", "签到码已过期或不正确，请重新扫描屏幕上的二维码", "The code has expired or is wrong: scan the code on the screen again"));
    }
    Ok(())
}

/// Stores a record's checked files with their meeting or activity; returns how many.
pub(crate) async fn store_files(c: &mut Conn, held: Held, id: i64, files: Vec<NewFile>) -> Result<usize, StoreError> {
    let (table, owner) = held.files();
    let count = files.len();
    for f in files {
        c.execute(
            Sql::new(format!("INSERT INTO {table} ({owner}, name, content_type, photo, data) VALUES ($1, $2, $3, $4, $5)"))
                .bind(id)
                .bind(f.name)
                .bind(f.content_type)
                .bind(f.photo)
                .bind(f.data),
        )
        .await?;
    }
    Ok(count)
}

/// A fresh check-in secret (a meeting's or an activity's): 16 random bytes as hex.
pub(crate) fn new_secret() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the operating system's random source");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Schedules a meeting; returns its id. The expected people are fixed now: a branch meeting's
/// current members (its committee only for a 支委会); an exchange meeting's invitees as given,
/// or by default the cadres linked to classes in its unit (all of them for the office's).
/// Whether the caller may hold a meeting of `kind` for `host`: its organization's or unit's id
/// (NotFound or Forbidden otherwise, before anything of the request is looked at).
pub async fn check_host(c: &mut Conn, scope: &Scope, host: Host, kind: Kind) -> Result<(Option<i64>, Option<i64>), StoreError> {
    Ok(match host {
        Host::Org(o) => {
            let node = tree::require(c, Tree::Org, o).await?;
            let access = scope.party_access(&node.path);
            if access.is_none() {
                return Err(StoreError::NotFound);
            }
            if access != Some(Access::Write) {
                return Err(StoreError::forbidden(
                    "只有本支部书记、上级党组织或创先办可以安排会议",
                    "Only the branch's secretary, the organization above or the office may schedule its meetings",
                ));
            }
            let org_kind = OrgKind::parse(&node.kind);
            let fits = match kind {
                Kind::Exchange => false,
                // A central group's session: held by the committee whose group it is.
                Kind::CentralGroup => {
                    if c.fetch_i64(Sql::new("SELECT COUNT(*) FROM central_groups WHERE org_id = $1").bind(o)).await? == 0 {
                        return Err(StoreError::invalid("host", "该党组织没有中心组：请先建立中心组", "This organization has no central group: set one up first"));
                    }
                    true
                }
                Kind::Group => org_kind.is_some_and(|k| k.is_branch() || k == OrgKind::Group),
                // Any Party organization studies a document (a Party group studies with its branch).
                Kind::Study => org_kind.is_some_and(|k| k != OrgKind::Group),
                _ => org_kind.is_some_and(|k| k.is_branch()),
            };
            if !fits || node.closed_on.is_some() {
                return Err(StoreError::invalid(
                    "host",
                    "三会一课由党支部召开（党小组会也可由党小组召开）；经验交流会由单位或创先办召开",
                    "三会一课 meetings are held by a branch (a Party group may hold its own meeting); exchange meetings by a unit or the office",
                ));
            }
            (Some(o), None)
        }
        Host::Unit(u) => {
            let node = tree::require(c, Tree::Unit, u).await?;
            if !(office(scope) || scope.acts_on_unit(&node.path)) {
                return Err(StoreError::NotFound);
            }
            if !matches!(kind, Kind::Exchange | Kind::Study) {
                return Err(StoreError::invalid("kind", "单位只能召开经验交流会和专题学习会", "A unit holds exchange meetings and study sessions only"));
            }
            (None, Some(u))
        }
        Host::Office => {
            crate::scope::office_only(scope)?;
            if kind != Kind::Exchange {
                return Err(StoreError::invalid(
                    "kind",
                    "创先办在此只能召开经验交流会；三会一课由支部召开",
                    "The office holds exchange meetings here; branch meetings are held by branches",
                ));
            }
            (None, None)
        }
    })
}

pub async fn schedule(c: &mut Conn, scope: &Scope, host: Host, s: &Schedule, invitees: &[i64]) -> Result<i64, StoreError> {
    let (org_id, unit_id) = check_host(c, scope, host, s.kind).await?;
    let expected: Vec<i64> = match host {
        // A central group's session expects the group's current members.
        Host::Org(o) if s.kind == Kind::CentralGroup => {
            let rows: Vec<(i64,)> = c
                .fetch_all(
                    Sql::new(
                        "SELECT DISTINCT m.person_id FROM central_members m JOIN central_groups g ON g.id = m.group_id JOIN people p ON p.id = m.person_id \
                         WHERE g.org_id = $1 AND m.end_date IS NULL AND p.left_on IS NULL",
                    )
                    .bind(o),
                )
                .await?;
            rows.into_iter().map(|r| r.0).collect()
        }
        // A study session: the members it invites, or all of the organization's.
        Host::Org(o) if s.kind == Kind::Study => {
            let path = tree::require(c, Tree::Org, o).await?.path;
            let rows: Vec<(i64,)> = c
                .fetch_all(
                    Sql::new(
                        // (Not the text of the branch meetings' query below, which binds two values:
                        // PostgreSQL keeps one prepared statement per text.)
                        "SELECT DISTINCT m.person_id FROM org_memberships m JOIN orgs o ON o.id = m.org_id JOIN people p ON p.id = m.person_id \
                         WHERE m.end_date IS NULL AND p.left_on IS NULL AND o.path LIKE $1 ORDER BY m.person_id",
                    )
                    .bind(format!("{path}%")),
                )
                .await?;
            let members: Vec<i64> = rows.into_iter().map(|r| r.0).collect();
            if invitees.is_empty() {
                members
            } else {
                let mut ids = invitees.to_vec();
                ids.sort_unstable();
                ids.dedup();
                if ids.iter().any(|p| !members.contains(p)) {
                    return Err(StoreError::invalid("invitees", "专题学习会只能邀请本组织的党员", "A study session invites the organization's own members"));
                }
                ids
            }
        }
        Host::Org(o) => {
            let path = tree::require(c, Tree::Org, o).await?.path;
            // A 支委会 expects the branch's own committee (not the Party groups' leaders).
            let (within, committee) = if s.kind.committee_only() { ("o.id = $2", " AND m.post NOT IN ('member', 'group_leader')") } else { ("o.path LIKE $1", "") };
            let rows: Vec<(i64,)> = c
                .fetch_all(
                    Sql::new(format!(
                        "SELECT DISTINCT m.person_id FROM org_memberships m JOIN orgs o ON o.id = m.org_id JOIN people p ON p.id = m.person_id \
                         WHERE m.end_date IS NULL AND p.left_on IS NULL AND {within}{committee}"
                    ))
                    .bind(format!("{path}%"))
                    .bind(o),
                )
                .await?;
            rows.into_iter().map(|r| r.0).collect()
        }
        _ if !invitees.is_empty() => {
            let mut ids = invitees.to_vec();
            ids.sort_unstable();
            ids.dedup();
            for p in &ids {
                if c.fetch_i64(Sql::new("SELECT COUNT(*) FROM people WHERE id = $1 AND left_on IS NULL").bind(*p)).await? == 0 {
                    return Err(StoreError::invalid("invitees", "参会人员中有不在册的人员", "An invitee is not on the roster"));
                }
                // A unit invites its own people and the cadres linked to its classes; the office anyone.
                if let (Host::Unit(u), false) = (host, office(scope)) {
                    let path = tree::require(c, Tree::Unit, u).await?.path;
                    let own = c
                        .fetch_i64(
                            Sql::new(
                                "SELECT COUNT(*) FROM units x WHERE x.path LIKE $1 AND (EXISTS (SELECT 1 FROM unit_memberships m WHERE m.unit_id = x.id AND m.person_id = $2 AND m.end_date IS NULL) \
                                 OR EXISTS (SELECT 1 FROM relations r WHERE r.unit_id = x.id AND r.person_id = $2 AND r.kind = 'cadre_class' AND r.end_date IS NULL))",
                            )
                            .bind(format!("{path}%"))
                            .bind(*p),
                        )
                        .await?;
                    if own == 0 {
                        return Err(StoreError::invalid(
                            "invitees",
                            "单位的经验交流会只能邀请本单位人员和联系本单位班级的干部",
                            "A unit invites its own people and the cadres linked to its classes",
                        ));
                    }
                }
            }
            ids
        }
        // A unit's study session: everyone of the unit.
        Host::Unit(u) if s.kind == Kind::Study => {
            let path = tree::require(c, Tree::Unit, u).await?.path;
            let rows: Vec<(i64,)> = c
                .fetch_all(
                    Sql::new(
                        "SELECT DISTINCT m.person_id FROM unit_memberships m JOIN units x ON x.id = m.unit_id JOIN people p ON p.id = m.person_id \
                         WHERE m.end_date IS NULL AND p.left_on IS NULL AND x.path LIKE $1",
                    )
                    .bind(format!("{path}%")),
                )
                .await?;
            rows.into_iter().map(|r| r.0).collect()
        }
        Host::Unit(u) => {
            let path = tree::require(c, Tree::Unit, u).await?.path;
            let rows: Vec<(i64,)> = c
                .fetch_all(
                    Sql::new(
                        "SELECT DISTINCT r.person_id FROM relations r JOIN units x ON x.id = r.unit_id \
                         WHERE r.kind = 'cadre_class' AND r.end_date IS NULL AND x.path LIKE $1",
                    )
                    .bind(format!("{path}%")),
                )
                .await?;
            rows.into_iter().map(|r| r.0).collect()
        }
        Host::Office => {
            let rows: Vec<(i64,)> = c.fetch_all(Sql::new("SELECT DISTINCT person_id FROM relations WHERE kind = 'cadre_class' AND end_date IS NULL")).await?;
            rows.into_iter().map(|r| r.0).collect()
        }
    };
    if expected.is_empty() {
        return Err(StoreError::invalid("invitees", "没有应到人员：请先登记成员，或填写参会人员", "No one is expected: add members to the roster, or name the invitees"));
    }
    let id = c
        .fetch_i64(
            Sql::new(
                "INSERT INTO meetings (kind, org_id, unit_id, topic, place, on_day, starts, ends, state, checkin_secret, created_by, created_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'scheduled', $9, $10, $11) RETURNING id",
            )
            .bind(s.kind.code())
            .bind(org_id)
            .bind(unit_id)
            .bind(s.topic.as_str())
            .bind(s.place.as_str())
            .bind(s.on_day)
            .bind(s.starts.as_str())
            .bind(s.ends.as_str())
            .bind(new_secret())
            .bind(scope.account.0)
            .bind(now_ms()),
        )
        .await?;
    for p in &expected {
        c.execute(Sql::new("INSERT INTO meeting_attendance (meeting_id, person_id, status) VALUES ($1, $2, 'expected')").bind(id).bind(*p)).await?;
    }
    audit::append(c, scope, "meeting.schedule", "meeting", id, None, audit::snapshot(&serde_json::json!({"host": host, "schedule": s, "expected": expected.len()}))).await?;
    Ok(id)
}

/// The hosts the caller may schedule meetings for, with their names: the Party organizations
/// they write to (a committee holds study sessions; its branches the rest), the units they act on, and the office for the office.
pub async fn hosts(c: &mut Conn, scope: &Scope) -> Result<Vec<(Host, String)>, StoreError> {
    let mut q = Sql::new("SELECT id, name FROM orgs WHERE closed_on IS NULL AND (1 = 0");
    if office(scope) {
        q.push(" OR 1 = 1");
    }
    for r in scope.reaches_at_least(Access::Write) {
        if let Reach::Org(p) = r {
            q.push(" OR path LIKE ").push_bind(format!("{p}%"));
        }
    }
    q.push(") ORDER BY path");
    let orgs: Vec<(i64, String)> = c.fetch_all(q).await?;
    let mut out: Vec<(Host, String)> = Vec::new();
    if crate::scope::office_only(scope).is_ok() && scope.account.0 != 0 {
        out.push((Host::Office, String::new()));
    }
    for p in scope.unit_paths_acted_on() {
        if let Some((id, name)) = c.fetch_optional::<(i64, String)>(Sql::new("SELECT id, name FROM units WHERE path = $1 AND closed_on IS NULL").bind(p)).await? {
            out.push((Host::Unit(id), name));
        }
    }
    out.extend(orgs.into_iter().map(|(id, name)| (Host::Org(id), name)));
    Ok(out)
}

/// The people a meeting expects, by id.
pub async fn expected_people(c: &mut Conn, id: i64) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i64,)> = c.fetch_all(Sql::new("SELECT person_id FROM meeting_attendance WHERE meeting_id = $1 ORDER BY person_id").bind(id)).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// One person's attendance.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct AttendeeRow {
    pub person_id: i64,
    pub name: String,
    pub number: String,
    pub status: String,
    /// Their reason for leave: for those who run or read the meeting, and for the person.
    pub reason: Option<String>,
    /// "qr" or "list".
    pub how: Option<String>,
    pub at_ms: Option<i64>,
}

impl AttendeeRow {
    pub fn status(&self) -> Attendance {
        Attendance::parse(&self.status).unwrap_or(Attendance::Expected)
    }
}

/// The attendance the caller may read: everyone's for those who run or read the meeting, their
/// own only for an expected person.
pub async fn attendance(c: &mut Conn, scope: &Scope, id: i64) -> Result<Vec<AttendeeRow>, StoreError> {
    let (_, standing) = get(c, scope, id).await?;
    let mut q =
        Sql::new("SELECT a.person_id, p.name, p.number, a.status, a.reason, a.how, a.at_ms FROM meeting_attendance a JOIN people p ON p.id = a.person_id WHERE a.meeting_id = ");
    q.push_bind(id);
    if standing == Standing::Expected {
        q.push(" AND a.person_id = ").push_bind(scope.person.map(|p| p.0).unwrap_or(0));
    }
    q.push(" ORDER BY p.number");
    Ok(c.fetch_all(q).await?)
}

/// Opens check-in (on the meeting's day only) with a fresh secret, so no code shown before
/// works; returns the meeting.
pub async fn open_checkin(c: &mut Conn, scope: &Scope, id: i64, today: Date) -> Result<MeetingRow, StoreError> {
    let row = run(c, scope, id).await?;
    if row.state() != State::Scheduled {
        return Err(StoreError::conflict("会议已召开或已取消，不能再签到", "The meeting is held or cancelled: check-in cannot open"));
    }
    if row.on_day != today {
        return Err(StoreError::conflict(
            format!("只能在会议当天（{}）开始签到", pacesetter_domain::dates::iso(row.on_day)),
            format!("Check-in opens on the meeting's day only ({})", pacesetter_domain::dates::iso(row.on_day)),
        ));
    }
    c.execute(Sql::new("UPDATE meetings SET checkin_secret = $1, checkin_opened_ms = $2, checkin_closed_ms = NULL WHERE id = $3").bind(new_secret()).bind(now_ms()).bind(id))
        .await?;
    audit::append(c, scope, "meeting.checkin_open", "meeting", id, None, None).await?;
    Ok(get(c, scope, id).await?.0)
}

pub async fn close_checkin(c: &mut Conn, scope: &Scope, id: i64) -> Result<MeetingRow, StoreError> {
    run(c, scope, id).await?;
    c.execute(Sql::new("UPDATE meetings SET checkin_closed_ms = $1 WHERE id = $2 AND checkin_closed_ms IS NULL").bind(now_ms()).bind(id)).await?;
    audit::append(c, scope, "meeting.checkin_close", "meeting", id, None, None).await?;
    Ok(get(c, scope, id).await?.0)
}

/// The code to show now and the milliseconds until it changes, for the one who runs the meeting
/// while check-in is open.
pub async fn current_code(c: &mut Conn, scope: &Scope, id: i64) -> Result<(String, i64), StoreError> {
    let row = run(c, scope, id).await?;
    let now = now_ms();
    if !row.checkin_open(now) {
        return Err(StoreError::conflict("签到未开始或已结束", "Check-in is not open"));
    }
    let secret = checkin_secret(c, Held::Meeting, id).await?;
    Ok((mt::checkin_code(secret.as_bytes(), id, now), mt::code_left_ms(now)))
}

/// Checks the caller in with the code they scanned, once: a second check-in is refused and
/// changes nothing.
pub async fn check_in(c: &mut Conn, scope: &Scope, id: i64, code: &str) -> Result<MeetingRow, StoreError> {
    let (row, _) = get(c, scope, id).await?;
    let me = scope.person.map(|p| p.0).unwrap_or(0);
    let status: Option<String> = c.fetch_opt_string(Sql::new("SELECT status FROM meeting_attendance WHERE meeting_id = $1 AND person_id = $2").bind(id).bind(me)).await?;
    let Some(status) = status else {
        return Err(StoreError::forbidden("您不在本次会议的应到名单中，请与会议组织者联系", "You are not on this meeting's list: ask whoever runs it"));
    };
    if status == "present" {
        return Err(StoreError::conflict("您已签到，无需重复签到", "You have checked in already"));
    }
    let now = now_ms();
    accept_code(c, Held::Meeting, id, row.checkin_open(now), code, now).await?;
    c.execute(
        Sql::new("UPDATE meeting_attendance SET status = 'present', how = 'qr', at_ms = $1, reason = NULL WHERE meeting_id = $2 AND person_id = $3").bind(now).bind(id).bind(me),
    )
    .await?;
    audit::append(c, scope, "meeting.check_in", "meeting", id, None, None).await?;
    Ok(get(c, scope, id).await?.0)
}

/// The caller asks for leave, with the reason, before the meeting is held.
pub async fn ask_leave(c: &mut Conn, scope: &Scope, id: i64, reason: &str, today: Date) -> Result<MeetingRow, StoreError> {
    let (row, _) = get(c, scope, id).await?;
    if row.state() != State::Scheduled {
        return Err(StoreError::conflict("会议已召开或已取消", "The meeting is held or cancelled"));
    }
    if today > row.on_day {
        return Err(StoreError::conflict(
            "会议日期已过，请假须在会前或当天提出；如有缺席事由请向支部书记说明",
            "The meeting's day has passed: ask the secretary to record your reason",
        ));
    }
    let me = scope.person.map(|p| p.0).unwrap_or(0);
    let n = c
        .execute(
            Sql::new("UPDATE meeting_attendance SET status = 'leave', how = 'self', reason = $1, at_ms = $2 WHERE meeting_id = $3 AND person_id = $4 AND status = 'expected'")
                .bind(reason)
                .bind(now_ms())
                .bind(id)
                .bind(me),
        )
        .await?;
    StoreError::unless_changed(n, "只有应到且尚未签到的人员可以请假", "Only someone expected and not checked in may ask for leave")?;
    audit::append(c, scope, "meeting.leave", "meeting", id, None, None).await?;
    Ok(get(c, scope, id).await?.0)
}

/// The secretary's list: sets each named person's attendance (present, leave with its reason,
/// or back to expected). Only people on the meeting's list may be named. A leave the person
/// asked for, named on the list as leave, becomes the list's (the secretary confirmed it).
pub async fn mark(c: &mut Conn, scope: &Scope, id: i64, marks: &[(i64, Attendance, Option<String>)]) -> Result<MeetingRow, StoreError> {
    let row = run(c, scope, id).await?;
    if row.state() == State::Cancelled {
        return Err(StoreError::conflict("会议已取消", "The meeting is cancelled"));
    }
    let now = now_ms();
    for (person, status, reason) in marks {
        if *status == Attendance::Leave && reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            return Err(StoreError::invalid("reason", "请假须写明事由", "Leave needs its reason"));
        }
        let now_is: Option<(String, Option<String>, Option<String>)> =
            c.fetch_optional(Sql::new("SELECT status, reason, how FROM meeting_attendance WHERE meeting_id = $1 AND person_id = $2").bind(id).bind(*person)).await?;
        let Some((was, was_reason, was_how)) = now_is else {
            return Err(StoreError::invalid("attendance", "所标记的人员不在本次会议的应到名单中", "A person marked is not on the meeting's list"));
        };
        // Unchanged lines keep how they came to be (a QR check-in); a leave asked for and named
        // again is confirmed by the list.
        if was == status.code() && (*status != Attendance::Leave || (was_reason == *reason && was_how.as_deref() != Some("self"))) {
            continue;
        }
        let n = c
            .execute(
                Sql::new("UPDATE meeting_attendance SET status = $1, reason = $2, how = 'list', at_ms = $3 WHERE meeting_id = $4 AND person_id = $5")
                    .bind(status.code())
                    .bind(if *status == Attendance::Leave { reason.clone() } else { None })
                    .bind(now)
                    .bind(id)
                    .bind(*person),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::invalid("attendance", "所标记的人员不在本次会议的应到名单中", "A person marked is not on the meeting's list"));
        }
    }
    audit::append(c, scope, "meeting.attendance", "meeting", id, None, audit::snapshot(&marks.iter().map(|(p, s, _)| (p, s.code())).collect::<Vec<_>>())).await?;
    Ok(get(c, scope, id).await?.0)
}

/// A file of a meeting's record.
pub struct NewFile {
    pub name: String,
    pub content_type: String,
    pub photo: bool,
    pub data: Vec<u8>,
}

/// Records that the meeting was held (on or after its day): the minutes, photos and files.
/// Check-in closes; whoever is still only expected counts as absent.
pub async fn record(c: &mut Conn, scope: &Scope, id: i64, minutes: &str, files: Vec<NewFile>, today: Date) -> Result<MeetingRow, StoreError> {
    let row = run(c, scope, id).await?;
    if row.on_day > today {
        return Err(StoreError::conflict("会议日期未到，不能记录为已召开", "The meeting's day has not come: it cannot be recorded as held"));
    }
    let now = now_ms();
    let n = c
        .execute(
            Sql::new(
                "UPDATE meetings SET state = 'held', minutes = $1, recorded_ms = $2, checkin_closed_ms = COALESCE(checkin_closed_ms, $2) WHERE id = $3 AND state = 'scheduled'",
            )
            .bind(minutes)
            .bind(now)
            .bind(id),
        )
        .await?;
    StoreError::unless_changed(n, "会议已记录或已取消", "The meeting is already recorded or cancelled")?;
    let count = store_files(c, Held::Meeting, id, files).await?;
    audit::append(c, scope, "meeting.record", "meeting", id, None, audit::snapshot(&serde_json::json!({"files": count}))).await?;
    // An experience-exchange meeting's record and materials land in the experience library,
    // for the office to review.
    if row.kind() == Kind::Exchange {
        crate::library::from_meeting(c, scope, id).await?;
    }
    Ok(get(c, scope, id).await?.0)
}

pub async fn cancel(c: &mut Conn, scope: &Scope, id: i64, reason: &str) -> Result<MeetingRow, StoreError> {
    run(c, scope, id).await?;
    let n = c
        .execute(
            Sql::new("UPDATE meetings SET state = 'cancelled', cancel_reason = $1, checkin_closed_ms = $2 WHERE id = $3 AND state = 'scheduled'")
                .bind(reason)
                .bind(now_ms())
                .bind(id),
        )
        .await?;
    StoreError::unless_changed(n, "只有未召开的会议可以取消", "Only a meeting not yet held may be cancelled")?;
    audit::append(c, scope, "meeting.cancel", "meeting", id, None, None).await?;
    Ok(get(c, scope, id).await?.0)
}

/// A file of the record: (id, name, content type, photo).
pub async fn files(c: &mut Conn, scope: &Scope, id: i64) -> Result<Vec<(i64, String, String, bool)>, StoreError> {
    get(c, scope, id).await?;
    Ok(c.fetch_all(Sql::new("SELECT id, name, content_type, photo FROM meeting_files WHERE meeting_id = $1 ORDER BY photo DESC, id").bind(id)).await?)
}

pub async fn file(c: &mut Conn, scope: &Scope, file: i64) -> Result<(String, String, Vec<u8>), StoreError> {
    let r: Option<(i64, String, String, Vec<u8>)> = c.fetch_optional(Sql::new("SELECT meeting_id, name, content_type, data FROM meeting_files WHERE id = $1").bind(file)).await?;
    let (meeting, name, ct, data) = r.ok_or(StoreError::NotFound)?;
    get(c, scope, meeting).await?;
    Ok((name, ct, data))
}

/// The meetings a branch (or a Party group under it) held between two days, for its board:
/// (day, kind, topic), never the minutes, and only the kinds every member attends (党员大会, 党课,
/// 主题党日): a 支委会's or a group's topic can name a person.
pub async fn held_by(c: &mut Conn, branch_path: &str, from: Date, to: Date) -> Result<Vec<(Date, String, String)>, StoreError> {
    Ok(c.fetch_all(
        Sql::new(
            "SELECT m.on_day, m.kind, m.topic FROM meetings m JOIN orgs o ON o.id = m.org_id \
             WHERE m.state = 'held' AND m.kind IN ('branch_general', 'lecture', 'theme_day') AND o.path LIKE $1 AND m.on_day >= $2 AND m.on_day <= $3 ORDER BY m.on_day DESC, m.id DESC",
        )
        .bind(format!("{branch_path}%"))
        .bind(from)
        .bind(to),
    )
    .await?)
}

/// What a list asks for.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Meetings of this organization's subtree.
    pub org: Option<i64>,
    pub unit: Option<i64>,
    pub kind: Option<Kind>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// Only those the caller is expected at.
    pub mine: bool,
}

/// The meetings the caller sees (runs, reads, or is expected at), newest first.
pub async fn list(c: &mut Conn, scope: &Scope, f: &Filter, limit: i64) -> Result<Vec<MeetingRow>, StoreError> {
    let me = scope.person.map(|p| p.0).unwrap_or(0);
    let mut q = Sql::new(SELECT);
    q.push(" WHERE (m.id IN (SELECT meeting_id FROM meeting_attendance WHERE person_id = ").push_bind(me).push(")");
    if !f.mine {
        if office(scope) || leader(scope) {
            q.push(" OR 1 = 1");
        }
        for p in scope.own_org_paths(Access::Read) {
            q.push(" OR o.path LIKE ").push_bind(format!("{p}%"));
        }
        for p in scope.unit_paths_acted_on() {
            q.push(" OR u.path LIKE ").push_bind(format!("{p}%"));
        }
    }
    q.push(")");
    if let Some(o) = f.org {
        let path = tree::require(c, Tree::Org, o).await?.path;
        q.push(" AND o.path LIKE ").push_bind(format!("{path}%"));
    }
    if let Some(u) = f.unit {
        q.push(" AND m.unit_id = ").push_bind(u);
    }
    if let Some(k) = f.kind {
        q.push(" AND m.kind = ").push_bind(k.code());
    }
    if let Some(d) = f.from {
        q.push(" AND m.on_day >= ").push_bind(d);
    }
    if let Some(d) = f.to {
        q.push(" AND m.on_day <= ").push_bind(d);
    }
    q.push(" ORDER BY m.on_day DESC, m.starts DESC, m.id DESC LIMIT ").push_bind(limit);
    Ok(c.fetch_all(q).await?)
}

/// One kind's standing in a branch for the year.
#[derive(Clone, Debug, Serialize)]
pub struct KindCompliance {
    pub kind: Kind,
    /// Meetings held this year.
    pub held: i64,
    /// Ended periods of the year with none held: their first days.
    pub missed: Vec<Date>,
    /// The current period: whether one is held in it yet (None when it is vacation).
    pub current_held: Option<bool>,
}

/// A branch's compliance for the year.
#[derive(Clone, Debug, Serialize)]
pub struct BranchCompliance {
    pub branch_id: i64,
    pub branch: String,
    /// The secondary organization it sits under (itself for a direct branch).
    pub college_id: i64,
    pub college: String,
    pub kinds: Vec<KindCompliance>,
    pub expected: i64,
    pub present: i64,
}

impl BranchCompliance {
    pub fn rate(&self) -> Option<f64> {
        mt::rate(self.present, self.expected)
    }

    pub fn missed(&self) -> usize {
        self.kinds.iter().map(|k| k.missed.len()).sum()
    }

    /// Kinds not yet held in the current period.
    pub fn due_now(&self) -> usize {
        self.kinds.iter().filter(|k| k.current_held == Some(false)).count()
    }
}

/// A secondary organization's summary of its branches' compliance.
#[derive(Clone, Debug, Serialize)]
pub struct CollegeCompliance {
    pub college_id: i64,
    pub college: String,
    pub branches: i64,
    /// Branches that missed an ended period of some kind.
    pub missed: i64,
    /// Branches with a kind still to hold in the current period.
    pub due_now: i64,
    pub expected: i64,
    pub present: i64,
}

impl CollegeCompliance {
    pub fn rate(&self) -> Option<f64> {
        mt::rate(self.present, self.expected)
    }
}

/// The branches' compliance summed per secondary organization, in the order of the branches.
pub fn by_college(rows: &[BranchCompliance]) -> Vec<CollegeCompliance> {
    let mut out: Vec<CollegeCompliance> = Vec::new();
    for b in rows {
        let i = match out.iter().position(|c| c.college_id == b.college_id) {
            Some(i) => i,
            None => {
                out.push(CollegeCompliance { college_id: b.college_id, college: b.college.clone(), branches: 0, missed: 0, due_now: 0, expected: 0, present: 0 });
                out.len() - 1
            }
        };
        let c = &mut out[i];
        c.branches += 1;
        c.missed += i64::from(b.missed() > 0);
        c.due_now += i64::from(b.due_now() > 0);
        c.expected += b.expected;
        c.present += b.present;
    }
    out
}

/// The compliance of every open branch the caller reads (optionally one secondary organization's)
/// for `year` as of `today`.
pub async fn compliance(c: &mut Conn, scope: &Scope, year: i32, college: Option<i64>, today: Date) -> Result<(Vec<BranchCompliance>, Vec<Rule>), StoreError> {
    let rules = rules(c).await?;
    let branches = crate::scope::branches_in_reach(c, scope, office(scope) || leader(scope), college).await?;
    let start = Date::from_calendar_date(year, time::Month::January, 1).map_err(|_| StoreError::invalid("year", "年份不正确", "Not a year"))?;
    let end = Date::from_calendar_date(year, time::Month::December, 31).map_err(|_| StoreError::invalid("year", "年份不正确", "Not a year"))?;
    // A held meeting of a branch's kinds (三会一课 and 主题党日): its kind, day, organization's
    // path, expected and present. A central group's session held by a direct branch's committee
    // is no branch meeting and counts in none of these totals.
    type Held = (String, Date, String, i64, i64);
    let kinds = Kind::BRANCH.iter().map(|k| format!("'{}'", k.code())).collect::<Vec<_>>().join(", ");
    let held: Vec<Held> = c
        .fetch_all(
            Sql::new(format!(
                "SELECT m.kind, m.on_day, o.path, (SELECT COUNT(*) FROM meeting_attendance a WHERE a.meeting_id = m.id), \
                 (SELECT COUNT(*) FROM meeting_attendance a WHERE a.meeting_id = m.id AND a.status = 'present') \
                 FROM meetings m JOIN orgs o ON o.id = m.org_id WHERE m.state = 'held' AND m.kind IN ({kinds}) AND m.on_day >= $1 AND m.on_day <= $2",
            ))
            .bind(start)
            .bind(end),
        )
        .await?;
    // The meetings of each branch: held by it or by a Party group under it.
    let mut by_path: HashMap<&str, Vec<&Held>> = HashMap::new();
    for m in &held {
        by_path.entry(m.2.as_str()).or_default().push(m);
    }
    let mut out = Vec::with_capacity(branches.len());
    for b in &branches {
        let mine: Vec<&Held> = by_path.iter().filter(|(p, _)| p.starts_with(b.path.as_str())).flat_map(|(_, v)| v.iter().copied()).collect();
        let mut kinds = Vec::new();
        for rule in &rules {
            let days: Vec<Date> = mine.iter().filter(|m| m.0 == rule.kind.code()).map(|m| m.1).collect();
            // For a past year, every period has ended (December's or Q4's included).
            let (ended, current) = rule.periods(year, if today > end { end.next_day().unwrap_or(end) } else { today });
            let in_period = |(a, b): (Date, Date)| days.iter().any(|d| *d >= a && *d <= b);
            let missed = ended.into_iter().filter(|p| !in_period(*p)).map(|p| p.0).collect();
            let current_held = current.filter(|_| today <= end).map(in_period);
            kinds.push(KindCompliance { kind: rule.kind, held: days.len() as i64, missed, current_held });
        }
        let expected = mine.iter().map(|m| m.3).sum();
        let present = mine.iter().map(|m| m.4).sum();
        out.push(BranchCompliance { branch_id: b.id, branch: b.name.clone(), college_id: b.college_id, college: b.college.clone(), kinds, expected, present });
    }
    Ok((out, rules))
}

/// The demo's meetings as of its day: each branch's 三会一课 and 主题党日 from January, most held on
/// time with most members present (some on leave), a few branches missing a month, and one
/// meeting of each branch scheduled in the coming week. Returns how many were made.
pub async fn demo(c: &mut Conn, day: Date) -> Result<usize, StoreError> {
    let branches: Vec<(i64, String)> = c.fetch_all(Sql::new("SELECT id, path FROM orgs WHERE kind IN ('branch', 'direct_branch') AND closed_on IS NULL ORDER BY id")).await?;
    let rules = rules(c).await?;
    let mut rng = pacesetter_domain::rng::DemoRng::new(35);
    let scope = Scope::system("demo-loader");
    const TOPICS: [(Kind, &[&str]); 5] = [
        (Kind::BranchGeneral, &["传达学习校党委创先争优活动实施方案", "讨论本支部公开承诺事项", "民主评议党员"]),
        (Kind::BranchCommittee, &["研究本月支部工作安排", "讨论入党积极分子培养考察情况", "研究党员公开承诺的落实"]),
        (Kind::Group, &["交流学习体会", "开展批评与自我批评", "讨论党员承诺践诺情况"]),
        (Kind::Lecture, &["学习十七届六中全会精神", "党章专题学习", "师德师风专题党课"]),
        (Kind::ThemeDay, &["学雷锋志愿服务", "参观革命纪念馆", "三湘读书月读书分享"]),
    ];
    let mut n = 0;
    let year = day.year();
    for (branch, _) in branches {
        let slack = rng.chance(0.12);
        for rule in &rules {
            let topics = TOPICS.iter().find(|t| t.0 == rule.kind).map(|t| t.1).unwrap_or(&["支部会议"]);
            let (ended, current) = rule.periods(year, day);
            for (i, p) in ended.iter().enumerate() {
                if slack && i + 1 == ended.len() && rule.period == Period::Monthly {
                    continue;
                }
                let span = (p.1 - p.0).whole_days().max(1);
                let on = p.0 + time::Duration::days(5 + rng.below((span as usize).saturating_sub(5).max(1)) as i64);
                let s = Schedule {
                    kind: rule.kind, topic: rng.pick(topics).to_string(), on_day: on, starts: "14:30".into(), ends: "16:30".into(), place: "学院党员活动室".into()
                };
                let Ok(id) = schedule(c, &scope, Host::Org(branch), &s, &[]).await else { continue };
                let mut marks = Vec::new();
                for p in expected_people(c, id).await? {
                    let r = rng.below(100);
                    if r < 84 {
                        marks.push((p, Attendance::Present, None));
                    } else if r < 94 {
                        marks.push((p, Attendance::Leave, Some(rng.pick(&["外出开会", "带学生实习", "病假", "参加学术会议"]).to_string())));
                    }
                }
                mark(c, &scope, id, &marks).await?;
                record(c, &scope, id, &format!("会议围绕“{}”进行。与会党员逐一发言，支部书记作总结并布置下阶段工作。", s.topic), Vec::new(), day).await?;
                n += 1;
            }
            if let Some(p) = current
                && rule.period == Period::Monthly
                && rng.chance(0.5)
            {
                let on = (day + time::Duration::days(1 + rng.below(6) as i64)).min(p.1);
                let s = Schedule {
                    kind: rule.kind, topic: rng.pick(topics).to_string(), on_day: on, starts: "15:00".into(), ends: "16:30".into(), place: "学院党员活动室".into()
                };
                if schedule(c, &scope, Host::Org(branch), &s, &[]).await.is_ok() {
                    n += 1;
                }
            }
        }
    }
    // The office's experience-exchange meeting of the cadres who visit classes (item 8), held a
    // few weeks after the classes were linked.
    let on = day - time::Duration::days(9);
    if on.year() == year {
        let s = Schedule {
            kind: Kind::Exchange,
            topic: "干部联系班级工作经验交流会".into(),
            on_day: on,
            starts: "15:00".into(),
            ends: "17:00".into(),
            place: "行政楼第一会议室".into(),
        };
        if let Ok(id) = schedule(c, &scope, Host::Office, &s, &[]).await {
            let mut marks = Vec::new();
            for p in expected_people(c, id).await? {
                if rng.chance(0.8) {
                    marks.push((p, Attendance::Present, None));
                } else {
                    marks.push((p, Attendance::Leave, Some("出差".to_string())));
                }
            }
            mark(c, &scope, id, &marks).await?;
            record(
                c,
                &scope,
                id,
                "各联系干部交流了下班级走访的做法：固定每月走访时间、与班主任和班委会共同谋划、对学生反映的问题建立台账并跟踪办结。会议要求本学期每个班级至少走访两次。",
                Vec::new(),
                day,
            )
            .await?;
            n += 1;
        }
    }
    Ok(n)
}
