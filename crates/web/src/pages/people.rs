//! People: the list with filters, paging and exports; a person's record and history; the
//! forms to add, edit, place and record leaving; the public directory.

use super::{FormState, Layout, Pager, render, render_status, see_other, wechat_download};
use crate::app::people::{self as app, AccountLine, DirectoryQuery, PeopleQuery, parse_tree};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::export;
use crate::input::{self, Fields, Paging, Params, date_or_today, values_of};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use pacesetter_domain::Lang;
use pacesetter_domain::ids::{OrgId, PersonId, UnitId};
use pacesetter_domain::org::Post;
use pacesetter_domain::people::{CadreRank, DevStage, PersonInput, PersonKind, PoliticalStatus, mask_id_number};
use pacesetter_domain::scope::{Access, Scope};
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::people::{MembershipRow, PersonListRow, PersonRecord, Placement, PublicPerson, ROLE_FILTERS};
use pacesetter_store::relation::RelationRow;
use pacesetter_store::tree::{Node, Tree};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Choices of the forms and filters, in the caller's language.
pub struct Options {
    pub statuses: Vec<(&'static str, String)>,
    pub stages: Vec<(&'static str, String)>,
    pub ranks: Vec<(&'static str, String)>,
    pub kinds: Vec<(&'static str, String)>,
    pub roles: Vec<(&'static str, String)>,
    /// The member's file's groups (hardship only for the Party side).
    pub groups: Vec<(&'static str, String)>,
    pub posts: Vec<(&'static str, String)>,
    pub orgs: Vec<(i64, String)>,
    pub units: Vec<(i64, String)>,
    pub classes: Vec<(i64, String)>,
}

fn role_filter_label(code: &str, lang: Lang) -> String {
    match code {
        "secretary" => lang.t("书记", "Secretaries"),
        "committee" => lang.t("支委/委员", "Committee members"),
        "cadre" => lang.t("处级以上干部", "Cadres"),
        "cadre_linked" => lang.t("联系班级的干部", "Cadres linked to a class"),
        "contact" => lang.t("支部联系人", "Branch contact persons"),
        "unit_head" => lang.t("单位负责人", "Unit heads"),
        _ => code,
    }
    .to_string()
}

use crate::app::tree::choices;

/// The options, with organizations and units limited to those the caller reaches with `min`.
pub async fn options(state: &AppState, scope: &Scope, lang: Lang, min: Access) -> AppResult<Options> {
    let (orgs, _) = crate::app::tree::all(state, Tree::Org).await?;
    let (units, _) = crate::app::tree::all(state, Tree::Unit).await?;
    let org_ok = |n: &Node| n.closed_on.is_none() && scope.org_access(&n.path).is_some_and(|a| a >= min);
    let unit_ok = |n: &Node| n.closed_on.is_none() && scope.unit_access(&n.path).is_some_and(|a| a >= min);
    Ok(Options {
        statuses: PoliticalStatus::ALL.iter().map(|s| (s.code(), s.label(lang).to_string())).collect(),
        stages: DevStage::ALL.iter().map(|s| (s.code(), s.label(lang).to_string())).collect(),
        ranks: CadreRank::ALL.iter().map(|s| (s.code(), s.label(lang).to_string())).collect(),
        kinds: PersonKind::ALL.iter().map(|s| (s.code(), s.label(lang).to_string())).collect(),
        roles: ROLE_FILTERS.iter().map(|r| (*r, role_filter_label(r, lang))).collect(),
        groups: crate::app::member_files::groups(scope, lang),
        posts: Post::ALL.iter().map(|p| (p.code(), p.label(lang).to_string())).collect(),
        orgs: choices(&orgs, |n| org_ok(n) && (min == Access::Write || n.kind != "group")),
        units: choices(&units, |n| unit_ok(n) && n.kind != "class"),
        classes: choices(&units, |n| unit_ok(n) && n.kind == "class"),
    })
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    l: Layout,
    f: FormState,
    o: Options,
    rows: Vec<PersonListRow>,
    pager: Pager,
    export_query: String,
    can_add: bool,
    /// The Party side and the leaders have the members' counts by group.
    structure: bool,
}

pub async fn index(State(s): State<AppState>, ctx: Ctx, Params(q): Params<PeopleQuery>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let p: Paging = q.paging();
    let (rows, total) = app::list(&s, scope, &q.filter(), p.offset(), p.limit()).await?;
    let o = options(&s, scope, ctx.lang, Access::Read).await?;
    let export_query = serde_urlencoded::to_string(q.without_paging()).unwrap_or_default();
    let pager = Pager::new(&input::pairs_of(&q), "/people", p.page, p.limit(), total);
    let f = FormState::with(ctx.lang, values_of(&q), FieldErrors::new());
    let can_add = !options(&s, scope, ctx.lang, Access::Write).await.map(|o| o.orgs.is_empty() && o.units.is_empty() && o.classes.is_empty()).unwrap_or(true);
    let structure = scope.is_office() || scope.has(pacesetter_domain::role::Role::Leader) || scope.own_org_paths(Access::Read).next().is_some();
    Ok(render(&PeoplePage { l: Layout::new(&ctx, ctx.t("人员", "People")), f, o, rows, pager, export_query, can_add, structure }))
}

pub async fn export_xlsx(State(s): State<AppState>, ctx: Ctx, Params(q): Params<PeopleQuery>) -> AppResult<Response> {
    if ctx.wechat {
        return Ok(wechat_download(&ctx));
    }
    let rows = app::all_rows(&s, &ctx.me()?.scope, &q.filter()).await?;
    export::people_xlsx(&rows, ctx.lang)
}

pub async fn export_csv(State(s): State<AppState>, ctx: Ctx, Params(q): Params<PeopleQuery>) -> AppResult<Response> {
    if ctx.wechat {
        return Ok(wechat_download(&ctx));
    }
    let rows = app::all_rows(&s, &ctx.me()?.scope, &q.filter()).await?;
    Ok(export::people_csv(&rows, ctx.lang))
}

#[derive(Template)]
#[template(path = "person_form.html")]
struct PersonFormPage {
    l: Layout,
    f: FormState,
    o: Options,
    action: String,
    new: bool,
}

/// The form of a new person or of a person's changes: the record's fields, and (for a new
/// person) where they go. Every field of the edit form is sent; an empty optional field clears it.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct PersonForm {
    #[serde(flatten)]
    pub person: PersonInput,
    #[serde(default, deserialize_with = "input::opt_id", skip_serializing_if = "Option::is_none")]
    pub org_id: Option<OrgId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post: Option<String>,
    #[serde(default, deserialize_with = "input::opt_id", skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<UnitId>,
    #[serde(default, deserialize_with = "input::opt_id", skip_serializing_if = "Option::is_none")]
    pub class_id: Option<UnitId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
}

/// The new-person form's choice of organization or unit, from the page it was opened on.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewPersonQuery {
    #[serde(default, deserialize_with = "input::opt_id")]
    pub org_id: Option<OrgId>,
    #[serde(default, deserialize_with = "input::opt_id")]
    pub unit_id: Option<UnitId>,
}

pub async fn new_form(State(s): State<AppState>, ctx: Ctx, Params(q): Params<NewPersonQuery>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let o = options(&s, scope, ctx.lang, Access::Write).await?;
    if o.orgs.is_empty() && o.units.is_empty() && o.classes.is_empty() {
        return Err(AppError::forbidden());
    }
    let mut f = FormState::new(ctx.lang);
    f.set("kind", "student");
    f.set("political_status", "03");
    if let Some(o) = q.org_id {
        f.set("org_id", o.to_string());
    }
    if let Some(u) = q.unit_id {
        f.set("unit_id", u.to_string());
    }
    Ok(render(&PersonFormPage { l: Layout::new(&ctx, ctx.t("新增人员", "Add a person")), f, o, action: "/people".into(), new: true }))
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Fields(form): Fields<PersonForm>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let mut pre = FieldErrors::new();
    let start = match input::text(&form.start_date) {
        Some(d) => match pacesetter_domain::validate::date(d) {
            Ok(d) => Some(d),
            Err(t) => {
                pre.0.push(pacesetter_domain::validate::FieldError { field: "start_date".into(), message: t });
                None
            }
        },
        None => None,
    };
    let at = Placement {
        org_id: form.org_id.map(|o| o.0),
        post: input::text(&form.post).map(str::to_string),
        unit_id: form.class_id.or(form.unit_id).map(|u| u.0),
        position: input::text(&form.position).map(str::to_string),
        start_date: start,
    };
    let result = if pre.is_empty() { app::create(&s, scope, form.person.clone(), at).await } else { Err(AppError::invalid(pre)) };
    match result {
        Ok(pid) => Ok(see_other(&format!("/people/{}?done=created", pid.0))),
        Err(e) if e.fields.is_some() || matches!(e.status, StatusCode::CONFLICT | StatusCode::FORBIDDEN) => {
            let mut errs = e.fields.clone().unwrap_or_default();
            if errs.is_empty() {
                errs.0.push(pacesetter_domain::validate::FieldError { field: "_".into(), message: e.message.clone() });
            }
            let o = options(&s, scope, ctx.lang, Access::Write).await?;
            let f = FormState::with(ctx.lang, values_of(&form), errs);
            Ok(render_status(e.status, &PersonFormPage { l: Layout::new(&ctx, ctx.t("新增人员", "Add a person")), f, o, action: "/people".into(), new: true }))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    l: Layout,
    account: Option<AccountLine>,
    mail: bool,
    p: PersonRecord,
    id_number: String,
    can_edit: bool,
    current: Vec<(MembershipRow, bool)>,
    past: Vec<MembershipRow>,
    relations: Vec<RelationRow>,
    o: Option<Options>,
    f: FormState,
    file: super::member_files::Facts,
}

impl PersonPage {
    fn withheld(&self) -> Option<&str> {
        self.account.as_ref().and_then(|a| a.withheld.as_deref())
    }
}

async fn person_page(s: &AppState, ctx: &Ctx, id: i64, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let r = app::record(s, scope, PersonId(id)).await?;
    let (p, access, ms, relations) = (r.person, r.access, r.memberships, r.relations);
    let account = app::account_line(s, scope, PersonId(id), ctx.lang).await?;
    let can_edit = access == Access::Write;
    let (current, past): (Vec<MembershipRow>, Vec<MembershipRow>) = ms.into_iter().partition(|m| m.end_date.is_none());
    let current = current
        .into_iter()
        .map(|m| {
            let t = if m.tree == "org" { Tree::Org } else { Tree::Unit };
            let w = t.access(scope, &m.node_path) == Some(Access::Write);
            (m, w)
        })
        .collect();
    let id_number = p.id_number.as_deref().map(|n| if can_edit { n.to_string() } else { mask_id_number(n) }).unwrap_or_default();
    let o = if can_edit && p.left_on.is_none() { Some(options(s, scope, ctx.lang, Access::Write).await?) } else { None };
    let file = super::member_files::facts(&crate::app::member_files::get(s, scope, PersonId(id)).await?, ctx.lang);
    Ok(render_status(status, &PersonPage { l: Layout::new(ctx, &p.name), account, mail: s.site.mail, p, id_number, can_edit, current, past, relations, o, f, file }))
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    person_page(&s, &ctx, id, FormState::new(ctx.lang), StatusCode::OK).await
}

pub async fn edit_form(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let r = app::record(&s, scope, PersonId(id)).await?;
    let (p, access) = (r.person, r.access);
    if access != Access::Write {
        return Err(AppError::forbidden());
    }
    let mut f = FormState::new(ctx.lang);
    f.set("name", p.name.clone());
    f.set("kind", p.kind.clone());
    f.set("number", p.number.clone());
    f.set("gender", p.gender.clone().unwrap_or_default());
    f.set("political_status", p.political_status.clone());
    f.set("dev_stage", p.dev_stage.clone().unwrap_or_default());
    f.set("cadre_rank", p.cadre_rank.clone().unwrap_or_default());
    f.set("email", p.email.clone().unwrap_or_default());
    f.set("phone", p.phone.clone().unwrap_or_default());
    f.set("id_number", p.id_number.clone().unwrap_or_default());
    let o = options(&s, scope, ctx.lang, Access::Write).await?;
    Ok(render(&PersonFormPage { l: Layout::new(&ctx, &format!("{} · {}", ctx.t("编辑", "Edit"), p.name)), f, o, action: format!("/people/{id}"), new: false }))
}

pub async fn update(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<PersonForm>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    match app::update(&s, scope, PersonId(id), form.person.clone()).await {
        Ok(()) => Ok(see_other(&format!("/people/{id}?done=saved"))),
        Err(e) if e.fields.is_some() || matches!(e.status, StatusCode::CONFLICT | StatusCode::FORBIDDEN) => {
            let mut errs = e.fields.clone().unwrap_or_default();
            if errs.is_empty() {
                errs.0.push(pacesetter_domain::validate::FieldError { field: "_".into(), message: e.message.clone() });
            }
            let o = options(&s, scope, ctx.lang, Access::Write).await?;
            let f = FormState::with(ctx.lang, values_of(&form), errs);
            Ok(render_status(e.status, &PersonFormPage { l: Layout::new(&ctx, ctx.t("编辑", "Edit")), f, o, action: format!("/people/{id}"), new: false }))
        }
        Err(e) => Err(e),
    }
}

/// Runs a change to a person's memberships; invalid input brings the page back with errors.
async fn membership_change(s: &AppState, ctx: &Ctx, id: i64, values: HashMap<String, String>, r: Result<(), AppError>, done: &str) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(see_other(&format!("/people/{id}?done={done}"))),
        Err(e) if e.fields.is_some() || matches!(e.status, StatusCode::CONFLICT | StatusCode::FORBIDDEN) => {
            let mut errs = e.fields.clone().unwrap_or_default();
            if errs.is_empty() {
                errs.0.push(pacesetter_domain::validate::FieldError { field: "_".into(), message: e.message.clone() });
            }
            person_page(s, ctx, id, FormState::with(ctx.lang, values, errs), e.status).await
        }
        Err(e) => Err(e),
    }
}

fn require_confirm(confirm: &Option<String>) -> Result<(), AppError> {
    if input::text(confirm).is_some() {
        return Ok(());
    }
    let mut e = FieldErrors::new();
    e.add("confirm", "请勾选确认框", "Tick the box to confirm");
    Err(AppError::invalid(e))
}

/// A new membership: the tree, the node in it (`org_id` or `unit_id`), the post or position,
/// and the start date.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct MembershipForm {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tree: Option<String>,
    #[serde(default, deserialize_with = "input::opt_id", skip_serializing_if = "Option::is_none")]
    pub org_id: Option<OrgId>,
    #[serde(default, deserialize_with = "input::opt_id", skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<UnitId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
}

pub async fn add_membership(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<MembershipForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let r = async {
        let t = parse_tree(input::text(&form.tree).unwrap_or(""))?;
        let node = if t == Tree::Org { form.org_id.map(|o| o.0) } else { form.unit_id.map(|u| u.0) };
        let node = node.ok_or_else(|| {
            let mut e = FieldErrors::new();
            e.add(if t == Tree::Org { "org_id" } else { "unit_id" }, "请选择组织或单位", "Choose an organization or unit");
            AppError::invalid(e)
        })?;
        let start = date_or_today("start_date", input::text(&form.start_date))?;
        let role = if t == Tree::Org { input::text(&form.post).unwrap_or("member").to_string() } else { input::text(&form.position).unwrap_or("").to_string() };
        app::add_membership(&s, &scope, PersonId(id), t, node, &role, start).await.map(|_| ())
    }
    .await;
    membership_change(&s, &ctx, id, values_of(&form), r, "saved").await
}

/// Ends a membership: the confirmation tick, the date and the reason.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct EndMembershipForm {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

pub async fn end_membership(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, tree_name, mid)): Path<(i64, String, i64)>,
    Fields(form): Fields<EndMembershipForm>,
) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let r = async {
        let t = parse_tree(&tree_name)?;
        require_confirm(&form.confirm)?;
        let on = date_or_today("end_date", input::text(&form.end_date))?;
        app::end_membership(&s, &scope, PersonId(id), t, mid, on, input::text(&form.reason).unwrap_or("")).await.map(|_| ())
    }
    .await;
    membership_change(&s, &ctx, id, values_of(&form), r, "ended").await
}

/// Records that a person has left: the confirmation tick, the date and the reason.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct LeaveForm {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leave_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leave_reason: Option<String>,
}

