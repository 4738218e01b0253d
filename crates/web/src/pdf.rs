//! PDF out: pages with Chinese text in an embedded subset of a TrueType CJK font (Debian's
//! wqy-microhei by default; `PACESETTER_CJK_FONT` names another), text that can be selected.
//! A missing font is a clear error, never a PDF with blank glyphs.

use crate::error::AppError;
use axum::http::StatusCode;
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::{Font, TextDirection};
use std::sync::OnceLock;

/// A4 in points.
pub const A4: (f32, f32) = (595.0, 842.0);

const DEFAULT_FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

fn font() -> Result<Font, AppError> {
    static DATA: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    let data = DATA.get_or_init(|| {
        let path = std::env::var("PACESETTER_CJK_FONT").unwrap_or_else(|_| DEFAULT_FONT.to_string());
        match std::fs::read(&path) {
            Ok(d) => Some(d),
            Err(e) => {
                tracing::error!("the CJK font {path} cannot be read ({e}): set PACESETTER_CJK_FONT or install fonts-wqy-microhei");
                None
            }
        }
    });
    let bytes = data.clone().ok_or_else(no_font)?;
    Font::new(bytes.into(), 0).ok_or_else(no_font)
}

fn no_font() -> AppError {
    AppError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "no_font",
        "服务器缺少中文字体，暂不能生成PDF，请联系管理员",
        "The server lacks its Chinese font and cannot make PDFs now; tell the administrator",
    )
}

/// What a page holds, in points from the top left.
pub enum Item {
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
    },
    /// A filled black rectangle.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

/// Writes pages of items into a PDF.
pub fn render(pages: &[Vec<Item>], size: (f32, f32)) -> Result<Vec<u8>, AppError> {
    let font = font()?;
    let mut doc = Document::new();
    for items in pages {
        let mut page = doc.start_page_with(PageSettings::from_wh(size.0, size.1).ok_or_else(AppError::internal)?);
        let mut surface = page.surface();
        surface.set_fill(Some(Fill { paint: rgb::Color::new(0, 0, 0).into(), opacity: NormalizedF32::ONE, rule: Default::default() }));
        for item in items {
            match item {
                Item::Text { x, y, size, text } => surface.draw_text(Point::from_xy(*x, *y), font.clone(), *size, text, false, TextDirection::Auto),
                Item::Rect { x, y, w, h } => {
                    let mut pb = PathBuilder::new();
                    if let Some(r) = Rect::from_xywh(*x, *y, *w, *h) {
                        pb.push_rect(r);
                    }
                    if let Some(path) = pb.finish() {
                        surface.draw_path(&path);
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    doc.finish().map_err(|e| {
        tracing::error!("PDF: {e:?}");
        AppError::internal()
    })
}

/// Breaks text into lines of at most `width` points at `size` (CJK glyphs are about one em wide,
/// Latin about half).
pub fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut w = 0.0;
        for ch in para.chars() {
            let cw = if ch.is_ascii() { size * 0.55 } else { size };
            if w + cw > width && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                w = 0.0;
            }
            line.push(ch);
            w += cw;
        }
        lines.push(line);
    }
    lines
}

pub fn response(bytes: Vec<u8>, filename: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    ([(axum::http::header::CONTENT_TYPE, "application/pdf".to_string()), (axum::http::header::CONTENT_DISPOSITION, format!("inline; filename=\"{filename}\""))], bytes)
        .into_response()
}
