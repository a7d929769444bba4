//! What the Host view knows: successive snapshots of every association in a namespace,
//! turned into the current table, bounded time series and a change log derived from the
//! difference between two snapshots (state changes, path up/down, primary changes,
//! retransmission bursts). Pure: fed snapshots, whether they come from this machine's
//! sampler or from an agent over HTTP.

use crate::diag::AssocKey;
use crate::diag::reader::{HostAssoc, HostEndpoint, HostSnapshot};
use crate::info::{AssocState, PathState};
use crate::ring::Ring;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::IpAddr;

/// Series kept per association.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum HostMetric {
    /// The primary path's congestion window, bytes (`sctpi_p_cwnd`).
    PrimaryCwnd,
    /// The primary path's smoothed RTT, ms (`sctpi_p_srtt`, converted from jiffies).
    PrimarySrttMs,
    /// The primary path's retransmission timeout, ms (`sctpi_p_rto`).
    PrimaryRtoMs,
    /// Bytes sent on the primary path and not yet acknowledged (`sctpi_p_flight_size`).
    PrimaryFlightSize,
    /// The peer's receive window, bytes (`sctpi_peer_rwnd`).
    PeerRwnd,
    /// DATA chunks sent and not yet acknowledged (`sctpi_unackdata`).
    Unacked,
    /// DATA chunks pending receipt (`sctpi_penddata`).
    Pending,
    /// Chunks retransmitted per second between two snapshots (from `sctpi_rtxchunks`).
    RetransmitsPerSec,
    /// SCTP packets sent per second between two snapshots (from `sctpi_opackets`).
    PacketsOutPerSec,
    /// SCTP packets received per second between two snapshots (from `sctpi_ipackets`).
    PacketsInPerSec,
}

impl HostMetric {
    /// Every association-wide metric.
    pub const ALL: [HostMetric; 10] = [
        HostMetric::PrimaryCwnd,
        HostMetric::PrimarySrttMs,
        HostMetric::PrimaryRtoMs,
        HostMetric::PrimaryFlightSize,
        HostMetric::PeerRwnd,
        HostMetric::Unacked,
        HostMetric::Pending,
        HostMetric::RetransmitsPerSec,
        HostMetric::PacketsOutPerSec,
        HostMetric::PacketsInPerSec,
    ];

    /// Its label with the unit, as plots show it (e.g. `primary srtt (ms)`).
    pub fn label(self) -> &'static str {
        match self {
            HostMetric::PrimaryCwnd => "primary cwnd (bytes)",
            HostMetric::PrimarySrttMs => "primary srtt (ms)",
            HostMetric::PrimaryRtoMs => "primary rto (ms)",
            HostMetric::PrimaryFlightSize => "primary flight size (bytes)",
            HostMetric::PeerRwnd => "peer rwnd (bytes)",
            HostMetric::Unacked => "unacked chunks",
            HostMetric::Pending => "pending chunks",
            HostMetric::RetransmitsPerSec => "retransmitted chunks/s",
            HostMetric::PacketsOutPerSec => "packets out/s",
            HostMetric::PacketsInPerSec => "packets in/s",
        }
    }
}

/// Per-path series (every path has rto and state, from /proc/net/sctp/remaddr).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum HostPathMetric {
    /// The path's retransmission timeout, ms (remaddr's RTO column converted from jiffies; for the
    /// primary, the dump's when /proc has no line).
    RtoMs,
    /// The path's state as a number (`PathState::level`: inactive 0, potentially failed 1, active 2,
    /// unconfirmed 3, unknown -1).
    State,
}

/// Which series of an association: one of its own or one of a path's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum HostSeries {
    /// An association-wide series.
    Assoc(HostMetric),
    /// A series of the path to this peer address.
    Path(IpAddr, HostPathMetric),
}

