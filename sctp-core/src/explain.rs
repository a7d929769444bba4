//! What each form field, status value, state, notification and plotted number means: one
//! table (assets/explanations.toml, compiled in) read by the window's hover texts and its
//! teaching panel. `topics()` lists everything that must have an entry; a test holds the
//! table to it, so a new option field or metric cannot ship unexplained.

use crate::endpoint::SocketOptions;
use crate::info::{AssocState, PathInfo, PathState, Status};
use crate::message::SendInfo;
use crate::model::{AssocMetric, PathMetric};
use crate::notification::EventKind;
use crate::options::OptionName;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// The table's source, compiled in.
pub const SOURCE: &str = include_str!("../../assets/explanations.toml");

/// What one thing means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Explanation {
    /// A sentence or two in the user's terms: what it is and what changing it does.
    pub text: String,
    /// Its unit (ms, bytes, s, jiffies…), if it is a number.
    #[serde(default)]
    pub unit: Option<String>,
    /// The kernel's default, and the sysctl it comes from where there is one.
    #[serde(default)]
    pub default: Option<String>,
    /// The values the kernel accepts.
    #[serde(default)]
    pub range: Option<String>,
    /// Where it is defined: RFC and section (RFC 9260 for the protocol, RFC 6458 for the API).
    pub rfc: String,
}

