//! Backup and restore: a consistent, backend-neutral copy of every table, written while the
//! server runs, and read back into an empty database of either backend.
//!
//! The file is JSON lines: a header, then for each table a line naming it and its columns,
//! then one line per row (an array of values). Sessions and login throttling are not kept:
//! a restored database starts with nobody logged in. The audit log is copied entry for entry,
//! so its hash chain verifies after a restore.

use crate::db::{Arg, ColType, Conn, Sql};
use crate::{Store, StoreError, audit};
use serde_json::{Value, json};
use std::io::{BufRead, Write};

use ColType::*;

/// A table as the backup sees it: its name, its columns in order, and the key to sort by.
pub struct TableSpec {
    pub name: &'static str,
    pub order_by: &'static str,
    pub columns: &'static [(&'static str, ColType)],
}

/// Every table of the schema, parents before children (the restore inserts in this order).
pub const TABLES: &[TableSpec] = &[
    TableSpec { name: "meta", order_by: "key", columns: &[("key", Text), ("value", Text)] },
    TableSpec {
        name: "units",
        order_by: "id",
        columns: &[("id", I64), ("parent_id", OptI64), ("kind", Text), ("name", Text), ("path", Text), ("depth", I64), ("closed_on", OptDate), ("created_ms", I64)],
    },
    TableSpec {
        name: "orgs",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("parent_id", OptI64),
            ("kind", Text),
            ("name", Text),
            ("category", OptText),
            ("linked_unit_id", OptI64),
            ("path", Text),
            ("depth", I64),
            ("closed_on", OptDate),
            ("created_ms", I64),
        ],
    },
    TableSpec {
        name: "people",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("name", Text),
            ("kind", Text),
            ("number", Text),
            ("gender", OptText),
            ("political_status", Text),
            ("dev_stage", OptText),
            ("cadre_rank", OptText),
            ("email", OptText),
            ("phone", OptText),
            ("id_number", OptText),
            ("left_on", OptDate),
            ("created_ms", I64),
            ("updated_ms", I64),
        ],
    },
    TableSpec {
        name: "org_memberships",
        order_by: "id",
        columns: &[("id", I64), ("person_id", I64), ("org_id", I64), ("post", Text), ("start_date", Date), ("end_date", OptDate), ("end_reason", OptText)],
    },
    TableSpec {
        name: "unit_memberships",
        order_by: "id",
        columns: &[("id", I64), ("person_id", I64), ("unit_id", I64), ("position", OptText), ("start_date", Date), ("end_date", OptDate), ("end_reason", OptText)],
    },
    TableSpec {
        name: "accounts",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("username", Text),
            ("display_name", Text),
            ("person_id", OptI64),
            ("password_hash", Text),
            ("is_demo", Bool),
            ("must_change_password", Bool),
            ("lang", Text),
            ("disabled", Bool),
            ("created_ms", I64),
            ("last_login_ms", OptI64),
            ("password_reset_ms", OptI64),
            ("password_reset_by", OptText),
            ("email", OptText),
        ],
    },
    TableSpec {
        name: "activation_codes",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("account_id", I64),
            ("code_hash", Text),
            ("created_by", Text),
            ("created_ms", I64),
            ("expires_ms", I64),
            ("used_ms", OptI64),
            ("revoked_ms", OptI64),
            ("sent_to", OptText),
        ],
    },
    TableSpec {
        name: "role_grants",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("account_id", I64),
            ("role", Text),
            ("org_id", OptI64),
            ("start_date", Date),
            ("end_date", OptDate),
            ("granted_by", OptI64),
            ("approved_by", OptI64),
            ("created_ms", I64),
        ],
    },
    TableSpec {
        name: "account_requests",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("account_id", I64),
            ("requested_by", I64),
            ("requested_as", Text),
            ("state", Text),
            ("decided_by", OptI64),
            ("created_ms", I64),
            ("decided_ms", OptI64),
            ("action", Text),
            ("grant_id", OptI64),
        ],
    },
    TableSpec {
        name: "relations",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("kind", Text),
            ("person_id", I64),
            ("org_id", OptI64),
            ("unit_id", OptI64),
            ("start_date", Date),
            ("end_date", OptDate),
            ("created_by", OptI64),
            ("created_ms", I64),
        ],
    },
    TableSpec {
        name: "roster_imports",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("account_id", OptI64),
            ("actor", Text),
            ("root_org_id", OptI64),
            ("root_unit_id", OptI64),
            ("filename", Text),
            ("file_sha256", Text),
            ("rows_json", OptText),
            ("row_count", I64),
            ("problem_count", I64),
            ("state", Text),
            ("summary_json", OptText),
            ("created_ms", I64),
            ("finished_ms", OptI64),
        ],
    },
    TableSpec {
        name: "external_identities",
        order_by: "provider, subject",
        columns: &[("provider", Text), ("subject", Text), ("account_id", I64), ("number", Text), ("created_ms", I64), ("last_ms", I64)],
    },
    TableSpec {
        name: "outbox",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("to_addr", Text),
            ("subject", Text),
            ("body", Text),
            ("created_ms", I64),
            ("attempts", I64),
            ("next_attempt_ms", I64),
            ("sent_ms", OptI64),
            ("last_error", OptText),
        ],
    },
    TableSpec {
        name: "campaigns",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("code", Text),
            ("title", Text),
            ("year", I64),
            ("office_unit_id", OptI64),
            ("plan_json", Text),
            ("plan_source", Text),
            ("plan_sha256", Text),
            ("state", Text),
            ("created_ms", I64),
            ("closed_ms", OptI64),
            // A demo campaign's clock (migration 29): a restored demo runs as of the same day.
            ("as_of", OptDate),
        ],
    },
    TableSpec {
        name: "task_templates",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("campaign_id", I64),
            ("code", Text),
            ("item", OptI64),
            ("title", Text),
            ("description", OptText),
            ("owners", Text),
            ("owners_json", Text),
            ("deliverable_json", Text),
            ("from_date", OptDate),
            ("due_date", OptDate),
            ("wording", OptText),
            ("reviewer", Text),
            ("due_edited_by", OptText),
            ("due_edited_ms", OptI64),
            ("sort", I64),
            ("retired", Bool),
            ("origin", Text),
        ],
    },
    TableSpec {
        name: "tasks",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("template_id", I64),
            ("campaign_id", I64),
            ("org_id", OptI64),
            ("unit_id", OptI64),
            ("person_id", OptI64),
            ("owner_key", Text),
            ("state", Text),
            ("extended_due", OptDate),
            ("extended_reason", OptText),
            ("resubmit_due", OptDate),
            ("first_submitted", OptDate),
            ("last_submitted_ms", OptI64),
            ("decided_ms", OptI64),
            ("created_ms", I64),
            ("member_org_id", OptI64),
        ],
    },
    TableSpec {
        name: "submissions",
        order_by: "id",
        columns: &[("id", I64), ("task_id", I64), ("body", OptText), ("number_value", OptText), ("checklist_json", OptText), ("submitted_by", Text), ("submitted_ms", I64)],
    },
    TableSpec {
        name: "attachments",
        order_by: "id",
        columns: &[("id", I64), ("submission_id", I64), ("filename", Text), ("content_type", Text), ("size", I64), ("sha256", Text), ("data", Bytes)],
    },
    TableSpec {
        name: "reviews",
        order_by: "id",
        columns: &[("id", I64), ("task_id", I64), ("action", Text), ("comment", OptText), ("new_due", OptDate), ("reviewer", Text), ("at_ms", I64)],
    },
    TableSpec {
        name: "notifications",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("account_id", I64),
            ("kind", Text),
            ("task_id", OptI64),
            ("href", OptText),
            ("zh", Text),
            ("en", Text),
            ("dedupe", Text),
            ("created_ms", I64),
            ("read_ms", OptI64),
        ],
    },
    TableSpec { name: "feed_tokens", order_by: "id", columns: &[("id", I64), ("account_id", I64), ("token_hash", Text), ("created_ms", I64), ("revoked_ms", OptI64)] },
    TableSpec {
        name: "surveys",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("campaign_id", OptI64),
            ("template_code", OptText),
            ("title", Text),
            ("description", OptText),
            ("owner_unit_id", OptI64),
            ("target_kind", Text),
            ("anonymous", Bool),
            ("results_public", Bool),
            ("allow_replace", Bool),
            ("questionnaire_json", Text),
            ("opens_on", OptDate),
            ("closes_on", OptDate),
            ("state", Text),
            ("created_ms", I64),
            ("created_by", Text),
        ],
    },
    TableSpec {
        name: "survey_targets",
        order_by: "survey_id, target_id",
        columns: &[("survey_id", I64), ("target_id", I64), ("label", Text), ("unit_id", OptI64), ("org_id", OptI64)],
    },
    TableSpec { name: "survey_invitees", order_by: "survey_id, person_id", columns: &[("survey_id", I64), ("person_id", I64)] },
    // Participation and anonymous responses are written in key order (voter; random id), never
    // in the order they arrived, so a backup cannot be used to pair them.
    TableSpec {
        name: "survey_participation",
        order_by: "survey_id, voter, target_id",
        columns: &[("survey_id", I64), ("target_id", I64), ("voter", Text), ("channel", Text), ("day", Date)],
    },
    TableSpec {
        name: "survey_responses",
        order_by: "survey_id, target_id, id",
        columns: &[("id", Text), ("survey_id", I64), ("target_id", I64), ("day", Date), ("person_id", OptI64), ("answers_json", Text)],
    },
    TableSpec {
        name: "survey_links",
        order_by: "id",
        columns: &[("id", I64), ("survey_id", I64), ("token_hash", Text), ("person_id", OptI64), ("created_ms", I64), ("revoked", Bool), ("used_on", OptDate)],
    },
    TableSpec {
        name: "samples",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("survey_id", OptI64),
            ("purpose", Text),
            ("title", Text),
            ("owner_unit_id", I64),
            ("population_node", I64),
            ("students_only", Bool),
            ("stratify", Text),
            ("size_spec", Text),
            ("population_size", I64),
            ("population_hash", Text),
            ("office_commit", OptText),
            ("unit_commit", OptText),
            ("office_seed", OptText),
            ("unit_seed", OptText),
            ("draw_seed", OptText),
            ("state", Text),
            ("created_ms", I64),
            ("created_by", Text),
            ("drawn_ms", OptI64),
        ],
    },
    TableSpec {
        name: "sample_members",
        order_by: "sample_id, pseudonym",
        columns: &[("sample_id", I64), ("pseudonym", Text), ("subject_id", I64), ("stratum", Text), ("drawn", Bool)],
    },
    TableSpec { name: "survey_paper_serials", order_by: "survey_id, serial", columns: &[("survey_id", I64), ("serial", Text), ("issued_ms", I64)] },
    TableSpec { name: "survey_advisory", order_by: "id", columns: &[("id", I64), ("survey_id", I64), ("target_id", I64), ("day", Date), ("answers_json", Text)] },
    TableSpec {
        name: "window_standards",
        order_by: "id",
        columns: &[("id", I64), ("unit_id", I64), ("item", Text), ("weight", I64), ("sort", I64), ("retired", Bool), ("created_ms", I64)],
    },
    TableSpec {
        name: "inspections",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("window_id", I64),
            ("standards_unit_id", I64),
            ("inspector", Text),
            ("inspector_account", OptI64),
            ("day", Date),
            ("scores_json", Text),
            ("score_x100", I64),
            ("notes", OptText),
            ("created_ms", I64),
        ],
    },
    TableSpec { name: "inspection_photos", order_by: "id", columns: &[("id", I64), ("inspection_id", I64), ("filename", Text), ("content_type", Text), ("data", Bytes)] },
    TableSpec {
        name: "commitment_requirements",
        order_by: "id",
        columns: &[("id", I64), ("campaign_id", I64), ("org_id", I64), ("parent_id", OptI64), ("title", Text), ("text", Text), ("created_by", Text), ("created_ms", I64)],
    },
    TableSpec {
        name: "commitments",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("task_id", I64),
            ("campaign_id", I64),
            ("requirement_id", OptI64),
            ("category", Text),
            ("content", Text),
            ("measures", Text),
            ("target", Text),
            ("due", Date),
            ("state", Text),
            ("percent", I64),
            ("first_submitted", OptDate),
            ("approved_ms", OptI64),
            ("version", I64),
            ("pending_revision", OptI64),
            ("created_ms", I64),
            ("updated_ms", I64),
        ],
    },
    TableSpec {
        name: "commitment_revisions",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("commitment_id", I64),
            ("version", I64),
            ("fields_json", Text),
            ("submitted_by", Text),
            ("submitted_ms", I64),
            ("decision", OptText),
            ("comment", OptText),
            ("decided_by", OptText),
            ("decided_ms", OptI64),
        ],
    },
    TableSpec {
        name: "commitment_progress",
        order_by: "id",
        columns: &[("id", I64), ("commitment_id", I64), ("day", Date), ("percent", I64), ("text", Text), ("reported_by", Text), ("created_ms", I64)],
    },
    TableSpec {
        name: "commitment_evidence",
        order_by: "id",
        columns: &[("id", I64), ("progress_id", I64), ("filename", Text), ("content_type", Text), ("size", I64), ("sha256", Text), ("data", Bytes)],
    },
    TableSpec {
        name: "commitment_boards",
        order_by: "campaign_id",
        columns: &[("campaign_id", I64), ("open_to_public", Bool), ("fields", Text), ("updated_by", Text), ("updated_ms", I64)],
    },
    TableSpec {
        name: "appraisal_rounds",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("campaign_id", I64),
            ("title", Text),
            ("subject_kind", Text),
            ("scope_org_id", OptI64),
            ("scope_unit_id", OptI64),
            ("scale", Text),
            ("weights_json", Text),
            ("grades_json", OptText),
            ("quota", OptI64),
            ("opens", Date),
            ("closes", Date),
            ("created_by", Text),
            ("created_ms", I64),
            ("tie_order", OptText),
            ("tie_reason", OptText),
            ("closed_on", OptDate),
        ],
    },
    TableSpec {
        name: "appraisal_subjects",
        order_by: "id",
        columns: &[("id", I64), ("round_id", I64), ("person_id", OptI64), ("org_id", OptI64), ("unit_id", OptI64), ("name", Text), ("path", Text), ("criteria_json", Text)],
    },
    TableSpec { name: "appraisal_raters", order_by: "round_id, subject_id, rater_id", columns: &[("round_id", I64), ("subject_id", I64), ("rater_id", I64)] },
    TableSpec {
        name: "appraisal_ratings",
        // In the order of their random ids: nothing lines a rating up with appraisal_raters.
        order_by: "id",
        columns: &[("id", Text), ("round_id", I64), ("subject_id", I64), ("rater_id", OptI64), ("grp", Text), ("values_json", Text), ("comment", OptText)],
    },
    TableSpec {
        name: "appraisal_tallies",
        order_by: "round_id, subject_id, grp",
        columns: &[("round_id", I64), ("subject_id", I64), ("grp", Text), ("raters", I64), ("total", I64), ("den", I64)],
    },
    TableSpec {
        name: "appraisal_grades",
        order_by: "subject_id",
        columns: &[("subject_id", I64), ("round_id", I64), ("grade", Text), ("advised", OptText), ("reason", OptText), ("recorded_by", Text), ("recorded_ms", I64)],
    },
    TableSpec {
        name: "appraisal_cases",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("round_id", I64),
            ("subject_id", I64),
            ("org_id", I64),
            ("state", Text),
            ("note", OptText),
            ("closed_by", OptText),
            ("closed_ms", OptI64),
            ("created_ms", I64),
        ],
    },
    TableSpec {
        name: "selections",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("campaign_id", I64),
            ("category_code", Text),
            ("category_json", Text),
            ("title", Text),
            ("quota", I64),
            ("stage", Text),
            ("electorate_org_id", I64),
            ("nominate_until", Date),
            ("vote_from", Date),
            ("vote_until", Date),
            ("eligibility_hash", OptText),
            ("electorate_hash", OptText),
            ("electorate_size", I64),
            ("votes_json", OptText),
            ("tie_order", OptText),
            ("tie_reason", OptText),
            ("notice_from", OptDate),
            ("notice_until", OptDate),
            ("decision", OptText),
            ("approved_by", OptText),
            ("approved_ms", OptI64),
            ("created_by", Text),
            ("created_ms", I64),
            ("appraisal_round_id", OptI64),
            ("scores_json", OptText),
            ("panel_min", OptI64),
            ("panel_min_reason", OptText),
        ],
    },
    TableSpec { name: "selection_quotas", order_by: "selection_id, org_id", columns: &[("selection_id", I64), ("org_id", I64), ("quota", I64)] },
    TableSpec {
        name: "selection_nominations",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("selection_id", I64),
            ("candidate_key", Text),
            ("kind", Text),
            ("person_id", OptI64),
            ("org_id", OptI64),
            ("unit_id", OptI64),
            ("name", Text),
            ("detail", OptText),
            ("reasons", Text),
            ("nominated_by_org_id", OptI64),
            ("quota_org_id", OptI64),
            ("state", Text),
            ("review_note", OptText),
            ("reviewed_by", OptText),
            ("created_by", Text),
            ("created_ms", I64),
        ],
    },
    TableSpec {
        name: "selection_evidence",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("nomination_id", I64),
            ("person_id", OptI64),
            ("filename", Text),
            ("content_type", Text),
            ("size", I64),
            ("sha256", Text),
            ("data", Bytes),
            ("created_ms", I64),
        ],
    },
    TableSpec {
        name: "selection_supporters",
        order_by: "nomination_id, person_id",
        columns: &[("nomination_id", I64), ("person_id", I64), ("reasons", Text), ("created_ms", I64)],
    },
    TableSpec { name: "selection_electorate", order_by: "selection_id, person_id", columns: &[("selection_id", I64), ("person_id", I64)] },
    TableSpec { name: "selection_voters", order_by: "selection_id, person_id", columns: &[("selection_id", I64), ("person_id", I64), ("day", Date)] },
    TableSpec { name: "selection_ballots", order_by: "id", columns: &[("id", Text), ("selection_id", I64), ("choices", Text)] },
    TableSpec { name: "selection_sheets", order_by: "id", columns: &[("id", Text), ("selection_id", I64), ("scores", Text)] },
    TableSpec {
        name: "selection_objections",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("selection_id", I64),
            ("nomination_id", I64),
            ("person_id", I64),
            ("reasons", Text),
            ("state", Text),
            ("resolution", OptText),
            ("resolved_by", OptText),
            ("resolved_ms", OptI64),
            ("created_ms", I64),
        ],
    },
    TableSpec {
        name: "awards",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("selection_id", I64),
            ("nomination_id", I64),
            ("award", Text),
            ("period", Text),
            ("recipient", Text),
            ("kind", Text),
            ("person_id", OptI64),
            ("org_id", OptI64),
            ("unit_id", OptI64),
            ("rank", I64),
            ("decision", Text),
            ("awarded_on", Date),
            ("certificate_no", Text),
        ],
    },
    TableSpec { name: "survey_tallies", order_by: "survey_id, target_id", columns: &[("survey_id", I64), ("target_id", I64), ("tally_json", Text)] },
    TableSpec {
        name: "window_staff",
        order_by: "id",
        columns: &[("id", I64), ("window_id", I64), ("person_id", I64), ("post", Text), ("service_no", Text), ("show_badge", Bool), ("created_ms", I64)],
    },
    TableSpec { name: "window_staff_photos", order_by: "staff_id", columns: &[("staff_id", I64), ("content_type", Text), ("data", Bytes)] },
    TableSpec { name: "liaison_rules", order_by: "id", columns: &[("id", I64), ("unvisited_weeks", I64), ("linker_unit_id", OptI64)] },
    TableSpec {
        name: "visits",
        order_by: "id",
        columns: &[("id", I64), ("cadre_id", I64), ("class_id", I64), ("on_day", Date), ("place", Text), ("met", Text), ("topics", Text), ("notes", OptText), ("created_ms", I64)],
    },
    TableSpec {
        name: "branch_systems",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("org_id", I64),
            ("kind", Text),
            ("standard", OptText),
            ("name", Text),
            ("body", Text),
            ("adopted_on", Date),
            ("practice", Text),
            ("retired_on", OptDate),
            ("created_ms", I64),
            ("updated_ms", I64),
        ],
    },
    TableSpec {
        name: "disposal_cases",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("person_id", I64),
            ("org_id", I64),
            ("appraisal_case_id", OptI64),
            ("measure", Text),
            ("grounds", Text),
            ("deadline", OptDate),
            ("state", Text),
            ("outcome", OptText),
            ("outcome_note", OptText),
            ("opened_on", Date),
            ("closed_on", OptDate),
            ("created_by", I64),
            ("created_ms", I64),
        ],
    },
    TableSpec { name: "disposal_followups", order_by: "id", columns: &[("id", I64), ("case_id", I64), ("on_day", Date), ("note", Text), ("created_ms", I64)] },
    TableSpec {
        name: "guidance_visits",
        order_by: "id",
        columns: &[("id", I64), ("contact_id", I64), ("org_id", I64), ("on_day", Date), ("topics", Text), ("advice", Text), ("created_ms", I64)],
    },
    TableSpec { name: "care_rounds", order_by: "id", columns: &[("id", I64), ("name", Text), ("starts_on", Date), ("ends_on", Date), ("created_ms", I64)] },
    TableSpec { name: "care_targets", order_by: "id", columns: &[("id", I64), ("round_id", I64), ("person_id", I64), ("reason", Text), ("org_id", OptI64), ("unit_id", OptI64)] },
    TableSpec {
        name: "care_visits",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("target_id", I64),
            ("on_day", Date),
            ("visitors", Text),
            ("gifts", Text),
            ("amount_fen", I64),
            ("note", OptText),
            ("recorded_by", I64),
            ("created_ms", I64),
        ],
    },
    TableSpec { name: "care_visit_photos", order_by: "id", columns: &[("id", I64), ("visit_id", I64), ("content_type", Text), ("data", Bytes)] },
    TableSpec {
        name: "member_files",
        order_by: "person_id",
        columns: &[
            ("person_id", I64),
            ("birth_date", OptDate),
            ("applied_on", OptDate),
            ("joined_on", OptDate),
            ("full_on", OptDate),
            ("title", OptText),
            ("title_level", OptText),
            ("degree", OptText),
            ("job_post", OptText),
            ("hardship", I64),
            ("updated_ms", I64),
        ],
    },
    TableSpec { name: "member_file_rules", order_by: "id", columns: &[("id", I64), ("young_max_age", I64), ("old_min_standing", I64), ("updated_ms", I64)] },
    TableSpec {
        name: "org_transfers",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("person_id", I64),
            ("from_org_id", OptI64),
            ("from_membership_id", OptI64),
            ("to_org_id", I64),
            ("note", Text),
            ("state", Text),
            ("requested_by", I64),
            ("requested_ms", I64),
            ("decided_by", OptI64),
            ("decided_ms", OptI64),
            ("decided_on", OptDate),
            ("decision_note", OptText),
        ],
    },
    TableSpec { name: "dev_files", order_by: "person_id", columns: &[("person_id", I64), ("org_id", I64), ("started_ms", I64)] },
    TableSpec {
        name: "dev_steps",
        order_by: "id",
        columns: &[("id", I64), ("person_id", I64), ("step", Text), ("on_day", Date), ("details", Text), ("recorded_by", I64), ("recorded_ms", I64)],
    },
    TableSpec { name: "dev_reports", order_by: "id", columns: &[("id", I64), ("person_id", I64), ("on_day", Date), ("summary", Text), ("recorded_by", I64), ("recorded_ms", I64)] },
    TableSpec {
        name: "dev_step_files",
        order_by: "id",
        columns: &[("id", I64), ("person_id", I64), ("step", Text), ("filename", Text), ("content_type", Text), ("data", Bytes), ("recorded_by", I64), ("recorded_ms", I64)],
    },
    TableSpec { name: "dev_quotas", order_by: "org_id, year", columns: &[("org_id", I64), ("year", I64), ("quota", I64), ("updated_ms", I64)] },
    TableSpec { name: "meeting_rules", order_by: "kind", columns: &[("kind", Text), ("period", Text), ("vacation", Text)] },
    TableSpec {
        name: "meetings",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("kind", Text),
            ("org_id", OptI64),
            ("unit_id", OptI64),
            ("topic", Text),
            ("place", Text),
            ("on_day", Date),
            ("starts", Text),
            ("ends", Text),
            ("state", Text),
            ("minutes", OptText),
            ("cancel_reason", OptText),
            ("checkin_secret", Text),
            ("checkin_opened_ms", OptI64),
            ("checkin_closed_ms", OptI64),
            ("created_by", I64),
            ("created_ms", I64),
            ("recorded_ms", OptI64),
        ],
    },
    TableSpec {
        name: "meeting_attendance",
        order_by: "meeting_id, person_id",
        columns: &[("meeting_id", I64), ("person_id", I64), ("status", Text), ("reason", OptText), ("how", OptText), ("at_ms", OptI64)],
    },
    TableSpec { name: "meeting_files", order_by: "id", columns: &[("id", I64), ("meeting_id", I64), ("name", Text), ("content_type", Text), ("photo", Bool), ("data", Bytes)] },
    TableSpec {
        name: "activities",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("kind", Text),
            ("org_id", OptI64),
            ("unit_id", OptI64),
            ("title", Text),
            ("body", Text),
            ("place", Text),
            ("on_day", Date),
            ("end_day", Date),
            ("starts", Text),
            ("ends", Text),
            ("signup_until", Date),
            ("quota", I64),
            ("state", Text),
            ("cancel_reason", OptText),
            ("checkin_secret", Text),
            ("checkin_opened_ms", OptI64),
            ("checkin_closed_ms", OptI64),
            ("record", OptText),
            ("recorded_ms", OptI64),
            ("created_by", I64),
            ("created_ms", I64),
        ],
    },
    TableSpec {
        name: "activity_signups",
        order_by: "activity_id, person_id",
        columns: &[
            ("activity_id", I64),
            ("person_id", I64),
            ("state", Text),
            ("seq", I64),
            ("signed_ms", I64),
            ("cancelled_ms", OptI64),
            ("checked_in_ms", OptI64),
            ("how", OptText),
            ("half_hours", OptI64),
        ],
    },
    TableSpec { name: "activity_files", order_by: "id", columns: &[("id", I64), ("activity_id", I64), ("name", Text), ("content_type", Text), ("photo", Bool), ("data", Bytes)] },
    TableSpec {
        name: "reading_entries",
        order_by: "id",
        columns: &[("id", I64), ("activity_id", I64), ("person_id", I64), ("title", Text), ("author", Text), ("review", Text), ("created_ms", I64)],
    },
    TableSpec { name: "central_groups", order_by: "id", columns: &[("id", I64), ("org_id", I64), ("name", Text), ("created_ms", I64)] },
    TableSpec {
        name: "central_members",
        order_by: "id",
        columns: &[("id", I64), ("group_id", I64), ("person_id", I64), ("role", Text), ("post", Text), ("start_date", Date), ("end_date", OptDate)],
    },
    TableSpec { name: "central_plan", order_by: "group_id, year, month", columns: &[("group_id", I64), ("year", I64), ("month", I64), ("topic", Text), ("documents", Text)] },
    TableSpec { name: "central_sessions", order_by: "meeting_id", columns: &[("meeting_id", I64), ("speaker", Text), ("documents", Text), ("guests", Text)] },
    TableSpec {
        name: "central_contributions",
        order_by: "meeting_id, person_id, kind",
        columns: &[("meeting_id", I64), ("person_id", I64), ("kind", Text), ("body", Text), ("recorded_by", I64), ("recorded_ms", I64)],
    },
    TableSpec {
        name: "central_weights",
        order_by: "id",
        columns: &[("id", I64), ("attendance", I64), ("speeches", I64), ("reflections", I64), ("leave_credit", I64), ("speeches_expected", I64), ("reflections_expected", I64)],
    },
    TableSpec { name: "visit_photos", order_by: "id", columns: &[("id", I64), ("visit_id", I64), ("content_type", Text), ("data", Bytes)] },
    TableSpec { name: "problem_rules", order_by: "id", columns: &[("id", I64), ("accept_days", I64), ("answer_days", I64), ("confirm_days", I64), ("public_list", Bool)] },
    TableSpec {
        name: "problem_groups",
        order_by: "id",
        columns: &[("id", I64), ("title", Text), ("pinned", Bool), ("handed_to_unit_id", OptI64), ("handed_note", OptText), ("handed_on", OptDate)],
    },
    TableSpec {
        name: "problems",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("raiser_id", I64),
            ("unnamed", Bool),
            ("about", Text),
            ("about_unit_id", OptI64),
            ("category", Text),
            ("body", Text),
            ("unit_id", OptI64),
            ("state", Text),
            ("assignee_id", OptI64),
            ("reply", OptText),
            ("measures", OptText),
            ("raised_on", Date),
            ("step_on", Date),
            ("due_on", OptDate),
            ("escalation", I64),
            ("reopened", I64),
            ("closed_on", OptDate),
            ("group_id", OptI64),
            ("public_summary", OptText),
            ("public_done", OptText),
            ("published", Bool),
            ("visit_id", OptI64),
            ("group_rank", OptI64),
        ],
    },
    TableSpec {
        name: "problem_events",
        order_by: "id",
        columns: &[("id", I64), ("problem_id", I64), ("kind", Text), ("on_day", Date), ("actor_id", OptI64), ("unit_id", OptI64), ("note", OptText)],
    },
    TableSpec { name: "problem_photos", order_by: "id", columns: &[("id", I64), ("problem_id", I64), ("content_type", Text), ("data", Bytes)] },
    TableSpec {
        name: "audit_log",
        order_by: "seq",
        columns: &[
            ("seq", I64),
            ("at_ms", I64),
            ("actor_account", OptI64),
            ("actor", Text),
            ("action", Text),
            ("entity", Text),
            ("entity_id", Text),
            ("before_json", OptText),
            ("after_json", OptText),
            ("prev_hash", Text),
            ("hash", Text),
        ],
    },
    TableSpec { name: "audit_anchors", order_by: "id", columns: &[("id", I64), ("seq", I64), ("hash", Text), ("recorded_ms", I64), ("recorded_by", Text)] },
    TableSpec {
        name: "study_docs",
        order_by: "id",
        columns: &[("id", I64), ("campaign_id", I64), ("template_id", I64), ("title", Text), ("body", Text), ("published_by", I64), ("published_ms", I64)],
    },
    TableSpec {
        name: "study_doc_files",
        order_by: "id",
        columns: &[("id", I64), ("doc_id", I64), ("name", Text), ("content_type", Text), ("size", I64), ("sha256", Text), ("data", Bytes)],
    },
    TableSpec { name: "submission_meetings", order_by: "submission_id", columns: &[("submission_id", I64), ("meeting_id", I64)] },
    TableSpec {
        name: "study_points",
        order_by: "id",
        columns: &[("id", I64), ("campaign_id", I64), ("org_id", I64), ("plan", Text), ("registered_by", I64), ("registered_ms", I64)],
    },
    TableSpec { name: "study_point_milestones", order_by: "id", columns: &[("id", I64), ("point_id", I64), ("due_on", Date), ("title", Text), ("done_on", OptDate)] },
    TableSpec {
        name: "study_point_reports",
        order_by: "id",
        columns: &[("id", I64), ("point_id", I64), ("milestone_id", OptI64), ("body", Text), ("reported_by", I64), ("reported_ms", I64)],
    },
    TableSpec { name: "study_point_files", order_by: "id", columns: &[("id", I64), ("report_id", I64), ("name", Text), ("content_type", Text), ("photo", Bool), ("data", Bytes)] },
    TableSpec {
        name: "study_point_standards",
        order_by: "id",
        columns: &[("id", I64), ("campaign_id", I64), ("item", Text), ("weight", I64), ("retired", Bool), ("created_ms", I64)],
    },
    TableSpec {
        name: "study_point_inspections",
        order_by: "id",
        columns: &[("id", I64), ("point_id", I64), ("day", Date), ("inspector", Text), ("scores_json", Text), ("score_x100", I64), ("notes", OptText), ("created_ms", I64)],
    },
    TableSpec { name: "nomination_activities", order_by: "nomination_id", columns: &[("nomination_id", I64), ("activity_id", I64)] },
    TableSpec {
        name: "announcements",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("sender_org_id", OptI64),
            ("audience_org_id", I64),
            ("audience", Text),
            ("title", Text),
            ("body", Text),
            ("published_by", I64),
            ("published_ms", I64),
        ],
    },
    TableSpec { name: "announcement_recipients", order_by: "announcement_id, person_id", columns: &[("announcement_id", I64), ("person_id", I64), ("read_ms", OptI64)] },
    TableSpec {
        name: "announcement_files",
        order_by: "id",
        columns: &[("id", I64), ("announcement_id", I64), ("name", Text), ("content_type", Text), ("size", I64), ("sha256", Text), ("data", Bytes)],
    },
    TableSpec {
        name: "library_entries",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("kind", Text),
            ("item", OptI64),
            ("title", Text),
            ("body", Text),
            ("source_org_id", OptI64),
            ("source_unit_id", OptI64),
            ("meeting_id", OptI64),
            ("state", Text),
            ("review_comment", OptText),
            ("submitted_by", I64),
            ("submitted_ms", I64),
            ("reviewed_ms", OptI64),
        ],
    },
    TableSpec {
        name: "library_files",
        order_by: "id",
        columns: &[("id", I64), ("entry_id", I64), ("name", Text), ("content_type", Text), ("size", I64), ("sha256", Text), ("data", Bytes)],
    },
    TableSpec {
        name: "stories",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("kind", Text),
            ("title", Text),
            ("summary", Text),
            ("body", Text),
            ("source_org_id", OptI64),
            ("person_id", OptI64),
            ("subject_org_id", OptI64),
            ("award_id", OptI64),
            ("state", Text),
            ("review_comment", OptText),
            ("version", I64),
            ("created_by", I64),
            ("created_ms", I64),
            ("updated_ms", I64),
            ("published_ms", OptI64),
        ],
    },
    TableSpec {
        name: "story_images",
        order_by: "id",
        columns: &[("id", I64), ("story_id", I64), ("name", Text), ("content_type", Text), ("size", I64), ("sha256", Text), ("data", Bytes)],
    },
    TableSpec {
        name: "research_calls",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("campaign_id", I64),
            ("title", Text),
            ("deadline", Date),
            ("categories", Text),
            ("criteria", Text),
            ("trim_extremes", Bool),
            ("funded", I64),
            ("quota", I64),
            ("notice_days", I64),
            ("stage", Text),
            ("tie_order", Text),
            ("tie_reason", OptText),
            ("notice_from", OptDate),
            ("notice_until", OptDate),
            ("decision", OptText),
            ("created_ms", I64),
        ],
    },
    TableSpec {
        name: "research_experts",
        order_by: "id",
        columns: &[("id", I64), ("call_id", I64), ("account_id", I64), ("code", Text), ("person_id", OptI64), ("recused", Text)],
    },
    TableSpec {
        name: "research_applications",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("call_id", I64),
            ("code", Text),
            ("applicant_person_id", I64),
            ("applicant_account_id", I64),
            ("org_id", I64),
            ("category", Text),
            ("title", Text),
            ("budget", I64),
            ("blind", Text),
            ("state", Text),
            ("state_comment", OptText),
            ("funding", OptI64),
            ("created_ms", I64),
            ("forwarded_ms", OptI64),
        ],
    },
    TableSpec { name: "research_team", order_by: "application_id, person_id", columns: &[("application_id", I64), ("person_id", I64), ("position", I64)] },
    TableSpec {
        name: "research_files",
        order_by: "id",
        columns: &[("id", I64), ("application_id", I64), ("name", Text), ("content_type", Text), ("size", I64), ("sha256", Text), ("data", Bytes)],
    },
    TableSpec { name: "research_sheets", order_by: "id", columns: &[("id", I64), ("application_id", I64), ("expert_id", I64), ("scores", Text), ("submitted_ms", I64)] },
    TableSpec {
        name: "research_reports",
        order_by: "id",
        columns: &[
            ("id", I64),
            ("application_id", I64),
            ("kind", Text),
            ("body", Text),
            ("state", Text),
            ("comment", OptText),
            ("submitted_by", I64),
            ("submitted_ms", I64),
            ("reviewed_ms", OptI64),
        ],
    },
    TableSpec {
        name: "research_report_files",
        order_by: "id",
        columns: &[("id", I64), ("report_id", I64), ("name", Text), ("content_type", Text), ("size", I64), ("sha256", Text), ("data", Bytes)],
    },
];

