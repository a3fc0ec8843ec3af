//! The CJK font shipped with hrss (Noto Sans SC, GB 2312 subset, OFL), embedded in the binary.

use std::sync::OnceLock;

use ab_glyph::FontRef;
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
