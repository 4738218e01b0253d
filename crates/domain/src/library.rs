//! The experience library (item 17, 构建长效机制 … 注重经验交流): practices and mechanisms
//! (制度, 经验, 案例) collected from organizations and units, tagged by work item and kind; the
//! office reviews each before it is visible to all. An experience-exchange meeting's record
//! (its minutes and materials) lands here on its own, to be reviewed the same way.

use crate::lang::Lang;
use crate::validate::{FieldErrors, long_text};

pub const MAX_TITLE: usize = 100;
pub const MAX_BODY: usize = 20_000;
pub const MAX_FILES: usize = 10;
pub const MAX_COMMENT: usize = 2_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 制度: a rule or mechanism made permanent.
    System,
    /// 经验: a practice that worked.
    Experience,
    /// 案例: a case, told.
    Case,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::System, Kind::Experience, Kind::Case];

    pub fn code(self) -> &'static str {
        match self {
            Kind::System => "system",
            Kind::Experience => "experience",
            Kind::Case => "case",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Kind::System => lang.t("制度", "Rule"),
            Kind::Experience => lang.t("经验", "Practice"),
            Kind::Case => lang.t("案例", "Case"),
        }
    }
}

/// Where an entry stands: handed in, published (visible to all), or returned with a reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Submitted,
    Published,
    Returned,
}

impl State {
    pub const ALL: [State; 3] = [State::Submitted, State::Published, State::Returned];

    pub fn code(self) -> &'static str {
        match self {
            State::Submitted => "submitted",
            State::Published => "published",
            State::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            State::Submitted => lang.t("待审核", "Awaiting review"),
            State::Published => lang.t("已发布", "Published"),
            State::Returned => lang.t("已退回", "Returned"),
        }
    }
}

/// An entry as checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    pub title: String,
    pub body: String,
    pub kind: Kind,
    /// The plan's work item (1 to 20) it serves, if any.
    pub item: Option<i64>,
}

/// Reads an entry's fields; every mistake is named.
pub fn read(title: &str, body: &str, kind: &str, item: &str) -> Result<Draft, FieldErrors> {
    let mut e = FieldErrors::new();
    let title = long_text(&mut e, "title", title, MAX_TITLE, ("标题", "title"), true).replace('\n', " ");
    let body = long_text(&mut e, "body", body, MAX_BODY, ("内容", "text"), true);
    let kind = Kind::parse(kind.trim());
    if kind.is_none() {
        e.add("kind", "请选择类别：制度、经验或案例", "Choose the kind: rule, practice or case");
    }
    let item = match item.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(n) if (1..=20).contains(&n) => Some(n),
            _ => {
                e.add("item", "工作事项是 1 到 20 的编号", "The work item is a number from 1 to 20");
                None
            }
        },
    };
    match kind {
        Some(kind) if e.is_empty() => Ok(Draft { title, body, kind, item }),
        _ => Err(e),
    }
}

/// Reads a review: publish, or return with a reason.
pub fn review(action: &str, comment: &str) -> Result<(State, Option<String>), FieldErrors> {
    let (yes, comment) = crate::validate::decision(action, "publish", comment, MAX_COMMENT, ("发布或退回", "publish or return"))?;
    Ok((if yes { State::Published } else { State::Returned }, comment))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_needs_a_title_a_text_a_kind_and_a_real_item() {
        let d = read("支部“三会一课”考勤制度", "一、……", "system", "17").unwrap();
        assert_eq!((d.kind, d.item), (Kind::System, Some(17)));
        assert_eq!(read("t", "b", "case", "").unwrap().item, None);
        let e = read(" ", "", "rumour", "21").unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["title", "body", "kind", "item"]);
    }

    #[test]
    fn a_return_says_why() {
        assert_eq!(review("publish", "").unwrap(), (State::Published, None));
        assert!(review("return", " ").is_err());
        assert_eq!(review("return", "请补充成效").unwrap().0, State::Returned);
        assert!(review("delete", "").is_err());
    }
}
