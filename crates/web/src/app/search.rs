//! Search as a use case: one query across people, organizations, units, commitments, problems
//! and documents, each kind within the caller's scope by its own rule (see
//! [`pacesetter_store::search`]), with the matched part of each hit marked. The page and the API
//! are thin adapters over this.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use pacesetter_domain::scope::Scope;
use pacesetter_domain::search::{Kind, Piece, Query, excerpt, mark_pinyin};
use pacesetter_store::search::{self as store, Hit};
use serde::Deserialize;

/// How many hits of each kind a search across all kinds shows, and of one kind asked for.
pub const PER_KIND: usize = 8;
pub const ONE_KIND: usize = 50;
/// The excerpt of a text hit, in characters.
const EXCERPT: usize = 60;

/// A search as asked: `q`, and `kind` to look in one kind only.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
}

/// A hit with its shown parts: the title and an excerpt of its text, matched parts marked.
pub struct Found {
    pub hit: Hit,
    pub title: Vec<Piece>,
    pub excerpt: Vec<Piece>,
    /// A person's number, marked when that is what matched.
    pub number: Vec<Piece>,
}

impl Found {
    /// Where the hit opens: its page, or (a person outside the caller's scope) the directory.
    pub fn href(&self) -> Option<String> {
        let id = self.hit.id;
        match (self.hit.kind, self.hit.open) {
            (Kind::Person, true) => Some(format!("/people/{id}")),
            (Kind::Person, false) => Some(format!("/directory?q={}", percent_encoding::utf8_percent_encode(&self.hit.title, percent_encoding::NON_ALPHANUMERIC))),
            (Kind::Org, true) => Some(format!("/orgs/{id}")),
            (Kind::Unit, true) => Some(format!("/units/{id}")),
            (Kind::Commitment, _) => Some(format!("/commitments/{id}")),
            (Kind::Problem, _) => Some(format!("/problems/{id}")),
            (Kind::StudyDoc, _) => Some(format!("/study/{id}")),
            (Kind::Announcement, _) => Some(format!("/announcements/{id}")),
            (Kind::Library, _) => Some(format!("/library/{id}")),
            (Kind::Story, _) => Some(format!("/stories/{id}")),
            (Kind::Research, _) => Some(format!("/research/applications/{id}")),
            _ => None,
        }
    }
}

pub struct Results {
    pub query: Query,
    /// Each kind looked in, with its hits (possibly none) and whether there may be more.
    pub groups: Vec<(Kind, Vec<Found>, bool)>,
}

/// The kind asked for, if any; an unknown one is a 422.
pub fn kind_of(q: &SearchQuery) -> AppResult<Option<Kind>> {
    match q.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        None => Ok(None),
        Some(k) => Kind::parse(k).map(Some).ok_or_else(|| AppError::invalid_field("kind", "没有这种搜索类别", "No such kind to search")),
    }
}

/// Searches within the caller's scope. A query of fewer than two characters is a 422.
pub async fn search(s: &AppState, scope: &Scope, q: &SearchQuery) -> AppResult<Results> {
    let query = Query::parse(q.q.as_deref().unwrap_or("")).map_err(AppError::invalid)?;
    let only = kind_of(q)?;
    // What changed since the scheduler's last pass is indexed first (one pass, at most
    // store::search::BATCH records: after a large import the scheduler does the rest), so a
    // record is found as soon as it is written. A failed pass is logged and the search answers
    // from the index as it is.
    let stale = {
        let mut c = s.store.read().await?;
        store::stale(&mut c).await?
    };
    if stale {
        let pass = async {
            let mut w = s.store.write().await?;
            store::refresh(&mut w).await?;
            w.commit().await?;
            Ok::<_, pacesetter_store::StoreError>(())
        };
        if let Err(e) = pass.await {
            tracing::warn!("search: re-indexing before a search failed: {e}");
        }
    }
    let (kinds, limit) = match only {
        Some(k) => (vec![k], ONE_KIND),
        None => (Kind::ALL.to_vec(), PER_KIND),
    };
    let mut c = s.store.read().await?;
    let plan = store::plan(&mut c, &query).await?;
    let mut groups = Vec::new();
    for kind in kinds {
        let mut hits = store::find(&mut c, scope, &query, &plan, kind, limit + 1).await?;
        let more = hits.len() > limit;
        hits.truncate(limit);
        let found = hits.into_iter().map(|h| shown(&query, h)).collect();
        groups.push((kind, found, more));
    }
    Ok(Results { query, groups })
}

fn shown(q: &Query, hit: Hit) -> Found {
    let title = if q.in_text(&hit.title) || !hit.kind.is_named() || !q.in_pinyin(&hit.title) { excerpt(&hit.title, q, EXCERPT) } else { mark_pinyin(&hit.title, q) };
    let excerpt = if hit.body.is_empty() { Vec::new() } else { excerpt(&hit.body, q, EXCERPT) };
    let number = match &hit.number {
        Some(n) if q.in_number(n) => {
            let len = n.chars().take_while(|c| c.is_ascii_alphanumeric()).count().min(q.text.len());
            vec![Piece { text: n[..len].to_string(), hit: true }, Piece { text: n[len..].to_string(), hit: false }]
        }
        Some(n) => vec![Piece { text: n.clone(), hit: false }],
        None => Vec::new(),
    };
    Found { hit, title, excerpt, number }
}
