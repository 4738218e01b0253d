//! Service windows (items 9 and 10): the use cases behind the window pages and the JSON API.
//! A window's public facts (its unit's standards, the surveys open to rate it), each unit's
//! standards, on-site inspections with photos, and the advisory ratings left without login.
//! Who manages a window (its unit's head, the office) is a condition of the store's queries.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::http::StatusCode;
use pacesetter_domain::ids::{InspectionId, InspectionPhotoId, StandardId, SurveyId, UnitId};
use pacesetter_domain::scope::Scope;
use pacesetter_domain::survey::{Answers, TargetKind};
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::StoreError;
use pacesetter_store::survey::{self, SurveyRow, TargetRow};
use pacesetter_store::window::{self, InspectionRow, StaffRow, StandardRow};
use std::collections::HashMap;
use std::net::IpAddr;
use time::Date;

/// An inspection with its photos: (photo id, file name).
pub struct InspectionView {
    pub i: InspectionRow,
    pub photos: Vec<(i64, String)>,
}

/// What a window's page shows: to everyone its name, its unit's standards and the surveys open
/// to rate it; to those who manage it, its inspections too.
pub struct WindowFacts {
    pub id: UnitId,
    pub name: String,
    /// (the unit that set them, its name, the standards)
    pub standards: Option<(i64, String, Vec<StandardRow>)>,
    pub surveys: Vec<SurveyRow>,
    pub manager: bool,
    pub inspections: Vec<InspectionView>,
    /// The raisers' satisfaction with the problems the window's unit answered (item 10).
    pub problems: Option<crate::app::problems::Satisfaction>,
    /// 亮身份: its staff, public fields only.
    pub staff: Vec<StaffRow>,
    /// 亮承诺: its approved commitments in the campaign in force (when the board is open to the
    /// public, or to anyone logged in).
    pub commitments: Vec<pacesetter_store::commitment::CommitmentRow>,
    /// Its satisfaction rate from the office's window surveys of the campaign, once at least the
    /// minimum group answered: ("85.5%", valid answers).
    pub rate: Option<(String, u64)>,
    /// For its manager: who may be put on the page (id, name, post).
    pub staff_choices: Vec<(i64, String, Option<String>)>,
}

/// A window's name (a window is public: its page, its QR code, its poster).
pub async fn name(s: &AppState, id: UnitId) -> AppResult<String> {
    let mut c = s.store.read().await?;
    Ok(window::window(&mut c, id.0).await?)
}

pub async fn facts(s: &AppState, caller: Option<&Scope>, id: UnitId) -> AppResult<WindowFacts> {
    let mut c = s.store.read().await?;
    let name = window::window(&mut c, id.0).await?;
    let standards = window::standards_for_window(&mut c, id.0).await?;
    let surveys = survey::open_for_target(&mut c, TargetKind::Window, id.0).await?;
    let (manager, inspections) = match caller {
        Some(scope) if window::manages(&mut c, scope, id.0).await? => {
            let rows = window::inspections(&mut c, scope, id.0).await?;
            let photos = window::photos(&mut c, scope, id.0).await?;
            let inspections = rows
                .into_iter()
                .map(|i| {
                    let photos = photos.iter().filter(|p| p.1 == i.id).map(|p| (p.0, p.2.clone())).collect();
                    InspectionView { i, photos }
                })
                .collect();
            (true, inspections)
        }
        _ => (false, Vec::new()),
    };
    let node = pacesetter_store::tree::get(&mut c, pacesetter_store::tree::Tree::Unit, id.0).await?;
    let unit = node.as_ref().and_then(|n| n.parent_id);
    let staff = window::staff(&mut c, id.0).await?;
    let staff_choices = match caller.filter(|_| manager) {
        Some(scope) => window::staff_choices(&mut c, scope, id.0).await?,
        None => Vec::new(),
    };
    let (commitments, rate) = match pacesetter_store::campaign::current(&mut c).await? {
        Some(camp) => {
            let board = pacesetter_store::commitment::board(&mut c, camp.id).await?;
            let commitments = match (&node, board.open_to_public || caller.is_some()) {
                (Some(n), true) => {
                    let f = pacesetter_store::commitment::Filter { campaign: Some(camp.id), unit_path: Some(n.path.clone()), public_only: true, ..Default::default() };
                    pacesetter_store::commitment::list(&mut c, &Scope::system("window-page"), &f).await?.into_iter().filter(|r| r.unit_id == Some(id.0)).collect()
                }
                _ => Vec::new(),
            };
            let rates = survey::target_rates(&mut c, camp.id, "window", true).await?;
            let r = rates.get(id.0).unwrap_or_default();
            let rate = (r.valid() > 0).then(|| (format!("{:.1}%", r.percent().unwrap_or(0.0)), r.valid()));
            (commitments, rate)
        }
        None => (Vec::new(), None),
    };
    drop(c);
    let problems = match unit {
        Some(u) => crate::app::problems::satisfaction_of_unit(s, u).await?,
        None => None,
    };
    Ok(WindowFacts { id, name, standards, surveys, manager, inspections, problems, staff, commitments, rate, staff_choices })
}

