//! Passwords, session tokens, cookies and the login procedure shared by the page and the API.

use crate::error::AppError;
use crate::state::AppState;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use axum::http::StatusCode;
use pacesetter_domain::audit::{hex, sha256_hex};
use pacesetter_domain::dates::{now_ms, today};
use pacesetter_domain::ids::AccountId;
use pacesetter_domain::scope::Scope;
use pacesetter_domain::throttle::ThrottleKind;
use pacesetter_store::account::AccountRow;
use pacesetter_store::{account, scope, session, throttle};
use std::net::IpAddr;

pub const SESSION_COOKIE: &str = "ps_session";
pub const PRE_SESSION_COOKIE: &str = "ps_pre";
pub const LANG_COOKIE: &str = "ps_lang";
/// A session ends after this long without a request.
pub const IDLE_MS: i64 = 12 * 60 * 60 * 1000;
/// A session is extended at most this often, to spare writes.
pub const TOUCH_EVERY_MS: i64 = 5 * 60 * 1000;

pub fn hash_password(password: &str) -> String {
    Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).unwrap_or_default()
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
}

/// A random token of `bytes` bytes from the operating system, in hex.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    if getrandom::fill(&mut buf).is_err() {
        // Without the OS generator no secret can be made; refuse rather than fall back.
        panic!("the operating system's random number generator is unavailable");
    }
    hex(&buf)
}

/// A readable random password (for the demo accounts when none is given).
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut buf = [0u8; 14];
    let _ = getrandom::fill(&mut buf);
    buf.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect()
}

/// A one-time activation code: 130 random bits as 26 Crockford base-32 characters in groups
/// of four, and the hash that is stored.
pub fn activation_code() -> (String, String) {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut bytes = [0u8; 17];
    if getrandom::fill(&mut bytes).is_err() {
        panic!("the operating system's random number generator is unavailable");
    }
    // 26 characters of 5 bits each come from the first 130 bits.
    let mut bits: u128 = u128::from_be_bytes(bytes[..16].try_into().unwrap_or([0; 16]));
    let mut extra = bytes[16];
    let mut chars = Vec::with_capacity(26);
    for i in 0..26 {
        let v = if i < 25 {
            let v = (bits >> 123) as u8;
            bits <<= 5;
            v
        } else {
            let v = ((bits >> 125) as u8) << 2 | (extra >> 6);
            extra <<= 2;
            v
        };
        chars.push(ALPHABET[usize::from(v & 31)] as char);
    }
    let plain: String = chars.iter().collect();
    let shown = plain.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).to_string()).collect::<Vec<_>>().join("-");
    (shown, code_hash(&plain))
}

/// The hash of a code as typed: case, dashes and spaces do not matter, nor O for 0 or I, L for 1.
pub fn code_hash(typed: &str) -> String {
    let norm: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\t'))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            x => x,
        })
        .collect();
    sha256_hex(format!("pacesetter-activation:{norm}").as_bytes())
}

