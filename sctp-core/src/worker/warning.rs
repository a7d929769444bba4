//! What the worker (or the session beside it) warns about, as data: the log, the headless
//! runner and tests tell warnings apart by variant, and the text is made only when drawn.

use super::{DropCounts, EpId};
use crate::{AssocId, Error};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::SocketAddr;

/// Something the user should know that is not the answer to a command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "warning", rename_all = "snake_case")]
pub enum Warning {
    /// poll(2) failed with something other than EINTR; the worker retries after 10 ms.
    PollFailed {
        /// The errno's text.
        error: String,
    },
    /// The endpoint opened, but reading back the options the kernel applied failed.
    OptionsNotReadBack {
        /// The endpoint that opened.
        ep: EpId,
        /// Why the read-back failed.
        error: Error,
    },
    /// A one-to-one listener's accept(2) failed; accepts pause with a doubling backoff and
    /// waiting peers stay in the listen queue. Said once per episode.
    AcceptPaused {
        /// The listener.
        ep: EpId,
        /// Why accept failed (typically EMFILE/ENFILE).
        error: Error,
        /// The first backoff, ms.
        retry_ms: u64,
    },
    /// A paused listener accepted again.
    AcceptingAgain {
        /// The listener.
        ep: EpId,
        /// Attempts refused while paused.
        refused: u64,
    },
    /// An accepted socket could not be set up (event subscription or registration).
    AcceptedNotAdopted {
        /// Why.
        error: Error,
    },
    /// A peeled-off socket's only association ended, so the worker closed it.
    PeeledOffClosed {
        /// The peeled-off endpoint.
        ep: EpId,
        /// Its association.
        assoc: AssocId,
    },
    /// Reading an endpoint failed; a one-to-one socket is closed after it (it would fail
    /// forever), a one-to-many socket reports a pending error once and stays usable.
    ReceiveFailed {
        /// The endpoint.
        ep: EpId,
        /// The failure.
        error: Error,
        /// Whether the worker closed the endpoint.
        closed: bool,
    },
    /// A message over the reassembly limit was read to its end and discarded.
    MessageTooLarge {
        /// The receiving endpoint.
        ep: EpId,
        /// The sender, when the kernel said.
        from: Option<SocketAddr>,
        /// The stream it came on, when the kernel said.
        stream: Option<u16>,
        /// Its length, bytes.
        len: usize,
        /// The limit, bytes.
        limit: usize,
    },
    /// The host-wide view (sock_diag dump) failed and stopped.
    HostViewStopped {
        /// Why the dump failed.
        error: Error,
    },
    /// The worker thread panicked; the session has to be restarted.
    WorkerStopped {
        /// The panic's message.
        what: String,
    },
    /// The worker samples by getsockopt because the sock_diag dump is unavailable.
    SamplingByGetsockopt {
        /// Why the dump cannot be used.
        why: String,
    },
    /// The window fell behind the worker and events were dropped (totals so far).
    FellBehind {
        /// Dropped events by kind.
        counts: DropCounts,
    },
    /// A command the session could not hand to a worker (none running, or it stopped).
    NotSent {
        /// The command, described.
        command: String,
        /// Why it was not sent.
        why: String,
    },
    /// The packet capture lost packets (size cap reached, or the kernel dropped them); said
    /// when the loss first appears and again each time it grows tenfold.
    CaptureLost {
        /// The capture's counters then.
        stats: crate::capture::CaptureStats,
        /// The file's size cap, bytes.
        max_bytes: u64,
    },
    /// The packet capture stopped on its own.
    CaptureFailed {
        /// Why (a write error: disk full, file removed…).
        why: String,
    },
    /// A warning from a recording made before warnings were typed.
    #[serde(untagged)]
    Text {
        /// The warning as it was written.
        text: String,
    },
}

