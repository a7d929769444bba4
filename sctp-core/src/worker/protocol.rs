//! What goes into the worker (commands) and what comes out (events). Plain data, serde:
//! the same values drive the window, scenario files and recordings.

use crate::endpoint::{EndpointConfig, Style};
use crate::hz::KernelHz;
use crate::info::{AssocStats, PathInfo, Status};
use crate::message::{RecvInfo, SendInfo};
use crate::notification::{EventKind, Notification};
use crate::options::{InitMsg, OptionName, OptionValue};
use crate::{AssocId, Error, Scope};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

/// An endpoint the worker owns, numbered from 1 in the order they appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EpId(pub u32);

/// What the worker is asked to do, about one syscall each; every command ends in an `Event::Done` that carries
/// its request id. Tagged `command` in scenario files and recordings (gen_sctp's calls, as data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// socket(2), the options in `config`, bind(2) (bindx for several addresses), and every notification but
    /// SENDER_DRY subscribed; replies `Reply::Endpoint` and emits `Event::Opened` and `Event::OptionsApplied`.
    Open {
        /// A name for the log and the endpoint tree (accepted and peeled-off endpoints are named after it).
        label: String,
        /// Family, style, local addresses, port, network namespace and the options set before bind.
        config: EndpointConfig,
    },
    /// close(2): the kernel shuts the endpoint's associations down (or aborts them, with unread data or SO_LINGER 0).
    /// Its unfinished sends and connects fail; emits `Event::Closed`.
    Close {
        /// The endpoint to close.
        ep: EpId,
    },
    /// One-to-many: backlog 0 stops listening. One-to-one: accept queue length; the worker
    /// accepts new associations as they come, each as a new endpoint.
    Listen {
        /// The endpoint to listen on.
        ep: EpId,
        /// The listen(2) backlog.
        backlog: i32,
    },
    /// setsockopt(SCTP_SOCKOPT_BINDX_ADD), sctp_bindx with SCTP_BINDX_ADD_ADDR (RFC 6458 §9.1): add local
    /// addresses; `Event::Opened` then re-announces the endpoint's addresses.
    BindxAdd {
        /// The endpoint to add addresses to.
        ep: EpId,
        /// The local addresses to add.
        addrs: Vec<SocketAddr>,
    },
    /// setsockopt(SCTP_SOCKOPT_BINDX_REM), sctp_bindx with SCTP_BINDX_REM_ADDR (RFC 6458 §9.1): remove local
    /// addresses; `Event::Opened` then re-announces the ones left.
    BindxRemove {
        /// The endpoint to remove addresses from.
        ep: EpId,
        /// The local addresses to remove.
        addrs: Vec<SocketAddr>,
    },
    /// Always non-blocking inside the worker. With `timeout_ms` the command completes when
    /// COMM_UP arrives (or fails when it does not in time, like gen_sctp connect/4);
    /// without, it completes at once with the association id (connect_init).
    Connect {
        /// The endpoint to connect from (one-to-many: a new association; one-to-one: its only one).
        ep: EpId,
        /// The peer's addresses, all of one association: sctp_connectx (SCTP_SOCKOPT_CONNECTX3, or CONNECTX
        /// on kernels without it).
        addrs: Vec<SocketAddr>,
        /// SCTP_INITMSG to set for the endpoint's future associations first (streams asked for, INIT attempts and
        /// timeout).
        init: Option<InitMsg>,
        /// How long to wait for COMM_UP, ms; `None` replies at once (connect_init).
        timeout_ms: Option<u64>,
    },
    /// `count` messages, one every `interval_ms` (0 = as fast as the socket takes them).
    Send {
        /// The endpoint to send on.
        ep: EpId,
        /// sendmsg's SCTP_SNDINFO (association, stream, PPID, flags, context), plus SCTP_PRINFO when a PR-SCTP
        /// lifetime is set.
        info: SendInfo,
        /// The bytes of each message.
        #[serde(with = "crate::b64")]
        payload: Vec<u8>,
        /// How many messages (0 counts as 1); `Reply::Sent` comes after the last one.
        count: u32,
        /// Pause between messages, ms; 0 sends whenever the send buffer has room.
        interval_ms: u32,
    },
    /// Graceful SHUTDOWN of one association (RFC 9260 §9.2): sendmsg with the SCTP_EOF flag on one-to-many,
    /// shutdown(SHUT_WR) on one-to-one.
    Eof {
        /// The endpoint the association belongs to.
        ep: EpId,
        /// The association to shut down (ignored on one-to-one).
        assoc: AssocId,
    },
    /// ABORT one association (RFC 9260 §9.1): sendmsg with the SCTP_ABORT flag on one-to-many; on one-to-one
    /// SO_LINGER 0 and close(2), so the endpoint closes too.
    Abort {
        /// The endpoint the association belongs to.
        ep: EpId,
        /// The association to abort (ignored on one-to-one).
        assoc: AssocId,
        /// Sent to the peer as the User-Initiated Abort cause (RFC 9260 §3.3.10.12); one-to-many only (one-to-one's
        /// close sends none).
        reason: String,
    },
    /// getsockopt(SCTP_SOCKOPT_PEELOFF_FLAGS), sctp_peeloff: move one association to a new one-to-one style
    /// socket, adopted as a new endpoint (`Reply::Endpoint`) and closed when that association ends.
    Peeloff {
        /// The one-to-many endpoint that holds the association.
        ep: EpId,
        /// The association to peel off.
        assoc: AssocId,
    },
    /// A stream reconfiguration request (RFC 6525) to the association's peer (`Reply::Done`
    /// once sent; the outcome is a notification).
    Reconfigure {
        /// The endpoint that holds the association.
        ep: EpId,
        /// The association.
        assoc: AssocId,
        /// What to ask for.
        request: crate::options::Reconfig,
    },
    /// setsockopt of one SCTP option, then getsockopt of what the kernel applied (`Reply::Option`;
    /// write-only options reply `Reply::Done`).
    SetOption {
        /// The endpoint to set it on.
        ep: EpId,
        /// Which associations: future (the endpoint's defaults), current, all, or one; a set for current or all is
        /// read back at future scope (the kernel refuses gets for those).
        scope: Scope,
        /// The option and its new value.
        value: OptionValue,
    },
    /// getsockopt of one SCTP option; replies `Reply::Option` with the value read.
    GetOption {
        /// The endpoint to read it from.
        ep: EpId,
        /// One association, or the endpoint's defaults for future ones.
        scope: Scope,
        /// Which option, with the input fields the get needs (such as the path address of peer address
        /// parameters).
        template: OptionValue,
    },
    /// setsockopt(SCTP_EVENT): switch one notification type on or off (RFC 6458 §6.2.2).
    Subscribe {
        /// The endpoint whose notifications change.
        ep: EpId,
        /// Which associations the change applies to.
        scope: Scope,
        /// The notification type (SCTP_ASSOC_CHANGE, SCTP_PEER_ADDR_CHANGE, …).
        kind: EventKind,
        /// True subscribes, false unsubscribes.
        on: bool,
    },
    /// How often the worker samples its own associations; emits `Event::SampleInterval` and samples at once.
    SetSampleInterval {
        /// The period, ms, within `SAMPLE_INTERVAL_MS`.
        ms: u64,
    },
    /// The most of a core sampling the worker's own associations may use, in percent
    /// (1..=100): past it, the period stretches and `Event::Sampling` says so.
    SetSamplerShare {
        /// Percent of one core (the worker starts at 25).
        percent: u8,
    },
    /// Watch every association in a network namespace (`None`: the worker's own) through
    /// the sctp_diag dump, every `interval_ms`, never spending more than `max_core_share`
    /// of a core on it (the period stretches instead, and the snapshot says so).
    WatchHost {
        /// The named network namespace (`ip netns`) to watch; `None` for the worker's own.
        netns: Option<String>,
        /// The period asked for, ms, within `HOST_INTERVAL_MS`.
        interval_ms: u64,
        /// The most of one core the dumps may take, as a fraction (0.01..=1).
        max_core_share: f64,
    },
    /// Ends what `WatchHost` started: no more `Event::HostSnapshot`s.
    StopWatchingHost,
    /// Capture the SCTP packets of the given network namespaces into a new pcapng file
    /// (`crate::capture`); the worker then emits `Event::Packets` and `Event::CaptureStats`.
    /// Refused while another capture runs.
    StartCapture {
        /// The pcapng file to create (owner-only; a symbolic link there is refused).
        path: std::path::PathBuf,
        /// One capture interface per namespace: a name (`ip netns`), or `None` for the worker's own.
        netns: Vec<Option<String>>,
        /// The file's size cap, bytes (at least `capture::MIN_MAX_BYTES`): past it packets are
        /// counted as `over_cap`, not written.
        max_bytes: u64,
    },
    /// Ends the running capture: the file is flushed and closed, `Event::CaptureStats` says
    /// the last counts with `stopped`.
    StopCapture,
    /// Builds the two-path lab (`crate::lab`) in the worker's kernel, replacing one built
    /// before; `lab:a` and `lab:b` then name its namespaces. Emits `Event::Lab`.
    BuildLab,
    /// Deletes the lab's namespaces (their endpoints lose their interfaces); emits `Event::Lab`.
    RemoveLab,
    /// Changes the lab: netem on a path, or a link down or up; emits `Event::Lab`.
    Lab {
        /// What to change.
        change: crate::lab::LabChange,
    },
}

