//! The association state machine of RFC 9260 §4 as data (states, transitions, what
//! triggers each and what the endpoint does), and each association's observed history:
//! the states the kernel reported and the notifications that moved it, with their times.

use crate::info::AssocState;
use crate::notification::AssocChangeState;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// One transition of RFC 9260 §4's diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    /// The state it leaves.
    pub from: AssocState,
    /// The state it enters.
    pub to: AssocState,
    /// What causes it: a user call in brackets, or a chunk received.
    pub trigger: &'static str,
    /// What the endpoint does on the way.
    pub action: &'static str,
}

const fn edge(from: AssocState, to: AssocState, trigger: &'static str, action: &'static str) -> Edge {
    Edge { from, to, trigger, action }
}

use AssocState::{
    Closed, CookieEchoed, CookieWait, Established, ShutdownAckSent, ShutdownPending, ShutdownReceived, ShutdownSent,
};

/// Every transition of the diagram in RFC 9260 §4 (ABORT from any state is `ABORT_EDGE`).
pub const EDGES: [Edge; 12] = [
    edge(Closed, CookieWait, "[ASSOCIATE]", "create TCB, send INIT, start T1-init timer"),
    edge(Closed, Established, "receive a valid COOKIE ECHO", "create TCB, send COOKIE ACK"),
    edge(CookieWait, CookieEchoed, "receive INIT ACK", "send COOKIE ECHO, stop T1-init, start T1-cookie timer"),
    edge(CookieWait, Closed, "T1-init expired Max.Init.Retransmits times", "report CANT_STR_ASSOC, delete TCB"),
    edge(CookieEchoed, Established, "receive COOKIE ACK", "stop T1-cookie timer"),
    edge(CookieEchoed, Closed, "T1-cookie expired Max.Init.Retransmits times", "report CANT_STR_ASSOC, delete TCB"),
    edge(Established, ShutdownPending, "[SHUTDOWN]", "wait until no DATA is outstanding"),
    edge(Established, ShutdownReceived, "receive SHUTDOWN", "wait until no DATA is outstanding"),
    edge(ShutdownPending, ShutdownSent, "no more outstanding DATA", "send SHUTDOWN, start T2-shutdown timer"),
    edge(ShutdownReceived, ShutdownAckSent, "no more outstanding DATA", "send SHUTDOWN ACK, start T2-shutdown timer"),
    edge(ShutdownSent, Closed, "receive SHUTDOWN ACK", "send SHUTDOWN COMPLETE, stop T2-shutdown, delete TCB"),
    edge(ShutdownAckSent, Closed, "receive SHUTDOWN COMPLETE", "stop T2-shutdown timer, delete TCB"),
];

/// From any state: an ABORT sent ([ABORT]) or received, or the peer unreachable.
pub const ABORT_EDGE: (&str, &str) =
    ("[ABORT], receive ABORT, or Association.Max.Retrans exceeded", "send ABORT if asked, delete TCB");

/// The RFC 9260 states in the diagram, in its reading order.
pub const STATES: [AssocState; 8] =
    [Closed, CookieWait, CookieEchoed, Established, ShutdownPending, ShutdownSent, ShutdownReceived, ShutdownAckSent];

/// The transition from `from` to `to`, if the diagram has one.
pub fn find_edge(from: AssocState, to: AssocState) -> Option<&'static Edge> {
    EDGES.iter().find(|e| e.from == from && e.to == to)
}

/// The state an ASSOC_CHANGE puts the association in (RFC 6458 §6.1.1).
pub fn state_after(change: AssocChangeState) -> Option<AssocState> {
    match change {
        AssocChangeState::CommUp | AssocChangeState::Restart => Some(Established),
        AssocChangeState::CommLost | AssocChangeState::ShutdownComplete | AssocChangeState::CantStartAssoc => {
            Some(Closed)
        }
        AssocChangeState::Other(_) => None,
    }
}

/// What showed a state change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cause {
    /// A sample (SCTP_STATUS or the sock_diag dump) reported the new state.
    Sampled,
    /// An ASSOC_CHANGE notification said so.
    Notification(AssocChangeState),
}

