//! A person's tokens for API clients (see [`pacesetter_domain::api_token`]): making one (shown
//! once), listing them, revoking one, and revoking the one a client logs out with.

use crate::auth::{self, Caller};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::http::StatusCode;
use pacesetter_domain::Lang;
use pacesetter_domain::api_token::{self as rules, PREFIX};
use pacesetter_domain::dates::{format_datetime_ms, now_ms};
use pacesetter_store::StoreError;
use pacesetter_store::api_token::{self, TokenRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A request for a new token.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct NewTokenRequest {
    /// Which client will hold it (1 to 40 characters), such as "门户网站".
    pub name: String,
    /// "read" (GET only) or "write"; the administrator, the campaign office and the auditor may only make read tokens.
    pub access: String,
    /// Days until it lapses, 1 to 365.
    pub days: i64,
}

/// A token as its person sees it (never the token itself, but at its making).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TokenDto {
    pub id: i64,
    pub name: String,
    /// The token's last four characters.
    pub hint: String,
    pub access: String,
    pub access_label: String,
    pub created: String,
    pub expires: String,
    pub last_used: Option<String>,
    pub revoked: Option<String>,
    /// In force now (neither revoked nor lapsed).
    pub active: bool,
}

impl TokenDto {
    pub fn new(t: &TokenRow, now: i64, lang: Lang) -> TokenDto {
        let at = |ms: i64| format_datetime_ms(ms, lang);
        TokenDto {
            id: t.id,
            name: t.name.clone(),
            hint: t.hint.clone(),
            access: t.access.clone(),
            access_label: t.access().label().get(lang).to_string(),
            created: at(t.created_ms),
            expires: at(t.expires_ms),
            last_used: t.last_used_ms.map(at),
            revoked: t.revoked_ms.map(at),
            active: t.active(now),
        }
    }
}

/// A token just made: the only time the token itself is shown, in OAuth's shape (RFC 6749 §5.1).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct IssuedToken {
    pub access_token: String,
    /// Always "Bearer": send it as `Authorization: Bearer <access_token>`.
    pub token_type: String,
    /// Seconds until it lapses.
    pub expires_in: i64,
    /// "read" or "write".
    pub scope: String,
    pub token: TokenDto,
}

/// A token makes no token: a client cannot extend its own life or widen its access.
fn from_a_session(caller: &Caller) -> AppResult<()> {
    if caller.api_token.is_some() {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "令牌不能用来创建或撤销其他令牌，请登录网页操作",
            "A token cannot make or revoke tokens: log in to the site to do so",
        ));
    }
    Ok(())
}

/// Makes a token for the caller's own account; the token is in the answer and nowhere else.
pub async fn create(state: &AppState, caller: &Caller, req: &NewTokenRequest, lang: Lang) -> AppResult<IssuedToken> {
    from_a_session(caller)?;
    let now = now_ms();
    let mut w = state.store.write().await?;
    let active = api_token::count_active(&mut w, caller.id(), now).await?;
    let checked = rules::check(&req.name, &req.access, req.days, &caller.scope, active).map_err(AppError::invalid)?;
    let token = format!("{PREFIX}{}", auth::random_token(32));
    let hint = token[token.len() - 4..].to_string();
    let row = api_token::create(&mut w, &caller.scope, &checked, &auth::token_hash(&token), &hint, now).await?;
    w.commit().await.map_err(StoreError::from)?;
    tracing::info!(account = caller.account.username, token = row.id, access = row.access, "API token made");
    Ok(IssuedToken {
        access_token: token,
        token_type: "Bearer".into(),
        expires_in: (row.expires_ms - now) / 1000,
        scope: row.access.clone(),
        token: TokenDto::new(&row, now, lang),
    })
}

/// The caller's own tokens, in force first.
pub async fn list(state: &AppState, caller: &Caller, lang: Lang) -> AppResult<Vec<TokenDto>> {
    let now = now_ms();
    let mut c = state.store.read().await?;
    Ok(api_token::list(&mut c, caller.id()).await?.iter().map(|t| TokenDto::new(t, now, lang)).collect())
}

/// Revokes one of the caller's own tokens (404 for anyone else's).
pub async fn revoke(state: &AppState, caller: &Caller, id: i64) -> AppResult<()> {
    from_a_session(caller)?;
    let mut w = state.store.write().await?;
    api_token::revoke(&mut w, &caller.scope, id, now_ms()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// A client logging out with its token revokes it (RFC 7009's revocation, by the holder).
pub async fn revoke_own(state: &AppState, caller: &Caller) -> AppResult<()> {
    let Some(t) = caller.api_token else { return Ok(()) };
    let mut w = state.store.write().await?;
    api_token::revoke(&mut w, &caller.scope, t.id, now_ms()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}
