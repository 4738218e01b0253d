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
        for (c, h) in self.headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, c) = (r as u32 + 1, c as u16);
                // Everything is written as text: numbers keep their leading zeros.
                if is_formula_like(v) {
                    ws.write_string_with_format(r, c, v, &quoted)?;
                } else {
                    ws.write_string(r, c, v)?;
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
    fn csv_starts_with_a_bom() {
        let s = Sheet { name: "x".into(), headers: vec!["姓名".into()], rows: vec![vec!["=1+1".into()]] };
        let bytes = s.to_csv();
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
        assert_eq!(String::from_utf8(bytes).unwrap(), "\u{feff}\"姓名\"\r\n\"'=1+1\"\r\n");
        let x = s.to_xlsx().unwrap();
        assert_eq!(&x[..2], b"PK");
    }
}
