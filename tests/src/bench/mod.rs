//! Benchmarks against the anchors people use today, measured side by side in one run (one
//! rig boot): ratios, not absolute times, are what carry over between machines.

pub mod datapath;
pub mod host;
pub mod memory;
pub mod plots;
pub mod sampler;
pub mod sandbox;

use std::fmt::Write as _;
use std::time::Duration;

/// Sizes: the real run, or a smoke run that only proves every section works.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub associations: usize,
    pub sample_rounds: usize,
    pub cpu_window: Duration,
    pub plot_associations: usize,
    pub plot_points: usize,
    pub plot_frames: usize,
    pub messages: u32,
    /// sctp_test is slow (tens of ms per message here): it sends only this many.
    pub sctp_test_messages: u32,
    pub iperf_seconds: u32,
    /// Associations the host monitor reads at scale.
    pub host_associations: usize,
}

impl Sizes {
    pub const FULL: Sizes = Sizes {
        associations: 1000,
        sample_rounds: 10,
        cpu_window: Duration::from_secs(5),
        plot_associations: 100,
        plot_points: 36_000,
        plot_frames: 60,
        messages: 20_000,
        sctp_test_messages: 200,
        iperf_seconds: 3,
        host_associations: 10_000,
    };
    pub const SMOKE: Sizes = Sizes {
        associations: 20,
        sample_rounds: 2,
        cpu_window: Duration::from_millis(500),
        plot_associations: 3,
        plot_points: 2_000,
        plot_frames: 5,
        messages: 500,
        sctp_test_messages: 10,
        iperf_seconds: 1,
        host_associations: 100,
    };
}

/// One line of the results table.
pub struct Row {
    pub section: &'static str,
    pub what: String,
    pub ours: String,
    pub anchor: String,
    pub ratio: String,
    pub target: String,
    pub verdict: Verdict,
    /// Why a target was missed and what would close it (printed under the table).
    pub note: Option<String>,
}

#[derive(PartialEq, Eq)]
pub enum Verdict {
    Met,
    Missed,
    Info,
}

impl Row {
    pub fn info(section: &'static str, what: impl Into<String>, ours: impl Into<String>) -> Row {
        Row {
            section,
            what: what.into(),
            ours: ours.into(),
            anchor: String::new(),
            ratio: String::new(),
            target: String::new(),
            verdict: Verdict::Info,
            note: None,
        }
    }
}

/// Waits at most `within` for the worker's reply to request `id`, handing every event it
/// reads (the reply too) to `each`.
pub(super) fn await_reply(
    worker: &sctp_core::worker::WorkerHandle,
    id: u64,
    within: Duration,
    mut each: impl FnMut(&sctp_core::worker::Stamped),
) -> Result<Result<sctp_core::worker::Reply, sctp_core::Error>, String> {
    let deadline = std::time::Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let ev = worker
            .events()
            .recv_timeout(left)
            .map_err(|_| format!("no reply to request {id} within {} s", within.as_secs()))?;
        each(&ev);
        if let sctp_core::worker::Event::Done { request, outcome, .. } = ev.event
            && request == id
        {
            return Ok(outcome);
        }
    }
}

impl Verdict {
    fn word(&self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Missed => "**missed**",
            Verdict::Info => "",
        }
    }
}

/// One kernel's run as JSON (`bench --json`), for `merge`.
pub fn to_json(kernel: &str, rows: &[Row]) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "section": r.section, "what": r.what, "ours": r.ours, "anchor": r.anchor,
                "ratio": r.ratio, "target": r.target, "verdict": r.verdict.word(), "note": r.note,
            })
        })
        .collect();
    serde_json::json!({ "kernel": kernel, "rows": rows })
}

