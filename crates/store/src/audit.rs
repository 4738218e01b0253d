//! The audit log: appended in the transaction of the change it records, chained by hashes,
//! refused any UPDATE or DELETE by the database's own triggers.

use crate::StoreError;
use crate::db::{Conn, Sql};
use pacesetter_domain::audit::{Anchor, AuditEntry, ChainProblem, ChainVerifier, GENESIS, chain_hash};
use pacesetter_domain::dates::now_ms;
use pacesetter_domain::scope::Scope;
use serde::Serialize;

/// Serialises the state of a record for the log.
pub fn snapshot<T: Serialize + ?Sized>(v: &T) -> Option<String> {
    serde_json::to_string(v).ok()
}

/// Appends one entry. Must run inside the write transaction of the change it records: the
/// chain has one writer at a time (SQLite's write lock; an advisory lock on PostgreSQL), so it
/// never forks (the hashes carry no unique index since migration 0016: `verify`, walking the
/// chain in order, finds a fork, a gap or an edit).
pub async fn append(c: &mut Conn, scope: &Scope, action: &str, entity: &str, entity_id: impl ToString, before: Option<String>, after: Option<String>) -> Result<i64, StoreError> {
    if c.is_postgres() {
        c.execute(Sql::new("SELECT pg_advisory_xact_lock(2012031500)")).await?;
    }
    let last: Option<(i64, String)> = c.fetch_optional(Sql::new("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")).await?;
    let (seq, prev) = match last {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS.to_string()),
    };
    let entry = AuditEntry {
        seq,
        at_ms: now_ms(),
        actor_account: if scope.account.0 == 0 { None } else { Some(scope.account.0) },
        actor: scope.actor.clone(),
        action: action.to_string(),
        entity: entity.to_string(),
        entity_id: entity_id.to_string(),
        before,
        after,
    };
    let hash = chain_hash(&prev, &entry);
    c.execute(
        Sql::new(
            "INSERT INTO audit_log (seq, at_ms, actor_account, actor, action, entity, entity_id, before_json, after_json, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(entry.seq)
        .bind(entry.at_ms)
        .bind(entry.actor_account)
        .bind(entry.actor)
        .bind(entry.action)
        .bind(entry.entity)
        .bind(entry.entity_id)
        .bind(entry.before)
        .bind(entry.after)
        .bind(prev)
        .bind(hash),
    )
    .await?;
    Ok(seq)
}

/// One entry of a batch for [`append_many`].
pub struct NewEntry {
    pub action: String,
    pub entity: &'static str,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// An entry with its own actor, for batches written on behalf of many people.
pub struct ActorEntry {
    pub actor_account: Option<i64>,
    pub actor: String,
    pub entry: NewEntry,
}

/// Appends many entries at once (a roster import): the chain is computed here and the rows
/// are inserted a few hundred per statement, under the same one-writer rule as [`append`].
pub async fn append_many(c: &mut Conn, scope: &Scope, entries: Vec<NewEntry>) -> Result<(), StoreError> {
    let actor_account = if scope.account.0 == 0 { None } else { Some(scope.account.0) };
    append_entries(c, entries.into_iter().map(|entry| ActorEntry { actor_account, actor: scope.actor.clone(), entry }).collect()).await
}

/// Appends many entries, each with its own actor (a batch of survey responses).
pub async fn append_entries(c: &mut Conn, entries: Vec<ActorEntry>) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    if c.is_postgres() {
        c.execute(Sql::new("SELECT pg_advisory_xact_lock(2012031500)")).await?;
    }
    let last: Option<(i64, String)> = c.fetch_optional(Sql::new("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")).await?;
    let (mut seq, mut prev) = match last {
        Some((s, h)) => (s, h),
        None => (0, GENESIS.to_string()),
    };
    let at_ms = now_ms();
    let mut rows = Vec::with_capacity(entries.len());
    for ActorEntry { actor_account, actor, entry: e } in entries {
        seq += 1;
        let entry = AuditEntry { seq, at_ms, actor_account, actor, action: e.action, entity: e.entity.to_string(), entity_id: e.entity_id, before: e.before, after: e.after };
        let hash = chain_hash(&prev, &entry);
        rows.push(vec![
            entry.seq.into(),
            entry.at_ms.into(),
            entry.actor_account.into(),
            entry.actor.into(),
            entry.action.into(),
            entry.entity.into(),
            entry.entity_id.into(),
            entry.before.into(),
            entry.after.into(),
            prev.clone().into(),
            hash.clone().into(),
        ]);
        prev = hash;
    }
    Ok(crate::db::insert_rows(c, "audit_log", &["seq", "at_ms", "actor_account", "actor", "action", "entity", "entity_id", "before_json", "after_json", "prev_hash", "hash"], rows)
        .await?)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct AuditRow {
    pub seq: i64,
    pub at_ms: i64,
    pub actor_account: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRow {
    fn entry(&self) -> AuditEntry {
        AuditEntry {
            seq: self.seq,
            at_ms: self.at_ms,
            actor_account: self.actor_account,
            actor: self.actor.clone(),
            action: self.action.clone(),
            entity: self.entity.clone(),
            entity_id: self.entity_id.clone(),
            before: self.before_json.clone(),
            after: self.after_json.clone(),
        }
    }
}

const COLUMNS: &str = "seq, at_ms, actor_account, actor, action, entity, entity_id, before_json, after_json, prev_hash, hash";

#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub actor: Option<String>,
    pub action_prefix: Option<String>,
}

/// The newest entries first, filtered, a page at a time. Returns the rows and the total.
pub async fn list(c: &mut Conn, f: &AuditFilter, offset: i64, limit: i64) -> Result<(Vec<AuditRow>, i64), StoreError> {
    let mut cond = Sql::new(" WHERE 1 = 1");
    if let Some(e) = &f.entity {
        cond.push(" AND entity = ").push_bind(e.as_str());
    }
    if let Some(e) = &f.entity_id {
        cond.push(" AND entity_id = ").push_bind(e.as_str());
    }
    if let Some(a) = &f.actor {
        cond.push(" AND actor = ").push_bind(a.as_str());
    }
    if let Some(a) = &f.action_prefix {
        cond.push(" AND action LIKE ").push_bind(format!("{}%", crate::db::like_escape(a))).push(" ESCAPE '\\'");
    }
    let mut count = Sql::new("SELECT COUNT(*) FROM audit_log");
    count.push(&cond.text);
    count.args = cond.args.clone();
    let total = c.fetch_i64(count).await?;
    let mut q = Sql::new(format!("SELECT {COLUMNS} FROM audit_log"));
    q.push(&cond.text);
    q.args = cond.args;
    q.push(" ORDER BY seq DESC LIMIT ").push_bind(limit).push(" OFFSET ").push_bind(offset);
    Ok((c.fetch_all(q).await?, total))
}

/// The result of checking the whole chain.
#[derive(Clone, Debug, Serialize)]
pub struct VerifyReport {
    pub entries: u64,
    pub ok: bool,
    pub problem: Option<ChainProblem>,
    pub last_hash: String,
}

/// Recomputes the chain from the first entry to the last, in batches.
pub async fn verify(c: &mut Conn) -> Result<VerifyReport, StoreError> {
    let mut v = ChainVerifier::new();
    let mut after = 0i64;
    loop {
        let rows: Vec<AuditRow> = c.fetch_all(Sql::new(format!("SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 5000")).bind(after)).await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            v.push(&r.entry(), &r.prev_hash, &r.hash);
        }
        after = rows.last().map(|r| r.seq).unwrap_or(after);
        if v.problem.is_some() {
            break;
        }
    }
    Ok(VerifyReport { entries: v.checked, ok: v.problem.is_none(), problem: v.problem.clone(), last_hash: v.last_hash().to_string() })
}

