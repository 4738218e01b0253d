//! Reading spreadsheets as they arrive: .xlsx, .xls and .csv (UTF-8 or GBK), recognised by
//! their content, checked for size and for decompressed size before anything parses them.

use calamine::{Data, Reader};
use pacesetter_domain::Text;
use pacesetter_domain::roster::{Column, Problem, RawRow, map_headers};
use std::collections::HashMap;
use std::io::{Cursor, Read};

/// The largest upload read (the server's body limit is a little above it).
pub const MAX_UPLOAD: usize = 20 * 1024 * 1024;
/// The most an .xlsx may inflate to, all parts together.
pub const MAX_INFLATED: u64 = 200 * 1024 * 1024;
/// The most rows read from one file.
pub const MAX_ROWS: usize = 100_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Xls,
    Csv,
}

/// Recognises the format by the file's first bytes, not by its name.
pub fn sniff(bytes: &[u8]) -> Format {
    if bytes.starts_with(b"PK\x03\x04") {
        Format::Xlsx
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Format::Xls
    } else {
        Format::Csv
    }
}

fn err(zh: impl Into<String>, en: impl Into<String>) -> Text {
    Text::new(zh, en)
}

/// Inflates every part of a zip with a running total, so a zip bomb is stopped after reading
/// at most [`MAX_INFLATED`] bytes, whatever sizes its directory claims.
pub fn check_zip(bytes: &[u8]) -> Result<(), Text> {
    check_zip_within(bytes, MAX_INFLATED)
}

fn check_zip_within(bytes: &[u8], limit: u64) -> Result<(), Text> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| err("文件已损坏，不是有效的 .xlsx", "The file is damaged: not a valid .xlsx"))?;
    if zip.len() > 10_000 {
        return Err(err("文件内部结构异常（部件过多）", "The file has too many parts"));
    }
    let mut total: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).map_err(|_| err("文件已损坏，不是有效的 .xlsx", "The file is damaged: not a valid .xlsx"))?;
        loop {
            let n = f.read(&mut buf).map_err(|_| err("文件已损坏，无法解压", "The file is damaged and cannot be inflated"))?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > limit {
                return Err(err(format!("文件解压后超过 {} MB，拒绝读取", limit / 1024 / 1024), format!("The file inflates beyond {} MB and is refused", limit / 1024 / 1024)));
            }
        }
    }
    Ok(())
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        // A number typed into a numeric cell comes back exactly, however Excel displayed it.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => excel_date(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// An Excel serial date (days since 1899-12-30) as 2012-03-15.
fn excel_date(serial: f64) -> String {
    let base = time::macros::date!(1899 - 12 - 30);
    match base.checked_add(time::Duration::days(serial.floor() as i64)) {
        Some(d) => pacesetter_domain::dates::iso(d),
        None => serial.to_string(),
    }
}

/// Decodes text: UTF-8 (with or without a BOM), else GB18030 (a superset of GBK).
pub fn decode_text(bytes: &[u8]) -> String {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(b).0.into_owned(),
    }
}

/// The cells of the first sheet (or of the CSV), row by row.
pub fn read_table(bytes: &[u8]) -> Result<Vec<Vec<String>>, Text> {
    if bytes.len() > MAX_UPLOAD {
        return Err(err(format!("文件超过 {} MB", MAX_UPLOAD / 1024 / 1024), format!("The file is larger than {} MB", MAX_UPLOAD / 1024 / 1024)));
    }
    if bytes.is_empty() {
        return Err(err("文件是空的", "The file is empty"));
    }
    let format = sniff(bytes);
    let rows: Vec<Vec<String>> = match format {
        Format::Xlsx | Format::Xls => {
            if format == Format::Xlsx {
                check_zip(bytes)?;
            }
            let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).map_err(|_| err("无法读取该电子表格文件", "The spreadsheet cannot be read"))?;
            let range = wb
                .worksheet_range_at(0)
                .ok_or_else(|| err("文件中没有工作表", "The file has no sheet"))?
                .map_err(|_| err("无法读取第一个工作表", "The first sheet cannot be read"))?;
            range.rows().take(MAX_ROWS + 2).map(|r| r.iter().map(cell_text).collect()).collect()
        }
        Format::Csv => {
            let text = decode_text(bytes);
            if text.contains('\0') {
                return Err(err("文件不是表格（.xlsx、.xls 或 .csv）", "The file is not a table (.xlsx, .xls or .csv)"));
            }
            let mut rd = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
            let mut out = Vec::new();
            for rec in rd.records().take(MAX_ROWS + 2) {
                let rec = rec.map_err(|e| err(format!("CSV 格式错误：{e}"), format!("Malformed CSV: {e}")))?;
                out.push(rec.iter().map(str::to_string).collect());
            }
            out
        }
    };
    if rows.len() > MAX_ROWS + 1 {
        return Err(err(format!("一个文件最多 {MAX_ROWS} 行，请分批导入"), format!("At most {MAX_ROWS} rows per file; split it")));
    }
    Ok(rows)
}