/// Runs on several kernels as one table: a row per measure (the first run's wording), for
/// each kernel its figure, anchor, ratio and verdict. Rows line up by position within their
/// section (every kernel runs the same sections in the same order); a row one kernel lacks
/// is left empty there.
pub fn merge(runs: &[serde_json::Value]) -> String {
    let text = |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or_default().to_string();
    let kernels: Vec<String> = runs.iter().map(|r| text(r, "kernel")).collect();
    let rows_of = |r: &serde_json::Value| r.get("rows").and_then(|x| x.as_array()).cloned().unwrap_or_default();
    // (section, index within it) of the first run decides the order.
    let key_list = |rows: &[serde_json::Value]| {
        let mut seen: Vec<(String, usize)> = Vec::new();
        rows.iter()
            .map(|r| {
                let section = text(r, "section");
                let n = seen.iter().filter(|(s, _)| *s == section).count();
                seen.push((section.clone(), n));
                (section, n)
            })
            .collect::<Vec<_>>()
    };
    /// A run's rows, each keyed by (section, position within the section).
    type Keyed = (Vec<(String, usize)>, Vec<serde_json::Value>);
    let per_run: Vec<Keyed> = runs
        .iter()
        .map(|r| {
            let rows = rows_of(r);
            (key_list(&rows), rows)
        })
        .collect();
    let mut out = String::from("| section | measure |");
    for k in &kernels {
        let _ = write!(out, " {k}: ours | anchor | ratio | |");
    }
    out.push_str(" target |\n|---|---|");
    out.push_str(&"---|---|---|---|".repeat(kernels.len()));
    out.push_str("---|\n");
    let mut notes = Vec::new();
    let Some((first_keys, first_rows)) = per_run.first() else { return out };
    for (key, row) in first_keys.iter().zip(first_rows) {
        let _ = write!(out, "| {} | {} |", key.0, text(row, "what"));
        for (i, (keys, rows)) in per_run.iter().enumerate() {
            match keys.iter().position(|k| k == key).map(|at| &rows[at]) {
                Some(r) => {
                    let _ = write!(
                        out,
                        " {} | {} | {} | {} |",
                        text(r, "ours"),
                        text(r, "anchor"),
                        text(r, "ratio"),
                        text(r, "verdict")
                    );
                    if let Some(note) = r.get("note").and_then(|n| n.as_str()) {
                        notes.push(format!("- **{}, {} ({})**: {note}", key.0, text(r, "what"), kernels[i]));
                    }
                }
                None => out.push_str(" | | | |"),
            }
        }
        let _ = writeln!(out, " {} |", text(row, "target"));
    }
    if !notes.is_empty() {
        out.push_str("\nNotes\n\n");
        for n in notes {
            let _ = writeln!(out, "{n}");
        }
    }
    out
}

pub fn table(rows: &[Row]) -> String {
    let mut out =
        String::from("| section | measure | ours | anchor | ratio | target | |\n|---|---|---|---|---|---|---|\n");
    for r in rows {
        let v = r.verdict.word();
        let mark = if r.note.is_some() { " ¹" } else { "" };
        let _ = writeln!(
            out,
            "| {} | {}{mark} | {} | {} | {} | {} | {v} |",
            r.section, r.what, r.ours, r.anchor, r.ratio, r.target
        );
    }
    let notes: Vec<&Row> = rows.iter().filter(|r| r.note.is_some()).collect();
    if !notes.is_empty() {
        out.push_str("\n¹ Notes\n\n");
        for r in notes {
            let _ = writeln!(out, "- **{}, {}**: {}", r.section, r.what, r.note.as_deref().unwrap_or_default());
        }
    }
    out
}

/// CPU time (user + system) of this process so far.
pub fn process_cpu() -> Duration {
    sctp_core::process::process_cpu_time().unwrap_or_default()
}

/// Resident set size of this process, from /proc/self/status, after freed memory was
/// handed back (so earlier sections' garbage does not count).
pub fn rss_kib() -> u64 {
    sctp_core::process::release_free_memory();
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("VmRSS:")?.trim().strip_suffix("kB")?.trim().parse().ok()))
        .unwrap_or(0)
}

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

/// Several runs of one measure: their median, lowest and highest (shown beside it).
#[derive(Debug, Clone, Copy)]
pub struct Spread {
    pub median: f64,
    pub low: f64,
    pub high: f64,
}

impl Spread {
    /// The spread of `values` (NaN for none).
    pub fn of(mut values: Vec<f64>) -> Spread {
        values.sort_by(f64::total_cmp);
        let (low, high) = (values.first().copied().unwrap_or(f64::NAN), values.last().copied().unwrap_or(f64::NAN));
        Spread { median: percentile(&values, 0.5), low, high }
    }

    /// One run.
    pub fn once(value: f64) -> Spread {
        Spread { median: value, low: value, high: value }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(section: &'static str, what: &str, ours: &str) -> Row {
        Row { ratio: "2×".into(), ..Row::info(section, what, ours) }
    }

    #[test]
    fn a_spread_is_the_median_and_range_of_its_runs() {
        let s = Spread::of(vec![30.0, 10.0, 20.0, 50.0, 40.0]);
        assert_eq!((s.median, s.low, s.high), (30.0, 10.0, 50.0));
        let one = Spread::once(7.0);
        assert_eq!((one.median, one.low, one.high), (7.0, 7.0, 7.0));
    }

    #[test]
    fn runs_on_two_kernels_merge_into_one_row_per_measure() {
        let uml = to_json("UML", &[row("a", "x", "1 ms"), row("a", "y", "2 ms"), row("b", "z", "3 ms")]);
        // The second kernel's wording differs (a figure inside it) and it lacks b.
        let qemu = to_json("QEMU", &[row("a", "x at 7 Hz", "0.1 ms"), row("a", "y", "0.2 ms")]);
        let t = merge(&[uml, qemu]);
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].contains("UML: ours") && lines[0].contains("QEMU: ours"), "{t}");
        assert_eq!(lines[2], "| a | x | 1 ms |  | 2× |  | 0.1 ms |  | 2× |  |  |");
        assert_eq!(lines[3], "| a | y | 2 ms |  | 2× |  | 0.2 ms |  | 2× |  |  |");
        assert_eq!(lines[4], "| b | z | 3 ms |  | 2× |  | | | | |  |");
    }
}
