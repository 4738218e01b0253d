//! A branch's systems (制度): item 11 asks every branch for at least one working system
//! (工作制度), item 16 for one or two organizational systems (组织制度) such as 一会四评 and 群众推优,
//! published on the branch's board (党务公开栏). A system has its text, the day it was adopted and
//! how it runs; 一会四评 and 群众推优 come with their standard steps.

use crate::Lang;
use crate::validate::FieldErrors;
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 工作制度 (item 11).
    Work,
    /// 组织制度 (item 16).
    Organizational,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Work, Kind::Organizational];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Work => "work",
            Kind::Organizational => "organizational",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == s.trim())
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Kind::Work => lang.t("工作制度", "Working system"),
            Kind::Organizational => lang.t("组织制度", "Organizational system"),
        }
    }
}

/// A standard organizational system, with its steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standard {
    /// 一会四评: a meeting, then the member's self-assessment, the members' mutual assessment,
    /// the masses' assessment and the organization's assessment.
    YiHuiSiPing,
    /// 群众推优: the masses recommend the outstanding as activists or for awards.
    QunZhongTuiYou,
}

impl Standard {
    pub const ALL: [Standard; 2] = [Standard::YiHuiSiPing, Standard::QunZhongTuiYou];

    pub fn code(self) -> &'static str {
        match self {
            Standard::YiHuiSiPing => "yihui_siping",
            Standard::QunZhongTuiYou => "qunzhong_tuiyou",
        }
    }

    pub fn parse(s: &str) -> Option<Standard> {
        Standard::ALL.into_iter().find(|k| k.code() == s.trim())
    }

    pub fn name(self) -> &'static str {
        match self {
            Standard::YiHuiSiPing => "一会四评",
            Standard::QunZhongTuiYou => "群众推优",
        }
    }

    /// The standard steps, in order.
    pub fn steps(self) -> &'static [&'static str] {
        match self {
            Standard::YiHuiSiPing => &["召开支部党员大会，通报评议内容和要求", "党员个人自评", "党员之间互评", "群众评议", "党组织评定并反馈结果"],
            Standard::QunZhongTuiYou => &["公布推优条件和名额", "群众（团员、师生）民主推荐", "支部委员会研究确定人选", "公示推优结果", "按程序报上级党组织"],
        }
    }
}

/// A system as typed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Input {
    pub kind: Kind,
    pub standard: Option<Standard>,
    pub name: String,
    pub body: String,
    pub adopted_on: Date,
    /// How it runs (运行情况).
    pub practice: String,
}

/// Reads a system from its fields: a standard one takes its name and kind (organizational) from
/// the standard and its steps as the text when none is given.
pub fn parse(kind: &str, standard: &str, name: &str, body: &str, adopted_on: &str, practice: &str, today: Date) -> Result<Input, FieldErrors> {
    let mut e = FieldErrors::new();
    let standard = match standard.trim() {
        "" => None,
        s => match Standard::parse(s) {
            Some(x) => Some(x),
            None => {
                e.add("standard", "没有这种标准制度", "No such standard system");
                None
            }
        },
    };
    let kind = match (standard, Kind::parse(kind)) {
        (Some(_), _) => Some(Kind::Organizational),
        (None, Some(k)) => Some(k),
        (None, None) => {
            e.add("kind", "请选择制度类别（工作制度或组织制度）", "Choose the kind (working or organizational)");
            None
        }
    };
    let name = match (standard, name.trim()) {
        (Some(s), "") => s.name().to_string(),
        (_, n) => crate::validate::long_text(&mut e, "name", n, 100, ("制度名称", "name"), true),
    };
    let body = match (standard, body.trim()) {
        (Some(s), "") => s.steps().iter().enumerate().map(|(i, st)| format!("{}. {st}", i + 1)).collect::<Vec<_>>().join("\n"),
        (_, b) => crate::validate::long_text(&mut e, "body", b, 10_000, ("制度内容", "text"), true),
    };
    let adopted_on = match crate::validate::date(adopted_on.trim()) {
        Ok(d) if d > today => {
            e.add("adopted_on", "建立日期不能晚于今天", "The day adopted cannot be after today");
            None
        }
        Ok(d) => Some(d),
        Err(t) => {
            e.add("adopted_on", t.zh, t.en);
            None
        }
    };
    let practice = crate::validate::long_text(&mut e, "practice", practice, 2000, ("运行情况", "how it runs"), false);
    match (kind, adopted_on, e.is_empty()) {
        (Some(kind), Some(adopted_on), true) => Ok(Input { kind, standard, name, body, adopted_on, practice }),
        _ => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_standard_system_brings_its_name_kind_and_steps() {
        let today = date!(2012 - 04 - 20);
        let s = parse("", "yihui_siping", "", "", "2012-03-01", "每学期开展一次", today).unwrap();
        assert_eq!((s.kind, s.name.as_str()), (Kind::Organizational, "一会四评"));
        assert!(s.body.starts_with("1. 召开支部党员大会") && s.body.contains("5. 党组织评定"));
        let w = parse("work", "", "支部学习制度", "每月集中学习一次。", "2012-03-01", "", today).unwrap();
        assert_eq!(w.kind, Kind::Work);
        let e = parse("", "", "", "", "2013-01-01", "", today).unwrap_err();
        for f in ["kind", "name", "body", "adopted_on"] {
            assert!(e.get(f).is_some(), "{f}");
        }
    }
}
