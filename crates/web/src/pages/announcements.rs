//! Notices (通知公告) as pages: thin adapters over [`crate::app::announcements`]. The list
//! (received, and sent within the caller's reach) with the form to publish one, a notice's page
//! (opening it records the reading) with its receipts, and the receipts as Excel.

use super::{FormState, Layout, render_status, see_other};
use crate::app::announcements::{self as app, Choices, NoticeInput, View};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use pacesetter_domain::announcement::Audience;
use pacesetter_domain::dates::format_datetime_ms;
use pacesetter_store::announcement::{AnnouncementRow, ListRow};

#[derive(Template)]
#[template(path = "announcements.html")]
struct IndexPage {
    l: Layout,
    rows: Vec<ListRow>,
    choices: Choices,
    f: FormState,
}

impl IndexPage {
    fn when(&self, ms: &i64) -> String {
        format_datetime_ms(*ms, self.l.lang)
    }
    fn sender(&self, a: &AnnouncementRow) -> String {
        a.sender_name.clone().unwrap_or_else(|| self.l.t("创先办", "Campaign office").to_string())
    }
    fn audiences(&self) -> Vec<(&'static str, &'static str)> {
        Audience::ALL.iter().map(|a| (a.code(), a.label(self.l.lang))).collect()
    }
}

async fn index_page(s: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let rows = app::list(s, scope).await?;
    let choices = app::choices(s, scope).await?;
    Ok(render_status(status, &IndexPage { l: Layout::new(ctx, ctx.t("通知公告", "Notices")), rows, choices, f }))
}

pub async fn index(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    index_page(&s, &ctx, FormState::new(ctx.lang), StatusCode::OK).await
}

pub async fn publish(State(s): State<AppState>, ctx: Ctx, mp: Multipart) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    if !app::choices(&s, scope).await?.may_send() {
        return Err(crate::error::AppError::forbidden());
    }
    let form = crate::upload::read_form(mp, "files", s.site.max_upload).await?;
    let input = NoticeInput::from_values(&form.values);
    match app::publish(&s, scope, &input, form.files, form.errors).await {
        Ok((id, _)) => Ok(see_other(&format!("/announcements/{id}?done=saved"))),
        Err(e) if e.fields.is_some() => {
            let status = e.status;
            index_page(&s, &ctx, FormState::refused(ctx.lang, form.values, &e), status).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "announcement.html")]
struct NoticePage {
    l: Layout,
    v: View,
    sender: String,
    audience: String,
    published: String,
}

impl NoticePage {
    fn when(&self, ms: &i64) -> String {
        format_datetime_ms(*ms, self.l.lang)
    }
    fn kb(&self, size: &i64) -> String {
        super::size_kb(*size)
    }
    /// The receipts shown (all, or the caller's part): how many, read, not read.
    fn counts(&self) -> (usize, usize, usize) {
        let r = self.v.receipts.as_deref().unwrap_or(&[]);
        let read = r.iter().filter(|x| x.read_ms.is_some()).count();
        (r.len(), read, r.len() - read)
    }
    fn part(&self) -> bool {
        matches!(self.v.standing.receipts, pacesetter_store::announcement::ReceiptsReach::Within(_))
    }
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let v = app::open(&s, &ctx.me()?.scope, id).await?;
    let lang = ctx.lang;
    let sender = v.a.sender_name.clone().unwrap_or_else(|| lang.t("创先办", "Campaign office").to_string());
    let audience = format!("{} · {}", v.a.audience_name, v.a.audience().label(lang));
    let published = format_datetime_ms(v.a.published_ms, lang);
    let title = v.a.title.clone();
    Ok(render_status(StatusCode::OK, &NoticePage { l: Layout::new(&ctx, &title), v, sender, audience, published }))
}

/// The receipts as Excel: every recipient, their organization and when they read it.
pub async fn receipts_xlsx(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let (a, rows) = app::receipts(&s, &ctx.me()?.scope, id).await?;
    let lang = ctx.lang;
    let sheet = crate::export::Sheet {
        name: lang.t("阅读情况", "Receipts").to_string(),
        headers: vec![lang.t("姓名", "Name").into(), lang.t("党组织", "Party organization").into(), lang.t("阅读时间", "Read").into()],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.name.clone(),
                    r.org_label.clone().unwrap_or_default(),
                    r.read_ms.map(|m| format_datetime_ms(m, lang)).unwrap_or_else(|| lang.t("未读", "Not read").to_string()),
                ]
            })
            .collect(),
    };
    crate::export::xlsx_response(&sheet, &format!("{}-{}", lang.t("通知阅读情况", "notice-receipts"), a.id))
}

pub async fn file(State(s): State<AppState>, ctx: Ctx, Path(fid): Path<i64>) -> AppResult<Response> {
    let (name, content_type, data) = app::file(&s, &ctx.me()?.scope, fid).await?;
    Ok(super::stored_file(&name, content_type, data))
}
