//! A campaign plan as data: read from TOML (docs/plan-format.md), checked, with every problem
//! reported with its line. Later issues add sections (commitment categories, award
//! categories, survey templates); sections this version does not know are left for them.

use crate::calendar::Calendar;
use crate::selection::{AwardCategory, CandidateKind, Method, Nominators, Voters};
use crate::survey::{Kind, Question, Questionnaire, Scale, TargetKind};
use crate::{Lang, Text};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use time::Date;
use toml::Spanned;

/// Who owes a task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "units")]
pub enum Owners {
    /// Every secondary Party organization (院党委, 党总支, 直属党支部).
    SecondaryOrgs,
    /// Every branch (党支部, 直属党支部).
    Branches,
    /// Every Party organization below the university committee but the groups.
    PartyOrgs,
    /// Every Party member, full or probationary.
    PartyMembers,
    /// Every administrative unit that supervises service windows.
    WindowUnits,
    /// Every division-level cadre.
    Cadres,
    /// The campaign office itself.
    Office,
    /// The units named.
    Units(Vec<String>),
}

impl Owners {
    pub fn code(&self) -> &'static str {
        match self {
            Owners::SecondaryOrgs => "secondary_orgs",
            Owners::Branches => "branches",
            Owners::PartyOrgs => "party_orgs",
            Owners::PartyMembers => "party_members",
            Owners::WindowUnits => "window_units",
            Owners::Cadres => "cadres",
            Owners::Office => "office",
            Owners::Units(_) => "units",
        }
    }

    /// Owners that hold meetings (organizations and units), who may owe a study record.
    pub fn holds_meetings(&self) -> bool {
        !matches!(self, Owners::PartyMembers | Owners::Cadres | Owners::Office)
    }

    pub fn label(&self, lang: Lang) -> String {
        match self {
            Owners::SecondaryOrgs => lang.t("各二级党组织", "Every secondary organization").into(),
            Owners::Branches => lang.t("各党支部", "Every branch").into(),
            Owners::PartyOrgs => lang.t("各级党组织", "Every Party organization").into(),
            Owners::PartyMembers => lang.t("全体党员", "Every Party member").into(),
            Owners::WindowUnits => lang.t("各窗口单位", "Every unit with service windows").into(),
            Owners::Cadres => lang.t("处级以上干部", "Every division-level cadre").into(),
            Owners::Office => lang.t("创先办", "The campaign office").into(),
            Owners::Units(u) => u.join("、"),
        }
    }
}

/// What a task asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "items")]
pub enum Deliverable {
    /// An uploaded document (pdf, docx, xlsx, images).
    Document,
    Text,
    Number,
    /// Items to tick.
    Checklist(Vec<String>),
    /// Public commitments, made and reviewed on the commitments pages (`commitment`).
    Commitment,
    /// A study record (`study`): the owner's study session, a meeting it held and recorded
    /// (day, attendance, minutes, photos), handed in by naming it. Owed by organizations and
    /// units only.
    Study,
}

impl Deliverable {
    pub fn code(&self) -> &'static str {
        match self {
            Deliverable::Document => "document",
            Deliverable::Text => "text",
            Deliverable::Number => "number",
            Deliverable::Checklist(_) => "checklist",
            Deliverable::Commitment => "commitment",
            Deliverable::Study => "study",
        }
    }

    pub fn label(&self, lang: Lang) -> &'static str {
        match self {
            Deliverable::Document => lang.t("上传文件", "A document"),
            Deliverable::Text => lang.t("文字", "Text"),
            Deliverable::Number => lang.t("数字", "A number"),
            Deliverable::Checklist(_) => lang.t("逐项确认", "A checklist"),
            Deliverable::Commitment => lang.t("公开承诺", "Public commitments"),
            Deliverable::Study => lang.t("学习记录", "A study record"),
        }
    }
}

/// Who reviews a task's submissions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reviewer {
    /// The campaign office.
    Office,
    /// The level above the owner (一级抓一级).
    Parent,
}

