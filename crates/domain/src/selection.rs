//! Selections (评选, items 6, 10, 14, 16 and 19): an award category from the plan, its quota
//! and period; nominations by organizations (passed up level by level) or by anyone; the
//! office's eligibility review; an approval ballot (each voter approves up to the quota);
//! the ranking with a tie at the line flagged for the office's recorded decision; the public
//! notice (公示) for the working days the category sets, objections, and the next candidate
//! moving up (递补) when one is upheld; the final list.
//!
//! Rules only: the store keeps the records, the pages show them.

use crate::appraisal::Frac;
use crate::calendar::Calendar;
use crate::people::PoliticalStatus;
use crate::{Lang, Text};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use time::Date;

/// What is nominated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidateKind {
    Person,
    Organization,
    Window,
    /// A unit of the administrative tree (文明示范窗口单位).
    Unit,
    /// An activity or a study carrier (学习活动、学习载体): described by its nominator.
    Entry,
}

impl CandidateKind {
    pub const ALL: [CandidateKind; 5] = [CandidateKind::Person, CandidateKind::Organization, CandidateKind::Window, CandidateKind::Unit, CandidateKind::Entry];

    pub fn code(self) -> &'static str {
        match self {
            CandidateKind::Person => "person",
            CandidateKind::Organization => "organization",
            CandidateKind::Window => "window",
            CandidateKind::Unit => "unit",
            CandidateKind::Entry => "entry",
        }
    }

    pub fn parse(s: &str) -> Option<CandidateKind> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            CandidateKind::Person => lang.t("个人", "People"),
            CandidateKind::Organization => lang.t("党组织", "Party organizations"),
            CandidateKind::Window => lang.t("服务窗口", "Service windows"),
            CandidateKind::Unit => lang.t("单位", "Units"),
            CandidateKind::Entry => lang.t("活动或载体", "Activities or carriers"),
        }
    }
}

/// Who may nominate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Nominators {
    /// Organizations: a branch recommends to its secondary organization, which forwards within
    /// its quota (名额); the secondary organization may also nominate directly.
    Organizations,
    /// Anyone logged in (群众推优, 我身边的优秀共产党员), with reasons.
    Anyone,
}

impl Nominators {
    pub fn code(self) -> &'static str {
        match self {
            Nominators::Organizations => "organizations",
            Nominators::Anyone => "anyone",
        }
    }
    pub fn parse(s: &str) -> Option<Nominators> {
        [Nominators::Organizations, Nominators::Anyone].into_iter().find(|k| k.code() == s)
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Nominators::Organizations => lang.t("组织推荐，逐级上报", "Organizations, passed up level by level"),
            Nominators::Anyone => lang.t("群众推荐（登录后均可推荐）", "Anyone logged in"),
        }
    }
}

/// Who votes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Voters {
    /// A Party vote: full members only (预备党员 have no vote).
    PartyMembers,
    /// Everyone in the electorate's organization.
    Everyone,
}

impl Voters {
    pub fn code(self) -> &'static str {
        match self {
            Voters::PartyMembers => "party_members",
            Voters::Everyone => "everyone",
        }
    }
    pub fn parse(s: &str) -> Option<Voters> {
        [Voters::PartyMembers, Voters::Everyone].into_iter().find(|k| k.code() == s)
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Voters::PartyMembers => lang.t("正式党员（预备党员没有表决权）", "Full Party members (probationary members have no vote)"),
            Voters::Everyone => lang.t("全体人员", "Everyone"),
        }
    }

    /// Whether a person of this 政治面貌 has a vote.
    pub fn may_vote(self, status: PoliticalStatus) -> bool {
        match self {
            Voters::PartyMembers => status == PoliticalStatus::CpcMember,
            Voters::Everyone => true,
        }
    }
}

/// An award category as the plan defines it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwardCategory {
    pub code: String,
    pub item: Option<u32>,
    pub name: String,
    pub description: Option<String>,
    pub candidates: CandidateKind,
    /// The years the award covers (2010-2012 for the commendation).
    pub period: (i32, i32),
    pub quota: u32,
    pub nominators: Nominators,
    pub voters: Voters,
    /// 政治面貌 a person must have (empty: any).
    #[serde(default)]
    pub politics: Vec<PoliticalStatus>,
    /// Kinds of organization that may be nominated (codes; empty: any).
    #[serde(default)]
    pub org_kinds: Vec<String>,
    /// Working days of the public notice.
    pub notice_days: u32,
    #[serde(default)]
    pub method: Method,
    /// For windows: the lowest satisfaction rate (a whole percentage) of the campaign's surveys.
    #[serde(default)]
    pub min_satisfaction: Option<u32>,
    /// Candidates are the registered 学习型党组织示范点 of the campaign (`study_points = true`),
    /// and the selection reads their creation plans, reports and inspections.
    #[serde(default)]
    pub study_points: bool,
}

