//! The masses' problems (item 10): what a problem is about, its states and their time limits in
//! working days, the escalation of a step past its limit, and the input rules. Free of storage:
//! the store keeps the rows and the application layer drives the steps through these rules.

use crate::Text;
use crate::calendar::Calendar;
use crate::validate::FieldErrors;
use serde::Serialize;
use time::Date;

/// What a problem is about: a service window, a unit, or the campus at large (the office sorts
/// those out).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum About {
    Window,
    Unit,
    Campus,
}

impl About {
    pub const ALL: [About; 3] = [About::Window, About::Unit, About::Campus];

    pub fn code(self) -> &'static str {
        match self {
            About::Window => "window",
            About::Unit => "unit",
            About::Campus => "campus",
        }
    }

    pub fn parse(s: &str) -> Option<About> {
        About::ALL.into_iter().find(|a| a.code() == s.trim())
    }

    pub fn label(self) -> Text {
        match self {
            About::Window => Text::new("服务窗口", "A service window"),
            About::Unit => Text::new("某个单位", "A unit"),
            About::Campus => Text::new("校园（不确定归哪个单位）", "The campus (unsure which unit)"),
        }
    }
}

/// The kinds of problem the office sorts by.
pub const CATEGORIES: [(&str, &str, &str); 9] = [
    ("teaching", "教学与学风", "Teaching and study"),
    ("service", "办事服务", "Administrative service"),
    ("library", "图书馆", "Library"),
    ("canteen", "食堂餐饮", "Canteens"),
    ("dormitory", "宿舍住宿", "Dormitories"),
    ("network", "网络与信息化", "Network and IT"),
    ("safety", "安全与环境", "Safety and surroundings"),
    ("finance", "收费与资助", "Fees and aid"),
    ("other", "其他意见建议", "Other opinions"),
];

pub fn category_label(code: &str) -> Text {
    CATEGORIES.iter().find(|c| c.0 == code).map(|c| Text::new(c.1, c.2)).unwrap_or_else(|| Text::new(code, code))
}

/// The steps of a problem. An answer the raiser is not satisfied with sends the problem back to
/// `Received`, one level up (the event log keeps the dissatisfaction).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Waiting to be accepted by the unit (or sorted by the office when no unit is known).
    Received,
    /// Accepted and assigned to a person of the unit, who answers it.
    Assigned,
    /// Answered (reply and measures); waiting for the raiser's confirmation.
    Answered,
    /// The raiser confirmed it solved.
    Satisfied,
    /// Answered but not confirmed within the limit: closed, counted apart from the satisfied.
    Unconfirmed,
}

impl State {
    pub const ALL: [State; 5] = [State::Received, State::Assigned, State::Answered, State::Satisfied, State::Unconfirmed];

    pub fn code(self) -> &'static str {
        match self {
            State::Received => "received",
            State::Assigned => "assigned",
            State::Answered => "answered",
            State::Satisfied => "satisfied",
            State::Unconfirmed => "unconfirmed",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|x| x.code() == s)
    }

    pub fn label(self) -> Text {
        match self {
            State::Received => Text::new("待受理", "Received"),
            State::Assigned => Text::new("办理中", "Being handled"),
            State::Answered => Text::new("已答复待确认", "Answered, awaiting confirmation"),
            State::Satisfied => Text::new("已解决（满意）", "Solved (satisfied)"),
            State::Unconfirmed => Text::new("已关闭（未确认）", "Closed (not confirmed)"),
        }
    }

    /// The colour class of the state's badge (always beside its word).
    pub fn tone(self) -> &'static str {
        match self {
            State::Received => "warn",
            State::Assigned => "info",
            State::Answered => "info",
            State::Satisfied => "ok",
            State::Unconfirmed => "neutral",
        }
    }

    pub fn is_open(self) -> bool {
        matches!(self, State::Received | State::Assigned | State::Answered)
    }

    /// The working days the step may take under the rules (none once closed).
    pub fn limit(self, rules: &Rules) -> Option<u32> {
        match self {
            State::Received => Some(rules.accept_days),
            State::Assigned => Some(rules.answer_days),
            State::Answered => Some(rules.confirm_days),
            State::Satisfied | State::Unconfirmed => None,
        }
    }
}

/// The office's numbers: working days to accept, to answer, and for the raiser to confirm before
/// the problem closes as unconfirmed; and whether the resolved list is public.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Rules {
    pub accept_days: u32,
    pub answer_days: u32,
    pub confirm_days: u32,
    pub public_list: bool,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules { accept_days: 2, answer_days: 5, confirm_days: 5, public_list: true }
    }
}

impl Rules {
    /// Reads the rules from their form fields (each limit a whole number of 1 to 60 working days).
    pub fn parse(accept: &str, answer: &str, confirm: &str, public_list: bool) -> Result<Rules, FieldErrors> {
        let mut e = FieldErrors::new();
        let mut days = |field: &str, v: &str| match v.trim().parse::<u32>() {
            Ok(n) if (1..=60).contains(&n) => n,
            _ => {
                e.add(field, "请填 1 至 60 的整数（工作日）", "Give a whole number of working days from 1 to 60");
                0
            }
        };
        let r = Rules { accept_days: days("accept_days", accept), answer_days: days("answer_days", answer), confirm_days: days("confirm_days", confirm), public_list };
        if e.is_empty() { Ok(r) } else { Err(e) }
    }
}