// ---- standards -------------------------------------------------------------------------------

/// A unit's standards with its name, for whoever manages it (its head, the office).
pub async fn standards(s: &AppState, scope: &Scope, unit: UnitId) -> AppResult<(String, Vec<StandardRow>)> {
    let mut c = s.store.read().await?;
    Ok(window::standards(&mut c, scope, unit.0).await?)
}

/// A standard as its unit sets it: the item and its weight, as typed.
#[derive(Clone, Debug, Default)]
pub struct NewStandard {
    pub item: String,
    pub weight: String,
}

/// Adds a standard to a unit the caller manages. Returns the standard's id.
pub async fn add_standard(s: &AppState, scope: &Scope, unit: UnitId, n: &NewStandard) -> AppResult<i64> {
    let weight = n.weight.trim().parse::<i64>().unwrap_or(0);
    let mut w = s.store.write().await?;
    let id = window::add_standard(&mut w, scope, unit.0, &n.item, weight).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

/// Retires a standard of a unit the caller manages (one of another unit is not there for them).
pub async fn retire_standard(s: &AppState, scope: &Scope, unit: UnitId, standard: StandardId) -> AppResult<()> {
    let mut w = s.store.write().await?;
    window::retire_standard(&mut w, scope, unit.0, standard.0).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Retiring a standard tried and undone, for the confirmation step: refused exactly as retiring
/// it would be, and otherwise the standard and how many the unit keeps in force.
pub async fn retire_standard_trial(s: &AppState, scope: &Scope, unit: UnitId, standard: StandardId) -> AppResult<(StandardRow, usize)> {
    let mut w = s.store.write().await?;
    let (_, before) = window::standards(&mut w, scope, unit.0).await?;
    window::retire_standard(&mut w, scope, unit.0, standard.0).await?;
    w.rollback().await.map_err(StoreError::from)?;
    let kept = before.len().saturating_sub(1);
    let row = before.into_iter().find(|r| r.id == standard.0).ok_or_else(AppError::not_found)?;
    Ok((row, kept))
}

/// Retires a standard by its id alone; returns its unit.
pub async fn retire_standard_by_id(s: &AppState, scope: &Scope, standard: StandardId) -> AppResult<UnitId> {
    let mut w = s.store.write().await?;
    let unit = window::standard_unit(&mut w, scope, standard.0).await?;
    window::retire_standard(&mut w, scope, unit, standard.0).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(UnitId(unit))
}

// ---- inspections -----------------------------------------------------------------------------

/// Whether the caller manages a window: asked before an upload is read.
pub async fn may_inspect(s: &AppState, scope: &Scope, id: UnitId) -> AppResult<()> {
    let mut c = s.store.read().await?;
    if !window::manages(&mut c, scope, id.0).await? {
        return Err(AppError::not_found());
    }
    Ok(())
}

/// An inspection as typed: a score for each standard by its id (as typed), the day, notes, the
/// photos (already checked by content) and the problems found so far with the form.
#[derive(Default)]
pub struct InspectionInput {
    pub day: Option<String>,
    pub scores: Vec<(String, String)>,
    pub notes: Option<String>,
    pub photos: Vec<window::NewPhoto>,
    pub errors: FieldErrors,
}

impl InspectionInput {
    /// Reads an inspection's form: photos only (JPEG or PNG), scores as score_<id> parts or a
    /// `scores` JSON object.
    pub fn from_form(form: crate::upload::MultipartForm) -> InspectionInput {
        let crate::upload::MultipartForm { values, files, mut errors, .. } = form;
        let mut photos = Vec::new();
        for f in files {
            if f.kind.content_type().starts_with("image/") {
                photos.push(window::NewPhoto { filename: f.filename, content_type: f.kind.content_type().into(), data: f.data });
            } else {
                errors.add("photos", "只能上传照片（JPEG 或 PNG）", "Only photos (JPEG or PNG)");
            }
        }
        let mut scores: Vec<(String, String)> = values.iter().filter_map(|(k, v)| k.strip_prefix("score_").map(|id| (id.to_string(), v.clone()))).collect();
        if let Some(json) = values.get("scores").filter(|j| !j.trim().is_empty()) {
            match serde_json::from_str::<std::collections::BTreeMap<String, serde_json::Value>>(json) {
                Ok(m) => scores.extend(m.into_iter().map(|(k, v)| (k, v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))),
                Err(_) => errors.add("scores", "评分应为 JSON 对象，如 {\"12\": 90}", "Scores are a JSON object such as {\"12\": 90}"),
            }
        }
        InspectionInput { day: values.get("day").cloned(), scores, notes: values.get("notes").cloned(), photos, errors }
    }
}

/// Records an inspection of a window the caller manages, scored against the standards of its
/// unit (a score naming another unit's standard is refused as not found).
pub async fn inspect(s: &AppState, scope: &Scope, id: UnitId, input: InspectionInput) -> AppResult<InspectionId> {
    may_inspect(s, scope, id).await?;
    let mut errs = input.errors;
    let mut scores = HashMap::new();
    for (field, v) in &input.scores {
        let Ok(sid) = field.trim().parse::<i64>() else {
            errs.add(&format!("score_{field}"), "评价项编号无效", "Not a standard's number");
            continue;
        };
        match v.trim().parse::<i64>() {
            Ok(n) => {
                scores.insert(sid, n);
            }
            Err(_) => errs.add(&format!("score_{sid}"), "请打 0 至 100 分", "Give a score from 0 to 100"),
        }
    }
    let day: Date = match input.day.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => match pacesetter_domain::validate::date(d) {
            Ok(d) => d,
            Err(t) => {
                errs.add("day", t.zh, t.en);
                pacesetter_domain::dates::today()
            }
        },
        None => pacesetter_domain::dates::today(),
    };
    if !errs.is_empty() {
        return Err(AppError::invalid(errs));
    }
    let notes = input.notes.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    let mut w = s.store.write().await?;
    let iid = window::inspect(&mut w, scope, window::NewInspection { window: id.0, day, scores, notes, photos: input.photos }).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(InspectionId(iid))
}

/// A window's inspections with their photos, for whoever manages it.
pub async fn inspections(s: &AppState, scope: &Scope, id: UnitId) -> AppResult<Vec<InspectionView>> {
    let f = facts(s, Some(scope), id).await?;
    if !f.manager {
        return Err(AppError::not_found());
    }
    Ok(f.inspections)
}

/// One inspection with its photos, for whoever manages its window.
pub async fn inspection(s: &AppState, scope: &Scope, id: InspectionId) -> AppResult<InspectionView> {
    let mut c = s.store.read().await?;
    let i = window::inspection(&mut c, scope, id.0).await?;
    let photos = window::photos(&mut c, scope, i.window_id).await?.into_iter().filter(|p| p.1 == i.id).map(|p| (p.0, p.2)).collect();
    Ok(InspectionView { i, photos })
}

/// A photo of an inspection (name, type, bytes), for whoever manages its window.
pub async fn photo(s: &AppState, scope: &Scope, id: InspectionPhotoId) -> AppResult<(String, String, Vec<u8>)> {
    let mut c = s.store.read().await?;
    Ok(window::photo(&mut c, scope, id.0).await?)
}

// ---- ratings from the QR code ----------------------------------------------------------------

/// The survey of a window that its rating page rates: the one asked for, or the first open.
pub async fn rating_survey(s: &AppState, id: UnitId, asked: Option<SurveyId>) -> AppResult<Option<SurveyRow>> {
    let mut c = s.store.read().await?;
    window::window(&mut c, id.0).await?;
    let open = survey::open_for_target(&mut c, TargetKind::Window, id.0).await?;
    Ok(match asked {
        Some(sid) => open.into_iter().find(|x| x.id == sid.0),
        None => open.into_iter().next(),
    })
}

/// Whether a logged-in person is invited to a survey (then they answer it for real).
pub async fn is_invited(s: &AppState, survey: SurveyId, person: i64) -> AppResult<bool> {
    let mut c = s.store.read().await?;
    Ok(survey::is_invited(&mut c, survey.0, person).await?)
}

/// The window among a survey's targets (for the advisory form).
pub async fn targets(s: &AppState, survey: SurveyId, id: UnitId) -> AppResult<Vec<TargetRow>> {
    let mut c = s.store.read().await?;
    Ok(survey::targets(&mut c, survey.0).await?.into_iter().filter(|t| t.target_id == id.0).collect())
}

/// At most ten advisory ratings per address per hour, counted in the database so that every
/// server behind the proxy shares the count.
const ADVISORY: pacesetter_domain::throttle::Rate = pacesetter_domain::throttle::Rate { count: 10, period_ms: 3_600_000 };

/// An advisory rating without login: kept apart from the survey's answers (it never enters a
/// rate), at most ten an hour from one address.
pub async fn advisory(s: &AppState, ip: IpAddr, survey: &SurveyRow, id: UnitId, answers: &Answers) -> AppResult<()> {
    if let Err(wait_ms) = pacesetter_store::limits::hit(&s.store, &format!("advisory:{ip}"), ADVISORY, pacesetter_domain::dates::now_ms()).await? {
        return Err(AppError {
            retry_after: Some(u64::try_from(wait_ms / 1000 + 1).unwrap_or(3600)),
            ..AppError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "来自您所在网络的参考评价过多（每小时至多10条），请稍后再试，或登录后评价",
                "Too many advisory ratings from your network (at most 10 an hour); try again later, or log in to rate",
            )
        });
    }
    let mut w = s.store.write().await?;
    survey::add_advisory(&mut w, survey.id, id.0, answers).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Checks an advisory rating's answers against its survey's questionnaire: every problem is a
/// field to correct, and nothing is recorded.
pub fn check_answers(survey: &SurveyRow, answers: &Answers) -> AppResult<()> {
    pacesetter_domain::survey::check(&survey.questionnaire(), answers).map_err(|es| {
        let mut e = FieldErrors::new();
        for x in es {
            e.add(&x.code, x.message.zh, x.message.en);
        }
        AppError::invalid(e)
    })
}

/// That no survey of the window is open.
pub fn closed() -> AppError {
    AppError::new(StatusCode::CONFLICT, "closed", "该窗口目前没有进行中的测评", "There is no open survey of this window")
}

// ---- the window's staff (亮身份) ---------------------------------------------------------------

/// A staff member as the unit types them: the person, their post at the window, the window's
/// service number for them; a photo comes with the multipart form.
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct StaffInput {
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    pub person: Option<i64>,
    #[serde(default)]
    pub post: String,
    #[serde(default)]
    pub service_no: String,
}

impl StaffInput {
    pub fn from_form(form: crate::upload::MultipartForm) -> (StaffInput, Vec<crate::upload::File>, FieldErrors) {
        let v = |k: &str| form.values.get(k).cloned().unwrap_or_default();
        (StaffInput { person: v("person").trim().parse().ok(), post: v("post"), service_no: v("service_no") }, form.files, form.errors)
    }
}

/// Puts a person on a window's page, or updates their entry, with a photo (its manager).
pub async fn set_staff(s: &AppState, scope: &Scope, id: UnitId, input: &StaffInput, photos: Vec<crate::upload::File>, mut errors: FieldErrors) -> AppResult<i64> {
    let post = errors.take("post", pacesetter_domain::validate::name(&input.post, 50));
    let service_no = input.service_no.trim().to_string();
    if service_no.is_empty() || service_no.chars().count() > 20 || !service_no.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        errors.add("service_no", "服务编号为 1 至 20 位字母、数字或连字符", "The service number is 1 to 20 letters, digits or hyphens");
    }
    if input.person.is_none() {
        errors.add("person", "请选择人员", "Choose the person");
    }
    let photo = crate::upload::photos_only(photos, 1, "photo", &mut errors).into_iter().next();
    let (Some(person), Some(post), true) = (input.person, post, errors.is_empty()) else {
        return Err(AppError::invalid(errors));
    };
    let mut w = s.store.write().await?;
    let sid = window::set_staff(&mut w, scope, id.0, window::NewStaff { person, post, service_no, photo }).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(sid)
}

pub async fn remove_staff(s: &AppState, scope: &Scope, id: UnitId, staff: i64) -> AppResult<()> {
    let mut w = s.store.write().await?;
    window::remove_staff(&mut w, scope, id.0, staff).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// The caller shows or hides their own Party-member badge on the window pages they are on.
pub async fn set_badge(s: &AppState, scope: &Scope, show: bool) -> AppResult<u64> {
    let mut w = s.store.write().await?;
    let n = window::set_badge(&mut w, scope, show).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(n)
}

pub async fn staff_photo(s: &AppState, staff: i64) -> AppResult<(String, Vec<u8>)> {
    let mut c = s.store.read().await?;
    Ok(window::staff_photo(&mut c, staff).await?)
}
