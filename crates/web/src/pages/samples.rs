//! Random samples: a survey's audience or windows for spot checks, drawn with the two-party
//! seed. The record is public: anyone can recompute the draw from it without seeing a student
//! number, and each person can look up their own pseudonym.

use super::{FormState, Layout, field, form_map, render, render_status, see_other};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pacesetter_domain::sample::Size;
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::sample::{self, NewSample, Party, Purpose, SampleRow, Stratify};
use pacesetter_store::{StoreError, survey};
use std::collections::{BTreeMap, HashMap};

fn parse_new(m: &HashMap<String, String>, purpose: Purpose, survey_id: Option<i64>, default_owner: Option<i64>, default_title: String) -> Result<NewSample, StoreError> {
    let mut e = FieldErrors::new();
    let num = |k: &str| field(m, k).and_then(|v| v.parse::<i64>().ok());
    let owner = num("owner").or(default_owner);
    if owner.is_none() {
        e.add("owner", "请填写提交另一份种子的单位编号", "Give the number of the unit that commits the second seed");
    }
    let node = num("node");
    if node.is_none() {
        e.add("node", "请填写抽样范围（单位编号）", "Give the unit to draw from (its number)");
    }
    let size = match Size::parse(field(m, "size").unwrap_or("")) {
        Ok(s) => Some(s),
        Err(t) => {
            e.add("size", t.zh, t.en);
            None
        }
    };
    if !e.is_empty() {
        return Err(StoreError::Invalid(e));
    }
    Ok(NewSample {
        survey_id,
        purpose,
        title: field(m, "title").map(str::to_string).unwrap_or(default_title),
        owner_unit_id: owner.unwrap_or(0),
        population_node: node.unwrap_or(0),
        students_only: field(m, "students_only") == Some("yes"),
        stratify: field(m, "stratify").and_then(Stratify::parse).unwrap_or(Stratify::None),
        size: size.unwrap_or(Size::Count(1)),
    })
}

