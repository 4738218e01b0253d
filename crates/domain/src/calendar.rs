//! Working days: weekdays, except public holidays, plus the make-up working days (调休) on
//! which a Saturday or Sunday is worked.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::{Date, Weekday};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    /// Public holidays, with their names.
    #[serde(with = "iso_keys")]
    pub holidays: BTreeMap<Date, String>,
    /// Weekend days that are worked, with the holiday they make up for.
    #[serde(with = "iso_keys")]
    pub workdays: BTreeMap<Date, String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    Working,
    Weekend,
    Holiday,
    MakeUp,
}

impl Calendar {
    pub fn kind(&self, d: Date) -> DayKind {
        if self.holidays.contains_key(&d) {
            DayKind::Holiday
        } else if self.workdays.contains_key(&d) {
            DayKind::MakeUp
        } else if matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) {
            DayKind::Weekend
        } else {
            DayKind::Working
        }
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        matches!(self.kind(d), DayKind::Working | DayKind::MakeUp)
    }

    /// The date `n` working days after `d` (d itself not counted).
    pub fn add_working_days(&self, d: Date, n: u32) -> Date {
        let mut day = d;
        let mut left = n;
        while left > 0 {
            day = day.next_day().unwrap_or(day);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days from `from` (exclusive) to `to` (inclusive); negative when `to` is earlier.
    pub fn working_days_between(&self, from: Date, to: Date) -> i64 {
        if to < from {
            return -self.working_days_between(to, from);
        }
        let mut n = 0;
        let mut d = from;
        while d < to {
            d = d.next_day().unwrap_or(to);
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn cal2012() -> Calendar {
        let mut c = Calendar::default();
        for d in [date!(2012 - 04 - 02), date!(2012 - 04 - 03), date!(2012 - 04 - 04)] {
            c.holidays.insert(d, "清明节".into());
        }
        c.workdays.insert(date!(2012 - 03 - 31), "清明节调休".into());
        c.workdays.insert(date!(2012 - 04 - 01), "清明节调休".into());
        c
    }

    #[test]
    fn qingming_2012_shifts_the_working_week() {
        let c = cal2012();
        assert!(c.is_working_day(date!(2012 - 03 - 31)), "Saturday 31 March was worked");
        assert!(!c.is_working_day(date!(2012 - 04 - 02)), "Monday 2 April was a holiday");
        // Five working days after Thursday 29 March: 30, 31 (Sat), 1 (Sun), 5, 6 April.
        assert_eq!(c.add_working_days(date!(2012 - 03 - 29), 5), date!(2012 - 04 - 06));
        assert_eq!(c.working_days_between(date!(2012 - 03 - 29), date!(2012 - 04 - 06)), 5);
        assert_eq!(c.working_days_between(date!(2012 - 04 - 06), date!(2012 - 03 - 29)), -5);
    }
}

/// Dates as map keys are written as ISO strings (JSON keys must be strings).
mod iso_keys {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;
    use time::Date;

    pub fn serialize<S: Serializer>(m: &BTreeMap<Date, String>, s: S) -> Result<S::Ok, S::Error> {
        m.iter().map(|(d, v)| (crate::dates::iso(*d), v)).collect::<BTreeMap<_, _>>().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<Date, String>, D::Error> {
        let raw = BTreeMap::<String, String>::deserialize(d)?;
        raw.into_iter().map(|(k, v)| crate::validate::date(&k).map(|d| (d, v)).map_err(|_| serde::de::Error::custom(format!("not a date: {k}")))).collect()
    }
}
