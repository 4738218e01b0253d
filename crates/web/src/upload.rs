//! Files handed in with a task: recognised by their content, never by their name; Office
//! files opened as zips with a cap on what they inflate to; photos stripped of their EXIF
//! block (where GPS positions live) before anyone sees them.

use crate::error::AppError;
use axum::extract::Multipart;
use axum::http::StatusCode;
use pacesetter_domain::Text;
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::task::{NewAttachment, Submission};
use std::collections::HashMap;
use std::io::{Cursor, Read};

/// What the platform accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Pdf,
    Docx,
    Xlsx,
    Png,
    Jpeg,
}

impl Kind {
    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Pdf => "application/pdf",
            Kind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Kind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Kind::Png => "image/png",
            Kind::Jpeg => "image/jpeg",
        }
    }

    fn extensions(self) -> &'static [&'static str] {
        match self {
            Kind::Pdf => &["pdf"],
            Kind::Docx => &["docx"],
            Kind::Xlsx => &["xlsx"],
            Kind::Png => &["png"],
            Kind::Jpeg => &["jpg", "jpeg"],
        }
    }
}

/// A checked file of a multipart form.
pub struct File {
    pub filename: String,
    pub kind: Kind,
    pub data: Vec<u8>,
}

/// A multipart form: its text fields, the checked files of one field, and the problems of the
/// files that were refused (against that field). A file over the limit is refused like a file
/// of the wrong type, so the form comes back with what was typed; `too_large` says so (the API
/// answers 413).
pub struct MultipartForm {
    pub values: HashMap<String, String>,
    pub files: Vec<File>,
    pub errors: FieldErrors,
    pub too_large: bool,
}

impl MultipartForm {
    /// For the API: an upload over the limit is a 413 (a page shows the form again instead).
    pub fn or_too_large(self, max: usize) -> Result<MultipartForm, AppError> {
        if self.too_large { Err(too_big(max)) } else { Ok(self) }
    }
}

fn too_big(max: usize) -> AppError {
    let t = limit_text(max);
    AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", t.zh, t.en)
}

/// What a person is told when an upload is over the limit: the limit, and what to do.
fn limit_text(max: usize) -> Text {
    let mb = max / 1024 / 1024;
    Text::new(
        format!("上传的文件合计超过 {mb} MB 上限，未保存；请压缩或拆分后重新选择文件（已填写的内容保留在下方）"),
        format!("The files are over the {mb} MB limit and were not kept; compress or split them and choose them again (what you typed is kept below)"),
    )
}

/// A file field's bytes, read a chunk at a time: past `room` bytes the rest is read and dropped
/// (so the fields after it are still read), and a body cut off by the server's limit stops the
/// form there.
enum Chunks {
    Bytes(Vec<u8>),
    TooBig,
    Cut,
}

async fn read_capped(mut f: axum::extract::multipart::Field<'_>, room: usize) -> Chunks {
    let mut out: Vec<u8> = Vec::new();
    let mut over = false;
    loop {
        match f.chunk().await {
            Ok(Some(c)) => {
                if !over && out.len() + c.len() > room {
                    over = true;
                    out = Vec::new();
                }
                if !over {
                    out.extend_from_slice(&c);
                }
            }
            Ok(None) => return if over { Chunks::TooBig } else { Chunks::Bytes(out) },
            Err(_) => return Chunks::Cut,
        }
    }
}

fn file_name(f: &axum::extract::multipart::Field<'_>) -> String {
    f.file_name().unwrap_or("").chars().filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"')).take(200).collect()
}

