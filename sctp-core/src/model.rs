//! What the window (and the headless runner, and a reopened recording) knows: built only
//! from worker events, so it is pure and replayable. Time series and the event log are
//! bounded rings that count what they dropped.

use crate::info::{AssocStats, PathInfo, PathState, Status};
use crate::message::{IpRecvInfo, RecvInfo};
use crate::notification::{AssocChangeState, ErrorCause, Notification};
use crate::options::{OptionName, OptionValue};
use crate::ring::Ring;
use crate::series::{SamplePoints, Series};
use crate::worker::{EpId, Event, PathSample, Reply, Stamped, Warning};
use crate::{AssocId, EndpointConfig, Error, KernelHz, Style};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;

/// Per-path metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PathMetric {
    /// Congestion window, bytes (`spinfo_cwnd`).
    Cwnd,
    /// Smoothed RTT, ms (converted from the kernel's jiffies with its HZ).
    SrttMs,
    /// Retransmission timeout, ms.
    RtoMs,
    /// Path MTU, bytes.
    Mtu,
    /// Path state as a level: 0 inactive, 1 potentially failed, 2 active, 3 unconfirmed (-1 unknown).
    State,
}

/// Per-association metrics; the `PerSec` ones are rates from assoc stats counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AssocMetric {
    /// The peer's advertised receive window, bytes (SCTP_STATUS).
    Rwnd,
    /// DATA chunks sent and not yet acknowledged.
    Unacked,
    /// DATA chunks waiting to be sent.
    Pending,
    /// Chunks retransmitted per second (`sas_rtxchunks`).
    RetransmitsPerSec,
    /// Gap Ack Blocks received in SACKs per second (`sas_gapcnt`).
    GapAcksPerSec,
    /// SCTP packets sent per second (`sas_opackets`).
    PacketsOutPerSec,
    /// SCTP packets received per second (`sas_ipackets`).
    PacketsInPerSec,
    /// PR-SCTP messages abandoned per second, every policy, sent or not (SCTP_PR_ASSOC_STATUS).
    AbandonedPerSec,
}

impl PathMetric {
    /// Every path metric, in the order the plots list them.
    pub const ALL: [PathMetric; 5] =
        [PathMetric::Cwnd, PathMetric::SrttMs, PathMetric::RtoMs, PathMetric::Mtu, PathMetric::State];
    /// The metric's name on a plot, with its unit.
    pub fn label(self) -> &'static str {
        match self {
            PathMetric::Cwnd => "cwnd (bytes)",
            PathMetric::SrttMs => "srtt (ms)",
            PathMetric::RtoMs => "rto (ms)",
            PathMetric::Mtu => "mtu (bytes)",
            PathMetric::State => "state (0 inactive · 1 PF · 2 active · 3 unconfirmed)",
        }
    }
}

impl AssocMetric {
    /// Every association metric, in the order the plots list them.
    pub const ALL: [AssocMetric; 8] = [
        AssocMetric::Rwnd,
        AssocMetric::Unacked,
        AssocMetric::Pending,
        AssocMetric::RetransmitsPerSec,
        AssocMetric::GapAcksPerSec,
        AssocMetric::PacketsOutPerSec,
        AssocMetric::PacketsInPerSec,
        AssocMetric::AbandonedPerSec,
    ];
    /// The metric's name on a plot, with its unit.
    pub fn label(self) -> &'static str {
        match self {
            AssocMetric::Rwnd => "peer rwnd (bytes)",
            AssocMetric::Unacked => "unacked chunks",
            AssocMetric::Pending => "pending chunks",
            AssocMetric::RetransmitsPerSec => "retransmitted chunks/s",
            AssocMetric::GapAcksPerSec => "gap acks/s",
            AssocMetric::PacketsOutPerSec => "packets out/s",
            AssocMetric::PacketsInPerSec => "packets in/s",
            AssocMetric::AbandonedPerSec => "abandoned messages/s (PR-SCTP)",
        }
    }
}

/// Names one plotted series: a metric of one path, or of one association.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SeriesKey {
    /// A metric of one path of an association.
    Path {
        /// The endpoint that owns the association.
        ep: EpId,
        /// The association.
        assoc: AssocId,
        /// The path's peer address.
        addr: SocketAddr,
        /// What is plotted.
        metric: PathMetric,
    },
    /// A metric of one association.
    Assoc {
        /// The endpoint that owns the association.
        ep: EpId,
        /// The association.
        assoc: AssocId,
        /// What is plotted.
        metric: AssocMetric,
    },
}

/// What a log entry is, for the log view's filters and colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LogKind {
    /// A command's outcome (the entry names the command).
    Result,
    /// A command that failed (the entry is its error).
    Error,
    /// An SCTP notification.
    Notification,
    /// A received message.
    Data,
    /// An endpoint opened or closed, or an association gone.
    Endpoint,
    /// A warning, and the worker's greeting (`Event::Hello`).
    Warning,
}

/// What a log entry is about, kept typed: plot markers and tests read the types, and the
/// text is made only when the entry is drawn or searched (then kept).
#[derive(Debug, Clone, PartialEq)]
pub enum Logged {
    /// An SCTP notification, as the worker read it.
    Notification(Notification),
    /// A received message: its length and first bytes.
    Data {
        /// The sender's address, when the kernel gave one.
        from: Option<SocketAddr>,
        /// SCTP_RCVINFO: association, stream, SSN, PPID, TSN, unordered.
        info: Option<RecvInfo>,
        /// TOS/TTL/traffic class of the packet, when the kernel passed them on.
        ip: IpRecvInfo,
        /// The whole message's length, bytes.
        len: usize,
        /// Its first bytes (at most `worker::DATA_HEAD`).
        head: Vec<u8>,
    },
    /// A command's outcome: what was asked (as the worker described it) and the reply or error.
    Result {
        /// The command, as `Command::describe` put it.
        command: String,
        /// The reply, or what failed and why.
        outcome: std::result::Result<Reply, Error>,
    },
    /// A warning from the worker or the session.
    Warning(Warning),
    /// Endpoints opening and closing, the worker's greeting: text by nature.
    Text(String),
}

