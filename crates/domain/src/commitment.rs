//! Public commitments (item 3: 承诺 → 践诺 → 评诺): requirements handed down the tree, the
//! commitments that answer them, their review, progress and the fields a public board shows.
//!
//! A commitment belongs to a campaign task whose deliverable is `commitment`: the task says who
//! owes commitments (every Party organization, every member, every window unit), by when, and
//! who reviews them. This module holds the rules; `store::commitment` keeps the records.

use crate::lang::Lang;
use crate::scope::{Access, Scope};
use crate::survey::{self, Rate};
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

/// What a reader is shown of a commitment: the fields the office puts on the board (all of them
/// for a reader whose scope holds the commitment), and whether the history of decisions, the
/// evidence and who reported are shown, which they are only inside that scope. Every page, export
/// and API answer that shows one commitment asks this.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disclosure {
    fields: Vec<PublicField>,
    /// The review history (every version handed in, with its decision).
    pub history: bool,
    /// The files of evidence of the progress reports.
    pub evidence: bool,
    /// Who reported progress (a user name is a staff or student number).
    pub reporter: bool,
}

impl Disclosure {
    pub fn shows(&self, f: PublicField) -> bool {
        self.fields.contains(&f)
    }
}

/// The rule: inside the caller's scope (the owner, the levels above, the office) everything; a
/// public commitment read from outside it, only the board's fields and none of the rest.
pub fn disclosure(inside_scope: bool, board_fields: &[PublicField]) -> Disclosure {
    if inside_scope {
        return Disclosure { fields: PUBLIC_FIELDS.to_vec(), history: true, evidence: true, reporter: true };
    }
    Disclosure { fields: board_fields.to_vec(), history: false, evidence: false, reporter: false }
}

/// A satisfaction figure as it may be shown: not rated yet, under the minimum group of an
/// anonymous evaluation (then not even how many rated), or its counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateView {
    NotRated,
    UnderMinimum,
    Shown(Rate),
}

impl RateView {
    /// One commitment's figure: `shown` are its counts when they may be shown, `hidden` says it
    /// was rated by fewer than the minimum in an anonymous evaluation.
    pub fn of_target(shown: Option<Rate>, hidden: bool) -> RateView {
        match shown {
            Some(r) if r.valid() > 0 => RateView::Shown(r),
            _ if hidden => RateView::UnderMinimum,
            _ => RateView::NotRated,
        }
    }

    /// A sum over commitments (a roll-up): itself a figure that the minimum applies to.
    pub fn of_sum(r: Rate, anonymous: bool) -> RateView {
        match r.valid() {
            0 => RateView::NotRated,
            n if !survey::may_show(n, anonymous) => RateView::UnderMinimum,
            _ => RateView::Shown(r),
        }
    }

    /// The figure as printed: the rate with its counts, or why there is none.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            RateView::NotRated => lang.t("尚无评价", "Not rated yet").into(),
            RateView::UnderMinimum => match lang {
                Lang::Zh => format!("评价不足{}人，不公布", survey::MIN_GROUP),
                Lang::En => format!("fewer than {} ratings: not shown", survey::MIN_GROUP),
            },
            RateView::Shown(r) => match lang {
                Lang::Zh => format!("{}（满意 {}，基本满意 {}，不满意 {}，共 {} 份）", survey::fmt_percent(r.percent()), r.satisfied, r.fairly, r.dissatisfied, r.valid()),
                Lang::En => {
                    format!("{} (satisfied {}, fairly {}, dissatisfied {}; {} ratings)", survey::fmt_percent(r.percent()), r.satisfied, r.fairly, r.dissatisfied, r.valid())
                }
            },
        }
    }
}

/// The definition printed with every rate.
pub fn rate_definition(lang: Lang) -> &'static str {
    lang.t("满意率 =（满意 + 基本满意）÷ 有效评价数", "Satisfaction = (satisfied + fairly satisfied) ÷ valid ratings")
}

/// Who owns a commitment and the paths rating rights follow.
#[derive(Clone, Debug, Default)]
pub struct RatingFacts {
    pub org: Option<i64>,
    pub unit: Option<i64>,
    /// The member who owns it.
    pub person: Option<i64>,
    /// The owning organization's path, or a member's organization's.
    pub org_path: Option<String>,
    /// The owning unit's path.
    pub unit_path: Option<String>,
    /// The path of the unit linked to the owning organization (a college's).
    pub linked_unit_path: Option<String>,
}

