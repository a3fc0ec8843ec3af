//! A plotters backend that writes SVG with every text drawn as glyph outlines from the embedded font,
//! so a chart looks the same in every browser and rasterizes without any font installed.

use std::cell::RefCell;
use std::fmt::Write;
use std::rc::Rc;

use ab_glyph::{Font, OutlineCurve, Point};
use plotters::backend::SVGBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind, FontTransform,
};

use crate::font::{advance_width, font};

/// Wraps plotters' SVG backend; text goes to `glyph_paths` as `<path>` elements, appended when the SVG is finished.
pub struct OutlinedSvg<'a> {
    inner: SVGBackend<'a>,
    glyph_paths: Rc<RefCell<String>>,
}

impl<'a> OutlinedSvg<'a> {
    pub fn new(buffer: &'a mut String, size: (u32, u32), glyph_paths: Rc<RefCell<String>>) -> Self {
        Self { inner: SVGBackend::with_string(buffer, size), glyph_paths }
    }
}

/// Inserts the collected text paths before the closing tag of a finished SVG.
pub fn finish(svg: &str, glyph_paths: &str) -> String {
    match svg.rfind("</svg>") {
        Some(at) => format!("{}{glyph_paths}{}", &svg[..at], &svg[at..]),
        None => svg.to_string(),
    }
}

fn rgb(color: BackendColor) -> String {
    let (r, g, b) = color.rgb;
    format!("#{r:02X}{g:02X}{b:02X}")
}

/// SVG path data for `text` with its baseline starting at (0, 0), at `em` pixels.
fn text_path(text: &str, em: f32) -> String {
    let font = font();
    let scale = em / font.units_per_em().unwrap_or(1000.0);
    let mut data = String::new();
    let mut pen = 0.0f32;
    let mut previous = None;
    for c in text.chars() {
        let glyph = font.glyph_id(c);
        if let Some(prev) = previous {
            pen += font.kern_unscaled(prev, glyph) * scale;
        }
        previous = Some(glyph);
        if let Some(outline) = font.outline(glyph) {
            let at = |p: Point| (pen + p.x * scale, -p.y * scale);
            let mut last: Option<Point> = None;
            for curve in &outline.curves {
                let start = match curve {
                    OutlineCurve::Line(a, _) | OutlineCurve::Quad(a, _, _) | OutlineCurve::Cubic(a, _, _, _) => *a,
                };
                if last != Some(start) {
                    let (x, y) = at(start);
                    let _ = write!(data, "M{x:.2} {y:.2}");
                }
                last = Some(match curve {
                    OutlineCurve::Line(_, b) => {
                        let (x, y) = at(*b);
                        let _ = write!(data, "L{x:.2} {y:.2}");
                        *b
                    }
                    OutlineCurve::Quad(_, c, b) => {
                        let ((cx, cy), (x, y)) = (at(*c), at(*b));
                        let _ = write!(data, "Q{cx:.2} {cy:.2} {x:.2} {y:.2}");
                        *b
                    }
                    OutlineCurve::Cubic(_, c1, c2, b) => {
                        let ((ax, ay), (bx, by), (x, y)) = (at(*c1), at(*c2), at(*b));
                        let _ = write!(data, "C{ax:.2} {ay:.2} {bx:.2} {by:.2} {x:.2} {y:.2}");
                        *b
                    }
                });
            }
            data.push('Z');
        }
        pen += font.h_advance_unscaled(glyph) * scale;
    }
    data
}

impl DrawingBackend for OutlinedSvg<'_> {
    type ErrorType = <SVGBackend<'static> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(&mut self, upper_left: BackendCoord, bottom_right: BackendCoord, style: &S, fill: bool) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, style: &S) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(&mut self, center: BackendCoord, radius: u32, style: &S, fill: bool) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, vert: I, style: &S) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn estimate_text_size<S: BackendTextStyle>(&self, text: &str, style: &S) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let em = (style.size() / 1.24) as f32;
        Ok((advance_width(text, em).ceil() as u32, em.ceil() as u32))
    }

    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, style: &S, pos: BackendCoord) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let color = style.color();
        if color.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        // The same em size plotters' own SVG backend gives the text.
        let em = (style.size() / 1.24) as f32;
        let data = text_path(text, em);
        let width = advance_width(text, em);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        // Baselines that put CJK ideographs (about 0.88 em tall above the baseline) at the anchor.
        let dy = match style.anchor().v_pos {
            VPos::Top => 0.88 * em,
            VPos::Center => 0.38 * em,
            VPos::Bottom => -0.12 * em,
        };
        let rotation = match style.transform() {
            FontTransform::Rotate90 => 90,
            FontTransform::Rotate180 => 180,
            FontTransform::Rotate270 => 270,
            FontTransform::None => 0,
        };
        let (x, y) = pos;
        let _ = write!(
            self.glyph_paths.borrow_mut(),
            r#"<path transform="translate({x} {y}) rotate({rotation}) translate({dx:.2} {dy:.2})" fill="{}" fill-opacity="{}" d="{data}"><title>{}</title></path>"#,
            rgb(color),
            color.alpha,
            escape(text),
        );
        Ok(())
    }
}

/// Escapes text for XML content and attributes.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The width in pixels of `text` drawn at plotters font size `size` (the backend draws at `size / 1.24` em).
pub fn text_width(text: &str, size: f64) -> f64 {
    f64::from(advance_width(text, (size / 1.24) as f32))
}
