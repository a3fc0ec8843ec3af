//! Charts drawn with plotters into outlined SVG: line, area, grouped and stacked bars, pie and donut, scatter,
//! bars with a line on a second axis, and forecasts with shaded 80% and 95% bands; rasterized to PNG by resvg.
//!
//! The title and the legend sit above the plot, and category labels are placed (and wrapped or thinned) by
//! hand, so nothing overlaps the data however long the Chinese names are.

use std::cell::RefCell;
use std::rc::Rc;

use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::font::{font, FAMILY};
use crate::format::grouped;
use crate::outlined_svg::{escape, finish, text_width, OutlinedSvg};
use crate::spec::{ChartKind, Lang};
use crate::{ReportError, Result};

/// The bureau's report palette: deep blue, vermilion, teal, amber, purple, slate, green, brown.
const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 78, 140),
    RGBColor(200, 60, 40),
    RGBColor(20, 140, 130),
    RGBColor(220, 150, 30),
    RGBColor(120, 80, 160),
    RGBColor(90, 110, 130),
    RGBColor(70, 150, 60),
    RGBColor(150, 100, 60),
];
const TEXT: RGBColor = RGBColor(31, 41, 51);
const MUTED: RGBColor = RGBColor(82, 96, 109);
const TITLE_SIZE: f64 = 28.0;
const LABEL_SIZE: f64 = 15.0;
const LEGEND_SIZE: f64 = 16.0;
const AXIS_TITLE_SIZE: f64 = 17.0;

pub fn color(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
    pub values: Vec<Option<f64>>,
    /// Drawn against the right-hand axis (dual-axis charts).
    pub secondary: bool,
}

/// The bounds of a forecast's 80% and 95% prediction intervals, row by row.
#[derive(Debug, Clone)]
pub struct Bands {
    pub lo_80: Vec<Option<f64>>,
    pub hi_80: Vec<Option<f64>>,
    pub lo_95: Vec<Option<f64>>,
    pub hi_95: Vec<Option<f64>>,
}

#[derive(Debug, Clone)]
pub struct Chart {
    pub kind: ChartKind,
    pub lang: Lang,
    pub title: String,
    /// Category labels: the x axis, the slices of a pie, or the point labels of a scatter.
    pub categories: Vec<String>,
    /// Scatter only: the numeric x of each point.
    pub x_values: Vec<Option<f64>>,
    pub x_title: String,
    pub y_title: String,
    pub y2_title: Option<String>,
    pub series: Vec<Series>,
    pub bands: Option<Bands>,
}

fn drawing<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> ReportError {
    ReportError::Drawing(e.to_string())
}

type Area<'a, 'b> = DrawingArea<OutlinedSvg<'a>, Shift>;

fn text_style(size: f64, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&color).pos(Pos::new(h, v))
}

/// A value range that includes zero, padded by a tenth above and below the data.
fn value_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut min, mut max) = (f64::MAX, f64::MIN);
    for v in values.filter(|v| v.is_finite()) {
        min = min.min(v);
        max = max.max(v);
    }
    if min > max {
        return (0.0, 1.0);
    }
    let low = if min >= 0.0 { 0.0 } else { min * 1.1 };
    let high = if max <= 0.0 { 0.0 } else { max * 1.1 };
    if high > low { (low, high) } else { (low, low + 1.0) }
}

/// A numeric range padded on both sides, for a scatter's axes.
fn padded_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut min, mut max) = (f64::MAX, f64::MIN);
    for v in values.filter(|v| v.is_finite()) {
        min = min.min(v);
        max = max.max(v);
    }
    if min > max {
        return (0.0, 1.0);
    }
    let pad = ((max - min) * 0.08).max(max.abs() * 0.02).max(1e-9);
    (min - pad, max + pad)
}

/// Runs of consecutive non-null points: a gap in the data is a gap in the line.
fn segments(values: &[Option<f64>]) -> Vec<Vec<(f64, f64)>> {
    let mut runs = vec![Vec::new()];
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) if v.is_finite() => runs.last_mut().expect("never empty").push((i as f64, *v)),
            _ if runs.last().is_some_and(|r| !r.is_empty()) => runs.push(Vec::new()),
            _ => {}
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