impl Command {
    /// The option a set/get command is about.
    pub fn option(&self) -> Option<OptionName> {
        match self {
            Command::SetOption { value, .. } => Some(value.option_name()),
            Command::GetOption { template, .. } => Some(template.option_name()),
            _ => None,
        }
    }

    /// The endpoint the command acts on; `None` for `Open` and the worker-wide ones (sampling, host view).
    pub fn endpoint(&self) -> Option<EpId> {
        use Command::*;
        match self {
            Open { .. }
            | SetSampleInterval { .. }
            | SetSamplerShare { .. }
            | WatchHost { .. }
            | StopWatchingHost
            | StartCapture { .. }
            | StopCapture
            | BuildLab
            | RemoveLab
            | Lab { .. } => None,
            Close { ep }
            | Listen { ep, .. }
            | BindxAdd { ep, .. }
            | BindxRemove { ep, .. }
            | Connect { ep, .. }
            | Send { ep, .. }
            | Eof { ep, .. }
            | Abort { ep, .. }
            | Peeloff { ep, .. }
            | Reconfigure { ep, .. }
            | SetOption { ep, .. }
            | GetOption { ep, .. }
            | Subscribe { ep, .. } => Some(*ep),
        }
    }

    /// One line for the event log.
    pub fn describe(&self) -> String {
        use Command::*;
        let addrs = |a: &[SocketAddr]| a.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        match self {
            Open { label, config } => format!(
                "open {label}: {:?} {:?} on [{}] port {}",
                config.family,
                config.style,
                config.addrs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
                config.port
            ),
            Close { ep } => format!("close ep{}", ep.0),
            Listen { ep, backlog } => format!("listen ep{} backlog {backlog}", ep.0),
            BindxAdd { ep, addrs: a } => format!("bindx add ep{} {}", ep.0, addrs(a)),
            BindxRemove { ep, addrs: a } => format!("bindx remove ep{} {}", ep.0, addrs(a)),
            Connect { ep, addrs: a, timeout_ms, .. } => match timeout_ms {
                Some(ms) => format!("connect ep{} to {} (timeout {ms} ms)", ep.0, addrs(a)),
                None => format!("connect_init ep{} to {}", ep.0, addrs(a)),
            },
            Send { ep, info, payload, count, .. } => format!(
                "send ep{} assoc {} stream {} ppid {} {} B{}",
                ep.0,
                info.assoc.0,
                info.stream,
                info.ppid,
                payload.len(),
                if *count > 1 { format!(" ×{count}") } else { String::new() }
            ),
            Eof { ep, assoc } => format!("eof ep{} assoc {}", ep.0, assoc.0),
            Abort { ep, assoc, .. } => format!("abort ep{} assoc {}", ep.0, assoc.0),
            Peeloff { ep, assoc } => format!("peeloff ep{} assoc {}", ep.0, assoc.0),
            Reconfigure { ep, assoc, request } => format!("{} on ep{} assoc {}", request.describe(), ep.0, assoc.0),
            SetOption { ep, scope, value } => format!("set {} on ep{} ({scope})", value.name(), ep.0),
            GetOption { ep, scope, template } => format!("get {} on ep{} ({scope})", template.name(), ep.0),
            Subscribe { ep, kind, on, .. } => {
                format!("{} {} on ep{}", if *on { "subscribe" } else { "unsubscribe" }, kind.name(), ep.0)
            }
            SetSampleInterval { ms } => format!("sample every {ms} ms"),
            SetSamplerShare { percent } => format!("sample within {percent} % of a core"),
            WatchHost { netns, interval_ms, .. } => format!(
                "watch every association in {} every {interval_ms} ms",
                netns.as_deref().map_or("this namespace".to_string(), |n| format!("namespace {n}"))
            ),
            StopWatchingHost => "stop watching the host".to_string(),
            StartCapture { path, netns, max_bytes } => format!(
                "capture packets of {} to {} (at most {} MiB)",
                netns.iter().map(|n| crate::capture::interface_name(n.as_deref())).collect::<Vec<_>>().join(", "),
                path.display(),
                max_bytes >> 20
            ),
            StopCapture => "stop capturing packets".to_string(),
            BuildLab => "build the two-path lab".to_string(),
            RemoveLab => "remove the lab".to_string(),
            Lab { change } => change.describe(),
        }
    }
}

