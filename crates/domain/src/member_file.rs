//! A person's file (党员档案) as the plan needs it to find its targets: date of birth, the
//! dates of application, joining (入党) and full membership (转正), the Party standing computed
//! from them (党龄, counted from the end of probation), the professional title with its level,
//! the highest degree, the post, and the hardship flag (生活困难, seen only by the Party side).
//!
//! The groups the plan names are rules over these fields: 高层次人才 (双高: a doctorate and a
//! senior title), young teachers (staff under an age the office sets), 老党员 (a standing the
//! office sets).

use crate::people::{PersonKind, PoliticalStatus};
use crate::validate::{self, FieldErrors};
use crate::{Lang, Text};
use serde::{Deserialize, Serialize};
use time::Date;

/// The level of a professional title (职称级别).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TitleLevel {
    Junior,
    Intermediate,
    AssociateSenior,
    Senior,
}

impl TitleLevel {
    pub const ALL: [TitleLevel; 4] = [TitleLevel::Senior, TitleLevel::AssociateSenior, TitleLevel::Intermediate, TitleLevel::Junior];

    pub fn code(self) -> &'static str {
        match self {
            TitleLevel::Senior => "senior",
            TitleLevel::AssociateSenior => "associate_senior",
            TitleLevel::Intermediate => "intermediate",
            TitleLevel::Junior => "junior",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            TitleLevel::Senior => lang.t("正高级", "Full senior"),
            TitleLevel::AssociateSenior => lang.t("副高级", "Associate senior"),
            TitleLevel::Intermediate => lang.t("中级", "Intermediate"),
            TitleLevel::Junior => lang.t("初级", "Junior"),
        }
    }

    pub fn parse(s: &str) -> Option<TitleLevel> {
        let s = s.trim();
        Self::ALL.into_iter().find(|l| l.code() == s || l.label(Lang::Zh) == s).or(match s {
            "正高" => Some(TitleLevel::Senior),
            "副高" => Some(TitleLevel::AssociateSenior),
            _ => None,
        })
    }

    /// The level of a title as the offices write it, when the level column is left empty.
    pub fn of_title(title: &str) -> Option<TitleLevel> {
        let t = title.trim();
        if t.is_empty() {
            return None;
        }
        if t.starts_with('副') || t.starts_with("高级") {
            Some(TitleLevel::AssociateSenior)
        } else if ["教授", "研究员", "主任医师"].contains(&t) || t.starts_with("正高") || t.ends_with("教授") {
            Some(TitleLevel::Senior)
        } else if t == "助理研究员" {
            Some(TitleLevel::Intermediate)
        } else if t.starts_with("助") || t.starts_with("技术员") {
            Some(TitleLevel::Junior)
        } else if ["讲师", "工程师", "实验师", "会计师", "经济师", "馆员", "编辑", "医师", "政工师"].iter().any(|w| t.ends_with(w)) {
            Some(TitleLevel::Intermediate)
        } else {
            None
        }
    }

    /// 副高 and above.
    pub fn is_senior(self) -> bool {
        self >= TitleLevel::AssociateSenior
    }
}

/// The highest degree (最高学位).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Degree {
    None,
    Bachelor,
    Master,
    Doctorate,
}

impl Degree {
    pub const ALL: [Degree; 4] = [Degree::Doctorate, Degree::Master, Degree::Bachelor, Degree::None];

    pub fn code(self) -> &'static str {
        match self {
            Degree::Doctorate => "doctorate",
            Degree::Master => "master",
            Degree::Bachelor => "bachelor",
            Degree::None => "none",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Degree::Doctorate => lang.t("博士", "Doctorate"),
            Degree::Master => lang.t("硕士", "Master's"),
            Degree::Bachelor => lang.t("学士", "Bachelor's"),
            Degree::None => lang.t("无学位", "No degree"),
        }
    }

    pub fn parse(s: &str) -> Option<Degree> {
        let s = s.trim();
        Self::ALL.into_iter().find(|d| d.code() == s || d.label(Lang::Zh) == s).or(match s {
            "博士学位" | "博士研究生" => Some(Degree::Doctorate),
            "硕士学位" | "硕士研究生" => Some(Degree::Master),
            "学士学位" | "本科" => Some(Degree::Bachelor),
            "无" | "专科" | "大专" => Some(Degree::None),
            _ => None,
        })
    }
}

