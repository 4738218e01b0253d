//! The Party tree: 校党委 → 二级党组织 (院党委, 党总支, 直属党支部) → 党支部 → 党小组.

use crate::Lang;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 校党委: the root.
    University,
    /// 院党委 or 机关党委: a secondary organization with branches below it.
    Committee,
    /// 党总支: a general branch, also secondary.
    GeneralBranch,
    /// 直属党支部: a branch directly under the university committee, secondary in rank.
    DirectBranch,
    /// 党支部.
    Branch,
    /// 党小组.
    Group,
}

impl OrgKind {
    pub const ALL: [OrgKind; 6] = [OrgKind::University, OrgKind::Committee, OrgKind::GeneralBranch, OrgKind::DirectBranch, OrgKind::Branch, OrgKind::Group];

    pub fn code(self) -> &'static str {
        match self {
            OrgKind::University => "university",
            OrgKind::Committee => "committee",
            OrgKind::GeneralBranch => "general_branch",
            OrgKind::DirectBranch => "direct_branch",
            OrgKind::Branch => "branch",
            OrgKind::Group => "group",
        }
    }

    pub fn parse(s: &str) -> Option<OrgKind> {
        OrgKind::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            OrgKind::University => lang.t("校党委", "University committee"),
            OrgKind::Committee => lang.t("党委", "Party committee"),
            OrgKind::GeneralBranch => lang.t("党总支", "General branch"),
            OrgKind::DirectBranch => lang.t("直属党支部", "Directly attached branch"),
            OrgKind::Branch => lang.t("党支部", "Branch"),
            OrgKind::Group => lang.t("党小组", "Party group"),
        }
    }

    /// The national organization type code (党组织类别代码) where one applies.
    pub fn national_code(self) -> Option<u16> {
        match self {
            OrgKind::University | OrgKind::Committee => Some(611),
            OrgKind::GeneralBranch => Some(621),
            OrgKind::DirectBranch | OrgKind::Branch => Some(631),
            OrgKind::Group => None,
        }
    }

    /// A secondary organization (二级党组织) answers to the university committee.
    pub fn is_secondary(self) -> bool {
        matches!(self, OrgKind::Committee | OrgKind::GeneralBranch | OrgKind::DirectBranch)
    }

    /// A branch holds members directly (a direct branch is both secondary and a branch).
    pub fn is_branch(self) -> bool {
        matches!(self, OrgKind::Branch | OrgKind::DirectBranch)
    }

    /// Whether a node of this kind may sit under a node of kind `parent` (None: the root).
    pub fn may_sit_under(self, parent: Option<OrgKind>) -> bool {
        match (self, parent) {
            (OrgKind::University, None) => true,
            (OrgKind::Committee | OrgKind::GeneralBranch | OrgKind::DirectBranch, Some(OrgKind::University)) => true,
            (OrgKind::Branch, Some(OrgKind::Committee | OrgKind::GeneralBranch)) => true,
            (OrgKind::Group, Some(OrgKind::Branch | OrgKind::DirectBranch)) => true,
            _ => false,
        }
    }

    /// The kinds a new child of this node may have.
    pub fn child_kinds(self) -> Vec<OrgKind> {
        OrgKind::ALL.into_iter().filter(|k| k.may_sit_under(Some(self))).collect()
    }
}

/// The category of a branch (支部类别).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BranchCategory {
    Faculty,
    Student,
    Administrative,
    Logistics,
    Retired,
}

impl BranchCategory {
    pub const ALL: [BranchCategory; 5] = [BranchCategory::Faculty, BranchCategory::Student, BranchCategory::Administrative, BranchCategory::Logistics, BranchCategory::Retired];

