//! The scenario file format (TOML): a name, an optional lab, and steps — the things the
//! window can do, plus expectations. See `assets/scenarios/README.md` for the reference.

use crate::endpoint::{Family, SocketOptions, Style};
use crate::model::{AssocMetric, PathMetric};
use crate::notification::EventKind;
use crate::options::{OptionName, OptionValue};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};

/// A parsed scenario file: its top-level keys and its `[[step]]` tables, checked when loaded (names,
/// metrics, endpoints opened before use).
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// `name`: shown in timelines (required).
    pub name: String,
    /// `description`: shown under the name (default empty).
    pub description: String,
    /// Build the two-path lab (two namespaces, two veth pairs) before the first step.
    pub lab: bool,
    /// Default time limit of expectations and waiting connects, ms.
    pub within_ms: u64,
    /// The `[[step]]` tables, in file order.
    pub steps: Vec<Step>,
}

/// The file's top level; steps are decoded one by one so an error can name its step.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    lab: bool,
    #[serde(default = "default_within")]
    within_ms: u64,
    /// Each step with where it is in the text (the parser's span, not a text search).
    #[serde(rename = "step", default)]
    steps: Vec<toml::Spanned<toml::Table>>,
}

fn default_within() -> u64 {
    5000
}

fn default_backlog() -> i32 {
    16
}

fn default_count() -> u32 {
    1
}

fn yes() -> bool {
    true
}

/// Where an option applies: the endpoint's future/current/all associations, or a named one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeName {
    /// `future`: associations set up from now on (SCTP_FUTURE_ASSOC, the endpoint's defaults).
    #[default]
    Future,
    /// `current`: every association that exists now (SCTP_CURRENT_ASSOC).
    Current,
    /// `all`: both existing and future associations (SCTP_ALL_ASSOC).
    All,
}

