//! Search in SQL: the index kept beside the records (documents and their keys, see
//! [`pacesetter_domain::search`]) and the search itself, within the caller's scope.
//!
//! Triggers on the indexed tables mark each changed record in `search_dirty`; [`refresh`]
//! re-indexes them from the record itself, so no write path can forget the index. A record's
//! document holds only what every reader of a hit may see: a person's name (and number, which
//! is matched only within the caller's scope), an organization's or unit's name, a commitment's
//! text, a problem's words (never its raiser), a document's, a notice's a library entry's or a story's title and text. Who may see each hit
//! is decided at search time by the record's own rule, against the live tables.

use crate::StoreError;
use crate::db::{Conn, Sql};
use crate::tree::Tree;
use pacesetter_domain::scope::{Access, Scope};
use pacesetter_domain::search::{self as sd, Kind, Query};
use std::collections::BTreeSet;

/// At most this many pages of candidates are read for one kind.
const MAX_PAGES: i64 = 8;
/// How many dirty marks one [`refresh`] pass takes.
pub const BATCH: i64 = 2000;
/// Keys are inserted this many rows at a time (so there are few distinct statements).
const KEY_CHUNK: usize = 32;

struct Doc {
    title: String,
    body: String,
    keys: BTreeSet<String>,
}

fn named(name: String, extra: Option<String>) -> Doc {
    let mut keys = sd::bigrams(&name);
    keys.extend(sd::pinyin_keys(&name));
    keys.extend(extra);
    Doc { title: name, body: String::new(), keys }
}

fn text(title: String, parts: &[&str]) -> Doc {
    let mut keys = sd::bigrams(&title);
    for p in parts {
        keys.extend(sd::bigrams(p));
    }
    Doc { title, body: parts.iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join("\n"), keys }
}

/// The document a record is indexed as, or None when it is gone.
async fn source(c: &mut Conn, kind: Kind, id: i64) -> Result<Option<Doc>, StoreError> {
    Ok(match kind {
        Kind::Person => {
            let r: Option<(String, String)> = c.fetch_optional(Sql::new("SELECT name, number FROM people WHERE id = $1").bind(id)).await?;
            r.map(|(name, number)| named(name, sd::number_key(&number)))
        }
        Kind::Org | Kind::Unit => {
            let t = if kind == Kind::Org { "orgs" } else { "units" };
            let r: Option<(String,)> = c.fetch_optional(Sql::new(format!("SELECT name FROM {t} WHERE id = $1")).bind(id)).await?;
            r.map(|(name,)| named(name, None))
        }
        Kind::Commitment => {
            let r: Option<(String, String, String)> = c.fetch_optional(Sql::new("SELECT content, measures, target FROM commitments WHERE id = $1").bind(id)).await?;
            r.map(|(content, measures, target)| text(content, &[&measures, &target]))
        }
        Kind::Problem => {
            // The words only: never who raised it.
            let r: Option<(String,)> = c.fetch_optional(Sql::new("SELECT body FROM problems WHERE id = $1").bind(id)).await?;
            r.map(|(body,)| text(String::new(), &[&body]))
        }
        Kind::StudyDoc => {
            let r: Option<(String, String)> = c.fetch_optional(Sql::new("SELECT title, body FROM study_docs WHERE id = $1").bind(id)).await?;
            r.map(|(title, body)| text(title, &[&body]))
        }
        Kind::Announcement => {
            let r: Option<(String, String)> = c.fetch_optional(Sql::new("SELECT title, body FROM announcements WHERE id = $1").bind(id)).await?;
            r.map(|(title, body)| text(title, &[&body]))
        }
        Kind::Library => {
            let r: Option<(String, String)> = c.fetch_optional(Sql::new("SELECT title, body FROM library_entries WHERE id = $1").bind(id)).await?;
            r.map(|(title, body)| text(title, &[&body]))
        }
        Kind::Research => {
            // The title and the blind section: never the applicant, the team or the college.
            let r: Option<(String, String)> = c.fetch_optional(Sql::new("SELECT title, blind FROM research_applications WHERE id = $1").bind(id)).await?;
            r.map(|(title, blind)| text(title, &[&blind]))
        }
        Kind::Story => {
            let r: Option<(String, String, String)> = c.fetch_optional(Sql::new("SELECT title, summary, body FROM stories WHERE id = $1").bind(id)).await?;
            r.map(|(title, summary, body)| text(title, &[&summary, &body]))
        }
    })
}

