//! Research projects (item 18, 组织申报校级党建研究课题): the office opens a call with its
//! categories and budget caps, its review criteria and their weights, how the experts' scores are
//! averaged, how many projects are funded and each secondary organization's quota; members apply
//! with a team from the roster and a blind section (活页) that names nobody; the secondary
//! organization forwards within its quota; experts score the blind sections once each, recused
//! from their own organization's; the ranking is recomputed from the score sheets every time it
//! is shown. The rules live here, free of storage and HTTP.

use crate::appraisal::Frac;
use crate::lang::Lang;
use crate::validate::{FieldErrors, long_text};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub const MAX_TITLE: usize = 80;
pub const MAX_TEXT: usize = 20_000;
pub const MAX_TEAM: usize = 8;
pub const MAX_FILES: usize = 5;
/// The most a criterion is scored.
pub const MAX_SCORE: u32 = 100;

/// A category of project with its budget cap (元).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub code: String,
    pub name: String,
    pub cap: i64,
}

/// A review criterion and its weight.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    pub name: String,
    pub weight: u32,
}

/// Where a call stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Taking applications (and forwards) until its deadline.
    Open,
    /// Closed: the experts score.
    Review,
    /// The approval list is on public notice (公示).
    Notice,
    /// Approved: the projects are funded.
    Final,
}

impl Stage {
    pub const ALL: [Stage; 4] = [Stage::Open, Stage::Review, Stage::Notice, Stage::Final];
    pub fn code(self) -> &'static str {
        match self {
            Stage::Open => "open",
            Stage::Review => "review",
            Stage::Notice => "notice",
            Stage::Final => "final",
        }
    }
    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Stage::Open => lang.t("申报中", "Taking applications"),
            Stage::Review => lang.t("专家评审中", "Under expert review"),
            Stage::Notice => lang.t("立项公示中", "On public notice"),
            Stage::Final => lang.t("已立项", "Approved"),
        }
    }
}

/// Where an application stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppState {
    /// With its secondary organization, to check.
    Submitted,
    /// Forwarded to the office within the quota: it goes to the experts.
    Forwarded,
    /// Not forwarded, with the organization's reason.
    Returned,
}

impl AppState {
    pub const ALL: [AppState; 3] = [AppState::Submitted, AppState::Forwarded, AppState::Returned];
    pub fn code(self) -> &'static str {
        match self {
            AppState::Submitted => "submitted",
            AppState::Forwarded => "forwarded",
            AppState::Returned => "returned",
        }
    }
    pub fn parse(s: &str) -> Option<AppState> {
        AppState::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            AppState::Submitted => lang.t("待二级党组织审核", "With the secondary organization"),
            AppState::Forwarded => lang.t("已推荐", "Forwarded"),
            AppState::Returned => lang.t("未推荐", "Not forwarded"),
        }
    }
}

/// A call as the office sets it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallDraft {
    pub title: String,
    pub deadline: time::Date,
    pub categories: Vec<Category>,
    pub criteria: Vec<Criterion>,
    /// Drop each application's highest and lowest total before averaging (with 3 sheets or more).
    pub trim: bool,
    /// How many projects are funded (the line).
    pub funded: u32,
    /// How many applications each secondary organization forwards at most.
    pub quota: u32,
    /// The 公示's working days.
    pub notice_days: u32,
}

fn positive(e: &mut FieldErrors, field: &str, v: &str, what: (&str, &str), max: u32) -> u32 {
    match v.trim().parse::<u32>() {
        Ok(n) if n >= 1 && n <= max => n,
        _ => {
            e.add(field, format!("{}应为 1 到 {max} 的整数", what.0), format!("The {} is a whole number from 1 to {max}", what.1));
            0
        }
    }
}