/// A person's file as stored, after validation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberFile {
    pub birth_date: Option<Date>,
    pub applied_on: Option<Date>,
    pub joined_on: Option<Date>,
    pub full_on: Option<Date>,
    pub title: Option<String>,
    pub title_level: Option<TitleLevel>,
    pub degree: Option<Degree>,
    pub job_post: Option<String>,
    /// 生活困难: for the branch, its secondary organization and the office only.
    pub hardship: bool,
}

/// Full years from `from` to `to`.
pub fn years_between(from: Date, to: Date) -> i32 {
    let mut y = to.year() - from.year();
    if (to.month() as u8, to.day()) < (from.month() as u8, from.day()) {
        y -= 1;
    }
    y
}

impl MemberFile {
    /// Age on `today`.
    pub fn age(&self, today: Date) -> Option<i32> {
        self.birth_date.map(|b| years_between(b, today))
    }

    /// 党龄 on `today`: full years since the end of probation (转正).
    pub fn standing(&self, today: Date) -> Option<i32> {
        self.full_on.filter(|f| *f <= today).map(|f| years_between(f, today))
    }

    /// 高层次人才 (双高): a doctorate and a title of 副高 or above.
    pub fn is_talent(&self) -> bool {
        self.degree == Some(Degree::Doctorate) && self.title_level.is_some_and(TitleLevel::is_senior)
    }
}

/// The groups' bounds, set by the office.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    /// A young teacher is a member of staff of at most this age.
    pub young_max_age: i32,
    /// A 老党员 has at least this Party standing.
    pub old_min_standing: i32,
}

impl Default for Rules {
    fn default() -> Self {
        Rules { young_max_age: 40, old_min_standing: 50 }
    }
}

impl Rules {
    pub fn parse(young_max_age: &str, old_min_standing: &str) -> Result<Rules, FieldErrors> {
        let mut e = FieldErrors::new();
        let young =
            e.take("young_max_age", int_in(young_max_age, 25, 50, ("青年教师年龄上限应为25至50之间的整数", "The young teachers' age bound is a whole number from 25 to 50")));
        let old = e
            .take("old_min_standing", int_in(old_min_standing, 20, 70, ("老党员党龄下限应为20至70之间的整数", "The long-standing members' bound is a whole number from 20 to 70")));
        match (young, old) {
            (Some(young_max_age), Some(old_min_standing)) if e.is_empty() => Ok(Rules { young_max_age, old_min_standing }),
            _ => Err(e),
        }
    }

    pub fn is_young_teacher(&self, kind: PersonKind, file: &MemberFile, today: Date) -> bool {
        kind == PersonKind::Staff && file.age(today).is_some_and(|a| a <= self.young_max_age)
    }

    pub fn is_old_member(&self, file: &MemberFile, today: Date) -> bool {
        file.standing(today).is_some_and(|s| s >= self.old_min_standing)
    }

    /// A 老党员 became a full member on or before this day.
    pub fn old_member_full_on_or_before(&self, today: Date) -> Date {
        shift_years(today, -self.old_min_standing)
    }

    /// A young teacher is born after this day.
    pub fn young_born_after(&self, today: Date) -> Date {
        shift_years(today, -(self.young_max_age + 1))
    }
}

/// The same day `years` later (28 February for 29 February in a common year).
pub fn shift_years(d: Date, years: i32) -> Date {
    let y = d.year() + years;
    Date::from_calendar_date(y, d.month(), d.day()).unwrap_or_else(|_| Date::from_calendar_date(y, d.month(), 28).unwrap_or(d))
}

fn int_in(raw: &str, lo: i32, hi: i32, msg: (&str, &str)) -> Result<i32, Text> {
    raw.trim().parse::<i32>().ok().filter(|n| (lo..=hi).contains(n)).ok_or_else(|| Text::new(msg.0, msg.1))
}

