//! Meetings over the API: adapters over [`crate::app::meetings`]. Scheduling, the list, one
//! meeting with its attendance and files, check-in (open, close, the code of the moment, scan),
//! leave, the secretary's list, the record (multipart), cancelling, compliance and the rules.

use crate::app::meetings::{self as app, CheckinCode, Mark, MeetingInput, MeetingView, RuleInput};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::Params;
use crate::state::AppState;
use crate::upload;
use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use pacesetter_domain::Lang;
use pacesetter_domain::dates::{format_datetime_ms, iso};
use pacesetter_domain::meeting::{Kind, Rule};
use pacesetter_store::meeting::{BranchCompliance, Filter, MeetingRow, Standing};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A meeting.
#[derive(Serialize, ToSchema)]
pub struct MeetingDto {
    pub id: i64,
    /// branch_general, branch_committee, group, lecture, theme_day or exchange.
    pub kind: String,
    pub kind_label: String,
    /// The Party organization that holds it, or the unit (an exchange meeting); neither: the office.
    pub org_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub host: String,
    pub topic: String,
    pub place: String,
    pub on_day: String,
    pub starts: String,
    pub ends: String,
    /// scheduled, held or cancelled.
    pub state: String,
    pub expected: i64,
    pub present: i64,
    pub leave: i64,
    /// Present over expected, in per cent.
    pub attendance_rate: Option<f64>,
    pub checkin_open: bool,
}

pub fn dto(m: &MeetingRow, lang: Lang) -> MeetingDto {
    MeetingDto {
        id: m.id,
        kind: m.kind.clone(),
        kind_label: m.kind().label(lang).to_string(),
        org_id: m.org_id,
        unit_id: m.unit_id,
        host: if m.host_name.is_empty() { lang.t("创先办", "Campaign office").to_string() } else { m.host_name.clone() },
        topic: m.topic.clone(),
        place: m.place.clone(),
        on_day: iso(m.on_day),
        starts: m.starts.clone(),
        ends: m.ends.clone(),
        state: m.state.clone(),
        expected: m.expected,
        present: m.present,
        leave: m.leave,
        attendance_rate: m.rate(),
        checkin_open: m.checkin_open(pacesetter_domain::dates::now_ms()),
    }
}

/// One person's attendance.
#[derive(Serialize, ToSchema)]
pub struct AttendeeDto {
    pub person_id: i64,
    pub name: String,
    pub number: String,
    /// expected (absent once held), present or leave.
    pub status: String,
    pub reason: Option<String>,
    /// qr, list or self (leave asked by the person).
    pub how: Option<String>,
    pub at: Option<String>,
}

/// A file of the record, at /meetings/files/{id}.
#[derive(Serialize, ToSchema)]
pub struct MeetingFileDto {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub photo: bool,
}

/// A meeting with what the caller may read of it.
#[derive(Serialize, ToSchema)]
pub struct MeetingDetailDto {
    pub meeting: MeetingDto,
    /// runs, reads or expected.
    pub standing: String,
    /// Everyone's, for those who run or read it; the caller's own line for the expected.
    pub attendance: Vec<AttendeeDto>,
    pub minutes: Option<String>,
    pub cancel_reason: Option<String>,
    pub files: Vec<MeetingFileDto>,
}

fn detail(v: &MeetingView, lang: Lang) -> MeetingDetailDto {
    MeetingDetailDto {
        meeting: dto(&v.m, lang),
        standing: match v.standing {
            Standing::Runs => "runs",
            Standing::Reads => "reads",
            Standing::Expected => "expected",
        }
        .into(),
        attendance: v
            .attendance
            .iter()
            .map(|a| AttendeeDto {
                person_id: a.person_id,
                name: a.name.clone(),
                number: a.number.clone(),
                status: a.status.clone(),
                reason: a.reason.clone(),
                how: a.how.clone(),
                at: a.at_ms.map(|ms| format_datetime_ms(ms, lang)),
            })
            .collect(),
        minutes: v.minutes().map(str::to_string),
        cancel_reason: v.m.cancel_reason.clone(),
        files: v.files.iter().map(|(id, name, ct, photo)| MeetingFileDto { id: *id, name: name.clone(), content_type: ct.clone(), photo: *photo }).collect(),
    }
}

