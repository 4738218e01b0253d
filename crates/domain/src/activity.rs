//! Activities (items 7, 12 and 13 of the plan: 学雷锋 volunteer service, the 三湘读书月 reading
//! month, teachers' ethics activities, student branches' study activities): announced to the
//! people of an organization or unit with a day, a place and a quota; sign-up with a waiting
//! list that moves up when someone cancels; check-in at the event; a record afterwards with the
//! volunteer hours; and, in a reading month, the books members read with a short review.

use crate::validate::FieldErrors;
use crate::{Lang, validate};
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 学雷锋志愿服务: hours count.
    Volunteer,
    /// 三湘读书月: members record the books they read.
    Reading,
    /// 师德教育.
    Ethics,
    /// A branch's study activity.
    Study,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Volunteer, Kind::Reading, Kind::Ethics, Kind::Study];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Volunteer => "volunteer",
            Kind::Reading => "reading",
            Kind::Ethics => "ethics",
            Kind::Study => "study",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == s.trim())
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Kind::Volunteer => lang.t("学雷锋志愿服务", "Volunteer service (学雷锋)"),
            Kind::Reading => lang.t("三湘读书月", "Reading month"),
            Kind::Ethics => lang.t("师德教育活动", "Teachers' ethics"),
            Kind::Study => lang.t("学习活动", "Study activity"),
        }
    }
}

/// Where a sign-up stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signup {
    /// Has a place.
    Confirmed,
    /// On the waiting list, in the order of signing up.
    Waiting,
    Cancelled,
}

impl Signup {
    pub fn code(self) -> &'static str {
        match self {
            Signup::Confirmed => "confirmed",
            Signup::Waiting => "waiting",
            Signup::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Signup> {
        [Signup::Confirmed, Signup::Waiting, Signup::Cancelled].into_iter().find(|k| k.code() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Signup::Confirmed => lang.t("已报名", "Signed up"),
            Signup::Waiting => lang.t("候补", "Waiting list"),
            Signup::Cancelled => lang.t("已取消", "Cancelled"),
        }
    }
}

/// Where a new sign-up goes: a place while the confirmed are fewer than the quota (0: no limit).
pub fn place_for(confirmed: i64, quota: i64) -> Signup {
    if quota <= 0 || confirmed < quota { Signup::Confirmed } else { Signup::Waiting }
}

/// An activity as announced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announce {
    pub kind: Kind,
    pub title: String,
    pub body: String,
    pub place: String,
    pub on_day: Date,
    pub end_day: Date,
    pub starts: String,
    pub ends: String,
    /// The last day to sign up (the first day when left empty).
    pub signup_until: Date,
    /// 0: no limit.
    pub quota: i64,
}

/// The fields of an activity as typed.
pub struct AnnounceFields<'a> {
    pub kind: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub place: &'a str,
    pub on_day: &'a str,
    pub end_day: &'a str,
    pub starts: &'a str,
    pub ends: &'a str,
    pub signup_until: &'a str,
    pub quota: &'a str,
}

/// Reads an activity; every problem at once. It starts within a year of `today` and not before
/// it, lasts at most 31 days (a reading month), and sign-up closes by its first day.
pub fn announce(f: &AnnounceFields, today: Date) -> Result<Announce, FieldErrors> {
    let mut e = FieldErrors::new();
    let kind = Kind::parse(f.kind);
    if kind.is_none() {
        e.add("kind", "请选择活动类别", "Choose the kind of activity");
    }
    let title = f.title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        e.add("title", "请填写活动名称（100字以内）", "Give the title (100 characters at most)");
    }
    let body = f.body.trim();
    if body.chars().count() > 3000 {
        e.add("body", "活动说明不超过3000字", "The description is 3000 characters at most");
    }
    let place = f.place.trim();
    if place.is_empty() || place.chars().count() > 100 {
        e.add("place", "请填写地点", "Give the place");
    }
    for (field, v) in [("title", title), ("body", body), ("place", place)] {
        if validate::has_control(v) {
            e.add(field, "含有不可见的控制字符", "Contains control characters");
        }
    }
    let mut day = |field: &str, v: &str| match validate::date(v.trim()) {
        Ok(d) => Some(d),
        Err(t) => {
            e.add(field, t.zh, t.en);
            None
        }
    };
    let on_day = day("on_day", f.on_day);
    let end_day = if f.end_day.trim().is_empty() { on_day } else { day("end_day", f.end_day) };
    let signup_until = if f.signup_until.trim().is_empty() { on_day } else { day("signup_until", f.signup_until) };
    if let Some(d) = on_day {
        if d < today {
            e.add("on_day", "活动日期不能早于今天", "The activity cannot start before today");
        } else if (d - today).whole_days() > 366 {
            e.add("on_day", "活动须在一年之内", "The activity is within a year");
        }
        if let Some(end) = end_day
            && (end < d || (end - d).whole_days() > 31)
        {
            e.add("end_day", "结束日期应在开始日期之后31天之内", "The last day is within 31 days after the first");
        }
        if let Some(s) = signup_until
            && (s > d || s < today)
        {
            e.add("signup_until", "报名截止日期应在今天和活动开始之间", "Sign-up closes between today and the first day");
        }
    }
    let clock = |v: &str| {
        let v = v.trim();
        let (h, m) = v.split_once(':')?;
        let (h, m) = (h.parse::<u8>().ok()?, m.parse::<u8>().ok()?);
        (h < 24 && m < 60 && v.len() == 5).then(|| v.to_string())
    };
    let (starts, ends) = (clock(f.starts), clock(f.ends));
    match (&starts, &ends) {
        (Some(a), Some(b)) if a < b => {}
        _ => e.add("ends", "请填写开始和结束时间（HH:MM），结束晚于开始", "Give the start and end (HH:MM), the end after the start"),
    }
    let quota = match f.quota.trim() {
        "" => Some(0),
        v => v.parse::<i64>().ok().filter(|q| (0..=100_000).contains(q)),
    };
    if quota.is_none() {
        e.add("quota", "名额应为0至100000的整数（0为不限）", "The quota is a whole number from 0 to 100000 (0: no limit)");
    }
    e.into_result()?;
    Ok(Announce {
        kind: kind.unwrap_or(Kind::Study),
        title: title.into(),
        body: body.into(),
        place: place.into(),
        on_day: on_day.unwrap_or(today),
        end_day: end_day.unwrap_or(today),
        starts: starts.unwrap_or_default(),
        ends: ends.unwrap_or_default(),
        signup_until: signup_until.unwrap_or(today),
        quota: quota.unwrap_or(0),
    })
}

