//! The request context and the middleware that builds it: who calls (session), in which
//! language, from which address; the CSRF defence for every unsafe method; the per-route
//! access guard; the rendering of errors; the security headers.

use crate::auth::{self, Caller, LANG_COOKIE, PRE_SESSION_COOKIE, SESSION_COOKIE};
use crate::error::AppError;
use crate::routes::Access;
use crate::state::AppState;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header::{self, HeaderValue};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use pacesetter_domain::Lang;
use pacesetter_domain::role::Role;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

/// Everything a handler needs to know about the request besides its own input.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub lang: Lang,
    pub caller: Option<Arc<Caller>>,
    pub ip: IpAddr,
    /// The path and query, for links back here.
    pub path: String,
    /// The token every form must carry.
    pub csrf: String,
    /// Opened in WeChat's in-app browser, which cannot download files.
    pub wechat: bool,
    pub user_agent: String,
    pub session_token: Option<String>,
}

impl Ctx {
    pub fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.lang.t(zh, en)
    }

    /// The caller, or 401 (the route guard has already sent anonymous visitors to log in).
    pub fn me(&self) -> Result<&Caller, AppError> {
        self.caller.as_deref().ok_or_else(AppError::unauthorized)
    }

    pub fn has(&self, role: Role) -> bool {
        self.caller.as_ref().is_some_and(|c| c.scope.has(role))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Ctx>().cloned().ok_or_else(AppError::internal)
    }
}

fn client_ip(req: &Request, state: &AppState) -> IpAddr {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()).unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    if !state.site.trusted_proxies.contains(&peer) {
        return peer;
    }
    // Walk X-Forwarded-For from the right, skipping our own proxies.
    let xff = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()).unwrap_or("");
    xff.rsplit(',').filter_map(|s| s.trim().parse::<IpAddr>().ok()).find(|ip| !state.site.trusted_proxies.contains(ip)).unwrap_or(peer)
}

