//! The masses' problems (item 10), as use cases: raise (with photos, optionally unnamed to the
//! unit), route, accept and assign, answer, confirm; the deadline tick with its escalations; the
//! lists, the dashboard and its export; the public list of resolved problems and each unit's
//! satisfaction; the office's groups of similar reports (突出问题) and handing one down. Each
//! step tells whoever must act next. The pages and the API are thin adapters over these.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::upload::File;
use pacesetter_domain::Lang;
use pacesetter_domain::anonymity::MIN_GROUP;
use pacesetter_domain::calendar::Calendar;
use pacesetter_domain::dates::{format_date, today};
use pacesetter_domain::ids::{OrgId, PersonId, UnitId};
use pacesetter_domain::problem::{self as pb, Escalation, Rules, State};
use pacesetter_domain::scope::Scope;
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::db::Conn;
use pacesetter_store::notify::{self, Link};
use pacesetter_store::problem::{self as store, EventRow, Filter, GroupRow, Photo, ProblemRow, PublicRow, Ticked, UnitCounts, Viewer};
use pacesetter_store::tree::Tree;
use pacesetter_store::{StoreError, campaign};
use serde::{Deserialize, Serialize};

/// The working-day calendar of the campaign in force (weekdays only when there is none).
async fn calendar(c: &mut Conn) -> Result<Calendar, StoreError> {
    Ok(match campaign::current(c).await? {
        Some(camp) => camp.plan().map(|p| p.calendar).unwrap_or_default(),
        None => Calendar::default(),
    })
}

pub async fn rules(s: &AppState) -> AppResult<Rules> {
    let mut c = s.store.read().await?;
    Ok(store::rules(&mut c).await?)
}

/// The office's numbers, as typed.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct RulesInput {
    /// Working days for the unit to accept (1 to 60).
    #[serde(default)]
    pub accept_days: String,
    /// Working days to answer once accepted.
    #[serde(default)]
    pub answer_days: String,
    /// Working days for the raiser to confirm before it closes as unconfirmed.
    #[serde(default)]
    pub confirm_days: String,
    /// "true" or "on" opens the public list of resolved problems.
    #[serde(default)]
    pub public_list: Option<String>,
}

pub async fn set_rules(s: &AppState, scope: &Scope, input: &RulesInput) -> AppResult<Rules> {
    let open = input.public_list.as_deref().is_some_and(|v| matches!(v, "true" | "on" | "1" | "yes"));
    let r = Rules::parse(&input.accept_days, &input.answer_days, &input.confirm_days, open).map_err(AppError::invalid)?;
    let mut w = s.store.write().await?;
    store::set_rules(&mut w, scope, r).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(r)
}

// ---- raising ---------------------------------------------------------------------------------

/// A problem as typed: what it is about (`window`, `unit`, `campus`), the window or unit, the
/// category, the words, and whether the unit may see the raiser's name.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct RaiseInput {
    #[serde(default)]
    pub about: String,
    /// The window's or unit's id (for `window` and `unit`).
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    pub target: Option<i64>,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub body: String,
    /// "true" or "on": the unit does not see who raised it (the office always does).
    #[serde(default)]
    pub unnamed: Option<String>,
    /// The caller's own visit to a class it was raised in (a cadre's).
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    pub visit: Option<i64>,
    /// With a visit: the student of the visited class who raised it (they follow and confirm it).
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    pub student: Option<i64>,
}

impl RaiseInput {
    /// The fields of a multipart form, its photos, and the problems of the photos refused.
    pub fn from_form(form: crate::upload::MultipartForm) -> (RaiseInput, Vec<File>, FieldErrors) {
        let v = |k: &str| form.values.get(k).cloned().unwrap_or_default();
        let input = RaiseInput {
            about: v("about"),
            target: v(if v("about") == "unit" { "unit" } else { "window" }).trim().parse().ok().or_else(|| v("target").trim().parse().ok()),
            category: v("category"),
            body: v("body"),
            unnamed: form.values.get("unnamed").cloned(),
            visit: v("visit").trim().parse().ok(),
            student: v("student").trim().parse().ok(),
        };
        (input, form.files, form.errors)
    }

