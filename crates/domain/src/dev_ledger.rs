//! The development ledger (发展党员台账) as a sheet: one row per recorded step of a person's
//! development, as a branch or a Party committee keeps it on paper. Loading it records each step
//! under the same rules as recording it by hand (this module reads the sheet; the rules are
//! [`crate::development`]'s, the recording the store's).

use crate::development::Step;
use crate::roster::Problem;
use crate::{Lang, Text};
use std::collections::HashMap;

/// The ledger's columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LedgerColumn {
    Number,
    Name,
    Branch,
    Step,
    On,
    By,
    Numbers,
    WithVote,
    Present,
    Yes,
    Certificate,
    Place,
    Until,
    Months,
    Note,
}

impl LedgerColumn {
    pub const ALL: [LedgerColumn; 15] = [
        LedgerColumn::Number,
        LedgerColumn::Name,
        LedgerColumn::Branch,
        LedgerColumn::Step,
        LedgerColumn::On,
        LedgerColumn::By,
        LedgerColumn::Numbers,
        LedgerColumn::WithVote,
        LedgerColumn::Present,
        LedgerColumn::Yes,
        LedgerColumn::Certificate,
        LedgerColumn::Place,
        LedgerColumn::Until,
        LedgerColumn::Months,
        LedgerColumn::Note,
    ];

    /// The field of a step's form the column fills (as the form and the API name it).
    pub fn field(self) -> &'static str {
        match self {
            LedgerColumn::Number => "number",
            LedgerColumn::Name => "name",
            LedgerColumn::Branch => "org",
            LedgerColumn::Step => "step",
            LedgerColumn::On => "on",
            LedgerColumn::By => "by",
            LedgerColumn::Numbers => "numbers",
            LedgerColumn::WithVote => "with_vote",
            LedgerColumn::Present => "present",
            LedgerColumn::Yes => "yes",
            LedgerColumn::Certificate => "certificate",
            LedgerColumn::Place => "place",
            LedgerColumn::Until => "until",
            LedgerColumn::Months => "months",
            LedgerColumn::Note => "note",
        }
    }

    /// The column's header in the template.
    pub fn header(self, lang: Lang) -> &'static str {
        match self {
            LedgerColumn::Number => lang.t("工号/学号", "Number"),
            LedgerColumn::Name => lang.t("姓名", "Name"),
            LedgerColumn::Branch => lang.t("党支部", "Branch"),
            LedgerColumn::Step => lang.t("步骤", "Step"),
            LedgerColumn::On => lang.t("日期", "Date"),
            LedgerColumn::By => lang.t("经办人", "By"),
            LedgerColumn::Numbers => lang.t("培养联系人/入党介绍人（工号）", "Contacts or introducers (numbers)"),
            LedgerColumn::WithVote => lang.t("有表决权人数", "Members with a vote"),
            LedgerColumn::Present => lang.t("到会人数", "Present"),
            LedgerColumn::Yes => lang.t("赞成票数", "Yes"),
            LedgerColumn::Certificate => lang.t("培训证书编号", "Certificate"),
            LedgerColumn::Place => lang.t("公示范围", "Notice posted at"),
            LedgerColumn::Until => lang.t("公示截止", "Notice ends"),
            LedgerColumn::Months => lang.t("延长月数", "Months extended"),
            LedgerColumn::Note => lang.t("备注", "Note"),
        }
    }

    fn aliases(self) -> &'static [&'static str] {
        match self {
            LedgerColumn::Number => &["工号/学号", "工号", "学号", "编号", "number"],
            LedgerColumn::Name => &["姓名", "name"],
            LedgerColumn::Branch => &["党支部", "所在党支部", "支部", "branch"],
            LedgerColumn::Step => &["步骤", "发展步骤", "环节", "step"],
            LedgerColumn::On => &["日期", "时间", "date", "on"],
            LedgerColumn::By => &["经办人", "谈话人", "by"],
            LedgerColumn::Numbers => &["培养联系人/入党介绍人（工号）", "培养联系人/入党介绍人", "培养联系人", "入党介绍人", "numbers"],
            LedgerColumn::WithVote => &["有表决权人数", "应到人数", "with_vote"],
            LedgerColumn::Present => &["到会人数", "实到人数", "present"],
            LedgerColumn::Yes => &["赞成票数", "赞成", "yes"],
            LedgerColumn::Certificate => &["培训证书编号", "证书编号", "certificate"],
            LedgerColumn::Place => &["公示范围", "公示地点", "place"],
            LedgerColumn::Until => &["公示截止", "公示截止日期", "until"],
            LedgerColumn::Months => &["延长月数", "延长预备期月数", "months"],
            LedgerColumn::Note => &["备注", "note"],
        }
    }

    fn from_header(h: &str) -> Option<LedgerColumn> {
        let h: String = h.trim().to_lowercase().chars().filter(|c| !c.is_whitespace() && !matches!(c, '*' | '＊')).collect();
        LedgerColumn::ALL.into_iter().find(|c| c.aliases().iter().any(|a| a.to_lowercase() == h))
    }

    /// The column of a step form's field, for a problem's label.
    pub fn of_field(field: &str) -> Option<LedgerColumn> {
        match field {
            "vote" => Some(LedgerColumn::WithVote),
            "people" => Some(LedgerColumn::Numbers),
            "org_id" => Some(LedgerColumn::Branch),
            f => LedgerColumn::ALL.into_iter().find(|c| c.field() == f),
        }
    }
}