/// The grid, tick labels and axis titles every cartesian chart shares.
fn house_style<'m, 'a, 'b, X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB> {
    mesh.label_style((FAMILY, LABEL_SIZE).into_font().color(&MUTED))
        .axis_desc_style((FAMILY, AXIS_TITLE_SIZE).into_font().color(&TEXT))
        .max_light_lines(1)
        .light_line_style(RGBColor(240, 242, 245))
        .bold_line_style(RGBColor(215, 220, 228))
        .axis_style(RGBColor(150, 160, 170))
}

/// The decimals every tick of an axis spanning `low..high` shows, so that one axis reads 0.5, 1.0, 1.5
/// rather than 0.50, 1, 1.5.
fn axis_decimals(low: f64, high: f64) -> u8 {
    match high - low {
        span if span < 2.0 => 2,
        span if span < 20.0 => 1,
        _ => 0,
    }
}

/// A value outside an axis (a pie's total and shares): thousands separators, a decimal or two when small.
fn format_tick(v: f64) -> String {
    if v.abs() >= 1000.0 || v.fract().abs() < 1e-9 { grouped(v, 0) } else { grouped(v, if v.abs() < 1.0 { 2 } else { 1 }) }
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy)]
enum Mark {
    Line(RGBColor),
    Block(RGBColor, f64),
    Dot(RGBColor),
}

impl Chart {
    /// The chart as a standalone SVG document with text as outlines.
    pub fn to_svg(&self, size: (u32, u32)) -> Result<String> {
        font();
        let mut buffer = String::new();
        let glyphs = Rc::new(RefCell::new(String::new()));
        {
            let root = OutlinedSvg::new(&mut buffer, size, Rc::clone(&glyphs)).into_drawing_area();
            root.fill(&WHITE).map_err(drawing)?;
            root.draw(&Text::new(self.title.clone(), (size.0 as i32 / 2, 14), text_style(TITLE_SIZE, TEXT, HPos::Center, VPos::Top)))
                .map_err(drawing)?;
            let legend_top = 14 + TITLE_SIZE as i32 + 12;
            let plot_top = match self.kind {
                // A pie's legend is its own column, with shares.
                ChartKind::Pie | ChartKind::Donut => legend_top,
                _ => self.draw_legend(&root, legend_top)? + 6,
            };
            let (_, body) = root.split_vertically(plot_top);
            match self.kind {
                ChartKind::Pie | ChartKind::Donut => self.draw_pie(&root, &body)?,
                ChartKind::Scatter => self.draw_scatter(&root, &body)?,
                _ => self.draw_cartesian(&root, &body)?,
            }
            root.present().map_err(drawing)?;
        }
        let svg = finish(&buffer, &glyphs.borrow());
        // A title element makes the chart's name searchable and read out by screen readers.
        let title = format!("<title>{}</title>", escape(&self.title));
        Ok(match svg.find('>') {
            Some(at) if svg.starts_with("<svg") => format!("{}{title}{}", &svg[..=at], &svg[at + 1..]),
            _ => svg,
        })
    }

    fn legend_entries(&self) -> Vec<(String, Mark)> {
        match self.kind {
            ChartKind::Forecast => {
                let (actual, forecast, b80, b95) = match self.lang {
                    Lang::Zh => ("实际值", "预测值", "80%预测区间", "95%预测区间"),
                    Lang::En => ("Actual", "Forecast", "80% interval", "95% interval"),
                };
                let mut entries = vec![(actual.to_string(), Mark::Line(color(0))), (forecast.to_string(), Mark::Line(color(1)))];
                if self.bands.is_some() {
                    entries.push((b80.into(), Mark::Block(color(1), 0.35)));
                    entries.push((b95.into(), Mark::Block(color(1), 0.15)));
                }
                entries
            }
            ChartKind::Bar | ChartKind::StackedBar => {
                self.series.iter().enumerate().map(|(i, s)| (s.label.clone(), Mark::Block(color(i), 1.0))).collect()
            }
            ChartKind::DualAxis => self
                .series
                .iter()
                .enumerate()
                .map(|(i, s)| (s.label.clone(), if s.secondary { Mark::Line(color(i)) } else { Mark::Block(color(i), 1.0) }))
                .collect(),
            ChartKind::Scatter => self.series.iter().enumerate().map(|(i, s)| (s.label.clone(), Mark::Dot(color(i)))).collect(),
            _ => self.series.iter().enumerate().map(|(i, s)| (s.label.clone(), Mark::Line(color(i)))).collect(),
        }
    }