/// One `[[step]]` of a scenario file, chosen by its `do = "<verb>"` key; the other keys are its fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// `do = "open"`: creates an SCTP socket, applies `options` and binds it (in `netns` when given).
    Open {
        /// Name this endpoint gets; later steps refer to it by it, so it must be unique.
        endpoint: String,
        /// `Ipv4` (default) or `Ipv6`: the socket's address family.
        #[serde(default)]
        family: Family,
        /// `OneToMany` (default; RFC 6458 §3, SOCK_SEQPACKET) or `OneToOne` (RFC 6458 §4, SOCK_STREAM).
        #[serde(default)]
        style: Style,
        /// Local IP addresses to bind; several make the endpoint multi-homed (bindx); empty (default): the
        /// wildcard address.
        #[serde(default)]
        addrs: Vec<IpAddr>,
        /// Local port to bind; 0 (default) lets the kernel pick one.
        #[serde(default)]
        port: u16,
        /// A namespace name, or "lab:a" / "lab:b" for the lab's two sides.
        netns: Option<String>,
        /// Socket options applied before the bind, e.g. `options = { sndbuf = 65536, reuseaddr = true }`.
        #[serde(default)]
        options: SocketOptions,
    },
    /// `do = "listen"`: lets the endpoint accept associations (listen(2)).
    Listen {
        /// Name of the endpoint (opened by an earlier step) that listens.
        endpoint: String,
        /// listen(2) backlog (default 16); 0 stops a one-to-many endpoint listening.
        #[serde(default = "default_backlog")]
        backlog: i32,
    },
    /// `do = "bindx"`: adds or removes local addresses of a bound endpoint (sctp_bindx, RFC 6458 §9.1);
    /// give either `add` or `remove`, not both.
    Bindx {
        /// Name of the endpoint (opened by an earlier step) that changes its addresses.
        endpoint: String,
        /// Local addresses (IP:PORT) to add.
        #[serde(default)]
        add: Vec<SocketAddr>,
        /// Local addresses (IP:PORT) to remove.
        #[serde(default)]
        remove: Vec<SocketAddr>,
    },
    /// `do = "connect"`: sets up an association with one peer (sctp_connectx, RFC 6458 §9.9); passes on
    /// COMM_UP (or at once with `wait = false`).
    Connect {
        /// Name of the endpoint (opened by an earlier step) that connects.
        endpoint: String,
        /// The peer's addresses (IP:PORT), one or more of the same peer.
        to: Vec<SocketAddr>,
        /// Name for the association, for later steps.
        #[serde(rename = "as")]
        name: Option<String>,
        /// Outbound streams to ask for (SCTP_INITMSG `sinit_num_ostreams`, set on the endpoint before
        /// connecting); omitted or 0: unchanged.
        ostreams: Option<u16>,
        /// Most inbound streams to accept (SCTP_INITMSG `sinit_max_instreams`, set on the endpoint before
        /// connecting); omitted or 0: unchanged.
        instreams: Option<u16>,
        /// Wait for COMM_UP (connect) or not (connect_init).
        #[serde(default = "yes")]
        wait: bool,
        /// The connect should fail; the error must contain this text.
        expect_error: Option<String>,
    },
    /// `do = "set_option"`: sets one socket option; the kernel's read-back is shown and, with `expect`, checked.
    SetOption {
        /// Name of the endpoint (opened by an earlier step) that the option is set on.
        endpoint: String,
        /// Name of the association the option applies to; omitted: `scope` decides.
        assoc: Option<String>,
        /// Which associations, when no `assoc` is named: `future` (default), `current` or `all`.
        #[serde(default)]
        scope: ScopeName,
        /// `option` (its gen_sctp name, e.g. `"rtoinfo"`) and `value` (its fields, e.g. `{ max = 2000 }`);
        /// fields left out are 0, which leaves them as they are.
        #[serde(flatten)]
        value: OptionValue,
        /// Fields the kernel's read-back must have (a subset); default: what was set.
        expect: Option<toml::Table>,
        /// The call should fail, with an error whose text contains this; the step then passes.
        expect_error: Option<String>,
    },
    /// `do = "get_option"`: reads one socket option and optionally checks its fields.
    GetOption {
        /// Name of the endpoint (opened by an earlier step) that the option is read from.
        endpoint: String,
        /// Name of the association to read it for; omitted: `scope` decides.
        assoc: Option<String>,
        /// Which associations, when no `assoc` is named: `future` (default), `current` or `all`.
        #[serde(default)]
        scope: ScopeName,
        /// The option, by its gen_sctp name (`option = "rtoinfo"`).
        option: OptionName,
        /// For per-path options, the request's fields (`value = { address = "…" }`).
        value: Option<toml::Table>,
        /// Fields the value read must have (a subset), e.g. `{ max = 2000 }`; omitted: nothing is checked.
        expect: Option<toml::Table>,
    },
    /// `do = "send"`: sends one message, or `count` of them `interval_ms` apart (sendmsg with SCTP_SNDINFO,
    /// RFC 6458 §5.3.4).
    Send {
        /// Name of the endpoint (opened by an earlier step) that sends.
        endpoint: String,
        /// Name of the association to send on; omitted: the endpoint's newest live one, or none (then `to`
        /// sets one up implicitly).
        assoc: Option<String>,
        /// Stream identifier (default 0); must be below the association's number of outbound streams.
        #[serde(default)]
        stream: u16,
        /// Payload protocol identifier (default 0), carried to the peer unchanged (e.g. 46 for Diameter).
        #[serde(default)]
        ppid: u32,
        /// Any of: unordered, addr_over, eof, abort, sack_immediately, sendall.
        #[serde(default)]
        flags: Vec<String>,
        /// Opaque value (`snd_context`) that comes back in a SEND_FAILED notification for this message.
        #[serde(default)]
        context: u32,
        /// Partial reliability: give up on the message after this many ms (SCTP_PRINFO, TTL policy); 0
        /// (default): fully reliable.
        #[serde(default)]
        ttl_ms: u32,
        /// Another partial-reliability policy: "Rtx" (give up after `pr_value` retransmissions)
        /// or "Prio" (priority `pr_value`, dropped first when the send buffer is full).
        #[serde(default)]
        pr_policy: crate::options::PrPolicy,
        /// The value of `pr_policy`.
        #[serde(default)]
        pr_value: u32,
        /// With addr_over: the path to use.
        to: Option<SocketAddr>,
        /// Payload as UTF-8 text; give at most one of `text`, `hex`, `file` (none: an empty message).
        text: Option<String>,
        /// Payload as hex digits, spaces allowed (`"de ad be ef"`).
        hex: Option<String>,
        /// Relative to the scenario file.
        file: Option<String>,
        /// How many times the message is sent (default 1).
        #[serde(default = "default_count")]
        count: u32,
        /// Pause between the messages of a `count`, ms (default 0: back to back).
        #[serde(default)]
        interval_ms: u32,
        /// The call should fail, with an error whose text contains this; the step then passes.
        expect_error: Option<String>,
    },
    /// `do = "expect_event"`: waits for a notification of `kind` with the given `fields` (RFC 6458 §6)
    /// that arrived on the endpoint since its previous match.
    ExpectEvent {
        /// Name of the endpoint (opened by an earlier step) that should receive the notification.
        endpoint: String,
        /// assoc_change, peer_addr_change, send_failed, remote_error, shutdown, …
        #[serde(with = "event_kind")]
        kind: EventKind,
        /// Fields the notification must have, e.g. `{ state = "CommLost" }`.
        #[serde(default)]
        fields: toml::Table,
        /// Name the notification's association for later steps.
        #[serde(rename = "as")]
        name: Option<String>,
        /// Time limit, ms; omitted: the scenario's top-level `within_ms`.
        within_ms: Option<u64>,
    },
    /// `do = "expect_data"`: waits for `count` received messages that match the given stream, ppid and
    /// payload (arrived since the endpoint's previous match).
    ExpectData {
        /// Name of the endpoint (opened by an earlier step) that should receive the messages.
        endpoint: String,
        /// Stream the messages must arrive on; omitted: any.
        stream: Option<u16>,
        /// Payload protocol identifier they must carry; omitted: any.
        ppid: Option<u32>,
        /// Payload they must equal, as text; omitted (and no `hex`): any payload.
        text: Option<String>,
        /// Payload they must equal, as hex digits (spaces allowed).
        hex: Option<String>,
        /// How many matching messages must arrive (default 1).
        #[serde(default = "default_count")]
        count: u32,
        /// Name the association of the last matched message, for later steps.
        #[serde(rename = "as")]
        name: Option<String>,
        /// Time limit, ms; omitted: the scenario's top-level `within_ms`.
        within_ms: Option<u64>,
    },
    /// A sampled metric reaching a condition, e.g. path 10.1.1.2:6000 state "inactive".
    ExpectMetric {
        /// Name of the endpoint (opened by an earlier step) that holds the association.
        endpoint: String,
        /// Name of the association (from an `as`); omitted: the endpoint's newest live association.
        assoc: Option<String>,
        /// A path's peer address (path metrics); none for association metrics.
        path: Option<SocketAddr>,
        /// cwnd, srtt_ms, rto_ms, mtu, state; rwnd, unacked, pending.
        metric: MetricName,
        /// Passes once the value is greater than this (with `below`: both must hold).
        above: Option<f64>,
        /// Passes once the value is less than this.
        below: Option<f64>,
        /// For `state`: active, inactive, potentially_failed, unconfirmed.
        equals: Option<String>,
        /// Time limit, ms; omitted: the scenario's top-level `within_ms`.
        within_ms: Option<u64>,
    },
    /// `do = "sleep"`: waits, doing nothing.
    Sleep {
        /// How long, ms.
        ms: u64,
    },
    /// `do = "reconfigure"`: a stream reconfiguration request (RFC 6525) to the peer, e.g.
    /// `request = { what = "reset_streams", outgoing = true, streams = [1] }`,
    /// `{ what = "reset_assoc" }` or `{ what = "add_streams", outbound = 2 }`; its outcome is
    /// a notification (expect it with `expect_event`).
    Reconfigure {
        /// Name of the endpoint (opened by an earlier step) that holds the association.
        endpoint: String,
        /// Name of the association (from an `as`); omitted: the endpoint's newest live association.
        assoc: Option<String>,
        /// What to ask for.
        request: crate::options::Reconfig,
    },
    /// `do = "eof"`: shuts one association down gracefully (SCTP_EOF; one-to-one: shutdown(SHUT_WR)),
    /// RFC 9260 §9.2.
    Eof {
        /// Name of the endpoint (opened by an earlier step) that holds the association.
        endpoint: String,
        /// Name of the association (from an `as`); omitted: the endpoint's newest live association.
        assoc: Option<String>,
    },
    /// `do = "abort"`: aborts one association (SCTP_ABORT; one-to-one: SO_LINGER 0 and a close),
    /// RFC 9260 §9.1.
    Abort {
        /// Name of the endpoint (opened by an earlier step) that holds the association.
        endpoint: String,
        /// Name of the association (from an `as`); omitted: the endpoint's newest live association.
        assoc: Option<String>,
        /// Text sent to the peer as the ABORT's user-initiated abort cause (one-to-many endpoints).
        #[serde(default)]
        reason: String,
    },
    /// `do = "peeloff"`: branches one association off into a new one-to-one endpoint (sctp_peeloff,
    /// RFC 6458 §9.2).
    Peeloff {
        /// Name of the endpoint (opened by an earlier step) that holds the association.
        endpoint: String,
        /// Name of the association (from an `as`); omitted: the endpoint's newest live association.
        assoc: Option<String>,
        /// Name of the new one-to-one endpoint.
        #[serde(rename = "as")]
        name: String,
    },
    /// `do = "close"`: closes the endpoint's socket.
    Close {
        /// Name of the endpoint (opened by an earlier step) that is closed.
        endpoint: String,
    },
    /// Lab only: netem on one path, e.g. "delay 50ms loss 2%": on A's side (A -> B traffic)
    /// unless `side = "b"` (B -> A traffic).
    Netem {
        /// The lab path, 1 or 2.
        path: u8,
        /// Arguments of `tc … netem`, e.g. `"delay 50ms 5ms loss 2%"`; they replace the path's previous ones.
        spec: String,
        /// Which side's egress it shapes: `"a"` (the default) or `"b"`.
        #[serde(default)]
        side: crate::lab::Side,
    },
    /// Lab only: take one path's link down or up.
    Link {
        /// The lab path, 1 or 2.
        path: u8,
        /// `true` brings A's side of the path up, `false` takes it down.
        up: bool,
    },
}

