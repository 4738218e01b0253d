//! The style sheet and the small script, compiled into the binary.

use crate::error::AppError;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

const CSS: &str = include_str!("../../static/app.css");
const JS: &str = include_str!("../../static/app.js");

pub async fn file(Path(name): Path<String>) -> Response {
    match name.as_str() {
        "app.css" => ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS).into_response(),
        "app.js" => ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], JS).into_response(),
        _ => AppError::not_found().into_response(),
    }
}
