//! Rosters as they arrive from the offices: the columns of the template, the reading of each
//! row into a person and their placement, and every problem found, in Chinese first.
//!
//! This module sees rows of text; reading the spreadsheet is the web layer's, comparing with
//! what is stored is the store's.

use crate::member_file::FileInput;
use crate::org::Post;
use crate::people::{PersonFields, PersonInput, PersonKind};
use crate::{Lang, Text};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    Name,
    Kind,
    Number,
    IdNumber,
    Gender,
    PoliticalStatus,
    DevStage,
    CadreRank,
    Org,
    Post,
    Unit,
    Class,
    Email,
    Phone,
    BirthDate,
    AppliedOn,
    JoinedOn,
    FullOn,
    Title,
    TitleLevel,
    Degree,
    JobPost,
}

impl Column {
    /// The columns in the template's order.
    pub const ALL: [Column; 22] = [
        Column::Name,
        Column::Kind,
        Column::Number,
        Column::IdNumber,
        Column::Gender,
        Column::PoliticalStatus,
        Column::DevStage,
        Column::CadreRank,
        Column::Org,
        Column::Post,
        Column::Unit,
        Column::Class,
        Column::Email,
        Column::Phone,
        Column::BirthDate,
        Column::AppliedOn,
        Column::JoinedOn,
        Column::FullOn,
        Column::Title,
        Column::TitleLevel,
        Column::Degree,
        Column::JobPost,
    ];

    /// The columns of the member's file (党员档案), with the file's field each fills.
    pub const FILE: [(Column, &'static str); 8] = [
        (Column::BirthDate, "birth_date"),
        (Column::AppliedOn, "applied_on"),
        (Column::JoinedOn, "joined_on"),
        (Column::FullOn, "full_on"),
        (Column::Title, "title"),
        (Column::TitleLevel, "title_level"),
        (Column::Degree, "degree"),
        (Column::JobPost, "job_post"),
    ];

    /// Columns a roster cannot do without.
    pub const REQUIRED: [Column; 4] = [Column::Name, Column::Kind, Column::Number, Column::PoliticalStatus];

    pub fn code(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::Kind => "kind",
            Column::Number => "number",
            Column::IdNumber => "id_number",
            Column::Gender => "gender",
            Column::PoliticalStatus => "political_status",
            Column::DevStage => "dev_stage",
            Column::CadreRank => "cadre_rank",
            Column::Org => "org",
            Column::Post => "post",
            Column::Unit => "unit",
            Column::Class => "class",
            Column::Email => "email",
            Column::Phone => "phone",
            Column::BirthDate => "birth_date",
            Column::AppliedOn => "applied_on",
            Column::JoinedOn => "joined_on",
            Column::FullOn => "full_on",
            Column::Title => "title",
            Column::TitleLevel => "title_level",
            Column::Degree => "degree",
            Column::JobPost => "job_post",
        }
    }