/// Notification kinds an `expect_event` can name, by their names in files
/// (`EventKind::name`, as `Notification::kind_name` reports them).
pub const EVENT_KINDS: [EventKind; 12] = [
    EventKind::AssocChange,
    EventKind::PeerAddrChange,
    EventKind::RemoteError,
    EventKind::SendFailed,
    EventKind::Shutdown,
    EventKind::Adaptation,
    EventKind::PartialDelivery,
    EventKind::Authentication,
    EventKind::SenderDry,
    EventKind::StreamReset,
    EventKind::AssocReset,
    EventKind::StreamChange,
];
pub const PATH_STATES: [&str; 4] = ["active", "inactive", "potentially_failed", "unconfirmed"];

/// `kind = "assoc_change"` in files, an `EventKind` in the step.
mod event_kind {
    use super::EVENT_KINDS;
    use crate::notification::EventKind;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(kind: &EventKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(kind.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<EventKind, D::Error> {
        let name = String::deserialize(d)?;
        EVENT_KINDS.into_iter().find(|k| k.name() == name).ok_or_else(|| {
            let names: Vec<&str> = EVENT_KINDS.iter().map(|k| k.name()).collect();
            serde::de::Error::custom(format!("unknown event kind \"{name}\" (one of: {})", names.join(", ")))
        })
    }
}

/// What an `expect_metric` step watches: one of a path's metrics or one of the
/// association's, by its name in files (`metric = "srtt_ms"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum MetricName {
    /// A per-path metric (`cwnd`, `srtt_ms`, `rto_ms`, `mtu`, `state`): the step needs `path`.
    Path(PathMetric),
    /// An association metric (`rwnd`, `unacked`, `pending`): the step has no `path`.
    Assoc(AssocMetric),
}

impl MetricName {
    /// Every metric a scenario may name, with its name in files.
    pub const ALL: [(&'static str, MetricName); 8] = [
        ("cwnd", MetricName::Path(PathMetric::Cwnd)),
        ("srtt_ms", MetricName::Path(PathMetric::SrttMs)),
        ("rto_ms", MetricName::Path(PathMetric::RtoMs)),
        ("mtu", MetricName::Path(PathMetric::Mtu)),
        ("state", MetricName::Path(PathMetric::State)),
        ("rwnd", MetricName::Assoc(AssocMetric::Rwnd)),
        ("unacked", MetricName::Assoc(AssocMetric::Unacked)),
        ("pending", MetricName::Assoc(AssocMetric::Pending)),
    ];

    /// Its name in files, e.g. `srtt_ms` (`?` if it is not in `ALL`).
    pub fn name(self) -> &'static str {
        MetricName::ALL.iter().find(|(_, m)| *m == self).map_or("?", |(n, _)| n)
    }
}

impl TryFrom<String> for MetricName {
    type Error = String;
    fn try_from(name: String) -> Result<MetricName, String> {
        MetricName::ALL.iter().find(|(n, _)| *n == name).map(|(_, m)| *m).ok_or_else(|| {
            let names: Vec<&str> = MetricName::ALL.iter().map(|(n, _)| *n).collect();
            format!("unknown metric \"{name}\" (one of: {})", names.join(", "))
        })
    }
}

impl From<MetricName> for String {
    fn from(m: MetricName) -> String {
        m.name().to_string()
    }
}

impl std::fmt::Display for MetricName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Step {
    /// Checks what serde cannot: names that must be one of a list, conditions that need
    /// a value.
    fn check(&self) -> Result<(), String> {
        let one_of = |what: &str, v: &str, list: &[&str]| {
            if list.contains(&v) {
                Ok(())
            } else {
                Err(format!("unknown {what} \"{v}\" (one of: {})", list.join(", ")))
            }
        };
        match self {
            Step::ExpectMetric { path, metric, above, below, equals, .. } => {
                match (path, metric) {
                    (Some(_), MetricName::Assoc(_)) => {
                        return Err(format!("{metric} is an association metric: leave out `path`"));
                    }
                    (None, MetricName::Path(_)) => {
                        return Err(format!("{metric} is a path metric: path metrics need `path`"));
                    }
                    _ => {}
                }
                let state = *metric == MetricName::Path(PathMetric::State);
                match (equals, above, below) {
                    (Some(e), None, None) if state => one_of("path state", e, &PATH_STATES),
                    (Some(_), None, None) => Err("`equals` is for the state metric; use above/below".into()),
                    (None, Some(_), _) | (None, _, Some(_)) if !state => Ok(()),
                    _ => Err("give `equals` (state) or `above`/`below` (numbers)".into()),
                }
            }
            Step::Netem { path, .. } | Step::Link { path, .. } if !(1..=2).contains(path) => {
                Err(format!("path {path}: the lab has paths 1 and 2"))
            }
            Step::Send { hex: Some(h), .. } | Step::ExpectData { hex: Some(h), .. } => {
                crate::message::parse_hex(h).map(drop).map_err(|e| format!("hex payload: {e}"))
            }
            Step::Send { file: Some(f), .. } => crate::files::inside(std::path::Path::new(""), f).map(drop),
            _ => Ok(()),
        }
    }

