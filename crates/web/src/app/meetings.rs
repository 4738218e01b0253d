//! Meetings as use cases: scheduling (with a notice to everyone expected), a meeting with its
//! attendance and record, QR check-in (open, the code of the moment, scanning it), leave, the
//! secretary's list, recording the meeting held with its minutes, photos and files, cancelling,
//! the lists, the compliance of the branches with its export, and the office's rules. The pages
//! and the API are thin adapters over these.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::upload::{File, Kind as FileKind};
use pacesetter_domain::Lang;
use pacesetter_domain::dates::{iso, now_ms, today};
use pacesetter_domain::meeting::{self as mt, Attendance, Kind, Period, Rule};
use pacesetter_domain::scope::Scope;
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::StoreError;
use pacesetter_store::meeting::{self as store, AttendeeRow, BranchCompliance, Filter, Host, MeetingRow, NewFile, Standing};
use pacesetter_store::notify::{self, Link};
use serde::{Deserialize, Serialize};

/// A meeting as typed. The host is `org` (a branch or Party group), `unit`, or neither (the
/// office's own exchange meeting).
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct MeetingInput {
    /// branch_general, branch_committee, group, lecture, theme_day, exchange or study.
    #[serde(default)]
    pub kind: String,
    /// "org:ID", "unit:ID" or "office" (the page's choice); or give org_id / unit_id.
    #[serde(default)]
    pub host: String,
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    pub org_id: Option<i64>,
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    pub unit_id: Option<i64>,
    #[serde(default)]
    pub topic: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub on_day: String,
    /// HH:MM.
    #[serde(default)]
    pub starts: String,
    #[serde(default)]
    pub ends: String,
    #[serde(default)]
    pub place: String,
    /// An exchange meeting's or a study session's invitees by staff or student number, separated
    /// by spaces, commas or lines (empty: for an exchange meeting the cadres linked to classes of
    /// the unit, or all of them for the office's; for a study session all the host's people).
    #[serde(default)]
    pub invitees: String,
}

impl MeetingInput {
    fn host(&self) -> Result<Host, AppError> {
        let bad = || AppError::invalid_field("host", "请选择召开会议的组织或单位", "Choose who holds the meeting");
        if let Some(o) = self.org_id {
            return Ok(Host::Org(o));
        }
        if let Some(u) = self.unit_id {
            return Ok(Host::Unit(u));
        }
        match self.host.trim().split_once(':') {
            Some(("org", id)) => id.parse().map(Host::Org).map_err(|_| bad()),
            Some(("unit", id)) => id.parse().map(Host::Unit).map_err(|_| bad()),
            None if self.host.trim() == "office" => Ok(Host::Office),
            _ => Err(bad()),
        }
    }
}