/// Tables that are deliberately not copied.
// The search index is derived from the records and rebuilt from them (its triggers mark every
// restored row). The rate limits name addresses (hashed) and are of no use after a restore.
// API tokens are credentials, as sessions are: a restore must not bring back one revoked since
// the copy was made, so clients are given new ones after a restore.
pub const NOT_COPIED: &[&str] =
    &["sessions", "api_tokens", "sign_on_requests", "login_throttle", "rate_limits", "job_leases", "_sqlx_migrations", "search_docs", "search_keys", "search_dirty"];

const FORMAT: &str = "pacesetter-backup";
const VERSION: i64 = 1;

fn to_json(a: &Arg) -> Value {
    match a {
        Arg::I64(v) => json!(v),
        Arg::OptI64(v) => json!(v),
        Arg::Text(v) => json!(v),
        Arg::OptText(v) => json!(v),
        Arg::Bool(v) => json!(v),
        Arg::Date(d) => json!(pacesetter_domain::dates::iso(*d)),
        Arg::OptDate(d) => json!(d.map(pacesetter_domain::dates::iso)),
        Arg::Bytes(b) => {
            use base64::Engine;
            json!(base64::engine::general_purpose::STANDARD.encode(b))
        }
    }
}

fn from_json(v: &Value, t: ColType) -> Option<Arg> {
    let date = |v: &Value| v.as_str().and_then(|s| pacesetter_domain::validate::date(s).ok());
    Some(match t {
        I64 => Arg::I64(v.as_i64()?),
        OptI64 => Arg::OptI64(if v.is_null() { None } else { Some(v.as_i64()?) }),
        Text => Arg::Text(v.as_str()?.to_string()),
        OptText => Arg::OptText(if v.is_null() { None } else { Some(v.as_str()?.to_string()) }),
        Bool => Arg::Bool(v.as_bool()?),
        Date => Arg::Date(date(v)?),
        OptDate => Arg::OptDate(if v.is_null() { None } else { Some(date(v)?) }),
        Bytes => {
            use base64::Engine;
            Arg::Bytes(base64::engine::general_purpose::STANDARD.decode(v.as_str()?).ok()?)
        }
    })
}

