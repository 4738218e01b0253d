//! Accounts and roles (the administrator), and what takes both offices: the auditor's and the
//! office's roles, and resetting, disabling, enabling or ending the role of a guarded account.

use super::{FormState, Layout, Pager, field, form_map, render_status, see_other};
use crate::app::accounts::{self as app, AccountDto};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::{Paging, date_or_today};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use pacesetter_domain::ids::{AccountId, AuditorRequestId, GrantId};
use pacesetter_domain::role::Role;
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::account::{AccountListRow, RequestRow};
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "accounts.html")]
struct AccountsPage {
    l: Layout,
    rows: Vec<AccountListRow>,
    pager: Pager,
    q: String,
    requests: Vec<RequestRow>,
    f: FormState,
    is_admin: bool,
    /// The viewer's user name: nobody decides their own request.
    me: String,
}

impl AccountsPage {
    fn action_label(&self, code: &str) -> &'static str {
        pacesetter_domain::role::TwoOfficeAction::parse(code).map(|a| a.label(self.l.lang)).unwrap_or("")
    }
}

async fn accounts_page(s: &AppState, ctx: &Ctx, raw: Vec<(String, String)>, f: FormState, status: StatusCode) -> AppResult<Response> {
    let map: HashMap<String, String> = raw.iter().cloned().collect();
    let p = Paging::from_query(map.get("page").map(String::as_str), map.get("per_page").map(String::as_str));
    let q = map.get("q").cloned().unwrap_or_default();
    let (rows, total) = app::list(s, Some(&q), p.offset(), p.limit()).await?;
    let requests = app::request_rows(s).await?;
    let pager = Pager::new(&raw, "/accounts", p.page, p.limit(), total);
    Ok(render_status(
        status,
        &AccountsPage {
            l: Layout::new(ctx, ctx.t("账号与角色", "Accounts and roles")),
            rows,
            pager,
            q,
            requests,
            f,
            is_admin: ctx.has(Role::Admin),
            me: ctx.me()?.account.username.clone(),
        },
    ))
}

pub async fn index(State(s): State<AppState>, ctx: Ctx, Query(raw): Query<Vec<(String, String)>>) -> AppResult<Response> {
    accounts_page(&s, &ctx, raw, FormState::new(ctx.lang), StatusCode::OK).await
}

/// The accounts with their roles in force, as a table.
pub async fn export(State(s): State<AppState>, ctx: Ctx, Path(file): Path<String>) -> AppResult<Response> {
    let (rows, _) = app::list(&s, None, 0, 1_000_000).await?;
    let lang = ctx.lang;
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    let sheet = crate::export::Sheet {
        name: t("账号", "Accounts"),
        headers: vec![t("用户名", "User name"), t("姓名", "Name"), t("角色", "Roles"), t("状态", "State"), t("最近登录", "Last login")],
        rows: rows
            .into_iter()
            .map(|a| {
                let roles = a.roles.unwrap_or_default().split(',').filter(|r| !r.is_empty()).map(|r| crate::labels::role_label(r, lang)).collect::<Vec<_>>().join("、");
                vec![
                    a.username,
                    a.display_name,
                    roles,
                    if a.disabled { t("已停用", "Disabled") } else { t("正常", "Active") },
                    a.last_login_ms.map(|ms| pacesetter_domain::dates::format_datetime_ms(ms, lang)).unwrap_or_default(),
                ]
            })
            .collect(),
    };
    let format = if file.ends_with(".csv") { "csv" } else { "xlsx" };
    super::download(&ctx, &sheet, lang.t("账号", "accounts"), format)
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    let r = async {
        let person = match field(&m, "number") {
            Some(n) => Some(app::person_by_number(&s, n).await?),
            None => None,
        };
        app::create(&s, &scope, field(&m, "username").unwrap_or(""), field(&m, "display_name"), person, m.get("password").map(String::as_str).unwrap_or("")).await
    }
    .await;
    match r {
        Ok(id) => Ok(see_other(&format!("/accounts/{}?done=created", id.0))),
        Err(e) if e.fields.is_some() || e.status == StatusCode::CONFLICT => {
            let mut errs = e.fields.clone().unwrap_or_default();
            if errs.is_empty() {
                errs.0.push(pacesetter_domain::validate::FieldError { field: "username".into(), message: e.message.clone() });
            }
            let mut values = m;
            values.remove("password");
            accounts_page(&s, &ctx, Vec::new(), FormState::with(ctx.lang, values, errs), e.status).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    l: Layout,
    a: AccountDto,
    orgs: Vec<(i64, String)>,
    roles: Vec<(&'static str, String)>,
    f: FormState,
    is_admin: bool,
    may_request_auditor: bool,
    /// The account holds a role only both offices change: requests instead of direct changes.
    guarded: bool,
    /// Whether the caller is an office that may ask (the administrator or the office), and not
    /// about themselves.
    may_ask: bool,
}

impl AccountPage {
    fn action_label(&self, code: &str) -> &'static str {
        pacesetter_domain::role::TwoOfficeAction::parse(code).map(|a| a.label(self.l.lang)).unwrap_or("")
    }
}

async fn account_page(s: &AppState, ctx: &Ctx, id: i64, f: FormState, status: StatusCode) -> AppResult<Response> {
    let a = app::view(s, AccountId(id), ctx.lang).await?;
    let orgs = app::grantable_orgs(s).await?;
    // The office's role is granted by both offices (a request), not from this list.
    let roles = [Role::Leader, Role::OrgSecretary, Role::BranchSecretary, Role::Admin].iter().map(|r| (r.code(), r.label(ctx.lang).to_string())).collect();
    let me = ctx.me()?.id();
    let may_request_auditor = !a.roles.iter().any(|r| r == "auditor" || r == "admin" || r == "office") && AccountId(id) != me;
    let guarded = app::is_guarded(s, AccountId(id)).await?;
    let may_ask = AccountId(id) != me && (ctx.has(Role::Admin) || ctx.has(Role::Office));
    Ok(render_status(
        status,
        &AccountPage { l: Layout::new(ctx, &a.display_name.clone()), a, orgs, roles, f, is_admin: ctx.has(Role::Admin), may_request_auditor, guarded, may_ask },
    ))
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    account_page(&s, &ctx, id, FormState::new(ctx.lang), StatusCode::OK).await
}

/// Runs a change from the account page; problems come back on the page.
async fn account_change(s: &AppState, ctx: &Ctx, id: i64, m: HashMap<String, String>, r: AppResult<()>, done: &str, back: &str) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(see_other(&format!("{back}?done={done}"))),
        Err(e) if e.fields.is_some() || matches!(e.status, StatusCode::CONFLICT | StatusCode::FORBIDDEN) => {
            let mut errs = e.fields.clone().unwrap_or_default();
            if errs.is_empty() {
                errs.0.push(pacesetter_domain::validate::FieldError { field: "_".into(), message: e.message.clone() });
            }
            let mut values = m;
            values.remove("password");
            account_page(s, ctx, id, FormState::with(ctx.lang, values, errs), e.status).await
        }
        Err(e) => Err(e),
    }
}

