//! The route table: every route, its access rule, and (for the API) what it takes and gives.
//! It builds the router, the OpenAPI document, and drives the test that tries every scoped
//! route from outside its scope (axum cannot list its routes by itself).

use crate::state::AppState;
use crate::{api, ctx, pages};
use axum::http::Method;
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use pacesetter_domain::role::Role;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;
use utoipa::ToSchema;

/// Who may reach a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, without logging in.
    Public,
    /// Anyone holding a secret token in the URL (the route checks the token).
    Token,
    /// Anyone logged in; what they see is limited by their scope or is public fields only.
    LoggedIn,
    /// Logged in, and the record the route names must be in the caller's scope: a caller
    /// outside it gets 403 or 404 and no data.
    Scoped,
    /// Only these roles.
    Roles(&'static [Role]),
}

pub const ADMIN: &[Role] = &[Role::Admin];
pub const OFFICE: &[Role] = &[Role::Office, Role::Admin];
pub const ACCOUNT_OFFICES: &[Role] = &[Role::Admin, Role::Office];
pub const AUDITOR: &[Role] = &[Role::Auditor];
/// The office, and the auditor who recounts.
pub const OFFICE_AUDITOR: &[Role] = &[Role::Office, Role::Admin, Role::Auditor];

/// Registers a schema and the ones it refers to; returns its name.
pub type SchemaFn = fn(&mut Vec<(String, RefOr<Schema>)>) -> String;

pub fn schema<T: ToSchema>(all: &mut Vec<(String, RefOr<Schema>)>) -> String {
    all.push((T::name().into_owned(), T::schema()));
    T::schemas(all);
    T::name().into_owned()
}

/// What the OpenAPI document says of an API route.
#[derive(Clone, Copy, Default)]
pub struct ApiDoc {
    pub request: Option<SchemaFn>,
    pub response: Option<SchemaFn>,
    /// The response is a JSON array of `response`.
    pub list: bool,
    /// Query parameters: (name, description).
    pub query: &'static [(&'static str, &'static str)],
}

pub struct Route {
    pub method: Method,
    pub path: &'static str,
    /// Unique; the OpenAPI operationId and the key of the scope test's cases.
    pub name: &'static str,
    pub access: Access,
    pub summary: &'static str,
    pub api: Option<ApiDoc>,
    pub handler: MethodRouter<AppState>,
}

fn r(method: Method, path: &'static str, name: &'static str, access: Access, summary: &'static str, handler: MethodRouter<AppState>) -> Route {
    Route { method, path, name, access, summary, api: None, handler }
}

fn a(method: Method, path: &'static str, name: &'static str, access: Access, summary: &'static str, doc: ApiDoc, handler: MethodRouter<AppState>) -> Route {
    Route { method, path, name, access, summary, api: Some(doc), handler }
}

fn doc(request: Option<SchemaFn>, response: Option<SchemaFn>) -> ApiDoc {
    ApiDoc { request, response, list: false, query: &[] }
}

fn list(response: SchemaFn, query: &'static [(&'static str, &'static str)]) -> ApiDoc {
    ApiDoc { request: None, response: Some(response), list: true, query }
}

const PEOPLE_QUERY: &[(&str, &str)] = &[
    ("q", "part of a name, or the beginning of a staff or student number"),
    ("org_id", "people in this Party organization's subtree"),
    ("unit_id", "people in this unit's subtree (a class is a unit)"),
    ("political_status", "GB/T 4762 code, such as 01"),
    ("dev_stage", "applicant, activist or candidate"),
    ("kind", "staff, student or retired"),
    ("role", "secretary, committee, cadre, cadre_linked, contact or unit_head"),
    ("include_left", "true to include people who have left"),
    ("page", "page number, from 1"),
    ("per_page", "rows per page, at most 200"),
];

use api::dto::*;
use Method as M;

