//! Account activation: a one-time code (at least 128 bits) that a secretary hands to the
//! person, or that is mailed to the roster's e-mail address. Only its SHA-256 is stored. The
//! code is the first credential: logging in with it opens a session that must set a password.

use crate::account::{self, AccountRow, NewAccount};
use crate::db::{Conn, Sql};
use crate::{StoreError, audit, people};
use pacesetter_domain::Text;
use pacesetter_domain::dates::now_ms;
use pacesetter_domain::ids::{AccountId, PersonId};
use pacesetter_domain::role::Role;
use pacesetter_domain::scope::{Access, Scope};

/// How long a code stays valid.
pub use crate::account::CODE_VALID_MS as VALID_MS;

#[derive(Clone, Debug)]
pub struct Issued {
    pub account: AccountId,
    pub username: String,
    pub display_name: String,
    pub expires_ms: i64,
    pub email: Option<String>,
}

/// Issues a code for a person in the caller's write scope, creating their account (user name:
/// their staff or student number) when they have none. Earlier unused codes are revoked.
pub async fn issue(c: &mut Conn, scope: &Scope, person: PersonId, code_hash: &str, send_to_email: bool) -> Result<Issued, StoreError> {
    people::require_access(c, scope, person, Access::Write).await?;
    let (p, _) = people::get(c, scope, person).await?;
    if p.left_on.is_some() {
        return Err(StoreError::conflict("此人已离开，不能激活账号", "The person has left; no account can be activated"));
    }
    if send_to_email && p.email.is_none() {
        return Err(StoreError::invalid("email", "此人没有登记电子邮箱", "The person has no e-mail address on record"));
    }
    let existing: Option<i64> = c.fetch_opt_i64(Sql::new("SELECT id FROM accounts WHERE person_id = $1").bind(person)).await?;
    let account = match existing {
        Some(a) => AccountId(a),
        None => {
            let mut username = p.number.to_ascii_lowercase();
            if account::by_username(c, &username).await?.is_some() {
                username = format!("{username}-{}", p.id);
            }
            // No password works until the code is used: "!" is not a hash any password matches.
            account::create(
                c,
                scope,
                &NewAccount { username: &username, display_name: &p.name, person: Some(person), password_hash: "!activation-pending", is_demo: false, must_change_password: true },
            )
            .await?
        }
    };
    let a = account::by_id(c, account).await?.ok_or(StoreError::NotFound)?;
    if a.disabled {
        return Err(StoreError::conflict("该账号已停用", "The account is disabled"));
    }
    if !send_to_email {
        if let Some(why) = code_withheld(c, scope, &a).await? {
            return Err(StoreError::Forbidden(why));
        }
    }
    let sent_to = if send_to_email { p.email.clone() } else { None };
    let expires_ms = account::record_code(c, scope, account, code_hash, sent_to.as_deref()).await?;
    audit::append(c, scope, "account.activation_issued", "account", account, None, Some(serde_json::json!({"person": person.0, "mailed": send_to_email}).to_string())).await?;
    Ok(Issued { account, username: a.username, display_name: a.display_name, expires_ms, email: sent_to })
}

/// Why the caller may not be shown a code for this account (rather than have it mailed to the
/// holder's address on record), or None when they may. A code is a password: once the holder
/// has set their own, a new one goes to the holder only (by mail), except through the
/// administrator; and the accounts of the administrator, the office, the auditor and the leaders
/// are reset only by the two offices together, never shown to whoever asks.
pub async fn code_withheld(c: &mut Conn, scope: &Scope, a: &AccountRow) -> Result<Option<Text>, StoreError> {
    if account::holds_any(c, AccountId(a.id), &[Role::Admin, Role::Office, Role::Auditor, Role::Leader]).await? {
        return Ok(Some(Text::new(
            "系统管理员、创先办、审计员和校领导的账号只能由系统管理员和创先办共同重置，验证码只发送给本人。",
            "The accounts of the administrator, the office, the auditor and university leaders are reset by the two offices together, and the code goes to the holder only",
        )));
    }
    let activated = !a.password_hash.starts_with('!');
    if activated && !scope.has(Role::Admin) {
        return Ok(Some(Text::new(
            "此人已激活账号：重置密码的验证码只能发送到本人登记的邮箱（未登记邮箱的，由系统管理员重置）。",
            "This person's account is active: a reset code can only be mailed to their address on record (without one, the administrator resets it).",
        )));
    }
    Ok(None)
}

/// Uses a code: when it is the account's, unused, unrevoked and unexpired, it is spent and
/// the account must set a password. Returns the account, or None.
pub async fn redeem(c: &mut Conn, username: &str, code_hash: &str) -> Result<Option<AccountRow>, StoreError> {
    let Some(a) = account::by_username(c, username).await? else { return Ok(None) };
    if a.disabled {
        return Ok(None);
    }
    let now = now_ms();
    let n = c
        .execute(
            Sql::new("UPDATE activation_codes SET used_ms = $1 WHERE account_id = $2 AND code_hash = $3 AND used_ms IS NULL AND revoked_ms IS NULL AND expires_ms > $1")
                .bind(now)
                .bind(a.id)
                .bind(code_hash),
        )
        .await?;
    if n == 0 {
        return Ok(None);
    }
    c.execute(Sql::new("UPDATE accounts SET must_change_password = TRUE WHERE id = $1").bind(a.id)).await?;
    let who = Scope::system(&a.username);
    audit::append(c, &who, "account.activated", "account", a.id, None, None).await?;
    account::by_id(c, AccountId(a.id)).await
}

/// Whether an account has a code it could still use (for the person's page).
pub async fn pending(c: &mut Conn, account: AccountId) -> Result<Option<i64>, StoreError> {
    Ok(c.fetch_opt_i64(
        Sql::new("SELECT expires_ms FROM activation_codes WHERE account_id = $1 AND used_ms IS NULL AND revoked_ms IS NULL AND expires_ms > $2 ORDER BY expires_ms DESC LIMIT 1")
            .bind(account)
            .bind(now_ms()),
    )
    .await?)
}