impl AwardCategory {
    pub fn period_text(&self) -> String {
        if self.period.0 == self.period.1 { format!("{}", self.period.0) } else { format!("{}–{}", self.period.0, self.period.1) }
    }

    /// Whether a person of this 政治面貌 may be nominated (None: the reason they may not).
    pub fn person_eligible(&self, status: PoliticalStatus) -> Result<(), Text> {
        if self.politics.is_empty() || self.politics.contains(&status) {
            return Ok(());
        }
        let names: Vec<&str> = self.politics.iter().map(|p| p.label(Lang::Zh)).collect();
        let names_en: Vec<&str> = self.politics.iter().map(|p| p.label(Lang::En)).collect();
        Err(Text::new(format!("“{}”的候选人须为：{}", self.name, names.join("、")), format!("Candidates for \"{}\" must be: {}", self.name, names_en.join(", "))))
    }

    pub fn org_eligible(&self, kind: &str) -> Result<(), Text> {
        if self.org_kinds.is_empty() || self.org_kinds.iter().any(|k| k == kind) {
            return Ok(());
        }
        Err(Text::new(format!("“{}”不接受这一类党组织", self.name), format!("\"{}\" does not take this kind of organization", self.name)))
    }
}

/// Where a selection stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Nominations come in and the office reviews eligibility.
    Nominating,
    /// The ballot is open.
    Voting,
    /// The ballot is closed and counted; a tie at the line waits for the office.
    Counted,
    /// 公示: objections may be lodged.
    Notice,
    /// Approved: the award register holds the result.
    Final,
}

impl Stage {
    pub const ALL: [Stage; 5] = [Stage::Nominating, Stage::Voting, Stage::Counted, Stage::Notice, Stage::Final];

    pub fn code(self) -> &'static str {
        match self {
            Stage::Nominating => "nominating",
            Stage::Voting => "voting",
            Stage::Counted => "counted",
            Stage::Notice => "notice",
            Stage::Final => "final",
        }
    }
    pub fn parse(s: &str) -> Option<Stage> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Stage::Nominating => lang.t("推荐与资格审查", "Nominations and eligibility review"),
            Stage::Voting => lang.t("投票中", "Voting"),
            Stage::Counted => lang.t("已计票", "Counted"),
            Stage::Notice => lang.t("公示中", "Public notice"),
            Stage::Final => lang.t("已审定", "Approved"),
        }
    }
}

/// A nomination's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NominationState {
    /// A branch's recommendation, waiting for its secondary organization to forward it.
    Recommended,
    /// Forwarded (within the quota) or nominated by anyone: waiting for the office's review.
    Nominated,
    Eligible,
    Ineligible,
}

impl NominationState {
    pub const ALL: [NominationState; 4] = [NominationState::Recommended, NominationState::Nominated, NominationState::Eligible, NominationState::Ineligible];
    pub fn code(self) -> &'static str {
        match self {
            NominationState::Recommended => "recommended",
            NominationState::Nominated => "nominated",
            NominationState::Eligible => "eligible",
            NominationState::Ineligible => "ineligible",
        }
    }
    pub fn parse(s: &str) -> Option<NominationState> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            NominationState::Recommended => lang.t("支部推荐，待上级党组织上报", "Recommended; waiting for the secondary organization"),
            NominationState::Nominated => lang.t("已上报，待资格审查", "Nominated; waiting for the eligibility review"),
            NominationState::Eligible => lang.t("资格审查通过", "Eligible"),
            NominationState::Ineligible => lang.t("资格审查未通过", "Not eligible"),
        }
    }
    /// Counts against the nominating organization's quota.
    pub fn in_quota(self) -> bool {
        matches!(self, NominationState::Nominated | NominationState::Eligible)
    }
}

/// Checks a ballot: at least one choice, no more than the quota, each an eligible candidate,
/// none twice. Returns the choices sorted (the stored form: nothing of the order clicked).
pub fn check_ballot(choices: &[i64], eligible: &HashSet<i64>, quota: u32) -> Result<Vec<i64>, Text> {
    let mut v: Vec<i64> = choices.to_vec();
    v.sort_unstable();
    v.dedup();
    if v.is_empty() {
        return Err(Text::new("请至少选择一名候选人", "Choose at least one candidate"));
    }
    if v.len() > quota as usize {
        return Err(Text::new(format!("最多可选 {quota} 名，您选了 {} 名", v.len()), format!("You may choose up to {quota}; you chose {}", v.len())));
    }
    if v.iter().any(|c| !eligible.contains(c)) {
        return Err(Text::new("所选的候选人不在本次评选的候选人名单中", "A choice is not on this selection's list of candidates"));
    }
    Ok(v)
}

