//! Scope: what a caller may read and change, as a relation over both trees (DOMAIN.md, Scope).
//!
//! A scope is computed once per request from the caller's grants and relation records. The
//! store turns it into the one SQL condition that every query for people passes through; the
//! same rule is written here in plain Rust so it can be tested and so the web layer can ask it
//! about a single node.

use crate::ids::{AccountId, PersonId};
use crate::people::PoliticalStatus;
use crate::role::{RelationKind, Role};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    Read,
    Write,
}

/// One reach of a scope: everything, a subtree of either tree (by its stored path), or a person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    All,
    Org(String),
    Unit(String),
    Person(PersonId),
}

/// A grant as the scope needs it: its role and the paths it names.
#[derive(Clone, Debug)]
pub struct GrantFacts {
    pub role: Role,
    pub org_path: Option<String>,
    /// The administrative unit linked to the granted organization (a college to its committee).
    pub linked_unit_path: Option<String>,
}

/// A relation record as the scope needs it.
#[derive(Clone, Debug)]
pub struct RelationFacts {
    pub kind: RelationKind,
    pub org_path: Option<String>,
    pub unit_path: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Scope {
    pub account: AccountId,
    /// Who acts, as the audit log names them (the user name, or the command that runs).
    pub actor: String,
    pub person: Option<PersonId>,
    pub roles: Vec<Role>,
    pub reaches: Vec<(Reach, Access)>,
}

/// Where a person stands: the paths of their current memberships in both trees.
#[derive(Clone, Debug, Default)]
pub struct Placement {
    pub person: Option<PersonId>,
    pub org_paths: Vec<String>,
    pub unit_paths: Vec<String>,
}

impl Scope {
    /// Computes the scope of an account from its grants and its person's relations.
    pub fn resolve(account: AccountId, actor: &str, person: Option<PersonId>, status: Option<PoliticalStatus>, grants: &[GrantFacts], relations: &[RelationFacts]) -> Scope {
        let mut roles = Vec::new();
        let mut reaches = Vec::new();
        for g in grants {
            roles.push(g.role);
            match g.role {
                Role::Admin | Role::Office => reaches.push((Reach::All, Access::Write)),
                Role::Leader => reaches.push((Reach::All, Access::Read)),
                Role::Auditor => {}
                // A delegate acts in the organization delegated to, without its linked college.
                Role::Delegate => {
                    if let Some(p) = &g.org_path {
                        reaches.push((Reach::Org(p.clone()), Access::Write));
                    }
                }
                Role::OrgSecretary | Role::BranchSecretary => {
                    if let Some(p) = &g.org_path {
                        reaches.push((Reach::Org(p.clone()), Access::Write));
                    }
                    // A college committee's secretary also acts on the people of the college,
                    // Party members or not.
                    if let Some(u) = &g.linked_unit_path {
                        reaches.push((Reach::Unit(u.clone()), Access::Write));
                    }
                }
                _ => {}
            }
        }
        for r in relations {
            roles.push(r.kind.role());
            match (r.kind, &r.org_path, &r.unit_path) {
                (RelationKind::CadreClass, _, Some(u)) => reaches.push((Reach::Unit(u.clone()), Access::Read)),
                (RelationKind::BranchContact, Some(o), _) => reaches.push((Reach::Org(o.clone()), Access::Read)),
                (RelationKind::UnitHead, _, Some(u)) => reaches.push((Reach::Unit(u.clone()), Access::Write)),
                _ => {}
            }
        }
        if let Some(p) = person {
            reaches.push((Reach::Person(p), Access::Read));
        }
        match status {
            Some(s) if s.is_party_member() => roles.push(Role::Member),
            Some(_) => roles.push(Role::Masses),
            None => {}
        }
        roles.sort();
        roles.dedup();
        Scope { account, actor: actor.to_string(), person, roles, reaches }
    }

