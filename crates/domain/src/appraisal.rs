//! The combined appraisal score (DOMAIN.md, "Rules that matter"; issue 7): each rater group's
//! ratings are mapped to 0-100, averaged per group, and combined by the round's weights; a group
//! with no ratings has its weight shared out among the others in proportion, and the result says
//! so; rounding happens only when published (2 decimals); a tie at the quota line is flagged for
//! the office, who decides and records why.
//!
//! Scores are kept as exact fractions, so that a tie is a tie and an auditor's recount comes out
//! the same to the last digit.

use crate::Text;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// Who rates (三评 and the subject's own).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// 群众评议: the people served.
    Masses,
    /// 党员互评: fellow members of the branch.
    Peers,
    /// 领导点评: leaders of the level above.
    Leaders,
    /// 自评: the subject.
    Own,
}

impl Group {
    pub fn code(self) -> &'static str {
        match self {
            Group::Masses => "masses",
            Group::Peers => "peers",
            Group::Leaders => "leaders",
            Group::Own => "own",
        }
    }

    pub fn label(self, lang: crate::Lang) -> &'static str {
        match self {
            Group::Masses => lang.t("群众评议", "Appraisal by the people served"),
            Group::Peers => lang.t("党员互评", "Appraisal by fellow members"),
            Group::Leaders => lang.t("领导点评", "Comments of the leaders"),
            Group::Own => lang.t("自评", "Self-appraisal"),
        }
    }
}

impl Group {
    pub const ALL: [Group; 4] = [Group::Masses, Group::Peers, Group::Leaders, Group::Own];

    /// Whether the group's ratings are anonymous (群众评议, 党员互评): then a group under
    /// [`crate::anonymity::MIN_GROUP`] raters shows nothing and counts as empty. 自评 has one
    /// rater by nature and 领导点评 is signed.
    pub fn is_anonymous(self) -> bool {
        matches!(self, Group::Masses | Group::Peers)
    }

    /// Whether a group of `raters` may be shown and counted.
    pub fn counts(self, raters: usize) -> bool {
        raters > 0 && (!self.is_anonymous() || crate::anonymity::may_show(raters as u64))
    }

    pub fn parse(s: &str) -> Option<Group> {
        Self::ALL.into_iter().find(|g| g.code() == s)
    }
}

/// Who is appraised in a round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// Party organizations below an organization.
    Organization,
    /// The members of a branch (民主评议党员, 一会四评).
    Member,
    /// Service windows below a unit (三评: against the standards their unit set, item 9).
    Window,
    /// Division-level cadres of a unit (or of the university).
    Cadre,
}

impl SubjectKind {
    pub const ALL: [SubjectKind; 4] = [SubjectKind::Organization, SubjectKind::Member, SubjectKind::Window, SubjectKind::Cadre];

    pub fn code(self) -> &'static str {
        match self {
            SubjectKind::Organization => "organization",
            SubjectKind::Member => "member",
            SubjectKind::Window => "window",
            SubjectKind::Cadre => "cadre",
        }
    }

    pub fn parse(s: &str) -> Option<SubjectKind> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label(self, lang: crate::Lang) -> &'static str {
        match self {
            SubjectKind::Organization => lang.t("党组织", "Party organizations"),
            SubjectKind::Member => lang.t("党员（民主评议）", "Party members (democratic appraisal)"),
            SubjectKind::Window => lang.t("服务窗口", "Service windows"),
            SubjectKind::Cadre => lang.t("处级以上干部", "Division-level cadres"),
        }
    }
}

/// The weights of the four groups: whole percentages adding up to 100.
pub fn check_weights(w: &[(Group, u32)]) -> Result<(), crate::Text> {
    let sum: u32 = w.iter().map(|(_, v)| *v).sum();
    if sum != 100 {
        return Err(crate::Text::new(format!("各评议主体的权重之和应为 100，现在是 {sum}"), format!("The weights add up to 100, not {sum}")));
    }
    Ok(())
}

/// Grades and the whole-point score each needs, best first: "优秀:90,合格:70,基本合格:60,不合格:0".
pub fn parse_grades(text: &str) -> Result<Vec<(String, u32)>, crate::Text> {
    let bad = || {
        crate::Text::new(
            "等次应写成“优秀:90,合格:70,基本合格:60,不合格:0”：从高到低，最后一项为 0",
            "Grades are written \"优秀:90,合格:70,基本合格:60,不合格:0\": best first, the last at 0",
        )
    };
    let mut out: Vec<(String, u32)> = Vec::new();
    for part in text.split([',', '，', ';', '；']).map(str::trim).filter(|p| !p.is_empty()) {
        let (label, min) = part.split_once([':', '：']).ok_or_else(bad)?;
        let label = label.trim();
        let min: u32 = min.trim().parse().map_err(|_| bad())?;
        if label.is_empty() || label.chars().count() > 10 || min > 100 || out.iter().any(|(l, m)| l == label || *m <= min) {
            return Err(bad());
        }
        out.push((label.to_string(), min));
    }
    if out.len() < 2 || out.last().map(|g| g.1) != Some(0) {
        return Err(bad());
    }
    Ok(out)
}

/// A non-negative exact fraction.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Frac {
    pub num: u128,
    pub den: u128,
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Frac {
    pub fn new(num: u128, den: u128) -> Frac {
        assert!(den > 0, "a fraction needs a denominator");
        let g = gcd(num, den).max(1);
        Frac { num: num / g, den: den / g }
    }

    pub fn zero() -> Frac {
        Frac { num: 0, den: 1 }
    }

    /// In hundredths, half up: how a score is published (82.345… → 8235).
    pub fn hundredths(self) -> u128 {
        (self.num * 200 + self.den) / (2 * self.den)
    }

    /// The published form: two decimals.
    pub fn published(self) -> String {
        let h = self.hundredths();
        format!("{}.{:02}", h / 100, h % 100)
    }
}

impl std::ops::Add for Frac {
    type Output = Frac;
    fn add(self, o: Frac) -> Frac {
        Frac::new(self.num * o.den + o.num * self.den, self.den * o.den)
    }
}

impl std::ops::Mul for Frac {
    type Output = Frac;
    fn mul(self, o: Frac) -> Frac {
        Frac::new(self.num * o.num, self.den * o.den)
    }
}

impl PartialEq for Frac {
    fn eq(&self, o: &Frac) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}

impl Eq for Frac {}

impl PartialOrd for Frac {
    fn partial_cmp(&self, o: &Frac) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for Frac {
    fn cmp(&self, o: &Frac) -> Ordering {
        (self.num * o.den).cmp(&(o.num * self.den))
    }
}

/// A scale and the 0-100 value of each of its points: 满意 / 基本满意 / 不满意 as 100 / 60 / 0, or
/// 1 to 5 as 0 / 25 / 50 / 75 / 100, or a score out of 100 as itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scale {
    Points(Vec<(String, u32)>),
    /// A whole-number score from 0 to 100.
    Hundred,
}