/// What changed between two snapshots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum HostChangeKind {
    /// The association is new to this model (first snapshot that shows it).
    Appeared {
        /// Its state when first seen.
        state: AssocState,
    },
    /// The association state changed.
    State {
        /// The state in the previous snapshot.
        from: AssocState,
        /// The state now.
        to: AssocState,
    },
    /// A path's state changed between two known states (active, inactive, potentially failed,
    /// unconfirmed).
    PathState {
        /// The path's peer address.
        addr: IpAddr,
        /// The path's state in the previous snapshot.
        from: PathState,
        /// The path's state now.
        to: PathState,
    },
    /// A peer address the previous snapshot did not list.
    PathAdded {
        /// The new path's peer address.
        addr: IpAddr,
    },
    /// A peer address the previous snapshot listed and this one does not.
    PathRemoved {
        /// The removed path's peer address.
        addr: IpAddr,
    },
    /// The primary path moved to another peer address.
    PrimaryChanged {
        /// The previous primary (`None`: none was marked).
        from: Option<IpAddr>,
        /// The new primary (`None`: none is marked).
        to: Option<IpAddr>,
    },
    /// Chunks retransmitted since the last snapshot.
    Retransmits {
        /// How many (the increase of `sctpi_rtxchunks`).
        chunks: u64,
    },
    /// The association is no longer in the dump: it ended, or its socket closed.
    Gone,
}

impl HostChangeKind {
    /// Whether this change is bad news (drawn red/amber).
    pub fn is_failure(&self) -> bool {
        match self {
            HostChangeKind::PathState { to, .. } => matches!(to, PathState::Inactive | PathState::PotentiallyFailed),
            HostChangeKind::Gone | HostChangeKind::Retransmits { .. } => true,
            _ => false,
        }
    }

    /// One line for the change log, e.g. `path 10.1.1.2: active -> inactive`.
    pub fn describe(&self) -> String {
        let ip = |a: &Option<IpAddr>| a.map_or("none".to_string(), |a| a.to_string());
        match self {
            HostChangeKind::Appeared { state } => format!("appeared ({state:?})"),
            HostChangeKind::State { from, to } => format!("state {from:?} -> {to:?}"),
            HostChangeKind::PathState { addr, from, to } => {
                format!("path {addr}: {} -> {}", from.name(), to.name())
            }
            HostChangeKind::PathAdded { addr } => format!("path {addr} added"),
            HostChangeKind::PathRemoved { addr } => format!("path {addr} removed"),
            HostChangeKind::PrimaryChanged { from, to } => format!("primary {} -> {}", ip(from), ip(to)),
            HostChangeKind::Retransmits { chunks } => format!("{chunks} chunks retransmitted"),
            HostChangeKind::Gone => "gone".to_string(),
        }
    }
}

/// One entry of the change log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostChange {
    /// When the snapshot that showed the change was taken: the `t` given to `HostModel::apply`, seconds.
    pub t: f64,
    /// The association it happened to.
    pub key: AssocKey,
    /// What changed.
    pub kind: HostChangeKind,
}

/// Bounds on what a `HostModel` keeps, so memory stays flat however busy the host.
pub struct HostLimits {
    /// Points per series (one snapshot adds one).
    pub points_per_series: usize,
    /// Associations that keep series; past it, only the table and change log.
    pub assocs_with_history: usize,
    /// Entries the change log keeps; older ones drop off.
    pub changes: usize,
    /// Ended associations whose row and history stay for a look after the fact.
    pub keep_ended: usize,
}

impl Default for HostLimits {
    fn default() -> Self {
        // 10 min at 10 Hz (an hour at 1 Hz) for 64 associations: ≤ 64·14·6000·16 B ≈ 86 MB
        // in the worst case, whatever the host holds.
        HostLimits { points_per_series: 6_000, assocs_with_history: 64, changes: 10_000, keep_ended: 64 }
    }
}

/// The time series of one association.
#[derive(Default)]
pub struct HostHistory {
    /// Each series as `[t, value]` points (t in seconds), at most `points_per_series`; the oldest drop off.
    pub series: HashMap<HostSeries, Ring<[f64; 2]>>,
}

/// What the Host view shows: the latest snapshot as a table, per-association series and a change log,
/// all bounded by `HostLimits`.
pub struct HostModel {
    /// The namespace the snapshots come from (`None`: the sampler's own); another one resets the model.
    pub netns: Option<String>,
    /// The latest row of every association (ended ones flagged), by key.
    pub assocs: BTreeMap<AssocKey, HostRow>,
    /// Every endpoint (socket) in the latest snapshot, with its owner when known.
    pub endpoints: Vec<HostEndpoint>,
    /// Series of the associations that have any (at most `assocs_with_history` of them).
    pub history: HashMap<AssocKey, HostHistory>,
    /// The change log, oldest first, at most `HostLimits::changes` entries.
    pub changes: Ring<HostChange>,
    /// Associations that got no series because `assocs_with_history` was reached.
    pub history_refused: u64,
    /// Snapshots applied since the model was created or last reset.
    pub snapshots: u64,
    /// What the latest snapshot said about itself; `None` before the first.
    pub last: Option<SnapshotMeta>,
    ended: VecDeque<AssocKey>,
    limits: HostLimits,
}