/// An anchor as recorded by the auditor.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct AnchorRow {
    pub id: i64,
    pub seq: i64,
    pub hash: String,
    pub recorded_ms: i64,
    pub recorded_by: String,
}

impl AnchorRow {
    pub fn anchor(&self) -> Anchor {
        Anchor { seq: self.seq, hash: self.hash.clone() }
    }
}

/// Records the latest entry of the chain as an anchor (and logs that it did, after it).
pub async fn record_anchor(c: &mut Conn, scope: &Scope) -> Result<AnchorRow, StoreError> {
    let last: Option<(i64, String)> = c.fetch_optional(Sql::new("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")).await?;
    let Some((seq, hash)) = last else { return Err(StoreError::conflict("审计日志还是空的", "The audit log is empty")) };
    let id = c
        .fetch_i64(
            Sql::new("INSERT INTO audit_anchors (seq, hash, recorded_ms, recorded_by) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(seq)
                .bind(hash.as_str())
                .bind(now_ms())
                .bind(scope.actor.as_str()),
        )
        .await?;
    append(c, scope, "audit.anchor", "database", "audit_log", None, Some(serde_json::json!({"anchor": id, "seq": seq, "hash": hash}).to_string())).await?;
    latest_anchor(c).await?.ok_or(StoreError::NotFound)
}

/// The latest anchor recorded, if any.
pub async fn latest_anchor(c: &mut Conn) -> Result<Option<AnchorRow>, StoreError> {
    Ok(c.fetch_optional(Sql::new("SELECT id, seq, hash, recorded_ms, recorded_by FROM audit_anchors ORDER BY id DESC LIMIT 1")).await?)
}

pub async fn anchor(c: &mut Conn, id: i64) -> Result<AnchorRow, StoreError> {
    c.fetch_optional(Sql::new("SELECT id, seq, hash, recorded_ms, recorded_by FROM audit_anchors WHERE id = $1").bind(id)).await?.ok_or(StoreError::NotFound)
}

/// Whether the chain as stored reaches an anchor (its entry is there with the same hash); the
/// problem in words otherwise. Cheap: one entry and the count.
pub async fn reaches(c: &mut Conn, a: &Anchor) -> Result<Result<(), pacesetter_domain::Text>, StoreError> {
    let hash = c.fetch_opt_string(Sql::new("SELECT hash FROM audit_log WHERE seq = $1").bind(a.seq)).await?;
    let entries = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM audit_log")).await? as u64;
    Ok(a.reached_by(hash.as_deref(), entries))
}