/// The names a ledger may give a step: its code, its label in either language, and the short
/// names secretaries write.
pub fn step_of(text: &str) -> Option<Step> {
    let t: String = text.trim().chars().filter(|c| !c.is_whitespace()).collect();
    if t.is_empty() {
        return None;
    }
    if let Some(s) = Step::parse(&t) {
        return Some(s);
    }
    let short: &[(&str, Step)] = &[
        ("入党申请", Step::Applied),
        ("申请入党", Step::Applied),
        ("谈话", Step::Talked),
        ("确定积极分子", Step::Activist),
        ("入党积极分子", Step::Activist),
        ("积极分子", Step::Activist),
        ("积极分子备案", Step::ActivistFiled),
        ("确定发展对象", Step::Candidate),
        ("发展对象", Step::Candidate),
        ("发展对象备案", Step::CandidateFiled),
        ("政审", Step::PoliticalReview),
        ("集中培训", Step::Training),
        ("培训", Step::Training),
        ("公示", Step::Publicity),
        ("预审", Step::PreReview),
        ("支部大会", Step::Admitted),
        ("接收预备党员", Step::Admitted),
        ("上级谈话", Step::HigherTalk),
        ("审批", Step::Approved),
        ("宣誓", Step::Oath),
        ("转正", Step::ConversionMeeting),
        ("讨论转正", Step::ConversionMeeting),
        ("延长预备期", Step::Extended),
        ("批准转正", Step::FullApproved),
        ("取消预备党员资格", Step::Cancelled),
    ];
    if let Some((_, s)) = short.iter().find(|(n, _)| *n == t) {
        return Some(*s);
    }
    Step::ALL.into_iter().find(|s| {
        let zh: String = s.label(Lang::Zh).chars().filter(|c| !c.is_whitespace()).collect();
        zh == t || s.label(Lang::En).eq_ignore_ascii_case(text.trim())
    })
}

/// A ledger row as read: its line, its step (read), and every cell by the form field it fills.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerRow {
    pub line: usize,
    pub step: Step,
    pub cells: HashMap<&'static str, String>,
}

impl LedgerRow {
    pub fn get(&self, c: LedgerColumn) -> &str {
        self.cells.get(c.field()).map(|s| s.trim()).unwrap_or("")
    }
}

