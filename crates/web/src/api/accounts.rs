//! Accounts and roles over the API (the administrator; both offices together for the accounts and
//! roles of the administrator, the office and the auditor).

use super::dto::*;
use super::{Paging, date_or_today};
use crate::auth;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use pacesetter_domain::Lang;
use pacesetter_domain::dates::{format_datetime_ms, iso, today};
use pacesetter_domain::ids::{AccountId, AuditorRequestId, GrantId, PersonId};
use pacesetter_domain::role::{Role, TwoOfficeAction};
use pacesetter_domain::scope::Scope;
use pacesetter_domain::validate::{self, FieldErrors};
use pacesetter_store::account::{self, AccountRow, GrantRow};
use pacesetter_store::{StoreError, people};
use std::collections::HashMap;

pub fn grant_dto(g: &GrantRow, lang: Lang) -> GrantDto {
    GrantDto {
        id: g.id,
        role: g.role.clone(),
        role_label: role_label(&g.role, lang),
        org_id: g.org_id,
        org_name: g.org_name.clone(),
        start_date: iso(g.start_date),
        end_date: g.end_date.map(iso),
        granted_by: g.granted_by.clone(),
        approved_by: g.approved_by.clone(),
    }
}

pub async fn account_dto(state: &AppState, id: AccountId, lang: Lang) -> AppResult<AccountDto> {
    let mut c = state.store.read().await?;
    let a: AccountRow = account::by_id(&mut c, id).await?.ok_or_else(AppError::not_found)?;
    let grants = account::grants(&mut c, id, None).await?;
    let now = today();
    let roles = grants.iter().filter(|g| g.start_date <= now && g.end_date.is_none_or(|e| e >= now)).map(|g| g.role.clone()).collect();
    Ok(AccountDto {
        id: a.id,
        username: a.username,
        display_name: a.display_name,
        person_id: a.person_id,
        is_demo: a.is_demo,
        disabled: a.disabled,
        last_login: a.last_login_ms.map(|ms| format_datetime_ms(ms, lang)),
        roles,
        grants: grants.iter().map(|g| grant_dto(g, lang)).collect(),
    })
}

pub async fn list(State(s): State<AppState>, ctx: Ctx, Query(q): Query<HashMap<String, String>>) -> AppResult<Json<AccountPage>> {
    let p = Paging::from_query(q.get("page").map(String::as_str), q.get("per_page").map(String::as_str));
    let mut c = s.store.read().await?;
    let (rows, total) = account::list(&mut c, q.get("q").map(String::as_str), p.offset(), p.limit(), today()).await?;
    let items = rows
        .into_iter()
        .map(|r| AccountDto {
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            person_id: r.person_id,
            is_demo: r.is_demo,
            disabled: r.disabled,
            last_login: r.last_login_ms.map(|ms| format_datetime_ms(ms, ctx.lang)),
            roles: r.roles.unwrap_or_default().split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
            grants: Vec::new(),
        })
        .collect();
    Ok(Json(AccountPage { items, total, page: p.page, per_page: p.limit() }))
}

pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<AccountDto>> {
    Ok(Json(account_dto(&s, AccountId(id), ctx.lang).await?))
}