pub async fn grant(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    let r = async {
        let role = app::parse_role(field(&m, "role").unwrap_or(""))?;
        let org = field(&m, "org_id").and_then(|v| v.parse::<i64>().ok());
        let start = date_or_today("start_date", field(&m, "start_date"))?;
        app::grant(&s, &scope, AccountId(id), role, org, start).await
    }
    .await;
    account_change(&s, &ctx, id, m, r, "granted", &format!("/accounts/{id}")).await
}

pub async fn end_grant(State(s): State<AppState>, ctx: Ctx, Path(gid): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    let account_id = field(&m, "account_id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let r = async {
        let on = date_or_today("end_date", field(&m, "end_date"))?;
        app::end_grant(&s, &scope, GrantId(gid), on).await
    }
    .await;
    account_change(&s, &ctx, account_id, m, r, "ended", &format!("/accounts/{account_id}")).await
}

pub async fn reset_password(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    let r = app::reset(&s, &scope, AccountId(id), m.get("password").map(String::as_str).unwrap_or("")).await;
    account_change(&s, &ctx, id, m, r, "saved", &format!("/accounts/{id}")).await
}

pub async fn set_disabled(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    let disabled = field(&m, "disabled") == Some("true");
    let r = app::set_disabled(&s, &scope, AccountId(id), disabled).await;
    account_change(&s, &ctx, id, m, r, "saved", &format!("/accounts/{id}")).await
}

/// One office asks about an account (the auditor's or the office's role, or a reset, disabling,
/// enabling or ending the role of a guarded account); the other approves.
pub async fn request(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    let r = async {
        let action = app::parse_action(field(&m, "action").unwrap_or("grant_auditor"))?;
        let grant = field(&m, "grant_id").and_then(|v| v.parse::<i64>().ok()).map(GrantId);
        app::ask(&s, &scope, AccountId(id), action, grant, ctx.lang).await.map(|_| ())
    }
    .await;
    account_change(&s, &ctx, id, m, r, "requested", &format!("/accounts/{id}")).await
}

pub async fn decide(State(s): State<AppState>, ctx: Ctx, Path(rid): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    let approve = field(&m, "approve") == Some("true");
    match app::decide(&s, &scope, AuditorRequestId(rid), approve).await {
        Ok(()) => Ok(see_other("/accounts?done=decided")),
        Err(e) if matches!(e.status, StatusCode::CONFLICT | StatusCode::FORBIDDEN) => {
            let mut errs = FieldErrors::new();
            errs.0.push(pacesetter_domain::validate::FieldError { field: "_".into(), message: e.message.clone() });
            accounts_page(&s, &ctx, Vec::new(), FormState::with(ctx.lang, HashMap::new(), errs), e.status).await
        }
        Err(e) => Err(e),
    }
}