/// The file as typed into a form, sent to the API or read from a roster: all text. A field left
/// out (None) keeps its value; an empty one clears it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInput {
    /// YYYY-MM-DD; taken from the ID number when that is given and this is not.
    #[serde(default)]
    pub birth_date: Option<String>,
    /// 入党申请日期.
    #[serde(default)]
    pub applied_on: Option<String>,
    /// 入党日期 (the branch meeting that admitted them).
    #[serde(default)]
    pub joined_on: Option<String>,
    /// 转正日期.
    #[serde(default)]
    pub full_on: Option<String>,
    /// 职称, as written (教授, 讲师 …).
    #[serde(default)]
    pub title: Option<String>,
    /// senior, associate_senior, intermediate or junior (or 正高级 …); read from the title when empty.
    #[serde(default)]
    pub title_level: Option<String>,
    /// doctorate, master, bachelor or none (or 博士 …).
    #[serde(default)]
    pub degree: Option<String>,
    /// 岗位/职务 (专任教师, 辅导员 …).
    #[serde(default)]
    pub job_post: Option<String>,
    /// "1"/"true"/"是" for 生活困难; only the Party side may send it.
    #[serde(default)]
    pub hardship: Option<String>,
}

/// The columns of a file, in the order forms and sheets show them.
pub const FIELDS: [&str; 9] = ["birth_date", "applied_on", "joined_on", "full_on", "title", "title_level", "degree", "job_post", "hardship"];

fn iso(d: Option<Date>) -> Option<String> {
    Some(d.map(crate::dates::iso).unwrap_or_default())
}

impl FileInput {
    pub fn from_file(f: &MemberFile) -> FileInput {
        FileInput {
            birth_date: iso(f.birth_date),
            applied_on: iso(f.applied_on),
            joined_on: iso(f.joined_on),
            full_on: iso(f.full_on),
            title: Some(f.title.clone().unwrap_or_default()),
            title_level: Some(f.title_level.map(|l| l.code().to_string()).unwrap_or_default()),
            degree: Some(f.degree.map(|l| l.code().to_string()).unwrap_or_default()),
            job_post: Some(f.job_post.clone().unwrap_or_default()),
            hardship: Some(if f.hardship { "1" } else { "" }.into()),
        }
    }

    /// Whether any field is given.
    pub fn is_empty(&self) -> bool {
        *self == FileInput::default()
    }

    pub fn overlay(mut self, patch: FileInput) -> FileInput {
        macro_rules! over { ($($f:ident),*) => { $( if patch.$f.is_some() { self.$f = patch.$f; } )* } }
        over!(birth_date, applied_on, joined_on, full_on, title, title_level, degree, job_post, hardship);
        self
    }

