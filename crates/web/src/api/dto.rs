//! The JSON shapes of the API: the public contract, kept apart from the database rows so the
//! two can change separately. Codes are stored values; labels are in the caller's language.

use pacesetter_domain::Lang;
use pacesetter_domain::dates::iso;
use pacesetter_domain::role::{RelationKind, Role};
use pacesetter_store::tree::{Node, Tree};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct RoleDto {
    pub code: String,
    pub label: String,
}

impl RoleDto {
    pub fn new(r: Role, lang: Lang) -> RoleDto {
        RoleDto { code: r.code().into(), label: r.label(lang).into() }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReachDto {
    /// all, org, unit or person
    pub kind: String,
    /// The subtree's path, or the person's id.
    pub target: Option<String>,
    /// read or write
    pub access: String,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub person_id: Option<i64>,
    pub lang: String,
    pub must_change_password: bool,
    pub roles: Vec<RoleDto>,
    pub reaches: Vec<ReachDto>,
    /// Send as X-CSRF-Token with multipart uploads (JSON bodies need none).
    pub csrf_token: String,
    /// When an administrator last reset the password (until the holder changes it).
    pub password_reset: Option<String>,
    pub password_reset_by: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct LangRequest {
    /// zh or en
    pub lang: String,
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

#[derive(Serialize, ToSchema)]
pub struct NodeDto {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub kind_label: String,
    pub name: String,
    pub depth: i64,
    pub closed_on: Option<String>,
    /// A branch's category (Party tree only).
    pub category: Option<String>,
    /// The unit linked to a committee (Party tree only).
    pub linked_unit_id: Option<i64>,
    /// Current members directly in this node.
    pub members: i64,
}

impl NodeDto {
    pub fn new(tree: Tree, n: &Node, members: i64, lang: Lang) -> NodeDto {
        NodeDto {
            id: n.id,
            parent_id: n.parent_id,
            kind: n.kind.clone(),
            kind_label: tree.kind_label(&n.kind, lang),
            name: n.name.clone(),
            depth: n.depth,
            closed_on: n.closed_on.map(iso),
            category: n.category.clone(),
            linked_unit_id: n.linked_unit_id,
            members,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct NodeDetail {
    pub node: NodeDto,
    pub ancestors: Vec<NodeDto>,
    pub children: Vec<NodeDto>,
    /// read or write
    pub access: String,
    pub members_in_subtree: i64,
}

#[derive(Deserialize, ToSchema, Default)]
pub struct NodeChange {
    /// The kind of a new node (see the tree's kinds); ignored on a change.
    pub kind: Option<String>,
    pub name: Option<String>,
    pub category: Option<String>,
    pub linked_unit_id: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
pub struct MoveRequest {
    pub parent_id: i64,
}

#[derive(Deserialize, ToSchema, Default)]
pub struct DateRequest {
    /// 2012-03-15; today when left out.
    pub date: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct EndRequest {
    /// 2012-03-15; today when left out.
    pub date: Option<String>,
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct PersonSummary {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub number: String,
    pub gender: Option<String>,
    pub political_status: String,
    pub political_status_label: String,
    pub dev_stage: Option<String>,
    pub cadre_rank: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The current Party organization (branch · group).
    pub org: Option<String>,
    /// The current unit (college · class, office · window).
    pub unit: Option<String>,
    pub left_on: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PeoplePage {
    pub items: Vec<PersonSummary>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Serialize, ToSchema)]
pub struct MembershipDto {
    pub id: i64,
    /// org or unit
    pub tree: String,
    pub node_id: i64,
    pub node_name: String,
    pub node_kind: String,
    /// The post (Party tree) or position (administrative tree).
    pub role: Option<String>,
    pub start_date: String,
    pub end_date: Option<String>,
    pub end_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PersonDto {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub number: String,
    pub gender: Option<String>,
    pub political_status: String,
    pub political_status_label: String,
    pub dev_stage: Option<String>,
    pub cadre_rank: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// In full for callers who may change the record; masked for readers.
    pub id_number: Option<String>,
    pub left_on: Option<String>,
    /// read or write: what the caller may do with this record.
    pub access: String,
    pub memberships: Vec<MembershipDto>,
    pub relations: Vec<RelationDto>,
}

#[derive(Deserialize, ToSchema, Default)]
pub struct PersonChange {
    pub name: Option<String>,
    /// staff, student or retired
    pub kind: Option<String>,
    pub number: Option<String>,
    /// male or female
    pub gender: Option<String>,
    /// GB/T 4762 code (01..13) or its Chinese name
    pub political_status: Option<String>,
    /// applicant, activist or candidate; empty to clear
    pub dev_stage: Option<String>,
    pub cadre_rank: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub id_number: Option<String>,
}

impl PersonChange {
    pub fn into_input(self) -> pacesetter_domain::people::PersonInput {
        pacesetter_domain::people::PersonInput {
            name: self.name,
            kind: self.kind,
            number: self.number,
            gender: self.gender,
            political_status: self.political_status,
            dev_stage: self.dev_stage,
            cadre_rank: self.cadre_rank,
            email: self.email,
            phone: self.phone,
            id_number: self.id_number,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewPerson {
    #[serde(flatten)]
    pub fields: PersonChange,
    pub org_id: Option<i64>,
    pub post: Option<String>,
    pub unit_id: Option<i64>,
    pub position: Option<String>,
    pub start_date: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct NewMembership {
    /// org or unit
    pub tree: String,
    pub node_id: i64,
    /// A post code in the Party tree (member, secretary, ...); a position in a unit.
    pub role: Option<String>,
    pub start_date: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PublicPersonDto {
    pub id: i64,
    pub name: String,
    pub org: Option<String>,
    pub unit: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RelationDto {
    pub id: i64,
    pub kind: String,
    pub kind_label: String,
    pub person_id: i64,
    pub person_name: String,
    pub org_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub target_name: String,
    pub start_date: String,
    pub end_date: Option<String>,
}

impl RelationDto {
    pub fn new(r: &pacesetter_store::relation::RelationRow, lang: Lang) -> RelationDto {
        RelationDto {
            id: r.id,
            kind: r.kind.clone(),
            kind_label: RelationKind::parse(&r.kind).map(|k| k.label(lang).to_string()).unwrap_or_default(),
            person_id: r.person_id,
            person_name: r.person_name.clone(),
            org_id: r.org_id,
            unit_id: r.unit_id,
            target_name: r.target_name.clone(),
            start_date: iso(r.start_date),
            end_date: r.end_date.map(iso),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RelationPage {
    pub items: Vec<RelationDto>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct NewRelation {
    /// cadre_class, branch_contact or unit_head
    pub kind: String,
    pub person_id: i64,
    /// The class, branch or unit.
    pub target_id: i64,
    pub start_date: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct NamedId {
    pub id: i64,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct CoverageDto {
    pub classes: i64,
    pub classes_without_cadre: Vec<NamedId>,
    pub branches: i64,
    pub branches_without_contact: Vec<NamedId>,
    pub window_units: i64,
    pub window_units_without_head: Vec<NamedId>,
}

#[derive(Serialize, ToSchema)]
pub struct AccountPage {
    pub items: Vec<AccountDto>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct NewAccountRequest {
    pub username: String,
    /// Defaults to the person's name.
    pub display_name: Option<String>,
    pub person_id: Option<i64>,
    /// The initial password, which must be changed at first login.
    pub password: String,
}

#[derive(Deserialize, ToSchema)]
pub struct NewGrant {
    /// office, leader, admin, org_secretary or branch_secretary
    pub role: String,
    pub org_id: Option<i64>,
    pub start_date: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordReset {
    /// A temporary password the holder must change at the next login.
    pub password: String,
}

#[derive(Deserialize, ToSchema)]
pub struct Decision {
    pub approve: bool,
}

#[derive(Deserialize, ToSchema)]
pub struct TwoOfficeRequest {
    /// grant_auditor, grant_office, reset_password, disable, enable or end_grant
    pub action: String,
    /// The grant to end (end_grant).
    pub grant_id: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
pub struct OwnEmail {
    /// The address a reset's code goes to (accounts without a person); empty to clear.
    pub email: Option<String>,
    /// The holder's current password.
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntryDto {
    pub seq: i64,
    /// RFC 3339, China Standard Time.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub hash: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntryDto>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Serialize, ToSchema)]
pub struct VerifyDto {
    pub entries: u64,
    pub ok: bool,
    pub problem: Option<String>,
    pub last_hash: String,
}

pub use crate::app::accounts::{AccountDto, AuditorRequestDto, GrantDto};
pub use crate::labels::*;

#[derive(Serialize, ToSchema)]
pub struct ProblemDto {
    /// The line of the file (1 is the header; 0 for the file as a whole).
    pub line: i64,
    pub column: Option<String>,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct ImportDto {
    pub id: i64,
    /// previewed, committed or discarded
    pub state: String,
    pub filename: String,
    pub root_org_id: Option<i64>,
    pub root_unit_id: Option<i64>,
    /// rows, new, changed, moved, unchanged, leaving, problems
    #[schema(value_type = Object)]
    pub counts: serde_json::Value,
    /// The first problems, in line order.
    pub problems: Vec<ProblemDto>,
    /// The first rows that change something: line, number, name, action, changes.
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<serde_json::Value>,
    /// The first people who are in the import's scope but not in the file.
    #[schema(value_type = Vec<Object>)]
    pub leaving: Vec<serde_json::Value>,
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ActivationRequest {
    /// Send the code to the person's e-mail address instead of showing it.
    pub mail: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct ActivationDto {
    pub username: String,
    /// The one-time code, shown once (absent when it was mailed).
    pub code: Option<String>,
    pub expires: String,
    pub mailed_to: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct NewDelegation {
    /// The account of a member of the organization.
    pub account_id: i64,
    /// The last day the delegation holds (required, within a year).
    pub end_date: String,
}

#[derive(Serialize, ToSchema)]
pub struct DelegationDto {
    pub id: i64,
    pub account_id: i64,
    pub username: String,
    pub display_name: String,
    pub org_id: i64,
    pub org_name: String,
    pub start_date: String,
    pub end_date: Option<String>,
    pub granted_by: Option<String>,
}

impl DelegationDto {
    pub fn new(d: &pacesetter_store::account::DelegationRow) -> DelegationDto {
        DelegationDto {
            id: d.id,
            account_id: d.account_id,
            username: d.username.clone(),
            display_name: d.display_name.clone(),
            org_id: d.org_id,
            org_name: d.org_name.clone(),
            start_date: iso(d.start_date),
            end_date: d.end_date.map(iso),
            granted_by: d.granted_by.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MailDto {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// pending or failed
    pub state: String,
}

#[derive(Serialize, ToSchema)]
pub struct OutboxDto {
    pub sent: i64,
    pub pending: i64,
    pub failed: i64,
    pub undelivered: Vec<MailDto>,
}
