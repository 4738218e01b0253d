//! Public commitments (item 3: 承诺 → 践诺 → 评诺): requirements handed down the tree, the
//! commitments that answer them, their review, progress and the fields a public board shows.
//!
//! A commitment belongs to a campaign task whose deliverable is `commitment`: the task says who
//! owes commitments (every Party organization, every member, every window unit), by when, and
//! who reviews them. This module holds the rules; `store::commitment` keeps the records.

use crate::lang::Lang;
use crate::validate::FieldErrors;
use serde::{Deserialize, Serialize};
use time::Date;

/// Where a commitment stands. "Late" and "overdue" are derived, never stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Draft,
    UnderReview,
    Returned,
    Approved,
    InProgress,
    Fulfilled,
}

pub const STATES: [State; 6] = [State::Draft, State::UnderReview, State::Returned, State::Approved, State::InProgress, State::Fulfilled];

impl State {
    pub fn code(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::UnderReview => "under_review",
            State::Returned => "returned",
            State::Approved => "approved",
            State::InProgress => "in_progress",
            State::Fulfilled => "fulfilled",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        STATES.into_iter().find(|x| x.code() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            State::Draft => lang.t("草稿", "Draft"),
            State::UnderReview => lang.t("待审核", "Under review"),
            State::Returned => lang.t("已退回", "Returned"),
            State::Approved => lang.t("已通过", "Approved"),
            State::InProgress => lang.t("践诺中", "In progress"),
            State::Fulfilled => lang.t("已兑现", "Fulfilled"),
        }
    }

    /// Approved and after: the commitment is public and its text is amended only by review.
    pub fn is_public(self) -> bool {
        matches!(self, State::Approved | State::InProgress | State::Fulfilled)
    }

    /// The owner may still change the text freely.
    pub fn is_editable(self) -> bool {
        matches!(self, State::Draft | State::Returned)
    }

    /// Whether it counts as made: handed in for review or beyond (coverage).
    pub fn is_made(self) -> bool {
        !matches!(self, State::Draft)
    }
}

/// What happens to a commitment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Submit,
    Approve,
    Return,
    Report { percent: u8 },
}

/// The next state, or why the action is refused.
pub fn next(s: State, a: Action) -> Result<State, crate::Text> {
    use State::*;
    match (s, a) {
        (Draft | Returned, Action::Submit) => Ok(UnderReview),
        (UnderReview, Action::Approve) => Ok(Approved),
        (UnderReview, Action::Return) => Ok(Returned),
        (Approved | InProgress, Action::Report { percent }) => Ok(if percent >= 100 { Fulfilled } else { InProgress }),
        (UnderReview, Action::Submit) => Err(crate::Text::new("承诺已提交，正在审核", "The commitment is already under review")),
        (Approved | InProgress | Fulfilled, Action::Submit) => {
            Err(crate::Text::new("已通过的承诺只能通过修改申请变更", "An approved commitment changes only through an amendment"))
        }
        (Fulfilled, Action::Report { .. }) => Err(crate::Text::new("承诺已兑现", "The commitment is already fulfilled")),
        (_, Action::Report { .. }) => Err(crate::Text::new("承诺通过审核后才能报告进展", "Progress is reported once the commitment is approved")),
        (_, Action::Approve | Action::Return) => Err(crate::Text::new("该承诺不在待审核状态", "The commitment is not waiting for review")),
    }
}

/// The fields of a commitment as its owner writes them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Content {
    pub category: String,
    pub content: String,
    pub measures: String,
    pub target: String,
    pub due: Date,
}

/// The period a commitment's due date must fall in: the campaign's year.
#[derive(Clone, Copy, Debug)]
pub struct Period {
    pub first: Date,
    pub last: Date,
}

impl Period {
    pub fn of_year(year: i32) -> Period {
        let first = Date::from_calendar_date(year, time::Month::January, 1).unwrap_or(Date::MIN);
        let last = Date::from_calendar_date(year, time::Month::December, 31).unwrap_or(Date::MAX);
        Period { first, last }
    }
}

