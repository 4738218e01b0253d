//! Accounts and roles (the administrator), and what takes both offices: the auditor's and the
//! office's roles, and resetting, disabling, enabling or ending the role of a guarded account.

use super::{FormState, Layout, Pager, render_status, see_other};
use crate::app::accounts::{self as app, AccountDto, AccountQuery};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::{self, Fields, Params, date_or_today, values_of};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use pacesetter_domain::ids::{AccountId, AuditorRequestId, GrantId, OrgId};
use pacesetter_domain::role::Role;
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::account::{AccountListRow, RequestRow};
use serde::{Deserialize, Serialize};
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
    /// Who may log in with a password, and whether a campus provider is configured.
    passwords: &'static str,
    sign_on: bool,
    is_office: bool,
}

impl AccountsPage {
    fn action_label(&self, code: &str) -> &'static str {
        pacesetter_domain::role::TwoOfficeAction::parse(code).map(|a| a.label(self.l.lang)).unwrap_or("")
    }
}

async fn accounts_page(s: &AppState, ctx: &Ctx, q: &AccountQuery, f: FormState, status: StatusCode) -> AppResult<Response> {
    let p = q.paging();
    let (rows, total) = app::list(s, q.text(), p.offset(), p.limit()).await?;
    let requests = app::request_rows(s).await?;
    let pager = Pager::new(&input::pairs_of(q), "/accounts", p.page, p.limit(), total);
    Ok(render_status(
        status,
        &AccountsPage {
            l: Layout::new(ctx, ctx.t("账号与角色", "Accounts and roles")),
            rows,
            pager,
            q: q.q.clone().unwrap_or_default(),
            requests,
            f,
            is_admin: ctx.has(Role::Admin),
            me: ctx.me()?.account.username.clone(),
            passwords: crate::app::sign_on::password_policy(s).await?.code(),
            sign_on: s.site.sign_on.is_some(),
            is_office: ctx.has(Role::Office) || ctx.has(Role::Admin),
        },
    ))
}

/// The office's choice of who may log in with a password.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PolicyForm {
    #[serde(default)]
    pub passwords: String,
}

pub async fn password_policy(State(s): State<AppState>, ctx: Ctx, Fields(form): Fields<PolicyForm>) -> AppResult<Response> {
    let r = async {
        let p = crate::app::sign_on::parse_policy(&form.passwords)?;
        crate::app::sign_on::set_password_policy(&s, &ctx.me()?.scope, p).await
    }
    .await;
    match r {
        Ok(_) => Ok(super::see_other("/accounts")),
        Err(e) if e.fields.is_some() => {
            let f = FormState::refused(ctx.lang, HashMap::new(), &e);
            accounts_page(&s, &ctx, &AccountQuery::default(), f, e.status).await
        }
        Err(e) => Err(e),
    }
}

pub async fn index(State(s): State<AppState>, ctx: Ctx, Params(q): Params<AccountQuery>) -> AppResult<Response> {
    accounts_page(&s, &ctx, &q, FormState::new(ctx.lang), StatusCode::OK).await
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

/// The form of a new account (the person by staff or student number, optional).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct NewAccountForm {
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing)]
    pub password: String,
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Fields(form): Fields<NewAccountForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let r = async {
        let person = match input::text(&form.number) {
            Some(n) => Some(app::person_by_number(&s, n).await?),
            None => None,
        };
        app::create(&s, &scope, input::text(&form.username).unwrap_or(""), input::text(&form.display_name), person, &form.password).await
    }
    .await;
    match r {
        Ok(id) => Ok(see_other(&format!("/accounts/{}?done=created", id.0))),
        Err(e) if e.fields.is_some() || e.status == StatusCode::CONFLICT => {
            let mut errs = e.fields.clone().unwrap_or_default();
            if errs.is_empty() {
                errs.0.push(pacesetter_domain::validate::FieldError { field: "username".into(), message: e.message.clone() });
            }
            accounts_page(&s, &ctx, &AccountQuery::default(), FormState::with(ctx.lang, values_of(&form), errs), e.status).await
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
    let a = app::view(s, &ctx.me()?.scope, AccountId(id), ctx.lang).await?;
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

/// Runs a change from the account page; problems come back on the page (the password is never
/// sent back).
async fn account_change(s: &AppState, ctx: &Ctx, id: i64, values: HashMap<String, String>, r: AppResult<()>, done: &str, back: &str) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(see_other(&format!("{back}?done={done}"))),
        Err(e) if e.fields.is_some() || matches!(e.status, StatusCode::CONFLICT | StatusCode::FORBIDDEN) => {
            let mut errs = e.fields.clone().unwrap_or_default();
            if errs.is_empty() {
                errs.0.push(pacesetter_domain::validate::FieldError { field: "_".into(), message: e.message.clone() });
            }
            let mut values = values;
            values.remove("password");
            account_page(s, ctx, id, FormState::with(ctx.lang, values, errs), e.status).await
        }
        Err(e) => Err(e),
    }
}

