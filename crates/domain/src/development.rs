//! Member development (发展党员) as a pipeline of dated steps with the time rules of the Party's
//! regulations: each step has its earliest date (refused before it), its deadline (flagged after
//! it), who records it (the branch, the level above, or the nearest 党委), and what it changes
//! (the development stage, the political status, the joining and full-membership dates).
//!
//! The rules' numbers are data: `[development]` in the plan file (defaults below).

use crate::Text;
use crate::calendar::Calendar;
use crate::member_file::shift_years;
use crate::people::{DevStage, PoliticalStatus};
use crate::validate::FieldErrors;
use crate::{Lang, validate};
use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month};

/// The numbers of the rules (`[development]` in the plan file).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Rules {
    /// An applicant is 18 or over.
    pub min_age: i32,
    /// The branch talks with an applicant within this many days of the application.
    pub talk_within_days: i64,
    /// An activist is trained and observed this many months (from the filing with the level
    /// above) before becoming a candidate.
    pub activist_months: i32,
    /// The 公示 of a candidate lasts this many working days of the calendar.
    pub publicity_working_days: u32,
    /// The 党委 approves within this many months of the branch meeting.
    pub approval_months: i32,
    /// Probation lasts this many months from the branch meeting.
    pub probation_months: i32,
    /// An extension of probation is at most this many months.
    pub max_extension_months: i32,
}

impl Default for Rules {
    fn default() -> Self {
        Rules { min_age: 18, talk_within_days: 30, activist_months: 12, publicity_working_days: 5, approval_months: 3, probation_months: 12, max_extension_months: 12 }
    }
}

impl Rules {
    /// Checks the numbers; every problem by name.
    pub fn check(&self) -> Vec<Text> {
        let mut out = Vec::new();
        let mut bound = |ok: bool, zh: &str, en: &str| {
            if !ok {
                out.push(Text::new(zh, en));
            }
        };
        bound((18..=25).contains(&self.min_age), "min_age 应在18至25之间（党章规定年满十八岁）", "min_age is from 18 to 25");
        bound((1..=180).contains(&self.talk_within_days), "talk_within_days 应在1至180之间", "talk_within_days is from 1 to 180");
        bound((6..=36).contains(&self.activist_months), "activist_months 应在6至36之间", "activist_months is from 6 to 36");
        bound((1..=30).contains(&self.publicity_working_days), "publicity_working_days 应在1至30之间", "publicity_working_days is from 1 to 30");
        bound((1..=12).contains(&self.approval_months), "approval_months 应在1至12之间", "approval_months is from 1 to 12");
        bound((6..=24).contains(&self.probation_months), "probation_months 应在6至24之间", "probation_months is from 6 to 24");
        bound((1..=24).contains(&self.max_extension_months), "max_extension_months 应在1至24之间", "max_extension_months is from 1 to 24");
        out
    }
}

/// The same day `months` later (the month's last day when it has no such day).
pub fn add_months(d: Date, months: i32) -> Date {
    let total = d.year() * 12 + (d.month() as i32 - 1) + months;
    let (y, m) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u8);
    let month = Month::try_from(m).unwrap_or(Month::January);
    let mut day = d.day();
    loop {
        if let Ok(x) = Date::from_calendar_date(y, month, day) {
            return x;
        }
        day -= 1;
    }
}

/// The last day of a notice posted on `on`: the rules' number of working days, `on` counted
/// when it is one.
pub fn publicity_ends(on: Date, rules: &Rules, cal: &Calendar) -> Date {
    let n = rules.publicity_working_days;
    if cal.is_working_day(on) { cal.add_working_days(on, n.saturating_sub(1)) } else { cal.add_working_days(on, n) }
}

/// What a check is made against: the rules, the working-day calendar and today.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    pub rules: &'a Rules,
    pub cal: &'a Calendar,
    pub today: Date,
}

/// The person a step is recorded for: their date of birth when known, their status now.
#[derive(Clone, Copy, Debug)]
pub struct Subject {
    pub birth: Option<Date>,
    pub status: PoliticalStatus,
}

