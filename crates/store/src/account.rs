//! Accounts, the roles granted to them, and the two-office grant of the auditor role (三员分立).

use crate::StoreError;
use crate::audit;
use crate::db::{Conn, Sql};
use crate::tree::{self, Tree};
use pacesetter_domain::Lang;
use pacesetter_domain::dates::now_ms;
use pacesetter_domain::ids::{AccountId, AuditorRequestId, GrantId, PersonId};
use pacesetter_domain::org::OrgKind;
use pacesetter_domain::role::{GUARDED, Role, TwoOfficeAction};
use pacesetter_domain::scope::Scope;
use pacesetter_domain::validate;
use serde::Serialize;
use time::Date;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub person_id: Option<i64>,
    #[serde(skip)]
    pub password_hash: String,
    pub is_demo: bool,
    pub must_change_password: bool,
    pub lang: String,
    pub disabled: bool,
    pub created_ms: i64,
    pub last_login_ms: Option<i64>,
    /// When an administrator last reset the password, shown to the holder until they change it.
    pub password_reset_ms: Option<i64>,
    pub password_reset_by: Option<String>,
}

impl AccountRow {
    pub fn lang(&self) -> Lang {
        Lang::parse(&self.lang).unwrap_or_default()
    }
}

const COLUMNS: &str =
    "id, username, display_name, person_id, password_hash, is_demo, must_change_password, lang, disabled, created_ms, last_login_ms, password_reset_ms, password_reset_by";

pub async fn by_username(c: &mut Conn, username: &str) -> Result<Option<AccountRow>, StoreError> {
    Ok(c.fetch_optional(Sql::new(format!("SELECT {COLUMNS} FROM accounts WHERE username = $1")).bind(username.trim().to_ascii_lowercase())).await?)
}

pub async fn by_id(c: &mut Conn, id: AccountId) -> Result<Option<AccountRow>, StoreError> {
    Ok(c.fetch_optional(Sql::new(format!("SELECT {COLUMNS} FROM accounts WHERE id = $1")).bind(id)).await?)
}

pub async fn count(c: &mut Conn) -> Result<i64, StoreError> {
    Ok(c.fetch_i64(Sql::new("SELECT COUNT(*) FROM accounts")).await?)
}

pub struct NewAccount<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub person: Option<PersonId>,
    pub password_hash: &'a str,
    pub is_demo: bool,
    pub must_change_password: bool,
}

