//! The administrative tree: 学校 → 学院 / 机关处室 / 直属单位 → 系 / 科室 / 服务窗口 / 班级.

use crate::Lang;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    School,
    College,
    Office,
    DirectUnit,
    Department,
    Section,
    Window,
    Class,
}

impl UnitKind {
    pub const ALL: [UnitKind; 8] =
        [UnitKind::School, UnitKind::College, UnitKind::Office, UnitKind::DirectUnit, UnitKind::Department, UnitKind::Section, UnitKind::Window, UnitKind::Class];

    pub fn code(self) -> &'static str {
        match self {
            UnitKind::School => "school",
            UnitKind::College => "college",
            UnitKind::Office => "office",
            UnitKind::DirectUnit => "direct_unit",
            UnitKind::Department => "department",
            UnitKind::Section => "section",
            UnitKind::Window => "window",
            UnitKind::Class => "class",
        }
    }

    pub fn parse(s: &str) -> Option<UnitKind> {
        UnitKind::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            UnitKind::School => lang.t("学校", "University"),
            UnitKind::College => lang.t("学院", "College"),
            UnitKind::Office => lang.t("机关处室", "Administrative office"),
            UnitKind::DirectUnit => lang.t("直属单位", "Directly attached unit"),
            UnitKind::Department => lang.t("系", "Department"),
            UnitKind::Section => lang.t("科室", "Section"),
            UnitKind::Window => lang.t("服务窗口", "Service window"),
            UnitKind::Class => lang.t("班级", "Class"),
        }
    }

    /// Whether a node of this kind may sit under a node of kind `parent` (None: the root).
    pub fn may_sit_under(self, parent: Option<UnitKind>) -> bool {
        use UnitKind::*;
        match (self, parent) {
            (School, None) => true,
            (College | Office | DirectUnit, Some(School)) => true,
            (Department, Some(College)) => true,
            (Section, Some(College | Office | DirectUnit)) => true,
            (Window, Some(College | Office | DirectUnit | Section)) => true,
            (Class, Some(College | Department)) => true,
            _ => false,
        }
    }

    pub fn child_kinds(self) -> Vec<UnitKind> {
        UnitKind::ALL.into_iter().filter(|k| k.may_sit_under(Some(self))).collect()
    }

    /// Units whose head supervises service windows (item 9).
    pub fn may_have_windows(self) -> bool {
        !self.child_kinds().iter().all(|k| *k != UnitKind::Window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_sit_in_colleges_and_windows_in_offices() {
        assert!(UnitKind::Class.may_sit_under(Some(UnitKind::Department)));
        assert!(!UnitKind::Class.may_sit_under(Some(UnitKind::Office)));
        assert!(UnitKind::Window.may_sit_under(Some(UnitKind::DirectUnit)));
        assert!(!UnitKind::Window.may_sit_under(Some(UnitKind::Window)));
        assert!(UnitKind::Office.may_have_windows());
        assert!(!UnitKind::Class.may_have_windows());
        for k in UnitKind::ALL {
            assert_eq!(UnitKind::parse(k.code()), Some(k));
        }
    }
}