/// Who records a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recorder {
    /// The person's branch (and any level above it).
    Branch,
    /// The level above the branch (备案), and above.
    Above,
    /// The nearest 党委 (a 党总支 does not approve), and above.
    Committee,
}

/// The steps, in their order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Applied,
    Talked,
    Activist,
    ActivistFiled,
    Candidate,
    CandidateFiled,
    PoliticalReview,
    Training,
    Publicity,
    PreReview,
    Admitted,
    HigherTalk,
    Approved,
    Oath,
    ConversionMeeting,
    Extended,
    FullApproved,
    Cancelled,
}

impl Step {
    pub const ALL: [Step; 18] = [
        Step::Applied,
        Step::Talked,
        Step::Activist,
        Step::ActivistFiled,
        Step::Candidate,
        Step::CandidateFiled,
        Step::PoliticalReview,
        Step::Training,
        Step::Publicity,
        Step::PreReview,
        Step::Admitted,
        Step::HigherTalk,
        Step::Approved,
        Step::Oath,
        Step::ConversionMeeting,
        Step::Extended,
        Step::FullApproved,
        Step::Cancelled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Step::Applied => "applied",
            Step::Talked => "talked",
            Step::Activist => "activist",
            Step::ActivistFiled => "activist_filed",
            Step::Candidate => "candidate",
            Step::CandidateFiled => "candidate_filed",
            Step::PoliticalReview => "political_review",
            Step::Training => "training",
            Step::Publicity => "publicity",
            Step::PreReview => "pre_review",
            Step::Admitted => "admitted",
            Step::HigherTalk => "higher_talk",
            Step::Approved => "approved",
            Step::Oath => "oath",
            Step::ConversionMeeting => "conversion_meeting",
            Step::Extended => "extended",
            Step::FullApproved => "full_approved",
            Step::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Step> {
        Self::ALL.into_iter().find(|x| x.code() == s.trim())
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Step::Applied => lang.t("递交入党申请书", "Application"),
            Step::Talked => lang.t("党组织派人谈话", "Talk with the applicant"),
            Step::Activist => lang.t("确定为入党积极分子", "Chosen as an activist"),
            Step::ActivistFiled => lang.t("积极分子报上级党委备案", "Activist filed with the level above"),
            Step::Candidate => lang.t("确定为发展对象", "Chosen as a candidate"),
            Step::CandidateFiled => lang.t("发展对象报上级党委备案", "Candidate filed with the level above"),
            Step::PoliticalReview => lang.t("政治审查", "Political review"),
            Step::Training => lang.t("短期集中培训", "Short training"),
            Step::Publicity => lang.t("发展对象公示", "Public notice"),
            Step::PreReview => lang.t("上级党委预审", "Pre-review by the Party committee"),
            Step::Admitted => lang.t("支部大会讨论接收", "Admitted by the branch meeting"),
            Step::HigherTalk => lang.t("上级党委派人谈话", "Talk by the Party committee"),
            Step::Approved => lang.t("上级党委审批（成为预备党员）", "Approved: probationary member"),
            Step::Oath => lang.t("入党宣誓", "Oath"),
            Step::ConversionMeeting => lang.t("支部大会讨论转正", "Branch meeting on full membership"),
            Step::Extended => lang.t("延长预备期", "Probation extended"),
            Step::FullApproved => lang.t("上级党委批准转正", "Full membership approved"),
            Step::Cancelled => lang.t("取消预备党员资格", "Probationary membership cancelled"),
        }
    }

    pub fn recorder(self) -> Recorder {
        match self {
            Step::ActivistFiled | Step::CandidateFiled => Recorder::Above,
            Step::PreReview | Step::HigherTalk | Step::Approved | Step::Extended | Step::FullApproved | Step::Cancelled => Recorder::Committee,
            _ => Recorder::Branch,
        }
    }

