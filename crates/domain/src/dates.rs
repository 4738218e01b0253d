//! Dates and times as people here read them: China Standard Time, 2012年3月15日 or 15 Mar 2012.

use crate::Lang;
use time::{Date, OffsetDateTime, UtcOffset};

/// Asia/Shanghai has kept UTC+8 without daylight saving since 1991.
pub const CST: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => panic!("UTC+8 is a valid offset"),
};

pub fn now_ms() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

pub fn cst_from_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH).to_offset(CST)
}

/// The moment (ms) of an hour of a day in China: what demo histories date their entries by.
pub fn cst_ms(day: Date, hour: u8) -> i64 {
    day.midnight().assume_offset(CST).unix_timestamp() * 1000 + i64::from(hour) * 3_600_000
}

/// The calendar date in China at a moment.
pub fn cst_date(ms: i64) -> Date {
    cst_from_ms(ms).date()
}

/// Today's date in China, or the demo clock's date while it runs (see [`install_clock`]).
pub fn today() -> Date {
    clock().unwrap_or_else(real_today)
}

/// Today's date in China whatever a demo clock says: for what keeps real time.
pub fn real_today() -> Date {
    cst_date(now_ms())
}

static CLOCK: std::sync::OnceLock<fn() -> Option<Date>> = std::sync::OnceLock::new();

/// Installs, once per process, where [`today`] asks for a demo clock: a demo database runs its
/// 2012 campaign as of a date of its own, so its deadlines read as a campaign in progress and not
/// as thousands of days late. The server answers per request (only for a database whose every
/// campaign is a demo campaign); times in milliseconds (the audit log, sessions, codes, rate
/// limits) never follow it.
pub fn install_clock(f: fn() -> Option<Date>) {
    let _ = CLOCK.set(f);
}

/// The demo clock's date, when one runs for the work at hand.
pub fn clock() -> Option<Date> {
    CLOCK.get().and_then(|f| f())
}

/// A deadline's days left as lists and desks show it: "还剩3天", "今天到期" or "逾期5天".
pub fn days_left_text(days: i64, lang: Lang) -> String {
    match (days, lang) {
        (0, Lang::Zh) => "今天到期".to_string(),
        (0, Lang::En) => "Due today".to_string(),
        (n, Lang::Zh) if n > 0 => format!("还剩{n}天"),
        (n, Lang::En) if n > 0 => format!("{n} days left"),
        (n, Lang::Zh) => format!("逾期{}天", -n),
        (n, Lang::En) => format!("{} days overdue", -n),
    }
}

const MONTHS_EN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

pub fn format_date(d: Date, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{}年{}月{}日", d.year(), u8::from(d.month()), d.day()),
        Lang::En => format!("{} {} {}", d.day(), MONTHS_EN[usize::from(u8::from(d.month())) - 1], d.year()),
    }
}

/// A month (1 to 12) by itself: "3月", "Mar" (the number itself out of range).
pub fn format_month(m: i64, lang: Lang) -> String {
    match (lang, usize::try_from(m).ok().filter(|m| (1..=12).contains(m))) {
        (_, None) => m.to_string(),
        (Lang::Zh, Some(m)) => format!("{m}月"),
        (Lang::En, Some(m)) => MONTHS_EN[m - 1].to_string(),
    }
}

/// A moment in China Standard Time, to the minute.
pub fn format_datetime_ms(ms: i64, lang: Lang) -> String {
    let t = cst_from_ms(ms);
    format!("{} {:02}:{:02}", format_date(t.date(), lang), t.hour(), t.minute())
}

/// ISO form for exports and the API: 2012-03-15.
pub fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_read_as_people_write_them() {
        assert_eq!(format_date(date!(2012 - 03 - 15), Lang::Zh), "2012年3月15日");
        assert_eq!(format_date(date!(2012 - 03 - 15), Lang::En), "15 Mar 2012");
        assert_eq!(iso(date!(2012 - 03 - 05)), "2012-03-05");
    }

    #[test]
    fn the_date_in_china_turns_at_midnight_cst() {
        // 2012-03-15 16:30 UTC is already 16 March in Changsha.
        let ms = OffsetDateTime::new_utc(date!(2012 - 03 - 15), time::macros::time!(16:30)).unix_timestamp() * 1000;
        assert_eq!(cst_date(ms), date!(2012 - 03 - 16));
        assert_eq!(format_datetime_ms(ms, Lang::Zh), "2012年3月16日 00:30");
    }
}
