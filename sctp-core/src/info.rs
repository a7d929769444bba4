//! Read-only association state: SCTP_STATUS, SCTP_GET_PEER_ADDR_INFO, SCTP_GET_ASSOC_STATS,
//! decoded with units made right (srtt comes from the kernel in jiffies).

use crate::AssocId;
use crate::addr;
use crate::hz::KernelHz;
use crate::sys::ffi;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

/// `sstat_state` (enum sctp_sstat_state).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AssocState {
    /// SCTP_EMPTY (0): the kernel's state before anything happened; no RFC counterpart.
    Empty,
    /// SCTP_CLOSED (1): no association (RFC 9260 §4 CLOSED).
    Closed,
    /// SCTP_COOKIE_WAIT (2): INIT sent, waiting for INIT ACK.
    CookieWait,
    /// SCTP_COOKIE_ECHOED (3): COOKIE ECHO sent, waiting for COOKIE ACK.
    CookieEchoed,
    /// SCTP_ESTABLISHED (4): the association is up and carries data.
    Established,
    /// SCTP_SHUTDOWN_PENDING (5): the local user asked to shut down; outstanding data is still being sent.
    ShutdownPending,
    /// SCTP_SHUTDOWN_SENT (6): SHUTDOWN sent, waiting for SHUTDOWN ACK.
    ShutdownSent,
    /// SCTP_SHUTDOWN_RECEIVED (7): the peer sent SHUTDOWN; outstanding local data is still being sent.
    ShutdownReceived,
    /// SCTP_SHUTDOWN_ACK_SENT (8): SHUTDOWN ACK sent, waiting for SHUTDOWN COMPLETE.
    ShutdownAckSent,
    /// A value this crate does not know, kept as the kernel gave it.
    Other(i32),
}

impl AssocState {
    /// The state for an `sstat_state` number; unknown numbers become `Other`.
    pub fn from_raw(v: i32) -> Self {
        match v {
            0 => Self::Empty,
            1 => Self::Closed,
            2 => Self::CookieWait,
            3 => Self::CookieEchoed,
            4 => Self::Established,
            5 => Self::ShutdownPending,
            6 => Self::ShutdownSent,
            7 => Self::ShutdownReceived,
            8 => Self::ShutdownAckSent,
            v => Self::Other(v),
        }
    }

    /// The `sstat_state` number of this state (the inverse of `from_raw`).
    pub fn raw(self) -> i32 {
        match self {
            Self::Empty => 0,
            Self::Closed => 1,
            Self::CookieWait => 2,
            Self::CookieEchoed => 3,
            Self::Established => 4,
            Self::ShutdownPending => 5,
            Self::ShutdownSent => 6,
            Self::ShutdownReceived => 7,
            Self::ShutdownAckSent => 8,
            Self::Other(v) => v,
        }
    }
}

/// `spinfo_state` (enum sctp_spinfo_state).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PathState {
    /// SCTP_INACTIVE (0): the path exceeded its retransmission limit and is not used (RFC 9260 §8.2).
    Inactive,
    /// SCTP_PF (1): potentially failed, after more errors than pf_retrans (RFC 7829); avoided for data.
    PotentiallyFailed,
    /// SCTP_ACTIVE (2): the path is reachable and usable.
    Active,
    /// SCTP_UNCONFIRMED (3): the address is not yet confirmed by a heartbeat (RFC 9260 §5.4).
    Unconfirmed,
    /// SCTP_UNKNOWN (0xffff): the kernel has no state for the path.
    Unknown,
    /// A value this crate does not know, kept as the kernel gave it.
    Other(i32),
}

impl PathState {
    /// The state for an `spinfo_state` number; unknown numbers become `Other`.
    pub fn from_raw(v: i32) -> Self {
        match v {
            0 => Self::Inactive,
            1 => Self::PotentiallyFailed,
            2 => Self::Active,
            3 => Self::Unconfirmed,
            0xffff => Self::Unknown,
            v => Self::Other(v),
        }
    }

    /// The name scenarios and the window use.
    pub fn name(self) -> &'static str {
        match self {
            PathState::Active => "active",
            PathState::Inactive => "inactive",
            PathState::PotentiallyFailed => "potentially_failed",
            PathState::Unconfirmed => "unconfirmed",
            PathState::Unknown | PathState::Other(_) => "unknown",
        }
    }

    /// A number for plotting: inactive 0, potentially-failed 1, active 2, unconfirmed 3.
    pub fn level(self) -> f64 {
        match self {
            PathState::Inactive => 0.0,
            PathState::PotentiallyFailed => 1.0,
            PathState::Active => 2.0,
            PathState::Unconfirmed => 3.0,
            PathState::Unknown | PathState::Other(_) => -1.0,
        }
    }

    /// The state a plotted level stands for (`Unknown` for anything else).
    pub fn from_level(level: f64) -> PathState {
        match level as i64 {
            0 => PathState::Inactive,
            1 => PathState::PotentiallyFailed,
            2 => PathState::Active,
            3 => PathState::Unconfirmed,
            _ => PathState::Unknown,
        }
    }
}