pub async fn schedule(State(s): State<AppState>, ctx: Ctx, Json(b): Json<MeetingInput>) -> AppResult<(StatusCode, Json<MeetingDetailDto>)> {
    let scope = &ctx.me()?.scope;
    let id = app::schedule(&s, scope, &b).await?;
    Ok((StatusCode::CREATED, Json(detail(&app::view(&s, scope, id).await?, ctx.lang))))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    org_id: Option<i64>,
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    unit_id: Option<i64>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    mine: Option<String>,
}

/// The filter of a list query (a bad date or kind is a 422 in both languages).
pub fn filter(q: &ListQuery) -> AppResult<Filter> {
    let day = |v: &Option<String>, field: &str| -> AppResult<Option<time::Date>> {
        match crate::input::text(v) {
            None => Ok(None),
            Some(d) => pacesetter_domain::validate::date(d).map(Some).map_err(|t| crate::error::AppError::invalid_field(field, &t.zh, &t.en)),
        }
    };
    let kind = match crate::input::text(&q.kind) {
        None => None,
        Some(k) => Some(Kind::parse(k).ok_or_else(|| crate::error::AppError::invalid_field("kind", "没有这种会议类型", "No such kind of meeting"))?),
    };
    Ok(Filter { org: q.org_id, unit: q.unit_id, kind, from: day(&q.from, "from")?, to: day(&q.to, "to")?, mine: q.mine.as_deref() == Some("true") })
}

pub async fn list(State(s): State<AppState>, ctx: Ctx, Params(q): Params<ListQuery>) -> AppResult<Json<Vec<MeetingDto>>> {
    let rows = app::list(&s, &ctx.me()?.scope, &filter(&q)?).await?;
    Ok(Json(rows.iter().map(|m| dto(m, ctx.lang)).collect()))
}

pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<MeetingDetailDto>> {
    Ok(Json(detail(&app::view(&s, &ctx.me()?.scope, id).await?, ctx.lang)))
}

