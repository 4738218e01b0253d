//! The central groups (党委中心组, item 5): the university's and each college's body of leaders
//! who study together, with their roles, the year's study plan by month, and the assessment
//! system (考核制度) as data: the weights of attendance, speeches and written reflections that
//! make each member's score for the year, and the group's score as the mean of its members'.
//!
//! A leave counts only when the group's keeper marked it on the session's list: a leave a member
//! asked for themselves and nobody confirmed counts as an absence.
//!
//! A session is a meeting of the meetings module ([`crate::meeting::Kind::CentralGroup`]).

use crate::validate::FieldErrors;
use crate::{Lang, Text};
use serde::{Deserialize, Serialize};

/// A member's role in the group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupRole {
    /// 组长 (the secretary of the Party committee).
    Leader,
    /// 副组长.
    Deputy,
    /// 学习秘书: keeps the records.
    Secretary,
    Member,
}

impl GroupRole {
    pub const ALL: [GroupRole; 4] = [GroupRole::Leader, GroupRole::Deputy, GroupRole::Secretary, GroupRole::Member];

    pub fn code(self) -> &'static str {
        match self {
            GroupRole::Leader => "leader",
            GroupRole::Deputy => "deputy",
            GroupRole::Secretary => "secretary",
            GroupRole::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Option<GroupRole> {
        GroupRole::ALL.into_iter().find(|r| r.code() == s.trim())
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            GroupRole::Leader => lang.t("组长", "Leader"),
            GroupRole::Deputy => lang.t("副组长", "Deputy leader"),
            GroupRole::Secretary => lang.t("学习秘书", "Study secretary"),
            GroupRole::Member => lang.t("成员", "Member"),
        }
    }

    /// The leader and the secretary read every member's score and contributions.
    pub fn reads_all(self) -> bool {
        matches!(self, GroupRole::Leader | GroupRole::Secretary)
    }
}

/// What a member hands in for a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Contribution {
    /// 发言: a speech at the session (its gist).
    Speech,
    /// 心得体会: a written reflection.
    Reflection,
}

impl Contribution {
    pub const ALL: [Contribution; 2] = [Contribution::Speech, Contribution::Reflection];

    pub fn code(self) -> &'static str {
        match self {
            Contribution::Speech => "speech",
            Contribution::Reflection => "reflection",
        }
    }

    pub fn parse(s: &str) -> Option<Contribution> {
        Contribution::ALL.into_iter().find(|r| r.code() == s.trim())
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Contribution::Speech => lang.t("交流发言", "Speech"),
            Contribution::Reflection => lang.t("心得体会", "Written reflection"),
        }
    }

    /// The shortest text accepted: a reflection is written out, a speech's gist may be short.
    fn min_chars(self) -> usize {
        match self {
            Contribution::Speech => 10,
            Contribution::Reflection => 50,
        }
    }
}

/// Checks a contribution's text; the text trimmed.
pub fn contribution_text(kind: Contribution, body: &str) -> Result<String, FieldErrors> {
    let body = body.trim();
    let n = body.chars().count();
    let mut e = FieldErrors::new();
    if crate::validate::has_control(body) {
        e.add("body", "含有不可见的控制字符", "Contains control characters");
    }
    if n < kind.min_chars() || n > 5000 {
        e.add(
            "body",
            format!("{}应为{}至5000字（现为{}字）", kind.label(Lang::Zh), kind.min_chars(), n),
            format!("A {} is {} to 5000 characters (now {n})", kind.label(Lang::En).to_lowercase(), kind.min_chars()),
        );
    }
    e.into_result().map(|_| body.to_string())
}

/// The assessment system (考核制度): the weights of the three parts and what each part expects
/// in a year. Set by the office.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weights {
    /// The weight of attendance (出勤).
    pub attendance: i64,
    /// The weight of speeches (交流发言).
    pub speeches: i64,
    /// The weight of written reflections (心得体会).
    pub reflections: i64,
    /// How much of a presence a leave marked by the keeper counts, in percent (0 to 100).
    pub leave_credit: i64,
    /// Speeches a member gives in a year for the full part.
    pub speeches_expected: i64,
    /// Reflections a member hands in in a year for the full part.
    pub reflections_expected: i64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights { attendance: 50, speeches: 20, reflections: 30, leave_credit: 50, speeches_expected: 2, reflections_expected: 4 }
    }
}

