//! People: lists and exports through the caller's scope, a person's record, the changes to it
//! and to their memberships, activation codes, and the public directory.

use crate::error::{AppError, AppResult};
use crate::input::{self, Paging};
use crate::state::AppState;
use pacesetter_domain::Lang;
use pacesetter_domain::ids::{AccountId, OrgId, PersonId, UnitId};
use pacesetter_domain::people::PersonInput;
use pacesetter_domain::scope::{Access, Scope};
use pacesetter_store::people::{self, MembershipRow, PeopleFilter, PersonListRow, PersonRecord, Placement, PublicPerson};
use pacesetter_store::relation::{self, RelationRow};
use pacesetter_store::tree::Tree;
use pacesetter_store::{StoreError, account, activation};
use serde::{Deserialize, Serialize};
use time::Date;

/// The query string of the people list, its exports and the API's: ids are typed (text that is
/// not an id is refused rather than ignored, which would widen the list on a typo), the page is
/// read leniently. The page's class choice (`class_id`) narrows to that class.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct PeopleQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(default, deserialize_with = "input::opt_id", skip_serializing_if = "Option::is_none")]
    pub org_id: Option<OrgId>,
    #[serde(default, deserialize_with = "input::opt_id", skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<UnitId>,
    #[serde(default, deserialize_with = "input::opt_id", skip_serializing_if = "Option::is_none")]
    pub class_id: Option<UnitId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub political_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dev_stage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// talent, young_teacher, old_member or hardship (the member's file's groups).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_left: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_page: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

impl PeopleQuery {
    pub fn filter(&self) -> PeopleFilter {
        let text = |s: &Option<String>| input::text(s).map(str::to_string);
        PeopleFilter {
            q: text(&self.q),
            org_id: self.org_id.map(|o| o.0),
            unit_id: self.class_id.or(self.unit_id).map(|u| u.0),
            political_status: text(&self.political_status),
            dev_stage: text(&self.dev_stage),
            kind: text(&self.kind),
            role: text(&self.role),
            group: text(&self.group),
            include_left: matches!(input::text(&self.include_left), Some("true" | "1" | "on" | "yes")),
        }
    }

    pub fn paging(&self) -> Paging {
        Paging::from_query(self.page.as_deref(), self.per_page.as_deref())
    }

    /// The filters without the page, for an export's link.
    pub fn without_paging(&self) -> PeopleQuery {
        PeopleQuery { page: None, per_page: None, ..self.clone() }
    }
}

/// The public directory's query (`q`, part of a name), for the page and the API.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DirectoryQuery {
    #[serde(default)]
    pub q: Option<String>,
}

impl DirectoryQuery {
    pub fn text(&self) -> &str {
        self.q.as_deref().unwrap_or("")
    }
}

/// A page of the people in the caller's scope that the filter selects, and how many in all.
pub async fn list(state: &AppState, scope: &Scope, f: &PeopleFilter, offset: i64, limit: i64) -> AppResult<(Vec<PersonListRow>, i64)> {
    let mut c = state.store.read().await?;
    Ok(people::list(&mut c, scope, f, offset, limit).await?)
}

/// Every person in scope that matches, for an export (no paging).
pub async fn all_rows(state: &AppState, scope: &Scope, f: &PeopleFilter) -> AppResult<Vec<PersonListRow>> {
    Ok(list(state, scope, f, 0, 1_000_000).await?.0)
}

/// A person's record as the caller may see it, with their memberships and relation records.
pub struct Record {
    pub person: PersonRecord,
    pub access: Access,
    pub memberships: Vec<MembershipRow>,
    pub relations: Vec<RelationRow>,
}

pub async fn record(state: &AppState, scope: &Scope, id: PersonId) -> AppResult<Record> {
    let mut c = state.store.read().await?;
    let (person, access) = people::get(&mut c, scope, id).await?;
    let memberships = people::memberships(&mut c, scope, id).await?;
    let relations = relation::of_person(&mut c, id).await?;
    Ok(Record { person, access, memberships, relations })
}

