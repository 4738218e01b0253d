//! The rules of Pacesetter, free of HTTP and SQL.
//!
//! One module per concept of DOMAIN.md. Everything here is pure: given the same input it
//! returns the same output, so it is tested by unit tests beside each module.

pub mod activity;
pub mod announcement;
pub mod anonymity;
pub mod api_token;
pub mod appraisal;
pub mod audit;
pub mod branch_system;
pub mod calendar;
pub mod care;
pub mod central_group;
pub mod commitment;
pub mod dates;
pub mod demo;
pub mod dev_ledger;
pub mod development;
pub mod disposal;
pub mod ids;
pub mod lang;
pub mod liaison;
pub mod library;
pub mod meeting;
pub mod member_file;
pub mod org;
pub mod people;
pub mod plan;
pub mod problem;
pub mod research;
pub mod rng;
pub mod role;
pub mod roster;
pub mod sample;
pub mod scope;
pub mod search;
pub mod selection;
pub mod sign_on;
pub mod similar;
pub mod story;
pub mod study;
pub mod study_point;
pub mod survey;
pub mod task;
pub mod throttle;
pub mod unit;
pub mod validate;

pub use lang::{Lang, Text};