/// Reads a multipart form whose files come in `file_field`: each file checked by [`check`], the
/// whole upload at most `max` bytes (a file beyond is refused against its field, the form kept),
/// empty file inputs skipped.
pub async fn read_form(mut mp: Multipart, file_field: &str, max: usize) -> Result<MultipartForm, AppError> {
    let mut form = MultipartForm { values: HashMap::new(), files: Vec::new(), errors: FieldErrors::new(), too_large: false };
    let mut total = 0usize;
    loop {
        let f = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                form.too_large = true;
                break;
            }
        };
        let name = f.name().unwrap_or("").to_string();
        if name != file_field {
            form.values.insert(name, f.text().await.unwrap_or_default());
            continue;
        }
        let filename = file_name(&f);
        let bytes = match read_capped(f, max.saturating_sub(total)).await {
            Chunks::Bytes(b) => b,
            Chunks::TooBig => {
                form.too_large = true;
                continue;
            }
            Chunks::Cut => {
                form.too_large = true;
                break;
            }
        };
        if bytes.is_empty() {
            continue;
        }
        total += bytes.len();
        match check(&filename, &bytes, max) {
            Ok((kind, data)) => form.files.push(File { filename, kind, data }),
            Err(t) => form.errors.add(file_field, t.zh, t.en),
        }
    }
    if form.too_large {
        let t = limit_text(max);
        form.errors.add(file_field, t.zh, t.en);
    }
    Ok(form)
}

/// A form that comes as multipart (with files, from a form with enctype) or urlencoded (without
/// files, from a script or an older form): the same fields either way.
pub async fn read_any(req: axum::extract::Request, file_field: &str, max: usize) -> Result<MultipartForm, AppError> {
    use axum::extract::FromRequest;
    let ct = req.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let bad = || AppError::new(StatusCode::BAD_REQUEST, "bad_form", "表单无法读取，请重新提交", "The form could not be read; submit it again");
    if ct.starts_with("multipart/form-data") {
        let mp = Multipart::from_request(req, &()).await.map_err(|_| bad())?;
        return read_form(mp, file_field, max).await;
    }
    let axum::Form(pairs) = axum::Form::<Vec<(String, String)>>::from_request(req, &()).await.map_err(|_| bad())?;
    Ok(MultipartForm { values: crate::input::form_map(pairs), files: Vec::new(), errors: FieldErrors::new(), too_large: false })
}

/// The most an Office file may inflate to.
pub const MAX_INFLATED: u64 = 100 * 1024 * 1024;

fn refused(name: &str) -> Text {
    Text::new(
        format!("“{name}”不是允许的文件类型（仅限 PDF、Word .docx、Excel .xlsx、PNG、JPEG），或文件内容与扩展名不符"),
        format!("\"{name}\" is not an allowed file (PDF, Word .docx, Excel .xlsx, PNG or JPEG only), or its content does not match its name"),
    )
}

/// The photos among checked files, at most `max` of them, as (content type, bytes); a file that
/// is not a photo, or one too many, is a problem of `field`.
pub fn photos_only(files: Vec<File>, max: usize, field: &str, errors: &mut FieldErrors) -> Vec<(String, Vec<u8>)> {
    if files.len() > max {
        errors.add(field, format!("最多上传 {max} 张照片"), format!("At most {max} photos"));
    }
    let mut out = Vec::new();
    for f in files {
        match f.kind {
            Kind::Jpeg | Kind::Png => out.push((f.kind.content_type().to_string(), f.data)),
            _ => errors.add(field, format!("“{}”不是照片（仅限 JPEG、PNG）", f.filename), format!("\"{}\" is not a photo (JPEG or PNG only)", f.filename)),
        }
    }
    out
}