/// The last day of a step that began on `from` and may take `days` working days.
pub fn due(calendar: &Calendar, from: Date, days: u32) -> Date {
    calendar.add_working_days(from, days)
}

/// Who must hear of a step past its limit: nobody while within it, the unit's head once past it,
/// and the office once it is a whole limit further past.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Escalation {
    None = 0,
    Head = 1,
    Office = 2,
}

impl Escalation {
    pub fn from_level(n: i64) -> Escalation {
        match n {
            i64::MIN..=0 => Escalation::None,
            1 => Escalation::Head,
            _ => Escalation::Office,
        }
    }

    pub fn label(self) -> Text {
        match self {
            Escalation::None => Text::new("", ""),
            Escalation::Head => Text::new("已超时，已报单位负责人", "Overdue: referred to the unit's head"),
            Escalation::Office => Text::new("严重超时，已报创先办", "Long overdue: referred to the campaign office"),
        }
    }
}

/// The escalation a step due on `due_on`, allowed `limit` working days, has reached by `today`.
pub fn escalation(calendar: &Calendar, due_on: Date, limit: u32, today: Date) -> Escalation {
    if today <= due_on {
        Escalation::None
    } else if today <= calendar.add_working_days(due_on, limit) {
        Escalation::Head
    } else {
        Escalation::Office
    }
}

/// A problem as raised: what it is about, its category and its words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Raised {
    pub about: About,
    pub category: String,
    pub body: String,
    pub unnamed: bool,
}

/// Reads a problem from its form fields; `about_target` says whether a window or unit was chosen.
pub fn parse_raised(about: &str, about_target: bool, category: &str, body: &str, unnamed: bool) -> Result<Raised, FieldErrors> {
    let mut e = FieldErrors::new();
    let about = match About::parse(about) {
        Some(a) => Some(a),
        None => {
            e.add("about", "请选择问题涉及的对象", "Choose what the problem is about");
            None
        }
    };
    if matches!(about, Some(About::Window | About::Unit)) && !about_target {
        e.add("target", "请选择涉及的窗口或单位", "Choose the window or unit");
    }
    if !CATEGORIES.iter().any(|c| c.0 == category.trim()) {
        e.add("category", "请选择问题类别", "Choose a category");
    }
    let before = e.0.len();
    let body = crate::validate::long_text(&mut e, "body", body, 2000, ("问题或意见", "problem or opinion"), true);
    if e.0.len() == before && body.chars().count() < 5 {
        e.add("body", "请写明问题或意见（至少 5 个字）", "Describe the problem or opinion (at least 5 characters)");
    }
    match (about, e.is_empty()) {
        (Some(about), true) => Ok(Raised { about, category: category.trim().to_string(), body, unnamed }),
        _ => Err(e),
    }
}

/// A free text of a step (a reply, measures, a summary): required, at most `max` characters,
/// line breaks allowed.
pub fn step_text(e: &mut FieldErrors, field: &str, v: &str, max: usize, what: (&str, &str)) -> String {
    crate::validate::long_text(e, field, v, max, what, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_step_escalates_to_the_head_then_to_the_office() {
        let cal = Calendar::default();
        // Monday 2 April 2012, two working days: due Wednesday 4 April.
        let d = due(&cal, date!(2012 - 04 - 02), 2);
        assert_eq!(d, date!(2012 - 04 - 04));
        assert_eq!(escalation(&cal, d, 2, date!(2012 - 04 - 04)), Escalation::None);
        assert_eq!(escalation(&cal, d, 2, date!(2012 - 04 - 05)), Escalation::Head);
        assert_eq!(escalation(&cal, d, 2, date!(2012 - 04 - 06)), Escalation::Head);
        // Thursday and Friday were the two further working days: from Saturday on, the office.
        assert_eq!(escalation(&cal, d, 2, date!(2012 - 04 - 07)), Escalation::Office);
        assert_eq!(escalation(&cal, d, 2, date!(2012 - 04 - 09)), Escalation::Office);
    }

    #[test]
    fn holidays_lengthen_a_limit() {
        let mut cal = Calendar::default();
        cal.holidays.insert(date!(2012 - 04 - 03), "清明节".into());
        assert_eq!(due(&cal, date!(2012 - 04 - 02), 2), date!(2012 - 04 - 05));
    }

    #[test]
    fn a_raised_problem_needs_its_target_category_and_words() {
        assert!(parse_raised("window", true, "library", "图书馆开放时间太短", false).is_ok());
        let e = parse_raised("window", false, "nope", "短", true).unwrap_err();
        for f in ["target", "category", "body"] {
            assert!(e.get(f).is_some(), "{f}");
        }
        assert!(parse_raised("campus", false, "other", "校园里路灯太暗了", true).is_ok());
        assert!(parse_raised("", false, "other", "校园里路灯太暗了", true).unwrap_err().get("about").is_some());
    }

    #[test]
    fn rules_take_whole_working_days() {
        assert_eq!(Rules::parse("2", "5", "5", true).unwrap(), Rules::default());
        let e = Rules::parse("0", "x", "61", false).unwrap_err();
        for f in ["accept_days", "answer_days", "confirm_days"] {
            assert!(e.get(f).is_some(), "{f}");
        }
    }
}