fn header_str(req: &Request, name: header::HeaderName) -> &str {
    req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Builds the [`Ctx`], checks CSRF on unsafe methods, runs the handler, and renders errors.
pub async fn context(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let day = state.demo_clock.get();
    crate::clock::within(day, context_within(state, req, next)).await
}

async fn context_within(state: AppState, req: Request, next: Next) -> Response {
    let cookies = header_str(&req, header::COOKIE).to_string();
    let path = req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
    let api = is_api_path(req.uri().path());
    let user_agent = header_str(&req, header::USER_AGENT).to_string();
    let ip = client_ip(&req, &state);

    // Static files need no session: spare the database a lookup per asset.
    let is_static = req.uri().path().starts_with("/static/");
    // An API client brings a token instead of a cookie (RFC 6750); the cookie is then ignored,
    // and so is a token on a page, which is for browsers.
    let bearer = if api { bearer_token(&req) } else { None };
    let session_token = auth::read_cookie(&cookies, SESSION_COOKIE).filter(|t| t.len() == 64 && !is_static && bearer.is_none()).map(str::to_string);
    let found = match (&bearer, &session_token) {
        (Some(t), _) => auth::caller_from_api_token(&state, t).await,
        (None, Some(t)) => auth::caller_from_token(&state, t).await,
        (None, None) => Ok(None),
    };
    let caller = match found {
        Ok(c) => c.map(Arc::new),
        Err(e) => return e.into_response(),
    };
    let lang = match &caller {
        Some(c) => c.account.lang(),
        None => auth::read_cookie(&cookies, LANG_COOKIE).and_then(Lang::parse).unwrap_or_else(|| Lang::from_accept_language(header_str(&req, header::ACCEPT_LANGUAGE))),
    };
    let pre = auth::read_cookie(&cookies, PRE_SESSION_COOKIE).filter(|t| t.len() == 64).map(str::to_string);
    let (csrf, set_pre) = match (&caller, &pre) {
        (Some(c), _) => (c.csrf.clone(), None),
        (None, Some(p)) => (p.clone(), None),
        (None, None) => {
            let t = auth::random_token(32);
            (t.clone(), Some(t))
        }
    };
    let ctx = Ctx { lang, caller, ip, path: path.clone(), csrf, wechat: user_agent.contains("MicroMessenger"), user_agent, session_token };

    if bearer.is_some() {
        // A read token may still log out, which revokes it.
        let safe = is_safe(req.method()) || req.uri().path() == "/api/v1/auth/logout";
        let refusal = match &ctx.caller {
            None => Some((
                "invalid_token",
                AppError::new(StatusCode::UNAUTHORIZED, "invalid_token", "访问令牌无效、已过期或已被撤销", "The access token is invalid, expired or revoked"),
            )),
            Some(c) if !c.api_token.is_some_and(|t| t.access.allows(safe)) => Some((
                "insufficient_scope",
                AppError::new(StatusCode::FORBIDDEN, "insufficient_scope", "此令牌为只读令牌，不能提交修改", "This token is read only: it cannot make changes"),
            )),
            Some(_) => None,
        };
        if let Some((code, e)) = refusal {
            let mut resp = render(&ctx, api, e);
            if let Ok(v) = HeaderValue::from_str(&format!("Bearer realm=\"pacesetter\", error=\"{code}\"")) {
                resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
            }
            return resp;
        }
        // A token is never sent by a browser on its own: no cross-site check is needed.
        let mut req = req;
        req.extensions_mut().insert(ctx.clone());
        return finish(&state, &ctx, api, None, next.run(req).await).await;
    }
    let mut req = req;
    // A provider's single logout comes from its server, without Origin or token: its handler
    // verifies it instead (a ticket only the provider saw, or a signed logout token).
    let back_channel = *req.method() == Method::POST && crate::pages::sign_on::BACK_CHANNEL.contains(&req.uri().path());
    if !is_safe(req.method()) && !back_channel {
        match check_csrf(&state, &ctx, req).await {
            Ok(r) => req = r,
            Err(e) => return render(&ctx, api, e),
        }
    }
    req.extensions_mut().insert(ctx.clone());
    let resp = next.run(req).await;
    finish(&state, &ctx, api, set_pre, resp).await
}

/// A method that changes nothing (no cross-site check; allowed to a read token).
fn is_safe(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The token of an `Authorization: Bearer …` header (any other scheme is not ours: ignored).
fn bearer_token(req: &Request) -> Option<String> {
    let v = header_str(req, header::AUTHORIZATION).trim();
    let (scheme, rest) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim().to_string())
}

/// The handler's response with the pre-session cookie, and errors rendered in the caller's
/// language and shape.
async fn finish(state: &AppState, ctx: &Ctx, api: bool, set_pre: Option<String>, resp: Response) -> Response {
    let mut resp = resp;
    if let Some(p) = set_pre {
        if let Ok(v) = HeaderValue::from_str(&auth::cookie(state, PRE_SESSION_COOKIE, &p, None)) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    if let Some(err) = resp.extensions().get::<AppError>().cloned() {
        let mut out = render(ctx, api, err);
        for v in resp.headers().get_all(header::SET_COOKIE) {
            out.headers_mut().append(header::SET_COOKIE, v.clone());
        }
        return out;
    }
    // Rejections from axum's own extractors (a malformed body, an unknown route) arrive as
    // plain text in English: give them the same shape and language as our errors.
    let status = resp.status();
    if (status.is_client_error() || status.is_server_error()) && !resp.headers().contains_key(header::CONTENT_TYPE) || is_plain_rejection(&resp) {
        let detail = String::from_utf8_lossy(&to_bytes(std::mem::take(resp.body_mut()), 4096).await.unwrap_or_default()).to_string();
        return render(ctx, api, rejection(status, &detail));
    }
    resp
}

fn is_plain_rejection(resp: &Response) -> bool {
    let s = resp.status();
    (s.is_client_error() || s.is_server_error()) && resp.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/plain"))
}

fn rejection(status: StatusCode, detail: &str) -> AppError {
    let (code, zh, en) = match status {
        StatusCode::NOT_FOUND => return AppError::not_found(),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "不支持该请求方法", "Method not allowed"),
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "提交的内容过大", "The request is too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "不支持的内容类型，请以JSON提交", "Unsupported content type; send JSON"),
        s if s.is_server_error() => return AppError::internal(),
        _ => ("bad_request", "请求格式不正确", "The request is malformed"),
    };
    let mut e = AppError::new(if status == StatusCode::UNPROCESSABLE_ENTITY { StatusCode::BAD_REQUEST } else { status }, code, zh, en);
    if let Some(t) = explain(detail) {
        e.message = t;
    } else if !detail.is_empty() && status != StatusCode::METHOD_NOT_ALLOWED {
        e.message.zh = format!("{zh}：{detail}");
        e.message.en = format!("{en}: {detail}");
    }
    e
}

/// An extractor's complaint about a query string, a form or a JSON body (serde's English, such
/// as "Failed to deserialize query string: target: invalid digit found in string") said in the
/// user's language: which parameter, and what it should be.
fn explain(detail: &str) -> Option<pacesetter_domain::Text> {
    const KINDS: [(&str, &str, &str); 4] = [
        ("Failed to deserialize query string: ", "查询参数", "query parameter"),
        ("Failed to deserialize form body: ", "表单字段", "form field"),
        ("Failed to deserialize form: ", "表单字段", "form field"),
        ("Failed to deserialize the JSON body into the target type: ", "JSON 字段", "JSON field"),
    ];
    // A path parameter that does not parse ("Invalid URL: Cannot parse `abc` to a `i64`").
    if detail.starts_with("Invalid URL") || detail.starts_with("Wrong number of path arguments") {
        return Some(pacesetter_domain::Text::new("网址不正确：其中的编号应为数字", "The address is not valid: its ids are numbers"));
    }
    let (rest, zh_kind, en_kind) = KINDS.iter().find_map(|(p, zh, en)| detail.strip_prefix(p).map(|r| (r, *zh, *en)))?;
    Some(crate::input::explain(zh_kind, en_kind, rest))
}

fn render(ctx: &Ctx, api: bool, e: AppError) -> Response {
    let mut resp = if api {
        let fields: Vec<serde_json::Value> =
            e.fields.as_ref().map(|f| f.0.iter().map(|x| serde_json::json!({"field": x.field, "message": x.message.get(ctx.lang)})).collect()).unwrap_or_default();
        let mut body = serde_json::json!({"error": {"code": e.code, "message": e.message.get(ctx.lang)}});
        if !fields.is_empty() {
            body["error"]["fields"] = serde_json::Value::Array(fields);
        }
        (e.status, axum::Json(body)).into_response()
    } else {
        crate::pages::error_page(ctx, &e)
    };
    // A 401 names the scheme that would have been heard (RFC 7235): an API client's token.
    if api && e.status == StatusCode::UNAUTHORIZED {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"pacesetter\""));
    }
    if let Some(s) = e.retry_after {
        if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    resp
}

