//! Options beyond gen_sctp's set: the kernel's modern SCTP — partial reliability (RFC 3758,
//! RFC 7496), stream reconfiguration (RFC 6525), stream schedulers and I-DATA (RFC 8260),
//! SCTP-AUTH (RFC 4895), ASCONF (RFC 5061), ECN, potentially-failed paths (RFC 7829), UDP
//! encapsulation (RFC 6951) and PLPMTUD (RFC 8899) — as the RFC 6458 socket API names them.
//! Units follow the kernel; each record says what 0 means where it is special.

use super::SockOpt;
use crate::addr;
use crate::sys::ffi;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

/// An option whose C value is `struct sctp_assoc_value` holding one number or flag.
macro_rules! assoc_value_option {
    ($(#[$doc:meta])* $ty:ident(bool), $name:literal, $opt:path) => {
        assoc_value_option!(@def $(#[$doc])* $ty(bool), $name, $opt, |v: bool| u32::from(v), |r: u32| r != 0);
    };
    ($(#[$doc:meta])* $ty:ident(u32), $name:literal, $opt:path) => {
        assoc_value_option!(@def $(#[$doc])* $ty(u32), $name, $opt, |v: u32| v, |r: u32| r);
    };
    (@def $(#[$doc:meta])* $ty:ident($inner:ty), $name:literal, $opt:path, $to:expr, $from:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
        pub struct $ty(pub $inner);

        impl SockOpt for $ty {
            const NAME: &'static str = $name;
            const OPTNAME: i32 = $opt;
            type Raw = ffi::sctp_assoc_value;
            fn encode(&self, assoc_id: i32) -> Self::Raw {
                ffi::sctp_assoc_value { assoc_id, assoc_value: ($to)(self.0) }
            }
            fn decode(r: &Self::Raw) -> Self {
                $ty(($from)(r.assoc_value))
            }
        }
    };
}

assoc_value_option!(
    /// SCTP_PR_SUPPORTED (RFC 7496 §4.5): offer partial reliability (the FORWARD-TSN-supported
    /// parameter) in INIT / INIT ACK. Both ends need it for PR policies to drop anything.
    PrSupported(bool), "pr_supported", ffi::SCTP_PR_SUPPORTED
);
assoc_value_option!(
    /// SCTP_RECONFIG_SUPPORTED (RFC 6525 §3.1, §6.3): offer stream reconfiguration (RE-CONFIG chunks).
    ReconfigSupported(bool), "reconfig_supported", ffi::SCTP_RECONFIG_SUPPORTED
);
assoc_value_option!(
    /// SCTP_INTERLEAVING_SUPPORTED (RFC 8260 §4.3.1): offer I-DATA, so a large message no
    /// longer blocks the others while it is sent (user message interleaving).
    InterleavingSupported(bool), "interleaving_supported", ffi::SCTP_INTERLEAVING_SUPPORTED
);
assoc_value_option!(
    /// SCTP_AUTH_SUPPORTED: offer SCTP-AUTH (RFC 4895) in INIT / INIT ACK.
    AuthSupported(bool), "auth_supported", ffi::SCTP_AUTH_SUPPORTED
);
assoc_value_option!(
    /// SCTP_ASCONF_SUPPORTED: offer dynamic address reconfiguration (RFC 5061); the kernel
    /// also needs AUTH for it.
    AsconfSupported(bool), "asconf_supported", ffi::SCTP_ASCONF_SUPPORTED
);
assoc_value_option!(
    /// SCTP_ECN_SUPPORTED: offer explicit congestion notification (ECNE/CWR chunks).
    EcnSupported(bool), "ecn_supported", ffi::SCTP_ECN_SUPPORTED
);
/// SCTP_EXPOSE_POTENTIALLY_FAILED_STATE (RFC 7829 §7.3): whether the potentially-failed
/// path state is reported in SCTP_PEER_ADDR_CHANGE and path info. The kernel keeps three
/// values: unset (0, `Keep` here: net.sctp.pf_expose decides), disabled (1) and enabled (2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ExposePfState(pub super::Toggle);

impl SockOpt for ExposePfState {
    const NAME: &'static str = "expose_pf_state";
    const OPTNAME: i32 = ffi::SCTP_EXPOSE_POTENTIALLY_FAILED_STATE;
    type Raw = ffi::sctp_assoc_value;
    fn encode(&self, assoc_id: i32) -> Self::Raw {
        use super::Toggle;
        let assoc_value = match self.0 {
            Toggle::Keep => 0,
            Toggle::Disable => 1,
            Toggle::Enable => 2,
        };
        ffi::sctp_assoc_value { assoc_id, assoc_value }
    }
    fn decode(r: &Self::Raw) -> Self {
        use super::Toggle;
        ExposePfState(match r.assoc_value {
            1 => Toggle::Disable,
            2 => Toggle::Enable,
            _ => Toggle::Keep,
        })
    }
}
assoc_value_option!(
    /// SCTP_MAX_BURST (RFC 6458 §8.1.24): most packets sent at once in one burst (0 = no limit).
    MaxBurst(u32), "max_burst", ffi::SCTP_MAX_BURST
);
assoc_value_option!(
    /// SCTP_CONTEXT (RFC 6458 §8.1.25): the default context reported with the messages this
    /// association receives (Linux: `default_rcv_context`); a send's own context is set by
    /// default_send_param or per send.
    Context(u32), "context", ffi::SCTP_CONTEXT
);

int_option!(
    /// SCTP_FRAGMENT_INTERLEAVE (RFC 6458 §8.1.20): whether partial deliveries of different
    /// messages may interleave: 0 = none (one message at a time on the socket), 1 = across
    /// associations, 2 = across streams too (needs I-DATA for real interleaving).
    FragmentInterleave(u32), "fragment_interleave", ffi::SCTP_FRAGMENT_INTERLEAVE
);
int_option!(
    /// SCTP_PARTIAL_DELIVERY_POINT (RFC 6458 §8.1.21): bytes of a message received before
    /// the kernel starts handing it up in pieces (0 = the receive buffer decides). (A `u32`
    /// in C; the same four bytes as the `int` here.)
    PartialDeliveryPoint(u32), "partial_delivery_point", ffi::SCTP_PARTIAL_DELIVERY_POINT
);
int_option!(
    /// SCTP_AUTO_ASCONF (RFC 6458 §8.1.23): on a socket bound to every address, add and
    /// remove the host's addresses to its associations by ASCONF as they come and go.
    AutoAsconf(bool), "auto_asconf", ffi::SCTP_AUTO_ASCONF
);

/// A partial-reliability policy (RFC 7496 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PrPolicy {
    /// Fully reliable (SCTP_PR_SCTP_NONE).
    #[default]
    None,
    /// Timed reliability: give up on a message `value` ms after it was sent (SCTP_PR_SCTP_TTL).
    Ttl,
    /// Limited retransmissions: give up after `value` retransmissions (SCTP_PR_SCTP_RTX).
    Rtx,
    /// Priority: when the send buffer is full, drop messages of a lower priority than
    /// `value` (lower number = more important) first (SCTP_PR_SCTP_PRIO).
    Prio,
    /// Every policy together; only in SCTP_PR_ASSOC_STATUS / SCTP_PR_STREAM_STATUS reads.
    All,
}

impl PrPolicy {
    /// The variants a form offers, by their serde names.
    pub const NAMES: [&'static str; 5] = ["None", "Ttl", "Rtx", "Prio", "All"];

    /// The `pr_policy` value the kernel takes.
    pub fn raw(self) -> u16 {
        match self {
            PrPolicy::None => ffi::SCTP_PR_SCTP_NONE,
            PrPolicy::Ttl => ffi::SCTP_PR_SCTP_TTL,
            PrPolicy::Rtx => ffi::SCTP_PR_SCTP_RTX,
            PrPolicy::Prio => ffi::SCTP_PR_SCTP_PRIO,
            PrPolicy::All => ffi::SCTP_PR_SCTP_ALL,
        }
    }

    /// The policy of a kernel `pr_policy` value (unknown bits read as `None`).
    pub fn from_raw(raw: u16) -> PrPolicy {
        match raw {
            ffi::SCTP_PR_SCTP_TTL => PrPolicy::Ttl,
            ffi::SCTP_PR_SCTP_RTX => PrPolicy::Rtx,
            ffi::SCTP_PR_SCTP_PRIO => PrPolicy::Prio,
            ffi::SCTP_PR_SCTP_ALL => PrPolicy::All,
            _ => PrPolicy::None,
        }
    }
}

/// SCTP_DEFAULT_PRINFO (RFC 7496 §4.4): the partial-reliability policy of sends that do
/// not carry their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DefaultPrinfo {
    /// The policy (`pr_policy`); `All` is not a sending policy.
    pub policy: PrPolicy,
    /// Its value (`pr_value`): ms for Ttl, retransmissions for Rtx, priority for Prio.
    pub value: u32,
}

impl SockOpt for DefaultPrinfo {
    const NAME: &'static str = "default_prinfo";
    const OPTNAME: i32 = ffi::SCTP_DEFAULT_PRINFO;
    type Raw = ffi::sctp_default_prinfo;
    fn encode(&self, assoc_id: i32) -> Self::Raw {
        ffi::sctp_default_prinfo { pr_assoc_id: assoc_id, pr_value: self.value, pr_policy: self.policy.raw(), _pad: 0 }
    }
    fn decode(r: &Self::Raw) -> Self {
        DefaultPrinfo { policy: PrPolicy::from_raw(r.pr_policy), value: r.pr_value }
    }
    fn validate(&self) -> Result<(), String> {
        if self.policy == PrPolicy::All {
            return Err("policy All only reads counters (pr_assoc_status); choose None, Ttl, Rtx or Prio".into());
        }
        Ok(())
    }
}

/// SCTP_PR_ASSOC_STATUS (RFC 7496 §4.4): messages the association abandoned under a
/// policy, before and after they were first sent. Read-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PrAssocStatus {
    /// The policy whose counters to read (`sprstat_policy`): Ttl, Rtx, Prio or All.
    pub policy: PrPolicy,
    /// Messages abandoned before their first transmission (`sprstat_abandoned_unsent`).
    pub abandoned_unsent: u64,
    /// Messages abandoned after being sent at least once (`sprstat_abandoned_sent`): a
    /// FORWARD TSN told the peer to skip them.
    pub abandoned_sent: u64,
}

impl SockOpt for PrAssocStatus {
    const NAME: &'static str = "pr_assoc_status";
    const OPTNAME: i32 = ffi::SCTP_PR_ASSOC_STATUS;
    type Raw = ffi::sctp_prstatus;
    fn encode(&self, assoc_id: i32) -> Self::Raw {
        prstatus_request(assoc_id, 0, self.policy)
    }
    fn decode(r: &Self::Raw) -> Self {
        PrAssocStatus {
            policy: PrPolicy::from_raw(r.sprstat_policy),
            abandoned_unsent: r.sprstat_abandoned_unsent,
            abandoned_sent: r.sprstat_abandoned_sent,
        }
    }
    fn validate(&self) -> Result<(), String> {
        Err("pr_assoc_status is read-only: Get it for one association".into())
    }
}

/// The request half of `struct sctp_prstatus`: which association, stream and policy to
/// count (`None` reads every policy: the kernel refuses 0).
fn prstatus_request(assoc_id: i32, sid: u16, policy: PrPolicy) -> ffi::sctp_prstatus {
    let policy = if policy == PrPolicy::None { PrPolicy::All } else { policy };
    ffi::sctp_prstatus {
        sprstat_assoc_id: assoc_id,
        sprstat_sid: sid,
        sprstat_policy: policy.raw(),
        sprstat_abandoned_unsent: 0,
        sprstat_abandoned_sent: 0,
    }
}

/// SCTP_PR_STREAM_STATUS (RFC 7496 §4.4): like `PrAssocStatus`, for one outgoing stream
/// (needs SCTP_STREAM_SCHEDULER's per-stream accounting, Linux 4.18+). Read-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PrStreamStatus {
    /// The outgoing stream (`sprstat_sid`).
    pub stream: u16,
    /// The policy whose counters to read (`sprstat_policy`): Ttl, Rtx, Prio or All.
    pub policy: PrPolicy,
    /// Messages of this stream abandoned before their first transmission.
    pub abandoned_unsent: u64,
    /// Messages of this stream abandoned after being sent at least once.
    pub abandoned_sent: u64,
}

impl SockOpt for PrStreamStatus {
    const NAME: &'static str = "pr_stream_status";
    const OPTNAME: i32 = ffi::SCTP_PR_STREAM_STATUS;
    type Raw = ffi::sctp_prstatus;
    fn encode(&self, assoc_id: i32) -> Self::Raw {
        prstatus_request(assoc_id, self.stream, self.policy)
    }
    fn decode(r: &Self::Raw) -> Self {
        PrStreamStatus {
            stream: r.sprstat_sid,
            policy: PrPolicy::from_raw(r.sprstat_policy),
            abandoned_unsent: r.sprstat_abandoned_unsent,
            abandoned_sent: r.sprstat_abandoned_sent,
        }
    }
    fn validate(&self) -> Result<(), String> {
        Err("pr_stream_status is read-only: Get it for one association and stream".into())
    }
}

/// SCTP_ENABLE_STREAM_RESET (RFC 6525 §6.3.1): which reconfiguration requests the peer may
/// make of this end. Off by default: a peer's stream reset is then refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EnableStreamReset {
    /// SCTP_ENABLE_RESET_STREAM_REQ: stream resets (SSNs back to 0).
    pub reset_streams: bool,
    /// SCTP_ENABLE_RESET_ASSOC_REQ: association resets (TSNs start again).
    pub reset_assoc: bool,
    /// SCTP_ENABLE_CHANGE_ASSOC_REQ: adding streams.
    pub add_streams: bool,
}

impl SockOpt for EnableStreamReset {
    const NAME: &'static str = "enable_stream_reset";
    const OPTNAME: i32 = ffi::SCTP_ENABLE_STREAM_RESET;
    type Raw = ffi::sctp_assoc_value;
    fn encode(&self, assoc_id: i32) -> Self::Raw {
        let flag = |on: bool, bit: u32| if on { bit } else { 0 };
        let assoc_value = flag(self.reset_streams, ffi::SCTP_ENABLE_RESET_STREAM_REQ)
            | flag(self.reset_assoc, ffi::SCTP_ENABLE_RESET_ASSOC_REQ)
            | flag(self.add_streams, ffi::SCTP_ENABLE_CHANGE_ASSOC_REQ);
        ffi::sctp_assoc_value { assoc_id, assoc_value }
    }
    fn decode(r: &Self::Raw) -> Self {
        let v = r.assoc_value;
        EnableStreamReset {
            reset_streams: v & ffi::SCTP_ENABLE_RESET_STREAM_REQ != 0,
            reset_assoc: v & ffi::SCTP_ENABLE_RESET_ASSOC_REQ != 0,
            add_streams: v & ffi::SCTP_ENABLE_CHANGE_ASSOC_REQ != 0,
        }
    }
}

/// A stream scheduler (RFC 8260 §3): which stream's queued message goes out next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Scheduler {
    /// First come, first served (SCTP_SS_FCFS, the default).
    #[default]
    Fcfs,
    /// Strict priority by each stream's value, lower first (SCTP_SS_PRIO).
    Prio,
    /// Round robin over the streams with data (SCTP_SS_RR).
    RoundRobin,
    /// Fair capacity: the stream that sent the fewest bytes goes next (SCTP_SS_FC, Linux 6.2+).
    FairCapacity,
    /// Weighted fair queueing by each stream's value (SCTP_SS_WFQ, Linux 6.2+).
    WeightedFair,
    /// A scheduler number this tool does not know.
    Other(u32),
}

impl Scheduler {
    /// The variants a form offers, by their serde names.
    pub const NAMES: [&'static str; 5] = ["Fcfs", "Prio", "RoundRobin", "FairCapacity", "WeightedFair"];

    fn raw(self) -> u32 {
        match self {
            Scheduler::Fcfs => 0,
            Scheduler::Prio => 1,
            Scheduler::RoundRobin => 2,
            Scheduler::FairCapacity => 3,
            Scheduler::WeightedFair => 4,
            Scheduler::Other(n) => n,
        }
    }

    fn from_raw(raw: u32) -> Scheduler {
        match raw {
            0 => Scheduler::Fcfs,
            1 => Scheduler::Prio,
            2 => Scheduler::RoundRobin,
            3 => Scheduler::FairCapacity,
            4 => Scheduler::WeightedFair,
            n => Scheduler::Other(n),
        }
    }
}

/// SCTP_STREAM_SCHEDULER (RFC 8260 §4.3.2): the association's stream scheduler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StreamScheduler(pub Scheduler);

impl SockOpt for StreamScheduler {
    const NAME: &'static str = "stream_scheduler";
    const OPTNAME: i32 = ffi::SCTP_STREAM_SCHEDULER;
    type Raw = ffi::sctp_assoc_value;
    fn encode(&self, assoc_id: i32) -> Self::Raw {
        ffi::sctp_assoc_value { assoc_id, assoc_value: self.0.raw() }
    }
    fn decode(r: &Self::Raw) -> Self {
        StreamScheduler(Scheduler::from_raw(r.assoc_value))
    }
}

/// SCTP_STREAM_SCHEDULER_VALUE (RFC 8260 §4.3.3): one stream's priority or weight for the
/// association's scheduler. Read with the stream given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamSchedulerValue {
    /// The outgoing stream (`stream_id`).
    pub stream: u16,
    /// Its priority (Prio: lower goes first) or weight (WeightedFair) (`stream_value`).
    pub value: u16,
}

impl SockOpt for StreamSchedulerValue {
    const NAME: &'static str = "stream_scheduler_value";
    const OPTNAME: i32 = ffi::SCTP_STREAM_SCHEDULER_VALUE;
    type Raw = ffi::sctp_stream_value;
    fn encode(&self, assoc_id: i32) -> Self::Raw {
        ffi::sctp_stream_value { assoc_id, stream_id: self.stream, stream_value: self.value }
    }
    fn decode(r: &Self::Raw) -> Self {
        StreamSchedulerValue { stream: r.stream_id, value: r.stream_value }
    }
}

fn storage(addr: &Option<SocketAddr>) -> libc::sockaddr_storage {
    addr.map(|a| addr::to_storage(&a).0).unwrap_or_else(ffi::Zeroable::zeroed)
}

/// SCTP_PEER_ADDR_THLDS_V2 (RFC 7829 §7.2): the potentially-failed thresholds of one path,
/// or (without an address) of every path of the association or endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PeerAddrThresholds {
    /// The peer address (`spt_address`); none: the whole association or endpoint.
    pub addr: Option<SocketAddr>,
    /// Path.Max.Retrans: timeouts before the path is inactive (`spt_pathmaxrxt`).
    pub path_max_rxt: u16,
    /// PotentiallyFailed.Max.Retrans: timeouts before it is potentially failed and
    /// avoided (`spt_pathpfthld`); must not exceed ps_threshold (the kernel's rule) nor,
    /// in this tool, path_max_rxt (a path is suspected before it is given up).
    pub pf_threshold: u16,
    /// Primary-path switchover threshold (`spt_pathcpthld`): timeouts on the primary
    /// before traffic moves permanently; 65535 = never.
    pub ps_threshold: u16,
}

impl SockOpt for PeerAddrThresholds {
    const NAME: &'static str = "peer_addr_thresholds";
    const OPTNAME: i32 = ffi::SCTP_PEER_ADDR_THLDS_V2;
    type Raw = ffi::sctp_paddrthlds_v2;
    fn encode(&self, assoc_id: i32) -> Self::Raw {
        ffi::sctp_paddrthlds_v2 {
            spt_assoc_id: assoc_id,
            _pad0: 0,
            spt_address: storage(&self.addr),
            spt_pathmaxrxt: self.path_max_rxt,
            spt_pathpfthld: self.pf_threshold,
            spt_pathcpthld: self.ps_threshold,
            _pad1: 0,
        }
    }
    fn decode(r: &Self::Raw) -> Self {
        PeerAddrThresholds {
            addr: addr::from_storage(&r.spt_address),
            path_max_rxt: r.spt_pathmaxrxt,
            pf_threshold: r.spt_pathpfthld,
            ps_threshold: r.spt_pathcpthld,
        }
    }
    fn validate(&self) -> Result<(), String> {
        if self.pf_threshold > self.ps_threshold {
            return Err(format!(
                "pf_threshold ({}) must not exceed ps_threshold ({}) (the kernel says EINVAL)",
                self.pf_threshold, self.ps_threshold
            ));
        }
        if self.pf_threshold > self.path_max_rxt {
            return Err(format!(
                "pf_threshold ({}) must not exceed path_max_rxt ({}): a path is potentially failed before it is inactive (RFC 7829 §5)",
                self.pf_threshold, self.path_max_rxt
            ));
        }
        Ok(())
    }
}

/// SCTP_REMOTE_UDP_ENCAPS_PORT (RFC 6951 §6.1): the peer's UDP port for SCTP over UDP,
/// for one path or (without an address) every path; 0 = plain SCTP over IP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RemoteUdpEncapsPort {
    /// The peer address (`sue_address`); none: the whole association or endpoint.
    pub addr: Option<SocketAddr>,
    /// The peer's UDP port (`sue_port`); 0 turns encapsulation off. This end listens on
    /// net.sctp.udp_port.
    pub port: u16,
}

