//! The audit chain: every entry carries the hash of the one before it, so an edit or a gap is
//! found by recomputing the chain (`pacesetter audit verify`).

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The hash that the first entry points back to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry of the audit log as it is hashed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at_ms: i64,
    pub actor_account: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

fn put(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_be_bytes());
    h.update(bytes);
}

fn put_opt(h: &mut Sha256, v: Option<&[u8]>) {
    match v {
        None => h.update([0u8]),
        Some(b) => {
            h.update([1u8]);
            put(h, b);
        }
    }
}

/// SHA-256 over the previous hash and every field, each length-prefixed so that no two
/// different entries encode alike.
pub fn chain_hash(prev: &str, e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    h.update(b"pacesetter-audit-v1");
    put(&mut h, prev.as_bytes());
    h.update(e.seq.to_be_bytes());
    h.update(e.at_ms.to_be_bytes());
    put_opt(&mut h, e.actor_account.map(i64::to_be_bytes).as_ref().map(|b| &b[..]));
    put(&mut h, e.actor.as_bytes());
    put(&mut h, e.action.as_bytes());
    put(&mut h, e.entity.as_bytes());
    put(&mut h, e.entity_id.as_bytes());
    put_opt(&mut h, e.before.as_deref().map(str::as_bytes));
    put_opt(&mut h, e.after.as_deref().map(str::as_bytes));
    hex(&h.finalize())
}

pub fn hex(bytes: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(D[(b >> 4) as usize] as char);
        s.push(D[(b & 15) as usize] as char);
    }
    s
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// What went wrong at one entry of the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChainProblem {
    /// An entry is missing: the sequence jumps.
    Gap { expected: i64, found: i64 },
    /// The entry does not point back to the hash of the one before.
    BrokenLink { seq: i64 },
    /// The entry's content no longer matches its hash.
    Edited { seq: i64 },
}

/// Walks the chain in order of sequence and checks every link. Stops at the first problem.
#[derive(Debug, Default)]
pub struct ChainVerifier {
    next_seq: i64,
    last_hash: String,
    pub checked: u64,
    pub problem: Option<ChainProblem>,
}

impl ChainVerifier {
    pub fn new() -> Self {
        ChainVerifier { next_seq: 1, last_hash: GENESIS.to_string(), checked: 0, problem: None }
    }

    /// Checks the next stored entry with the hashes stored beside it.
    pub fn push(&mut self, e: &AuditEntry, prev_hash: &str, hash: &str) {
        if self.problem.is_some() {
            return;
        }
        if e.seq != self.next_seq {
            self.problem = Some(ChainProblem::Gap { expected: self.next_seq, found: e.seq });
            return;
        }
        if prev_hash != self.last_hash {
            self.problem = Some(ChainProblem::BrokenLink { seq: e.seq });
            return;
        }
        if chain_hash(prev_hash, e) != hash {
            self.problem = Some(ChainProblem::Edited { seq: e.seq });
            return;
        }
        self.next_seq += 1;
        self.last_hash = hash.to_string();
        self.checked += 1;
    }

    pub fn last_hash(&self) -> &str {
        &self.last_hash
    }
}

/// An anchor of the chain: the number and hash of an entry the auditor recorded (and keeps a
/// copy of off the server). A chain that no longer has that entry, or has another there, was
/// cut or rewritten; `verify` alone cannot tell a chain cut at its end from a shorter one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Anchor {
    pub seq: i64,
    pub hash: String,
}

impl Anchor {
    /// The anchor as the auditor prints or keeps it: a few lines of text.
    pub fn to_text(&self, recorded: &str, by: &str) -> String {
        format!("pacesetter audit anchor\nseq: {}\nhash: {}\nrecorded: {recorded}\nby: {by}\n", self.seq, self.hash)
    }

    /// Reads an anchor from its text (`seq:` and `hash:` lines) or from JSON with those keys: the
    /// digits after the first "seq", the 64 hex digits after the first "hash".
    pub fn parse(text: &str) -> Option<Anchor> {
        let after = |key: &str| text.find(key).map(|i| &text[i + key.len()..]);
        let seq: String = after("seq")?.trim_start_matches(|c: char| !c.is_ascii_digit() && c != '\n').chars().take_while(char::is_ascii_digit).collect();
        let hash: String = after("hash")?.trim_start_matches(|c: char| !c.is_ascii_hexdigit() && c != '\n').chars().take_while(char::is_ascii_hexdigit).collect();
        Anchor::checked(seq.parse().ok()?, hash.to_ascii_lowercase())
    }