    /// The steps this one needs first.
    fn needs(self) -> &'static [Step] {
        match self {
            Step::Applied => &[],
            Step::Talked | Step::Activist => &[Step::Applied],
            Step::ActivistFiled => &[Step::Activist],
            Step::Candidate => &[Step::ActivistFiled],
            Step::CandidateFiled => &[Step::Candidate],
            Step::PoliticalReview | Step::Training => &[Step::Candidate],
            Step::Publicity => &[Step::CandidateFiled, Step::PoliticalReview, Step::Training],
            Step::PreReview => &[Step::Publicity],
            Step::Admitted => &[Step::PreReview],
            Step::HigherTalk => &[Step::Admitted],
            Step::Approved => &[Step::HigherTalk],
            Step::Oath | Step::ConversionMeeting | Step::Cancelled => &[Step::Approved],
            Step::Extended | Step::FullApproved => &[Step::ConversionMeeting],
        }
    }

    /// Whether the step takes a branch meeting's vote.
    pub fn has_vote(self) -> bool {
        matches!(self, Step::Admitted | Step::ConversionMeeting)
    }
}

/// A branch meeting's vote: members with a vote (full members), present, and yes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
    pub with_vote: i64,
    pub present: i64,
    pub yes: i64,
}

/// What a step records beyond its day.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Details {
    /// Who did it (谈话人, 审查人 …), as written.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub by: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// 培养联系人 (activist) or 入党介绍人 (candidate): people by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vote: Option<Vote>,
    /// Training: the certificate's number.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub certificate: String,
    /// Publicity: where it was posted, and the last day.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub place: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Date>,
    /// Extension: months.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<i32>,
    /// The application: the political status the person had (restored if membership is cancelled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_status: Option<String>,
}

/// A step as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    pub step: Step,
    pub on: Date,
    pub details: Details,
}

/// A person's pipeline: the steps recorded so far.
#[derive(Clone, Debug, Default)]
pub struct Pipeline {
    pub steps: Vec<Recorded>,
}

fn text(zh: impl Into<String>, en: impl Into<String>) -> Text {
    Text::new(zh, en)
}

impl Pipeline {
    pub fn get(&self, s: Step) -> Option<&Recorded> {
        self.steps.iter().find(|r| r.step == s)
    }

    pub fn day(&self, s: Step) -> Option<Date> {
        self.get(s).map(|r| r.on)
    }

    /// The end of probation: the branch meeting's day plus the probation and any extension.
    pub fn probation_ends(&self, rules: &Rules) -> Option<Date> {
        let admitted = self.day(Step::Admitted)?;
        let ext = self.get(Step::Extended).and_then(|r| r.details.months).unwrap_or(0);
        Some(add_months(admitted, rules.probation_months + ext))
    }

    /// The earliest day a step may be recorded for, with the rule that sets it.
    pub fn earliest(&self, s: Step, rules: &Rules, cal: &Calendar) -> Option<(Date, Text)> {
        let mut best: Option<(Date, Text)> = None;
        let mut at_least = |d: Date, why: Text| {
            if best.as_ref().is_none_or(|(b, _)| d > *b) {
                best = Some((d, why));
            }
        };
        for n in s.needs() {
            if let Some(d) = self.day(*n) {
                at_least(
                    d,
                    text(format!("不能早于“{}”（{}）", n.label(Lang::Zh), crate::dates::iso(d)), format!("not before \"{}\" ({})", n.label(Lang::En), crate::dates::iso(d))),
                );
            }
        }
        match s {
            Step::Candidate => {
                if let Some(f) = self.day(Step::ActivistFiled) {
                    let d = add_months(f, rules.activist_months);
                    at_least(
                        d,
                        text(
                            format!("入党积极分子须经{}个月以上培养考察（自备案之日{}起），最早{}", rules.activist_months, crate::dates::iso(f), crate::dates::iso(d)),
                            format!("an activist is observed {} months from filing ({}): {} at the earliest", rules.activist_months, crate::dates::iso(f), crate::dates::iso(d)),
                        ),
                    );
                }
            }
            Step::PreReview => {
                if let Some(p) = self.get(Step::Publicity) {
                    let end = p.details.until.unwrap_or_else(|| publicity_ends(p.on, rules, cal));
                    let d = end + Duration::days(1);
                    at_least(
                        d,
                        text(
                            format!("公示期为{}个工作日，至{}结束，预审最早{}", rules.publicity_working_days, crate::dates::iso(end), crate::dates::iso(d)),
                            format!(
                                "the notice runs {} working days to {}: the pre-review is {} at the earliest",
                                rules.publicity_working_days,
                                crate::dates::iso(end),
                                crate::dates::iso(d)
                            ),
                        ),
                    );
                }
            }
            Step::ConversionMeeting | Step::FullApproved => {
                if let Some(d) = self.probation_ends(rules) {
                    at_least(
                        d,
                        text(
                            format!("预备期自支部大会通过之日起{}个月，至{}期满", rules.probation_months, crate::dates::iso(d)),
                            format!("probation runs {} months from the branch meeting, to {}", rules.probation_months, crate::dates::iso(d)),
                        ),
                    );
                }
            }
            _ => {}
        }
        best
    }