/// Votes per candidate: every eligible candidate appears, with 0 when nobody chose them.
pub fn tally(candidates: &[i64], ballots: &[Vec<i64>]) -> HashMap<i64, u64> {
    let mut out: HashMap<i64, u64> = candidates.iter().map(|c| (*c, 0)).collect();
    for b in ballots {
        for c in b {
            if let Some(n) = out.get_mut(c) {
                *n += 1;
            }
        }
    }
    out
}

/// The outcome of a count: the ranking, who is selected, who is next in line, and a tie at the
/// line the office must decide. `S` is what ranks: votes (a ballot) or a score (panel scores,
/// the combined appraisal score, a weighted mix).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Outcome<S = u64> {
    /// Every candidate, best first; equal results in the office's recorded order, then by
    /// nomination number.
    pub order: Vec<(i64, S)>,
    pub selected: Vec<i64>,
    /// Those who moved up because a selected candidate was disqualified (递补).
    pub moved_up: Vec<i64>,
    /// Tied across the line and not ordered by a decision: nobody is selected until it is made.
    pub tie_at_line: Vec<i64>,
}

/// Ranks candidates by votes against the quota; a candidate without a vote is not selected.
/// `disqualified` are those whose objection was upheld (they keep their place in the ranking but
/// are passed over); `preference` is the office's recorded order among tied candidates. Who moved
/// up is found by comparing with the selection no objection touched.
pub fn outcome(votes: &HashMap<i64, u64>, quota: u32, disqualified: &HashSet<i64>, preference: &[i64]) -> Outcome<u64> {
    outcome_by(votes, |v| *v > 0, quota, disqualified, preference)
}

/// The same for scores: a candidate without a score above 0 is not selected.
pub fn outcome_scored(scores: &HashMap<i64, Frac>, quota: u32, disqualified: &HashSet<i64>, preference: &[i64]) -> Outcome<Frac> {
    outcome_by(scores, |s| *s > Frac::zero(), quota, disqualified, preference)
}

fn outcome_by<S: Copy + Ord>(results: &HashMap<i64, S>, counts: impl Fn(&S) -> bool, quota: u32, disqualified: &HashSet<i64>, preference: &[i64]) -> Outcome<S> {
    let pref = |c: &i64| preference.iter().position(|p| p == c).unwrap_or(usize::MAX);
    let mut order: Vec<(i64, S)> = results.iter().map(|(c, v)| (*c, *v)).collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then(pref(&a.0).cmp(&pref(&b.0))).then(a.0.cmp(&b.0)));
    let first = select(&order, &counts, quota, &HashSet::new(), &pref);
    let now = select(&order, &counts, quota, disqualified, &pref);
    // Who moved up is said only once the selection stands (no tie left open).
    let moved_up = if now.1.is_empty() { now.0.iter().filter(|c| !first.0.contains(c)).copied().collect() } else { Vec::new() };
    Outcome { selected: if now.1.is_empty() { now.0 } else { Vec::new() }, moved_up, tie_at_line: now.1, order }
}

fn select<S: Copy + Ord>(order: &[(i64, S)], counts: &dyn Fn(&S) -> bool, quota: u32, disqualified: &HashSet<i64>, pref: &dyn Fn(&i64) -> usize) -> (Vec<i64>, Vec<i64>) {
    let standing: Vec<(i64, S)> = order.iter().filter(|(c, v)| !disqualified.contains(c) && counts(v)).copied().collect();
    let q = quota as usize;
    let mut tie = Vec::new();
    if q > 0 && q < standing.len() && standing[q - 1].1 == standing[q].1 {
        let line = standing[q].1;
        tie = standing.iter().filter(|(_, s)| *s == line).map(|(c, _)| *c).collect();
    }
    // A tie the office has ordered completely is settled.
    let settled = !tie.is_empty() && tie.iter().all(|c| pref(c) != usize::MAX);
    let chosen: Vec<i64> = standing.iter().take(q).map(|(c, _)| *c).collect();
    if tie.is_empty() || settled { (chosen, Vec::new()) } else { (chosen, tie) }
}

/// The office's order of those tied at a line, recorded: every tied one once, put after the
/// orders recorded before (which it replaces for these), and the reasons kept in turn. Returns
/// the new order and the reasons. Used for selections and appraisal rounds alike.
pub fn record_tie(tied: &[i64], order: &[i64], before: &[i64], before_reason: Option<&str>, reason: &str) -> Result<(Vec<i64>, String), Text> {
    let t: HashSet<i64> = tied.iter().copied().collect();
    let given: HashSet<i64> = order.iter().copied().collect();
    if t.is_empty() || t != given || order.len() != t.len() {
        return Err(Text::new("请为每一个并列的对象排出先后，每个一次", "Order every tied one, once each"));
    }
    let mut pref: Vec<i64> = before.iter().copied().filter(|p| !t.contains(p)).collect();
    pref.extend_from_slice(order);
    let reasons = match before_reason {
        Some(r) => format!("{r}\n{reason}"),
        None => reason.to_string(),
    };
    Ok((pref, reasons))
}