pub fn token_hash(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// Equal in time whatever the inputs, so a token cannot be guessed byte by byte.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Who is calling: their account, their scope for today, their session.
#[derive(Clone, Debug)]
pub struct Caller {
    pub account: AccountRow,
    pub scope: Scope,
    pub csrf: String,
    pub token_hash: String,
    /// The API token the request came with, when it came with one instead of a session.
    pub api_token: Option<TokenGrant>,
}

/// What an API token grants: its id and whether it may write.
#[derive(Clone, Copy, Debug)]
pub struct TokenGrant {
    pub id: i64,
    pub access: pacesetter_domain::api_token::Access,
}

impl Caller {
    pub fn id(&self) -> AccountId {
        AccountId(self.account.id)
    }
}

/// Loads the caller of a session token, extending the session now and then.
pub async fn caller_from_token(state: &AppState, token: &str) -> Result<Option<Caller>, AppError> {
    let hash = token_hash(token);
    let now = now_ms();
    let mut c = state.store.read().await?;
    let Some(s) = session::get(&mut c, &hash, now).await? else { return Ok(None) };
    let Some(account) = account::by_id(&mut c, AccountId(s.account_id)).await? else { return Ok(None) };
    if account.disabled {
        return Ok(None);
    }
    let Some(scope) = scope::load(&mut c, AccountId(account.id), today()).await? else { return Ok(None) };
    drop(c);
    if now - s.seen_ms > TOUCH_EVERY_MS {
        let mut w = state.store.write().await?;
        session::touch(&mut w, &hash, now, now + IDLE_MS).await?;
        w.commit().await.map_err(pacesetter_store::StoreError::from)?;
    }
    Ok(Some(Caller { account, scope, csrf: s.csrf, token_hash: hash, api_token: None }))
}

/// Loads the caller of an API token (`Authorization: Bearer pst_…`): its person with their
/// scope for today, as a session would, noting the token's use now and then. None when the token
/// is malformed, unknown, revoked, lapsed, or its account is disabled.
pub async fn caller_from_api_token(state: &AppState, token: &str) -> Result<Option<Caller>, AppError> {
    use pacesetter_domain::api_token;
    if !api_token::well_formed(token) {
        return Ok(None);
    }
    let hash = token_hash(token);
    let now = now_ms();
    let mut c = state.store.read().await?;
    let Some(t) = pacesetter_store::api_token::by_hash(&mut c, &hash, now).await? else { return Ok(None) };
    let Some(account) = account::by_id(&mut c, AccountId(t.account_id)).await? else { return Ok(None) };
    if account.disabled {
        return Ok(None);
    }
    let Some(scope) = scope::load(&mut c, AccountId(account.id), today()).await? else { return Ok(None) };
    drop(c);
    if now - t.last_used_ms.unwrap_or(0) > api_token::TOUCH_EVERY_MS {
        // Noting the use is a courtesy to its person: a failure fails no request.
        if let Err(e) = touch_token(state, t.id, now).await {
            tracing::warn!(token = t.id, "noting an API token's use: {e}");
        }
    }
    // The guarded roles read only, whatever the token was made with (a role given since).
    let access = api_token::in_force(t.access(), &scope);
    // No form is ever sent with a token: its CSRF value is a random one nobody knows.
    Ok(Some(Caller { account, scope, csrf: random_token(32), token_hash: hash, api_token: Some(TokenGrant { id: t.id, access }) }))
}

async fn touch_token(state: &AppState, id: i64, now: i64) -> Result<(), pacesetter_store::StoreError> {
    let mut w = state.store.write().await?;
    pacesetter_store::api_token::touch(&mut w, id, now).await?;
    w.commit().await?;
    Ok(())
}

/// A cookie header value.
pub fn cookie(state: &AppState, name: &str, value: &str, max_age: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(a) = max_age {
        c.push_str(&format!("; Max-Age={a}"));
    }
    if state.site.secure {
        c.push_str("; Secure");
    }
    c
}

/// Reads a cookie from a Cookie header.
pub fn read_cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').map(str::trim).find_map(|kv| kv.strip_prefix(name).and_then(|r| r.strip_prefix('=')))
}

/// The outcome of a successful login.
pub struct LoggedIn {
    pub token: String,
    pub account: AccountRow,
    pub must_change_password: bool,
}

fn throttle_keys(username: &str, ip: IpAddr) -> Vec<(String, ThrottleKind)> {
    vec![(format!("ip:{ip}"), ThrottleKind::Address), (format!("pair:{}|{ip}", username.trim().to_ascii_lowercase()), ThrottleKind::AccountAtAddress)]
}

/// Checks a user name and password, with throttling of failed attempts, and opens a new
/// session (a new id every time, so no session id survives from before the login).
pub async fn login(state: &AppState, username: &str, password: &str, ip: IpAddr, user_agent: &str, old_token: Option<&str>) -> Result<LoggedIn, AppError> {
    let keys = throttle_keys(username, ip);
    let now = now_ms();
    {
        let mut c = state.store.read().await?;
        let wait = throttle::wait_ms(&mut c, &keys, now).await?;
        if wait > 0 {
            let secs = (wait + 999) / 1000;
            let mut e = AppError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                format!("登录失败次数过多，请{secs}秒后再试"),
                format!("Too many failed attempts; try again in {secs} s"),
            );
            e.retry_after = Some(secs as u64);
            return Err(e);
        }
    }
    let found = {
        let mut c = state.store.read().await?;
        account::by_username(&mut c, username).await?
    };
    // Verify against a fixed hash when there is no such account, so timing tells nothing.
    let ok = match &found {
        Some(a) if !a.disabled => verify_password(password, &a.password_hash),
        _ => {
            let _ = verify_password(password, DUMMY_HASH);
            false
        }
    };
    let mut w = state.store.write().await?;
    // Not the password: perhaps a one-time activation code, which then must be replaced.
    let found = match (&found, ok) {
        (Some(a), false) if password.len() >= 26 && !a.disabled => pacesetter_store::activation::redeem(&mut w, &a.username, &code_hash(password)).await?,
        (_, true) => found,
        _ => None,
    };
    let Some(account) = found else {
        throttle::record_failure(&mut w, &keys, now).await?;
        w.commit().await.map_err(pacesetter_store::StoreError::from)?;
        return Err(AppError::new(StatusCode::UNAUTHORIZED, "bad_credentials", "用户名或密码错误", "Wrong user name or password"));
    };
    throttle::clear(&mut w, &keys[1].0).await?;
    // Once the office keeps passwords for the administrator and the auditor only, everyone
    // else signs on through the campus provider (said only after the password was right, so
    // it tells a stranger nothing).
    // Without a provider the policy cannot be set: no query for it then.
    let restricted = state.site.sign_on.is_some() && {
        let policy = pacesetter_store::sign_on::password_policy(&mut w).await?;
        !policy.allows(&pacesetter_store::sign_on::roles_of(&mut w, account.id).await?)
    };
    if restricted {
        w.commit().await.map_err(pacesetter_store::StoreError::from)?;
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "use_sign_on",
            "本平台已改用学校统一身份认证登录，请点击“统一身份认证登录”",
            "This platform now signs people in through the campus identity: use “Sign in with the campus identity”",
        ));
    }
    let token = start_session(&mut w, AccountId(account.id), ip, user_agent, old_token, None, now).await?;
    w.commit().await.map_err(pacesetter_store::StoreError::from)?;
    tracing::info!(account = account.username, %ip, "login");
    let must_change_password = account.must_change_password && !account.is_demo;
    Ok(LoggedIn { token, account, must_change_password })
}

