//! People over the API: adapters over [`crate::app::people`].

use super::date_or_today;
use super::dto::*;
use crate::app::people::{self as app, DirectoryQuery, PeopleQuery};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::export;
use crate::input::Params;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use pacesetter_domain::Lang;
use pacesetter_domain::dates::iso;
use pacesetter_domain::ids::PersonId;
use pacesetter_domain::people::mask_id_number;
use pacesetter_domain::scope::{Access, Scope};
use pacesetter_store::people::{MembershipRow, PersonListRow, Placement};
use pacesetter_store::tree::Tree;

pub fn summary(r: &PersonListRow, lang: Lang) -> PersonSummary {
    PersonSummary {
        id: r.id,
        name: r.name.clone(),
        kind: r.kind.clone(),
        number: r.number.clone(),
        gender: r.gender.clone(),
        political_status: r.political_status.clone(),
        political_status_label: status_label(&r.political_status, lang),
        dev_stage: r.dev_stage.clone(),
        cadre_rank: r.cadre_rank.clone(),
        email: r.email.clone(),
        phone: r.phone.clone(),
        org: r.org_label.clone(),
        unit: r.unit_label.clone(),
        left_on: r.left_on.map(iso),
    }
}

pub async fn list(State(s): State<AppState>, ctx: Ctx, Params(q): Params<PeopleQuery>) -> AppResult<Json<PeoplePage>> {
    let scope = &ctx.me()?.scope;
    let p = q.paging();
    let (rows, total) = app::list(&s, scope, &q.filter(), p.offset(), p.limit()).await?;
    Ok(Json(PeoplePage { items: rows.iter().map(|r| summary(r, ctx.lang)).collect(), total, page: p.page, per_page: p.limit() }))
}

pub async fn export(State(s): State<AppState>, ctx: Ctx, Params(q): Params<PeopleQuery>) -> AppResult<Response> {
    let rows = app::all_rows(&s, &ctx.me()?.scope, &q.filter()).await?;
    match q.format.as_deref().unwrap_or("xlsx") {
        "csv" => Ok(export::people_csv(&rows, ctx.lang)),
        "xlsx" => export::people_xlsx(&rows, ctx.lang),
        _ => Err(AppError::bad_request("导出格式应为 xlsx 或 csv", "The format is xlsx or csv")),
    }
}

pub fn membership_dto(m: &MembershipRow, lang: Lang) -> MembershipDto {
    MembershipDto {
        id: m.id,
        tree: m.tree.clone(),
        node_id: m.node_id,
        node_name: m.node_name.clone(),
        node_kind: m.node_kind.clone(),
        role: m.role.as_ref().map(|r| if m.tree == "org" { post_label(r, lang) } else { r.clone() }),
        start_date: iso(m.start_date),
        end_date: m.end_date.map(iso),
        end_reason: m.end_reason.clone(),
    }
}

/// A person's full record as the caller may see it.
pub async fn person_dto(state: &AppState, scope: &Scope, id: PersonId, lang: Lang) -> AppResult<PersonDto> {
    let r = app::record(state, scope, id).await?;
    let (p, access) = (r.person, r.access);
    Ok(PersonDto {
        id: p.id,
        name: p.name,
        kind: p.kind,
        number: p.number,
        gender: p.gender,
        political_status_label: status_label(&p.political_status, lang),
        political_status: p.political_status,
        dev_stage: p.dev_stage,
        cadre_rank: p.cadre_rank,
        email: p.email,
        phone: p.phone,
        id_number: p.id_number.map(|n| if access == Access::Write { n } else { mask_id_number(&n) }),
        left_on: p.left_on.map(iso),
        access: if access == Access::Write { "write".into() } else { "read".into() },
        memberships: r.memberships.iter().map(|m| membership_dto(m, lang)).collect(),
        relations: r.relations.iter().map(|r| RelationDto::new(r, lang)).collect(),
    })
}

pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<PersonDto>> {
    Ok(Json(person_dto(&s, &ctx.me()?.scope, PersonId(id), ctx.lang).await?))
}

pub async fn update(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<PersonChange>) -> AppResult<Json<PersonDto>> {
    let scope = &ctx.me()?.scope;
    app::update(&s, scope, PersonId(id), b.into_input()).await?;
    Ok(Json(person_dto(&s, scope, PersonId(id), ctx.lang).await?))
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Json(b): Json<NewPerson>) -> AppResult<Json<PersonDto>> {
    let scope = &ctx.me()?.scope;
    let start = match b.start_date.as_deref() {
        Some(d) => Some(date_or_today("start_date", Some(d))?),
        None => None,
    };
    let at = Placement { org_id: b.org_id, post: b.post, unit_id: b.unit_id, position: b.position, start_date: start };
    let id = app::create(&s, scope, b.fields.into_input(), at).await?;
    Ok(Json(person_dto(&s, scope, id, ctx.lang).await?))
}

pub async fn add_membership(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<NewMembership>) -> AppResult<Json<MembershipDto>> {
    let t = app::parse_tree(&b.tree)?;
    let start = date_or_today("start_date", b.start_date.as_deref())?;
    let role = b.role.unwrap_or_else(|| if t == Tree::Org { "member".into() } else { String::new() });
    let m = app::add_membership(&s, &ctx.me()?.scope, PersonId(id), t, b.node_id, &role, start).await?;
    Ok(Json(membership_dto(&m, ctx.lang)))
}

pub async fn end_membership(State(s): State<AppState>, ctx: Ctx, Path((id, tree, mid)): Path<(i64, String, i64)>, Json(b): Json<EndRequest>) -> AppResult<Json<MembershipDto>> {
    let t = app::parse_tree(&tree)?;
    let on = date_or_today("date", b.date.as_deref())?;
    let m = app::end_membership(&s, &ctx.me()?.scope, PersonId(id), t, mid, on, &b.reason).await?;
    Ok(Json(membership_dto(&m, ctx.lang)))
}

pub async fn leave(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<EndRequest>) -> AppResult<Json<PersonDto>> {
    let on = date_or_today("date", b.date.as_deref())?;
    let (p, history, rels) = app::leave(&s, &ctx.me()?.scope, PersonId(id), on, &b.reason).await?;
    // The caller may no longer reach the person: answer with the outcome of what they did.
    let lang = ctx.lang;
    Ok(Json(PersonDto {
        id: p.id,
        name: p.name,
        kind: p.kind,
        number: p.number,
        gender: p.gender,
        political_status_label: status_label(&p.political_status, lang),
        political_status: p.political_status,
        dev_stage: p.dev_stage,
        cadre_rank: p.cadre_rank,
        email: p.email,
        phone: p.phone,
        id_number: p.id_number.map(|n| mask_id_number(&n)),
        left_on: p.left_on.map(iso),
        access: "read".into(),
        memberships: history.iter().map(|m| membership_dto(m, lang)).collect(),
        relations: rels.iter().map(|r| RelationDto::new(r, lang)).collect(),
    }))
}

pub async fn directory(State(s): State<AppState>, Params(q): Params<DirectoryQuery>) -> AppResult<Json<Vec<PublicPersonDto>>> {
    let rows = app::directory(&s, q.text(), 50).await?;
    Ok(Json(rows.into_iter().map(PublicPersonDto::from).collect()))
}

pub async fn activation(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<ActivationRequest>) -> AppResult<Json<ActivationDto>> {
    let a = app::issue_activation(&s, &ctx.me()?.scope, PersonId(id), b.mail.unwrap_or(false)).await?;
    Ok(Json(ActivationDto { username: a.username, code: a.code, expires: pacesetter_domain::dates::format_datetime_ms(a.expires_ms, ctx.lang), mailed_to: a.mailed_to }))
}