/// Checks a file and returns its kind and the bytes to store (a photo without its EXIF).
pub fn check(name: &str, bytes: &[u8], max: usize) -> Result<(Kind, Vec<u8>), Text> {
    if bytes.is_empty() {
        return Err(Text::new(format!("“{name}”是空文件"), format!("\"{name}\" is empty")));
    }
    if bytes.len() > max {
        return Err(Text::new(format!("“{name}”超过 {} MB", max / 1024 / 1024), format!("\"{name}\" is larger than {} MB", max / 1024 / 1024)));
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let kind = if bytes.starts_with(b"%PDF-") {
        Kind::Pdf
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Kind::Png
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Kind::Jpeg
    } else if bytes.starts_with(b"PK\x03\x04") {
        office_kind(name, bytes)?
    } else {
        return Err(refused(name));
    };
    if !kind.extensions().contains(&ext.as_str()) {
        return Err(refused(name));
    }
    let data = match kind {
        Kind::Jpeg => strip_jpeg(bytes).ok_or_else(|| refused(name))?,
        Kind::Png => strip_png(bytes).ok_or_else(|| refused(name))?,
        _ => bytes.to_vec(),
    };
    Ok((kind, data))
}

/// A document without what names its author: an Office file's document properties (creator,
/// last modified by, company, manager; `docProps/core.xml` and `app.xml` replaced with empty
/// ones, custom properties and the list of reviewers dropped), or a PDF's information strings
/// and XMP author and tool (blanked in place, so its cross-references stay true). What the
/// document says in its text is the applicant's to keep blind; this removes what they cannot
/// see. Photos lose their EXIF in [`check`] already. None when the file cannot be rewritten.
pub fn strip_document_metadata(kind: Kind, bytes: &[u8]) -> Option<Vec<u8>> {
    match kind {
        Kind::Docx | Kind::Xlsx => strip_office(bytes),
        Kind::Pdf => Some(strip_pdf(bytes)),
        Kind::Png | Kind::Jpeg => Some(bytes.to_vec()),
    }
}

const EMPTY_CORE: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"></cp:coreProperties>"#;
const EMPTY_APP: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"></Properties>"#;

fn strip_office(bytes: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for i in 0..zip.len() {
        let name = zip.by_index_raw(i).ok()?.name().ok()?.to_string();
        match name.as_str() {
            "docProps/core.xml" => {
                out.start_file(name, opts).ok()?;
                out.write_all(EMPTY_CORE.as_bytes()).ok()?;
            }
            "docProps/app.xml" => {
                out.start_file(name, opts).ok()?;
                out.write_all(EMPTY_APP.as_bytes()).ok()?;
            }
            // Custom properties would dangle if dropped (the package lists them); emptied.
            "docProps/custom.xml" => {
                out.start_file(name, opts).ok()?;
                out.write_all(br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"></Properties>"#).ok()?;
            }
            // Who reviewed the document (tracked changes' authors).
            "word/people.xml" => {
                out.start_file(name, opts).ok()?;
                out.write_all(
                    br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w15:people xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml"></w15:people>"#,
                )
                .ok()?;
            }
            // Comments and tracked changes carry their authors' names: kept, without them.
            n if n.ends_with(".xml") && (n.starts_with("word/") || n.starts_with("xl/comments") || n.starts_with("xl/threadedComments") || n.starts_with("xl/persons")) => {
                let mut xml = String::new();
                zip.by_index(i).ok()?.read_to_string(&mut xml).ok()?;
                out.start_file(name, opts).ok()?;
                out.write_all(scrub_authors(&xml).as_bytes()).ok()?;
            }
            _ => {
                let f = zip.by_index_raw(i).ok()?;
                out.raw_copy_file(f).ok()?;
            }
        }
    }
    Some(out.finish().ok()?.into_inner())
}

/// An Office part without its authors: the values of `w:author`, `w:initials`, `displayName`,
/// `userId` and `providerId` attributes, and the text of `<author>` elements, emptied.
fn scrub_authors(xml: &str) -> String {
    let mut s = xml.to_string();
    for attr in ["w:author=\"", "w:initials=\"", "displayName=\"", "userId=\"", "providerId=\""] {
        let mut out = String::with_capacity(s.len());
        let mut rest = s.as_str();
        while let Some(p) = rest.find(attr) {
            out.push_str(&rest[..p + attr.len()]);
            rest = &rest[p + attr.len()..];
            rest = rest.find('"').map(|q| &rest[q..]).unwrap_or("");
        }
        out.push_str(rest);
        s = out;
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s.as_str();
    while let Some(p) = rest.find("<author>") {
        out.push_str(&rest[..p + "<author>".len()]);
        rest = &rest[p + "<author>".len()..];
        rest = rest.find("</author>").map(|q| &rest[q..]).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// Blanks, in place, the values of a PDF's information keys and its XMP author and tool: the
/// bytes keep their length, so the file's offsets stay right.
fn strip_pdf(bytes: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    // `/T` is an annotation's author (and a form field's name).
    for key in [&b"/Author"[..], b"/Creator", b"/Producer", b"/Title", b"/Subject", b"/Keywords", b"/T"] {
        let mut from = 0;
        while let Some(p) = find(&b[from..], key).map(|p| p + from) {
            let mut i = p + key.len();
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < b.len() && b[i] == b'(' {
                // A literal string: blank up to its closing parenthesis (nested and escaped ones kept in count).
                let (mut depth, mut j) = (1, i + 1);
                while j < b.len() && depth > 0 {
                    match b[j] {
                        b'\\' => {
                            b[j] = b' ';
                            if j + 1 < b.len() {
                                b[j + 1] = b' ';
                            }
                            j += 2;
                            continue;
                        }
                        b'(' => depth += 1,
                        b')' => depth -= 1,
                        _ => {}
                    }
                    if depth > 0 {
                        b[j] = b' ';
                    }
                    j += 1;
                }
            } else if i < b.len() && b[i] == b'<' && b.get(i + 1) != Some(&b'<') {
                // A hexadecimal string: its digits become zeros.
                let mut j = i + 1;
                while j < b.len() && b[j] != b'>' {
                    if b[j].is_ascii_hexdigit() {
                        b[j] = b'0';
                    }
                    j += 1;
                }
            }
            from = p + key.len();
        }
    }
    for (open, close) in
        [(&b"<dc:creator>"[..], &b"</dc:creator>"[..]), (b"<xmp:CreatorTool>", b"</xmp:CreatorTool>"), (b"<pdf:Producer>", b"</pdf:Producer>"), (b"<pdf:Author>", b"</pdf:Author>")]
    {
        let mut from = 0;
        while let Some(p) = find(&b[from..], open).map(|p| p + from) {
            let start = p + open.len();
            let Some(end) = find(&b[start..], close).map(|e| e + start) else { break };
            for x in &mut b[start..end] {
                *x = b' ';
            }
            from = end;
        }
    }
    b
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Opens a zip as an Office document: its parts are inflated with a running total, so a zip
/// bomb is stopped at [`MAX_INFLATED`] whatever its directory claims.
fn office_kind(name: &str, bytes: &[u8]) -> Result<Kind, Text> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| refused(name))?;
    if zip.len() > 5_000 {
        return Err(refused(name));
    }
    let (mut types, mut word, mut xl) = (false, false, false);
    let mut total: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).map_err(|_| refused(name))?;
        let part = f.name().map(|n| n.to_string()).unwrap_or_default();
        match part.as_str() {
            "[Content_Types].xml" => types = true,
            "word/document.xml" => word = true,
            "xl/workbook.xml" => xl = true,
            _ => {}
        }
        loop {
            let n = f.read(&mut buf).map_err(|_| refused(name))?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > MAX_INFLATED {
                return Err(Text::new(
                    format!("“{name}”解压后超过 {} MB，已拒绝", MAX_INFLATED / 1024 / 1024),
                    format!("\"{name}\" inflates beyond {} MB and is refused", MAX_INFLATED / 1024 / 1024),
                ));
            }
        }
    }
    match (types, word, xl) {
        (true, true, false) => Ok(Kind::Docx),
        (true, false, true) => Ok(Kind::Xlsx),
        _ => Err(refused(name)),
    }
}

/// A JPEG with only what its image needs: JFIF (APP0), a colour profile (APP2 "ICC_PROFILE") and
/// Adobe's colour transform (APP14) are kept; EXIF and XMP (APP1, with GPS positions and times),
/// IPTC (APP13: author, place, date), the other application segments, comments, and whatever
/// follows the image's end (the extra images phones append, each with its own EXIF) are dropped.
fn strip_jpeg(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..2]);
    let mut i = 2;
    loop {
        if i + 4 > b.len() || b[i] != 0xFF {
            return None;
        }
        let marker = b[i + 1];
        if marker == 0xDA {
            // Start of scan: image data up to the end marker (an 0xFF in the data is always
            // followed by 0x00 or a restart marker, so the first FF D9 ends the image).
            let rest = &b[i..];
            let end = rest.windows(2).position(|w| w == [0xFF, 0xD9]).map(|p| p + 2).unwrap_or(rest.len());
            out.extend_from_slice(&rest[..end]);
            return Some(out);
        }
        let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
        if len < 2 || i + 2 + len > b.len() {
            return None;
        }
        let body = &b[i + 4..i + 2 + len];
        let keep = match marker {
            0xE0 | 0xEE => true,
            0xE2 => body.starts_with(b"ICC_PROFILE"),
            0xE1 | 0xE3..=0xED | 0xEF | 0xFE => false,
            _ => true,
        };
        if keep {
            out.extend_from_slice(&b[i..i + 2 + len]);
        }
        i += 2 + len;
    }
}

