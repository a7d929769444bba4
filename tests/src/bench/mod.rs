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

pub fn table(rows: &[Row]) -> String {
    let mut out =
        String::from("| section | measure | ours | anchor | ratio | target | |\n|---|---|---|---|---|---|---|\n");
    for r in rows {
        let v = match r.verdict {
            Verdict::Met => "met",
            Verdict::Missed => "**missed**",
            Verdict::Info => "",
        };
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