fn text_field(errors: &mut FieldErrors, field: &str, v: &str, max: usize, zh: &str, en: &str) -> String {
    let v = v.trim();
    if v.is_empty() {
        errors.add(field, format!("请填写{zh}"), format!("Please give the {en}"));
    } else if v.chars().count() > max {
        errors.add(field, format!("{zh}不能超过 {max} 字"), format!("The {en} is at most {max} characters"));
    }
    v.to_string()
}

/// Reads a commitment from its form fields. `due` is the date as typed (YYYY-MM-DD).
pub fn parse(categories: &[String], period: Period, category: &str, content: &str, measures: &str, target: &str, due: &str) -> Result<Content, FieldErrors> {
    let mut e = FieldErrors::new();
    let category = category.trim();
    if !categories.iter().any(|c| c == category) {
        e.add("category", "请选择承诺类别", "Choose a category");
    }
    let content = text_field(&mut e, "content", content, 2000, "承诺内容", "content");
    let measures = text_field(&mut e, "measures", measures, 2000, "具体措施", "measures");
    let target = text_field(&mut e, "target", target, 500, "可衡量的目标", "measurable target");
    let due = match crate::validate::date(due.trim()).ok() {
        Some(d) if d >= period.first && d <= period.last => Some(d),
        Some(_) => {
            e.add(
                "due",
                format!("完成日期应在 {} 至 {} 之间（本年度活动期内）", crate::dates::iso(period.first), crate::dates::iso(period.last)),
                format!("The due date must fall in the campaign, {} to {}", crate::dates::iso(period.first), crate::dates::iso(period.last)),
            );
            None
        }
        None => {
            e.add("due", "请按“年-月-日”填写完成日期", "Give the due date as YYYY-MM-DD");
            None
        }
    };
    match (due, e.is_empty()) {
        (Some(due), true) => Ok(Content { category: category.to_string(), content, measures, target, due }),
        _ => Err(e),
    }
}

/// A requirement (争创要求) handed down to an organization: a title and its text.
pub fn parse_requirement(title: &str, text: &str) -> Result<(String, String), FieldErrors> {
    let mut e = FieldErrors::new();
    let title = text_field(&mut e, "title", title, 200, "要求标题", "title");
    let text = text.trim().to_string();
    if text.chars().count() > 5000 {
        e.add("text", "要求内容不能超过 5000 字", "The text is at most 5,000 characters");
    }
    if e.is_empty() { Ok((title, text)) } else { Err(e) }
}

/// A progress report: the percentage done (0 to 100, never below the last report) and what was
/// done.
pub fn parse_progress(percent: &str, text: &str, last: u8) -> Result<(u8, String), FieldErrors> {
    let mut e = FieldErrors::new();
    let p = match percent.trim().trim_end_matches('%').parse::<u8>() {
        Ok(p) if p <= 100 && p >= last => Some(p),
        Ok(p) if p <= 100 => {
            e.add("percent", format!("进度不能低于上次报告的 {last}%"), format!("Progress cannot fall below the last report's {last}%"));
            None
        }
        _ => {
            e.add("percent", "进度请填 0 至 100 的整数", "Give the progress as a whole number from 0 to 100");
            None
        }
    };
    let text = text_field(&mut e, "text", text, 5000, "进展情况", "report");
    match (p, e.is_empty()) {
        (Some(p), true) => Ok((p, text)),
        _ => Err(e),
    }
}

/// Overdue: past its own due date and not fulfilled.
pub fn is_overdue(state: State, due: Date, today: Date) -> bool {
    state != State::Fulfilled && due < today
}

/// Late: first handed in after the date the task set for making commitments.
pub fn is_late(first_submitted: Option<Date>, deadline: Option<Date>) -> bool {
    matches!((first_submitted, deadline), (Some(f), Some(d)) if f > d)
}

