//! Sampling the worker's own associations from the kernel's sock_diag dump: one netlink
//! round trip per address family covers every association in a namespace, where
//! getsockopt needs three calls per association. What the dump lacks — cwnd, srtt and mtu
//! of the other paths, and the primary path's mtu — is still read by getsockopt, but only
//! when the association moved a packet since the last read (a path's values cannot change
//! without one: heartbeats count too), after a PEER_ADDR_CHANGE, or every `REFRESH` ticks.
//!
//! A dump entry is matched to the owner's association id once, by SCTP_STATUS: its primary
//! path is one of the entry's peer transport addresses, and no two associations of one
//! socket share a peer transport address.

use super::EpId;
use super::PathSample;
use super::sampler::Sample;
use crate::AssocId;
use crate::diag::reader::{DiagSocket, same_ip};
use crate::diag::{AssocKey, DiagAssoc, DiagPrimary};
use crate::endpoint::{Endpoint, Style};
use crate::error::Result;
use crate::info::{PathInfo, Status};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::time::Instant;

/// Ticks between unconditional re-reads of an idle association's other paths.
const REFRESH: u32 = 100;

/// Samples every association of the given endpoints in one namespace.
pub struct DumpSampler {
    source: DiagSocket,
    known: HashMap<AssocKey, Known>,
    inodes: HashMap<EpId, u32>,
}

/// One matched association and what getsockopt last said about it.
struct Known {
    ep: EpId,
    assoc: AssocId,
    /// Packets in + out when the paths were last read.
    packets: u64,
    ticks_since_read: u32,
    /// A PEER_ADDR_CHANGE said its paths changed: read them next tick.
    stale: bool,
    primary_mtu: u32,
    /// PR-SCTP messages abandoned, as last read (with the paths).
    abandoned: u64,
    /// The other paths, as last read.
    others: Vec<PathSample>,
}

/// One endpoint's associations in one tick.
pub struct EndpointSamples {
    /// The endpoint.
    pub ep: EpId,
    /// Its associations sampled this tick, by id.
    pub samples: Vec<(AssocId, Sample)>,
    /// Dump entries of this endpoint that could not be matched to an association id.
    pub unmatched: usize,
}

/// What one tick found and cost.
pub struct Tick {
    /// One entry per endpoint asked for, in the order given.
    pub endpoints: Vec<EndpointSamples>,
    /// The kernel said its tables changed during the dump.
    pub interrupted: bool,
    /// Associations the dump skipped that getsockopt found alive (sampled that way).
    pub confirmed: usize,
    /// getsockopt calls the tick made (matching new entries, reading paths, confirming).
    pub getsockopt_calls: usize,
    /// How long the netlink dump itself took, microseconds.
    pub dump_us: u64,
    /// How long associations not seen before took: naming them (getsockopt per
    /// candidate) and the first read of their paths — a one-off per association, not what
    /// sampling by dump costs from then on. Microseconds.
    pub matching_us: u64,
}

impl DumpSampler {
    /// Opens a sock_diag socket in `netns` (or this thread's namespace).
    pub fn open(netns: Option<&str>) -> Result<Self> {
        Ok(DumpSampler { source: DiagSocket::open(netns)?, known: HashMap::new(), inodes: HashMap::new() })
    }