impl Reviewer {
    /// How the plan file and the database spell it.
    pub fn code(self) -> &'static str {
        match self {
            Reviewer::Office => "office",
            Reviewer::Parent => "parent",
        }
    }

    pub fn parse(s: &str) -> Option<Reviewer> {
        [Reviewer::Office, Reviewer::Parent].into_iter().find(|r| r.code() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignDef {
    pub code: String,
    pub title: String,
    pub year: i32,
    pub time_zone: String,
    /// The name of the unit that houses the campaign office.
    pub office: String,
    pub summary: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phase {
    pub code: String,
    pub title: String,
    pub wording: Option<String>,
    pub start: Date,
    pub end: Date,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub number: u32,
    pub section: Option<String>,
    pub title: String,
    pub owner: Option<String>,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskTemplate {
    pub code: String,
    pub item: Option<u32>,
    pub title: String,
    pub description: Option<String>,
    pub owners: Owners,
    pub deliverable: Deliverable,
    /// The beginning of a period ("4月至6月"), when the plan gives one.
    pub from: Option<Date>,
    /// The date in force for everyone; None while the office has yet to set it.
    pub due: Option<Date>,
    /// The plan's own words for the date, kept beside it ("3月下旬前", "七一前夕").
    pub wording: Option<String>,
    pub reviewer: Reviewer,
}

/// A questionnaire the plan ships, from which the office or a unit creates surveys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyTemplate {
    pub code: String,
    pub item: Option<u32>,
    pub title: String,
    pub description: Option<String>,
    pub target: TargetKind,
    pub anonymous: bool,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub wording: Option<String>,
    pub questionnaire: Questionnaire,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub campaign: CampaignDef,
    pub phases: Vec<Phase>,
    pub calendar: Calendar,
    pub items: Vec<Item>,
    pub tasks: Vec<TaskTemplate>,
    /// Plans stored before survey templates existed have none.
    #[serde(default)]
    pub surveys: Vec<SurveyTemplate>,
    /// Plans stored before commitments existed have none.
    #[serde(default)]
    pub commitments: CommitmentSettings,
    /// Award categories (评选类别): what the selections choose.
    #[serde(default)]
    pub awards: Vec<AwardCategory>,
    /// `[development]`: the numbers of member development's time rules (defaults when absent).
    #[serde(default)]
    pub development: crate::development::Rules,
}

/// `[commitments]`: the categories a commitment is filed under (承诺类别).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentSettings {
    pub categories: Vec<String>,
}

/// A problem of a plan file, at a line (0: the file as a whole).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanError {
    pub line: usize,
    pub message: Text,
}

#[derive(Deserialize)]
struct RawPlan {
    campaign: Spanned<RawCampaign>,
    #[serde(default)]
    phases: Vec<Spanned<RawPhase>>,
    #[serde(default)]
    calendar: Option<RawCalendar>,
    #[serde(default)]
    items: Vec<Spanned<RawItem>>,
    #[serde(default)]
    tasks: Vec<Spanned<RawTask>>,
    #[serde(default)]
    surveys: Vec<Spanned<RawSurvey>>,
    #[serde(default)]
    commitments: Option<Spanned<RawCommitments>>,
    #[serde(default)]
    award_categories: Vec<Spanned<RawAward>>,
    #[serde(default)]
    development: Option<Spanned<RawDevelopment>>,
}

/// `[development]`: every key optional, every unknown key an error.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDevelopment {
    #[serde(flatten)]
    rules: crate::development::Rules,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAward {
    code: String,
    item: Option<Spanned<u32>>,
    name: String,
    description: Option<String>,
    candidates: Spanned<String>,
    period: Spanned<Vec<i32>>,
    quota: Spanned<u32>,
    nominators: Spanned<String>,
    voters: Spanned<String>,
    #[serde(default)]
    politics: Vec<Spanned<String>>,
    #[serde(default)]
    org_kinds: Vec<Spanned<String>>,
    notice_days: Spanned<u32>,
    method: Option<Spanned<String>>,
    mix: Option<Spanned<RawMix>>,
    min_satisfaction: Option<Spanned<u32>>,
    study_points: Option<Spanned<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMix {
    #[serde(default)]
    ballot: u32,
    #[serde(default)]
    scores: u32,
    #[serde(default)]
    appraisal: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCommitments {
    categories: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSurvey {
    code: String,
    item: Option<Spanned<u32>>,
    title: String,
    description: Option<String>,
    #[serde(default)]
    target: Option<Spanned<String>>,
    #[serde(default)]
    anonymous: bool,
    from: Option<Spanned<toml::value::Datetime>>,
    to: Option<Spanned<toml::value::Datetime>>,
    wording: Option<String>,
    /// The questions whose answers make the satisfaction rate (codes such as "q9").
    #[serde(default)]
    rate: Vec<String>,
    #[serde(default)]
    questions: Vec<Spanned<RawQuestion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    code: Option<String>,
    section: Option<String>,
    text: String,
    kind: Spanned<String>,
    scale: Option<Spanned<String>>,
    #[serde(default)]
    options: Vec<String>,
    #[serde(default)]
    items: Vec<String>,
    #[serde(default)]
    required: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCampaign {
    code: String,
    title: String,
    year: i32,
    #[serde(default = "default_tz")]
    time_zone: String,
    office: String,
    summary: Option<String>,
}

fn default_tz() -> String {
    "Asia/Shanghai".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPhase {
    code: String,
    title: String,
    wording: Option<String>,
    start: Spanned<toml::value::Datetime>,
    end: Spanned<toml::value::Datetime>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    #[serde(default)]
    holidays: Vec<Spanned<RawHoliday>>,
    #[serde(default)]
    workdays: Vec<Spanned<RawWorkday>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    from: Option<toml::value::Datetime>,
    to: Option<toml::value::Datetime>,
    date: Option<toml::value::Datetime>,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorkday {
    date: toml::value::Datetime,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    number: u32,
    section: Option<String>,
    title: String,
    owner: Option<String>,
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTask {
    code: Spanned<String>,
    item: Option<Spanned<u32>>,
    title: String,
    description: Option<String>,
    owners: Spanned<String>,
    units: Option<Vec<String>>,
    deliverable: Spanned<String>,
    checklist: Option<Vec<String>>,
    from: Option<Spanned<toml::value::Datetime>>,
    due: Option<Spanned<toml::value::Datetime>>,
    wording: Option<String>,
    reviewer: Option<Spanned<String>>,
}

/// Top-level tables this version reads, and those reserved for the parts later versions add
/// (they are accepted and ignored until then).
const TABLES: &[&str] = &["campaign", "phases", "calendar", "items", "tasks", "surveys", "commitments", "award_categories", "development"];
const RESERVED: &[&str] = &[];

/// A misspelt table (such as `[calender]`) would otherwise be skipped without a word, and its
/// holidays with it: every top-level table and key must be one the format knows.
fn unknown_tables(text: &str) -> Vec<PlanError> {
    let mut out = Vec::new();
    let mut in_table = false;
    let mut in_string = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let was_in_string = in_string;
        if (raw.matches("\"\"\"").count() + raw.matches("\'\'\'").count()) % 2 == 1 {
            in_string = !in_string;
        }
        if was_in_string {
            continue;
        }
        if line.starts_with('[') {
            in_table = true;
            let name: String = line.trim_start_matches('[').chars().take_while(|c| *c != ']' && *c != '.').collect();
            let name = name.trim().trim_matches('"');
            if !TABLES.contains(&name) && !RESERVED.contains(&name) {
                out.push(PlanError {
                    line: i + 1,
                    message: Text::new(format!("未知的部分 [{name}]（可用：{}）", TABLES.join("、")), format!("Unknown table [{name}] (known: {})", TABLES.join(", "))),
                });
            }
        } else if !in_table && !line.is_empty() && !line.starts_with('#') && line.contains('=') {
            let key = line.split('=').next().unwrap_or("").trim();
            out.push(PlanError {
                line: i + 1,
                message: Text::new(format!("“{key}”应写在某个部分（如 [campaign]）之内"), format!("\"{key}\" belongs inside a table such as [campaign]")),
            });
        }
    }
    out
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1
}

fn to_date(d: &toml::value::Datetime) -> Option<Date> {
    let date = d.date?;
    if d.time.is_some() {
        return None;
    }
    Date::from_calendar_date(i32::from(date.year), time::Month::try_from(date.month).ok()?, date.day).ok()
}

/// Reads and checks a plan. Every problem found is reported, each with its line.
pub fn parse(text: &str) -> Result<Plan, Vec<PlanError>> {
    let raw: RawPlan = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
            let msg = e.message().to_string();
            return Err(vec![PlanError { line, message: Text::new(format!("计划文件格式错误：{msg}"), format!("The plan is not valid TOML: {msg}")) }]);
        }
    };
    let mut errs = unknown_tables(text);
    let mut err = |offset: usize, zh: String, en: String| errs.push(PlanError { line: line_of(text, offset), message: Text::new(zh, en) });
    let date = |d: &Spanned<toml::value::Datetime>, err: &mut dyn FnMut(usize, String, String)| -> Option<Date> {
        let v = to_date(d.get_ref());
        if v.is_none() {
            err(d.span().start, "应为日期，如 2012-03-15".into(), "Expected a date such as 2012-03-15".into());
        }
        v
    };

    let c = raw.campaign.get_ref();
    let camp_at = raw.campaign.span().start;
    if c.code.trim().is_empty() || !c.code.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_') {
        err(camp_at, "campaign.code 只能包含字母、数字、- 和 _".into(), "campaign.code has only letters, digits, - and _".into());
    }
    if !(2000..=2100).contains(&c.year) {
        err(camp_at, format!("年份 {} 不合理", c.year), format!("The year {} is not plausible", c.year));
    }
    if c.time_zone != "Asia/Shanghai" {
        err(camp_at, "目前只支持 Asia/Shanghai 时区".into(), "Only the Asia/Shanghai time zone is supported".into());
    }
    let in_range = |d: Date| (c.year - 1..=c.year + 1).contains(&d.year());

    let mut phases = Vec::new();
    for p in &raw.phases {
        let at = p.span().start;
        let r = p.get_ref();
        let (s, e) = (date(&r.start, &mut err), date(&r.end, &mut err));
        if let (Some(s), Some(e)) = (s, e) {
            if s > e {
                err(at, format!("阶段“{}”的开始日期晚于结束日期", r.title), format!("Phase \"{}\" starts after it ends", r.title));
            }
            phases.push(Phase { code: r.code.clone(), title: r.title.clone(), wording: r.wording.clone(), start: s, end: e });
        }
    }

    let mut calendar = Calendar::default();
    if let Some(cal) = &raw.calendar {
        for h in &cal.holidays {
            let at = h.span().start;
            let r = h.get_ref();
            let (from, to) = match (&r.date, &r.from, &r.to) {
                (Some(d), None, None) => (to_date(d), to_date(d)),
                (None, Some(f), Some(t)) => (to_date(f), to_date(t)),
                _ => (None, None),
            };
            match (from, to) {
                (Some(f), Some(t)) if f <= t && (t - f).whole_days() < 31 => {
                    let mut d = f;
                    loop {
                        calendar.holidays.insert(d, r.name.clone());
                        match d.next_day() {
                            Some(n) if n <= t => d = n,
                            _ => break,
                        }
                    }
                }
                _ => err(at, format!("假日“{}”应写 date，或 from 与 to（不超过一个月）", r.name), format!("Holiday \"{}\" needs date, or from and to (within a month)", r.name)),
            }
        }
        for w in &cal.workdays {
            let at = w.span().start;
            let r = w.get_ref();
            match to_date(&r.date) {
                Some(d) => {
                    if calendar.holidays.contains_key(&d) {
                        err(at, format!("{} 既是假日又是调休工作日", crate::dates::iso(d)), format!("{} is both a holiday and a make-up day", crate::dates::iso(d)));
                    }
                    calendar.workdays.insert(d, r.name.clone());
                }
                None => err(at, "应为日期，如 2012-03-31".into(), "Expected a date such as 2012-03-31".into()),
            }
        }
    }

    let mut items = Vec::new();
    let mut numbers = HashSet::new();
    for i in &raw.items {
        let r = i.get_ref();
        if !numbers.insert(r.number) {
            err(i.span().start, format!("工作事项编号 {} 重复", r.number), format!("Work item {} appears twice", r.number));
        }
        items.push(Item { number: r.number, section: r.section.clone(), title: r.title.clone(), owner: r.owner.clone(), text: r.text.clone() });
    }
    items.sort_by_key(|i| i.number);

    let mut tasks = Vec::new();
    let mut codes = HashSet::new();
    for t in &raw.tasks {
        let r = t.get_ref();
        let at = t.span().start;
        if !codes.insert(r.code.get_ref().clone()) {
            err(r.code.span().start, format!("任务代码“{}”重复", r.code.get_ref()), format!("Task code \"{}\" appears twice", r.code.get_ref()));
        }
        // Letters, digits, - and _ only: the codes of documents published to study (study.N)
        // can never meet a plan's.
        if r.code.get_ref().is_empty() || !r.code.get_ref().chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_') {
            err(
                r.code.span().start,
                format!("任务代码“{}”只能由字母、数字、- 和 _ 组成", r.code.get_ref()),
                format!("Task code \"{}\" may hold letters, digits, - and _ only", r.code.get_ref()),
            );
        }
        if let Some(item) = &r.item {
            if !numbers.contains(item.get_ref()) {
                err(item.span().start, format!("没有编号为 {} 的工作事项", item.get_ref()), format!("There is no work item {}", item.get_ref()));
            }
        }
        let owners = match r.owners.get_ref().as_str() {
            "secondary_orgs" => Some(Owners::SecondaryOrgs),
            "branches" => Some(Owners::Branches),
            "party_orgs" => Some(Owners::PartyOrgs),
            "party_members" => Some(Owners::PartyMembers),
            "window_units" => Some(Owners::WindowUnits),
            "cadres" => Some(Owners::Cadres),
            "office" => Some(Owners::Office),
            "units" => match &r.units {
                Some(u) if !u.is_empty() => Some(Owners::Units(u.clone())),
                _ => {
                    err(r.owners.span().start, "owners = \"units\" 时须给出 units = [单位名称]".into(), "owners = \"units\" needs units = [names]".into());
                    None
                }
            },
            other => {
                err(r.owners.span().start, format!("未知的承担者“{other}”"), format!("Unknown owners \"{other}\""));
                None
            }
        };
        if r.units.is_some() && r.owners.get_ref() != "units" {
            err(at, "只有 owners = \"units\" 时才写 units".into(), "units is given only with owners = \"units\"".into());
        }
        let deliverable = match r.deliverable.get_ref().as_str() {
            "document" => Some(Deliverable::Document),
            "text" => Some(Deliverable::Text),
            "number" => Some(Deliverable::Number),
            "commitment" => Some(Deliverable::Commitment),
            "study" => Some(Deliverable::Study),
            "checklist" => match &r.checklist {
                Some(c) if !c.is_empty() => Some(Deliverable::Checklist(c.clone())),
                _ => {
                    err(r.deliverable.span().start, "deliverable = \"checklist\" 时须给出 checklist = [...]".into(), "A checklist deliverable needs checklist = [...]".into());
                    None
                }
            },
            other => {
                err(r.deliverable.span().start, format!("未知的提交形式“{other}”"), format!("Unknown deliverable \"{other}\""));
                None
            }
        };
        if let (Some(o), Some(Deliverable::Study)) = (&owners, &deliverable)
            && !o.holds_meetings()
        {
            err(r.deliverable.span().start, "学习记录须由党组织或单位提交（owners 不能是个人）".into(), "A study record is owed by organizations or units, not by persons".into());
        }
        let reviewer = match r.reviewer.as_ref().map(|s| s.get_ref().as_str()) {
            None => Some(Reviewer::Office),
            Some(code) if Reviewer::parse(code).is_some() => Reviewer::parse(code),
            Some(other) => {
                err(
                    r.reviewer.as_ref().map(|s| s.span().start).unwrap_or(at),
                    format!("未知的审核方“{other}”（office 或 parent）"),
                    format!("Unknown reviewer \"{other}\" (office or parent)"),
                );
                None
            }
        };
        let due = r.due.as_ref().and_then(|d| date(d, &mut err));
        let from = r.from.as_ref().and_then(|d| date(d, &mut err));
        if let Some(d) = due {
            if !in_range(d) {
                err(
                    r.due.as_ref().map(|s| s.span().start).unwrap_or(at),
                    format!("截止日期 {} 不在活动年份附近", crate::dates::iso(d)),
                    format!("The due date {} is far from the campaign's year", crate::dates::iso(d)),
                );
            }
        }
        if let (Some(f), Some(d)) = (from, due) {
            if f > d {
                err(at, "from 晚于 due".into(), "from is after due".into());
            }
        }
        if due.is_none() && r.wording.is_none() {
            err(at, format!("任务“{}”须有截止日期（due）或说明（wording）", r.title), format!("Task \"{}\" needs a due date or a wording", r.title));
        }
        if let (Some(owners), Some(deliverable), Some(reviewer)) = (owners, deliverable, reviewer) {
            tasks.push(TaskTemplate {
                code: r.code.get_ref().clone(),
                item: r.item.as_ref().map(|i| *i.get_ref()),
                title: r.title.clone(),
                description: r.description.clone(),
                owners,
                deliverable,
                from,
                due,
                wording: r.wording.clone(),
                reviewer,
            });
        }
    }
    let mut surveys = Vec::new();
    let mut survey_codes = HashSet::new();
    for sv in &raw.surveys {
        let at = sv.span().start;
        let r = sv.get_ref();
        if !survey_codes.insert(r.code.clone()) {
            err(at, format!("问卷代码“{}”重复", r.code), format!("Survey code \"{}\" appears twice", r.code));
        }
        if let Some(item) = &r.item {
            if !numbers.contains(item.get_ref()) {
                err(item.span().start, format!("没有编号为 {} 的工作事项", item.get_ref()), format!("There is no work item {}", item.get_ref()));
            }
        }
        let target = match &r.target {
            None => Some(TargetKind::None),
            Some(t) => TargetKind::parse(t.get_ref()).or_else(|| {
                err(t.span().start, format!("未知的测评对象“{}”", t.get_ref()), format!("Unknown target \"{}\"", t.get_ref()));
                None
            }),
        };
        let from = r.from.as_ref().and_then(|d| date(d, &mut err));
        let to = r.to.as_ref().and_then(|d| date(d, &mut err));
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                err(at, "from 晚于 to".into(), "from is after to".into());
            }
        }
        let mut qn = Questionnaire { questions: Vec::new(), rate_questions: r.rate.clone() };
        for rq in &r.questions {
            let q = rq.get_ref();
            let Some(kind) = Kind::parse(q.kind.get_ref()) else {
                err(
                    q.kind.span().start,
                    format!("未知的题型“{}”（single、multiple、rating、matrix、text）", q.kind.get_ref()),
                    format!("Unknown kind \"{}\" (single, multiple, rating, matrix, text)", q.kind.get_ref()),
                );
                continue;
            };
            let scale = match &q.scale {
                None => Scale::Satisfaction,
                Some(sc) => match Scale::parse(sc.get_ref()) {
                    Some(v) => v,
                    None => {
                        err(
                            sc.span().start,
                            format!("未知的量表“{}”（satisfaction 或 points5）", sc.get_ref()),
                            format!("Unknown scale \"{}\" (satisfaction or points5)", sc.get_ref()),
                        );
                        continue;
                    }
                },
            };
            let options = if kind == Kind::Matrix { q.items.clone() } else { q.options.clone() };
            let code = q.code.clone().unwrap_or_else(|| qn.next_code());
            qn.questions.push(Question { code, section: q.section.clone(), text: q.text.clone(), kind, scale, options, required: q.required });
        }
        for p in qn.problems() {
            err(at, format!("问卷“{}”：{}", r.title, p.zh), format!("Survey \"{}\": {}", r.title, p.en));
        }
        if let Some(target) = target {
            surveys.push(SurveyTemplate {
                code: r.code.clone(),
                item: r.item.as_ref().map(|i| *i.get_ref()),
                title: r.title.clone(),
                description: r.description.clone(),
                target,
                anonymous: r.anonymous,
                from,
                to,
                wording: r.wording.clone(),
                questionnaire: qn,
            });
        }
    }
    let development = match &raw.development {
        Some(d) => {
            for t in d.get_ref().rules.check() {
                err(d.span().start, format!("[development] {}", t.zh), format!("[development] {}", t.en));
            }
            d.get_ref().rules
        }
        None => crate::development::Rules::default(),
    };
    let mut commitments = CommitmentSettings::default();
    if let Some(rc) = &raw.commitments {
        let mut seen = HashSet::new();
        for cat in &rc.get_ref().categories {
            let cat = cat.trim();
            if cat.is_empty() || cat.chars().count() > 50 || !seen.insert(cat.to_string()) {
                err(rc.span().start, format!("承诺类别“{cat}”为空、过长或重复"), format!("The commitment category \"{cat}\" is empty, too long or repeated"));
            }
            commitments.categories.push(cat.to_string());
        }
    }
    if commitments.categories.is_empty() {
        if let Some(t) = raw.tasks.iter().find(|t| t.get_ref().deliverable.get_ref() == "commitment") {
            err(
                t.span().start,
                "deliverable = \"commitment\" 需要 [commitments] categories = [...]".into(),
                "A commitment deliverable needs [commitments] categories = [...]".into(),
            );
        }
    }
    let mut awards = Vec::new();
    let mut award_codes = HashSet::new();
    for a in &raw.award_categories {
        let at = a.span().start;
        let r = a.get_ref();
        if !award_codes.insert(r.code.clone()) || r.code.trim().is_empty() {
            err(at, format!("评选类别代码“{}”为空或重复", r.code), format!("Award category code \"{}\" is empty or repeated", r.code));
        }
        if let Some(item) = &r.item {
            if !numbers.contains(item.get_ref()) {
                err(item.span().start, format!("没有编号为 {} 的工作事项", item.get_ref()), format!("There is no work item {}", item.get_ref()));
            }
        }
        let candidates = CandidateKind::parse(r.candidates.get_ref());
        if candidates.is_none() {
            err(
                r.candidates.span().start,
                format!("未知的候选对象“{}”（person、organization、window、unit、entry）", r.candidates.get_ref()),
                format!("Unknown candidates \"{}\" (person, organization, window, unit, entry)", r.candidates.get_ref()),
            );
        }
        let nominators = Nominators::parse(r.nominators.get_ref());
        if nominators.is_none() {
            err(
                r.nominators.span().start,
                format!("未知的推荐方式“{}”（organizations 或 anyone）", r.nominators.get_ref()),
                format!("Unknown nominators \"{}\" (organizations or anyone)", r.nominators.get_ref()),
            );
        }
        let voters = Voters::parse(r.voters.get_ref());
        if voters.is_none() {
            err(
                r.voters.span().start,
                format!("未知的投票人“{}”（party_members 或 everyone）", r.voters.get_ref()),
                format!("Unknown voters \"{}\" (party_members or everyone)", r.voters.get_ref()),
            );
        }
        let period = match r.period.get_ref().as_slice() {
            [a, b] if a <= b && (c.year - 10..=c.year).contains(a) && *b <= c.year + 1 => Some((*a, *b)),
            _ => {
                err(
                    r.period.span().start,
                    "period 应写起止年份，如 [2010, 2012]，且在活动年份之前或当年".into(),
                    "period is [first year, last year], such as [2010, 2012], up to the campaign's year".into(),
                );
                None
            }
        };
        if *r.quota.get_ref() == 0 || *r.quota.get_ref() > 1000 {
            err(r.quota.span().start, "名额应在 1 到 1000 之间".into(), "The quota is between 1 and 1000".into());
        }
        if !(1..=30).contains(r.notice_days.get_ref()) {
            err(r.notice_days.span().start, "公示期应为 1 到 30 个工作日".into(), "The notice lasts 1 to 30 working days".into());
        }
        let mut politics = Vec::new();
        for p in &r.politics {
            match crate::people::PoliticalStatus::parse(p.get_ref()) {
                Some(s) => politics.push(s),
                None => err(p.span().start, format!("未知的政治面貌“{}”", p.get_ref()), format!("Unknown political status \"{}\"", p.get_ref())),
            }
        }
        let mut org_kinds = Vec::new();
        for k in &r.org_kinds {
            match crate::org::OrgKind::parse(k.get_ref()) {
                Some(kind) => org_kinds.push(kind.code().to_string()),
                None => err(k.span().start, format!("未知的党组织类别“{}”", k.get_ref()), format!("Unknown kind of organization \"{}\"", k.get_ref())),
            }
        }
        let method = match (r.method.as_ref().map(|m| m.get_ref().as_str()), &r.mix) {
            (None | Some("ballot"), None) => Some(Method::Ballot),
            (Some("scores"), None) => Some(Method::Scores),
            (Some("appraisal"), None) => Some(Method::Appraisal),
            (Some("mix"), Some(m)) => {
                let x = m.get_ref();
                if x.ballot > 0 && x.scores > 0 {
                    err(
                        m.span().start,
                        "mix 不能同时含投票和评委打分（二者由同一批人进行）".into(),
                        "A mix takes the ballot or the panel, not both (the same people do both)".into(),
                    );
                    None
                } else if x.ballot + x.scores + x.appraisal != 100 {
                    err(m.span().start, "mix 的权重之和应为 100".into(), "The weights of mix add up to 100".into());
                    None
                } else {
                    Some(Method::Mix { ballot: x.ballot, scores: x.scores, appraisal: x.appraisal })
                }
            }
            (Some(other), _) => {
                err(
                    r.method.as_ref().map(|m| m.span().start).unwrap_or(at),
                    format!("未知的评选方式“{other}”（ballot、scores、appraisal 或 mix，mix 须写 mix = {{ ballot = 50, appraisal = 50 }}）"),
                    format!("Unknown method \"{other}\" (ballot, scores, appraisal, or mix with mix = {{ ballot = 50, appraisal = 50 }})"),
                );
                None
            }
            (None, Some(m)) => {
                err(m.span().start, "写了 mix 就要写 method = \"mix\"".into(), "mix goes with method = \"mix\"".into());
                None
            }
        };
        if let Some(m) = &r.min_satisfaction {
            if *m.get_ref() > 100 || r.candidates.get_ref() != "window" {
                err(m.span().start, "min_satisfaction 是 0 到 100 的百分数，只用于窗口".into(), "min_satisfaction is a percentage from 0 to 100, for windows only".into());
            }
        }
        if let Some(sp) = &r.study_points
            && *sp.get_ref()
            && r.candidates.get_ref() != "organization"
        {
            err(sp.span().start, "study_points 只用于候选对象为党组织的奖项".into(), "study_points is for awards whose candidates are organizations".into());
        }
        if let (Some(candidates), Some(nominators), Some(voters), Some(period), Some(method)) = (candidates, nominators, voters, period, method) {
            awards.push(AwardCategory {
                code: r.code.clone(),
                item: r.item.as_ref().map(|i| *i.get_ref()),
                name: r.name.clone(),
                description: r.description.clone(),
                candidates,
                period,
                quota: *r.quota.get_ref(),
                nominators,
                voters,
                politics,
                org_kinds,
                notice_days: *r.notice_days.get_ref(),
                method,
                min_satisfaction: r.min_satisfaction.as_ref().map(|m| *m.get_ref()),
                study_points: r.study_points.as_ref().is_some_and(|s| *s.get_ref()),
            });
        }
    }
    if raw.tasks.is_empty() {
        errs.push(PlanError { line: 0, message: Text::new("计划中没有任务（[[tasks]]）", "The plan has no tasks ([[tasks]])") });
    }
    if errs.is_empty() {
        Ok(Plan {
            campaign: CampaignDef {
                code: c.code.clone(),
                title: c.title.clone(),
                year: c.year,
                time_zone: c.time_zone.clone(),
                office: c.office.clone(),
                summary: c.summary.clone(),
            },
            phases,
            calendar,
            items,
            tasks,
            surveys,
            commitments,
            awards,
            development,
        })
    } else {
        errs.sort_by_key(|e| e.line);
        Err(errs)
    }
}

/// The template fields a changed plan compares (dates edited in the UI are kept: the caller
/// reports such conflicts).
pub fn template_changes(old: &TaskTemplate, new: &TaskTemplate) -> Vec<&'static str> {
    let mut out = Vec::new();
    if old.title != new.title {
        out.push("title");
    }
    if old.description != new.description {
        out.push("description");
    }
    if old.owners != new.owners {
        out.push("owners");
    }
    if old.deliverable != new.deliverable {
        out.push("deliverable");
    }
    if old.due != new.due {
        out.push("due");
    }
    if old.from != new.from {
        out.push("from");
    }
    if old.wording != new.wording {
        out.push("wording");
    }
    if old.reviewer != new.reviewer {
        out.push("reviewer");
    }
    if old.item != new.item {
        out.push("item");
    }
    out
}

