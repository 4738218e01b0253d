//! Roster imports: upload and preview, commit (all or nothing), discard.

use crate::error::{AppError, AppResult};
use crate::sheets;
use crate::state::AppState;
use axum::extract::Multipart;
use axum::http::StatusCode;
use pacesetter_domain::audit::sha256_hex;
use pacesetter_domain::dates::today;
use pacesetter_domain::ids::ImportId;
use pacesetter_domain::org::OrgKind;
use pacesetter_domain::roster::{Problem, parse_rows};
use pacesetter_domain::scope::{Access, Scope};
use pacesetter_domain::unit::UnitKind;
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::StoreError;
use pacesetter_store::roster::{self, ImportRow, Parsed, Plan};
use pacesetter_store::tree::{self, Tree};

/// What an upload form sends: the file and the root it covers.
#[derive(Default)]
pub struct UploadForm {
    pub filename: String,
    pub bytes: Vec<u8>,
    pub root_org: Option<i64>,
    pub root_unit: Option<i64>,
    /// Check only: run the whole load and undo it (a ledger's "trial").
    pub trial: bool,
}

/// Reads a multipart upload (the file part is named "file").
pub async fn read_upload(mut mp: Multipart) -> AppResult<UploadForm> {
    let mut form = UploadForm::default();
    let too_big = || {
        AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("文件超过 {} MB", sheets::MAX_UPLOAD / 1024 / 1024),
            format!("The file is larger than {} MB", sheets::MAX_UPLOAD / 1024 / 1024),
        )
    };
    while let Some(field) = mp.next_field().await.map_err(|_| too_big())? {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "file" => {
                form.filename = field.file_name().unwrap_or("roster").chars().filter(|c| !c.is_control()).take(200).collect();
                form.bytes = field.bytes().await.map_err(|_| too_big())?.to_vec();
            }
            "trial" => {
                let v = field.text().await.unwrap_or_default();
                form.trial = matches!(v.trim(), "1" | "on" | "true" | "yes");
            }
            "root_org" | "root_unit" => {
                let v = field.text().await.unwrap_or_default();
                let id = v.trim().parse::<i64>().ok();
                if name == "root_org" {
                    form.root_org = id;
                } else {
                    form.root_unit = id;
                }
            }
            _ => {}
        }
    }
    if form.bytes.is_empty() {
        let mut e = FieldErrors::new();
        e.add("file", "请选择要上传的文件", "Choose the file to upload");
        return Err(AppError::invalid(e));
    }
    Ok(form)
}

/// The file-level problems of an upload as a 422 listing them.
pub(crate) fn file_problems(problems: Vec<Problem>) -> AppError {
    let mut e = FieldErrors::new();
    for p in problems {
        let prefix_zh = if p.line > 0 { format!("第{}行：", p.line) } else { String::new() };
        let prefix_en = if p.line > 0 { format!("line {}: ", p.line) } else { String::new() };
        e.add("file", format!("{prefix_zh}{}", p.message.zh), format!("{prefix_en}{}", p.message.en));
    }
    AppError::invalid(e)
}

/// The roots the caller may import into, and a sensible default (their own organization and
/// its linked college).
pub async fn roots(s: &AppState, scope: &Scope) -> AppResult<(Vec<(i64, String)>, Vec<(i64, String)>, Option<i64>, Option<i64>)> {
    let mut c = s.store.read().await?;
    let orgs: Vec<_> =
        tree::all(&mut c, Tree::Org).await?.into_iter().filter(|n| n.closed_on.is_none() && n.kind != "group" && scope.org_access(&n.path) == Some(Access::Write)).collect();
    let units: Vec<_> = tree::all(&mut c, Tree::Unit)
        .await?
        .into_iter()
        .filter(|n| n.closed_on.is_none() && !matches!(UnitKind::parse(&n.kind), Some(UnitKind::Class | UnitKind::Window)) && scope.unit_access(&n.path) == Some(Access::Write))
        .collect();
    // The shallowest organization the caller holds, and the unit linked to it.
    let default_org = orgs.iter().min_by_key(|n| n.depth).filter(|n| OrgKind::parse(&n.kind) != Some(OrgKind::University) || scope.global().is_none());
    let default_unit = default_org.and_then(|o| o.linked_unit_id).or_else(|| if default_org.is_none() { units.iter().min_by_key(|n| n.depth).map(|n| n.id) } else { None });
    let default_org = default_org.map(|n| n.id);
    let orgs = crate::app::tree::with_full_paths(&mut c, Tree::Org, orgs.into_iter().map(|n| (n.id, n.name)).collect()).await?;
    let units = crate::app::tree::with_full_paths(&mut c, Tree::Unit, units.into_iter().map(|n| (n.id, n.name)).collect()).await?;
    Ok((orgs, units, default_org, default_unit))
}