/// A command with the id its result will carry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// Unique per worker, counting from 1; the command's `Event::Done` carries it as `request`.
    pub id: u64,
    /// What to do.
    pub command: Command,
}

/// What a command produced when it succeeded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum Reply {
    /// It worked and there is nothing to return (close, listen, bindx, eof, abort, subscribe, settings).
    Done,
    /// A new endpoint, made by `Open` or `Peeloff`.
    Endpoint {
        /// Its id.
        ep: EpId,
    },
    /// The association a `Connect` set up: with a timeout, once it is up (COMM_UP); without, at once
    /// while the handshake goes on.
    Assoc {
        /// Its id on the connecting endpoint.
        assoc: AssocId,
    },
    /// The option as the kernel holds it: what a get read, or the read-back after a set.
    Option {
        /// The value read.
        value: OptionValue,
    },
    /// A whole `Send` burst went out.
    Sent {
        /// Messages sent: the command's count (at least 1).
        messages: u32,
        /// Bytes the kernel took, all messages together.
        bytes: u64,
    },
}

/// The sampling periods the worker accepts, ms: its own associations, and the host view.
pub const SAMPLE_INTERVAL_MS: std::ops::RangeInclusive<u64> = 10..=60_000;
/// The periods `Command::WatchHost` accepts for the host view, ms.
pub const HOST_INTERVAL_MS: std::ops::RangeInclusive<u64> = 100..=60_000;