    pub fn unnamed(&self) -> bool {
        self.unnamed.as_deref().is_some_and(|v| matches!(v, "true" | "on" | "1" | "yes"))
    }
}

/// Raises a problem; photos are checked by content and stripped of their metadata on upload.
pub async fn raise(s: &AppState, scope: &Scope, input: &RaiseInput, photos: Vec<File>, mut errors: FieldErrors) -> AppResult<i64> {
    let raised = match pb::parse_raised(&input.about, input.target.is_some(), &input.category, &input.body, input.unnamed()) {
        Ok(r) => Some(r),
        Err(e) => {
            errors.0.extend(e.0);
            None
        }
    };
    let kept: Vec<Photo> = crate::upload::photos_only(photos, 4, "photos", &mut errors).into_iter().map(|(content_type, data)| Photo { content_type, data }).collect();
    let Some(raised) = raised.filter(|_| errors.is_empty()) else {
        return Err(AppError::invalid(errors));
    };
    let day = today();
    let mut w = s.store.write().await?;
    let cal = calendar(&mut w).await?;
    let id = store::raise(&mut w, scope, &raised, input.target, input.visit.map(|v| (v, input.student)), kept, day, &cal).await?;
    let row = store::get(&mut w, &Scope::system("problems"), id).await?.0;
    // An unnamed problem reaches the unit in the next day's notice (see `tick`): a notice at
    // this minute could tell who raised it.
    if !row.unnamed {
        tell_unit(&mut w, &row, "problem_new", ("新的群众问题待受理", "A new problem from the masses waits to be accepted"), &s.site.public_url).await?;
    }
    w.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

/// The students of the class of one of the caller's visits, for the form of a problem found in it.
pub async fn visit_students(s: &AppState, scope: &Scope, visit: i64) -> AppResult<Vec<(i64, String, String)>> {
    let mut c = s.store.read().await?;
    Ok(pacesetter_store::liaison::visited_class_members(&mut c, scope, visit).await?)
}

/// Tells the unit's heads (the office when the problem is with no unit, or the unit has no
/// head) of a step they must act on. The text names the problem by its number and category only.
async fn tell_unit(c: &mut Conn, row: &ProblemRow, kind: &str, what: (&str, &str), public_url: &str) -> AppResult<usize> {
    let mut to = match row.unit_id {
        Some(u) => store::head_accounts(c, u).await?,
        None => Vec::new(),
    };
    if to.is_empty() {
        to = store::office_accounts(c, today()).await?;
    }
    let cat = pb::category_label(&row.category);
    let zh = format!("{}：第 {} 号（{}）", what.0, row.id, cat.zh);
    let en = format!("{}: No. {} ({})", what.1, row.id, cat.en);
    let link = Link { task: None, href: format!("/problems/{}", row.id) };
    Ok(notify::tell(c, &to, kind, &zh, &en, &link, &format!("{kind}:{}:{}:{}", row.id, row.state, row.reopened), public_url).await?)
}

/// Tells the raiser of a step of their problem.
async fn tell_raiser(c: &mut Conn, row: &ProblemRow, what: (&str, &str), public_url: &str) -> AppResult<usize> {
    let to = store::raiser_accounts(c, row.id).await?;
    let zh = format!("您提出的第 {} 号问题{}", row.id, what.0);
    let en = format!("Your problem No. {} {}", row.id, what.1);
    let link = Link { task: None, href: format!("/problems/{}", row.id) };
    Ok(notify::tell(c, &to, "problem_step", &zh, &en, &link, &format!("problem_step:{}:{}:{}", row.id, row.state, row.reopened), public_url).await?)
}

// ---- one problem -----------------------------------------------------------------------------

/// A problem as the caller may see it, with its history, photos, and what they may do.
pub struct ProblemView {
    pub row: ProblemRow,
    pub viewer: Viewer,
    pub events: Vec<EventRow>,
    pub photos: Vec<i64>,
    /// The staff it may be assigned to (for the unit, while it waits to be accepted).
    pub staff: Vec<(i64, String, String)>,
    pub rules: Rules,
}

impl ProblemView {
    pub fn may_act(&self) -> bool {
        matches!(self.viewer, Viewer::Office | Viewer::Unit)
    }
    pub fn may_route(&self) -> bool {
        self.viewer == Viewer::Office && self.row.state() == State::Received
    }
    pub fn may_accept(&self) -> bool {
        self.may_act() && self.row.state() == State::Received && self.row.unit_id.is_some()
    }
    pub fn may_answer(&self) -> bool {
        self.may_act() && self.row.state() == State::Assigned
    }
    pub fn may_confirm(&self) -> bool {
        self.viewer == Viewer::Raiser && self.row.state() == State::Answered
    }
    pub fn may_publish(&self) -> bool {
        self.viewer == Viewer::Office && !self.row.state().is_open()
    }
}

pub async fn show(s: &AppState, scope: &Scope, id: i64) -> AppResult<ProblemView> {
    let mut c = s.store.read().await?;
    let (row, viewer) = store::get(&mut c, scope, id).await?;
    let events = store::events(&mut c, scope, id).await?;
    let photos = store::photo_ids(&mut c, scope, id).await?;
    let staff = match (row.unit_id, row.state(), viewer) {
        (Some(u), State::Received, Viewer::Office | Viewer::Unit) => store::staff_of(&mut c, u, 300).await?,
        _ => Vec::new(),
    };
    let rules = store::rules(&mut c).await?;
    Ok(ProblemView { row, viewer, events, photos, staff, rules })
}

pub async fn photo(s: &AppState, scope: &Scope, photo: i64) -> AppResult<(String, Vec<u8>)> {
    let mut c = s.store.read().await?;
    Ok(store::photo(&mut c, scope, photo).await?)
}

pub async fn route(s: &AppState, scope: &Scope, id: i64, unit: Option<UnitId>) -> AppResult<ProblemRow> {
    let unit = unit.ok_or_else(|| AppError::invalid_field("unit", "请选择承办单位", "Choose the unit"))?;
    let mut w = s.store.write().await?;
    let cal = calendar(&mut w).await?;
    let row = store::route(&mut w, scope, id, unit.0, today(), &cal).await?;
    tell_unit(&mut w, &row, "problem_new", ("创先办转来的群众问题待受理", "A problem the office routed to you waits to be accepted"), &s.site.public_url).await?;
    tell_raiser(&mut w, &row, ("已转交承办单位", "was routed to the unit responsible"), &s.site.public_url).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(row)
}

pub async fn accept(s: &AppState, scope: &Scope, id: i64, assignee: Option<PersonId>) -> AppResult<ProblemRow> {
    let mut w = s.store.write().await?;
    let cal = calendar(&mut w).await?;
    let row = store::accept(&mut w, scope, id, assignee.map(|p| p.0), today(), &cal).await?;
    if let Some(a) = row.assignee_id.filter(|a| Some(*a) != scope.person.map(|p| p.0)) {
        let to = store::person_accounts(&mut w, a).await?;
        let cat = pb::category_label(&row.category);
        let link = Link { task: None, href: format!("/problems/{}", row.id) };
        notify::tell(
            &mut w,
            &to,
            "problem_assigned",
            &format!("第 {} 号群众问题（{}）交由您办理", row.id, cat.zh),
            &format!("Problem No. {} ({}) is yours to handle", row.id, cat.en),
            &link,
            &format!("problem_assigned:{}:{}", row.id, row.reopened),
            &s.site.public_url,
        )
        .await?;
    }
    tell_raiser(&mut w, &row, ("已受理，正在办理", "was accepted and is being handled"), &s.site.public_url).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(row)
}

/// The unit's answer, as typed.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct AnswerInput {
    /// The reply to the raiser (at most 2,000 characters).
    #[serde(default)]
    pub reply: String,
    /// The measures taken (at most 2,000 characters).
    #[serde(default)]
    pub measures: String,
}