/// The fields the office may show on the public board. Identity numbers and contact details are
/// never among them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublicField {
    Name,
    Org,
    Category,
    Content,
    Measures,
    Target,
    Due,
    Progress,
    Rate,
}

pub const PUBLIC_FIELDS: [PublicField; 9] = [
    PublicField::Name,
    PublicField::Org,
    PublicField::Category,
    PublicField::Content,
    PublicField::Measures,
    PublicField::Target,
    PublicField::Due,
    PublicField::Progress,
    PublicField::Rate,
];

impl PublicField {
    pub fn code(self) -> &'static str {
        match self {
            PublicField::Name => "name",
            PublicField::Org => "org",
            PublicField::Category => "category",
            PublicField::Content => "content",
            PublicField::Measures => "measures",
            PublicField::Target => "target",
            PublicField::Due => "due",
            PublicField::Progress => "progress",
            PublicField::Rate => "rate",
        }
    }

    pub fn parse(s: &str) -> Option<PublicField> {
        PUBLIC_FIELDS.into_iter().find(|f| f.code() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            PublicField::Name => lang.t("承诺人", "Who commits"),
            PublicField::Org => lang.t("所在组织", "Organization"),
            PublicField::Category => lang.t("类别", "Category"),
            PublicField::Content => lang.t("承诺内容", "Commitment"),
            PublicField::Measures => lang.t("具体措施", "Measures"),
            PublicField::Target => lang.t("目标", "Target"),
            PublicField::Due => lang.t("完成时限", "Due"),
            PublicField::Progress => lang.t("践诺进度", "Progress"),
            PublicField::Rate => lang.t("评诺满意率", "Satisfaction"),
        }
    }

    /// Read from a stored comma-separated list; unknown codes are dropped.
    pub fn parse_list(s: &str) -> Vec<PublicField> {
        let mut v: Vec<PublicField> = s.split(',').filter_map(|c| PublicField::parse(c.trim())).collect();
        v.sort_by_key(|f| PUBLIC_FIELDS.iter().position(|x| x == f));
        v.dedup();
        v
    }

    pub fn join(fields: &[PublicField]) -> String {
        fields.iter().map(|f| f.code()).collect::<Vec<_>>().join(",")
    }
}

/// The board's fields before the office chooses: everything but the measures.
pub fn default_public_fields() -> Vec<PublicField> {
    PUBLIC_FIELDS.into_iter().filter(|f| *f != PublicField::Measures).collect()
}

/// A summary of commitments (an organization's own, or those of its subtree).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub total: u64,
    pub made: u64,
    pub approved: u64,
    pub fulfilled: u64,
    pub overdue: u64,
    /// Sum of the progress percentages of the public commitments.
    pub progress_sum: u64,
    pub public: u64,
}

impl Summary {
    pub fn add(&mut self, state: State, percent: u8, overdue: bool) {
        self.total += 1;
        if state.is_made() {
            self.made += 1;
        }
        if state.is_public() {
            self.approved += 1;
            self.public += 1;
            self.progress_sum += percent as u64;
        }
        if state == State::Fulfilled {
            self.fulfilled += 1;
        }
        if overdue {
            self.overdue += 1;
        }
    }

    pub fn merge(&mut self, o: &Summary) {
        self.total += o.total;
        self.made += o.made;
        self.approved += o.approved;
        self.fulfilled += o.fulfilled;
        self.overdue += o.overdue;
        self.progress_sum += o.progress_sum;
        self.public += o.public;
    }

