//! The combined appraisal score (DOMAIN.md, "Rules that matter"; issue 7): each rater group's
//! ratings are mapped to 0-100, averaged per group, and combined by the round's weights; a group
//! with no ratings has its weight shared out among the others in proportion, and the result says
//! so; rounding happens only when published (2 decimals); a tie at the quota line is flagged for
//! the office, who decides and records why.
//!
//! Scores are kept as exact fractions, so that a tie is a tie and an auditor's recount comes out
//! the same to the last digit.

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
    let counted: Vec<GroupRatings> = groups.iter().map(|g| if g.group.counts(g.values.len()) { g.clone() } else { GroupRatings { values: Vec::new(), ..g.clone() } }).collect();
    let mut c = weigh(&counted)?;
    c.under_minimum = groups.iter().filter(|g| !g.values.is_empty() && !g.group.counts(g.values.len())).map(|g| g.group).collect();
    Some(c)
}

/// The arithmetic of [`combine`]: groups' means by their weights, an empty group's weight shared
/// out in proportion.
fn weigh(groups: &[GroupRatings]) -> Option<Combined> {
    let rated: u128 = groups.iter().filter(|g| !g.values.is_empty()).map(|g| g.weight as u128).sum();
    if rated == 0 {
        return None;
    }
    let mut score = Frac::zero();
    let mut out = Vec::new();
    let mut shared_out = Vec::new();
    for g in groups {
        if g.values.is_empty() {
            shared_out.push(g.group);
            out.push((g.group, None, g.weight, Frac::zero()));
            continue;
        }
        let sum = g.values.iter().fold(Frac::zero(), |a, v| a + *v);
        let mean = sum * Frac::new(1, g.values.len() as u128);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn g(group: Group, weight: u32, values: &[u32]) -> GroupRatings {
        GroupRatings { group, weight, values: values.iter().map(|v| Frac::new(*v as u128, 1)).collect() }
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
}
