//! Input read at the edge, by pages and the API alike: typed forms and queries, ids, dates,
//! paging.

use crate::error::AppError;
use axum::http::StatusCode;
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

/// ?page=&per_page= as a query: a value that is not a number is the default (a typo shows the
/// first page), and both are clamped ([`Paging::from_query`]).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PagingQuery {
    pub page: Option<String>,
    pub per_page: Option<String>,
}

impl PagingQuery {
    pub fn paging(&self) -> Paging {
        Paging::from_query(self.page.as_deref(), self.per_page.as_deref())
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

/// A number field of a form or query: empty or left out is `None`, text that is not a number is
/// refused (a 400 with the field's name). For `#[serde(default, deserialize_with = "input::opt_id")]`,
/// into an `Option<i64>` or an `Option` of a typed id.
pub fn opt_id<'de, D: serde::Deserializer<'de>, T: From<i64>>(d: D) -> Result<Option<T>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        N(i64),
        S(String),
    }
    match Option::<Raw>::deserialize(d)? {
        None => Ok(None),
        Some(Raw::N(n)) => Ok(Some(T::from(n))),
        Some(Raw::S(s)) if s.trim().is_empty() => Ok(None),
        Some(Raw::S(s)) => s.trim().parse::<i64>().map(|n| Some(T::from(n))).map_err(|_| serde::de::Error::custom(not_an_id(&s))),
    }
}

fn not_an_id(s: &str) -> String {
    let s: String = s.chars().take(40).collect();
    format!("“{s}”不是编号 / \"{s}\" is not an id")
}

/// A list of ids from repeated form keys (ticked boxes) or a JSON array, numbers or numeric
/// strings alike. For `#[serde(default, deserialize_with = "input::ids")]` with [`Fields`], into
/// a `Vec<i64>` or a `Vec` of a typed id.
pub fn ids<'de, D: serde::Deserializer<'de>, T: From<i64>>(d: D) -> Result<Vec<T>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum One {
        N(i64),
        S(String),
    }
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Many {
        List(Vec<One>),
        One(One),
    }
    let list = match Option::<Many>::deserialize(d)? {
        None => Vec::new(),
        Some(Many::List(v)) => v,
        Some(Many::One(o)) => vec![o],
    };
    list.into_iter()
        .map(|o| match o {
            One::N(n) => Ok(T::from(n)),
            One::S(s) => s.trim().parse::<i64>().map(T::from).map_err(|_| serde::de::Error::custom(not_an_id(&s))),
        })
        .collect()
}

/// A text field: trimmed, and empty is `None`.
pub fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A urlencoded form read into a typed struct, where a key sent more than once (ticked boxes)
/// arrives as a list: fields that take several values use [`ids`]. Bad input is a 400 with a
/// message in both languages.
pub struct Fields<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for Fields<T> {
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        let axum::Form(pairs) = axum::Form::<Vec<(String, String)>>::from_request(req, state)
            .await
            .map_err(|_| AppError::new(StatusCode::BAD_REQUEST, "bad_form", "表单无法读取，请重新提交", "The form could not be read; submit it again"))?;
        from_pairs(pairs).map(Fields).map_err(|d| refused("bad_form", "表单无法读取", "The form could not be read", &d))
    }
}

/// A query string read into a typed struct, like [`Fields`] for a form: a key given more than
/// once arrives as a list, and a value that does not parse is a 400 in both languages (never the
/// parser's English alone). Paging and other values where a typo should just show the default
/// page stay text in the struct and are read leniently.
pub struct Params<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for Params<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, AppError> {
        let (zh, en) = ("查询条件无法读取", "The query could not be read");
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(parts.uri.query().unwrap_or("")).map_err(|_| AppError::new(StatusCode::BAD_REQUEST, "bad_query", zh, en))?;
        from_pairs(pairs).map(Params).map_err(|d| refused("bad_query", zh, en, &d))
    }
}

/// A 400 for input that did not parse: our own messages carry both languages ("中文 / English");
/// the parser's own (serde's English) are said in the user's language by [`explain`].
fn refused(code: &'static str, zh: &str, en: &str, detail: &str) -> AppError {
    let t = match detail.split_once(" / ") {
        Some((dzh, den)) => pacesetter_domain::Text::new(dzh, den),
        None => explain("字段", "field", detail),
    };
    AppError::new(StatusCode::BAD_REQUEST, code, format!("{zh}：{}", t.zh), format!("{en}: {}", t.en))
}