/// Something that can be explained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic<'a> {
    /// A socket option record as a whole.
    Option(OptionName),
    /// One field of a socket option record (`value` for single-value options).
    OptionField(OptionName, &'a str),
    /// One of the elementary options set when an endpoint opens (sndbuf, tos…).
    EndpointOption(&'a str),
    /// One field of the send form (stream, ppid, flags…).
    SendField(&'a str),
    /// One field of SCTP_STATUS.
    StatusField(&'a str),
    /// One field of a path's SCTP_GET_PEER_ADDR_INFO.
    PathField(&'a str),
    /// An association state.
    AssocState(AssocState),
    /// A path state.
    PathState(PathState),
    /// A plotted per-path number.
    PathMetric(PathMetric),
    /// A plotted per-association number.
    AssocMetric(AssocMetric),
    /// A notification kind.
    Event(EventKind),
}

impl Topic<'_> {
    /// The table's key, e.g. `option.rtoinfo.initial` or `state.assoc.cookie_wait`.
    pub fn key(&self) -> String {
        match self {
            Topic::Option(o) => format!("option.{}", o.as_str()),
            Topic::OptionField(o, f) => format!("option.{}.{f}", o.as_str()),
            Topic::EndpointOption(f) => format!("endpoint.{f}"),
            Topic::SendField(f) => format!("send.{f}"),
            Topic::StatusField(f) => format!("status.{f}"),
            Topic::PathField(f) => format!("path.{f}"),
            Topic::AssocState(s) => format!("state.assoc.{}", snake(&format!("{s:?}"))),
            Topic::PathState(s) => format!("state.path.{}", snake(&format!("{s:?}"))),
            Topic::PathMetric(m) => format!("metric.path.{}", snake(&format!("{m:?}"))),
            Topic::AssocMetric(m) => format!("metric.assoc.{}", snake(&format!("{m:?}"))),
            Topic::Event(k) => format!("event.{}", snake(&format!("{k:?}"))),
        }
    }
}

/// `CookieWait` → `cookie_wait`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

static TABLE: LazyLock<Result<BTreeMap<String, Explanation>, String>> =
    LazyLock::new(|| toml::from_str(SOURCE).map_err(|e| format!("assets/explanations.toml: {e}")));

/// The explanation of `topic`, if the table has one.
pub fn explain(topic: Topic<'_>) -> Option<&'static Explanation> {
    TABLE.as_ref().ok()?.get(&topic.key())
}

/// The whole table, or why it does not parse.
pub fn table() -> Result<&'static BTreeMap<String, Explanation>, &'static str> {
    TABLE.as_ref().map_err(String::as_str)
}

/// The serde field names of a value (`value` when it is not a record).
fn fields_of(value: serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::Object(m) => m.keys().cloned().collect(),
        _ => vec!["value".into()],
    }
}

/// Every key the table must have: each option and its fields, each endpoint option, send
/// field, status and path field, state, metric and notification kind.
pub fn topics() -> Vec<String> {
    let mut keys = Vec::new();
    for o in OptionName::ALL {
        keys.push(Topic::Option(o).key());
        for f in o.default_value().fields().keys() {
            keys.push(Topic::OptionField(o, f).key());
        }
    }
    let fields = |v: Result<serde_json::Value, serde_json::Error>| v.map(fields_of).unwrap_or_default();
    for f in fields(serde_json::to_value(SocketOptions::default())) {
        keys.push(Topic::EndpointOption(&f).key());
    }
    for f in fields(serde_json::to_value(SendInfo::default())) {
        keys.push(Topic::SendField(&f).key());
    }
    // Built field by field, so a new field fails to compile here until it is explained.
    let path =
        PathInfo { addr: None, state: PathState::Active, cwnd: 0, srtt_ms: 0.0, srtt_jiffies: 0, rto_ms: 0, mtu: 0 };
    let status = Status {
        assoc: crate::AssocId(0),
        state: AssocState::Established,
        rwnd: 0,
        unacked: 0,
        pending: 0,
        inbound_streams: 0,
        outbound_streams: 0,
        fragmentation_point: 0,
        primary: path,
    };
    for f in fields(serde_json::to_value(status)) {
        keys.push(Topic::StatusField(&f).key());
    }
    for f in fields(serde_json::to_value(path)) {
        keys.push(Topic::PathField(&f).key());
    }
    for s in [
        AssocState::Closed,
        AssocState::CookieWait,
        AssocState::CookieEchoed,
        AssocState::Established,
        AssocState::ShutdownPending,
        AssocState::ShutdownSent,
        AssocState::ShutdownReceived,
        AssocState::ShutdownAckSent,
    ] {
        keys.push(Topic::AssocState(s).key());
    }
    for s in [PathState::Active, PathState::PotentiallyFailed, PathState::Inactive, PathState::Unconfirmed] {
        keys.push(Topic::PathState(s).key());
    }
    keys.extend(PathMetric::ALL.iter().map(|m| Topic::PathMetric(*m).key()));
    keys.extend(AssocMetric::ALL.iter().map(|m| Topic::AssocMetric(*m).key()));
    keys.extend(EventKind::ALL.iter().map(|k| Topic::Event(*k).key()));
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_state_metric_and_event_is_explained_with_its_rfc() {
        let table = table().unwrap();
        let missing: Vec<String> = topics().into_iter().filter(|k| !table.contains_key(k)).collect();
        assert!(
            missing.is_empty(),
            "{} topics have no entry in assets/explanations.toml:\n{}",
            missing.len(),
            missing.join("\n")
        );
        for (key, e) in table {
            assert!(e.rfc.starts_with("RFC "), "{key}: rfc {:?} names no RFC", e.rfc);
            assert!(e.text.len() >= 20, "{key}: {:?} explains nothing", e.text);
        }
    }

    #[test]
    fn the_table_has_no_entry_for_something_that_does_not_exist() {
        let topics: std::collections::BTreeSet<String> = topics().into_iter().collect();
        let stale: Vec<&String> = table().unwrap().keys().filter(|k| !topics.contains(*k)).collect();
        assert!(stale.is_empty(), "entries for nothing the window shows: {stale:?}");
    }

    #[test]
    fn keys_read_as_the_table_writes_them() {
        assert_eq!(Topic::OptionField(OptionName::Rtoinfo, "initial").key(), "option.rtoinfo.initial");
        assert_eq!(Topic::AssocState(AssocState::CookieWait).key(), "state.assoc.cookie_wait");
        assert_eq!(Topic::PathMetric(PathMetric::SrttMs).key(), "metric.path.srtt_ms");
        assert_eq!(Topic::PathState(PathState::PotentiallyFailed).key(), "state.path.potentially_failed");
    }
}
