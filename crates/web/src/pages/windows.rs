//! Service windows (items 9 and 10): the public window page with its unit's standards, the QR
//! code and printable poster that open its rating page, ratings without login kept apart as
//! advisory (rate-limited per address), each unit's standards, and on-site inspections.

use super::{FormState, Layout, field, form_map, render, render_status, see_other};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::pdf::{self, Item};
use crate::state::AppState;
use crate::upload;
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pacesetter_domain::survey::{self as sv, TargetKind};
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::StoreError;
use pacesetter_store::survey::{self, SurveyRow};
use pacesetter_store::window::{self, InspectionRow, StandardRow};
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Whether the caller manages the window (its unit's head, the office).
fn manages(ctx: &Ctx, path: &str) -> bool {
    ctx.caller.as_ref().is_some_and(|c| c.scope.is_office_or_admin() || c.scope.unit_access(path) == Some(pacesetter_domain::scope::Access::Write))
}

pub struct InspectionView {
    pub i: InspectionRow,
    pub photos: Vec<(i64, String)>,
}

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
    f: FormState,
    today: String,
}

/// The window's public page.
pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    page(&s, &ctx, id, FormState::new(ctx.lang), StatusCode::OK).await
}

async fn page(s: &AppState, ctx: &Ctx, id: i64, f: FormState, status: StatusCode) -> AppResult<Response> {
    let mut c = s.store.read().await?;
    let (name, path) = window::window(&mut c, id).await?;
    let standards = window::standards_for_window(&mut c, id).await?;
    let surveys = survey::open_for_target(&mut c, TargetKind::Window, id).await?;
    let manager = manages(ctx, &path);
    let mut inspections = Vec::new();
    if manager {
        for i in window::inspections(&mut c, id).await? {
            let photos = window::photos(&mut c, i.id).await?;
            inspections.push(InspectionView { i, photos });
        }
    }
    let today = pacesetter_domain::dates::iso(pacesetter_domain::dates::today());
    Ok(render_status(status, &WindowPage { l: Layout::new(ctx, &name), id, name, standards, surveys, manager, inspections, f, today }))
}

#[derive(serde::Deserialize)]
pub struct RateQuery {
    survey: Option<i64>,
}

async fn rating_survey(s: &AppState, id: i64, q: &RateQuery) -> AppResult<Option<SurveyRow>> {
    let mut c = s.store.read().await?;
    window::window(&mut c, id).await?;
    let open = survey::open_for_target(&mut c, TargetKind::Window, id).await?;
    Ok(match q.survey {
        Some(sid) => open.into_iter().find(|x| x.id == sid),
        None => open.into_iter().next(),
    })
}

/// The rating page a window's QR code opens: an invitee who is logged in answers for real; anyone
/// else may leave an advisory rating, which never enters a rate.
pub async fn rate_form(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Query(q): Query<RateQuery>) -> AppResult<Response> {
    let Some(row) = rating_survey(&s, id, &q).await? else {
        return Ok(see_other(&format!("/w/{id}")));
    };
    if let Some(p) = ctx.caller.as_ref().and_then(|c| c.scope.person) {
        let mut c = s.store.read().await?;
        if survey::is_invited(&mut c, row.id, p.0).await? {
            return Ok(see_other(&format!("/surveys/{}/answer?target={id}", row.id)));
        }
    }
    let mut c = s.store.read().await?;
    let targets = survey::targets(&mut c, row.id).await?.into_iter().filter(|t| t.target_id == id).collect();
    drop(c);
    let login = ctx.caller.is_none().then(|| format!("/surveys/{}/answer?target={id}", row.id));
    let action = format!("/w/{id}/rate?survey={}", row.id);
    Ok(super::surveys::advisory_form(&ctx, row, targets, id, action, login, FormState::new(ctx.lang), Vec::new(), StatusCode::OK))
}

/// At most this many advisory ratings per address per hour.
const ADVISORY_PER_HOUR: usize = 10;