/// Reads volunteer hours as typed: 0 to 24 a day, in half hours.
pub fn hours(v: &str, days: i64) -> Result<f64, FieldErrors> {
    let h = v.trim().parse::<f64>().ok().filter(|h| h.is_finite() && *h >= 0.0 && *h <= 24.0 * days.max(1) as f64 && (h * 2.0).fract() == 0.0);
    h.ok_or_else(|| {
        let mut e = FieldErrors::new();
        e.add("hours", format!("时长应为0至{}小时，以半小时计", 24 * days.max(1)), format!("Hours are from 0 to {}, in half hours", 24 * days.max(1)));
        e
    })
}

/// A book a member read in a reading month, with a short review.
pub fn book(title: &str, author: &str, review: &str) -> Result<(String, String, String), FieldErrors> {
    let mut e = FieldErrors::new();
    let (title, author, review) = (title.trim(), author.trim(), review.trim());
    if title.is_empty() || title.chars().count() > 100 {
        e.add("title", "请填写书名（100字以内）", "Give the book's title (100 characters at most)");
    }
    if author.chars().count() > 60 {
        e.add("author", "作者不超过60字", "The author is 60 characters at most");
    }
    let n = review.chars().count();
    if !(20..=1000).contains(&n) {
        e.add("review", format!("读后感应为20至1000字（现为{n}字）"), format!("The review is 20 to 1000 characters (now {n})"));
    }
    for (field, v) in [("title", title), ("author", author), ("review", review)] {
        if validate::has_control(v) {
            e.add(field, "含有不可见的控制字符", "Contains control characters");
        }
    }
    e.into_result().map(|_| (title.to_string(), author.to_string(), review.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn fields<'a>(on: &'a str, until: &'a str, quota: &'a str) -> AnnounceFields<'a> {
        AnnounceFields {
            kind: "volunteer",
            title: "学雷锋志愿服务",
            body: "",
            place: "岳麓山",
            on_day: on,
            end_day: "",
            starts: "08:00",
            ends: "11:00",
            signup_until: until,
            quota,
        }
    }

    #[test]
    fn an_activity_is_read_with_every_problem() {
        let today = date!(2012 - 03 - 01);
        let a = announce(&fields("2012-03-05", "", "30"), today).unwrap();
        assert_eq!((a.quota, a.signup_until, a.end_day), (30, date!(2012 - 03 - 05), date!(2012 - 03 - 05)));
        let e = announce(&fields("2012-02-01", "2012-03-09", "-1"), today).unwrap_err();
        assert!(e.get("on_day").is_some() && e.get("quota").is_some());
        assert!(announce(&fields("2012-03-05", "2012-03-09", "1"), today).unwrap_err().get("signup_until").is_some());
    }

    #[test]
    fn places_then_the_waiting_list() {
        assert_eq!(place_for(29, 30), Signup::Confirmed);
        assert_eq!(place_for(30, 30), Signup::Waiting);
        assert_eq!(place_for(1000, 0), Signup::Confirmed, "0 is no limit");
        assert_eq!(hours("3.5", 1).unwrap(), 3.5);
        assert!(hours("3.3", 1).is_err() && hours("25", 1).is_err() && hours("NaN", 1).is_err());
        assert!(book("平凡的世界", "路遥", "短").is_err());
    }
}
