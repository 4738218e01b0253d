//! Meetings as pages: thin adapters over [`crate::app::meetings`]. The caller's meetings with the
//! scheduling form, one meeting (attendance, check-in, leave, the secretary's list, the record),
//! the screen with the changing QR code, the page a scan opens, and the compliance of the
//! branches with its export and the office's rules.

use super::{FormState, Layout, render_status, see_other};
use crate::app::meetings::{self as app, Mark, MeetingInput, MeetingView, Overview, RuleInput};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::{Fields, Params};
use crate::state::AppState;
use crate::upload;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pacesetter_domain::Lang;
use pacesetter_domain::meeting::{Attendance, Kind, Rule, State as MState};
use pacesetter_store::meeting::{BranchCompliance, Host, MeetingRow};
use serde::Deserialize;
use std::collections::HashMap;

/// Words the meeting pages share.
pub trait MeetingLabels {
    fn lang(&self) -> Lang;

    fn kind_word(&self, m: &MeetingRow) -> &'static str {
        m.kind().label(self.lang())
    }

    fn state_word(&self, m: &MeetingRow) -> &'static str {
        m.state().label(self.lang())
    }

    fn tone(&self, m: &MeetingRow) -> &'static str {
        match m.state() {
            MState::Held => "ok",
            MState::Cancelled => "muted",
            MState::Scheduled => "warn",
        }
    }

    fn host_word(&self, m: &MeetingRow) -> String {
        if m.host_name.is_empty() { self.lang().t("创先办", "Campaign office").to_string() } else { m.host_name.clone() }
    }

    fn rate_text(&self, m: &MeetingRow) -> String {
        m.rate().map(|r| format!("{r:.1}%")).unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "meetings.html")]
struct MeetingsPage {
    l: Layout,
    o: Overview,
    f: FormState,
    /// Every kind, to filter the list by (a central group's sessions too).
    kinds: Vec<(&'static str, &'static str)>,
    /// The kinds this form schedules: a branch's and exchange meetings (a central group's
    /// sessions are scheduled on the group's page).
    schedule_kinds: Vec<(&'static str, &'static str)>,
    today: String,
    kind: String,
    overseer: bool,
}

impl MeetingLabels for MeetingsPage {
    fn lang(&self) -> Lang {
        self.l.lang
    }
}

impl MeetingsPage {
    fn host_value(&self, h: &Host) -> String {
        match h {
            Host::Org(id) => format!("org:{id}"),
            Host::Unit(id) => format!("unit:{id}"),
            Host::Office => "office".into(),
        }
    }

