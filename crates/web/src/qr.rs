//! QR codes: the modules of a code for an address (for a PDF poster to draw), and the code as a
//! PNG (for a page, or a screen at a meeting).

use crate::error::{AppError, AppResult};

/// The modules of the QR code of `url` (true: dark), row by row, and its width in modules.
pub fn modules(url: &str) -> AppResult<(Vec<bool>, usize)> {
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(|_| AppError::internal())?;
    let width = code.width();
    Ok((code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect(), width))
}

/// The QR code of `url` as a grey-scale PNG: `scale` pixels a module, a quiet zone of 4 modules.
pub fn png(url: &str, scale: usize) -> AppResult<Vec<u8>> {
    let (dark, width) = modules(url)?;
    let side = (width + 8) * scale;
    let mut pixels = vec![255u8; side * side];
    for y in 0..width {
        for x in 0..width {
            if dark[y * width + x] {
                for dy in 0..scale {
                    let row = (y + 4) * scale + dy;
                    let start = row * side + (x + 4) * scale;
                    pixels[start..start + scale].fill(0);
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, side as u32, side as u32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().map_err(|_| AppError::internal())?;
        wr.write_image_data(&pixels).map_err(|_| AppError::internal())?;
    }
    Ok(out)
}
