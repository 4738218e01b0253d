//! Publicity (item 19, 大力宣传先进典型): stories of models (the award register's people and
//! organizations), of "我身边的优秀共产党员", and campaign news. A secondary organization writes a
//! story and hands it in; the office edits it, publishes it on a public page, or returns it with
//! a reason (and may take a published story down the same way). The rules of its fields and of
//! who moves it where live here; the page it becomes is the web crate's.

use crate::lang::Lang;
use crate::validate::{FieldErrors, long_text};

pub const MAX_TITLE: usize = 60;
/// The summary is what a shared link shows under its title (Open Graph description).
pub const MAX_SUMMARY: usize = 120;
pub const MAX_BODY: usize = 20_000;
pub const MAX_IMAGES: usize = 6;
pub const MAX_COMMENT: usize = 1_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 先进典型: a model from the award register (or about to be).
    Model,
    /// 我身边的优秀共产党员: a member seen by those around them.
    Neighbour,
    /// 工作动态: campaign news.
    News,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Model, Kind::Neighbour, Kind::News];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Model => "model",
            Kind::Neighbour => "neighbour",
            Kind::News => "news",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Kind::Model => lang.t("先进典型", "Model"),
            Kind::Neighbour => lang.t("我身边的优秀共产党员", "An excellent member near me"),
            Kind::News => lang.t("工作动态", "Campaign news"),
        }
    }
}

/// Where a story stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Being written by its organization (or the office).
    Draft,
    /// Handed in: the office edits it and publishes or returns it.
    Submitted,
    /// On its public page.
    Published,
    /// Back with its organization, with the office's reason (also a story taken down).
    Returned,
}

impl State {
    pub const ALL: [State; 4] = [State::Draft, State::Submitted, State::Published, State::Returned];

    pub fn code(self) -> &'static str {
        match self {
            State::Draft => "draft",
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
            State::Draft => lang.t("草稿", "Draft"),
            State::Submitted => lang.t("待审核", "Awaiting the office"),
            State::Published => lang.t("已发布", "Published"),
            State::Returned => lang.t("已退回", "Returned"),
        }
    }
}

/// Who is acting on a story: the office, or the organization that writes it (its keepers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    Office,
    Writer,
}

/// Whether `actor` may change the story's text in `state`: the writer while it is theirs (a
/// draft, or returned); the office at any time but a draft of an organization's (not yet handed
/// in). `office_written` says the office is the story's writer.
pub fn may_edit(state: State, actor: Actor, office_written: bool) -> bool {
    match actor {
        Actor::Writer => matches!(state, State::Draft | State::Returned),
        Actor::Office => office_written || !matches!(state, State::Draft | State::Returned),
    }
}

/// What a move does: hand in (the writer), publish, or return / take down with a reason (the
/// office).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    Submit,
    Publish,
    Return,
}

/// The state a move leads to from `state`, or why it cannot be made. The office publishes its
/// own drafts directly; an organization's story is published once handed in.
pub fn next(state: State, mv: Move, actor: Actor, office_written: bool) -> Result<State, (&'static str, &'static str)> {
    match (mv, actor, state) {
        (Move::Submit, Actor::Writer, State::Draft | State::Returned) => Ok(State::Submitted),
        (Move::Submit, Actor::Writer, _) => Err(("这篇稿件已提交", "This story has been handed in already")),
        (Move::Submit, Actor::Office, _) => Err(("由撰稿组织提交", "The organization writing it hands it in")),
        (Move::Publish, Actor::Office, State::Submitted) => Ok(State::Published),
        (Move::Publish, Actor::Office, State::Draft | State::Returned) if office_written => Ok(State::Published),
        (Move::Publish, Actor::Office, State::Published) => Err(("这篇稿件已发布", "This story is published already")),
        (Move::Publish, Actor::Office, _) => Err(("稿件尚未提交", "The story has not been handed in")),
        (Move::Return, Actor::Office, State::Submitted | State::Published) => Ok(State::Returned),
        (Move::Return, Actor::Office, _) => Err(("只能退回已提交或已发布的稿件", "Only a story handed in or published is returned")),
        (_, Actor::Writer, _) => Err(("只有创先办审核发布", "Only the campaign office publishes")),
    }
}

/// A story's text as checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    pub kind: Kind,
    pub title: String,
    pub summary: String,
    /// Markdown; rendered without raw HTML, scripts or foreign images.
    pub body: String,
}

/// Reads a story's fields; every mistake is named.
pub fn read(kind: &str, title: &str, summary: &str, body: &str) -> Result<Draft, FieldErrors> {
    let mut e = FieldErrors::new();
    let kind = Kind::parse(kind.trim());
    if kind.is_none() {
        e.add("kind", "请选择栏目：先进典型、我身边的优秀共产党员或工作动态", "Choose the column: model, an excellent member near me, or news");
    }
    let title = long_text(&mut e, "title", title, MAX_TITLE, ("标题", "title"), true).replace('\n', " ");
    let summary = long_text(&mut e, "summary", summary, MAX_SUMMARY, ("摘要", "summary"), true).replace('\n', " ");
    let body = long_text(&mut e, "body", body, MAX_BODY, ("正文", "text"), true);
    match kind {
        Some(kind) if e.is_empty() => Ok(Draft { kind, title, summary, body }),
        _ => Err(e),
    }
}

/// Reads the office's move: publish, or return with a reason.
pub fn review(action: &str, comment: &str) -> Result<(Move, Option<String>), FieldErrors> {
    let (yes, comment) = crate::validate::decision(action, "publish", comment, MAX_COMMENT, ("发布或退回", "publish or return"))?;
    Ok((if yes { Move::Publish } else { Move::Return }, comment))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_story_needs_a_column_a_title_a_summary_and_a_text() {
        let d = read("neighbour", "扎根实验室的“老黄牛”", "记化工学院党员教师张老师", "## 一\n\n二十年如一日").unwrap();
        assert_eq!(d.kind, Kind::Neighbour);
        let e = read("gossip", " ", &"长".repeat(MAX_SUMMARY + 1), "").unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["kind", "title", "summary", "body"]);
        assert!(read("news", "标题\u{0}", "摘要", "正文").is_err(), "control characters are refused");
    }

    #[test]
    fn the_writer_hands_in_and_the_office_publishes_or_returns() {
        use Actor::*;
        assert_eq!(next(State::Draft, Move::Submit, Writer, false), Ok(State::Submitted));
        assert!(next(State::Draft, Move::Publish, Writer, false).is_err(), "an organization does not publish");
        assert!(next(State::Draft, Move::Publish, Office, false).is_err(), "not before it is handed in");
        assert_eq!(next(State::Draft, Move::Publish, Office, true), Ok(State::Published), "the office's own story");
        assert_eq!(next(State::Submitted, Move::Publish, Office, false), Ok(State::Published));
        assert_eq!(next(State::Published, Move::Return, Office, false), Ok(State::Returned), "taken down");
        assert_eq!(next(State::Returned, Move::Submit, Writer, false), Ok(State::Submitted));
        assert!(next(State::Submitted, Move::Submit, Writer, false).is_err());
        assert!(may_edit(State::Returned, Writer, false) && !may_edit(State::Submitted, Writer, false));
        assert!(may_edit(State::Submitted, Office, false) && !may_edit(State::Draft, Office, false) && may_edit(State::Draft, Office, true));
    }

    #[test]
    fn a_return_says_why() {
        assert_eq!(review("publish", "").unwrap(), (Move::Publish, None));
        assert!(review("return", "").is_err());
        assert!(review("delete", "").is_err());
    }
}
