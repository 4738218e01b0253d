//! Meetings (三会一课 and the other meetings the plan asks for): their kinds, how often a branch
//! must hold each (the office's rules, with vacations), which periods a branch has missed, the
//! check-in code that changes every 30 seconds, and the input rules of a meeting and its record.
//!
//! One module serves every meeting: a branch's 支部党员大会, 支委会, 党小组会, 党课 and 主题党日, and
//! the experience-exchange meetings (经验交流会) of the cadres who visit classes (item 8).

use crate::Lang;
use crate::validate::FieldErrors;
use serde::{Deserialize, Serialize};
use time::{Date, Month};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 支部党员大会.
    BranchGeneral,
    /// 支委会.
    BranchCommittee,
    /// 党小组会.
    Group,
    /// 党课.
    Lecture,
    /// 主题党日.
    ThemeDay,
    /// 经验交流会: held by the office or a unit, with the people it invites.
    Exchange,
    /// 中心组学习: a session of a central group, held by the university's or a secondary
    /// organization's committee, with the group's members.
    CentralGroup,
    /// 专题学习: a Party organization's or a unit's session studying a document the office
    /// published (items 1 and 4), with whom it invites or all its people.
    Study,
}

impl Kind {
    pub const ALL: [Kind; 8] = [Kind::BranchGeneral, Kind::BranchCommittee, Kind::Group, Kind::Lecture, Kind::ThemeDay, Kind::Exchange, Kind::CentralGroup, Kind::Study];
    /// The kinds a branch must hold (三会一课 and 主题党日), in the order the pages show them.
    pub const BRANCH: [Kind; 5] = [Kind::BranchGeneral, Kind::BranchCommittee, Kind::Group, Kind::Lecture, Kind::ThemeDay];

    pub fn code(self) -> &'static str {
        match self {
            Kind::BranchGeneral => "branch_general",
            Kind::BranchCommittee => "branch_committee",
            Kind::Group => "group",
            Kind::Lecture => "lecture",
            Kind::ThemeDay => "theme_day",
            Kind::Exchange => "exchange",
            Kind::CentralGroup => "central_group",
            Kind::Study => "study",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == s.trim())
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Kind::BranchGeneral => lang.t("支部党员大会", "Branch general meeting"),
            Kind::BranchCommittee => lang.t("支委会", "Branch committee meeting"),
            Kind::Group => lang.t("党小组会", "Party group meeting"),
            Kind::Lecture => lang.t("党课", "Party lecture"),
            Kind::ThemeDay => lang.t("主题党日", "Theme Party day"),
            Kind::Exchange => lang.t("经验交流会", "Experience-exchange meeting"),
            Kind::CentralGroup => lang.t("中心组学习", "Central-group study session"),
            Kind::Study => lang.t("专题学习", "Study session"),
        }
    }

    /// A branch's own meeting (held by a Party organization), as against an exchange meeting
    /// (held by the office or a unit).
    pub fn is_branch(self) -> bool {
        Kind::BRANCH.contains(&self)
    }

    /// Who is expected by default: the committee only for a 支委会, every member otherwise.
    pub fn committee_only(self) -> bool {
        self == Kind::BranchCommittee
    }
}

/// How often a kind must be held.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Monthly,
    Quarterly,
}

impl Period {
    pub fn code(self) -> &'static str {
        match self {
            Period::Monthly => "monthly",
            Period::Quarterly => "quarterly",
        }
    }

    pub fn parse(s: &str) -> Option<Period> {
        match s.trim() {
            "monthly" => Some(Period::Monthly),
            "quarterly" => Some(Period::Quarterly),
            _ => None,
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Period::Monthly => lang.t("每月", "monthly"),
            Period::Quarterly => lang.t("每季度", "quarterly"),
        }
    }

    fn months(self) -> u8 {
        match self {
            Period::Monthly => 1,
            Period::Quarterly => 3,
        }
    }
}

/// The office's rule for one kind: how often, and the months of vacation in which nothing is
/// required (a period entirely in vacation is not required).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub kind: Kind,
    pub period: Period,
    /// Months 1 to 12.
    pub vacation: Vec<u8>,
}

/// A period: its first and last day.
pub type Span = (Date, Date);