/// A parser's complaint (serde's English, such as "target: invalid digit found in string" or
/// "missing field `action`") in both languages: the field when it names one, and what it should
/// be. `kind` names what the field is ("查询参数" / "query parameter"). The one translation of
/// parser errors, for the extractors here and for axum's own rejections.
pub fn explain(zh_kind: &str, en_kind: &str, rest: &str) -> pacesetter_domain::Text {
    let named = |r: &str| r.split('`').nth(1).map(str::to_string);
    let (field, reason) = match rest.split_once(": ") {
        Some((f, r)) if !f.is_empty() && f.chars().all(|c| c.is_alphanumeric() || "_.[]".contains(c)) => (Some(f.to_string()), r),
        _ => (None, rest),
    };
    let field = field.or_else(|| if reason.starts_with("missing field") { named(reason) } else { None });
    let (zh, en) = if reason.starts_with("missing field") {
        ("缺失", "is missing")
    } else if reason.contains("invalid digit")
        || reason.contains("cannot parse integer")
        || reason.contains("number too large")
        || reason.contains("expected i64")
        || reason.contains("expected u")
    {
        ("应为数字", "must be a number")
    } else if reason.contains("unknown variant") {
        ("不是可选的值", "is not one of the allowed values")
    } else if reason.contains("true` or `false") || reason.contains("a boolean") {
        ("应为 true 或 false", "must be true or false")
    } else if reason.contains("invalid type") {
        ("的类型不正确", "has the wrong type")
    } else {
        ("格式不正确", "is not valid")
    };
    match field {
        Some(f) => pacesetter_domain::Text::new(format!("{zh_kind}“{f}”{zh}"), format!("The {en_kind} \"{f}\" {en}")),
        None => pacesetter_domain::Text::new(format!("{zh_kind}{zh}"), format!("A {en_kind} {en}")),
    }
}

/// A form's fields in order, repeated names kept, the form token left out: what the forms whose
/// names repeat (ticked boxes, several choices) or carry an id or a question's code (`q<org>`,
/// `s<nomination>`, `q1`) are read from, through serde (`#[serde(from = "Pairs")]` on a form read
/// by [`form_of`] or `axum::Form`) or from a body ([`Pairs::parse`]).
#[derive(Clone, Debug, Default)]
pub struct Pairs(pub Vec<(String, String)>);

impl<'de> serde::Deserialize<'de> for Pairs {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Pairs, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Pairs;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("form fields")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Pairs, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, String>()? {
                    if k != "_csrf" {
                        out.push((k, v));
                    }
                }
                Ok(Pairs(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl Pairs {
    /// A urlencoded body's fields; one that cannot be read is a 400 in both languages.
    pub fn parse(body: &[u8]) -> Result<Pairs, AppError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
            .map_err(|_| AppError::new(StatusCode::BAD_REQUEST, "bad_form", "表单无法读取，请重新提交", "The form could not be read; submit it again"))?;
        Ok(Pairs(pairs.into_iter().filter(|(k, _)| k != "_csrf").collect()))
    }

    /// Every value of a name, in order.
    pub fn all<'a>(&'a self, k: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(key, _)| key == k).map(|(_, v)| v.as_str())
    }

    /// The last value of a name, trimmed; empty is `None`.
    pub fn one(&self, k: &str) -> Option<String> {
        self.all(k).last().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
    }

    /// The ids ticked under a name, each once, in order (what is not a number is no id).
    pub fn ids<T: std::str::FromStr + Ord>(&self, k: &str) -> Vec<T> {
        let mut v: Vec<T> = self.all(k).filter_map(|v| v.trim().parse().ok()).collect();
        v.sort();
        v.dedup();
        v
    }

    /// The fields named a prefix and an id (`q12` = the quota of organization 12), trimmed.
    pub fn numbered<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (i64, &'a str)> + 'a {
        self.0.iter().filter_map(move |(k, v)| Some((k.strip_prefix(prefix)?.parse::<i64>().ok()?, v.trim())))
    }
}

/// A urlencoded body read into a typed struct, for extractors of their own (see [`Fields`]):
/// fields that name ids use [`opt_id`] and come back refused in both languages.
pub fn form_of<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    serde_urlencoded::from_bytes::<T>(body).map_err(|e| refused("bad_form", "表单无法读取", "The form could not be read", &e.to_string()))
}