    /// Checks every field and the rules between them, for a person of `kind` and `status`
    /// whose ID number is `id_number`; every problem at once.
    pub fn validate(&self, kind: PersonKind, status: PoliticalStatus, id_number: Option<&str>, today: Date) -> Result<MemberFile, FieldErrors> {
        let mut e = FieldErrors::new();
        let day = |e: &mut FieldErrors, field: &str, v: &Option<String>| -> Option<Date> {
            let s = v.as_deref().map(str::trim).unwrap_or("");
            if s.is_empty() {
                return None;
            }
            match validate::date(s) {
                Ok(d) if d > today => {
                    e.add(field, "日期不能晚于今天", "The day cannot be after today");
                    None
                }
                Ok(d) => Some(d),
                Err(t) => {
                    e.0.push(validate::FieldError { field: field.into(), message: t });
                    None
                }
            }
        };
        let birth_date = day(&mut e, "birth_date", &self.birth_date).or_else(|| id_number.and_then(birth_of_id_number));
        let applied_on = day(&mut e, "applied_on", &self.applied_on);
        let joined_on = day(&mut e, "joined_on", &self.joined_on);
        let full_on = day(&mut e, "full_on", &self.full_on);
        let text = |e: &mut FieldErrors, field: &str, v: &Option<String>| e.take(field, validate::optional_text(v.as_deref(), 40)).flatten();
        let title = text(&mut e, "title", &self.title);
        let job_post = text(&mut e, "job_post", &self.job_post);
        let title_level = match self.title_level.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => e.take(
                "title_level",
                TitleLevel::parse(s).ok_or_else(|| Text::new("职称级别应为正高级、副高级、中级或初级", "The title level is full senior, associate senior, intermediate or junior")),
            ),
            None => title.as_deref().and_then(TitleLevel::of_title),
        };
        let degree = match self.degree.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => {
                e.take("degree", Degree::parse(s).ok_or_else(|| Text::new("学位应为博士、硕士、学士或无学位", "The degree is a doctorate, a master's, a bachelor's or none")))
            }
            None => None,
        };
        let hardship = match self.hardship.as_deref().map(str::trim).unwrap_or("") {
            "" | "0" | "false" | "否" | "无" => false,
            "1" | "true" | "on" | "是" | "困难" => true,
            _ => {
                e.add("hardship", "生活困难一栏应填“是”或留空", "Hardship is 是 or empty");
                false
            }
        };
        // The order of a life in the Party.
        let order = [("birth_date", birth_date), ("applied_on", applied_on), ("joined_on", joined_on), ("full_on", full_on)];
        for (i, (field, d)) in order.iter().enumerate() {
            if let Some(d) = d
                && let Some((before, _)) = order[..i].iter().rev().find(|(_, b)| b.is_some_and(|b| b > *d))
            {
                e.add(
                    field,
                    format!("{}不能早于{}", label(field, Lang::Zh), label(before, Lang::Zh)),
                    format!("{} cannot be before {}", label(field, Lang::En), label(before, Lang::En)),
                );
            }
        }
        if let (Some(b), Some(a)) = (birth_date, applied_on)
            && years_between(b, a) < 18
        {
            e.add("applied_on", "申请入党须年满十八岁", "One applies to join at 18 or over");
        }
        if joined_on.is_some() && !status.is_party_member() {
            e.add("joined_on", "入党日期只属于党员（含预备党员）；请先在发展流程中完成", "Only a member (or probationary member) has a joining date");
        }
        if full_on.is_some() && status != PoliticalStatus::CpcMember {
            e.add("full_on", "转正日期只属于正式党员", "Only a full member has a date of full membership");
        }
        if let (Some(j), Some(f)) = (joined_on, full_on)
            && f < shift_years(j, 1)
        {
            e.add("full_on", "预备期至少一年：转正日期不能早于入党满一年", "Probation lasts a year at least: full membership comes a year after joining or later");
        }
        if kind == PersonKind::Student && title_level.is_some() {
            e.add("title_level", "学生没有职称", "A student has no professional title");
        }
        if e.is_empty() { Ok(MemberFile { birth_date, applied_on, joined_on, full_on, title, title_level, degree, job_post, hardship }) } else { Err(e) }
    }
}

/// The label of a field of the file.
pub fn label(field: &str, lang: Lang) -> &'static str {
    match field {
        "birth_date" => lang.t("出生日期", "Date of birth"),
        "applied_on" => lang.t("申请入党日期", "Applied to join on"),
        "joined_on" => lang.t("入党日期", "Joined on"),
        "full_on" => lang.t("转正日期", "Full member since"),
        "title" => lang.t("职称", "Professional title"),
        "title_level" => lang.t("职称级别", "Title level"),
        "degree" => lang.t("最高学位", "Highest degree"),
        "job_post" => lang.t("岗位", "Post"),
        "hardship" => lang.t("生活困难", "In hardship"),
        _ => "",
    }
}

