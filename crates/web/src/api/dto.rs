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
    /// read or write, or public: the caller belongs to this node (or below it) without managing it, and
    /// sees its shape and head-counts only
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
    /// The public page of the newest published story about them (典型宣传).
    pub story: Option<String>,
}

impl From<pacesetter_store::people::PublicPerson> for PublicPersonDto {
    fn from(r: pacesetter_store::people::PublicPerson) -> PublicPersonDto {
        PublicPersonDto { id: r.id, name: r.name, org: r.org_label, unit: r.unit_label, story: r.story_id.map(|s| format!("/stories/{s}")) }
    }
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
    /// Current cadres (处级以上干部), and those linked to no class.
    pub cadres: i64,
    pub cadres_without_class: Vec<NamedId>,
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
    /// The action in words, in the caller's language.
    pub action_label: String,
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

// ---- Schemas of the OpenAPI document only ----------------------------------------------------

/// A day as the database rows serialize it: [year, day of the year] (1 January is day 1).
pub struct YearDay;

impl utoipa::PartialSchema for YearDay {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
        ArrayBuilder::new()
            .items(ObjectBuilder::new().schema_type(Type::Integer).format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int64))))
            .min_items(Some(2))
            .max_items(Some(2))
            .description(Some("[year, day of the year]: the day as its row serializes it"))
            .into()
    }
}

impl ToSchema for YearDay {}

/// A file part of a multipart upload.
pub struct FilePart;

impl utoipa::PartialSchema for FilePart {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new().schema_type(Type::String).content_media_type("application/octet-stream").description(Some("The file's bytes, with its file name")).into()
    }
}

impl ToSchema for FilePart {}

/// The multipart/form-data body of a roster upload.
#[derive(ToSchema)]
pub struct ImportUpload {
    /// The roster, .xlsx or .csv.
    #[schema(value_type = FilePart)]
    pub file: (),
    /// The Party organization the roster goes into (one of root_org, root_unit).
    pub root_org: Option<i64>,
    /// The unit the roster goes into.
    pub root_unit: Option<i64>,
}

/// The multipart/form-data body of a task's submission.
#[derive(ToSchema)]
pub struct TaskSubmission {
    /// Files handed in (repeat the part for several).
    #[schema(value_type = Vec<FilePart>)]
    pub files: (),
    /// The text handed in.
    pub body: Option<String>,
    /// The number handed in (a task that asks for one).
    pub number: Option<String>,
    /// The number of checklist items of the task.
    pub items: Option<i64>,
    /// The index of a checked item, from 0 (repeat the part for several).
    pub check: Option<Vec<i64>>,
    /// A study record's session: the id of a meeting the owner held and recorded since the
    /// document was published.
    pub meeting: Option<i64>,
}

// ---- Campaigns, tasks, reviews and notifications ----------------------------------------------

/// A campaign (its plan's source stays on the server).
#[derive(ToSchema)]
pub struct CampaignDto {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub year: i64,
    pub office_unit_id: Option<i64>,
    /// The SHA-256 of the plan as uploaded.
    pub plan_sha256: String,
    /// active or archived
    pub state: String,
    /// Milliseconds since 1970.
    pub created_ms: i64,
    pub closed_ms: Option<i64>,
}

/// A task in a list: what is owed, by when, and what the caller may do with it.
#[derive(Serialize, ToSchema)]
pub struct TaskLineDto {
    pub id: i64,
    pub campaign_id: i64,
    pub template_id: i64,
    pub code: String,
    pub item: Option<i64>,
    pub title: String,
    /// The owner's name.
    pub owner: String,
    pub org_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub person_id: Option<i64>,
    /// open, submitted, returned or accepted
    pub state: String,
    /// The date in force (an extension or a resubmission's date when there is one).
    pub due: Option<String>,
    pub wording: Option<String>,
    pub days_left: Option<i64>,
    pub overdue: bool,
    pub late: bool,
    pub first_submitted: Option<String>,
    pub extended_due: Option<String>,
    pub resubmit_due: Option<String>,
    pub can_submit: bool,
    pub can_review: bool,
}

/// A submission of a task.
#[derive(ToSchema)]
pub struct SubmissionDto {
    pub id: i64,
    pub body: Option<String>,
    pub number_value: Option<String>,
    /// The checked items, as a JSON array of booleans.
    pub checklist_json: Option<String>,
    pub submitted_by: String,
    pub submitted_ms: i64,
}

