//! Activities as use cases (items 7, 12, 13): announcing one to an organization's or a unit's
//! people (everyone for the office's); signing up and giving up a place (the first waiting
//! moves up and is told); check-in by the changing code; the record with photos and volunteer
//! hours; the books of a reading month; and participation per branch for a month, with the
//! branches where nothing happened (page and .xlsx).

use crate::app::meetings::record_files;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::upload::File;
use pacesetter_domain::Lang;
use pacesetter_domain::activity::{self as act, AnnounceFields, Kind, Signup};
use pacesetter_domain::dates::{iso, today};
use pacesetter_domain::scope::Scope;
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::StoreError;
use pacesetter_store::activity::{self as store, ActivityRow, BookRow, BranchLine, Host, SignupRow, Standing};
use serde::{Deserialize, Serialize};
use time::Date;

/// An activity as typed (form or JSON).
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ActivityInput {
    /// volunteer, reading, ethics or study.
    #[serde(default)]
    pub kind: String,
    /// "org:ID", "unit:ID" or "office": whose people it is announced to.
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub place: String,
    /// YYYY-MM-DD, today or later.
    #[serde(default)]
    pub on_day: String,
    /// The last day (a reading month); the first day when empty.
    #[serde(default)]
    pub end_day: String,
    /// HH:MM.
    #[serde(default)]
    pub starts: String,
    #[serde(default)]
    pub ends: String,
    /// The last day to sign up; the first day when empty.
    #[serde(default)]
    pub signup_until: String,
    /// Places; 0 or empty for no limit.
    #[serde(default)]
    pub quota: String,
}

fn host_of(v: &str) -> Option<Host> {
    let v = v.trim();
    if v == "office" {
        return Some(Host::Office);
    }
    let (kind, id) = v.split_once(':')?;
    let id = id.parse::<i64>().ok()?;
    match kind {
        "org" => Some(Host::Org(id)),
        "unit" => Some(Host::Unit(id)),
        _ => None,
    }
}

