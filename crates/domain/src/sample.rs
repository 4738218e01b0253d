//! Random samples that no one can re-roll alone (DOMAIN.md, "Random samples").
//!
//! The population is frozen as a list of (pseudonym, stratum) lines and its hash published. The
//! campaign office and the owning unit each commit to a secret seed by publishing SHA-256 of it;
//! once both commitments are in, both reveal. The draw seed is SHA-256 of the office's seed
//! followed by the unit's; each person's rank is SHA-256 of the draw seed (hex) followed by their
//! pseudonym (hex), smallest first. Each stratum gets its share of the sample by largest
//! remainder, ties broken by stratum name. Everything here can be recomputed with `sha256sum`,
//! `sort` and `awk` (see `crates/domain/tests/fixtures/sample/draw.sh`).

use crate::audit::sha256_hex;
use crate::{Lang, Text};
use sha2::Sha256;
use std::collections::BTreeMap;

/// Which of the two parties commits and reveals a seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The campaign office.
    Office,
    /// The unit that owns the sample.
    Unit,
}

impl Party {
    pub fn code(self) -> &'static str {
        match self {
            Party::Office => "office",
            Party::Unit => "unit",
        }
    }

    pub fn parse(s: &str) -> Option<Party> {
        [Party::Office, Party::Unit].into_iter().find(|p| p.code() == s)
    }
}

/// What decides whom a caller acts for in a sample.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PartyFacts {
    /// The caller holds the office's role.
    pub office_role: bool,
    /// The caller is of the office or an administrator.
    pub office_or_admin: bool,
    /// The caller may change the unit that owns the sample.
    pub manages_owner: bool,
}

/// Whom a caller acts for: the office (its role), or the owning unit (a manager of that unit who
/// is not of the office, so that no one commits both seeds); anyone else neither. The store's
/// SQL for the parties' loader states the same rule.
pub fn party(f: PartyFacts) -> Option<Party> {
    if f.office_role {
        Some(Party::Office)
    } else if !f.office_or_admin && f.manages_owner {
        Some(Party::Unit)
    } else {
        None
    }
}

/// Whether the list of who was drawn is published yet: once the draw is made.
pub fn drawn_list_public(state: &str) -> bool {
    state == "drawn"
}

/// HMAC-SHA256 (RFC 2104), by the `hmac` crate.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    // HMAC takes a key of any length (a longer one is hashed first), so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// A person's pseudonym: the first 16 bytes of HMAC-SHA256(installation key, person id), in hex.
/// The same person has the same pseudonym in every sample of the installation.
pub fn pseudonym(key: &[u8], person_id: i64) -> String {
    let mac = hmac_sha256(key, person_id.to_string().as_bytes());
    mac[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// One member of a frozen population.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    pub pseudonym: String,
    pub stratum: String,
}

/// The population as published: one `pseudonym<TAB>stratum` line per person, sorted.
pub fn population_text(entries: &[Entry]) -> String {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort();
    let mut out = String::with_capacity(entries.len() * 48);
    for e in sorted {
        out.push_str(&e.pseudonym);
        out.push('\t');
        out.push_str(&e.stratum);
        out.push('\n');
    }
    out
}

pub fn population_hash(entries: &[Entry]) -> String {
    sha256_hex(population_text(entries).as_bytes())
}

/// The commitment to a seed: SHA-256 of its UTF-8 bytes, in hex.
pub fn commitment(seed: &str) -> String {
    sha256_hex(seed.as_bytes())
}

/// Whether a text is a commitment (64 lowercase hex digits).
pub fn is_commitment(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The draw seed from the two revealed seeds.
pub fn draw_seed(office_seed: &str, unit_seed: &str) -> String {
    sha256_hex(format!("{office_seed}{unit_seed}").as_bytes())
}

/// A person's rank key in a draw.
pub fn rank_key(draw_seed: &str, pseudonym: &str) -> String {
    sha256_hex(format!("{draw_seed}{pseudonym}").as_bytes())
}

/// How large a sample is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    Count(u64),
    /// A whole percentage of the population, rounded up.
    Percent(u8),
}

impl Size {
    pub fn of(self, population: u64) -> u64 {
        match self {
            Size::Count(n) => n.min(population),
            Size::Percent(p) => (u64::from(p.min(100)) * population).div_ceil(100),
        }
    }

    /// Reads "2000" or "10%".
    pub fn parse(s: &str) -> Result<Size, Text> {
        let s = s.trim();
        if let Some(p) = s.strip_suffix('%').or_else(|| s.strip_suffix('％')) {
            return match p.trim().parse::<u8>() {
                Ok(p) if (1..=100).contains(&p) => Ok(Size::Percent(p)),
                _ => Err(Text::new("百分比应为 1% 至 100% 的整数", "A percentage is a whole number from 1% to 100%")),
            };
        }
        match s.parse::<u64>() {
            Ok(n) if n > 0 => Ok(Size::Count(n)),
            _ => Err(Text::new("样本量应为正整数（如 2000）或百分比（如 10%）", "The size is a positive number (2000) or a percentage (10%)")),
        }
    }

    pub fn label(self, lang: Lang) -> String {
        match self {
            Size::Count(n) => match lang {
                Lang::Zh => format!("{n} 人"),
                Lang::En => format!("{n} people"),
            },
            Size::Percent(p) => format!("{p}%"),
        }
    }
}

/// Shares `n` among strata of the given sizes by largest remainder, ties broken by name.
pub fn allocate(strata: &BTreeMap<String, u64>, n: u64) -> BTreeMap<String, u64> {
    let total: u64 = strata.values().sum();
    let n = n.min(total);
    let mut out: BTreeMap<String, u64> = BTreeMap::new();
    if total == 0 {
        return out;
    }
    let mut rest: Vec<(u128, &String)> = Vec::new();
    let mut given = 0;
    for (name, size) in strata {
        let exact = u128::from(n) * u128::from(*size);
        let q = (exact / u128::from(total)) as u64;
        out.insert(name.clone(), q);
        given += q;
        rest.push((exact % u128::from(total), name));
    }
    // Largest remainder first; the BTreeMap gave the names in order and the sort is stable.
    rest.sort_by_key(|r| std::cmp::Reverse(r.0));
    for (_, name) in rest.into_iter().take((n - given) as usize) {
        *out.get_mut(name).expect("a stratum of the map") += 1;
    }
    out
}

/// The people drawn, by stratum name and then rank.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drawn {
    pub stratum: String,
    pub pseudonym: String,
    pub key: String,
}