pub async fn answer(s: &AppState, scope: &Scope, id: i64, input: &AnswerInput) -> AppResult<ProblemRow> {
    let mut e = FieldErrors::new();
    let reply = pb::step_text(&mut e, "reply", &input.reply, 2000, ("答复", "reply"));
    let measures = pb::step_text(&mut e, "measures", &input.measures, 2000, ("整改措施", "measures"));
    if !e.is_empty() {
        return Err(AppError::invalid(e));
    }
    let mut w = s.store.write().await?;
    let cal = calendar(&mut w).await?;
    let row = store::answer(&mut w, scope, id, &reply, &measures, today(), &cal).await?;
    let due = row.due_on.map(|d| (format_date(d, Lang::Zh), format_date(d, Lang::En))).unwrap_or_default();
    tell_raiser(&mut w, &row, (&format!("已答复，请于{}前确认是否满意", due.0), &format!("was answered: please say by {} whether you are satisfied", due.1)), &s.site.public_url)
        .await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(row)
}

/// The raiser's confirmation.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ConfirmInput {
    /// "yes" (satisfied) or "no" (not satisfied: it reopens one level up).
    #[serde(default)]
    pub satisfied: String,
    /// Why not, or anything to add (at most 500 characters).
    #[serde(default)]
    pub comment: Option<String>,
}

