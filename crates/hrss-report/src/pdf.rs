//! The PDF of a report (A4, the project's CJK font embedded and subset), written with krilla: its text stays
//! selectable and searchable, and the charts go in as vector graphics through krilla-svg.
//!
//! Layout runs first and produces pages of drawing operations; only then are they drawn, so every page's
//! footer can say how many pages there are.

use ab_glyph::Font as _;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use krilla::Document as PdfDocument;
use krilla_svg::{SurfaceExt, SvgSettings};

use crate::chart::parse_svg;
use crate::font::{font, FONT_BYTES};
use crate::html::words;
use crate::render::{Cell, Content, Document, Tile, Tone};
use crate::spec::Lang;
use crate::{ReportError, Result};

const PAGE: (f32, f32) = (595.28, 841.89);
const MARGIN_X: f32 = 50.0;
const TOP: f32 = 56.0;
const BOTTOM: f32 = 60.0;
const WIDTH: f32 = PAGE.0 - 2.0 * MARGIN_X;

const INK: (u8, u8, u8) = (31, 41, 51);
const MUTED: (u8, u8, u8) = (82, 96, 109);
const BRAND: (u8, u8, u8) = (31, 78, 140);
const LINE: (u8, u8, u8) = (217, 226, 236);
const HEADER_FILL: (u8, u8, u8) = (240, 244, 248);

#[derive(Debug, Clone)]
enum Op {
    Text { x: f32, baseline: f32, size: f32, color: (u8, u8, u8), text: String },
    Rect { x: f32, y: f32, w: f32, h: f32, color: (u8, u8, u8) },
    Line { x1: f32, y1: f32, x2: f32, y2: f32, color: (u8, u8, u8), width: f32 },
    Svg { index: usize, x: f32, y: f32, w: f32, h: f32 },
}

/// The width of `text` at `size` points in the embedded font.
fn width(text: &str, size: f32) -> f32 {
    let font = font();
    let scale = size / font.units_per_em().unwrap_or(1000.0);
    text.chars().map(|c| font.h_advance_unscaled(font.glyph_id(c)) * scale).sum()
}