/// Re-indexes one record from its table.
async fn reindex(c: &mut Conn, kind: Kind, id: i64) -> Result<(), StoreError> {
    c.execute(Sql::new("DELETE FROM search_keys WHERE doc_id IN (SELECT d.id FROM search_docs d WHERE d.kind = $1 AND d.ref_id = $2)").bind(kind.code()).bind(id)).await?;
    let Some(doc) = source(c, kind, id).await? else {
        c.execute(Sql::new("DELETE FROM search_docs WHERE kind = $1 AND ref_id = $2").bind(kind.code()).bind(id)).await?;
        return Ok(());
    };
    let doc_id = c
        .fetch_i64(
            Sql::new(
                "INSERT INTO search_docs (kind, ref_id, title, body) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (kind, ref_id) DO UPDATE SET title = excluded.title, body = excluded.body RETURNING id",
            )
            .bind(kind.code())
            .bind(id)
            .bind(doc.title)
            .bind(doc.body),
        )
        .await?;
    let keys: Vec<String> = doc.keys.into_iter().collect();
    for chunk in keys.chunks(KEY_CHUNK) {
        let mut q = Sql::new("INSERT INTO search_keys (key, doc_id) VALUES ");
        for (i, k) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push("(").push_bind(k.clone()).push(", ").push_bind(doc_id).push(")");
        }
        q.push(" ON CONFLICT DO NOTHING");
        c.execute(q).await?;
    }
    Ok(())
}

/// Re-indexes the records marked since the last pass, at most [`BATCH`] marks; how many it
/// took (call again while it returns [`BATCH`]).
pub async fn refresh(c: &mut Conn) -> Result<usize, StoreError> {
    // One pass at a time across servers (SQLite has one writer anyway): two passes re-indexing
    // one record at once could leave the older text, or each other's keys.
    if c.is_postgres() {
        c.execute(Sql::new("SELECT pg_advisory_xact_lock(2012031502)")).await?;
    }
    let marks: Vec<(i64, String, i64)> = c.fetch_all(Sql::new("SELECT id, kind, ref_id FROM search_dirty ORDER BY id LIMIT $1").bind(BATCH)).await?;
    let mut seen = BTreeSet::new();
    for (_, kind, id) in &marks {
        if let Some(k) = Kind::parse(kind) {
            if seen.insert((k.code(), *id)) {
                reindex(c, k, *id).await?;
            }
        }
    }
    for chunk in marks.chunks(500) {
        let ids: Vec<i64> = chunk.iter().map(|m| m.0).collect();
        let mut q = Sql::new("DELETE FROM search_dirty WHERE id IN ");
        q.push_ids(&ids);
        c.execute(q).await?;
    }
    Ok(marks.len())
}

/// Re-indexes everything marked, a pass at a time (each its own transaction); how many marks.
pub async fn refresh_all(store: &crate::Store) -> Result<usize, StoreError> {
    let mut total = 0;
    loop {
        let mut w = store.write().await?;
        let n = refresh(&mut w).await?;
        w.commit().await?;
        total += n;
        if n < BATCH as usize {
            return Ok(total);
        }
    }
}

/// Whether anything waits to be re-indexed.
pub async fn stale(c: &mut Conn) -> Result<bool, StoreError> {
    Ok(c.fetch_opt_i64(Sql::new("SELECT id FROM search_dirty LIMIT 1")).await?.is_some())
}

/// A hit, as its reader may see it.
#[derive(Clone, Debug)]
pub struct Hit {
    pub kind: Kind,
    pub id: i64,
    /// The name or title (empty for a problem).
    pub title: String,
    /// The text (commitments' measures and target, a problem's words, a document's text).
    pub body: String,
    /// A person's Party organization and unit, or where an organization or unit sits.
    pub context: Option<String>,
    /// A person's number: only for people in the caller's scope.
    pub number: Option<String>,
    /// Whether the caller may open the record's page.
    pub open: bool,
}

/// How a query is looked up: the bigrams whose documents are candidates (at most the two
/// rarest in the index: every hit is checked for the whole query after), and the kinds that
/// have candidates at all (the others are not asked).
#[derive(Clone, Debug, Default)]
pub struct Plan {
    grams: Vec<String>,
    kinds: Vec<Kind>,
}