impl SockOpt for RemoteUdpEncapsPort {
    const NAME: &'static str = "remote_udp_encaps_port";
    const OPTNAME: i32 = ffi::SCTP_REMOTE_UDP_ENCAPS_PORT;
    type Raw = ffi::sctp_udpencaps;
    fn encode(&self, assoc_id: i32) -> Self::Raw {
        ffi::sctp_udpencaps {
            sue_assoc_id: assoc_id,
            _pad0: 0,
            sue_address: storage(&self.addr),
            // The kernel keeps the port in network byte order.
            sue_port: self.port.to_be(),
            _pad1: [0; 6],
        }
    }
    fn decode(r: &Self::Raw) -> Self {
        RemoteUdpEncapsPort { addr: addr::from_storage(&r.sue_address), port: u16::from_be(r.sue_port) }
    }
}

/// SCTP_PLPMTUD_PROBE_INTERVAL (RFC 8899): how often a path's MTU is probed, ms; 0 turns
/// PLPMTUD off (the kernel's minimum otherwise is 5000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PlpmtudProbeInterval {
    /// The peer address (`spi_address`); none: the whole association or endpoint.
    pub addr: Option<SocketAddr>,
    /// The interval, ms (`spi_interval`).
    pub interval: u32,
}

impl SockOpt for PlpmtudProbeInterval {
    const NAME: &'static str = "plpmtud_probe_interval";
    const OPTNAME: i32 = ffi::SCTP_PLPMTUD_PROBE_INTERVAL;
    type Raw = ffi::sctp_probeinterval;
    fn encode(&self, assoc_id: i32) -> Self::Raw {
        ffi::sctp_probeinterval {
            spi_assoc_id: assoc_id,
            _pad0: 0,
            spi_address: storage(&self.addr),
            spi_interval: self.interval,
            _pad1: 0,
        }
    }
    fn decode(r: &Self::Raw) -> Self {
        PlpmtudProbeInterval { addr: addr::from_storage(&r.spi_address), interval: r.spi_interval }
    }
    fn validate(&self) -> Result<(), String> {
        if self.interval != 0 && self.interval < 5000 {
            return Err(format!("interval {} ms: 0 (off) or at least 5000 ms (SCTP_PROBE_TIMER_MIN)", self.interval));
        }
        Ok(())
    }
}

