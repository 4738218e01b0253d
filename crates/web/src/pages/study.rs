//! Documents to study as pages: thin adapters over [`crate::app::study`]. The documents with
//! the office's form to publish one, and a document's page with its files and its coverage
//! rolled up the tree.

use super::{FormState, Layout, render_status, see_other};
use crate::app::campaigns::DashRow;
use crate::app::study::{self as app, DocInput};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::Params;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use pacesetter_domain::dates::{iso, today};
use pacesetter_store::study::{DocFile, DocRow};

#[derive(Template)]
#[template(path = "study_docs.html")]
struct IndexPage {
    l: Layout,
    docs: Vec<DocRow>,
    office: bool,
    f: FormState,
    today: String,
}

impl IndexPage {
    fn owners(&self, d: &DocRow) -> String {
        d.owners().label(self.l.lang)
    }

    fn published(&self, d: &DocRow) -> String {
        iso(d.published_on())
    }

    fn owner_choices(&self) -> Vec<(&'static str, &'static str)> {
        pacesetter_domain::study::OWNERS.iter().map(|(c, zh, en)| (*c, self.l.t(zh, en))).collect()
    }
}

async fn index_page(s: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let docs = app::list(s).await?;
    let office = pacesetter_store::scope::office_only(scope).is_ok();
    Ok(render_status(status, &IndexPage { l: Layout::new(ctx, ctx.t("学习文件", "Documents to study")), docs, office, f, today: iso(today()) }))
}

pub async fn index(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    index_page(&s, &ctx, FormState::new(ctx.lang), StatusCode::OK).await
}

pub async fn publish(State(s): State<AppState>, ctx: Ctx, mp: Multipart) -> AppResult<Response> {
    let form = crate::upload::read_form(mp, "files", s.site.max_upload).await?;
    let input = DocInput::from_values(&form.values);
    match app::publish(&s, &ctx.me()?.scope, &input, form.files, form.errors).await {
        Ok((id, _)) => Ok(see_other(&format!("/study/{id}?done=saved"))),
        Err(e) if e.fields.is_some() || e.status == StatusCode::CONFLICT => {
            let status = e.status;
            index_page(&s, &ctx, FormState::refused(ctx.lang, form.values, &e), status).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "study_doc.html")]
struct DocPage {
    l: Layout,
    d: DocRow,
    files: Vec<DocFile>,
    owners: String,
    total: DashRow,
    by_child: Vec<DashRow>,
    crumbs: Vec<(String, String)>,
    /// The coverage's dashboard and its export, for the same node.
    dashboard: String,
    export: String,
}

impl DocPage {
    fn published(&self) -> String {
        iso(self.d.published_on())
    }

    fn kb(&self, size: &i64) -> String {
        super::size_kb(*size)
    }

    /// The document's page for a node below (the dashboard's link, turned to this page).
    fn here(&self, r: &DashRow) -> Option<String> {
        let href = r.href.as_deref()?;
        let node = href.split("node=").nth(1)?.split('&').next()?;
        Some(format!("/study/{}?node={node}", self.d.id))
    }
}

#[derive(serde::Deserialize, Default)]
pub struct NodeQuery {
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    node: Option<i64>,
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Params(q): Params<NodeQuery>) -> AppResult<Response> {
    let v = app::view(&s, &ctx.me()?.scope, id, q.node, ctx.lang).await?;
    let tree = app::tree_of(&v.doc.owners());
    let at = v.coverage.node.as_ref().map(|n| format!("&node={}", n.id)).unwrap_or_default();
    let dashboard = format!("/campaigns/{}/dashboard?tree={tree}&template={}{at}", v.doc.campaign_id, v.doc.template_id);
    let export = format!("/campaigns/{}/dashboard.xlsx?tree={tree}&template={}{at}", v.doc.campaign_id, v.doc.template_id);
    let crumbs = v
        .coverage
        .crumbs
        .iter()
        .map(|(href, name)| (href.split("node=").nth(1).map(|n| format!("/study/{id}?node={}", n.split('&').next().unwrap_or(""))).unwrap_or_default(), name.clone()))
        .collect();
    let owners = v.doc.owners().label(ctx.lang);
    let title = v.doc.title.clone();
    Ok(render_status(
        StatusCode::OK,
        &DocPage { l: Layout::new(&ctx, &title), d: v.doc, files: v.files, owners, total: v.coverage.total, by_child: v.coverage.by_child, crumbs, dashboard, export },
    ))
}

pub async fn file(State(s): State<AppState>, ctx: Ctx, Path(fid): Path<i64>) -> AppResult<Response> {
    ctx.me()?;
    let (name, content_type, data) = app::file(&s, fid).await?;
    Ok(super::stored_file(&name, content_type, data))
}