/// Reads a ledger's table: finds the header (the first of twenty rows naming 步骤), maps the
/// columns, and reads each row; every problem with its line, nothing half-read.
pub fn read(table: &[Vec<String>]) -> Result<Vec<LedgerRow>, Vec<Problem>> {
    let Some(h) = table.iter().take(20).position(|r| r.iter().any(|c| LedgerColumn::from_header(c) == Some(LedgerColumn::Step))) else {
        return Err(vec![Problem::new(
            0,
            None,
            "找不到表头（应有“工号/学号”“步骤”“日期”等列，请使用下载的模板）",
            "No header row found (it names 工号/学号, 步骤, 日期: use the template)",
        )]);
    };
    let cols: Vec<Option<LedgerColumn>> = table[h].iter().map(|c| LedgerColumn::from_header(c)).collect();
    let mut problems = Vec::new();
    for need in [LedgerColumn::Number, LedgerColumn::Step, LedgerColumn::On] {
        if !cols.contains(&Some(need)) {
            problems.push(Problem::new(h + 1, None, format!("缺少“{}”列", need.header(Lang::Zh)), format!("The column \"{}\" is missing", need.header(Lang::En))));
        }
    }
    for (i, c) in cols.iter().enumerate().filter_map(|(i, c)| c.map(|c| (i, c))) {
        if cols.iter().take(i).any(|x| *x == Some(c)) {
            problems.push(Problem::new(h + 1, None, format!("“{}”列出现了两次", c.header(Lang::Zh)), format!("The column \"{}\" appears twice", c.header(Lang::En))));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut rows = Vec::new();
    for (i, r) in table.iter().enumerate().skip(h + 1) {
        if r.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let line = i + 1;
        let mut cells = HashMap::new();
        for (j, v) in r.iter().enumerate() {
            if let Some(Some(c)) = cols.get(j) {
                cells.insert(c.field(), v.trim().to_string());
            }
        }
        let cell = |c: LedgerColumn| cells.get(c.field()).map(String::as_str).unwrap_or("");
        if cell(LedgerColumn::Number).is_empty() {
            problems.push(Problem::new(line, None, "工号/学号：请填写", "Number: required"));
        }
        match step_of(cell(LedgerColumn::Step)) {
            Some(step) => rows.push(LedgerRow { line, step, cells }),
            None => problems.push(Problem::new(
                line,
                None,
                format!("步骤：无法识别“{}”（请使用模板中的步骤名称）", cell(LedgerColumn::Step)),
                format!("Step: \"{}\" is not a step (use the template's names)", cell(LedgerColumn::Step)),
            )),
        }
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(Problem::new(0, None, "台账中没有数据行", "The ledger has no rows"));
    }
    if problems.is_empty() { Ok(rows) } else { Err(problems) }
}

/// A problem of a row from a form's field errors: each under its column's header.
pub fn problems_of(line: usize, errs: &crate::validate::FieldErrors) -> Vec<Problem> {
    errs.0
        .iter()
        .map(|e| {
            let c = LedgerColumn::of_field(&e.field);
            let (zh, en) = c.map(|c| (c.header(Lang::Zh), c.header(Lang::En))).unwrap_or(("", ""));
            if zh.is_empty() {
                Problem::new(line, None, e.message.zh.clone(), e.message.en.clone())
            } else {
                Problem::new(line, None, format!("{zh}：{}", e.message.zh), format!("{en}: {}", e.message.en))
            }
        })
        .collect()
}

/// A problem of a row from a message.
pub fn problem(line: usize, t: &Text) -> Problem {
    Problem::new(line, None, t.zh.clone(), t.en.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
    }

    #[test]
    fn a_ledger_is_read_with_its_step_names() {
        let rows = read(&t(&[
            &["发展党员台账"],
            &["工号/学号", "姓名", "党支部", "步骤", "日期", "培养联系人"],
            &["2012001", "张三", "第一党支部", "递交入党申请书", "2022-03-01", ""],
            &[],
            &["2012001", "张三", "", "积极分子", "2022-04-10", "1990001"],
            &["2012001", "张三", "", "activist_filed", "2022-04-20", ""],
        ]))
        .unwrap();
        assert_eq!(rows.iter().map(|r| (r.line, r.step)).collect::<Vec<_>>(), vec![(3, Step::Applied), (5, Step::Activist), (6, Step::ActivistFiled)]);
        assert_eq!(rows[1].get(LedgerColumn::Numbers), "1990001");
        assert_eq!(rows[0].get(LedgerColumn::Branch), "第一党支部");
    }

    #[test]
    fn every_problem_is_told_with_its_line() {
        let e = read(&t(&[&["工号/学号", "步骤"], &["1", "x"]])).unwrap_err();
        assert!(e.iter().any(|p| p.message.zh.contains("缺少“日期”列")), "{e:?}");
        let e = read(&t(&[&["工号/学号", "步骤", "日期"], &["", "公示", "2022-01-01"], &["1", "开会", "2022-01-01"]])).unwrap_err();
        assert_eq!(e.iter().map(|p| p.line).collect::<Vec<_>>(), vec![2, 3]);
        assert!(read(&t(&[&["名单"]])).is_err());
        assert_eq!(step_of("支部大会讨论接收"), Some(Step::Admitted));
        assert_eq!(step_of("Oath"), Some(Step::Oath));
    }
}
