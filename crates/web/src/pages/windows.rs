//! Service windows (items 9 and 10), as pages: thin adapters over [`crate::app::windows`]. The
//! public window page with its unit's standards, the QR code and printable poster that open its
//! rating page, ratings without login kept apart as advisory, each unit's standards, and on-site
//! inspections.

use super::confirm::{self, Confirmable};
use super::{FormState, Layout, conflict_form, render, render_status, see_other};
use crate::app::windows::{self as app, InspectionInput, InspectionView, NewStandard};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::Params;
use crate::pdf::{self, Item};
use crate::state::AppState;
use crate::upload;
use askama::Template;
use axum::extract::{Multipart, Path, RawForm, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pacesetter_domain::ids::{InspectionPhotoId, StandardId, SurveyId, TargetId, UnitId};
use pacesetter_domain::survey as sv;
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::survey::SurveyRow;
use pacesetter_store::window::StandardRow;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "window.html")]
struct WindowPage {
    l: Layout,
    id: i64,
    name: String,
    standards: Option<(i64, String, Vec<StandardRow>)>,
    surveys: Vec<SurveyRow>,
    manager: bool,
    inspections: Vec<InspectionView>,
    problems: Option<crate::app::problems::Satisfaction>,
    staff: Vec<pacesetter_store::window::StaffRow>,
    commitments: Vec<pacesetter_store::commitment::CommitmentRow>,
    rate: Option<(String, u64)>,
    staff_choices: Vec<(i64, String, Option<String>)>,
    /// The caller is on the page: whether they show their badge.
    my_badge: Option<bool>,
    f: FormState,
    today: String,
}

/// The window's public page.
pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    page(&s, &ctx, UnitId(id), FormState::new(ctx.lang), StatusCode::OK).await
}

async fn page(s: &AppState, ctx: &Ctx, id: UnitId, f: FormState, status: StatusCode) -> AppResult<Response> {
    let w = app::facts(s, ctx.caller.as_ref().map(|c| &c.scope), id).await?;
    let today = pacesetter_domain::dates::iso(pacesetter_domain::dates::today());
    Ok(render_status(
        status,
        &WindowPage {
            l: Layout::new(ctx, &w.name),
            id: id.0,
            name: w.name,
            standards: w.standards,
            surveys: w.surveys,
            manager: w.manager,
            inspections: w.inspections,
            problems: w.problems,
            my_badge: ctx.caller.as_ref().and_then(|c| c.scope.person).and_then(|p| w.staff.iter().find(|x| x.person_id == p.0)).map(|x| x.show_badge),
            staff: w.staff,
            commitments: w.commitments,
            rate: w.rate,
            staff_choices: w.staff_choices,
            f,
            today,
        },
    ))
}

/// Which of the window's surveys to rate (`survey`; the one running when left out).
#[derive(Deserialize)]
pub struct RateQuery {
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    survey: Option<SurveyId>,
}

/// The rating page a window's QR code opens: an invitee who is logged in answers for real; anyone
/// else may leave an advisory rating, which never enters a rate.
pub async fn rate_form(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Params(q): Params<RateQuery>) -> AppResult<Response> {
    let id = UnitId(id);
    let Some(row) = app::rating_survey(&s, id, q.survey).await? else {
        return Ok(see_other(&format!("/w/{id}")));
    };
    if let Some(p) = ctx.caller.as_ref().and_then(|c| c.scope.person) {
        if app::is_invited(&s, SurveyId(row.id), p.0).await? {
            return Ok(see_other(&format!("/surveys/{}/answer?target={id}", row.id)));
        }
    }
    let targets = app::targets(&s, SurveyId(row.id), id).await?;
    let login = ctx.caller.is_none().then(|| format!("/surveys/{}/answer?target={id}", row.id));
    let action = format!("/w/{id}/rate?survey={}", row.id);
    Ok(super::surveys::advisory_form(&ctx, row, targets, TargetId(id.0), action, login, FormState::new(ctx.lang), Vec::new(), StatusCode::OK))
}