    /// Draws the legend centred in rows under the title; returns the y below it.
    fn draw_legend(&self, root: &Area, top: i32) -> Result<i32> {
        let entries = self.legend_entries();
        let width = root.dim_in_pixel().0 as i32;
        let row_height = LEGEND_SIZE as i32 + 12;
        let widths: Vec<i32> = entries.iter().map(|(label, _)| 34 + text_width(label, LEGEND_SIZE) as i32 + 26).collect();
        let mut rows: Vec<Vec<usize>> = vec![Vec::new()];
        let mut used = 0;
        for (i, w) in widths.iter().enumerate() {
            if used + w > width - 80 && !rows.last().is_some_and(|r| r.is_empty()) {
                rows.push(Vec::new());
                used = 0;
            }
            rows.last_mut().expect("never empty").push(i);
            used += w;
        }
        for (r, row) in rows.iter().enumerate() {
            let total: i32 = row.iter().map(|i| widths[*i]).sum();
            let mut x = (width - total) / 2;
            let y = top + r as i32 * row_height + row_height / 2;
            for &i in row {
                let (label, mark) = &entries[i];
                match mark {
                    Mark::Line(c) => root.draw(&PathElement::new(vec![(x, y), (x + 26, y)], c.stroke_width(3))),
                    Mark::Block(c, alpha) => root.draw(&Rectangle::new([(x + 3, y - 8), (x + 23, y + 8)], c.mix(*alpha).filled())),
                    Mark::Dot(c) => root.draw(&Circle::new((x + 13, y), 7, c.mix(0.75).filled())),
                }
                .map_err(drawing)?;
                root.draw(&Text::new(label.clone(), (x + 34, y), text_style(LEGEND_SIZE, TEXT, HPos::Left, VPos::Center)))
                    .map_err(drawing)?;
                x += widths[i];
            }
        }
        Ok(if entries.is_empty() { top } else { top + rows.len() as i32 * row_height })
    }

    fn primary(&self) -> impl Iterator<Item = &Series> {
        self.series.iter().filter(|s| !s.secondary)
    }

    /// The values the left axis must show.
    fn left_values(&self) -> Vec<f64> {
        let n = self.categories.len();
        match self.kind {
            ChartKind::StackedBar => (0..n)
                .flat_map(|i| {
                    let values = self.series.iter().filter_map(move |s| s.values.get(i).copied().flatten());
                    let (up, down): (Vec<f64>, Vec<f64>) = values.partition(|v| *v >= 0.0);
                    [up.iter().sum::<f64>(), down.iter().sum::<f64>()]
                })
                .collect(),
            ChartKind::Forecast => {
                let bands = self.bands.iter().flat_map(|b| [&b.lo_95, &b.hi_95, &b.lo_80, &b.hi_80]);
                self.series.iter().map(|s| &s.values).chain(bands).flat_map(|v| v.iter().flatten().copied()).collect()
            }
            _ => self.primary().flat_map(|s| s.values.iter().flatten().copied()).collect(),
        }
    }