pub async fn confirm(s: &AppState, scope: &Scope, id: i64, input: &ConfirmInput) -> AppResult<ProblemRow> {
    let satisfied = match input.satisfied.trim() {
        "yes" | "true" | "1" => true,
        "no" | "false" | "0" => false,
        _ => return Err(AppError::invalid_field("satisfied", "请选择满意或不满意", "Say whether you are satisfied")),
    };
    let comment = pacesetter_domain::validate::optional_text(input.comment.as_deref().map(|c| c.replace(['\r', '\n'], " ")).as_deref(), 500)
        .map_err(|t| AppError::invalid_field("comment", &t.zh, &t.en))?;
    let mut w = s.store.write().await?;
    let cal = calendar(&mut w).await?;
    let row = store::confirm(&mut w, scope, id, satisfied, comment.as_deref(), today(), &cal).await?;
    if !satisfied && !row.unnamed {
        tell_unit(&mut w, &row, "problem_reopened", ("提出人对答复不满意，问题已转至上一级", "The raiser was not satisfied: the problem went one level up"), &s.site.public_url)
            .await?;
    }
    w.commit().await.map_err(StoreError::from)?;
    Ok(row)
}

// ---- the deadline tick -----------------------------------------------------------------------

/// Closes answers past their confirmation limit and escalates steps past theirs, telling the
/// head, the office, or the raiser; returns the notifications made. Runs with the hourly
/// reminders and when the office asks.
pub async fn tick(store_: &pacesetter_store::Store, public_url: &str, day: time::Date) -> Result<usize, StoreError> {
    let mut w = store_.write().await?;
    let cal = calendar(&mut w).await?;
    let ticked = store::tick(&mut w, day, &cal).await?;
    let mut n = 0;
    for Ticked { row, escalation } in &ticked {
        let cat = pb::category_label(&row.category);
        let link = Link { task: None, href: format!("/problems/{}", row.id) };
        let dedupe = format!("problem_tick:{}:{}:{}:{}", row.id, row.state, row.reopened, row.escalation);
        let (to, zh, en) = match escalation {
            None => (
                store::raiser_accounts(&mut w, row.id).await?,
                format!("您提出的第 {} 号问题已答复但未在时限内确认，已按“未确认”关闭", row.id),
                format!("Your problem No. {} was answered but not confirmed in time, and closed as unconfirmed", row.id),
            ),
            Some(Escalation::Head) => {
                let mut to = match row.unit_id {
                    Some(u) => store::head_accounts(&mut w, u).await?,
                    None => Vec::new(),
                };
                // A unit with no head: the office hears of it at once.
                if to.is_empty() {
                    to = store::office_accounts(&mut w, day).await?;
                }
                (to, format!("第 {} 号群众问题（{}）已超过办理时限，请督办", row.id, cat.zh), format!("Problem No. {} ({}) is past its limit: please see to it", row.id, cat.en))
            }
            Some(_) => (
                store::office_accounts(&mut w, day).await?,
                format!("第 {} 号群众问题（{}，{}）严重超时，已报创先办", row.id, cat.zh, if row.unit_name.is_empty() { "待分派" } else { &row.unit_name }),
                format!("Problem No. {} ({}, {}) is long overdue and referred to the office", row.id, cat.en, if row.unit_name.is_empty() { "unrouted" } else { &row.unit_name }),
            ),
        };
        n += notify::tell(&mut w, &to, "problem_overdue", &zh, &en, &link, &dedupe, public_url).await?;
    }
    // The daily notice of unnamed problems waiting, once a day per unit.
    for (unit, count) in store::waiting_unnamed(&mut w, day).await? {
        let mut to = match unit {
            Some(u) => store::head_accounts(&mut w, u).await?,
            None => Vec::new(),
        };
        if to.is_empty() {
            to = store::office_accounts(&mut w, day).await?;
        }
        let link = Link {
            task: None,
            href: match unit {
                Some(u) => format!("/problems?show=received&unit={u}"),
                None => "/problems?show=triage".into(),
            },
        };
        n += notify::tell(
            &mut w,
            &to,
            "problem_new",
            &format!("有 {count} 件不具名的群众问题待受理"),
            &format!("{count} unnamed problems wait to be accepted"),
            &link,
            &format!("problem_unnamed:{}:{day}", unit.unwrap_or(0)),
            public_url,
        )
        .await?;
    }
    w.commit().await?;
    Ok(n)
}

