//! One sample of an association with as few syscalls as the kernel allows: SCTP_STATUS
//! (which already carries the primary path's info), SCTP_GET_PEER_ADDR_INFO for each other
//! path, SCTP_GET_ASSOC_STATS. The peer address list is cached and read again only when a
//! PEER_ADDR_CHANGE adds or removes an address, or every `REFRESH` samples.

use super::PathSample;
use crate::AssocId;
use crate::endpoint::Endpoint;
use crate::error::Result;
use crate::info::{AssocStats, Status};
use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;

/// Samples between unconditional re-reads of a peer address list.
const REFRESH: u32 = 50;

/// Samples one endpoint's associations by getsockopt, caching each association's peer address list
/// (SCTP_GET_PEER_ADDRS).
#[derive(Default)]
pub struct Sampler {
    peers: HashMap<AssocId, (Vec<SocketAddr>, u32)>,
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
        let status = ep.status(query)?;
        let entry = self.peers.entry(key).or_insert_with(|| (Vec::new(), 0));
        if entry.1 == 0 || entry.0.is_empty() {
            entry.0 = ep.peer_addrs(query)?;
        }
        entry.1 = (entry.1 + 1) % REFRESH;
        let paths = entry
            .0
            .iter()
            .map(|&addr| {
                if Some(addr) == status.primary.addr {
                    PathSample::Info(status.primary)
                } else {
                    match ep.path_info(query, addr) {
                        Ok(info) => PathSample::Info(info),
                        Err(error) => PathSample::Unreadable { addr, error },
                    }
                }
            })
            .collect();
        let stats = ep
            .assoc_stats(query)
            .ok()
            .map(|s| AssocStats { abandoned_messages: ep.abandoned_messages(query).unwrap_or_default(), ..s });
        Ok(Sample { status, paths, stats, tags: None })
    }

    /// The association's addresses changed: read them again next time.
    pub fn invalidate(&mut self, assoc: AssocId) {
        self.peers.remove(&assoc);
    }

    /// Forgets associations that no longer exist.
    pub fn retain(&mut self, live: &BTreeSet<AssocId>) {
        self.peers.retain(|a, _| live.contains(a));
    }
}