    fn draw_cartesian(&self, root: &Area, body: &Area) -> Result<()> {
        let n = self.categories.len().max(1);
        let x_range = -0.5..(n as f64 - 0.5);
        let (y_low, y_high) = value_range(self.left_values().into_iter());
        let secondary = self.series.iter().filter(|s| s.secondary).flat_map(|s| s.values.iter().flatten().copied());
        let (y2_low, y2_high) = value_range(secondary);
        let dual = self.kind == ChartKind::DualAxis;
        let mut chart = ChartBuilder::on(body)
            .margin_left(16)
            .margin_right(if dual { 8 } else { 32 })
            .margin_bottom(8)
            .x_label_area_size(78)
            .y_label_area_size(96)
            .right_y_label_area_size(if dual { 88 } else { 0 })
            .build_cartesian_2d(x_range.clone(), y_low..y_high)
            .map_err(drawing)?
            .set_secondary_coord(x_range, y2_low..y2_high);
        house_style(
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(0)
                .y_labels(8)
                .y_label_formatter(&|v: &f64| grouped(*v, axis_decimals(y_low, y_high)))
                .x_desc(&self.x_title)
                .y_desc(&self.y_title),
        )
        .draw()
        .map_err(drawing)?;
        if dual {
            chart
                .configure_secondary_axes()
                .y_desc(self.y2_title.as_deref().unwrap_or_default())
                .y_labels(8)
                .y_label_formatter(&|v: &f64| grouped(*v, axis_decimals(y2_low, y2_high)))
                .label_style((FAMILY, LABEL_SIZE).into_font().color(&MUTED))
                .axis_desc_style((FAMILY, AXIS_TITLE_SIZE).into_font().color(&TEXT))
                .axis_style(RGBColor(150, 160, 170))
                .draw()
                .map_err(drawing)?;
        }
        let markers = n <= 24;
        match self.kind {
            ChartKind::Bar | ChartKind::DualAxis => {
                let bars: Vec<(usize, &Series)> = self.series.iter().enumerate().filter(|(_, s)| !s.secondary).collect();
                let width = 0.8 / bars.len().max(1) as f64;
                for (k, (i, series)) in bars.iter().enumerate() {
                    let c = color(*i);
                    let left = |x: usize| x as f64 - 0.4 + k as f64 * width;
                    chart
                        .draw_series(series.values.iter().enumerate().filter_map(|(x, v)| {
                            v.map(|v| Rectangle::new([(left(x) + width * 0.06, 0.0), (left(x) + width * 0.94, v)], c.filled()))
                        }))
                        .map_err(drawing)?;
                }
                for (i, series) in self.series.iter().enumerate().filter(|(_, s)| s.secondary) {
                    let c = color(i);
                    for run in segments(&series.values) {
                        chart.draw_secondary_series(LineSeries::new(run.clone(), c.stroke_width(3))).map_err(drawing)?;
                        if markers {
                            chart.draw_secondary_series(run.into_iter().map(|p| Circle::new(p, 4, c.filled()))).map_err(drawing)?;
                        }
                    }
                }
            }
            ChartKind::StackedBar => {
                let (mut up, mut down) = (vec![0.0; n], vec![0.0; n]);
                for (i, series) in self.series.iter().enumerate() {
                    let c = color(i);
                    let mut blocks = Vec::new();
                    for (x, v) in series.values.iter().enumerate().take(n) {
                        let Some(v) = *v else { continue };
                        let stack = if v >= 0.0 { &mut up[x] } else { &mut down[x] };
                        blocks.push(Rectangle::new([(x as f64 - 0.32, *stack), (x as f64 + 0.32, *stack + v)], c.filled()));
                        *stack += v;
                    }
                    chart.draw_series(blocks).map_err(drawing)?;
                }
            }
            ChartKind::Forecast => {
                if let Some(bands) = &self.bands {
                    for (lo, hi, alpha) in [(&bands.lo_95, &bands.hi_95, 0.15), (&bands.lo_80, &bands.hi_80, 0.35)] {
                        for polygon in band_polygons(lo, hi) {
                            chart.draw_series(std::iter::once(Polygon::new(polygon, color(1).mix(alpha).filled()))).map_err(drawing)?;
                        }
                    }
                }
                for (i, series) in self.series.iter().enumerate() {
                    self.draw_lines(&mut chart, series, color(i), markers)?;
                }
            }
            ChartKind::Area => {
                for (i, series) in self.series.iter().enumerate() {
                    let c = color(i);
                    for run in segments(&series.values) {
                        chart.draw_series(AreaSeries::new(run, 0.0, c.mix(0.08)).border_style(c.stroke_width(3))).map_err(drawing)?;
                    }
                }
            }
            _ => {
                for (i, series) in self.series.iter().enumerate() {
                    self.draw_lines(&mut chart, series, color(i), markers)?;
                }
            }
        }
        // Category labels under the axis: wrapped onto two lines or thinned out so that none overlap.
        let (left, _) = chart.backend_coord(&(0.0, y_low));
        let (right, axis_y) = chart.backend_coord(&((n - 1) as f64, y_low));
        let slot = if n > 1 { (right - left) as f64 / (n - 1) as f64 } else { 200.0 };
        let lines: Vec<Vec<String>> = self.categories.iter().map(|c| wrap_label(c, slot * 0.92)).collect();
        let widest = lines.iter().flatten().map(|l| text_width(l, LABEL_SIZE)).fold(0.0, f64::max);
        let step = [1, 2, 3, 4, 6, 12, 24, 48].into_iter().find(|s| widest + 8.0 <= slot * *s as f64).unwrap_or(n.max(1));
        for (i, label_lines) in lines.iter().enumerate().step_by(step) {
            let (x, _) = chart.backend_coord(&(i as f64, y_low));
            for (k, line) in label_lines.iter().enumerate() {
                let y = axis_y + 8 + k as i32 * (LABEL_SIZE as i32 + 3);
                root.draw(&Text::new(line.clone(), (x, y), text_style(LABEL_SIZE, MUTED, HPos::Center, VPos::Top))).map_err(drawing)?;
            }
        }
        Ok(())
    }

