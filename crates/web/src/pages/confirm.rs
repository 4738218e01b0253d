//! The confirmation step before a batch action or one that cannot be undone (UX: say what will
//! happen to how many). A form posted without `confirmed=1` is checked as if it were carried out
//! (so a missing reason comes back on its own form); if it would be accepted, this page says what
//! will happen, lists the records, and posts the same fields again with `confirmed=1`. The JSON
//! API does not ask: a client sends exactly what it means.

use super::{Layout, render};
use crate::ctx::Ctx;
use askama::Template;
use axum::response::Response;

/// The most records the step lists by name; the rest are counted.
const LISTED: usize = 50;

/// What the step shows and posts again.
pub struct Confirm {
    /// The heading sentence: the action and how many it touches ("将退回以下 3 项公开承诺").
    pub what: String,
    /// The records it touches, one line each.
    pub items: Vec<String>,
    /// A line below the list (the reason given, what follows).
    pub note: String,
    /// Where the form posts, and the fields it posts again (without `_csrf` and `confirmed`).
    pub action: String,
    pub fields: Vec<(String, String)>,
    pub button: String,
    /// Where "cancel" goes.
    pub back: String,
    /// Whether the action takes something away (a red button).
    pub danger: bool,
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    l: Layout,
    c: Confirm,
    /// How many records are not listed by name.
    more: usize,
}

/// Whether the form carries the confirmation.
pub fn confirmed(pairs: &[(String, String)]) -> bool {
    pairs.iter().any(|(k, v)| k == "confirmed" && v == "1")
}

/// The fields of a posted form to post again: all but the token and the confirmation.
pub fn again(pairs: &[(String, String)]) -> Vec<(String, String)> {
    pairs.iter().filter(|(k, _)| k != "_csrf" && k != "confirmed").cloned().collect()
}

/// The confirmation page.
pub fn step(ctx: &Ctx, c: Confirm) -> Response {
    let more = c.items.len().saturating_sub(LISTED);
    let mut items = c.items;
    items.truncate(LISTED);
    let title = ctx.t("请确认", "Please confirm").to_string();
    render(&ConfirmPage { l: Layout::new(ctx, &title), c: Confirm { items, ..c }, more })
}

/// A form that goes through the confirmation step: its typed input (as [`crate::input::Fields`]
/// reads it), whether it carries the confirmation, and its fields to post again.
pub struct Confirmable<T> {
    pub input: T,
    pub confirmed: bool,
    pub again: Vec<(String, String)>,
}

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for Confirmable<T> {
    type Rejection = crate::error::AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        use crate::error::AppError;
        let bad =
            |detail: String| AppError::new(axum::http::StatusCode::BAD_REQUEST, "bad_form", format!("表单无法读取：{detail}"), format!("The form could not be read: {detail}"));
        let axum::Form(pairs) = axum::Form::<Vec<(String, String)>>::from_request(req, state).await.map_err(|e| bad(e.body_text()))?;
        let (confirmed, again) = (confirmed(&pairs), self::again(&pairs));
        let input = crate::input::from_pairs(again.clone()).map_err(bad)?;
        Ok(Confirmable { input, confirmed, again })
    }
}
