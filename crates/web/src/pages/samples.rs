//! Random samples as pages: a survey's audience or windows for spot checks, drawn with the
//! two-party seed. The record is public: anyone can recompute the draw from it without seeing a
//! student number, and each person can look up their own pseudonym. Adapters over
//! [`crate::app::samples`].

use super::{FormState, Layout, render, render_status, see_other};
use crate::app::samples::{self as app, NewSampleInput};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::input::Fields;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pacesetter_domain::ids::{SampleId, SurveyId};
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::sample::{Party, SampleRow};
use pacesetter_store::tree::Tree;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The form of a new sample: `owner` (the second seed's unit), `node` (the population's unit),
/// `size`, `stratify`, `students_only`, `title`.
#[derive(Deserialize, Serialize, Default)]
pub struct NewSampleForm {
    owner: Option<String>,
    node: Option<String>,
    size: Option<String>,
    stratify: Option<String>,
    students_only: Option<String>,
    title: Option<String>,
}

impl NewSampleForm {
    fn input(&self) -> Result<NewSampleInput, FieldErrors> {
        let id = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(|v| v.parse::<i64>().map_err(|_| ()));
        let mut e = FieldErrors::new();
        let owner = match id(&self.owner) {
            Some(Ok(v)) => Some(v),
            Some(Err(())) => {
                e.add("owner", "单位编号应为数字", "A unit is given by its number");
                None
            }
            None => None,
        };
        // A population that does not parse is refused, not widened to everyone.
        let node = match id(&self.node) {
            Some(Ok(v)) => Some(v),
            Some(Err(())) => {
                e.add("node", "单位编号应为数字", "A unit is given by its number");
                None
            }
            None => None,
        };
        let parsed =
            NewSampleInput::parse(owner, node, self.size.as_deref().unwrap_or(""), self.stratify.as_deref(), self.students_only.as_deref() == Some("yes"), self.title.as_deref());
        match parsed {
            Ok(i) if e.is_empty() => Ok(i),
            Ok(_) => Err(e),
            Err(more) => {
                e.0.extend(more.0);
                Err(e)
            }
        }
    }

    fn values(&self) -> HashMap<String, String> {
        [("owner", &self.owner), ("node", &self.node), ("size", &self.size), ("stratify", &self.stratify), ("students_only", &self.students_only), ("title", &self.title)]
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_string(), v.clone()?)))
            .collect()
    }
}

/// A seed, or its commitment.
#[derive(Deserialize, Default)]
pub struct SeedForm {
    seed: Option<String>,
}

