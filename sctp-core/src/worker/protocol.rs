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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    Open {
        label: String,
        config: EndpointConfig,
    },
    Close {
        ep: EpId,
    },
    /// One-to-many: backlog 0 stops listening. One-to-one: accept queue length; the worker
    /// accepts new associations as they come, each as a new endpoint.
    Listen {
        ep: EpId,
        backlog: i32,
    },
    BindxAdd {
        ep: EpId,
        addrs: Vec<SocketAddr>,
    },
    BindxRemove {
        ep: EpId,
        addrs: Vec<SocketAddr>,
    },
    /// Always non-blocking inside the worker. With `timeout_ms` the command completes when
    /// COMM_UP arrives (or fails when it does not in time, like gen_sctp connect/4);
    /// without, it completes at once with the association id (connect_init).
    Connect {
        ep: EpId,
        addrs: Vec<SocketAddr>,
        init: Option<InitMsg>,
        timeout_ms: Option<u64>,
    },
    /// `count` messages, one every `interval_ms` (0 = as fast as the socket takes them).
    Send {
        ep: EpId,
        info: SendInfo,
        payload: Vec<u8>,
        count: u32,
        interval_ms: u32,
    },
    Eof {
        ep: EpId,
        assoc: AssocId,
    },
    Abort {
        ep: EpId,
        assoc: AssocId,
        reason: String,
    },
    Peeloff {
        ep: EpId,
        assoc: AssocId,
    },
    SetOption {
        ep: EpId,
        scope: Scope,
        value: OptionValue,
    },
    GetOption {
        ep: EpId,
        scope: Scope,
        template: OptionValue,
    },
    Subscribe {
        ep: EpId,
        scope: Scope,
        kind: EventKind,
        on: bool,
    },
    SetSampleInterval {
        ms: u64,
    },
    /// The most of a core sampling the worker's own associations may use, in percent
    /// (1..=100): past it, the period stretches and `Event::Sampling` says so.
    SetSamplerShare {
        percent: u8,
    },
    /// Watch every association in a network namespace (`None`: the worker's own) through
    /// the sctp_diag dump, every `interval_ms`, never spending more than `max_core_share`
    /// of a core on it (the period stretches instead, and the snapshot says so).
    WatchHost {
        netns: Option<String>,
        interval_ms: u64,
        max_core_share: f64,
    },
    StopWatchingHost,
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

    pub fn endpoint(&self) -> Option<EpId> {
        use Command::*;
        match self {
            Open { .. } | SetSampleInterval { .. } | SetSamplerShare { .. } | WatchHost { .. } | StopWatchingHost => {
                None
            }
            Close { ep }
            | Listen { ep, .. }
            | BindxAdd { ep, .. }
            | BindxRemove { ep, .. }
            | Connect { ep, .. }
            | Send { ep, .. }
            | Eof { ep, .. }
            | Abort { ep, .. }
            | Peeloff { ep, .. }
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
        }
    }
}

/// A command with the id its result will carry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub id: u64,
    pub command: Command,
}

/// What a command produced when it succeeded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum Reply {
    Done,
    Endpoint { ep: EpId },
    Assoc { assoc: AssocId },
    Option { value: OptionValue },
    Sent { messages: u32, bytes: u64 },
}

/// The sampling periods the worker accepts, ms: its own associations, and the host view.
pub const SAMPLE_INTERVAL_MS: std::ops::RangeInclusive<u64> = 10..=60_000;
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
    pub samples: u64,
    pub host_snapshots: u64,
    /// Anything else, only when even the backlog was full.
    pub other: u64,
}

impl DropCounts {
    pub fn total(&self) -> u64 {
        self.data + self.samples + self.host_snapshots + self.other
    }
}

/// Where samples of the worker's own associations come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum SampleMethod {
    /// The kernel's sock_diag dump (getsockopt only for what it lacks).
    Dump,
    /// getsockopt per association: the dump is not available, and why.
    Getsockopt { why: String },
}

/// One path in a sample: its info, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PathSample {
    Info(PathInfo),
    Unreadable { addr: SocketAddr, error: Error },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// First event: the kernel's HZ and whether it has SCTP at all.
    Hello {
        hz: KernelHz,
        kernel_sctp: Result<(), Error>,
        sample_interval_ms: u64,
        /// The kernel's release and SCTP sysctls as the worker reads them (absent in
        /// recordings made before they were reported).
        #[serde(default)]
        kernel: Option<crate::kernel_facts::KernelFacts>,
    },
    /// A command finished; `ep` is the endpoint it was about (for Open, see the reply).
    Done {
        request: u64,
        ep: Option<EpId>,
        /// Set for option commands, so their results and errors can be shown by the form.
        option: Option<OptionName>,
        command: String,
        outcome: Result<Reply, Error>,
    },
    Opened {
        ep: EpId,
        label: String,
        style: Style,
        local_addrs: Vec<SocketAddr>,
        config: Option<EndpointConfig>,
    },
    /// The elementary options as the kernel holds them after open (read back).
    OptionsApplied {
        ep: EpId,
        applied: crate::endpoint::AppliedOptions,
    },
    Closed {
        ep: EpId,
    },
    Notification {
        ep: EpId,
        notification: Notification,
    },
    /// A received message: its full length and the first bytes (the log stays bounded).
    Data {
        ep: EpId,
        from: Option<SocketAddr>,
        info: Option<RecvInfo>,
        /// TOS/TTL/traffic class of the packet, when the kernel passes them on.
        #[serde(default, skip_serializing_if = "crate::message::IpRecvInfo::is_empty")]
        ip: crate::message::IpRecvInfo,
        len: usize,
        head: Vec<u8>,
        /// `message::payload_digest` of the whole message (0 in recordings made before it).
        #[serde(default)]
        digest: u64,
    },
    Sample {
        ep: EpId,
        assoc: AssocId,
        status: Status,
        paths: Vec<PathSample>,
        stats: Option<AssocStats>,
    },
    /// An association no longer listed by the kernel.
    AssocGone {
        ep: EpId,
        assoc: AssocId,
    },
    /// Something the user should know that is not a command's answer.
    Warning(super::Warning),
    /// The sampler\'s new period.
    SampleInterval {
        ms: u64,
    },
    /// How the worker samples its own associations, said when it changes.
    Sampling {
        method: SampleMethod,
        /// The period in force: longer than asked when sampling cost more than its share.
        period_ms: u64,
        slowed: bool,
        /// The share of a core it may take, percent.
        share_percent: u8,
    },
    /// The UI fell behind and the worker dropped events; the totals so far.
    Dropped {
        counts: DropCounts,
    },
    /// One look at every association in the watched namespace.
    HostSnapshot {
        snapshot: Box<crate::diag::reader::HostSnapshot>,
        /// The period in force: longer than asked when the dump cost more than its share.
        interval_ms: u64,
        slowed: bool,
    },
}

/// An event with the worker's clock: seconds since it started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stamped {
    pub t: f64,
    #[serde(flatten)]
    pub event: Event,
}

/// Bytes of a received message kept in its event.
pub const DATA_HEAD: usize = 1024;