/// One association's row in the Host table.
#[derive(Debug, Clone)]
pub struct HostRow {
    /// What the latest snapshot that showed it said.
    pub assoc: HostAssoc,
    /// When a snapshot first showed it, seconds, on the clock of the `t` given to `HostModel::apply`.
    pub first_seen: f64,
    /// When a snapshot last showed it, seconds, on the clock of the `t` given to `HostModel::apply`.
    pub seen_at: f64,
    /// When it was first missing from a snapshot, seconds; `None` while it is live.
    pub ended_at: Option<f64>,
}

/// What the last snapshot said about itself.
#[derive(Debug, Clone, Default)]
pub struct SnapshotMeta {
    /// When it was taken, seconds, on the clock of the `t` given to `HostModel::apply`.
    pub t: f64,
    /// The kernel flagged the dump interrupted (NLM_F_DUMP_INTR): an association may be missing or twice.
    pub interrupted: bool,
    /// Dump messages that could not be decoded (counted, skipped).
    pub malformed: u32,
    /// Associations past `diag::MAX_ASSOCS`, not kept.
    pub dropped: u32,
    /// What could not be read besides the dump (the /proc/net/sctp files).
    pub warnings: Vec<String>,
    /// Wall time the dump took, µs.
    pub dump_us: u64,
}

impl Default for HostModel {
    fn default() -> Self {
        HostModel::new(HostLimits::default())
    }
}

impl HostModel {
    /// An empty model with these bounds.
    pub fn new(limits: HostLimits) -> Self {
        HostModel {
            netns: None,
            assocs: BTreeMap::new(),
            endpoints: Vec::new(),
            history: HashMap::new(),
            changes: Ring::new(limits.changes),
            history_refused: 0,
            snapshots: 0,
            last: None,
            ended: VecDeque::new(),
            limits,
        }
    }

    /// Forgets everything (another namespace or another agent).
    pub fn reset(&mut self) {
        *self = HostModel::new(std::mem::take(&mut self.limits));
    }

    /// Associations still live (in the latest snapshot), ended ones not counted.
    pub fn live_count(&self) -> usize {
        self.assocs.values().filter(|r| r.ended_at.is_none()).count()
    }

    /// One snapshot taken at `t` seconds.
    pub fn apply(&mut self, t: f64, snap: HostSnapshot) {
        if self.netns != snap.netns {
            self.reset();
            self.netns = snap.netns.clone();
        }
        self.snapshots += 1;
        self.last = Some(SnapshotMeta {
            t,
            interrupted: snap.interrupted,
            malformed: snap.malformed,
            dropped: snap.dropped,
            warnings: snap.warnings,
            dump_us: snap.dump_us,
        });
        self.endpoints = snap.endpoints;
        let mut seen = std::collections::HashSet::with_capacity(snap.assocs.len());
        for assoc in snap.assocs {
            let key = assoc.diag.key();
            seen.insert(key);
            let prev = self.assocs.get(&key).filter(|r| r.ended_at.is_none());
            let changes = diff(prev.map(|r| &r.assoc), &assoc);
            let dt_counters = prev.map(|r| (r.assoc.diag.stats, r.seen_at));
            for kind in changes {
                self.changes.push(HostChange { t, key, kind });
            }
            self.record(t, key, &assoc, dt_counters);
            match self.assocs.get_mut(&key) {
                Some(row) => {
                    row.assoc = assoc;
                    row.seen_at = t;
                    row.ended_at = None;
                }
                None => {
                    self.assocs.insert(key, HostRow { assoc, first_seen: t, seen_at: t, ended_at: None });
                }
            }
        }
        let gone: Vec<AssocKey> =
            self.assocs.iter().filter(|(k, r)| r.ended_at.is_none() && !seen.contains(k)).map(|(k, _)| *k).collect();
        for key in gone {
            if let Some(row) = self.assocs.get_mut(&key) {
                row.ended_at = Some(t);
            }
            self.changes.push(HostChange { t, key, kind: HostChangeKind::Gone });
            self.ended.push_back(key);
        }
        while self.ended.len() > self.limits.keep_ended {
            if let Some(old) = self.ended.pop_front()
                && self.assocs.get(&old).is_some_and(|r| r.ended_at.is_some())
            {
                self.assocs.remove(&old);
                self.history.remove(&old);
            }
        }
    }

