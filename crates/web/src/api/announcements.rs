//! Notices (通知公告) over the API: adapters over [`crate::app::announcements`].

use crate::app::announcements::{self as app, NoticeInput};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use pacesetter_domain::Lang;
use pacesetter_domain::dates::format_datetime_ms;
use pacesetter_store::announcement::{AnnouncementRow, Receipt};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct AnnouncementDto {
    pub id: i64,
    pub title: String,
    pub body: String,
    /// The sending secondary organization; null for the office.
    pub sender_org_id: Option<i64>,
    /// Who it is from: the organization's name, or 创先办.
    pub sender: String,
    pub audience_org_id: i64,
    pub audience_org: String,
    /// members or secretaries.
    pub audience: String,
    /// When it was published (YYYY-MM-DD HH:MM, China time).
    pub published: String,
    pub recipients: i64,
    pub read: i64,
    /// Whether the caller received it, and when they first read it.
    pub received: bool,
    pub my_read: Option<String>,
}

fn dto(a: &AnnouncementRow, received: bool, my_read_ms: Option<i64>, lang: Lang) -> AnnouncementDto {
    AnnouncementDto {
        id: a.id,
        title: a.title.clone(),
        body: a.body.clone(),
        sender_org_id: a.sender_org_id,
        sender: a.sender_name.clone().unwrap_or_else(|| lang.t("创先办", "Campaign office").to_string()),
        audience_org_id: a.audience_org_id,
        audience_org: a.audience_name.clone(),
        audience: a.audience.clone(),
        published: format_datetime_ms(a.published_ms, lang),
        recipients: a.recipients,
        read: a.read,
        received,
        my_read: my_read_ms.map(|m| format_datetime_ms(m, lang)),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReceiptDto {
    pub person_id: i64,
    pub name: String,
    pub org: Option<String>,
    /// When they first read it; null while they have not.
    pub read: Option<String>,
}

fn receipt_dto(r: &Receipt, lang: Lang) -> ReceiptDto {
    ReceiptDto { person_id: r.person_id, name: r.name.clone(), org: r.org_label.clone(), read: r.read_ms.map(|m| format_datetime_ms(m, lang)) }
}

/// A notice with its files; the receipts for those who reach the part of the tree it went to
/// (null for a recipient), or a secretary's own part of it when it went to a part above them.
#[derive(Serialize, ToSchema)]
pub struct AnnouncementDetailDto {
    #[serde(flatten)]
    pub notice: AnnouncementDto,
    pub files: Vec<super::dto::KeptFileDto>,
    pub receipts: Option<Vec<ReceiptDto>>,
}

/// The fields of a notice to publish (multipart), with its files.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AnnouncementUpload {
    /// Files (PDF, Word .docx, Excel .xlsx, images; repeat the part, at most 10).
    #[schema(value_type = Vec<super::dto::FilePart>)]
    pub files: (),
    pub title: String,
    pub body: String,
    /// members (the default) or secretaries.
    pub audience: Option<String>,
    /// The organization whose subtree receives it.
    pub audience_org_id: i64,
    /// The secondary organization it is from; omit for the office.
    pub sender_org_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AnnouncementPublishedDto {
    pub id: i64,
    /// How many received it.
    pub recipients: i64,
}

pub async fn list(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<AnnouncementDto>>> {
    let rows = app::list(&s, &ctx.me()?.scope).await?;
    Ok(Json(rows.iter().map(|r| dto(&r.a, r.received, r.my_read_ms, ctx.lang)).collect()))
}

/// Publishes a notice (multipart: the fields and `files`; X-CSRF-Token header).
pub async fn publish(State(s): State<AppState>, ctx: Ctx, mp: axum::extract::Multipart) -> AppResult<(StatusCode, Json<AnnouncementPublishedDto>)> {
    let scope = &ctx.me()?.scope;
    if !app::choices(&s, scope).await?.may_send() {
        return Err(AppError::forbidden());
    }
    let form = crate::upload::read_form(mp, "files", s.site.max_upload).await?.or_too_large(s.site.max_upload)?;
    let (id, recipients) = app::publish(&s, scope, &NoticeInput::from_values(&form.values), form.files, form.errors).await?;
    Ok((StatusCode::CREATED, Json(AnnouncementPublishedDto { id, recipients })))
}

/// A notice: opening it records a recipient's first reading.
pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<AnnouncementDetailDto>> {
    let v = app::open(&s, &ctx.me()?.scope, id).await?;
    Ok(Json(AnnouncementDetailDto {
        notice: dto(&v.a, v.standing.recipient, v.standing.read_ms, ctx.lang),
        files: v.files.iter().map(|f| super::dto::kept_file_dto(f, "/announcements/files")).collect(),
        receipts: v.receipts.map(|r| r.iter().map(|x| receipt_dto(x, ctx.lang)).collect()),
    }))
}

/// Who has read a notice and who has not (those who have not first).
pub async fn receipts(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<Vec<ReceiptDto>>> {
    let (_, r) = app::receipts(&s, &ctx.me()?.scope, id).await?;
    Ok(Json(r.iter().map(|x| receipt_dto(x, ctx.lang)).collect()))
}