/// The one who would rate, as the rule needs them.
#[derive(Clone, Debug, Default)]
pub struct RaterFacts {
    pub person: i64,
    /// They act for the owning organization or unit (its secretaries, delegates, heads).
    pub acts_for_owner: bool,
    /// The paths of their current memberships in the Party tree and in the administrative tree.
    pub org_paths: Vec<String>,
    pub unit_paths: Vec<String>,
}

fn parent_path(p: &str) -> Option<String> {
    let t = p.trim_end_matches('/');
    t.rfind('/').map(|i| format!("{}/", &t[..i])).filter(|s| s.len() > 1)
}

/// Whether a person may rate a commitment (评诺): the people it serves (for a member, the other
/// members of their organization; for an organization, its members and the people of its linked
/// unit; for a unit, its staff) and the level above it (whoever may act on the owner's parent,
/// and the office). Nobody rates their own: not the member who made it, nor those who act for
/// the owning organization or unit. `scope` is the rater's, when they are logged in.
pub fn may_rate(c: &RatingFacts, r: &RaterFacts, scope: Option<&Scope>) -> bool {
    if c.person == Some(r.person) || r.acts_for_owner {
        return false;
    }
    if let Some(s) = scope {
        let above = match (c.org, c.unit, c.person) {
            (Some(_), _, _) => c.org_path.as_deref().and_then(parent_path).is_some_and(|p| s.org_access(&p) == Some(Access::Write)),
            (_, Some(_), _) => c.unit_path.as_deref().and_then(parent_path).is_some_and(|p| s.unit_access(&p) == Some(Access::Write)),
            (_, _, Some(_)) => c.org_path.as_deref().is_some_and(|p| s.org_access(p) == Some(Access::Write)),
            _ => false,
        };
        if above || s.is_office_or_admin() {
            return true;
        }
    }
    let within = |paths: &[String], p: &str| paths.iter().any(|m| m.starts_with(p));
    if c.org_path.as_deref().is_some_and(|p| within(&r.org_paths, p)) {
        return true;
    }
    let linked = if c.org.is_some() { c.linked_unit_path.as_deref() } else { None };
    [linked, c.unit_path.as_deref()].into_iter().flatten().any(|p| within(&r.unit_paths, p))
}

/// The first 30 characters of a commitment, as notifications quote it.
fn snippet(content: &str) -> String {
    content.chars().take(30).collect()
}

/// What the owner is told of a reviewer's decision: (kind, Chinese, English).
pub fn decision_note(content: &str, approved: bool, comment: Option<&str>) -> (&'static str, String, String) {
    let s = snippet(content);
    if approved {
        ("accepted", format!("您的公开承诺“{s}”已通过审核"), format!("Your commitment \"{s}\" was approved"))
    } else {
        let c = comment.unwrap_or_default();
        ("returned", format!("您的公开承诺“{s}”被退回：{c}"), format!("Your commitment \"{s}\" was returned: {c}"))
    }
}

/// The reminder of an approved commitment due within three days or past its date: (kind,
/// Chinese, English).
pub fn due_note(content: &str, due: Date, today: Date) -> (&'static str, String, String) {
    let s = snippet(content);
    let (zh_due, en_due) = (crate::dates::format_date(due, Lang::Zh), crate::dates::format_date(due, Lang::En));
    if due < today {
        ("overdue", format!("公开承诺“{s}”已过完成时限（{zh_due}），请兑现并报告进展"), format!("The commitment \"{s}\" is past its date ({en_due}): fulfil it and report"))
    } else {
        ("due_soon", format!("公开承诺“{s}”将于{zh_due}到期"), format!("The commitment \"{s}\" is due on {en_due}"))
    }
}