/// Counts of what a backup or restore handled, per table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts(pub Vec<(String, u64)>);

impl Counts {
    pub fn total(&self) -> u64 {
        self.0.iter().map(|(_, n)| n).sum()
    }
}

/// Writes every table in one read-only snapshot (a consistent copy while the server writes).
pub async fn backup(store: &Store, out: &mut impl Write) -> Result<Counts, StoreError> {
    let mut c = store.snapshot().await?;
    let schema = c.fetch_i64(Sql::new("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success = TRUE")).await?;
    let io = |e: std::io::Error| StoreError::Config(format!("cannot write the backup: {e}"));
    writeln!(
        out,
        "{}",
        json!({"format": FORMAT, "version": VERSION, "schema_version": schema, "backend": store.backend().name(), "created_ms": pacesetter_domain::dates::now_ms()})
    )
    .map_err(io)?;
    let mut counts = Counts::default();
    for t in TABLES {
        let cols: Vec<&str> = t.columns.iter().map(|(n, _)| *n).collect();
        let types: Vec<ColType> = t.columns.iter().map(|(_, ty)| *ty).collect();
        writeln!(out, "{}", json!({"table": t.name, "columns": cols})).map_err(io)?;
        // In pages, so a large table never sits in memory whole.
        let mut offset = 0i64;
        let mut n = 0u64;
        loop {
            let q = Sql::new(format!("SELECT {} FROM {} ORDER BY {} LIMIT 5000 OFFSET {offset}", cols.join(", "), t.name, t.order_by));
            let rows = c.fetch_values(q, &types).await?;
            for r in &rows {
                let vals: Vec<Value> = r.iter().map(to_json).collect();
                writeln!(out, "{}", Value::Array(vals)).map_err(io)?;
            }
            n += rows.len() as u64;
            if rows.len() < 5000 {
                break;
            }
            offset += 5000;
        }
        counts.0.push((t.name.to_string(), n));
    }
    writeln!(out, "{}", json!({"end": true, "rows": counts.total()})).map_err(io)?;
    c.commit().await?;
    Ok(counts)
}