impl Scale {
    pub fn satisfaction() -> Scale {
        Scale::Points(vec![("满意".into(), 100), ("基本满意".into(), 60), ("不满意".into(), 0)])
    }

    /// The 0-100 value of a rating (a point's index, or the score), or None when it is off the scale.
    pub fn value(&self, rating: u32) -> Option<u32> {
        match self {
            Scale::Points(p) => p.get(rating as usize).map(|(_, v)| *v),
            Scale::Hundred => (rating <= 100).then_some(rating),
        }
    }
}

/// One group of a round: its weight (a whole percentage) and its raters' scores on 0-100 (a
/// rater's score is the weighted mean of their criteria, so it may be a fraction).
#[derive(Clone, Debug)]
pub struct GroupRatings {
    pub group: Group,
    pub weight: u32,
    pub values: Vec<Frac>,
}

/// One rater's score: the weighted mean of their values (0-100) on the criteria, by the
/// criteria's weights. None when there is nothing to weigh.
pub fn rater_score(values: &[(u32, u32)]) -> Option<Frac> {
    let total: u128 = values.iter().map(|(w, _)| *w as u128).sum();
    if total == 0 {
        return None;
    }
    let sum: u128 = values.iter().map(|(w, v)| *w as u128 * *v as u128).sum();
    Some(Frac::new(sum, total))
}

/// A subject's combined score and how it was made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Combined {
    pub score: Frac,
    /// Each group: its mean (None when it had no ratings), its weight as set, and the weight it
    /// carried (an empty group's share given to the others in proportion).
    pub groups: Vec<(Group, Option<Frac>, u32, Frac)>,
    /// The groups without ratings whose weight was shared out: the result says so.
    pub shared_out: Vec<Group>,
    /// Of those, the anonymous groups that had ratings, but fewer than the minimum: they count
    /// as empty (a mean of one or two would be their scores), and the result says so.
    pub under_minimum: Vec<Group>,
}

/// Combines the groups of one subject, an anonymous group under the minimum counting as
/// empty. None when no group counts.
pub fn combine(groups: &[GroupRatings]) -> Option<Combined> {
    let sums: Vec<GroupSum> =
        groups.iter().map(|g| GroupSum { group: g.group, weight: g.weight, raters: g.values.len(), sum: g.values.iter().fold(Frac::zero(), |a, v| a + *v) }).collect();
    combine_sums(&sums)
}

/// One group of a subject as a running tally keeps it: how many rated and the sum of their
/// scores (each rater's score is the weighted mean of their criteria, so the sum is exact).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupSum {
    pub group: Group,
    pub weight: u32,
    pub raters: usize,
    pub sum: Frac,
}

impl GroupSum {
    /// The group's mean, or None when nobody rated.
    pub fn mean(&self) -> Option<Frac> {
        (self.raters > 0).then(|| self.sum * Frac::new(1, self.raters as u128))
    }
}

/// [`combine`] from tallies: the same result as from the raters' scores one by one.
pub fn combine_sums(groups: &[GroupSum]) -> Option<Combined> {
    let counted: Vec<GroupSum> = groups.iter().map(|g| if g.group.counts(g.raters) { *g } else { GroupSum { raters: 0, sum: Frac::zero(), ..*g } }).collect();
    let mut c = weigh(&counted)?;
    c.under_minimum = groups.iter().filter(|g| g.raters > 0 && !g.group.counts(g.raters)).map(|g| g.group).collect();
    Some(c)
}

/// The arithmetic of [`combine`]: groups' means by their weights, an empty group's weight shared
/// out in proportion.
fn weigh(groups: &[GroupSum]) -> Option<Combined> {
    let rated: u128 = groups.iter().filter(|g| g.raters > 0).map(|g| g.weight as u128).sum();
    if rated == 0 {
        return None;
    }
    let mut score = Frac::zero();
    let mut out = Vec::new();
    let mut shared_out = Vec::new();
    for g in groups {
        let Some(mean) = g.mean() else {
            shared_out.push(g.group);
            out.push((g.group, None, g.weight, Frac::zero()));
            continue;
        };
        // The weight carried: its share of the weights of the groups that were rated.
        let carried = Frac::new(g.weight as u128 * 100, rated);
        score = score + mean * Frac::new(g.weight as u128, rated);
        out.push((g.group, Some(mean), g.weight, carried));
    }
    Some(Combined { score, groups: out, shared_out, under_minimum: Vec::new() })
}

/// A ranked list against a quota: the order (best first; equal scores keep the given order) and,
/// when the candidates at the quota line tie, who they are (for the office's recorded decision).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ranking<T> {
    pub order: Vec<(T, Frac)>,
    /// Those tied across the line: some would be in, some out.
    pub tie_at_line: Vec<T>,
}

pub fn rank<T: Clone + PartialEq>(mut scored: Vec<(T, Frac)>, quota: usize) -> Ranking<T> {
    scored.sort_by_key(|s| std::cmp::Reverse(s.1));
    let mut tie = Vec::new();
    if quota > 0 && quota < scored.len() {
        let line = scored[quota - 1].1;
        if scored[quota].1 == line {
            tie = scored.iter().filter(|(_, s)| *s == line).map(|(t, _)| t.clone()).collect();
        }
    }
    Ranking { order: scored, tie_at_line: tie }
}

/// The advice of a computed score in 民主评议党员: the first grade whose threshold (in whole
/// points) the score reaches; the branch decides, and says why where it differs.
pub fn advise(score: Frac, grades: &[(String, u32)]) -> Option<&str> {
    grades.iter().find(|(_, min)| score >= Frac::new(*min as u128, 1)).map(|(g, _)| g.as_str())
}

// ---- A round as the office starts it ---------------------------------------------------------

/// A criterion: its text and weight.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    pub item: String,
    pub weight: u32,
}

/// Criteria of one subject, at most (a unit's standards beyond it are cut).
pub const MAX_CRITERIA: usize = 50;

/// The office's criteria as typed, one per line "item:weight" (a line without a weight weighs 1);
/// none gives the one criterion 总体评价.
pub fn parse_criteria(text: &str) -> Result<Vec<Criterion>, Text> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (item, weight) = match line.rsplit_once([':', '：']) {
            Some((i, w)) => (i.trim(), w.trim().parse::<u32>().map_err(|_| Text::new(format!("“{line}”的权重应为整数"), format!("\"{line}\": the weight is a whole number")))?),
            None => (line, 1),
        };
        out.push(Criterion { item: item.to_string(), weight });
    }
    check_criteria(out)
}