    fn draw_lines<'a, 'b>(
        &self,
        chart: &mut plotters::chart::DualCoordChartContext<
            'a,
            OutlinedSvg<'b>,
            Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
            Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
        >,
        series: &Series,
        c: RGBColor,
        markers: bool,
    ) -> Result<()> {
        for run in segments(&series.values) {
            chart.draw_series(LineSeries::new(run.clone(), c.stroke_width(3))).map_err(drawing)?;
            if markers {
                chart.draw_series(run.into_iter().map(|p| Circle::new(p, 4, c.filled()))).map_err(drawing)?;
            }
        }
        Ok(())
    }

    fn draw_scatter(&self, root: &Area, body: &Area) -> Result<()> {
        let x_range = padded_range(self.x_values.iter().flatten().copied());
        let (y_low, y_high) = padded_range(self.series.iter().flat_map(|s| s.values.iter().flatten().copied()));
        let mut chart = ChartBuilder::on(body)
            .margin_left(16)
            .margin_right(32)
            .margin_bottom(8)
            .x_label_area_size(64)
            .y_label_area_size(96)
            .build_cartesian_2d(x_range.0..x_range.1, y_low..y_high)
            .map_err(drawing)?;
        house_style(
            chart
                .configure_mesh()
                .x_labels(8)
                .y_labels(8)
                .x_label_formatter(&|v: &f64| grouped(*v, axis_decimals(x_range.0, x_range.1)))
                .y_label_formatter(&|v: &f64| grouped(*v, axis_decimals(y_low, y_high)))
                .x_desc(&self.x_title)
                .y_desc(&self.y_title),
        )
        .draw()
        .map_err(drawing)?;
        for (i, series) in self.series.iter().enumerate() {
            let c = color(i);
            let points: Vec<(f64, f64, usize)> = self
                .x_values
                .iter()
                .zip(&series.values)
                .enumerate()
                .filter_map(|(row, (x, y))| Some(((*x)?, (*y)?, row)))
                .collect();
            chart.draw_series(points.iter().map(|(x, y, _)| Circle::new((*x, *y), 7, c.mix(0.75).filled()))).map_err(drawing)?;
            // Points are named when there are few enough to read.
            if points.len() <= 20 {
                for (x, y, row) in &points {
                    let Some(name) = self.categories.get(*row).filter(|n| !n.is_empty()) else { continue };
                    let (px, py) = chart.backend_coord(&(*x, *y));
                    root.draw(&Text::new(name.clone(), (px + 10, py), text_style(14.0, TEXT, HPos::Left, VPos::Center)))
                        .map_err(drawing)?;
                }
            }
        }
        Ok(())
    }