/// The form that grants a role (an organization for secretaries).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct GrantForm {
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default, deserialize_with = "input::opt_id")]
    pub org_id: Option<OrgId>,
    #[serde(default)]
    pub start_date: Option<String>,
}

pub async fn grant(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<GrantForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let r = async {
        let role = app::parse_role(input::text(&form.role).unwrap_or(""))?;
        let start = date_or_today("start_date", input::text(&form.start_date))?;
        app::grant(&s, &scope, AccountId(id), role, form.org_id, start).await
    }
    .await;
    account_change(&s, &ctx, id, values_of(&form), r, "granted", &format!("/accounts/{id}")).await
}

/// The form that ends a role, from the account's page.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct EndGrantForm {
    #[serde(default, deserialize_with = "input::opt_id")]
    pub account_id: Option<AccountId>,
    #[serde(default)]
    pub end_date: Option<String>,
}

pub async fn end_grant(State(s): State<AppState>, ctx: Ctx, Path(gid): Path<i64>, Fields(form): Fields<EndGrantForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let account_id = form.account_id.map_or(0, |a| a.0);
    let r = async {
        let on = date_or_today("end_date", input::text(&form.end_date))?;
        app::end_grant(&s, &scope, GrantId(gid), on).await
    }
    .await;
    account_change(&s, &ctx, account_id, values_of(&form), r, "ended", &format!("/accounts/{account_id}")).await
}

/// A new password for an account (`password`).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub password: String,
}

pub async fn reset_password(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<PasswordForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let r = app::reset(&s, &scope, AccountId(id), &form.password).await;
    account_change(&s, &ctx, id, HashMap::new(), r, "saved", &format!("/accounts/{id}")).await
}

/// Disables (`disabled=true`) or enables an account.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct DisabledForm {
    #[serde(default)]
    pub disabled: Option<String>,
}

pub async fn set_disabled(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<DisabledForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let disabled = input::text(&form.disabled) == Some("true");
    let r = app::set_disabled(&s, &scope, AccountId(id), disabled).await;
    account_change(&s, &ctx, id, values_of(&form), r, "saved", &format!("/accounts/{id}")).await
}

/// What one office asks the other to approve (`action`, and the role it ends when it ends one).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct RequestForm {
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default, deserialize_with = "input::opt_id")]
    pub grant_id: Option<GrantId>,
}

/// One office asks about an account (the auditor's or the office's role, or a reset, disabling,
/// enabling or ending the role of a guarded account); the other approves.
pub async fn request(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<RequestForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let r = async {
        let action = app::parse_action(input::text(&form.action).unwrap_or("grant_auditor"))?;
        app::ask(&s, &scope, AccountId(id), action, form.grant_id, ctx.lang).await.map(|_| ())
    }
    .await;
    account_change(&s, &ctx, id, values_of(&form), r, "requested", &format!("/accounts/{id}")).await
}

/// The other office's answer (`approve=true` or not).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    pub approve: Option<String>,
}

pub async fn decide(State(s): State<AppState>, ctx: Ctx, Path(rid): Path<i64>, Fields(form): Fields<DecideForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let approve = input::text(&form.approve) == Some("true");
    match app::decide(&s, &scope, AuditorRequestId(rid), approve).await {
        Ok(()) => Ok(see_other("/accounts?done=decided")),
        Err(e) if matches!(e.status, StatusCode::CONFLICT | StatusCode::FORBIDDEN) => {
            let mut errs = FieldErrors::new();
            errs.0.push(pacesetter_domain::validate::FieldError { field: "_".into(), message: e.message.clone() });
            accounts_page(&s, &ctx, &AccountQuery::default(), FormState::with(ctx.lang, HashMap::new(), errs), e.status).await
        }
        Err(e) => Err(e),
    }
}