/// One path (transport) of an association.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PathInfo {
    /// The peer address of the path (`spinfo_address`); `None` for an unknown address family.
    pub addr: Option<SocketAddr>,
    /// `spinfo_state`.
    pub state: PathState,
    /// Congestion window, bytes.
    pub cwnd: u32,
    /// Smoothed RTT in ms, converted from the kernel's jiffies with the running kernel's HZ.
    pub srtt_ms: f64,
    /// What the kernel reported, in jiffies.
    pub srtt_jiffies: u32,
    /// Retransmission timeout, ms (the kernel converts this one itself).
    pub rto_ms: u32,
    /// Path MTU, bytes (`spinfo_mtu`).
    pub mtu: u32,
}

impl PathInfo {
    pub(crate) fn from_raw(raw: &ffi::sctp_paddrinfo, hz: KernelHz) -> Self {
        let r = raw.0;
        PathInfo {
            addr: addr::from_storage(&{ r.spinfo_address }),
            state: PathState::from_raw(r.spinfo_state),
            cwnd: r.spinfo_cwnd,
            srtt_ms: hz.jiffies_to_ms(r.spinfo_srtt),
            srtt_jiffies: r.spinfo_srtt,
            rto_ms: r.spinfo_rto,
            mtu: r.spinfo_mtu,
        }
    }
}

/// SCTP_STATUS: every field.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Status {
    /// `sstat_assoc_id`.
    pub assoc: AssocId,
    /// `sstat_state`.
    pub state: AssocState,
    /// Peer's advertised receive window, bytes.
    pub rwnd: u32,
    /// DATA chunks sent and not yet acknowledged.
    pub unacked: u16,
    /// TSNs still missing from the peer: the holes between the cumulative ack point and the
    /// highest TSN received (`sstat_penddata`, from Linux's receive TSN map; not data queued
    /// for sending).
    pub pending: u16,
    /// Negotiated number of streams the peer may send on (`sstat_instrms`).
    pub inbound_streams: u16,
    /// Negotiated number of streams this end may send on (`sstat_outstrms`).
    pub outbound_streams: u16,
    /// Largest user data per DATA chunk before the kernel fragments a message, bytes
    /// (`sstat_fragmentation_point`).
    pub fragmentation_point: u32,
    /// The primary path (`sstat_primary`); the kernel reports its SCTP_UNKNOWN state as active.
    pub primary: PathInfo,
}

impl Status {
    pub(crate) fn from_raw(r: &ffi::sctp_status, hz: KernelHz) -> Self {
        Status {
            assoc: AssocId(r.sstat_assoc_id),
            state: AssocState::from_raw(r.sstat_state),
            rwnd: r.sstat_rwnd,
            unacked: r.sstat_unackdata,
            pending: r.sstat_penddata,
            inbound_streams: r.sstat_instrms,
            outbound_streams: r.sstat_outstrms,
            fragmentation_point: r.sstat_fragmentation_point,
            primary: PathInfo::from_raw(&r.sstat_primary, hz),
        }
    }
}

/// SCTP_GET_ASSOC_STATS: counters since the association started (max_rto since last read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AssocStats {
    /// The path whose RTO is `max_rto_ms` (`sas_obs_rto_ipaddr`); meaningless if no RTO update took place.
    pub max_rto_addr: Option<SocketAddr>,
    /// Largest RTO observed since the previous read (`sas_maxrto`). Named ms after the API, but Linux
    /// copies the transport's RTO unconverted, so the value is in jiffies; after a read it restarts at rto_min.
    pub max_rto_ms: u64,
    /// SACK chunks received (`sas_isacks`).
    pub sacks_in: u64,
    /// SACK chunks sent (`sas_osacks`).
    pub sacks_out: u64,
    /// SCTP packets sent (`sas_opackets`).
    pub packets_out: u64,
    /// SCTP packets received (`sas_ipackets`).
    pub packets_in: u64,
    /// Chunks retransmitted (`sas_rtxchunks`).
    pub retransmitted_chunks: u64,
    /// DATA chunks received with a TSN above the next expected one (`sas_outofseqtsns`).
    pub out_of_seq_tsns: u64,
    /// Duplicate DATA chunks received, ordered and unordered (`sas_idupchunks`).
    pub duplicate_chunks_in: u64,
    /// Gap Ack Blocks received in SACKs (`sas_gapcnt`).
    pub gap_acks_in: u64,
    /// Unordered DATA chunks sent (`sas_ouodchunks`).
    pub unordered_chunks_out: u64,
    /// Unordered DATA chunks received (`sas_iuodchunks`).
    pub unordered_chunks_in: u64,
    /// Ordered DATA chunks sent (`sas_oodchunks`).
    pub ordered_chunks_out: u64,
    /// Ordered DATA chunks received (`sas_iodchunks`).
    pub ordered_chunks_in: u64,
    /// Control chunks sent (`sas_octrlchunks`).
    pub control_chunks_out: u64,
    /// Control chunks received (`sas_ictrlchunks`).
    pub control_chunks_in: u64,
    /// PR-SCTP messages abandoned so far, every policy, sent or not (SCTP_PR_ASSOC_STATUS
    /// with SCTP_PR_SCTP_ALL, read beside these counters; 0 where it could not be read).
    #[serde(default)]
    pub abandoned_messages: u64,
}

