//! The Prometheus text exposition (format 0.0.4) of one `HostSnapshot`.
//!
//! Written here, not with `prometheus-client`: that crate encodes OpenMetrics text (`# EOF`,
//! counter families named without `_total`, its own content type), not the 0.0.4 format
//! asked for, and its `Family` keeps every label set it was ever given until removed one by
//! one, whereas every scrape here describes a whole new set of associations. The format is
//! small: one `# HELP` and `# TYPE` line per family, every sample of a family together, label
//! values with `\`, `"` and newline escaped, and Go-style float spellings (`NaN`, `+Inf`).
//!
//! Series design:
//! - An association's state is the VALUE of `sctp_assoc_state` (sstat_state numbering),
//!   never a label: a label that changes with the state would end the series and start
//!   another at every transition. Counts per state are the host-wide gauge
//!   `sctp_associations{netns,state}`, where every known state is always present (0 when
//!   none), so the series set stays fixed.
//! - Every association series has the labels `netns, pid, command, local, local_port, peer,
//!   peer_port, assoc_id, inode` (empty string when unknown); path series add `path`.
//! - At most `max_series` associations are exported (ordered by inode and verification tags,
//!   so which ones stay does not flap when the kernel's dump order changes); the rest are
//!   counted, not exported.

use sctp_core::AssocState;
use sctp_core::diag::reader::{HostAssoc, HostPath, HostSnapshot};
use std::collections::HashSet;
use std::fmt::Write as _;
use std::net::IpAddr;

/// What the agent knows about itself, exported as `sctp_agent_*`.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AgentStats {
    /// Snapshots taken successfully.
    pub snapshots_total: u64,
    /// Snapshots that failed, and the last failure's text.
    pub sample_errors_total: u64,
    pub last_error: Option<String>,
    /// Whether the latest attempt succeeded.
    pub last_sample_ok: bool,
    /// The netlink dump of the latest snapshot (`HostSnapshot::dump_us`), seconds.
    pub last_dump_seconds: f64,
    /// The whole latest snapshot (dump, /proc files, owners), seconds.
    pub last_sample_seconds: f64,
    /// Wall clock of the latest snapshot, seconds since the Unix epoch.
    pub last_snapshot_unix_seconds: Option<f64>,
    /// Associations left out by the `max_series` cap, summed over snapshots (each snapshot
    /// counted once, however often it is scraped).
    pub series_dropped_total: u64,
}

/// The content type of the text exposition.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Every state `sctp_assoc_state` can take (its value) and its `state` label in
/// `sctp_associations`.
const STATES: [(AssocState, &str); 9] = [
    (AssocState::Empty, "empty"),
    (AssocState::Closed, "closed"),
    (AssocState::CookieWait, "cookie_wait"),
    (AssocState::CookieEchoed, "cookie_echoed"),
    (AssocState::Established, "established"),
    (AssocState::ShutdownPending, "shutdown_pending"),
    (AssocState::ShutdownSent, "shutdown_sent"),
    (AssocState::ShutdownReceived, "shutdown_received"),
    (AssocState::ShutdownAckSent, "shutdown_ack_sent"),
];