/// Lines of at most `max` points: Chinese breaks between any two characters, other text at spaces;
/// closing punctuation never starts a line.
fn wrap(text: &str, size: f32, max: f32, indent: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_width = indent;
    let words = split_breakable(text);
    for word in words {
        let w = width(&word, size);
        let hanging = word.chars().all(|c| "，。、；：！？）」』》,.;:!?)".contains(c));
        if line_width + w > max && !line.trim().is_empty() && !hanging {
            lines.push(line.trim_end().to_string());
            line = word.trim_start().to_string();
            line_width = width(&line, size);
        } else {
            line.push_str(&word);
            line_width += w;
        }
    }
    if !line.trim().is_empty() || lines.is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// Units that must stay together: a run of Latin letters and digits (with a leading space), or one other character.
fn split_breakable(text: &str) -> Vec<String> {
    let mut units: Vec<String> = Vec::new();
    let mut latin = false;
    for c in text.chars() {
        let is_latin = c.is_ascii_alphanumeric() || matches!(c, '.' | ',' | '%' | '-' | '+' | '(' | ')' | '/' | '\'');
        if is_latin && latin {
            units.last_mut().expect("a latin run is open").push(c);
        } else if c == ' ' {
            units.push(" ".into());
            latin = true;
            continue;
        } else if is_latin && units.last().is_some_and(|u| u == " ") {
            units.last_mut().expect("checked").push(c);
        } else {
            units.push(c.to_string());
        }
        latin = is_latin;
    }
    units
}

struct Layout {
    pages: Vec<Vec<Op>>,
    y: f32,
    svgs: Vec<resvg::usvg::Tree>,
}

impl Layout {
    fn new() -> Self {
        Self { pages: vec![Vec::new()], y: TOP, svgs: Vec::new() }
    }

    fn push(&mut self, op: Op) {
        self.pages.last_mut().expect("a page is open").push(op);
    }

    /// Starts a new page unless `height` fits on this one.
    fn room(&mut self, height: f32) {
        if self.y + height > PAGE.1 - BOTTOM && self.y > TOP {
            self.pages.push(Vec::new());
            self.y = TOP;
        }
    }

    fn text(&mut self, x: f32, size: f32, color: (u8, u8, u8), text: &str) {
        self.push(Op::Text { x, baseline: self.y + size * 0.88, size, color, text: text.to_string() });
    }

    fn heading(&mut self, title: &str) {
        self.room(14.0 * 1.8 + 90.0);
        self.push(Op::Rect { x: MARGIN_X, y: self.y + 1.0, w: 3.0, h: 15.0, color: BRAND });
        self.text(MARGIN_X + 9.0, 14.0, INK, title);
        self.y += 26.0;
    }

    fn paragraph(&mut self, text: &str, lang: Lang) {
        let size = 10.5;
        let indent = if lang == Lang::Zh { 2.0 * size } else { 0.0 };
        for (i, line) in wrap(text, size, WIDTH, indent).iter().enumerate() {
            self.room(size * 1.75);
            let x = MARGIN_X + if i == 0 { indent } else { 0.0 };
            self.text(x, size, INK, line);
            self.y += size * 1.75;
        }
        self.y += 4.0;
    }

    fn tiles(&mut self, tiles: &[Tile], lang: Lang) {
        let columns = 3;
        let gap = 10.0;
        let tile_width = (WIDTH - gap * (columns as f32 - 1.0)) / columns as f32;
        for row in tiles.chunks(columns) {
            let lines = row.iter().map(|t| t.changes.len() + usize::from(t.warning.is_some())).max().unwrap_or(0);
            let height = 54.0 + 13.0 * lines as f32;
            self.room(height + gap);
            for (i, tile) in row.iter().enumerate() {
                let x = MARGIN_X + i as f32 * (tile_width + gap);
                let top = self.y;
                let bar = tile.warning.map_or(BRAND, |w| match w {
                    crate::render::Warning::Green => (47, 158, 68),
                    crate::render::Warning::Amber => (232, 163, 23),
                    crate::render::Warning::Red => (201, 42, 42),
                });
                self.push(Op::Rect { x, y: top, w: tile_width, h: height, color: LINE });
                self.push(Op::Rect { x: x + 0.6, y: top + 0.6, w: tile_width - 1.2, h: height - 1.2, color: (255, 255, 255) });
                self.push(Op::Rect { x, y: top, w: tile_width, h: 3.0, color: bar });
                let label = fit(&tile.label, 9.0, tile_width - 16.0);
                self.push(Op::Text { x: x + 8.0, baseline: top + 17.0, size: 9.0, color: MUTED, text: label });
                self.push(Op::Text { x: x + 8.0, baseline: top + 40.0, size: 18.0, color: INK, text: tile.value.clone() });
                let unit_x = x + 8.0 + width(&tile.value, 18.0) + 4.0;
                self.push(Op::Text { x: unit_x, baseline: top + 40.0, size: 9.0, color: MUTED, text: tile.unit.clone() });
                let mut baseline = top + 55.0;
                for change in &tile.changes {
                    let color = match change.tone {
                        Tone::Good => (26, 127, 55),
                        Tone::Bad => (192, 57, 43),
                        Tone::Neutral => MUTED,
                    };
                    self.push(Op::Text { x: x + 8.0, baseline, size: 8.5, color: MUTED, text: change.basis.clone() });
                    let at = x + 8.0 + width(&change.basis, 8.5) + 4.0;
                    self.push(Op::Text { x: at, baseline, size: 8.5, color, text: change.text.clone() });
                    baseline += 13.0;
                }
                if let Some(warning) = tile.warning {
                    self.push(Op::Text { x: x + 8.0, baseline, size: 8.5, color: bar, text: warning.name(lang).to_string() });
                }
            }
            self.y += height + gap;
        }
    }

    fn table(&mut self, header: &[String], rows: &[Vec<Cell>]) {
        let size = 8.5;
        let pad = 5.0;
        let natural: Vec<f32> = (0..header.len())
            .map(|c| {
                let cells = rows.iter().map(|r| width(&r[c].text, size));
                cells.chain([width(&header[c], size)]).fold(0.0, f32::max) + 2.0 * pad
            })
            .collect();
        let widths = fit_columns(&natural, WIDTH);
        let line_height = size * 1.6;
        let wrap_cell = |text: &str, w: f32| wrap(text, size, w - 2.0 * pad, 0.0);
        let header_lines: Vec<Vec<String>> = header.iter().zip(&widths).map(|(h, w)| wrap_cell(h, *w)).collect();
        let header_height = header_lines.iter().map(Vec::len).max().unwrap_or(1) as f32 * line_height + 4.0;
        let draw_header = |layout: &mut Self| {
            layout.push(Op::Rect { x: MARGIN_X, y: layout.y, w: WIDTH, h: header_height, color: HEADER_FILL });
            let mut x = MARGIN_X;
            for (lines, w) in header_lines.iter().zip(&widths) {
                for (k, line) in lines.iter().enumerate() {
                    let baseline = layout.y + 2.0 + k as f32 * line_height + size * 1.15;
                    layout.push(Op::Text { x: x + pad, baseline, size, color: INK, text: line.clone() });
                }
                x += w;
            }
            layout.y += header_height;
        };
        self.room(header_height + line_height * 2.0);
        draw_header(self);
        for row in rows {
            let cells: Vec<Vec<String>> = row.iter().zip(&widths).map(|(cell, w)| wrap_cell(&cell.text, *w)).collect();
            let height = cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * line_height + 3.0;
            if self.y + height > PAGE.1 - BOTTOM {
                self.room(PAGE.1);
                draw_header(self);
            }
            let mut x = MARGIN_X;
            for ((lines, cell), w) in cells.iter().zip(row).zip(&widths) {
                for (k, line) in lines.iter().enumerate() {
                    let baseline = self.y + 1.5 + k as f32 * line_height + size * 1.15;
                    // Numbers are right-aligned, as in the HTML table.
                    let at = if cell.numeric { x + w - pad - width(line, size) } else { x + pad };
                    self.push(Op::Text { x: at, baseline, size, color: INK, text: line.clone() });
                }
                x += w;
            }
            self.y += height;
            self.push(Op::Line { x1: MARGIN_X, y1: self.y, x2: MARGIN_X + WIDTH, y2: self.y, color: LINE, width: 0.5 });
        }
        self.y += 6.0;
    }

    fn chart(&mut self, svg: &str) -> Result<()> {
        let tree = parse_svg(svg)?;
        let h = WIDTH * tree.size().height() / tree.size().width();
        self.room(h + 6.0);
        self.svgs.push(tree);
        self.push(Op::Svg { index: self.svgs.len() - 1, x: MARGIN_X, y: self.y, w: WIDTH, h });
        self.y += h + 6.0;
        Ok(())
    }
}

/// Column widths that fit `total`: narrow columns keep their natural width, the widest share what is left.
fn fit_columns(natural: &[f32], total: f32) -> Vec<f32> {
    let sum: f32 = natural.iter().sum();
    if sum <= total {
        // Spread the spare width so the table spans the page.
        return natural.iter().map(|w| w + (total - sum) / natural.len().max(1) as f32).collect();
    }
    let mut sorted = natural.to_vec();
    sorted.sort_by(f32::total_cmp);
    let mut cap = total / natural.len().max(1) as f32;
    let mut remaining = total;
    for (i, w) in sorted.iter().enumerate() {
        let fair = remaining / (sorted.len() - i) as f32;
        if *w > fair {
            cap = fair;
            break;
        }
        remaining -= w;
    }
    natural.iter().map(|w| w.min(cap)).collect()
}

/// `text` cut with an ellipsis to fit `max` points.
fn fit(text: &str, size: f32, max: f32) -> String {
    if width(text, size) <= max {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if width(&out, size) + width(&format!("{c}…"), size) > max {
            break;
        }
        out.push(c);
    }
    out + "…"
}

/// The PDF bytes and the number of pages.
pub fn document(document: &Document) -> Result<(Vec<u8>, usize)> {
    let mut layout = Layout::new();
    layout.text(MARGIN_X, 20.0, BRAND, &document.title);
    layout.y += 30.0;
    if !document.subtitle.is_empty() {
        layout.paragraph(&document.subtitle, Lang::En);
    }
    let words = words(document.lang);
    layout.text(MARGIN_X, 10.5, MUTED, &format!("{}{}", words.period, document.period.label(document.lang)));
    layout.y += 20.0;
    layout.push(Op::Rect { x: MARGIN_X, y: layout.y, w: WIDTH, h: 2.0, color: BRAND });
    layout.y += 16.0;
    for block in &document.blocks {
        if !block.title.is_empty() {
            layout.heading(&block.title);
        }
        match &block.content {
            Content::Text { paragraphs } => paragraphs.iter().for_each(|p| layout.paragraph(p, document.lang)),
            Content::Kpi { tiles } => layout.tiles(tiles, document.lang),
            Content::Table { header, rows, .. } => layout.table(header, rows),
            Content::Chart { svg, .. } => layout.chart(svg)?,
        }
        layout.y += 10.0;
    }
    draw(document, &layout)
}

fn fill(color: (u8, u8, u8)) -> Fill {
    Fill { paint: rgb::Color::new(color.0, color.1, color.2).into(), opacity: NormalizedF32::ONE, rule: Default::default() }
}

fn draw(document: &Document, layout: &Layout) -> Result<(Vec<u8>, usize)> {
    let font = Font::new(FONT_BYTES.into(), 0).ok_or_else(|| ReportError::Drawing("the embedded font cannot be used in a PDF".into()))?;
    let mut pdf = PdfDocument::new();
    pdf.set_metadata(
        krilla::metadata::Metadata::new()
            .title(document.title.clone())
            .language(if document.lang == Lang::Zh { "zh-CN".into() } else { "en".into() })
            .creator("hrss".into()),
    );
    let total = layout.pages.len();
    let settings = PageSettings::from_wh(PAGE.0, PAGE.1).ok_or_else(|| ReportError::Drawing("bad page size".into()))?;
    for (number, ops) in layout.pages.iter().enumerate() {
        let mut page = pdf.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in ops {
            draw_op(&mut surface, &font, layout, op)?;
        }
        let footer = match document.lang {
            Lang::Zh => format!("{} · 第 {} 页 / 共 {total} 页", document.title, number + 1),
            Lang::En => format!("{} · page {} of {total}", document.title, number + 1),
        };
        let footer = fit(&footer, 8.0, WIDTH);
        let op = Op::Text { x: PAGE.0 / 2.0 - width(&footer, 8.0) / 2.0, baseline: PAGE.1 - 30.0, size: 8.0, color: MUTED, text: footer };
        draw_op(&mut surface, &font, layout, &op)?;
        surface.finish();
        page.finish();
    }
    let bytes = pdf.finish().map_err(|e| ReportError::Drawing(format!("the PDF could not be written: {e:?}")))?;
    Ok((bytes, total))
}

fn draw_op(surface: &mut Surface, font: &Font, layout: &Layout, op: &Op) -> Result<()> {
    match op {
        Op::Text { x, baseline, size, color, text } => {
            surface.set_fill(Some(fill(*color)));
            surface.set_stroke(None);
            surface.draw_text(Point::from_xy(*x, *baseline), font.clone(), *size, text, false, TextDirection::Auto);
        }
        Op::Rect { x, y, w, h, color } => {
            let mut path = PathBuilder::new();
            if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                path.push_rect(rect);
            }
            if let Some(path) = path.finish() {
                surface.set_fill(Some(fill(*color)));
                surface.set_stroke(None);
                surface.draw_path(&path);
            }
        }
        Op::Line { x1, y1, x2, y2, color, width } => {
            let mut path = PathBuilder::new();
            path.move_to(*x1, *y1);
            path.line_to(*x2, *y2);
            if let Some(path) = path.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke { paint: rgb::Color::new(color.0, color.1, color.2).into(), width: *width, ..Default::default() }));
                surface.draw_path(&path);
            }
        }
        Op::Svg { index, x, y, w, h } => {
            let size = Size::from_wh(*w, *h).ok_or_else(|| ReportError::Drawing("empty chart".into()))?;
            surface.push_transform(&Transform::from_translate(*x, *y));
            let drawn = surface.draw_svg(&layout.svgs[*index], size, SvgSettings::default());
            surface.pop();
            drawn.ok_or_else(|| ReportError::Drawing("a chart could not be converted for the PDF".into()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_wraps_anywhere_but_before_closing_punctuation() {
        let lines = wrap("全市城镇新增就业27.46万人，比上年增长5.2%。", 10.0, 100.0, 0.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| !l.starts_with('，') && !l.starts_with('。')));
        assert_eq!(lines.concat(), "全市城镇新增就业27.46万人，比上年增长5.2%。");
        let english = wrap("New urban jobs rose by 5.2 percent", 10.0, 80.0, 0.0);
        assert!(english.iter().all(|l| !l.starts_with(' ')), "{english:?}");
        assert_eq!(english.join(" "), "New urban jobs rose by 5.2 percent");
    }

    #[test]
    fn wide_tables_shrink_their_widest_columns() {
        let widths = fit_columns(&[50.0, 60.0, 600.0], 400.0);
        assert_eq!(widths[..2], [50.0, 60.0]);
        assert!((widths.iter().sum::<f32>() - 400.0).abs() < 1e-3);
    }
}