/// Plans a query: two lookups of the keys' index.
pub async fn plan(c: &mut Conn, query: &Query) -> Result<Plan, StoreError> {
    let grams = if query.grams.len() <= 2 {
        query.grams.clone()
    } else {
        let mut q = Sql::new("SELECT k.key, COUNT(*) FROM search_keys k WHERE k.key IN (");
        for (i, g) in query.grams.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push_bind(g.clone());
        }
        q.push(") GROUP BY k.key");
        let mut counts: Vec<(String, i64)> = c.fetch_all(q).await?;
        if counts.len() < query.grams.len() {
            // A pair of the query is in no document: no text holds the query.
            Vec::new()
        } else {
            counts.sort_by_key(|(k, n)| (*n, k.clone()));
            counts.into_iter().take(2).map(|(k, _)| k).collect()
        }
    };
    let mut q = Sql::new("SELECT d.kind, COUNT(*) FROM search_docs d WHERE ");
    push_match(&mut q, &grams, query, Keys { text: true, pinyin: true, number: true });
    q.push(" GROUP BY d.kind");
    let found: Vec<(String, i64)> = c.fetch_all(q).await?;
    Ok(Plan { grams, kinds: found.iter().filter_map(|(k, _)| Kind::parse(k)).collect() })
}

/// Which keys a match looks at.
#[derive(Clone, Copy)]
struct Keys {
    /// The planned bigrams.
    text: bool,
    /// Names' pinyin prefixes (letters only).
    pinyin: bool,
    /// Numbers' prefixes.
    number: bool,
}

/// `d.id IN (…)`: the documents whose keys match: all the planned bigrams, a pinyin prefix, or a
/// number's prefix, as asked. One IN over a UNION, so that each database joins it to the
/// documents by their key (an OR of INs would scan them all).
fn push_match(q: &mut Sql, grams: &[String], query: &Query, keys: Keys) {
    let mut parts = 0;
    q.push("d.id IN (");
    let mut union = |q: &mut Sql| {
        if parts > 0 {
            q.push(" UNION ");
        }
        parts += 1;
    };
    if keys.text && !grams.is_empty() {
        union(q);
        q.push("SELECT k.doc_id FROM search_keys k WHERE k.key IN (");
        for (i, g) in grams.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push_bind(g.clone());
        }
        q.push(&format!(") GROUP BY k.doc_id HAVING COUNT(*) = {}", grams.len()));
    }
    if keys.pinyin {
        for p in &query.pinyin {
            union(q);
            q.push("SELECT k.doc_id FROM search_keys k WHERE k.key >= ").push_bind(p.clone()).push(" AND k.key < ").push_bind(Query::range_end(p));
        }
    }
    if keys.number {
        if let Some(n) = &query.number {
            union(q);
            q.push("SELECT k.doc_id FROM search_keys k WHERE k.key >= ").push_bind(n.clone()).push(" AND k.key < ").push_bind(Query::range_end(n));
        }
    }
    if parts == 0 {
        q.push("SELECT 0 WHERE 1 = 0");
    }
    q.push(")");
}

#[derive(sqlx::FromRow)]
struct PersonHit {
    id: i64,
    name: String,
    number: String,
    org_label: Option<String>,
    unit_label: Option<String>,
    in_scope: i64,
}

#[derive(sqlx::FromRow)]
struct NodeHit {
    id: i64,
    title: String,
    path: String,
    parent: Option<String>,
}

#[derive(sqlx::FromRow)]
struct TextHit {
    id: i64,
    title: String,
    body: String,
}