/// The office runs the tick now (it also runs every hour by itself).
pub async fn tick_now(s: &AppState, scope: &Scope) -> AppResult<usize> {
    pacesetter_store::scope::office_only(scope)?;
    Ok(tick(&s.store, &s.site.public_url, today()).await?)
}

// ---- lists and the dashboard -----------------------------------------------------------------

/// The filters of a list of problems, from a page's query or the API's.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ListQuery {
    /// `mine` (what I raised), `unit` (what my unit handles; the default for a unit), `triage`
    /// (the office's: routed to no unit), `overdue`, `open`, or a state's code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_page: Option<String>,
}

impl ListQuery {
    pub fn filter(&self) -> AppResult<Filter> {
        let mut f = Filter::default();
        match crate::input::text(&self.show) {
            None | Some("all") | Some("unit") => {}
            Some("mine") => f.mine = true,
            Some("triage") => f.triage = true,
            Some("overdue") => f.overdue = true,
            Some("open") => f.open = true,
            Some(s) => {
                f.state = Some(State::parse(s).ok_or_else(|| {
                    AppError::bad_request("show 应为 mine、unit、triage、overdue、open 或状态代码", "show is mine, unit, triage, overdue, open or a state's code")
                })?)
            }
        }
        let id = |v: &Option<String>, name: &str| -> AppResult<Option<i64>> {
            crate::input::text(v).map(|t| t.parse::<i64>().map_err(|_| AppError::bad_request(format!("{name} 应为编号"), format!("{name} is an id")))).transpose()
        };
        f.unit = id(&self.unit, "unit")?;
        f.group = id(&self.group, "group")?;
        Ok(f)
    }

