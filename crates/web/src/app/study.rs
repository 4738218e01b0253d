//! Documents to study as use cases: the office publishes one (its text, files, who studies it
//! and by when), which gives every owner a task whose deliverable is a study record; the list
//! and a document's page with its coverage rolled up the tree (the campaign dashboard of its
//! template); a task's study part (the sessions its owner may name, and those named). The pages
//! and the API are thin adapters over these.

use crate::app::campaigns::{self, Dashboard, DashboardQuery};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::upload::File;
use pacesetter_domain::Lang;
use pacesetter_domain::dates::today;
use pacesetter_domain::ids::CampaignId;
use pacesetter_domain::plan::{Deliverable, Owners};
use pacesetter_domain::scope::Scope;
use pacesetter_domain::study::{self as sd, Fields};
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::StoreError;
use pacesetter_store::study::{self as store, DocFile, DocRow, NewDocFile, StudySession};
use pacesetter_store::task::TaskRow;
use serde::{Deserialize, Serialize};

/// A document as typed.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct DocInput {
    #[serde(default)]
    pub title: String,
    /// The text, or what to study and how.
    #[serde(default)]
    pub body: String,
    /// The plan's work item (1 or 4 for a document to study), or empty.
    #[serde(default)]
    pub item: String,
    /// party_orgs, secondary_orgs, branches, window_units or units.
    #[serde(default)]
    pub owners: String,
    /// With `units`: the units' names, one a line or separated by commas or 、.
    #[serde(default)]
    pub units: String,
    /// YYYY-MM-DD: the day each must have studied it by.
    #[serde(default)]
    pub due: String,
    /// parent (the level above each owner, the default) or office.
    #[serde(default)]
    pub reviewer: String,
}

impl DocInput {
    /// The fields of a multipart form.
    pub fn from_values(v: &std::collections::HashMap<String, String>) -> DocInput {
        let get = |k: &str| v.get(k).cloned().unwrap_or_default();
        DocInput { title: get("title"), body: get("body"), item: get("item"), owners: get("owners"), units: get("units"), due: get("due"), reviewer: get("reviewer") }
    }
}

/// Publishes a document with its files (at most 10); returns its id and the tasks made.
pub async fn publish(s: &AppState, scope: &Scope, input: &DocInput, files: Vec<File>, mut errors: FieldErrors) -> AppResult<(i64, i64)> {
    pacesetter_store::scope::office_only(scope)?;
    let day = today();
    let read = sd::read(
        &Fields { title: &input.title, body: &input.body, item: &input.item, owners: &input.owners, units: &input.units, due: &input.due, reviewer: &input.reviewer },
        day,
    );
    if files.len() > 10 {
        errors.add("files", "最多上传 10 个文件", "At most 10 files");
    }
    let doc = match read {
        Ok(d) if errors.is_empty() => d,
        Ok(_) => return Err(AppError::invalid(errors)),
        Err(e) => {
            errors.0.extend(e.0);
            return Err(AppError::invalid(errors));
        }
    };
    let files = files.into_iter().map(|f| NewDocFile { name: f.filename, content_type: f.kind.content_type().to_string(), data: f.data }).collect();
    let mut w = s.store.write().await?;
    let out = store::publish(&mut w, scope, &doc, files, day).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(out)
}

/// Every document published, newest first.
pub async fn list(s: &AppState) -> AppResult<Vec<DocRow>> {
    let mut c = s.store.read().await?;
    Ok(store::list(&mut c).await?)
}

/// A document's page: the document, its files, and its coverage within the caller's scope.
pub struct DocView {
    pub doc: DocRow,
    pub files: Vec<DocFile>,
    /// The dashboard of the document's template, from `node` or the top of the caller's reach
    /// (in the tree its owners sit in).
    pub coverage: Dashboard,
}

/// Units' documents roll up the administrative tree, the others the Party tree.
pub fn tree_of(owners: &Owners) -> &'static str {
    if matches!(owners, Owners::Units(_) | Owners::WindowUnits) { "unit" } else { "org" }
}

pub async fn view(s: &AppState, scope: &Scope, id: i64, node: Option<i64>, lang: Lang) -> AppResult<DocView> {
    let (doc, files) = {
        let mut c = s.store.read().await?;
        let doc = store::get(&mut c, id).await?;
        let files = store::files(&mut c, id).await?;
        (doc, files)
    };
    let q = DashboardQuery { tree: Some(tree_of(&doc.owners()).to_string()), node, template: Some(doc.template_id) };
    let coverage = campaigns::build(s, scope, CampaignId(doc.campaign_id), &q, lang).await?;
    Ok(DocView { doc, files, coverage })
}

pub async fn file(s: &AppState, id: i64) -> AppResult<(String, String, Vec<u8>)> {
    let mut c = s.store.read().await?;
    Ok(store::file(&mut c, id).await?)
}

/// A study-record task's part of its page: the document, the sessions its owner may name (for
/// those who hand it in) and the sessions its submissions named.
#[derive(Default)]
pub struct TaskStudy {
    pub doc: Option<DocRow>,
    pub choices: Vec<StudySession>,
    pub named: Vec<(i64, StudySession)>,
}

pub async fn for_task(s: &AppState, t: &TaskRow, may_submit: bool) -> AppResult<TaskStudy> {
    if t.deliverable() != Deliverable::Study {
        return Ok(TaskStudy::default());
    }
    let mut c = s.store.read().await?;
    let doc = store::of_template(&mut c, t.template_id).await?;
    let choices = if may_submit { store::sessions_for(&mut c, t, t.from_date).await? } else { Vec::new() };
    let named = store::named_sessions(&mut c, t.id).await?;
    Ok(TaskStudy { doc, choices, named })
}
