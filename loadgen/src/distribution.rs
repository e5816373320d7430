//! Per-operation outputs beside `summary.json`: the HdrHistogram percentile distribution
//! (`<operation>.hgrm`, the text format HdrHistogram's own plotters read), the interval log
//! (`<operation>.hlog`: one histogram a second, HdrHistogram's compressed V2 log format), and
//! `report.html`, a self-contained page (inline SVG, no network) plotting latency by
//! percentile, and p99 latency and throughput over time.

use std::fmt::Write as _;
use std::path::Path;

use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use hdrhistogram::Histogram;
use hdrhistogram::serialization::V2DeflateSerializer;
use hdrhistogram::serialization::interval_log::IntervalLogWriterBuilder;

use crate::recorder::{Outcome, Recorder};
use crate::report::Summary;

/// The `.hgrm` text of `histogram` (microseconds), with values in milliseconds.
pub fn hgrm(histogram: &Histogram<u64>) -> String {
    let mut out = String::new();
    out += "       Value     Percentile TotalCount 1/(1-Percentile)\n\n";
    let total = histogram.len();
    let mut count = 0u64;
    for v in histogram.iter_quantiles(5) {
        count += v.count_since_last_iteration();
        let quantile = v.quantile_iterated_to();
        let inverse = if quantile < 1.0 {
            format!("{:14.2}", 1.0 / (1.0 - quantile))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{:12.3} {:14.12} {:10} {}",
            v.value_iterated_to() as f64 / 1000.0,
            quantile,
            count,
            inverse
        );
    }
    let _ = writeln!(
        out,
        "#[Mean    = {:12.3}, StdDeviation   = {:12.3}]",
        histogram.mean() / 1000.0,
        histogram.stdev() / 1000.0
    );
    let _ = writeln!(
        out,
        "#[Max     = {:12.3}, Total count    = {:12}]",
        histogram.max() as f64 / 1000.0,
        total
    );
    let _ = writeln!(
        out,
        "#[Buckets = {:12}, SubBuckets     = {:12}]",
        histogram.buckets(),
        histogram.distinct_values()
    );
    out
}

/// Writes `<operation>.hgrm` for every operation's successful requests, `<operation>.hlog`
/// for every operation, and `report.html`.
pub fn write(
    recorder: &Recorder,
    summary: &Summary,
    measured_from: SystemTime,
    dir: &Path,
) -> Result<()> {
    let mut curves = Vec::new();
    for name in recorder.operations() {
        let Some(series) = recorder.get(&name, Outcome::Ok) else {
            continue;
        };
        let path = dir.join(format!("{name}.hgrm"));
        std::fs::write(&path, hgrm(&series.latency))
            .with_context(|| format!("writing {}", path.display()))?;
        curves.push((name, percentile_curve(&series.latency)));
    }
    let mut p99_over_time = Vec::new();
    let mut rate_over_time = Vec::new();
    for (name, intervals) in &recorder.intervals {
        let path = dir.join(format!("{name}.hlog"));
        std::fs::write(&path, interval_log(intervals, measured_from)?)
            .with_context(|| format!("writing {}", path.display()))?;
        p99_over_time.push((
            name.clone(),
            intervals
                .iter()
                .enumerate()
                .filter(|(_, h)| !h.is_empty())
                .map(|(i, h)| (i as f64 + 0.5, h.value_at_quantile(0.99) as f64 / 1000.0))
                .collect::<Vec<_>>(),
        ));
        rate_over_time.push((
            name.clone(),
            intervals
                .iter()
                .enumerate()
                .map(|(i, h)| (i as f64 + 0.5, h.len() as f64))
                .collect::<Vec<_>>(),
        ));
    }
    // One target line, when every operation is judged by the same service's row.
    let p99_target = match summary.service_targets.values().collect::<Vec<_>>()[..] {
        [only] => Some(only.p99_ms),
        _ => None,
    };
    let charts = [
        chart(
            &curves,
            "percentile",
            "latency (ms)",
            Axis::Nines,
            p99_target,
        ),
        chart(
            &p99_over_time,
            "second of the run",
            "p99 latency (ms)",
            Axis::Seconds,
            p99_target,
        ),
        chart(
            &rate_over_time,
            "second of the run",
            "operations per second",
            Axis::Seconds,
            None,
        ),
    ];
    let path = dir.join("report.html");
    std::fs::write(&path, html(summary, &charts))
        .with_context(|| format!("writing {}", path.display()))
}