/// One observed change.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    /// When, in seconds on the worker's clock.
    pub t: f64,
    /// The state before, if one had been seen.
    pub from: Option<AssocState>,
    /// The state after.
    pub to: AssocState,
    /// What showed it.
    pub cause: Cause,
}

impl Transition {
    /// The diagram's edge for this change, when it is a single step of the diagram (a
    /// sampler can miss short-lived states, so consecutive observations may skip some).
    pub fn edge(&self) -> Option<&'static Edge> {
        self.from.and_then(|from| find_edge(from, self.to))
    }
}

/// The most transitions kept per association; older ones are dropped and counted.
pub const KEEP_TRANSITIONS: usize = 64;

/// An association's observed states, oldest first, bounded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    transitions: VecDeque<Transition>,
    /// Transitions dropped past `KEEP_TRANSITIONS`.
    pub dropped: u64,
}

impl History {
    /// Records `state` at `t` if it differs from the last one seen.
    pub fn observe(&mut self, t: f64, state: AssocState, cause: Cause) {
        let from = self.current();
        if from == Some(state) {
            return;
        }
        if self.transitions.len() == KEEP_TRANSITIONS {
            self.transitions.pop_front();
            self.dropped += 1;
        }
        self.transitions.push_back(Transition { t, from, to: state, cause });
    }

    /// The last state seen.
    pub fn current(&self) -> Option<AssocState> {
        self.transitions.back().map(|t| t.to)
    }

    /// Every kept transition, oldest first.
    pub fn transitions(&self) -> impl Iterator<Item = &Transition> {
        self.transitions.iter()
    }

    /// When the diagram's edge `e` was last taken, if it was.
    pub fn last_taken(&self, e: &Edge) -> Option<f64> {
        self.transitions.iter().rev().find(|t| t.from == Some(e.from) && t.to == e.to).map(|t| t.t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rfc_state_has_a_way_in_and_out_except_that_closed_is_both_ends() {
        for s in STATES {
            assert!(EDGES.iter().any(|e| e.to == s) || s == Closed, "{s:?} cannot be entered");
            assert!(EDGES.iter().any(|e| e.from == s), "{s:?} cannot be left");
        }
        assert_eq!(find_edge(CookieWait, CookieEchoed).unwrap().trigger, "receive INIT ACK");
        assert_eq!(find_edge(Established, CookieWait), None);
    }

    #[test]
    fn a_client_lifetime_is_recorded_once_per_change_with_its_causes() {
        let mut h = History::default();
        h.observe(0.1, CookieWait, Cause::Sampled);
        h.observe(0.2, CookieWait, Cause::Sampled);
        h.observe(0.4, state_after(AssocChangeState::CommUp).unwrap(), Cause::Notification(AssocChangeState::CommUp));
        h.observe(0.5, Established, Cause::Sampled);
        h.observe(3.0, Closed, Cause::Notification(AssocChangeState::ShutdownComplete));
        let t: Vec<_> = h.transitions().map(|t| (t.from, t.to)).collect();
        assert_eq!(t, [(None, CookieWait), (Some(CookieWait), Established), (Some(Established), Closed)]);
        assert_eq!(h.current(), Some(Closed));
        // CookieWait -> Established skips COOKIE-ECHOED (too short to sample): no single edge.
        assert_eq!(h.transitions().nth(1).unwrap().edge(), None);
        let kept: Vec<_> = h.transitions().copied().collect();
        assert_eq!(kept[1].cause, Cause::Notification(AssocChangeState::CommUp));
        assert_eq!(h.last_taken(find_edge(CookieWait, CookieEchoed).unwrap()), None);
    }

    #[test]
    fn history_is_bounded_and_counts_what_it_dropped() {
        let mut h = History::default();
        for i in 0..200 {
            let state = if i % 2 == 0 { Established } else { ShutdownPending };
            h.observe(f64::from(i), state, Cause::Sampled);
        }
        assert_eq!(h.transitions().count(), KEEP_TRANSITIONS);
        assert_eq!(h.dropped, 200 - KEEP_TRANSITIONS as u64);
        assert_eq!(h.last_taken(find_edge(Established, ShutdownPending).unwrap()), Some(199.0));
    }
}