/// The positions the office typed for tied ones ("pos<id>" = 1, 2, …), as an order; empty when
/// two share a position (the check above then refuses it).
pub fn order_from_positions(positions: &[(i64, i64)]) -> Vec<i64> {
    let mut v = positions.to_vec();
    v.sort_by_key(|(_, pos)| *pos);
    let distinct: HashSet<i64> = v.iter().map(|(_, pos)| *pos).collect();
    if distinct.len() == v.len() { v.into_iter().map(|(c, _)| c).collect() } else { Vec::new() }
}

/// How a selection ranks its candidates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Method {
    /// Each voter approves up to the quota.
    #[default]
    Ballot,
    /// A panel scores each candidate 0-100 (a member does not score a candidate of their own
    /// secondary organization); the mean ranks.
    Scores,
    /// The combined score of an appraisal round the office names.
    Appraisal,
    /// A weighted mix of the three, each on 0-100 (the ballot as the share of voters who
    /// approved the candidate); a part a candidate lacks counts 0.
    Mix { ballot: u32, scores: u32, appraisal: u32 },
}

impl Method {
    pub fn code(self) -> &'static str {
        match self {
            Method::Ballot => "ballot",
            Method::Scores => "scores",
            Method::Appraisal => "appraisal",
            Method::Mix { .. } => "mix",
        }
    }

    pub fn label(self, lang: Lang) -> String {
        match self {
            Method::Ballot => lang.t("投票（每人赞成不超过名额）", "Ballot (approve up to the quota)").into(),
            Method::Scores => lang.t("评委打分（本单位候选人回避）", "Panel scores (members recuse for their own organization)").into(),
            Method::Appraisal => lang.t("评议综合得分", "Combined appraisal score").into(),
            Method::Mix { ballot, scores, appraisal } => match lang {
                Lang::Zh => format!("综合：投票 {ballot}%、评委打分 {scores}%、评议得分 {appraisal}%"),
                Lang::En => format!("Mixed: ballot {ballot}%, panel {scores}%, appraisal {appraisal}%"),
            },
        }
    }

    /// Whether people vote or score (a ballot or a panel); an appraisal alone needs neither.
    pub fn has_ballot(self) -> bool {
        matches!(self, Method::Ballot) || matches!(self, Method::Mix { ballot, .. } if ballot > 0)
    }
    pub fn has_panel(self) -> bool {
        matches!(self, Method::Scores) || matches!(self, Method::Mix { scores, .. } if scores > 0)
    }
    pub fn has_appraisal(self) -> bool {
        matches!(self, Method::Appraisal) || matches!(self, Method::Mix { appraisal, .. } if appraisal > 0)
    }

    /// A candidate's result on 0-100 from its parts (ballot share, panel mean, appraisal score).
    pub fn combine(self, ballot: Option<Frac>, panel: Option<Frac>, appraisal: Option<Frac>) -> Option<Frac> {
        match self {
            Method::Ballot => ballot,
            Method::Scores => panel,
            Method::Appraisal => appraisal,
            Method::Mix { ballot: wb, scores: ws, appraisal: wa } => {
                let total = (wb + ws + wa) as u128;
                if total == 0 || (ballot.is_none() && panel.is_none() && appraisal.is_none()) {
                    return None;
                }
                let part = |v: Option<Frac>, w: u32| v.unwrap_or(Frac::zero()) * Frac::new(w as u128, total);
                Some(part(ballot, wb) + part(panel, ws) + part(appraisal, wa))
            }
        }
    }
}

/// Checks a panel member's score sheet: a whole score 0-100 for every candidate they may score,
/// none for one they must recuse themselves from.
pub fn check_sheet(scores: &HashMap<i64, Option<u32>>, may_score: &HashSet<i64>) -> Result<Vec<(i64, u32)>, Text> {
    let mut out = Vec::new();
    for c in may_score {
        match scores.get(c).copied().flatten() {
            Some(v) if v <= 100 => out.push((*c, v)),
            Some(_) => return Err(Text::new("分数应为 0 到 100 的整数", "A score is a whole number from 0 to 100")),
            None => return Err(Text::new("请为每一位候选人打分", "Score every candidate")),
        }
    }
    if scores.iter().any(|(c, v)| v.is_some() && !may_score.contains(c)) {
        return Err(Text::new("本单位的候选人须回避，不能打分", "You recuse yourself from your own organization's candidates"));
    }
    out.sort_unstable();
    Ok(out)
}

