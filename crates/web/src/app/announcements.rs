//! Notices (通知公告) as use cases: the office, or a secondary organization, publishes a notice
//! with files to the members (or the secretaries and committee members) of a part of the Party
//! tree; its recipients read it (the first reading is recorded); those who reach that part of
//! the tree see who has not read it, and export the receipts. The pages and the API are thin
//! adapters over these.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::upload::File;
use pacesetter_domain::announcement::{self as ad, MAX_FILES};
use pacesetter_domain::scope::{Access, Scope};
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::StoreError;
use pacesetter_store::announcement::{self as store, AnnouncementRow, FileMeta, ListRow, NewFile, Receipt, Standing};
use pacesetter_store::tree::{self, Node, Tree};
use serde::{Deserialize, Serialize};

/// A notice as typed.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct NoticeInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    /// members (the default) or secretaries.
    #[serde(default)]
    pub audience: String,
    /// The organization whose subtree receives it.
    #[serde(default)]
    pub audience_org_id: String,
    /// The secondary organization it is from; empty for the office.
    #[serde(default)]
    pub sender_org_id: String,
}

impl NoticeInput {
    pub fn from_values(v: &std::collections::HashMap<String, String>) -> NoticeInput {
        let get = |k: &str| v.get(k).cloned().unwrap_or_default();
        NoticeInput { title: get("title"), body: get("body"), audience: get("audience"), audience_org_id: get("audience_org_id"), sender_org_id: get("sender_org_id") }
    }
}

fn id_field(v: &str, field: &str, errors: &mut FieldErrors) -> Option<i64> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    match v.parse::<i64>() {
        Ok(id) if id > 0 => Some(id),
        _ => {
            errors.add(field, "请从列表中选择", "Choose from the list");
            None
        }
    }
}

/// Publishes a notice and tells its recipients; its id and how many received it.
pub async fn publish(s: &AppState, scope: &Scope, input: &NoticeInput, files: Vec<File>, mut errors: FieldErrors) -> AppResult<(i64, i64)> {
    let sender = id_field(&input.sender_org_id, "sender_org_id", &mut errors);
    let audience_org = id_field(&input.audience_org_id, "audience_org_id", &mut errors);
    if audience_org.is_none() && errors.get("audience_org_id").is_none() {
        errors.add("audience_org_id", "请选择通知范围内的党组织", "Choose the organization it goes to");
    }
    if files.len() > MAX_FILES {
        errors.add("files", format!("最多上传 {MAX_FILES} 个文件"), format!("At most {MAX_FILES} files"));
    }
    let draft = match ad::read(&input.title, &input.body, &input.audience) {
        Ok(d) if errors.is_empty() => d,
        Ok(_) => return Err(AppError::invalid(errors)),
        Err(e) => {
            errors.0.extend(e.0);
            return Err(AppError::invalid(errors));
        }
    };
    let files = files.into_iter().map(|f| NewFile { name: f.filename, content_type: f.kind.content_type().to_string(), data: f.data }).collect();
    let mut w = s.store.write().await?;
    let (id, n) = store::publish(&mut w, scope, sender, audience_org.unwrap_or(0), &draft, files).await?;
    store::tell(&mut w, id, &s.site.public_url).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok((id, n))
}

/// Who may send, and to where: the office (as itself, to any organization) and the secondary
/// organizations the caller changes (to their own subtree).
pub struct Choices {
    pub office: bool,
    pub senders: Vec<Node>,
    pub audiences: Vec<Node>,
}

impl Choices {
    pub fn may_send(&self) -> bool {
        self.office || !self.senders.is_empty()
    }
}

pub async fn choices(s: &AppState, scope: &Scope) -> AppResult<Choices> {
    let mut c = s.store.read().await?;
    let office = pacesetter_store::scope::office_only(scope).is_ok();
    let senders = store::senders(&mut c, scope).await?;
    let audiences = if office || !senders.is_empty() {
        tree::all(&mut c, Tree::Org)
            .await?
            .into_iter()
            .filter(|n| {
                n.closed_on.is_none() && n.kind != "group" && (office || senders.iter().any(|s| n.path.starts_with(&s.path))) && scope.org_access(&n.path) == Some(Access::Write)
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Choices { office, senders, audiences })
}

pub async fn list(s: &AppState, scope: &Scope) -> AppResult<Vec<ListRow>> {
    let mut c = s.store.read().await?;
    Ok(store::list(&mut c, scope, 200).await?)
}

/// A notice as its reader sees it: with its files, and the receipts for those who see them.
pub struct View {
    pub a: AnnouncementRow,
    pub standing: Standing,
    pub files: Vec<FileMeta>,
    pub receipts: Option<Vec<Receipt>>,
}

/// Opens a notice: a recipient's first opening records their reading.
pub async fn open(s: &AppState, scope: &Scope, id: i64) -> AppResult<View> {
    let (_, standing) = {
        let mut c = s.store.read().await?;
        store::get(&mut c, scope, id).await?
    };
    if standing.recipient {
        let mut w = s.store.write().await?;
        store::mark_read(&mut w, scope, id).await?;
        w.commit().await.map_err(StoreError::from)?;
    }
    let mut c = s.store.read().await?;
    let (a, standing) = store::get(&mut c, scope, id).await?;
    let files = store::files(&mut c, id).await?;
    let receipts = if standing.receipts != store::ReceiptsReach::None { Some(store::receipts(&mut c, scope, id).await?) } else { None };
    Ok(View { a, standing, files, receipts })
}

/// The receipts alone (who has read it, who has not), for those who see them.
pub async fn receipts(s: &AppState, scope: &Scope, id: i64) -> AppResult<(AnnouncementRow, Vec<Receipt>)> {
    let mut c = s.store.read().await?;
    let (a, _) = store::get(&mut c, scope, id).await?;
    let r = store::receipts(&mut c, scope, id).await?;
    Ok((a, r))
}

pub async fn file(s: &AppState, scope: &Scope, id: i64) -> AppResult<(String, String, Vec<u8>)> {
    let mut c = s.store.read().await?;
    Ok(store::file(&mut c, scope, id).await?)
}