    fn draw_pie(&self, root: &Area, body: &Area) -> Result<()> {
        let values: Vec<f64> = self
            .series
            .first()
            .map(|s| s.values.iter().map(|v| v.unwrap_or(0.0).max(0.0)).collect())
            .unwrap_or_default();
        let total: f64 = values.iter().sum();
        let (width, height) = body.dim_in_pixel();
        let (origin_x, origin_y) = body.get_base_pixel();
        let radius = (f64::from(height) / 2.0 - 24.0).min(f64::from(width) * 0.22).max(20.0);
        let center = (origin_x as f64 + f64::from(width) * 0.3, origin_y as f64 + f64::from(height) / 2.0);
        let inner = if self.kind == ChartKind::Donut { radius * 0.58 } else { 0.0 };
        let mut start = -std::f64::consts::FRAC_PI_2;
        let point = |angle: f64, r: f64| ((center.0 + r * angle.cos()).round() as i32, (center.1 + r * angle.sin()).round() as i32);
        for (i, value) in values.iter().enumerate() {
            if total <= 0.0 || *value <= 0.0 {
                continue;
            }
            let sweep = value / total * std::f64::consts::TAU;
            let steps = ((sweep.to_degrees()).ceil() as usize).max(2);
            let outer_arc = (0..=steps).map(|k| point(start + sweep * k as f64 / steps as f64, radius));
            let mut polygon: Vec<(i32, i32)> = outer_arc.collect();
            if inner > 0.0 {
                polygon.extend((0..=steps).rev().map(|k| point(start + sweep * k as f64 / steps as f64, inner)));
            } else {
                polygon.push(point(0.0, 0.0));
            }
            root.draw(&Polygon::new(polygon, color(i).filled())).map_err(drawing)?;
            // White separators between slices.
            root.draw(&PathElement::new(vec![point(start, inner), point(start, radius)], WHITE.stroke_width(2))).map_err(drawing)?;
            let share = value / total;
            if share >= 0.05 {
                let at = point(start + sweep / 2.0, (radius + inner.max(radius * 0.35)) / 2.0 + if inner > 0.0 { 0.0 } else { radius * 0.12 });
                root.draw(&Text::new(format!("{:.1}%", share * 100.0), at, text_style(15.0, WHITE, HPos::Center, VPos::Center)))
                    .map_err(drawing)?;
            }
            start += sweep;
        }
        if inner > 0.0 {
            let (label, at) = (if self.lang == Lang::En { "Total" } else { "合计" }, point(0.0, 0.0));
            root.draw(&Text::new(label, (at.0, at.1 - 14), text_style(16.0, MUTED, HPos::Center, VPos::Center))).map_err(drawing)?;
            root.draw(&Text::new(format_tick(total), (at.0, at.1 + 14), text_style(22.0, TEXT, HPos::Center, VPos::Center)))
                .map_err(drawing)?;
        }
        // The legend: each slice's name, value and share.
        let legend_x = origin_x + (f64::from(width) * 0.58) as i32;
        let row = 34;
        let top = center.1 as i32 - (values.len() as i32 * row) / 2;
        if !self.y_title.is_empty() {
            root.draw(&Text::new(self.y_title.clone(), (legend_x, top - row), text_style(LABEL_SIZE, MUTED, HPos::Left, VPos::Center)))
                .map_err(drawing)?;
        }
        for (i, (value, name)) in values.iter().zip(&self.categories).enumerate() {
            let y = top + i as i32 * row + row / 2;
            root.draw(&Rectangle::new([(legend_x, y - 9), (legend_x + 18, y + 9)], color(i).filled())).map_err(drawing)?;
            let share = if total > 0.0 { value / total * 100.0 } else { 0.0 };
            let text = format!("{name}  {}  ({share:.1}%)", format_tick(*value));
            root.draw(&Text::new(text, (legend_x + 28, y), text_style(LEGEND_SIZE, TEXT, HPos::Left, VPos::Center))).map_err(drawing)?;
        }
        Ok(())
    }
}