/// Reads a call. Categories are one per line, `名称 上限（元）`; criteria one per line,
/// `名称 权重` with the weights adding up to 100.
#[allow(clippy::too_many_arguments)]
pub fn read_call(title: &str, deadline: &str, categories: &str, criteria: &str, trim: &str, funded: &str, quota: &str, notice_days: &str) -> Result<CallDraft, FieldErrors> {
    let mut e = FieldErrors::new();
    let title = long_text(&mut e, "title", title, MAX_TITLE, ("标题", "title"), true).replace('\n', " ");
    let deadline = crate::validate::date(deadline).ok();
    if deadline.is_none() {
        e.add("deadline", "请填写截止日期（如 2012-03-31）", "Give the deadline (such as 2012-03-31)");
    }
    let mut cats = Vec::new();
    for (i, line) in categories.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        match line.rsplit_once(char::is_whitespace).map(|(n, c)| (n.trim(), c.trim().parse::<i64>())) {
            Some((name, Ok(cap))) if !name.is_empty() && cap > 0 && cap <= 10_000_000 => cats.push(Category { code: format!("c{}", i + 1), name: name.to_string(), cap }),
            _ => e.add("categories", format!("第 {} 行应为“类别名称 经费上限（元）”", i + 1), format!("Line {} should be \"category cap\" (yuan)", i + 1)),
        }
    }
    if cats.is_empty() && !e.0.iter().any(|f| f.field == "categories") {
        e.add("categories", "至少要有一个课题类别", "Give at least one category");
    }
    let mut crits = Vec::new();
    for (i, line) in criteria.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        match line.rsplit_once(char::is_whitespace).map(|(n, w)| (n.trim(), w.trim().parse::<u32>())) {
            Some((name, Ok(w))) if !name.is_empty() && (1..=100).contains(&w) => crits.push(Criterion { name: name.to_string(), weight: w }),
            _ => e.add("criteria", format!("第 {} 行应为“评审指标 权重”", i + 1), format!("Line {} should be \"criterion weight\"", i + 1)),
        }
    }
    if !e.0.iter().any(|f| f.field == "criteria") && crits.iter().map(|c| c.weight).sum::<u32>() != 100 {
        e.add("criteria", "各评审指标的权重之和应为 100", "The criteria's weights add up to 100");
    }
    let trim = match trim.trim() {
        "" | "plain" => false,
        "trim" => true,
        _ => {
            e.add("trim", "请选择平均方式：直接平均或去掉最高最低分", "Choose plain mean or drop the highest and lowest");
            false
        }
    };
    let funded = positive(&mut e, "funded", funded, ("立项数", "number funded"), 500);
    let quota = positive(&mut e, "quota", quota, ("每个二级党组织的推荐名额", "quota per secondary organization"), 100);
    let notice_days = positive(&mut e, "notice_days", notice_days, ("公示天数", "notice's working days"), 30);
    match deadline {
        Some(deadline) if e.is_empty() => Ok(CallDraft { title, deadline, categories: cats, criteria: crits, trim, funded, quota, notice_days }),
        _ => Err(e),
    }
}

/// An application as checked: the named part (title, budget, team) and the blind section (活页).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplicationDraft {
    pub category: String,
    pub title: String,
    pub budget: i64,
    /// The blind section's text: what the experts read.
    pub blind: String,
}

/// Reads an application against its call: a known category, a budget within its cap.
pub fn read_application(categories: &[Category], category: &str, title: &str, budget: &str, blind: &str) -> Result<ApplicationDraft, FieldErrors> {
    let mut e = FieldErrors::new();
    let cat = categories.iter().find(|c| c.code == category.trim());
    if cat.is_none() {
        e.add("category", "请选择课题类别", "Choose the category");
    }
    let title = long_text(&mut e, "title", title, MAX_TITLE, ("课题名称", "project title"), true).replace('\n', " ");
    let budget = match budget.trim().parse::<i64>() {
        Ok(b) if b > 0 => match cat {
            Some(c) if b > c.cap => {
                e.add("budget", format!("{}类课题经费不超过 {} 元", c.name, c.cap), format!("A {} project's budget is at most {} yuan", c.name, c.cap));
                b
            }
            _ => b,
        },
        _ => {
            e.add("budget", "请填写申请经费（元，整数）", "Give the budget (yuan, a whole number)");
            0
        }
    };
    let blind = long_text(&mut e, "blind", blind, MAX_TEXT, ("活页（匿名评审部分）", "blind section"), true);
    match cat {
        Some(c) if e.is_empty() => Ok(ApplicationDraft { category: c.code.clone(), title, budget, blind }),
        _ => Err(e),
    }
}