/// The histograms of an interval log written by [`interval_log`], in order.
pub fn read_interval_log(log: &[u8]) -> Result<Vec<Histogram<u64>>> {
    use base64::Engine as _;
    use hdrhistogram::serialization::Deserializer;
    use hdrhistogram::serialization::interval_log::{IntervalLogIterator, LogEntry};
    let mut histograms = Vec::new();
    let mut deserializer = Deserializer::new();
    for entry in IntervalLogIterator::new(log) {
        let entry = entry.map_err(|e| anyhow::anyhow!("an unreadable interval log line: {e:?}"))?;
        if let LogEntry::Interval(interval) = entry {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(interval.encoded_histogram())
                .context("an interval's histogram is not base64")?;
            let histogram: Histogram<u64> = deserializer
                .deserialize(&mut bytes.as_slice())
                .map_err(|e| anyhow::anyhow!("an interval's histogram does not decode: {e:?}"))?;
            histograms.push(histogram);
        }
    }
    Ok(histograms)
}

/// The interval log of one operation: a histogram a second, from `measured_from`.
fn interval_log(intervals: &[Histogram<u64>], measured_from: SystemTime) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut serializer = V2DeflateSerializer::new();
    let mut log = IntervalLogWriterBuilder::new()
        .with_start_time(measured_from)
        .with_base_time(measured_from)
        .with_max_value_divisor(1000.0)
        .begin_log_with(&mut out, &mut serializer)
        .context("starting an interval log")?;
    for (second, histogram) in intervals.iter().enumerate() {
        log.write_histogram(
            histogram,
            Duration::from_secs(second as u64),
            Duration::from_secs(1),
            None,
        )
        .map_err(|e| anyhow::anyhow!("writing an interval: {e:?}"))?;
    }
    drop(log);
    Ok(out)
}

/// (percentile as "nines", latency ms) points: x = -log10(1 - q), so 90% is 1, 99% is 2.
fn percentile_curve(histogram: &Histogram<u64>) -> Vec<(f64, f64)> {
    histogram
        .iter_quantiles(5)
        .map(|v| v.quantile_iterated_to())
        .filter(|q| *q < 0.99999)
        .map(|q| {
            (
                -(1.0 - q).log10(),
                histogram.value_at_quantile(q) as f64 / 1000.0,
            )
        })
        .collect()
}

const COLORS: [&str; 6] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
];

/// How a chart labels its x axis.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Axis {
    /// Percentiles as nines: 1 is 90%, 2 is 99%.
    Nines,
    Seconds,
}

/// One SVG line chart of named series, with an optional dashed target line.
fn chart(
    series: &[(String, Vec<(f64, f64)>)],
    x_label: &str,
    y_label: &str,
    axis: Axis,
    target: Option<f64>,
) -> String {
    let (width, height, margin) = (720.0, 300.0, 50.0);
    let points = series.iter().flat_map(|(_, c)| c.iter());
    let max_x = points
        .clone()
        .map(|p| p.0)
        .fold(if axis == Axis::Nines { 2.0 } else { 1.0 }, f64::max)
        .ceil();
    let max_y = points
        .map(|p| p.1)
        .fold(target.unwrap_or(0.0), f64::max)
        .max(f64::MIN_POSITIVE)
        * 1.1;
    let x = |v: f64| margin + v / max_x * (width - 2.0 * margin);
    let y = |v: f64| height - margin - v / max_y * (height - 2.0 * margin);
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = write!(
        svg,
        r#"<line x1="{m}" y1="{b}" x2="{r}" y2="{b}" stroke="black"/><line x1="{m}" y1="{t}" x2="{m}" y2="{b}" stroke="black"/>"#,
        m = margin,
        b = height - margin,
        r = width - margin,
        t = margin
    );
    let ticks = max_x as u32;
    let step = (ticks / 10).max(1);
    for tick in (0..=ticks).step_by(step as usize) {
        let label = match (axis, tick) {
            (Axis::Nines, 0) => "0%".to_owned(),
            (Axis::Nines, n) => format!("{}%", 100.0 - 100.0 / 10f64.powi(n as i32)),
            (Axis::Seconds, n) => n.to_string(),
        };
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="middle">{label}</text>"#,
            x(f64::from(tick)),
            height - margin + 15.0
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="end">{:.1}</text>"#,
        margin - 4.0,
        margin + 4.0,
        max_y
    );
    if let Some(target) = target {
        let _ = write!(
            svg,
            r##"<line x1="{}" y1="{ty}" x2="{}" y2="{ty}" stroke="#999" stroke-dasharray="4 3"/><text x="{}" y="{}">target {target} ms</text>"##,
            margin,
            width - margin,
            width - margin - 80.0,
            y(target) - 4.0,
            ty = y(target)
        );
    }
    let _ = write!(
        svg,
        r#"<text x="12" y="{}" transform="rotate(-90 12 {})" text-anchor="middle">{y_label}</text><text x="{}" y="{}" text-anchor="middle">{x_label}</text>"#,
        height / 2.0,
        height / 2.0,
        width / 2.0,
        height - 12.0
    );
    for (i, (name, curve)) in series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let points: Vec<String> = curve
            .iter()
            .map(|(px, py)| format!("{:.1},{:.1}", x(*px), y(*py)))
            .collect();
        let _ = write!(
            svg,
            r#"<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{}"/><text x="{}" y="{}" fill="{color}">{name}</text>"#,
            points.join(" "),
            margin + 10.0,
            margin + 14.0 * (i as f64 + 1.0)
        );
    }
    svg + "</svg>"
}