/// Criteria given as a list (the API): each 1-100 characters with a weight of 1 to 100, at most
/// [`MAX_CRITERIA`]; none gives the one criterion 总体评价.
pub fn check_criteria(mut list: Vec<Criterion>) -> Result<Vec<Criterion>, Text> {
    for c in &mut list {
        c.item = c.item.trim().to_string();
        if c.item.is_empty() || c.item.chars().count() > 100 || c.weight == 0 || c.weight > 100 {
            let line = format!("{}:{}", c.item, c.weight);
            return Err(Text::new(format!("评议项目“{line}”不合要求（名称 1-100 字，权重 1-100）"), format!("\"{line}\" is not a criterion (1-100 characters, weight 1-100)")));
        }
    }
    if list.is_empty() {
        list.push(Criterion { item: "总体评价".into(), weight: 1 });
    }
    if list.len() > MAX_CRITERIA {
        return Err(Text::new(format!("评议项目最多 {MAX_CRITERIA} 项"), format!("At most {MAX_CRITERIA} criteria")));
    }
    Ok(list)
}

/// The scale a round rates on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaleKind {
    /// 满意 / 基本满意 / 不满意.
    Satisfaction,
    /// A whole-number score out of 100.
    Hundred,
}

impl ScaleKind {
    pub fn code(self) -> &'static str {
        match self {
            ScaleKind::Satisfaction => "satisfaction",
            ScaleKind::Hundred => "hundred",
        }
    }

    /// The stored code; an unknown one reads as the satisfaction scale.
    pub fn of(code: &str) -> ScaleKind {
        if code == "hundred" { ScaleKind::Hundred } else { ScaleKind::Satisfaction }
    }

    pub fn scale(self) -> Scale {
        match self {
            ScaleKind::Satisfaction => Scale::satisfaction(),
            ScaleKind::Hundred => Scale::Hundred,
        }
    }
}

/// A round as the office sets it, checked: who is appraised and where, the scale, each group's
/// weight, the criteria, the grades (民主评议党员), the quota line and the dates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundSpec {
    pub title: String,
    pub kind: SubjectKind,
    pub org: Option<crate::ids::OrgId>,
    pub unit: Option<crate::ids::UnitId>,
    pub scale: ScaleKind,
    /// Every group, in the order of [`Group::ALL`].
    pub weights: Vec<(Group, u32)>,
    pub criteria: Vec<Criterion>,
    pub grades: Option<Vec<(String, u32)>>,
    pub quota: Option<i64>,
    pub opens: time::Date,
    pub closes: time::Date,
}

/// A round's fields as they arrive, already typed where the edge could type them; [`RoundDraft::check`]
/// applies the rules and names every field that breaks one.
#[derive(Clone, Debug, Default)]
pub struct RoundDraft {
    pub title: String,
    pub kind: Option<SubjectKind>,
    pub org: Option<crate::ids::OrgId>,
    pub unit: Option<crate::ids::UnitId>,
    pub scale: Option<ScaleKind>,
    /// masses, peers, leaders, own; None where the input was not a whole number.
    pub weights: [Option<u32>; 4],
    pub criteria: Option<Vec<Criterion>>,
    pub grades: Option<Vec<(String, u32)>>,
    pub quota: Option<i64>,
    pub opens: Option<time::Date>,
    pub closes: Option<time::Date>,
}

impl RoundDraft {
    /// Checks the draft; `errs` may already hold what the edge could not parse.
    pub fn check(self, mut errs: crate::validate::FieldErrors) -> Result<RoundSpec, crate::validate::FieldErrors> {
        let title = self.title.trim().to_string();
        if title.is_empty() || title.chars().count() > 100 {
            errs.add("title", "请填写名称（不超过 100 字）", "Give a title (up to 100 characters)");
        }
        if self.kind.is_none() && errs.get("kind").is_none() {
            errs.add("kind", "请选择评议对象", "Choose who is appraised");
        }
        let mut weights = Vec::new();
        for (g, w) in Group::ALL.into_iter().zip(self.weights) {
            match w {
                Some(w) if w <= 100 => weights.push((g, w)),
                _ => {
                    let field = format!("w_{}", g.code());
                    if errs.get(&field).is_none() {
                        errs.add(&field, "权重应为 0 到 100 的整数", "A weight is a whole number from 0 to 100");
                    }
                }
            }
        }
        if weights.len() == 4 {
            if let Err(t) = check_weights(&weights) {
                errs.add("weights", t.zh, t.en);
            }
        }
        if let Some(g) = &self.grades {
            if let Err(t) = check_grades(g) {
                errs.add("grades", t.zh, t.en);
            }
        }
        if let Some(q) = self.quota {
            if !(1..=1000).contains(&q) {
                errs.add("quota", "名额应为 1 到 1000 的整数", "The quota is a whole number from 1 to 1000");
            }
        }
        if self.opens.is_none() && errs.get("opens").is_none() {
            errs.add("opens", "请填写开始日期", "Give the date it opens");
        }
        if self.closes.is_none() && errs.get("closes").is_none() {
            errs.add("closes", "请填写结束日期", "Give the date it closes");
        }
        if let (Some(o), Some(c)) = (self.opens, self.closes) {
            if c < o {
                errs.add("closes", "结束日期早于开始日期", "It closes before it opens");
            }
        }
        match self.kind {
            Some(SubjectKind::Window) if self.unit.is_none() => errs.add("unit", "请选择窗口所在的单位", "Choose the unit whose windows are appraised"),
            Some(SubjectKind::Organization | SubjectKind::Member) if self.org.is_none() => errs.add("org", "请选择党组织", "Choose the organization"),
            _ => {}
        }
        if self.criteria.is_none() && errs.get("criteria").is_none() {
            errs.add("criteria", "评议项目不合要求", "The criteria are not valid");
        }
        match (self.kind, self.criteria, self.opens, self.closes, errs.is_empty()) {
            (Some(kind), Some(criteria), Some(opens), Some(closes), true) => Ok(RoundSpec {
                title,
                kind,
                org: self.org,
                unit: self.unit,
                scale: self.scale.unwrap_or(ScaleKind::Satisfaction),
                weights,
                criteria,
                grades: self.grades,
                quota: self.quota,
                opens,
                closes,
            }),
            _ => Err(errs),
        }
    }
}

/// Grades given as a list (the API): best first, at least two, the last at 0, thresholds falling.
pub fn check_grades(g: &[(String, u32)]) -> Result<(), Text> {
    let text = g.iter().map(|(l, m)| format!("{l}:{m}")).collect::<Vec<_>>().join(",");
    let parsed = parse_grades(&text)?;
    if parsed.len() != g.len() || parsed.iter().zip(g).any(|(a, b)| a.0 != b.0.trim() || a.1 != b.1) {
        return Err(Text::new("等次名称中不能有逗号或冒号", "A grade's name has no comma or colon"));
    }
    Ok(())
}

// ---- Who rates ---------------------------------------------------------------------------------

/// What the rules of who rates ask about the caller, loaded once per request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rater {
    pub person: Option<crate::ids::PersonId>,
    pub party_member: bool,
    pub cadre: bool,
    /// The office or a university leader (领导点评 of everything).
    pub office_or_leader: bool,
    /// The Party organizations and the units the caller manages (a reach with write access), by path.
    pub manages_orgs: Vec<String>,
    pub manages_units: Vec<String>,
    /// The caller's current organizations: the path, and whether it is a 党小组.
    pub orgs: Vec<(String, bool)>,
    /// The caller's current units, by path.
    pub units: Vec<String>,
}

