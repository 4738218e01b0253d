//! The disposal of unqualified members (稳妥处置不合格党员, item 13): a case opened from a 不合格
//! grade of an appraisal or by the branch directly, with the measure taken, its deadline, the
//! follow-ups and the outcome. Confidential to the branch, its secondary organization and the
//! office.

use crate::Lang;
use crate::validate::FieldErrors;
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// 谈话提醒.
    Talk,
    /// 限期改正: with a deadline.
    Correction,
    /// 劝其退党.
    Persuade,
    /// 除名.
    Removal,
}

impl Measure {
    pub const ALL: [Measure; 4] = [Measure::Talk, Measure::Correction, Measure::Persuade, Measure::Removal];

    pub fn code(self) -> &'static str {
        match self {
            Measure::Talk => "talk",
            Measure::Correction => "correction",
            Measure::Persuade => "persuade",
            Measure::Removal => "removal",
        }
    }

    pub fn parse(s: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.code() == s.trim())
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Measure::Talk => lang.t("谈话提醒", "A talk"),
            Measure::Correction => lang.t("限期改正", "Correction within a deadline"),
            Measure::Persuade => lang.t("劝其退党", "Persuaded to leave the Party"),
            Measure::Removal => lang.t("除名", "Removal"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 已改正，恢复为合格党员.
    Corrected,
    /// 本人退党.
    Left,
    /// 已除名.
    Removed,
    /// 其他.
    Other,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [Outcome::Corrected, Outcome::Left, Outcome::Removed, Outcome::Other];

    pub fn code(self) -> &'static str {
        match self {
            Outcome::Corrected => "corrected",
            Outcome::Left => "left",
            Outcome::Removed => "removed",
            Outcome::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|m| m.code() == s.trim())
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Outcome::Corrected => lang.t("已改正，恢复为合格党员", "Corrected"),
            Outcome::Left => lang.t("本人退党", "Left the Party"),
            Outcome::Removed => lang.t("已除名", "Removed"),
            Outcome::Other => lang.t("其他", "Other"),
        }
    }
}

/// A case as opened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Opening {
    pub measure: Measure,
    pub grounds: String,
    pub deadline: Option<Date>,
}

/// Reads a case's opening: the measure, the grounds, and the deadline (required for 限期改正,
/// after today and within a year).
pub fn parse_opening(measure: &str, grounds: &str, deadline: &str, today: Date) -> Result<Opening, FieldErrors> {
    let mut e = FieldErrors::new();
    let measure = Measure::parse(measure);
    if measure.is_none() {
        e.add("measure", "请选择处置措施", "Choose the measure");
    }
    let grounds = crate::validate::long_text(&mut e, "grounds", grounds, 2000, ("处置事由", "grounds"), true);
    let deadline = match (deadline.trim(), measure) {
        ("", Some(Measure::Correction)) => {
            e.add("deadline", "限期改正须写明期限", "A correction needs its deadline");
            None
        }
        ("", _) => None,
        (d, _) => match crate::validate::date(d) {
            Ok(d) if d <= today || (d - today).whole_days() > 366 => {
                e.add("deadline", "期限须在今天之后、一年之内", "The deadline must be after today and within a year");
                None
            }
            Ok(d) => Some(d),
            Err(t) => {
                e.add("deadline", t.zh, t.en);
                None
            }
        },
    };
    match (measure, e.is_empty()) {
        (Some(measure), true) => Ok(Opening { measure, grounds, deadline }),
        _ => Err(e),
    }
}

/// Reads a follow-up: the day (not after today) and what was done.
pub fn parse_followup(day: &str, note: &str, today: Date) -> Result<(Date, String), FieldErrors> {
    let mut e = FieldErrors::new();
    let on = match crate::validate::date(day.trim()) {
        Ok(d) if d > today => {
            e.add("on_day", "日期不能晚于今天", "The day cannot be after today");
            None
        }
        Ok(d) => Some(d),
        Err(t) => {
            e.add("on_day", t.zh, t.en);
            None
        }
    };
    let note = crate::validate::long_text(&mut e, "note", note, 2000, ("跟踪记录", "follow-up"), true);
    match (on, e.is_empty()) {
        (Some(on), true) => Ok((on, note)),
        _ => Err(e),
    }
}

/// Reads the outcome that closes a case, with its note.
pub fn parse_outcome(outcome: &str, note: &str) -> Result<(Outcome, String), FieldErrors> {
    let mut e = FieldErrors::new();
    let outcome = Outcome::parse(outcome);
    if outcome.is_none() {
        e.add("outcome", "请选择处置结果", "Choose the outcome");
    }
    let note = crate::validate::long_text(&mut e, "outcome_note", note, 2000, ("结果说明", "note"), true);
    match (outcome, e.is_empty()) {
        (Some(o), true) => Ok((o, note)),
        _ => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_correction_needs_a_deadline_within_a_year() {
        let today = date!(2012 - 04 - 20);
        assert!(parse_opening("correction", "长期不参加组织生活", "2012-10-20", today).is_ok());
        assert!(parse_opening("correction", "长期不参加组织生活", "", today).unwrap_err().get("deadline").is_some());
        assert!(parse_opening("correction", "x", "2013-06-01", today).unwrap_err().get("deadline").is_some());
        assert!(parse_opening("talk", "x", "", today).is_ok());
        let e = parse_opening("", "", "", today).unwrap_err();
        assert!(e.get("measure").is_some() && e.get("grounds").is_some());
        assert!(parse_followup("2012-05-01", "谈话", today).is_err());
        assert!(parse_outcome("corrected", "").is_err() && parse_outcome("corrected", "经考察已改正").is_ok());
    }
}