fn html(summary: &Summary, charts: &[String]) -> String {
    let svg = charts.join("\n");
    let mut rows = String::new();
    for op in &summary.operations {
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.0}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2}</td></tr>",
            op.operation,
            op.count,
            op.errors,
            op.throughput_per_s,
            op.p50_ms,
            op.p99_ms,
            op.p999_ms,
            op.max_ms
        );
    }
    let mut verdicts = String::new();
    for v in &summary.verdicts {
        let mark = match v.met {
            Some(true) => "✓",
            Some(false) => "✗",
            None => "?",
        };
        let _ = write!(
            verdicts,
            "<tr><td>{mark}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            v.target, v.threshold, v.measured
        );
    }
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>loadgen: {name}</title>\
         <style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:2px 10px;text-align:right}}\
         td:first-child,th:first-child{{text-align:left}}</style></head><body>\
         <h1>{name}</h1><p>{target} — {mode}; {measured:.0} s measured, {rate:.1} operations/s \
         delivered.</p>{svg}<h2>Operations</h2><table><tr><th>operation</th><th>count</th>\
         <th>errors</th><th>/s</th><th>p50 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th>\
         </tr>{rows}</table><h2>Targets</h2><table>{verdicts}</table></body></html>\n",
        name = summary.scenario,
        target = summary.target,
        mode = summary.mode,
        measured = summary.measured_s,
        rate = summary.delivered_rate_per_s,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_logs_hold_one_histogram_a_second() {
        use hdrhistogram::serialization::interval_log::{IntervalLogIterator, LogEntry};
        let mut intervals = Vec::new();
        for second in 1..=3u64 {
            let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
            for _ in 0..second * 10 {
                h.record(second * 1000).unwrap();
            }
            intervals.push(h);
        }
        let log = interval_log(&intervals, SystemTime::UNIX_EPOCH).unwrap();
        let read = read_interval_log(&log).unwrap();
        assert_eq!(read.len(), 3);
        assert_eq!(read[1].len(), 20);
        assert_eq!(read[2].max(), intervals[2].max());
        let text = String::from_utf8(log).unwrap();
        let entries: Vec<(f64, f64)> = IntervalLogIterator::new(text.as_bytes())
            .filter_map(|entry| match entry.unwrap() {
                LogEntry::Interval(i) => Some((i.start_timestamp().as_secs_f64(), i.max())),
                _ => None,
            })
            .collect();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[2].0, 2.0);
        // Maxima in milliseconds (the log's value divisor is 1000).
        assert!((entries[2].1 - 3.0).abs() < 0.01, "{entries:?}");
    }

    #[test]
    fn hgrm_lists_percentiles_up_to_the_total() {
        let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
        for v in 1..=1000u64 {
            h.record(v * 1000).unwrap();
        }
        let text = hgrm(&h);
        let rows: Vec<&str> = text
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.contains("Value"))
            .collect();
        let last: Vec<&str> = rows.last().unwrap().split_whitespace().collect();
        assert_eq!(last[2], "1000", "the last row counts every value");
        assert!((last[0].parse::<f64>().unwrap() - 1000.0).abs() < 1.0);
        let median = rows
            .iter()
            .map(|r| r.split_whitespace().collect::<Vec<_>>())
            .find(|r| r[1].parse::<f64>().unwrap() >= 0.5)
            .unwrap();
        assert!((median[0].parse::<f64>().unwrap() - 500.0).abs() < 1.0);
        assert!(text.contains("Total count    =         1000"));
    }
}
