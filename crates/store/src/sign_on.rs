//! Campus sign-on's records: the identities tied to accounts, the OpenID requests between
//! redirect and callback, and the sessions a provider's single logout ends. The rules are
//! [`pacesetter_domain::sign_on`]'s.

use crate::db::{Conn, Sql, like_escape};
use crate::{StoreError, account, audit};
use pacesetter_domain::ids::{AccountId, PersonId};
use pacesetter_domain::role::Role;
use pacesetter_domain::scope::Scope;
use pacesetter_domain::sign_on::{AccountFacts, PasswordPolicy, PersonFacts, Provider};

/// How long an OpenID request waits for its callback.
pub const REQUEST_TTL_MS: i64 = 10 * 60 * 1000;

/// The account an identity is tied to.
pub async fn tied_account(c: &mut Conn, provider: Provider, subject: &str) -> Result<Option<i64>, StoreError> {
    Ok(c.fetch_optional::<(i64,)>(Sql::new("SELECT account_id FROM external_identities WHERE provider = $1 AND subject = $2").bind(provider.code()).bind(subject))
        .await?
        .map(|r| r.0))
}

/// The person with a staff or student number, and their account, as the decision needs them.
pub async fn by_number(c: &mut Conn, provider: Provider, number: &str) -> Result<(Option<PersonFacts>, Option<AccountFacts>), StoreError> {
    let person: Option<(i64, Option<time::Date>)> = c.fetch_optional(Sql::new("SELECT id, left_on FROM people WHERE number = $1").bind(number.trim())).await?;
    let Some((id, left_on)) = person else { return Ok((None, None)) };
    let account: Option<(i64,)> = c.fetch_optional(Sql::new("SELECT id FROM accounts WHERE person_id = $1").bind(id)).await?;
    let facts = match account {
        Some((a,)) => account_facts(c, provider, a).await?,
        None => None,
    };
    Ok((Some(PersonFacts { id, left_on }), facts))
}

/// An account's facts for a sign-on through `provider`, and its person's.
pub async fn account_facts(c: &mut Conn, provider: Provider, id: i64) -> Result<Option<AccountFacts>, StoreError> {
    let row: Option<(bool,)> = c.fetch_optional(Sql::new("SELECT disabled FROM accounts WHERE id = $1").bind(id)).await?;
    let Some((disabled,)) = row else { return Ok(None) };
    let roles = roles_of(c, id).await?;
    let tied: Option<(String,)> =
        c.fetch_optional(Sql::new("SELECT subject FROM external_identities WHERE provider = $1 AND account_id = $2").bind(provider.code()).bind(id)).await?;
    Ok(Some(AccountFacts { id, disabled, roles, tied_to: tied.map(|t| t.0) }))
}

/// The person of an account, as a later sign-on checks them.
pub async fn person_of(c: &mut Conn, account: i64) -> Result<Option<PersonFacts>, StoreError> {
    let row: Option<(i64, Option<time::Date>)> =
        c.fetch_optional(Sql::new("SELECT p.id, p.left_on FROM accounts a JOIN people p ON p.id = a.person_id WHERE a.id = $1").bind(account)).await?;
    Ok(row.map(|(id, left_on)| PersonFacts { id, left_on }))
}

/// Creates an account for a person at their first sign-on: named by their number (or the
/// number and the provider, when a user name so spelt is taken), with no password of its own.
pub async fn create_account(c: &mut Conn, scope: &Scope, provider: Provider, person: i64, number: &str) -> Result<i64, StoreError> {
    let name: (String,) = c.fetch_one(Sql::new("SELECT name FROM people WHERE id = $1").bind(person)).await?;
    let base = number.trim().to_ascii_lowercase();
    let taken = account::by_username(c, &base).await?.is_some();
    let username = if taken { format!("{base}.{}", provider.code()) } else { base };
    // An empty hash matches no password: the account signs in through the provider only,
    // until someone gives it a password.
    let id = account::create(
        c,
        scope,
        &account::NewAccount { username: &username, display_name: &name.0, person: Some(PersonId(person)), password_hash: "", is_demo: false, must_change_password: false },
    )
    .await?;
    Ok(id.0)
}

/// Ties an identity to an account, audited (the subject and the number; nothing else the
/// provider said).
pub async fn tie(c: &mut Conn, scope: &Scope, provider: Provider, subject: &str, account: i64, number: &str, now_ms: i64) -> Result<(), StoreError> {
    c.execute(
        Sql::new("INSERT INTO external_identities (provider, subject, account_id, number, created_ms, last_ms) VALUES ($1, $2, $3, $4, $5, $5)")
            .bind(provider.code())
            .bind(subject)
            .bind(account)
            .bind(number.trim())
            .bind(now_ms),
    )
    .await
    .map_err(|e| StoreError::on_duplicate(e, "该账号已绑定统一身份认证", "The account is already tied to a campus identity"))?;
    let after = serde_json::json!({"provider": provider.code(), "subject": subject, "number": number.trim()}).to_string();
    audit::append(c, scope, "account.sign_on_tie", "account", account, None, Some(after)).await?;
    Ok(())
}

