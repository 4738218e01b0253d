//! People over the API: lists and exports through the caller's scope, records, changes.

use super::dto::*;
use super::{Paging, date_or_today};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::export;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use pacesetter_domain::Lang;
use pacesetter_domain::dates::iso;
use pacesetter_domain::ids::PersonId;
use pacesetter_domain::people::{PersonInput, mask_id_number};
use pacesetter_domain::scope::{Access, Scope};
use pacesetter_store::people::{self, MembershipRow, PeopleFilter, PersonListRow, Placement};
use pacesetter_store::tree::Tree;
use pacesetter_store::{StoreError, relation};
use serde::Deserialize;
use std::collections::HashMap;

/// The query string of the people list and its exports.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PeopleQuery {
    pub q: Option<String>,
    pub org_id: Option<String>,
    pub unit_id: Option<String>,
    pub political_status: Option<String>,
    pub dev_stage: Option<String>,
    pub kind: Option<String>,
    pub role: Option<String>,
    pub include_left: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
    pub format: Option<String>,
}

impl PeopleQuery {
    /// An id that does not parse selects nobody (ignoring it would widen the list on a typo).
    pub fn filter(&self) -> PeopleFilter {
        let id = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|v| v.parse::<i64>().unwrap_or(-1));
        let text = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        PeopleFilter {
            q: text(&self.q),
            org_id: id(&self.org_id),
            unit_id: id(&self.unit_id),
            political_status: text(&self.political_status),
            dev_stage: text(&self.dev_stage),
            kind: text(&self.kind),
            role: text(&self.role),
            include_left: matches!(self.include_left.as_deref(), Some("true" | "1" | "on" | "yes")),
        }
    }

    pub fn paging(&self) -> Paging {
        Paging::from_query(self.page.as_deref(), self.per_page.as_deref())
    }
}

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

pub async fn list(State(s): State<AppState>, ctx: Ctx, Query(q): Query<PeopleQuery>) -> AppResult<Json<PeoplePage>> {
    let scope = &ctx.me()?.scope;
    let p = q.paging();
    let mut c = s.store.read().await?;
    let (rows, total) = people::list(&mut c, scope, &q.filter(), p.offset(), p.limit()).await?;
    Ok(Json(PeoplePage { items: rows.iter().map(|r| summary(r, ctx.lang)).collect(), total, page: p.page, per_page: p.limit() }))
}

/// Every person in scope that matches, for an export (no paging).
pub async fn all_rows(state: &AppState, scope: &Scope, f: &PeopleFilter) -> AppResult<Vec<PersonListRow>> {
    let mut c = state.store.read().await?;
    Ok(people::list(&mut c, scope, f, 0, 1_000_000).await?.0)
}

pub async fn export(State(s): State<AppState>, ctx: Ctx, Query(q): Query<PeopleQuery>) -> AppResult<Response> {
    let rows = all_rows(&s, &ctx.me()?.scope, &q.filter()).await?;
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
    let mut c = state.store.read().await?;
    let (p, access) = people::get(&mut c, scope, id).await?;
    let ms = people::memberships(&mut c, scope, id).await?;
    let rels = relation::of_person(&mut c, id).await?;
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
        memberships: ms.iter().map(|m| membership_dto(m, lang)).collect(),
        relations: rels.iter().map(|r| RelationDto::new(r, lang)).collect(),
    })
}

pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<PersonDto>> {
    Ok(Json(person_dto(&s, &ctx.me()?.scope, PersonId(id), ctx.lang).await?))
}