fn allow(s: &AppState, ip: IpAddr) -> bool {
    let mut map = s.site.advisory_seen.lock().unwrap_or_else(|e| e.into_inner());
    let now = Instant::now();
    if map.len() > 100_000 {
        map.retain(|_, v| v.back().is_some_and(|t| now.duration_since(*t) < Duration::from_secs(3600)));
    }
    let q = map.entry(ip).or_default();
    while q.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(3600)) {
        q.pop_front();
    }
    if q.len() >= ADVISORY_PER_HOUR {
        return false;
    }
    q.push_back(now);
    true
}

pub async fn rate_submit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Query(q): Query<RateQuery>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let Some(row) = rating_survey(&s, id, &q).await? else {
        return Err(AppError::new(StatusCode::CONFLICT, "closed", "该窗口目前没有进行中的测评", "There is no open survey of this window"));
    };
    let values: Vec<(String, String)> = p.into_iter().filter(|(k, _)| k != "_csrf").collect();
    let answers = match sv::parse_form(&row.questionnaire(), &values) {
        Ok(a) => a,
        Err(es) => {
            let mut errors = FieldErrors::new();
            super::surveys::add_answer_errors(&mut errors, es);
            let mut c = s.store.read().await?;
            let targets = survey::targets(&mut c, row.id).await?.into_iter().filter(|t| t.target_id == id).collect();
            let login = ctx.caller.is_none().then(|| format!("/surveys/{}/answer?target={id}", row.id));
            let action = format!("/w/{id}/rate?survey={}", row.id);
            return Ok(super::surveys::advisory_form(
                &ctx,
                row,
                targets,
                id,
                action,
                login,
                FormState::with(ctx.lang, HashMap::new(), errors),
                values,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    if !allow(&s, ctx.ip) {
        return Err(AppError {
            retry_after: Some(3600),
            ..AppError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "来自您所在网络的参考评价过多，请一小时后再试，或登录后评价",
                "Too many advisory ratings from your network; try in an hour, or log in to rate",
            )
        });
    }
    let mut w = s.store.write().await?;
    survey::add_advisory(&mut w, row.id, id, &answers).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(render(&AdvisoryDone { l: Layout::new(&ctx, ctx.t("已记录", "Recorded")), id, login: format!("/surveys/{}/answer?target={id}", row.id) }))
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
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(|_| AppError::internal())?;
    let width = code.width();
    let dark = code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect();
    Ok((dark, width, url))
}

/// The QR code as a PNG (8 pixels a module, a quiet zone of 4).
pub async fn qr_png(State(s): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    let mut c = s.store.read().await?;
    window::window(&mut c, id).await?;
    let (dark, width, _) = qr(&s, id)?;
    let scale = 8usize;
    let side = (width + 8) * scale;
    let mut pixels = vec![255u8; side * side];
    for y in 0..width {
        for x in 0..width {
            if dark[y * width + x] {
                for dy in 0..scale {
                    let row = (y + 4) * scale + dy;
                    let start = row * side + (x + 4) * scale;
                    pixels[start..start + scale].fill(0);
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, side as u32, side as u32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().map_err(|_| AppError::internal())?;
        wr.write_image_data(&pixels).map_err(|_| AppError::internal())?;
    }
    Ok(([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "public, max-age=3600")], out).into_response())
}

/// A printable A4 poster: the window's name, what to do, the QR code, the address.
pub async fn poster(State(s): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    let mut c = s.store.read().await?;
    let (name, _) = window::window(&mut c, id).await?;
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

async fn standards_unit(s: &AppState, ctx: &Ctx, unit: i64) -> AppResult<String> {
    let scope = &ctx.me()?.scope;
    let mut c = s.store.read().await?;
    let node = pacesetter_store::tree::get(&mut c, pacesetter_store::tree::Tree::Unit, unit).await?.ok_or_else(AppError::not_found)?;
    if !scope.is_office_or_admin() && scope.unit_access(&node.path) != Some(pacesetter_domain::scope::Access::Write) {
        return Err(AppError::not_found());
    }
    Ok(node.name)
}

pub async fn standards(State(s): State<AppState>, ctx: Ctx, Path(unit): Path<i64>) -> AppResult<Response> {
    standards_page(&s, &ctx, unit, FormState::new(ctx.lang), StatusCode::OK).await
}

async fn standards_page(s: &AppState, ctx: &Ctx, unit: i64, f: FormState, status: StatusCode) -> AppResult<Response> {
    let name = standards_unit(s, ctx, unit).await?;
    let mut c = s.store.read().await?;
    let rows = window::standards(&mut c, unit).await?;
    Ok(render_status(status, &StandardsPage { l: Layout::new(ctx, &format!("{name} · {}", ctx.t("窗口评价标准", "Window standards"))), unit, rows, f }))
}

pub async fn standards_change(State(s): State<AppState>, ctx: Ctx, Path(unit): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    standards_unit(&s, &ctx, unit).await?;
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    let r = async {
        let mut w = s.store.write().await?;
        match field(&m, "retire").and_then(|v| v.parse::<i64>().ok()) {
            Some(id) => window::retire_standard(&mut w, &scope, unit, id).await?,
            None => {
                let weight = field(&m, "weight").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
                window::add_standard(&mut w, &scope, unit, field(&m, "item").unwrap_or(""), weight).await?;
            }
        }
        w.commit().await.map_err(StoreError::from)?;
        Ok::<_, StoreError>(())
    }
    .await;
    match r {
        Ok(()) => Ok(see_other(&format!("/units/{unit}/standards?done=saved"))),
        Err(StoreError::Invalid(e)) => standards_page(&s, &ctx, unit, FormState::with(ctx.lang, m, e), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(e.into()),
    }
}

/// Records an inspection (multipart: score_<standard>, day, notes, photos).
pub async fn inspect(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mp: Multipart) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    {
        let mut c = s.store.read().await?;
        let (_, path) = window::window(&mut c, id).await?;
        if !manages(&ctx, &path) {
            return Err(AppError::not_found());
        }
    }
    let upload::MultipartForm { values, files, errors: mut errs } = upload::read_form(mp, "photos", s.site.max_upload).await?;
    let mut photos = Vec::new();
    for f in files {
        if f.kind.content_type().starts_with("image/") {
            photos.push(window::NewPhoto { filename: f.filename, content_type: f.kind.content_type().into(), data: f.data });
        } else {
            errs.add("photos", "只能上传照片（JPEG 或 PNG）", "Only photos (JPEG or PNG)");
        }
    }
    let mut scores = HashMap::new();
    for (name, v) in &values {
        if let Some(sid) = name.strip_prefix("score_").and_then(|x| x.parse::<i64>().ok()) {
            match v.trim().parse::<i64>() {
                Ok(n) => {
                    scores.insert(sid, n);
                }
                Err(_) => errs.add(name, "请打 0 至 100 分", "Give a score from 0 to 100"),
            }
        }
    }
    let day = match values.get("day").map(|d| d.trim()).filter(|d| !d.is_empty()) {
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
        return page(&s, &ctx, id, FormState::with(ctx.lang, values, errs), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let notes = values.get("notes").map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    let r = async {
        let mut w = s.store.write().await?;
        window::inspect(&mut w, &scope, window::NewInspection { window: id, day, scores, notes, photos }).await?;
        w.commit().await.map_err(StoreError::from)?;
        Ok::<_, StoreError>(())
    }
    .await;
    match r {
        Ok(()) => Ok(see_other(&format!("/w/{id}?done=saved"))),
        Err(StoreError::Invalid(e)) => page(&s, &ctx, id, FormState::with(ctx.lang, values, e), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(StoreError::Conflict(t)) => {
            let mut e = FieldErrors::new();
            e.add("_", t.zh, t.en);
            page(&s, &ctx, id, FormState::with(ctx.lang, values, e), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

/// An inspection photo, for those who manage its window.
pub async fn photo(State(s): State<AppState>, ctx: Ctx, Path(pid): Path<i64>) -> AppResult<Response> {
    let mut c = s.store.read().await?;
    let (win, _filename, content_type, data) = window::photo(&mut c, pid).await?;
    let (_, path) = window::window(&mut c, win).await?;
    if !manages(&ctx, &path) {
        return Err(AppError::not_found());
    }
    Ok(([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "private, max-age=3600".to_string())], data).into_response())
}
