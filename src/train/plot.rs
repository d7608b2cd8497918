//! The loss curve as an SVG picture (plotters' SVG backend: text is written as
//! SVG `<text>`, so no font files are read). The y axis is logarithmic when
//! the loss spans more than two decades.

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

use crate::train::Epoch;

/// Width and height of the picture, in pixels.
pub const SIZE: (u32, u32) = (720, 420);

/// The most points drawn.
pub const MAX_POINTS: usize = 2000;

/// One line of the picture: its legend text, colour and points.
type Series = (&'static str, RGBColor, Vec<(f64, f64)>);

/// The SVG text of the loss curve of `history`, titled `title`; with
/// held-out rows, the test loss is a second curve, and a legend names both.
pub fn loss_svg(history: &[Epoch], title: &str) -> Result<String, String> {
    // At most about MAX_POINTS points (every k-th epoch, and the last), so
    // that a million epochs still make a small file.
    let stride = history.len().div_ceil(MAX_POINTS).max(1);
    let kept: Vec<&Epoch> = history
        .iter()
        .enumerate()
        .filter(|(i, _)| i % stride == 0 || *i + 1 == history.len())
        .map(|(_, e)| e)
        .collect();
    let curve = |f: fn(&Epoch) -> Option<f64>| -> Vec<(f64, f64)> {
        kept.iter()
            .filter_map(|e| f(e).map(|y| (e.epoch as f64, y)))
            .filter(|p| p.1.is_finite())
            .collect()
    };
    let mut series: Vec<Series> = vec![("training loss", BLUE, curve(|e| Some(e.loss)))];
    if history.iter().any(|e| e.test.is_some()) {
        series.push((
            "test loss",
            RGBColor(230, 120, 0),
            curve(|e| e.test.map(|t| t.loss)),
        ));
    }
    let all = || series.iter().flat_map(|s| s.2.iter());
    let x_max = history.last().map_or(1.0, |e| e.epoch as f64).max(1.0);
    let lo = all().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let hi = all().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        if lo > 0.0 && hi / lo > 100.0 {
            draw(
                &root,
                &series,
                title,
                1.0..x_max,
                (lo / 1.5..hi * 1.5).log_scale(),
                "loss (log scale)",
            )?;
        } else {
            let pad = ((hi - lo) * 0.05).max(hi.abs() * 1e-3).max(1e-12);
            let bottom = if lo >= 0.0 {
                (lo - pad).max(0.0)
            } else {
                lo - pad
            };
            draw(&root, &series, title, 1.0..x_max, bottom..hi + pad, "loss")?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

fn draw<Y>(
    root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    series: &[Series],
    title: &str,
    x: std::ops::Range<f64>,
    y: Y,
    y_label: &str,
) -> Result<(), String>
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(x, y)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc(y_label)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| crate::render::number(*v, 3))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(|e| e.to_string())?;
    for (label, color, points) in series {
        let color = *color;
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                color.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?
            .label(*label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    if series.len() > 1 {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK.mix(0.3))
            .draw()
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(losses: &[f64]) -> Vec<Epoch> {
        losses
            .iter()
            .enumerate()
            .map(|(i, &loss)| Epoch {
                epoch: i as u64 + 1,
                loss,
                accuracy: None,
                test: None,
            })
            .collect()
    }

    #[test]
    fn draws_a_curve_on_linear_and_log_axes() {
        let svg = loss_svg(&history(&[1.0, 0.8, 0.7]), "t").unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("<polyline"),
            "{svg}"
        );
        assert!(svg.contains("\nloss\n"), "{svg}");
        let svg = loss_svg(&history(&[10.0, 1.0, 0.01]), "t").unwrap();
        assert!(svg.contains("\nloss (log scale)\n"), "{svg}");
        // Held-out rows: a second curve and a legend naming both.
        let mut h = history(&[1.0, 0.5, 0.25]);
        for (e, t) in h.iter_mut().zip([1.1, 0.9, 1.3]) {
            e.test = Some(crate::train::Score {
                loss: t,
                accuracy: None,
            });
        }
        let svg = loss_svg(&h, "t").unwrap();
        // Each curve and its legend mark in its own colour.
        assert_eq!(svg.matches("stroke=\"#0000FF\"").count(), 2, "{svg}");
        assert_eq!(svg.matches("stroke=\"#E67800\"").count(), 2, "{svg}");
        assert!(
            svg.contains("training loss") && svg.contains("test loss"),
            "{svg}"
        );
        // An empty history still gives a picture.
        assert!(loss_svg(&[], "t").unwrap().contains("<svg"));
    }
}