/// SCTP_AUTH_CHUNK (RFC 6458 §8.3.2): require the peer to authenticate chunks of this type
/// (RFC 4895); set-only, one type per call, before the association starts. Needs AUTH on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthChunk {
    /// The chunk type number (`sauth_chunk`), e.g. 0 for DATA; INIT, INIT ACK, SHUTDOWN
    /// COMPLETE and AUTH itself can never be authenticated.
    pub chunk: u8,
}

impl SockOpt for AuthChunk {
    const NAME: &'static str = "auth_chunk";
    const OPTNAME: i32 = ffi::SCTP_AUTH_CHUNK;
    type Raw = ffi::sctp_authchunk;
    fn encode(&self, _assoc_id: i32) -> Self::Raw {
        ffi::sctp_authchunk { sauth_chunk: self.chunk }
    }
    fn decode(r: &Self::Raw) -> Self {
        AuthChunk { chunk: r.sauth_chunk }
    }
    fn validate(&self) -> Result<(), String> {
        match self.chunk {
            1 | 2 | 14 | 15 => Err(format!(
                "chunk type {} ({}) cannot be authenticated (RFC 4895 §3.2)",
                self.chunk,
                crate::capture::ChunkKind::from_type(self.chunk).name()
            )),
            _ => Ok(()),
        }
    }
}