/// Reads a roster: finds the header row (the first that names 姓名), maps its columns, and
/// returns the data rows with their line numbers.
pub fn read_roster(bytes: &[u8]) -> Result<Vec<RawRow>, Vec<Problem>> {
    let table = read_table(bytes).map_err(|t| vec![Problem::new(0, None, t.zh, t.en)])?;
    let header_at = table.iter().take(20).position(|r| r.iter().any(|c| Column::from_header(c) == Some(Column::Name)));
    let Some(h) = header_at else {
        return Err(vec![Problem::new(
            0,
            None,
            "找不到表头（应有“姓名”“工号/学号”等列，请使用下载的模板）",
            "No header row found (it names 姓名, 工号/学号 and so on: use the template)",
        )]);
    };
    let cols = map_headers(&table[h]).map_err(|mut p| {
        for x in &mut p {
            x.line = h + 1;
        }
        p
    })?;
    let mut out = Vec::new();
    for (i, row) in table.iter().enumerate().skip(h + 1) {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut cells = HashMap::new();
        for (j, v) in row.iter().enumerate() {
            if let Some(Some(c)) = cols.get(j) {
                cells.insert(*c, v.clone());
            }
        }
        out.push(RawRow { line: i + 1, cells });
    }
    Ok(out)
}