/// Creates an account with an initial password the holder must change; shared with the page.
pub async fn create_account(state: &AppState, scope: &Scope, username: &str, display_name: Option<&str>, person: Option<i64>, password: &str) -> AppResult<AccountId> {
    let mut errs = FieldErrors::new();
    let username = errs.take("username", validate::username(username));
    let password = errs.take("password", validate::new_password_with(password, username.as_deref().unwrap_or(""), &state.site.password_words));
    let mut w = state.store.write().await?;
    let person_name = match person {
        Some(p) => match people::get(&mut w, scope, PersonId(p)).await {
            Ok((rec, _)) => Some(rec.name),
            Err(StoreError::NotFound) => {
                errs.add("person_id", "人员不存在", "No such person");
                None
            }
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let display = match display_name.map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => errs.take("display_name", validate::name(d, 50)),
        None => person_name.clone().or_else(|| username.clone()),
    };
    let (Some(username), Some(password), Some(display)) = (username, password, display) else { return Err(AppError::invalid(errs)) };
    if !errs.is_empty() {
        return Err(AppError::invalid(errs));
    }
    let hash = auth::hash_password(&password);
    let id = account::create(
        &mut w,
        scope,
        &account::NewAccount { username: &username, display_name: &display, person: person.map(PersonId), password_hash: &hash, is_demo: false, must_change_password: true },
    )
    .await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Json(b): Json<NewAccountRequest>) -> AppResult<Json<AccountDto>> {
    let scope = &ctx.me()?.scope;
    let id = create_account(&s, scope, &b.username, b.display_name.as_deref(), b.person_id, &b.password).await?;
    Ok(Json(account_dto(&s, id, ctx.lang).await?))
}

pub fn parse_role(s: &str) -> AppResult<Role> {
    Role::parse(s).ok_or_else(|| AppError::bad_request("角色无效", "Unknown role"))
}

pub async fn grant(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<NewGrant>) -> AppResult<Json<AccountDto>> {
    let scope = &ctx.me()?.scope;
    let role = parse_role(&b.role)?;
    let start = date_or_today("start_date", b.start_date.as_deref())?;
    let mut w = s.store.write().await?;
    account::grant(&mut w, scope, AccountId(id), role, b.org_id, start).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(Json(account_dto(&s, AccountId(id), ctx.lang).await?))
}

pub async fn end_grant(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<DateRequest>) -> AppResult<StatusCode> {
    let scope = &ctx.me()?.scope;
    let on = date_or_today("date", b.date.as_deref())?;
    let mut w = s.store.write().await?;
    account::end_grant(&mut w, scope, GrantId(id), on).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets a temporary password the holder must change; shared with the page.
pub async fn reset(state: &AppState, scope: &Scope, id: AccountId, password: &str) -> AppResult<()> {
    let mut w = state.store.write().await?;
    let a = account::by_id(&mut w, id).await?.ok_or_else(AppError::not_found)?;
    let password = validate::new_password_with(password, &a.username, &state.site.password_words).map_err(|t| {
        let mut e = FieldErrors::new();
        e.0.push(validate::FieldError { field: "password".into(), message: t });
        AppError::invalid(e)
    })?;
    account::set_password(&mut w, scope, id, &auth::hash_password(&password), true).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

pub async fn reset_password(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<PasswordReset>) -> AppResult<StatusCode> {
    reset(&s, &ctx.me()?.scope, AccountId(id), &b.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn request_dto(r: account::RequestRow, lang: Lang) -> AuditorRequestDto {
    AuditorRequestDto {
        action_label: r.action().map(|a| a.label(lang)).unwrap_or("").to_string(),
        id: r.id,
        account_id: r.account_id,
        account_name: r.account_name,
        action: r.action,
        grant_id: r.grant_id,
        requested_by: r.requested_by,
        requested_as: r.requested_as,
        state: r.state,
        decided_by: r.decided_by,
    }
}

pub fn parse_action(s: &str) -> AppResult<TwoOfficeAction> {
    TwoOfficeAction::parse(s).ok_or_else(|| AppError::bad_request("申请事项无效", "Unknown action"))
}

/// One office asks, about an account, what the other must approve; shared by the page and the API.
pub async fn ask(state: &AppState, scope: &Scope, account: AccountId, action: TwoOfficeAction, grant: Option<GrantId>, lang: Lang) -> AppResult<AuditorRequestDto> {
    let mut w = state.store.write().await?;
    let rid = account::request(&mut w, scope, account, action, grant, today()).await?;
    let row = account::requests(&mut w).await?.into_iter().find(|r| r.id == rid.0).ok_or_else(AppError::internal)?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(request_dto(row, lang))
}

/// The other office decides; an approved reset mails a one-time code to the holder's address on
/// record (nobody else sees it). Shared by the page and the API.
pub async fn decide(state: &AppState, scope: &Scope, request: AuditorRequestId, approve: bool) -> AppResult<()> {
    let (code, hash) = crate::auth::activation_code();
    let mut w = state.store.write().await?;
    if let account::Decided::CodeFor { to, username, display_name, expires_ms } = account::decide(&mut w, scope, request, approve, today(), &hash).await? {
        let until = pacesetter_domain::dates::format_date(pacesetter_domain::dates::cst_date(expires_ms), Lang::Zh);
        let body = format!(
            "{display_name}：\n\n经系统管理员和创先办共同批准，您在创先争优平台的账号（{username}）可以重新设置密码。\n\n登录地址：{url}/login\n用户名：{username}\n一次性验证码：{code}\n\n请在{until}前以验证码作为密码登录，随后设置新密码。验证码只发给您本人；如非本人申请，请立即联系安全审计员。\n\nYour password may be reset: log in with the one-time code above as your password, then choose a new one.",
            url = state.site.public_url,
        );
        pacesetter_store::outbox::enqueue(&mut w, &to, "创先争优平台密码重置验证码", &body).await?;
    }
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

pub async fn request_auditor(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<AuditorRequestDto>> {
    Ok(Json(ask(&s, &ctx.me()?.scope, AccountId(id), TwoOfficeAction::GrantAuditor, None, ctx.lang).await?))
}

pub async fn create_request(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<TwoOfficeRequest>) -> AppResult<Json<AuditorRequestDto>> {
    let action = parse_action(&b.action)?;
    Ok(Json(ask(&s, &ctx.me()?.scope, AccountId(id), action, b.grant_id.map(GrantId), ctx.lang).await?))
}

pub async fn auditor_requests(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<AuditorRequestDto>>> {
    let mut c = s.store.read().await?;
    Ok(Json(account::requests(&mut c).await?.into_iter().map(|r| request_dto(r, ctx.lang)).collect()))
}

pub async fn decide_auditor(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<Decision>) -> AppResult<StatusCode> {
    decide(&s, &ctx.me()?.scope, AuditorRequestId(id), b.approve).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The holder of an account without a person records the address a reset's code goes to,
/// giving their password.
pub async fn set_own_email(state: &AppState, caller: &crate::auth::Caller, email: Option<&str>, password: &str) -> AppResult<()> {
    if !crate::auth::verify_password(password, &caller.account.password_hash) {
        let mut e = FieldErrors::new();
        e.add("password", "当前密码不正确", "The current password is wrong");
        return Err(AppError::invalid(e));
    }
    let mut w = state.store.write().await?;
    account::set_own_email(&mut w, &caller.scope, email).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

pub async fn own_email(State(s): State<AppState>, ctx: Ctx, Json(b): Json<OwnEmail>) -> AppResult<StatusCode> {
    set_own_email(&s, ctx.me()?, b.email.as_deref(), &b.password).await?;
    Ok(StatusCode::NO_CONTENT)
}