impl Warning {
    /// The endpoint the warning is about, if one.
    pub fn ep(&self) -> Option<EpId> {
        match self {
            Warning::OptionsNotReadBack { ep, .. }
            | Warning::AcceptPaused { ep, .. }
            | Warning::AcceptingAgain { ep, .. }
            | Warning::PeeledOffClosed { ep, .. }
            | Warning::ReceiveFailed { ep, .. }
            | Warning::MessageTooLarge { ep, .. } => Some(*ep),
            Warning::PollFailed { .. }
            | Warning::AcceptedNotAdopted { .. }
            | Warning::HostViewStopped { .. }
            | Warning::WorkerStopped { .. }
            | Warning::SamplingByGetsockopt { .. }
            | Warning::FellBehind { .. }
            | Warning::NotSent { .. }
            | Warning::CaptureLost { .. }
            | Warning::CaptureFailed { .. }
            | Warning::Text { .. } => None,
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::PollFailed { error } => write!(f, "poll failed: {error}"),
            Warning::OptionsNotReadBack { ep, error } => write!(f, "ep{}: read back its options: {error}", ep.0),
            Warning::AcceptPaused { ep, error, retry_ms } => write!(
                f,
                "ep{}: accept failed: {error}; pausing accepts (retrying after {retry_ms} ms, then less often) — \
                 pending peers wait in the listen queue",
                ep.0
            ),
            Warning::AcceptingAgain { ep, refused } => {
                write!(f, "ep{}: accepting again ({refused} refused while paused)", ep.0)
            }
            Warning::AcceptedNotAdopted { error } => write!(f, "an accepted association was dropped: {error}"),
            Warning::PeeledOffClosed { ep, assoc } => {
                write!(f, "ep{}: its association {} ended; closing the peeled-off socket", ep.0, assoc.0)
            }
            Warning::ReceiveFailed { ep, error, closed: true } => write!(f, "ep{}: {error}; closing it", ep.0),
            Warning::ReceiveFailed { ep, error, closed: false } => write!(f, "ep{}: {error}", ep.0),
            Warning::MessageTooLarge { ep, from, stream, len, limit } => {
                let from = from.map(|a| a.to_string()).unwrap_or_else(|| "?".into());
                let stream = stream.map(|s| format!(" on stream {s}")).unwrap_or_default();
                write!(
                    f,
                    "ep{}: a message of {len} bytes from {from}{stream} is over the {limit} byte limit and was \
                     discarded; the association goes on",
                    ep.0
                )
            }
            Warning::HostViewStopped { error } => write!(f, "host view stopped: {error}"),
            Warning::WorkerStopped { what } => {
                write!(f, "the worker stopped after an internal error ({what}); restart the session")
            }
            Warning::SamplingByGetsockopt { why } => write!(f, "sampling by getsockopt: {why}"),
            Warning::FellBehind { counts } => write!(
                f,
                "this window fell behind the worker: {} dropped so far (the worker read those messages; only \
                 their entries are missing)",
                counts.describe()
            ),
            Warning::NotSent { command, why } => write!(f, "{command}: not sent — {why}"),
            Warning::CaptureLost { stats, max_bytes } => write!(
                f,
                "packet capture: {} packets not in the file ({} past the {} MiB cap, {} dropped by the kernel); \
                 the summaries in this window still count them",
                stats.lost(),
                stats.over_cap,
                max_bytes >> 20,
                stats.kernel_drops
            ),
            Warning::CaptureFailed { why } => write!(f, "packet capture stopped: {why}"),
            Warning::Text { text } => f.write_str(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::{Event, Stamped};

    #[test]
    fn typed_warnings_round_trip_and_old_text_warnings_still_load() {
        let typed = Stamped {
            t: 1.5,
            event: Event::Warning(Warning::MessageTooLarge {
                ep: EpId(3),
                from: Some("10.0.0.1:9".parse().unwrap()),
                stream: Some(2),
                len: 17 << 20,
                limit: 16 << 20,
            }),
        };
        let line = serde_json::to_string(&typed).unwrap();
        assert!(line.contains(r#""warning":"message_too_large""#), "{line}");
        assert_eq!(serde_json::from_str::<Stamped>(&line).unwrap(), typed);
        // The shape recordings had before: the text alone.
        let old: Stamped =
            serde_json::from_str(r#"{"t":2.0,"event":"warning","text":"host view stopped: x"}"#).unwrap();
        assert_eq!(old.event, Event::Warning(Warning::Text { text: "host view stopped: x".into() }));
        let Event::Warning(w) = &typed.event else { unreachable!() };
        assert_eq!(w.ep(), Some(EpId(3)));
        assert!(w.to_string().ends_with("was discarded; the association goes on"), "{w}");
    }
}