impl Logged {
    /// The entry as one line of text (what `LogEntry::text` makes and keeps).
    pub fn describe(&self) -> String {
        match self {
            Logged::Notification(n) => describe_notification(n),
            Logged::Data { from, info, ip, len, head } => match info {
                Some(i) => format!(
                    "data {len} B from {} stream {} ssn {} ppid {} tsn {}{}{}: {}",
                    from.map(|a| a.to_string()).unwrap_or_else(|| "?".into()),
                    i.stream,
                    i.ssn,
                    i.ppid,
                    i.tsn,
                    if i.unordered { " unordered" } else { "" },
                    ip.describe(),
                    preview(head)
                ),
                None => format!("data {len} B{}: {}", ip.describe(), preview(head)),
            },
            Logged::Result { command, outcome: Ok(reply) } => format!("{command}: ok{}", describe_reply(reply)),
            Logged::Result { outcome: Err(e), .. } => e.to_string(),
            Logged::Warning(w) => w.to_string(),
            Logged::Text(text) => text.clone(),
        }
    }
}

/// One line of the event log.
#[derive(Debug, Clone)]
pub struct LogEntry {
    /// When, in seconds since the worker started (the event's stamp).
    pub t: f64,
    /// What kind of line it is.
    pub kind: LogKind,
    /// The endpoint it is about, if any.
    pub ep: Option<EpId>,
    /// The association it is about, if known.
    pub assoc: Option<AssocId>,
    /// What it says, typed.
    pub what: Logged,
    text: std::cell::OnceCell<String>,
}

impl LogEntry {
    /// An entry whose text is made when first asked for.
    pub fn new(t: f64, kind: LogKind, ep: Option<EpId>, assoc: Option<AssocId>, what: Logged) -> LogEntry {
        LogEntry { t, kind, ep, assoc, what, text: std::cell::OnceCell::new() }
    }

    /// The entry as one line of text, made on first use.
    pub fn text(&self) -> &str {
        self.text.get_or_init(|| self.what.describe())
    }

    /// The notification this entry reports, if it is one.
    pub fn notification(&self) -> Option<&Notification> {
        match &self.what {
            Logged::Notification(n) => Some(n),
            _ => None,
        }
    }
}

impl PartialEq for LogEntry {
    /// Equal in what they say, whether or not either has been drawn yet.
    fn eq(&self, other: &Self) -> bool {
        (self.t, self.kind, self.ep, self.assoc) == (other.t, other.kind, other.ep, other.assoc)
            && self.what == other.what
    }
}

/// What the model knows of one association: its last sample, its history, whether it ended.
#[derive(Debug, Clone, Default)]
pub struct AssocView {
    /// SCTP_STATUS from the last sample; `None` before the first.
    pub status: Option<Status>,
    /// The paths the last sample could read.
    pub paths: Vec<PathInfo>,
    /// The paths the last sample could not read, and why.
    pub unreadable_paths: Vec<(SocketAddr, Error)>,
    /// The latest counters read (SCTP_GET_ASSOC_STATS); a sample without them keeps these.
    pub stats: Option<AssocStats>,
    /// Ended: COMM_LOST or SHUTDOWN_COMP, no longer listed by the kernel, or its endpoint closed (a later
    /// sample clears it).
    pub gone: bool,
    /// The states it went through (RFC 9260 §4), as samples and ASSOC_CHANGEs showed them.
    pub history: crate::fsm::History,
    /// Its verification tags once a dump sample had both (they name it in a packet capture).
    pub tags: Option<crate::capture::Tags>,
    /// Every path address it has plotted series for, removed paths too (their history
    /// stays): the plots find them here rather than by scanning every series.
    pub plotted_paths: std::collections::BTreeSet<SocketAddr>,
}

/// What the model knows of one endpoint, from `Event::Opened` on.
#[derive(Debug, Clone)]
pub struct EndpointView {
    /// Its name, as first announced.
    pub label: String,
    /// One-to-many or one-to-one.
    pub style: Style,
    /// Its bound local addresses, as last announced (bindx re-announces them).
    pub local_addrs: Vec<SocketAddr>,
    /// What it was opened with; `None` for accepted and peeled-off endpoints.
    pub config: Option<EndpointConfig>,
    /// Its associations by id, ended ones too (the newest `KEEP_ENDED` over the whole model).
    pub assocs: BTreeMap<AssocId, AssocView>,
    /// Its socket was closed; the view stays until `KEEP_CLOSED` newer closed ones push it out.
    pub closed: bool,
    /// The elementary options as the kernel read them back after open.
    pub applied: Option<crate::endpoint::AppliedOptions>,
}

/// How many ended associations keep their history for a look after the fact.
pub const KEEP_ENDED: usize = 64;
/// How many closed endpoints stay in the tree; past it the oldest is forgotten with
/// everything kept about it, so opening and closing all day does not grow memory.
pub const KEEP_CLOSED: usize = 64;

/// How much the model keeps, so a long session does not grow memory.
pub struct Limits {
    /// Points one series keeps at most; fewer when `points_total` must be shared.
    pub points_per_series: usize,
    /// Log entries kept; older ones are dropped and counted.
    pub log_entries: usize,
    /// All series together hold at most this many points: with many associations each
    /// series keeps a shorter history (said in the status bar) rather than memory growing
    /// with their number.
    pub points_total: usize,
}

/// However many series share the budget, each keeps at least this many points (a minute at
/// 10 Hz).
pub const MIN_POINTS_PER_SERIES: usize = 600;

impl Default for Limits {
    fn default() -> Self {
        // One hour at 10 Hz per series; a long log; 8 M points (128 MB) in all.
        Limits { points_per_series: 36_000, log_entries: 20_000, points_total: 8_000_000 }
    }
}

