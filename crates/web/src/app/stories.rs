//! Publicity (item 19) as use cases: a secondary organization writes a story of a model, of an
//! excellent member near them, or campaign news (Markdown, with photos checked by content and
//! stripped of EXIF), and hands it in; the office edits it and publishes it on a public page, or
//! returns it (or takes it down) with a reason; anyone reads the published ones, without an
//! account. The pages and the API are thin adapters over these.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::upload::{File, Kind as FileKind};
use pacesetter_domain::scope::{Access, Scope};
use pacesetter_domain::story::{self as sd, Actor, Kind, MAX_IMAGES, Move, State};
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::StoreError;
use pacesetter_store::story::{self as store, FileMeta, Filter, NewFile, StoryRow, Subject};
use pacesetter_store::tree::{self, Tree};
use serde::{Deserialize, Serialize};

/// A story as typed.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct StoryInput {
    /// model (先进典型), neighbour (我身边的优秀共产党员) or news (工作动态).
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    /// One or two sentences: what a shared link shows under the title.
    #[serde(default)]
    pub summary: String,
    /// Markdown (no raw HTML; links to http(s) and this site only).
    #[serde(default)]
    pub body: String,
    /// Who writes it (a new story only): `org:ID` (a secondary organization the caller keeps)
    /// or `office`.
    #[serde(default)]
    pub org: String,
    /// What it is about: `person:ID`, `org:ID`, `award:ID` (an award of the register), or empty.
    #[serde(default)]
    pub subject: String,
    /// The version the edit started from (an edit only).
    #[serde(default)]
    pub version: String,
    /// Images to remove, by id, separated by commas (an edit only).
    #[serde(default)]
    pub remove: String,
}

impl StoryInput {
    pub fn from_values(v: &std::collections::HashMap<String, String>) -> StoryInput {
        let get = |k: &str| v.get(k).cloned().unwrap_or_default();
        StoryInput {
            kind: get("kind"),
            title: get("title"),
            summary: get("summary"),
            body: get("body"),
            org: get("org"),
            subject: get("subject"),
            version: get("version"),
            remove: get("remove"),
        }
    }
}

fn subject_of(s: &str, errors: &mut FieldErrors) -> Subject {
    let s = s.trim();
    if s.is_empty() {
        return Subject::None;
    }
    let id = |v: &str| v.trim().parse::<i64>().ok().filter(|i| *i > 0);
    let parsed = match s.split_once(':') {
        Some(("person", v)) => id(v).map(Subject::Person),
        Some(("org", v)) => id(v).map(Subject::Org),
        Some(("award", v)) => id(v).map(Subject::Award),
        _ => None,
    };
    parsed.unwrap_or_else(|| {
        errors.add("subject", "宣传对象应为 person:编号、org:编号 或 award:编号", "The subject is person:ID, org:ID or award:ID");
        Subject::None
    })
}

/// The photos of a story as kept: JPEG and PNG only (already checked by content, EXIF gone).
fn photos(files: Vec<File>, room: usize, errors: &mut FieldErrors) -> Vec<NewFile> {
    if files.len() > room {
        errors.add("images", format!("每篇稿件最多 {MAX_IMAGES} 张图片"), format!("At most {MAX_IMAGES} images per story"));
    }
    let mut out = Vec::new();
    for f in files {
        match f.kind {
            FileKind::Jpeg | FileKind::Png => out.push(NewFile { name: f.filename, content_type: f.kind.content_type().to_string(), data: f.data }),
            _ => errors.add("images", format!("“{}”不是图片（仅限 JPEG、PNG）", f.filename), format!("\"{}\" is not an image (JPEG or PNG only)", f.filename)),
        }
    }
    out
}

fn draft(input: &StoryInput, mut errors: FieldErrors) -> AppResult<sd::Draft> {
    match sd::read(&input.kind, &input.title, &input.summary, &input.body) {
        Ok(d) if errors.is_empty() => Ok(d),
        Ok(_) => Err(AppError::invalid(errors)),
        Err(e) => {
            errors.0.extend(e.0);
            Err(AppError::invalid(errors))
        }
    }
}

