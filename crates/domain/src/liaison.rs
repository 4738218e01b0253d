//! Cadres and their classes (item 8): a visit's input rules, the term a visit counts in, and when
//! a class counts as unvisited. The relation itself (who is linked to which class) is a relation
//! record; the store keeps the visits.

use crate::validate::FieldErrors;
use time::{Date, Month};

/// The office's default: a class not visited for this many weeks is flagged, and its cadre reminded.
pub const DEFAULT_UNVISITED_WEEKS: u32 = 4;

/// The first day of the term `day` falls in: the autumn term from 1 September, the spring term
/// from 15 February (the winter break between them counts with the autumn term).
pub fn term_start(day: Date) -> Date {
    let y = day.year();
    let spring = Date::from_calendar_date(y, Month::February, 15).unwrap_or(day);
    let autumn = Date::from_calendar_date(y, Month::September, 1).unwrap_or(day);
    if day >= autumn {
        autumn
    } else if day >= spring {
        spring
    } else {
        Date::from_calendar_date(y - 1, Month::September, 1).unwrap_or(day)
    }
}

/// Whether a class last visited on `last` (never: None, counted from `linked`, the day its cadre
/// was linked) counts as unvisited on `today` after `weeks` weeks.
pub fn unvisited(last: Option<Date>, linked: Date, today: Date, weeks: u32) -> bool {
    let since = last.unwrap_or(linked);
    (today - since).whole_days() >= i64::from(weeks) * 7
}

/// A visit as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Visit {
    pub on_day: Date,
    pub place: String,
    pub met: String,
    pub topics: String,
    pub notes: Option<String>,
}

/// Reads a visit from its form fields: the day (not after today), the place, whom the cadre met,
/// the topics, and notes.
pub fn parse_visit(day: &str, place: &str, met: &str, topics: &str, notes: &str, today: Date) -> Result<Visit, FieldErrors> {
    let mut e = FieldErrors::new();
    let on_day = match crate::validate::date(day.trim()) {
        Ok(d) if d > today => {
            e.add("on_day", "走访日期不能晚于今天", "The day of the visit cannot be after today");
            None
        }
        Ok(d) => Some(d),
        Err(t) => {
            e.add("on_day", t.zh, t.en);
            None
        }
    };
    let text = crate::validate::long_text;
    let place = text(&mut e, "place", place, 200, ("地点", "place"), true);
    let met = text(&mut e, "met", met, 500, ("走访对象", "people met"), true);
    let topics = text(&mut e, "topics", topics, 1000, ("交流内容", "topics"), true);
    let notes = text(&mut e, "notes", notes, 2000, ("备注", "notes"), false);
    match (on_day, e.is_empty()) {
        (Some(on_day), true) => Ok(Visit { on_day, place, met, topics, notes: (!notes.is_empty()).then_some(notes) }),
        _ => Err(e),
    }
}

/// Reads the office's number of weeks (1 to 26).
pub fn parse_weeks(v: &str) -> Result<u32, FieldErrors> {
    match v.trim().parse::<u32>() {
        Ok(n) if (1..=26).contains(&n) => Ok(n),
        _ => {
            let mut e = FieldErrors::new();
            e.add("unvisited_weeks", "请填 1 至 26 的整数（周）", "Give a whole number of weeks from 1 to 26");
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn terms_start_in_september_and_february() {
        assert_eq!(term_start(date!(2012 - 04 - 20)), date!(2012 - 02 - 15));
        assert_eq!(term_start(date!(2012 - 10 - 01)), date!(2012 - 09 - 01));
        assert_eq!(term_start(date!(2013 - 01 - 10)), date!(2012 - 09 - 01));
    }

    #[test]
    fn a_class_is_unvisited_after_the_weeks_set() {
        assert!(!unvisited(Some(date!(2012 - 04 - 01)), date!(2012 - 03 - 02), date!(2012 - 04 - 28), 4));
        assert!(unvisited(Some(date!(2012 - 04 - 01)), date!(2012 - 03 - 02), date!(2012 - 04 - 29), 4));
        assert!(unvisited(None, date!(2012 - 03 - 02), date!(2012 - 04 - 20), 4));
    }

    #[test]
    fn a_visit_needs_its_day_place_people_and_topics() {
        let today = date!(2012 - 04 - 20);
        assert!(parse_visit("2012-04-18", "学生宿舍 5 栋", "班长、三名同学", "学风、就业", "", today).is_ok());
        let e = parse_visit("2012-05-01", "", "", "", "", today).unwrap_err();
        for f in ["on_day", "place", "met", "topics"] {
            assert!(e.get(f).is_some(), "{f}");
        }
        assert!(parse_weeks("0").is_err() && parse_weeks("4").is_ok());
    }
}