/// Everything a view shows, built only by `apply` from worker events (live, or replayed from a recording).
pub struct Model {
    /// Every endpoint announced, closed ones too (the newest `KEEP_CLOSED` of those).
    pub endpoints: BTreeMap<EpId, EndpointView>,
    /// Plotted series: `[t, value]` points, t in seconds since the worker started, in bounded rings that count
    /// what they dropped.
    pub series: Series,
    /// The event log, bounded by `Limits::log_entries` (it counts what it dropped).
    pub log: Ring<LogEntry>,
    /// The kernel's HZ, from `Event::Hello`; `None` before it.
    pub hz: Option<KernelHz>,
    /// Whether the kernel can open SCTP sockets, and why not, from `Event::Hello`; `None` before it.
    pub kernel_sctp: Option<std::result::Result<(), Error>>,
    /// The kernel's release and SCTP sysctls, as the worker reported them.
    pub kernel: Option<crate::kernel_facts::KernelFacts>,
    /// The period the worker samples its own associations at, ms (100 until it says).
    pub sample_interval_ms: u64,
    /// The latest event time seen.
    pub now: f64,
    /// The latest value the kernel reported for each option of each endpoint (get, or
    /// read-back after set).
    pub option_reads: HashMap<(EpId, OptionName), OptionValue>,
    /// The latest error from getting or setting each option of each endpoint.
    pub option_errors: HashMap<(EpId, OptionName), String>,
    /// The previous counters per association and when they were read (for rates).
    last_stats: HashMap<(EpId, AssocId), (f64, AssocStats), foldhash::fast::RandomState>,
    /// Ended associations, oldest first; past `KEEP_ENDED` the oldest one's view and
    /// series are dropped, so churn does not grow memory.
    ended: std::collections::VecDeque<(EpId, AssocId)>,
    /// Closed endpoints, oldest first (see `KEEP_CLOSED`).
    closed: std::collections::VecDeque<EpId>,
    /// Events applied so far.
    pub events_seen: u64,
    /// Received-message events applied so far.
    pub data_messages: u64,
    /// Notifications applied so far.
    pub notifications: u64,
    /// Every association in the watched namespace (the Host view).
    pub host: crate::host::HostModel,
    /// The host sampler's period in force, and whether it had to slow down.
    pub host_interval: Option<(u64, bool)>,
    /// How the worker samples its own associations, the period in force, and whether it
    /// had to slow down to stay within its share of a core.
    pub sampling: Option<(crate::worker::SampleMethod, u64, bool)>,
    /// The share of a core the worker's own sampling may take, percent (from `Event::Sampling`).
    pub sampler_share_percent: u8,
    /// The bound each series has now (`Limits::points_total` shared among the series).
    points_per_series: usize,
    /// Events the worker dropped because this side fell behind (totals so far).
    pub dropped_events: crate::worker::DropCounts,
    /// The packet capture: the running one, or the last one after it stopped.
    pub capture: Option<CaptureView>,
    /// The worker's two-path lab, while there is one.
    pub lab: Option<crate::lab::LabState>,
    /// The worker runs inside a sandbox kernel, not on this host's (set by the session).
    pub sandbox: bool,
    /// Summaries of the captured packets, the newest `PACKET_MARKS` (it counts what it dropped).
    pub packets: Ring<crate::capture::PacketMark>,
    limits: Limits,
}

/// Packet summaries the model keeps (the pcapng file has every packet).
pub const PACKET_MARKS: usize = 100_000;

/// A packet capture as the worker reported it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureView {
    /// The pcapng file.
    pub path: std::path::PathBuf,
    /// Its interfaces (one per namespace), in `PacketMark::iface` order.
    pub interfaces: Vec<String>,
    /// The Unix time of the worker clock's zero (to turn `t` into pcapng time and back).
    pub unix_at_zero: f64,
    /// The file's size cap, bytes.
    pub max_bytes: u64,
    /// The latest counters.
    pub stats: crate::capture::CaptureStats,
    /// Whether it still runs.
    pub running: bool,
    /// Packets lost when the last `CaptureLost` warning was given (it repeats at tenfold).
    warned_lost: u64,
}

impl CaptureView {
    /// A worker-clock time as Unix seconds, the time base of the pcapng file and of
    /// Wireshark's `frame.time_epoch`.
    pub fn unix_time(&self, t: f64) -> f64 {
        self.unix_at_zero + t
    }
}

impl Default for Model {
    fn default() -> Self {
        Model::new(Limits::default())
    }
}

impl Model {
    /// An empty model within `limits`.
    pub fn new(limits: Limits) -> Self {
        Model {
            endpoints: BTreeMap::new(),
            series: Series::default(),
            log: Ring::new(limits.log_entries),
            hz: None,
            kernel_sctp: None,
            kernel: None,
            sample_interval_ms: 100,
            now: 0.0,
            option_reads: HashMap::new(),
            option_errors: HashMap::new(),
            last_stats: HashMap::default(),
            ended: Default::default(),
            closed: std::collections::VecDeque::new(),
            events_seen: 0,
            data_messages: 0,
            notifications: 0,
            host: crate::host::HostModel::default(),
            host_interval: None,
            sampling: None,
            sampler_share_percent: 25,
            dropped_events: crate::worker::DropCounts::default(),
            capture: None,
            lab: None,
            sandbox: false,
            packets: Ring::new(PACKET_MARKS),
            points_per_series: limits.points_per_series,
            limits,
        }
    }

    /// Changes how many log entries are kept; shrinking drops the oldest (counted).
    pub fn set_log_capacity(&mut self, n: usize) {
        self.limits.log_entries = n;
        self.log.set_capacity(n);
    }

    /// Adds a line of text to the log (what is not a notification, message or result).
    pub fn log(&mut self, t: f64, kind: LogKind, ep: Option<EpId>, assoc: Option<AssocId>, text: String) {
        self.log.push(LogEntry::new(t, kind, ep, assoc, Logged::Text(text)));
    }

    /// When a path last changed state, as its sampled state series shows it, and the state
    /// it had before; `None` if it never changed (or was never sampled).
    pub fn path_state_changed(&self, ep: EpId, assoc: AssocId, addr: SocketAddr) -> Option<(f64, PathState)> {
        let series = self.series.get(&SeriesKey::Path { ep, assoc, addr, metric: PathMetric::State })?;
        let mut points = series.iter().rev();
        let [mut changed_at, now] = *points.next()?;
        for &[t, level] in points {
            if level != now {
                return Some((changed_at, PathState::from_level(level)));
            }
            changed_at = t;
        }
        None
    }

    /// What names an association in a packet capture: the endpoint's port, the peer's
    /// port (from its paths) and both verification tags (once a dump sample had them).
    pub fn wire_id(&self, ep: EpId, assoc: AssocId) -> Option<crate::capture::WireId> {
        let view = self.endpoints.get(&ep)?;
        let a = view.assocs.get(&assoc)?;
        let tags = a.tags?;
        let local_port = view.local_addrs.iter().map(|a| a.port()).find(|p| *p != 0)?;
        let peer_port = a
            .paths
            .iter()
            .filter_map(|p| p.addr)
            .chain(a.status.and_then(|s| s.primary.addr))
            .map(|a| a.port())
            .next()?;
        Some(crate::capture::WireId { local_port, peer_port, tag: tags.tag, peer_tag: tags.peer_tag })
    }

