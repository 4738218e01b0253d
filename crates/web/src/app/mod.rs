//! The application layer: one function per use case ("add a membership", "ask the other
//! office", "record an anchor", ...). Each takes the caller (their scope) and typed input, opens
//! and commits its own transaction, lets the store write the audit entries, and returns typed
//! results or an [`AppError`](crate::error::AppError). The pages (HTML) and the JSON API are thin
//! adapters over it: they parse input, call one of these, and render; neither imports the other.

pub mod accounts;
pub mod activities;
pub mod announcements;
pub mod api_tokens;
pub mod appraisals;
pub mod audit;
pub mod campaigns;
pub mod care;
pub mod central_groups;
pub mod commitments;
pub mod contacts;
pub mod desk;
pub mod dev_ledger;
pub mod development;
pub mod disposals;
pub mod imports;
pub mod liaison;
pub mod library;
pub mod meetings;
pub mod member_files;
pub mod people;
pub mod problems;
pub mod relations;
pub mod research;
pub mod samples;
pub mod search;
pub mod selections;
pub mod sign_on;
pub mod stories;
pub mod study;
pub mod study_points;
pub mod surveys;
pub mod systems;
pub mod tasks;
pub mod transfers;
pub mod tree;
pub mod windows;