/// Applies a partial change to a person: fields left out keep their value.
pub async fn save_person(state: &AppState, scope: &Scope, id: PersonId, patch: PersonInput) -> AppResult<()> {
    let mut w = state.store.write().await?;
    let (current, _) = people::get(&mut w, scope, id).await?;
    let base = current.fields().map(|f| PersonInput::from_fields(&f)).unwrap_or_default();
    let fields = base.overlay(patch).validate()?;
    people::update(&mut w, scope, id, &fields).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

pub async fn update(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<PersonChange>) -> AppResult<Json<PersonDto>> {
    let scope = &ctx.me()?.scope;
    save_person(&s, scope, PersonId(id), b.into_input()).await?;
    Ok(Json(person_dto(&s, scope, PersonId(id), ctx.lang).await?))
}

/// Adds a new person, shared by the page and the API.
pub async fn create_person(state: &AppState, scope: &Scope, input: PersonInput, at: Placement) -> AppResult<PersonId> {
    let fields = input.validate()?;
    let mut w = state.store.write().await?;
    let rec = people::create(&mut w, scope, &fields, &at, pacesetter_domain::dates::today()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(PersonId(rec.id))
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Json(b): Json<NewPerson>) -> AppResult<Json<PersonDto>> {
    let scope = &ctx.me()?.scope;
    let start = match b.start_date.as_deref() {
        Some(d) => Some(date_or_today("start_date", Some(d))?),
        None => None,
    };
    let at = Placement { org_id: b.org_id, post: b.post, unit_id: b.unit_id, position: b.position, start_date: start };
    let id = create_person(&s, scope, b.fields.into_input(), at).await?;
    Ok(Json(person_dto(&s, scope, id, ctx.lang).await?))
}

pub fn parse_tree(s: &str) -> AppResult<Tree> {
    match s {
        "org" => Ok(Tree::Org),
        "unit" => Ok(Tree::Unit),
        _ => Err(AppError::bad_request("tree 应为 org 或 unit", "tree is org or unit")),
    }
}

pub async fn add_membership(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<NewMembership>) -> AppResult<Json<MembershipDto>> {
    let scope = &ctx.me()?.scope;
    let t = parse_tree(&b.tree)?;
    let start = date_or_today("start_date", b.start_date.as_deref())?;
    let role = b.role.unwrap_or_else(|| if t == Tree::Org { "member".into() } else { String::new() });
    let mut w = s.store.write().await?;
    let m = people::add_membership(&mut w, scope, PersonId(id), t, b.node_id, &role, start).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(Json(membership_dto(&m, ctx.lang)))
}

pub async fn end_membership(State(s): State<AppState>, ctx: Ctx, Path((id, tree, mid)): Path<(i64, String, i64)>, Json(b): Json<EndRequest>) -> AppResult<Json<MembershipDto>> {
    let scope = &ctx.me()?.scope;
    let t = parse_tree(&tree)?;
    let on = date_or_today("date", b.date.as_deref())?;
    let mut w = s.store.write().await?;
    // The person must be in scope at all before anything about their memberships is said.
    people::require_access(&mut w, scope, PersonId(id), Access::Read).await?;
    let m = people::end_membership(&mut w, scope, PersonId(id), t, mid, on, &b.reason).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(Json(membership_dto(&m, ctx.lang)))
}

pub async fn leave(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<EndRequest>) -> AppResult<Json<PersonDto>> {
    let scope = &ctx.me()?.scope;
    let on = date_or_today("date", b.date.as_deref())?;
    let mut w = s.store.write().await?;
    let (p, history) = people::mark_left(&mut w, scope, PersonId(id), on, &b.reason).await?;
    let rels = relation::of_person(&mut w, PersonId(id)).await?;
    w.commit().await.map_err(StoreError::from)?;
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

pub async fn directory(State(s): State<AppState>, Query(q): Query<HashMap<String, String>>) -> AppResult<Json<Vec<PublicPersonDto>>> {
    let mut c = s.store.read().await?;
    let rows = people::directory(&mut c, q.get("q").map(String::as_str).unwrap_or(""), 50).await?;
    Ok(Json(rows.into_iter().map(|r| PublicPersonDto { id: r.id, name: r.name, org: r.org_label, unit: r.unit_label }).collect()))
}

/// A code issued: shown once to the secretary, unless it went by e-mail.
pub struct Activation {
    pub username: String,
    pub display_name: String,
    pub code: Option<String>,
    pub expires_ms: i64,
    pub mailed_to: Option<String>,
}

/// Issues an activation code for a person in the caller's write scope, and mails it when asked.
pub async fn issue_activation(state: &AppState, scope: &Scope, person: PersonId, mail: bool) -> AppResult<Activation> {
    if mail && !state.site.mail {
        return Err(AppError::new(
            axum::http::StatusCode::CONFLICT,
            "no_mail",
            "服务器未配置邮件发送，请打印激活码交给本人",
            "E-mail is not configured on this server: print the code and hand it over",
        ));
    }
    let (code, hash) = crate::auth::activation_code();
    let mut w = state.store.write().await?;
    let issued = pacesetter_store::activation::issue(&mut w, scope, person, &hash, mail).await?;
    if let Some(to) = &issued.email {
        let until = pacesetter_domain::dates::format_date(pacesetter_domain::dates::cst_date(issued.expires_ms), Lang::Zh);
        let body = format!(
            "{name}同志：\n\n您在创先争优平台的账号已开通。\n\n登录地址：{url}/login\n用户名：{user}\n激活码：{code}\n\n激活码仅可使用一次，{until}前有效。请在登录页以激活码作为密码登录，随后设置您自己的密码。\n如非本人，请忽略本邮件。\n\n{org}",
            name = issued.display_name,
            url = state.site.public_url,
            user = issued.username,
            org = "创先争优活动领导小组办公室"
        );
        pacesetter_store::outbox::enqueue(&mut w, to, "创先争优平台账号激活", &body).await?;
    }
    w.commit().await.map_err(StoreError::from)?;
    Ok(Activation {
        username: issued.username,
        display_name: issued.display_name,
        code: if mail { None } else { Some(code) },
        expires_ms: issued.expires_ms,
        mailed_to: issued.email,
    })
}

pub async fn activation(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<ActivationRequest>) -> AppResult<Json<ActivationDto>> {
    let a = issue_activation(&s, &ctx.me()?.scope, PersonId(id), b.mail.unwrap_or(false)).await?;
    Ok(Json(ActivationDto { username: a.username, code: a.code, expires: pacesetter_domain::dates::format_datetime_ms(a.expires_ms, ctx.lang), mailed_to: a.mailed_to }))
}