/// Starts a story (a draft) with its photos; its id.
pub async fn create(s: &AppState, scope: &Scope, input: &StoryInput, files: Vec<File>, mut errors: FieldErrors) -> AppResult<i64> {
    let org = match input.org.trim() {
        "office" => None,
        o => match o.strip_prefix("org:").and_then(|v| v.parse::<i64>().ok()).filter(|i| *i > 0) {
            Some(id) => Some(id),
            None => {
                errors.add("org", "请选择撰稿的二级党组织", "Choose the secondary organization writing it");
                None
            }
        },
    };
    let subject = subject_of(&input.subject, &mut errors);
    let images = photos(files, MAX_IMAGES, &mut errors);
    let d = draft(input, errors)?;
    let mut w = s.store.write().await?;
    let id = store::create(&mut w, scope, org, subject, &d, images).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

/// Changes a story's text, subject and photos (from the version the editor started from).
pub async fn edit(s: &AppState, scope: &Scope, id: i64, input: &StoryInput, files: Vec<File>, mut errors: FieldErrors) -> AppResult<StoryRow> {
    let version = input.version.trim().parse::<i64>().ok();
    if version.is_none() {
        errors.add("version", "缺少稿件版本，请刷新后再改", "The story's version is missing; reload and edit again");
    }
    let mut remove = Vec::new();
    for v in input.remove.split(',').map(str::trim).filter(|v| !v.is_empty()) {
        match v.parse::<i64>() {
            Ok(i) => remove.push(i),
            Err(_) => errors.add("remove", "要删除的图片编号不对", "The images to remove are not ids"),
        }
    }
    remove.sort_unstable();
    remove.dedup();
    let subject = subject_of(&input.subject, &mut errors);
    let images = photos(files, MAX_IMAGES, &mut errors);
    let d = draft(input, errors)?;
    let mut w = s.store.write().await?;
    let row = store::edit(&mut w, scope, id, version.unwrap_or(0), subject, &d, images, &remove).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(row)
}

/// The writer hands a story in to the office.
pub async fn submit(s: &AppState, scope: &Scope, id: i64) -> AppResult<StoryRow> {
    let mut w = s.store.write().await?;
    let row = store::make_move(&mut w, scope, id, Move::Submit, None).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(row)
}

/// The office's move as typed: `publish`, or `return` with a comment (which takes a published
/// story down).
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct StoryReviewInput {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub comment: String,
}

pub async fn review(s: &AppState, scope: &Scope, id: i64, input: &StoryReviewInput) -> AppResult<StoryRow> {
    pacesetter_store::scope::office_only(scope)?;
    let (mv, comment) = sd::review(&input.action, &input.comment).map_err(AppError::invalid)?;
    let mut w = s.store.write().await?;
    let row = store::make_move(&mut w, scope, id, mv, comment.as_deref()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(row)
}

/// The list's filters as asked.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub page: Option<i64>,
}

pub const PER_PAGE: i64 = 20;

impl ListQuery {
    /// The filter; an unknown value is a 422.
    pub fn filter(&self) -> AppResult<Filter> {
        let opt = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
        let kind = match opt(&self.kind) {
            None => None,
            Some(k) => Some(Kind::parse(&k).ok_or_else(|| AppError::invalid_field("kind", "没有这个栏目", "No such column"))?),
        };
        let state = match opt(&self.state) {
            None => None,
            Some(st) => Some(State::parse(&st).ok_or_else(|| AppError::invalid_field("state", "没有这个状态", "No such state"))?),
        };
        Ok(Filter { kind, state })
    }

    pub fn page(&self) -> i64 {
        self.page.unwrap_or(1).clamp(1, 10_000)
    }
}

/// The stories the caller may read (`None`: a reader without an account sees the published
/// ones), a page of them newest first.
pub async fn list(s: &AppState, scope: Option<&Scope>, q: &ListQuery) -> AppResult<Vec<StoryRow>> {
    let f = q.filter()?;
    let mut c = s.store.read().await?;
    Ok(store::list(&mut c, scope, &f, PER_PAGE + 1, (q.page() - 1) * PER_PAGE).await?)
}

/// The stories waiting on someone that the caller may read: drafts, handed in, returned.
pub async fn unpublished(s: &AppState, scope: &Scope) -> AppResult<Vec<StoryRow>> {
    let mut c = s.store.read().await?;
    let mut rows = Vec::new();
    for st in [State::Submitted, State::Draft, State::Returned] {
        rows.extend(store::list(&mut c, Some(scope), &Filter { kind: None, state: Some(st) }, 200, 0).await?);
    }
    Ok(rows)
}

/// The organizations the caller may write for: `office` for the office, else the open secondary
/// organizations they keep.
pub async fn writing_orgs(s: &AppState, scope: &Scope) -> AppResult<Vec<(String, String)>> {
    if pacesetter_store::scope::office_only(scope).is_ok() {
        return Ok(vec![("office".to_string(), "创先办".to_string())]);
    }
    let mut c = s.store.read().await?;
    Ok(tree::all(&mut c, Tree::Org)
        .await?
        .into_iter()
        .filter(|n| n.depth == 1 && n.closed_on.is_none() && scope.party_access(&n.path) == Some(Access::Write))
        .map(|n| (format!("org:{}", n.id), n.name))
        .collect())
}

/// Whether the caller sees a story from inside: its writers, those above them, the office.
pub fn inside(scope: Option<&Scope>, row: &StoryRow) -> bool {
    scope.is_some_and(|sc| store::reads_unpublished(sc, row))
}

/// A story as its page shows it.
pub struct View {
    pub story: StoryRow,
    pub images: Vec<FileMeta>,
    /// The text rendered from its Markdown (safe to put into the page as it is).
    pub html: String,
    pub may_edit: bool,
    pub may_submit: bool,
    pub may_review: bool,
}

pub async fn view(s: &AppState, scope: Option<&Scope>, id: i64) -> AppResult<View> {
    let mut c = s.store.read().await?;
    let story = store::get(&mut c, scope, id).await?;
    let images = store::images(&mut c, id).await?;
    let html = crate::markdown::render(&story.body);
    let who = scope.and_then(|sc| store::actor(sc, &story));
    let office_written = story.source_org_id.is_none();
    let may_edit = who.is_some_and(|a| sd::may_edit(story.state(), a, office_written));
    let may_submit = who == Some(Actor::Writer) && sd::next(story.state(), Move::Submit, Actor::Writer, office_written).is_ok();
    // The office publishes what it may, and takes a published story down.
    let may_review = who == Some(Actor::Office) && (sd::next(story.state(), Move::Publish, Actor::Office, office_written).is_ok() || story.state() == State::Published);
    Ok(View { story, images, html, may_edit, may_submit, may_review })
}

pub async fn image(s: &AppState, scope: Option<&Scope>, id: i64) -> AppResult<(String, String, Vec<u8>)> {
    let mut c = s.store.read().await?;
    Ok(store::image(&mut c, scope, id).await?)
}