    fn host_label(&self, h: &Host, name: &str) -> String {
        match h {
            Host::Office => self.l.t("创先办（全校经验交流会）", "Campaign office (university-wide exchange meeting)").to_string(),
            Host::Unit(_) => format!("{name}{}", self.l.t("（经验交流会）", " (exchange meeting)")),
            Host::Org(_) => name.to_string(),
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    kind: Option<String>,
}

async fn index_page(s: &AppState, ctx: &Ctx, kind: Option<&str>, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let filter = pacesetter_store::meeting::Filter { kind: kind.and_then(Kind::parse), ..Default::default() };
    let o = app::overview(s, scope, &filter).await?;
    let kinds = Kind::ALL.into_iter().map(|k| (k.code(), k.label(ctx.lang))).collect();
    let schedule_kinds = Kind::BRANCH.into_iter().chain([Kind::Study, Kind::Exchange]).map(|k| (k.code(), k.label(ctx.lang))).collect();
    let today = pacesetter_domain::dates::iso(pacesetter_domain::dates::today());
    let overseer = scope.global().is_some() || scope.reaches.iter().any(|(r, _)| matches!(r, pacesetter_domain::scope::Reach::Org(_)));
    let page =
        MeetingsPage { l: Layout::new(ctx, ctx.t("会议（三会一课）", "Meetings")), o, f, kinds, schedule_kinds, today, kind: kind.unwrap_or("").to_string(), overseer };
    Ok(render_status(status, &page))
}

pub async fn index(State(s): State<AppState>, ctx: Ctx, Params(q): Params<ListQuery>) -> AppResult<Response> {
    index_page(&s, &ctx, crate::input::text(&q.kind), FormState::new(ctx.lang), StatusCode::OK).await
}

pub async fn schedule(State(s): State<AppState>, ctx: Ctx, Fields(form): Fields<MeetingInput>) -> AppResult<Response> {
    match app::schedule(&s, &ctx.me()?.scope, &form).await {
        Ok(id) => Ok(see_other(&format!("/meetings/{id}?done=saved"))),
        Err(e) if e.fields.is_some() => {
            index_page(&s, &ctx, None, FormState::with(ctx.lang, crate::input::values_of(&form), e.fields.unwrap_or_default()), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "meeting.html")]
struct MeetingPage {
    l: Layout,
    v: MeetingView,
    f: FormState,
    may_record: bool,
}

impl MeetingLabels for MeetingPage {
    fn lang(&self) -> Lang {
        self.l.lang
    }
}

impl MeetingPage {
    fn held(&self) -> bool {
        self.v.m.state() == MState::Held
    }

    fn scheduled(&self) -> bool {
        self.v.m.state() == MState::Scheduled
    }

    fn cancelled(&self) -> bool {
        self.v.m.state() == MState::Cancelled
    }

    /// The caller is only expected at it (sees their own line, not the list).
    fn expected_only(&self) -> bool {
        self.v.standing == pacesetter_store::meeting::Standing::Expected
    }

    fn status_word(&self, a: &pacesetter_store::meeting::AttendeeRow) -> &'static str {
        a.status().label(self.held(), self.l.lang)
    }

    fn status_tone(&self, a: &pacesetter_store::meeting::AttendeeRow) -> &'static str {
        match (a.status(), self.held()) {
            (Attendance::Present, _) => "ok",
            (Attendance::Leave, _) => "warn",
            (Attendance::Expected, true) => "bad",
            (Attendance::Expected, false) => "muted",
        }
    }

    fn how_word(&self, a: &pacesetter_store::meeting::AttendeeRow) -> &'static str {
        match a.how.as_deref() {
            Some("qr") => self.l.t("扫码签到", "QR check-in"),
            Some("list") => self.l.t("书记登记", "marked by the secretary"),
            Some("self") => self.l.t("本人请假", "asked by themself"),
            _ => "",
        }
    }

    fn is(&self, a: &pacesetter_store::meeting::AttendeeRow, code: &str) -> bool {
        a.status == code
    }

    fn may_leave(&self) -> bool {
        self.scheduled() && self.v.mine.as_ref().is_some_and(|a| a.status() == Attendance::Expected)
    }
}

async fn meeting_page(s: &AppState, ctx: &Ctx, id: i64, f: FormState, status: StatusCode) -> AppResult<Response> {
    let v = app::view(s, &ctx.me()?.scope, id).await?;
    let may_record = v.runs() && v.m.state() == MState::Scheduled && v.m.on_day <= pacesetter_domain::dates::today();
    let title = format!("{} · {}", v.m.kind().label(ctx.lang), v.m.topic);
    Ok(render_status(status, &MeetingPage { l: Layout::new(ctx, &title), v, f, may_record }))
}

pub async fn meeting(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    meeting_page(&s, &ctx, id, FormState::new(ctx.lang), StatusCode::OK).await
}

/// A refusal shown on the meeting's page with what was typed; other errors as they are.
async fn or_form(s: &AppState, ctx: &Ctx, id: i64, r: AppResult<()>, values: HashMap<String, String>, done: &str) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(see_other(&format!("/meetings/{id}?done={done}"))),
        Err(e) if e.fields.is_some() => meeting_page(s, ctx, id, FormState::with(ctx.lang, values, e.fields.unwrap_or_default()), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) if e.status == StatusCode::CONFLICT || e.status == StatusCode::FORBIDDEN => {
            let mut errors = pacesetter_domain::validate::FieldErrors::new();
            errors.add("_", e.message.zh.clone(), e.message.en.clone());
            meeting_page(s, ctx, id, FormState::with(ctx.lang, values, errors), e.status).await
        }
        Err(e) => Err(e),
    }
}

pub async fn open_checkin(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    match app::open_checkin(&s, &ctx.me()?.scope, id).await {
        Ok(_) => Ok(see_other(&format!("/meetings/{id}/screen"))),
        Err(e) => or_form(&s, &ctx, id, Err(e), HashMap::new(), "").await,
    }
}

pub async fn close_checkin(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let r = app::close_checkin(&s, &ctx.me()?.scope, id).await.map(|_| ());
    or_form(&s, &ctx, id, r, HashMap::new(), "checkin_closed").await
}

#[derive(Template)]
#[template(path = "meeting_screen.html")]
struct ScreenPage {
    l: Layout,
    m: MeetingRow,
    code: String,
    refresh_s: i64,
}

/// The screen shown at the meeting: the QR code of the moment, which the page reloads when it
/// changes (no script needed), with the count of those checked in.
pub async fn screen(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let code = app::code(&s, scope, id).await;
    let v = app::view(&s, scope, id).await?;
    match code {
        Ok(c) => {
            let refresh_s = (c.changes_in_ms + 999) / 1000;
            Ok(render_status(StatusCode::OK, &ScreenPage { l: Layout::new(&ctx, &v.m.topic), m: v.m, code: c.code, refresh_s }))
        }
        Err(e) if e.status == StatusCode::CONFLICT => Ok(see_other(&format!("/meetings/{id}"))),
        Err(e) => Err(e),
    }
}