    /// Open endpoints, and the live associations on them.
    pub fn open_counts(&self) -> (usize, usize) {
        let open = || self.endpoints.values().filter(|v| !v.closed);
        (open().count(), open().map(|v| v.assocs.values().filter(|a| !a.gone).count()).sum())
    }

    /// Logs a warning, on its endpoint's line when it names one.
    pub fn warn(&mut self, t: f64, warning: Warning) {
        let ep = warning.ep();
        self.log.push(LogEntry::new(t, LogKind::Warning, ep, None, Logged::Warning(warning)));
    }

    #[cfg(test)]
    fn point(&mut self, key: SeriesKey, t: f64, v: f64) {
        if let Some(ring) = self.series.get_mut(&key) {
            ring.push([t, v]);
            return;
        }
        let mut ring = Ring::new(self.points_per_series);
        ring.push([t, v]);
        self.series.insert(key, ring);
        self.rebalance();
    }

    /// Shares `points_total` among the series: the per-series bound shrinks as series are
    /// added (the oldest points go, counted as dropped) and grows back as they are freed.
    /// The bound moves in steps with headroom (to ¾ of the fair share), so adding series one
    /// by one re-bounds every ring only a logarithmic number of times.
    fn rebalance(&mut self) {
        let max = self.limits.points_per_series;
        let min = MIN_POINTS_PER_SERIES.min(max);
        let fair = self.limits.points_total / self.series.len().max(1);
        let now = self.points_per_series;
        let cap = if fair < now || (fair >= 2 * now && now < max) { (fair / 4 * 3).clamp(min, max) } else { now };
        if cap != now {
            self.points_per_series = cap;
            for ring in self.series.values_mut() {
                ring.set_capacity(cap);
            }
        }
    }

    /// Points each series keeps now, and what it would keep without the overall budget.
    pub fn history_bound(&self) -> (usize, usize) {
        (self.points_per_series, self.limits.points_per_series)
    }

    /// Every series of one association as CSV (`series,t_s,value`, one row per point),
    /// sorted so the same model always exports the same text.
    pub fn series_csv(&self, ep: EpId, assoc: AssocId) -> String {
        let mut keys: Vec<SeriesKey> = self
            .series
            .keys()
            .filter(|k| match k {
                SeriesKey::Path { ep: e, assoc: a, .. } | SeriesKey::Assoc { ep: e, assoc: a, .. } => {
                    *e == ep && *a == assoc
                }
            })
            .collect();
        keys.sort();
        let mut out = String::from("series,t_s,value\n");
        for key in &keys {
            let name = match key {
                SeriesKey::Path { addr, metric, .. } => format!("path {addr} {metric:?}"),
                SeriesKey::Assoc { metric, .. } => format!("{metric:?}"),
            };
            for [t, v] in self.series[key].iter() {
                out.push_str(&format!("{name},{t:.3},{v}\n"));
            }
        }
        out
    }

    /// Total points held and dropped over all series.
    pub fn series_totals(&self) -> (usize, u64) {
        self.series.values().fold((0, 0), |(n, d), s| (n + s.len(), d + s.dropped()))
    }