/// Creates an account. Whoever calls decides who may; this records it.
pub async fn create(c: &mut Conn, scope: &Scope, a: &NewAccount<'_>) -> Result<AccountId, StoreError> {
    let id = c
        .fetch_i64(
            Sql::new(
                "INSERT INTO accounts (username, display_name, person_id, password_hash, is_demo, must_change_password, created_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(a.username)
            .bind(a.display_name)
            .bind(a.person)
            .bind(a.password_hash)
            .bind(a.is_demo)
            .bind(a.must_change_password)
            .bind(now_ms()),
        )
        .await
        .map_err(|e| StoreError::on_duplicate(e, "该用户名已被使用，或此人已有账号", "The user name is taken, or the person already has an account"))?;
    let row = by_id(c, AccountId(id)).await?;
    audit::append(c, scope, "account.create", "account", id, None, row.as_ref().and_then(audit::snapshot)).await?;
    Ok(AccountId(id))
}

/// Sets a new password hash; `must_change` forces a change at the next login.
pub async fn set_password(c: &mut Conn, scope: &Scope, id: AccountId, hash: &str, must_change: bool) -> Result<(), StoreError> {
    let own = scope.account == id;
    if !own && is_guarded(c, id).await? {
        return Err(two_offices());
    }
    // A reset by someone else is noted for the holder; their own change clears the note.
    let q = if own {
        Sql::new("UPDATE accounts SET password_hash = $1, must_change_password = $2, password_reset_ms = NULL, password_reset_by = NULL WHERE id = $3")
            .bind(hash)
            .bind(must_change)
            .bind(id)
    } else {
        Sql::new("UPDATE accounts SET password_hash = $1, must_change_password = $2, password_reset_ms = $3, password_reset_by = $4 WHERE id = $5")
            .bind(hash)
            .bind(must_change)
            .bind(now_ms())
            .bind(scope.actor.as_str())
            .bind(id)
    };
    let n = c.execute(q).await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    if !own {
        // Whoever knew the old password (or held a token made with it) is out.
        crate::api_token::end_access(c, id, now_ms()).await?;
    }
    let action = if own { "account.password_change" } else { "account.password_reset" };
    audit::append(c, scope, action, "account", id, None, Some(serde_json::json!({"must_change_password": must_change}).to_string())).await?;
    Ok(())
}

/// The language an account sees the interface in (a preference, not an official record).
pub async fn set_lang(c: &mut Conn, id: AccountId, lang: Lang) -> Result<(), StoreError> {
    c.execute(Sql::new("UPDATE accounts SET lang = $1 WHERE id = $2").bind(lang.code()).bind(id)).await?;
    Ok(())
}

pub async fn record_login(c: &mut Conn, id: AccountId) -> Result<(), StoreError> {
    c.execute(Sql::new("UPDATE accounts SET last_login_ms = $1 WHERE id = $2").bind(now_ms()).bind(id)).await?;
    Ok(())
}

pub async fn set_disabled(c: &mut Conn, scope: &Scope, id: AccountId, disabled: bool) -> Result<(), StoreError> {
    if id == scope.account {
        return Err(StoreError::forbidden("不能停用自己的账号", "You cannot disable your own account"));
    }
    if is_guarded(c, id).await? {
        return Err(two_offices());
    }
    let n = c.execute(Sql::new("UPDATE accounts SET disabled = $1 WHERE id = $2").bind(disabled).bind(id)).await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    if disabled {
        crate::api_token::end_access(c, id, now_ms()).await?;
    }
    audit::append(c, scope, if disabled { "account.disable" } else { "account.enable" }, "account", id, None, None).await?;
    Ok(())
}

/// The user names of the demo accounts that are not disabled.
pub async fn enabled_demo_accounts(c: &mut Conn) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = c.fetch_all(Sql::new("SELECT username FROM accounts WHERE is_demo = TRUE AND disabled = FALSE ORDER BY id")).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Disables every demo account and ends its sessions, one audit entry each.
pub async fn disable_demo_accounts(c: &mut Conn, scope: &Scope) -> Result<u64, StoreError> {
    let ids: Vec<(i64,)> = c.fetch_all(Sql::new("SELECT id FROM accounts WHERE is_demo = TRUE AND disabled = FALSE ORDER BY id")).await?;
    for (id,) in &ids {
        c.execute(Sql::new("UPDATE accounts SET disabled = TRUE WHERE id = $1").bind(*id)).await?;
        crate::api_token::end_access(c, AccountId(*id), now_ms()).await?;
        audit::append(c, scope, "account.disable", "account", *id, None, Some("{\"reason\":\"demo account on a server without the demo\"}".into())).await?;
    }
    Ok(ids.len() as u64)
}

/// A row of the accounts list, with the roles in force as a list of codes.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct AccountListRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub person_id: Option<i64>,
    pub is_demo: bool,
    pub disabled: bool,
    pub last_login_ms: Option<i64>,
    pub roles: Option<String>,
}

pub async fn list(c: &mut Conn, q: Option<&str>, offset: i64, limit: i64, today: Date) -> Result<(Vec<AccountListRow>, i64), StoreError> {
    let mut cond = Sql::new("");
    if let Some(t) = q.map(str::trim).filter(|s| !s.is_empty()) {
        let t = crate::db::like_escape(t);
        cond.push(" WHERE (a.username LIKE ")
            .push_bind(format!("%{}%", t.to_ascii_lowercase()))
            .push(" ESCAPE '\\' OR a.display_name LIKE ")
            .push_bind(format!("%{t}%"))
            .push(" ESCAPE '\\')");
    }
    let mut count = Sql::new("SELECT COUNT(*) FROM accounts a");
    count.push(&cond.text);
    count.args = cond.args.clone();
    let total = c.fetch_i64(count).await?;
    let mut sql = Sql::new("SELECT a.id, a.username, a.display_name, a.person_id, a.is_demo, a.disabled, a.last_login_ms, ");
    // The roles in force ("office,leader") are filled in below.
    sql.push("CAST(NULL AS TEXT) AS roles FROM accounts a");
    sql.push(&cond.text);
    sql.args = cond.args;
    sql.push(" ORDER BY a.id LIMIT ").push_bind(limit).push(" OFFSET ").push_bind(offset);
    let mut rows: Vec<AccountListRow> = c.fetch_all(sql).await?;
    if rows.is_empty() {
        return Ok((rows, total));
    }
    // The roles in force of the whole page, a thousand accounts per query.
    let mut roles: Vec<(i64, String)> = Vec::new();
    for chunk in rows.chunks(1000) {
        let mut q = Sql::new("SELECT account_id, role FROM role_grants WHERE start_date <= ");
        q.push_bind(today).push(" AND (end_date IS NULL OR end_date >= ").push_bind(today).push(") AND account_id IN (");
        for (i, r) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push_bind(r.id);
        }
        q.push(") ORDER BY id");
        roles.extend(c.fetch_all::<(i64, String)>(q).await?);
    }
    let mut by_account: std::collections::HashMap<i64, Vec<&str>> = std::collections::HashMap::new();
    for (a, role) in &roles {
        by_account.entry(*a).or_default().push(role.as_str());
    }
    for r in &mut rows {
        r.roles = Some(by_account.get(&r.id).map(|v| v.join(",")).unwrap_or_default());
    }
    Ok((rows, total))
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct GrantRow {
    pub id: i64,
    pub account_id: i64,
    pub role: String,
    pub org_id: Option<i64>,
    pub org_name: Option<String>,
    pub start_date: Date,
    pub end_date: Option<Date>,
    pub granted_by: Option<String>,
    pub approved_by: Option<String>,
}