/// Every route of the server.
pub fn table() -> Vec<Route> {
    use Access::*;
    vec![
        // Public.
        r(M::GET, "/", "root", Public, "Home or login", get(pages::home::root)),
        r(M::GET, "/login", "login_form", Public, "Login page", get(pages::login::form)),
        r(M::POST, "/login", "login_submit", Public, "Log in", post(pages::login::submit)),
        r(M::POST, "/lang", "switch_lang", Public, "Switch the interface language", post(pages::login::switch_lang)),
        r(M::GET, "/static/{file}", "static_file", Public, "Style sheet and script", get(pages::assets::file)),
        r(M::GET, "/healthz", "healthz", Public, "Health and schema version", get(api::meta::healthz)),
        r(M::GET, "/api/openapi.json", "openapi", Public, "This API's OpenAPI 3 document", get(api::meta::openapi)),
        a(M::POST, "/api/v1/auth/login", "api_login", Public, "Log in; sets the session cookie", doc(Some(schema::<LoginRequest>), Some(schema::<Me>)), post(api::auth::login)),
        // Any logged-in user.
        r(M::POST, "/logout", "logout", LoggedIn, "Log out", post(pages::login::logout)),
        r(M::GET, "/password", "password_form", LoggedIn, "Change password page", get(pages::login::password_form)),
        r(M::POST, "/password", "password_submit", LoggedIn, "Change password", post(pages::login::password_submit)),
        r(M::POST, "/me/email", "own_email_submit", LoggedIn, "Record the address a reset's code goes to (accounts without a person), with the current password", post(pages::login::email_submit)),
        r(M::GET, "/home", "home", LoggedIn, "What I owe and what waits for me", get(pages::home::home)),
        r(M::GET, "/orgs", "orgs_index", LoggedIn, "The Party tree", get(pages::tree::orgs_index)),
        r(M::GET, "/units", "units_index", LoggedIn, "The administrative tree", get(pages::tree::units_index)),
        r(M::GET, "/people", "people_index", LoggedIn, "People in my scope", get(pages::people::index)),
        r(M::GET, "/people/export.xlsx", "people_export_xlsx", LoggedIn, "Export people in my scope to Excel", get(pages::people::export_xlsx)),
        r(M::GET, "/people/export.csv", "people_export_csv", LoggedIn, "Export people in my scope to CSV", get(pages::people::export_csv)),
        r(M::GET, "/people/new", "person_new", LoggedIn, "Form for a new person", get(pages::people::new_form)),
        r(M::POST, "/people", "person_create", LoggedIn, "Add a person", post(pages::people::create)),
        r(M::GET, "/directory", "directory", LoggedIn, "Look up people's public fields", get(pages::people::directory)),
        r(M::GET, "/import", "import_index", LoggedIn, "Upload a roster", get(pages::imports::index)),
        r(M::POST, "/import", "import_upload", LoggedIn, "Upload a roster for preview (multipart; into an organization or unit the caller may change)", post(pages::imports::upload)),
        r(M::GET, "/import/template.xlsx", "import_template", LoggedIn, "The roster template", get(pages::imports::template)),
        a(M::POST, "/api/v1/imports", "api_import_upload", LoggedIn, "Upload a roster (multipart: file, root_org, root_unit; X-CSRF-Token header) and get its preview", doc(None, Some(schema::<ImportDto>)), post(api::imports::api_upload)),
        a(M::POST, "/api/v1/auth/logout", "api_logout", LoggedIn, "Log out", doc(None, None), post(api::auth::logout)),
        a(M::GET, "/api/v1/me", "api_me", LoggedIn, "The caller's account, roles and scope", doc(None, Some(schema::<Me>)), get(api::auth::me)),
        a(M::PUT, "/api/v1/me/lang", "api_set_lang", LoggedIn, "Set the interface language", doc(Some(schema::<LangRequest>), Some(schema::<Me>)), axum::routing::put(api::auth::set_lang)),
        a(M::POST, "/api/v1/me/password", "api_change_password", LoggedIn, "Change the caller's password", doc(Some(schema::<PasswordChange>), None), post(api::auth::change_password)),
        a(M::PUT, "/api/v1/me/email", "api_own_email", LoggedIn, "Record the address a reset's code goes to (accounts without a person), with the current password", doc(Some(schema::<OwnEmail>), None), axum::routing::put(api::accounts::own_email)),
        a(M::GET, "/api/v1/orgs", "api_orgs", LoggedIn, "The Party tree (public fields)", list(schema::<NodeDto>, &[]), get(api::tree::orgs)),
        a(M::GET, "/api/v1/units", "api_units", LoggedIn, "The administrative tree (public fields)", list(schema::<NodeDto>, &[]), get(api::tree::units)),
        a(M::GET, "/api/v1/people", "api_people", LoggedIn, "People in the caller's scope, filtered and paged", ApiDoc { response: Some(schema::<PeoplePage>), query: PEOPLE_QUERY, ..Default::default() }, get(api::people::list)),
        a(M::GET, "/api/v1/people/export", "api_people_export", LoggedIn, "People in scope as .xlsx or CSV (format=xlsx|csv)", ApiDoc { query: PEOPLE_QUERY, ..Default::default() }, get(api::people::export)),
        a(M::POST, "/api/v1/people", "api_person_create", LoggedIn, "Add a person to an organization or unit in scope", doc(Some(schema::<NewPerson>), Some(schema::<PersonDto>)), post(api::people::create)),
        a(M::GET, "/api/v1/directory", "api_directory", LoggedIn, "Public fields of people whose name matches q", list(schema::<PublicPersonDto>, &[("q", "part of a name")]), get(api::people::directory)),
        // Campaigns and tasks (what anyone sees is limited by their scope).
        r(M::GET, "/campaigns", "campaigns_index", LoggedIn, "Campaigns, running and archived", get(pages::campaigns::index)),
        r(M::GET, "/campaigns/{id}", "campaign_page", LoggedIn, "A campaign's plan: phases, work items, task templates with their dates", get(pages::campaigns::show)),
        r(M::GET, "/campaigns/{id}/calendar", "campaign_calendar", LoggedIn, "A campaign's phases and milestones with its working days", get(pages::campaigns::calendar)),
        r(M::GET, "/campaigns/{id}/dashboard", "campaign_dashboard", LoggedIn, "Completion, late and overdue, rolled up the tree (within the caller's scope)", get(pages::campaigns::dashboard_page)),
        r(M::GET, "/campaigns/{id}/dashboard.xlsx", "campaign_dashboard_export", LoggedIn, "The dashboard as .xlsx", get(pages::campaigns::dashboard_export)),
        r(M::GET, "/tasks", "tasks_index", LoggedIn, "My tasks, or the tasks a filter selects (campaign, template, org, unit, state, flag)", get(pages::tasks::index)),
        r(M::GET, "/tasks/export.xlsx", "tasks_export", LoggedIn, "The same tasks as .xlsx", get(pages::tasks::export)),
        r(M::GET, "/reviews", "reviews_index", LoggedIn, "Submitted tasks waiting for the caller's decision", get(pages::tasks::reviews)),
        r(M::POST, "/reviews/batch", "reviews_batch", LoggedIn, "Accept or return several tasks (each checked on its own)", post(pages::tasks::batch)),
        r(M::GET, "/notifications", "notifications", LoggedIn, "My notifications and calendar feed", get(pages::tasks::notifications)),
        r(M::POST, "/feed", "feed_create", LoggedIn, "Create a calendar feed address (shown once)", post(pages::tasks::feed_create)),
        r(M::POST, "/feed/revoke", "feed_revoke", LoggedIn, "Revoke my calendar feed addresses", post(pages::tasks::feed_revoke)),
        r(M::GET, "/commitments", "commitments_index", LoggedIn, "My commitments to make, and those in my scope (filters: org, category, state, flag)", get(pages::commitments::index)),
        r(M::POST, "/commitments", "commitment_create", LoggedIn, "Make a commitment on a commitment task the caller owes (a draft, or handed in with submit=1)", post(pages::commitments::create)),
        r(M::POST, "/commitments/submit", "commitments_submit", LoggedIn, "Hand in drafts for review (ids)", post(pages::commitments::submit)),
        r(M::GET, "/commitments/review", "commitments_review", LoggedIn, "Commitments and amendments waiting for the caller's review", get(pages::commitments::review_queue)),
        r(M::POST, "/commitments/review", "commitments_review_batch", LoggedIn, "Approve or return commitments, one or a batch (ids, action, comment)", post(pages::commitments::review)),
        r(M::GET, "/commitments/coverage", "commitments_coverage", LoggedIn, "Who in the caller's scope (or below org) has not committed", get(pages::commitments::coverage)),
        r(M::GET, "/commitments/coverage/{file}", "commitments_coverage_export", LoggedIn, "The same list as export.xlsx or export.csv", get(pages::commitments::coverage_export)),
        r(M::POST, "/commitments/remind", "commitments_remind", LoggedIn, "Remind those in scope who have not committed (notification and e-mail)", post(pages::commitments::remind)),
        r(M::GET, "/commitments/requirements", "requirements_index", LoggedIn, "Requirements handed down, and the form to hand one down", get(pages::commitments::requirements)),
        r(M::POST, "/commitments/requirements", "requirement_create", LoggedIn, "Hand a requirement down to an organization the caller may change", post(pages::commitments::add_requirement)),
        r(M::GET, "/commitments/dashboard", "commitments_dashboard", LoggedIn, "Commitments rolled up: an organization's own figures beside each child's", get(pages::commitments::dashboard)),
        r(M::POST, "/commitments/evaluate", "commitments_evaluate", LoggedIn, "Start an evaluation survey of the approved commitments below an organization", post(pages::commitments::evaluate)),
        r(M::GET, "/commitments/export.xlsx", "commitments_export_xlsx", LoggedIn, "Commitments in scope as .xlsx (the list's filters)", get(pages::commitments::export_xlsx)),
        r(M::GET, "/commitments/export.csv", "commitments_export_csv", LoggedIn, "Commitments in scope as CSV (the list's filters)", get(pages::commitments::export_csv)),
        r(M::GET, "/commitments/evidence/{id}", "commitment_evidence", Scoped, "A file of evidence of a progress report", get(pages::commitments::evidence)),
        r(M::GET, "/commitments/{id}", "commitment_page", Scoped, "A commitment: its text, review, history, progress and rating", get(pages::commitments::show)),
        r(M::POST, "/commitments/{id}", "commitment_edit", Scoped, "Edit a draft, or ask to amend an approved commitment", post(pages::commitments::edit)),
        r(M::POST, "/commitments/{id}/progress", "commitment_progress", Scoped, "Report progress with evidence (multipart: day, percent, text, files)", post(pages::commitments::report)),
        a(M::GET, "/api/v1/commitments/mine", "api_commitments_mine", LoggedIn, "The commitment tasks the caller owes, with their commitments", doc(None, None), get(pages::commitments::api_mine)),
        a(M::GET, "/api/v1/commitments", "api_commitments", LoggedIn, "Commitments in the caller's scope (org, unit, category, state, flag)", ApiDoc { query: &[("org", "Party organization subtree"), ("unit", "unit subtree"), ("category", "category"), ("state", "draft, under_review, returned, approved, in_progress, fulfilled"), ("flag", "overdue or late")], ..Default::default() }, get(pages::commitments::api_list)),
        a(M::GET, "/api/v1/commitments/{id}", "api_commitment", Scoped, "One commitment with its satisfaction figures", doc(None, None), get(pages::commitments::api_get)),
        r(M::GET, "/appraisals", "appraisals_index", LoggedIn, "Appraisal rounds, and the office's form to start one", get(pages::appraisals::index)),
        r(M::POST, "/appraisals", "appraisal_create", Roles(OFFICE), "Start an appraisal round (windows, organizations, or members) with weights, criteria, scale and grades", post(pages::appraisals::create)),
        r(M::GET, "/appraisals/{id}", "appraisal_page", LoggedIn, "A round: the subjects the caller appraises, the results they may see, grades and follow-up cases", get(pages::appraisals::show)),
        r(M::GET, "/appraisals/{id}/subjects/{sid}", "appraisal_rate_form", LoggedIn, "The appraisal form of one subject, in the caller's group", get(pages::appraisals::rate_form)),
        r(M::POST, "/appraisals/{id}/subjects/{sid}", "appraisal_rate", LoggedIn, "Appraise a subject once (c<i>=value per criterion, comment)", post(pages::appraisals::rate)),
        r(M::POST, "/appraisals/{id}/grades/{sid}", "appraisal_grade", LoggedIn, "The branch records a member's grade (grade, reason where it differs from the advice)", post(pages::appraisals::grade)),
        r(M::POST, "/appraisals/{id}/tie", "appraisal_tie", Roles(OFFICE), "Order the subjects tied at the quota line (pos<subject id>=n) with a reason", post(pages::appraisals::tie)),
        r(M::POST, "/appraisals/{id}/cases/{cid}/close", "appraisal_case_close", LoggedIn, "Close a follow-up case with what was done", post(pages::appraisals::close_case)),
        r(M::GET, "/appraisals/{id}/audit.json", "appraisal_audit", Roles(OFFICE_AUDITOR), "The auditor's bundle: every rating without its rater (none of an anonymous group under 5), weights, scale, exact combined scores, the tie decision", get(pages::appraisals::audit_bundle)),
        r(M::GET, "/appraisals/{id}/{file}", "appraisal_export", LoggedIn, "The results the caller may see as results.xlsx or results.csv (with the office's tie decision and its reason)", get(pages::appraisals::export)),
        a(M::GET, "/api/v1/appraisals/{id}/results", "api_appraisal_results", LoggedIn, "A round's results as far as the caller may see them", doc(None, None), get(pages::appraisals::api_results)),
        r(M::GET, "/selections", "selections_index", LoggedIn, "Selections of the campaign, and the office's form to start one", get(pages::selections::index)),
        r(M::POST, "/selections", "selection_create", Roles(OFFICE), "Start a selection from an award category of the plan", post(pages::selections::create)),
        r(M::GET, "/selections/{id}", "selection_page", LoggedIn, "A selection: nominations, ballot, count, notice, objections, awards (each as the caller may see it)", get(pages::selections::show)),
        r(M::POST, "/selections/{id}/quotas", "selection_quotas", Roles(OFFICE), "Allocate quotas to the secondary organizations (q<org id>=n)", post(pages::selections::set_quotas)),
        r(M::POST, "/selections/{id}/nominations", "selection_nominate", LoggedIn, "Nominate (an organization below the caller's, or anyone for a mass nomination); multipart with evidence files, or urlencoded", post(pages::selections::nominate)),
        r(M::GET, "/selections/{id}/evidence/{eid}", "selection_evidence", LoggedIn, "A file of evidence of a nomination the caller may see", get(pages::selections::evidence_file)),
        r(M::POST, "/selections/{id}/nominations/{nid}/forward", "selection_forward", LoggedIn, "A secondary organization forwards a branch's recommendation within its quota", post(pages::selections::forward)),
        r(M::POST, "/selections/{id}/nominations/{nid}/review", "selection_review", Roles(OFFICE), "The eligibility review (decision=eligible|ineligible, note)", post(pages::selections::review)),
        r(M::GET, "/selections/{id}/nominations/{nid}/form.pdf", "selection_nomination_form", LoggedIn, "The recommendation and approval form (推荐审批表) of a candidate, as PDF", get(pages::selections::nomination_form)),
        r(M::POST, "/selections/{id}/open", "selection_open", Roles(OFFICE), "Open the ballot: freeze and fingerprint the candidates and the electorate", post(pages::selections::open)),
        r(M::POST, "/selections/{id}/vote", "selection_vote", LoggedIn, "Cast a secret ballot (choice=<nomination id>, up to the quota), once", post(pages::selections::vote)),
        r(M::POST, "/selections/{id}/score", "selection_score", LoggedIn, "A panel member hands in a score sheet (s<nomination id>=0..100; recused candidates left out), once", post(pages::selections::score)),
        r(M::POST, "/selections/{id}/close", "selection_close", Roles(OFFICE), "Close the ballot and count it (a panel needs its minimum of sheets per candidate; an appraisal round counted in closes with it)", post(pages::selections::close)),
        r(M::POST, "/selections/{id}/panel-minimum", "selection_panel_minimum", Roles(OFFICE), "Record a panel minimum of score sheets per candidate below 5 (2 at least), with the reason", post(pages::selections::panel_minimum)),
        r(M::POST, "/selections/{id}/tie", "selection_tie", Roles(OFFICE), "Order the candidates tied at the quota line (pos<id>=n) with a reason", post(pages::selections::tie)),
        r(M::POST, "/selections/{id}/publish", "selection_publish", Roles(OFFICE), "Put the result on public notice for the category's working days", post(pages::selections::publish)),
        r(M::POST, "/selections/{id}/objections", "selection_object", LoggedIn, "Object to a candidate on notice, with reasons (the office alone sees who)", post(pages::selections::object)),
        r(M::POST, "/selections/{id}/objections/{oid}/resolve", "selection_resolve", Roles(OFFICE), "Resolve an objection (decision=upheld|rejected, resolution); upheld: the next moves up", post(pages::selections::resolve)),
        r(M::POST, "/selections/{id}/approve", "selection_approve", Roles(OFFICE), "Final approval after the notice: the award register", post(pages::selections::approve)),
        r(M::GET, "/selections/{id}/audit.json", "selection_audit", Roles(OFFICE_AUDITOR), "The auditor's bundle: lists, fingerprints, shuffled ballots, rules, decisions, result", get(pages::selections::audit_bundle)),
        r(M::GET, "/selections/{id}/certificates.pdf", "selection_certificates", LoggedIn, "Every certificate of an approved selection, one page each", get(pages::selections::certificates)),
        r(M::GET, "/selections/{id}/commendation.pdf", "selection_commendation", LoggedIn, "The commendation list for the conference", get(pages::selections::commendation)),
        r(M::GET, "/selections/{id}/awards/{aid}/certificate.pdf", "award_certificate", LoggedIn, "One certificate", get(pages::selections::certificate_one)),
        r(M::GET, "/selections/{id}/{file}", "selection_export", LoggedIn, "nominations.xlsx|csv (推荐汇总表, those the caller may see) or results.xlsx|csv (the count, as far as the caller may see it)", get(pages::selections::export)),
        r(M::GET, "/awards", "awards_register", LoggedIn, "The award register of the campaign", get(pages::selections::register)),
        r(M::GET, "/awards/{file}", "awards_export", LoggedIn, "The award register as awards.xlsx or awards.csv", get(pages::selections::register_export)),
        a(M::GET, "/api/v1/selections/{id}", "api_selection", LoggedIn, "A selection's stage, candidates, the caller's ballot status and the result as far as the caller may see it", doc(None, None), get(pages::selections::api_get)),
        r(M::GET, "/boards/{org}", "board_page", Public, "An organization's public commitments board (logged in, or anyone once the office opens it)", get(pages::commitments::board)),
        r(M::GET, "/boards/{org}/poster.pdf", "board_pdf", Public, "The board as A4 PDF pages", get(pages::commitments::board_pdf)),
        r(M::POST, "/boards/settings", "board_settings", Roles(OFFICE), "Open the board to the public and choose its fields", post(pages::commitments::board_settings)),
        r(M::GET, "/surveys", "surveys_index", LoggedIn, "Surveys to answer, and those the caller runs", get(pages::surveys::index)),
        r(M::POST, "/surveys", "survey_create", LoggedIn, "Create a survey from a plan template or blank (the office, or a unit's manager for their unit)", post(pages::surveys::create)),
        r(M::GET, "/samples", "samples_index", LoggedIn, "Samples and spot checks", get(pages::samples::index)),
        r(M::POST, "/samples", "spot_check_create", LoggedIn, "Freeze the windows of a unit for a spot check (the office or the unit's manager)", post(pages::samples::create_spot_check)),
        r(M::GET, "/samples/{id}", "sample_page", Public, "A sample's public record: population hash, commitments, seeds, the pseudonyms drawn", get(pages::samples::show)),
        r(M::GET, "/samples/{id}/{file}", "sample_file", Public, "population.tsv or drawn.tsv of a sample", get(pages::samples::file)),
        r(M::POST, "/samples/{id}/commit", "sample_commit", LoggedIn, "Commit to a seed (the office, or the owning unit's manager)", post(pages::samples::commit)),
        r(M::POST, "/samples/{id}/reveal", "sample_reveal", LoggedIn, "Reveal a seed; the draw follows when both are in", post(pages::samples::reveal)),
        r(M::GET, "/me/pseudonym", "my_pseudonym", LoggedIn, "My pseudonym in sample records, and the samples I was drawn in", get(pages::samples::my_pseudonym)),
        r(M::GET, "/w/{id}", "window_page", Public, "A service window's public page: its unit's standards, open ratings, its QR code", get(pages::windows::show)),
        r(M::GET, "/w/{id}/rate", "window_rate", Public, "The rating page a window's QR code opens (invitees answer; others rate as advisory)", get(pages::windows::rate_form)),
        r(M::POST, "/w/{id}/rate", "window_rate_submit", Public, "An advisory rating without login: kept apart, rate-limited per address", post(pages::windows::rate_submit)),
        r(M::GET, "/w/{id}/qr.png", "window_qr", Public, "The QR code of a window's rating page", get(pages::windows::qr_png)),
        r(M::GET, "/w/{id}/poster.pdf", "window_poster", Public, "A printable A4 poster with the QR code", get(pages::windows::poster)),
        r(M::GET, "/s/{token}", "survey_link", Token, "The answer form behind a single-use link", get(pages::surveys::link_form)),
        r(M::POST, "/s/{token}", "survey_link_submit", Token, "Answer through a single-use link (spends it)", post(pages::surveys::link_submit)),
        a(M::POST, "/api/v1/s/{token}", "api_survey_link_answer", Token, "Answer through a single-use link: {target, answers}", doc(Some(schema::<pages::surveys::ResponseIn>), None), post(pages::surveys::api_link_answer)),
        r(M::GET, "/feed/{file}", "feed", Token, "iCalendar feed of the token holder's deadlines", get(pages::tasks::feed)),
        a(M::GET, "/api/v1/campaigns", "api_campaigns", LoggedIn, "Campaigns", doc(None, None), get(api::tasks::campaigns)),
        a(M::GET, "/api/v1/campaigns/{id}/dashboard", "api_campaign_dashboard", LoggedIn, "The dashboard of a campaign within the caller's scope", ApiDoc { query: &[("tree", "org or unit"), ("node", "the node to roll up below")], ..Default::default() }, get(api::tasks::dashboard)),
        a(M::GET, "/api/v1/tasks", "api_tasks", LoggedIn, "My tasks, or the tasks a filter selects", ApiDoc { query: &[("campaign", "campaign id"), ("template", "task template id"), ("org", "Party organization subtree"), ("unit", "unit subtree"), ("state", "open, submitted, returned, accepted"), ("flag", "overdue, late or review"), ("mine", "1 for the tasks I owe")], ..Default::default() }, get(api::tasks::list)),
        a(M::GET, "/api/v1/reviews", "api_reviews", LoggedIn, "Submitted tasks waiting for the caller's decision", doc(None, None), get(api::tasks::reviews)),
        a(M::POST, "/api/v1/reviews/batch", "api_reviews_batch", LoggedIn, "Accept or return several tasks: {ids, action, comment}", doc(None, None), post(api::tasks::batch)),
        a(M::GET, "/api/v1/notifications", "api_notifications", LoggedIn, "My notifications", doc(None, None), get(api::tasks::notifications)),
        // The campaign office: plans and dates.
        r(M::GET, "/surveys/{id}/paper", "survey_paper", Roles(OFFICE), "The keyboard-only entry of paper forms", get(pages::surveys::paper_form)),
        r(M::POST, "/surveys/{id}/paper", "survey_paper_submit", Roles(OFFICE), "Enter one paper form (its serial once)", post(pages::surveys::paper_submit)),
        r(M::POST, "/surveys/{id}/paper/issue", "survey_paper_issue", Roles(OFFICE), "Issue serial numbers for paper forms", post(pages::surveys::paper_issue)),
        r(M::GET, "/surveys/{id}/paper/print", "survey_paper_print", Roles(OFFICE), "Printable paper forms with their serial numbers", get(pages::surveys::paper_print)),
        r(M::POST, "/campaigns", "campaign_upload", Roles(OFFICE), "Upload a plan (multipart file; a changed plan is shown before it is applied with confirm=yes)", post(pages::campaigns::upload)),
        r(M::POST, "/campaigns/{id}/templates/{tid}/due", "template_due", Roles(OFFICE), "Move a task's due date (kept by later plan loads)", post(pages::campaigns::set_due)),
        r(M::POST, "/campaigns/{id}/close", "campaign_close", Roles(OFFICE), "Archive a campaign (read-only)", post(pages::campaigns::close)),
        r(M::POST, "/campaigns/{id}/remind", "campaign_remind", Roles(OFFICE), "Send the due-soon and overdue reminders now", post(pages::campaigns::remind)),
        // Scoped: the record named in the path must be in the caller's scope.
        r(M::GET, "/orgs/{id}", "org_page", Scoped, "A Party organization", get(pages::tree::org_page)),
        r(M::POST, "/orgs/{id}", "org_update", Scoped, "Rename an organization or change its category", post(pages::tree::org_update)),
        r(M::POST, "/orgs/{id}/children", "org_create_child", Scoped, "Add an organization below", post(pages::tree::org_create_child)),
        r(M::POST, "/orgs/{id}/move", "org_move", Scoped, "Move an organization", post(pages::tree::org_move)),
        r(M::POST, "/orgs/{id}/close", "org_close", Scoped, "Close an organization", post(pages::tree::org_close)),
        r(M::POST, "/orgs/{id}/delegations", "org_delegate", Scoped, "Delegate rights within the organization until a date", post(pages::tree::org_delegate)),
        r(M::POST, "/delegations/{id}/end", "delegation_end", Scoped, "End a delegation", post(pages::tree::delegation_end)),
        a(M::GET, "/api/v1/orgs/{id}/delegations", "api_org_delegations", Scoped, "Delegations in force within the organization", list(schema::<DelegationDto>, &[]), get(api::tree::delegations)),
        a(M::POST, "/api/v1/orgs/{id}/delegations", "api_org_delegate", Scoped, "Delegate rights within the organization until a date", ApiDoc { request: Some(schema::<NewDelegation>), response: Some(schema::<DelegationDto>), list: true, query: &[] }, post(api::tree::api_delegate)),
        a(M::POST, "/api/v1/delegations/{id}/end", "api_delegation_end", Scoped, "End a delegation", doc(None, None), post(api::tree::api_end_delegation)),
        r(M::GET, "/units/{id}", "unit_page", Scoped, "A unit", get(pages::tree::unit_page)),
        r(M::POST, "/units/{id}", "unit_update", Scoped, "Rename a unit", post(pages::tree::unit_update)),
        r(M::POST, "/units/{id}/children", "unit_create_child", Scoped, "Add a unit below", post(pages::tree::unit_create_child)),
        r(M::POST, "/units/{id}/move", "unit_move", Scoped, "Move a unit", post(pages::tree::unit_move)),
        r(M::POST, "/units/{id}/close", "unit_close", Scoped, "Close a unit", post(pages::tree::unit_close)),
        r(M::GET, "/people/{id}", "person_page", Scoped, "A person's record and history", get(pages::people::show)),
        r(M::GET, "/people/{id}/edit", "person_edit", Scoped, "Form to edit a person", get(pages::people::edit_form)),
        r(M::POST, "/people/{id}", "person_update", Scoped, "Save a person", post(pages::people::update)),
        r(M::POST, "/people/{id}/memberships", "membership_add", Scoped, "Add a membership", post(pages::people::add_membership)),
        r(M::POST, "/people/{id}/memberships/{tree}/{mid}/end", "membership_end", Scoped, "End a membership", post(pages::people::end_membership)),
        r(M::POST, "/people/{id}/leave", "person_leave", Scoped, "Record that a person has left", post(pages::people::leave)),
        r(M::POST, "/people/{id}/activation", "person_activation", Scoped, "Issue a one-time activation code (shown once, or mailed)", post(pages::people::activation)),
        r(M::GET, "/import/{id}", "import_preview", Scoped, "The preview of one's own import", get(pages::imports::preview)),
        r(M::POST, "/import/{id}/commit", "import_commit", Scoped, "Import a previewed roster, all or nothing", post(pages::imports::commit)),
        r(M::POST, "/import/{id}/discard", "import_discard", Scoped, "Discard a previewed roster", post(pages::imports::discard)),
        r(M::GET, "/import/{id}/problems/{file}", "import_problems", Scoped, "The problems of an import as problems.xlsx or problems.csv", get(pages::imports::problems_export)),
        a(M::GET, "/api/v1/imports/{id}", "api_import", Scoped, "One's own import and its preview", doc(None, Some(schema::<ImportDto>)), get(api::imports::api_get)),
        a(M::POST, "/api/v1/imports/{id}/commit", "api_import_commit", Scoped, "Import a previewed roster, all or nothing", doc(None, Some(schema::<ImportDto>)), post(api::imports::api_commit)),
        a(M::POST, "/api/v1/imports/{id}/discard", "api_import_discard", Scoped, "Discard a previewed roster", doc(None, None), post(api::imports::api_discard)),
        a(M::GET, "/api/v1/orgs/{id}", "api_org", Scoped, "A Party organization with its children", doc(None, Some(schema::<NodeDetail>)), get(api::tree::org)),
        a(M::PATCH, "/api/v1/orgs/{id}", "api_org_update", Scoped, "Rename an organization or change its category", doc(Some(schema::<NodeChange>), Some(schema::<NodeDto>)), axum::routing::patch(api::tree::org_update)),
        a(M::POST, "/api/v1/orgs/{id}/children", "api_org_create", Scoped, "Add an organization below", doc(Some(schema::<NodeChange>), Some(schema::<NodeDto>)), post(api::tree::org_create)),
        a(M::POST, "/api/v1/orgs/{id}/move", "api_org_move", Scoped, "Move an organization", doc(Some(schema::<MoveRequest>), Some(schema::<NodeDto>)), post(api::tree::org_move)),
        a(M::POST, "/api/v1/orgs/{id}/close", "api_org_close", Scoped, "Close an organization", doc(Some(schema::<DateRequest>), Some(schema::<NodeDto>)), post(api::tree::org_close)),
        a(M::GET, "/api/v1/units/{id}", "api_unit", Scoped, "A unit with its children", doc(None, Some(schema::<NodeDetail>)), get(api::tree::unit)),
        a(M::PATCH, "/api/v1/units/{id}", "api_unit_update", Scoped, "Rename a unit", doc(Some(schema::<NodeChange>), Some(schema::<NodeDto>)), axum::routing::patch(api::tree::unit_update)),
        a(M::POST, "/api/v1/units/{id}/children", "api_unit_create", Scoped, "Add a unit below", doc(Some(schema::<NodeChange>), Some(schema::<NodeDto>)), post(api::tree::unit_create)),
        a(M::POST, "/api/v1/units/{id}/move", "api_unit_move", Scoped, "Move a unit", doc(Some(schema::<MoveRequest>), Some(schema::<NodeDto>)), post(api::tree::unit_move)),
        a(M::POST, "/api/v1/units/{id}/close", "api_unit_close", Scoped, "Close a unit", doc(Some(schema::<DateRequest>), Some(schema::<NodeDto>)), post(api::tree::unit_close)),
        a(M::GET, "/api/v1/people/{id}", "api_person", Scoped, "A person's record with memberships and relations", doc(None, Some(schema::<PersonDto>)), get(api::people::get)),
        a(M::PATCH, "/api/v1/people/{id}", "api_person_update", Scoped, "Change a person's fields", doc(Some(schema::<PersonChange>), Some(schema::<PersonDto>)), axum::routing::patch(api::people::update)),
        a(M::POST, "/api/v1/people/{id}/memberships", "api_membership_add", Scoped, "Add a membership", doc(Some(schema::<NewMembership>), Some(schema::<MembershipDto>)), post(api::people::add_membership)),
        a(M::POST, "/api/v1/people/{id}/memberships/{tree}/{mid}/end", "api_membership_end", Scoped, "End a membership", doc(Some(schema::<EndRequest>), Some(schema::<MembershipDto>)), post(api::people::end_membership)),
        a(M::POST, "/api/v1/people/{id}/activation", "api_person_activation", Scoped, "Issue a one-time activation code for the person's account", doc(Some(schema::<ActivationRequest>), Some(schema::<ActivationDto>)), post(api::people::activation)),
        a(M::POST, "/api/v1/people/{id}/leave", "api_person_leave", Scoped, "Record that a person has left", doc(Some(schema::<EndRequest>), Some(schema::<PersonDto>)), post(api::people::leave)),
        r(M::GET, "/units/{id}/standards", "unit_standards", Scoped, "A unit's evaluation standards for its windows", get(pages::windows::standards)),
        r(M::POST, "/units/{id}/standards", "unit_standards_change", Scoped, "Add or retire a standard", post(pages::windows::standards_change)),
        r(M::POST, "/w/{id}/inspections", "window_inspect", Scoped, "Record an on-site inspection (multipart: score_N, day, notes, photos)", post(pages::windows::inspect)),
        r(M::GET, "/inspection-photos/{id}", "inspection_photo", Scoped, "A photo of an inspection", get(pages::windows::photo)),
        r(M::GET, "/surveys/{id}", "survey_page", Scoped, "A survey's builder: questions, targets, audience, links, open and close (its owner and the office)", get(pages::surveys::show)),
        r(M::POST, "/surveys/{id}/questions", "survey_questions", Scoped, "Add, remove or move a question of a draft", post(pages::surveys::questions)),
        r(M::POST, "/surveys/{id}/targets", "survey_targets", Scoped, "Choose the targets of a draft", post(pages::surveys::set_targets)),
        r(M::POST, "/surveys/{id}/audience", "survey_audience", Scoped, "Invite a subtree of either tree or a list of numbers", post(pages::surveys::audience)),
        r(M::POST, "/surveys/{id}/samples", "survey_sample", Scoped, "Freeze a population and start a two-party draw of the audience", post(pages::samples::create_for_survey)),
        r(M::POST, "/surveys/{id}/links/revoke", "survey_links_revoke", Scoped, "Revoke one invitee's unused links (by number)", post(pages::surveys::revoke)),
        r(M::POST, "/surveys/{id}/links", "survey_links", Scoped, "Make single-use links (CSV shown once)", post(pages::surveys::links)),
        r(M::POST, "/surveys/{id}/open", "survey_open", Scoped, "Open a draft for answers", post(pages::surveys::open)),
        r(M::POST, "/surveys/{id}/remind", "survey_remind", Scoped, "Remind the invitees who have not answered", post(pages::surveys::remind)),
        r(M::POST, "/surveys/{id}/close", "survey_close", Scoped, "Close an open survey", post(pages::surveys::close)),
        r(M::GET, "/surveys/{id}/answer", "survey_answer", Scoped, "The answer form of an invitee (the owner's preview)", get(pages::surveys::answer_form)),
        r(M::POST, "/surveys/{id}/answer", "survey_answer_submit", Scoped, "Answer a survey once", post(pages::surveys::answer_submit)),
        r(M::GET, "/surveys/{id}/results", "survey_results", Scoped, "Counts, rates, charts, free text and response rates", get(pages::surveys::results)),
        r(M::GET, "/surveys/{id}/export/{file}", "survey_export", Scoped, "responses.xlsx or responses.csv (the owner and the office; groups of 5 or more), summary.xlsx or summary.pdf", get(pages::surveys::export)),
        a(M::GET, "/api/v1/surveys/{id}/results", "api_survey_results", Scoped, "A survey's published results: totals, targets (none under 5 in an anonymous survey, nor recoverable by subtraction), channels and participation", doc(None, None), get(pages::surveys::api_results)),
        a(M::POST, "/api/v1/surveys/{id}/responses", "api_survey_answer", Scoped, "Answer a survey once: {target, answers}; 409 on a second answer", doc(Some(schema::<pages::surveys::ResponseIn>), None), post(pages::surveys::api_answer)),
        r(M::GET, "/tasks/{id}", "task_page", Scoped, "A task: what is owed, its history, the forms to submit and review", get(pages::tasks::show)),
        r(M::POST, "/tasks/{id}/submit", "task_submit", Scoped, "Submit a task (multipart: files, body, number, check)", post(pages::tasks::submit)),
        r(M::POST, "/tasks/{id}/review", "task_review", Scoped, "Accept, return or extend a task", post(pages::tasks::review)),
        r(M::GET, "/attachments/{id}", "attachment", Scoped, "A file handed in with a task, as a download", get(pages::tasks::attachment)),
        a(M::GET, "/api/v1/tasks/{id}", "api_task", Scoped, "A task with its submissions, files and reviews", doc(None, None), get(api::tasks::get)),
        a(M::POST, "/api/v1/tasks/{id}/submit", "api_task_submit", Scoped, "Submit a task (multipart: files, body, number, check; X-CSRF-Token header)", doc(None, None), post(pages::tasks::submit)),
        a(M::POST, "/api/v1/tasks/{id}/review", "api_task_review", Scoped, "Review a task: {action: accept|return|extend, comment, resubmit_by, until, reason}", doc(None, None), post(api::tasks::review)),
        // The campaign office: relation records.
        r(M::GET, "/relations", "relations_index", Roles(OFFICE), "Relation records and their coverage", get(pages::relations::index)),
        r(M::POST, "/relations", "relation_create", Roles(OFFICE), "Create a relation record", post(pages::relations::create)),
        r(M::POST, "/relations/{id}/end", "relation_end", Roles(OFFICE), "End a relation record", post(pages::relations::end)),
        r(M::GET, "/mail", "outbox", Roles(OFFICE), "Outgoing mail: sent, waiting and failed", get(pages::relations::outbox)),
        a(M::GET, "/api/v1/outbox", "api_outbox", Roles(OFFICE), "Outgoing mail: counts and what is not yet delivered", doc(None, Some(schema::<OutboxDto>)), get(api::relations::outbox)),
        r(M::GET, "/relations/export/{file}", "relations_export", Roles(OFFICE), "Relation records as relations.xlsx or relations.csv", get(pages::relations::export)),
        a(M::GET, "/api/v1/relations", "api_relations", Roles(OFFICE), "Relation records", ApiDoc { response: Some(schema::<RelationPage>), query: &[("kind", "cadre_class, branch_contact or unit_head"), ("current", "true for current only"), ("page", "page"), ("per_page", "rows per page")], ..Default::default() }, get(api::relations::list)),
        a(M::GET, "/api/v1/relations/coverage", "api_relations_coverage", Roles(OFFICE), "Classes, branches and units still without their relation", doc(None, Some(schema::<CoverageDto>)), get(api::relations::coverage)),
        a(M::POST, "/api/v1/relations", "api_relation_create", Roles(OFFICE), "Create a relation record", doc(Some(schema::<NewRelation>), Some(schema::<RelationDto>)), post(api::relations::create)),
        a(M::POST, "/api/v1/relations/{id}/end", "api_relation_end", Roles(OFFICE), "End a relation record", doc(Some(schema::<DateRequest>), Some(schema::<RelationDto>)), post(api::relations::end)),
        // Accounts: the administrator, and the office for the two-office auditor grant.
        r(M::GET, "/accounts", "accounts_index", Roles(ACCOUNT_OFFICES), "Accounts", get(pages::accounts::index)),
        r(M::POST, "/accounts", "account_create", Roles(ADMIN), "Create an account", post(pages::accounts::create)),
        r(M::GET, "/accounts/export/{file}", "accounts_export", Roles(ACCOUNT_OFFICES), "Accounts as accounts.xlsx or accounts.csv", get(pages::accounts::export)),
        r(M::GET, "/accounts/{id}", "account_page", Roles(ACCOUNT_OFFICES), "An account and its roles", get(pages::accounts::show)),
        r(M::POST, "/accounts/{id}/grants", "grant_create", Roles(ADMIN), "Grant a role", post(pages::accounts::grant)),
        r(M::POST, "/grants/{id}/end", "grant_end", Roles(ADMIN), "End a role", post(pages::accounts::end_grant)),
        r(M::POST, "/accounts/{id}/password", "account_reset_password", Roles(ADMIN), "Reset a password", post(pages::accounts::reset_password)),
        r(M::POST, "/accounts/{id}/disabled", "account_disable", Roles(ADMIN), "Disable or enable an account", post(pages::accounts::set_disabled)),
        r(M::POST, "/accounts/{id}/auditor-request", "auditor_request", Roles(ACCOUNT_OFFICES), "Ask for the auditor role for an account", post(pages::accounts::request)),
        r(M::POST, "/accounts/{id}/requests", "account_request", Roles(ACCOUNT_OFFICES), "Ask what the other office must approve (action: grant_auditor, grant_office, reset_password, disable, enable, end_grant with grant_id)", post(pages::accounts::request)),
        r(M::POST, "/account-requests/{id}/decide", "account_request_decide", Roles(ACCOUNT_OFFICES), "Approve or reject a request of the other office", post(pages::accounts::decide)),
        a(M::GET, "/api/v1/accounts", "api_accounts", Roles(ACCOUNT_OFFICES), "Accounts", ApiDoc { response: Some(schema::<AccountPage>), query: &[("q", "part of a user name or display name"), ("page", "page"), ("per_page", "rows per page")], ..Default::default() }, get(api::accounts::list)),
        a(M::POST, "/api/v1/accounts", "api_account_create", Roles(ADMIN), "Create an account with an initial password to change at first login", doc(Some(schema::<NewAccountRequest>), Some(schema::<AccountDto>)), post(api::accounts::create)),
        a(M::GET, "/api/v1/accounts/{id}", "api_account", Roles(ACCOUNT_OFFICES), "An account and its grants", doc(None, Some(schema::<AccountDto>)), get(api::accounts::get)),
        a(M::POST, "/api/v1/accounts/{id}/grants", "api_grant_create", Roles(ADMIN), "Grant a role", doc(Some(schema::<NewGrant>), Some(schema::<AccountDto>)), post(api::accounts::grant)),
        a(M::POST, "/api/v1/grants/{id}/end", "api_grant_end", Roles(ADMIN), "End a role", doc(Some(schema::<DateRequest>), None), post(api::accounts::end_grant)),
        a(M::POST, "/api/v1/accounts/{id}/password", "api_account_reset_password", Roles(ADMIN), "Set a temporary password the holder must change at the next login (audited)", doc(Some(schema::<PasswordReset>), None), post(api::accounts::reset_password)),
        a(M::POST, "/api/v1/accounts/{id}/auditor-request", "api_auditor_request", Roles(ACCOUNT_OFFICES), "Ask for the auditor role for an account", doc(None, Some(schema::<AuditorRequestDto>)), post(api::accounts::request_auditor)),
        a(M::POST, "/api/v1/accounts/{id}/requests", "api_account_request", Roles(ACCOUNT_OFFICES), "Ask what the other office must approve: the auditor's or the office's role, or resetting, disabling, enabling or ending the role of an administrator, office or auditor account", doc(Some(schema::<TwoOfficeRequest>), Some(schema::<AuditorRequestDto>)), post(api::accounts::create_request)),
        a(M::GET, "/api/v1/account-requests", "api_account_requests", Roles(ACCOUNT_OFFICES), "Requests that take both offices", list(schema::<AuditorRequestDto>, &[]), get(api::accounts::auditor_requests)),
        a(M::POST, "/api/v1/account-requests/{id}/decide", "api_account_request_decide", Roles(ACCOUNT_OFFICES), "Approve or reject (the other office); an approved reset mails a one-time code to the holder", doc(Some(schema::<Decision>), None), post(api::accounts::decide_auditor)),
        // The auditor.
        r(M::GET, "/audit", "audit_index", Roles(AUDITOR), "The audit log", get(pages::audit::index)),
        r(M::GET, "/audit/export/{file}", "audit_export", Roles(AUDITOR), "The audit log as audit.xlsx or audit.csv", get(pages::audit::export)),
        r(M::POST, "/audit/anchors", "audit_anchor", Roles(AUDITOR), "Record the latest entry's number and hash as an anchor", post(pages::audit::record_anchor)),
        r(M::GET, "/audit/anchors/{file}", "audit_anchor_file", Roles(AUDITOR), "An anchor as a text file to keep off the server (<id>.txt)", get(pages::audit::anchor_file)),
        a(M::POST, "/api/v1/audit/anchors", "api_audit_anchor", Roles(AUDITOR), "Record the latest entry's number and hash as an anchor", doc(None, None), post(api::audit::record_anchor)),
        a(M::GET, "/api/v1/audit", "api_audit", Roles(AUDITOR), "The audit log, newest first", ApiDoc { response: Some(schema::<AuditPage>), query: &[("entity", "person, org, unit, account, relation"), ("entity_id", "the record's id"), ("actor", "user name"), ("action", "beginning of the action, such as person."), ("page", "page"), ("per_page", "rows per page")], ..Default::default() }, get(api::audit::list)),
        a(M::GET, "/api/v1/audit/verify", "api_audit_verify", Roles(AUDITOR), "Recompute the hash chain and check it reaches the latest anchor", doc(None, Some(schema::<VerifyDto>)), get(api::audit::verify)),
    ]
}

/// The router: every route of the table behind its guard, then the context and headers.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for route in table() {
        let access = route.access;
        let handler = route.handler.route_layer(axum::middleware::from_fn(move |req, next| ctx::guard(access, req, next)));
        router = router.route(route.path, handler);
    }
    router
        .fallback(|| async { crate::error::AppError::not_found() })
        // The body limit matches the upload limit, with room for the multipart framing.
        .layer(axum::extract::DefaultBodyLimit::max(state.site.max_upload.max(crate::sheets::MAX_UPLOAD) + 1024 * 1024))
        .layer(axum::middleware::from_fn_with_state(state.clone(), ctx::context))
        .layer(axum::middleware::from_fn(ctx::security_headers))
        .with_state(state)
}