/// The names the blind section must not hold (the applicant's, the team's, their organizations'),
/// and the first one it does hold. Names of one character are not checked (they are not names).
pub fn names_in_blind<'a>(blind: &str, names: &'a [String]) -> Option<&'a str> {
    let folded: String = blind.chars().filter(|c| !c.is_whitespace()).collect();
    names.iter().map(String::as_str).find(|n| {
        let n: String = n.chars().filter(|c| !c.is_whitespace()).collect();
        // An organization is named with or without its Party suffix ("计算机学院党委", "计算机学院").
        let bare = ORG_SUFFIXES.iter().find_map(|s| n.strip_suffix(s)).unwrap_or(&n);
        [n.as_str(), bare].iter().any(|v| v.chars().count() >= 2 && folded.contains(*v))
    })
}

/// The endings of Party organizations' names, left off when a blind section is checked.
const ORG_SUFFIXES: [&str; 6] = ["直属党支部", "党总支", "党支部", "党委", "党小组", "委员会"];

/// A score sheet as typed: one whole score from 0 to 100 per criterion, in order.
pub fn read_sheet(criteria: &[Criterion], scores: &[String]) -> Result<Vec<u32>, FieldErrors> {
    let mut e = FieldErrors::new();
    if scores.len() != criteria.len() {
        e.add("scores", format!("请为全部 {} 项指标打分", criteria.len()), format!("Score all {} criteria", criteria.len()));
        return Err(e);
    }
    let mut out = Vec::new();
    for (i, (c, s)) in criteria.iter().zip(scores).enumerate() {
        match s.trim().parse::<u32>() {
            Ok(v) if v <= MAX_SCORE => out.push(v),
            _ => e.add(&format!("score{i}"), format!("“{}”的得分应为 0 到 {MAX_SCORE} 的整数", c.name), format!("\"{}\" is scored 0 to {MAX_SCORE}", c.name)),
        }
    }
    if e.is_empty() { Ok(out) } else { Err(e) }
}

/// A sheet's weighted total: Σ score × weight / Σ weight (on the 0–100 scale).
pub fn sheet_total(criteria: &[Criterion], scores: &[u32]) -> Frac {
    let weights: u128 = criteria.iter().map(|c| c.weight as u128).sum::<u128>().max(1);
    let sum: u128 = criteria.iter().zip(scores).map(|(c, s)| c.weight as u128 * *s as u128).sum();
    Frac::new(sum, weights)
}

/// An application's score from its sheets' totals: their mean, or (with `trim` and 3 sheets or
/// more) the mean without one highest and one lowest. None without a sheet.
pub fn mean(totals: &[Frac], trim: bool) -> Option<Frac> {
    if totals.is_empty() {
        return None;
    }
    let mut t = totals.to_vec();
    t.sort();
    let kept: &[Frac] = if trim && t.len() >= 3 { &t[1..t.len() - 1] } else { &t };
    let sum = kept.iter().fold(Frac::zero(), |a, b| a + *b);
    Some(sum * Frac::new(1, kept.len() as u128))
}

/// Each application's score from its sheets (application → the sheets' scores).
pub fn scores(criteria: &[Criterion], trim: bool, sheets: &HashMap<i64, Vec<Vec<u32>>>) -> HashMap<i64, Frac> {
    sheets.iter().filter_map(|(app, ss)| mean(&ss.iter().map(|s| sheet_total(criteria, s)).collect::<Vec<_>>(), trim).map(|m| (*app, m))).collect()
}

/// A funded project's reports: mid-term (中期检查) then completion (结题).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    Midterm,
    Final,
}

impl ReportKind {
    pub const ALL: [ReportKind; 2] = [ReportKind::Midterm, ReportKind::Final];
    pub fn code(self) -> &'static str {
        match self {
            ReportKind::Midterm => "midterm",
            ReportKind::Final => "final",
        }
    }
    pub fn parse(s: &str) -> Option<ReportKind> {
        ReportKind::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            ReportKind::Midterm => lang.t("中期检查报告", "Mid-term report"),
            ReportKind::Final => lang.t("结题报告", "Completion report"),
        }
    }
}

/// Where a report stands: handed in, passed, or returned with the office's reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    Submitted,
    Passed,
    Returned,
}

impl ReportState {
    pub const ALL: [ReportState; 3] = [ReportState::Submitted, ReportState::Passed, ReportState::Returned];
    pub fn code(self) -> &'static str {
        match self {
            ReportState::Submitted => "submitted",
            ReportState::Passed => "passed",
            ReportState::Returned => "returned",
        }
    }
    pub fn parse(s: &str) -> Option<ReportState> {
        ReportState::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            ReportState::Submitted => lang.t("待审核", "Awaiting review"),
            ReportState::Passed => lang.t("已通过", "Passed"),
            ReportState::Returned => lang.t("已退回", "Returned"),
        }
    }
}