    /// The endpoint a step acts on, by name (`None`: sleep and the lab's netem/link).
    pub fn endpoint(&self) -> Option<&str> {
        match self {
            Step::Open { endpoint, .. }
            | Step::Listen { endpoint, .. }
            | Step::Bindx { endpoint, .. }
            | Step::Connect { endpoint, .. }
            | Step::SetOption { endpoint, .. }
            | Step::GetOption { endpoint, .. }
            | Step::Send { endpoint, .. }
            | Step::ExpectEvent { endpoint, .. }
            | Step::ExpectData { endpoint, .. }
            | Step::ExpectMetric { endpoint, .. }
            | Step::Eof { endpoint, .. }
            | Step::Reconfigure { endpoint, .. }
            | Step::Abort { endpoint, .. }
            | Step::Peeloff { endpoint, .. }
            | Step::Close { endpoint, .. } => Some(endpoint),
            Step::Sleep { .. } | Step::Netem { .. } | Step::Link { .. } => None,
        }
    }

    /// The step's `do` value, e.g. `expect_event`.
    pub fn verb(&self) -> &'static str {
        match self {
            Step::Open { .. } => "open",
            Step::Listen { .. } => "listen",
            Step::Bindx { .. } => "bindx",
            Step::Connect { .. } => "connect",
            Step::SetOption { .. } => "set_option",
            Step::GetOption { .. } => "get_option",
            Step::Send { .. } => "send",
            Step::ExpectEvent { .. } => "expect_event",
            Step::ExpectData { .. } => "expect_data",
            Step::ExpectMetric { .. } => "expect_metric",
            Step::Sleep { .. } => "sleep",
            Step::Eof { .. } => "eof",
            Step::Reconfigure { .. } => "reconfigure",
            Step::Abort { .. } => "abort",
            Step::Peeloff { .. } => "peeloff",
            Step::Close { .. } => "close",
            Step::Netem { .. } => "netem",
            Step::Link { .. } => "link",
        }
    }
}