/// SCTP_AUTH_KEY (RFC 6458 §8.3.3): add (or replace) a shared key; set-only.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthKey {
    /// The key's number (`sca_keynumber`); key 0 (the empty key) exists from the start.
    pub key_number: u16,
    /// The key's bytes as hex (`sca_key`), at most 64 bytes.
    pub key_hex: String,
}

impl AuthKey {
    fn key(&self) -> Result<Vec<u8>, String> {
        let key = crate::message::parse_hex(&self.key_hex).map_err(|e| format!("key_hex: {e}"))?;
        if key.len() > ffi::AUTH_KEY_MAX {
            return Err(format!("key_hex: {} bytes, at most {}", key.len(), ffi::AUTH_KEY_MAX));
        }
        Ok(key)
    }
}

impl SockOpt for AuthKey {
    const NAME: &'static str = "auth_key";
    const OPTNAME: i32 = ffi::SCTP_AUTH_KEY;
    type Raw = ffi::sctp_authkey;
    fn encode(&self, assoc_id: i32) -> Self::Raw {
        let key = self.key().unwrap_or_default();
        let mut sca_key = [0u8; ffi::AUTH_KEY_MAX];
        sca_key[..key.len()].copy_from_slice(&key);
        ffi::sctp_authkey {
            sca_assoc_id: assoc_id,
            sca_keynumber: self.key_number,
            sca_keylength: key.len() as u16,
            sca_key,
        }
    }
    fn decode(r: &Self::Raw) -> Self {
        // The kernel never returns keys: only the number is meaningful.
        AuthKey { key_number: r.sca_keynumber, key_hex: String::new() }
    }
    fn validate(&self) -> Result<(), String> {
        self.key().map(drop)
    }
}