fn csrf_failure() -> AppError {
    AppError::new(StatusCode::FORBIDDEN, "csrf", "请求来源校验失败，请刷新页面后重试", "The request failed the cross-site check; reload the page and try again")
}

/// SameSite=Lax cookies are the first defence; this is the second and third: the Origin (or
/// Referer) must be our public origin, and a form must carry the session's token. JSON bodies
/// need no token, since no other site can send them without a CORS preflight we never grant.
async fn check_csrf(state: &AppState, ctx: &Ctx, req: Request) -> Result<Request, AppError> {
    let origin = header_str(&req, header::ORIGIN);
    let referer = header_str(&req, header::REFERER);
    let ours = &state.site.origin;
    let api = is_api_path(req.uri().path());
    if !origin.is_empty() && origin != "null" {
        if !origin.eq_ignore_ascii_case(ours) {
            return Err(csrf_failure());
        }
    } else if !referer.is_empty() {
        let r = referer.to_ascii_lowercase();
        if r != *ours && !r.starts_with(&format!("{ours}/")) {
            return Err(csrf_failure());
        }
    } else if !api {
        return Err(csrf_failure());
    }
    let content_type = header_str(&req, header::CONTENT_TYPE).to_ascii_lowercase();
    let header_token = header_str(&req, header::HeaderName::from_static("x-csrf-token")).to_string();
    if content_type.starts_with("application/json") {
        return Ok(req);
    }
    if !header_token.is_empty() && auth::same(&header_token, &ctx.csrf) {
        return Ok(req);
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let (parts, body) = req.into_parts();
        let bytes = to_bytes(body, 2 * 1024 * 1024).await.map_err(|_| AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "提交的内容过大", "The form is too large"))?;
        let token =
            serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes).ok().and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v)).unwrap_or_default();
        if !auth::same(&token, &ctx.csrf) {
            return Err(csrf_failure());
        }
        return Ok(Request::from_parts(parts, Body::from(bytes)));
    }
    if content_type.starts_with("multipart/form-data") {
        let q = req.uri().query().unwrap_or("");
        let token = serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok().and_then(|p| p.into_iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v)).unwrap_or_default();
        if auth::same(&token, &ctx.csrf) {
            return Ok(req);
        }
        return Err(csrf_failure());
    }
    Err(if api {
        AppError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "请以 application/json 提交", "Send the request body as application/json")
    } else {
        csrf_failure()
    })
}

