//! Every SCTP association on the host, whoever owns it: the kernel's `sctp_diag` answer to
//! an `inet_diag` netlink dump (`SOCK_DIAG_BY_FAMILY`, `IPPROTO_SCTP`), decoded here without
//! I/O, joined with `/proc/net/sctp/{assocs,remaddr}` for the paths the dump does not
//! describe (`procfs`), and with `/proc/*/fd` for the owning process (`owners`). `reader`
//! makes the syscalls; `host` keeps history.
//!
//! What the dump carries (net/sctp/diag.c, 6.1): one message per endpoint (no
//! `INET_DIAG_PEERS`; its `idiag_state` is `sk_state`: LISTEN or CLOSE) and one per
//! association (with `INET_DIAG_PEERS`; `idiag_state` is the kernel's internal association
//! state, one less than `sstat_state`), each with `INET_DIAG_LOCALS` and, when asked,
//! `INET_DIAG_INFO` = `struct sctp_info`. A socket with associations is dumped once as an
//! endpoint before its associations, and listening endpoints once more before them: the
//! decoder keeps one entry per socket inode.

pub mod owners;
pub mod procfs;
pub mod reader;

use crate::addr;
use crate::hz::KernelHz;
use crate::info::{AssocState, AssocStats, PathState};
use crate::sys::{self, Zeroable, ffi};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::mem::size_of;
use std::net::SocketAddr;

/// The primary path as the dump describes it (no other path's cwnd or srtt is exported by
/// the kernel outside the owner's getsockopt).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DiagPrimary {
    /// The primary path's peer address (`sctpi_p_address`); `None` if its family is not IPv4/IPv6.
    pub addr: Option<SocketAddr>,
    /// The primary path's state (`sctpi_p_state`; UNKNOWN shown as active, as SCTP_STATUS does).
    pub state: PathState,
    /// Congestion window, bytes.
    pub cwnd: u32,
    /// Smoothed RTT: the kernel copies it raw, in jiffies; ms from the running kernel's HZ.
    pub srtt_jiffies: u32,
    /// Smoothed RTT, ms: `srtt_jiffies` converted with the running kernel's HZ.
    pub srtt_ms: f64,
    /// The kernel converts rto to ms itself.
    pub rto_ms: u32,
    /// Heartbeat interval: copied raw (jiffies) by the kernel; converted here.
    pub hb_interval_ms: f64,
    /// Path.Max.Retrans (`sctpi_p_pathmaxrxt`): timeouts before the path is marked inactive
    /// (RFC 9260 §8.2).
    pub path_max_rxt: u32,
    /// Delayed SACK timeout, ms (converted by the kernel).
    pub sack_delay_ms: u32,
    /// Delayed SACK frequency (`sctpi_p_sackfreq`): packets received before a SACK goes out without delay.
    pub sack_freq: u32,
    /// Slow-start threshold, bytes.
    pub ssthresh: u32,
    /// Congestion-avoidance byte counter, bytes (`sctpi_p_partial_bytes_acked`, RFC 9260 §7.2.2).
    pub partial_bytes_acked: u32,
    /// Bytes sent on this path and not yet acknowledged.
    pub flight_size: u32,
    /// Consecutive retransmission timeouts on this path.
    pub error_count: u16,
}

/// Which optional features the peer announced (`sctpi_peer_capable` bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PeerCapable {
    /// The peer supports Explicit Congestion Notification (RFC 9260 Appendix A).
    pub ecn: bool,
    /// The peer accepts IPv4 addresses (its Supported Address Types, or the default).
    pub ipv4: bool,
    /// The peer accepts IPv6 addresses (its Supported Address Types, or the default).
    pub ipv6: bool,
    /// The peer listed host name addresses in its Supported Address Types.
    pub hostname: bool,
    /// Dynamic address reconfiguration (ASCONF, RFC 5061) is usable with the peer.
    pub asconf: bool,
    /// The peer supports partial reliability (PR-SCTP, RFC 3758).
    pub prsctp: bool,
    /// The peer supports authenticated chunks (SCTP-AUTH, RFC 4895).
    pub auth: bool,
}

impl PeerCapable {
    fn from_bits(b: u8) -> Self {
        PeerCapable {
            ecn: b & 0x40 != 0,
            ipv4: b & 0x20 != 0,
            ipv6: b & 0x10 != 0,
            hostname: b & 0x08 != 0,
            asconf: b & 0x04 != 0,
            prsctp: b & 0x02 != 0,
            auth: b & 0x01 != 0,
        }
    }
}

