//! `benchmarks-latency.png`: p99 send→ack and send→delivery latency against
//! offered load (S3 open loop), one line per server, log–log. Text uses
//! DejaVu Sans from the `dejavu` crate, so no system font is needed.

use super::Report;
use crate::servers::Kind;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::path::Path;

const COLORS: [RGBColor; 3] = [
    RGBColor(200, 40, 40),
    RGBColor(40, 90, 200),
    RGBColor(90, 90, 90),
];

/// A line of points.
type Line = Vec<(f64, f64)>;

/// (offered msgs/s, p99 ms) points of `kind` for `what` (`ack` or `delivery`).
pub fn points(report: &Report, kind: Kind, what: &str) -> Vec<(f64, f64)> {
    let Some(record) = report
        .results
        .iter()
        .find(|r| r.scenario == "S3" && r.case.starts_with("open loop") && r.server == kind)
    else {
        return Vec::new();
    };
    let suffix = format!("_{what}_p99_ms");
    let mut points: Vec<(f64, f64)> = record
        .median
        .iter()
        .filter_map(|(key, &p99)| {
            let rate = key.strip_prefix("at")?.strip_suffix(&suffix)?;
            Some((rate.parse::<f64>().ok()?, p99))
        })
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    points
}

/// Draws the chart into `path`.
pub fn draw(report: &Report, path: &Path) -> Result<(), String> {
    let series: Vec<(Kind, Line, Line)> = Kind::ALL
        .iter()
        .map(|&k| (k, points(report, k, "ack"), points(report, k, "delivery")))
        .filter(|(_, a, _)| !a.is_empty())
        .collect();
    if series.is_empty() {
        return Err("no S3 open-loop results".into());
    }
    plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
        .map_err(|_| "the DejaVu font did not load".to_string())?;
    let all = series.iter().flat_map(|(_, a, d)| a.iter().chain(d));
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, 0.0_f64, f64::MAX, 0.0_f64);
    for &(x, y) in all {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    let (x0, x1) = (x0 * 0.8, x1 * 1.25);
    let (y0, y1) = ((y0 * 0.7).max(0.01), (y1 * 1.5).max(1.0));
    let root = BitMapBackend::new(path, (1200, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let panels = root.split_evenly((1, 2));
    for (panel, (title, pick)) in panels
        .iter()
        .zip([("p99 send → ack", 0), ("p99 send → delivery", 1)])
    {
        let mut chart = ChartBuilder::on(panel)
            .caption(format!("S3 {title} vs offered load"), ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(60)
            .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("offered messages/s")
            .y_desc("latency (ms)")
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(|e| e.to_string())?;
        for (kind, ack, delivery) in &series {
            let color = COLORS[Kind::ALL.iter().position(|k| k == kind).unwrap_or(0)];
            let data = if pick == 0 { ack } else { delivery };
            chart
                .draw_series(LineSeries::new(data.iter().copied(), color.stroke_width(2)))
                .map_err(|e| e.to_string())?
                .label(kind.letter())
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 18, y)], color.stroke_width(2))
                });
            chart
                .draw_series(data.iter().map(|&p| Circle::new(p, 3, color.filled())))
                .map_err(|e| e.to_string())?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .draw()
            .map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())?;
    Ok(())
}
