//! Notices (通知公告, items 17 and 19): the office, or a secondary organization, tells the
//! members of a part of the Party tree (or only its secretaries and committee members)
//! something, with files; each recipient's first reading is recorded, so the sender sees who
//! has not read it. Who receives it is fixed when it is published.

use crate::lang::Lang;
use crate::validate::{FieldErrors, long_text};

pub const MAX_TITLE: usize = 100;
pub const MAX_BODY: usize = 20_000;
pub const MAX_FILES: usize = 10;

/// Who in the chosen part of the tree receives a notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Every current member of the organizations in the subtree.
    Members,
    /// Their secretaries and committee members only.
    Secretaries,
}

impl Audience {
    pub const ALL: [Audience; 2] = [Audience::Members, Audience::Secretaries];

    pub fn code(self) -> &'static str {
        match self {
            Audience::Members => "members",
            Audience::Secretaries => "secretaries",
        }
    }

    pub fn parse(s: &str) -> Option<Audience> {
        Audience::ALL.into_iter().find(|a| a.code() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Audience::Members => lang.t("全体党员", "Every member"),
            Audience::Secretaries => lang.t("书记和支委（委员）", "Secretaries and committee members"),
        }
    }
}

/// A notice as checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    pub title: String,
    pub body: String,
    pub audience: Audience,
}

/// Reads a notice's text fields; every mistake is named.
pub fn read(title: &str, body: &str, audience: &str) -> Result<Draft, FieldErrors> {
    let mut e = FieldErrors::new();
    let title = long_text(&mut e, "title", title, MAX_TITLE, ("标题", "title"), true).replace('\n', " ");
    let body = long_text(&mut e, "body", body, MAX_BODY, ("正文", "text"), true);
    let audience = match audience.trim() {
        "" => Some(Audience::Members),
        a => Audience::parse(a),
    };
    if audience.is_none() {
        e.add("audience", "请选择通知对象", "Choose who receives it");
    }
    match audience {
        Some(audience) if e.is_empty() => Ok(Draft { title, body, audience }),
        _ => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_needs_a_title_a_text_and_a_known_audience() {
        let d = read(" 关于开展七一表彰的通知 ", "各党支部：……", "").unwrap();
        assert_eq!((d.title.as_str(), d.audience), ("关于开展七一表彰的通知", Audience::Members));
        let e = read("", " ", "everyone").unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["title", "body", "audience"]);
        assert!(read(&"长".repeat(MAX_TITLE + 1), "x", "secretaries").is_err());
        assert_eq!(read("t", "b", "secretaries").unwrap().audience, Audience::Secretaries);
    }
}