pub async fn leave(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<LeaveForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let r = async {
        require_confirm(&form.confirm)?;
        let on = date_or_today("leave_date", input::text(&form.leave_date))?;
        app::leave(&s, &scope, PersonId(id), on, input::text(&form.leave_reason).unwrap_or("")).await.map(|_| ())
    }
    .await;
    match r {
        // The person may now be beyond the caller's reach: go back to the list.
        Ok(()) => Ok(see_other("/people?done=left")),
        Err(e) => membership_change(&s, &ctx, id, values_of(&form), Err(e), "left").await,
    }
}

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage {
    l: Layout,
    q: String,
    rows: Vec<PublicPerson>,
}

pub async fn directory(State(s): State<AppState>, ctx: Ctx, Params(q): Params<DirectoryQuery>) -> AppResult<Response> {
    let rows = app::directory(&s, q.text(), 50).await?;
    Ok(render(&DirectoryPage { l: Layout::new(&ctx, ctx.t("查找人员", "Look someone up")), q: q.text().to_string(), rows }))
}

#[derive(Template)]
#[template(path = "activation.html")]
struct ActivationPage {
    l: Layout,
    a: app::Activation,
    login_url: String,
    person: i64,
}

/// Whether to mail the code (`mail` ticked) rather than show it.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ActivationForm {
    #[serde(default)]
    pub mail: Option<String>,
}

/// Issues an activation code and shows the slip to print (or says where it was mailed).
pub async fn activation(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<ActivationForm>) -> AppResult<Response> {
    let mail = input::text(&form.mail).is_some();
    let a = app::issue_activation(&s, &ctx.me()?.scope, PersonId(id), mail).await?;
    let login_url = format!("{}/login", s.site.public_url);
    Ok(render(&ActivationPage { l: Layout::new(&ctx, ctx.t("账号激活", "Account activation")), a, login_url, person: id }))
}