/// The last day of a public notice of `days` working days published on `from` (the day of
/// publication counts when it is a working day).
pub fn notice_end(calendar: &Calendar, from: Date, days: u32) -> Date {
    let days = days.max(1);
    let start = if calendar.is_working_day(from) { from.previous_day().unwrap_or(from) } else { from };
    calendar.add_working_days(start, days)
}

/// The fingerprint published before voting opens: SHA-256 of the list, one line each.
pub fn fingerprint(lines: &[String]) -> String {
    let mut h = Sha256::new();
    for l in lines {
        h.update(l.as_bytes());
        h.update(b"\n");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Totals are published to the electorate only when at least this many took part.
pub const MIN_ELECTORATE: i64 = 5;

/// Who a selection's electorate is, for its minimum turnout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElectorateKind {
    /// A defined body (a unit's Party members, a panel): more than half must take part.
    Body,
    /// A vote open to everyone: no minimum; the turnout is printed with the result.
    Open,
}

impl ElectorateKind {
    pub fn code(self) -> &'static str {
        match self {
            ElectorateKind::Body => "body",
            ElectorateKind::Open => "open",
        }
    }
}

impl AwardCategory {
    /// The kind of electorate the category's vote has: a panel or a Party vote is a defined
    /// body; a ballot of everyone is open. None when nobody votes (an appraisal alone).
    pub fn electorate_kind(&self) -> Option<ElectorateKind> {
        if self.method.has_panel() || (self.method.has_ballot() && self.voters == Voters::PartyMembers) {
            Some(ElectorateKind::Body)
        } else if self.method.has_ballot() {
            Some(ElectorateKind::Open)
        } else {
            None
        }
    }
}

/// The turnout of a vote against its minimum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Turnout {
    pub kind: ElectorateKind,
    /// Ballots (or score sheets) cast.
    pub cast: u64,
    /// The frozen electorate (or panel).
    pub electorate: u64,
    /// The fewest ballots for a valid count: more than half of a defined body, 0 when open.
    pub minimum: u64,
}

/// The minimum turnout rule: more than half of a defined body, none for a vote open to everyone.
pub fn turnout(kind: ElectorateKind, electorate: u64, cast: u64) -> Turnout {
    let minimum = match kind {
        ElectorateKind::Body => electorate / 2 + 1,
        ElectorateKind::Open => 0,
    };
    Turnout { kind, cast, electorate, minimum }
}

impl Turnout {
    /// Whether the count may be published.
    pub fn met(&self) -> bool {
        self.cast >= self.minimum
    }

    /// The share that took part, in per cent with one decimal ("0.9%"); "—" without an electorate.
    pub fn percent(&self) -> String {
        if self.electorate == 0 {
            return "—".into();
        }
        let tenths = (self.cast * 1000 + self.electorate / 2) / self.electorate;
        format!("{}.{}%", tenths / 10, tenths % 10)
    }

    /// The turnout as printed with a result: "参与 1 人，应参与 114 人，参与率 0.9%（最低须过半数：58 人）".
    pub fn text(&self, lang: Lang) -> String {
        let (c, e, p, m) = (self.cast, self.electorate, self.percent(), self.minimum);
        match (self.kind, lang) {
            (ElectorateKind::Body, Lang::Zh) => format!("参与 {c} 人，应参与 {e} 人，参与率 {p}（须过半数，至少 {m} 人）"),
            (ElectorateKind::Body, Lang::En) => format!("{c} of {e} took part ({p}; more than half, {m} at least, is required)"),
            (ElectorateKind::Open, Lang::Zh) => format!("参与 {c} 人，应参与 {e} 人，参与率 {p}（面向全体，不设最低参与率）"),
            (ElectorateKind::Open, Lang::En) => format!("{c} of {e} took part ({p}; open to everyone, no minimum)"),
        }
    }