/// The typed value of form pairs, repeated keys as lists (see [`Fields`]).
pub fn from_pairs<T: serde::de::DeserializeOwned>(pairs: Vec<(String, String)>) -> Result<T, String> {
    use serde_json::Value;
    let mut m = serde_json::Map::new();
    for (k, v) in pairs {
        match m.get_mut(&k) {
            Some(Value::Array(a)) => a.push(Value::String(v)),
            Some(old) => {
                let first = old.take();
                *old = Value::Array(vec![first, Value::String(v)]);
            }
            None => {
                m.insert(k, Value::String(v));
            }
        }
    }
    serde_json::from_value(Value::Object(m)).map_err(|e| e.to_string())
}

/// Reads a form body into a map (the CSRF token has already been checked).
pub fn form_map(pairs: Vec<(String, String)>) -> std::collections::HashMap<String, String> {
    let mut m = std::collections::HashMap::new();
    for (k, v) in pairs {
        if k != "_csrf" {
            m.insert(k, v);
        }
    }
    m
}

/// A typed query as the pairs of its query string (for a pager's links), fields left out omitted.
pub fn pairs_of<T: serde::Serialize>(q: &T) -> Vec<(String, String)> {
    serde_urlencoded::to_string(q).ok().and_then(|q| serde_urlencoded::from_str(&q).ok()).unwrap_or_default()
}

/// A typed input's fields as the strings a form re-renders with after an error.
pub fn values_of<T: serde::Serialize>(input: &T) -> std::collections::HashMap<String, String> {
    use serde_json::Value;
    let Ok(Value::Object(m)) = serde_json::to_value(input) else { return Default::default() };
    m.into_iter()
        .filter_map(|(k, v)| match v {
            Value::String(s) => Some((k, s)),
            Value::Number(n) => Some((k, n.to_string())),
            Value::Bool(b) => Some((k, b.to_string())),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, serde::Serialize, Debug, PartialEq)]
    struct Batch {
        #[serde(default, deserialize_with = "ids", alias = "id")]
        ids: Vec<i64>,
        action: Option<String>,
        #[serde(default, deserialize_with = "opt_id")]
        org: Option<i64>,
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn repeated_keys_become_lists_and_bad_numbers_are_refused() {
        let b: Batch = from_pairs(pairs(&[("id", "3"), ("id", "5"), ("action", "accept"), ("org", "")])).unwrap();
        assert_eq!(b, Batch { ids: vec![3, 5], action: Some("accept".into()), org: None });
        let b: Batch = from_pairs(pairs(&[("id", "7"), ("org", "12")])).unwrap();
        assert_eq!((b.ids, b.org), (vec![7], Some(12)));
        assert!(from_pairs::<Batch>(pairs(&[("id", "x")])).unwrap_err().contains("不是编号"));
        assert!(from_pairs::<Batch>(pairs(&[("org", "1;drop")])).is_err());
        let b: Batch = serde_json::from_value(serde_json::json!({"ids": [1, "2"], "org": 4})).unwrap();
        assert_eq!((b.ids, b.org), (vec![1, 2], Some(4)));
        assert_eq!(values_of(&Batch { ids: vec![1], action: Some("return".into()), org: Some(2) })["org"], "2");
    }

    #[derive(Deserialize, serde::Serialize, Debug, PartialEq, Default)]
    struct Filter {
        #[serde(default, deserialize_with = "opt_id", skip_serializing_if = "Option::is_none")]
        org: Option<pacesetter_domain::ids::OrgId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page: Option<String>,
    }

    #[test]
    fn typed_ids_parse_and_a_refusal_speaks_each_language_alone() {
        let f: Filter = from_pairs(pairs(&[("org", " 12 "), ("page", "x")])).unwrap();
        assert_eq!(f.org, Some(pacesetter_domain::ids::OrgId(12)));
        assert_eq!(pairs_of(&f), vec![("org".to_string(), "12".to_string()), ("page".to_string(), "x".to_string())]);
        let detail = from_pairs::<Filter>(pairs(&[("org", "abc")])).unwrap_err();
        let e = refused("bad_query", "查询条件无法读取", "The query could not be read", &detail);
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert_eq!(e.message.zh, "查询条件无法读取：“abc”不是编号");
        assert_eq!(e.message.en, "The query could not be read: \"abc\" is not an id");
        let e = refused("bad_form", "表单无法读取", "The form could not be read", "invalid type: sequence");
        assert_eq!((e.message.zh.as_str(), e.message.en.as_str()), ("表单无法读取：字段的类型不正确", "The form could not be read: A field has the wrong type"));
        let e = refused("bad_form", "表单无法读取", "The form could not be read", "missing field `action`");
        assert_eq!(e.message.zh, "表单无法读取：字段“action”缺失");
    }
}