impl Weights {
    /// Checks the numbers; every problem under its field. The weights are summed only once each
    /// is in range (so no sum of wild numbers overflows).
    pub fn check(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        let mut in_range = true;
        for (field, v) in [("attendance", self.attendance), ("speeches", self.speeches), ("reflections", self.reflections)] {
            if !(0..=100).contains(&v) {
                e.add(field, "权重应在0至100之间", "A weight is from 0 to 100");
                in_range = false;
            }
        }
        if in_range && self.attendance + self.speeches + self.reflections != 100 {
            e.add("attendance", "三项权重之和应为100", "The three weights add up to 100");
        }
        if !(0..=100).contains(&self.leave_credit) {
            e.add("leave_credit", "请假折算比例应在0至100之间", "Leave counts from 0 to 100 percent");
        }
        for (field, v) in [("speeches_expected", self.speeches_expected), ("reflections_expected", self.reflections_expected)] {
            if !(1..=24).contains(&v) {
                e.add(field, "每年应交次数应在1至24之间", "From 1 to 24 a year");
            }
        }
        e.into_result()
    }
}

/// The inputs behind a member's score for a year.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    /// Sessions held that year at which the member was expected.
    pub sessions: i64,
    pub present: i64,
    /// Absent with a leave (请假) the keeper marked on the list; a leave only asked for by the
    /// member themselves is not counted here (it is an absence).
    pub leave: i64,
    pub speeches: i64,
    pub reflections: i64,
}

/// A member's score: each part out of 100 and the weighted total, to one decimal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub attendance: f64,
    pub speeches: f64,
    pub reflections: f64,
    pub total: f64,
    /// The weighted total before rounding: what the group's mean is taken of.
    pub raw_total: f64,
}

fn one_decimal(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Scores a member's year: attendance is the share of the sessions present (a leave counting
/// `leave_credit` percent of a presence); speeches and reflections are the share of what the
/// year expects, at most the whole; the total weighs the three parts. None without a session.
pub fn score(i: &Inputs, w: &Weights) -> Option<Score> {
    if i.sessions <= 0 {
        return None;
    }
    let attendance = 100.0 * (i.present as f64 + i.leave as f64 * w.leave_credit as f64 / 100.0) / i.sessions as f64;
    let part = |n: i64, expected: i64| 100.0 * (n.min(expected) as f64) / expected.max(1) as f64;
    let speeches = part(i.speeches, w.speeches_expected);
    let reflections = part(i.reflections, w.reflections_expected);
    let total = (attendance * w.attendance as f64 + speeches * w.speeches as f64 + reflections * w.reflections as f64) / 100.0;
    Some(Score { attendance: one_decimal(attendance), speeches: one_decimal(speeches), reflections: one_decimal(reflections), total: one_decimal(total), raw_total: total })
}

/// The group's score: the mean of its members' totals (those with a session), rounded once to
/// one decimal. Give it the unrounded totals ([`Score::raw_total`]), so no member's rounding
/// moves the mean.
pub fn group_score(totals: &[f64]) -> Option<f64> {
    if totals.is_empty() { None } else { Some(one_decimal(totals.iter().sum::<f64>() / totals.len() as f64)) }
}

/// A month of the study plan as typed.
pub fn plan_month(month: &str, topic: &str, documents: &str) -> Result<(u8, String, String), FieldErrors> {
    let mut e = FieldErrors::new();
    let m = month.trim().parse::<u8>().ok().filter(|m| (1..=12).contains(m));
    if m.is_none() {
        e.add("month", "请选择1至12月", "Choose a month from 1 to 12");
    }
    let topic = topic.trim();
    if topic.chars().count() > 100 {
        e.add("topic", "专题不超过100字", "The topic is 100 characters at most");
    }
    let documents = documents.trim();
    if crate::validate::has_control(topic) || crate::validate::has_control(documents) {
        e.add("topic", "含有不可见的控制字符", "Contains control characters");
    }
    if documents.chars().count() > 1000 {
        e.add("documents", "学习材料不超过1000字", "The documents are 1000 characters at most");
    }
    e.into_result().map(|_| (m.unwrap_or(1), topic.to_string(), documents.to_string()))
}

/// A guest from outside the university, as a line "name, organization" (企业中心组的联学).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guest {
    pub name: String,
    pub org: String,
}

