//! The anonymity rules of DOMAIN.md, stated once and used by every page, export, API answer,
//! backup and audit entry that shows anything computed from anonymous answers, ballots, score
//! sheets or appraisals:
//!
//! - a figure computed from anonymous answers (a count, a rate, a mean, a free text, a raw
//!   response row) is shown only for a group of at least [`MIN_GROUP`], to everyone, the office
//!   and the survey's owner included;
//! - a hidden group must not be recoverable by subtraction: either the total leaves it out
//!   (every aggregate is made of shown groups only, see `survey::publish`), or a second group is
//!   hidden with it until the hidden ones together reach the minimum ([`partition`]);
//! - a response carries nothing that can be joined with participation (no channel, no time finer
//!   than the day, no sequence); participation is shown in groups of at least [`MIN_GROUP`]
//!   only, and an action on one invitee answers the same whether or not they answered;
//! - results shown to respondents or the public are aggregates; raw responses go to the owner and
//!   the office only, and only for groups of at least [`MIN_GROUP`];
//! - a tally is never shown beside the list of who voted when fewer than [`MIN_GROUP`] voted, a
//!   candidate's mean is never one panel member's mark, and an anonymous rater group under the
//!   minimum counts as empty.

/// The smallest group whose figures may be shown.
pub const MIN_GROUP: u64 = 5;

/// Whether a figure computed from `n` anonymous answers may be shown.
pub fn may_show(n: u64) -> bool {
    n >= MIN_GROUP
}

/// A partition of a total that is published (participation by channel, say): which parts may
/// be shown, and whether the total may. A part of 1 to 4 is hidden; while the hidden parts
/// together are fewer than the minimum (so the total minus the shown parts would give them
/// away), the smallest shown part is hidden too; when nothing is left to hide, the total is
/// hidden as well. An empty part (0) shows nothing about anyone and stays shown.
pub fn partition(counts: &[u64]) -> (Vec<bool>, bool) {
    let mut shown: Vec<bool> = counts.iter().map(|&n| n == 0 || may_show(n)).collect();
    loop {
        let hidden: u64 = counts.iter().zip(&shown).filter(|(_, s)| !**s).map(|(n, _)| *n).sum();
        if hidden == 0 || may_show(hidden) {
            let total: u64 = counts.iter().sum();
            return (shown, total == 0 || may_show(total));
        }
        // The smallest part still shown (ties: the first), that is not empty.
        let next = counts.iter().enumerate().filter(|(i, n)| shown[*i] && **n > 0).min_by_key(|(i, n)| (**n, *i)).map(|(i, _)| i);
        match next {
            Some(i) => shown[i] = false,
            None => return (shown, false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_groups_are_hidden() {
        assert!(!may_show(4));
        assert!(may_show(5));
    }

    #[test]
    fn a_hidden_part_is_not_left_for_subtraction() {
        // One part of 1: the next smallest is hidden with it, so the total gives only their sum (8).
        assert_eq!(partition(&[20, 1, 7]), (vec![true, false, false], true));
        // Two small parts that together reach the minimum need no third.
        assert_eq!(partition(&[20, 3, 2, 9]), (vec![true, false, false, true], true));
        // All shown.
        assert_eq!(partition(&[5, 6, 0]), (vec![true, true, true], true));
        // Nothing left to hide with a small part: the total goes too.
        assert_eq!(partition(&[3]), (vec![false], false));
        assert_eq!(partition(&[2, 0]), (vec![false, true], false));
        // A small total with parts under the minimum hides everything.
        assert_eq!(partition(&[1, 2]), (vec![false, false], false));
    }

    #[test]
    fn whatever_is_shown_never_pins_down_a_hidden_part() {
        // Exhaustively over small partitions: the hidden parts, if any, sum to the minimum or more,
        // or the total is hidden too.
        for a in 0..8u64 {
            for b in 0..8u64 {
                for c in 0..8u64 {
                    let counts = [a, b, c];
                    let (shown, total) = partition(&counts);
                    let hidden: u64 = counts.iter().zip(&shown).filter(|(_, s)| !**s).map(|(n, _)| *n).sum();
                    assert!(hidden == 0 || hidden >= MIN_GROUP || !total, "{counts:?} -> {shown:?} {total}");
                    for (n, s) in counts.iter().zip(&shown) {
                        assert!(!*s || *n == 0 || *n >= MIN_GROUP, "{counts:?}");
                    }
                }
            }
        }
    }
}