/// One association of any process, as the dump describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiagAssoc {
    /// Inode of the socket that holds it (one-to-many sockets hold many).
    pub inode: u32,
    /// User id owning the socket (`idiag_uid`).
    pub uid: u32,
    /// Local port (`idiag_sport`).
    pub local_port: u16,
    /// The peer's port (`idiag_dport`).
    pub peer_port: u16,
    /// Local addresses the association uses (`INET_DIAG_LOCALS`).
    pub locals: Vec<SocketAddr>,
    /// The peer's addresses, one per path (`INET_DIAG_PEERS`).
    pub peers: Vec<SocketAddr>,
    /// Association state (`idiag_state` + 1, numbered as SCTP_STATUS `sstat_state`).
    pub state: AssocState,
    /// Our and the peer's verification tags: together they name the association on the wire.
    pub tag: u32,
    /// The peer's verification tag (`sctpi_peer_tag`).
    pub peer_tag: u32,
    /// Receive window we advertise, bytes (`a_rwnd`).
    pub local_rwnd: u32,
    /// The peer's receive window, bytes (what SCTP_STATUS calls `sstat_rwnd`).
    pub peer_rwnd: u32,
    /// DATA chunks sent and not yet acknowledged (`sctpi_unackdata`, SCTP_STATUS `sstat_unackdata`).
    pub unacked: u16,
    /// DATA chunks pending receipt (`sctpi_penddata`, SCTP_STATUS `sstat_penddata`).
    pub pending: u16,
    /// Inbound streams negotiated (`sctpi_instrms`).
    pub inbound_streams: u16,
    /// Outbound streams negotiated (`sctpi_outstrms`).
    pub outbound_streams: u16,
    /// Chunks in the input queue and in the output queue.
    pub in_queue: u32,
    /// Chunks in the output queue (`sctpi_outqueue`).
    pub out_queue: u32,
    /// Consecutive retransmissions counted against the association.
    pub overall_error: u32,
    /// Max.Burst (`sctpi_max_burst`): the most packets sent at once on one trigger.
    pub max_burst: u32,
    /// The fragmentation point, bytes: the kernel fills `sctpi_maxseg` with it (what
    /// SCTP_STATUS calls `sstat_fragmentation_point`) and leaves
    /// `sctpi_fragmentation_point` 0 (measured on 6.1).
    pub maxseg: u32,
    /// Optional features the peer announced (`sctpi_peer_capable`).
    pub peer_capable: PeerCapable,
    /// Bytes received and not yet read by the owner; bytes queued to send.
    pub recv_queue_bytes: u32,
    /// Bytes queued to send (`idiag_wqueue`).
    pub send_queue_bytes: u32,
    /// ms until the primary path's retransmission timer fires, when it runs.
    pub t3_rtx_expires_ms: Option<u32>,
    /// Counters since the association started (`max_rto` is not in the dump).
    pub stats: AssocStats,
    /// The primary path, from `INET_DIAG_INFO`; `None` when the message had no `struct sctp_info`.
    pub primary: Option<DiagPrimary>,
}

impl DiagAssoc {
    /// A name for the association that stays the same for its whole life.
    pub fn key(&self) -> AssocKey {
        AssocKey { inode: self.inode, tag: self.tag, peer_tag: self.peer_tag }
    }
}

/// Socket inode + both verification tags: unique per association on a host, and new when
/// an association restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AssocKey {
    /// Inode of the socket that holds the association.
    pub inode: u32,
    /// Our verification tag (`sctpi_tag`).
    pub tag: u32,
    /// The peer's verification tag (`sctpi_peer_tag`).
    pub peer_tag: u32,
}

impl AssocKey {
    /// The two verification tags.
    pub fn tags(&self) -> crate::capture::Tags {
        crate::capture::Tags { tag: self.tag, peer_tag: self.peer_tag }
    }
}

/// A socket as an endpoint: bound, maybe listening, with or without associations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagEndpoint {
    /// Socket inode (`idiag_inode`): the key that joins it with associations and owners.
    pub inode: u32,
    /// User id owning the socket (`idiag_uid`).
    pub uid: u32,
    /// Bound local port (`idiag_sport`).
    pub port: u16,
    /// Bound local addresses (`INET_DIAG_LOCALS`).
    pub locals: Vec<SocketAddr>,
    /// Whether it listens (`idiag_state` is LISTEN).
    pub listening: bool,
    /// `sctpi_s_type`: 0 one-to-many, 1 one-to-many peeled-off/high-bandwidth, 2 one-to-one.
    pub socket_type: Option<u32>,
}