/// A scenario that did not load: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The file as named to `load` or `parse`.
    pub file: String,
    /// 1-based line of the problem; 0 when the file could not be read.
    pub line: usize,
    /// 1-based column, in characters; 0 when the file could not be read.
    pub column: usize,
    /// What is wrong, starting `step N:` when a step is at fault.
    pub message: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
    }
}

/// The offset of what an error is about. serde reports errors inside a tagged step for the
/// whole `[[step]]` table, so look for the offending value or key inside that table.
fn pinpoint(text: &str, span: std::ops::Range<usize>, message: &str) -> usize {
    // The span may be just the `[[step]]` header: search on to the next table.
    let start = floor_char(text, span.start);
    let from = floor_char(text, span.end.max(start));
    let end = text[from..].find("\n[").map_or(text.len(), |i| from + i);
    let region = &text[start..end];
    let quoted = |pre: &str, open: char, close: char| {
        let rest = &message[message.find(pre)? + pre.len()..];
        let rest = rest.strip_prefix(open)?;
        Some(rest[..rest.find(close)?].to_string())
    };
    let needle = quoted("string ", '"', '"')
        .map(|v| format!("\"{v}\""))
        .or_else(|| quoted("unknown variant ", '`', '`').map(|v| format!("\"{v}\"")))
        .or_else(|| quoted("unknown field ", '`', '`'))
        .or_else(|| quoted("integer ", '`', '`'));
    needle.and_then(|n| region.find(&n)).map_or(start, |i| start + i)
}