impl Rater {
    /// The part a scope gives; the store adds the memberships and the person's facts.
    pub fn of_scope(scope: &crate::scope::Scope) -> Rater {
        use crate::scope::{Access, Reach};
        let mut r = Rater { person: scope.person, office_or_leader: scope.has_any(&[crate::role::Role::Office, crate::role::Role::Leader]), ..Rater::default() };
        for (reach, a) in &scope.reaches {
            match (reach, a) {
                (Reach::Org(p), Access::Write) => r.manages_orgs.push(p.clone()),
                (Reach::Unit(p), Access::Write) => r.manages_units.push(p.clone()),
                _ => {}
            }
        }
        r
    }

    /// What the caller manages in the tree of a kind of subject.
    pub fn manages(&self, kind: SubjectKind) -> &[String] {
        match kind {
            SubjectKind::Organization | SubjectKind::Member => &self.manages_orgs,
            SubjectKind::Window | SubjectKind::Cadre => &self.manages_units,
        }
    }
}

/// A subject as the rules of who rates see it.
#[derive(Clone, Copy, Debug)]
pub struct SubjectFacts<'a> {
    pub kind: SubjectKind,
    pub person: Option<crate::ids::PersonId>,
    /// An organization's or a window's path, a member's branch's, a cadre's unit's.
    pub path: &'a str,
    /// Whether the caller is among the people the subject serves, as the store found: for a
    /// member, someone of a unit the member works or studies in; for a cadre, a student of a
    /// class linked to them (item 8); for an organization, someone of its linked unit.
    pub serves_caller: bool,
}

/// The path one level up ("/1/4/9/" → "/1/4/").
pub fn parent_path(path: &str) -> String {
    path.trim_end_matches('/').rsplit_once('/').map(|(p, _)| format!("{p}/")).unwrap_or_default()
}

/// The caller's group for a subject, or None when they have no part in it (DOMAIN.md,
/// Appraisals). The subject itself (or the manager of exactly that organization or window)
/// appraises itself; the office, the leaders and whoever manages a level above are its leaders;
/// fellow members of a member's branch, the Party members working in a window's unit, and the
/// members of an organization's sibling organizations are its peers; the people it serves are
/// the masses (for a window, anyone). For a cadre, fellow cadres of the unit are peers and its
/// staff the masses.
pub fn group_of(r: &Rater, s: &SubjectFacts) -> Option<Group> {
    let me = r.person?;
    let manages = r.manages(s.kind);
    let own = match s.kind {
        SubjectKind::Member | SubjectKind::Cadre => s.person == Some(me),
        _ => manages.iter().any(|p| p == s.path),
    };
    if own {
        return Some(Group::Own);
    }
    let above = |p: &String| match s.kind {
        SubjectKind::Member | SubjectKind::Cadre => s.path.starts_with(p.as_str()),
        _ => s.path.starts_with(p.as_str()) && s.path != p,
    };
    if r.office_or_leader || manages.iter().any(above) {
        return Some(Group::Leaders);
    }
    let works_under = |path: &str| r.units.iter().any(|u| u.starts_with(path));
    match s.kind {
        SubjectKind::Member => {
            let same_branch = r.orgs.iter().any(|(p, group)| p == s.path || (*group && p.starts_with(s.path)));
            if same_branch && r.party_member {
                return Some(Group::Peers);
            }
            s.serves_caller.then_some(Group::Masses)
        }
        SubjectKind::Cadre => {
            if works_under(s.path) {
                return Some(if r.cadre { Group::Peers } else { Group::Masses });
            }
            s.serves_caller.then_some(Group::Masses)
        }
        SubjectKind::Window => {
            // Those who work at the window appraise it as themselves.
            if works_under(s.path) {
                return Some(Group::Own);
            }
            if works_under(&parent_path(s.path)) {
                return r.party_member.then_some(Group::Peers);
            }
            Some(Group::Masses)
        }
        SubjectKind::Organization => {
            let parent = parent_path(s.path);
            if r.orgs.iter().any(|(p, _)| p.starts_with(&parent)) {
                return r.party_member.then_some(Group::Peers);
            }
            s.serves_caller.then_some(Group::Masses)
        }
    }
}

/// Every prefix of a path at a '/' ("/1/4/9/" → "/1/", "/1/4/", "/1/4/9/"): a path `p` starts
/// with a node's path exactly when that path is one of these.
pub fn path_prefixes(path: &str) -> Vec<String> {
    path.match_indices('/').skip(1).map(|(i, _)| path[..=i].to_string()).collect()
}

/// The paths a subject of a kind may have for the caller to be its peer or, for a cadre, to work
/// under it: the store asks for these subjects (and those it manages, serves or is) rather than
/// every subject of a round. For an organization, the paths its parent must have.
pub fn peer_paths(r: &Rater, kind: SubjectKind) -> Vec<String> {
    let mut out: Vec<String> = match kind {
        SubjectKind::Member => r.orgs.iter().flat_map(|(p, group)| if *group { path_prefixes(p) } else { vec![p.clone()] }).collect(),
        SubjectKind::Cadre | SubjectKind::Window => r.units.iter().flat_map(|u| path_prefixes(u)).collect(),
        SubjectKind::Organization => r.orgs.iter().flat_map(|(p, _)| path_prefixes(p)).collect(),
    };
    out.sort();
    out.dedup();
    out
}

// ---- Who sees what -------------------------------------------------------------------------------

/// A part of a tree: everything, or the subtrees below some paths (none: nothing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Within {
    All,
    Under(Vec<String>),
}

impl Within {
    pub fn covers(&self, path: &str) -> bool {
        match self {
            Within::All => true,
            Within::Under(ps) => ps.iter().any(|p| path.starts_with(p.as_str())),
        }
    }

    pub fn is_nothing(&self) -> bool {
        matches!(self, Within::Under(ps) if ps.is_empty())
    }