/// A period in ms, checked against `range`; the error says what was wrong.
pub fn check_interval(ms: u64, range: std::ops::RangeInclusive<u64>) -> std::result::Result<u64, String> {
    if range.contains(&ms) {
        Ok(ms)
    } else {
        Err(format!("{ms} ms is out of range {}..={} ms", range.start(), range.end()))
    }
}

/// A period typed by a person: a whole number of ms within `range`.
pub fn parse_interval(text: &str, range: std::ops::RangeInclusive<u64>) -> std::result::Result<u64, String> {
    let text = text.trim();
    match text.parse::<u64>() {
        Ok(ms) => check_interval(ms, range),
        Err(_) => Err(format!("interval {text:?} is not a whole number of ms ({}..={})", range.start(), range.end())),
    }
}

/// Events the worker dropped because the UI fell behind (cumulative since it started).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DropCounts {
    /// Received-message events (the messages themselves were read and counted).
    pub data: u64,
    /// `Event::Sample`s (the next sample replaces them).
    pub samples: u64,
    /// `Event::HostSnapshot`s (the next snapshot replaces them).
    pub host_snapshots: u64,
    /// Packet summaries (`Event::Packets` batches; the capture file still has the packets).
    pub packet_batches: u64,
    /// Anything else, only when even the backlog was full.
    pub other: u64,
}

impl DropCounts {
    /// Every dropped event, of all kinds.
    pub fn total(&self) -> u64 {
        self.data + self.samples + self.host_snapshots + self.packet_batches + self.other
    }

    /// Each kind with its count, for the status bar, warnings and diagnostics.
    pub fn describe(&self) -> String {
        format!(
            "{} received-message events, {} samples, {} host snapshots, {} packet-summary batches and {} others",
            self.data, self.samples, self.host_snapshots, self.packet_batches, self.other
        )
    }
}