/// The caller's latest imports (ten).
pub async fn recent(s: &AppState, scope: &Scope) -> AppResult<Vec<ImportRow>> {
    let mut c = s.store.read().await?;
    Ok(roster::recent(&mut c, scope, 10).await?)
}

/// Reads, checks and previews an upload; stores it for the commit.
pub async fn upload(state: &AppState, scope: &Scope, form: UploadForm) -> AppResult<(ImportId, Plan)> {
    let raw = sheets::read_roster(&form.bytes).map_err(file_problems)?;
    let (rows, problems) = parse_rows(&raw);
    let sha = sha256_hex(&form.bytes);
    let mut w = state.store.write().await?;
    let root = roster::root(&mut w, scope, form.root_org, form.root_unit).await?;
    let plan = roster::plan(&mut w, scope, &root, &rows, &problems).await?;
    let id = roster::save(&mut w, scope, &root, &form.filename, &sha, &Parsed { rows, problems }).await?;
    roster::set_preview(&mut w, id, &plan).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok((ImportId(id), plan))
}

/// Applies a previewed import, all or nothing.
pub async fn commit(state: &AppState, scope: &Scope, id: ImportId) -> AppResult<Plan> {
    let mut w = state.store.write().await?;
    let plan = commit_in(&mut w, scope, id).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(plan)
}

/// The import tried and undone, for the confirmation step: refused exactly as the import would
/// be, and otherwise what it would do, worked out against the roster as it is now.
pub async fn commit_trial(state: &AppState, scope: &Scope, id: ImportId) -> AppResult<(ImportRow, Plan)> {
    let mut w = state.store.write().await?;
    let plan = commit_in(&mut w, scope, id).await?;
    let row = roster::get(&mut w, scope, id.0).await?;
    w.rollback().await.map_err(StoreError::from)?;
    Ok((row, plan))
}

async fn commit_in(w: &mut pacesetter_store::Conn, scope: &Scope, id: ImportId) -> AppResult<Plan> {
    let row = roster::get(w, scope, id.0).await?;
    let parsed = roster::parsed(&row)?;
    if !parsed.problems.is_empty() {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "conflict",
            "名册仍有问题，不能导入；请修改文件后重新上传",
            "The roster still has problems and cannot be imported; fix the file and upload it again",
        ));
    }
    let root = roster::root(w, scope, row.root_org_id, row.root_unit_id).await?;
    let plan = roster::commit(w, scope, &root, &parsed.rows, today(), &row.file_sha256).await?;
    roster::finish(w, id.0, "committed", Some(&plan.counts)).await?;
    Ok(plan)
}

pub async fn discard(state: &AppState, scope: &Scope, id: ImportId) -> AppResult<()> {
    let mut w = state.store.write().await?;
    roster::get(&mut w, scope, id.0).await?;
    roster::finish(&mut w, id.0, "discarded", None).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// A stored import with its preview.
pub async fn load(state: &AppState, scope: &Scope, id: ImportId) -> AppResult<(ImportRow, Plan)> {
    let mut c = state.store.read().await?;
    let row = roster::get(&mut c, scope, id.0).await?;
    let plan = roster::preview(&row);
    Ok((row, plan))
}
