//! Typed identifiers: an organization id can never be passed where a person id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($($(#[$m:meta])* $name:ident),* $(,)?) => {$(
        $(#[$m])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl From<i64> for $name {
            fn from(n: i64) -> Self {
                $name(n)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse::<i64>().map($name)
            }
        }
    )*};
}

id_type!(
    /// A node of the Party tree (校党委, 二级党组织, 党支部, 党小组).
    OrgId,
    /// A node of the administrative tree (学校, 学院, 处室, 系, 窗口, 班级).
    UnitId,
    /// A person of the roster.
    PersonId,
    /// A login account.
    AccountId,
    /// A membership of a person in an organization or unit.
    MembershipId,
    /// A role granted to an account.
    GrantId,
    /// A relation record (cadre to class, contact person to branch, head to unit).
    RelationId,
    /// A request to grant the auditor role, which takes two offices.
    AuditorRequestId,
    /// A campaign (one year's plan).
    CampaignId,
    /// A task owed by an organization, unit or person.
    TaskId,
    /// A public commitment.
    CommitmentId,
    /// A survey.
    SurveyId,
    /// What a survey evaluates: a window or unit, a Party organization, a cadre or a commitment,
    /// as the survey's target kind says (the id of that record).
    TargetId,
    /// A two-party sample draw.
    SampleId,
    /// A service window's inspection.
    InspectionId,
    /// An appraisal round.
    RoundId,
    /// A subject of an appraisal round.
    SubjectId,
    /// A selection (an award category's nominations, ballot and count).
    SelectionId,
    /// A nomination in a selection.
    NominationId,
    /// An award in the register.
    AwardId,
    /// An objection raised while a selection's result is on public notice.
    ObjectionId,
    /// A follow-up case opened on a subject of an appraisal round.
    CaseId,
    /// A file of evidence attached to a commitment's progress report.
    CommitmentEvidenceId,
    /// A file of evidence attached to a nomination.
    SelectionEvidenceId,
    /// A service standard of a window (亮标准).
    StandardId,
    /// A photo taken at an inspection.
    InspectionPhotoId,
    /// A roster upload waiting to be previewed, tried or applied.
    ImportId,
);
