//! One sample of an association with as few syscalls as the kernel allows: SCTP_STATUS
//! (which already carries the primary path's info), SCTP_GET_PEER_ADDR_INFO for each other
//! path, SCTP_GET_ASSOC_STATS. The peer address list is cached and read again only when a
//! PEER_ADDR_CHANGE adds or removes an address, when the primary is not among the cached
//! ones, or every `REFRESH` samples. The PR-SCTP abandoned count (SCTP_PR_ASSOC_STATUS) is
//! read again only when DATA chunks went out or data waits (pending or unacknowledged): an
//! association that sends nothing abandons nothing, whatever its heartbeats do.

use super::PathSample;
use crate::AssocId;
use crate::endpoint::Endpoint;
use crate::error::Result;
use crate::info::{AssocStats, Status};
use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;

/// Samples between unconditional re-reads of a peer address list (a minute at 10 Hz): a
/// safety net only, for a change whose notification was lost.
const REFRESH: u32 = 600;

/// Samples one endpoint's associations by getsockopt, caching each association's peer address list
/// (SCTP_GET_PEER_ADDRS).
#[derive(Default)]
pub struct Sampler {
    known: HashMap<AssocId, Known, foldhash::fast::RandomState>,
    calls: u64,
}

/// What one association's earlier samples left for the next one.
#[derive(Default)]
struct Known {
    peers: Vec<SocketAddr>,
    /// Samples since `peers` was read, modulo `REFRESH`.
    since_peers: u32,
    /// DATA chunks sent (first transmissions and retransmissions) when `abandoned` was
    /// read; `None` before the first read.
    data_out: Option<u64>,
    abandoned: u64,
}

/// One association at one moment, as `Event::Sample` carries it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// SCTP_STATUS: state, peer rwnd, unacked and pending chunks, streams, primary path.
    pub status: Status,
    /// Every peer address: its info, or why it could not be read.
    pub paths: Vec<PathSample>,
    /// The association's counters (SCTP_GET_ASSOC_STATS); `None` when they were not read.
    pub stats: Option<AssocStats>,
    /// The association's verification tags, when the sample came from the sock_diag dump.
    pub tags: Option<crate::capture::Tags>,
}

impl Sampler {
    /// `key` names the association in the cache; `query` is the id the kernel wants (0 on
    /// one-to-one sockets).
    pub fn sample(&mut self, ep: &Endpoint, key: AssocId, query: AssocId) -> Result<Sample> {
        let calls = &mut self.calls;
        *calls += 1;
        let status = ep.status(query)?;
        let known = self.known.entry(key).or_default();
        let primary_unknown = status.primary.addr.is_some_and(|a| !known.peers.contains(&a));
        if known.since_peers == 0 || known.peers.is_empty() || primary_unknown {
            *calls += 1;
            known.peers = ep.peer_addrs(query)?;
        }
        known.since_peers = (known.since_peers + 1) % REFRESH;
        let paths = known
            .peers
            .iter()
            .map(|&addr| {
                if Some(addr) == status.primary.addr {
                    PathSample::Info(status.primary)
                } else {
                    *calls += 1;
                    match ep.path_info(query, addr) {
                        Ok(info) => PathSample::Info(info),
                        Err(error) => PathSample::Unreadable { addr, error },
                    }
                }
            })
            .collect();
        *calls += 1;
        let stats = ep.assoc_stats(query).ok().map(|s| {
            let data_out = s.ordered_chunks_out + s.unordered_chunks_out + s.retransmitted_chunks;
            let waiting = status.pending > 0 || status.unacked > 0;
            if waiting || known.data_out != Some(data_out) {
                *calls += 1;
                known.abandoned = ep.abandoned_messages(query).unwrap_or(known.abandoned);
                known.data_out = Some(data_out);
            }
            AssocStats { abandoned_messages: known.abandoned, ..s }
        });
        Ok(Sample { status, paths, stats, tags: None })
    }

    /// getsockopt calls made so far, every association together.
    pub fn calls(&self) -> u64 {
        self.calls
    }

    /// The association's addresses changed: read them again next time.
    pub fn invalidate(&mut self, assoc: AssocId) {
        if let Some(known) = self.known.get_mut(&assoc) {
            known.peers.clear();
        }
    }

    /// Forgets associations that no longer exist.
    pub fn retain(&mut self, live: &BTreeSet<AssocId>) {
        self.known.retain(|a, _| live.contains(a));
    }
}