    /// Applies one stamped worker event: endpoints and associations, series, log, counters and the host view.
    pub fn apply(&mut self, s: &Stamped) {
        let t = s.t;
        self.now = self.now.max(t);
        self.events_seen += 1;
        match &s.event {
            Event::Hello { hz, kernel_sctp, sample_interval_ms, kernel } => {
                self.hz = Some(*hz);
                self.kernel = kernel.clone();
                self.kernel_sctp = Some(kernel_sctp.clone());
                self.sample_interval_ms = *sample_interval_ms;
                let text = match kernel_sctp {
                    Ok(()) => format!("worker started; kernel SCTP available; HZ {} ({:?})", hz.hz, hz.source),
                    Err(e) => format!("worker started; {e}"),
                };
                self.log(t, LogKind::Warning, None, None, text);
            }
            Event::Done { ep, option, command, outcome, .. } => {
                let kind = if outcome.is_ok() { LogKind::Result } else { LogKind::Error };
                let what = Logged::Result { command: command.clone(), outcome: outcome.clone() };
                self.log.push(LogEntry::new(t, kind, *ep, None, what));
                if let (Some(ep), Some(option)) = (ep, option) {
                    self.note_option_outcome(*ep, *option, outcome);
                }
            }
            Event::Opened { ep, label, style, local_addrs, config } => {
                let view = self.endpoints.entry(*ep).or_insert_with(|| EndpointView {
                    label: label.clone(),
                    style: *style,
                    local_addrs: Vec::new(),
                    config: config.clone(),
                    assocs: BTreeMap::new(),
                    closed: false,
                    applied: None,
                });
                view.local_addrs = local_addrs.clone();
                let addrs = local_addrs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
                self.log(
                    t,
                    LogKind::Endpoint,
                    Some(*ep),
                    None,
                    format!("ep{} {label} ({style:?}) bound to [{addrs}]", ep.0),
                );
            }
            Event::OptionsApplied { ep, applied } => {
                if let Some(v) = self.endpoints.get_mut(ep) {
                    v.applied = Some(applied.clone());
                }
            }
            Event::Closed { ep } => {
                let assocs: Vec<AssocId> =
                    self.endpoints.get(ep).map(|v| v.assocs.keys().copied().collect()).unwrap_or_default();
                for assoc in assocs {
                    self.ended(*ep, assoc);
                }
                if let Some(v) = self.endpoints.get_mut(ep)
                    && !v.closed
                {
                    v.closed = true;
                    self.closed.push_back(*ep);
                }
                while self.closed.len() > KEEP_CLOSED {
                    let Some(old) = self.closed.pop_front() else { break };
                    self.forget_endpoint(old);
                }
                self.log(t, LogKind::Endpoint, Some(*ep), None, format!("ep{} closed", ep.0));
            }
            Event::Notification { ep, notification } => {
                self.notifications += 1;
                if let Notification::AssocChange { assoc, state, .. } = notification
                    && let Some(after) = crate::fsm::state_after(*state)
                    && let Some(view) = self.endpoints.get_mut(ep)
                {
                    let cause = crate::fsm::Cause::Notification(*state);
                    view.assocs.entry(*assoc).or_default().history.observe(t, after, cause);
                }
                // The ending notification is the kernel's word: shown ended now, not at the
                // next sample.
                if let Notification::AssocChange {
                    assoc,
                    state: AssocChangeState::CommLost | AssocChangeState::ShutdownComplete,
                    ..
                } = notification
                {
                    self.ended(*ep, *assoc);
                }
                let what = Logged::Notification(notification.clone());
                self.log.push(LogEntry::new(t, LogKind::Notification, Some(*ep), notification.assoc(), what));
            }
            Event::Data { ep, from, info, ip, len, head, .. } => {
                self.data_messages += 1;
                let what = Logged::Data { from: *from, info: *info, ip: *ip, len: *len, head: head.clone() };
                self.log.push(LogEntry::new(t, LogKind::Data, Some(*ep), info.map(|i| i.assoc), what));
            }
            Event::Sample { ep, assoc, status, paths, stats, tags } => {
                self.sample(t, *ep, *assoc, status, paths, stats);
                // Once a dump sample had both tags, they name the association in a capture.
                if let Some(tags) = tags.filter(|t| t.tag != 0 && t.peer_tag != 0)
                    && let Some(a) = self.endpoints.get_mut(ep).and_then(|v| v.assocs.get_mut(assoc))
                {
                    a.tags = Some(tags);
                }
            }
            Event::AssocGone { ep, assoc } => {
                self.ended(*ep, *assoc);
                self.log(t, LogKind::Endpoint, Some(*ep), Some(*assoc), format!("association {} gone", assoc.0));
            }
            Event::Warning(warning) => self.warn(t, warning.clone()),
            Event::SampleInterval { ms } => self.sample_interval_ms = *ms,
            Event::Dropped { counts } => {
                if counts.total() > self.dropped_events.total() {
                    self.warn(t, Warning::FellBehind { counts: *counts });
                }
                self.dropped_events = *counts;
            }
            Event::Sampling { method, period_ms, slowed, share_percent } => {
                self.sampler_share_percent = *share_percent;
                if let crate::worker::SampleMethod::Getsockopt { why } = method
                    && !matches!(&self.sampling, Some((crate::worker::SampleMethod::Getsockopt { .. }, ..)))
                {
                    self.warn(t, Warning::SamplingByGetsockopt { why: why.clone() });
                }
                self.sampling = Some((method.clone(), *period_ms, *slowed));
            }
            Event::HostSnapshot { snapshot, interval_ms, slowed } => {
                self.host_interval = Some((*interval_ms, *slowed));
                self.host.apply(t, (**snapshot).clone());
            }
            Event::CaptureStarted { path, interfaces, unix_at_zero, max_bytes } => {
                self.capture = Some(CaptureView {
                    path: path.clone(),
                    interfaces: interfaces.clone(),
                    unix_at_zero: *unix_at_zero,
                    max_bytes: *max_bytes,
                    stats: Default::default(),
                    running: true,
                    warned_lost: 0,
                });
                self.log(
                    t,
                    LogKind::Result,
                    None,
                    None,
                    format!("capturing packets of {} to {}", interfaces.join(", "), path.display()),
                );
            }
            Event::Packets { marks } => {
                for m in marks {
                    self.packets.push(m.clone());
                }
            }
            Event::Lab { lab } => self.lab = lab.clone(),
            Event::CaptureStats { stats, stopped, failure } => {
                let Some(c) = self.capture.as_mut() else { return };
                c.stats = *stats;
                c.running &= !*stopped;
                let lost = stats.lost();
                let warn = lost > 0 && lost >= c.warned_lost.saturating_mul(10).max(1);
                if warn {
                    c.warned_lost = lost;
                }
                let max_bytes = c.max_bytes;
                if warn {
                    self.warn(t, Warning::CaptureLost { stats: *stats, max_bytes });
                }
                if let Some(why) = failure {
                    self.warn(t, Warning::CaptureFailed { why: why.clone() });
                }
            }
        }
    }

    /// Marks an association ended and forgets the oldest ended ones past `KEEP_ENDED`.
    fn ended(&mut self, ep: EpId, assoc: AssocId) {
        match self.endpoints.get_mut(&ep).and_then(|v| v.assocs.get_mut(&assoc)) {
            Some(a) if !a.gone => a.gone = true,
            _ => return,
        }
        self.ended.push_back((ep, assoc));
        while self.ended.len() > KEEP_ENDED {
            let Some((e, a)) = self.ended.pop_front() else { break };
            if let Some(v) = self.endpoints.get_mut(&e) {
                v.assocs.remove(&a);
            }
            self.last_stats.remove(&(e, a));
            self.series.remove_assocs(|ep, assoc| (ep, assoc) == (e, a));
            self.rebalance();
        }
    }

    /// Drops a closed endpoint's view, series, counters and option reads.
    fn forget_endpoint(&mut self, ep: EpId) {
        self.endpoints.remove(&ep);
        self.ended.retain(|(e, _)| *e != ep);
        self.last_stats.retain(|(e, _), _| *e != ep);
        self.option_reads.retain(|(e, _), _| *e != ep);
        self.option_errors.retain(|(e, _), _| *e != ep);
        self.series.remove_assocs(|e, _| e == ep);
        self.rebalance();
    }

    fn note_option_outcome(&mut self, ep: EpId, option: OptionName, outcome: &std::result::Result<Reply, Error>) {
        match outcome {
            Ok(Reply::Option { value }) => {
                self.option_errors.remove(&(ep, option));
                self.option_reads.insert((ep, option), value.clone());
            }
            Ok(_) => {
                self.option_errors.remove(&(ep, option));
            }
            Err(e) => {
                self.option_errors.insert((ep, option), e.to_string());
            }
        }
    }