/// Paths an account that must change its password may still reach.
const WHILE_CHANGING_PASSWORD: &[&str] = &["/password", "/logout", "/lang", "/api/v1/me", "/api/v1/me/password", "/api/v1/auth/logout"];

/// The per-route guard: the route table's access rule for this route.
pub async fn guard(access: Access, req: Request, next: Next) -> Response {
    let Some(ctx) = req.extensions().get::<Ctx>().cloned() else { return AppError::internal().into_response() };
    let api = is_api_path(req.uri().path());
    if matches!(access, Access::Public | Access::Token) {
        return next.run(req).await;
    }
    let Some(caller) = &ctx.caller else {
        if api {
            return AppError::unauthorized().into_response();
        }
        let next_path = percent_encoding::utf8_percent_encode(&ctx.path, percent_encoding::NON_ALPHANUMERIC).to_string();
        return Redirect::to(&format!("/login?next={next_path}")).into_response();
    };
    if caller.account.must_change_password && !caller.account.is_demo && !WHILE_CHANGING_PASSWORD.contains(&req.uri().path()) {
        if api {
            return AppError::new(StatusCode::FORBIDDEN, "password_change_required", "请先修改初始密码", "Change your initial password first").into_response();
        }
        return Redirect::to("/password").into_response();
    }
    if let Access::Roles(roles) = access {
        if !caller.scope.has_any(roles) {
            return AppError::forbidden().into_response();
        }
    }
    next.run(req).await
}

/// Headers every response carries.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: &'static str, v: &'static str| {
        h.insert(header::HeaderName::from_static(k), HeaderValue::from_static(v));
    };
    // A handler may set a stricter policy (files handed in are sandboxed).
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        set(
            h,
            "content-security-policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
         frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
        );
    }
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "same-origin");
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, "cache-control", if is_static { "public, max-age=3600" } else { "no-store" });
    }
    resp
}

/// Every request gets an id (sent back as `x-request-id`; nginx's `$request_id` when the proxy
/// sends one, so both logs name the same request) and a span with its method and route
/// template; its status and latency are logged when it ends (at info level, a server error at
/// error level), and counted for the metrics. Only the route template is logged, never the path or the query: `/s/{token}`
/// and the calendar feed's address are secrets.
pub async fn trace(State(state): State<AppState>, req: Request, next: Next) -> Response {
    use tracing::Instrument;
    let route = req.extensions().get::<axum::extract::MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_else(|| "(no route)".into());
    let method = req.method().clone();
    let given =
        req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).filter(|v| (8..=64).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    let id: String = match given {
        Some(v) => v.to_string(),
        None => {
            let mut bytes = [0u8; 8];
            let _ = getrandom::fill(&mut bytes);
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        }
    };
    let span = tracing::info_span!("request", id = %id, method = %method, route = %route);
    let started = std::time::Instant::now();
    let mut resp = next.run(req).instrument(span.clone()).await;
    let status = resp.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    state.metrics.request(&route, method.as_str(), status, seconds);
    let latency_ms = seconds * 1000.0;
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(status, latency_ms, "request failed");
        } else {
            tracing::info!(status, latency_ms, "request");
        }
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(header::HeaderName::from_static("x-request-id"), v);
    }
    resp
}

/// A panic in a handler: logged, and answered as a server error (a page or JSON in the caller's
/// language, by [`context`]) instead of a dropped connection.
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = err.downcast_ref::<String>().map(String::as_str).or_else(|| err.downcast_ref::<&str>().copied()).unwrap_or("(no message)");
    tracing::error!("a handler panicked: {what}");
    AppError::internal().into_response()
}

#[cfg(test)]
mod explain_tests {
    use super::explain;

    #[test]
    fn parser_complaints_are_said_in_both_languages() {
        let t = explain("Failed to deserialize query string: target: invalid digit found in string").unwrap();
        assert_eq!((t.zh.as_str(), t.en.as_str()), ("查询参数“target”应为数字", "The query parameter \"target\" must be a number"));
        let t = explain("Failed to deserialize form body: missing field `action`").unwrap();
        assert_eq!(t.zh, "表单字段“action”缺失");
        let t = explain("Failed to deserialize query string: tree: unknown variant `x`, expected `org` or `unit`").unwrap();
        assert_eq!(t.en, "The query parameter \"tree\" is not one of the allowed values");
        assert!(explain("something else").is_none());
    }
}