/// The QR code of the moment as a PNG (for whoever runs the meeting).
pub async fn qr_png(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let c = app::code(&s, &ctx.me()?.scope, id).await?;
    let png = crate::qr::png(&c.url, 10)?;
    Ok(([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "no-store")], png).into_response())
}

#[derive(Deserialize, serde::Serialize, Default)]
pub struct CodeForm {
    #[serde(default)]
    c: String,
}

#[derive(Template)]
#[template(path = "meeting_scan.html")]
struct ScanPage {
    l: Layout,
    v: MeetingView,
    code: String,
    f: FormState,
}

/// What a scan opens: the meeting and one button to check in (a GET never writes).
pub async fn scan(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Params(q): Params<CodeForm>) -> AppResult<Response> {
    let v = app::view(&s, &ctx.me()?.scope, id).await?;
    Ok(render_status(StatusCode::OK, &ScanPage { l: Layout::new(&ctx, ctx.t("会议签到", "Check in")), v, code: q.c, f: FormState::new(ctx.lang) }))
}

pub async fn check_in(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<CodeForm>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    match app::check_in(&s, scope, id, &form.c).await {
        Ok(_) => Ok(see_other(&format!("/meetings/{id}?done=checked_in"))),
        Err(e) if e.fields.is_some() || e.status == StatusCode::CONFLICT || e.status == StatusCode::FORBIDDEN => {
            let v = app::view(&s, scope, id).await?;
            let mut errors = e.fields.clone().unwrap_or_default();
            if errors.is_empty() {
                errors.add("_", e.message.zh.clone(), e.message.en.clone());
            }
            let status = if e.status == StatusCode::FORBIDDEN { StatusCode::FORBIDDEN } else { e.status };
            Ok(render_status(
                status,
                &ScanPage { l: Layout::new(&ctx, ctx.t("会议签到", "Check in")), v, code: form.c.clone(), f: FormState::with(ctx.lang, HashMap::new(), errors) },
            ))
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, serde::Serialize, Default)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

pub async fn leave(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<ReasonForm>) -> AppResult<Response> {
    let r = app::ask_leave(&s, &ctx.me()?.scope, id, &form.reason).await.map(|_| ());
    or_form(&s, &ctx, id, r, crate::input::values_of(&form), "leave").await
}

pub async fn cancel(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<ReasonForm>) -> AppResult<Response> {
    let r = app::cancel(&s, &ctx.me()?.scope, id, &form.reason).await.map(|_| ());
    let mut values = crate::input::values_of(&form);
    values.insert("cancel_reason".into(), form.reason.clone());
    or_form(&s, &ctx, id, r, values, "cancelled").await
}

/// The secretary's list: a field `s_{person}` (present, leave or expected) and `r_{person}`
/// (the reason for leave) for each person on it.
pub async fn mark(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<HashMap<String, String>>) -> AppResult<Response> {
    let mut marks = Vec::new();
    for (k, v) in &form {
        if let Some(p) = k.strip_prefix("s_").and_then(|p| p.parse::<i64>().ok()) {
            // A line the secretary left as the page showed it is not sent: someone may have
            // checked in since the page was loaded.
            let untouched = form.get(&format!("o_{p}")) == Some(v) && form.get(&format!("r_{p}")).map(|r| r.trim()) == form.get(&format!("or_{p}")).map(|r| r.trim());
            if untouched {
                continue;
            }
            marks.push(Mark { person_id: p, status: v.clone(), reason: form.get(&format!("r_{p}")).cloned().filter(|r| !r.trim().is_empty()) });
        }
    }
    marks.sort_by_key(|m| m.person_id);
    let r = app::mark(&s, &ctx.me()?.scope, id, &marks).await.map(|_| ());
    or_form(&s, &ctx, id, r, form.clone(), "marked").await
}

/// The record (multipart: minutes, files).
pub async fn record(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mp: Multipart) -> AppResult<Response> {
    let form = upload::read_form(mp, "files", s.site.max_upload).await?;
    let values = form.values.clone();
    let minutes = values.get("minutes").cloned().unwrap_or_default();
    let r = app::record(&s, &ctx.me()?.scope, id, &minutes, form.files, form.errors).await.map(|_| ());
    or_form(&s, &ctx, id, r, values, "recorded").await
}

pub async fn file(State(s): State<AppState>, ctx: Ctx, Path(fid): Path<i64>) -> AppResult<Response> {
    let (name, content_type, data) = app::file(&s, &ctx.me()?.scope, fid).await?;
    Ok(super::stored_file(&name, content_type, data))
}

#[derive(Template)]
#[template(path = "meetings_compliance.html")]
struct CompliancePage {
    l: Layout,
    rows: Vec<BranchCompliance>,
    rules: Vec<Rule>,
    year: i32,
    office: bool,
    f: FormState,
    only_gaps: bool,
    /// The secondary organization asked for, kept in the export's link.
    org: Option<i64>,
}

impl CompliancePage {
    fn kind_word(&self, k: &Kind) -> &'static str {
        k.label(self.l.lang)
    }

    fn period_word(&self, r: &Rule) -> &'static str {
        r.period.label(self.l.lang)
    }

    fn vacation_text(&self, r: &Rule) -> String {
        r.vacation.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(", ")
    }

    fn missed_text(&self, k: &pacesetter_store::meeting::KindCompliance) -> String {
        let rule = self.rules.iter().find(|r| r.kind == k.kind);
        k.missed.iter().map(|d| app::period_name(rule, *d, self.l.lang)).collect::<Vec<_>>().join("、")
    }

    fn rate_text(&self, b: &BranchCompliance) -> String {
        b.rate().map(|r| format!("{r:.1}%")).unwrap_or_else(|| "—".into())
    }

    fn shown(&self) -> Vec<&BranchCompliance> {
        self.rows.iter().filter(|b| !self.only_gaps || b.missed() > 0 || b.due_now() > 0).collect()
    }

    fn with_missed(&self) -> usize {
        self.rows.iter().filter(|b| b.missed() > 0).count()
    }

    fn due_now(&self) -> usize {
        self.rows.iter().filter(|b| b.due_now() > 0).count()
    }

    fn colleges(&self) -> Vec<pacesetter_store::meeting::CollegeCompliance> {
        pacesetter_store::meeting::by_college(&self.rows)
    }

    fn college_rate(&self, c: &pacesetter_store::meeting::CollegeCompliance) -> String {
        c.rate().map(|r| format!("{r:.1}%")).unwrap_or_else(|| "—".into())
    }

    fn overall_rate(&self) -> String {
        let (p, e) = self.rows.iter().fold((0, 0), |(p, e), b| (p + b.present, e + b.expected));
        pacesetter_domain::meeting::rate(p, e).map(|r| format!("{r:.1}%")).unwrap_or_else(|| "—".into())
    }
}

