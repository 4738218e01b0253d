//! Roles (DOMAIN.md, "Who uses it") and the relation records that scope depends on.

use crate::Lang;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Auditor,
    Office,
    Leader,
    OrgSecretary,
    BranchSecretary,
    UnitHead,
    Cadre,
    Contact,
    Member,
    Masses,
    /// A member to whom a secretary has handed rights within the organization, until a date.
    Delegate,
}

impl Role {
    pub const ALL: [Role; 12] = [
        Role::Admin,
        Role::Auditor,
        Role::Office,
        Role::Leader,
        Role::OrgSecretary,
        Role::BranchSecretary,
        Role::UnitHead,
        Role::Cadre,
        Role::Contact,
        Role::Member,
        Role::Masses,
        Role::Delegate,
    ];

    /// Roles held through a grant to an account (the others follow from relations and 政治面貌).
    pub const GRANTABLE: [Role; 6] = [Role::Admin, Role::Auditor, Role::Office, Role::Leader, Role::OrgSecretary, Role::BranchSecretary];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Auditor => "auditor",
            Role::Office => "office",
            Role::Leader => "leader",
            Role::OrgSecretary => "org_secretary",
            Role::BranchSecretary => "branch_secretary",
            Role::UnitHead => "unit_head",
            Role::Cadre => "cadre",
            Role::Contact => "contact",
            Role::Member => "member",
            Role::Masses => "masses",
            Role::Delegate => "delegate",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Role::Admin => lang.t("系统管理员", "System administrator"),
            Role::Auditor => lang.t("安全审计员", "Auditor"),
            Role::Office => lang.t("创先办", "Campaign office"),
            Role::Leader => lang.t("校领导", "University leader"),
            Role::OrgSecretary => lang.t("二级党组织书记", "Secondary organization secretary"),
            Role::BranchSecretary => lang.t("党支部书记", "Branch secretary"),
            Role::UnitHead => lang.t("单位负责人", "Unit head"),
            Role::Cadre => lang.t("处级以上干部", "Cadre"),
            Role::Contact => lang.t("支部联系人", "Branch contact person"),
            Role::Member => lang.t("党员", "Party member"),
            Role::Masses => lang.t("群众", "The masses"),
            Role::Delegate => lang.t("受托管理人", "Delegate"),
        }
    }

    /// Whether a grant of this role names an organization of the Party tree.
    pub fn needs_org(self) -> bool {
        matches!(self, Role::OrgSecretary | Role::BranchSecretary | Role::Delegate)
    }
}

/// The roles whose accounts only the two offices together change (三员分立): their password is
/// reset, the account disabled or enabled, and their role ended by the administrator and the
/// campaign office together, and a code for them goes to the holder only.
pub const GUARDED: [Role; 3] = [Role::Admin, Role::Office, Role::Auditor];

/// What one office asks and the other approves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TwoOfficeAction {
    GrantAuditor,
    GrantOffice,
    /// A one-time code mailed to the holder's address on record.
    ResetPassword,
    Disable,
    Enable,
    /// End the office's or the auditor's role (the grant named).
    EndGrant,
}

impl TwoOfficeAction {
    pub const ALL: [TwoOfficeAction; 6] =
        [TwoOfficeAction::GrantAuditor, TwoOfficeAction::GrantOffice, TwoOfficeAction::ResetPassword, TwoOfficeAction::Disable, TwoOfficeAction::Enable, TwoOfficeAction::EndGrant];

    pub fn code(self) -> &'static str {
        match self {
            TwoOfficeAction::GrantAuditor => "grant_auditor",
            TwoOfficeAction::GrantOffice => "grant_office",
            TwoOfficeAction::ResetPassword => "reset_password",
            TwoOfficeAction::Disable => "disable",
            TwoOfficeAction::Enable => "enable",
            TwoOfficeAction::EndGrant => "end_grant",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            TwoOfficeAction::GrantAuditor => lang.t("授予审计员角色", "Grant the auditor role"),
            TwoOfficeAction::GrantOffice => lang.t("授予创先办角色", "Grant the office role"),
            TwoOfficeAction::ResetPassword => lang.t("重置密码（验证码发给本人）", "Reset the password (a code to the holder)"),
            TwoOfficeAction::Disable => lang.t("停用账号", "Disable the account"),
            TwoOfficeAction::Enable => lang.t("启用账号", "Enable the account"),
            TwoOfficeAction::EndGrant => lang.t("收回角色", "End the role"),
        }
    }
}

/// A relation record that gives its person a reach (DOMAIN.md, "Scope is a relation").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    /// A division-level cadre linked to a student class (item 8).
    CadreClass,
    /// A contact person from the level above, assigned to a branch (item 11).
    BranchContact,
    /// The head of an administrative unit, who acts on its service windows (item 9).
    UnitHead,
}

impl RelationKind {
    pub const ALL: [RelationKind; 3] = [RelationKind::CadreClass, RelationKind::BranchContact, RelationKind::UnitHead];

    pub fn code(self) -> &'static str {
        match self {
            RelationKind::CadreClass => "cadre_class",
            RelationKind::BranchContact => "branch_contact",
            RelationKind::UnitHead => "unit_head",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            RelationKind::CadreClass => lang.t("干部联系班级", "Cadre linked to a class"),
            RelationKind::BranchContact => lang.t("支部联系人", "Contact person of a branch"),
            RelationKind::UnitHead => lang.t("单位负责人", "Head of a unit"),
        }
    }

    /// Whether the relation's target is a node of the Party tree (otherwise the administrative one).
    pub fn targets_org(self) -> bool {
        matches!(self, RelationKind::BranchContact)
    }

    /// The role the relation gives its person.
    pub fn role(self) -> Role {
        match self {
            RelationKind::CadreClass => Role::Cadre,
            RelationKind::BranchContact => Role::Contact,
            RelationKind::UnitHead => Role::UnitHead,
        }
    }
}