    pub fn paging(&self) -> crate::input::Paging {
        crate::input::Paging::from_query(self.page.as_deref(), self.per_page.as_deref())
    }

    pub fn pairs(&self) -> Vec<(String, String)> {
        crate::input::pairs_of(self)
    }
}

pub async fn list(s: &AppState, scope: &Scope, q: &ListQuery) -> AppResult<(Vec<ProblemRow>, i64)> {
    let f = q.filter()?;
    let p = q.paging();
    let mut c = s.store.read().await?;
    Ok(store::list(&mut c, scope, &f, today(), p.offset(), p.limit()).await?)
}

/// Every problem of a list (for its export), at most 20,000.
pub async fn list_all(s: &AppState, scope: &Scope, q: &ListQuery) -> AppResult<Vec<ProblemRow>> {
    let f = q.filter()?;
    let mut c = s.store.read().await?;
    Ok(store::list(&mut c, scope, &f, today(), 0, 20_000).await?.0)
}

/// The list as a sheet: each row as the caller may see it (no unnamed raiser for the unit).
pub fn sheet(rows: &[ProblemRow], lang: Lang) -> crate::export::Sheet {
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    crate::export::Sheet {
        name: t("群众问题", "Problems"),
        headers: vec![
            t("编号", "No."),
            t("类别", "Category"),
            t("涉及", "About"),
            t("承办单位", "Unit"),
            t("状态", "State"),
            t("提出日期", "Raised on"),
            t("本步时限", "Step due"),
            t("超时", "Overdue"),
            t("提出人", "Raised by"),
            t("问题", "Problem"),
            t("答复", "Reply"),
            t("整改措施", "Measures"),
        ],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.id.to_string(),
                    pb::category_label(&r.category).get(lang).to_string(),
                    r.about_name.clone(),
                    if r.unit_name.is_empty() { t("创先办待分派", "Office triage") } else { r.unit_name.clone() },
                    r.state().label().get(lang).to_string(),
                    format_date(r.raised_on, lang),
                    r.due_on.filter(|_| r.state().is_open()).map(|d| format_date(d, lang)).unwrap_or_default(),
                    r.escalation().label().get(lang).to_string(),
                    if r.raiser_name.is_empty() { t("（不具名）", "(unnamed)") } else { r.raiser_name.clone() },
                    r.body.clone(),
                    r.reply.clone().unwrap_or_default(),
                    r.measures.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    }
}

/// The dashboard: counts per unit in the caller's reach (raised, open, overdue, satisfied, not
/// satisfied, closed unconfirmed).
pub async fn dashboard(s: &AppState, scope: &Scope) -> AppResult<Vec<UnitCounts>> {
    let mut c = s.store.read().await?;
    Ok(store::counts_by_unit(&mut c, scope, today()).await?)
}

pub fn dashboard_sheet(rows: &[UnitCounts], lang: Lang) -> crate::export::Sheet {
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    crate::export::Sheet {
        name: t("问题办理统计", "Problems by unit"),
        headers: vec![
            t("承办单位", "Unit"),
            t("收到", "Raised"),
            t("办理中", "Open"),
            t("超时", "Overdue"),
            t("满意", "Satisfied"),
            t("不满意", "Not satisfied"),
            t("未确认关闭", "Closed unconfirmed"),
        ],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    if r.unit_name.is_empty() { t("创先办待分派", "Office triage") } else { r.unit_name.clone() },
                    r.raised.to_string(),
                    r.open.to_string(),
                    r.overdue.to_string(),
                    r.satisfied.to_string(),
                    r.unsatisfied.to_string(),
                    r.unconfirmed.to_string(),
                ]
            })
            .collect(),
    }
}

// ---- the public list and satisfaction --------------------------------------------------------

/// A unit's satisfaction from the raisers' confirmations: shown only from [`MIN_GROUP`]
/// confirmations on.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Satisfaction {
    pub unit_id: i64,
    pub unit_name: String,
    pub confirmations: i64,
    /// Satisfied ÷ confirmations, as "83.3%"; None below the minimum group.
    pub rate: Option<String>,
}

