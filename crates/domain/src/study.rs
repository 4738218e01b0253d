//! Documents to study (items 1 and 4 of the plan): what the office types to publish one, read
//! and checked here. Publishing makes a task template whose deliverable is a study record
//! ([`crate::plan::Deliverable::Study`]); everything after is the tasks'.

use crate::plan::{Owners, Reviewer};
use crate::validate::{FieldErrors, long_text};
use time::Date;

/// A document as checked, before its files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Doc {
    pub title: String,
    pub body: String,
    pub item: Option<u32>,
    pub owners: Owners,
    pub due: Date,
    pub reviewer: Reviewer,
}

/// The owners a document may go to: (code, Chinese, English).
pub const OWNERS: [(&str, &str, &str); 5] = [
    ("party_orgs", "各级党组织", "Every Party organization"),
    ("secondary_orgs", "各二级党组织", "Every secondary organization"),
    ("branches", "各党支部", "Every branch"),
    ("window_units", "各窗口单位", "Every unit with service windows"),
    ("units", "指定单位", "The units named"),
];

/// The fields as typed.
pub struct Fields<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub item: &'a str,
    pub owners: &'a str,
    /// The units' names, one a line or separated by commas or 、 (for `units`).
    pub units: &'a str,
    pub due: &'a str,
    pub reviewer: &'a str,
}

/// Reads a document to publish: a title, its text, the work item (none, or 1 to 20), who
/// studies it, by when (today or later) and who reviews the records.
pub fn read(f: &Fields, today: Date) -> Result<Doc, FieldErrors> {
    let mut e = FieldErrors::new();
    let title = long_text(&mut e, "title", f.title, 100, ("文件标题", "title"), true);
    if title.contains('\n') {
        e.add("title", "文件标题须为一行", "The title is one line");
    }
    let body = long_text(&mut e, "body", f.body, 50_000, ("文件内容或学习要求", "text or study requirements"), true);
    let item = match f.item.trim() {
        "" => None,
        v => match v.parse::<u32>() {
            Ok(n) if (1..=20).contains(&n) => Some(n),
            _ => {
                e.add("item", "工作事项为 1 至 20 的编号", "The work item is a number from 1 to 20");
                None
            }
        },
    };
    let names: Vec<String> = f.units.split(['\n', ',', '，', '、', ';', '；']).map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
    let owners = match f.owners.trim() {
        "party_orgs" => Some(Owners::PartyOrgs),
        "secondary_orgs" => Some(Owners::SecondaryOrgs),
        "branches" => Some(Owners::Branches),
        "window_units" => Some(Owners::WindowUnits),
        "units" if names.is_empty() => {
            e.add("units", "请填写要学习该文件的单位名称", "Name the units that study it");
            None
        }
        "units" if names.len() > 200 => {
            e.add("units", "一次最多指定 200 个单位", "At most 200 units at a time");
            None
        }
        "units" => Some(Owners::Units(names)),
        _ => {
            e.add("owners", "请选择学习范围", "Choose who studies it");
            None
        }
    };
    let due = match crate::validate::date(f.due.trim()) {
        Ok(d) if d < today => {
            e.add("due", "学习截止日期不能早于今天", "The day to study it by cannot be in the past");
            None
        }
        Ok(d) if (d - today).whole_days() > 366 => {
            e.add("due", "学习截止日期须在一年之内", "The day must be within a year");
            None
        }
        Ok(d) => Some(d),
        Err(t) => {
            e.add("due", t.zh, t.en);
            None
        }
    };
    let reviewer = match f.reviewer.trim() {
        "" | "parent" => Some(Reviewer::Parent),
        "office" => Some(Reviewer::Office),
        _ => {
            e.add("reviewer", "审核方为上级党组织（parent）或创先办（office）", "The reviewer is parent or office");
            None
        }
    };
    match (owners, due, reviewer) {
        (Some(owners), Some(due), Some(reviewer)) if e.is_empty() => Ok(Doc { title, body, item, owners, due, reviewer }),
        _ => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn fields<'a>(owners: &'a str, units: &'a str, due: &'a str) -> Fields<'a> {
        Fields { title: "《实施方案》", body: "认真学习，逐条对照。", item: "1", owners, units, due, reviewer: "" }
    }

    #[test]
    fn reads_a_document_and_names_what_is_wrong() {
        let today = date!(2012 - 03 - 01);
        let d = read(&fields("branches", "", "2012-03-20"), today).unwrap();
        assert_eq!((d.owners, d.item, d.reviewer, d.due), (Owners::Branches, Some(1), Reviewer::Parent, date!(2012 - 03 - 20)));
        let d = read(&fields("units", "教务处、学生工作部（处）\n图书馆", "2012-03-20"), today).unwrap();
        assert_eq!(d.owners, Owners::Units(vec!["教务处".into(), "学生工作部（处）".into(), "图书馆".into()]));
        let e = read(&Fields { title: "", body: " ", item: "21", owners: "party_members", units: "", due: "2012-02-01", reviewer: "boss" }, today).unwrap_err();
        for f in ["title", "body", "item", "owners", "due", "reviewer"] {
            assert!(e.get(f).is_some(), "{f}: {e:?}");
        }
        assert!(read(&fields("units", " ", "2012-03-20"), today).unwrap_err().get("units").is_some());
    }
}