    /// The scope of the server itself (demo loading, command-line tools): everything, and
    /// named in the audit log by what runs. Account 0 is no account.
    pub fn system(actor: &str) -> Scope {
        Scope { account: AccountId(0), actor: actor.to_string(), person: None, roles: vec![], reaches: vec![(Reach::All, Access::Write)] }
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn has_any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has(*r))
    }

    /// The whole university, for reading or for changing.
    pub fn global(&self) -> Option<Access> {
        self.reaches.iter().filter(|(r, _)| *r == Reach::All).map(|(_, a)| *a).max()
    }

    /// The reaches that give at least `min`.
    pub fn reaches_at_least(&self, min: Access) -> impl Iterator<Item = &Reach> {
        self.reaches.iter().filter(move |(_, a)| *a >= min).map(|(r, _)| r)
    }

    /// Access to a node of the Party tree, given its stored path.
    pub fn org_access(&self, path: &str) -> Option<Access> {
        self.reaches
            .iter()
            .filter(|(r, _)| match r {
                Reach::All => true,
                Reach::Org(p) => path.starts_with(p.as_str()),
                _ => false,
            })
            .map(|(_, a)| *a)
            .max()
    }

    /// Access to a node of the administrative tree, given its stored path.
    pub fn unit_access(&self, path: &str) -> Option<Access> {
        self.reaches
            .iter()
            .filter(|(r, _)| match r {
                Reach::All => true,
                Reach::Unit(p) => path.starts_with(p.as_str()),
                _ => false,
            })
            .map(|(_, a)| *a)
            .max()
    }

    /// Whether the caller acts for the unit at `path` through a reach of their own in the
    /// administrative tree (a unit's head, a linked college's secretary): not through a
    /// university-wide role, which the office's own rules govern.
    pub fn acts_on_unit(&self, path: &str) -> bool {
        self.reaches.iter().any(|(r, a)| *a == Access::Write && matches!(r, Reach::Unit(p) if path.starts_with(p.as_str())))
    }

    /// The unit subtrees the caller acts for (see [`Scope::acts_on_unit`]), by their paths.
    pub fn unit_paths_acted_on(&self) -> impl Iterator<Item = &str> {
        self.reaches.iter().filter(|(_, a)| *a == Access::Write).filter_map(|(r, _)| match r {
            Reach::Unit(p) => Some(p.as_str()),
            _ => None,
        })
    }

    /// Access to a person, given where they stand. Mirrors the SQL condition of the store.
    pub fn person_access(&self, at: &Placement) -> Option<Access> {
        self.reaches
            .iter()
            .filter(|(r, _)| match r {
                Reach::All => true,
                Reach::Org(p) => at.org_paths.iter().any(|o| o.starts_with(p.as_str())),
                Reach::Unit(p) => at.unit_paths.iter().any(|u| u.starts_with(p.as_str())),
                Reach::Person(id) => at.person == Some(*id),
            })
            .map(|(_, a)| *a)
            .max()
    }

    /// Whether the caller may create, rename or close a node below `parent_path` in the Party tree.
    /// A secretary works inside their subtree but cannot remove its root from under themselves.
    pub fn may_edit_org_below(&self, parent_path: &str) -> bool {
        self.org_access(parent_path) == Some(Access::Write)
    }

    pub fn may_edit_unit_below(&self, parent_path: &str) -> bool {
        self.unit_access(parent_path) == Some(Access::Write)
    }

    /// Offices that manage the trees, accounts and relations for the whole university.
    pub fn is_office_or_admin(&self) -> bool {
        self.has_any(&[Role::Office, Role::Admin])
    }

    /// The campaign office, or the server itself (account 0).
    pub fn is_office(&self) -> bool {
        self.has(Role::Office) || self.account.0 == 0
    }