/// Whether a report of `kind` may be handed in now, given the project's reports so far
/// (kind, state): each once until it passes (again after a return); completion after the
/// mid-term has passed.
pub fn may_report(kind: ReportKind, so_far: &[(ReportKind, ReportState)]) -> Result<(), (&'static str, &'static str)> {
    let state = |k: ReportKind| so_far.iter().find(|(x, _)| *x == k).map(|(_, s)| *s);
    match state(kind) {
        Some(ReportState::Submitted) => return Err(("这份报告正在审核", "This report is being reviewed")),
        Some(ReportState::Passed) => return Err(("这份报告已通过", "This report has passed")),
        _ => {}
    }
    if kind == ReportKind::Final && state(ReportKind::Midterm) != Some(ReportState::Passed) {
        return Err(("中期检查通过后才能提交结题报告", "The completion report follows a passed mid-term report"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crits() -> Vec<Criterion> {
        vec![Criterion { name: "选题意义".into(), weight: 40 }, Criterion { name: "研究方案".into(), weight: 60 }]
    }

    #[test]
    fn a_call_reads_its_categories_criteria_and_numbers() {
        let c = read_call("2012年校级党建研究课题", "2012-03-31", "重点课题 20000\n一般课题 8000", "选题意义 40\n研究方案 60", "trim", "3", "2", "5").unwrap();
        assert_eq!(c.categories[1], Category { code: "c2".into(), name: "一般课题".into(), cap: 8000 });
        assert!(c.trim && c.funded == 3 && c.quota == 2);
        let e = read_call("", "3月底", "重点课题", "选题意义 40\n研究方案 50", "median", "0", "x", "").unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["title", "deadline", "categories", "criteria", "trim", "funded", "quota", "notice_days"]);
    }

    #[test]
    fn an_application_stays_within_its_category_cap_and_its_blind_section_names_nobody() {
        let cats = vec![Category { code: "c1".into(), name: "一般课题".into(), cap: 8000 }];
        assert!(read_application(&cats, "c1", "支部建设研究", "8000", "研究内容……").is_ok());
        let e = read_application(&cats, "c1", "支部建设研究", "9000", "").unwrap_err();
        assert_eq!(e.0.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), vec!["budget", "blind"]);
        let names = vec!["王燕璐".to_string(), "计算机与通信工程学院党委".to_string(), "李".to_string()];
        assert_eq!(names_in_blind("课题负责人王 燕璐长期从事……", &names), Some("王燕璐"));
        assert_eq!(names_in_blind("李老师说", &names), None, "one character is not a name");
        assert_eq!(names_in_blind("我们计算机与通信工程学院的做法", &names), Some("计算机与通信工程学院党委"), "without its suffix too");
    }

    #[test]
    fn the_completion_report_follows_a_passed_midterm() {
        use ReportKind::*;
        use ReportState::*;
        assert!(may_report(Midterm, &[]).is_ok());
        assert!(may_report(Final, &[]).is_err());
        assert!(may_report(Final, &[(Midterm, Submitted)]).is_err());
        assert!(may_report(Midterm, &[(Midterm, Submitted)]).is_err(), "once while it is reviewed");
        assert!(may_report(Midterm, &[(Midterm, Returned)]).is_ok(), "again after a return");
        assert!(may_report(Final, &[(Midterm, Passed)]).is_ok());
        assert!(may_report(Final, &[(Midterm, Passed), (Final, Passed)]).is_err());
    }

    #[test]
    fn the_mean_drops_the_highest_and_lowest_when_asked() {
        let c = crits();
        assert_eq!(sheet_total(&c, &[80, 90]), Frac::new(86, 1));
        let t = [Frac::new(60, 1), Frac::new(80, 1), Frac::new(90, 1), Frac::new(100, 1)];
        assert_eq!(mean(&t, false), Some(Frac::new(330, 4)));
        assert_eq!(mean(&t, true), Some(Frac::new(85, 1)));
        assert_eq!(mean(&t[..2], true), Some(Frac::new(70, 1)), "fewer than 3 sheets: the plain mean");
        assert!(read_sheet(&c, &["80".into()]).is_err() && read_sheet(&c, &["80".into(), "101".into()]).is_err());
    }
}
