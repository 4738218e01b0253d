//! One error type for pages and the API. A handler returns it; the context middleware renders
//! it in the caller's language, as JSON under /api and as a page elsewhere. Internal errors are
//! logged and shown as a generic message: user input never causes a 5xx.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pacesetter_domain::Text;
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::StoreError;

#[derive(Clone, Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: Text,
    pub fields: Option<FieldErrors>,
    pub retry_after: Option<u64>,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> AppError {
        AppError { status, code, message: Text::new(zh, en), fields: None, retry_after: None }
    }

    pub fn not_found() -> AppError {
        AppError::new(StatusCode::NOT_FOUND, "not_found", "未找到该页面或记录，或您无权查看", "Not found, or not yours to see")
    }

    pub fn forbidden() -> AppError {
        AppError::new(StatusCode::FORBIDDEN, "forbidden", "您没有权限进行此操作", "You do not have permission to do this")
    }

    pub fn unauthorized() -> AppError {
        AppError::new(StatusCode::UNAUTHORIZED, "login_required", "请先登录", "Please log in first")
    }

    pub fn bad_request(zh: impl Into<String>, en: impl Into<String>) -> AppError {
        AppError::new(StatusCode::BAD_REQUEST, "bad_request", zh, en)
    }

    pub fn invalid(errs: FieldErrors) -> AppError {
        let zh = format!("提交的内容有误：{}", errs.summary(pacesetter_domain::Lang::Zh));
        let en = format!("Please correct the input: {}", errs.summary(pacesetter_domain::Lang::En));
        AppError { status: StatusCode::UNPROCESSABLE_ENTITY, code: "invalid", message: Text::new(zh, en), fields: Some(errs), retry_after: None }
    }

    /// One field's error (422).
    pub fn invalid_field(field: &str, zh: &str, en: &str) -> AppError {
        let mut e = FieldErrors::new();
        e.add(field, zh, en);
        AppError::invalid(e)
    }

    pub fn internal() -> AppError {
        AppError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "服务器内部错误，请稍后再试；已记录", "Internal error; it has been logged, please try again later")
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound => AppError::not_found(),
            StoreError::Forbidden(t) => AppError { status: StatusCode::FORBIDDEN, code: "forbidden", message: t, fields: None, retry_after: None },
            StoreError::Conflict(t) => AppError { status: StatusCode::CONFLICT, code: "conflict", message: t, fields: None, retry_after: None },
            StoreError::Invalid(errs) => AppError::invalid(errs),
            other => {
                tracing::error!("internal error: {other}");
                AppError::internal()
            }
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(e: FieldErrors) -> AppError {
        AppError::invalid(e)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut r = self.status.into_response();
        r.extensions_mut().insert(self);
        r
    }
}

pub type AppResult<T> = Result<T, AppError>;
