//! The PDF of a report (A4, the project's CJK font embedded and subset), written with krilla: its text stays
//! selectable and searchable, and the charts go in as vector graphics through krilla-svg.
//!
//! Layout runs first and produces pages of drawing operations; only then are they drawn, so every page's
//! footer can say how many pages there are.

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
use crate::font::{advance_width as width, FONT_BYTES};
use crate::html::words;
use crate::render::{Cell, Content, Document, Tile, Tone};
use crate::spec::Lang;
use crate::{ReportError, Result};

const PAGE: (f32, f32) = (595.28, 841.89);
const MARGIN_X: f32 = 50.0;
const TOP: f32 = 56.0;
const BOTTOM: f32 = 60.0;
const WIDTH: f32 = PAGE.0 - 2.0 * MARGIN_X;
const HEADING_HEIGHT: f32 = 26.0;
const PARAGRAPH_SIZE: f32 = 10.5;
const TABLE_SIZE: f32 = 8.5;

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

/// Units that must stay together: a run of Latin letters and digits (with a leading space), or one other character;
/// opening punctuation stays with what follows it.
fn split_breakable(text: &str) -> Vec<String> {
    let mut units: Vec<String> = Vec::new();
    let mut latin = false;
    for c in text.chars() {
        let is_latin = c.is_ascii_alphanumeric() || matches!(c, '.' | ',' | '%' | '-' | '+' | '(' | ')' | '/' | '\'');
        if units.last().is_some_and(|u| u.ends_with(|o| "（「『《“".contains(o))) {
            units.last_mut().expect("checked").push(c);
            // A Latin run after the bracket stays whole: `（ETS）` is one unit and its closing bracket.
            latin = is_latin;
            continue;
        }
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

    /// A section heading, on the page where at least `keep` points of its section fit below it.
    fn heading(&mut self, title: &str, keep: f32) {
        self.room(HEADING_HEIGHT + keep.min(PAGE.1 - TOP - BOTTOM - HEADING_HEIGHT));
        self.push(Op::Rect { x: MARGIN_X, y: self.y + 1.0, w: 3.0, h: 15.0, color: BRAND });
        self.text(MARGIN_X + 9.0, 14.0, INK, title);
        self.y += HEADING_HEIGHT;
    }

    fn paragraph(&mut self, text: &str, lang: Lang) {
        let size = PARAGRAPH_SIZE;
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
        let tile_width = (WIDTH - TILE_GAP * (TILE_COLUMNS as f32 - 1.0)) / TILE_COLUMNS as f32;
        for row in tiles.chunks(TILE_COLUMNS) {
            // Long labels take a second line rather than losing their end: every tile of the row grows alike.
            let labels: Vec<Vec<String>> = row.iter().map(|t| tile_label(&t.label, tile_width)).collect();
            let extra = 11.0 * labels.iter().map(Vec::len).max().unwrap_or(1).saturating_sub(1) as f32;
            let height = tile_row_height(row) + extra;
            self.room(height + TILE_GAP);
            for (i, (tile, label)) in row.iter().zip(&labels).enumerate() {
                let x = MARGIN_X + i as f32 * (tile_width + TILE_GAP);
                let top = self.y;
                let bar = tile.warning.map_or(BRAND, |w| match w {
                    crate::render::Warning::Green => (47, 158, 68),
                    crate::render::Warning::Amber => (232, 163, 23),
                    crate::render::Warning::Red => (201, 42, 42),
                });
                self.push(Op::Rect { x, y: top, w: tile_width, h: height, color: LINE });
                self.push(Op::Rect { x: x + 0.6, y: top + 0.6, w: tile_width - 1.2, h: height - 1.2, color: (255, 255, 255) });
                self.push(Op::Rect { x, y: top, w: tile_width, h: 3.0, color: bar });
                for (k, line) in label.iter().enumerate() {
                    let baseline = top + 17.0 + 11.0 * k as f32;
                    self.push(Op::Text { x: x + 8.0, baseline, size: 9.0, color: MUTED, text: line.clone() });
                }
                let top = top + extra;
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
            self.y += height + TILE_GAP;
        }
    }

    fn table(&mut self, header: &[String], rows: &[Vec<Cell>]) {
        let size = TABLE_SIZE;
        let pad = 5.0;
        let natural: Vec<f32> = (0..header.len())
            .map(|c| {
                let cells = rows.iter().map(|r| width(&r[c].text, size));
                cells.chain([header_width(&header[c], size)]).fold(0.0, f32::max) + 2.0 * pad
            })
            .collect();
        // A column can shrink to its widest unbreakable piece (a number, a word, one Chinese character).
        let unbreakable = |text: &str| split_breakable(text).iter().map(|u| width(u.trim(), size)).fold(0.0, f32::max);
        let minimum: Vec<f32> = (0..header.len())
            .map(|c| rows.iter().map(|r| unbreakable(&r[c].text)).chain([unbreakable(&header[c])]).fold(0.0, f32::max) + 2.0 * pad)
            .collect();
        let widths = fit_columns(&natural, &minimum, WIDTH);
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

    fn chart(&mut self, tree: resvg::usvg::Tree) {
        let h = chart_height(&tree);
        self.room(h + 6.0);
        self.svgs.push(tree);
        self.push(Op::Svg { index: self.svgs.len() - 1, x: MARGIN_X, y: self.y, w: WIDTH, h });
        self.y += h + 6.0;
    }
}

const TILE_COLUMNS: usize = 3;
const TILE_GAP: f32 = 10.0;

/// A tile's label in at most two lines, the second cut with an ellipsis if it must be.
fn tile_label(label: &str, tile_width: f32) -> Vec<String> {
    let max = tile_width - 16.0;
    let mut lines = wrap(label, 9.0, max, 0.0);
    if lines.len() > 2 {
        let rest = lines[1..].concat();
        lines.truncate(1);
        lines.push(fit(&rest, 9.0, max));
    }
    lines
}

/// The height of a row of tiles with one-line labels: value, then one line per change and the warning.
fn tile_row_height(row: &[Tile]) -> f32 {
    let lines = row.iter().map(|t| t.changes.len() + usize::from(t.warning.is_some())).max().unwrap_or(0);
    54.0 + 13.0 * lines as f32
}

fn chart_height(tree: &resvg::usvg::Tree) -> f32 {
    WIDTH * tree.size().height() / tree.size().width()
}

/// How much of a section must fit under its heading on the same page: a whole chart, the first row of
/// tiles, a table's header and first rows, or the first lines of text.
fn lead_height(content: &Content, chart: Option<&resvg::usvg::Tree>) -> f32 {
    match content {
        Content::Chart { .. } => chart.map_or(0.0, chart_height),
        Content::Kpi { tiles } => tile_row_height(&tiles[..tiles.len().min(TILE_COLUMNS)]) + 11.0,
        Content::Table { .. } => TABLE_SIZE * 1.6 * 5.0,
        Content::Text { .. } => PARAGRAPH_SIZE * 1.75 * 3.0,
    }
}

/// The width a column header needs: it may take two lines, but never breaks inside a word.
fn header_width(header: &str, size: f32) -> f32 {
    let widest_unit = split_breakable(header).iter().map(|u| width(u.trim(), size)).fold(0.0, f32::max);
    widest_unit.max(width(header, size) / 2.0 + size)
}

/// Column widths that fit `total`. When the natural widths do not fit, every column keeps its minimum and
/// the rest of the width goes to the columns in proportion to how much more they need: long text wraps,
/// numbers do not.
fn fit_columns(natural: &[f32], minimum: &[f32], total: f32) -> Vec<f32> {
    let sum: f32 = natural.iter().sum();
    if sum <= total {
        // Spread the spare width so the table spans the page.
        return natural.iter().map(|w| w + (total - sum) / natural.len().max(1) as f32).collect();
    }
    let minimum: Vec<f32> = minimum.iter().zip(natural).map(|(m, n)| m.min(*n)).collect();
    let spare = (total - minimum.iter().sum::<f32>()).max(0.0);
    let wanted: f32 = natural.iter().zip(&minimum).map(|(n, m)| n - m).sum();
    natural.iter().zip(&minimum).map(|(n, m)| m + spare * (n - m) / wanted.max(f32::EPSILON)).collect()
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
        let chart = match &block.content {
            Content::Chart { svg, .. } => Some(parse_svg(svg)?),
            _ => None,
        };
        if !block.title.is_empty() {
            layout.heading(&block.title, lead_height(&block.content, chart.as_ref()));
        }
        match &block.content {
            Content::Text { paragraphs } => paragraphs.iter().for_each(|p| layout.paragraph(p, document.lang)),
            Content::Kpi { tiles } => layout.tiles(tiles, document.lang),
            Content::Table { header, rows, .. } => layout.table(header, rows),
            Content::Chart { .. } => chart.into_iter().for_each(|tree| layout.chart(tree)),
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
    fn opening_brackets_stay_with_what_follows() {
        let lines = wrap("涉及人数（人）", TABLE_SIZE, 5.5 * TABLE_SIZE, 0.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| !l.ends_with('（')), "{lines:?}");
        assert_eq!(lines.concat(), "涉及人数（人）");
        assert_eq!(split_breakable("预测（ETS）"), ["预", "测", "（ETS", "）"], "a method name in brackets is not broken");
    }

    #[test]
    fn a_heading_goes_to_the_next_page_when_its_section_would_not_follow_it() {
        let mut layout = Layout::new();
        layout.y = PAGE.1 - BOTTOM - 100.0;
        layout.heading("各项基金可支付月数", 60.0);
        assert_eq!(layout.pages.len(), 1, "a short section fits under the heading");
        layout.heading("城镇新增就业人数：实际与预测", 300.0);
        assert_eq!(layout.pages.len(), 2);
        assert_eq!(layout.y, TOP + HEADING_HEIGHT);
    }

    #[test]
    fn long_tile_labels_take_two_lines_instead_of_losing_their_end() {
        let label = "企业职工基本养老保险基金可支付月数";
        let lines = tile_label(label, 100.0);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(lines.concat(), label);
        assert_eq!(tile_label("求人倍率", 100.0), ["求人倍率"]);
    }

    #[test]
    fn wide_tables_give_the_spare_width_to_the_columns_that_wrap() {
        // Two number columns that cannot wrap, and a long text column that can.
        let widths = fit_columns(&[50.0, 60.0, 600.0], &[50.0, 60.0, 20.0], 400.0);
        assert_eq!(widths[..2], [50.0, 60.0]);
        assert!((widths.iter().sum::<f32>() - 400.0).abs() < 1e-3);
        // Two text columns share the spare width by how much more each needs.
        let widths = fit_columns(&[220.0, 120.0, 40.0], &[20.0, 20.0, 40.0], 240.0);
        assert!((widths[0] - 20.0 - 2.0 * (widths[1] - 20.0)).abs() < 1e-3, "{widths:?}");
        assert_eq!(widths[2], 40.0);
    }
}