    pub fn code(self) -> &'static str {
        match self {
            BranchCategory::Faculty => "faculty",
            BranchCategory::Student => "student",
            BranchCategory::Administrative => "administrative",
            BranchCategory::Logistics => "logistics",
            BranchCategory::Retired => "retired",
        }
    }

    pub fn parse(s: &str) -> Option<BranchCategory> {
        BranchCategory::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            BranchCategory::Faculty => lang.t("教工党支部", "Faculty branch"),
            BranchCategory::Student => lang.t("学生党支部", "Student branch"),
            BranchCategory::Administrative => lang.t("机关党支部", "Administrative branch"),
            BranchCategory::Logistics => lang.t("后勤党支部", "Logistics branch"),
            BranchCategory::Retired => lang.t("离退休党支部", "Retired members' branch"),
        }
    }
}

/// The posts a person holds in a Party organization (党内职务).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Post {
    Member,
    Secretary,
    DeputySecretary,
    OrganizationCommissioner,
    PropagandaCommissioner,
    DisciplineCommissioner,
    CommitteeMember,
    GroupLeader,
}

impl Post {
    pub const ALL: [Post; 8] = [
        Post::Member,
        Post::Secretary,
        Post::DeputySecretary,
        Post::OrganizationCommissioner,
        Post::PropagandaCommissioner,
        Post::DisciplineCommissioner,
        Post::CommitteeMember,
        Post::GroupLeader,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Post::Member => "member",
            Post::Secretary => "secretary",
            Post::DeputySecretary => "deputy_secretary",
            Post::OrganizationCommissioner => "organization_commissioner",
            Post::PropagandaCommissioner => "propaganda_commissioner",
            Post::DisciplineCommissioner => "discipline_commissioner",
            Post::CommitteeMember => "committee_member",
            Post::GroupLeader => "group_leader",
        }
    }

    /// A post by its code or its Chinese name (as a roster writes it).
    pub fn parse(s: &str) -> Option<Post> {
        let s = s.trim();
        Post::ALL.into_iter().find(|k| k.code() == s || k.label(Lang::Zh) == s).or(match s {
            "支部书记" | "党支部书记" | "党委书记" | "总支书记" => Some(Post::Secretary),
            "副书记" | "支部副书记" => Some(Post::DeputySecretary),
            "组织员" => Some(Post::OrganizationCommissioner),
            "党小组组长" | "组长" => Some(Post::GroupLeader),
            "" | "无" => Some(Post::Member),
            _ => None,
        })
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Post::Member => lang.t("党员", "Member"),
            Post::Secretary => lang.t("书记", "Secretary"),
            Post::DeputySecretary => lang.t("副书记", "Deputy secretary"),
            Post::OrganizationCommissioner => lang.t("组织委员", "Organization commissioner"),
            Post::PropagandaCommissioner => lang.t("宣传委员", "Propaganda commissioner"),
            Post::DisciplineCommissioner => lang.t("纪检委员", "Discipline commissioner"),
            Post::CommitteeMember => lang.t("委员", "Committee member"),
            Post::GroupLeader => lang.t("党小组长", "Group leader"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_party_tree_has_a_fixed_shape() {
        assert!(OrgKind::University.may_sit_under(None));
        assert!(!OrgKind::Branch.may_sit_under(None));
        assert!(OrgKind::Committee.may_sit_under(Some(OrgKind::University)));
        assert!(OrgKind::Branch.may_sit_under(Some(OrgKind::GeneralBranch)));
        assert!(!OrgKind::Branch.may_sit_under(Some(OrgKind::University)));
        assert!(OrgKind::Group.may_sit_under(Some(OrgKind::DirectBranch)));
        assert!(!OrgKind::Group.may_sit_under(Some(OrgKind::Group)));
        assert_eq!(OrgKind::Branch.child_kinds(), vec![OrgKind::Group]);
    }

    #[test]
    fn codes_round_trip() {
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.code()), Some(k));
        }
        for p in Post::ALL {
            assert_eq!(Post::parse(p.code()), Some(p));
        }
        for c in BranchCategory::ALL {
            assert_eq!(BranchCategory::parse(c.code()), Some(c));
        }
    }
}