/// One complete dump.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Dump {
    /// Every socket, one entry per inode (ordered by inode).
    pub endpoints: Vec<DiagEndpoint>,
    /// Every association, in dump order, at most `MAX_ASSOCS`.
    pub assocs: Vec<DiagAssoc>,
    /// The kernel said the tables changed while it dumped (NLM_F_DUMP_INTR): an entry may
    /// be missing or twice; the next dump is whole again.
    pub interrupted: bool,
    /// Messages that could not be decoded (too short, unknown layout), counted, not fatal.
    pub malformed: u32,
    /// Associations past `MAX_ASSOCS`, counted and not kept.
    pub dropped: u32,
    /// Entries for an association already in this dump, counted and not kept: the kernel
    /// resumes a dump by position between datagrams, so associations opening or closing
    /// meanwhile can make it return one twice (seen under load on the QEMU kernel).
    #[serde(default)]
    pub repeated: u32,
}

/// The most associations one dump keeps (memory stays bounded on a hostile or huge host).
pub const MAX_ASSOCS: usize = 200_000;

/// Why a dump failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DumpError {
    /// NLMSG_ERROR from the kernel, errno positive (ENOENT: no sctp_diag module).
    Kernel(i32),
    /// A reply to some other request (sequence number mismatch) — skipped, not fatal.
    Malformed(String),
}

/// The request `ss --sctp` sends too: every state, with `struct sctp_info`.
pub fn dump_request(seq: u32, family: u8) -> Vec<u8> {
    let req = ffi::inet_diag_req_v2 {
        sdiag_family: family,
        sdiag_protocol: ffi::IPPROTO_SCTP as u8,
        idiag_ext: 1 << (ffi::INET_DIAG_INFO - 1),
        pad: 0,
        idiag_states: u32::MAX,
        id: ffi::inet_diag_sockid::default(),
    };
    let len = size_of::<ffi::nlmsghdr>() + size_of::<ffi::inet_diag_req_v2>();
    let hdr = ffi::nlmsghdr {
        nlmsg_len: len as u32,
        nlmsg_type: ffi::SOCK_DIAG_BY_FAMILY,
        nlmsg_flags: ffi::NLM_F_REQUEST | ffi::NLM_F_DUMP,
        nlmsg_seq: seq,
        nlmsg_pid: 0,
    };
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(sys::bytes_of(&hdr));
    out.extend_from_slice(sys::bytes_of(&req));
    out
}

fn align(n: usize) -> usize {
    (n + ffi::NLMSG_ALIGNTO - 1) & !(ffi::NLMSG_ALIGNTO - 1)
}

/// Collects a dump from the datagrams the kernel sends back. Pure: feed it bytes.
#[derive(Debug)]
pub struct DumpDecoder {
    seq: u32,
    hz: KernelHz,
    endpoints: BTreeMap<u32, DiagEndpoint>,
    dump: Dump,
    seen: std::collections::HashSet<AssocKey>,
    done: bool,
}

impl DumpDecoder {
    /// A decoder for the replies to request `seq`; `hz` converts the dump's jiffies to ms.
    pub fn new(seq: u32, hz: KernelHz) -> Self {
        DumpDecoder {
            seq,
            hz,
            endpoints: BTreeMap::new(),
            dump: Dump::default(),
            seen: std::collections::HashSet::new(),
            done: false,
        }
    }

    /// One datagram (it may hold many messages). Returns `Ok(true)` once NLMSG_DONE ended
    /// the reply to the current request; the next datagram starts the next request's reply
    /// (the dump asks once per address family).
    pub fn feed(&mut self, data: &[u8]) -> Result<bool, DumpError> {
        self.done = false;
        for item in NlMessages(data) {
            let (hdr, body) = item.inspect_err(|_| self.dump.malformed += 1)?;
            if hdr.nlmsg_seq != self.seq {
                // Left over from an earlier, abandoned dump on the same socket.
                continue;
            }
            if hdr.nlmsg_flags & ffi::NLM_F_DUMP_INTR != 0 {
                self.dump.interrupted = true;
            }
            match hdr.nlmsg_type {
                ffi::NLMSG_DONE => {
                    self.done = true;
                    break;
                }
                ffi::NLMSG_ERROR => kernel_error(body)?,
                ffi::SOCK_DIAG_BY_FAMILY => self.message(body),
                _ => {}
            }
        }
        Ok(self.done)
    }

