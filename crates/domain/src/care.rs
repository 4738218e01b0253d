//! Care visits (走访慰问, item 13): the office opens a round for a holiday with the people to be
//! visited (retired cadres, 老党员, members in hardship, or named ones); branches and units
//! record each visit. Why a person is on the list is for the office and the Party organizations
//! above them only: a unit sees whom to visit, never why, and a member in hardship is never
//! shown as such beyond the branch, its secondary organization and the office.

use crate::Lang;
use crate::validate::FieldErrors;
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// 离退休干部.
    RetiredCadre,
    /// 老党员.
    OldMember,
    /// 生活困难党员.
    Hardship,
    /// Named by the office for another reason.
    Named,
}

impl Reason {
    pub const ALL: [Reason; 4] = [Reason::RetiredCadre, Reason::OldMember, Reason::Hardship, Reason::Named];

    pub fn code(self) -> &'static str {
        match self {
            Reason::RetiredCadre => "retired_cadre",
            Reason::OldMember => "old_member",
            Reason::Hardship => "hardship",
            Reason::Named => "named",
        }
    }

    pub fn parse(s: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.code() == s.trim())
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Reason::RetiredCadre => lang.t("离退休干部", "Retired cadre"),
            Reason::OldMember => lang.t("老党员", "Long-standing member"),
            Reason::Hardship => lang.t("生活困难党员", "Member in hardship"),
            Reason::Named => lang.t("指定走访", "Named"),
        }
    }
}

/// A round as typed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Round {
    pub name: String,
    pub starts_on: Date,
    pub ends_on: Date,
}

pub fn parse_round(name: &str, starts: &str, ends: &str) -> Result<Round, FieldErrors> {
    let mut e = FieldErrors::new();
    let name = crate::validate::long_text(&mut e, "name", name, 100, ("名称", "name"), true);
    let a = e.take("starts_on", crate::validate::date(starts.trim()));
    let b = e.take("ends_on", crate::validate::date(ends.trim()));
    if let (Some(a), Some(b)) = (a, b)
        && b < a
    {
        e.add("ends_on", "结束日期不能早于开始日期", "The end cannot be before the start");
    }
    match (a, b, e.is_empty()) {
        (Some(starts_on), Some(ends_on), true) => Ok(Round { name, starts_on, ends_on }),
        _ => Err(e),
    }
}

/// A visit as typed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Visit {
    pub on_day: Date,
    /// Who went.
    pub visitors: String,
    /// What was given.
    pub gifts: String,
    /// Its value, in fen (分).
    pub amount_fen: i64,
    pub note: Option<String>,
}

/// Reads an amount in yuan ("500", "500.5", "1,200.00"): not negative, at most two decimals.
pub fn parse_amount(v: &str) -> Option<i64> {
    let v = v.trim().replace([',', '，'], "");
    let v = v.trim_end_matches('元');
    if v.is_empty() {
        return Some(0);
    }
    let (whole, frac) = v.split_once('.').unwrap_or((v, ""));
    if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || frac.len() > 2 || !frac.chars().all(|c| c.is_ascii_digit()) || whole.len() > 9 {
        return None;
    }
    let frac = format!("{frac:0<2}");
    Some(whole.parse::<i64>().ok()? * 100 + frac.parse::<i64>().ok()?)
}

/// An amount in fen as yuan: 50000 → "500.00".
pub fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// Reads a visit: the day (within the round, not after today), who went, what was given and its
/// value.
pub fn parse_visit(day: &str, visitors: &str, gifts: &str, amount: &str, note: &str, round: &Round, today: Date) -> Result<Visit, FieldErrors> {
    let mut e = FieldErrors::new();
    let on = match crate::validate::date(day.trim()) {
        Ok(d) if d > today => {
            e.add("on_day", "走访日期不能晚于今天", "The day of the visit cannot be after today");
            None
        }
        Ok(d) if d < round.starts_on || d > round.ends_on => {
            e.add("on_day", "走访日期须在本轮走访慰问的起止日期之内", "The day must fall within the round's dates");
            None
        }
        Ok(d) => Some(d),
        Err(t) => {
            e.add("on_day", t.zh, t.en);
            None
        }
    };
    let visitors = crate::validate::long_text(&mut e, "visitors", visitors, 200, ("走访人员", "who went"), true);
    let gifts = crate::validate::long_text(&mut e, "gifts", gifts, 200, ("慰问品或慰问金", "what was given"), true);
    let amount_fen = parse_amount(amount);
    if amount_fen.is_none() {
        e.add("amount", "金额请填数字（元），最多两位小数", "Give the amount in yuan, with at most two decimals");
    }
    let note = crate::validate::long_text(&mut e, "note", note, 1000, ("备注", "note"), false);
    match (on, amount_fen, e.is_empty()) {
        (Some(on_day), Some(amount_fen), true) => Ok(Visit { on_day, visitors, gifts, amount_fen, note: (!note.is_empty()).then_some(note) }),
        _ => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn amounts_are_yuan_with_two_decimals_at_most() {
        assert_eq!(parse_amount("500"), Some(50_000));
        assert_eq!(parse_amount("1,200.5元"), Some(120_050));
        assert_eq!(parse_amount(""), Some(0));
        assert_eq!(parse_amount("-5"), None);
        assert_eq!(parse_amount("1.234"), None);
        assert_eq!(parse_amount("abc"), None);
        assert_eq!(yuan(120_050), "1200.50");
    }

    #[test]
    fn a_visit_falls_within_its_round() {
        let r = parse_round("2012年七一走访慰问", "2012-06-20", "2012-07-10").unwrap();
        assert!(parse_visit("2012-06-25", "支部书记", "慰问金", "500", "", &r, date!(2012 - 07 - 01)).is_ok());
        let e = parse_visit("2012-06-01", "", "", "x", "", &r, date!(2012 - 07 - 01)).unwrap_err();
        for f in ["on_day", "visitors", "gifts", "amount"] {
            assert!(e.get(f).is_some(), "{f}");
        }
        assert!(parse_round("x", "2012-07-10", "2012-06-20").is_err());
    }
}