/// Where samples of the worker's own associations come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum SampleMethod {
    /// The kernel's sock_diag dump (getsockopt only for what it lacks).
    Dump,
    /// getsockopt per association: the dump is not available, and why.
    Getsockopt {
        /// Why the sock_diag dump cannot serve (no socket, or the dump failed).
        why: String,
    },
    /// getsockopt per association because it measured cheaper than the dump on this
    /// kernel (syscalls are cheap here, and the dump re-walks the kernel's table for every
    /// datagram). The dump is measured again now and then.
    GetsockoptCheaper {
        /// What a tick by dump cost when the choice was made, microseconds.
        dump_us: u64,
        /// What a tick by getsockopt cost then, microseconds.
        getsockopt_us: u64,
    },
}

impl std::fmt::Display for SampleMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SampleMethod::Dump => write!(f, "by sock_diag dump"),
            SampleMethod::Getsockopt { why } => write!(f, "by getsockopt: {why}"),
            SampleMethod::GetsockoptCheaper { dump_us, getsockopt_us } => write!(
                f,
                "by getsockopt, cheaper on this kernel (a tick took {:.1} ms against {:.1} ms by dump)",
                *getsockopt_us as f64 / 1000.0,
                *dump_us as f64 / 1000.0
            ),
        }
    }
}

/// One path in a sample: its info, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PathSample {
    /// The path as read: SCTP_GET_PEER_ADDR_INFO, the primary path in SCTP_STATUS, or the sock_diag dump.
    Info(PathInfo),
    /// getsockopt(SCTP_GET_PEER_ADDR_INFO) failed for this path.
    Unreadable {
        /// The path's peer address.
        addr: SocketAddr,
        /// What failed and why.
        error: Error,
    },
}