    /// One dump, then each endpoint's associations (listening one-to-one sockets have
    /// none; leave them out).
    pub fn sample(&mut self, endpoints: &[(EpId, &Endpoint)]) -> Result<Tick> {
        let started = Instant::now();
        let dump = self.source.dump()?;
        let dump_us = started.elapsed().as_micros() as u64;
        let mut by_inode: HashMap<u32, Vec<&DiagAssoc>> = HashMap::new();
        let mut listed = HashSet::with_capacity(dump.assocs.len());
        // An interrupted dump may list an association twice: keep the first.
        for d in dump.assocs.iter().filter(|d| listed.insert(d.key())) {
            by_inode.entry(d.inode).or_default().push(d);
        }
        self.inodes.retain(|id, _| endpoints.iter().any(|(ep, _)| ep == id));
        let mut calls = 0;
        let mut matching = std::time::Duration::ZERO;
        let mut seen = HashSet::new();
        // The associations sampled from this dump, by owner and id.
        let mut sampled: HashSet<(EpId, AssocId)> = HashSet::new();
        let mut out = Vec::with_capacity(endpoints.len());
        for &(ep_id, ep) in endpoints {
            let inode = match self.inodes.get(&ep_id) {
                Some(&inode) => inode,
                None => {
                    let inode = ep.inode()?;
                    self.inodes.insert(ep_id, inode);
                    inode
                }
            };
            let entries = by_inode.get(&inode).map(Vec::as_slice).unwrap_or_default();
            let naming = Instant::now();
            let (unmatched, fresh) = self.match_new(ep_id, ep, entries, &mut calls);
            matching += naming.elapsed();
            let query_of = |assoc| if ep.style() == Style::OneToOne { AssocId(0) } else { assoc };
            let mut samples = Vec::with_capacity(entries.len());
            for d in entries {
                let Some(k) = self.known.get_mut(&d.key()) else { continue };
                seen.insert(d.key());
                let query = query_of(k.assoc);
                let first_read = fresh.contains(&d.key()).then(Instant::now);
                let sample = k.sample(ep, query, d, &mut calls);
                matching += first_read.map(|t| t.elapsed()).unwrap_or_default();
                let Some(sample) = sample else { continue };
                sampled.insert((ep_id, k.assoc));
                samples.push((k.assoc, sample));
            }
            out.push(EndpointSamples { ep: ep_id, samples, unmatched });
        }
        // The dump walks the kernel's transport table by position across datagrams, so an
        // association can be skipped when others come and go meanwhile — without the
        // kernel flagging the dump as interrupted (measured under the test suite's churn).
        // So one missing from the dump is asked for by getsockopt before it counts as gone.
        let mut confirmed = 0;
        let missing: Vec<AssocKey> = self.known.keys().filter(|k| !seen.contains(*k)).copied().collect();
        for key in missing {
            let Some(k) = self.known.get_mut(&key) else { continue };
            // Listed under another key: its tags changed (an entry first seen before the
            // handshake ended has no peer tag yet; a restart brings new ones). The old key
            // is forgotten — confirming it would sample the association twice per tick,
            // once with paths as they were when the old key was read.
            if sampled.contains(&(k.ep, k.assoc)) {
                continue;
            }
            let Some((slot, &(_, ep))) = endpoints.iter().enumerate().find(|(_, (id, _))| *id == k.ep) else {
                continue;
            };
            let query = if ep.style() == Style::OneToOne { AssocId(0) } else { k.assoc };
            calls += 1;
            match ep.status(query) {
                Ok(status) if status.assoc == k.assoc => {
                    seen.insert(key);
                    confirmed += 1;
                    // The status has the primary; the other paths as last read.
                    let primary = PathSample::Info(status.primary);
                    let paths = std::iter::once(primary).chain(k.others.iter().cloned()).collect();
                    out[slot].samples.push((k.assoc, Sample { status, paths, stats: None, tags: Some(key.tags()) }));
                }
                _ => {}
            }
        }
        self.known.retain(|k, _| seen.contains(k));
        let matching_us = matching.as_micros() as u64;
        Ok(Tick {
            endpoints: out,
            interrupted: dump.interrupted,
            confirmed,
            getsockopt_calls: calls,
            dump_us,
            matching_us,
        })
    }

    /// The association's paths changed (PEER_ADDR_CHANGE): read them all next tick.
    pub fn invalidate(&mut self, ep: EpId, assoc: AssocId) {
        for k in self.known.values_mut().filter(|k| k.ep == ep && k.assoc == assoc) {
            k.stale = true;
        }
    }

    /// Every association's paths are read at the next tick (what a busy host costs).
    pub fn invalidate_all(&mut self) {
        for k in self.known.values_mut() {
            k.stale = true;
        }
    }

