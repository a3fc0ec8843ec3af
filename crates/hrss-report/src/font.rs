//! The CJK font shipped with hrss (Noto Sans SC, GB 2312 subset, OFL), embedded in the binary.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef};
use plotters::style::FontStyle;

/// The family name charts ask plotters for.
pub const FAMILY: &str = "hrss-sans";

pub static FONT_BYTES: &[u8] = include_bytes!("../fonts/NotoSansSC-GB2312-subset.otf");

/// The parsed font, registered with plotters on first use.
pub fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| {
        // Parsing bytes that are compiled in and checked by the test suite cannot fail at run time.
        let font = FontRef::try_from_slice(FONT_BYTES).expect("the embedded font parses");
        if plotters::style::register_font(FAMILY, FontStyle::Normal, FONT_BYTES).is_err() {
            unreachable!("the embedded font parsed above");
        }
        font
    })
}

/// The advance width of `text` set at `em` units per em (points or pixels), kerning included.
pub fn advance_width(text: &str, em: f32) -> f32 {
    let font = font();
    let scale = em / font.units_per_em().unwrap_or(1000.0);
    let mut previous = None;
    let mut width = 0.0;
    for c in text.chars() {
        let glyph = font.glyph_id(c);
        if let Some(prev) = previous {
            width += font.kern_unscaled(prev, glyph);
        }
        width += font.h_advance_unscaled(glyph);
        previous = Some(glyph);
    }
    width * scale
}