    /// The mean progress of the public commitments, in whole percent (half up).
    pub fn mean_progress(&self) -> Option<u64> {
        (self.public > 0).then(|| (self.progress_sum * 2 + self.public) / (2 * self.public))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn cats() -> Vec<String> {
        vec!["学习提高".into(), "本职岗位创佳绩".into()]
    }

    #[test]
    fn lifecycle() {
        assert_eq!(next(State::Draft, Action::Submit), Ok(State::UnderReview));
        assert_eq!(next(State::UnderReview, Action::Return), Ok(State::Returned));
        assert_eq!(next(State::Returned, Action::Submit), Ok(State::UnderReview));
        assert_eq!(next(State::UnderReview, Action::Approve), Ok(State::Approved));
        assert_eq!(next(State::Approved, Action::Report { percent: 40 }), Ok(State::InProgress));
        assert_eq!(next(State::InProgress, Action::Report { percent: 100 }), Ok(State::Fulfilled));
        assert!(next(State::Draft, Action::Approve).is_err());
        assert!(next(State::Approved, Action::Submit).is_err());
        assert!(next(State::Draft, Action::Report { percent: 10 }).is_err());
        assert!(next(State::Fulfilled, Action::Report { percent: 100 }).is_err());
    }

    #[test]
    fn parse_checks_every_field() {
        let p = Period::of_year(2012);
        let ok = parse(&cats(), p, "学习提高", " 每月读一本书 ", "读书笔记", "12本", "2012-12-31").unwrap();
        assert_eq!(ok.content, "每月读一本书");
        assert_eq!(ok.due, date!(2012 - 12 - 31));
        let e = parse(&cats(), p, "别的", "", "x", "y", "2013-01-01").unwrap_err();
        assert!(e.get("category").is_some());
        assert!(e.get("content").is_some());
        assert!(e.get("due").unwrap().zh.contains("2012-01-01 至 2012-12-31"));
        assert!(parse(&cats(), p, "学习提高", "a", "b", "c", "31/12/2012").unwrap_err().get("due").is_some());
        assert!(parse(&cats(), p, "学习提高", &"长".repeat(2001), "b", "c", "2012-05-01").unwrap_err().get("content").is_some());
    }

    #[test]
    fn progress_never_goes_back() {
        assert_eq!(parse_progress("60", "完成一半", 40).unwrap(), (60, "完成一半".to_string()));
        assert_eq!(parse_progress("100%", "完成", 60).unwrap().0, 100);
        assert!(parse_progress("30", "x", 40).unwrap_err().get("percent").unwrap().zh.contains("40%"));
        assert!(parse_progress("101", "x", 0).is_err());
        assert!(parse_progress("50", " ", 0).unwrap_err().get("text").is_some());
    }

    #[test]
    fn derived_flags() {
        assert!(is_overdue(State::InProgress, date!(2012 - 06 - 30), date!(2012 - 07 - 01)));
        assert!(!is_overdue(State::Fulfilled, date!(2012 - 06 - 30), date!(2012 - 07 - 01)));
        assert!(!is_overdue(State::Approved, date!(2012 - 06 - 30), date!(2012 - 06 - 30)));
        assert!(is_late(Some(date!(2012 - 03 - 16)), Some(date!(2012 - 03 - 15))));
        assert!(!is_late(Some(date!(2012 - 03 - 15)), Some(date!(2012 - 03 - 15))));
        assert!(!is_late(None, Some(date!(2012 - 03 - 15))));
    }

    #[test]
    fn public_fields_round_trip_and_never_hold_contacts() {
        let f = PublicField::parse_list("content,name,phone,id_number,name");
        assert_eq!(f, vec![PublicField::Name, PublicField::Content]);
        assert_eq!(PublicField::join(&f), "name,content");
        assert!(!default_public_fields().contains(&PublicField::Measures));
    }

    #[test]
    fn summary_mean_progress() {
        let mut s = Summary::default();
        s.add(State::Draft, 0, false);
        s.add(State::Approved, 0, false);
        s.add(State::InProgress, 45, true);
        s.add(State::Fulfilled, 100, false);
        assert_eq!((s.total, s.made, s.approved, s.fulfilled, s.overdue), (4, 3, 3, 1, 1));
        // (0 + 45 + 100) / 3 = 48.33 → 48
        assert_eq!(s.mean_progress(), Some(48));
        let mut t = Summary::default();
        t.merge(&s);
        assert_eq!(t, s);
        assert_eq!(Summary::default().mean_progress(), None);
    }
}