    /// Matches the dump entries not seen before to the owner's association ids; returns
    /// how many stayed unmatched, and the keys matched now.
    fn match_new(
        &mut self,
        ep_id: EpId,
        ep: &Endpoint,
        entries: &[&DiagAssoc],
        calls: &mut usize,
    ) -> (usize, HashSet<AssocKey>) {
        let mut fresh = HashSet::new();
        let mut new: Vec<&DiagAssoc> = entries.iter().filter(|d| !self.known.contains_key(&d.key())).copied().collect();
        if new.is_empty() {
            return (0, fresh);
        }
        let matched: HashSet<AssocId> =
            entries.iter().filter_map(|d| self.known.get(&d.key())).map(|k| k.assoc).collect();
        let candidates = match ep.style() {
            Style::OneToMany => {
                *calls += 1;
                ep.assoc_ids().unwrap_or_default().into_iter().filter(|id| !matched.contains(id)).collect()
            }
            Style::OneToOne => vec![AssocId(0)],
        };
        for query in candidates {
            *calls += 1;
            let Ok(status) = ep.status(query) else { continue };
            let Some(i) = status.primary.addr.and_then(|primary| entry_with_peer(&new, primary)) else { continue };
            let d = new.swap_remove(i);
            fresh.insert(d.key());
            self.known.insert(
                d.key(),
                Known {
                    ep: ep_id,
                    assoc: status.assoc,
                    packets: 0,
                    ticks_since_read: 0,
                    stale: true,
                    primary_mtu: status.primary.mtu,
                    abandoned: 0,
                    others: Vec::new(),
                },
            );
            if new.is_empty() {
                break;
            }
        }
        (new.len(), fresh)
    }
}

/// The entry one of whose peer transport addresses is `addr` (v4 and v4-mapped v6 are
/// the same peer).
fn entry_with_peer(entries: &[&DiagAssoc], addr: SocketAddr) -> Option<usize> {
    entries.iter().position(|d| d.peers.iter().any(|p| same_transport(*p, addr)))
}

fn same_transport(a: SocketAddr, b: SocketAddr) -> bool {
    a.port() == b.port() && same_ip(a.ip(), b.ip())
}

impl Known {
    /// The sample from the dump entry, reading the other paths first when they may have
    /// changed. `None` when the dump carried no `sctp_info` for it.
    fn sample(&mut self, ep: &Endpoint, query: AssocId, d: &DiagAssoc, calls: &mut usize) -> Option<Sample> {
        let primary = d.primary?;
        let packets = d.stats.packets_in + d.stats.packets_out;
        // A peer address without a cached path (a new address, or the old primary after
        // the primary moved) is read too.
        let uncached =
            d.peers.iter().any(|&addr| !is_primary(&primary, addr) && !self.others.iter().any(|p| path_is(p, addr)));
        if self.stale || uncached || packets != self.packets || self.ticks_since_read >= REFRESH {
            self.others = d
                .peers
                .iter()
                .filter(|&&addr| !is_primary(&primary, addr))
                .map(|&addr| {
                    *calls += 1;
                    match ep.path_info(query, addr) {
                        Ok(info) => PathSample::Info(info),
                        Err(error) => PathSample::Unreadable { addr, error },
                    }
                })
                .collect();
            if let Some(addr) = primary.addr {
                *calls += 1;
                if let Ok(info) = ep.path_info(query, addr) {
                    self.primary_mtu = info.mtu;
                }
            }
            // Nothing is abandoned without packets moving: read it with the paths.
            *calls += 1;
            self.abandoned = ep.abandoned_messages(query).unwrap_or(self.abandoned);
            self.packets = packets;
            self.ticks_since_read = 0;
            self.stale = false;
        } else {
            self.ticks_since_read += 1;
        }
        let mut sample = sample_of(self.assoc, d, &primary, self.primary_mtu, &self.others);
        if let Some(stats) = sample.stats.as_mut() {
            stats.abandoned_messages = self.abandoned;
        }
        Some(sample)
    }
}

fn is_primary(primary: &DiagPrimary, addr: SocketAddr) -> bool {
    primary.addr.is_some_and(|p| same_transport(p, addr))
}