/// The default vacations: the winter break (February) and the summer break (August).
pub const DEFAULT_VACATION: [u8; 2] = [2, 8];

impl Rule {
    /// The default: 支委会, 党小组会 and 主题党日 monthly, 党员大会 and 党课 quarterly.
    pub fn default_for(kind: Kind) -> Rule {
        let period = match kind {
            Kind::BranchGeneral | Kind::Lecture => Period::Quarterly,
            _ => Period::Monthly,
        };
        Rule { kind, period, vacation: DEFAULT_VACATION.to_vec() }
    }

    /// The period `day` falls in: its first and last day.
    pub fn period_of(&self, day: Date) -> Span {
        let n = self.period.months();
        let first_month = (day.month() as u8 - 1) / n * n + 1;
        let start = Date::from_calendar_date(day.year(), Month::try_from(first_month).unwrap_or(Month::January), 1).unwrap_or(day);
        let end_month = first_month + n - 1;
        let end = Date::from_calendar_date(day.year(), Month::try_from(end_month).unwrap_or(Month::December), 1)
            .map(|d| d.replace_day(d.month().length(d.year())).unwrap_or(d))
            .unwrap_or(day);
        (start, end)
    }

    /// Whether a period requires a meeting: not when every month of it is vacation.
    pub fn required(&self, (start, end): Span) -> bool {
        let mut m = start.month() as u8;
        while m <= end.month() as u8 {
            if !self.vacation.contains(&m) {
                return true;
            }
            m += 1;
        }
        false
    }

    /// The required periods of a year up to `today` that have ended (the last one may be the
    /// current period, returned apart).
    pub fn periods(&self, year: i32, today: Date) -> (Vec<Span>, Option<Span>) {
        let mut ended = Vec::new();
        let mut current = None;
        let Ok(mut day) = Date::from_calendar_date(year, Month::January, 1) else { return (ended, current) };
        while day.year() == year && day <= today {
            let p = self.period_of(day);
            if self.required(p) {
                if p.1 < today {
                    ended.push(p);
                } else {
                    current = Some(p);
                }
            }
            day = p.1.next_day().unwrap_or(p.1);
            if day == p.1 {
                break;
            }
        }
        (ended, current)
    }
}