    fn record(&mut self, t: f64, key: AssocKey, a: &HostAssoc, prev: Option<(crate::info::AssocStats, f64)>) {
        if !self.history.contains_key(&key) {
            if self.history.len() >= self.limits.assocs_with_history {
                self.history_refused += 1;
                return;
            }
            self.history.insert(key, HostHistory::default());
        }
        let cap = self.limits.points_per_series;
        let Some(h) = self.history.get_mut(&key) else { return };
        let mut push = |s: HostSeries, v: f64| h.series.entry(s).or_insert_with(|| Ring::new(cap)).push([t, v]);
        let d = &a.diag;
        if let Some(p) = d.primary {
            push(HostSeries::Assoc(HostMetric::PrimaryCwnd), f64::from(p.cwnd));
            push(HostSeries::Assoc(HostMetric::PrimarySrttMs), p.srtt_ms);
            push(HostSeries::Assoc(HostMetric::PrimaryRtoMs), f64::from(p.rto_ms));
            push(HostSeries::Assoc(HostMetric::PrimaryFlightSize), f64::from(p.flight_size));
        }
        push(HostSeries::Assoc(HostMetric::PeerRwnd), f64::from(d.peer_rwnd));
        push(HostSeries::Assoc(HostMetric::Unacked), f64::from(d.unacked));
        push(HostSeries::Assoc(HostMetric::Pending), f64::from(d.pending));
        if let Some((before, t0)) = prev {
            let dt = t - t0;
            if dt > 0.0 {
                let rate = |now: u64, then: u64| now.saturating_sub(then) as f64 / dt;
                let s = d.stats;
                push(
                    HostSeries::Assoc(HostMetric::RetransmitsPerSec),
                    rate(s.retransmitted_chunks, before.retransmitted_chunks),
                );
                push(HostSeries::Assoc(HostMetric::PacketsOutPerSec), rate(s.packets_out, before.packets_out));
                push(HostSeries::Assoc(HostMetric::PacketsInPerSec), rate(s.packets_in, before.packets_in));
            }
        }
        for p in &a.paths {
            if let Some(rto) = p.rto_ms {
                push(HostSeries::Path(p.addr, HostPathMetric::RtoMs), f64::from(rto));
            }
            push(HostSeries::Path(p.addr, HostPathMetric::State), p.state.level());
        }
    }

    /// Changes of one association, oldest first.
    pub fn changes_of(&self, key: AssocKey) -> impl Iterator<Item = &HostChange> {
        self.changes.iter().filter(move |c| c.key == key)
    }
}