/// A PNG without its eXIf, text and time chunks.
fn strip_png(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = b[..8].to_vec();
    let mut i = 8;
    while i + 12 <= b.len() {
        let len = u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as usize;
        let end = i.checked_add(12)?.checked_add(len)?;
        if end > b.len() {
            return None;
        }
        let kind = &b[i + 4..i + 8];
        if !matches!(kind, b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME") {
            out.extend_from_slice(&b[i..end]);
        }
        i = end;
        if kind == b"IEND" {
            return Some(out);
        }
    }
    None
}

/// Reads a task submission from a multipart form (files, body, number, check, items); every
/// file is checked by its content. Returns the submission and the text typed (for the form);
/// a refusal (a file of the wrong type, or over the limit: 413) comes with the text typed too.
pub async fn read_submission(mut mp: Multipart, max: usize) -> Result<(Submission, HashMap<String, String>), (AppError, HashMap<String, String>)> {
    let mut sub = Submission::default();
    let mut values = HashMap::new();
    let mut errs = FieldErrors::new();
    let mut checks: Vec<usize> = Vec::new();
    let mut items = 0usize;
    let mut too_large = false;
    let mut total = 0usize;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                too_large = true;
                break;
            }
        };
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "files" => {
                let filename = file_name(&field);
                let bytes = match read_capped(field, max.saturating_sub(total)).await {
                    Chunks::Bytes(b) => b,
                    Chunks::TooBig => {
                        too_large = true;
                        continue;
                    }
                    Chunks::Cut => {
                        too_large = true;
                        break;
                    }
                };
                if filename.is_empty() && bytes.is_empty() {
                    continue;
                }
                total += bytes.len();
                match check(&filename, &bytes, max) {
                    Ok((kind, data)) => sub.attachments.push(NewAttachment { filename, content_type: kind.content_type().to_string(), data }),
                    Err(t) => errs.add("files", t.zh, t.en),
                }
            }
            "check" => {
                if let Ok(i) = field.text().await.unwrap_or_default().parse::<usize>() {
                    checks.push(i);
                }
            }
            "items" => items = field.text().await.unwrap_or_default().parse().unwrap_or(0),
            "meeting" => {
                let v = field.text().await.unwrap_or_default();
                sub.meeting = v.trim().parse().ok();
                values.insert(name.clone(), v);
            }
            "body" | "number" => {
                let v = field.text().await.unwrap_or_default();
                values.insert(name.clone(), v.clone());
                let v = Some(v).filter(|x| !x.trim().is_empty());
                if name == "body" {
                    sub.body = v;
                } else {
                    sub.number = v.map(|x| x.trim().to_string());
                }
            }
            _ => {}
        }
    }
    if items > 0 {
        sub.checklist = (0..items.min(100)).map(|i| checks.contains(&i)).collect();
    }
    if too_large {
        let t = limit_text(max);
        errs.add("files", t.zh, t.en);
        let mut e = too_big(max);
        e.fields = Some(errs);
        return Err((e, values));
    }
    if !errs.is_empty() {
        return Err((AppError::invalid(errs), values));
    }
    Ok((sub, values))
}