/// The nearest char boundary at or before `offset` (offsets from elsewhere may fall inside
/// a multi-byte character).
fn floor_char(text: &str, offset: usize) -> usize {
    let mut o = offset.min(text.len());
    while !text.is_char_boundary(o) {
        o -= 1;
    }
    o
}

fn unknown_endpoint(i: usize, name: &str, opened: &[&str]) -> String {
    format!(
        "step {}: no endpoint named \"{name}\" is opened before this step (opened: {})",
        i + 1,
        if opened.is_empty() { "none".to_string() } else { opened.join(", ") }
    )
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..floor_char(text, offset)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

impl Scenario {
    /// Parses scenario text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Scenario, LoadError> {
        let error = |at: usize, message: String| {
            let (line, column) = line_col(text, at);
            LoadError { file: file.to_string(), line, column, message }
        };
        let raw: RawScenario = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            error(pinpoint(text, span, e.message()), e.message().trim().to_string())
        })?;
        if raw.steps.is_empty() {
            return Err(error(0, "no [[step]] in the scenario".into()));
        }
        let steps = raw
            .steps
            .into_iter()
            .enumerate()
            .map(|(i, spanned)| {
                let span = spanned.span();
                let start = span.start;
                let step = spanned.into_inner().try_into::<Step>().map_err(|e| {
                    let message = e.message().trim().to_string();
                    error(pinpoint(text, span, &message), format!("step {}: {message}", i + 1))
                })?;
                step.check().map_err(|m| error(start, format!("step {}: {m}", i + 1)))?;
                Ok((start, step))
            })
            .collect::<Result<Vec<(usize, Step)>, LoadError>>()?;
        // Every name a step uses was opened (or peeled off) by an earlier step.
        let mut opened: Vec<&str> = Vec::new();
        for (i, (start, step)) in steps.iter().enumerate() {
            match step {
                Step::Open { endpoint, .. } => opened.push(endpoint),
                Step::Peeloff { endpoint, name, .. } => {
                    if !opened.contains(&endpoint.as_str()) {
                        return Err(error(*start, unknown_endpoint(i, endpoint, &opened)));
                    }
                    opened.push(name);
                }
                other => {
                    if let Some(name) = other.endpoint()
                        && !opened.contains(&name)
                    {
                        return Err(error(*start, unknown_endpoint(i, name, &opened)));
                    }
                }
            }
        }
        let steps = steps.into_iter().map(|(_, step)| step).collect();
        Ok(Scenario { name: raw.name, description: raw.description, lab: raw.lab, within_ms: raw.within_ms, steps })
    }

    /// Reads and parses a scenario file (at most `files::MAX_DOCUMENT` bytes); errors name its path.
    pub fn load(path: &std::path::Path) -> Result<Scenario, LoadError> {
        let file = path.display().to_string();
        let text = crate::files::read_text_capped(path, crate::files::MAX_DOCUMENT, "cannot read")
            .map_err(|e| LoadError { file: file.clone(), line: 0, column: 0, message: e })?;
        Scenario::parse(&file, &text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_scenario_parses() {
        let s = Scenario::parse(
            "x.toml",
            r#"
name = "t"
[[step]]
do = "open"
endpoint = "server"
addrs = ["127.0.0.1"]
port = 2006

[[step]]
do = "set_option"
endpoint = "server"
option = "rtoinfo"
value = { initial = 500, max = 2000, min = 200 }

[[step]]
do = "expect_event"
endpoint = "server"
kind = "assoc_change"
fields = { state = "CommUp" }
"#,
        )
        .unwrap();
        assert_eq!(s.steps.len(), 3);
        assert!(matches!(&s.steps[1], Step::SetOption { value: OptionValue::Rtoinfo(r), .. } if r.max == 2000));
        assert_eq!(s.within_ms, 5000);
    }

    #[test]
    fn errors_name_file_line_column_and_what_was_expected() {
        let e = Scenario::parse("bad.toml", "name = \"t\"\n[[step]]\ndo = \"opne\"\n").unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("bad.toml", 3));
        assert!(e.message.contains("unknown variant `opne`"), "{e}");
        assert!(e.message.contains("open"), "{e}");

        let e = Scenario::parse(
            "bad.toml",
            "name = \"t\"\n[[step]]\ndo = \"listen\"\nendpoint = \"s\"\nbacklog = \"many\"\n",
        )
        .unwrap_err();
        assert_eq!(e.line, 5, "{e}");
        assert_eq!(e.column, 11, "{e}");

        let e = Scenario::parse("bad.toml", "name = \"t\"\nport = [").unwrap_err();
        assert_eq!(e.line, 2, "{e}");

        let e = Scenario::parse("empty.toml", "name = \"t\"\n").unwrap_err();
        assert_eq!(e.to_string(), "empty.toml:1:1: no [[step]] in the scenario");
    }

    #[test]
    fn names_are_checked_when_the_file_loads() {
        let e = Scenario::parse(
            "k.toml",
            "name = \"t\"\n[[step]]\ndo = \"expect_event\"\nendpoint = \"s\"\nkind = \"comm_up\"\n",
        )
        .unwrap_err();
        assert_eq!((e.line, e.column), (2, 1));
        assert!(e.message.starts_with("step 1: unknown event kind \"comm_up\" (one of: assoc_change,"), "{e}");
        let metric = |body: &str| {
            Scenario::parse(
                "m.toml",
                &format!(
                    "name = \"t\"\n[[step]]\ndo = \"open\"\nendpoint = \"s\"\n[[step]]\ndo = \"expect_metric\"\nendpoint = \"s\"\n{body}"
                ),
            )
            .map(|_| ())
        };
        assert!(metric("metric = \"srtt_ms\"\nabove = 1\n").unwrap_err().message.contains("path metrics need `path`"));
        assert!(
            metric("path = \"1.2.3.4:5\"\nmetric = \"state\"\nequals = \"down\"\n")
                .unwrap_err()
                .message
                .contains("unknown path state \"down\"")
        );
        assert!(metric("path = \"1.2.3.4:5\"\nmetric = \"cwnd\"\n").unwrap_err().message.contains("give `equals`"));
        assert!(metric("path = \"1.2.3.4:5\"\nmetric = \"cwnd\"\nabove = 1000\n").is_ok());
        // Names that are not metrics or event kinds are refused where they are written,
        // with the list of what is allowed.
        let e = metric("path = \"1.2.3.4:5\"\nmetric = \"cwnd_ms\"\nabove = 1\n").unwrap_err();
        assert!(e.message.contains("unknown metric \"cwnd_ms\" (one of: cwnd, srtt_ms"), "{}", e.message);
        assert_eq!(e.line, 5, "the step's line: {e}");
        let text = "name = \"t\"\n[[step]]\ndo = \"expect_event\"\nendpoint = \"s\"\nkind = \"comm_lost\"\n";
        let e = Scenario::parse("t.toml", text).unwrap_err();
        assert!(e.message.contains("unknown event kind \"comm_lost\" (one of: assoc_change"), "{}", e.message);
    }

    /// The step positions come from the parser: a spaced header after multi-byte text, a
    /// `[[step]]` inside a string or a comment, and inline steps all point at the right line.
    #[test]
    fn step_positions_survive_odd_but_valid_toml() {
        let text = "name = \"ü — ünïcode\"\ndescription = \"not a header: [[step]]\"\n# [[step]] in a comment\n\
                    [[ step ]]\ndo = \"open\"\nendpoint = \"a\"\n[[ step ]]\ndo = \"listen\"\nendpoint = \"a\"\nbacklog = \"x\"\n";
        let e = Scenario::parse("odd.toml", text).unwrap_err();
        assert_eq!((e.line, e.message.starts_with("step 2:")), (10, true), "{e}");
        let e = Scenario::parse("odd.toml", &text.replace("backlog = \"x\"\n", "backlog = 1\nkind = 2\n")).unwrap_err();
        assert!(e.message.contains("kind"), "{e}");
        let inline = "name = \"t\"\nstep = [{ do = \"open\", endpoint = \"a\" }, { do = \"sleep\", ms = \"long\" }]\n";
        let e = Scenario::parse("inline.toml", inline).unwrap_err();
        assert_eq!((e.line, e.message.starts_with("step 2:")), (2, true), "{e}");
    }

    #[test]
    fn endpoint_names_payload_files_and_hex_are_checked_when_the_file_loads() {
        let with = |steps: &str| Scenario::parse("c.toml", &format!("name = \"t\"\n{steps}")).map(|_| ()).unwrap_err();
        let e = with("[[step]]\ndo = \"open\"\nendpoint = \"a\"\n[[step]]\ndo = \"listen\"\nendpoint = \"b\"\n");
        assert_eq!(e.to_string(), "c.toml:5:1: step 2: no endpoint named \"b\" is opened before this step (opened: a)");
        let e = with(
            "[[step]]\ndo = \"open\"\nendpoint = \"a\"\n[[step]]\ndo = \"send\"\nendpoint = \"a\"\nhex = \"zz\"\n",
        );
        assert!(e.message.starts_with("step 2: hex payload: 'z' at position 0"), "{e}");
        let e = with(
            "[[step]]\ndo = \"open\"\nendpoint = \"a\"\n[[step]]\ndo = \"send\"\nendpoint = \"a\"\nfile = \"../etc/x\"\n",
        );
        assert!(e.message.contains("inside the scenario's folder"), "{e}");
        // A peeled-off endpoint's name is known from its step on.
        let ok = "name = \"t\"\n[[step]]\ndo = \"open\"\nendpoint = \"a\"\n[[step]]\ndo = \"peeloff\"\nendpoint = \"a\"\nas = \"p\"\n[[step]]\ndo = \"close\"\nendpoint = \"p\"\n";
        assert!(Scenario::parse("ok.toml", ok).is_ok());
    }

    #[test]
    fn unknown_fields_are_refused() {
        let e = Scenario::parse("u.toml", "name = \"t\"\n[[step]]\ndo = \"sleep\"\nms = 1\nsecs = 2\n").unwrap_err();
        assert!(e.message.contains("secs"), "{e}");
    }
}