/// The reminder to make a commitment that is still owed.
pub fn make_note(title: &str, due: Option<Date>) -> (String, String) {
    let d = due.map(crate::dates::iso).unwrap_or_default();
    (format!("请尽快提出公开承诺：“{title}”（截止{d}）"), format!("Please make your public commitment: \"{title}\" (due {d})"))
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

    #[test]
    fn outside_the_scope_only_the_boards_fields_and_no_evidence() {
        let inside = disclosure(true, &[PublicField::Content]);
        assert!(inside.shows(PublicField::Measures) && inside.evidence && inside.history && inside.reporter);
        let outside = disclosure(false, &[PublicField::Content, PublicField::Rate]);
        assert!(outside.shows(PublicField::Content) && !outside.shows(PublicField::Measures) && !outside.shows(PublicField::Name));
        assert!(!outside.evidence && !outside.history && !outside.reporter);
    }

    #[test]
    fn a_rate_under_the_minimum_says_nothing_of_its_count() {
        let r = |s, f, d| Rate { satisfied: s, fairly: f, dissatisfied: d };
        assert_eq!(RateView::of_target(None, true), RateView::UnderMinimum);
        assert_eq!(RateView::of_target(None, false), RateView::NotRated);
        assert_eq!(RateView::of_target(Some(r(3, 2, 1)), false), RateView::Shown(r(3, 2, 1)));
        assert_eq!(RateView::of_sum(r(2, 1, 0), true), RateView::UnderMinimum);
        assert_eq!(RateView::of_sum(r(2, 1, 0), false), RateView::Shown(r(2, 1, 0)));
        assert_eq!(RateView::of_sum(r(0, 0, 0), true), RateView::NotRated);
        let t = RateView::UnderMinimum.text(Lang::Zh);
        assert!(t.contains("不足5人") && !t.contains('3'));
        assert_eq!(RateView::Shown(r(3, 2, 1)).text(Lang::Zh), "83.33%（满意 3，基本满意 2，不满意 1，共 6 份）");
    }

    #[test]
    fn the_people_served_and_the_level_above_rate_but_never_the_owner() {
        use crate::ids::{AccountId, PersonId};
        use crate::scope::Reach;
        let member = RatingFacts { person: Some(7), org_path: Some("/1/2/3/".into()), ..Default::default() };
        let fellow = RaterFacts { person: 8, org_paths: vec!["/1/2/3/".into()], ..Default::default() };
        assert!(may_rate(&member, &fellow, None));
        assert!(!may_rate(&member, &RaterFacts { person: 7, ..fellow.clone() }, None), "not their own");
        let stranger = RaterFacts { person: 9, org_paths: vec!["/1/2/4/".into()], unit_paths: vec!["/1/5/".into()], ..Default::default() };
        assert!(!may_rate(&member, &stranger, None));
        let sec = Scope { account: AccountId(1), actor: "sec".into(), person: Some(PersonId(9)), roles: vec![], reaches: vec![(Reach::Org("/1/2/3/".into()), Access::Write)] };
        assert!(may_rate(&member, &stranger, Some(&sec)), "the branch above its member");
        let branch = RatingFacts { org: Some(3), org_path: Some("/1/2/3/".into()), linked_unit_path: Some("/1/5/".into()), ..Default::default() };
        let nobody = RaterFacts { person: 11, ..Default::default() };
        assert!(!may_rate(&branch, &nobody, Some(&sec)), "the branch's own secretary is not above it");
        assert!(may_rate(&branch, &stranger, None), "a person of the linked unit is served");
        assert!(!may_rate(&branch, &RaterFacts { acts_for_owner: true, ..fellow.clone() }, None), "who acts for the owner made it");
        let unit = RatingFacts { unit: Some(5), unit_path: Some("/1/5/".into()), linked_unit_path: Some("/1/9/".into()), ..Default::default() };
        assert!(may_rate(&unit, &stranger, None), "a unit's staff");
        assert!(!may_rate(&unit, &RaterFacts { person: 10, unit_paths: vec!["/1/9/".into()], ..Default::default() }, None), "a unit has no linked unit");
    }

    #[test]
    fn notes_quote_the_commitment_and_say_why() {
        let (kind, zh, _) = decision_note("每月精读一本理论著作并撰写读书笔记", false, Some("措施不够具体"));
        assert_eq!((kind, zh.as_str()), ("returned", "您的公开承诺“每月精读一本理论著作并撰写读书笔记”被退回：措施不够具体"));
        let (kind, zh, _) = due_note("帮助同学", date!(2012 - 07 - 10), date!(2012 - 07 - 11));
        assert_eq!(kind, "overdue");
        assert!(zh.contains("已过完成时限"));
        assert_eq!(due_note("x", date!(2012 - 07 - 12), date!(2012 - 07 - 11)).0, "due_soon");
    }
}
