//! The JSON API under /api/v1: everything the pages do, for programs and for the tests.

pub mod accounts;
pub mod activities;
pub mod announcements;
pub mod appraisals;
pub mod audit;
pub mod auth;
pub mod campaigns;
pub mod care;
pub mod central_groups;
pub mod commitments;
pub mod contacts;
pub mod desk;
pub mod development;
pub mod disposals;
pub mod dto;
pub mod imports;
pub mod liaison;
pub mod library;
pub mod meetings;
pub mod member_files;
pub mod meta;
pub mod people;
pub mod problems;
pub mod relations;
pub mod samples;
pub mod search;
pub mod selections;
pub mod study;
pub mod study_points;
pub mod surveys;
pub mod systems;
pub mod tasks;
pub mod transfers;
pub mod tree;
pub mod windows;

pub use crate::input::{MAX_PAGE, Paging, date_or_today};