    fn of(scope: &crate::scope::Scope, tree: Tree, min: crate::scope::Access) -> Within {
        use crate::scope::Reach;
        let mut out = Vec::new();
        for (reach, a) in &scope.reaches {
            if *a < min {
                continue;
            }
            match (reach, tree) {
                (Reach::All, _) => return Within::All,
                (Reach::Org(p), Tree::Org) | (Reach::Unit(p), Tree::Unit) => out.push(p.clone()),
                _ => {}
            }
        }
        Within::Under(out)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tree {
    Org,
    Unit,
}

fn tree_of(kind: SubjectKind) -> Tree {
    match kind {
        SubjectKind::Window | SubjectKind::Cadre => Tree::Unit,
        SubjectKind::Organization | SubjectKind::Member => Tree::Org,
    }
}

/// Whether the caller sees every round (the office, the administrator, the leaders, the
/// auditor); anyone else sees the rounds they have a part in.
pub fn sees_every_round(scope: &crate::scope::Scope) -> bool {
    use crate::role::Role;
    scope.has_any(&[Role::Office, Role::Admin, Role::Leader, Role::Auditor])
}

/// The subjects whose results the caller sees: the office, the leaders and the auditor all; a
/// secretary or unit head those they manage (their subjects' means, scores, comments, ranks and
/// grades). Raters see no results as raters: what they gave stays theirs.
pub fn results_within(scope: &crate::scope::Scope, kind: SubjectKind) -> Within {
    if sees_every_round(scope) {
        return Within::All;
    }
    Within::of(scope, tree_of(kind), crate::scope::Access::Write)
}

/// The members whose grade the caller records in 民主评议党员: those of the organizations they
/// manage (never their own: see [`check_grade`]).
pub fn grades_within(scope: &crate::scope::Scope) -> Within {
    Within::of(scope, Tree::Org, crate::scope::Access::Write)
}

/// The follow-up cases the caller sees: the office all; anyone else those of the secondary
/// organizations they reach.
pub fn cases_within(scope: &crate::scope::Scope) -> Within {
    if scope.is_office_or_admin() {
        return Within::All;
    }
    Within::of(scope, Tree::Org, crate::scope::Access::Read)
}

/// The follow-up cases the caller closes: the office, and whoever manages the secondary organization.
pub fn cases_closed_within(scope: &crate::scope::Scope) -> Within {
    if scope.is_office_or_admin() {
        return Within::All;
    }
    Within::of(scope, Tree::Org, crate::scope::Access::Write)
}

/// A group's figures as published: an anonymous group (群众评议, 党员互评) under the minimum shows
/// nothing, not even how many rated; otherwise how many rated and their mean (none when nobody rated).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct GroupFigure {
    pub group: Group,
    pub raters: Option<usize>,
    pub mean: Option<Frac>,
}

impl GroupFigure {
    pub fn of(g: &GroupSum) -> GroupFigure {
        if g.raters > 0 && !g.group.counts(g.raters) {
            return GroupFigure { group: g.group, raters: None, mean: None };
        }
        GroupFigure { group: g.group, raters: Some(g.raters), mean: g.mean() }
    }

    pub fn under_minimum(&self) -> bool {
        self.raters.is_none()
    }
}

/// Whether a group's raw ratings may go into the auditor's bundle: not those of an anonymous
/// group under the minimum (it counted as empty).
pub fn ratings_published(group: Group, raters: usize) -> bool {
    raters == 0 || group.counts(raters)
}

// ---- Rating --------------------------------------------------------------------------------------

/// A rating checked against the subject's criteria and the round's scale: the values, one per
/// criterion, and the comment. A leader comments; each criterion gets a value on the scale.
pub fn check_rating(
    criteria: &[Criterion],
    scale: &Scale,
    group: Group,
    values: &[Option<u32>],
    comment: &str,
) -> Result<(Vec<u32>, Option<String>), crate::validate::FieldErrors> {
    let mut errs = crate::validate::FieldErrors::new();
    let mut vals = Vec::new();
    for (i, _) in criteria.iter().enumerate() {
        match values.get(i).copied().flatten() {
            Some(v) if scale.value(v).is_some() => vals.push(v),
            _ => errs.add(&format!("c{i}"), "请为此项评分", "Rate this item"),
        }
    }
    let comment = comment.trim();
    if group == Group::Leaders && comment.is_empty() {
        errs.add("comment", "领导点评须写评语", "A leader's appraisal carries a comment");
    }
    if comment.chars().count() > 1000 {
        errs.add("comment", "评语不能超过 1000 字", "At most 1,000 characters");
    }
    errs.into_result()?;
    Ok((vals, (!comment.is_empty()).then(|| comment.to_string())))
}

/// A rater's score as a sum over the criteria's weights: (Σ weight × value, Σ weight), so that
/// the score is the first over the second; the raters of one subject share the second, and a
/// group's tally keeps the sum of the first. None when nothing weighs.
pub fn rater_parts(criteria: &[Criterion], scale: &Scale, values: &[u32]) -> Option<(u128, u128)> {
    let pairs: Vec<(u32, u32)> = criteria.iter().zip(values.iter()).filter_map(|(c, v)| scale.value(*v).map(|v| (c.weight, v))).collect();
    let den: u128 = pairs.iter().map(|(w, _)| *w as u128).sum();
    (den > 0).then(|| (pairs.iter().map(|(w, v)| *w as u128 * *v as u128).sum(), den))
}

// ---- Grades (民主评议党员) ---------------------------------------------------------------------------

/// Why a grade is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GradeRefusal {
    /// The round records no grades (409).
    NoGrades,
    /// A secretary's own grade is the level above's (403).
    OwnGrade,
    /// Grades wait for the appraisal to close (409).
    NotClosed,
    /// The input: (field, message) (422).
    Invalid(&'static str, Text),
}

/// A grade as recorded: the grade, the reason (required where it differs from the advice) and
/// whether it is the lowest, which opens a case for the secondary organization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GradeDecision {
    pub grade: String,
    pub reason: Option<String>,
    pub lowest: bool,
}

/// What a grade is decided against: the round (its kind, grades and last day), today, whether
/// the subject is the caller, and the computed advice.
#[derive(Clone, Copy, Debug)]
pub struct GradeCase<'a> {
    pub kind: SubjectKind,
    pub grades: &'a [(String, u32)],
    pub closes: time::Date,
    pub today: time::Date,
    pub own: bool,
    pub advised: Option<&'a str>,
}

/// The rules of a branch's grade: a round with grades, not one's own, after the round closed,
/// one of the round's grades, and a reason where it differs from the computed advice.
pub fn check_grade(c: &GradeCase, grade: &str, reason: &str) -> Result<GradeDecision, GradeRefusal> {
    let (kind, grades, own, closes, today, advised) = (c.kind, c.grades, c.own, c.closes, c.today, c.advised);
    if kind != SubjectKind::Member || grades.is_empty() {
        return Err(GradeRefusal::NoGrades);
    }
    if own {
        return Err(GradeRefusal::OwnGrade);
    }
    if today <= closes {
        return Err(GradeRefusal::NotClosed);
    }
    if !grades.iter().any(|(g, _)| g == grade) {
        return Err(GradeRefusal::Invalid("grade", Text::new("请选择等次", "Choose a grade")));
    }
    let reason = reason.trim();
    if advised != Some(grade) && reason.is_empty() {
        let a = advised.unwrap_or("（尚无评议分）");
        return Err(GradeRefusal::Invalid(
            "reason",
            Text::new(format!("所定等次与测评建议（{a}）不同，请写明理由"), format!("The grade differs from the advice ({a}): give the reason")),
        ));
    }
    if reason.chars().count() > 1000 {
        return Err(GradeRefusal::Invalid("reason", Text::new("理由不能超过 1000 字", "At most 1,000 characters")));
    }
    Ok(GradeDecision { grade: grade.to_string(), reason: (!reason.is_empty()).then(|| reason.to_string()), lowest: grades.last().map(|g| g.0.as_str()) == Some(grade) })
}