/// A plan from its upload (multipart `file`) or from the confirmation form (`source`), at most
/// 1 MB of UTF-8, and whether the changes are confirmed (`confirm=yes`).
pub async fn read_plan(mut mp: Multipart) -> Result<(String, bool), AppError> {
    let failed = || AppError::bad_request("上传失败", "The upload failed");
    let mut source = String::new();
    let mut confirm = false;
    while let Some(field) = mp.next_field().await.map_err(|_| failed())? {
        match field.name().unwrap_or("") {
            "file" | "source" => {
                let bytes = field.bytes().await.map_err(|_| failed())?;
                if bytes.len() > 1024 * 1024 {
                    return Err(AppError::bad_request("计划文件不能超过 1 MB", "A plan file is at most 1 MB"));
                }
                if !bytes.is_empty() {
                    source = String::from_utf8(bytes.to_vec()).map_err(|_| AppError::bad_request("计划文件须为 UTF-8 编码的文本", "A plan file is UTF-8 text"))?;
                }
            }
            "confirm" => confirm = field.text().await.unwrap_or_default() == "yes",
            _ => {}
        }
    }
    Ok((source, confirm))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const MAX: usize = 20 * 1024 * 1024;

    fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in parts {
            w.start_file(*name, zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated)).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn files_are_recognised_by_content_not_by_name() {
        assert_eq!(check("a.pdf", b"%PDF-1.4 x", MAX).unwrap().0, Kind::Pdf);
        assert!(check("a.pdf", b"<html><script>alert(1)</script></html>", MAX).is_err());
        assert!(check("a.docx", b"%PDF-1.4 x", MAX).is_err(), "a PDF named .docx");
        assert!(check("a.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", MAX).is_err());
        assert!(check("a.pdf", b"", MAX).is_err());
        assert!(check("a.pdf", &[b'%'; 100], 10).is_err(), "over the size limit");
        let docx = zip_of(&[("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")]);
        assert_eq!(check("方案.docx", &docx, MAX).unwrap().0, Kind::Docx);
        let xlsx = zip_of(&[("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<workbook/>")]);
        assert_eq!(check("表.XLSX", &xlsx, MAX).unwrap().0, Kind::Xlsx);
        assert!(check("any.docx", &zip_of(&[("a.txt", b"hello")]), MAX).is_err(), "a zip that is not a document");
    }

    #[test]
    fn a_document_loses_its_author_before_an_expert_sees_it() {
        let docx = zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", "<w:document>研究内容</w:document>".as_bytes()),
            ("docProps/core.xml", "<cp:coreProperties><dc:creator>王燕璐</dc:creator><cp:lastModifiedBy>王燕璐</cp:lastModifiedBy></cp:coreProperties>".as_bytes()),
            ("docProps/app.xml", "<Properties><Company>计算机学院</Company></Properties>".as_bytes()),
            ("word/comments.xml", r#"<w:comments><w:comment w:id="0" w:author="王燕璐" w:initials="WYL"><w:p>请补充</w:p></w:comment></w:comments>"#.as_bytes()),
            ("xl/comments1.xml", "<comments><authors><author>王燕璐</author></authors></comments>".as_bytes()),
        ]);
        let clean = strip_document_metadata(Kind::Docx, &docx).unwrap();
        let (kind, _) = check("活页.docx", &clean, MAX).unwrap();
        assert_eq!(kind, Kind::Docx, "still a Word document");
        let mut z = zip::ZipArchive::new(Cursor::new(clean)).unwrap();
        let mut all = String::new();
        for i in 0..z.len() {
            z.by_index(i).unwrap().read_to_string(&mut all).unwrap();
        }
        assert!(all.contains("研究内容") && all.contains("请补充") && !all.contains("王燕璐") && !all.contains("WYL") && !all.contains("计算机学院"), "{all}");

        let pdf =
            "%PDF-1.4\n1 0 obj << /Author (王燕璐 \\(计算机\\)) /Producer <FEFF738B> /Title (活页) >> endobj\n2 0 obj << /Type /Annot /T (王燕璐) >> endobj\n<dc:creator><rdf:li>王燕璐</rdf:li></dc:creator>\n%%EOF".as_bytes();
        let clean = strip_document_metadata(Kind::Pdf, pdf).unwrap();
        assert_eq!(clean.len(), pdf.len(), "offsets stay right");
        let text = String::from_utf8_lossy(&clean);
        assert!(!text.contains("王燕璐") && !text.contains("计算机") && !text.contains("738B") && text.contains("/Author (") && text.contains("%%EOF"), "{text}");
    }

    #[test]
    fn a_zip_bomb_named_docx_is_refused() {
        let zeros = vec![0u8; 8 * 1024 * 1024];
        let parts: Vec<(String, &[u8])> = (0..14).map(|i| (format!("word/media/p{i}.bin"), &zeros[..])).collect();
        let mut all: Vec<(&str, &[u8])> = vec![("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")];
        all.extend(parts.iter().map(|(n, d)| (n.as_str(), *d)));
        let bomb = zip_of(&all);
        assert!(bomb.len() < 1024 * 1024, "small on the wire: {}", bomb.len());
        let e = check("bomb.docx", &bomb, MAX).unwrap_err();
        assert!(e.zh.contains("解压后超过"), "{}", e.zh);
    }

    #[test]
    fn exif_is_removed_from_photos() {
        // SOI, APP0 (JFIF), APP1 (Exif with a GPS tag's bytes), SOS, data, EOI.
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x06, b'J', b'F', b'I', b'F'];
        let exif = b"Exif\0\0GPSLatitude28.1";
        jpeg.extend_from_slice(&[0xFF, 0xE1]);
        jpeg.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
        jpeg.extend_from_slice(exif);
        // IPTC (APP13) with the author and place, and a comment.
        let iptc = b"Photoshop 3.0\0Author Zhang San, Changsha";
        jpeg.extend_from_slice(&[0xFF, 0xED]);
        jpeg.extend_from_slice(&((iptc.len() + 2) as u16).to_be_bytes());
        jpeg.extend_from_slice(iptc);
        jpeg.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 1, 2, 3, 0xFF, 0xD9]);
        // A second image appended after the end, with its own EXIF (as phones do).
        jpeg.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x0A, b'E', b'x', b'i', b'f', 0, 0, b'G', b'P', 0xFF, 0xD9]);
        let (k, clean) = check("照片.jpg", &jpeg, MAX).unwrap();
        assert_eq!(k, Kind::Jpeg);
        assert!(!clean.windows(3).any(|w| w == b"GPS") && !clean.windows(4).any(|w| w == b"Exif") && !clean.windows(5).any(|w| w == b"Zhang"));
        assert!(clean.starts_with(&[0xFF, 0xD8, 0xFF, 0xE0]) && clean.ends_with(&[0xFF, 0xD9]));
        // PNG: the eXIf chunk goes, the image stays.
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            c.extend_from_slice(&[0, 0, 0, 0]);
            c
        };
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(chunk(b"IHDR", &[0; 13]));
        png.extend(chunk(b"eXIf", b"GPS position"));
        png.extend(chunk(b"IDAT", &[1, 2, 3]));
        png.extend(chunk(b"IEND", &[]));
        let (_, clean) = check("p.png", &png, MAX).unwrap();
        assert!(!clean.windows(3).any(|w| w == b"GPS") && clean.len() < png.len());
    }
}
