//! Accounts and roles: the administrator's, and what takes both offices (三员分立): the
//! auditor's and the office's roles, and resetting, disabling, enabling or ending the role of an
//! administrator, office or auditor account.

use crate::auth::{self, Caller};
use crate::error::{AppError, AppResult};
use crate::labels::role_label;
use crate::state::AppState;
use pacesetter_domain::Lang;
use pacesetter_domain::dates::{format_datetime_ms, iso, today};
use pacesetter_domain::ids::{AccountId, AuditorRequestId, GrantId, OrgId, PersonId};
use pacesetter_domain::role::{Role, TwoOfficeAction};
use pacesetter_domain::scope::Scope;
use pacesetter_domain::validate::{self, FieldErrors};
use pacesetter_store::account::{self, AccountListRow, AccountRow, GrantRow, RequestRow};
use pacesetter_store::{StoreError, people};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct GrantDto {
    pub id: i64,
    pub role: String,
    pub role_label: String,
    pub org_id: Option<i64>,
    pub org_name: Option<String>,
    pub start_date: String,
    pub end_date: Option<String>,
    pub granted_by: Option<String>,
    pub approved_by: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AccountDto {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub person_id: Option<i64>,
    pub is_demo: bool,
    pub disabled: bool,
    pub last_login: Option<String>,
    pub roles: Vec<String>,
    pub grants: Vec<GrantDto>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditorRequestDto {
    pub id: i64,
    pub account_id: i64,
    pub account_name: String,
    /// grant_auditor, grant_office, reset_password, disable, enable or end_grant
    pub action: String,
    pub action_label: String,
    /// The grant to end (end_grant).
    pub grant_id: Option<i64>,
    pub requested_by: String,
    pub requested_as: String,
    pub state: String,
    pub decided_by: Option<String>,
}

fn grant_view(g: &GrantRow, lang: Lang) -> GrantDto {
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

/// One account with its roles in force and every grant.
pub async fn view(state: &AppState, scope: &Scope, id: AccountId, lang: Lang) -> AppResult<AccountDto> {
    // The administrator and the office keep the accounts (the route's roles, checked again here).
    if !scope.has_any(crate::routes::ACCOUNT_OFFICES) {
        return Err(AppError::not_found());
    }
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
        grants: grants.iter().map(|g| grant_view(g, lang)).collect(),
    })
}

/// The account list's query, shared by the page and the API: part of a user name or display name,
/// and the page (read leniently: a typo shows the first page).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct AccountQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_page: Option<String>,
}

impl AccountQuery {
    pub fn text(&self) -> Option<&str> {
        crate::input::text(&self.q)
    }

    pub fn paging(&self) -> crate::input::Paging {
        crate::input::Paging::from_query(self.page.as_deref(), self.per_page.as_deref())
    }
}

/// A page of accounts matching `q`, with their roles in force.
pub async fn list(state: &AppState, q: Option<&str>, offset: i64, limit: i64) -> AppResult<(Vec<AccountListRow>, i64)> {
    let mut c = state.store.read().await?;
    Ok(account::list(&mut c, q, offset, limit, today()).await?)
}

/// An account row of a list as the API shows it.
pub fn list_view(r: AccountListRow, lang: Lang) -> AccountDto {
    AccountDto {
        id: r.id,
        username: r.username,
        display_name: r.display_name,
        person_id: r.person_id,
        is_demo: r.is_demo,
        disabled: r.disabled,
        last_login: r.last_login_ms.map(|ms| format_datetime_ms(ms, lang)),
        roles: r.roles.unwrap_or_default().split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
        grants: Vec::new(),
    }
}