/// The owner of a survey draws a sample of its audience (the second seed comes from the owning
/// unit, or for the office's surveys from the unit named).
pub async fn create_for_survey(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    let mut w = s.store.write().await?;
    let row = survey::get(&mut w, id).await?;
    if !row.may_manage(&scope) {
        return Err(AppError::not_found());
    }
    let r = async {
        let new = parse_new(&m, Purpose::Survey, Some(id), row.owner_unit_id, format!("{} · 抽样", row.title))?;
        sample::create(&mut w, &scope, new).await
    }
    .await;
    match r {
        Ok(sid) => {
            w.commit().await.map_err(StoreError::from)?;
            Ok(see_other(&format!("/samples/{sid}?done=created")))
        }
        Err(StoreError::Invalid(e)) => {
            drop(w);
            let msgs: Vec<String> = e.0.iter().map(|x| x.message.get(ctx.lang).to_string()).collect();
            Err(AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", msgs.join("；"), msgs.join("; ")))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "samples.html")]
struct SamplesPage {
    l: Layout,
    rows: Vec<SampleRow>,
    f: FormState,
}

pub async fn index(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    list_page(&s, &ctx, FormState::new(ctx.lang), StatusCode::OK).await
}

async fn list_page(s: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> AppResult<Response> {
    let mut c = s.store.read().await?;
    let rows = sample::list(&mut c, None).await?;
    Ok(render_status(status, &SamplesPage { l: Layout::new(ctx, ctx.t("随机抽样与抽查", "Samples and spot checks")), rows, f }))
}

/// A spot check of windows (随机抽查).
pub async fn create_spot_check(State(s): State<AppState>, ctx: Ctx, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    let r = async {
        let new = parse_new(&m, Purpose::SpotCheck, None, None, "服务窗口随机抽查".into())?;
        let mut w = s.store.write().await?;
        let id = sample::create(&mut w, &scope, new).await?;
        w.commit().await.map_err(StoreError::from)?;
        Ok::<_, StoreError>(id)
    }
    .await;
    match r {
        Ok(id) => Ok(see_other(&format!("/samples/{id}?done=created"))),
        Err(StoreError::Invalid(e)) => list_page(&s, &ctx, FormState::with(ctx.lang, m, e), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(e.into()),
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

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    show_page(&s, &ctx, id, FormState::new(ctx.lang), StatusCode::OK).await
}

async fn show_page(s: &AppState, ctx: &Ctx, id: i64, f: FormState, status: StatusCode) -> AppResult<Response> {
    let mut c = s.store.read().await?;
    let row = sample::get(&mut c, id).await?;
    let members = sample::members(&mut c, id).await?;
    let names = if row.purpose == "spot_check" { sample::window_names(&mut c, id).await? } else { HashMap::new() };
    let mut strata: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut drawn = Vec::new();
    for (p, st, d) in &members {
        let e = strata.entry(st.clone()).or_default();
        e.0 += 1;
        if *d {
            e.1 += 1;
            drawn.push((names.get(p).cloned().unwrap_or_else(|| p.clone()), st.clone()));
        }
    }
    let party = ctx.caller.as_ref().and_then(|c| row.party_of(&c.scope)).map(|p| match p {
        Party::Office => "office",
        Party::Unit => "unit",
    });
    let title = row.title.clone();
    Ok(render_status(status, &SamplePage { l: Layout::new(ctx, &title), s: row, strata: strata.into_iter().map(|(k, (a, b))| (k, a, b)).collect(), drawn, party, f }))
}

async fn step(s: &AppState, ctx: &Ctx, id: i64, p: Vec<(String, String)>, reveal: bool) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    let seed = m.get("seed").cloned().unwrap_or_default();
    let r = async {
        let mut w = s.store.write().await?;
        if reveal {
            sample::reveal(&mut w, &scope, id, seed.trim()).await?;
        } else {
            sample::commit(&mut w, &scope, id, &seed).await?;
        }
        w.commit().await.map_err(StoreError::from)?;
        Ok::<_, StoreError>(())
    }
    .await;
    match r {
        Ok(()) => Ok(see_other(&format!("/samples/{id}?done=saved"))),
        Err(StoreError::Invalid(e)) => show_page(s, ctx, id, FormState::with(ctx.lang, HashMap::new(), e), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(StoreError::Conflict(t)) => {
            let mut e = FieldErrors::new();
            e.add("_", t.zh, t.en);
            show_page(s, ctx, id, FormState::with(ctx.lang, HashMap::new(), e), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn commit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    step(&s, &ctx, id, p, false).await
}

pub async fn reveal(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    step(&s, &ctx, id, p, true).await
}

/// population.tsv (pseudonym, stratum: the text whose SHA-256 is the published hash) or
/// drawn.tsv (stratum, pseudonym: what `draw.sh` prints).
pub async fn file(State(s): State<AppState>, Path((id, name)): Path<(i64, String)>) -> AppResult<Response> {
    let mut c = s.store.read().await?;
    let row = sample::get(&mut c, id).await?;
    let members = sample::members(&mut c, id).await?;
    let text = match name.as_str() {
        "population.tsv" => {
            let entries: Vec<pacesetter_domain::sample::Entry> =
                members.iter().map(|(p, st, _)| pacesetter_domain::sample::Entry { pseudonym: p.clone(), stratum: st.clone() }).collect();
            pacesetter_domain::sample::population_text(&entries)
        }
        "drawn.tsv" if row.state == "drawn" => {
            let seed = row.draw_seed.clone().unwrap_or_default();
            let mut drawn: Vec<(String, String, String)> =
                members.iter().filter(|(_, _, d)| *d).map(|(p, st, _)| (st.clone(), pacesetter_domain::sample::rank_key(&seed, p), p.clone())).collect();
            drawn.sort();
            drawn.into_iter().map(|(st, _, p)| format!("{st}\t{p}\n")).collect()
        }
        _ => return Err(AppError::not_found()),
    };
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
    let me = ctx.me()?;
    let mut w = s.store.write().await?;
    let (pseudonym, drawn_in) = match me.scope.person {
        Some(p) => {
            let ps = sample::my_pseudonym(&mut w, p.0).await?;
            let drawn_in = sample::drawn_in(&mut w, &ps).await?;
            (Some(ps), drawn_in)
        }
        None => (None, Vec::new()),
    };
    w.commit().await.map_err(StoreError::from)?;
    Ok(render(&PseudonymPage { l: Layout::new(&ctx, ctx.t("我的抽样代号", "My sampling pseudonym")), pseudonym, drawn_in }))
}