    fn sample(
        &mut self,
        t: f64,
        ep: EpId,
        assoc: AssocId,
        status: &Status,
        paths: &[PathSample],
        stats: &Option<AssocStats>,
    ) {
        // A sample still in flight for an endpoint that closed would only grow series
        // nobody can see. (An endpoint never announced — a recording started mid-session —
        // is still plotted.)
        if self.endpoints.get(&ep).is_some_and(|v| v.closed) {
            return;
        }
        let mut infos = Vec::new();
        let mut unreadable = Vec::new();
        for p in paths {
            match p {
                PathSample::Info(i) => infos.push(*i),
                PathSample::Unreadable { addr, error } => unreadable.push((*addr, error.clone())),
            }
        }
        let paths: Vec<(SocketAddr, [f64; PathMetric::ALL.len()])> = infos
            .iter()
            .filter_map(|info| {
                let values = [
                    f64::from(info.cwnd),
                    info.srtt_ms,
                    f64::from(info.rto_ms),
                    f64::from(info.mtu),
                    info.state.level(),
                ];
                Some((info.addr?, values))
            })
            .collect();
        let mut own = vec![
            (AssocMetric::Rwnd, f64::from(status.rwnd)),
            (AssocMetric::Unacked, f64::from(status.unacked)),
            (AssocMetric::Pending, f64::from(status.pending)),
        ];
        if let Some(now) = stats
            && let Some((t0, before)) = self.last_stats.insert((ep, assoc), (t, *now))
            && t > t0
        {
            let rate = |a: u64, b: u64| a.saturating_sub(b) as f64 / (t - t0);
            own.extend([
                (AssocMetric::RetransmitsPerSec, rate(now.retransmitted_chunks, before.retransmitted_chunks)),
                (AssocMetric::GapAcksPerSec, rate(now.gap_acks_in, before.gap_acks_in)),
                (AssocMetric::PacketsOutPerSec, rate(now.packets_out, before.packets_out)),
                (AssocMetric::PacketsInPerSec, rate(now.packets_in, before.packets_in)),
                (AssocMetric::AbandonedPerSec, rate(now.abandoned_messages, before.abandoned_messages)),
            ]);
        }
        let points = SamplePoints { t, own: &own, paths: &paths };
        if self.series.push_sample(ep, assoc, self.points_per_series, &points) > 0 {
            self.rebalance();
        }
        let Some(view) = self.endpoints.get_mut(&ep) else { return };
        let a = view.assocs.entry(assoc).or_default();
        a.status = Some(*status);
        a.history.observe(t, status.state, crate::fsm::Cause::Sampled);
        a.plotted_paths.extend(infos.iter().filter_map(|i| i.addr));
        a.paths = infos;
        a.unreadable_paths = unreadable;
        if stats.is_some() {
            a.stats = *stats;
        }
        a.gone = false;
    }
}

fn describe_reply(reply: &Reply) -> String {
    match reply {
        Reply::Done => String::new(),
        Reply::Endpoint { ep } => format!(" -> ep{}", ep.0),
        Reply::Assoc { assoc } => format!(" -> association {}", assoc.0),
        Reply::Option { value } => format!(" -> {}", serde_json::to_string(value).unwrap_or_default()),
        Reply::Sent { messages, bytes } => format!(" -> {messages} messages, {bytes} bytes"),
    }
}

/// One line per notification, naming its type and what matters in it.
pub fn describe_notification(n: &Notification) -> String {
    use Notification::*;
    match n {
        AssocChange { assoc, state, error, outbound_streams, inbound_streams, info } => {
            // On COMM_LOST and CANT_STR_ASSOC the info is the peer's ABORT, if one came.
            let causes = match state {
                AssocChangeState::CommLost | AssocChangeState::CantStartAssoc => ErrorCause::parse_all(info),
                _ => Vec::new(),
            };
            let why = if !causes.is_empty() {
                let each: Vec<String> = causes.iter().map(ErrorCause::describe).collect();
                format!("; the peer's ABORT: {}", each.join(", "))
            } else if *error != 0 {
                format!(" error {error} ({})", ErrorCause::name(*error).0)
            } else {
                String::new()
            };
            format!("ASSOC_CHANGE {state:?} assoc {} out {outbound_streams} in {inbound_streams}{why}", assoc.0)
        }
        PeerAddrChange { assoc, addr, state, error } => format!(
            "PEER_ADDR_CHANGE {} {state:?} assoc {}{}",
            addr.map(|a| a.to_string()).unwrap_or_else(|| "?".into()),
            assoc.0,
            if *error != 0 { format!(" error {error}") } else { String::new() }
        ),
        RemoteError { assoc, cause, data } => {
            let (name, source) = ErrorCause::name(*cause);
            format!("REMOTE_ERROR {name} (cause {cause}, {source}) assoc {} ({} B)", assoc.0, data.len())
        }
        SendFailed { assoc, error, info, data, was_sent, .. } => format!(
            "SEND_FAILED assoc {} error {error} stream {} ppid {} context {} {} B {}",
            assoc.0,
            info.stream,
            u32::from_be(info.ppid),
            info.context,
            data.len(),
            if *was_sent { "(was sent)" } else { "(unsent)" }
        ),
        Shutdown { assoc } => format!("SHUTDOWN_EVENT assoc {}", assoc.0),
        Adaptation { assoc, indication } => format!("ADAPTATION_INDICATION 0x{indication:08x} assoc {}", assoc.0),
        PartialDelivery { assoc, indication, stream, seq } => {
            format!("PARTIAL_DELIVERY indication {indication} stream {stream} seq {seq} assoc {}", assoc.0)
        }
        Authentication { assoc, key_number, indication } => {
            format!("AUTHENTICATION key {key_number} indication {indication} assoc {}", assoc.0)
        }
        SenderDry { assoc } => format!("SENDER_DRY assoc {}", assoc.0),
        StreamReset { assoc, flags, streams } => {
            format!("STREAM_RESET flags {flags:#x} streams {streams:?} assoc {}", assoc.0)
        }
        AssocReset { assoc, flags, local_tsn, remote_tsn } => {
            format!("ASSOC_RESET flags {flags:#x} local tsn {local_tsn} remote tsn {remote_tsn} assoc {}", assoc.0)
        }
        StreamChange { assoc, flags, inbound_streams, outbound_streams } => {
            format!("STREAM_CHANGE flags {flags:#x} in {inbound_streams} out {outbound_streams} assoc {}", assoc.0)
        }
        Unknown { sn_type, bytes } => format!("unknown notification type {sn_type:#06x} ({} B)", bytes.len()),
    }
}