// ---- The standing against the quota line ---------------------------------------------------------

/// Where the subjects stand against the quota line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Standing {
    /// Best first, with a rank shared by equal scores (1, 2, 2, 4).
    pub order: Vec<(i64, usize)>,
    /// Within the quota (none of a tie the office has not ordered).
    pub within: Vec<i64>,
    pub tie_at_line: Vec<i64>,
}

/// Ranks the scored subjects by their exact combined scores (equal scores in the office's
/// recorded order, then by id) against a quota (0: none); a tie at the line keeps the tied out
/// of the quota until the office orders them.
pub fn standing(scored: &[(i64, Frac)], quota: u32, preference: &[i64]) -> Standing {
    let scores: std::collections::HashMap<i64, Frac> = scored.iter().copied().collect();
    let o = crate::selection::outcome_scored(&scores, quota.max(1), &Default::default(), preference);
    let mut order: Vec<(i64, usize)> = Vec::with_capacity(o.order.len());
    for (i, (id, score)) in o.order.iter().enumerate() {
        let rank = if i > 0 && o.order[i - 1].1 == *score { order.last().map(|(_, k)| *k).unwrap_or(i + 1) } else { i + 1 };
        order.push((*id, rank));
    }
    if quota == 0 {
        return Standing { order, within: Vec::new(), tie_at_line: Vec::new() };
    }
    let within = if o.tie_at_line.is_empty() { o.selected } else { o.order.iter().take(quota as usize).map(|(id, _)| *id).filter(|id| !o.tie_at_line.contains(id)).collect() };
    Standing { order, within, tie_at_line: o.tie_at_line }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(group: Group, weight: u32, values: &[u32]) -> GroupRatings {
        GroupRatings { group, weight, values: values.iter().map(|v| Frac::new(*v as u128, 1)).collect() }
    }

    fn weigh(groups: &[GroupRatings]) -> Option<Combined> {
        let sums: Vec<GroupSum> =
            groups.iter().map(|g| GroupSum { group: g.group, weight: g.weight, raters: g.values.len(), sum: g.values.iter().fold(Frac::zero(), |a, v| a + *v) }).collect();
        super::weigh(&sums)
    }

    #[test]
    fn weights_and_grades_are_checked() {
        assert!(check_weights(&[(Group::Masses, 50), (Group::Peers, 30), (Group::Leaders, 20), (Group::Own, 0)]).is_ok());
        assert!(check_weights(&[(Group::Masses, 50), (Group::Peers, 30)]).unwrap_err().zh.contains("现在是 80"));
        let g = parse_grades("优秀:90，合格:70, 基本合格：60,不合格:0").unwrap();
        assert_eq!(g, vec![("优秀".to_string(), 90), ("合格".to_string(), 70), ("基本合格".to_string(), 60), ("不合格".to_string(), 0)]);
        assert!(parse_grades("合格:70,优秀:90,不合格:0").is_err(), "best first");
        assert!(parse_grades("优秀:90,合格:70").is_err(), "the last is 0");
    }

    #[test]
    fn a_raters_score_weighs_the_criteria() {
        // Standards 60 and 40; values 100 (满意) and 60 (基本满意): (6000 + 2400) / 100 = 84.
        assert_eq!(rater_score(&[(60, 100), (40, 60)]), Some(Frac::new(84, 1)));
        // Weights 1, 1, 1 and values 100, 60, 0: 160 / 3 = 53.33….
        assert_eq!(rater_score(&[(1, 100), (1, 60), (1, 0)]).unwrap().published(), "53.33");
        assert_eq!(rater_score(&[]), None);
    }

    #[test]
    fn three_groups_combine_by_their_weights() {
        // A window: 群众 (weight 50) rate 满意, 满意, 基本满意 → 100, 100, 60 → mean 86.666…;
        // 党员互评 (30): 100, 60 → 80; 领导点评 (20): a score of 90.
        // Combined: 0.5 × 86.666… + 0.3 × 80 + 0.2 × 90 = 43.333… + 24 + 18 = 85.333… → 85.33.
        let s = Scale::satisfaction();
        let masses: Vec<u32> = [0, 0, 1].iter().map(|r| s.value(*r).unwrap()).collect();
        let c = weigh(&[g(Group::Masses, 50, &masses), g(Group::Peers, 30, &[100, 60]), g(Group::Leaders, 20, &[90])]).unwrap();
        assert_eq!(c.score, Frac::new(256, 3));
        assert_eq!(c.score.published(), "85.33");
        assert!(c.shared_out.is_empty());
        assert_eq!(c.groups[0].1.unwrap().published(), "86.67");
    }

    #[test]
    fn an_empty_groups_weight_is_shared_out_in_proportion_and_said() {
        // No 党员互评: its 30 goes to 群众 and 领导 as 50 : 20, i.e. weights 5/7 and 2/7.
        // 5/7 × 80 + 2/7 × 95 = (400 + 190) / 7 = 84.285… → 84.29.
        let c = weigh(&[g(Group::Masses, 50, &[100, 60]), g(Group::Peers, 30, &[]), g(Group::Leaders, 20, &[95])]).unwrap();
        assert_eq!(c.score, Frac::new(590, 7));
        assert_eq!(c.score.published(), "84.29");
        assert_eq!(c.shared_out, vec![Group::Peers]);
        assert_eq!(c.groups[0].3, Frac::new(500, 7), "群众 carries 71.43%");
        assert_eq!(c.groups[1].3, Frac::zero());
        assert!(combine(&[g(Group::Masses, 50, &[]), g(Group::Leaders, 50, &[])]).is_none(), "nothing rated, no score");
    }

    #[test]
    fn an_anonymous_group_under_five_counts_as_empty_and_says_so() {
        // 党员互评 by one member (the review: a single rater's exact score was published): it
        // counts as empty, its weight goes to the others, and the result names it.
        let masses = [100, 100, 60, 100, 60];
        let c = combine(&[g(Group::Masses, 50, &masses), g(Group::Peers, 30, &[40]), g(Group::Leaders, 20, &[90])]).unwrap();
        // 群众 mean 84 with 5/7, 领导 90 with 2/7: (420 + 180) / 7 = 85.714… → 85.71.
        assert_eq!(c.score, Frac::new(600, 7));
        assert_eq!(c.shared_out, vec![Group::Peers]);
        assert_eq!(c.under_minimum, vec![Group::Peers]);
        assert_eq!(c.groups[1].1, None, "no mean is kept for the single rater");
        // Self-appraisal and leaders count from one.
        let c = combine(&[g(Group::Own, 50, &[70]), g(Group::Leaders, 50, &[90])]).unwrap();
        assert_eq!(c.score, Frac::new(80, 1));
        assert!(c.under_minimum.is_empty());
        // Nothing counts: no score.
        assert!(combine(&[g(Group::Masses, 100, &[100, 100, 100, 100])]).is_none());
    }

    #[test]
    fn rounding_happens_only_when_published() {
        // 1/3 of 100 three times would be 33.33 × 3 = 99.99 if rounded early; exactly 100.
        let third = Frac::new(100, 3);
        assert_eq!(third + third + third, Frac::new(100, 1));
        assert_eq!(Frac::new(82345, 1000).published(), "82.35", "half up");
        assert_eq!(Frac::new(82344, 1000).published(), "82.34");
    }

    #[test]
    fn a_tie_at_the_quota_line_is_flagged() {
        let scored = vec![("甲", Frac::new(90, 1)), ("乙", Frac::new(256, 3)), ("丙", Frac::new(8533, 100)), ("丁", Frac::new(256, 3))];
        // 85.333… (乙, 丁) ties across a quota of 2; 丙's 85.33 is lower, even if it prints the same.
        let r = rank(scored.clone(), 2);
        assert_eq!(r.order.iter().map(|(t, _)| *t).collect::<Vec<_>>(), ["甲", "乙", "丁", "丙"]);
        assert_eq!(r.tie_at_line, ["乙", "丁"]);
        assert!(rank(scored.clone(), 3).tie_at_line.is_empty(), "乙 and 丁 both in");
        assert!(rank(scored, 4).tie_at_line.is_empty());
    }

    #[test]
    fn the_computed_score_advises_a_grade() {
        let grades: Vec<(String, u32)> = vec![("优秀".into(), 90), ("合格".into(), 70), ("基本合格".into(), 60), ("不合格".into(), 0)];
        assert_eq!(advise(Frac::new(90, 1), &grades), Some("优秀"));
        assert_eq!(advise(Frac::new(8999, 100), &grades), Some("合格"));
        assert_eq!(advise(Frac::new(599, 10), &grades), Some("不合格"));
        assert_eq!(Scale::Hundred.value(101), None);
        assert_eq!(Scale::satisfaction().value(3), None, "off the scale");
    }

    #[test]
    fn tallies_combine_as_the_raters_scores_do() {
        // Criteria 60 and 40: raters give 100/60 (84), 100/100 (100), 60/60 (60), 100/60 (84),
        // 0/100 (40) as peers; one leader 100/100.
        let crit = vec![Criterion { item: "a".into(), weight: 60 }, Criterion { item: "b".into(), weight: 40 }];
        let scale = Scale::satisfaction();
        let sheets: [[u32; 2]; 5] = [[0, 1], [0, 0], [1, 1], [0, 1], [2, 0]];
        let parts: Vec<(u128, u128)> = sheets.iter().map(|v| rater_parts(&crit, &scale, v).unwrap()).collect();
        assert!(parts.iter().all(|(_, den)| *den == 100));
        let scores: Vec<Frac> = parts.iter().map(|(n, d)| Frac::new(*n, *d)).collect();
        let one = combine(&[GroupRatings { group: Group::Peers, weight: 60, values: scores }, g(Group::Leaders, 40, &[100])]).unwrap();
        let total: u128 = parts.iter().map(|p| p.0).sum();
        let tallied = combine_sums(&[
            GroupSum { group: Group::Peers, weight: 60, raters: 5, sum: Frac::new(total, 100) },
            GroupSum { group: Group::Leaders, weight: 40, raters: 1, sum: Frac::new(100, 1) },
        ])
        .unwrap();
        assert_eq!(one, tallied);
        assert_eq!(tallied.score.published(), "84.16", "0.6 × 73.6 + 0.4 × 100");
        // Four peers are under the minimum: nothing shown, not even their number.
        let small = GroupFigure::of(&GroupSum { group: Group::Peers, weight: 60, raters: 4, sum: Frac::new(300, 1) });
        assert_eq!(small, GroupFigure { group: Group::Peers, raters: None, mean: None });
        let leader = GroupFigure::of(&GroupSum { group: Group::Leaders, weight: 40, raters: 1, sum: Frac::new(90, 1) });
        assert_eq!(leader.mean, Some(Frac::new(90, 1)), "领导点评 is signed: one counts");
        assert!(!ratings_published(Group::Masses, 3) && ratings_published(Group::Masses, 0) && ratings_published(Group::Own, 1));
    }

    fn rater() -> Rater {
        Rater { person: Some(crate::ids::PersonId(7)), party_member: true, ..Rater::default() }
    }

    fn member(path: &str, person: i64, serves: bool) -> SubjectFacts<'_> {
        SubjectFacts { kind: SubjectKind::Member, person: Some(crate::ids::PersonId(person)), path, serves_caller: serves }
    }

    #[test]
    fn a_raters_group_follows_from_who_they_are() {
        let mut r = rater();
        r.orgs = vec![("/1/4/9/12/".into(), true)];
        // A member of a 党小组 of branch /1/4/9/ is a peer of the branch's members, themself 自评.
        assert_eq!(group_of(&r, &member("/1/4/9/", 8, false)), Some(Group::Peers));
        assert_eq!(group_of(&r, &member("/1/4/9/", 7, false)), Some(Group::Own));
        assert_eq!(group_of(&r, &member("/1/4/10/", 8, false)), None, "another branch");
        assert_eq!(group_of(&r, &member("/1/4/10/", 8, true)), Some(Group::Masses), "someone of the member's unit");
        let mut masses = r.clone();
        masses.party_member = false;
        assert_eq!(group_of(&masses, &member("/1/4/9/", 8, false)), None, "a non-member in the branch is no peer");
        // The branch's secretary comments as the leader; the office everyone.
        let mut sec = rater();
        sec.manages_orgs = vec!["/1/4/9/".into()];
        assert_eq!(group_of(&sec, &member("/1/4/9/", 8, false)), Some(Group::Leaders));
        let office = Rater { person: Some(crate::ids::PersonId(1)), office_or_leader: true, ..Rater::default() };
        assert_eq!(group_of(&office, &member("/1/5/20/", 8, false)), Some(Group::Leaders));
        assert_eq!(group_of(&Rater::default(), &member("/1/4/9/", 8, true)), None, "no person, no part");
        // Windows: its staff 自评, colleagues of its unit who are members 党员互评, anyone else 群众评议.
        let w = |path| SubjectFacts { kind: SubjectKind::Window, person: None, path, serves_caller: false };
        let mut staff = rater();
        staff.units = vec!["/1/30/31/".into()];
        assert_eq!(group_of(&staff, &w("/1/30/31/")), Some(Group::Own));
        assert_eq!(group_of(&staff, &w("/1/30/32/")), Some(Group::Peers));
        assert_eq!(group_of(&staff, &w("/1/40/41/")), Some(Group::Masses));
        let mut head = rater();
        head.manages_units = vec!["/1/30/".into()];
        assert_eq!(group_of(&head, &w("/1/30/31/")), Some(Group::Leaders));
        // Organizations: members of sibling organizations are peers.
        let o = |path, serves| SubjectFacts { kind: SubjectKind::Organization, person: None, path, serves_caller: serves };
        assert_eq!(group_of(&r, &o("/1/4/10/", false)), Some(Group::Peers));
        assert_eq!(group_of(&r, &o("/1/5/20/", false)), None);
        assert_eq!(group_of(&r, &o("/1/5/20/", true)), Some(Group::Masses));
        // Cadres: fellow cadres of the unit are peers, its staff the masses.
        let c = |path, serves| SubjectFacts { kind: SubjectKind::Cadre, person: Some(crate::ids::PersonId(9)), path, serves_caller: serves };
        let mut cadre = staff.clone();
        cadre.cadre = true;
        assert_eq!(group_of(&cadre, &c("/1/30/", false)), Some(Group::Peers));
        assert_eq!(group_of(&staff, &c("/1/30/", false)), Some(Group::Masses));
        assert_eq!(group_of(&staff, &c("/1/40/", true)), Some(Group::Masses), "a student of a class linked to the cadre");
        assert_eq!(group_of(&staff, &c("/1/40/", false)), None);
        // The paths the store asks for cover every peer.
        assert_eq!(path_prefixes("/1/4/9/"), ["/1/", "/1/4/", "/1/4/9/"]);
        assert_eq!(peer_paths(&r, SubjectKind::Member), ["/1/", "/1/4/", "/1/4/9/", "/1/4/9/12/"]);
        assert_eq!(parent_path("/1/4/9/"), "/1/4/");
    }

    #[test]
    fn who_sees_results_grades_and_cases() {
        use crate::ids::{AccountId, PersonId};
        use crate::role::Role;
        use crate::scope::{Access, Reach, Scope};
        let sec = Scope {
            account: AccountId(2),
            actor: "sec".into(),
            person: Some(PersonId(3)),
            roles: vec![Role::BranchSecretary],
            reaches: vec![(Reach::Org("/1/4/9/".into()), Access::Write), (Reach::Unit("/1/30/".into()), Access::Read), (Reach::Person(PersonId(3)), Access::Read)],
        };
        let w = results_within(&sec, SubjectKind::Member);
        assert!(w.covers("/1/4/9/") && !w.covers("/1/4/10/"));
        assert!(results_within(&sec, SubjectKind::Window).is_nothing(), "reading a unit is not managing it");
        assert_eq!(grades_within(&sec), Within::Under(vec!["/1/4/9/".into()]));
        let contact = Scope { roles: vec![Role::Contact], reaches: vec![(Reach::Org("/1/4/9/".into()), Access::Read)], ..sec.clone() };
        assert!(cases_within(&contact).covers("/1/4/9/"), "a contact person follows the branch's cases");
        assert!(cases_closed_within(&contact).is_nothing());
        let leader = Scope { roles: vec![Role::Leader], reaches: vec![(Reach::All, Access::Read)], ..sec.clone() };
        assert_eq!(results_within(&leader, SubjectKind::Cadre), Within::All);
        assert_eq!(cases_within(&leader), Within::All);
        assert!(cases_closed_within(&leader).is_nothing());
        assert!(sees_every_round(&leader) && !sees_every_round(&sec));
    }

    #[test]
    fn a_grade_follows_the_rules_of_the_branch() {
        let grades: Vec<(String, u32)> = vec![("优秀".into(), 90), ("合格".into(), 70), ("不合格".into(), 0)];
        let d = |y, m, day| time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), day).unwrap();
        let (closes, after) = (d(2012, 6, 30), d(2012, 7, 1));
        let check =
            |kind, own, today, grade: &str, advised: Option<&str>, reason: &str| check_grade(&GradeCase { kind, grades: &grades, closes, today, own, advised }, grade, reason);
        assert_eq!(check(SubjectKind::Window, false, after, "优秀", None, ""), Err(GradeRefusal::NoGrades));
        assert_eq!(check(SubjectKind::Member, true, after, "优秀", Some("优秀"), ""), Err(GradeRefusal::OwnGrade));
        assert_eq!(check(SubjectKind::Member, false, closes, "优秀", Some("优秀"), ""), Err(GradeRefusal::NotClosed));
        assert!(matches!(check(SubjectKind::Member, false, after, "良好", None, "x"), Err(GradeRefusal::Invalid("grade", _))));
        assert!(matches!(check(SubjectKind::Member, false, after, "优秀", Some("合格"), " "), Err(GradeRefusal::Invalid("reason", _))));
        let ok = check(SubjectKind::Member, false, after, "不合格", Some("不合格"), "").unwrap();
        assert!(ok.lowest && ok.reason.is_none());
    }

    #[test]
    fn a_round_is_checked_field_by_field() {
        let d = time::Date::from_calendar_date(2012, time::Month::June, 1).unwrap();
        let draft = RoundDraft {
            title: " 民主评议 ".into(),
            kind: Some(SubjectKind::Member),
            org: Some(crate::ids::OrgId(4)),
            scale: Some(ScaleKind::Satisfaction),
            weights: [Some(0), Some(60), Some(40), Some(0)],
            criteria: Some(parse_criteria("").unwrap()),
            grades: Some(parse_grades("优秀:90,合格:70,基本合格:60,不合格:0").unwrap()),
            opens: Some(d),
            closes: Some(d),
            ..RoundDraft::default()
        };
        let spec = draft.clone().check(crate::validate::FieldErrors::new()).unwrap();
        assert_eq!(spec.title, "民主评议");
        assert_eq!(spec.criteria, vec![Criterion { item: "总体评价".into(), weight: 1 }]);
        let bad = RoundDraft { weights: [Some(0), Some(60), Some(30), None], org: None, closes: Some(d - time::Duration::days(1)), ..draft }.check(Default::default()).unwrap_err();
        for f in ["w_own", "org", "closes"] {
            assert!(bad.get(f).is_some(), "{f}: {bad:?}");
        }
        assert!(parse_criteria("服务态度:60\n办事效率：40").is_ok());
        assert!(parse_criteria("服务态度:0").is_err());
        assert!(check_grades(&[("优秀".into(), 90), ("不合格".into(), 0)]).is_ok());
        assert!(check_grades(&[("优,秀".into(), 90), ("不合格".into(), 0)]).is_err());
    }

    #[test]
    fn the_standing_shares_ranks_and_holds_a_tie_at_the_line() {
        let s = standing(&[(1, Frac::new(90, 1)), (2, Frac::new(80, 1)), (3, Frac::new(80, 1)), (4, Frac::new(70, 1))], 2, &[]);
        assert_eq!(s.order, vec![(1, 1), (2, 2), (3, 2), (4, 4)]);
        assert_eq!(s.tie_at_line, vec![2, 3]);
        assert_eq!(s.within, vec![1]);
        let s = standing(&[(1, Frac::new(90, 1)), (2, Frac::new(80, 1)), (3, Frac::new(80, 1))], 2, &[3, 2]);
        assert_eq!(s.within, vec![1, 3]);
        assert!(standing(&[(1, Frac::new(90, 1))], 0, &[]).within.is_empty());
    }
}
