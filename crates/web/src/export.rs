//! Lists leave as Excel (.xlsx) and as CSV with a UTF-8 BOM, so Excel on a Chinese Windows
//! opens them right. Cells that a spreadsheet would read as a formula (= + - @, and tab or CR
//! first) are neutralised.

use crate::error::{AppError, AppResult};
use crate::labels::{kind_label, rank_label, stage_label, status_label};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use pacesetter_domain::Lang;
use pacesetter_domain::dates::iso;
use pacesetter_store::people::PersonListRow;
use rust_xlsxwriter::{Format, Workbook};

/// Whether a spreadsheet could take this text for a formula.
pub fn is_formula_like(s: &str) -> bool {
    matches!(s.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r'))
}

/// A cell's text as exported: a leading apostrophe for formula-like text.
pub fn neutralised(s: &str) -> std::borrow::Cow<'_, str> {
    if is_formula_like(s) { format!("'{s}").into() } else { s.into() }
}

/// A table to export: headers and rows of text.
pub struct Sheet {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Sheet {
    /// CSV by the `csv` crate, CRLF after each record, every cell quoted: a semicolon or a tab
    /// must be quoted (a spreadsheet in a locale that splits on them would otherwise start a new
    /// cell there, and a formula with it), which the crate's "when necessary" does not do.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new().quote_style(csv::QuoteStyle::Always).terminator(csv::Terminator::CRLF).from_writer("\u{feff}".as_bytes().to_vec());
        for row in std::iter::once(&self.headers).chain(self.rows.iter()) {
            // Writing into memory cannot fail.
            w.write_record(row.iter().map(|c| neutralised(c).into_owned())).expect("CSV into memory");
        }
        w.into_inner().expect("CSV into memory")
    }

    pub fn to_xlsx(&self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name(&self.name)?;
        let bold = Format::new().set_bold();
        let quoted = Format::new().set_quote_prefix();
        let percent = [Format::new().set_num_format("0%"), Format::new().set_num_format("0.0%"), Format::new().set_num_format("0.00%")];
        for (c, h) in self.headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)?;
        }
        let textual: Vec<bool> = self.headers.iter().map(|h| is_identifier_column(h)).collect();
        for (r, row) in self.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, c16) = (r as u32 + 1, c as u16);
                // Counts, scores and rates are numbers, so a sum or a sort works; identifiers
                // (staff and student numbers, phones) stay text and keep their leading zeros.
                match (textual.get(c).copied().unwrap_or(false), cell_number(v)) {
                    (false, Some(Number::Plain(n))) => {
                        ws.write_number(r, c16, n)?;
                    }
                    (false, Some(Number::Percent(n, decimals))) => {
                        ws.write_number_with_format(r, c16, n, &percent[decimals.min(2)])?;
                    }
                    _ if is_formula_like(v) => {
                        ws.write_string_with_format(r, c16, v, &quoted)?;
                    }
                    _ => {
                        ws.write_string(r, c16, v)?;
                    }
                }
            }
        }
        for (c, h) in self.headers.iter().enumerate() {
            let width = self.rows.iter().take(200).map(|r| r.get(c).map(|v| v.chars().count()).unwrap_or(0)).max().unwrap_or(0).max(h.chars().count());
            ws.set_column_width(c as u16, (width as f64 * 1.8).clamp(6.0, 60.0))?;
        }
        ws.set_freeze_panes(1, 0)?;
        wb.save_to_buffer()
    }
}

/// A number as a spreadsheet should hold it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Number {
    Plain(f64),
    /// "85.5%": the fraction, and how many decimals the text showed.
    Percent(f64, usize),
}

/// The number a cell's text is, when it is one in plain form: an optional minus, digits without
/// a leading zero (a code such as "007" is text), an optional decimal part, at most 15
/// significant digits (what a spreadsheet holds exactly), or such a number with a % sign.
fn cell_number(v: &str) -> Option<Number> {
    let (body, pct) = match v.strip_suffix('%') {
        Some(b) => (b, true),
        None => (v, false),
    };
    let digits = body.strip_prefix('-').unwrap_or(body);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let ok_int = !int.is_empty() && int.bytes().all(|b| b.is_ascii_digit()) && (int == "0" || !int.starts_with('0'));
    let ok_frac = frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
    if !ok_int || !ok_frac || int.len() + frac.map_or(0, str::len) > 15 {
        return None;
    }
    let n: f64 = body.parse().ok()?;
    Some(if pct { Number::Percent(n / 100.0, frac.map_or(0, str::len)) } else { Number::Plain(n) })
}

