//! The member's file over the API: adapters over [`crate::app::member_files`].

use crate::app::member_files::{self as app, FileBody, FileView, MemberRulesBody};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::Params;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use pacesetter_domain::dates::iso;
use pacesetter_domain::ids::PersonId;
use pacesetter_domain::member_file::Rules;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A person's file as the caller may see it.
#[derive(Serialize, ToSchema)]
pub struct FileDto {
    pub person_id: i64,
    pub birth_date: Option<String>,
    pub applied_on: Option<String>,
    pub joined_on: Option<String>,
    pub full_on: Option<String>,
    /// 党龄 in full years, from full membership; null without a date of full membership.
    pub standing: Option<i32>,
    pub age: Option<i32>,
    pub title: Option<String>,
    /// senior, associate_senior, intermediate or junior.
    pub title_level: Option<String>,
    /// doctorate, master, bachelor or none.
    pub degree: Option<String>,
    pub job_post: Option<String>,
    /// null where the caller may not know (only the Party side over the person reads it).
    pub hardship: Option<bool>,
    /// The plan's groups the person falls in: talent, young_teacher, old_member.
    pub groups: Vec<String>,
    pub can_edit: bool,
    pub can_set_hardship: bool,
}

fn dto(v: FileView) -> FileDto {
    let f = v.file;
    let groups = [(v.talent, "talent"), (v.young_teacher, "young_teacher"), (v.old_member, "old_member")].into_iter().filter(|(on, _)| *on).map(|(_, g)| g.to_string()).collect();
    FileDto {
        person_id: v.person_id,
        birth_date: f.birth_date.map(iso),
        applied_on: f.applied_on.map(iso),
        joined_on: f.joined_on.map(iso),
        full_on: f.full_on.map(iso),
        standing: v.standing,
        age: v.age,
        title: f.title,
        title_level: f.title_level.map(|l| l.code().to_string()),
        degree: f.degree.map(|d| d.code().to_string()),
        job_post: f.job_post,
        hardship: v.access.hardship_read.then_some(f.hardship),
        groups,
        can_edit: v.access.write,
        can_set_hardship: v.access.hardship_write,
    }
}

pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<FileDto>> {
    Ok(Json(dto(app::get(&s, &ctx.me()?.scope, PersonId(id)).await?)))
}

pub async fn put(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<FileBody>) -> AppResult<Json<FileDto>> {
    Ok(Json(dto(app::update(&s, &ctx.me()?.scope, PersonId(id), b.input()).await?)))
}

/// The office's bounds for the groups.
#[derive(Serialize, ToSchema)]
pub struct MemberRulesDto {
    pub young_max_age: i32,
    pub old_min_standing: i32,
}

fn rules_dto(r: Rules) -> MemberRulesDto {
    MemberRulesDto { young_max_age: r.young_max_age, old_min_standing: r.old_min_standing }
}

pub async fn rules(State(s): State<AppState>) -> AppResult<Json<MemberRulesDto>> {
    Ok(Json(rules_dto(app::rules(&s).await?)))
}

pub async fn set_rules(State(s): State<AppState>, ctx: Ctx, Json(b): Json<MemberRulesBody>) -> AppResult<Json<MemberRulesDto>> {
    Ok(Json(rules_dto(app::set_rules(&s, &ctx.me()?.scope, &b).await?)))
}

/// One secondary organization's members by the plan's groups.
#[derive(Serialize, ToSchema)]
pub struct StructureDto {
    pub college_id: i64,
    pub college: String,
    pub full: i64,
    pub probationary: i64,
    pub staff: i64,
    pub students: i64,
    pub retired: i64,
    pub talent: i64,
    pub young_teachers: i64,
    pub old_members: i64,
    /// null where the caller may not know.
    pub hardship: Option<i64>,
    pub no_standing: i64,
    pub age_under_30: i64,
    pub age_30_to_45: i64,
    pub age_46_to_60: i64,
    pub age_over_60: i64,
}

#[derive(Deserialize, Default)]
pub struct StructureQuery {
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    org_id: Option<i64>,
}

pub async fn structure(State(s): State<AppState>, ctx: Ctx, Params(q): Params<StructureQuery>) -> AppResult<Json<Vec<StructureDto>>> {
    let rows = app::structure(&s, &ctx.me()?.scope, q.org_id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| StructureDto {
                college_id: r.college_id,
                college: r.college,
                full: r.full,
                probationary: r.probationary,
                staff: r.staff,
                students: r.students,
                retired: r.retired,
                talent: r.talent,
                young_teachers: r.young_teachers,
                old_members: r.old_members,
                hardship: r.hardship,
                no_standing: r.no_standing,
                age_under_30: r.age_under_30,
                age_30_to_45: r.age_30_to_45,
                age_46_to_60: r.age_46_to_60,
                age_over_60: r.age_over_60,
            })
            .collect(),
    ))
}