/// Printable preview of payload bytes: text if it is text, else hex.
pub fn preview(head: &[u8]) -> String {
    const MAX: usize = 48;
    let shown = &head[..head.len().min(MAX)];
    let more = if head.len() > MAX { "…" } else { "" };
    if shown.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        format!("\"{}\"{more}", String::from_utf8_lossy(shown))
    } else {
        format!("{}{more}", shown.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::info::PathInfo;

    fn path(addr: &str, cwnd: u32) -> PathSample {
        PathSample::Info(PathInfo {
            addr: Some(addr.parse().unwrap()),
            state: crate::PathState::Active,
            cwnd,
            srtt_ms: 10.0,
            srtt_jiffies: 1,
            rto_ms: 200,
            mtu: 1500,
        })
    }

    fn sample(t: f64, cwnd: u32, packets_out: u64) -> Stamped {
        let status = Status {
            assoc: AssocId(3),
            state: crate::AssocState::Established,
            rwnd: 1000,
            unacked: 1,
            pending: 0,
            inbound_streams: 1,
            outbound_streams: 1,
            fragmentation_point: 1452,
            primary: match path("10.1.1.2:9", cwnd) {
                PathSample::Info(i) => i,
                _ => unreachable!(),
            },
        };
        let stats = AssocStats { packets_out, ..Default::default() };
        Stamped {
            t,
            event: Event::Sample {
                ep: EpId(1),
                assoc: AssocId(3),
                status,
                paths: vec![path("10.1.1.2:9", cwnd)],
                stats: Some(stats),
                tags: None,
            },
        }
    }

    /// The plots find an association's paths in its view: every path a sample plotted,
    /// a path that has gone since included (its history is still there to see).
    #[test]
    fn an_association_lists_every_path_it_plotted_even_one_gone_since() {
        let mut m = Model::default();
        m.apply(&Stamped {
            t: 0.0,
            event: Event::Opened {
                ep: EpId(1),
                label: "c".into(),
                style: crate::Style::OneToMany,
                local_addrs: vec![],
                config: None,
            },
        });
        let mut two = sample(1.0, 1000, 1);
        if let Event::Sample { paths, .. } = &mut two.event {
            paths.push(path("10.2.2.2:9", 500));
        }
        m.apply(&two);
        m.apply(&sample(2.0, 1000, 2));
        let view = &m.endpoints[&EpId(1)].assocs[&AssocId(3)];
        let plotted: Vec<String> = view.plotted_paths.iter().map(|a| a.to_string()).collect();
        assert_eq!(plotted, ["10.1.1.2:9", "10.2.2.2:9"]);
        assert_eq!(view.paths.len(), 1, "the last sample had one path");
        let gone = SeriesKey::Path {
            ep: EpId(1),
            assoc: AssocId(3),
            addr: "10.2.2.2:9".parse().unwrap(),
            metric: PathMetric::Cwnd,
        };
        assert_eq!(m.series[&gone].len(), 1, "its history stays");
    }

    #[test]
    fn samples_become_bounded_series_with_rates() {
        let mut m = Model::new(Limits { points_per_series: 3, log_entries: 10, ..Limits::default() });
        for i in 0..5 {
            m.apply(&sample(i as f64, 1000 + i, 10 * i as u64));
        }
        let cwnd = &m.series[&SeriesKey::Path {
            ep: EpId(1),
            assoc: AssocId(3),
            addr: "10.1.1.2:9".parse().unwrap(),
            metric: PathMetric::Cwnd,
        }];
        assert_eq!(cwnd.iter().copied().collect::<Vec<_>>(), vec![[2.0, 1002.0], [3.0, 1003.0], [4.0, 1004.0]]);
        assert_eq!(cwnd.dropped(), 2);
        let rate =
            &m.series[&SeriesKey::Assoc { ep: EpId(1), assoc: AssocId(3), metric: AssocMetric::PacketsOutPerSec }];
        assert_eq!(rate.last(), Some(&[4.0, 10.0]), "10 packets in 1 s");
    }

    /// A one-to-many endpoint announced at time 0.
    fn opened(ep: EpId) -> Stamped {
        let event = Event::Opened {
            ep,
            label: format!("e{}", ep.0),
            style: crate::Style::OneToMany,
            local_addrs: vec![],
            config: None,
        };
        Stamped { t: 0.0, event }
    }

    #[test]
    fn many_series_share_one_budget_and_get_room_back_when_freed() {
        let limits = Limits { points_per_series: 2_000, log_entries: 10, points_total: 40_000 };
        let mut m = Model::new(limits);
        m.apply(&opened(EpId(1)));
        // Each association has 12 series (5 of its path, 3 of its own, 4 rates): 5 of them
        // would want 120,000 points.
        for a in 0..5 {
            for i in 0..2_000 {
                let mut s = sample(f64::from(i), 1000, 0);
                if let Event::Sample { assoc, .. } = &mut s.event {
                    *assoc = AssocId(a);
                }
                m.apply(&s);
            }
        }
        let (held, dropped) = m.series_totals();
        assert!(held <= 40_000, "{held} points held over the 40,000 budget");
        assert!(dropped > 0, "the oldest points went, counted");
        let (bound, wanted) = m.history_bound();
        assert!(bound < wanted && bound >= MIN_POINTS_PER_SERIES, "{bound}");
        // Series are freed (associations forgotten): the survivors' bound grows back.
        let keep: Vec<SeriesKey> = m.series.keys().take(10).collect();
        m.series.retain(|k, _| keep.contains(k));
        m.rebalance();
        assert_eq!(m.history_bound().0, 2_000, "with few series left, the full hour again");
    }

    #[test]
    fn closed_endpoints_past_the_limit_are_forgotten_with_all_they_held() {
        let mut m = Model::default();
        let n = KEEP_CLOSED as u32 + 5;
        for e in 1..=n {
            let ep = EpId(e);
            m.apply(&opened(ep));
            let mut s = sample(f64::from(e), 1000, 0);
            if let Event::Sample { ep: sample_ep, .. } = &mut s.event {
                *sample_ep = ep;
            }
            m.apply(&s);
            m.apply(&Stamped { t: f64::from(e), event: Event::Closed { ep } });
        }
        assert_eq!(m.endpoints.len(), KEEP_CLOSED);
        assert!(!m.endpoints.contains_key(&EpId(1)) && m.endpoints.contains_key(&EpId(n)));
        let eps: std::collections::BTreeSet<EpId> = m
            .series
            .keys()
            .map(|k| match k {
                SeriesKey::Path { ep, .. } | SeriesKey::Assoc { ep, .. } => ep,
            })
            .collect();
        assert!(!eps.contains(&EpId(1)) && eps.contains(&EpId(n)), "series of forgotten endpoints are freed");
        assert!(m.last_stats.keys().all(|(e, _)| e.0 > 5));
    }

    #[test]
    fn ended_associations_past_the_limit_are_forgotten() {
        let mut m = Model::default();
        m.apply(&opened(EpId(1)));
        let n = KEEP_ENDED as i32 + 10;
        for a in 0..n {
            let mut s = sample(a as f64, 1000, 0);
            if let Event::Sample { assoc, .. } = &mut s.event {
                *assoc = AssocId(a);
            }
            m.apply(&s);
            m.apply(&Stamped { t: a as f64, event: Event::AssocGone { ep: EpId(1), assoc: AssocId(a) } });
        }
        let views = &m.endpoints[&EpId(1)].assocs;
        assert_eq!(views.len(), KEEP_ENDED);
        assert!(!views.contains_key(&AssocId(0)) && views.contains_key(&AssocId(n - 1)));
        let with_series: std::collections::BTreeSet<AssocId> = m
            .series
            .keys()
            .map(|k| match k {
                SeriesKey::Path { assoc, .. } | SeriesKey::Assoc { assoc, .. } => assoc,
            })
            .collect();
        assert_eq!(with_series.len(), KEEP_ENDED);
    }

    #[test]
    fn the_log_is_capped_and_counts_what_it_dropped() {
        let mut m = Model::new(Limits { points_per_series: 10, log_entries: 3, ..Limits::default() });
        for i in 0..5 {
            m.apply(&Stamped { t: i as f64, event: Event::Warning(Warning::Text { text: format!("w{i}") }) });
        }
        assert_eq!(m.log.iter().map(|e| e.text()).collect::<Vec<_>>(), vec!["w2", "w3", "w4"]);
        assert_eq!(m.log.dropped(), 2);
    }

    #[test]
    fn option_reads_and_errors_are_kept_per_endpoint() {
        let mut m = Model::default();
        let value = crate::OptionValue::Maxseg(crate::options::MaxSeg(1000));
        let done = |ep: u32, option, outcome| Stamped {
            t: 1.0,
            event: Event::Done {
                request: 7,
                ep: Some(EpId(ep)),
                option: Some(option),
                command: "set x".into(),
                outcome,
            },
        };
        m.apply(&done(1, crate::OptionName::Maxseg, Ok(Reply::Option { value: value.clone() })));
        assert_eq!(m.option_reads[&(EpId(1), crate::OptionName::Maxseg)], value);
        assert!(!m.option_reads.contains_key(&(EpId(2), crate::OptionName::Maxseg)), "another endpoint's read");
        let err = Error::invalid("set rtoinfo (future associations)", "min (2 ms) must not exceed max (1 ms)");
        m.apply(&done(2, crate::OptionName::Rtoinfo, Err(err)));
        assert!(m.option_errors[&(EpId(2), crate::OptionName::Rtoinfo)].contains("must not exceed"));
    }

    #[test]
    fn csv_export_lists_every_series_of_the_association() {
        let mut m = Model::default();
        m.apply(&sample(0.5, 4380, 0));
        let csv = m.series_csv(EpId(1), AssocId(3));
        assert!(csv.starts_with("series,t_s,value\n"));
        assert!(csv.contains("path 10.1.1.2:9 Cwnd,0.500,4380\n"), "{csv}");
        assert!(csv.contains("Rwnd,0.500,1000\n"));
        assert_eq!(m.series_csv(EpId(9), AssocId(3)), "series,t_s,value\n");
    }

    #[test]
    fn capture_losses_are_warned_at_first_and_at_each_tenfold_and_summaries_are_bounded() {
        use crate::capture::{CaptureStats, PacketMark};
        let mut m = Model::default();
        let stats_at = |m: &mut Model, over_cap: u64, stopped: bool| {
            let stats = CaptureStats { packets: 10, over_cap, ..Default::default() };
            m.apply(&Stamped { t: 1.0, event: Event::CaptureStats { stats, stopped, failure: None } });
        };
        // Counters before any capture started are not about anything shown.
        stats_at(&mut m, 5, false);
        assert!(m.capture.is_none());
        m.apply(&Stamped {
            t: 0.0,
            event: Event::CaptureStarted {
                path: "/c.pcapng".into(),
                interfaces: vec!["host namespace".into()],
                unix_at_zero: 100.0,
                max_bytes: 1 << 20,
            },
        });
        let warnings =
            |m: &Model| m.log.iter().filter(|e| matches!(e.what, Logged::Warning(Warning::CaptureLost { .. }))).count();
        for (lost, expected) in [(0, 0), (1, 1), (5, 1), (10, 2), (99, 2), (100, 3)] {
            stats_at(&mut m, lost, false);
            assert_eq!(warnings(&m), expected, "after {lost} lost");
        }
        stats_at(&mut m, 100, true);
        assert!(!m.capture.as_ref().unwrap().running);
        assert_eq!(m.capture.as_ref().unwrap().unix_time(2.5), 102.5);

        let mark = PacketMark {
            t: 1.0,
            iface: 0,
            src: "10.1.1.1:1".parse().unwrap(),
            dst: "10.1.1.2:2".parse().unwrap(),
            vtag: 1,
            init_tag: None,
            chunks: vec![],
            len: 60,
        };
        m.apply(&Stamped { t: 1.0, event: Event::Packets { marks: vec![mark; PACKET_MARKS + 5] } });
        assert_eq!((m.packets.len(), m.packets.dropped()), (PACKET_MARKS, 5));
    }

    #[test]
    fn a_paths_last_state_change_is_found_in_its_series() {
        let mut m = Model::default();
        let (ep, assoc, addr) = (EpId(1), AssocId(3), "10.1.1.2:9".parse().unwrap());
        assert_eq!(m.path_state_changed(ep, assoc, addr), None);
        for (t, s) in
            [(1.0, PathState::Active), (2.0, PathState::Active), (3.0, PathState::Inactive), (4.0, PathState::Inactive)]
        {
            m.point(SeriesKey::Path { ep, assoc, addr, metric: PathMetric::State }, t, s.level());
        }
        assert_eq!(m.path_state_changed(ep, assoc, addr), Some((3.0, PathState::Active)));
    }
}