    /// The header of the template.
    pub fn header(self, lang: Lang) -> &'static str {
        match self {
            Column::Name => lang.t("姓名", "Name"),
            Column::Kind => lang.t("人员类别", "Kind"),
            Column::Number => lang.t("工号/学号", "Number"),
            Column::IdNumber => lang.t("身份证号", "ID number"),
            Column::Gender => lang.t("性别", "Gender"),
            Column::PoliticalStatus => lang.t("政治面貌", "Political status"),
            Column::DevStage => lang.t("发展阶段", "Development stage"),
            Column::CadreRank => lang.t("干部级别", "Cadre rank"),
            Column::Org => lang.t("党组织", "Party organization"),
            Column::Post => lang.t("党内职务", "Post"),
            Column::Unit => lang.t("单位", "Unit"),
            Column::Class => lang.t("班级", "Class"),
            Column::Email => lang.t("电子邮箱", "E-mail"),
            Column::Phone => lang.t("电话", "Phone"),
            Column::BirthDate => lang.t("出生日期", "Date of birth"),
            Column::AppliedOn => lang.t("申请入党日期", "Applied to join on"),
            Column::JoinedOn => lang.t("入党日期", "Joined on"),
            Column::FullOn => lang.t("转正日期", "Full member since"),
            Column::Title => lang.t("职称", "Professional title"),
            Column::TitleLevel => lang.t("职称级别", "Title level"),
            Column::Degree => lang.t("最高学位", "Highest degree"),
            Column::JobPost => lang.t("岗位", "Post held"),
        }
    }

    /// Other headers the offices use for the same column.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::Name => &["姓名", "name", "名字"],
            Column::Kind => &["人员类别", "类别", "kind", "身份"],
            Column::Number => &["工号/学号", "学号/工号", "工号", "学号", "number", "编号"],
            Column::IdNumber => &["身份证号", "身份证号码", "公民身份号码", "id_number", "id number"],
            Column::Gender => &["性别", "gender"],
            Column::PoliticalStatus => &["政治面貌", "political_status", "political status"],
            Column::DevStage => &["发展阶段", "入党阶段", "dev_stage", "development stage"],
            Column::CadreRank => &["干部级别", "职级", "cadre_rank", "cadre rank"],
            Column::Org => &["党组织", "所在党组织", "所在党支部", "党支部", "org", "party organization"],
            Column::Post => &["党内职务", "职务", "post"],
            Column::Unit => &["单位", "所在单位", "部门", "unit"],
            Column::Class => &["班级", "class"],
            Column::Email => &["电子邮箱", "邮箱", "email", "e-mail"],
            Column::Phone => &["电话", "手机", "手机号", "联系电话", "phone"],
            Column::BirthDate => &["出生日期", "出生年月", "birth_date", "date of birth"],
            Column::AppliedOn => &["申请入党日期", "入党申请日期", "申请入党时间", "applied_on"],
            Column::JoinedOn => &["入党日期", "入党时间", "joined_on"],
            Column::FullOn => &["转正日期", "转正时间", "full_on"],
            Column::Title => &["职称", "专业技术职务", "title"],
            Column::TitleLevel => &["职称级别", "title_level"],
            Column::Degree => &["最高学位", "学位", "degree"],
            Column::JobPost => &["岗位", "工作岗位", "现任职务", "job_post"],
        }
    }

    pub fn from_header(h: &str) -> Option<Column> {
        let h = h.trim().trim_start_matches('\u{feff}').trim_end_matches(['*', '＊']).trim().to_lowercase();
        Column::ALL.into_iter().find(|c| c.aliases().iter().any(|a| a.to_lowercase() == h))
    }
}

/// A problem with a row (or with the file as a whole when `line` is 0).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The line of the file (1 is the header), or 0 for the file.
    pub line: usize,
    pub column: Option<Column>,
    pub message: Text,
}

impl Problem {
    pub fn new(line: usize, column: Option<Column>, zh: impl Into<String>, en: impl Into<String>) -> Problem {
        Problem { line, column, message: Text::new(zh, en) }
    }
}

/// A row of text as read from the file.
#[derive(Clone, Debug, Default)]
pub struct RawRow {
    pub line: usize,
    pub cells: HashMap<Column, String>,
}

/// A row read into a person and where they go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterRow {
    pub line: usize,
    pub fields: PersonFields,
    /// The Party branch or group, as written (a name, or a path "committee/branch").
    pub org: Option<String>,
    pub post: Post,
    pub unit: Option<String>,
    pub class: Option<String>,
    /// The member's file as the row gives it: a column left out or a cell left empty keeps
    /// what is stored.
    #[serde(default)]
    pub file: FileInput,
}

/// Maps the header row to columns; reports a missing required column or one given twice.
pub fn map_headers(headers: &[String]) -> Result<Vec<Option<Column>>, Vec<Problem>> {
    let cols: Vec<Option<Column>> = headers.iter().map(|h| Column::from_header(h)).collect();
    let mut problems = Vec::new();
    for c in Column::REQUIRED {
        if !cols.contains(&Some(c)) {
            problems.push(Problem::new(
                1,
                Some(c),
                format!("缺少“{}”列（请使用下载的模板）", c.header(Lang::Zh)),
                format!("The column \"{}\" is missing (use the template)", c.header(Lang::En)),
            ));
        }
    }
    for c in Column::ALL {
        if cols.iter().filter(|x| **x == Some(c)).count() > 1 {
            problems.push(Problem::new(1, Some(c), format!("“{}”列出现了两次", c.header(Lang::Zh)), format!("The column \"{}\" appears twice", c.header(Lang::En))));
        }
    }
    if problems.is_empty() { Ok(cols) } else { Err(problems) }
}