/// Reads a backup into an empty database in one transaction, then checks the audit chain.
pub async fn restore(store: &Store, input: impl BufRead) -> Result<Counts, StoreError> {
    let bad = |why: String| StoreError::Config(format!("not a usable backup: {why}"));
    let mut lines = input.lines();
    let header: Value = serde_json::from_str(&lines.next().ok_or_else(|| bad("the file is empty".into()))?.map_err(|e| bad(e.to_string()))?).map_err(|e| bad(e.to_string()))?;
    if header["format"] != FORMAT {
        return Err(bad("it is not a Pacesetter backup".into()));
    }
    let schema = store.schema_version().await?;
    if header["schema_version"].as_i64() != Some(schema) {
        return Err(bad(format!("it was written by schema version {}, this database has {schema}", header["schema_version"])));
    }
    let mut w = store.write().await?;
    for t in ["accounts", "people", "orgs", "units", "audit_log"] {
        if w.fetch_i64(Sql::new(format!("SELECT COUNT(*) FROM {t}"))).await? > 0 {
            return Err(StoreError::Config(format!("restore needs an empty database, and {t} has rows")));
        }
    }
    let mut counts = Counts::default();
    let mut current: Option<&TableSpec> = None;
    let mut batch: Vec<Vec<Arg>> = Vec::new();
    let mut n = 0u64;
    let mut ended = false;
    for line in lines {
        let line = line.map_err(|e| bad(e.to_string()))?;
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(&line).map_err(|e| bad(format!("{e} in {}", line.chars().take(80).collect::<String>())))?;
        match &v {
            Value::Array(vals) => {
                let t = current.ok_or_else(|| bad("a row before any table".into()))?;
                if vals.len() != t.columns.len() {
                    return Err(bad(format!("a row of {} has {} values", t.name, vals.len())));
                }
                let row =
                    vals.iter().zip(t.columns).map(|(v, (name, ty))| from_json(v, *ty).ok_or_else(|| bad(format!("{}.{name}: {v}", t.name)))).collect::<Result<Vec<_>, _>>()?;
                batch.push(row);
                n += 1;
                if batch.len() >= 500 {
                    insert(&mut w, t, std::mem::take(&mut batch)).await?;
                }
            }
            Value::Object(o) if o.contains_key("table") => {
                if let Some(t) = current {
                    insert(&mut w, t, std::mem::take(&mut batch)).await?;
                    counts.0.push((t.name.to_string(), n));
                }
                let name = o["table"].as_str().unwrap_or("");
                let spec = TABLES.iter().find(|t| t.name == name).ok_or_else(|| bad(format!("unknown table {name}")))?;
                let cols: Vec<&str> = o["columns"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
                if cols != spec.columns.iter().map(|(c, _)| *c).collect::<Vec<_>>() {
                    return Err(bad(format!("the columns of {name} differ from this schema's")));
                }
                // meta may already hold rows written at start-up: the backup's values win.
                if name == "meta" {
                    w.execute(Sql::new("DELETE FROM meta")).await?;
                }
                current = Some(spec);
                n = 0;
            }
            Value::Object(o) if o.contains_key("end") => {
                if let Some(t) = current.take() {
                    insert(&mut w, t, std::mem::take(&mut batch)).await?;
                    counts.0.push((t.name.to_string(), n));
                }
                if o["rows"].as_u64() != Some(counts.total()) {
                    return Err(bad(format!("the file says {} rows, {} were read", o["rows"], counts.total())));
                }
                ended = true;
            }
            _ => return Err(bad(format!("unexpected line {}", line.chars().take(80).collect::<String>()))),
        }
    }
    if !ended {
        return Err(bad("the file is cut short (no end line)".into()));
    }
    if w.is_postgres() {
        for t in TABLES.iter().filter(|t| t.columns[0] == ("id", I64)) {
            w.execute(Sql::new(format!("SELECT setval(pg_get_serial_sequence('{0}', 'id'), COALESCE((SELECT MAX(id) FROM {0}), 0) + 1, false)", t.name))).await?;
        }
    }
    let report = audit::verify(&mut w).await?;
    if !report.ok {
        return Err(bad(format!("the audit chain of the backup does not verify: {:?}", report.problem)));
    }
    w.commit().await?;
    Ok(counts)
}

async fn insert(c: &mut Conn, t: &TableSpec, rows: Vec<Vec<Arg>>) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let cols: Vec<&str> = t.columns.iter().map(|(n, _)| *n).collect();
    Ok(crate::db::insert_rows(c, t.name, &cols, rows).await?)
}

/// The tables the database has (to check that the backup covers them all).
pub async fn tables_in_database(c: &mut Conn) -> Result<Vec<String>, StoreError> {
    let q = if c.is_postgres() {
        Sql::new("SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1")
    } else {
        Sql::new("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1")
    };
    let rows: Vec<(String,)> = c.fetch_all(q).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}