pub async fn open_checkin(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<MeetingDto>> {
    Ok(Json(dto(&app::open_checkin(&s, &ctx.me()?.scope, id).await?, ctx.lang)))
}

pub async fn close_checkin(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<MeetingDto>> {
    Ok(Json(dto(&app::close_checkin(&s, &ctx.me()?.scope, id).await?, ctx.lang)))
}

pub async fn code(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<CheckinCode>> {
    Ok(Json(app::code(&s, &ctx.me()?.scope, id).await?))
}

/// The code scanned from the screen.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct CheckInIn {
    pub code: String,
}

pub async fn check_in(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<CheckInIn>) -> AppResult<Json<MeetingDetailDto>> {
    let scope = &ctx.me()?.scope;
    app::check_in(&s, scope, id, &b.code).await?;
    Ok(Json(detail(&app::view(&s, scope, id).await?, ctx.lang)))
}

/// A reason (for leave, or for cancelling).
#[derive(Deserialize, Serialize, ToSchema)]
pub struct ReasonIn {
    pub reason: String,
}

pub async fn leave(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<ReasonIn>) -> AppResult<Json<MeetingDetailDto>> {
    let scope = &ctx.me()?.scope;
    app::ask_leave(&s, scope, id, &b.reason).await?;
    Ok(Json(detail(&app::view(&s, scope, id).await?, ctx.lang)))
}

/// The secretary's list.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct MarksIn {
    pub marks: Vec<Mark>,
}

pub async fn mark(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<MarksIn>) -> AppResult<Json<MeetingDetailDto>> {
    let scope = &ctx.me()?.scope;
    app::mark(&s, scope, id, &b.marks).await?;
    Ok(Json(detail(&app::view(&s, scope, id).await?, ctx.lang)))
}

/// The multipart/form-data body of a meeting's record.
#[derive(ToSchema)]
pub struct RecordUpload {
    pub minutes: String,
    /// Up to 6 photos (JPEG or PNG; their metadata is removed) and 6 files (PDF, .docx, .xlsx).
    #[schema(value_type = Vec<super::dto::FilePart>)]
    pub files: (),
}

pub async fn record(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mp: Multipart) -> AppResult<Json<MeetingDetailDto>> {
    let scope = &ctx.me()?.scope;
    let form = upload::read_form(mp, "files", s.site.max_upload).await?.or_too_large(s.site.max_upload)?;
    let minutes = form.values.get("minutes").cloned().unwrap_or_default();
    app::record(&s, scope, id, &minutes, form.files, form.errors).await?;
    Ok(Json(detail(&app::view(&s, scope, id).await?, ctx.lang)))
}

pub async fn cancel(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<ReasonIn>) -> AppResult<Json<MeetingDetailDto>> {
    let scope = &ctx.me()?.scope;
    app::cancel(&s, scope, id, &b.reason).await?;
    Ok(Json(detail(&app::view(&s, scope, id).await?, ctx.lang)))
}

/// One kind's standing in a branch.
#[derive(Serialize, ToSchema)]
pub struct KindComplianceDto {
    pub kind: String,
    pub held: i64,
    /// The ended periods with none held, by their first day.
    pub missed: Vec<String>,
    /// Whether one is held in the current period yet (null: vacation, or a past year).
    pub current_held: Option<bool>,
}

/// A branch's compliance for the year.
#[derive(Serialize, ToSchema)]
pub struct BranchComplianceDto {
    pub branch_id: i64,
    pub branch: String,
    pub college_id: i64,
    pub college: String,
    pub kinds: Vec<KindComplianceDto>,
    pub expected: i64,
    pub present: i64,
    pub attendance_rate: Option<f64>,
}

/// The office's rule for a kind.
#[derive(Serialize, ToSchema)]
pub struct RuleDto {
    pub kind: String,
    /// monthly or quarterly.
    pub period: String,
    /// The months of vacation.
    pub vacation: Vec<u8>,
}

pub fn rule_dto(r: &Rule) -> RuleDto {
    RuleDto { kind: r.kind.code().into(), period: r.period.code().into(), vacation: r.vacation.clone() }
}

/// A secondary organization's branches, summed.
#[derive(Serialize, ToSchema)]
pub struct CollegeComplianceDto {
    pub college_id: i64,
    pub college: String,
    pub branches: i64,
    /// Branches that missed an ended period of some kind.
    pub missed: i64,
    /// Branches with a kind still to hold in the current period.
    pub due_now: i64,
    pub attendance_rate: Option<f64>,
}

/// The compliance of the branches in the caller's reach.
#[derive(Serialize, ToSchema)]
pub struct ComplianceDto {
    pub year: i32,
    pub rules: Vec<RuleDto>,
    pub colleges: Vec<CollegeComplianceDto>,
    pub branches: Vec<BranchComplianceDto>,
}

#[derive(Deserialize, Default)]
pub struct ComplianceQuery {
    /// Text, read below, so a bad year is a clear 422.
    #[serde(default)]
    pub year: Option<String>,
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    pub org_id: Option<i64>,
}

pub fn compliance_dto(rows: &[BranchCompliance], rules: &[Rule], year: i32) -> ComplianceDto {
    ComplianceDto {
        year,
        rules: rules.iter().map(rule_dto).collect(),
        colleges: pacesetter_store::meeting::by_college(rows)
            .into_iter()
            .map(|c| CollegeComplianceDto { attendance_rate: c.rate(), college_id: c.college_id, college: c.college, branches: c.branches, missed: c.missed, due_now: c.due_now })
            .collect(),
        branches: rows
            .iter()
            .map(|b| BranchComplianceDto {
                branch_id: b.branch_id,
                branch: b.branch.clone(),
                college_id: b.college_id,
                college: b.college.clone(),
                kinds: b
                    .kinds
                    .iter()
                    .map(|k| KindComplianceDto { kind: k.kind.code().into(), held: k.held, missed: k.missed.iter().map(|d| iso(*d)).collect(), current_held: k.current_held })
                    .collect(),
                expected: b.expected,
                present: b.present,
                attendance_rate: b.rate(),
            })
            .collect(),
    }
}

pub async fn compliance(State(s): State<AppState>, ctx: Ctx, Params(q): Params<ComplianceQuery>) -> AppResult<Json<ComplianceDto>> {
    let (rows, rules, year) = app::compliance(&s, &ctx.me()?.scope, q.year.as_deref(), q.org_id).await?;
    Ok(Json(compliance_dto(&rows, &rules, year)))
}

pub async fn set_rule(State(s): State<AppState>, ctx: Ctx, Json(b): Json<RuleInput>) -> AppResult<Json<RuleDto>> {
    Ok(Json(rule_dto(&app::set_rule(&s, &ctx.me()?.scope, &b).await?)))
}