    fn checked(seq: i64, hash: String) -> Option<Anchor> {
        (seq > 0 && hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then_some(Anchor { seq, hash })
    }

    /// Whether a chain reaches this anchor, given the hash it holds at the anchor's number (None:
    /// it has no such entry). The problem in words otherwise.
    pub fn reached_by(&self, hash_at_seq: Option<&str>, entries: u64) -> Result<(), crate::Text> {
        match hash_at_seq {
            Some(h) if h == self.hash => Ok(()),
            Some(_) => Err(crate::Text::new(
                format!("第 {} 条记录的哈希与锚点不同：日志已被改写", self.seq),
                format!("entry {} has another hash than the anchor: the log was rewritten", self.seq),
            )),
            None => Err(crate::Text::new(
                format!("日志只有 {entries} 条，够不到锚点所记的第 {} 条：末尾的记录被删除了", self.seq),
                format!("the log has {entries} entries and no longer reaches the anchor's entry {}: entries were cut off its end", self.seq),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64, action: &str) -> AuditEntry {
        AuditEntry {
            seq,
            at_ms: 1_331_740_800_000 + seq,
            actor_account: Some(1),
            actor: "admin".into(),
            action: action.into(),
            entity: "person".into(),
            entity_id: seq.to_string(),
            before: None,
            after: Some("{\"name\":\"王磊\"}".into()),
        }
    }

    fn chain(n: i64) -> Vec<(AuditEntry, String, String)> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|i| {
                let e = entry(i, "person.update");
                let h = chain_hash(&prev, &e);
                let row = (e, prev.clone(), h.clone());
                prev = h;
                row
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        let mut v = ChainVerifier::new();
        for (e, p, h) in chain(5) {
            v.push(&e, &p, &h);
        }
        assert_eq!(v.problem, None);
        assert_eq!(v.checked, 5);
    }

    #[test]
    fn an_edited_entry_is_found() {
        let mut rows = chain(5);
        rows[2].0.after = Some("{\"name\":\"李娜\"}".into());
        let mut v = ChainVerifier::new();
        for (e, p, h) in &rows {
            v.push(e, p, h);
        }
        assert_eq!(v.problem, Some(ChainProblem::Edited { seq: 3 }));
    }

    #[test]
    fn a_removed_entry_is_found() {
        let mut rows = chain(5);
        rows.remove(1);
        let mut v = ChainVerifier::new();
        for (e, p, h) in &rows {
            v.push(e, p, h);
        }
        assert_eq!(v.problem, Some(ChainProblem::Gap { expected: 2, found: 3 }));
    }

    #[test]
    fn fields_cannot_be_shifted_between_each_other() {
        let mut a = entry(1, "x");
        a.entity = "ab".into();
        a.entity_id = "c".into();
        let mut b = entry(1, "x");
        b.entity = "a".into();
        b.entity_id = "bc".into();
        assert_ne!(chain_hash(GENESIS, &a), chain_hash(GENESIS, &b));
    }

    #[test]
    fn an_anchor_is_read_back_and_tells_a_cut_chain() {
        let a = Anchor { seq: 42, hash: "ab".repeat(32) };
        assert_eq!(Anchor::parse(&a.to_text("2012-06-30 17:00", "auditor")), Some(a.clone()));
        assert_eq!(Anchor::parse(&format!("{{\"seq\": 42, \"hash\": \"{}\"}}", "AB".repeat(32))), Some(a.clone()));
        assert_eq!(Anchor::parse("seq: 42\nhash: nothex"), None);
        assert!(a.reached_by(Some(&"ab".repeat(32)), 50).is_ok());
        assert!(a.reached_by(None, 40).unwrap_err().zh.contains("被删除"));
        assert!(a.reached_by(Some(&"cd".repeat(32)), 50).unwrap_err().zh.contains("改写"));
    }
}