    /// Why a close below the minimum is refused, and what the office may do instead.
    pub fn refusal(&self) -> Text {
        Text::new(
            format!(
                "参与人数不足，不能计票：应参与 {} 人，须过半数（至少 {} 人），现有 {} 人（{}）。请延长投票时间，或写明理由后关闭投票（此时不公布计票结果）",
                self.electorate,
                self.minimum,
                self.cast,
                self.percent()
            ),
            format!(
                "Too few took part to count: {} of {} ({}), and more than half ({} at least) is required. Extend the vote, or close it with a recorded reason (the count is then not published)",
                self.cast,
                self.electorate,
                self.percent(),
                self.minimum
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn votes(pairs: &[(i64, u64)]) -> HashMap<i64, u64> {
        pairs.iter().copied().collect()
    }

    #[test]
    fn a_ballot_approves_up_to_the_quota_of_eligible_candidates() {
        let eligible: HashSet<i64> = [1, 2, 3, 4].into();
        assert_eq!(check_ballot(&[3, 1, 3], &eligible, 2).unwrap(), vec![1, 3], "sorted, once each");
        assert!(check_ballot(&[], &eligible, 2).unwrap_err().zh.contains("至少"));
        assert!(check_ballot(&[1, 2, 3], &eligible, 2).unwrap_err().zh.contains("最多可选 2 名"));
        assert!(check_ballot(&[9], &eligible, 2).unwrap_err().en.contains("not on this selection's list"));
    }

    #[test]
    fn the_count_ranks_and_selects_and_the_next_moves_up() {
        // Five ballots, quota 2: 甲(1) 4 votes, 乙(2) 3, 丙(3) 2, 丁(4) 0.
        let ballots = vec![vec![1, 2], vec![1, 2], vec![1, 3], vec![1, 3], vec![2]];
        let v = tally(&[1, 2, 3, 4], &ballots);
        assert_eq!(v, votes(&[(1, 4), (2, 3), (3, 2), (4, 0)]));
        let o = outcome(&v, 2, &HashSet::new(), &[]);
        assert_eq!(o.order, vec![(1, 4), (2, 3), (3, 2), (4, 0)]);
        assert_eq!(o.selected, vec![1, 2]);
        assert!(o.moved_up.is_empty() && o.tie_at_line.is_empty());
        // Nobody voted for 丁: with a quota of 4, three are selected.
        assert_eq!(outcome(&v, 4, &HashSet::new(), &[]).selected, vec![1, 2, 3]);
        // An objection against 乙 upheld: 丙 moves up.
        let o = outcome(&v, 2, &[2].into(), &[]);
        assert_eq!(o.selected, vec![1, 3]);
        assert_eq!(o.moved_up, vec![3]);
    }

    #[test]
    fn a_tie_at_the_line_waits_for_the_offices_order() {
        // Quota 2: 甲 5, 乙 3, 丙 3: 乙 and 丙 tie for the second place.
        let v = votes(&[(1, 5), (2, 3), (3, 3)]);
        let o = outcome(&v, 2, &HashSet::new(), &[]);
        assert_eq!(o.tie_at_line, vec![2, 3]);
        assert!(o.selected.is_empty(), "nobody is selected until the office decides");
        let o = outcome(&v, 2, &HashSet::new(), &[3, 2]);
        assert!(o.tie_at_line.is_empty());
        assert_eq!(o.selected, vec![1, 3]);
        assert_eq!(o.order, vec![(1, 5), (3, 3), (2, 3)]);
        // A tie below the line needs nothing.
        let v = votes(&[(1, 5), (2, 4), (3, 3), (4, 3)]);
        assert!(outcome(&v, 2, &HashSet::new(), &[]).tie_at_line.is_empty());
    }

    #[test]
    fn scores_rank_like_votes_and_methods_mix() {
        let s: HashMap<i64, Frac> = [(1, Frac::new(424, 5)), (2, Frac::new(80, 1)), (3, Frac::new(80, 1))].into();
        let o = outcome_scored(&s, 2, &HashSet::new(), &[]);
        assert_eq!(o.tie_at_line, vec![2, 3]);
        assert_eq!(outcome_scored(&s, 1, &HashSet::new(), &[]).selected, vec![1]);
        // A mix of ballot 50, panel 30, appraisal 20: 0.5 × 80 + 0.3 × 90 + 0.2 × 84.8 = 83.96.
        let m = Method::Mix { ballot: 50, scores: 30, appraisal: 20 };
        assert_eq!(m.combine(Some(Frac::new(80, 1)), Some(Frac::new(90, 1)), Some(Frac::new(424, 5))).unwrap().published(), "83.96");
        // A part missing counts 0.
        assert_eq!(m.combine(Some(Frac::new(80, 1)), None, None).unwrap().published(), "40.00");
        assert!(m.has_ballot() && m.has_panel() && m.has_appraisal());
        assert!(!Method::Appraisal.has_ballot());
    }

    #[test]
    fn a_score_sheet_scores_everyone_but_the_recused() {
        let may: HashSet<i64> = [1, 2].into();
        let sheet: HashMap<i64, Option<u32>> = [(1, Some(90)), (2, Some(75)), (3, None)].into();
        assert_eq!(check_sheet(&sheet, &may).unwrap(), vec![(1, 90), (2, 75)]);
        let recused: HashMap<i64, Option<u32>> = [(1, Some(90)), (2, Some(75)), (3, Some(60))].into();
        assert!(check_sheet(&recused, &may).unwrap_err().zh.contains("回避"));
        let missing: HashMap<i64, Option<u32>> = [(1, Some(90))].into();
        assert!(check_sheet(&missing, &may).is_err());
        let over: HashMap<i64, Option<u32>> = [(1, Some(101)), (2, Some(1))].into();
        assert!(check_sheet(&over, &may).is_err());
    }

    #[test]
    fn a_tie_order_replaces_the_earlier_one_for_those_tied() {
        let (pref, why) = record_tie(&[2, 3], &[3, 2], &[5, 2], Some("earlier"), "now").unwrap();
        assert_eq!(pref, vec![5, 3, 2]);
        assert_eq!(why, "earlier\nnow");
        assert!(record_tie(&[2, 3], &[3], &[], None, "x").is_err(), "every tied one");
        assert!(record_tie(&[], &[], &[], None, "x").is_err(), "no tie");
        assert_eq!(order_from_positions(&[(7, 2), (9, 1)]), vec![9, 7]);
        assert!(order_from_positions(&[(7, 1), (9, 1)]).is_empty());
    }

    #[test]
    fn the_notice_counts_working_days() {
        let cal = Calendar::default();
        // Published on Friday 2026-11-27 for 5 working days: Fri, Mon-Thu → Thursday 3 December.
        assert_eq!(notice_end(&cal, date!(2026 - 11 - 27), 5), date!(2026 - 12 - 03));
        // Published on a Saturday: Monday to Friday.
        assert_eq!(notice_end(&cal, date!(2026 - 11 - 28), 5), date!(2026 - 12 - 04));
    }

    #[test]
    fn probationary_members_have_no_party_vote() {
        assert!(Voters::PartyMembers.may_vote(PoliticalStatus::CpcMember));
        assert!(!Voters::PartyMembers.may_vote(PoliticalStatus::CpcProbationary));
        assert!(!Voters::PartyMembers.may_vote(PoliticalStatus::Masses));
        assert!(Voters::Everyone.may_vote(PoliticalStatus::Masses));
    }

    #[test]
    fn a_defined_body_needs_more_than_half_and_an_open_vote_no_minimum() {
        let t = turnout(ElectorateKind::Body, 114, 1);
        assert_eq!((t.minimum, t.met(), t.percent()), (58, false, "0.9%".to_string()));
        assert!(t.refusal().zh.contains("至少 58 人") && t.refusal().en.contains("1 of 114"));
        assert!(!turnout(ElectorateKind::Body, 114, 57).met() && turnout(ElectorateKind::Body, 114, 58).met());
        assert!(!turnout(ElectorateKind::Body, 4, 2).met() && turnout(ElectorateKind::Body, 4, 3).met(), "half is not more than half");
        let open = turnout(ElectorateKind::Open, 114, 1);
        assert!(open.met() && open.minimum == 0);
        assert!(open.text(Lang::Zh).contains("参与 1 人，应参与 114 人"));
        assert_eq!(turnout(ElectorateKind::Body, 0, 0).percent(), "—");
    }

    #[test]
    fn the_category_says_which_electorate_it_has() {
        let mut cat = AwardCategory {
            code: "x".into(),
            item: None,
            name: "x".into(),
            description: None,
            candidates: CandidateKind::Person,
            period: (2012, 2012),
            quota: 1,
            nominators: Nominators::Anyone,
            voters: Voters::Everyone,
            politics: vec![],
            org_kinds: vec![],
            notice_days: 5,
            method: Method::Ballot,
            min_satisfaction: None,
            study_points: false,
        };
        assert_eq!(cat.electorate_kind(), Some(ElectorateKind::Open));
        cat.voters = Voters::PartyMembers;
        assert_eq!(cat.electorate_kind(), Some(ElectorateKind::Body));
        cat.voters = Voters::Everyone;
        cat.method = Method::Scores;
        assert_eq!(cat.electorate_kind(), Some(ElectorateKind::Body), "a panel is a defined body");
        cat.method = Method::Appraisal;
        assert_eq!(cat.electorate_kind(), None);
    }

    #[test]
    fn fingerprints_are_sha256_of_the_lines() {
        // printf 'a\nb\n' | sha256sum
        assert_eq!(fingerprint(&["a".into(), "b".into()]), "911169ddaaf146aff539f58c26c489af3b892dff0fe283c1c264c65ae5aa59a2");
    }
}

/// Who looks at a selection, as the disclosure rules need it: plain facts, no IO.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Viewer {
    /// The campaign office or the administrator: runs the selection.
    pub office: bool,
    /// The auditor, who recounts.
    pub auditor: bool,
    /// In the frozen electorate (or on the panel).
    pub in_electorate: bool,
}

/// What of a selection a viewer may see, at a stage, once `took_part` ballots or sheets are in:
/// the rules written once for the page, the API, the exports and the PDFs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Disclosure {
    /// The totals (votes or scores) and the ranking: the office and the auditor always; the
    /// electorate after the count when 5 or more took part (no figure from fewer than 5
    /// secret ballots).
    pub totals: bool,
    /// The names of who took part: beside the totals only, and never when fewer than 5 did
    /// (their ballots would be read off the tally), to anyone, the office included.
    pub voters: bool,
    /// Who is selected: public once on notice; before that the office, the auditor and an
    /// electorate that sees the totals.
    pub selected: bool,
    /// Who moved up (递补): public once on notice; the office and the auditor before.
    pub moved_up: bool,
    /// The candidates tied at the quota line, waiting for a decision: the office and the auditor.
    pub tie_at_line: bool,
    /// The eligible list (names only): public once the ballot opens.
    pub candidates: bool,
    /// The quotas of the secondary organizations: while nominations run, or to the office.
    pub quotas: bool,
    /// Every objection with its objector: the office alone (others see their own).
    pub all_objections: bool,
    /// The award register of the selection: once approved.
    pub awards: bool,
}

impl Disclosure {
    pub fn of(stage: Stage, v: Viewer, took_part: u64) -> Disclosure {
        let staff = v.office || v.auditor;
        let totals = staff || (stage >= Stage::Counted && v.in_electorate && took_part >= MIN_ELECTORATE as u64);
        let on_notice = stage >= Stage::Notice;
        Disclosure {
            totals,
            voters: totals && stage >= Stage::Counted && crate::anonymity::may_show(took_part),
            selected: on_notice || staff || totals,
            moved_up: on_notice || staff,
            tie_at_line: staff,
            candidates: stage >= Stage::Voting,
            quotas: v.office || stage == Stage::Nominating,
            all_objections: v.office,
            awards: stage == Stage::Final,
        }
    }
}

/// Whose evidence a viewer of a nomination sees: all of it, or (someone other than the office,
/// in a mass nomination) only the files they gave themselves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvidenceRule {
    All,
    OwnOnly,
}