/// Reads the guests, one per line: "姓名，单位" (a comma of either width or a tab).
pub fn guests(text: &str) -> Result<Vec<Guest>, FieldErrors> {
    let mut out = Vec::new();
    let mut e = FieldErrors::new();
    for (i, line) in text.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let mut parts = line.splitn(2, [',', '，', '\t', '、']);
        let name = parts.next().unwrap_or("").trim();
        let org = parts.next().unwrap_or("").trim();
        if name.is_empty() || org.is_empty() || name.chars().count() > 30 || org.chars().count() > 100 {
            e.add("guests", format!("第{}位嘉宾请写成“姓名，单位”", i + 1), format!("Guest {}: write \"name, organization\"", i + 1));
        } else {
            out.push(Guest { name: name.into(), org: org.into() });
        }
    }
    if out.len() > 50 {
        e.add("guests", "嘉宾不超过50位", "At most 50 guests");
    }
    e.into_result().map(|_| out)
}

/// A text of the group's pages for a role's code.
pub fn role_label(code: &str, lang: Lang) -> &'static str {
    GroupRole::parse(code).map(|r| r.label(lang)).unwrap_or("")
}

/// Why a person may not join: they are in the group already.
pub fn already_member() -> Text {
    Text::new("此人已是该中心组成员", "This person is a member of the group already")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_is_scored_by_the_weights() {
        let w = Weights::default();
        let i = Inputs { sessions: 10, present: 8, leave: 2, speeches: 1, reflections: 4 };
        let s = score(&i, &w).unwrap();
        // Attendance (8 + 2 × 50%) / 10 = 90; speeches 1/2 = 50; reflections 4/4 = 100.
        assert_eq!((s.attendance, s.speeches, s.reflections), (90.0, 50.0, 100.0));
        assert_eq!(s.total, 85.0, "90×0.5 + 50×0.2 + 100×0.3");
        assert_eq!(score(&Inputs { reflections: 9, ..i }, &w).unwrap().reflections, 100.0, "at most the whole part");
        assert!(score(&Inputs::default(), &w).is_none());
        assert_eq!(group_score(&[85.0, 70.0, 62.5]), Some(72.5));
        // Rounded once: the mean of 0.06 and 0 is 0.03, so 0.0; the rounded totals (0.1 and 0)
        // would have made it 0.1.
        assert_eq!(group_score(&[0.06, 0.0]), Some(0.0));
        assert_eq!(group_score(&[0.1, 0.0]), Some(0.1));
        assert_eq!(s.raw_total, 85.0);
        let odd = score(&Inputs { sessions: 3, present: 1, ..Inputs::default() }, &w).unwrap();
        assert_eq!((odd.total, (odd.raw_total * 1000.0).round()), (16.7, 16667.0), "the total shown is rounded, the raw one is not");
    }

    #[test]
    fn weights_add_up_and_texts_are_checked() {
        assert!(Weights::default().check().is_ok());
        assert!(Weights { attendance: 60, ..Weights::default() }.check().is_err());
        let wild = Weights { attendance: i64::MAX, speeches: i64::MAX, ..Weights::default() }.check().unwrap_err();
        assert!(wild.get("attendance").is_some() && wild.get("speeches").is_some(), "out of range, and no overflow");
        assert!(contribution_text(Contribution::Reflection, "太短").is_err());
        assert_eq!(guests("张伟，湖南某集团党委\n\n李强,长沙某公司").unwrap().len(), 2);
        assert!(guests("只有名字").is_err());
        assert_eq!(plan_month("3", "学习十七届六中全会精神", "《决定》全文").unwrap().0, 3);
        assert!(plan_month("13", "", "").is_err());
    }
}