/// The roster template: the columns, two example rows, and a sheet of accepted values.
pub fn template() -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use pacesetter_domain::Lang;
    use pacesetter_domain::people::{CadreRank, DevStage, PersonKind, PoliticalStatus};
    use rust_xlsxwriter::{Format as XFormat, Workbook};
    let mut wb = Workbook::new();
    let text = XFormat::new().set_num_format("@");
    let bold = XFormat::new().set_bold().set_num_format("@");
    let ws = wb.add_worksheet();
    ws.set_name("名册")?;
    for (i, c) in Column::ALL.iter().enumerate() {
        let required = Column::REQUIRED.contains(c);
        ws.write_string_with_format(0, i as u16, format!("{}{}", c.header(Lang::Zh), if required { "*" } else { "" }), &bold)?;
        // Every column is text, so Excel keeps leading zeros and long numbers as typed.
        ws.set_column_format(i as u16, &text)?;
        ws.set_column_width(i as u16, 16)?;
    }
    let examples = [
        [
            "李娜",
            "学生",
            "201102010101",
            "430102199301014529",
            "女",
            "共青团员",
            "",
            "",
            "",
            "",
            "计算机科学系",
            "计算机1101班",
            "",
            "13807310001",
            "",
            "2011-10-08",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "王磊",
            "教职工",
            "19980123",
            "430104197005063012",
            "男",
            "中共党员",
            "",
            "副处级",
            "计算机与通信工程学院党委/计算机科学系教工党支部",
            "组织委员",
            "计算机科学系",
            "",
            "wanglei@csust.edu.cn",
            "13807310002",
            "1970-05-06",
            "1990-03-01",
            "1991-06-28",
            "1992-06-28",
            "教授",
            "",
            "博士",
            "专任教师",
        ],
    ];
    for (r, row) in examples.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string_with_format(r as u32 + 1, c as u16, *v, &text)?;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    let help = wb.add_worksheet();
    help.set_name("填写说明")?;
    let lines = [
        "带 * 的列必填。第一行为表头，请勿修改列名；示例行请删除后再导入。",
        "工号/学号请以文本填写（本模板已设为文本格式），避免 Excel 改成科学计数法或去掉开头的 0。",
        "党组织填写党支部或党小组的名称；名称不唯一时写成“上级/名称”，如“计算机与通信工程学院党委/本科生2011级党支部”。",
        "单位、班级填写名称；班级不唯一时请同时填写所在单位（系）。",
        "空白单元格表示保持原值不变；要清空某项请在系统中逐人修改。",
        "导入范围内、名册中没有的人员将被视为离开：其在该范围内的组织关系结束，记录永久保留。",
        "政治面貌、发展阶段、干部级别、人员类别、职称级别、最高学位的可选值见“可选值”工作表。",
        "发展阶段不能由名册填写：它由“发展党员”流程记录；以往各步骤请用发展党员台账导入（发展党员 › 台账导入）。",
        "出生日期、申请入党日期、入党日期、转正日期写成 2012-03-15；出生日期留空时从身份证号读出；职称级别留空时按职称判断（如副教授为副高级）。党龄由转正日期算出。",
    ];
    for (i, l) in lines.iter().enumerate() {
        help.write_string(i as u32, 0, *l)?;
    }
    help.set_column_width(0, 110)?;
    let values = wb.add_worksheet();
    values.set_name("可选值")?;
    let cols: [(&str, Vec<String>); 6] = [
        ("政治面貌", PoliticalStatus::ALL.iter().map(|s| s.label(Lang::Zh).to_string()).collect()),
        ("发展阶段", DevStage::ALL.iter().map(|s| s.label(Lang::Zh).to_string()).collect()),
        ("干部级别", CadreRank::ALL.iter().map(|s| s.label(Lang::Zh).to_string()).collect()),
        ("人员类别", PersonKind::ALL.iter().map(|s| s.label(Lang::Zh).to_string()).collect()),
        ("职称级别", pacesetter_domain::member_file::TitleLevel::ALL.iter().map(|s| s.label(Lang::Zh).to_string()).collect()),
        ("最高学位", pacesetter_domain::member_file::Degree::ALL.iter().map(|s| s.label(Lang::Zh).to_string()).collect()),
    ];
    for (c, (h, vals)) in cols.iter().enumerate() {
        values.write_string_with_format(0, c as u16, *h, &bold)?;
        for (r, v) in vals.iter().enumerate() {
            values.write_string(r as u32 + 1, c as u16, v)?;
        }
        values.set_column_width(c as u16, 18)?;
    }
    wb.save_to_buffer()
}