#[derive(Deserialize, Default)]
pub struct ComplianceQuery {
    #[serde(default)]
    year: Option<String>,
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    org_id: Option<i64>,
    #[serde(default)]
    gaps: Option<String>,
}

async fn compliance_page(s: &AppState, ctx: &Ctx, q: &ComplianceQuery, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let (rows, rules, year) = app::compliance(s, scope, q.year.as_deref(), q.org_id).await?;
    let office = scope.has(pacesetter_domain::role::Role::Office);
    let page = CompliancePage {
        l: Layout::new(ctx, ctx.t("三会一课落实情况", "Branch meetings by branch")),
        rows,
        rules,
        year,
        office,
        f,
        only_gaps: q.gaps.as_deref() == Some("1"),
        org: q.org_id,
    };
    Ok(render_status(status, &page))
}

pub async fn compliance(State(s): State<AppState>, ctx: Ctx, Params(q): Params<ComplianceQuery>) -> AppResult<Response> {
    compliance_page(&s, &ctx, &q, FormState::new(ctx.lang), StatusCode::OK).await
}

pub async fn compliance_export(State(s): State<AppState>, ctx: Ctx, Path(file): Path<String>, Params(q): Params<ComplianceQuery>) -> AppResult<Response> {
    let (rows, _, year) = app::compliance(&s, &ctx.me()?.scope, q.year.as_deref(), q.org_id).await?;
    let sheet = app::compliance_sheet(&rows, year, ctx.lang);
    super::download(&ctx, &sheet, &format!("{}-{year}", ctx.t("三会一课", "branch-meetings")), if file.ends_with(".csv") { "csv" } else { "xlsx" })
}

pub async fn set_rule(State(s): State<AppState>, ctx: Ctx, Fields(form): Fields<RuleInput>) -> AppResult<Response> {
    match app::set_rule(&s, &ctx.me()?.scope, &form).await {
        Ok(_) => Ok(see_other("/meetings/compliance?done=saved")),
        Err(e) if e.fields.is_some() => {
            let mut values = crate::input::values_of(&form);
            values.insert("rule_kind".into(), form.kind.clone());
            compliance_page(&s, &ctx, &ComplianceQuery::default(), FormState::with(ctx.lang, values, e.fields.unwrap_or_default()), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}