    /// Access to a node of the Party tree as the Party side's own records need it (meetings,
    /// disposal cases, care visits): Write for the office, else through a reach in the Party tree
    /// of the caller's own (a secretary's, a delegate's, a contact person's), never through the
    /// administrator's or a leader's reach over everything.
    pub fn party_access(&self, path: &str) -> Option<Access> {
        if self.is_office() {
            return Some(Access::Write);
        }
        self.reaches.iter().filter(|(r, _)| matches!(r, Reach::Org(p) if path.starts_with(p.as_str()))).map(|(_, a)| *a).max()
    }

    /// The Party subtrees, by path, that the caller reaches with at least `min` through reaches of
    /// their own (see [`Scope::party_access`]; the office's "everything" is not among them).
    pub fn own_org_paths(&self, min: Access) -> impl Iterator<Item = &str> {
        self.reaches.iter().filter(move |(_, a)| *a >= min).filter_map(|(r, _)| match r {
            Reach::Org(p) => Some(p.as_str()),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secretary(path: &str, linked: Option<&str>) -> Scope {
        Scope::resolve(
            AccountId(1),
            "sec",
            Some(PersonId(10)),
            Some(PoliticalStatus::CpcMember),
            &[GrantFacts { role: Role::BranchSecretary, org_path: Some(path.into()), linked_unit_path: linked.map(Into::into) }],
            &[],
        )
    }

    #[test]
    fn a_secretary_reaches_their_subtree_and_not_a_sibling() {
        let s = secretary("/1/2/5/", None);
        assert_eq!(s.org_access("/1/2/5/"), Some(Access::Write));
        assert_eq!(s.org_access("/1/2/5/77/"), Some(Access::Write));
        assert_eq!(s.org_access("/1/2/55/"), None, "a path prefix without its slash must not match");
        assert_eq!(s.org_access("/1/2/"), None);
        assert!(s.has(Role::Member));
    }

    #[test]
    fn a_college_secretary_also_reaches_the_college_people() {
        let s = secretary("/1/2/", Some("/1/30/"));
        let student = Placement { person: Some(PersonId(99)), org_paths: vec![], unit_paths: vec!["/1/30/31/".into()] };
        assert_eq!(s.person_access(&student), Some(Access::Write));
        let other = Placement { person: Some(PersonId(98)), org_paths: vec!["/1/3/".into()], unit_paths: vec!["/1/40/".into()] };
        assert_eq!(s.person_access(&other), None);
    }

    #[test]
    fn a_cadre_reads_the_linked_class_only() {
        let s = Scope::resolve(
            AccountId(2),
            "cadre",
            Some(PersonId(20)),
            Some(PoliticalStatus::CpcMember),
            &[],
            &[RelationFacts { kind: RelationKind::CadreClass, org_path: None, unit_path: Some("/1/30/31/".into()) }],
        );
        assert!(s.has(Role::Cadre));
        assert_eq!(s.unit_access("/1/30/31/"), Some(Access::Read));
        assert_eq!(s.unit_access("/1/30/32/"), None);
        assert_eq!(s.global(), None);
    }

    #[test]
    fn everyone_reads_themselves_and_the_office_everything() {
        let me = Placement { person: Some(PersonId(5)), ..Default::default() };
        let plain = Scope::resolve(AccountId(3), "me", Some(PersonId(5)), Some(PoliticalStatus::Masses), &[], &[]);
        assert_eq!(plain.person_access(&me), Some(Access::Read));
        assert!(plain.has(Role::Masses));
        let office = Scope::resolve(AccountId(4), "office", None, None, &[GrantFacts { role: Role::Office, org_path: None, linked_unit_path: None }], &[]);
        assert_eq!(office.person_access(&me), Some(Access::Write));
        assert_eq!(office.global(), Some(Access::Write));
        let auditor = Scope::resolve(AccountId(5), "auditor", None, None, &[GrantFacts { role: Role::Auditor, org_path: None, linked_unit_path: None }], &[]);
        assert_eq!(auditor.person_access(&me), None, "the auditor reads the log, not the roster");
    }
}