/// The development ledger's template: the columns, the rows of one person's development up to
/// the probationary member's oath as an example, and the names of the steps.
pub fn ledger_template() -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use pacesetter_domain::Lang;
    use pacesetter_domain::dev_ledger::LedgerColumn;
    use pacesetter_domain::development::Step;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let text = rust_xlsxwriter::Format::new().set_num_format("@");
    let ws = wb.add_worksheet();
    ws.set_name("发展党员台账")?;
    for (i, c) in LedgerColumn::ALL.iter().enumerate() {
        let required = matches!(c, LedgerColumn::Number | LedgerColumn::Step | LedgerColumn::On);
        ws.write_string_with_format(0, i as u16, format!("{}{}", c.header(Lang::Zh), if required { "*" } else { "" }), &bold)?;
        ws.set_column_format(i as u16, &text)?;
        ws.set_column_width(i as u16, if *c == LedgerColumn::Step { 24 } else { 14 })?;
    }
    // Number, name, branch, step, day, by, people, with vote, present, yes, certificate, place, until, months, note.
    let example: [[&str; 15]; 4] = [
        ["201102010101", "李娜", "本科生2011级党支部", "递交入党申请书", "2011-10-08", "", "", "", "", "", "", "", "", "", ""],
        ["201102010101", "李娜", "", "党组织派人谈话", "2011-10-20", "王老师", "", "", "", "", "", "", "", "", ""],
        ["201102010101", "李娜", "", "确定为入党积极分子", "2012-03-15", "", "19980123", "", "", "", "", "", "", "", "支部委员会讨论，群众推荐"],
        ["201102010101", "李娜", "", "积极分子报上级党委备案", "2012-03-20", "", "", "", "", "", "", "", "", "", ""],
    ];
    for (r, row) in example.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, *v)?;
        }
    }
    let help = wb.add_worksheet();
    help.set_name("说明")?;
    let lines = [
        "每行是某人发展过程中已经完成的一个步骤；同一人的各行按步骤顺序逐一记录，与在系统中逐步记录一样检查（先后顺序、最早日期、培养联系人与入党介绍人须为正式党员、支部大会表决等）。",
        "全部各行没有问题时才一次性导入；有问题时列出每一行的问题，什么也不改变。可以先勾选“只检查”试一次。",
        "第一行须为“递交入党申请书”，并填写建档的党支部（名称不唯一时写成“上级/名称”）；已有发展档案的人，从其后的步骤接着记录。",
        "名册中已是党员的人，须由其现在所在的党支部导入，并记录到“上级党委审批”（预备党员）或“上级党委批准转正”（正式党员）。",
        "步骤由谁记录与逐步记录时相同：备案由上级党组织，预审、审批、转正审批等由上级党委；导入人须对各步骤都有记录权限（通常由院级党委导入）。",
        "培养联系人/入党介绍人填写工号，多人用空格或顿号分开；支部大会的两个步骤须填写有表决权人数、到会人数和赞成票数。日期写成 2012-03-15。",
        "下列为可用的步骤名称（也可写简称，如“积极分子”“公示”“宣誓”）：",
    ];
    for (i, l) in lines.iter().enumerate() {
        help.write_string(i as u32, 0, *l)?;
    }
    for (i, st) in Step::ALL.iter().enumerate() {
        help.write_string((lines.len() + i) as u32, 0, st.label(Lang::Zh))?;
    }
    help.set_column_width(0, 110)?;
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_csv_is_decoded() {
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,工号/学号,人员类别,政治面貌\n李娜,201101010101,学生,共青团员\n");
        let rows = read_roster(&gbk).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].cells[&Column::Name], "李娜");
        assert_eq!(rows[0].line, 2);
    }

    #[test]
    fn utf8_with_bom_is_decoded() {
        let mut b = b"\xEF\xBB\xBF".to_vec();
        b.extend_from_slice("姓名,学号,类别,政治面貌\n王磊,1,学生,群众\n".as_bytes());
        let rows = read_roster(&b).unwrap();
        assert_eq!(rows[0].cells[&Column::Number], "1");
    }

    #[test]
    fn the_template_reads_back_as_a_roster() {
        let t = template().unwrap();
        assert_eq!(sniff(&t), Format::Xlsx);
        let rows = read_roster(&t).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].cells[&Column::Number], "19980123");
        let (ok, problems) = pacesetter_domain::roster::parse_rows(&rows);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(ok.len(), 2);
    }

    #[test]
    fn the_ledger_template_reads_back() {
        let t = ledger_template().unwrap();
        let rows = pacesetter_domain::dev_ledger::read(&read_table(&t).unwrap()).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[2].step, pacesetter_domain::development::Step::Activist);
    }

    #[test]
    fn a_zip_bomb_is_refused_before_it_is_read() {
        use std::io::Write;
        let mut buf = Vec::new();
        {
            let mut z = zip::ZipWriter::new(Cursor::new(&mut buf));
            let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
            let zeros = vec![0u8; 1024 * 1024];
            for _ in 0..12 {
                z.write_all(&zeros).unwrap();
            }
            z.finish().unwrap();
        }
        assert!(buf.len() < 100 * 1024, "the bomb is small: {}", buf.len());
        let e = check_zip_within(&buf, 10 * 1024 * 1024).unwrap_err();
        assert!(e.zh.contains("解压后超过"), "{e:?}");
    }

    #[test]
    fn junk_is_refused_with_a_message() {
        assert!(read_roster(b"").is_err());
        assert!(read_roster(b"PK\x03\x04 not really a zip").is_err());
        assert!(read_roster("just some text".as_bytes()).is_err());
    }
}