/// A file handed in with a submission (download it from /attachments/{id}).
#[derive(ToSchema)]
pub struct AttachmentDto {
    pub id: i64,
    pub submission_id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

/// A reviewer's decision on a task.
#[derive(ToSchema)]
pub struct TaskReviewDto {
    /// accept, return or extend
    pub action: String,
    pub comment: Option<String>,
    #[schema(value_type = Option<YearDay>)]
    pub new_due: Option<()>,
    pub reviewer: String,
    pub at_ms: i64,
}

/// A task with its history.
#[derive(Serialize, ToSchema)]
pub struct TaskDetailDto {
    #[serde(flatten)]
    pub line: TaskLineDto,
    #[schema(value_type = Vec<SubmissionDto>)]
    pub submissions: Vec<pacesetter_store::task::SubmissionRow>,
    #[schema(value_type = Vec<AttachmentDto>)]
    pub files: Vec<pacesetter_store::task::AttachmentMeta>,
    #[schema(value_type = Vec<TaskReviewDto>)]
    pub reviews: Vec<pacesetter_store::task::ReviewRow>,
    /// A study-record task's document (`/api/v1/study/{id}`).
    pub study_doc: Option<i64>,
    /// The study sessions its submissions named.
    pub study_sessions: Vec<StudySessionDto>,
}

/// A meeting a study record named as its study session.
#[derive(Serialize, ToSchema)]
pub struct StudySessionDto {
    pub submission_id: i64,
    pub meeting_id: i64,
    pub kind: String,
    pub topic: String,
    pub on_day: String,
    pub present: i64,
    pub expected: i64,
}

#[derive(Serialize, ToSchema)]
pub struct BatchResultDto {
    /// How many tasks were decided.
    pub done: usize,
    /// Why each of the others was not, in the caller's language.
    pub failed: Vec<String>,
}

/// Counts of a group of tasks.
#[derive(ToSchema)]
pub struct FactsDto {
    pub total: i64,
    pub open: i64,
    pub submitted: i64,
    pub returned: i64,
    pub accepted: i64,
    pub overdue: i64,
    /// Open or returned, due within a week.
    pub due_soon: i64,
    pub late: i64,
}

/// One row of a dashboard.
#[derive(Serialize, ToSchema)]
pub struct DashRowDto {
    pub name: String,
    #[schema(value_type = FactsDto)]
    pub facts: pacesetter_store::dashboard::Facts,
    /// Percent accepted, to one decimal.
    pub completion: f64,
    /// The API address of the tasks behind the row.
    pub tasks: String,
}

#[derive(Serialize, ToSchema)]
pub struct DashboardDto {
    /// The node rolled up below (none for the caller's whole scope).
    pub node: Option<NamedId>,
    pub total: DashRowDto,
    pub by_item: Vec<DashRowDto>,
    pub by_child: Vec<DashRowDto>,
}

/// A notification.
#[derive(ToSchema)]
pub struct NotificationDto {
    pub id: i64,
    pub kind: String,
    pub task_id: Option<i64>,
    /// The page it opens (a task's, a problem's, ...).
    pub href: Option<String>,
    pub zh: String,
    pub en: String,
    pub created_ms: i64,
    pub read_ms: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationsDto {
    pub unread: i64,
    /// The latest 200, newest first.
    #[schema(value_type = Vec<NotificationDto>)]
    pub items: Vec<pacesetter_store::notify::NotificationRow>,
}

// ---- Commitments --------------------------------------------------------------------------------

/// A commitment task the caller owes, with the ids of its commitments.
#[derive(Serialize, ToSchema)]
pub struct OwedCommitmentsDto {
    pub task_id: i64,
    /// person, org or unit
    pub owner_kind: String,
    pub owner_name: String,
    pub task_state: String,
    pub commitments: Vec<i64>,
}

/// A commitment's satisfaction figures from its evaluation: shown, or not (under the minimum of
/// an anonymous evaluation, or not evaluated).
#[derive(Serialize, ToSchema)]
pub struct CommitmentRateDto {
    pub shown: bool,
    /// When not shown: whether it is for having too few answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub under_minimum: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub satisfied: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fairly: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dissatisfied: Option<u64>,
    /// Valid answers (the three above together).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid: Option<u64>,
    /// The rate as shown, such as 95.00%.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CommitmentDto {
    pub id: i64,
    pub task_id: i64,
    /// person, org or unit
    pub owner_kind: String,
    pub owner_name: String,
    /// The organization whose board shows it.
    pub org_id: Option<i64>,
    pub org_name: Option<String>,
    pub requirement_id: Option<i64>,
    pub category: String,
    pub content: String,
    pub measures: String,
    pub target: String,
    pub due: String,
    /// draft, under_review, returned, approved, in_progress or fulfilled
    pub state: String,
    pub percent: i64,
    pub version: i64,
    pub amendment_pending: bool,
    pub overdue: bool,
    pub late: bool,
    pub rate: CommitmentRateDto,
}

// ---- Surveys: their shapes are in api::surveys and api::samples ---------------------------------

// ---- Selections and appraisals ----------------------------------------------------------------------

/// A candidate on the ballot.
#[derive(Serialize, ToSchema)]
pub struct CandidateDto {
    pub id: i64,
    pub name: String,
    /// person, org or unit
    pub kind: String,
}

/// Where the caller stands in a ballot.
#[derive(ToSchema)]
pub struct MyBallotDto {
    pub in_electorate: bool,
    pub voted: bool,
}

/// A selection's result, each part as far as the caller may see it (null otherwise).
#[derive(Serialize, ToSchema)]
pub struct SelectionResultDto {
    /// [nomination id, votes], best first (a ballot).
    #[schema(value_type = Option<Vec<Vec<i64>>>)]
    pub votes: Option<Vec<(i64, u64)>>,
    /// [nomination id, score as text such as "92.50"], best first (a selection by scores).
    #[schema(value_type = Option<Vec<Vec<serde_json::Value>>>)]
    pub scores: Option<Vec<(i64, String)>>,
    pub selected: Option<Vec<i64>>,
    /// Those who moved up because a selected candidate was disqualified.
    pub moved_up: Option<Vec<i64>>,
    /// Tied across the line and not yet ordered by a decision.
    pub tie_at_line: Option<Vec<i64>>,
}

#[derive(Serialize, ToSchema)]
pub struct SelectionDto {
    pub id: i64,
    pub title: String,
    pub category: String,
    pub quota: i64,
    pub stage: String,
    pub nominate_until: String,
    pub vote_from: String,
    pub vote_until: String,
    pub eligibility_hash: Option<String>,
    pub electorate_hash: Option<String>,
    pub electorate_size: i64,
    /// How many have voted.
    pub took_part: usize,
    /// The names of those who voted, once counted, to whoever may see the totals.
    pub voters: Option<Vec<String>>,
    pub notice_from: Option<String>,
    pub notice_until: Option<String>,
    #[schema(value_type = MyBallotDto)]
    pub me: pacesetter_store::selection::MyBallot,
    /// The eligible candidates, from the vote on.
    pub candidates: Vec<CandidateDto>,
    pub result: Option<SelectionResultDto>,
    /// The turnout against the category's minimum, printed with every result (none when
    /// nobody votes: an appraisal alone).
    pub turnout: Option<TurnoutDto>,
    /// Why the office closed the vote below its minimum turnout: then nothing was counted,
    /// `result` stays empty and nobody is selected.
    pub turnout_reason: Option<String>,
    /// For the 十佳 of the study model points: the nominated organizations' points, with their
    /// milestones, reports and mean inspection score.
    pub study_points: Vec<super::study_points::StudyPointDto>,
    /// The activities nominations carry as evidence (those the caller sees in full).
    pub nominated_activities: Vec<super::selections::NominatedActivityDto>,
    /// Each person nominee's part in the last twelve months' activities (those the caller sees in
    /// full).
    pub participation: Vec<super::selections::NomineeParticipationDto>,
}

/// Ballots (or score sheets) cast against the electorate and the minimum for a count.
#[derive(Serialize, ToSchema)]
pub struct TurnoutDto {
    /// body (a defined electorate: more than half must take part) or open (no minimum).
    pub kind: String,
    pub cast: u64,
    pub electorate: u64,
    /// The fewest ballots for a valid count (0: no minimum).
    pub minimum: u64,
    pub met: bool,
    /// The share that took part, such as "0.9%".
    pub percent: String,
    /// The turnout in words, in the caller's language.
    pub text: String,
}

/// An anchor of the audit chain: keep a copy off the server.
#[derive(Serialize, ToSchema)]
pub struct AnchorDto {
    pub id: i64,
    /// The number of the latest entry.
    pub seq: i64,
    /// The latest entry's hash.
    pub hash: String,
    /// When it was recorded (RFC 3339, China Standard Time).
    pub recorded: String,
    /// Who recorded it.
    pub by: String,
}

/// A file kept with a record (a document to study's, a notice's, a library entry's).
#[derive(Serialize, ToSchema)]
pub struct KeptFileDto {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// Where to download it.
    pub href: String,
}

/// A kept file as the API gives it, downloaded under `base` (`/study/files` and the like).
pub fn kept_file_dto(f: &pacesetter_store::attachments::FileMeta, base: &str) -> KeptFileDto {
    KeptFileDto { id: f.id, name: f.name.clone(), content_type: f.content_type.clone(), size: f.size, sha256: f.sha256.clone(), href: format!("{base}/{}", f.id) }
}