/// An account's grants; with `in_force_on`, only those in force that day.
pub async fn grants(c: &mut Conn, account: AccountId, in_force_on: Option<Date>) -> Result<Vec<GrantRow>, StoreError> {
    let mut q = Sql::new(
        "SELECT g.id, g.account_id, g.role, g.org_id, o.name AS org_name, g.start_date, g.end_date, gb.username AS granted_by, ab.username AS approved_by \
         FROM role_grants g LEFT JOIN orgs o ON o.id = g.org_id LEFT JOIN accounts gb ON gb.id = g.granted_by LEFT JOIN accounts ab ON ab.id = g.approved_by \
         WHERE g.account_id = ",
    );
    q.push_bind(account);
    if let Some(d) = in_force_on {
        q.push(" AND g.start_date <= ").push_bind(d).push(" AND (g.end_date IS NULL OR g.end_date >= ").push_bind(d).push(")");
    }
    q.push(" ORDER BY g.id");
    Ok(c.fetch_all(q).await?)
}

async fn holds(c: &mut Conn, account: AccountId, roles: &[Role], today: Date) -> Result<bool, StoreError> {
    Ok(grants(c, account, Some(today)).await?.iter().any(|g| roles.iter().any(|r| r.code() == g.role)))
}

/// Whether an account holds any of these roles today.
pub async fn holds_any(c: &mut Conn, account: AccountId, roles: &[Role]) -> Result<bool, StoreError> {
    holds(c, account, roles, pacesetter_domain::dates::today()).await
}