/// An advisory rating: the answers of the survey's questionnaire (q1, q2, ...), read by the
/// survey's own rules.
pub async fn rate_submit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Params(q): Params<RateQuery>, RawForm(body): RawForm) -> AppResult<Response> {
    let id = UnitId(id);
    let Some(row) = app::rating_survey(&s, id, q.survey).await? else {
        return Err(app::closed());
    };
    let values = crate::input::Pairs::parse(&body)?.0;
    let answers = match sv::parse_form(&row.questionnaire(), &values) {
        Ok(a) => a,
        Err(es) => {
            let mut errors = FieldErrors::new();
            super::surveys::add_answer_errors(&mut errors, es);
            let targets = app::targets(&s, SurveyId(row.id), id).await?;
            let login = ctx.caller.is_none().then(|| format!("/surveys/{}/answer?target={id}", row.id));
            let action = format!("/w/{id}/rate?survey={}", row.id);
            return Ok(super::surveys::advisory_form(
                &ctx,
                row,
                targets,
                TargetId(id.0),
                action,
                login,
                FormState::with(ctx.lang, HashMap::new(), errors),
                values,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    app::advisory(&s, ctx.ip, &row, id, &answers).await?;
    Ok(render(&AdvisoryDone { l: Layout::new(&ctx, ctx.t("已记录", "Recorded")), id: id.0, login: format!("/surveys/{}/answer?target={id}", row.id) }))
}

#[derive(Template)]
#[template(path = "advisory_done.html")]
struct AdvisoryDone {
    l: Layout,
    id: i64,
    login: String,
}

/// The QR code of a window's rating page, as modules (true: dark) with its width.
fn qr(s: &AppState, id: i64) -> AppResult<(Vec<bool>, usize, String)> {
    let url = format!("{}/w/{id}/rate", s.site.public_url);
    let (dark, width) = crate::qr::modules(&url)?;
    Ok((dark, width, url))
}

/// The QR code as a PNG (8 pixels a module, a quiet zone of 4).
pub async fn qr_png(State(s): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    app::name(&s, UnitId(id)).await?;
    let out = crate::qr::png(&format!("{}/w/{id}/rate", s.site.public_url), 8)?;
    Ok(([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "public, max-age=3600")], out).into_response())
}

/// A printable A4 poster: the window's name, what to do, the QR code, the address.
pub async fn poster(State(s): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    let name = app::name(&s, UnitId(id)).await?;
    let (dark, width, url) = qr(&s, id)?;
    let mut items = vec![
        Item::Text { x: 60.0, y: 110.0, size: 30.0, text: "群众满意度测评".into() },
        Item::Text { x: 60.0, y: 160.0, size: 22.0, text: name.chars().take(24).collect() },
        Item::Text { x: 60.0, y: 200.0, size: 14.0, text: "请用手机扫描二维码，登录后为本窗口的服务评价。".into() },
        Item::Text { x: 60.0, y: 222.0, size: 14.0, text: "未登录的评价只作参考，不计入满意率。".into() },
    ];
    let module = 360.0 / width as f32;
    let (ox, oy) = (117.5, 260.0);
    for y in 0..width {
        for x in 0..width {
            if dark[y * width + x] {
                items.push(Item::Rect { x: ox + x as f32 * module, y: oy + y as f32 * module, w: module + 0.2, h: module + 0.2 });
            }
        }
    }
    items.push(Item::Text { x: 60.0, y: 680.0, size: 11.0, text: url });
    items.push(Item::Text { x: 60.0, y: 700.0, size: 11.0, text: "Scan to rate this service window; ratings count after login.".into() });
    let bytes = pdf::render(&[items], pdf::A4)?;
    Ok(pdf::response(bytes, &format!("window-{id}-poster.pdf")))
}

// ---- standards and inspections --------------------------------------------------------------

#[derive(Template)]
#[template(path = "standards.html")]
struct StandardsPage {
    l: Layout,
    unit: i64,
    rows: Vec<StandardRow>,
    f: FormState,
}

impl StandardsPage {
    fn total(&self) -> i64 {
        self.rows.iter().map(|r| r.weight).sum()
    }
}

pub async fn standards(State(s): State<AppState>, ctx: Ctx, Path(unit): Path<i64>) -> AppResult<Response> {
    standards_page(&s, &ctx, UnitId(unit), FormState::new(ctx.lang), StatusCode::OK).await
}

async fn standards_page(s: &AppState, ctx: &Ctx, unit: UnitId, f: FormState, status: StatusCode) -> AppResult<Response> {
    let (name, rows) = app::standards(s, &ctx.me()?.scope, unit).await?;
    Ok(render_status(status, &StandardsPage { l: Layout::new(ctx, &format!("{name} · {}", ctx.t("窗口评价标准", "Window standards"))), unit: unit.0, rows, f }))
}

/// The standards form: a new item with its weight, or `retire` with the id of one to retire.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct StandardForm {
    #[serde(default)]
    pub item: String,
    #[serde(default)]
    pub weight: String,
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    pub retire: Option<StandardId>,
}

/// Adds a standard, or retires one after a step that says which (retiring cannot be undone).
pub async fn standards_change(State(s): State<AppState>, ctx: Ctx, Path(unit): Path<i64>, posted: Confirmable<StandardForm>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let unit = UnitId(unit);
    let form = posted.input;
    let r = match form.retire {
        Some(id) if !posted.confirmed => {
            let (row, kept) = app::retire_standard_trial(&s, scope, unit, id).await?;
            let what = ctx
                .t(
                    &format!("将停用以下 1 项评价标准：此后本单位各窗口的检查不再按此项评分，已有检查记录保留；停用后本单位还有 {kept} 项标准。"),
                    &format!("This 1 standard will be retired: later inspections of the unit's windows no longer score it, past ones are kept; {kept} remain in force."),
                )
                .to_string();
            let item = format!("{}（{}{}）", row.item, ctx.t("权重 ", "weight "), row.weight);
            let button = ctx.t("确认停用 1 项标准", "Retire 1 standard").to_string();
            let step = confirm::Confirm {
                what,
                items: vec![item],
                note: String::new(),
                action: format!("/units/{unit}/standards"),
                fields: posted.again,
                button,
                back: format!("/units/{unit}/standards"),
                danger: true,
            };
            return Ok(confirm::step(&ctx, step));
        }
        Some(id) => app::retire_standard(&s, scope, unit, id).await,
        None => app::add_standard(&s, scope, unit, &NewStandard { item: form.item.clone(), weight: form.weight.clone() }).await.map(|_| ()),
    };
    match r {
        Ok(()) => Ok(see_other(&format!("/units/{unit}/standards?done=saved"))),
        Err(e) if e.fields.is_some() => {
            let values = [("item", form.item), ("weight", form.weight)].into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            standards_page(&s, &ctx, unit, FormState::with(ctx.lang, values, e.fields.unwrap_or_default()), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

/// Records an inspection (multipart: score_<standard>, day, notes, photos).
pub async fn inspect(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mp: Multipart) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let id = UnitId(id);
    // Only those who manage the window: asked before the upload is read.
    app::may_inspect(&s, scope, id).await?;
    let form = upload::read_form(mp, "photos", s.site.max_upload).await?;
    let values = form.values.clone();
    match app::inspect(&s, scope, id, InspectionInput::from_form(form)).await {
        Ok(_) => Ok(see_other(&format!("/w/{id}?done=saved"))),
        Err(e) if e.fields.is_some() => {
            let errs = e.fields.unwrap_or_default();
            page(&s, &ctx, id, FormState::with(ctx.lang, values, errs), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) if e.status == StatusCode::CONFLICT => page(&s, &ctx, id, conflict_form(&ctx, values, e.message), StatusCode::CONFLICT).await,
        Err(e) => Err(e),
    }
}

/// An inspection photo, for those who manage its window.
pub async fn photo(State(s): State<AppState>, ctx: Ctx, Path(pid): Path<InspectionPhotoId>) -> AppResult<Response> {
    let (_, content_type, data) = app::photo(&s, &ctx.me()?.scope, pid).await?;
    Ok(([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "private, max-age=3600".to_string())], data).into_response())
}

// ---- the window's staff (亮身份) ---------------------------------------------------------------

/// Puts a person on the window's page (multipart: person, post, service_no, photo).
pub async fn set_staff(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mp: Multipart) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let id = UnitId(id);
    app::may_inspect(&s, scope, id).await?;
    let form = upload::read_form(mp, "photo", s.site.max_upload).await?;
    let values = form.values.clone();
    let (input, photos, errors) = app::StaffInput::from_form(form);
    match app::set_staff(&s, scope, id, &input, photos, errors).await {
        Ok(_) => Ok(see_other(&format!("/w/{id}?done=saved"))),
        Err(e) if e.fields.is_some() => page(&s, &ctx, id, FormState::with(ctx.lang, values, e.fields.unwrap_or_default()), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) if e.status == StatusCode::CONFLICT => page(&s, &ctx, id, conflict_form(&ctx, values, e.message), StatusCode::CONFLICT).await,
        Err(e) => Err(e),
    }
}

pub async fn remove_staff(State(s): State<AppState>, ctx: Ctx, Path((id, staff)): Path<(i64, i64)>) -> AppResult<Response> {
    app::remove_staff(&s, &ctx.me()?.scope, UnitId(id), staff).await?;
    Ok(see_other(&format!("/w/{id}?done=saved")))
}

/// The caller's own badge: `show` = "true" shows it, anything else hides it; back to `window`.
#[derive(Deserialize, serde::Serialize, Default)]
pub struct BadgeForm {
    #[serde(default)]
    show: String,
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    window: Option<i64>,
}

pub async fn set_badge(State(s): State<AppState>, ctx: Ctx, crate::input::Fields(form): crate::input::Fields<BadgeForm>) -> AppResult<Response> {
    app::set_badge(&s, &ctx.me()?.scope, form.show == "true").await?;
    Ok(see_other(&match form.window {
        Some(w) => format!("/w/{w}?done=saved"),
        None => "/home?done=saved".into(),
    }))
}

/// A staff member's photo, public as the window's page is.
pub async fn staff_photo(State(s): State<AppState>, Path(sid): Path<i64>) -> AppResult<Response> {
    let (content_type, data) = app::staff_photo(&s, sid).await?;
    Ok(([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600".to_string())], data).into_response())
}