fn cell(raw: &RawRow, c: Column) -> Option<String> {
    raw.cells.get(&c).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// The problems of a row's fields, each under its column.
pub fn push_field_problems(problems: &mut Vec<Problem>, line: usize, errs: crate::validate::FieldErrors) {
    for e in errs.0 {
        let column = Column::ALL.into_iter().find(|c| c.code() == e.field);
        let label = column.map(|c| c.header(Lang::Zh)).unwrap_or("");
        let label_en = column.map(|c| c.header(Lang::En)).unwrap_or("");
        problems.push(Problem::new(line, column, format!("{label}：{}", e.message.zh), format!("{label_en}: {}", e.message.en)));
    }
}

/// Reads every row; returns the rows that read cleanly and all problems found, including
/// numbers that appear twice and numbers that look like Excel dropped a leading zero.
pub fn parse_rows(raw: &[RawRow]) -> (Vec<RosterRow>, Vec<Problem>) {
    let mut rows = Vec::with_capacity(raw.len());
    let mut problems = Vec::new();
    for r in raw {
        let input = PersonInput {
            name: cell(r, Column::Name),
            kind: cell(r, Column::Kind),
            number: cell(r, Column::Number),
            gender: cell(r, Column::Gender),
            political_status: cell(r, Column::PoliticalStatus),
            dev_stage: cell(r, Column::DevStage),
            cadre_rank: cell(r, Column::CadreRank),
            email: cell(r, Column::Email),
            phone: cell(r, Column::Phone),
            id_number: cell(r, Column::IdNumber),
        };
        let post = match cell(r, Column::Post) {
            None => Some(Post::Member),
            Some(p) => Post::parse(&p),
        };
        let mut ok = true;
        if post.is_none() {
            ok = false;
            problems.push(Problem::new(r.line, Some(Column::Post), format!("党内职务“{}”无法识别", cell(r, Column::Post).unwrap_or_default()), "Unknown post"));
        }
        let mut file = FileInput::default();
        for (c, field) in Column::FILE {
            let v = cell(r, c);
            match field {
                "birth_date" => file.birth_date = v,
                "applied_on" => file.applied_on = v,
                "joined_on" => file.joined_on = v,
                "full_on" => file.full_on = v,
                "title" => file.title = v,
                "title_level" => file.title_level = v,
                "degree" => file.degree = v,
                _ => file.job_post = v,
            }
        }
        match input.validate() {
            Ok(fields) => {
                if !file.is_empty()
                    && let Err(errs) = file.validate(fields.kind, fields.political_status, fields.id_number.as_deref(), crate::dates::today())
                {
                    ok = false;
                    push_field_problems(&mut problems, r.line, errs);
                }
                if ok {
                    rows.push(RosterRow {
                        line: r.line,
                        fields,
                        org: cell(r, Column::Org),
                        post: post.unwrap_or(Post::Member),
                        unit: cell(r, Column::Unit),
                        class: cell(r, Column::Class),
                        file,
                    });
                }
            }
            Err(errs) => push_field_problems(&mut problems, r.line, errs),
        }
    }
    // The same number twice in one file.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for r in &rows {
        if let Some(first) = seen.insert(r.fields.number.as_str(), r.line) {
            problems.push(Problem::new(
                r.line,
                Some(Column::Number),
                format!("工号/学号 {} 与第{first}行重复", r.fields.number),
                format!("The number {} repeats line {first}", r.fields.number),
            ));
        }
    }
    // A number one digit shorter than most numbers of its kind has probably lost a leading 0.
    for kind in PersonKind::ALL {
        let mut lengths: HashMap<usize, usize> = HashMap::new();
        for r in rows.iter().filter(|r| r.fields.kind == kind && r.fields.number.bytes().all(|b| b.is_ascii_digit())) {
            *lengths.entry(r.fields.number.len()).or_default() += 1;
        }
        let Some((&common, &count)) = lengths.iter().max_by_key(|(len, n)| (**n, **len)) else { continue };
        if count < 5 {
            continue;
        }
        for r in rows.iter().filter(|r| r.fields.kind == kind && r.fields.number.len() + 1 == common && r.fields.number.bytes().all(|b| b.is_ascii_digit())) {
            problems.push(Problem::new(
                r.line,
                Some(Column::Number),
                format!("工号/学号 {} 比多数（{common}位）少一位，可能被Excel去掉了开头的0；请把该列设为文本后重新填写", r.fields.number),
                format!("The number {} is one digit shorter than most ({common}): Excel may have dropped a leading 0", r.fields.number),
            ));
        }
    }
    let bad: std::collections::HashSet<usize> = problems.iter().map(|p| p.line).collect();
    rows.retain(|r| !bad.contains(&r.line));
    problems.sort_by_key(|p| p.line);
    (rows, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(line: usize, cells: &[(Column, &str)]) -> RawRow {
        RawRow { line, cells: cells.iter().map(|(c, v)| (*c, v.to_string())).collect() }
    }

    fn student(line: usize, number: &str) -> RawRow {
        raw(line, &[(Column::Name, "李娜"), (Column::Kind, "学生"), (Column::Number, number), (Column::PoliticalStatus, "共青团员"), (Column::Class, "计算机1101班")])
    }

    #[test]
    fn headers_are_matched_by_their_usual_names() {
        let h: Vec<String> = ["姓名*", "学号", "人员类别", "政治面貌", "手机", "所在党支部"].iter().map(|s| s.to_string()).collect();
        let cols = map_headers(&h).unwrap();
        assert_eq!(cols, vec![Some(Column::Name), Some(Column::Number), Some(Column::Kind), Some(Column::PoliticalStatus), Some(Column::Phone), Some(Column::Org)]);
        let missing = map_headers(&["姓名".to_string()]).unwrap_err();
        assert!(missing.iter().any(|p| p.message.zh.contains("工号/学号")));
    }

    #[test]
    fn every_problem_of_a_row_is_reported_with_its_line() {
        let rows = vec![
            student(2, "201101010101"),
            raw(3, &[(Column::Name, ""), (Column::Kind, "学生"), (Column::Number, "2.01101E+11"), (Column::PoliticalStatus, "党员"), (Column::IdNumber, "123")]),
            student(4, "201101010101"),
        ];
        let (ok, problems) = parse_rows(&rows);
        assert_eq!(ok.len(), 1, "line 2 reads; line 4 repeats it");
        assert_eq!(ok[0].line, 2);
        let line3: Vec<&Problem> = problems.iter().filter(|p| p.line == 3).collect();
        assert!(line3.iter().any(|p| p.column == Some(Column::Name)));
        assert!(line3.iter().any(|p| p.message.zh.contains("科学计数法")));
        assert!(line3.iter().any(|p| p.column == Some(Column::PoliticalStatus)));
        assert!(line3.iter().any(|p| p.column == Some(Column::IdNumber)));
        assert!(problems.iter().any(|p| p.line == 4 && p.message.zh.contains("与第2行重复")));
    }

    #[test]
    fn a_lost_leading_zero_is_suspected() {
        let mut rows: Vec<RawRow> = (0..6).map(|i| student(2 + i, &format!("0{}", 11010101010 + i))).collect();
        rows.push(student(9, "11010101099"));
        let (ok, problems) = parse_rows(&rows);
        assert_eq!(ok.len(), 6);
        assert!(problems.iter().any(|p| p.line == 9 && p.message.zh.contains("开头的0")), "{problems:?}");
    }

    #[test]
    fn posts_read_in_chinese() {
        let mut r = student(2, "201101010101");
        r.cells.insert(Column::Post, "支部书记".into());
        let (ok, _) = parse_rows(&[r]);
        assert_eq!(ok[0].post, Post::Secretary);
    }

    #[test]
    fn the_members_file_columns_read_and_their_problems_sit_in_their_columns() {
        let h: Vec<String> = ["姓名", "学号", "人员类别", "政治面貌", "入党时间", "学位"].iter().map(|s| s.to_string()).collect();
        assert_eq!(map_headers(&h).unwrap()[4], Some(Column::JoinedOn));
        let mut ok = student(2, "201101010101");
        ok.cells.insert(Column::AppliedOn, "2011/10/8".into());
        ok.cells.insert(Column::Degree, "学士".into());
        let mut bad = student(3, "201101010102");
        bad.cells.insert(Column::JoinedOn, "2012-01-01".into());
        let (rows, problems) = parse_rows(&[ok, bad]);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].file.applied_on.as_deref(), Some("2011/10/8"));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!((problems[0].line, problems[0].column), (3, Some(Column::JoinedOn)));
        assert!(problems[0].message.zh.starts_with("入党日期："), "{problems:?}");
    }
}