fn satisfaction_of(rows: Vec<(i64, String, i64, i64)>) -> Vec<Satisfaction> {
    rows.into_iter()
        .map(|(unit_id, unit_name, yes, no)| {
            let n = yes + no;
            let rate = (n >= MIN_GROUP as i64).then(|| format!("{:.1}%", yes as f64 * 100.0 / n as f64));
            Satisfaction { unit_id, unit_name, confirmations: n, rate }
        })
        .collect()
}

pub async fn satisfaction(s: &AppState) -> AppResult<Vec<Satisfaction>> {
    let mut c = s.store.read().await?;
    Ok(satisfaction_of(store::confirmations(&mut c).await?))
}

/// The unit's satisfaction, for its window's page.
pub async fn satisfaction_of_unit(s: &AppState, unit: i64) -> AppResult<Option<Satisfaction>> {
    Ok(satisfaction(s).await?.into_iter().find(|x| x.unit_id == unit))
}

/// The public list (None when the office has not opened it) and the satisfaction per unit.
pub async fn public_list(s: &AppState, offset: i64, limit: i64) -> AppResult<Option<(Vec<PublicRow>, i64, Vec<Satisfaction>)>> {
    let mut c = s.store.read().await?;
    if !store::rules(&mut c).await?.public_list {
        return Ok(None);
    }
    let (rows, total) = store::public_list(&mut c, offset, limit).await?;
    let sat = satisfaction_of(store::confirmations(&mut c).await?);
    Ok(Some((rows, total, sat)))
}

/// The office's publication: its summary of what was raised and of what was done.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct PublishInput {
    /// What was raised, in the office's words (never the raiser's; at most 500 characters).
    #[serde(default)]
    pub summary: String,
    /// What was done (at most 1,000 characters).
    #[serde(default)]
    pub done: String,
    /// "true" takes it off the public list instead.
    #[serde(default)]
    pub withdraw: Option<String>,
}

pub async fn publish(s: &AppState, scope: &Scope, id: i64, input: &PublishInput) -> AppResult<ProblemRow> {
    let mut w = s.store.write().await?;
    let row = if input.withdraw.as_deref().is_some_and(|v| matches!(v, "true" | "on" | "1")) {
        store::unpublish(&mut w, scope, id).await?
    } else {
        let mut e = FieldErrors::new();
        let summary = pb::step_text(&mut e, "summary", &input.summary, 500, ("问题摘要", "summary"));
        let done = pb::step_text(&mut e, "done", &input.done, 1000, ("办理结果", "result"));
        if !e.is_empty() {
            return Err(AppError::invalid(e));
        }
        store::publish(&mut w, scope, id, &summary, &done).await?
    };
    w.commit().await.map_err(StoreError::from)?;
    Ok(row)
}

// ---- groups of similar reports ---------------------------------------------------------------

pub async fn groups(s: &AppState, scope: &Scope) -> AppResult<Vec<GroupRow>> {
    let mut c = s.store.read().await?;
    Ok(store::groups(&mut c, scope, 200).await?)
}

pub async fn group(s: &AppState, scope: &Scope, id: i64) -> AppResult<(GroupRow, Vec<ProblemRow>)> {
    let mut c = s.store.read().await?;
    let g = store::group(&mut c, scope, id).await?;
    let f = Filter { group: Some(id), ..Default::default() };
    let rows = store::list(&mut c, scope, &f, today(), 0, 2000).await?.0;
    Ok((g, rows))
}

pub async fn regroup(s: &AppState, scope: &Scope) -> AppResult<usize> {
    let mut w = s.store.write().await?;
    let n = store::regroup(&mut w, scope, pacesetter_domain::similar::THRESHOLD).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(n)
}