/// Whether a column holds identifiers that look like numbers but are not quantities: 工号, 学号,
/// 编号, 电话, and their English names (序号, a row's ordinal, is a number).
fn is_identifier_column(header: &str) -> bool {
    let h = header.to_lowercase();
    (header.contains('号') && !header.contains("序号"))
        || ["电话", "手机", "用户名", "操作人", "账号"].iter().any(|w| header.contains(w))
        || ["number", "phone", "user name", "username", "actor", "account", "certificate"].iter().any(|w| h.contains(w))
        || h == "id"
}

/// A Content-Disposition that downloads a file under its own name (an ASCII fallback for old
/// clients, the UTF-8 name for the others).
pub fn attachment(filename: &str) -> String {
    let ascii: String = filename.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect();
    let encoded = percent_encoding::utf8_percent_encode(filename, percent_encoding::NON_ALPHANUMERIC).to_string();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

fn download(bytes: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    let encoded = percent_encoding::utf8_percent_encode(filename, percent_encoding::NON_ALPHANUMERIC).to_string();
    ([(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"export\"; filename*=UTF-8''{encoded}"))], bytes)
        .into_response()
}

pub fn csv_response(sheet: &Sheet, filename: &str) -> Response {
    download(sheet.to_csv(), "text/csv; charset=utf-8", &format!("{filename}.csv"))
}

pub fn xlsx_response(sheet: &Sheet, filename: &str) -> AppResult<Response> {
    let bytes = sheet.to_xlsx().map_err(|e| {
        tracing::error!("xlsx export failed: {e}");
        AppError::internal()
    })?;
    Ok(download(bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &format!("{filename}.xlsx")))
}

pub fn people_sheet(rows: &[PersonListRow], lang: Lang) -> Sheet {
    use pacesetter_domain::member_file::{Degree, TitleLevel, years_between};
    let today = pacesetter_domain::dates::today();
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    Sheet {
        name: t("人员", "People"),
        headers: vec![
            t("姓名", "Name"),
            t("类别", "Kind"),
            t("工号/学号", "Number"),
            t("性别", "Gender"),
            t("政治面貌", "Political status"),
            t("发展阶段", "Development stage"),
            t("干部级别", "Cadre rank"),
            t("党组织", "Party organization"),
            t("单位/班级", "Unit / class"),
            t("电子邮箱", "E-mail"),
            t("电话", "Phone"),
            t("离开日期", "Left on"),
            t("出生日期", "Date of birth"),
            t("入党日期", "Joined on"),
            t("转正日期", "Full member since"),
            t("党龄", "Party standing (years)"),
            t("职称", "Professional title"),
            t("职称级别", "Title level"),
            t("最高学位", "Highest degree"),
            t("岗位", "Post held"),
        ],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.name.clone(),
                    kind_label(&r.kind, lang),
                    r.number.clone(),
                    crate::labels::gender_label(r.gender.as_deref(), lang),
                    status_label(&r.political_status, lang),
                    stage_label(r.dev_stage.as_deref(), lang),
                    rank_label(r.cadre_rank.as_deref(), lang),
                    r.org_label.clone().unwrap_or_default(),
                    r.unit_label.clone().unwrap_or_default(),
                    r.email.clone().unwrap_or_default(),
                    r.phone.clone().unwrap_or_default(),
                    r.left_on.map(iso).unwrap_or_default(),
                    r.birth_date.map(iso).unwrap_or_default(),
                    r.joined_on.map(iso).unwrap_or_default(),
                    r.full_on.map(iso).unwrap_or_default(),
                    r.full_on.filter(|f| *f <= today).map(|f| years_between(f, today).to_string()).unwrap_or_default(),
                    r.title.clone().unwrap_or_default(),
                    r.title_level.as_deref().and_then(TitleLevel::parse).map(|l| l.label(lang).to_string()).unwrap_or_default(),
                    r.degree.as_deref().and_then(Degree::parse).map(|d| d.label(lang).to_string()).unwrap_or_default(),
                    r.job_post.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    }
}

