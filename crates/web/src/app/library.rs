//! The experience library (item 17) as use cases: an organization or unit (or the office) hands
//! in a rule, practice or case with files; the office publishes it or returns it with a reason;
//! everyone signed in reads the published ones, filtered by kind and work item, and exports the
//! list; experience-exchange meetings' records arrive on their own. The pages and the API are
//! thin adapters over these.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::upload::File;
use pacesetter_domain::library::{self as ld, Kind, MAX_FILES, State};
use pacesetter_domain::scope::{Access, Scope};
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::StoreError;
use pacesetter_store::library::{self as store, EntryRow, FileMeta, Filter, NewFile, Source};
use pacesetter_store::tree::{self, Node, Tree};
use serde::{Deserialize, Serialize};

/// An entry as typed.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct EntryInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    /// system (制度), experience (经验) or case (案例).
    #[serde(default)]
    pub kind: String,
    /// The plan's work item (1 to 20), or empty.
    #[serde(default)]
    pub item: String,
    /// `org:ID`, `unit:ID`, or `office` (the office only).
    #[serde(default)]
    pub source: String,
}

impl EntryInput {
    pub fn from_values(v: &std::collections::HashMap<String, String>) -> EntryInput {
        let get = |k: &str| v.get(k).cloned().unwrap_or_default();
        EntryInput { title: get("title"), body: get("body"), kind: get("kind"), item: get("item"), source: get("source") }
    }
}

fn source_of(s: &str, errors: &mut FieldErrors) -> Option<Source> {
    let s = s.trim();
    let parsed = match s.split_once(':') {
        _ if s == "office" => Some(Source::Office),
        Some(("org", id)) => id.parse().ok().filter(|i: &i64| *i > 0).map(Source::Org),
        Some(("unit", id)) => id.parse().ok().filter(|i: &i64| *i > 0).map(Source::Unit),
        _ => None,
    };
    if parsed.is_none() {
        errors.add("source", "请选择提交的组织或单位", "Choose the organization or unit it is from");
    }
    parsed
}

/// Hands in an entry with its files; its id.
pub async fn submit(s: &AppState, scope: &Scope, input: &EntryInput, files: Vec<File>, mut errors: FieldErrors) -> AppResult<i64> {
    let source = source_of(&input.source, &mut errors);
    if files.len() > MAX_FILES {
        errors.add("files", format!("最多上传 {MAX_FILES} 个文件"), format!("At most {MAX_FILES} files"));
    }
    let draft = match ld::read(&input.title, &input.body, &input.kind, &input.item) {
        Ok(d) if errors.is_empty() => d,
        Ok(_) => return Err(AppError::invalid(errors)),
        Err(e) => {
            errors.0.extend(e.0);
            return Err(AppError::invalid(errors));
        }
    };
    let files = files.into_iter().map(|f| NewFile { name: f.filename, content_type: f.kind.content_type().to_string(), data: f.data }).collect();
    let mut w = s.store.write().await?;
    let id = store::submit(&mut w, scope, source.unwrap_or(Source::Office), &draft, files).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

/// A review as typed: `publish`, or `return` with a comment.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ReviewInput {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub comment: String,
}

pub async fn review(s: &AppState, scope: &Scope, id: i64, input: &ReviewInput) -> AppResult<EntryRow> {
    pacesetter_store::scope::office_only(scope)?;
    let (to, comment) = ld::review(&input.action, &input.comment).map_err(AppError::invalid)?;
    let mut w = s.store.write().await?;
    let e = store::review(&mut w, scope, id, to, comment.as_deref()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(e)
}

/// The list's filters as asked.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub item: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
}

impl ListQuery {
    /// The filter; an unknown value is a 422.
    pub fn filter(&self) -> AppResult<Filter> {
        let opt = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
        let kind = match opt(&self.kind) {
            None => None,
            Some(k) => Some(Kind::parse(&k).ok_or_else(|| AppError::invalid_field("kind", "没有这个类别", "No such kind"))?),
        };
        let item = match opt(&self.item) {
            None => None,
            Some(i) => Some(
                i.parse::<i64>()
                    .ok()
                    .filter(|n| (1..=20).contains(n))
                    .ok_or_else(|| AppError::invalid_field("item", "工作事项是 1 到 20 的编号", "The work item is a number from 1 to 20"))?,
            ),
        };
        let state = match opt(&self.state) {
            None => None,
            Some(st) => Some(State::parse(&st).ok_or_else(|| AppError::invalid_field("state", "没有这个状态", "No such state"))?),
        };
        Ok(Filter { kind, item, state })
    }
}

pub async fn list(s: &AppState, scope: &Scope, f: &Filter) -> AppResult<Vec<EntryRow>> {
    let mut c = s.store.read().await?;
    Ok(store::list(&mut c, scope, f, 500).await?)
}

/// The sources the caller may hand entries in for: the office as itself, and the open
/// organizations and units they change (groups aside).
pub async fn sources(s: &AppState, scope: &Scope) -> AppResult<Vec<(String, String)>> {
    let mut c = s.store.read().await?;
    let mut out = Vec::new();
    if pacesetter_store::scope::office_only(scope).is_ok() {
        out.push(("office".to_string(), "创先办".to_string()));
    }
    let reached = |n: &Node, t: Tree| {
        let access = if t == Tree::Org { store::source_access(scope, Some(&n.path), None) } else { store::source_access(scope, None, Some(&n.path)) };
        n.closed_on.is_none() && n.kind != "group" && access == Some(Access::Write)
    };
    // The office reaches every node: it hands in as itself, so its list stays short.
    if out.is_empty() {
        for (t, prefix) in [(Tree::Org, "org"), (Tree::Unit, "unit")] {
            for n in tree::all(&mut c, t).await?.into_iter().filter(|n| reached(n, t)) {
                out.push((format!("{prefix}:{}", n.id), n.name));
            }
        }
    }
    Ok(out)
}

pub struct View {
    pub e: EntryRow,
    pub files: Vec<FileMeta>,
    pub may_review: bool,
}

pub async fn view(s: &AppState, scope: &Scope, id: i64) -> AppResult<View> {
    let mut c = s.store.read().await?;
    let e = store::get(&mut c, scope, id).await?;
    let files = store::files(&mut c, id).await?;
    let may_review = e.state() == State::Submitted && pacesetter_store::scope::office_only(scope).is_ok();
    Ok(View { e, files, may_review })
}

pub async fn file(s: &AppState, scope: &Scope, id: i64) -> AppResult<(String, String, Vec<u8>)> {
    let mut c = s.store.read().await?;
    Ok(store::file(&mut c, scope, id).await?)
}
