//! Line charts with an optional second value axis, drawn with plotters into outlined SVG and rasterized to PNG.

use std::cell::RefCell;
use std::rc::Rc;

use plotters::prelude::*;

use crate::font::{font, FAMILY};
use crate::outlined_svg::{finish, OutlinedSvg};
use crate::{ReportError, Result};

/// The bureau's report palette: deep blue, vermilion, teal, amber.
const PALETTE: [RGBColor; 4] = [RGBColor(31, 78, 140), RGBColor(200, 60, 40), RGBColor(20, 140, 130), RGBColor(220, 150, 30)];

#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
    pub values: Vec<Option<f64>>,
    /// Drawn against the right-hand axis.
    pub secondary: bool,
}

#[derive(Debug, Clone)]
pub struct LineChart {
    pub title: String,
    pub x_labels: Vec<String>,
    pub x_title: String,
    pub y_title: String,
    pub y2_title: Option<String>,
    pub series: Vec<Series>,
}

fn drawing<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> ReportError {
    ReportError::Drawing(e.to_string())
}

/// A value range that includes zero when the data are all positive, padded above.
fn value_range<'a>(series: impl Iterator<Item = &'a Series>) -> (f64, f64) {
    let values: Vec<f64> = series.flat_map(|s| s.values.iter().flatten().copied()).filter(|v| v.is_finite()).collect();
    let max = values.iter().copied().fold(f64::MIN, f64::max);
    let min = values.iter().copied().fold(f64::MAX, f64::min);
    if values.is_empty() {
        return (0.0, 1.0);
    }
    let low = if min >= 0.0 { 0.0 } else { min * 1.1 };
    let high = if max <= 0.0 { 0.0 } else { max * 1.1 };
    if high > low { (low, high) } else { (low, low + 1.0) }
}

/// Runs of consecutive non-null points: a gap in the data is a gap in the line.
fn segments(values: &[Option<f64>]) -> Vec<Vec<(i32, f64)>> {
    let mut runs = vec![Vec::new()];
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) if v.is_finite() => runs.last_mut().expect("never empty").push((i as i32, *v)),
            _ if runs.last().is_some_and(|r| !r.is_empty()) => runs.push(Vec::new()),
            _ => {}
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

impl LineChart {
    /// The chart as a standalone SVG document with text as outlines.
    pub fn to_svg(&self, size: (u32, u32)) -> Result<String> {
        font();
        let mut buffer = String::new();
        let glyphs = Rc::new(RefCell::new(String::new()));
        {
            let root = OutlinedSvg::new(&mut buffer, size, Rc::clone(&glyphs)).into_drawing_area();
            root.fill(&WHITE).map_err(drawing)?;
            let n = self.x_labels.len().max(1) as i32;
            let (y_low, y_high) = value_range(self.series.iter().filter(|s| !s.secondary));
            let (y2_low, y2_high) = value_range(self.series.iter().filter(|s| s.secondary));
            let mut chart = ChartBuilder::on(&root)
                .caption(&self.title, (FAMILY, 28).into_font().color(&BLACK))
                .margin(24)
                .x_label_area_size(56)
                .y_label_area_size(84)
                .right_y_label_area_size(if self.y2_title.is_some() { 72 } else { 0 })
                .build_cartesian_2d(0..n - 1, y_low..y_high)
                .map_err(drawing)?
                .set_secondary_coord(0..n - 1, y2_low..y2_high);
            let labels = &self.x_labels;
            let label_at = |i: &i32| labels.get(*i as usize).cloned().unwrap_or_default();
            chart
                .configure_mesh()
                .x_labels(12.min(n as usize))
                .x_label_formatter(&label_at)
                .y_label_formatter(&|v: &f64| format_tick(*v))
                .x_desc(&self.x_title)
                .y_desc(&self.y_title)
                .label_style((FAMILY, 15))
                .axis_desc_style((FAMILY, 17))
                .light_line_style(RGBColor(235, 238, 242))
                .bold_line_style(RGBColor(210, 215, 222))
                .draw()
                .map_err(drawing)?;
            if let Some(y2_title) = &self.y2_title {
                chart
                    .configure_secondary_axes()
                    .y_desc(y2_title)
                    .y_label_formatter(&|v: &f64| format_tick(*v))
                    .label_style((FAMILY, 15))
                    .axis_desc_style((FAMILY, 17))
                    .draw()
                    .map_err(drawing)?;
            }
            for (i, series) in self.series.iter().enumerate() {
                let color = PALETTE[i % PALETTE.len()];
                let style = color.stroke_width(3);
                for (k, run) in segments(&series.values).into_iter().enumerate() {
                    let line = LineSeries::new(run, style);
                    let drawn = if series.secondary {
                        chart.draw_secondary_series(line).map_err(drawing)?
                    } else {
                        chart.draw_series(line).map_err(drawing)?
                    };
                    if k == 0 {
                        drawn
                            .label(&series.label)
                            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3)));
                    }
                }
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .label_font((FAMILY, 16))
                .background_style(WHITE.mix(0.9))
                .border_style(RGBColor(200, 200, 200))
                .draw()
                .map_err(drawing)?;
            root.present().map_err(drawing)?;
        }
        let svg = finish(&buffer, &glyphs.borrow());
        // A title element makes the chart's name searchable and read out by screen readers.
        let title = format!("<title>{}</title>", crate::outlined_svg::escape(&self.title));
        Ok(match svg.find('>') {
            Some(at) if svg.starts_with("<svg") => format!("{}{title}{}", &svg[..=at], &svg[at + 1..]),
            _ => svg,
        })
    }
}

/// Axis ticks: thousands separators, at most one decimal.
fn format_tick(v: f64) -> String {
    if v.abs() >= 1000.0 {
        let whole = format!("{:.0}", v.abs());
        let mut grouped = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if v < 0.0 { format!("-{grouped}") } else { grouped }
    } else if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Rasterizes an SVG (text already outlined) at `scale` times its size.
pub fn svg_to_png(svg: &str, scale: f32) -> Result<Vec<u8>> {
    let tree = resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default())
        .map_err(|e| ReportError::Drawing(format!("the chart's SVG does not parse: {e}")))?;
    let size = tree.size().to_int_size().scale_by(scale).ok_or_else(|| ReportError::Drawing("empty chart".into()))?;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| ReportError::Drawing("chart too large to rasterize".into()))?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(&tree, resvg::tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| ReportError::Drawing(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_grouped_and_rounded() {
        assert_eq!(format_tick(1_234_567.0), "1,234,567");
        assert_eq!(format_tick(12.25), "12.2");
        assert_eq!(format_tick(-4500.0), "-4,500");
        assert_eq!(format_tick(15.0), "15");
    }

    #[test]
    fn nulls_split_lines() {
        let runs = segments(&[None, Some(1.0), Some(2.0), None, Some(3.0)]);
        assert_eq!(runs, vec![vec![(1, 1.0), (2, 2.0)], vec![(4, 3.0)]]);
    }
}