impl AssocStats {
    pub(crate) fn from_raw(r: &ffi::sctp_assoc_stats) -> Self {
        AssocStats {
            max_rto_addr: addr::from_storage(&r.sas_obs_rto_ipaddr),
            max_rto_ms: r.sas_maxrto,
            sacks_in: r.sas_isacks,
            sacks_out: r.sas_osacks,
            packets_out: r.sas_opackets,
            packets_in: r.sas_ipackets,
            retransmitted_chunks: r.sas_rtxchunks,
            out_of_seq_tsns: r.sas_outofseqtsns,
            duplicate_chunks_in: r.sas_idupchunks,
            gap_acks_in: r.sas_gapcnt,
            unordered_chunks_out: r.sas_ouodchunks,
            unordered_chunks_in: r.sas_iuodchunks,
            ordered_chunks_out: r.sas_oodchunks,
            ordered_chunks_in: r.sas_iodchunks,
            control_chunks_out: r.sas_octrlchunks,
            control_chunks_in: r.sas_ictrlchunks,
            abandoned_messages: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hz::HzSource;
    use crate::sys::{Zeroable, read_struct};

    #[test]
    fn status_decodes_from_c_offsets_and_converts_srtt() {
        // sctp_status: state 4, rwnd 8, unack 12, pend 14, in 16, out 18, frag 20, primary 24
        // primary (packed paddrinfo): address +4, state +132, cwnd +136, srtt +140, rto +144, mtu +148
        let mut b = vec![0u8; 176];
        b[0..4].copy_from_slice(&7i32.to_ne_bytes());
        b[4..8].copy_from_slice(&4i32.to_ne_bytes());
        b[8..12].copy_from_slice(&65536u32.to_ne_bytes());
        b[12..14].copy_from_slice(&3u16.to_ne_bytes());
        b[18..20].copy_from_slice(&5u16.to_ne_bytes());
        let a = addr::to_bytes(&"10.1.1.2:9".parse().unwrap());
        b[28..28 + a.len()].copy_from_slice(&a);
        b[156..160].copy_from_slice(&2i32.to_ne_bytes());
        b[164..168].copy_from_slice(&12u32.to_ne_bytes());
        b[168..172].copy_from_slice(&360u32.to_ne_bytes());
        let raw: ffi::sctp_status = read_struct(&b).unwrap();
        let hz = KernelHz { hz: 100, source: HzSource::Assumed };
        let s = Status::from_raw(&raw, hz);
        assert_eq!(
            (s.assoc, s.state, s.rwnd, s.unacked, s.outbound_streams),
            (AssocId(7), AssocState::Established, 65536, 3, 5)
        );
        assert_eq!(s.primary.addr, Some("10.1.1.2:9".parse().unwrap()));
        assert_eq!(s.primary.state, PathState::Active);
        assert_eq!((s.primary.srtt_jiffies, s.primary.srtt_ms, s.primary.rto_ms), (12, 120.0, 360));
        let s250 = Status::from_raw(&raw, KernelHz { hz: 250, source: HzSource::Assumed });
        assert_eq!(s250.primary.srtt_ms, 48.0);
    }

    #[test]
    fn stats_decode_all_counters() {
        let mut raw = ffi::sctp_assoc_stats::zeroed();
        raw.sas_rtxchunks = 5;
        raw.sas_gapcnt = 2;
        let s = AssocStats::from_raw(&raw);
        assert_eq!((s.retransmitted_chunks, s.gap_acks_in, s.max_rto_addr), (5, 2, None));
    }

    #[test]
    fn unknown_states_are_kept() {
        assert_eq!(AssocState::from_raw(42), AssocState::Other(42));
        for v in 0..=9 {
            assert_eq!(AssocState::from_raw(v).raw(), v, "raw() inverts from_raw for {v}");
        }
        assert_eq!(PathState::from_raw(0xffff), PathState::Unknown);
        assert_eq!(PathState::from_raw(9), PathState::Other(9));
    }
}