/// The birth date written in an 18-character ID number (characters 7 to 14).
pub fn birth_of_id_number(id: &str) -> Option<Date> {
    let id = id.trim();
    if id.len() != 18 || !id.is_char_boundary(14) {
        return None;
    }
    let y: i32 = id[6..10].parse().ok()?;
    let m: u8 = id[10..12].parse().ok()?;
    let d: u8 = id[12..14].parse().ok()?;
    Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2012 - 04 - 20);

    fn input() -> FileInput {
        FileInput {
            birth_date: Some("1975-06-01".into()),
            applied_on: Some("1995-03-01".into()),
            joined_on: Some("1996-07-01".into()),
            full_on: Some("1997-07-01".into()),
            title: Some("教授".into()),
            degree: Some("博士".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_full_file_reads_and_computes_its_standing() {
        let f = input().validate(PersonKind::Staff, PoliticalStatus::CpcMember, None, TODAY).unwrap();
        assert_eq!(f.title_level, Some(TitleLevel::Senior), "read from 教授");
        assert_eq!(f.age(TODAY), Some(36));
        assert_eq!(f.standing(TODAY), Some(14), "counted from full membership");
        assert!(f.is_talent());
        let r = Rules::default();
        assert!(r.is_young_teacher(PersonKind::Staff, &f, TODAY));
        assert!(!r.is_old_member(&f, TODAY));
        assert!(!r.is_young_teacher(PersonKind::Student, &f, TODAY));
    }

    #[test]
    fn the_order_of_the_dates_and_the_probation_are_checked() {
        let mut i = input();
        i.joined_on = Some("1994-01-01".into());
        let e = i.clone().validate(PersonKind::Staff, PoliticalStatus::CpcMember, None, TODAY).unwrap_err();
        assert!(e.get("joined_on").unwrap().zh.contains("不能早于申请入党日期"), "{e:?}");
        i.joined_on = Some("1997-01-01".into());
        let e = i.validate(PersonKind::Staff, PoliticalStatus::CpcMember, None, TODAY).unwrap_err();
        assert!(e.get("full_on").unwrap().zh.contains("预备期至少一年"));
        let mut j = input();
        j.applied_on = Some("1990-01-01".into());
        let e = j.validate(PersonKind::Staff, PoliticalStatus::CpcMember, None, TODAY).unwrap_err();
        assert!(e.get("applied_on").unwrap().zh.contains("十八岁"));
    }

    #[test]
    fn dates_follow_the_political_status() {
        let e = input().validate(PersonKind::Staff, PoliticalStatus::CpcProbationary, None, TODAY).unwrap_err();
        assert!(e.get("full_on").is_some());
        assert!(e.get("joined_on").is_none());
        let e = input().validate(PersonKind::Staff, PoliticalStatus::Masses, None, TODAY).unwrap_err();
        assert!(e.get("joined_on").is_some());
    }

    #[test]
    fn the_birth_date_comes_from_the_id_number() {
        let i = FileInput::default();
        let f = i.validate(PersonKind::Student, PoliticalStatus::CylMember, Some("43010419930815002X"), TODAY).unwrap();
        assert_eq!(f.birth_date, Some(date!(1993 - 08 - 15)));
        assert_eq!(birth_of_id_number("123"), None);
    }

    #[test]
    fn title_levels_are_read_from_titles() {
        assert_eq!(TitleLevel::of_title("副教授"), Some(TitleLevel::AssociateSenior));
        assert_eq!(TitleLevel::of_title("高级工程师"), Some(TitleLevel::AssociateSenior));
        assert_eq!(TitleLevel::of_title("研究员"), Some(TitleLevel::Senior));
        assert_eq!(TitleLevel::of_title("讲师"), Some(TitleLevel::Intermediate));
        assert_eq!(TitleLevel::of_title("助教"), Some(TitleLevel::Junior));
        assert_eq!(TitleLevel::of_title("其他"), None);
    }

    #[test]
    fn the_rules_are_bounded_and_old_members_counted_by_standing() {
        assert!(Rules::parse("18", "50").is_err());
        let r = Rules::parse("35", "30").unwrap();
        let mut f = input().validate(PersonKind::Staff, PoliticalStatus::CpcMember, None, TODAY).unwrap();
        f.full_on = Some(date!(1982 - 04 - 20));
        assert!(r.is_old_member(&f, TODAY));
        assert_eq!(r.old_member_full_on_or_before(TODAY), date!(1982 - 04 - 20));
        assert!(!r.is_young_teacher(PersonKind::Staff, &f, TODAY));
        assert_eq!(r.young_born_after(TODAY), date!(1976 - 04 - 20));
    }
}