/// Draws the sample.
pub fn draw(entries: &[Entry], size: Size, draw_seed: &str) -> Vec<Drawn> {
    let mut by_stratum: BTreeMap<String, Vec<(String, &str)>> = BTreeMap::new();
    for e in entries {
        by_stratum.entry(e.stratum.clone()).or_default().push((rank_key(draw_seed, &e.pseudonym), &e.pseudonym));
    }
    let sizes: BTreeMap<String, u64> = by_stratum.iter().map(|(k, v)| (k.clone(), v.len() as u64)).collect();
    let quotas = allocate(&sizes, size.of(entries.len() as u64));
    let mut out = Vec::new();
    for (stratum, mut members) in by_stratum {
        members.sort();
        let q = quotas.get(&stratum).copied().unwrap_or(0) as usize;
        out.extend(members.into_iter().take(q).map(|(key, p)| Drawn { stratum: stratum.clone(), pseudonym: p.to_string(), key }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        let long_key = [0xaau8; 131];
        let mac = hmac_sha256(&long_key, b"Test Using Larger Than Block-Size Key - Hash Key First");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }

    #[test]
    fn largest_remainder_with_ties_by_name() {
        let strata: BTreeMap<String, u64> = [("甲".to_string(), 10), ("乙".to_string(), 10), ("丙".to_string(), 10)].into();
        let a = allocate(&strata, 10);
        assert_eq!(a.values().sum::<u64>(), 10);
        // Each is owed 3⅓; the one extra goes to the first name in order.
        let first = strata.keys().next().unwrap().clone();
        assert_eq!(a[&first], 4);
        let strata: BTreeMap<String, u64> = [("a".to_string(), 70), ("b".to_string(), 20), ("c".to_string(), 10)].into();
        assert_eq!(allocate(&strata, 7).into_values().collect::<Vec<_>>(), vec![5, 1, 1], "4.9, 1.4, 0.7: the remainders .9 and .7 win");
        assert_eq!(allocate(&strata, 500).values().sum::<u64>(), 100, "never more than the population");
    }

    #[test]
    fn sizes_parse_and_round_up() {
        assert_eq!(Size::parse("2000").unwrap(), Size::Count(2000));
        assert_eq!(Size::parse("10%").unwrap().of(95), 10);
        assert!(Size::parse("0").is_err());
        assert!(Size::parse("120%").is_err());
        assert!(Size::parse("两千").is_err());
    }

    #[test]
    fn the_draw_is_the_same_for_the_same_seeds_and_differs_otherwise() {
        let entries: Vec<Entry> = (0..100).map(|i| Entry { pseudonym: pseudonym(b"k", i), stratum: if i % 3 == 0 { "A".into() } else { "B".into() } }).collect();
        let seed = draw_seed("office", "unit");
        let a = draw(&entries, Size::Count(10), &seed);
        assert_eq!(a, draw(&entries, Size::Count(10), &seed));
        assert_eq!(a.len(), 10);
        assert_eq!(a.iter().filter(|d| d.stratum == "A").count(), 3, "34 of 100 in A: 3.4 → 3");
        assert_ne!(a, draw(&entries, Size::Count(10), &draw_seed("office", "unit2")));
        assert!(is_commitment(&commitment("x")));
        assert!(!is_commitment("abc"));
    }

    #[test]
    fn no_one_commits_for_both_parties() {
        let office = PartyFacts { office_role: true, office_or_admin: true, manages_owner: true };
        assert_eq!(party(office), Some(Party::Office));
        let admin = PartyFacts { office_role: false, office_or_admin: true, manages_owner: true };
        assert_eq!(party(admin), None, "the administrator commits for neither");
        let head = PartyFacts { office_role: false, office_or_admin: false, manages_owner: true };
        assert_eq!(party(head), Some(Party::Unit));
        assert_eq!(party(PartyFacts::default()), None);
        assert_eq!(Party::parse("unit"), Some(Party::Unit));
    }
}