    fn message(&mut self, body: &[u8]) {
        let msg_len = size_of::<ffi::inet_diag_msg>();
        let Some(msg) = sys::read_struct::<ffi::inet_diag_msg>(body).filter(|_| body.len() >= msg_len) else {
            self.dump.malformed += 1;
            return;
        };
        let mut info = None;
        let mut locals = Vec::new();
        let mut peers = None;
        let mut attrs = &body[align(msg_len).min(body.len())..];
        let attr_hdr = size_of::<ffi::nlattr>();
        while attrs.len() >= attr_hdr {
            let Some(a) = sys::read_struct::<ffi::nlattr>(attrs) else { break };
            let len = a.nla_len as usize;
            if len < attr_hdr || len > attrs.len() {
                self.dump.malformed += 1;
                break;
            }
            let payload = &attrs[attr_hdr..len];
            match a.nla_type & 0x3fff {
                ffi::INET_DIAG_INFO if payload.len() >= size_of::<ffi::sctp_info>() => {
                    info = sys::read_struct::<ffi::sctp_info>(payload)
                }
                ffi::INET_DIAG_LOCALS => locals = addr_list(payload),
                ffi::INET_DIAG_PEERS => peers = Some(addr_list(payload)),
                _ => {}
            }
            attrs = &attrs[align(len).min(attrs.len())..];
        }
        let id = msg.id;
        let local_port = u16::from_be(id.idiag_sport);
        match peers {
            None => {
                let ep = DiagEndpoint {
                    inode: msg.idiag_inode,
                    uid: msg.idiag_uid,
                    port: local_port,
                    locals,
                    listening: msg.idiag_state == ffi::TCP_LISTEN,
                    socket_type: info.map(|i| i.sctpi_s_type),
                };
                self.endpoints.insert(ep.inode, ep);
            }
            Some(_) if self.dump.assocs.len() >= MAX_ASSOCS => self.dump.dropped += 1,
            Some(peers) => {
                // Without INET_DIAG_INFO (never seen: the request asks for it) the numbers
                // read 0 and there is no primary path.
                let i = info.unwrap_or_else(ffi::sctp_info::zeroed);
                let assoc = DiagAssoc {
                    inode: msg.idiag_inode,
                    uid: msg.idiag_uid,
                    local_port,
                    peer_port: u16::from_be(id.idiag_dport),
                    locals,
                    peers,
                    state: AssocState::from_raw(i32::from(msg.idiag_state) + 1),
                    tag: i.sctpi_tag,
                    peer_tag: i.sctpi_peer_tag,
                    local_rwnd: i.sctpi_rwnd,
                    peer_rwnd: i.sctpi_peer_rwnd,
                    unacked: i.sctpi_unackdata,
                    pending: i.sctpi_penddata,
                    inbound_streams: i.sctpi_instrms,
                    outbound_streams: i.sctpi_outstrms,
                    in_queue: i.sctpi_inqueue,
                    out_queue: i.sctpi_outqueue,
                    overall_error: i.sctpi_overall_error,
                    max_burst: i.sctpi_max_burst,
                    maxseg: i.sctpi_maxseg,
                    peer_capable: PeerCapable::from_bits(i.sctpi_peer_capable),
                    recv_queue_bytes: msg.idiag_rqueue,
                    send_queue_bytes: msg.idiag_wqueue,
                    t3_rtx_expires_ms: (msg.idiag_timer != 0).then_some(msg.idiag_expires),
                    stats: stats(&i),
                    primary: info.map(|i| primary(&i, self.hz)),
                };
                if self.seen.insert(assoc.key()) {
                    self.dump.assocs.push(assoc);
                } else {
                    self.dump.repeated += 1;
                }
            }
        }
    }

    /// The dump so far (whole once `feed` returned `Ok(true)`).
    pub fn finish(mut self) -> Dump {
        self.dump.endpoints = std::mem::take(&mut self.endpoints).into_values().collect();
        self.dump
    }
}

/// `INET_DIAG_LOCALS` / `INET_DIAG_PEERS`: `sockaddr_storage` slots, one per address.
fn addr_list(payload: &[u8]) -> Vec<SocketAddr> {
    payload
        .chunks_exact(size_of::<libc::sockaddr_storage>())
        .filter_map(|slot| addr::from_bytes(slot).map(|(a, _)| a))
        .collect()
}