/// A label value as the text format needs it: `\` `"` and newline escaped.
pub fn escape_label_value(v: &str, out: &mut String) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Help text: `\` and newline escaped (quotes stay).
fn escape_help(v: &str, out: &mut String) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

#[derive(Clone, Copy)]
enum Num {
    U(u64),
    I(i64),
    F(f64),
}

impl From<u64> for Num {
    fn from(v: u64) -> Self {
        Num::U(v)
    }
}
impl From<u32> for Num {
    fn from(v: u32) -> Self {
        Num::U(u64::from(v))
    }
}
impl From<u16> for Num {
    fn from(v: u16) -> Self {
        Num::U(u64::from(v))
    }
}
impl From<i64> for Num {
    fn from(v: i64) -> Self {
        Num::I(v)
    }
}
impl From<f64> for Num {
    fn from(v: f64) -> Self {
        Num::F(v)
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Gauge,
    Counter,
}

/// Appends families to one text body.
struct Encoder {
    out: String,
}

impl Encoder {
    fn family(&mut self, name: &str, kind: Kind, help: &str) {
        self.out.push_str("# HELP ");
        self.out.push_str(name);
        self.out.push(' ');
        escape_help(help, &mut self.out);
        self.out.push_str("\n# TYPE ");
        self.out.push_str(name);
        self.out.push_str(match kind {
            Kind::Gauge => " gauge\n",
            Kind::Counter => " counter\n",
        });
    }

    /// One sample; `labels` is the inside of the braces, already escaped ("" for none).
    fn sample(&mut self, name: &str, labels: &str, value: impl Into<Num>) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            self.out.push_str(labels);
            self.out.push('}');
        }
        self.out.push(' ');
        match value.into() {
            Num::U(v) => {
                let _ = write!(self.out, "{v}");
            }
            Num::I(v) => {
                let _ = write!(self.out, "{v}");
            }
            Num::F(v) if v.is_nan() => self.out.push_str("NaN"),
            Num::F(v) if v == f64::INFINITY => self.out.push_str("+Inf"),
            Num::F(v) if v == f64::NEG_INFINITY => self.out.push_str("-Inf"),
            // Rust's shortest round-trip spelling is valid Prometheus float syntax.
            Num::F(v) => {
                let _ = write!(self.out, "{v}");
            }
        }
        self.out.push('\n');
    }

    /// A family with one unlabelled sample.
    fn single(&mut self, name: &str, kind: Kind, help: &str, value: impl Into<Num>) {
        self.family(name, kind, help);
        self.sample(name, "", value);
    }
}

/// Appends `name="value"` (with a leading comma unless first).
fn push_label(out: &mut String, name: &str, value: &str) {
    if !out.is_empty() {
        out.push(',');
    }
    out.push_str(name);
    out.push_str("=\"");
    escape_label_value(value, out);
    out.push('"');
}

fn ip_text(ip: IpAddr) -> String {
    // A v4 peer of a v6 socket is dumped v4-mapped: show it as the v4 address it is.
    ip.to_canonical().to_string()
}

/// The labels that name one association (no braces).
pub fn assoc_labels(netns: Option<&str>, a: &HostAssoc) -> String {
    let mut l = String::with_capacity(160);
    push_label(&mut l, "netns", netns.unwrap_or(""));
    push_label(&mut l, "pid", &a.owner.as_ref().map(|o| o.pid.to_string()).unwrap_or_default());
    push_label(&mut l, "command", a.owner.as_ref().map_or("", |o| o.command.as_str()));
    push_label(&mut l, "local", &a.diag.locals.first().map(|s| ip_text(s.ip())).unwrap_or_default());
    push_label(&mut l, "local_port", &a.diag.local_port.to_string());
    let peer = a.diag.primary.and_then(|p| p.addr).or_else(|| a.diag.peers.first().copied());
    push_label(&mut l, "peer", &peer.map(|s| ip_text(s.ip())).unwrap_or_default());
    push_label(&mut l, "peer_port", &a.diag.peer_port.to_string());
    push_label(&mut l, "assoc_id", &a.assoc_id.map(|id| id.0.to_string()).unwrap_or_default());
    push_label(&mut l, "inode", &a.diag.inode.to_string());
    l
}

/// One exported association: its labels and its paths' labels (each path once).
struct Row<'a> {
    assoc: &'a HostAssoc,
    labels: String,
    paths: Vec<(&'a HostPath, String)>,
}

/// The snapshot's associations, each once (an interrupted dump may list one twice),
/// in a stable order.
fn distinct(snapshot: &HostSnapshot) -> Vec<&HostAssoc> {
    let mut all: Vec<&HostAssoc> = snapshot.assocs.iter().collect();
    all.sort_by_key(|a| a.diag.key());
    all.dedup_by_key(|a| a.diag.key());
    all
}

/// The associations to export (at most `max_series` of `all`) and how many the cap left out.
fn select<'a>(all: &[&'a HostAssoc], netns: Option<&str>, max_series: usize) -> (Vec<Row<'a>>, usize) {
    let mut rows = Vec::with_capacity(all.len().min(max_series));
    // Two associations that would share a label set (should not happen; a duplicate
    // series would make the whole scrape invalid) export only the first.
    let mut seen: HashSet<String> = HashSet::with_capacity(all.len().min(max_series));
    let mut dropped = 0;
    for &a in all {
        if rows.len() >= max_series {
            dropped += 1;
            continue;
        }
        let labels = assoc_labels(netns, a);
        if !seen.insert(labels.clone()) {
            continue;
        }
        let mut path_ips = HashSet::with_capacity(a.paths.len());
        let paths = a
            .paths
            .iter()
            .filter(|p| path_ips.insert(p.addr.to_canonical()))
            .map(|p| {
                let mut l = labels.clone();
                push_label(&mut l, "path", &ip_text(p.addr));
                (p, l)
            })
            .collect();
        rows.push(Row { assoc: a, labels, paths });
    }
    (rows, dropped)
}

/// How many associations of `snapshot` the cap leaves out (what one render would drop).
pub fn count_dropped(snapshot: &HostSnapshot, max_series: usize) -> usize {
    distinct(snapshot).len().saturating_sub(max_series)
}

/// The exposition of `snapshot` and the agent's own counters; returns the text and how many
/// associations were left out by `max_series`.
pub fn render_metrics(snapshot: &HostSnapshot, stats: &AgentStats, max_series: usize) -> (String, usize) {
    render(Some(snapshot), stats, max_series)
}

/// As `render_metrics`; with no snapshot yet only the agent's own metrics.
pub(crate) fn render(snapshot: Option<&HostSnapshot>, stats: &AgentStats, max_series: usize) -> (String, usize) {
    let mut e = Encoder { out: String::new() };
    let mut dropped = 0;
    if let Some(snapshot) = snapshot {
        let all = distinct(snapshot);
        let (rows, d) = select(&all, snapshot.netns.as_deref(), max_series);
        dropped = d;
        // About 18 association series and 4 per path, each its labels plus ~48 bytes.
        let size: usize = rows
            .iter()
            .map(|r| 18 * (r.labels.len() + 48) + r.paths.iter().map(|(_, l)| 4 * (l.len() + 48)).sum::<usize>())
            .sum();
        e.out.reserve(size + 8192);
        host_families(&mut e, snapshot.netns.as_deref(), &all);
        assoc_families(&mut e, &rows);
        e.family(
            "sctp_agent_dump_interrupted",
            Kind::Gauge,
            "1 when the kernel said its tables changed during the latest dump (an association may be missing or doubled once).",
        );
        e.sample("sctp_agent_dump_interrupted", "", u64::from(snapshot.interrupted));
    }
    agent_families(&mut e, stats, snapshot.is_some(), max_series, dropped);
    (e.out, dropped)
}

fn host_families(e: &mut Encoder, netns: Option<&str>, all: &[&HostAssoc]) {
    e.family(
        "sctp_associations",
        Kind::Gauge,
        "Associations in the namespace by state (all of them, whatever the max-series cap).",
    );
    let mut counts = [0u64; STATES.len()];
    let mut other = 0u64;
    for a in all {
        match STATES.iter().position(|(s, _)| *s == a.diag.state) {
            Some(i) => counts[i] += 1,
            None => other += 1,
        }
    }
    let netns = netns.unwrap_or("");
    let by_state = STATES.iter().map(|(_, name)| *name).zip(counts).chain([("other", other)]);
    for (name, n) in by_state {
        let mut l = String::new();
        push_label(&mut l, "netns", netns);
        push_label(&mut l, "state", name);
        e.sample("sctp_associations", &l, n);
    }
    e.single("sctp_agent_associations", Kind::Gauge, "Distinct associations in the latest snapshot.", all.len() as u64);
}

type AssocValue = fn(&HostAssoc) -> Option<Num>;
type PathValue = fn(&HostPath) -> Option<Num>;

/// Per association: (name, kind, help, value).
const ASSOC_FAMILIES: &[(&str, Kind, &str, AssocValue)] = &[
    (
        "sctp_assoc_state",
        Kind::Gauge,
        "Association state, numbered as SCTP_STATUS's sstat_state: 0 empty, 1 closed, 2 cookie_wait, 3 cookie_echoed, 4 established, 5 shutdown_pending, 6 shutdown_sent, 7 shutdown_received, 8 shutdown_ack_sent.",
        |a| Some(Num::I(i64::from(a.diag.state.raw()))),
    ),
    ("sctp_assoc_peer_rwnd_bytes", Kind::Gauge, "The peer's receive window.", |a| Some(a.diag.peer_rwnd.into())),
    ("sctp_assoc_local_rwnd_bytes", Kind::Gauge, "The receive window this host advertises.", |a| {
        Some(a.diag.local_rwnd.into())
    }),
    ("sctp_assoc_unacked_chunks", Kind::Gauge, "DATA chunks sent and not acknowledged.", |a| {
        Some(a.diag.unacked.into())
    }),
    ("sctp_assoc_pending_chunks", Kind::Gauge, "DATA chunks waiting to be sent.", |a| Some(a.diag.pending.into())),
    ("sctp_assoc_inbound_streams", Kind::Gauge, "Negotiated inbound streams.", |a| Some(a.diag.inbound_streams.into())),
    ("sctp_assoc_outbound_streams", Kind::Gauge, "Negotiated outbound streams.", |a| {
        Some(a.diag.outbound_streams.into())
    }),
    ("sctp_assoc_packets_sent_total", Kind::Counter, "SCTP packets sent.", |a| Some(a.diag.stats.packets_out.into())),
    ("sctp_assoc_packets_received_total", Kind::Counter, "SCTP packets received.", |a| {
        Some(a.diag.stats.packets_in.into())
    }),
    ("sctp_assoc_retransmitted_chunks_total", Kind::Counter, "DATA chunks retransmitted.", |a| {
        Some(a.diag.stats.retransmitted_chunks.into())
    }),
    ("sctp_assoc_gap_acks_received_total", Kind::Counter, "SACKs received that reported gaps.", |a| {
        Some(a.diag.stats.gap_acks_in.into())
    }),
    ("sctp_assoc_sacks_sent_total", Kind::Counter, "SACK chunks sent.", |a| Some(a.diag.stats.sacks_out.into())),
    ("sctp_assoc_sacks_received_total", Kind::Counter, "SACK chunks received.", |a| Some(a.diag.stats.sacks_in.into())),
    ("sctp_primary_cwnd_bytes", Kind::Gauge, "Congestion window of the primary path.", |a| {
        a.diag.primary.map(|p| p.cwnd.into())
    }),
    ("sctp_primary_srtt_seconds", Kind::Gauge, "Smoothed round-trip time of the primary path.", |a| {
        a.diag.primary.map(|p| Num::F(p.srtt_ms / 1000.0))
    }),
    ("sctp_primary_rto_seconds", Kind::Gauge, "Retransmission timeout of the primary path.", |a| {
        a.diag.primary.map(|p| Num::F(f64::from(p.rto_ms) / 1000.0))
    }),
    ("sctp_primary_ssthresh_bytes", Kind::Gauge, "Slow-start threshold of the primary path.", |a| {
        a.diag.primary.map(|p| p.ssthresh.into())
    }),
    (
        "sctp_primary_flight_size_bytes",
        Kind::Gauge,
        "Bytes in flight (sent, not acknowledged) on the primary path.",
        |a| a.diag.primary.map(|p| p.flight_size.into()),
    ),
];

/// Per path: (name, kind, help, value).
const PATH_FAMILIES: &[(&str, Kind, &str, PathValue)] = &[
    (
        "sctp_path_state",
        Kind::Gauge,
        "Path state: 0 inactive, 1 potentially failed, 2 active, 3 unconfirmed, -1 unknown.",
        |p| Some(Num::F(p.state.level())),
    ),
    ("sctp_path_rto_seconds", Kind::Gauge, "Retransmission timeout of the path.", |p| {
        p.rto_ms.map(|ms| Num::F(f64::from(ms) / 1000.0))
    }),
    ("sctp_path_retransmissions_total", Kind::Counter, "Retransmissions on the path (/proc/net/sctp/remaddr).", |p| {
        p.retransmissions.map(Num::from)
    }),
    ("sctp_path_primary", Kind::Gauge, "1 for the association's primary path, else 0.", |p| {
        Some(Num::U(u64::from(p.primary)))
    }),
];

fn assoc_families(e: &mut Encoder, rows: &[Row]) {
    for (name, kind, help, value) in ASSOC_FAMILIES {
        e.family(name, *kind, help);
        for r in rows {
            if let Some(v) = value(r.assoc) {
                e.sample(name, &r.labels, v);
            }
        }
    }
    for (name, kind, help, value) in PATH_FAMILIES {
        e.family(name, *kind, help);
        for r in rows {
            for (p, labels) in &r.paths {
                if let Some(v) = value(p) {
                    e.sample(name, labels, v);
                }
            }
        }
    }
}

fn agent_families(e: &mut Encoder, s: &AgentStats, have_snapshot: bool, max_series: usize, dropped: usize) {
    e.single("sctp_agent_up", Kind::Gauge, "1: the agent is serving.", 1u64);
    e.single("sctp_agent_snapshots_total", Kind::Counter, "Snapshots taken.", s.snapshots_total);
    e.single(
        "sctp_agent_sample_errors_total",
        Kind::Counter,
        "Snapshots that failed (the agent's / page and log say why).",
        s.sample_errors_total,
    );
    e.single(
        "sctp_agent_last_sample_success",
        Kind::Gauge,
        "1 when the latest snapshot attempt succeeded.",
        u64::from(s.last_sample_ok),
    );
    if have_snapshot {
        e.single("sctp_agent_dump_seconds", Kind::Gauge, "Duration of the latest sock_diag dump.", s.last_dump_seconds);
        e.single(
            "sctp_agent_sample_seconds",
            Kind::Gauge,
            "Duration of the latest snapshot (dump, /proc files and owners).",
            s.last_sample_seconds,
        );
    }
    if let Some(t) = s.last_snapshot_unix_seconds {
        e.single(
            "sctp_agent_last_snapshot_timestamp_seconds",
            Kind::Gauge,
            "When the latest snapshot was taken, seconds since the Unix epoch.",
            t,
        );
    }
    e.single(
        "sctp_agent_max_series",
        Kind::Gauge,
        "The most associations exported per scrape (--max-series).",
        max_series as u64,
    );
    e.single(
        "sctp_agent_series_dropped",
        Kind::Gauge,
        "Associations left out of this scrape by --max-series.",
        dropped as u64,
    );
    e.single(
        "sctp_agent_series_dropped_total",
        Kind::Counter,
        "Associations left out by --max-series, summed over snapshots.",
        s.series_dropped_total,
    );
}