/// Closed polygons (upper bound forward, lower bound back) over each run where both bounds exist.
fn band_polygons(lo: &[Option<f64>], hi: &[Option<f64>]) -> Vec<Vec<(f64, f64)>> {
    let pairs: Vec<Option<(f64, f64)>> = lo.iter().zip(hi).map(|(l, h)| Some(((*l)?, (*h)?))).collect();
    let mut polygons = Vec::new();
    let mut run: Vec<(usize, f64, f64)> = Vec::new();
    for (i, pair) in pairs.iter().chain(std::iter::once(&None)).enumerate() {
        match pair {
            Some((l, h)) => run.push((i, *l, *h)),
            None if !run.is_empty() => {
                let mut polygon: Vec<(f64, f64)> = run.iter().map(|(x, _, h)| (*x as f64, *h)).collect();
                polygon.extend(run.iter().rev().map(|(x, l, _)| (*x as f64, *l)));
                polygons.push(polygon);
                run.clear();
            }
            None => {}
        }
    }
    polygons
}

/// A category label on one line, or two when a Chinese name is too wide for its slot (codes and dates such as
/// `2025-01` are thinned out instead: half a date reads as nothing).
fn wrap_label(label: &str, slot: f64) -> Vec<String> {
    if text_width(label, LABEL_SIZE) <= slot || label.chars().count() < 4 || label.is_ascii() {
        return vec![label.to_string()];
    }
    let chars: Vec<char> = label.chars().collect();
    let half = chars.len().div_ceil(2);
    vec![chars[..half].iter().collect(), chars[half..].iter().collect()]
}

/// Rasterizes an SVG (text already outlined) at `scale` times its size.
pub fn svg_to_png(svg: &str, scale: f32) -> Result<Vec<u8>> {
    let tree = parse_svg(svg)?;
    let size = tree.size().to_int_size().scale_by(scale).ok_or_else(|| ReportError::Drawing("empty chart".into()))?;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| ReportError::Drawing("chart too large to rasterize".into()))?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(&tree, resvg::tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| ReportError::Drawing(e.to_string()))
}

pub fn parse_svg(svg: &str) -> Result<resvg::usvg::Tree> {
    resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default())
        .map_err(|e| ReportError::Drawing(format!("the chart's SVG does not parse: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_grouped_and_rounded() {
        assert_eq!(format_tick(1_234_567.0), "1,234,567");
        assert_eq!(format_tick(12.25), "12.2");
        assert_eq!(format_tick(0.25), "0.25");
        assert_eq!(format_tick(15.0), "15");
        assert_eq!((axis_decimals(0.0, 1.5), axis_decimals(0.0, 12.0), axis_decimals(0.0, 800.0)), (2, 1, 0));
    }

    #[test]
    fn nulls_split_lines_and_bands() {
        let runs = segments(&[None, Some(1.0), Some(2.0), None, Some(3.0)]);
        assert_eq!(runs, vec![vec![(1.0, 1.0), (2.0, 2.0)], vec![(4.0, 3.0)]]);
        let bands = band_polygons(&[None, Some(1.0), Some(2.0)], &[None, Some(3.0), Some(5.0)]);
        assert_eq!(bands, vec![vec![(1.0, 3.0), (2.0, 5.0), (2.0, 2.0), (1.0, 1.0)]]);
    }

    #[test]
    fn long_labels_wrap_onto_two_lines() {
        assert_eq!(wrap_label("2025-Q4", 200.0), vec!["2025-Q4"]);
        assert_eq!(wrap_label("2025-01", 10.0), vec!["2025-01"]);
        assert_eq!(wrap_label("社会生产服务和生活服务人员", 60.0).len(), 2);
    }
}
