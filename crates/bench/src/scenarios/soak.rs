//! S8, the soak: S3's chat at a steady open-loop rate over the nodes of a
//! cluster for many minutes, measured one minute at a time, so that growth
//! shows: send→ack and send→delivery percentiles per minute and each
//! node's resident memory. The minutes go to `soak.csv` and `soak.png`;
//! the run's metrics are the first and last minute's and the worst one.

use super::chat;
use super::{Outcome, Run};
use crate::metrics::Metrics;
use plotters::prelude::*;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

/// One measured minute.
struct Minute {
    ack_p99_ms: f64,
    delivery_p50_ms: f64,
    delivery_p99_ms: f64,
    achieved_per_sec: f64,
    rss_mb: Vec<f64>,
}

/// Runs the soak and writes its minutes under `dir`.
pub async fn run(
    run: Run<'_>,
    conversations: usize,
    rate: f64,
    minutes: u32,
    dir: &Path,
) -> Result<Outcome, String> {
    let chat = chat::setup(&run, conversations).await?;
    let mut series = Vec::new();
    for minute in 0..minutes {
        let warmup = if minute == 0 {
            Duration::from_secs(5)
        } else {
            Duration::ZERO
        };
        let m: Metrics = chat.at_rate(run.server, rate, warmup, 60.0, "").await?;
        let get = |k: &str| m.get(k).copied().unwrap_or(f64::NAN);
        let rss_mb = run
            .server
            .rss_each()?
            .into_iter()
            .map(|b| b as f64 / (1024.0 * 1024.0))
            .collect();
        let row = Minute {
            ack_p99_ms: get("ack_p99_ms"),
            delivery_p50_ms: get("delivery_p50_ms"),
            delivery_p99_ms: get("delivery_p99_ms"),
            achieved_per_sec: get("achieved_per_sec"),
            rss_mb,
        };
        eprintln!(
            "bench: S8 minute {}: delivery p99 {:.2} ms, ack p99 {:.2} ms, {:.0}/s, RSS {:?} MiB",
            minute + 1,
            row.delivery_p99_ms,
            row.ack_p99_ms,
            row.achieved_per_sec,
            row.rss_mb.iter().map(|r| r.round()).collect::<Vec<_>>()
        );
        series.push(row);
    }
    run.hub.ignore_events();
    write_csv(&series, dir)?;
    if let Err(error) = draw(&series, &dir.join("soak.png")) {
        eprintln!("bench: S8 chart not drawn: {error}");
    }
    let mut out = Outcome::default();
    let (Some(first), Some(last)) = (series.first(), series.last()) else {
        return Ok(out);
    };
    let total = |m: &Minute| m.rss_mb.iter().sum::<f64>();
    let worst = |f: fn(&Minute) -> f64| series.iter().map(f).fold(0.0, f64::max);
    out.set("minutes", series.len() as f64);
    out.set("first_delivery_p99_ms", first.delivery_p99_ms);
    out.set("last_delivery_p99_ms", last.delivery_p99_ms);
    out.set("worst_delivery_p99_ms", worst(|m| m.delivery_p99_ms));
    out.set("worst_ack_p99_ms", worst(|m| m.ack_p99_ms));
    out.set("first_rss_mb", total(first));
    out.set("last_rss_mb", total(last));
    out.set("peak_rss_mb", worst(|m| m.rss_mb.iter().sum::<f64>()));
    out.set(
        "min_achieved_per_sec",
        series
            .iter()
            .map(|m| m.achieved_per_sec)
            .fold(f64::MAX, f64::min),
    );
    Ok(out)
}

fn write_csv(series: &[Minute], dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let nodes = series.first().map_or(0, |m| m.rss_mb.len());
    let mut csv =
        String::from("minute,achieved_per_sec,ack_p99_ms,delivery_p50_ms,delivery_p99_ms");
    for node in 0..nodes {
        let _ = write!(csv, ",node{}_rss_mb", node + 1);
    }
    csv.push('\n');
    for (i, m) in series.iter().enumerate() {
        let _ = write!(
            csv,
            "{},{:.1},{:.3},{:.3},{:.3}",
            i + 1,
            m.achieved_per_sec,
            m.ack_p99_ms,
            m.delivery_p50_ms,
            m.delivery_p99_ms
        );
        for rss in &m.rss_mb {
            let _ = write!(csv, ",{rss:.1}");
        }
        csv.push('\n');
    }
    std::fs::write(dir.join("soak.csv"), csv).map_err(|e| e.to_string())
}

/// Which figure of a minute a line shows.
type Pick = fn(&Minute) -> f64;

/// Two panels over the minutes: latency percentiles, and each node's RSS.
fn draw(series: &[Minute], path: &Path) -> Result<(), String> {
    if series.is_empty() {
        return Err("no minutes".into());
    }
    // The report's chart registers the font too; registering twice is harmless.
    let _ =
        plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular());
    let root = BitMapBackend::new(path, (1200, 520)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let panels = root.split_evenly((1, 2));
    let x1 = series.len() as f64 + 0.5;
    let latency_top = series
        .iter()
        .map(|m| m.delivery_p99_ms.max(m.ack_p99_ms))
        .fold(1.0, f64::max)
        * 1.3;
    let mut chart = ChartBuilder::on(&panels[0])
        .caption("S8 latency per minute", ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(60)
        .build_cartesian_2d(0.5..x1, 0.0..latency_top)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("minute")
        .y_desc("ms")
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(|e| e.to_string())?;
    let lines: [(&str, Pick, RGBColor); 3] = [
        ("send→delivery p99", |m| m.delivery_p99_ms, RED),
        ("send→delivery p50", |m| m.delivery_p50_ms, BLUE),
        ("send→ack p99", |m| m.ack_p99_ms, BLACK),
    ];
    for (label, pick, color) in lines {
        let points = series
            .iter()
            .enumerate()
            .map(|(i, m)| (i as f64 + 1.0, pick(m)));
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], color.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(|e| e.to_string())?;
    let rss_top = series
        .iter()
        .flat_map(|m| m.rss_mb.iter().copied())
        .fold(1.0, f64::max)
        * 1.3;
    let mut chart = ChartBuilder::on(&panels[1])
        .caption("S8 resident memory per node", ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(60)
        .build_cartesian_2d(0.5..x1, 0.0..rss_top)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("minute")
        .y_desc("MiB")
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(|e| e.to_string())?;
    let colors = [RED, BLUE, GREEN, BLACK];
    for node in 0..series[0].rss_mb.len() {
        let color = colors[node % colors.len()];
        let points = series
            .iter()
            .enumerate()
            .map(|(i, m)| (i as f64 + 1.0, m.rss_mb.get(node).copied().unwrap_or(0.0)));
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(format!("node {}", node + 1))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], color.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}