/// Grants a role. Only the administrator grants roles; the auditor's and the office's roles are
/// never granted this way (see [`request`]: both offices), and no account holds the auditor role
/// beside administration.
pub async fn grant(c: &mut Conn, scope: &Scope, account: AccountId, role: Role, org: Option<i64>, start: Date) -> Result<GrantId, StoreError> {
    if !scope.has(Role::Admin) {
        return Err(StoreError::forbidden("只有系统管理员可以授予角色", "Only the administrator grants roles"));
    }
    by_id(c, account).await?.ok_or(StoreError::NotFound)?;
    match role {
        Role::Auditor | Role::Office => return Err(two_offices()),
        Role::Admin if holds(c, account, &[Role::Auditor], start).await? => {
            return Err(StoreError::conflict("审计员不能同时担任管理角色（三员分立）", "An auditor cannot also hold an administrative role"));
        }
        _ => {}
    }
    if !Role::GRANTABLE.contains(&role) {
        return Err(StoreError::invalid("role", "该角色由关系记录或政治面貌决定，不能直接授予", "This role follows from relation records or political status and is not granted"));
    }
    let org = if role.needs_org() {
        let id = org.ok_or_else(|| StoreError::invalid("org_id", "请选择党组织", "Choose a Party organization"))?;
        let node = tree::get(c, Tree::Org, id).await?.ok_or_else(|| StoreError::invalid("org_id", "党组织不存在", "No such Party organization"))?;
        let kind = OrgKind::parse(&node.kind);
        let fits = match role {
            Role::OrgSecretary => kind.is_some_and(OrgKind::is_secondary),
            _ => kind.is_some_and(OrgKind::is_branch),
        };
        if !fits {
            return Err(StoreError::invalid("org_id", "所选党组织的层级与角色不符", "The organization's level does not fit the role"));
        }
        Some(id)
    } else {
        None
    };
    let id = c
        .fetch_i64(
            Sql::new("INSERT INTO role_grants (account_id, role, org_id, start_date, granted_by, created_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(account)
                .bind(role.code())
                .bind(org)
                .bind(start)
                .bind(nonzero(scope.account))
                .bind(now_ms()),
        )
        .await
        .map_err(|e| StoreError::on_duplicate(e, "该账号已有此角色", "The account already holds this role"))?;
    audit::append(c, scope, "grant.create", "account", account, None, Some(serde_json::json!({"grant": id, "role": role.code(), "org": org}).to_string())).await?;
    Ok(GrantId(id))
}

/// The refusal of a change that takes the administrator and the office together.
fn two_offices() -> StoreError {
    StoreError::forbidden(
        "系统管理员、创先办和审计员的账号与角色须由系统管理员和创先办共同处理：请一方提出申请，另一方批准",
        "The accounts and roles of the administrator, the office and the auditor change only with both offices: one asks, the other approves",
    )
}

fn nonzero(a: AccountId) -> Option<AccountId> {
    (a.0 != 0).then_some(a)
}

/// Ends a grant on a date. The administrator ends any grant but the auditor's, which ends
/// only through the two offices again.
pub async fn end_grant(c: &mut Conn, scope: &Scope, grant: GrantId, on: Date) -> Result<(), StoreError> {
    if !scope.has(Role::Admin) {
        return Err(StoreError::forbidden("只有系统管理员可以收回角色", "Only the administrator ends grants"));
    }
    let row: Option<(i64, String, Option<Date>)> = c.fetch_optional(Sql::new("SELECT account_id, role, end_date FROM role_grants WHERE id = $1").bind(grant)).await?;
    let Some((account, role, end)) = row else { return Err(StoreError::NotFound) };
    if end.is_some() {
        return Err(StoreError::conflict("该角色已收回", "This grant has already ended"));
    }
    if role == Role::Auditor.code() || role == Role::Office.code() {
        return Err(two_offices());
    }
    if account == scope.account.0 && role == Role::Admin.code() {
        return Err(StoreError::forbidden("不能收回自己的管理员角色", "You cannot end your own administrator role"));
    }
    let n = c.execute(Sql::new("UPDATE role_grants SET end_date = $1 WHERE id = $2 AND end_date IS NULL").bind(on).bind(grant)).await?;
    StoreError::unless_changed(n, "该角色已收回", "This grant has already ended")?;
    audit::append(c, scope, "grant.end", "account", account, Some(serde_json::json!({"grant": grant.0, "role": role}).to_string()), None).await?;
    Ok(())
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct RequestRow {
    pub id: i64,
    pub account_id: i64,
    pub account_name: String,
    pub action: String,
    pub grant_id: Option<i64>,
    pub requested_by: String,
    pub requested_as: String,
    pub state: String,
    pub decided_by: Option<String>,
    pub created_ms: i64,
    pub decided_ms: Option<i64>,
}

impl RequestRow {
    pub fn action(&self) -> Option<TwoOfficeAction> {
        TwoOfficeAction::parse(&self.action)
    }
}

/// The two offices' requests, newest first.
pub async fn requests(c: &mut Conn) -> Result<Vec<RequestRow>, StoreError> {
    Ok(c.fetch_all(Sql::new(
        "SELECT r.id, r.account_id, t.username AS account_name, r.action, r.grant_id, q.username AS requested_by, r.requested_as, r.state, d.username AS decided_by, r.created_ms, r.decided_ms \
         FROM account_requests r JOIN accounts t ON t.id = r.account_id JOIN accounts q ON q.id = r.requested_by LEFT JOIN accounts d ON d.id = r.decided_by \
         ORDER BY r.id DESC",
    ))
    .await?)
}

/// Whether an account holds a role only the two offices together change.
pub async fn is_guarded(c: &mut Conn, account: AccountId) -> Result<bool, StoreError> {
    holds_any(c, account, &GUARDED).await
}

/// The address on record of an account: its person's e-mail, else its own.
pub async fn address_on_record(c: &mut Conn, account: AccountId) -> Result<Option<String>, StoreError> {
    let row: Option<(Option<String>, Option<String>)> =
        c.fetch_optional(Sql::new("SELECT p.email, a.email FROM accounts a LEFT JOIN people p ON p.id = a.person_id WHERE a.id = $1").bind(account)).await?;
    Ok(row.and_then(|(p, a)| p.or(a)).filter(|e| e.contains('@')))
}

/// The holder of an account without a person sets its address on record (for a reset's code).
pub async fn set_own_email(c: &mut Conn, scope: &Scope, email: Option<&str>) -> Result<(), StoreError> {
    let email = match email.map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => Some(validate::email(e).map_err(|t| StoreError::invalid("email", t.zh, t.en))?),
        None => None,
    };
    let a = by_id(c, scope.account).await?.ok_or(StoreError::NotFound)?;
    if a.person_id.is_some() {
        return Err(StoreError::conflict("您的邮箱随人员信息登记，由系统管理员修改", "Your address is the one of your person's record, changed by the administrator"));
    }
    c.execute(Sql::new("UPDATE accounts SET email = $1 WHERE id = $2").bind(email.clone()).bind(scope.account)).await?;
    audit::append(c, scope, "account.email", "account", scope.account, None, Some(serde_json::json!({"email": email}).to_string())).await?;
    Ok(())
}

/// One office asks for something about an account that the other must approve (三员分立): the
/// auditor's or the office's role, or resetting, disabling, enabling or ending the role of an
/// administrator, office or auditor account. Nobody asks about themselves.
pub async fn request(c: &mut Conn, scope: &Scope, account: AccountId, action: TwoOfficeAction, grant: Option<GrantId>, today: Date) -> Result<AuditorRequestId, StoreError> {
    let requested_as = if scope.has(Role::Admin) {
        Role::Admin
    } else if scope.has(Role::Office) {
        Role::Office
    } else {
        return Err(StoreError::forbidden("只有系统管理员或创先办可以提出", "Only the administrator or the campaign office may ask"));
    };
    if account == scope.account {
        return Err(StoreError::forbidden("不能为自己的账号提出申请", "You cannot ask about your own account"));
    }
    let a = by_id(c, account).await?.ok_or(StoreError::NotFound)?;
    let guarded = is_guarded(c, account).await?;
    match action {
        TwoOfficeAction::GrantAuditor => {
            if holds(c, account, &[Role::Admin, Role::Office], today).await? {
                return Err(StoreError::conflict("系统管理员或创先办账号不能兼任审计员（三员分立）", "An administrator or office account cannot also be the auditor"));
            }
            if holds(c, account, &[Role::Auditor], today).await? {
                return Err(StoreError::conflict("该账号已是审计员", "The account is already an auditor"));
            }
        }
        TwoOfficeAction::GrantOffice => {
            if holds(c, account, &[Role::Auditor], today).await? {
                return Err(StoreError::conflict("审计员不能同时担任管理角色（三员分立）", "An auditor cannot also hold an administrative role"));
            }
            if holds(c, account, &[Role::Office], today).await? {
                return Err(StoreError::conflict("该账号已是创先办", "The account already holds the office role"));
            }
        }
        TwoOfficeAction::ResetPassword | TwoOfficeAction::Disable | TwoOfficeAction::Enable if !guarded => {
            return Err(StoreError::conflict("普通账号由系统管理员直接处理，无需申请", "An ordinary account is handled by the administrator directly"));
        }
        TwoOfficeAction::ResetPassword => {
            if address_on_record(c, account).await?.is_none() {
                return Err(StoreError::conflict(
                    "该账号没有登记邮箱，重置验证码无法只交给本人；请本人先在“修改密码”页登记邮箱",
                    "The account has no address on record, so a code cannot go to the holder only: the holder first records one on their password page",
                ));
            }
        }
        TwoOfficeAction::Disable if a.disabled => return Err(StoreError::conflict("该账号已停用", "The account is already disabled")),
        TwoOfficeAction::Enable if !a.disabled => return Err(StoreError::conflict("该账号未停用", "The account is not disabled")),
        TwoOfficeAction::Disable | TwoOfficeAction::Enable => {}
        TwoOfficeAction::EndGrant => {
            let g = grant.ok_or_else(|| StoreError::invalid("grant_id", "请指明要收回的角色", "Name the grant to end"))?;
            let row: Option<(i64, String, Option<Date>)> = c.fetch_optional(Sql::new("SELECT account_id, role, end_date FROM role_grants WHERE id = $1").bind(g)).await?;
            match row {
                Some((acc, role, None)) if acc == account.0 && (role == Role::Office.code() || role == Role::Auditor.code()) => {}
                Some((acc, _, Some(_))) if acc == account.0 => return Err(StoreError::conflict("该角色已收回", "This grant has already ended")),
                _ => return Err(StoreError::invalid("grant_id", "只有创先办和审计员角色须由两方共同收回", "Only the office's and the auditor's roles are ended by both offices")),
            }
        }
    }
    let id = c
        .fetch_i64(
            Sql::new("INSERT INTO account_requests (account_id, requested_by, requested_as, state, created_ms, action, grant_id) VALUES ($1, $2, $3, 'pending', $4, $5, $6) RETURNING id")
                .bind(account)
                .bind(scope.account)
                .bind(requested_as.code())
                .bind(now_ms())
                .bind(action.code())
                .bind(grant.map(|g| g.0)),
        )
        .await
        .map_err(|e| StoreError::on_duplicate(e, "该账号已有同样的待批准申请", "The same request for this account is already pending"))?;
    audit::append(
        c,
        scope,
        "account_request.create",
        "account",
        account,
        None,
        Some(serde_json::json!({"request": id, "action": action.code(), "grant": grant.map(|g| g.0), "as": requested_as.code()}).to_string()),
    )
    .await?;
    Ok(AuditorRequestId(id))
}

/// The administrator or the office asks for the auditor role for an account (see [`request`]).
pub async fn request_auditor(c: &mut Conn, scope: &Scope, account: AccountId, today: Date) -> Result<AuditorRequestId, StoreError> {
    request(c, scope, account, TwoOfficeAction::GrantAuditor, None, today).await
}

/// What an approval did that the caller must finish: a reset's code to mail to the holder.
#[derive(Clone, Debug)]
pub enum Decided {
    Done,
    /// A one-time code was recorded for the account (its hash as given); mail it to `to`.
    CodeFor {
        to: String,
        username: String,
        display_name: String,
        expires_ms: i64,
    },
}

/// The other office approves or rejects; on approval the change is made, naming both. A reset
/// records `code_hash` as the account's one-time code (its code to be mailed to the holder).
pub async fn decide(c: &mut Conn, scope: &Scope, request: AuditorRequestId, approve: bool, today: Date, code_hash: &str) -> Result<Decided, StoreError> {
    let row: Option<(i64, i64, String, String, String, Option<i64>)> =
        c.fetch_optional(Sql::new("SELECT account_id, requested_by, requested_as, state, action, grant_id FROM account_requests WHERE id = $1").bind(request)).await?;
    let Some((account, requested_by, requested_as, state, action, grant)) = row else { return Err(StoreError::NotFound) };
    if state != "pending" {
        return Err(StoreError::conflict("该申请已处理", "This request has already been decided"));
    }
    let action = TwoOfficeAction::parse(&action).ok_or(StoreError::NotFound)?;
    let needed = if requested_as == Role::Admin.code() { Role::Office } else { Role::Admin };
    if !scope.has(needed) {
        return Err(StoreError::forbidden(format!("须由{}批准", needed.label(Lang::Zh)), format!("This needs the approval of the {}", needed.label(Lang::En).to_lowercase())));
    }
    if scope.account.0 == requested_by || scope.account.0 == account {
        return Err(StoreError::forbidden("提出人或被申请的账号不能批准", "Neither the requester nor the account concerned may approve"));
    }
    let state = if approve { "approved" } else { "rejected" };
    let n = c
        .execute(
            Sql::new("UPDATE account_requests SET state = $1, decided_by = $2, decided_ms = $3 WHERE id = $4 AND state = 'pending'")
                .bind(state)
                .bind(scope.account)
                .bind(now_ms())
                .bind(request),
        )
        .await?;
    StoreError::unless_changed(n, "该申请已处理", "This request has already been decided")?;
    let mut out = Decided::Done;
    if approve {
        let now = now_ms();
        match action {
            TwoOfficeAction::GrantAuditor | TwoOfficeAction::GrantOffice => {
                let role = if action == TwoOfficeAction::GrantAuditor { Role::Auditor } else { Role::Office };
                c.execute(
                    Sql::new("INSERT INTO role_grants (account_id, role, org_id, start_date, granted_by, approved_by, created_ms) VALUES ($1, $2, NULL, $3, $4, $5, $6)")
                        .bind(account)
                        .bind(role.code())
                        .bind(today)
                        .bind(requested_by)
                        .bind(scope.account)
                        .bind(now),
                )
                .await
                .map_err(|e| StoreError::on_duplicate(e, "该账号已有此角色", "The account already holds this role"))?;
            }
            TwoOfficeAction::ResetPassword => {
                let to = address_on_record(c, AccountId(account)).await?.ok_or_else(|| StoreError::conflict("该账号没有登记邮箱", "The account has no address on record"))?;
                let a = by_id(c, AccountId(account)).await?.ok_or(StoreError::NotFound)?;
                let expires_ms = record_code(c, scope, AccountId(account), code_hash, Some(&to)).await?;
                out = Decided::CodeFor { to, username: a.username, display_name: a.display_name, expires_ms };
            }
            TwoOfficeAction::Disable | TwoOfficeAction::Enable => {
                let disabled = action == TwoOfficeAction::Disable;
                c.execute(Sql::new("UPDATE accounts SET disabled = $1 WHERE id = $2").bind(disabled).bind(account)).await?;
                if disabled {
                    crate::api_token::end_access(c, AccountId(account), now_ms()).await?;
                }
            }
            TwoOfficeAction::EndGrant => {
                c.execute(Sql::new("UPDATE role_grants SET end_date = $1 WHERE id = $2 AND end_date IS NULL").bind(today).bind(grant)).await?;
            }
        }
    }
    audit::append(
        c,
        scope,
        &format!("account_request.{state}"),
        "account",
        account,
        None,
        Some(serde_json::json!({"request": request.0, "action": action.code(), "grant": grant}).to_string()),
    )
    .await?;
    Ok(out)
}

/// Grants made directly by the loader of demo data or by `pacesetter init` (no one to ask).
pub async fn grant_by_system(c: &mut Conn, scope: &Scope, account: AccountId, role: Role, org: Option<i64>, start: Date) -> Result<(), StoreError> {
    c.execute(
        Sql::new("INSERT INTO role_grants (account_id, role, org_id, start_date, created_ms) VALUES ($1, $2, $3, $4, $5)")
            .bind(account)
            .bind(role.code())
            .bind(org)
            .bind(start)
            .bind(now_ms()),
    )
    .await?;
    audit::append(c, scope, "grant.create", "account", account, None, Some(serde_json::json!({"role": role.code(), "org": org}).to_string())).await?;
    Ok(())
}

/// A secretary hands part of their rights to a member of their organization, until a date
/// (delegation). The grant names both; the level above sees it on the organization's page.
pub async fn delegate(c: &mut Conn, scope: &Scope, account: AccountId, org: i64, end: Date, today: Date) -> Result<GrantId, StoreError> {
    let node = tree::get(c, Tree::Org, org).await?.ok_or(StoreError::NotFound)?;
    if scope.org_access(&node.path).is_none() {
        return Err(StoreError::NotFound);
    }
    // A secretary of this organization or of one above it: a secretaryship elsewhere does not
    // make someone a delegator here, whatever else they reach.
    let holds_secretary = c
        .fetch_i64(
            Sql::new(
                "SELECT COUNT(*) FROM role_grants g JOIN orgs o ON o.id = g.org_id WHERE g.account_id = $1 AND g.role IN ('org_secretary', 'branch_secretary') \
                 AND g.start_date <= $2 AND (g.end_date IS NULL OR g.end_date >= $2) AND $3 LIKE o.path || '%'",
            )
            .bind(scope.account)
            .bind(today)
            .bind(node.path.as_str()),
        )
        .await?
        > 0;
    if scope.org_access(&node.path) != Some(pacesetter_domain::scope::Access::Write) || !(holds_secretary || scope.has_any(&[Role::Office, Role::Admin])) {
        return Err(StoreError::forbidden("只有书记可以在本组织内委托权限", "Only a secretary delegates rights within their organization"));
    }
    if end < today || end > today.saturating_add(time::Duration::days(366)) {
        return Err(StoreError::invalid("end_date", "委托须有截止日期，且不超过一年", "A delegation needs an end date within a year"));
    }
    let target = by_id(c, account).await?.ok_or_else(|| StoreError::invalid("account", "没有该账号", "No such account"))?;
    if target.id == scope.account.0 {
        return Err(StoreError::invalid("account", "不能委托给自己", "You cannot delegate to yourself"));
    }
    let Some(person) = target.person_id else {
        return Err(StoreError::invalid("account", "该账号没有对应的人员", "The account belongs to no person"));
    };
    let member = c
        .fetch_i64(
            Sql::new("SELECT COUNT(*) FROM org_memberships m JOIN orgs o ON o.id = m.org_id WHERE m.person_id = $1 AND m.end_date IS NULL AND o.path LIKE $2")
                .bind(person)
                .bind(format!("{}%", node.path)),
        )
        .await?;
    if member == 0 {
        return Err(StoreError::invalid("account", "只能委托给本组织的党员", "Only a member of the organization can be delegated to"));
    }
    let id = c
        .fetch_i64(
            Sql::new("INSERT INTO role_grants (account_id, role, org_id, start_date, end_date, granted_by, created_ms) VALUES ($1, 'delegate', $2, $3, $4, $5, $6) RETURNING id")
                .bind(account)
                .bind(org)
                .bind(today)
                .bind(end)
                .bind(nonzero(scope.account))
                .bind(now_ms()),
        )
        .await
        .map_err(|e| StoreError::on_duplicate(e, "已有同样的委托", "The same delegation already exists"))?;
    audit::append(
        c,
        scope,
        "grant.delegate",
        "account",
        account,
        None,
        Some(serde_json::json!({"grant": id, "role": "delegate", "org": org, "until": pacesetter_domain::dates::iso(end)}).to_string()),
    )
    .await?;
    Ok(GrantId(id))
}

/// Ends a delegation early. The one who delegated, or anyone with write access above it.
pub async fn end_delegation(c: &mut Conn, scope: &Scope, grant: GrantId, today: Date) -> Result<(), StoreError> {
    let row: Option<(i64, String, Option<i64>, Option<Date>)> =
        c.fetch_optional(Sql::new("SELECT account_id, role, org_id, end_date FROM role_grants WHERE id = $1").bind(grant)).await?;
    let Some((account, role, Some(org), end)) = row else { return Err(StoreError::NotFound) };
    if role != "delegate" {
        return Err(StoreError::NotFound);
    }
    let node = tree::get(c, Tree::Org, org).await?.ok_or(StoreError::NotFound)?;
    match scope.org_access(&node.path) {
        None => return Err(StoreError::NotFound),
        Some(pacesetter_domain::scope::Access::Read) => return Err(StoreError::forbidden("无权收回该委托", "You may not end this delegation")),
        _ => {}
    }
    if end.is_some_and(|e| e < today) {
        return Err(StoreError::conflict("该委托已结束", "This delegation has already ended"));
    }
    let yesterday = today.previous_day().unwrap_or(today);
    // Only a delegation still in force ends: another ending it meanwhile (PostgreSQL's
    // read-committed writers) is told so, and the audit log holds one end.
    let n = c
        .execute(
            Sql::new("UPDATE role_grants SET end_date = $1 WHERE id = $2 AND role = 'delegate' AND (end_date IS NULL OR end_date >= $3)").bind(yesterday).bind(grant).bind(today),
        )
        .await?;
    StoreError::unless_changed(n, "该委托已结束", "This delegation has already ended")?;
    audit::append(c, scope, "grant.delegate_end", "account", account, Some(serde_json::json!({"grant": grant.0, "org": org}).to_string()), None).await?;
    Ok(())
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct DelegationRow {
    pub id: i64,
    pub account_id: i64,
    pub username: String,
    pub display_name: String,
    pub org_id: i64,
    pub org_name: String,
    pub start_date: Date,
    pub end_date: Option<Date>,
    pub granted_by: Option<String>,
}

/// Delegations in force within a subtree (for the organization's page and the level above).
pub async fn delegations_within(c: &mut Conn, path: &str, today: Date) -> Result<Vec<DelegationRow>, StoreError> {
    Ok(c.fetch_all(
        Sql::new(
            "SELECT g.id, g.account_id, a.username, a.display_name, o.id AS org_id, o.name AS org_name, g.start_date, g.end_date, gb.username AS granted_by \
             FROM role_grants g JOIN accounts a ON a.id = g.account_id JOIN orgs o ON o.id = g.org_id LEFT JOIN accounts gb ON gb.id = g.granted_by \
             WHERE g.role = 'delegate' AND o.path LIKE $1 AND (g.end_date IS NULL OR g.end_date >= $2) ORDER BY g.id",
        )
        .bind(format!("{path}%"))
        .bind(today),
    )
    .await?)
}

/// The account of a person, if they have one.
pub async fn by_person(c: &mut Conn, person: PersonId) -> Result<Option<AccountRow>, StoreError> {
    Ok(c.fetch_optional(Sql::new(format!("SELECT {COLUMNS} FROM accounts WHERE person_id = $1")).bind(person)).await?)
}

/// Accounts of people who are current members of an organization's subtree (whom a secretary
/// may delegate to).
pub async fn member_accounts(c: &mut Conn, path: &str) -> Result<Vec<(i64, String, String)>, StoreError> {
    Ok(c.fetch_all(
        Sql::new(
            "SELECT DISTINCT a.id, a.username, a.display_name FROM accounts a JOIN org_memberships m ON m.person_id = a.person_id JOIN orgs o ON o.id = m.org_id \
             WHERE m.end_date IS NULL AND o.path LIKE $1 AND a.disabled = FALSE ORDER BY a.id",
        )
        .bind(format!("{path}%")),
    )
    .await?)
}

/// How long a one-time code (an activation or a reset) stays valid.
pub const CODE_VALID_MS: i64 = 14 * 24 * 3600 * 1000;

/// Records a new one-time code for an account (its hash), revoking the unused ones before it;
/// returns when it expires.
pub async fn record_code(c: &mut Conn, scope: &Scope, account: AccountId, code_hash: &str, sent_to: Option<&str>) -> Result<i64, StoreError> {
    let now = now_ms();
    c.execute(Sql::new("UPDATE activation_codes SET revoked_ms = $1 WHERE account_id = $2 AND used_ms IS NULL AND revoked_ms IS NULL").bind(now).bind(account)).await?;
    c.execute(
        Sql::new("INSERT INTO activation_codes (account_id, code_hash, created_by, created_ms, expires_ms, sent_to) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(account)
            .bind(code_hash)
            .bind(scope.actor.as_str())
            .bind(now)
            .bind(now + CODE_VALID_MS)
            .bind(sent_to),
    )
    .await?;
    Ok(now + CODE_VALID_MS)
}

/// SQL for the name a history shows for the account whose user name is in `col` (who handed in,
/// reviewed or reported): its display name, or the text itself where no account has it (a
/// command, the demo loader).
pub fn shown_name(col: &str) -> String {
    format!("COALESCE((SELECT na.display_name FROM accounts na WHERE na.username = {col}), {col})")
}