pub fn evidence_rule(nominators: Nominators, office: bool) -> EvidenceRule {
    if nominators == Nominators::Anyone && !office { EvidenceRule::OwnOnly } else { EvidenceRule::All }
}

/// In a mass nomination, a nominator other than the office sees the reasons they gave
/// themselves, never another supporter's (nor the first nominator's description): whether the
/// reasons shown must be the viewer's own.
pub fn own_reasons_only(nominators: Nominators, office: bool) -> bool {
    nominators == Nominators::Anyone && !office
}

/// The recommendation and approval form (推荐审批表) of a mass nomination carries the first
/// nominator's reasons: the office's alone.
pub fn may_print_form(nominators: Nominators, office: bool) -> bool {
    nominators != Nominators::Anyone || office
}

#[cfg(test)]
mod disclosure_tests {
    use super::*;

    #[test]
    fn totals_reach_the_electorate_only_after_the_count_and_from_five() {
        let voter = Viewer { in_electorate: true, ..Default::default() };
        assert!(!Disclosure::of(Stage::Voting, voter, 10).totals);
        assert!(!Disclosure::of(Stage::Counted, voter, 4).totals);
        let d = Disclosure::of(Stage::Counted, voter, 5);
        assert!(d.totals && d.voters && d.selected && !d.moved_up && !d.tie_at_line);
        let outsider = Viewer::default();
        let d = Disclosure::of(Stage::Counted, outsider, 50);
        assert!(!d.totals && !d.voters && !d.selected);
        assert!(Disclosure::of(Stage::Notice, outsider, 50).selected);
    }

    #[test]
    fn the_office_never_sees_who_took_part_beside_fewer_than_five_ballots() {
        let office = Viewer { office: true, ..Default::default() };
        let d = Disclosure::of(Stage::Counted, office, 3);
        assert!(d.totals && !d.voters && d.tie_at_line);
        assert!(Disclosure::of(Stage::Counted, office, 5).voters);
        let auditor = Viewer { auditor: true, ..Default::default() };
        assert!(Disclosure::of(Stage::Counted, auditor, 3).totals && !Disclosure::of(Stage::Counted, auditor, 3).all_objections);
    }

    #[test]
    fn evidence_and_reasons_of_a_mass_nomination_stay_with_their_giver() {
        assert_eq!(evidence_rule(Nominators::Anyone, false), EvidenceRule::OwnOnly);
        assert_eq!(evidence_rule(Nominators::Anyone, true), EvidenceRule::All);
        assert_eq!(evidence_rule(Nominators::Organizations, false), EvidenceRule::All);
        assert!(own_reasons_only(Nominators::Anyone, false) && !own_reasons_only(Nominators::Organizations, false));
        assert!(!may_print_form(Nominators::Anyone, false) && may_print_form(Nominators::Anyone, true));
    }
}
