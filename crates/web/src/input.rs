//! Input read at the edge, by pages and the API alike: dates, paging.

use crate::error::AppError;
use pacesetter_domain::dates::today;
use pacesetter_domain::validate;
use serde::Deserialize;
use time::Date;

/// A date from the input, or today when it is left out.
pub fn date_or_today(field: &str, s: Option<&str>) -> Result<Date, AppError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(today()),
        Some(s) => validate::date(s).map_err(|t| {
            let mut e = validate::FieldErrors::new();
            e.0.push(validate::FieldError { field: field.into(), message: t });
            AppError::invalid(e)
        }),
    }
}

/// ?page=&per_page= with sane bounds.
#[derive(Clone, Copy, Debug, Deserialize)]
pub struct Paging {
    #[serde(default = "one")]
    pub page: i64,
    #[serde(default = "fifty")]
    pub per_page: i64,
}

fn one() -> i64 {
    1
}

fn fifty() -> i64 {
    50
}

impl Default for Paging {
    fn default() -> Self {
        Paging { page: 1, per_page: 50 }
    }
}

/// The last page anyone can ask for: beyond it an offset would overflow (and no list is that long).
pub const MAX_PAGE: i64 = 1_000_000;

impl Paging {
    pub fn from_query(page: Option<&str>, per_page: Option<&str>) -> Paging {
        let page = page.and_then(|p| p.trim().parse().ok()).unwrap_or(1i64).clamp(1, MAX_PAGE);
        let per_page = per_page.and_then(|p| p.trim().parse().ok()).unwrap_or(50i64).clamp(1, 200);
        Paging { page, per_page }
    }

    pub fn offset(&self) -> i64 {
        (self.page.clamp(1, MAX_PAGE) - 1) * self.limit()
    }

    pub fn limit(&self) -> i64 {
        self.per_page.clamp(1, 200)
    }

    pub fn pages(&self, total: i64) -> i64 {
        ((total + self.limit() - 1) / self.limit()).max(1)
    }
}

/// A form that moves a date (`due`, empty for none).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DueForm {
    pub due: Option<String>,
}

/// A form with a confirmation tick (`confirm=yes`).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ConfirmForm {
    pub confirm: Option<String>,
}

impl ConfirmForm {
    pub fn confirmed(&self) -> bool {
        self.confirm.as_deref() == Some("yes")
    }
}
