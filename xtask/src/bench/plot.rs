//! One SVG per operation family: GFLOP/s against size, one panel per
//! (op, dtype, threads), one line per backend and one for the dispatcher.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::{CaseResult, Run, COLUMNS};

const COLORS: [RGBColor; 3] = [RGBColor(31, 119, 180), RGBColor(214, 39, 40), BLACK];

/// Writes `<family>.svg` for each family in the run; returns the paths.
pub fn write_plots(run: &Run, out: &Path) -> Result<Vec<PathBuf>, String> {
    let mut families: Vec<&str> = run.cases.iter().map(|r| r.family.as_str()).collect();
    families.dedup();
    families.sort();
    families.dedup();
    let mut written = Vec::new();
    for fam in families {
        let cases: Vec<&CaseResult> = run
            .cases
            .iter()
            .filter(|r| r.family == fam && r.winner.is_some())
            .collect();
        // Panels: one per (op, dtype, threads) with data.
        let mut panels: Vec<(String, String, usize)> = Vec::new();
        for r in &cases {
            let k = (r.op.clone(), r.dtype.clone(), r.threads);
            if !panels.contains(&k) {
                panels.push(k);
            }
        }
        if panels.is_empty() {
            continue;
        }
        let cols = panels.len().min(4);
        let rows = panels.len().div_ceil(cols);
        let path = out.join(format!("{fam}.svg"));
        draw(&path, &cases, &panels, rows, cols).map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

fn draw(
    path: &Path,
    cases: &[&CaseResult],
    panels: &[(String, String, usize)],
    rows: usize,
    cols: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::new(path, (cols as u32 * 360, rows as u32 * 260)).into_drawing_area();
    root.fill(&WHITE)?;
    let areas = root.split_evenly((rows, cols));
    for ((op, dtype, threads), area) in panels.iter().zip(areas) {
        let pts: Vec<&&CaseResult> = cases
            .iter()
            .filter(|r| &r.op == op && &r.dtype == dtype && r.threads == *threads)
            .collect();
        // Pure data movement (copy, swap) has no flops: plot elements/ns.
        let rate = |r: &CaseResult, b: usize| -> Option<f64> {
            let ns = r.backends[b].ns?;
            Some(if r.flops > 0.0 {
                r.flops / ns
            } else {
                r.n as f64 / ns
            })
        };
        let unit = if pts.iter().all(|r| r.flops > 0.0) {
            "GFLOP/s"
        } else {
            "Gelem/s"
        };
        let xmin = pts.iter().map(|r| r.n).min().unwrap_or(1).max(1) as f64;
        let xmax = pts.iter().map(|r| r.n).max().unwrap_or(2) as f64;
        let ymax = pts
            .iter()
            .flat_map(|r| (0..3).filter_map(|b| rate(r, b)))
            .fold(0.0f64, f64::max)
            .max(1e-3)
            * 1.15;
        let (x0, x1) = if xmax > xmin {
            (xmin, xmax)
        } else {
            (xmin / 2.0, xmin * 2.0)
        };
        let mut chart = ChartBuilder::on(&area)
            .caption(
                format!("{op} {dtype}, {threads} thread(s)"),
                ("sans-serif", 16),
            )
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(45)
            .build_cartesian_2d((x0..x1).log_scale(), 0.0..ymax)?;
        chart
            .configure_mesh()
            .x_desc("n")
            .y_desc(unit)
            .label_style(("sans-serif", 11))
            .draw()?;
        for (b, name) in COLUMNS.iter().enumerate() {
            let line: Vec<(f64, f64)> = pts
                .iter()
                .filter_map(|r| Some((r.n as f64, rate(r, b)?)))
                .collect();
            let color = COLORS[b];
            chart
                .draw_series(LineSeries::new(line.clone(), color.stroke_width(2)))?
                .label(*name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color));
            chart.draw_series(line.into_iter().map(|p| Circle::new(p, 3, color.filled())))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 11))
            .draw()?;
    }
    root.present()?;
    Ok(())
}