/// Work items by number, for the views.
pub fn items_by_number(plan: &Plan) -> BTreeMap<u32, &Item> {
    plan.items.iter().map(|i| (i.number, i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../../plans/2012-csust.toml");

    #[test]
    fn the_2012_plan_reads_with_all_20_items_and_the_issues_tasks() {
        let p = parse(SHIPPED).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(p.items.len(), 20);
        assert_eq!(p.items.iter().map(|i| i.number).collect::<Vec<_>>(), (1..=20).collect::<Vec<_>>());
        assert_eq!(p.phases.len(), 4);
        let t = |code: &str| p.tasks.iter().find(|t| t.code == code).unwrap_or_else(|| panic!("no task {code}"));
        assert_eq!(t("implementation-plan").due, Some(time::macros::date!(2012 - 03 - 15)));
        assert_eq!(t("implementation-plan").owners, Owners::SecondaryOrgs);
        assert_eq!(t("research-applications").wording.as_deref(), Some("3月下旬前"));
        assert_eq!(t("cadre-class-links").owners, Owners::Units(vec!["学生工作部（处）".into()]));
        assert_eq!(t("branch-system").due, None, "the office sets it");
        assert!(p.calendar.is_working_day(time::macros::date!(2012 - 03 - 31)));
        assert!(!p.calendar.is_working_day(time::macros::date!(2012 - 10 - 03)));
        assert_eq!(p.calendar.holidays.len(), 3 + 7 + 3 + 3 + 3 + 8);
    }

    #[test]
    fn commitment_tasks_need_their_categories() {
        let p = parse(SHIPPED).unwrap();
        assert_eq!(p.commitments.categories, ["学习提高", "本职岗位创佳绩", "教风学风做先锋", "服务群众和基层做榜样"]);
        let owed: Vec<&str> = p.tasks.iter().filter(|t| t.deliverable == Deliverable::Commitment).map(|t| t.code.as_str()).collect();
        assert_eq!(owed, ["commitments-orgs", "commitments-members", "commitments-windows"]);
        // Without [commitments] the commitment tasks are refused at their line.
        let start = SHIPPED.find("[commitments]").unwrap();
        let end = SHIPPED[start..].find("\n\n").unwrap() + start;
        let without = format!("{}{}", &SHIPPED[..start], &SHIPPED[end..]);
        let errs = parse(&without).unwrap_err();
        assert!(errs.iter().any(|e| e.message.en.contains("needs [commitments] categories")), "{errs:?}");
        // A repeated category is refused.
        let twice = SHIPPED.replace("\"服务群众和基层做榜样\"]", "\"学习提高\"]");
        assert!(parse(&twice).unwrap_err().iter().any(|e| e.message.zh.contains("承诺类别“学习提高”")));
    }

    #[test]
    fn the_2012_plan_ships_the_window_questionnaire_and_the_four_theme_surveys() {
        let p = parse(SHIPPED).unwrap();
        let codes: Vec<&str> = p.surveys.iter().map(|s| s.code.as_str()).collect();
        assert_eq!(codes, ["window-satisfaction", "commitment-evaluation", "theme-commitments", "theme-demonstration-points", "theme-study-style", "theme-advanced-branches"]);
        let w = &p.surveys[0];
        assert_eq!(w.target, TargetKind::Window);
        assert!(w.anonymous);
        let kinds: Vec<Kind> = w.questionnaire.questions.iter().map(|q| q.kind).collect();
        assert_eq!(kinds.iter().filter(|k| **k == Kind::Rating).count(), 9);
        assert_eq!(kinds.last(), Some(&Kind::Text));
        assert_eq!(w.questionnaire.rate_code(), Some("q9"));
        assert_eq!(w.questionnaire.sections().len(), 3);
        assert_eq!(w.from, Some(time::macros::date!(2012 - 05 - 01)));
        let every_kind: std::collections::HashSet<Kind> = p.surveys.iter().flat_map(|s| s.questionnaire.questions.iter().map(|q| q.kind)).collect();
        assert_eq!(every_kind.len(), 5, "the templates use every kind of question");
    }

    #[test]
    fn the_2012_plan_ships_its_eleven_award_categories() {
        let p = parse(SHIPPED).unwrap();
        let names: Vec<&str> = p.awards.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "十佳学习型党组织示范点",
                "十佳学习活动",
                "十佳学习载体",
                "十佳学习明星",
                "先进基层党组织",
                "优秀共产党员",
                "文明示范窗口单位",
                "群众满意窗口",
                "岗位奉献先锋",
                "优质服务品牌",
                "我身边的优秀共产党员"
            ]
        );
        let commendation = p.awards.iter().find(|a| a.code == "excellent-members").unwrap();
        assert_eq!(commendation.period, (2010, 2012));
        assert_eq!(commendation.politics, [crate::people::PoliticalStatus::CpcMember]);
        let beside = p.awards.iter().find(|a| a.code == "excellent-member-beside-me").unwrap();
        assert_eq!(beside.nominators, Nominators::Anyone);
    }

    #[test]
    fn a_broken_survey_template_is_reported_at_its_line() {
        let text = format!("{SHIPPED}\n[[surveys]]\ncode = \"bad\"\ntitle = \"坏问卷\"\n\n[[surveys.questions]]\ntext = \"?\"\nkind = \"essay\"\n");
        let errs = parse(&text).unwrap_err();
        let line = text.lines().position(|l| l.contains("\"essay\"")).unwrap() + 1;
        assert!(errs.iter().any(|e| e.line == line && e.message.zh.contains("essay")), "{errs:?}");
        let empty = format!("{SHIPPED}\n[[surveys]]\ncode = \"empty\"\ntitle = \"空问卷\"\n");
        let errs = parse(&empty).unwrap_err();
        assert!(errs.iter().any(|e| e.message.zh.contains("至少要有一道题")), "{errs:?}");
    }

    #[test]
    fn a_misspelt_table_is_an_error_and_later_parts_are_accepted() {
        let text = SHIPPED.replacen("[calendar]", "[calender]", 1);
        let errs = parse(&text).unwrap_err();
        let line = text.lines().position(|l| l.trim() == "[calender]").unwrap() + 1;
        assert!(errs.iter().any(|e| e.line == line && e.message.zh.contains("[calender]")), "{errs:?}");
        let bad = format!(
            "{SHIPPED}\n[[award_categories]]\ncode = \"x\"\nname = \"X\"\ncandidates = \"cats\"\nperiod = [2012, 2010]\nquota = 0\nnominators = \"organizations\"\nvoters = \"everyone\"\nnotice_days = 5\n"
        );
        let errs = parse(&bad).unwrap_err();
        for needle in ["cats", "period", "名额"] {
            assert!(errs.iter().any(|e| e.message.zh.contains(needle)), "{needle}: {errs:?}");
        }
    }

    #[test]
    fn a_plan_is_stored_as_json_and_read_back_unchanged() {
        let p = parse(SHIPPED).unwrap();
        let json = serde_json::to_string(&p).unwrap();
        let back: Plan = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
        assert!(!p.calendar.holidays.is_empty() && !p.calendar.workdays.is_empty());
    }

    #[test]
    fn problems_are_reported_with_their_lines() {
        let text = "[campaign]\ncode = \"x\"\ntitle = \"t\"\nyear = 2012\noffice = \"o\"\n\n[[tasks]]\ncode = \"a\"\ntitle = \"A\"\nowners = \"everyone\"\ndeliverable = \"document\"\ndue = 2012-03-15\n\n[[tasks]]\ncode = \"a\"\ntitle = \"B\"\nowners = \"branches\"\ndeliverable = \"poem\"\nitem = 7\n";
        let errs = parse(text).unwrap_err();
        let lines: Vec<usize> = errs.iter().map(|e| e.line).collect();
        assert!(lines.contains(&10), "unknown owners on line 10: {errs:?}");
        assert!(lines.contains(&15), "duplicate code on line 15: {errs:?}");
        assert!(lines.contains(&18), "unknown deliverable on line 18: {errs:?}");
        assert!(lines.contains(&19), "unknown item on line 19: {errs:?}");
        let bad = parse("[campaign]\ncode = \"x\"\ntitle = \"t\"\nyear = 2012\noffice = \"o\"\nnonsense = 1\n").unwrap_err();
        assert_eq!(bad[0].line, 6, "{bad:?}");
        let syntax = parse("[campaign\n").unwrap_err();
        assert_eq!(syntax[0].line, 1);
    }

    #[test]
    fn the_development_rules_are_data_and_checked() {
        let base = include_str!("../../../plans/2012-csust.toml");
        let plan = parse(base).unwrap();
        assert_eq!(plan.development.activist_months, 12);
        let short = base.replace("activist_months = 12", "activist_months = 3");
        assert!(parse(&short).unwrap_err().iter().any(|e| e.message.zh.contains("activist_months")));
        let typo = base.replace("activist_months = 12", "activist_month = 12");
        assert!(parse(&typo).is_err(), "an unknown key is refused");
        let changed = base.replace("publicity_working_days = 5", "publicity_working_days = 7");
        assert_eq!(parse(&changed).unwrap().development.publicity_working_days, 7);
    }
}
