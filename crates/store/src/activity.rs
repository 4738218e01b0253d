//! Activities: announced by a Party organization, a unit or the office to its people; sign-up
//! with a quota and a waiting list (a place given up goes to the first waiting, in the same
//! transaction); check-in by the code that changes every 30 seconds; the record afterwards with
//! photos and volunteer hours; the books of a reading month; participation per branch.
//!
//! Who sees what: the host's keepers run it (the organization's secretaries, the unit's heads,
//! the office); the people it is announced to see it and sign up; nobody else finds it.

use crate::StoreError;
use crate::audit;
use crate::db::{Conn, Sql};
use crate::meeting::{Held, NewFile, checkin_secret, new_secret, store_files};
use crate::tree::{self, Tree};
use pacesetter_domain::activity::{Announce, Kind, Signup, place_for};
use pacesetter_domain::dates::now_ms;
use pacesetter_domain::meeting as mt;
use pacesetter_domain::scope::{Access, Scope};
use serde::Serialize;
use time::Date;

/// Who holds an activity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Host {
    Org(i64),
    Unit(i64),
    Office,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ActivityRow {
    pub id: i64,
    pub kind: String,
    pub org_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub host_name: String,
    pub host_path: String,
    pub title: String,
    pub body: String,
    pub place: String,
    pub on_day: Date,
    pub end_day: Date,
    pub starts: String,
    pub ends: String,
    pub signup_until: Date,
    pub quota: i64,
    pub state: String,
    pub cancel_reason: Option<String>,
    pub checkin_opened_ms: Option<i64>,
    pub checkin_closed_ms: Option<i64>,
    pub record: Option<String>,
    pub recorded_ms: Option<i64>,
    pub confirmed: i64,
    pub waiting: i64,
    pub checked_in: i64,
}

impl ActivityRow {
    pub fn kind(&self) -> Kind {
        Kind::parse(&self.kind).unwrap_or(Kind::Study)
    }

    pub fn days(&self) -> i64 {
        (self.end_day - self.on_day).whole_days() + 1
    }

    /// Check-in is open at `now`: opened, not closed, within the open span, not recorded.
    pub fn checkin_open(&self, now: i64) -> bool {
        self.state == "open" && self.checkin_closed_ms.is_none() && self.checkin_opened_ms.is_some_and(|o| now - o < mt::CHECKIN_OPEN_MS)
    }
}

const SELECT: &str = "SELECT a.id, a.kind, a.org_id, a.unit_id, COALESCE(o.name, u.name, '') AS host_name, COALESCE(o.path, u.path, '') AS host_path, \
     a.title, a.body, a.place, a.on_day, a.end_day, a.starts, a.ends, a.signup_until, a.quota, a.state, a.cancel_reason, a.checkin_opened_ms, a.checkin_closed_ms, \
     a.record, a.recorded_ms, \
     (SELECT COUNT(*) FROM activity_signups s WHERE s.activity_id = a.id AND s.state = 'confirmed') AS confirmed, \
     (SELECT COUNT(*) FROM activity_signups s WHERE s.activity_id = a.id AND s.state = 'waiting') AS waiting, \
     (SELECT COUNT(*) FROM activity_signups s WHERE s.activity_id = a.id AND s.checked_in_ms IS NOT NULL) AS checked_in \
     FROM activities a LEFT JOIN orgs o ON o.id = a.org_id LEFT JOIN units u ON u.id = a.unit_id";

/// The condition "the person `$me` is among those the activity `a` is announced to": the
/// office's are everyone's; an organization's, its members' (the subtree); a unit's, its people's.
fn push_invited(q: &mut Sql, me: i64) {
    q.push("((a.org_id IS NULL AND a.unit_id IS NULL) OR EXISTS (SELECT 1 FROM org_memberships m JOIN orgs x ON x.id = m.org_id JOIN orgs h ON h.id = a.org_id WHERE m.person_id = ")
        .push_bind(me)
        .push(" AND m.end_date IS NULL AND x.path LIKE h.path || '%') OR EXISTS (SELECT 1 FROM unit_memberships m JOIN units x ON x.id = m.unit_id JOIN units h ON h.id = a.unit_id WHERE m.person_id = ")
        .push_bind(me)
        .push(" AND m.end_date IS NULL AND x.path LIKE h.path || '%'))");
}

fn runs(scope: &Scope, a: &ActivityRow) -> bool {
    match (a.org_id, a.unit_id) {
        (Some(_), _) => scope.is_office() || scope.party_access(&a.host_path) == Some(Access::Write),
        (None, Some(_)) => scope.is_office() || scope.acts_on_unit(&a.host_path),
        (None, None) => scope.is_office(),
    }
}