/// Schedules a meeting and tells everyone expected; returns its id.
pub async fn schedule(s: &AppState, scope: &Scope, input: &MeetingInput) -> AppResult<i64> {
    let host = input.host();
    let parsed = mt::parse_schedule(&input.kind, &input.topic, &input.on_day, &input.starts, &input.ends, &input.place, today());
    let (host, sched) = match (host, parsed) {
        (Ok(h), Ok(s)) => (h, s),
        (h, p) => {
            let mut e = p.err().unwrap_or_default();
            if let Err(he) = h {
                e.0.extend(he.fields.unwrap_or_default().0);
            }
            return Err(AppError::invalid(e));
        }
    };
    let mut w = s.store.write().await?;
    // Who may hold it first: the invitees' numbers are looked up only for those who may.
    store::check_host(&mut w, scope, host, sched.kind).await?;
    let invitees = crate::app::people::ids_of_numbers(&mut w, &input.invitees, "invitees").await?;
    if matches!(host, Host::Org(_)) && sched.kind != Kind::Study && !invitees.is_empty() {
        return Err(AppError::invalid_field("invitees", "支部会议的应到人员是本支部党员，不另填", "A branch meeting expects the branch's members: leave the invitees empty"));
    }
    let id = store::schedule(&mut w, scope, host, &sched, &invitees).await?;
    // A meeting entered after the day (to record it) needs no notice.
    if sched.on_day >= today() {
        tell_expected(&mut w, id, &s.site.public_url).await?;
    }
    w.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

/// Tells everyone expected at a meeting just scheduled (a branch's, an exchange meeting, a
/// central group's session): its kind, topic, day, time and place, with a link to it.
pub(crate) async fn tell_expected(w: &mut pacesetter_store::Conn, id: i64, public_url: &str) -> AppResult<()> {
    let (row, _) = store::get(w, &Scope::system("meeting-notice"), id).await?;
    let when = format!("{} {}", iso(row.on_day), row.starts);
    let kind = row.kind();
    for p in store::expected_people(w, id).await? {
        let to = pacesetter_store::problem::person_accounts(w, p).await?;
        let link = Link { task: None, href: format!("/meetings/{id}") };
        notify::tell(
            w,
            &to,
            "meeting",
            &format!("会议通知：{}（{}）{}，地点：{}", kind.label(Lang::Zh), row.topic, when, row.place),
            &format!("Meeting: {} ({}) at {when}, {}", kind.label(Lang::En), row.topic, row.place),
            &link,
            &format!("meeting:{id}:{p}"),
            public_url,
        )
        .await?;
    }
    Ok(())
}

/// A meeting as the caller sees it.
pub struct MeetingView {
    pub m: MeetingRow,
    pub standing: Standing,
    pub attendance: Vec<AttendeeRow>,
    /// (id, name, content type, photo).
    pub files: Vec<(i64, String, String, bool)>,
    /// The caller's own line, when they are expected.
    pub mine: Option<AttendeeRow>,
    pub checkin_open: bool,
}

impl MeetingView {
    pub fn runs(&self) -> bool {
        self.standing == Standing::Runs
    }

    /// The minutes: for those who run or read it, and for the expected once it is held.
    pub fn minutes(&self) -> Option<&str> {
        self.m.minutes.as_deref()
    }
}

pub async fn view(s: &AppState, scope: &Scope, id: i64) -> AppResult<MeetingView> {
    let mut c = s.store.read().await?;
    let (m, standing) = store::get(&mut c, scope, id).await?;
    let attendance = store::attendance(&mut c, scope, id).await?;
    let files = store::files(&mut c, scope, id).await?;
    let me = scope.person.map(|p| p.0);
    let mine = attendance.iter().find(|a| Some(a.person_id) == me).cloned();
    let checkin_open = m.checkin_open(now_ms());
    Ok(MeetingView { m, standing, attendance, files, mine, checkin_open })
}

/// The meetings page: those the caller is expected at (upcoming first), those in their reach,
/// and the hosts they may schedule for.
pub struct Overview {
    pub mine: Vec<MeetingRow>,
    pub reach: Vec<MeetingRow>,
    pub hosts: Vec<(Host, String)>,
}

pub async fn overview(s: &AppState, scope: &Scope, f: &Filter) -> AppResult<Overview> {
    let mut c = s.store.read().await?;
    let mut mine = store::list(&mut c, scope, &Filter { mine: true, from: Some(today() - time::Duration::days(60)), ..Default::default() }, 50).await?;
    mine.sort_by_key(|m| (m.on_day < today(), if m.on_day < today() { -m.on_day.to_julian_day() } else { m.on_day.to_julian_day() }));
    let reach = store::list(&mut c, scope, f, 300).await?;
    let hosts = store::hosts(&mut c, scope).await?;
    Ok(Overview { mine, reach, hosts })
}

pub async fn list(s: &AppState, scope: &Scope, f: &Filter) -> AppResult<Vec<MeetingRow>> {
    let mut c = s.store.read().await?;
    Ok(store::list(&mut c, scope, f, 500).await?)
}

pub async fn open_checkin(s: &AppState, scope: &Scope, id: i64) -> AppResult<MeetingRow> {
    let mut w = s.store.write().await?;
    let m = store::open_checkin(&mut w, scope, id, today()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(m)
}

pub async fn close_checkin(s: &AppState, scope: &Scope, id: i64) -> AppResult<MeetingRow> {
    let mut w = s.store.write().await?;
    let m = store::close_checkin(&mut w, scope, id).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(m)
}

/// The code on the screen now: the code, the address its QR code carries, and the
/// milliseconds until it changes.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CheckinCode {
    pub code: String,
    pub url: String,
    pub changes_in_ms: i64,
}

pub async fn code(s: &AppState, scope: &Scope, id: i64) -> AppResult<CheckinCode> {
    let mut c = s.store.read().await?;
    let (code, left) = store::current_code(&mut c, scope, id).await?;
    Ok(CheckinCode { url: format!("{}/meetings/{id}/in?c={code}", s.site.public_url), code, changes_in_ms: left })
}

pub async fn check_in(s: &AppState, scope: &Scope, id: i64, code: &str) -> AppResult<MeetingRow> {
    let mut w = s.store.write().await?;
    let m = store::check_in(&mut w, scope, id, code).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(m)
}

pub async fn ask_leave(s: &AppState, scope: &Scope, id: i64, reason: &str) -> AppResult<MeetingRow> {
    let reason = mt::parse_reason(reason).map_err(AppError::invalid)?;
    let mut w = s.store.write().await?;
    let m = store::ask_leave(&mut w, scope, id, &reason, today()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(m)
}

/// One line of the secretary's list.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct Mark {
    pub person_id: i64,
    /// present, leave or expected.
    pub status: String,
    /// Required for leave.
    #[serde(default)]
    pub reason: Option<String>,
}

pub async fn mark(s: &AppState, scope: &Scope, id: i64, marks: &[Mark]) -> AppResult<MeetingRow> {
    let mut parsed = Vec::new();
    for m in marks {
        let status =
            Attendance::parse(m.status.trim()).ok_or_else(|| AppError::invalid_field("status", "出勤状态只能是出席、请假或应到", "The status is present, leave or expected"))?;
        let reason = match (status, m.reason.as_deref()) {
            (Attendance::Leave, r) => Some(mt::parse_reason(r.unwrap_or("")).map_err(AppError::invalid)?),
            _ => None,
        };
        parsed.push((m.person_id, status, reason));
    }
    let mut w = s.store.write().await?;
    let m = store::mark(&mut w, scope, id, &parsed).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(m)
}

/// Records the meeting held: the minutes, and up to 6 photos and 6 files (PDF, Word, Excel),
/// each checked by content (photos stripped of their metadata on upload).
/// A record's checked files as stored: up to six photos and six documents (a meeting's or an
/// activity's), every problem under `files`.
pub fn record_files(files: Vec<File>, errors: &mut FieldErrors) -> Vec<NewFile> {
    let (photos, docs): (Vec<File>, Vec<File>) = files.into_iter().partition(|f| matches!(f.kind, FileKind::Jpeg | FileKind::Png));
    if photos.len() > 6 {
        errors.add("files", "最多上传 6 张照片", "At most 6 photos");
    }
    if docs.len() > 6 {
        errors.add("files", "最多上传 6 个文件", "At most 6 files");
    }
    photos
        .into_iter()
        .map(|f| (f, true))
        .chain(docs.into_iter().map(|f| (f, false)))
        .map(|(f, photo)| NewFile { name: f.filename, content_type: f.kind.content_type().to_string(), photo, data: f.data })
        .collect()
}

pub async fn record(s: &AppState, scope: &Scope, id: i64, minutes: &str, files: Vec<File>, mut errors: FieldErrors) -> AppResult<MeetingRow> {
    let minutes = match mt::parse_minutes(minutes) {
        Ok(m) => Some(m),
        Err(e) => {
            errors.0.extend(e.0);
            None
        }
    };
    let files = record_files(files, &mut errors);
    let Some(minutes) = minutes.filter(|_| errors.is_empty()) else {
        return Err(AppError::invalid(errors));
    };
    let mut w = s.store.write().await?;
    let m = store::record(&mut w, scope, id, &minutes, files, today()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(m)
}

pub async fn cancel(s: &AppState, scope: &Scope, id: i64, reason: &str) -> AppResult<MeetingRow> {
    let reason = mt::parse_reason(reason).map_err(AppError::invalid)?;
    let mut w = s.store.write().await?;
    let m = store::cancel(&mut w, scope, id, &reason).await?;
    // Everyone told of the meeting is told it is off.
    for p in store::expected_people(&mut w, id).await? {
        let to = pacesetter_store::problem::person_accounts(&mut w, p).await?;
        let link = Link { task: None, href: format!("/meetings/{id}") };
        notify::tell(
            &mut w,
            &to,
            "meeting",
            &format!("会议取消：{}（{}）{}，原因：{reason}", m.kind().label(Lang::Zh), m.topic, iso(m.on_day)),
            &format!("Cancelled: {} ({}) on {}: {reason}", m.kind().label(Lang::En), m.topic, iso(m.on_day)),
            &link,
            &format!("meeting-cancel:{id}:{p}"),
            &s.site.public_url,
        )
        .await?;
    }
    w.commit().await.map_err(StoreError::from)?;
    Ok(m)
}

pub async fn file(s: &AppState, scope: &Scope, file: i64) -> AppResult<(String, String, Vec<u8>)> {
    let mut c = s.store.read().await?;
    Ok(store::file(&mut c, scope, file).await?)
}

/// The compliance of the branches in reach for a year (this year by default).
/// `year` as typed (this year when empty).
pub async fn compliance(s: &AppState, scope: &Scope, year: Option<&str>, college: Option<i64>) -> AppResult<(Vec<BranchCompliance>, Vec<Rule>, i32)> {
    let year = match year.map(str::trim).filter(|y| !y.is_empty()) {
        None => today().year(),
        Some(y) => y.parse::<i32>().map_err(|_| AppError::invalid_field("year", "年份须是四位数字", "The year is four digits"))?,
    };
    if !(2000..=2100).contains(&year) {
        return Err(AppError::invalid_field("year", "年份须在 2000 至 2100 之间", "The year must be from 2000 to 2100"));
    }
    let mut c = s.store.read().await?;
    let (rows, rules) = store::compliance(&mut c, scope, year, college, today()).await?;
    Ok((rows, rules, year))
}

/// The compliance as one sheet: a line per branch, with each kind's meetings held and missed
/// periods, the current period, and the attendance rate.
pub fn compliance_sheet(rows: &[BranchCompliance], year: i32, lang: Lang) -> crate::export::Sheet {
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    let mut headers = vec![t("二级党组织", "Secondary organization"), t("党支部", "Branch")];
    for k in Kind::BRANCH {
        headers.push(format!("{} {}", k.label(lang), t("召开次数", "held")));
        headers.push(format!("{} {}", k.label(lang), t("缺开期次", "missed")));
    }
    headers.push(t("本期尚未召开", "Not yet held this period"));
    headers.push(t("出席率 %", "Attendance %"));
    let rows = rows
        .iter()
        .map(|b| {
            let mut line = vec![b.college.clone(), b.branch.clone()];
            for k in &b.kinds {
                line.push(k.held.to_string());
                line.push(k.missed.iter().map(|d| format!("{}-{:02}", d.year(), d.month() as u8)).collect::<Vec<_>>().join(" "));
            }
            line.push(b.kinds.iter().filter(|k| k.current_held == Some(false)).map(|k| k.kind.label(lang)).collect::<Vec<_>>().join("、"));
            line.push(b.rate().map(|r| format!("{r:.1}")).unwrap_or_default());
            line
        })
        .collect();
    crate::export::Sheet { name: format!("{year} {}", t("三会一课", "branch meetings")), headers, rows }
}

/// The office's rule for a kind, as typed.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct RuleInput {
    #[serde(default)]
    pub kind: String,
    /// monthly or quarterly.
    #[serde(default)]
    pub period: String,
    /// The months of vacation, such as "2, 8".
    #[serde(default)]
    pub vacation: String,
}

pub async fn set_rule(s: &AppState, scope: &Scope, input: &RuleInput) -> AppResult<Rule> {
    let mut e = FieldErrors::new();
    let kind = Kind::parse(&input.kind).filter(|k| k.is_branch());
    if kind.is_none() {
        e.add("kind", "请选择会议类型", "Choose the kind of meeting");
    }
    let period = Period::parse(&input.period);
    if period.is_none() {
        e.add("period", "频次只能是每月或每季度", "The period is monthly or quarterly");
    }
    let vacation = match mt::parse_vacation(&input.vacation) {
        Ok(v) => Some(v),
        Err(x) => {
            e.0.extend(x.0);
            None
        }
    };
    let (Some(kind), Some(period), Some(vacation)) = (kind, period, vacation) else { return Err(AppError::invalid(e)) };
    let rule = Rule { kind, period, vacation };
    let mut w = s.store.write().await?;
    store::set_rule(&mut w, scope, &rule).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(rule)
}

/// A period's first day as the pages name it: 2012年3月, or 2012年第1季度.
pub fn period_name(rule: Option<&Rule>, first: time::Date, lang: Lang) -> String {
    match rule.map(|r| r.period) {
        Some(Period::Quarterly) => {
            let q = (first.month() as u8 - 1) / 3 + 1;
            lang.t(&format!("{}年第{q}季度", first.year()), &format!("Q{q} {}", first.year())).to_string()
        }
        _ => lang.t(&format!("{}年{}月", first.year(), first.month() as u8), &format!("{}-{:02}", first.year(), first.month() as u8)).to_string(),
    }
}