/// Notes a sign-on of a tied identity.
pub async fn touch(c: &mut Conn, provider: Provider, subject: &str, now_ms: i64) -> Result<(), StoreError> {
    c.execute(Sql::new("UPDATE external_identities SET last_ms = $1 WHERE provider = $2 AND subject = $3").bind(now_ms).bind(provider.code()).bind(subject)).await?;
    Ok(())
}

/// An OpenID request between the redirect and the callback.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Request {
    pub nonce: String,
    pub verifier: String,
    pub next: String,
    pub created_ms: i64,
}

pub async fn save_request(c: &mut Conn, state_hash: &str, r: &Request) -> Result<(), StoreError> {
    c.execute(Sql::new("DELETE FROM sign_on_requests WHERE created_ms < $1").bind(r.created_ms - REQUEST_TTL_MS)).await?;
    c.execute(
        Sql::new("INSERT INTO sign_on_requests (state_hash, nonce, verifier, next, created_ms) VALUES ($1, $2, $3, $4, $5)")
            .bind(state_hash)
            .bind(r.nonce.as_str())
            .bind(r.verifier.as_str())
            .bind(r.next.as_str())
            .bind(r.created_ms),
    )
    .await?;
    Ok(())
}

/// Takes (and spends) the request of a state, if it is there and recent: a state answers one
/// callback only.
pub async fn take_request(c: &mut Conn, state_hash: &str, now_ms: i64) -> Result<Option<Request>, StoreError> {
    let r: Option<Request> = c.fetch_optional(Sql::new("SELECT nonce, verifier, next, created_ms FROM sign_on_requests WHERE state_hash = $1").bind(state_hash)).await?;
    let spent = c.execute(Sql::new("DELETE FROM sign_on_requests WHERE state_hash = $1").bind(state_hash)).await?;
    Ok(r.filter(|r| spent == 1 && now_ms - r.created_ms <= REQUEST_TTL_MS))
}

/// Ends the sessions a single logout names exactly (a CAS ticket's hash); how many.
pub async fn end_sessions(c: &mut Conn, sso: &str) -> Result<u64, StoreError> {
    Ok(c.execute(Sql::new("DELETE FROM sessions WHERE sso = $1").bind(sso)).await?)
}

/// The `sso` of a session begun through OpenID: its subject and the provider's session id.
pub fn oidc_sso(subject: &str, sid: Option<&str>) -> String {
    format!("oidc:{subject}#{}", sid.unwrap_or(""))
}

/// Ends the OpenID sessions of a subject, or of a provider's session id, or of both; how many.
pub async fn end_oidc_sessions(c: &mut Conn, subject: Option<&str>, sid: Option<&str>) -> Result<u64, StoreError> {
    let pattern = match (subject, sid) {
        (Some(s), Some(i)) => return end_sessions(c, &oidc_sso(s, Some(i))).await,
        (Some(s), None) => format!("oidc:{}#%", like_escape(s)),
        (None, Some(i)) => format!("oidc:%#{}", like_escape(i)),
        (None, None) => return Ok(0),
    };
    Ok(c.execute(Sql::new("DELETE FROM sessions WHERE sso LIKE $1 ESCAPE '\\'").bind(pattern)).await?)
}

/// The identities tied to an account (for its page).
pub async fn identities_of(c: &mut Conn, account: AccountId) -> Result<Vec<(String, String, i64)>, StoreError> {
    Ok(c.fetch_all(Sql::new("SELECT provider, number, last_ms FROM external_identities WHERE account_id = $1 ORDER BY provider").bind(account)).await?)
}

/// Who may log in with a password (the `meta` table's `password_policy`).
pub async fn password_policy(c: &mut Conn) -> Result<PasswordPolicy, StoreError> {
    let v = c.fetch_opt_string(Sql::new("SELECT value FROM meta WHERE key = 'password_policy'")).await?;
    Ok(v.as_deref().and_then(PasswordPolicy::parse).unwrap_or(PasswordPolicy::Everyone))
}

/// Sets who may log in with a password, audited.
pub async fn set_password_policy(c: &mut Conn, scope: &Scope, p: PasswordPolicy) -> Result<(), StoreError> {
    let before = password_policy(c).await?;
    crate::set_meta(c, "password_policy", p.code()).await?;
    audit::append(c, scope, "site.password_policy", "site", "password_policy", Some(before.code().to_string()), Some(p.code().to_string())).await?;
    Ok(())
}

/// The roles granted to an account (in force or not), for the password policy.
pub async fn roles_of(c: &mut Conn, account: i64) -> Result<Vec<Role>, StoreError> {
    let roles: Vec<(String,)> = c.fetch_all(Sql::new("SELECT role FROM role_grants WHERE account_id = $1").bind(account)).await?;
    Ok(roles.iter().filter_map(|r| Role::parse(&r.0)).collect())
}