/// What differs between the previous and the new sight of one association.
pub fn diff(prev: Option<&HostAssoc>, now: &HostAssoc) -> Vec<HostChangeKind> {
    let Some(prev) = prev else {
        return vec![HostChangeKind::Appeared { state: now.diag.state }];
    };
    let mut out = Vec::new();
    if prev.diag.state != now.diag.state {
        out.push(HostChangeKind::State { from: prev.diag.state, to: now.diag.state });
    }
    let primary = |a: &HostAssoc| a.paths.iter().find(|p| p.primary).map(|p| p.addr);
    let (from, to) = (primary(prev), primary(now));
    if from != to {
        out.push(HostChangeKind::PrimaryChanged { from, to });
    }
    for p in &now.paths {
        match prev.paths.iter().find(|q| q.addr == p.addr) {
            None => out.push(HostChangeKind::PathAdded { addr: p.addr }),
            Some(q) if q.state != p.state && p.state != PathState::Unknown && q.state != PathState::Unknown => {
                out.push(HostChangeKind::PathState { addr: p.addr, from: q.state, to: p.state })
            }
            Some(_) => {}
        }
    }
    for q in &prev.paths {
        if !now.paths.iter().any(|p| p.addr == q.addr) {
            out.push(HostChangeKind::PathRemoved { addr: q.addr });
        }
    }
    let rtx = now.diag.stats.retransmitted_chunks.saturating_sub(prev.diag.stats.retransmitted_chunks);
    if rtx > 0 {
        out.push(HostChangeKind::Retransmits { chunks: rtx });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::reader::HostPath;
    use crate::diag::{DiagAssoc, PeerCapable};
    use crate::info::AssocStats;

    fn assoc(inode: u32, state: AssocState, paths: &[(&str, PathState, bool)], rtx: u64) -> HostAssoc {
        HostAssoc {
            diag: DiagAssoc {
                inode,
                uid: 0,
                local_port: 1,
                peer_port: 2,
                locals: vec![],
                peers: vec![],
                state,
                tag: 7,
                peer_tag: 9,
                local_rwnd: 0,
                peer_rwnd: 1000,
                unacked: 0,
                pending: 0,
                inbound_streams: 1,
                outbound_streams: 1,
                in_queue: 0,
                out_queue: 0,
                overall_error: 0,
                max_burst: 4,
                maxseg: 0,
                peer_capable: PeerCapable::default(),
                recv_queue_bytes: 0,
                send_queue_bytes: 0,
                t3_rtx_expires_ms: None,
                stats: AssocStats { retransmitted_chunks: rtx, ..Default::default() },
                primary: None,
            },
            assoc_id: None,
            paths: paths
                .iter()
                .map(|(a, s, p)| HostPath {
                    addr: a.parse().unwrap(),
                    primary: *p,
                    state: *s,
                    rto_ms: Some(300),
                    retransmissions: Some(0),
                    hb_active: Some(true),
                })
                .collect(),
            owner: None,
        }
    }

    fn snap(assocs: Vec<HostAssoc>) -> HostSnapshot {
        HostSnapshot { assocs, ..Default::default() }
    }

    #[test]
    fn path_failure_primary_change_and_retransmits_are_derived() {
        let mut m = HostModel::default();
        let a = PathState::Active;
        let up = assoc(5, AssocState::Established, &[("10.0.0.1", a, true), ("10.0.1.1", a, false)], 0);
        m.apply(0.0, snap(vec![up]));
        let down =
            assoc(5, AssocState::Established, &[("10.0.0.1", PathState::Inactive, false), ("10.0.1.1", a, true)], 12);
        m.apply(1.0, snap(vec![down]));
        let kinds: Vec<_> = m.changes.iter().map(|c| c.kind.clone()).collect();
        assert_eq!(kinds[0], HostChangeKind::Appeared { state: AssocState::Established });
        assert!(kinds.contains(&HostChangeKind::PathState {
            addr: "10.0.0.1".parse().unwrap(),
            from: PathState::Active,
            to: PathState::Inactive
        }));
        assert!(kinds.iter().any(|k| matches!(k, HostChangeKind::PrimaryChanged { .. })));
        assert!(kinds.contains(&HostChangeKind::Retransmits { chunks: 12 }));
        let key = m.assocs.keys().next().copied().unwrap();
        let h = &m.history[&key];
        let rate = h.series[&HostSeries::Assoc(HostMetric::RetransmitsPerSec)].last().unwrap();
        assert_eq!(*rate, [1.0, 12.0]);
    }

    #[test]
    fn gone_associations_are_kept_then_evicted_and_history_is_capped() {
        let limits = HostLimits { points_per_series: 4, assocs_with_history: 2, changes: 100, keep_ended: 1 };
        let mut m = HostModel::new(limits);
        let three: Vec<_> = (1..=3).map(|i| assoc(i, AssocState::Established, &[], 0)).collect();
        m.apply(0.0, snap(three));
        assert_eq!((m.history.len(), m.history_refused), (2, 1));
        for t in 1..10 {
            m.apply(f64::from(t), snap(vec![assoc(1, AssocState::Established, &[], 0)]));
        }
        // Two ended, only one kept.
        assert_eq!(m.assocs.len(), 2);
        assert_eq!(m.live_count(), 1);
        assert!(m.changes.iter().filter(|c| c.kind == HostChangeKind::Gone).count() == 2);
        let key = m.assocs.keys().next().copied().unwrap();
        assert_eq!(m.history[&key].series[&HostSeries::Assoc(HostMetric::PeerRwnd)].len(), 4);
    }

    #[test]
    fn another_namespace_starts_afresh() {
        let mut m = HostModel::default();
        m.apply(0.0, snap(vec![assoc(1, AssocState::Established, &[], 0)]));
        m.apply(1.0, HostSnapshot { netns: Some("lab".into()), ..Default::default() });
        assert!(m.assocs.is_empty());
        assert_eq!(m.netns.as_deref(), Some("lab"));
    }
}