/// Reads the office's vacation months ("2, 8" or "2 8"), each 1 to 12.
pub fn parse_vacation(v: &str) -> Result<Vec<u8>, FieldErrors> {
    let mut out = Vec::new();
    for part in v.split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace()).filter(|s| !s.is_empty()) {
        match part.trim_end_matches('月').parse::<u8>() {
            Ok(m) if (1..=12).contains(&m) => out.push(m),
            _ => {
                let mut e = FieldErrors::new();
                e.add("vacation", format!("“{part}”不是 1 至 12 的月份"), format!("“{part}” is not a month from 1 to 12"));
                return Err(e);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// How long a check-in code is good for, and so how often the code on the screen changes.
pub const CODE_WINDOW_MS: i64 = 30_000;

/// The check-in code of a meeting for the 30-second window that `at_ms` falls in: eight
/// characters from an HMAC of the meeting's secret, which never leaves the server.
pub fn checkin_code(secret: &[u8], meeting: i64, at_ms: i64) -> String {
    use hmac::{Hmac, Mac};
    use sha2::Sha256;
    let window = at_ms.div_euclid(CODE_WINDOW_MS);
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(format!("{meeting}:{window}").as_bytes());
    let out = mac.finalize().into_bytes();
    out.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

/// Whether a code scanned at `now_ms` is good: the current window's or the one before (a scan
/// just as the screen changes still counts), so a code is good for at most a minute.
pub fn code_accepted(secret: &[u8], meeting: i64, code: &str, now_ms: i64) -> bool {
    let code = code.trim().to_ascii_lowercase();
    code.len() == 8 && (checkin_code(secret, meeting, now_ms) == code || checkin_code(secret, meeting, now_ms - CODE_WINDOW_MS) == code)
}

/// The milliseconds until the code on the screen changes.
pub fn code_left_ms(now_ms: i64) -> i64 {
    CODE_WINDOW_MS - now_ms.rem_euclid(CODE_WINDOW_MS)
}

/// How long check-in stays open after it is opened, unless closed before.
pub const CHECKIN_OPEN_MS: i64 = 4 * 3600 * 1000;

/// A meeting as scheduled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Schedule {
    pub kind: Kind,
    pub topic: String,
    pub on_day: Date,
    /// "HH:MM".
    pub starts: String,
    pub ends: String,
    pub place: String,
}

fn clock_time(v: &str) -> Option<(u8, u8)> {
    let (h, m) = v.trim().split_once(':')?;
    let (h, m) = (h.parse::<u8>().ok()?, m.parse::<u8>().ok()?);
    (h < 24 && m < 60).then_some((h, m))
}

/// Reads a meeting from its form fields: the kind, topic, day (not more than a year from
/// `today`), start and end (HH:MM, the end after the start) and place.
pub fn parse_schedule(kind: &str, topic: &str, day: &str, starts: &str, ends: &str, place: &str, today: Date) -> Result<Schedule, FieldErrors> {
    let mut e = FieldErrors::new();
    let kind = Kind::parse(kind);
    if kind.is_none() {
        e.add("kind", "请选择会议类型", "Choose the kind of meeting");
    }
    let on_day = match crate::validate::date(day.trim()) {
        Ok(d) if (d - today).whole_days() > 366 || (today - d).whole_days() > 366 => {
            e.add("on_day", "会议日期须在前后一年之内", "The day must be within a year of today");
            None
        }
        Ok(d) => Some(d),
        Err(t) => {
            e.add("on_day", t.zh, t.en);
            None
        }
    };
    let s = clock_time(starts);
    let en = clock_time(ends);
    if s.is_none() {
        e.add("starts", "开始时间请填“时:分”，如 14:30", "Give the start as HH:MM, such as 14:30");
    }
    if en.is_none() {
        e.add("ends", "结束时间请填“时:分”，如 16:00", "Give the end as HH:MM, such as 16:00");
    }
    if let (Some(a), Some(b)) = (s, en)
        && b <= a
    {
        e.add("ends", "结束时间须晚于开始时间", "The end must be after the start");
    }
    let text = crate::validate::long_text;
    let topic = text(&mut e, "topic", topic, 200, ("会议主题", "topic"), true);
    let place = text(&mut e, "place", place, 200, ("地点", "place"), true);
    match (kind, on_day, s, en, e.is_empty()) {
        (Some(kind), Some(on_day), Some(s), Some(en), true) => {
            Ok(Schedule { kind, topic, on_day, starts: format!("{:02}:{:02}", s.0, s.1), ends: format!("{:02}:{:02}", en.0, en.1), place })
        }
        _ => Err(e),
    }
}

/// A person's attendance at a meeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attendance {
    /// Expected; counted absent once the meeting is held.
    Expected,
    Present,
    Leave,
}

impl Attendance {
    pub fn code(self) -> &'static str {
        match self {
            Attendance::Expected => "expected",
            Attendance::Present => "present",
            Attendance::Leave => "leave",
        }
    }

    pub fn parse(s: &str) -> Option<Attendance> {
        match s {
            "expected" => Some(Attendance::Expected),
            "present" => Some(Attendance::Present),
            "leave" => Some(Attendance::Leave),
            _ => None,
        }
    }

    pub fn label(self, held: bool, lang: Lang) -> &'static str {
        match (self, held) {
            (Attendance::Expected, true) => lang.t("缺席", "absent"),
            (Attendance::Expected, false) => lang.t("应到", "expected"),
            (Attendance::Present, _) => lang.t("出席", "present"),
            (Attendance::Leave, _) => lang.t("请假", "on leave"),
        }
    }
}

/// The attendance rate of held meetings: present over expected (those on leave count as
/// expected and not present, as the 三会一课 records count them), in per cent, one decimal.
pub fn rate(present: i64, expected: i64) -> Option<f64> {
    (expected > 0).then(|| (present as f64 * 1000.0 / expected as f64).round() / 10.0)
}

/// A meeting's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Scheduled,
    Held,
    Cancelled,
}

impl State {
    pub fn code(self) -> &'static str {
        match self {
            State::Scheduled => "scheduled",
            State::Held => "held",
            State::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        match s {
            "scheduled" => Some(State::Scheduled),
            "held" => Some(State::Held),
            "cancelled" => Some(State::Cancelled),
            _ => None,
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            State::Scheduled => lang.t("已安排", "scheduled"),
            State::Held => lang.t("已召开", "held"),
            State::Cancelled => lang.t("已取消", "cancelled"),
        }
    }
}