/// A person's account as their page shows it.
pub struct AccountLine {
    pub username: String,
    pub activated: bool,
    pub code_until: Option<i64>,
    /// Why no code may be shown to the caller (it may still be mailed to the holder).
    pub withheld: Option<String>,
}

pub async fn account_line(state: &AppState, scope: &Scope, id: PersonId, lang: Lang) -> AppResult<Option<AccountLine>> {
    let mut c = state.store.read().await?;
    // The person must be in the caller's reach, whatever the page asked first.
    people::get(&mut c, scope, id).await?;
    Ok(match account::by_person(&mut c, id).await? {
        Some(a) => {
            let code_until = activation::pending(&mut c, AccountId(a.id)).await?;
            let withheld = activation::code_withheld(&mut c, scope, &a).await?.map(|t| t.get(lang).to_string());
            Some(AccountLine { activated: !a.password_hash.starts_with('!'), username: a.username, code_until, withheld })
        }
        None => None,
    })
}

/// Applies a partial change to a person: fields left out keep their value.
pub async fn update(state: &AppState, scope: &Scope, id: PersonId, patch: PersonInput) -> AppResult<()> {
    let mut w = state.store.write().await?;
    let (current, _) = people::get(&mut w, scope, id).await?;
    let base = current.fields().map(|f| PersonInput::from_fields(&f)).unwrap_or_default();
    let fields = base.overlay(patch).validate()?;
    // The development stage is the pipeline's; with a file, the political status too.
    let before = current.fields().ok().map(|b| (b.political_status, b.dev_stage));
    if before != Some((fields.political_status, fields.dev_stage)) {
        let has_file = !pacesetter_store::development::with_files(&mut w, &[id.0]).await?.is_empty();
        pacesetter_domain::development::direct_change(before, (fields.political_status, fields.dev_stage), has_file)
            .map_err(|(field, why)| AppError::invalid_field(field, &why.zh, &why.en))?;
    }
    people::update(&mut w, scope, id, &fields).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Adds a new person, placed in an organization or unit the caller may change.
pub async fn create(state: &AppState, scope: &Scope, input: PersonInput, at: Placement) -> AppResult<PersonId> {
    let fields = input.validate()?;
    pacesetter_domain::development::direct_change(None, (fields.political_status, fields.dev_stage), false)
        .map_err(|(field, why)| AppError::invalid_field(field, &why.zh, &why.en))?;
    let mut w = state.store.write().await?;
    let rec = people::create(&mut w, scope, &fields, &at, pacesetter_domain::dates::today()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(PersonId(rec.id))
}

pub fn parse_tree(s: &str) -> AppResult<Tree> {
    match s {
        "org" => Ok(Tree::Org),
        "unit" => Ok(Tree::Unit),
        _ => Err(AppError::bad_request("tree 应为 org 或 unit", "tree is org or unit")),
    }
}

/// Adds a membership (the caller reaches both the person and the place: see the store).
/// A move out of a member's branch is a transfer (组织关系转接): done at once, and recorded as one,
/// when the caller also runs the branch the member leaves; otherwise refused with the way to ask.
pub async fn add_membership(state: &AppState, scope: &Scope, id: PersonId, t: Tree, node: i64, role: &str, start: Date) -> AppResult<MembershipRow> {
    let mut w = state.store.write().await?;
    if t == Tree::Org {
        people::require_access(&mut w, scope, id, Access::Write).await?;
        if let Some((from, path)) = pacesetter_store::transfer::crosses(&mut w, id.0, node).await? {
            if scope.party_access(&path) != Some(Access::Write) {
                return Err(StoreError::conflict(
                    format!("此人的组织关系在“{from}”：请在“组织关系转接”中申请转入，由其所在党组织同意"),
                    format!("The person's Party relation is with \"{from}\": ask for a transfer, which their organization accepts"),
                )
                .into());
            }
            if start > pacesetter_domain::dates::today() {
                return Err(AppError::invalid_field("start_date", "转接日期不能晚于今天", "A transfer cannot be dated after today"));
            }
            pacesetter_store::transfer::move_now(&mut w, scope, id.0, node, role, start, "在人员页面调整组织关系").await?;
            let m = people::memberships(&mut w, scope, id).await?.into_iter().find(|m| m.tree == "org" && m.node_id == node && m.end_date.is_none()).ok_or(StoreError::NotFound)?;
            w.commit().await.map_err(StoreError::from)?;
            return Ok(m);
        }
    }
    let m = people::add_membership(&mut w, scope, id, t, node, role, start).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(m)
}

/// Ends a membership on a date with a reason.
pub async fn end_membership(state: &AppState, scope: &Scope, id: PersonId, t: Tree, membership: i64, on: Date, reason: &str) -> AppResult<MembershipRow> {
    let mut w = state.store.write().await?;
    // The person must be in scope at all before anything about their memberships is said.
    people::require_access(&mut w, scope, id, Access::Read).await?;
    let m = people::end_membership(&mut w, scope, id, t, membership, on, reason).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(m)
}

/// Records that a person has left: the record as it now stands, its memberships and relations.
pub async fn leave(state: &AppState, scope: &Scope, id: PersonId, on: Date, reason: &str) -> AppResult<(PersonRecord, Vec<MembershipRow>, Vec<RelationRow>)> {
    let mut w = state.store.write().await?;
    let (p, history) = people::mark_left(&mut w, scope, id, on, reason).await?;
    let rels = relation::of_person(&mut w, id).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok((p, history, rels))
}

/// Public fields of people whose name matches.
pub async fn directory(state: &AppState, q: &str, limit: i64) -> AppResult<Vec<PublicPerson>> {
    let mut c = state.store.read().await?;
    Ok(people::directory(&mut c, q, limit).await?)
}

/// A code issued: shown once to the secretary, unless it went by e-mail.
pub struct Activation {
    pub username: String,
    pub display_name: String,
    pub code: Option<String>,
    pub expires_ms: i64,
    pub mailed_to: Option<String>,
}

/// Issues an activation code for a person in the caller's write scope, and mails it when asked.
pub async fn issue_activation(state: &AppState, scope: &Scope, person: PersonId, mail: bool) -> AppResult<Activation> {
    if mail && !state.site.mail {
        return Err(AppError::new(
            axum::http::StatusCode::CONFLICT,
            "no_mail",
            "服务器未配置邮件发送，请打印激活码交给本人",
            "E-mail is not configured on this server: print the code and hand it over",
        ));
    }
    let (code, hash) = crate::auth::activation_code();
    let mut w = state.store.write().await?;
    let issued = pacesetter_store::activation::issue(&mut w, scope, person, &hash, mail).await?;
    if let Some(to) = &issued.email {
        let until = pacesetter_domain::dates::format_date(pacesetter_domain::dates::cst_date(issued.expires_ms), Lang::Zh);
        let body = format!(
            "{name}同志：\n\n您在创先争优平台的账号已开通。\n\n登录地址：{url}/login\n用户名：{user}\n激活码：{code}\n\n激活码仅可使用一次，{until}前有效。请在登录页以激活码作为密码登录，随后设置您自己的密码。\n如非本人，请忽略本邮件。\n\n{org}",
            name = issued.display_name,
            url = state.site.public_url,
            user = issued.username,
            org = "创先争优活动领导小组办公室"
        );
        pacesetter_store::outbox::enqueue(&mut w, to, "创先争优平台账号激活", &body).await?;
    }
    w.commit().await.map_err(StoreError::from)?;
    Ok(Activation {
        username: issued.username,
        display_name: issued.display_name,
        code: if mail { None } else { Some(code) },
        expires_ms: issued.expires_ms,
        mailed_to: issued.email,
    })
}

/// The people of a text of numbers (see `validate::numbers_of`), by id; a number no one on the
/// roster has is refused by name, against `field`.
pub async fn ids_of_numbers(c: &mut pacesetter_store::Conn, text: &str, field: &str) -> AppResult<Vec<i64>> {
    let (ids, unknown) = people::ids_by_numbers(c, &pacesetter_domain::validate::numbers_of(text)).await?;
    if !unknown.is_empty() {
        let list = unknown.join("、");
        return Err(AppError::invalid_field(field, &format!("名册中没有这些编号：{list}"), &format!("No one on the roster has these numbers: {list}")));
    }
    Ok(ids)
}