/// The owner of a survey draws a sample of its audience (the second seed comes from the owning
/// unit, or for the office's surveys from the unit named).
pub async fn create_for_survey(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Fields(form): Fields<NewSampleForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let r = match form.input() {
        Ok(input) => app::create_for_survey(&s, &scope, id, input).await,
        Err(e) => Err(e.into()),
    };
    match r {
        Ok(sid) => Ok(see_other(&format!("/samples/{sid}?done=created"))),
        Err(e) => match e.fields {
            // The form sits on the survey's page: its problems in one message.
            Some(errs) => {
                let msgs: Vec<String> = errs.0.iter().map(|x| x.message.get(ctx.lang).to_string()).collect();
                Err(AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", msgs.join("；"), msgs.join("; ")))
            }
            None => Err(e),
        },
    }
}

#[derive(Template)]
#[template(path = "samples.html")]
struct SamplesPage {
    l: Layout,
    rows: Vec<SampleRow>,
    f: FormState,
    /// Units whose windows may be checked, and those that may commit the second seed.
    units: Vec<(i64, String)>,
    owners: Vec<(i64, String)>,
}

pub async fn index(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    list_page(&s, &ctx, FormState::new(ctx.lang), StatusCode::OK).await
}

async fn list_page(s: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> AppResult<Response> {
    let rows = app::list(s).await?;
    let units = crate::app::tree::open_choices(s, Tree::Unit, |n| n.kind != "class" && n.kind != "window").await?;
    let owners = crate::app::tree::open_choices(s, Tree::Unit, |n| n.depth == 1).await?;
    Ok(render_status(status, &SamplesPage { l: Layout::new(ctx, ctx.t("随机抽样与抽查", "Samples and spot checks")), rows, f, units, owners }))
}

/// A spot check of windows (随机抽查).
pub async fn create_spot_check(State(s): State<AppState>, ctx: Ctx, Fields(form): Fields<NewSampleForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let r = match form.input() {
        Ok(input) => app::create_spot_check(&s, &scope, input).await,
        Err(e) => Err(e.into()),
    };
    match r {
        Ok(id) => Ok(see_other(&format!("/samples/{id}?done=created"))),
        Err(e) if e.fields.is_some() => list_page(&s, &ctx, FormState::with(ctx.lang, form.values(), e.fields.unwrap_or_default()), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "sample.html")]
struct SamplePage {
    l: Layout,
    s: SampleRow,
    strata: Vec<(String, u64, u64)>,
    drawn: Vec<(String, String)>,
    party: Option<&'static str>,
    f: FormState,
}

impl SamplePage {
    fn stratify(&self) -> &'static str {
        self.s.stratify().label(self.l.lang)
    }
    fn size(&self) -> String {
        self.s.size().label(self.l.lang)
    }
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SampleId>) -> AppResult<Response> {
    show_page(&s, &ctx, id, FormState::new(ctx.lang), StatusCode::OK).await
}

async fn show_page(s: &AppState, ctx: &Ctx, id: SampleId, f: FormState, status: StatusCode) -> AppResult<Response> {
    let r = app::record(s, id).await?;
    let party = ctx.caller.as_ref().and_then(|c| r.row.party_of(&c.scope)).map(|p| match p {
        Party::Office => "office",
        Party::Unit => "unit",
    });
    let title = r.row.title.clone();
    Ok(render_status(status, &SamplePage { l: Layout::new(ctx, &title), s: r.row, strata: r.strata, drawn: r.drawn, party, f }))
}

/// After a party's step: the record again, with the refusal above the form.
async fn after_step(s: &AppState, ctx: &Ctx, id: SampleId, r: AppResult<()>) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(see_other(&format!("/samples/{id}?done=saved"))),
        Err(e) if e.fields.is_some() => show_page(s, ctx, id, FormState::with(ctx.lang, HashMap::new(), e.fields.unwrap_or_default()), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) if e.status == StatusCode::CONFLICT => {
            let mut errs = FieldErrors::new();
            errs.add("_", e.message.zh.clone(), e.message.en.clone());
            show_page(s, ctx, id, FormState::with(ctx.lang, HashMap::new(), errs), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e),
    }
}

pub async fn commit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SampleId>, Fields(form): Fields<SeedForm>) -> AppResult<Response> {
    let r = app::commit(&s, &ctx.me()?.scope, id, form.seed.as_deref().unwrap_or("")).await;
    after_step(&s, &ctx, id, r).await
}

pub async fn reveal(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SampleId>, Fields(form): Fields<SeedForm>) -> AppResult<Response> {
    let r = app::reveal(&s, &ctx.me()?.scope, id, form.seed.as_deref().unwrap_or("")).await;
    after_step(&s, &ctx, id, r).await
}

/// population.tsv (pseudonym, stratum: the text whose SHA-256 is the published hash) or
/// drawn.tsv (stratum, pseudonym: what `draw.sh` prints).
pub async fn file(State(s): State<AppState>, Path((id, name)): Path<(SampleId, String)>) -> AppResult<Response> {
    let text = app::file(&s, id, &name).await?;
    Ok(([(header::CONTENT_TYPE, "text/tab-separated-values; charset=utf-8")], text).into_response())
}

#[derive(Template)]
#[template(path = "pseudonym.html")]
struct PseudonymPage {
    l: Layout,
    pseudonym: Option<String>,
    drawn_in: Vec<(i64, String)>,
}

/// Each person can look up their own pseudonym, and the samples they were drawn in.
pub async fn my_pseudonym(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let (pseudonym, drawn_in) = app::my_pseudonym(&s, &ctx.me()?.scope).await?;
    Ok(render(&PseudonymPage { l: Layout::new(&ctx, ctx.t("我的抽样代号", "My sampling pseudonym")), pseudonym, drawn_in }))
}