/// Options naming one AUTH key by number (`struct sctp_authkeyid`).
macro_rules! key_id_option {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $opt:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(default)]
        pub struct $ty {
            /// The key's number (`scact_keynumber`).
            pub key_number: u16,
        }

        impl SockOpt for $ty {
            const NAME: &'static str = $name;
            const OPTNAME: i32 = $opt;
            type Raw = ffi::sctp_authkeyid;
            fn encode(&self, assoc_id: i32) -> Self::Raw {
                ffi::sctp_authkeyid { scact_assoc_id: assoc_id, scact_keynumber: self.key_number, _pad: 0 }
            }
            fn decode(r: &Self::Raw) -> Self {
                $ty { key_number: r.scact_keynumber }
            }
        }
    };
}

key_id_option!(
    /// SCTP_AUTH_ACTIVE_KEY (RFC 6458 §8.3.4): the key outgoing AUTH chunks use.
    AuthActiveKey, "auth_active_key", ffi::SCTP_AUTH_ACTIVE_KEY
);
key_id_option!(
    /// SCTP_AUTH_DEACTIVATE_KEY (RFC 6458 §8.3.4): stop sending with a key (it still checks
    /// incoming chunks until deleted); set-only.
    AuthDeactivateKey, "auth_deactivate_key", ffi::SCTP_AUTH_DEACTIVATE_KEY
);
key_id_option!(
    /// SCTP_AUTH_DELETE_KEY (RFC 6458 §8.3.5): forget a deactivated key; set-only.
    AuthDeleteKey, "auth_delete_key", ffi::SCTP_AUTH_DELETE_KEY
);