    /// Checks a step to record on `on` with its details for `who`; every problem at once.
    pub fn check(&self, step: Step, on: Date, d: &Details, who: Subject, f: &Frame) -> Result<(), FieldErrors> {
        let (birth, status, rules, cal, today) = (who.birth, who.status, f.rules, f.cal, f.today);
        let mut e = FieldErrors::new();
        if on > today {
            e.add("on", "日期不能晚于今天", "The day cannot be after today");
        }
        if self.get(step).is_some() {
            e.add("step", format!("“{}”已记录", step.label(Lang::Zh)), format!("\"{}\" is recorded already", step.label(Lang::En)));
        }
        if self.get(Step::Cancelled).is_some() || self.get(Step::FullApproved).is_some() {
            e.add("step", "该发展流程已结束", "This pipeline has ended");
        }
        let missing: Vec<Step> = step.needs().iter().copied().filter(|n| self.get(*n).is_none()).collect();
        if !missing.is_empty() {
            let zh: Vec<&str> = missing.iter().map(|m| m.label(Lang::Zh)).collect();
            let en: Vec<&str> = missing.iter().map(|m| m.label(Lang::En)).collect();
            e.add("step", format!("须先完成：{}", zh.join("、")), format!("First: {}", en.join(", ")));
        } else if let Some((d, why)) = self.earliest(step, rules, cal)
            && on < d
        {
            e.add("on", format!("{}：{}", step.label(Lang::Zh), why.zh), format!("{}: {}", step.label(Lang::En), why.en));
        }
        match step {
            Step::Applied => {
                if status.is_party_member() {
                    e.add("step", "已是党员", "Already a member");
                }
                if let Some(b) = birth
                    && on < shift_years(b, rules.min_age)
                {
                    e.add(
                        "on",
                        format!("申请入党须年满{}岁（{}）", rules.min_age, crate::dates::iso(shift_years(b, rules.min_age))),
                        format!("One applies at {} or over", rules.min_age),
                    );
                }
            }
            Step::Activist if distinct(&d.people) == 0 || distinct(&d.people) > 2 => {
                e.add("people", "须确定一至两名正式党员为培养联系人", "Name one or two full members as contacts")
            }
            Step::Candidate if distinct(&d.people) != 2 || d.people.len() != 2 => {
                e.add("people", "须有两名不同的正式党员作入党介绍人", "Name two different full members as introducers")
            }
            Step::Training if d.certificate.trim().is_empty() => e.add("certificate", "请填写培训结业证书编号", "Give the training certificate's number"),
            Step::Publicity => {
                if d.place.trim().is_empty() {
                    e.add("place", "请填写公示范围", "Say where the notice was posted");
                }
                if let Some(u) = d.until
                    && u < publicity_ends(on, rules, cal)
                {
                    e.add(
                        "until",
                        format!("公示期不少于{}个工作日", rules.publicity_working_days),
                        format!("The notice runs {} working days at least", rules.publicity_working_days),
                    );
                }
            }
            Step::Extended => match d.months {
                Some(m) if (1..=rules.max_extension_months).contains(&m) => {}
                _ => e.add("months", format!("延长预备期为1至{}个月", rules.max_extension_months), format!("Probation is extended by 1 to {} months", rules.max_extension_months)),
            },
            _ => {}
        }
        if step.has_vote() {
            match d.vote {
                None => e.add("vote", "请填写表决情况（有表决权的正式党员数、到会人数、赞成票数）", "Give the vote: full members with a vote, present, yes"),
                Some(v) => {
                    if v.with_vote <= 0 || v.with_vote > 100_000 || v.present < 0 || v.yes < 0 || v.present > v.with_vote || v.yes > v.present {
                        e.add("vote", "表决人数不合理：赞成票不多于到会人数，到会人数不多于有表决权的党员数", "The vote does not add up");
                    } else if v.present * 2 <= v.with_vote {
                        e.add(
                            "vote",
                            format!("到会有表决权的党员须超过应到人数的半数（{}人中到会{}人）", v.with_vote, v.present),
                            "More than half of the members with a vote must be present",
                        );
                    } else if v.yes * 2 <= v.with_vote {
                        e.add(
                            "vote",
                            format!("赞成票须超过有表决权的正式党员的半数（{}人中赞成{}票），未获通过", v.with_vote, v.yes),
                            "A yes from more than half of the full members with a vote is needed: not passed",
                        );
                    }
                }
            }
        }
        e.into_result()
    }

