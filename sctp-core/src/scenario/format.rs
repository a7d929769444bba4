//! The scenario file format (TOML): a name, an optional lab, and steps — the things the
//! window can do, plus expectations. See `assets/scenarios/README.md` for the reference.

use crate::endpoint::{Family, SocketOptions, Style};
use crate::model::{AssocMetric, PathMetric};
use crate::notification::EventKind;
use crate::options::{OptionName, OptionValue};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};

#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// Build the two-path lab (two namespaces, two veth pairs) before the first step.
    pub lab: bool,
    /// Default time limit of expectations and waiting connects, ms.
    pub within_ms: u64,
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
    #[default]
    Future,
    Current,
    All,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    Open {
        endpoint: String,
        #[serde(default)]
        family: Family,
        #[serde(default)]
        style: Style,
        #[serde(default)]
        addrs: Vec<IpAddr>,
        #[serde(default)]
        port: u16,
        /// A namespace name, or "lab:a" / "lab:b" for the lab's two sides.
        netns: Option<String>,
        #[serde(default)]
        options: SocketOptions,
    },
    Listen {
        endpoint: String,
        #[serde(default = "default_backlog")]
        backlog: i32,
    },
    Bindx {
        endpoint: String,
        #[serde(default)]
        add: Vec<SocketAddr>,
        #[serde(default)]
        remove: Vec<SocketAddr>,
    },
    Connect {
        endpoint: String,
        to: Vec<SocketAddr>,
        /// Name for the association, for later steps.
        #[serde(rename = "as")]
        name: Option<String>,
        ostreams: Option<u16>,
        instreams: Option<u16>,
        /// Wait for COMM_UP (connect) or not (connect_init).
        #[serde(default = "yes")]
        wait: bool,
        /// The connect should fail; the error must contain this text.
        expect_error: Option<String>,
    },
    SetOption {
        endpoint: String,
        assoc: Option<String>,
        #[serde(default)]
        scope: ScopeName,
        #[serde(flatten)]
        value: OptionValue,
        /// Fields the kernel's read-back must have (a subset); default: what was set.
        expect: Option<toml::Table>,
        expect_error: Option<String>,
    },
    GetOption {
        endpoint: String,
        assoc: Option<String>,
        #[serde(default)]
        scope: ScopeName,
        option: OptionName,
        /// For per-path options, the request's fields (`value = { address = "…" }`).
        value: Option<toml::Table>,
        expect: Option<toml::Table>,
    },
    Send {
        endpoint: String,
        assoc: Option<String>,
        #[serde(default)]
        stream: u16,
        #[serde(default)]
        ppid: u32,
        /// Any of: unordered, addr_over, eof, abort, sack_immediately, sendall.
        #[serde(default)]
        flags: Vec<String>,
        #[serde(default)]
        context: u32,
        #[serde(default)]
        ttl_ms: u32,
        /// With addr_over: the path to use.
        to: Option<SocketAddr>,
        text: Option<String>,
        hex: Option<String>,
        /// Relative to the scenario file.
        file: Option<String>,
        #[serde(default = "default_count")]
        count: u32,
        #[serde(default)]
        interval_ms: u32,
        expect_error: Option<String>,
    },
    ExpectEvent {
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
        within_ms: Option<u64>,
    },
    ExpectData {
        endpoint: String,
        stream: Option<u16>,
        ppid: Option<u32>,
        text: Option<String>,
        hex: Option<String>,
        #[serde(default = "default_count")]
        count: u32,
        #[serde(rename = "as")]
        name: Option<String>,
        within_ms: Option<u64>,
    },
    /// A sampled metric reaching a condition, e.g. path 10.1.1.2:6000 state "inactive".
    ExpectMetric {
        endpoint: String,
        assoc: Option<String>,
        /// A path's peer address (path metrics); none for association metrics.
        path: Option<SocketAddr>,
        /// cwnd, srtt_ms, rto_ms, mtu, state; rwnd, unacked, pending.
        metric: MetricName,
        above: Option<f64>,
        below: Option<f64>,
        /// For `state`: active, inactive, potentially_failed, unconfirmed.
        equals: Option<String>,
        within_ms: Option<u64>,
    },
    Sleep {
        ms: u64,
    },
    Eof {
        endpoint: String,
        assoc: Option<String>,
    },
    Abort {
        endpoint: String,
        assoc: Option<String>,
        #[serde(default)]
        reason: String,
    },
    Peeloff {
        endpoint: String,
        assoc: Option<String>,
        /// Name of the new one-to-one endpoint.
        #[serde(rename = "as")]
        name: String,
    },
    Close {
        endpoint: String,
    },
    /// Lab only: netem on one path (A's side), e.g. "delay 50ms loss 2%".
    Netem {
        path: u8,
        spec: String,
    },
    /// Lab only: take one path's link down or up.
    Link {
        path: u8,
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
    Path(PathMetric),
    Assoc(AssocMetric),
}

impl MetricName {
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
            | Step::Abort { endpoint, .. }
            | Step::Peeloff { endpoint, .. }
            | Step::Close { endpoint, .. } => Some(endpoint),
            Step::Sleep { .. } | Step::Netem { .. } | Step::Link { .. } => None,
        }
    }

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
    pub file: String,
    pub line: usize,
    pub column: usize,
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