pub async fn create(s: &AppState, scope: &Scope, input: &ActivityInput) -> AppResult<i64> {
    let host = host_of(&input.host).ok_or_else(|| AppError::invalid_field("host", "请选择发布活动的组织或单位", "Choose whose activity it is"))?;
    let mut w = s.store.write().await?;
    store::check_host(&mut w, scope, host).await?;
    let a = act::announce(
        &AnnounceFields {
            kind: &input.kind,
            title: &input.title,
            body: &input.body,
            place: &input.place,
            on_day: &input.on_day,
            end_day: &input.end_day,
            starts: &input.starts,
            ends: &input.ends,
            signup_until: &input.signup_until,
            quota: &input.quota,
        },
        today(),
    )?;
    let id = store::create(&mut w, scope, host, &a).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

/// The hosts the caller may announce for: (value, name).
pub async fn hosts(s: &AppState, scope: &Scope, lang: Lang) -> AppResult<Vec<(String, String)>> {
    let mut c = s.store.read().await?;
    let mut out = Vec::new();
    for (h, name) in pacesetter_store::meeting::hosts(&mut c, scope).await? {
        match h {
            pacesetter_store::meeting::Host::Office => out.push(("office".to_string(), lang.t("创先办（全校）", "The office (everyone)").to_string())),
            pacesetter_store::meeting::Host::Org(id) => out.push((format!("org:{id}"), name)),
            pacesetter_store::meeting::Host::Unit(id) => out.push((format!("unit:{id}"), name)),
        }
    }
    Ok(out)
}

/// The activities the caller runs or may join, from a month back.
pub async fn list(s: &AppState, scope: &Scope) -> AppResult<Vec<(ActivityRow, bool)>> {
    let mut c = s.store.read().await?;
    Ok(store::list(&mut c, scope, today() - time::Duration::days(31)).await?)
}

/// One activity's page.
pub struct View {
    pub a: ActivityRow,
    pub st: Standing,
    pub signups: Vec<SignupRow>,
    pub files: Vec<(i64, String, String, bool)>,
    pub books: Vec<BookRow>,
    pub checkin_open: bool,
}

pub async fn view(s: &AppState, scope: &Scope, id: i64) -> AppResult<View> {
    let mut c = s.store.read().await?;
    let (a, st) = store::get(&mut c, scope, id).await?;
    let signups = store::signups(&mut c, scope, id).await?;
    let files = store::files(&mut c, scope, id).await?;
    let books = if a.kind() == Kind::Reading { store::books(&mut c, scope, id).await? } else { Vec::new() };
    let checkin_open = a.checkin_open(pacesetter_domain::dates::now_ms());
    Ok(View { a, st, signups, files, books, checkin_open })
}

pub async fn sign_up(s: &AppState, scope: &Scope, id: i64) -> AppResult<Signup> {
    let mut w = s.store.write().await?;
    let place = store::sign_up(&mut w, scope, id, today()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(place)
}

/// Gives up the caller's place; the first waiting moves up and is told.
/// Why an activity is called off.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct CallOffInput {
    #[serde(default)]
    pub reason: String,
}

/// Calls an activity off before it is held and tells everyone who had a place or was waiting.
pub async fn call_off(s: &AppState, scope: &Scope, id: i64, input: &CallOffInput) -> AppResult<()> {
    let mut w = s.store.write().await?;
    let people = store::call_off(&mut w, scope, id, &input.reason).await?;
    let (a, _) = store::get(&mut w, &Scope::system("activities"), id).await?;
    let link = pacesetter_store::notify::Link { task: None, href: format!("/activities/{id}") };
    for p in people {
        let to = pacesetter_store::problem::person_accounts(&mut w, p).await?;
        pacesetter_store::notify::tell(
            &mut w,
            &to,
            "activity_off",
            &format!("活动已取消：{}（{}）。原因：{}", a.title, iso(a.on_day), input.reason.trim()),
            &format!("Called off: {} ({}). Reason: {}", a.title, iso(a.on_day), input.reason.trim()),
            &link,
            &format!("activity:{id}:off:{p}"),
            &s.site.public_url,
        )
        .await?;
    }
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

pub async fn cancel(s: &AppState, scope: &Scope, id: i64) -> AppResult<()> {
    let mut w = s.store.write().await?;
    let moved = store::cancel(&mut w, scope, id, today()).await?;
    if let Some(p) = moved {
        // Told each time they move up (a sign-up again is a new turn).
        let seq = w
            .fetch_i64(pacesetter_store::db::Sql::new("SELECT seq FROM activity_signups WHERE activity_id = $1 AND person_id = $2").bind(id).bind(p))
            .await
            .map_err(StoreError::from)?;
        let (a, _) = store::get(&mut w, &Scope::system("activities"), id).await?;
        let to = pacesetter_store::problem::person_accounts(&mut w, p).await?;
        let link = pacesetter_store::notify::Link { task: None, href: format!("/activities/{id}") };
        pacesetter_store::notify::tell(
            &mut w,
            &to,
            "activity_place",
            &format!("您已从候补转为正式报名：{}（{}）", a.title, iso(a.on_day)),
            &format!("You have a place now: {} ({})", a.title, iso(a.on_day)),
            &link,
            &format!("activity:{id}:place:{p}:{seq}"),
            &s.site.public_url,
        )
        .await?;
    }
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

pub async fn open_checkin(s: &AppState, scope: &Scope, id: i64) -> AppResult<()> {
    let mut w = s.store.write().await?;
    store::open_checkin(&mut w, scope, id, today()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// The check-in code of the moment, the address a scan opens, and when it changes.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ActivityCode {
    pub code: String,
    pub url: String,
    pub changes_in_ms: i64,
}

pub async fn code(s: &AppState, scope: &Scope, id: i64) -> AppResult<ActivityCode> {
    let mut c = s.store.read().await?;
    let (code, left) = store::current_code(&mut c, scope, id).await?;
    Ok(ActivityCode { url: format!("{}/activities/{id}?c={code}", s.site.public_url), code, changes_in_ms: left })
}

pub async fn check_in(s: &AppState, scope: &Scope, id: i64, code: &str) -> AppResult<()> {
    let mut w = s.store.write().await?;
    store::check_in(&mut w, scope, id, code).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Records the activity as held: what was done, the hours of each one checked in (volunteer
/// service), photos and files.
pub async fn record(s: &AppState, scope: &Scope, id: i64, text: &str, hours: &str, files: Vec<File>, mut errors: FieldErrors) -> AppResult<()> {
    let mut w = s.store.write().await?;
    let (a, _) = store::get(&mut w, scope, id).await?;
    let half_hours = if a.kind() == Kind::Volunteer {
        match act::hours(hours, a.days()) {
            Ok(h) => (h * 2.0) as i64,
            Err(e) => {
                errors.0.extend(e.0);
                0
            }
        }
    } else {
        0
    };
    let files = record_files(files, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    store::record(&mut w, scope, id, text, half_hours, files, today()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

pub async fn file(s: &AppState, scope: &Scope, id: i64) -> AppResult<(String, String, Vec<u8>)> {
    let mut c = s.store.read().await?;
    Ok(store::file(&mut c, scope, id).await?)
}

/// A book as typed.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct BookInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub author: String,
    /// 20 to 1000 characters.
    #[serde(default)]
    pub review: String,
}

pub async fn add_book(s: &AppState, scope: &Scope, id: i64, input: &BookInput) -> AppResult<i64> {
    let mut w = s.store.write().await?;
    store::get(&mut w, scope, id).await?;
    let (t, a, r) = act::book(&input.title, &input.author, &input.review)?;
    let bid = store::add_book(&mut w, scope, id, (&t, &a, &r), today()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(bid)
}

/// The month of a "YYYY-MM" (this month when empty or unreadable): its first and last day.
pub fn month_of(v: Option<&str>) -> (Date, Date) {
    let t = today();
    let first = v
        .and_then(|v| {
            let (y, m) = v.trim().split_once('-')?;
            Date::from_calendar_date(y.parse().ok()?, time::Month::try_from(m.parse::<u8>().ok()?).ok()?, 1).ok()
        })
        .unwrap_or_else(|| Date::from_calendar_date(t.year(), t.month(), 1).unwrap_or(t));
    let last = first.replace_day(first.month().length(first.year())).unwrap_or(first);
    (first, last)
}

/// Participation per branch in reach for a month.
pub async fn participation(s: &AppState, scope: &Scope, month: Option<&str>) -> AppResult<(Date, Vec<BranchLine>)> {
    let (from, to) = month_of(month);
    let mut c = s.store.read().await?;
    Ok((from, store::by_branch(&mut c, scope, from, to).await?))
}

pub fn participation_sheet(from: Date, rows: &[BranchLine], lang: Lang) -> crate::export::Sheet {
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    crate::export::Sheet {
        name: format!("{}-{:02} {}", from.year(), from.month() as u8, t("支部活动情况", "branch activities")),
        headers: vec![
            t("二级党组织", "Secondary organization"),
            t("党支部", "Branch"),
            t("举办活动", "Held"),
            t("党员人数", "Members"),
            t("参加人数", "Took part"),
            t("读书篇数", "Books"),
            t("本月无活动", "Nothing this month"),
        ],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.college.clone(),
                    r.branch.clone(),
                    r.held.to_string(),
                    r.members.to_string(),
                    r.took_part.to_string(),
                    r.books.to_string(),
                    if r.held == 0 && r.took_part == 0 { t("是", "yes") } else { String::new() },
                ]
            })
            .collect(),
    }
}

/// An activity a person took part in (checked in), with its hours.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Participation {
    pub activity_id: i64,
    pub kind: String,
    pub title: String,
    pub on_day: String,
    /// Volunteer hours, when recorded.
    pub hours: Option<f64>,
}

/// The caller's own participation, newest first, and their volunteer hours in all.
pub async fn mine(s: &AppState, scope: &Scope) -> AppResult<(Vec<Participation>, f64)> {
    let Some(me) = scope.person else { return Ok((Vec::new(), 0.0)) };
    let mut c = s.store.read().await?;
    let rows: Vec<Participation> = store::of_person(&mut c, me.0)
        .await?
        .into_iter()
        .map(|(id, kind, title, on, half)| Participation { activity_id: id, kind, title, on_day: iso(on), hours: half.map(|h| h as f64 / 2.0) })
        .collect();
    let hours = rows.iter().filter_map(|r| r.hours).sum();
    Ok((rows, hours))
}

/// Per secondary organization: (name, branches, branches with nothing, held, took part, members, books).
pub fn by_college(rows: &[BranchLine]) -> Vec<(String, i64, i64, i64, i64, i64, i64)> {
    let mut out: Vec<(String, i64, i64, i64, i64, i64, i64)> = Vec::new();
    for r in rows {
        let i = match out.iter().position(|x| x.0 == r.college) {
            Some(i) => i,
            None => {
                out.push((r.college.clone(), 0, 0, 0, 0, 0, 0));
                out.len() - 1
            }
        };
        let x = &mut out[i];
        x.1 += 1;
        x.2 += i64::from(r.held == 0 && r.took_part == 0);
        x.3 += r.held;
        x.4 += r.took_part;
        x.5 += r.members;
        x.6 += r.books;
    }
    out
}