/// Chunk-type lists (`struct sctp_authchunks`): which chunks must be authenticated.
macro_rules! auth_chunks_option {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $opt:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(default)]
        pub struct $ty {
            /// The chunk types, by name (`gauth_chunks`).
            pub chunks: String,
        }

        impl SockOpt for $ty {
            const NAME: &'static str = $name;
            const OPTNAME: i32 = $opt;
            type Raw = ffi::sctp_authchunks;
            fn encode(&self, assoc_id: i32) -> Self::Raw {
                ffi::sctp_authchunks { gauth_assoc_id: assoc_id, gauth_number_of_chunks: 0, gauth_chunks: [0; 256] }
            }
            fn decode(r: &Self::Raw) -> Self {
                $ty { chunks: chunk_names(r) }
            }
            fn validate(&self) -> Result<(), String> {
                Err(format!("{} is read-only: Get it for one association", $name))
            }
        }
    };
}

fn chunk_names(r: &ffi::sctp_authchunks) -> String {
    let n = (r.gauth_number_of_chunks as usize).min(r.gauth_chunks.len());
    r.gauth_chunks[..n].iter().map(|t| crate::capture::ChunkKind::from_type(*t).name()).collect::<Vec<_>>().join(", ")
}

auth_chunks_option!(
    /// SCTP_PEER_AUTH_CHUNKS (RFC 6458 §8.2.7): the chunk types the peer requires us to
    /// authenticate; read-only, per association.
    PeerAuthChunks, "peer_auth_chunks", ffi::SCTP_PEER_AUTH_CHUNKS
);
auth_chunks_option!(
    /// SCTP_LOCAL_AUTH_CHUNKS (RFC 6458 §8.2.8): the chunk types this end requires the
    /// peer to authenticate; read-only.
    LocalAuthChunks, "local_auth_chunks", ffi::SCTP_LOCAL_AUTH_CHUNKS
);