pub fn people_csv(rows: &[PersonListRow], lang: Lang) -> Response {
    csv_response(&people_sheet(rows, lang), lang.t("人员名单", "people"))
}

pub fn people_xlsx(rows: &[PersonListRow], lang: Lang) -> AppResult<Response> {
    xlsx_response(&people_sheet(rows, lang), lang.t("人员名单", "people"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_of(cells: &[&str]) -> String {
        let s = Sheet { name: "x".into(), headers: vec!["h".into()], rows: cells.iter().map(|c| vec![c.to_string()]).collect() };
        String::from_utf8(s.to_csv()).unwrap()
    }

    #[test]
    fn formula_like_cells_are_neutralised_and_every_cell_quoted() {
        assert_eq!(
            csv_of(&["=HYPERLINK(\"x\")", "+86", "-1", "@SUM", "王磊", "a,b", "a;=1+1", "a\t=1+1", "a\nb"]),
            "\u{feff}\"h\"\r\n\"'=HYPERLINK(\"\"x\"\")\"\r\n\"'+86\"\r\n\"'-1\"\r\n\"'@SUM\"\r\n\"王磊\"\r\n\"a,b\"\r\n\"a;=1+1\"\r\n\"a\t=1+1\"\r\n\"a\nb\"\r\n"
        );
    }

    #[test]
    fn quantities_are_numbers_and_identifiers_text() {
        assert_eq!(cell_number("12"), Some(Number::Plain(12.0)));
        assert_eq!(cell_number("-3.25"), Some(Number::Plain(-3.25)));
        assert_eq!(cell_number("0"), Some(Number::Plain(0.0)));
        assert_eq!(cell_number("85.5%"), Some(Number::Percent(0.855, 1)));
        for text in ["007", "1e5", "12.", ".5", "", "-", "1,000", "2012-04-20", "1234567890123456", "三", "85%%"] {
            assert_eq!(cell_number(text), None, "{text}");
        }
        assert!(is_identifier_column("工号/学号") && is_identifier_column("Staff or student number") && is_identifier_column("联系电话"));
        assert!(is_identifier_column("用户名") && is_identifier_column("User name") && is_identifier_column("操作人") && is_identifier_column("Certificate"));
        assert!(!is_identifier_column("序号") && !is_identifier_column("逾期") && !is_identifier_column("得分"));
    }

    #[test]
    fn an_xlsx_holds_numbers_as_numbers() {
        use calamine::{Data, Reader};
        let sheet = Sheet {
            name: "x".into(),
            headers: vec!["单位".into(), "工号".into(), "逾期".into(), "完成率".into()],
            rows: vec![vec!["=1+1".into(), "0042".into(), "3".into(), "87.5%".into()], vec!["文学院".into(), "2008001".into(), "12".into(), "100%".into()]],
        };
        let bytes = sheet.to_xlsx().unwrap();
        let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = wb.worksheet_range("x").unwrap();
        let cell = |r: u32, c: u32| range.get_value((r, c)).cloned().unwrap();
        assert_eq!(cell(1, 0), Data::String("=1+1".into()));
        assert_eq!(cell(1, 1), Data::String("0042".into()));
        assert_eq!(cell(2, 1), Data::String("2008001".into()));
        assert_eq!(cell(1, 2), Data::Float(3.0));
        assert_eq!(cell(2, 2), Data::Float(12.0));
        assert_eq!(cell(1, 3), Data::Float(0.875));
    }

    #[test]
    fn csv_starts_with_a_bom() {
        let s = Sheet { name: "x".into(), headers: vec!["姓名".into()], rows: vec![vec!["=1+1".into()]] };
        let bytes = s.to_csv();
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
        assert_eq!(String::from_utf8(bytes).unwrap(), "\u{feff}\"姓名\"\r\n\"'=1+1\"\r\n");
        let x = s.to_xlsx().unwrap();
        assert_eq!(&x[..2], b"PK");
    }
}