fn stats(i: &ffi::sctp_info) -> AssocStats {
    // The dump does not carry PR-SCTP's counters (the owner's sampler reads them).
    AssocStats {
        abandoned_messages: 0,
        max_rto_addr: None,
        max_rto_ms: 0,
        sacks_in: i.sctpi_isacks,
        sacks_out: i.sctpi_osacks,
        packets_out: i.sctpi_opackets,
        packets_in: i.sctpi_ipackets,
        retransmitted_chunks: i.sctpi_rtxchunks,
        out_of_seq_tsns: i.sctpi_outofseqtsns,
        duplicate_chunks_in: i.sctpi_idupchunks,
        gap_acks_in: i.sctpi_gapcnt,
        unordered_chunks_out: i.sctpi_ouodchunks,
        unordered_chunks_in: i.sctpi_iuodchunks,
        ordered_chunks_out: i.sctpi_oodchunks,
        ordered_chunks_in: i.sctpi_iodchunks,
        control_chunks_out: i.sctpi_octrlchunks,
        control_chunks_in: i.sctpi_ictrlchunks,
    }
}

fn primary(i: &ffi::sctp_info, hz: KernelHz) -> DiagPrimary {
    DiagPrimary {
        addr: addr::from_storage(&{ i.sctpi_p_address }),
        // The dump copies the transport state as is; SCTP_STATUS reports UNKNOWN as ACTIVE.
        state: match PathState::from_raw(i.sctpi_p_state) {
            PathState::Unknown => PathState::Active,
            s => s,
        },
        cwnd: i.sctpi_p_cwnd,
        srtt_jiffies: i.sctpi_p_srtt,
        srtt_ms: hz.jiffies_to_ms(i.sctpi_p_srtt),
        rto_ms: i.sctpi_p_rto,
        hb_interval_ms: hz.jiffies_to_ms(i.sctpi_p_hbinterval),
        path_max_rxt: i.sctpi_p_pathmaxrxt,
        sack_delay_ms: i.sctpi_p_sackdelay,
        sack_freq: i.sctpi_p_sackfreq,
        ssthresh: i.sctpi_p_ssthresh,
        partial_bytes_acked: i.sctpi_p_partial_bytes_acked,
        flight_size: i.sctpi_p_flight_size,
        error_count: i.sctpi_p_error,
    }
}

/// Whether a datagram ends the reply to `seq` (NLMSG_DONE), without decoding its messages;
/// an NLMSG_ERROR is the kernel's errno.
pub fn reply_ends(data: &[u8], seq: u32) -> Result<bool, DumpError> {
    for item in NlMessages(data) {
        let (hdr, body) = item?;
        match hdr.nlmsg_type {
            _ if hdr.nlmsg_seq != seq => {}
            ffi::NLMSG_DONE => return Ok(true),
            ffi::NLMSG_ERROR => kernel_error(body)?,
            _ => {}
        }
    }
    Ok(false)
}

/// The netlink messages of one datagram: each header with its body. A length that does
/// not fit the datagram ends the walk with an error.
struct NlMessages<'a>(&'a [u8]);

impl<'a> Iterator for NlMessages<'a> {
    type Item = Result<(ffi::nlmsghdr, &'a [u8]), DumpError>;

    fn next(&mut self) -> Option<Self::Item> {
        let data = self.0;
        let hdr_len = size_of::<ffi::nlmsghdr>();
        if data.len() < hdr_len {
            return None;
        }
        let hdr = sys::read_struct::<ffi::nlmsghdr>(data)?;
        let len = hdr.nlmsg_len as usize;
        if len < hdr_len || len > data.len() {
            self.0 = &[];
            return Some(Err(DumpError::Malformed(format!(
                "netlink message of {len} bytes in a datagram of {}",
                data.len()
            ))));
        }
        self.0 = &data[align(len).min(data.len())..];
        Some(Ok((hdr, &data[hdr_len..len])))
    }
}

/// An NLMSG_ERROR body: 0 is an acknowledgement, anything else the kernel's (negated) errno.
fn kernel_error(body: &[u8]) -> Result<(), DumpError> {
    match sys::read_struct::<ffi::nlmsgerr>(body).map_or(0, |e| e.error) {
        0 => Ok(()),
        // saturating: i32::MIN from a hostile or corrupt reply must not overflow.
        err => Err(DumpError::Kernel(err.saturating_neg())),
    }
}

/// Decodes a whole reply (all datagrams back to back, as a capture stores them).
pub fn decode_all(seq: u32, hz: KernelHz, datagrams: &[&[u8]]) -> Result<Dump, DumpError> {
    let mut d = DumpDecoder::new(seq, hz);
    for dg in datagrams {
        d.feed(dg)?;
    }
    Ok(d.finish())
}

#[cfg(test)]
mod tests;