/// A stream reconfiguration request (RFC 6525) sent to the peer as a RE-CONFIG chunk. Needs
/// stream reconfiguration on both ends (`ReconfigSupported`, net.sctp.reconf_enable) and the
/// peer's consent (its `EnableStreamReset`); the outcome arrives as a notification
/// (SCTP_STREAM_RESET_EVENT, SCTP_ASSOC_RESET_EVENT, SCTP_STREAM_CHANGE_EVENT).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum Reconfig {
    /// SCTP_RESET_STREAMS (RFC 6525 §6.3.2): restart the streams' sequence numbers at 0.
    ResetStreams {
        /// Ask the peer to reset its outgoing streams (our incoming ones).
        #[serde(default)]
        incoming: bool,
        /// Reset our outgoing streams.
        #[serde(default)]
        outgoing: bool,
        /// The streams; empty: every stream.
        #[serde(default)]
        streams: Vec<u16>,
    },
    /// SCTP_RESET_ASSOC (RFC 6525 §6.3.3): restart the association's TSNs (and every stream).
    ResetAssoc,
    /// SCTP_ADD_STREAMS (RFC 6525 §6.3.4): add inbound and outbound streams.
    AddStreams {
        /// Inbound streams to add (the peer must agree to send on them).
        #[serde(default)]
        inbound: u16,
        /// Outbound streams to add.
        #[serde(default)]
        outbound: u16,
    },
}

impl Reconfig {
    /// The socket option and the bytes setsockopt takes for it, for association `assoc_id`.
    pub(crate) fn encode(&self, assoc_id: i32) -> Result<(i32, Vec<u8>), String> {
        match self {
            Reconfig::ResetStreams { incoming, outgoing, streams } => {
                if !incoming && !outgoing {
                    return Err("say which direction to reset: incoming, outgoing or both".into());
                }
                let count =
                    u16::try_from(streams.len()).map_err(|_| format!("{} streams: at most 65535", streams.len()))?;
                let flags = if *incoming { ffi::SCTP_STREAM_RESET_INCOMING } else { 0 }
                    | if *outgoing { ffi::SCTP_STREAM_RESET_OUTGOING } else { 0 };
                let mut b = assoc_id.to_ne_bytes().to_vec();
                b.extend(flags.to_ne_bytes());
                b.extend(count.to_ne_bytes());
                for s in streams {
                    b.extend(s.to_ne_bytes());
                }
                Ok((ffi::SCTP_RESET_STREAMS, b))
            }
            Reconfig::ResetAssoc => Ok((ffi::SCTP_RESET_ASSOC, assoc_id.to_ne_bytes().to_vec())),
            Reconfig::AddStreams { inbound, outbound } => {
                if *inbound == 0 && *outbound == 0 {
                    return Err("add at least one inbound or outbound stream".into());
                }
                let raw =
                    ffi::sctp_add_streams { sas_assoc_id: assoc_id, sas_instrms: *inbound, sas_outstrms: *outbound };
                Ok((ffi::SCTP_ADD_STREAMS, crate::sys::bytes_of(&raw).to_vec()))
            }
        }
    }