/// What SCTP_STATUS, SCTP_GET_PEER_ADDR_INFO and SCTP_GET_ASSOC_STATS would have said,
/// from the dump entry and the other paths as last read (peer-list order, as the kernel
/// lists them). The dump has no max observed rto: those two counters stay empty.
fn sample_of(assoc: AssocId, d: &DiagAssoc, primary: &DiagPrimary, primary_mtu: u32, others: &[PathSample]) -> Sample {
    let primary_info = PathInfo {
        addr: primary.addr,
        state: primary.state,
        cwnd: primary.cwnd,
        srtt_ms: primary.srtt_ms,
        srtt_jiffies: primary.srtt_jiffies,
        rto_ms: primary.rto_ms,
        mtu: primary_mtu,
    };
    let status = Status {
        assoc,
        state: d.state,
        rwnd: d.peer_rwnd,
        unacked: d.unacked,
        pending: d.pending,
        inbound_streams: d.inbound_streams,
        outbound_streams: d.outbound_streams,
        fragmentation_point: d.maxseg,
        primary: primary_info,
    };
    let paths = d
        .peers
        .iter()
        .filter_map(|&addr| {
            if is_primary(primary, addr) {
                return Some(PathSample::Info(primary_info));
            }
            others.iter().find(|p| path_is(p, addr)).cloned()
        })
        .collect();
    Sample { status, paths, stats: Some(d.stats), tags: Some(d.key().tags()) }
}

fn path_addr(p: &PathSample) -> Option<SocketAddr> {
    match p {
        PathSample::Info(info) => info.addr,
        PathSample::Unreadable { addr, .. } => Some(*addr),
    }
}

fn path_is(p: &PathSample, addr: SocketAddr) -> bool {
    path_addr(p).is_some_and(|a| same_transport(a, addr))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hz::{HzSource, KernelHz};
    use crate::info::{AssocState, PathState};

    /// The associations of the real dump the decoder's tests use.
    fn fixture_assocs() -> Vec<DiagAssoc> {
        let datagrams: [&[u8]; 4] = [
            include_bytes!("../diag/testdata/dump-0.bin"),
            include_bytes!("../diag/testdata/dump-1.bin"),
            include_bytes!("../diag/testdata/dump-2.bin"),
            include_bytes!("../diag/testdata/dump-3.bin"),
        ];
        let hz = KernelHz { hz: 100, source: HzSource::Assumed };
        crate::diag::decode_all(1, hz, &datagrams).expect("fixture decodes").assocs
    }

    #[test]
    fn a_sample_from_the_dump_says_what_sctp_status_would() {
        let assocs = fixture_assocs();
        let d = assocs.iter().find(|d| d.primary.is_some()).expect("an association with sctp_info");
        let primary = d.primary.unwrap();
        let s = sample_of(AssocId(7), d, &primary, 1500, &[]);
        assert_eq!(s.status.assoc, AssocId(7));
        assert_eq!(s.status.state, d.state);
        assert_eq!((s.status.rwnd, s.status.fragmentation_point), (d.peer_rwnd, d.maxseg));
        assert_eq!(
            (s.status.primary.cwnd, s.status.primary.rto_ms, s.status.primary.mtu),
            (primary.cwnd, primary.rto_ms, 1500)
        );
        // Only the primary was read: the other paths are left out, not invented.
        assert_eq!(s.paths.len(), 1);
        assert!(matches!(s.paths[0], PathSample::Info(p) if p.addr == primary.addr));
        assert_ne!(s.status.state, AssocState::Closed);
    }

    #[test]
    fn the_other_paths_keep_peer_list_order_around_the_primary() {
        let mut d = fixture_assocs().into_iter().find(|d| d.primary.is_some()).unwrap();
        let primary = d.primary.unwrap();
        let p = primary.addr.unwrap();
        let other: SocketAddr = SocketAddr::new("192.0.2.9".parse().unwrap(), p.port());
        d.peers = vec![other, p];
        let info = PathInfo {
            addr: Some(other),
            state: PathState::Inactive,
            cwnd: 1,
            srtt_ms: 0.0,
            srtt_jiffies: 0,
            rto_ms: 3000,
            mtu: 1500,
        };
        let s = sample_of(AssocId(1), &d, &primary, 1500, &[PathSample::Info(info)]);
        let addrs: Vec<Option<SocketAddr>> = s.paths.iter().map(path_addr).collect();
        assert_eq!(addrs, vec![Some(other), Some(p)]);
    }

    #[test]
    fn a_v4_mapped_peer_is_the_same_transport() {
        let v4: SocketAddr = "10.0.0.1:9".parse().unwrap();
        let mapped: SocketAddr = "[::ffff:10.0.0.1]:9".parse().unwrap();
        assert!(same_transport(v4, mapped));
        assert!(!same_transport(v4, "10.0.0.1:10".parse().unwrap()));
    }
}