/// Begins a session for an account in the caller's transaction (a login, or a campus
/// sign-on whose single logout will name `sso`), ending the browser's previous one; the new
/// session's token, for its cookie.
pub async fn start_session(
    w: &mut pacesetter_store::Conn,
    account: AccountId,
    ip: IpAddr,
    user_agent: &str,
    old_token: Option<&str>,
    sso: Option<&str>,
    now: i64,
) -> Result<String, pacesetter_store::StoreError> {
    if let Some(old) = old_token {
        session::delete(w, &token_hash(old)).await?;
    }
    let token = random_token(32);
    let csrf = random_token(32);
    session::create(
        w,
        &session::NewSession { token_hash: &token_hash(&token), account, csrf: &csrf, now_ms: now, expires_ms: now + IDLE_MS, ip: &ip.to_string(), user_agent, sso },
    )
    .await?;
    account::record_login(w, account).await?;
    Ok(token)
}

pub async fn logout(state: &AppState, token: &str) -> Result<(), AppError> {
    let mut w = state.store.write().await?;
    session::delete(&mut w, &token_hash(token)).await?;
    w.commit().await.map_err(pacesetter_store::StoreError::from)?;
    Ok(())
}

/// An argon2 hash of a random password, used only to spend the same time on unknown users.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$MxS0u5Ex2cE8t8Mx7SGXh9KMv7WmBjw7P2o5kCjRk0c";

/// Changes the caller's own password after checking the current one; other sessions end.
pub async fn change_password(state: &AppState, caller: &Caller, current: &str, new: &str) -> Result<(), AppError> {
    let mut errs = pacesetter_domain::validate::FieldErrors::new();
    // Right after an activation the account has no password yet: the session is the proof.
    let activating = caller.account.password_hash.starts_with('!');
    if !activating && !verify_password(current, &caller.account.password_hash) {
        errs.add("current", "当前密码不正确", "The current password is wrong");
    }
    let (number, id_number) = match caller.account.person_id {
        Some(p) => {
            let mut c = state.store.read().await?;
            let r: Option<(String, Option<String>)> =
                c.fetch_optional(pacesetter_store::Sql::new("SELECT number, id_number FROM people WHERE id = $1").bind(p)).await.map_err(pacesetter_store::StoreError::from)?;
            r.map(|(n, i)| (Some(n), i)).unwrap_or((None, None))
        }
        None => (None, None),
    };
    if let Err(t) = pacesetter_domain::validate::new_password_for(new, &caller.account.username, number.as_deref(), id_number.as_deref(), &state.site.password_words) {
        errs.0.push(pacesetter_domain::validate::FieldError { field: "new".into(), message: t });
    } else if current == new {
        errs.add("new", "新密码不能与当前密码相同", "The new password must differ from the current one");
    }
    if !errs.is_empty() {
        return Err(AppError::invalid(errs));
    }
    let hash = hash_password(new);
    let mut w = state.store.write().await?;
    account::set_password(&mut w, &caller.scope, caller.id(), &hash, false).await?;
    // Every other way in ends: the other sessions, and the tokens but the one in use.
    session::delete_others(&mut w, caller.id(), &caller.token_hash).await?;
    pacesetter_store::api_token::revoke_all(&mut w, caller.id(), caller.api_token.map(|t| t.id), now_ms()).await?;
    w.commit().await.map_err(pacesetter_store::StoreError::from)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse battery");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn tokens_are_long_and_distinct() {
        let a = random_token(32);
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_token(32));
        assert!(same(&a, &a.clone()));
        assert!(!same(&a, &random_token(32)));
    }

    #[test]
    fn activation_codes_have_130_bits_and_forgive_typing() {
        let (shown, hash) = activation_code();
        assert_eq!(shown.len(), 26 + 6, "{shown}");
        assert_eq!(code_hash(&shown.to_lowercase().replace('-', " ")), hash);
        assert_ne!(activation_code().1, hash);
        assert_eq!(code_hash("O1L-I"), code_hash("011-1"));
    }

    #[test]
    fn cookies_are_read_by_name() {
        let h = "ps_lang=en; ps_session=abc; x=1";
        assert_eq!(read_cookie(h, "ps_session"), Some("abc"));
        assert_eq!(read_cookie(h, "ps_lang"), Some("en"));
        assert_eq!(read_cookie(h, "ps_pre"), None);
    }
}
