//! The member's file as pages: thin adapters over [`crate::app::member_files`]. The file's
//! facts on the person's page, its form, and the counts per secondary organization with the
//! office's bounds and the export.

use super::{FormState, Layout, render_status, see_other};
use crate::app::member_files::{self as app, FileBody, FileView, MemberRulesBody};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::{Fields, Params};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use pacesetter_domain::Lang;
use pacesetter_domain::dates::format_date;
use pacesetter_domain::ids::PersonId;
use pacesetter_domain::member_file::{Degree, FileInput, Rules, TitleLevel};
use pacesetter_store::member_file::Structure;
use serde::Deserialize;

/// The file's facts as the person's page lists them, and its badges.
pub struct Facts {
    pub lines: Vec<(String, String)>,
    pub badges: Vec<String>,
    pub can_edit: bool,
}

pub fn facts(v: &FileView, lang: Lang) -> Facts {
    let d = |x: Option<time::Date>| x.map(|d| format_date(d, lang)).unwrap_or_else(|| "—".into());
    let f = &v.file;
    let mut lines = vec![(
        lang.t("出生日期", "Date of birth").to_string(),
        match v.age {
            Some(a) => format!("{}（{a}{}）", d(f.birth_date), lang.t("岁", " years")),
            None => d(f.birth_date),
        },
    )];
    if f.applied_on.is_some() || v.status.is_party_member() {
        lines.push((lang.t("申请入党日期", "Applied to join on").into(), d(f.applied_on)));
    }
    if v.status.is_party_member() {
        lines.push((lang.t("入党日期", "Joined on").into(), d(f.joined_on)));
        lines.push((lang.t("转正日期", "Full member since").into(), d(f.full_on)));
        lines.push((
            lang.t("党龄", "Party standing").into(),
            v.standing.map(|s| format!("{s}{}", lang.t("年", " years"))).unwrap_or_else(|| lang.t("—（无转正日期）", "— (no date of full membership)").into()),
        ));
    }
    let title = match (&f.title, f.title_level) {
        (Some(t), Some(l)) => format!("{t}（{}）", l.label(lang)),
        (Some(t), None) => t.clone(),
        (None, Some(l)) => l.label(lang).to_string(),
        (None, None) => "—".into(),
    };
    lines.push((lang.t("职称", "Professional title").into(), title));
    lines.push((lang.t("最高学位", "Highest degree").into(), f.degree.map(|x| x.label(lang).to_string()).unwrap_or_else(|| "—".into())));
    lines.push((lang.t("岗位", "Post held").into(), f.job_post.clone().unwrap_or_else(|| "—".into())));
    if v.access.hardship_read {
        lines.push((lang.t("生活困难", "In hardship").into(), if f.hardship { lang.t("是（仅党组织可见）", "Yes (the Party side only)") } else { lang.t("否", "No") }.into()));
    }
    let mut badges = Vec::new();
    for (on, code) in [(v.talent, "talent"), (v.young_teacher, "young_teacher"), (v.old_member, "old_member")] {
        if on {
            badges.push(app::group_label(code, lang).to_string());
        }
    }
    Facts { lines, badges, can_edit: v.access.write }
}

#[derive(Template)]
#[template(path = "member_file_form.html")]
struct FormPage {
    l: Layout,
    v: FileView,
    f: FormState,
    levels: Vec<(&'static str, &'static str)>,
    degrees: Vec<(&'static str, &'static str)>,
    today: String,
}