/// Reads the minutes of a held meeting (required, up to 20,000 characters).
pub fn parse_minutes(v: &str) -> Result<String, FieldErrors> {
    let mut e = FieldErrors::new();
    let m = crate::validate::long_text(&mut e, "minutes", v, 20_000, ("会议记录", "minutes"), true);
    e.into_result().map(|_| m)
}

/// Reads a reason for leave (required, up to 200 characters).
pub fn parse_reason(v: &str) -> Result<String, FieldErrors> {
    let mut e = FieldErrors::new();
    let m = crate::validate::long_text(&mut e, "reason", v, 200, ("请假事由", "reason for leave"), true);
    e.into_result().map(|_| m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn periods_follow_the_rule_and_skip_vacations() {
        let monthly = Rule::default_for(Kind::ThemeDay);
        assert_eq!(monthly.period_of(date!(2012 - 04 - 20)), (date!(2012 - 04 - 01), date!(2012 - 04 - 30)));
        let (ended, current) = monthly.periods(2012, date!(2012 - 04 - 20));
        // January and March ended; February is vacation; April is in progress.
        assert_eq!(ended, vec![(date!(2012 - 01 - 01), date!(2012 - 01 - 31)), (date!(2012 - 03 - 01), date!(2012 - 03 - 31))]);
        assert_eq!(current, Some((date!(2012 - 04 - 01), date!(2012 - 04 - 30))));
        let quarterly = Rule::default_for(Kind::Lecture);
        assert_eq!(quarterly.period_of(date!(2012 - 05 - 02)), (date!(2012 - 04 - 01), date!(2012 - 06 - 30)));
        let (ended, current) = quarterly.periods(2012, date!(2012 - 12 - 31));
        assert_eq!(ended.len(), 3);
        assert_eq!(current, Some((date!(2012 - 10 - 01), date!(2012 - 12 - 31))));
        let all_off = Rule { kind: Kind::Lecture, period: Period::Quarterly, vacation: vec![7, 8, 9] };
        assert!(!all_off.required((date!(2012 - 07 - 01), date!(2012 - 09 - 30))));
    }

    #[test]
    fn a_code_is_good_for_its_window_and_the_one_before_only() {
        let secret = b"0123456789abcdef";
        let t = 1_700_000_000_000;
        let code = checkin_code(secret, 7, t);
        assert_eq!(code.len(), 8);
        assert!(code_accepted(secret, 7, &code, t));
        assert!(code_accepted(secret, 7, &code.to_uppercase(), t + CODE_WINDOW_MS));
        assert!(!code_accepted(secret, 7, &code, t + 2 * CODE_WINDOW_MS + 1));
        assert!(!code_accepted(secret, 8, &code, t), "another meeting's code");
        assert!(!code_accepted(b"another secret", 7, &code, t));
        assert!(code_left_ms(t) > 0 && code_left_ms(t) <= CODE_WINDOW_MS);
    }

    #[test]
    fn a_schedule_needs_its_kind_day_times_topic_and_place() {
        let today = date!(2012 - 04 - 20);
        let s = parse_schedule("theme_day", "学习雷锋精神", "2012-04-25", "14:30", "16:00", "学院 201 会议室", today).unwrap();
        assert_eq!((s.kind, s.starts.as_str()), (Kind::ThemeDay, "14:30"));
        let e = parse_schedule("tea", "", "2014-01-01", "25:00", "9:00", "", today).unwrap_err();
        for f in ["kind", "on_day", "starts", "topic", "place"] {
            assert!(e.get(f).is_some(), "{f}");
        }
        let e = parse_schedule("lecture", "党课", "2012-04-25", "16:00", "15:00", "礼堂", today).unwrap_err();
        assert!(e.get("ends").is_some());
        assert_eq!(parse_vacation("2，8月 8").unwrap(), vec![2, 8]);
        assert!(parse_vacation("13").is_err());
        assert_eq!(rate(9, 12), Some(75.0));
        assert_eq!(rate(0, 0), None);
    }
}