/// Creates an account with an initial password the holder must change.
pub async fn create(state: &AppState, scope: &Scope, username: &str, display_name: Option<&str>, person: Option<PersonId>, password: &str) -> AppResult<AccountId> {
    let mut errs = FieldErrors::new();
    let username = errs.take("username", validate::username(username));
    let password = errs.take("password", validate::new_password_with(password, username.as_deref().unwrap_or(""), &state.site.password_words));
    let mut w = state.store.write().await?;
    let person_name = match person {
        Some(p) => match people::get(&mut w, scope, p).await {
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
        &account::NewAccount { username: &username, display_name: &display, person, password_hash: &hash, is_demo: false, must_change_password: true },
    )
    .await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

pub fn parse_role(s: &str) -> AppResult<Role> {
    Role::parse(s).ok_or_else(|| AppError::bad_request("角色无效", "Unknown role"))
}

/// Grants a role (the administrator; never the auditor's or the office's: see [`ask`]).
pub async fn grant(state: &AppState, scope: &Scope, account: AccountId, role: Role, org: Option<OrgId>, start: Date) -> AppResult<()> {
    let mut w = state.store.write().await?;
    account::grant(&mut w, scope, account, role, org.map(|o| o.0), start).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Ends a grant on a date.
pub async fn end_grant(state: &AppState, scope: &Scope, grant: GrantId, on: Date) -> AppResult<()> {
    let mut w = state.store.write().await?;
    account::end_grant(&mut w, scope, grant, on).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Disables or enables an ordinary account.
pub async fn set_disabled(state: &AppState, scope: &Scope, id: AccountId, disabled: bool) -> AppResult<()> {
    let mut w = state.store.write().await?;
    account::set_disabled(&mut w, scope, id, disabled).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Sets a temporary password the holder must change (an ordinary account).
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

fn request_view(r: RequestRow, lang: Lang) -> AuditorRequestDto {
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

/// The two offices' requests, newest first.
pub async fn requests(state: &AppState, lang: Lang) -> AppResult<Vec<AuditorRequestDto>> {
    let mut c = state.store.read().await?;
    Ok(account::requests(&mut c).await?.into_iter().map(|r| request_view(r, lang)).collect())
}

/// The same requests as rows, for the accounts page.
pub async fn request_rows(state: &AppState) -> AppResult<Vec<RequestRow>> {
    let mut c = state.store.read().await?;
    Ok(account::requests(&mut c).await?)
}

/// One office asks, about an account, what the other must approve.
pub async fn ask(state: &AppState, scope: &Scope, account: AccountId, action: TwoOfficeAction, grant: Option<GrantId>, lang: Lang) -> AppResult<AuditorRequestDto> {
    let mut w = state.store.write().await?;
    let rid = account::request(&mut w, scope, account, action, grant, today()).await?;
    let row = account::requests(&mut w).await?.into_iter().find(|r| r.id == rid.0).ok_or_else(AppError::internal)?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(request_view(row, lang))
}

/// The other office decides; an approved reset mails a one-time code to the holder's address on
/// record (nobody else sees it).
pub async fn decide(state: &AppState, scope: &Scope, request: AuditorRequestId, approve: bool) -> AppResult<()> {
    let (code, hash) = auth::activation_code();
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

/// The address on record for an account without a person (where a reset's code goes).
pub async fn own_address(state: &AppState, caller: &Caller) -> AppResult<Option<String>> {
    let mut c = state.store.read().await?;
    Ok(account::address_on_record(&mut c, caller.id()).await?)
}

/// The language a person reads the product in, kept with their account.
pub async fn set_lang(state: &AppState, caller: &Caller, lang: Lang) -> AppResult<()> {
    let mut w = state.store.write().await?;
    account::set_lang(&mut w, caller.id(), lang).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// The holder of an account without a person records the address a reset's code goes to,
/// giving their password.
pub async fn set_own_email(state: &AppState, caller: &Caller, email: Option<&str>, password: &str) -> AppResult<()> {
    if !auth::verify_password(password, &caller.account.password_hash) {
        let mut e = FieldErrors::new();
        e.add("password", "当前密码不正确", "The current password is wrong");
        return Err(AppError::invalid(e));
    }
    let mut w = state.store.write().await?;
    account::set_own_email(&mut w, &caller.scope, email).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Whether an account holds a role only both offices change.
pub async fn is_guarded(state: &AppState, id: AccountId) -> AppResult<bool> {
    let mut c = state.store.read().await?;
    Ok(account::is_guarded(&mut c, id).await?)
}

/// The person with a staff or student number, for an account of theirs (the administrator's form).
pub async fn person_by_number(state: &AppState, number: &str) -> AppResult<PersonId> {
    let mut c = state.store.read().await?;
    match people::id_by_number(&mut c, number).await? {
        Some(id) => Ok(id),
        None => {
            let mut e = FieldErrors::new();
            e.add("number", "没有该工号/学号的人员", "No person has this number");
            Err(AppError::invalid(e))
        }
    }
}

/// The organizations a secretary's role may name: secondary organizations and branches, open.
pub async fn grantable_orgs(state: &AppState) -> AppResult<Vec<(i64, String)>> {
    use pacesetter_domain::org::OrgKind;
    use pacesetter_store::tree::{self, Tree};
    let mut c = state.store.read().await?;
    let nodes = tree::all(&mut c, Tree::Org).await?;
    Ok(crate::app::tree::choices(&nodes, |n| n.closed_on.is_none() && OrgKind::parse(&n.kind).is_some_and(|k| k.is_secondary() || k.is_branch())))
}