/// What comes out of the worker: command results, endpoints opening and closing, what it reads from sockets,
/// its samples and warnings. Stamped with the worker's clock in `Stamped`; tagged `event` in recordings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// First event: the kernel's HZ and whether it has SCTP at all.
    Hello {
        /// The kernel's HZ (jiffies per second), used to turn jiffies (srtt) into ms.
        hz: KernelHz,
        /// Whether an SCTP socket can be opened at all, and if not, why.
        kernel_sctp: Result<(), Error>,
        /// The period the worker samples its own associations at, ms.
        sample_interval_ms: u64,
        /// The kernel's release and SCTP sysctls as the worker reads them (absent in
        /// recordings made before they were reported).
        #[serde(default)]
        kernel: Option<crate::kernel_facts::KernelFacts>,
    },
    /// A command finished; `ep` is the endpoint it was about (for Open, see the reply).
    Done {
        /// The `Request::id` of the command.
        request: u64,
        /// The endpoint the command was about (`Command::endpoint`).
        ep: Option<EpId>,
        /// Set for option commands, so their results and errors can be shown by the form.
        option: Option<OptionName>,
        /// The command as `Command::describe` put it, for the log.
        command: String,
        /// The reply, or what failed and why.
        outcome: Result<Reply, Error>,
    },
    /// An endpoint was opened, accepted or peeled off; sent again, with `config: None`, when bindx changes its
    /// addresses.
    Opened {
        /// Its id.
        ep: EpId,
        /// Its name: as given to `Open`, or made from its listener's or parent's label.
        label: String,
        /// One-to-many or one-to-one (accepted and peeled-off endpoints are one-to-one).
        style: Style,
        /// Its bound local addresses (SCTP_GET_LOCAL_ADDRS); empty if they could not be read.
        local_addrs: Vec<SocketAddr>,
        /// What it was opened with; `None` for accepted and peeled-off endpoints and for re-announcements.
        config: Option<EndpointConfig>,
    },
    /// The elementary options as the kernel holds them after open (read back).
    OptionsApplied {
        /// The endpoint read.
        ep: EpId,
        /// Buffer sizes, address reuse, TOS/traffic class, linger… as getsockopt returned them.
        applied: crate::endpoint::AppliedOptions,
    },
    /// An endpoint's socket was closed (`Close`, a one-to-one abort or failed read, or the end of its peeled-off
    /// association); the model marks its associations ended.
    Closed {
        /// The endpoint closed.
        ep: EpId,
    },
    /// An SCTP notification read from an endpoint (MSG_NOTIFICATION, RFC 6458 §6.1).
    Notification {
        /// The endpoint it was read on.
        ep: EpId,
        /// The decoded notification.
        notification: Notification,
    },
    /// A received message: its full length and the first bytes (the log stays bounded).
    Data {
        /// The endpoint it was read on.
        ep: EpId,
        /// The sender's address (recvmsg's msg_name), when the kernel gave one.
        from: Option<SocketAddr>,
        /// SCTP_RCVINFO: association, stream, SSN, PPID, TSN, unordered; `None` when it did not come.
        info: Option<RecvInfo>,
        /// TOS/TTL/traffic class of the packet, when the kernel passes them on.
        #[serde(default, skip_serializing_if = "crate::message::IpRecvInfo::is_empty")]
        ip: crate::message::IpRecvInfo,
        /// The whole message's length, bytes.
        len: usize,
        /// Its first bytes, at most `DATA_HEAD`.
        #[serde(with = "crate::b64")]
        head: Vec<u8>,
        /// `message::payload_digest` of the whole message (0 in recordings made before it).
        #[serde(default)]
        digest: u64,
    },
    /// One sample of an association: SCTP_STATUS, each path and the SCTP_GET_ASSOC_STATS counters, read by
    /// getsockopt or from the sock_diag dump.
    Sample {
        /// The endpoint that owns the association.
        ep: EpId,
        /// The association (on a one-to-one endpoint, the id SCTP_STATUS reports).
        assoc: AssocId,
        /// State, peer rwnd, unacked and pending chunks, stream counts, primary path.
        status: Status,
        /// Every peer address (path) of the association.
        paths: Vec<PathSample>,
        /// The association's counters; `None` when not read this time (the model keeps the last).
        stats: Option<AssocStats>,
        /// Its verification tags, when sampled from the sock_diag dump (getsockopt cannot read them).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tags: Option<crate::capture::Tags>,
    },
    /// An association no longer listed by the kernel.
    AssocGone {
        /// The endpoint that had it.
        ep: EpId,
        /// The association gone.
        assoc: AssocId,
    },
    /// A packet capture began (`Command::StartCapture`).
    CaptureStarted {
        /// The pcapng file.
        path: std::path::PathBuf,
        /// Its interfaces, one per namespace captured, in `PacketMark::iface` order.
        interfaces: Vec<String>,
        /// The Unix time (seconds) of this clock's zero: a packet's pcapng timestamp minus
        /// this is its `t` here (and in the recording).
        unix_at_zero: f64,
        /// The size cap, bytes.
        max_bytes: u64,
    },
    /// The SCTP packets captured since the last such event, summarised (the file has them whole).
    Packets {
        /// One per packet, in the order read.
        marks: Vec<crate::capture::PacketMark>,
    },
    /// The running capture's counters, sent when they change (at most every sample tick),
    /// and once more when it stops.
    CaptureStats {
        /// Packets and bytes written, and every kind of loss counted.
        stats: crate::capture::CaptureStats,
        /// The capture ended (stopped, or failed: then `failure` says why).
        stopped: bool,
        /// Why the capture stopped on its own (a write error).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        failure: Option<String>,
    },
    /// The worker's two-path lab changed: built, changed, or removed (`None`).
    Lab {
        /// What it is doing now.
        lab: Option<crate::lab::LabState>,
    },
    /// Something the user should know that is not a command's answer.
    Warning(super::Warning),
    /// The sampler\'s new period.
    SampleInterval {
        /// The period, ms.
        ms: u64,
    },
    /// How the worker samples its own associations, said when it changes.
    Sampling {
        /// The sock_diag dump, or getsockopt and why not the dump.
        method: SampleMethod,
        /// The period in force: longer than asked when sampling cost more than its share.
        period_ms: u64,
        /// True when `period_ms` is longer than the interval asked for.
        slowed: bool,
        /// The share of a core it may take, percent.
        share_percent: u8,
    },
    /// The UI fell behind and the worker dropped events; the totals so far.
    Dropped {
        /// Totals per kind since the worker started.
        counts: DropCounts,
    },
    /// One look at every association in the watched namespace.
    HostSnapshot {
        /// Every association in the namespace, from one sock_diag dump.
        snapshot: Box<crate::diag::reader::HostSnapshot>,
        /// The period in force: longer than asked when the dump cost more than its share.
        interval_ms: u64,
        /// True when `interval_ms` is longer than the period asked for.
        slowed: bool,
    },
}

/// An event with the worker's clock: seconds since it started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stamped {
    /// Seconds since the worker started (monotonic clock); 0 on its last words after a panic.
    pub t: f64,
    /// What happened.
    #[serde(flatten)]
    pub event: Event,
}

/// Bytes of a received message kept in its event.
pub const DATA_HEAD: usize = 1024;