    /// The development stage and political status the pipeline puts the person in, when it
    /// says: (stage, status).
    pub fn standing(&self) -> Option<(Option<DevStage>, Option<PoliticalStatus>)> {
        let last = self.steps.iter().map(|r| r.step).max()?;
        Some(if self.get(Step::Cancelled).is_some() {
            (None, Some(PoliticalStatus::Masses))
        } else if self.get(Step::FullApproved).is_some() {
            (None, Some(PoliticalStatus::CpcMember))
        } else if self.get(Step::Approved).is_some() {
            (None, Some(PoliticalStatus::CpcProbationary))
        } else if last >= Step::Candidate {
            (Some(DevStage::Candidate), None)
        } else if last >= Step::Activist {
            (Some(DevStage::Activist), None)
        } else {
            (Some(DevStage::Applicant), None)
        })
    }

    /// The steps that may come next, in order.
    pub fn next(&self) -> Vec<Step> {
        if self.get(Step::Cancelled).is_some() || self.get(Step::FullApproved).is_some() {
            return Vec::new();
        }
        Step::ALL.into_iter().filter(|s| self.get(*s).is_none() && s.needs().iter().all(|n| self.get(*n).is_some())).collect()
    }

    /// What is overdue on `today`, with the day it fell due.
    pub fn overdue(&self, rules: &Rules, today: Date) -> Vec<(Date, Text)> {
        let mut out = Vec::new();
        if self.get(Step::Cancelled).is_some() || self.get(Step::FullApproved).is_some() {
            return out;
        }
        if let Some(a) = self.day(Step::Applied)
            && self.get(Step::Talked).is_none()
        {
            let due = a + Duration::days(rules.talk_within_days);
            if due < today {
                out.push((due, text(format!("递交申请后{}日内应谈话", rules.talk_within_days), format!("a talk within {} days of the application", rules.talk_within_days))));
            }
        }
        if let Some(a) = self.day(Step::Admitted)
            && self.get(Step::Approved).is_none()
        {
            let due = add_months(a, rules.approval_months);
            if due < today {
                out.push((
                    due,
                    text(
                        format!("支部大会通过后{}个月内应由上级党委审批", rules.approval_months),
                        format!("approval within {} months of the branch meeting", rules.approval_months),
                    ),
                ));
            }
        }
        if self.get(Step::Approved).is_some()
            && self.get(Step::ConversionMeeting).is_none()
            && let Some(end) = self.probation_ends(rules)
            && end < today
        {
            out.push((end, text("预备期已满，应及时讨论转正", "probation has ended: the branch meeting on full membership is due")));
        }
        if self.get(Step::Extended).is_some()
            && let Some(end) = self.probation_ends(rules)
            && end < today
        {
            out.push((end, text("延长的预备期已满，应及时讨论转正并报批", "the extended probation has ended: full membership is due")));
        }
        out
    }