async fn form_page(s: &AppState, ctx: &Ctx, id: i64, f: Option<FormState>, status: StatusCode) -> AppResult<Response> {
    let v = app::get(s, &ctx.me()?.scope, PersonId(id)).await?;
    if !v.access.write {
        return Err(crate::error::AppError::forbidden());
    }
    let f = f.unwrap_or_else(|| {
        let mut f = FormState::new(ctx.lang);
        let i = FileInput::from_file(&v.file);
        for (k, val) in [
            ("birth_date", i.birth_date),
            ("applied_on", i.applied_on),
            ("joined_on", i.joined_on),
            ("full_on", i.full_on),
            ("title", i.title),
            ("title_level", i.title_level),
            ("degree", i.degree),
            ("job_post", i.job_post),
            ("hardship", i.hardship),
        ] {
            f.set(k, val.unwrap_or_default());
        }
        f
    });
    let title = format!("{} · {}", v.name, ctx.t("党员档案", "Member's file"));
    let lang = ctx.lang;
    Ok(render_status(
        status,
        &FormPage {
            l: Layout::new(ctx, &title),
            v,
            f,
            levels: TitleLevel::ALL.into_iter().map(|x| (x.code(), x.label(lang))).collect(),
            degrees: Degree::ALL.into_iter().map(|x| (x.code(), x.label(lang))).collect(),
            today: pacesetter_domain::dates::iso(pacesetter_domain::dates::today()),
        },
    ))
}

pub async fn form(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    form_page(&s, &ctx, id, None, StatusCode::OK).await
}

pub async fn save(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(body): Fields<FileBody>) -> AppResult<Response> {
    let values = crate::input::values_of(&body);
    let mut input = body.input();
    // A checkbox left unticked sends nothing: on this form that means "no".
    if input.hardship.is_none() {
        input.hardship = Some(String::new());
    }
    match app::update(&s, &ctx.me()?.scope, PersonId(id), input).await {
        Ok(_) => Ok(see_other(&format!("/people/{id}?done=saved#file"))),
        Err(e) if e.fields.is_some() => form_page(&s, &ctx, id, Some(FormState::with(ctx.lang, values, e.fields.unwrap_or_default())), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "member_structure.html")]
struct StructurePage {
    l: Layout,
    rows: Vec<Structure>,
    rules: Rules,
    office: bool,
    f: FormState,
    college: Option<i64>,
}

impl StructurePage {
    fn hardship(&self, r: &Structure) -> String {
        r.hardship.map(|h| h.to_string()).unwrap_or_else(|| "—".into())
    }

    fn total(&self, field: &str) -> i64 {
        self.rows
            .iter()
            .map(|r| match field {
                "full" => r.full,
                "probationary" => r.probationary,
                "talent" => r.talent,
                "young" => r.young_teachers,
                "old" => r.old_members,
                _ => 0,
            })
            .sum()
    }
}

#[derive(Deserialize, Default)]
pub struct StructureQuery {
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    org_id: Option<i64>,
}

async fn structure_page(s: &AppState, ctx: &Ctx, college: Option<i64>, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let rows = app::structure(s, scope, college).await?;
    let rules = app::rules(s).await?;
    let mut f = f;
    if !f.has_errors() {
        f.set("young_max_age", rules.young_max_age.to_string());
        f.set("old_min_standing", rules.old_min_standing.to_string());
    }
    Ok(render_status(status, &StructurePage { l: Layout::new(ctx, ctx.t("党员队伍结构", "Members by group")), rows, rules, office: scope.is_office(), f, college }))
}

pub async fn structure(State(s): State<AppState>, ctx: Ctx, Params(q): Params<StructureQuery>) -> AppResult<Response> {
    structure_page(&s, &ctx, q.org_id, FormState::new(ctx.lang), StatusCode::OK).await
}

pub async fn structure_export(State(s): State<AppState>, ctx: Ctx, Path(file): Path<String>, Params(q): Params<StructureQuery>) -> AppResult<Response> {
    let rows = app::structure(&s, &ctx.me()?.scope, q.org_id).await?;
    let rules = app::rules(&s).await?;
    let sheet = app::structure_sheet(&rows, &rules, ctx.lang);
    super::download(&ctx, &sheet, ctx.t("党员队伍结构", "members-by-group"), if file.ends_with(".csv") { "csv" } else { "xlsx" })
}

pub async fn save_rules(State(s): State<AppState>, ctx: Ctx, Fields(body): Fields<MemberRulesBody>) -> AppResult<Response> {
    match app::set_rules(&s, &ctx.me()?.scope, &body).await {
        Ok(_) => Ok(see_other("/members/structure?done=saved")),
        Err(e) if e.fields.is_some() => {
            structure_page(&s, &ctx, None, FormState::with(ctx.lang, crate::input::values_of(&body), e.fields.unwrap_or_default()), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}