/// A change to a group: `merge` another group into it, `split` problems off into a new group,
/// `rename` it, or `hand_down` to a unit (with a note, and optionally a requirement to a Party
/// organization through the commitments).
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct GroupChange {
    #[serde(default)]
    pub action: String,
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    pub from: Option<i64>,
    #[serde(default, deserialize_with = "crate::input::ids")]
    pub problems: Vec<i64>,
    #[serde(default)]
    pub title: String,
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    pub unit: Option<i64>,
    #[serde(default)]
    pub note: String,
    /// A Party organization to hand the group down to as a requirement (争创要求) as well.
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    pub org: Option<i64>,
}

/// Applies a change; returns the group to show next (a split shows the new one).
pub async fn change_group(s: &AppState, scope: &Scope, id: i64, ch: &GroupChange) -> AppResult<i64> {
    let mut w = s.store.write().await?;
    let next = match ch.action.as_str() {
        "merge" => {
            let from = ch.from.ok_or_else(|| AppError::invalid_field("from", "请选择要并入的组", "Choose the group to merge in"))?;
            store::merge(&mut w, scope, id, from).await?;
            id
        }
        "split" => store::split(&mut w, scope, id, &ch.problems).await?,
        "rename" => {
            let title = pacesetter_domain::validate::name(&ch.title, 100).map_err(|t| AppError::invalid_field("title", &t.zh, &t.en))?;
            store::rename_group(&mut w, scope, id, &title).await?;
            id
        }
        "hand_down" => {
            let unit = ch.unit.ok_or_else(|| AppError::invalid_field("unit", "请选择承办单位", "Choose the unit"))?;
            let mut e = FieldErrors::new();
            let note = pb::step_text(&mut e, "note", &ch.note, 1000, ("交办要求", "instructions"));
            if !e.is_empty() {
                return Err(AppError::invalid(e));
            }
            let cal = calendar(&mut w).await?;
            let routed = store::hand_down(&mut w, scope, id, unit, &note, today(), &cal).await?;
            let g = store::group(&mut w, scope, id).await?;
            if let Some(org) = ch.org {
                let camp = campaign::current(&mut w).await?.ok_or(StoreError::NotFound)?;
                let text = format!("{}\n\n（由 {} 位群众反映的 {} 件同类问题归纳：{}）", note, g.raisers, g.problems, g.title);
                pacesetter_store::commitment::add_requirement(&mut w, scope, camp.id, OrgId(org).0, None, &g.title, &text).await?;
            }
            let to = store::head_accounts(&mut w, unit).await?;
            let link = Link { task: None, href: format!("/problems?show=open&unit={unit}") };
            notify::tell(
                &mut w,
                &to,
                "problem_group",
                &format!("创先办交办突出问题“{}”（{} 件，{} 人反映）：{}", g.title, g.problems, g.raisers, note),
                &format!("The office handed down the problem \"{}\" ({} reports by {} people): {}", g.title, g.problems, g.raisers, note),
                &link,
                &format!("problem_group:{id}:{unit}:{}", routed.len()),
                &s.site.public_url,
            )
            .await?;
            id
        }
        _ => return Err(AppError::bad_request("action 应为 merge、split、rename 或 hand_down", "action is merge, split, rename or hand_down")),
    };
    w.commit().await.map_err(StoreError::from)?;
    Ok(next)
}

/// Windows and units a problem can be about, with their full paths: (windows, units).
pub async fn targets(s: &AppState) -> AppResult<(Vec<(i64, String)>, Vec<(i64, String)>)> {
    use pacesetter_domain::unit::UnitKind;
    let windows = crate::app::tree::open_choices(s, Tree::Unit, |n| n.kind == UnitKind::Window.code()).await?;
    let units = crate::app::tree::open_choices(s, Tree::Unit, |n| !matches!(UnitKind::parse(&n.kind), Some(UnitKind::Class | UnitKind::School | UnitKind::Window) | None)).await?;
    Ok((windows, units))
}