    /// The day a probationary member's Party standing starts when approved: the end of probation.
    pub fn full_member_since(&self, rules: &Rules) -> Option<Date> {
        self.get(Step::FullApproved).and_then(|_| self.probation_ends(rules))
    }
}

/// Whether a direct edit of a person (the person form, the roster import) may make their stage
/// and political status `after` from `before` (`None` for a new person): a development stage
/// is the pipeline's alone (an edit may only clear a stale one); with a development file, the
/// status is the pipeline's too. A political status without a file stays the roster's: the
/// members who joined before the system came are its base data. Returns the field and why.
pub fn direct_change(before: Option<(PoliticalStatus, Option<DevStage>)>, after: (PoliticalStatus, Option<DevStage>), has_file: bool) -> Result<(), (&'static str, Text)> {
    let (was_status, was_stage) = before.unzip();
    let was_stage = was_stage.flatten();
    if has_file && (Some(after.0) != was_status || after.1 != was_stage) {
        let field = if Some(after.0) != was_status { "political_status" } else { "dev_stage" };
        return Err((
            field,
            text("此人有发展档案：政治面貌和发展阶段由发展流程决定，请在“发展党员”中记录", "This person has a development file: their status and stage follow the pipeline"),
        ));
    }
    if after.1.is_some() && after.1 != was_stage {
        return Err((
            "dev_stage",
            text(
                "发展阶段由发展党员流程记录，不能直接填写：请在“发展党员”中建档，或用发展党员台账导入以往各步骤",
                "The development stage is the pipeline's: open a development file, or load past steps from a development ledger",
            ),
        ));
    }
    Ok(())
}

fn distinct(ids: &[i64]) -> usize {
    let mut v = ids.to_vec();
    v.sort_unstable();
    v.dedup();
    v.len()
}