/// How the caller stands to an activity.
#[derive(Clone, Debug, Serialize)]
pub struct Standing {
    pub runs: bool,
    /// Announced to the caller.
    pub invited: bool,
    /// The caller's sign-up, if any.
    pub mine: Option<SignupRow>,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct SignupRow {
    pub person_id: i64,
    pub name: String,
    pub number: String,
    pub state: String,
    pub seq: i64,
    pub signed_ms: i64,
    pub checked_in_ms: Option<i64>,
    pub how: Option<String>,
    pub half_hours: Option<i64>,
}

const SIGNUP: &str =
    "SELECT s.person_id, p.name, p.number, s.state, s.seq, s.signed_ms, s.checked_in_ms, s.how, s.half_hours FROM activity_signups s JOIN people p ON p.id = s.person_id";

async fn row(c: &mut Conn, id: i64) -> Result<ActivityRow, StoreError> {
    c.fetch_optional(Sql::new(format!("{SELECT} WHERE a.id = $1")).bind(id)).await?.ok_or(StoreError::NotFound)
}

/// The activity and how the caller stands to it; NotFound for anyone it is not announced to
/// who does not run it.
pub async fn get(c: &mut Conn, scope: &Scope, id: i64) -> Result<(ActivityRow, Standing), StoreError> {
    let a = row(c, id).await?;
    let me = scope.person.map(|p| p.0).unwrap_or(0);
    let mut q = Sql::new("SELECT COUNT(*) FROM activities a WHERE a.id = ");
    q.push_bind(id).push(" AND ");
    push_invited(&mut q, me);
    let invited = me != 0 && c.fetch_i64(q).await? > 0;
    let mine: Option<SignupRow> = c.fetch_optional(Sql::new(format!("{SIGNUP} WHERE s.activity_id = $1 AND s.person_id = $2")).bind(id).bind(me)).await?;
    let runs = runs(scope, &a);
    if !runs && !invited && mine.is_none() {
        return Err(StoreError::NotFound);
    }
    Ok((a, Standing { runs, invited, mine }))
}

async fn run(c: &mut Conn, scope: &Scope, id: i64) -> Result<ActivityRow, StoreError> {
    let (a, st) = get(c, scope, id).await?;
    if !st.runs {
        return Err(StoreError::forbidden("只有活动的组织者可以这样做", "Only those who run the activity may do this"));
    }
    Ok(a)
}

/// The activities the caller runs or that are announced to them, from `since`, soonest first.
pub async fn list(c: &mut Conn, scope: &Scope, since: Date) -> Result<Vec<(ActivityRow, bool)>, StoreError> {
    let me = scope.person.map(|p| p.0).unwrap_or(0);
    let mut q = Sql::new(format!("{SELECT} WHERE a.end_day >= "));
    q.push_bind(since).push(" ORDER BY a.on_day, a.id");
    let all: Vec<ActivityRow> = c.fetch_all(q).await?;
    let mut q = Sql::new("SELECT a.id FROM activities a WHERE a.end_day >= ");
    q.push_bind(since).push(" AND ");
    push_invited(&mut q, me);
    let invited: Vec<(i64,)> = if me == 0 { Vec::new() } else { c.fetch_all(q).await? };
    let invited: std::collections::HashSet<i64> = invited.into_iter().map(|r| r.0).collect();
    Ok(all
        .into_iter()
        .filter_map(|a| {
            let r = runs(scope, &a);
            (r || invited.contains(&a.id)).then_some((a, r))
        })
        .collect())
}

/// Whether the caller may announce activities for a host (NotFound or Forbidden otherwise).
pub async fn check_host(c: &mut Conn, scope: &Scope, host: Host) -> Result<(Option<i64>, Option<i64>), StoreError> {
    Ok(match host {
        Host::Org(o) => {
            let n = tree::require(c, Tree::Org, o).await?;
            match scope.party_access(&n.path) {
                None if !scope.is_office() => return Err(StoreError::NotFound),
                Some(Access::Write) => {}
                _ if scope.is_office() => {}
                _ => return Err(StoreError::forbidden("只有本组织书记或创先办可以发布活动", "Only the organization's secretary or the office announces its activities")),
            }
            if n.closed_on.is_some() {
                return Err(StoreError::invalid("host", "该组织已撤销", "The organization is closed"));
            }
            (Some(o), None)
        }
        Host::Unit(u) => {
            let n = tree::require(c, Tree::Unit, u).await?;
            if !(scope.is_office() || scope.acts_on_unit(&n.path)) {
                return Err(StoreError::NotFound);
            }
            if n.closed_on.is_some() {
                return Err(StoreError::invalid("host", "该单位已撤销", "The unit is closed"));
            }
            (None, Some(u))
        }
        Host::Office => {
            crate::scope::office_only(scope)?;
            (None, None)
        }
    })
}

pub async fn create(c: &mut Conn, scope: &Scope, host: Host, a: &Announce) -> Result<i64, StoreError> {
    let (org, unit) = check_host(c, scope, host).await?;
    let id = c
        .fetch_i64(
            Sql::new(
                "INSERT INTO activities (kind, org_id, unit_id, title, body, place, on_day, end_day, starts, ends, signup_until, quota, state, checkin_secret, created_by, created_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'open', $13, $14, $15) RETURNING id",
            )
            .bind(a.kind.code())
            .bind(org)
            .bind(unit)
            .bind(a.title.as_str())
            .bind(a.body.as_str())
            .bind(a.place.as_str())
            .bind(a.on_day)
            .bind(a.end_day)
            .bind(a.starts.as_str())
            .bind(a.ends.as_str())
            .bind(a.signup_until)
            .bind(a.quota)
            .bind(new_secret())
            .bind(scope.account.0)
            .bind(now_ms()),
        )
        .await?;
    audit::append(c, scope, "activity.create", "activity", id, None, audit::snapshot(a)).await?;
    Ok(id)
}

/// The activity locked for a change of its sign-ups (on PostgreSQL; SQLite's write transaction
/// holds the database), so two sign-ups for the last place cannot both take it.
async fn locked(c: &mut Conn, id: i64) -> Result<(), StoreError> {
    let lock = c.row_lock(false, "");
    if !lock.is_empty() {
        c.fetch_opt_i64(Sql::new(format!("SELECT id FROM activities WHERE id = $1{lock}")).bind(id)).await?.ok_or(StoreError::NotFound)?;
    }
    Ok(())
}

/// Signs the caller up: a place while there is one, else the waiting list. Returns where.
pub async fn sign_up(c: &mut Conn, scope: &Scope, id: i64, today: Date) -> Result<Signup, StoreError> {
    locked(c, id).await?;
    let (a, st) = get(c, scope, id).await?;
    let Some(me) = scope.person.map(|p| p.0) else {
        return Err(StoreError::forbidden("此账号没有对应的人员，不能报名", "This account is not a person: it cannot sign up"));
    };
    if !st.invited {
        return Err(StoreError::forbidden("该活动不面向您", "This activity is not announced to you"));
    }
    if a.state != "open" {
        return Err(StoreError::conflict("活动已结束或已取消", "The activity has ended or is cancelled"));
    }
    if today > a.signup_until {
        return Err(StoreError::conflict(
            format!("报名已于{}截止", pacesetter_domain::dates::iso(a.signup_until)),
            format!("Sign-up closed on {}", pacesetter_domain::dates::iso(a.signup_until)),
        ));
    }
    if let Some(m) = &st.mine
        && m.state != Signup::Cancelled.code()
    {
        return Err(StoreError::conflict("您已报名", "You have signed up already"));
    }
    let confirmed = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM activity_signups WHERE activity_id = $1 AND state = 'confirmed'").bind(id)).await?;
    let seq = c.fetch_i64(Sql::new("SELECT COALESCE(MAX(seq), 0) + 1 FROM activity_signups WHERE activity_id = $1").bind(id)).await?;
    let place = place_for(confirmed, a.quota);
    c.execute(Sql::new("DELETE FROM activity_signups WHERE activity_id = $1 AND person_id = $2").bind(id).bind(me)).await?;
    c.execute(
        Sql::new("INSERT INTO activity_signups (activity_id, person_id, state, seq, signed_ms) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(me)
            .bind(place.code())
            .bind(seq)
            .bind(now_ms()),
    )
    .await?;
    audit::append(c, scope, "activity.sign_up", "activity", id, None, Some(format!("{{\"state\":\"{}\"}}", place.code()))).await?;
    Ok(place)
}

/// The caller gives up their place or leaves the waiting list, before the activity ends; a place
/// given up goes to the first on the waiting list, who is told. Returns who moved up.
pub async fn cancel(c: &mut Conn, scope: &Scope, id: i64, today: Date) -> Result<Option<i64>, StoreError> {
    locked(c, id).await?;
    let (a, st) = get(c, scope, id).await?;
    let Some(mine) = st.mine.filter(|m| m.state != Signup::Cancelled.code()) else {
        return Err(StoreError::conflict("您没有报名该活动", "You have not signed up"));
    };
    if a.state != "open" || today > a.end_day {
        return Err(StoreError::conflict("活动已结束或已取消", "The activity has ended or is cancelled"));
    }
    if mine.checked_in_ms.is_some() {
        return Err(StoreError::conflict("已签到，不能取消报名", "Checked in: the sign-up cannot be cancelled"));
    }
    c.execute(
        Sql::new("UPDATE activity_signups SET state = 'cancelled', cancelled_ms = $1 WHERE activity_id = $2 AND person_id = $3").bind(now_ms()).bind(id).bind(mine.person_id),
    )
    .await?;
    let mut moved = None;
    if mine.state == Signup::Confirmed.code() {
        let next: Option<i64> =
            c.fetch_opt_i64(Sql::new("SELECT person_id FROM activity_signups WHERE activity_id = $1 AND state = 'waiting' ORDER BY seq LIMIT 1").bind(id)).await?;
        if let Some(p) = next {
            c.execute(Sql::new("UPDATE activity_signups SET state = 'confirmed' WHERE activity_id = $1 AND person_id = $2").bind(id).bind(p)).await?;
            moved = Some(p);
        }
    }
    audit::append(c, scope, "activity.cancel_signup", "activity", id, None, None).await?;
    Ok(moved)
}

/// Calls an activity off before it is held, with the reason; returns the people who had a
/// place or were waiting, to be told.
pub async fn call_off(c: &mut Conn, scope: &Scope, id: i64, reason: &str) -> Result<Vec<i64>, StoreError> {
    locked(c, id).await?;
    let a = run(c, scope, id).await?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 || pacesetter_domain::validate::has_control(reason) {
        return Err(StoreError::invalid("reason", "请说明取消活动的原因（不超过500字）", "Say why the activity is called off (at most 500 characters)"));
    }
    if a.state != "open" {
        return Err(StoreError::conflict("活动已举办或已取消", "The activity is held or called off already"));
    }
    let n = c
        .execute(
            Sql::new("UPDATE activities SET state = 'cancelled', cancel_reason = $1, checkin_closed_ms = COALESCE(checkin_closed_ms, $2) WHERE id = $3 AND state = 'open'")
                .bind(reason)
                .bind(now_ms())
                .bind(id),
        )
        .await?;
    StoreError::unless_changed(n, "活动已举办或已取消", "The activity is held or called off already")?;
    let people: Vec<(i64,)> =
        c.fetch_all(Sql::new("SELECT person_id FROM activity_signups WHERE activity_id = $1 AND state IN ('confirmed', 'waiting') ORDER BY seq").bind(id)).await?;
    audit::append(c, scope, "activity.call_off", "activity", id, None, audit::snapshot(&serde_json::json!({"reason": reason, "told": people.len()}))).await?;
    Ok(people.into_iter().map(|p| p.0).collect())
}

/// The sign-ups: everyone's for those who run it, the caller's own otherwise.
pub async fn signups(c: &mut Conn, scope: &Scope, id: i64) -> Result<Vec<SignupRow>, StoreError> {
    let (_, st) = get(c, scope, id).await?;
    let mut q = Sql::new(format!("{SIGNUP} WHERE s.activity_id = "));
    q.push_bind(id);
    if !st.runs {
        q.push(" AND s.person_id = ").push_bind(scope.person.map(|p| p.0).unwrap_or(0));
    }
    q.push(" ORDER BY CASE s.state WHEN 'confirmed' THEN 0 WHEN 'waiting' THEN 1 ELSE 2 END, s.seq");
    Ok(c.fetch_all(q).await?)
}

/// Opens check-in (from the first day to the last) with a fresh secret.
pub async fn open_checkin(c: &mut Conn, scope: &Scope, id: i64, today: Date) -> Result<(), StoreError> {
    locked(c, id).await?;
    let a = run(c, scope, id).await?;
    if a.state != "open" {
        return Err(StoreError::conflict("活动已结束或已取消", "The activity has ended or is cancelled"));
    }
    if today < a.on_day || today > a.end_day {
        return Err(StoreError::conflict("只能在活动期间开始签到", "Check-in opens during the activity only"));
    }
    c.execute(Sql::new("UPDATE activities SET checkin_secret = $1, checkin_opened_ms = $2, checkin_closed_ms = NULL WHERE id = $3").bind(new_secret()).bind(now_ms()).bind(id))
        .await?;
    audit::append(c, scope, "activity.checkin_open", "activity", id, None, None).await?;
    Ok(())
}

/// The code to show now and the milliseconds until it changes.
pub async fn current_code(c: &mut Conn, scope: &Scope, id: i64) -> Result<(String, i64), StoreError> {
    let a = run(c, scope, id).await?;
    let now = now_ms();
    if !a.checkin_open(now) {
        return Err(StoreError::conflict("签到未开始或已结束", "Check-in is not open"));
    }
    let secret = checkin_secret(c, Held::Activity, id).await?;
    Ok((mt::checkin_code(secret.as_bytes(), id, now), mt::code_left_ms(now)))
}

/// Checks the caller in with the code they scanned: once, with a place (not from the waiting list).
pub async fn check_in(c: &mut Conn, scope: &Scope, id: i64, code: &str) -> Result<(), StoreError> {
    locked(c, id).await?;
    let (a, st) = get(c, scope, id).await?;
    let Some(mine) = st.mine.filter(|m| m.state == Signup::Confirmed.code()) else {
        return Err(StoreError::forbidden("您没有该活动的名额（候补或未报名），不能签到", "You have no place at this activity (waiting or not signed up)"));
    };
    if mine.checked_in_ms.is_some() {
        return Err(StoreError::conflict("您已签到，无需重复签到", "You have checked in already"));
    }
    let now = now_ms();
    crate::meeting::accept_code(c, Held::Activity, id, a.checkin_open(now), code, now).await?;
    c.execute(
        Sql::new("UPDATE activity_signups SET checked_in_ms = $1, how = 'qr' WHERE activity_id = $2 AND person_id = $3 AND state = 'confirmed' AND checked_in_ms IS NULL")
            .bind(now)
            .bind(id)
            .bind(mine.person_id),
    )
    .await?;
    audit::append(c, scope, "activity.check_in", "activity", id, None, None).await?;
    Ok(())
}

/// Records the activity as held (from its first day): what was done, photos and files, and for
/// each one checked in the hours (volunteer service) in half hours.
pub async fn record(c: &mut Conn, scope: &Scope, id: i64, text: &str, half_hours: i64, files: Vec<NewFile>, today: Date) -> Result<(), StoreError> {
    locked(c, id).await?;
    let a = run(c, scope, id).await?;
    if a.state != "open" {
        return Err(StoreError::conflict("活动已记录或已取消", "The activity is recorded or cancelled"));
    }
    if today < a.on_day {
        return Err(StoreError::conflict("活动尚未开始，不能记录", "The activity has not started: it cannot be recorded"));
    }
    let text = text.trim();
    if text.chars().count() < 10 || text.chars().count() > 5000 || pacesetter_domain::validate::has_control(text) {
        return Err(StoreError::invalid("record", "请填写活动情况（10至5000字）", "Say what was done (10 to 5000 characters)"));
    }
    c.execute(
        Sql::new("UPDATE activities SET state = 'held', record = $1, recorded_ms = $2, checkin_closed_ms = COALESCE(checkin_closed_ms, $2) WHERE id = $3")
            .bind(text)
            .bind(now_ms())
            .bind(id),
    )
    .await?;
    if a.kind() == Kind::Volunteer {
        c.execute(Sql::new("UPDATE activity_signups SET half_hours = $1 WHERE activity_id = $2 AND checked_in_ms IS NOT NULL").bind(half_hours).bind(id)).await?;
    }
    let count = store_files(c, Held::Activity, id, files).await?;
    audit::append(c, scope, "activity.record", "activity", id, None, audit::snapshot(&serde_json::json!({"files": count}))).await?;
    Ok(())
}

/// The record's files (id, name, content type, photo).
pub async fn files(c: &mut Conn, scope: &Scope, id: i64) -> Result<Vec<(i64, String, String, bool)>, StoreError> {
    get(c, scope, id).await?;
    Ok(c.fetch_all(Sql::new("SELECT id, name, content_type, photo FROM activity_files WHERE activity_id = $1 ORDER BY id").bind(id)).await?)
}

/// One file, for whoever sees its activity.
pub async fn file(c: &mut Conn, scope: &Scope, file: i64) -> Result<(String, String, Vec<u8>), StoreError> {
    let row: Option<(i64, String, String, Vec<u8>)> =
        c.fetch_optional(Sql::new("SELECT activity_id, name, content_type, data FROM activity_files WHERE id = $1").bind(file)).await?;
    let Some((aid, name, ct, data)) = row else { return Err(StoreError::NotFound) };
    get(c, scope, aid).await?;
    Ok((name, ct, data))
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct BookRow {
    pub id: i64,
    pub person_id: i64,
    pub name: String,
    pub title: String,
    pub author: String,
    pub review: String,
    pub created_ms: i64,
}

/// A book the caller read, in a reading month they take part in (from its first day to a week
/// after its last).
pub async fn add_book(c: &mut Conn, scope: &Scope, id: i64, book: (&str, &str, &str), today: Date) -> Result<i64, StoreError> {
    let (a, st) = get(c, scope, id).await?;
    let Some(me) = scope.person.map(|p| p.0) else { return Err(StoreError::forbidden("此账号没有对应的人员", "This account is not a person")) };
    if a.kind() != Kind::Reading {
        return Err(StoreError::invalid("kind", "只有读书月活动登记读书", "Books are recorded for a reading month"));
    }
    if !st.invited {
        return Err(StoreError::forbidden("该活动不面向您", "This activity is not announced to you"));
    }
    if today < a.on_day || today > a.end_day + time::Duration::days(7) || a.state == "cancelled" {
        return Err(StoreError::conflict("只能在读书月期间（及结束后一周内）登记", "Books are recorded during the month and a week after"));
    }
    let id = c
        .fetch_i64(
            Sql::new("INSERT INTO reading_entries (activity_id, person_id, title, author, review, created_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(id)
                .bind(me)
                .bind(book.0)
                .bind(book.1)
                .bind(book.2)
                .bind(now_ms()),
        )
        .await?;
    audit::append(c, scope, "activity.book", "activity", a.id, None, None).await?;
    Ok(id)
}

/// The books of a reading month: everyone's for those who run it and for those it is announced
/// to (a reading month shares its reviews).
pub async fn books(c: &mut Conn, scope: &Scope, id: i64) -> Result<Vec<BookRow>, StoreError> {
    get(c, scope, id).await?;
    Ok(c.fetch_all(
        Sql::new("SELECT r.id, r.person_id, p.name, r.title, r.author, r.review, r.created_ms FROM reading_entries r JOIN people p ON p.id = r.person_id WHERE r.activity_id = $1 ORDER BY r.id DESC")
            .bind(id),
    )
    .await?)
}

/// Participation per branch in reach for a month: the activities a branch held, its members who
/// took part (checked in) in any activity, the books its members recorded.
#[derive(Clone, Debug, Serialize)]
pub struct BranchLine {
    pub branch_id: i64,
    pub branch: String,
    pub college: String,
    pub held: i64,
    pub members: i64,
    pub took_part: i64,
    pub books: i64,
}

pub async fn by_branch(c: &mut Conn, scope: &Scope, from: Date, to: Date) -> Result<Vec<BranchLine>, StoreError> {
    let everywhere = scope.is_office() || scope.has(pacesetter_domain::role::Role::Leader);
    let branches = crate::scope::branches_in_reach(c, scope, everywhere, None).await?;
    let mut out = Vec::with_capacity(branches.len());
    for b in branches {
        let like = format!("{}%", b.path);
        let held = c
            .fetch_i64(
                Sql::new("SELECT COUNT(*) FROM activities a JOIN orgs o ON o.id = a.org_id WHERE o.path LIKE $1 AND a.state = 'held' AND a.on_day >= $2 AND a.on_day <= $3")
                    .bind(like.clone())
                    .bind(from)
                    .bind(to),
            )
            .await?;
        let members = c
            .fetch_i64(
                Sql::new("SELECT COUNT(DISTINCT m.person_id) FROM org_memberships m JOIN orgs o ON o.id = m.org_id WHERE o.path LIKE $1 AND m.end_date IS NULL").bind(like.clone()),
            )
            .await?;
        let took_part = c
            .fetch_i64(
                Sql::new(
                    "SELECT COUNT(DISTINCT s.person_id) FROM activity_signups s JOIN activities a ON a.id = s.activity_id \
                     WHERE s.checked_in_ms IS NOT NULL AND a.on_day >= $2 AND a.on_day <= $3 AND s.person_id IN \
                     (SELECT m.person_id FROM org_memberships m JOIN orgs o ON o.id = m.org_id WHERE o.path LIKE $1 AND m.end_date IS NULL)",
                )
                .bind(like.clone())
                .bind(from)
                .bind(to),
            )
            .await?;
        let books = c
            .fetch_i64(
                Sql::new(
                    "SELECT COUNT(*) FROM reading_entries r WHERE r.created_ms >= $2 AND r.created_ms < $3 AND r.person_id IN \
                     (SELECT m.person_id FROM org_memberships m JOIN orgs o ON o.id = m.org_id WHERE o.path LIKE $1 AND m.end_date IS NULL)",
                )
                .bind(like)
                // The month's bounds in China Standard Time (UTC+8), as instants.
                .bind((from.midnight().assume_utc().unix_timestamp() - 8 * 3600) * 1000)
                .bind(((to + time::Duration::days(1)).midnight().assume_utc().unix_timestamp() - 8 * 3600) * 1000),
            )
            .await?;
        out.push(BranchLine { branch_id: b.id, branch: b.name, college: b.college, held, members, took_part, books });
    }
    Ok(out)
}

/// A person's activities (taken part in), for their own page and a nomination's evidence.
pub async fn of_person(c: &mut Conn, person: i64) -> Result<Vec<(i64, String, String, Date, Option<i64>)>, StoreError> {
    Ok(c.fetch_all(
        Sql::new(
            "SELECT a.id, a.kind, a.title, a.on_day, s.half_hours FROM activity_signups s JOIN activities a ON a.id = s.activity_id \
             WHERE s.person_id = $1 AND s.checked_in_ms IS NOT NULL ORDER BY a.on_day DESC",
        )
        .bind(person),
    )
    .await?)
}

/// A person's part in the activities between two days: what a nomination of them shows.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Participation {
    /// Activities checked into.
    pub activities: i64,
    /// Volunteer hours, in half hours.
    pub half_hours: i64,
    /// Books recorded in reading months.
    pub books: i64,
}

/// The participation of each of `persons` in activities held from `from` to `to`.
pub async fn participation(c: &mut Conn, persons: &[i64], from: Date, to: Date) -> Result<std::collections::HashMap<i64, Participation>, StoreError> {
    let mut out: std::collections::HashMap<i64, Participation> = std::collections::HashMap::new();
    if persons.is_empty() {
        return Ok(out);
    }
    let list = |q: &mut Sql| {
        q.push(" IN (");
        for (i, p) in persons.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push_bind(*p);
        }
        q.push(")");
    };
    let mut q = Sql::new(
        "SELECT s.person_id, COUNT(*), CAST(COALESCE(SUM(s.half_hours), 0) AS BIGINT) FROM activity_signups s JOIN activities a ON a.id = s.activity_id \
         WHERE s.checked_in_ms IS NOT NULL AND a.on_day >= ",
    );
    q.push_bind(from).push(" AND a.on_day <= ").push_bind(to).push(" AND s.person_id");
    list(&mut q);
    q.push(" GROUP BY s.person_id");
    for (p, n, h) in c.fetch_all::<(i64, i64, i64)>(q).await? {
        let e = out.entry(p).or_default();
        e.activities = n;
        e.half_hours = h;
    }
    let mut q = Sql::new("SELECT r.person_id, COUNT(*) FROM reading_entries r JOIN activities a ON a.id = r.activity_id WHERE a.on_day >= ");
    q.push_bind(from).push(" AND a.on_day <= ").push_bind(to).push(" AND r.person_id");
    list(&mut q);
    q.push(" GROUP BY r.person_id");
    for (p, n) in c.fetch_all::<(i64, i64)>(q).await? {
        out.entry(p).or_default().books = n;
    }
    Ok(out)
}

/// The held activities of Party organizations the caller runs from `since` on, newest first:
/// what a nomination of an activity or a carrier may carry.
pub async fn held_runnable(c: &mut Conn, scope: &Scope, since: Date) -> Result<Vec<(i64, String, Date)>, StoreError> {
    let mut q = Sql::new(format!("{SELECT} WHERE a.state = 'held' AND a.on_day >= "));
    q.push_bind(since).push(" AND (1 = 0");
    if scope.is_office() {
        q.push(" OR 1 = 1");
    }
    for p in scope.own_org_paths(Access::Write) {
        q.push(" OR o.path LIKE ").push_bind(format!("{}%", crate::db::like_escape(p))).push(" ESCAPE '\\'");
    }
    // Organizations nominate: an activity a Party organization held (not a unit's).
    q.push(") AND a.org_id IS NOT NULL ORDER BY a.on_day DESC, a.id DESC LIMIT 200");
    let rows: Vec<ActivityRow> = c.fetch_all(q).await?;
    // The same rule as every other write on an activity.
    Ok(rows.into_iter().filter(|a| runs(scope, a)).map(|a| (a.id, a.title, a.on_day)).collect())
}

/// The demo's activities as of its day: in the past month a 学雷锋 volunteer service of each
/// college (three in four of its branches' members invited, a third of them taking part, with
/// hours), a study activity of most student branches (some branches with none, flagged), and a
/// 三湘读书月 of the office running through the day with books from a few members; and in the
/// coming week an activity of each college, partly signed up, one of them full with a waiting
/// list. Returns how many activities were made.
pub async fn demo(c: &mut Conn, day: Date) -> Result<usize, StoreError> {
    use time::Duration;
    let scope = Scope::system("demo-loader");
    let mut rng = pacesetter_domain::rng::DemoRng::new(73);
    let mut n = 0;
    let add = |kind: Kind, title: String, place: &str, on: Date, end: Date, quota: i64| Announce {
        kind,
        title,
        body: String::new(),
        place: place.to_string(),
        on_day: on,
        end_day: end,
        starts: "08:30".into(),
        ends: "11:30".into(),
        signup_until: on,
        quota,
    };
    let colleges: Vec<(i64, String, String)> = c.fetch_all(Sql::new("SELECT id, name, path FROM orgs WHERE kind = 'committee' AND closed_on IS NULL ORDER BY id")).await?;
    let branches: Vec<(i64, String, String)> =
        c.fetch_all(Sql::new("SELECT id, path, COALESCE(category, '') FROM orgs WHERE kind IN ('branch', 'direct_branch') AND closed_on IS NULL ORDER BY id")).await?;
    // Writes a held activity: the members of the host's subtree sign up, some take part.
    async fn held(c: &mut Conn, id: i64, path: &str, day: Date, hours: i64, rng: &mut pacesetter_domain::rng::DemoRng) -> Result<(), StoreError> {
        let people: Vec<(i64,)> = c
            .fetch_all(
                Sql::new("SELECT DISTINCT m.person_id FROM org_memberships m JOIN orgs o ON o.id = m.org_id WHERE m.end_date IS NULL AND o.path LIKE $1 ORDER BY m.person_id")
                    .bind(format!("{path}%")),
            )
            .await?;
        let at = (day.midnight().assume_utc().unix_timestamp() + 2 * 3600) * 1000;
        for (seq, (p,)) in people.into_iter().enumerate() {
            if !rng.chance(0.4) {
                continue;
            }
            let came = rng.chance(0.85);
            c.execute(
                Sql::new(
                    "INSERT INTO activity_signups (activity_id, person_id, state, seq, signed_ms, checked_in_ms, how, half_hours) VALUES ($1, $2, 'confirmed', $3, $4, $5, $6, $7)",
                )
                .bind(id)
                .bind(p)
                .bind(seq as i64 + 1)
                .bind(at - 3 * 86_400_000)
                .bind(came.then_some(at))
                .bind(came.then_some("qr"))
                .bind(if came && hours > 0 { Some(hours) } else { None }),
            )
            .await?;
        }
        c.execute(
            Sql::new("UPDATE activities SET state = 'held', record = $1, recorded_ms = $2 WHERE id = $3")
                .bind("活动按计划开展，参加人员认真投入，取得良好效果。")
                .bind(at + 6 * 3600 * 1000)
                .bind(id),
        )
        .await?;
        Ok(())
    }
    for (i, (org, name, path)) in colleges.iter().enumerate() {
        let on = day - Duration::days(5 + i as i64 * 3);
        let a = add(Kind::Volunteer, format!("{name}学雷锋志愿服务"), "岳麓区社区服务中心", on, on, 0);
        let id = create(c, &scope, Host::Org(*org), &a).await?;
        held(c, id, path, on, 6, &mut rng).await?;
        n += 1;
        // The coming week: a study activity with a quota, the first college's full.
        let soon = day + Duration::days(2 + i as i64);
        let quota = if i == 0 { 5 } else { 40 };
        let a = add(Kind::Study, format!("{name}“学党章、守党纪”专题学习"), "学院报告厅", soon, soon, quota);
        let id = create(c, &scope, Host::Org(*org), &a).await?;
        let people: Vec<(i64,)> = c
            .fetch_all(
                Sql::new(
                    "SELECT DISTINCT m.person_id FROM org_memberships m JOIN orgs o ON o.id = m.org_id WHERE m.end_date IS NULL AND o.path LIKE $1 ORDER BY m.person_id LIMIT 9",
                )
                .bind(format!("{path}%")),
            )
            .await?;
        for (seq, (p,)) in people.into_iter().enumerate() {
            let state = place_for(seq as i64, quota).code();
            c.execute(
                Sql::new("INSERT INTO activity_signups (activity_id, person_id, state, seq, signed_ms) VALUES ($1, $2, $3, $4, $5)")
                    .bind(id)
                    .bind(p)
                    .bind(state)
                    .bind(seq as i64 + 1)
                    .bind(now_ms()),
            )
            .await?;
        }
        n += 1;
    }
    // Most student branches held a study activity this month.
    for (b, path, category) in &branches {
        if category != "student" || rng.chance(0.3) {
            continue;
        }
        let on = Date::from_calendar_date(day.year(), day.month(), 1).unwrap_or(day) + Duration::days(rng.below(day.day().max(2) as usize - 1) as i64);
        let on = on.min(day);
        let a = add(Kind::Study, "支部学习活动：读原著、学原文".into(), "党员活动室", on, on, 0);
        let id = create(c, &scope, Host::Org(*b), &a).await?;
        held(c, id, path, on, 0, &mut rng).await?;
        n += 1;
    }
    // The office's reading month, running through the day.
    let from = day - Duration::days(10);
    let a = add(Kind::Reading, "三湘读书月".into(), "图书馆", from, from + Duration::days(29), 0);
    let id = create(c, &scope, Host::Office, &Announce { starts: "08:00".into(), ends: "22:00".into(), ..a }).await?;
    let readers: Vec<(i64,)> = c.fetch_all(Sql::new("SELECT person_id FROM org_memberships WHERE end_date IS NULL ORDER BY person_id LIMIT 300")).await?;
    const BOOKS: [(&str, &str); 5] =
        [("平凡的世界", "路遥"), ("红岩", "罗广斌、杨益言"), ("毛泽东选集（第一卷）", "毛泽东"), ("苦难辉煌", "金一南"), ("钢铁是怎样炼成的", "奥斯特洛夫斯基")];
    for (p,) in readers {
        if !rng.chance(0.15) {
            continue;
        }
        let (t, au) = *rng.pick(&BOOKS);
        c.execute(
            Sql::new("INSERT INTO reading_entries (activity_id, person_id, title, author, review, created_ms) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id)
                .bind(p)
                .bind(t)
                .bind(au)
                .bind(format!("读《{t}》，深受教育，更加坚定了理想信念，要在学习和工作中以书中人物为榜样。"))
                .bind((from.midnight().assume_utc().unix_timestamp() + rng.below(10) as i64 * 86_400) * 1000),
        )
        .await?;
    }
    Ok(n + 1)
}