/// Up to `limit` hits of one kind that the caller may see, best first (people and places by
/// name, the others newest first).
pub async fn find(c: &mut Conn, scope: &Scope, query: &Query, plan: &Plan, kind: Kind, limit: usize) -> Result<Vec<Hit>, StoreError> {
    if !plan.kinds.contains(&kind) {
        return Ok(Vec::new());
    }
    // Candidates by key may hold the planned bigrams apart, or not the rest of the query; they
    // are checked below, so take more than asked.
    let take = (limit * 4 + 40) as i64;
    let mut hits = Vec::new();
    match kind {
        Kind::Person => {
            // By name (anyone current), then by number (within the caller's scope only).
            let mut rows: Vec<PersonHit> = Vec::new();
            for by_number in [false, true] {
                if by_number && query.number.is_none() {
                    continue;
                }
                let mut q =
                    Sql::new(format!("SELECT p.id, p.name, p.number, {} AS org_label, {} AS unit_label, CAST(CASE WHEN ", crate::people::ORG_LABEL, crate::people::UNIT_LABEL));
                crate::scope::push_person_condition(&mut q, scope, Access::Read, "p.id");
                q.push(" THEN 1 ELSE 0 END AS BIGINT) AS in_scope FROM search_docs d JOIN people p ON p.id = d.ref_id WHERE d.kind = 'person' AND ");
                if by_number {
                    push_match(&mut q, &plan.grams, query, Keys { text: false, pinyin: false, number: true });
                    q.push(" AND ");
                    crate::scope::push_person_condition(&mut q, scope, Access::Read, "p.id");
                } else {
                    push_match(&mut q, &plan.grams, query, Keys { text: true, pinyin: true, number: false });
                    q.push(" AND p.left_on IS NULL");
                }
                // By id (the same on both databases: names sort by locale on PostgreSQL), sorted by
                // name below.
                q.push(" ORDER BY p.id LIMIT ").push_bind(take);
                rows.extend(c.fetch_all::<PersonHit>(q).await?);
            }
            rows.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
            rows.dedup_by_key(|r| r.id);
            for r in rows {
                let in_scope = r.in_scope == 1;
                if !(query.in_text(&r.name) || query.in_pinyin(&r.name) || (in_scope && query.in_number(&r.number))) {
                    continue;
                }
                let context = [r.org_label, r.unit_label].into_iter().flatten().collect::<Vec<_>>().join(" / ");
                hits.push(Hit {
                    kind,
                    id: r.id,
                    title: r.name,
                    body: String::new(),
                    context: (!context.is_empty()).then_some(context),
                    number: in_scope.then_some(r.number),
                    open: in_scope,
                });
            }
        }
        Kind::Org | Kind::Unit => {
            let tree = if kind == Kind::Org { Tree::Org } else { Tree::Unit };
            let t = tree.table();
            let mut q = Sql::new(format!(
                "SELECT n.id, n.name AS title, n.path, pn.name AS parent FROM search_docs d JOIN {t} n ON n.id = d.ref_id LEFT JOIN {t} pn ON pn.id = n.parent_id \
                 WHERE d.kind = '{}' AND n.closed_on IS NULL AND ",
                kind.code()
            ));
            push_match(&mut q, &plan.grams, query, Keys { text: true, pinyin: true, number: false });
            q.push(" ORDER BY n.depth, n.id LIMIT ").push_bind(take);
            let rows: Vec<NodeHit> = c.fetch_all(q).await?;
            for r in rows {
                if !(query.in_text(&r.title) || query.in_pinyin(&r.title)) {
                    continue;
                }
                let open = tree.access(scope, &r.path).is_some();
                hits.push(Hit { kind, id: r.id, title: r.title, body: String::new(), context: r.parent, number: None, open });
            }
        }
        Kind::Commitment | Kind::Problem | Kind::StudyDoc | Kind::Announcement | Kind::Library | Kind::Story | Kind::Research => {
            // Page through the candidates (newest first) until enough hold the whole query: a
            // long query's candidates share only its two rarest pairs.
            for page in 0..MAX_PAGES {
                let mut q = Sql::new(format!("SELECT d.ref_id AS id, d.title, d.body FROM search_docs d WHERE d.kind = '{}' AND ", kind.code()));
                push_match(&mut q, &plan.grams, query, Keys { text: true, pinyin: false, number: false });
                match kind {
                    Kind::Commitment => {
                        q.push(" AND d.ref_id IN ");
                        crate::commitment::push_readable_ids(&mut q, scope);
                    }
                    Kind::Problem => {
                        q.push(" AND d.ref_id IN ");
                        crate::problem::push_readable_ids(&mut q, scope);
                    }
                    Kind::Announcement => {
                        q.push(" AND d.ref_id IN ");
                        crate::announcement::push_readable_ids(&mut q, scope);
                    }
                    Kind::Library => {
                        q.push(" AND d.ref_id IN ");
                        crate::library::push_readable_ids(&mut q, scope);
                    }
                    Kind::Story => {
                        q.push(" AND d.ref_id IN ");
                        crate::story::push_readable_ids(&mut q, scope);
                    }
                    Kind::Research => {
                        q.push(" AND d.ref_id IN ");
                        crate::research::push_readable_ids(&mut q, scope);
                    }
                    // Documents to study are read by anyone logged in.
                    _ => {}
                }
                q.push(" ORDER BY d.ref_id DESC LIMIT ").push_bind(take).push(" OFFSET ").push_bind(page * take);
                let rows: Vec<TextHit> = c.fetch_all(q).await?;
                let full = rows.len() as i64 == take;
                for r in rows {
                    if query.in_text(&r.title) || query.in_text(&r.body) {
                        hits.push(Hit { kind, id: r.id, title: r.title, body: r.body, context: None, number: None, open: true });
                    }
                }
                if hits.len() >= limit || !full {
                    break;
                }
            }
        }
    }
    hits.truncate(limit);
    Ok(hits)
}