/// Reads a step's form: the day and the details (people are given by number and resolved by
/// the caller into ids).
pub fn parse_day(raw: &str) -> Result<Date, Text> {
    validate::date(raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn rec(p: &mut Pipeline, s: Step, on: Date, d: Details) {
        p.steps.push(Recorded { step: s, on, details: d });
    }

    fn vote(with: i64, present: i64, yes: i64) -> Details {
        Details { vote: Some(Vote { with_vote: with, present, yes }), ..Default::default() }
    }

    #[test]
    fn a_whole_pipeline_runs_with_its_time_rules() {
        let r = Rules::default();
        let cal = Calendar::default();
        let today = date!(2026 - 12 - 01);
        let mut p = Pipeline::default();
        let frame = Frame { rules: &r, cal: &cal, today };
        let who = Subject { birth: Some(date!(2003 - 09 - 01)), status: PoliticalStatus::CylMember };
        let ok = |p: &Pipeline, s: Step, on: Date, d: &Details| p.check(s, on, d, who, &frame);
        assert!(ok(&p, Step::Applied, date!(2021 - 08 - 01), &Details::default()).unwrap_err().get("on").unwrap().zh.contains("年满18岁"));
        rec(&mut p, Step::Applied, date!(2022 - 03 - 01), Details::default());
        assert_eq!(p.standing(), Some((Some(DevStage::Applicant), None)));
        assert!(ok(&p, Step::Candidate, date!(2022 - 04 - 01), &Details::default()).unwrap_err().get("step").unwrap().zh.contains("须先完成"));
        rec(&mut p, Step::Talked, date!(2022 - 03 - 20), Details::default());
        assert!(ok(&p, Step::Activist, date!(2022 - 04 - 01), &Details::default()).unwrap_err().get("people").is_some());
        rec(&mut p, Step::Activist, date!(2022 - 04 - 10), Details { people: vec![1], ..Default::default() });
        rec(&mut p, Step::ActivistFiled, date!(2022 - 04 - 20), Details::default());
        let early = ok(&p, Step::Candidate, date!(2023 - 04 - 19), &Details { people: vec![1, 2], ..Default::default() }).unwrap_err();
        assert!(early.get("on").unwrap().zh.contains("12个月以上培养考察"), "{early:?}");
        assert!(ok(&p, Step::Candidate, date!(2023 - 04 - 20), &Details { people: vec![1, 2], ..Default::default() }).is_ok());
        rec(&mut p, Step::Candidate, date!(2023 - 05 - 01), Details { people: vec![1, 2], ..Default::default() });
        rec(&mut p, Step::CandidateFiled, date!(2023 - 05 - 05), Details::default());
        rec(&mut p, Step::PoliticalReview, date!(2023 - 05 - 10), Details::default());
        rec(&mut p, Step::Training, date!(2023 - 05 - 12), Details { certificate: "2023-01".into(), ..Default::default() });
        // A notice from Monday 2023-05-15 runs five working days to Friday 2023-05-19.
        rec(&mut p, Step::Publicity, date!(2023 - 05 - 15), Details { place: "学院".into(), ..Default::default() });
        let e = ok(&p, Step::PreReview, date!(2023 - 05 - 19), &Details::default()).unwrap_err();
        assert!(e.get("on").unwrap().zh.contains("2023-05-19结束"), "{e:?}");
        rec(&mut p, Step::PreReview, date!(2023 - 05 - 22), Details::default());
        assert!(ok(&p, Step::Admitted, date!(2023 - 06 - 01), &vote(20, 10, 10)).unwrap_err().get("vote").unwrap().zh.contains("过应到人数的半数"));
        assert!(ok(&p, Step::Admitted, date!(2023 - 06 - 01), &vote(20, 15, 10)).unwrap_err().get("vote").unwrap().zh.contains("未获通过"));
        rec(&mut p, Step::Admitted, date!(2023 - 06 - 01), vote(20, 15, 11));
        rec(&mut p, Step::HigherTalk, date!(2023 - 06 - 10), Details::default());
        assert_eq!(p.overdue(&r, date!(2023 - 09 - 02)).len(), 1, "approval is due within three months");
        rec(&mut p, Step::Approved, date!(2023 - 06 - 20), Details::default());
        assert_eq!(p.standing(), Some((None, Some(PoliticalStatus::CpcProbationary))));
        rec(&mut p, Step::Oath, date!(2023 - 07 - 01), Details::default());
        assert!(ok(&p, Step::ConversionMeeting, date!(2024 - 05 - 31), &vote(20, 15, 15)).unwrap_err().get("on").unwrap().zh.contains("2024-06-01期满"));
        rec(&mut p, Step::ConversionMeeting, date!(2024 - 06 - 03), vote(20, 15, 15));
        rec(&mut p, Step::FullApproved, date!(2024 - 06 - 20), Details::default());
        assert_eq!(p.standing(), Some((None, Some(PoliticalStatus::CpcMember))));
        assert_eq!(p.full_member_since(&r), Some(date!(2024 - 06 - 01)), "党龄 counts from the end of probation");
        assert!(p.next().is_empty());
    }

    #[test]
    fn a_stage_is_never_typed_and_a_file_keeps_the_status() {
        use PoliticalStatus::*;
        assert!(direct_change(None, (Masses, Some(DevStage::Activist)), false).is_err(), "a new person's stage comes from a file");
        assert!(direct_change(None, (CpcMember, None), false).is_ok(), "members who joined before are base data");
        assert!(direct_change(Some((Masses, Some(DevStage::Applicant))), (Masses, None), false).is_ok(), "a stale stage may be cleared");
        assert!(direct_change(Some((Masses, None)), (CylMember, None), false).is_ok());
        assert_eq!(direct_change(Some((Masses, Some(DevStage::Applicant))), (CpcProbationary, None), true).unwrap_err().0, "political_status");
        assert!(direct_change(Some((Masses, Some(DevStage::Applicant))), (Masses, Some(DevStage::Applicant)), true).is_ok());
    }

    #[test]
    fn months_are_added_to_the_month_end() {
        assert_eq!(add_months(date!(2023 - 01 - 31), 1), date!(2023 - 02 - 28));
        assert_eq!(add_months(date!(2023 - 11 - 15), 3), date!(2024 - 02 - 15));
        assert!(Rules { activist_months: 3, ..Rules::default() }.check().len() == 1);
    }
}