    /// One line for logs and timelines.
    pub fn describe(&self) -> String {
        match self {
            Reconfig::ResetStreams { incoming, outgoing, streams } => format!(
                "reset {} streams {}",
                match (incoming, outgoing) {
                    (true, true) => "incoming and outgoing",
                    (true, false) => "incoming",
                    _ => "outgoing",
                },
                if streams.is_empty() {
                    "(all)".to_string()
                } else {
                    streams.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                }
            ),
            Reconfig::ResetAssoc => "reset the association (TSNs)".to_string(),
            Reconfig::AddStreams { inbound, outbound } => format!("add {inbound} inbound, {outbound} outbound streams"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{decode_bytes, encode_bytes};
    use super::*;

    fn round_trip<O: SockOpt + PartialEq + std::fmt::Debug + Copy>(v: O) {
        let bytes = encode_bytes(&v, 7);
        assert_eq!(decode_bytes::<O>(&bytes), Some(v), "{}", O::NAME);
    }

    #[test]
    fn records_round_trip_through_their_c_structs() {
        round_trip(PrSupported(true));
        round_trip(MaxBurst(4));
        round_trip(Context(99));
        round_trip(FragmentInterleave(2));
        round_trip(PartialDeliveryPoint(4096));
        round_trip(AutoAsconf(true));
        round_trip(DefaultPrinfo { policy: PrPolicy::Rtx, value: 3 });
        round_trip(EnableStreamReset { reset_streams: true, reset_assoc: false, add_streams: true });
        round_trip(StreamScheduler(Scheduler::RoundRobin));
        round_trip(StreamScheduler(Scheduler::Other(9)));
        round_trip(StreamSchedulerValue { stream: 3, value: 7 });
        round_trip(PeerAddrThresholds {
            addr: Some("10.1.1.2:6000".parse().unwrap()),
            path_max_rxt: 5,
            pf_threshold: 2,
            ps_threshold: 65535,
        });
        round_trip(RemoteUdpEncapsPort { addr: None, port: 9899 });
        round_trip(PlpmtudProbeInterval { addr: None, interval: 6000 });
        // The UDP port is in network order where C has it (after the 8-aligned address).
        let b = encode_bytes(&RemoteUdpEncapsPort { addr: None, port: 0x1234 }, 1);
        assert_eq!((b.len(), &b[136..138]), (144, &[0x12, 0x34][..]));
        let b = encode_bytes(&EnableStreamReset { reset_streams: true, reset_assoc: true, add_streams: false }, 1);
        assert_eq!(&b[4..8], &3u32.to_ne_bytes());
    }

    #[test]
    fn reconfiguration_requests_are_laid_out_as_c_has_them() {
        let r = Reconfig::ResetStreams { incoming: false, outgoing: true, streams: vec![1, 3] };
        let (opt, b) = r.encode(5).unwrap();
        assert_eq!(opt, ffi::SCTP_RESET_STREAMS);
        assert_eq!(
            b,
            [
                &5i32.to_ne_bytes()[..],
                &2u16.to_ne_bytes(),
                &2u16.to_ne_bytes(),
                &1u16.to_ne_bytes(),
                &3u16.to_ne_bytes()
            ]
            .concat()
        );
        let (opt, b) = Reconfig::AddStreams { inbound: 1, outbound: 2 }.encode(5).unwrap();
        assert_eq!((opt, b.len()), (ffi::SCTP_ADD_STREAMS, 8));
        assert!(Reconfig::ResetStreams { incoming: false, outgoing: false, streams: vec![] }.encode(1).is_err());
        assert!(Reconfig::AddStreams { inbound: 0, outbound: 0 }.encode(1).is_err());
    }

    #[test]
    fn impossible_values_are_named_before_the_syscall() {
        let t = PeerAddrThresholds { addr: None, path_max_rxt: 2, pf_threshold: 3, ps_threshold: 10 };
        assert!(t.validate().unwrap_err().contains("pf_threshold (3) must not exceed path_max_rxt (2)"));
        let t = PeerAddrThresholds { addr: None, path_max_rxt: 5, pf_threshold: 3, ps_threshold: 2 };
        assert!(t.validate().unwrap_err().contains("pf_threshold (3) must not exceed ps_threshold (2)"));
        assert!(DefaultPrinfo { policy: PrPolicy::All, value: 0 }.validate().is_err());
        assert!(PlpmtudProbeInterval { addr: None, interval: 100 }.validate().unwrap_err().contains("5000"));
        assert!(PrAssocStatus::default().validate().unwrap_err().contains("read-only"));
        assert!(AuthChunk { chunk: 1 }.validate().unwrap_err().contains("INIT"));
        assert!(AuthKey { key_number: 1, key_hex: "zz".into() }.validate().unwrap_err().starts_with("key_hex"));
        assert!(AuthKey { key_number: 1, key_hex: "ab".repeat(65) }.validate().unwrap_err().contains("at most 64"));
        let k = AuthKey { key_number: 3, key_hex: "73 65 63".into() };
        let b = encode_bytes(&k, 9);
        assert_eq!((&b[4..6], &b[6..8], &b[8..11]), (&3u16.to_ne_bytes()[..], &3u16.to_ne_bytes()[..], &b"sec"[..]));
    }
}
