//! `gridsafe-load plot`: push latency (p50 and p99) against the number of
//! devices syncing at once, from the JSON lines `devices --out FILE`
//! appends, drawn as a PNG. The text uses a TrueType font read at run time
//! (Debian's fonts-dejavu-core by default), so nothing depends on the
//! system's font configuration.

use std::path::PathBuf;

use anyhow::{Context, bail};
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use serde::Deserialize;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// JSON lines written by `gridsafe-load devices --out`.
    #[arg(long)]
    pub input: PathBuf,
    /// The PNG to write.
    #[arg(long)]
    pub out: PathBuf,
    #[arg(
        long,
        default_value = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    )]
    pub font: PathBuf,
}

#[derive(Debug, Deserialize)]
struct Point {
    devices: usize,
    push_p50_ms: f64,
    push_p99_ms: f64,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.input)
        .with_context(|| format!("reading {}", args.input.display()))?;
    let mut points: Vec<Point> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()
        .context("reading the results")?;
    if points.is_empty() {
        bail!("{} holds no results", args.input.display());
    }
    points.sort_by_key(|p| p.devices);
    let font = std::fs::read(&args.font).with_context(|| {
        format!(
            "reading the font {} (install fonts-dejavu-core or pass --font)",
            args.font.display()
        )
    })?;
    register_font(
        "sans-serif",
        FontStyle::Normal,
        Box::leak(font.into_boxed_slice()),
    )
    .map_err(|_| anyhow::anyhow!("{} is not a TrueType font", args.font.display()))?;

    let max_x = points.last().map(|p| p.devices).unwrap_or(1) as f64;
    let max_y = points.iter().map(|p| p.push_p99_ms).fold(1.0_f64, f64::max) * 1.15;
    let root = BitMapBackend::new(&args.out, (900, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Push latency against devices syncing at once",
            ("sans-serif", 24),
        )
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d((1.0..max_x * 1.25).log_scale(), 0.0..max_y)?;
    chart
        .configure_mesh()
        .x_desc("devices syncing at once")
        .y_desc("push latency (ms)")
        .label_style(("sans-serif", 15))
        .draw()?;
    let series = [
        (
            "p50",
            BLUE,
            points.iter().map(|p| p.push_p50_ms).collect::<Vec<_>>(),
        ),
        (
            "p99",
            RED,
            points.iter().map(|p| p.push_p99_ms).collect::<Vec<_>>(),
        ),
    ];
    for (name, color, ys) in series {
        let xy: Vec<(f64, f64)> = points
            .iter()
            .zip(&ys)
            .map(|(p, y)| (p.devices as f64, *y))
            .collect();
        chart
            .draw_series(LineSeries::new(xy.clone(), color.stroke_width(2)))?
            .label(name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        chart.draw_series(xy.into_iter().map(|c| Circle::new(c, 4, color.filled())))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 15))
        .draw()?;
    root.present()?;
    println!("wrote {}", args.out.display());
    Ok(())
}
