//! The worker's side of the event channel, bounded so a stalled UI cannot grow memory
//! without limit. When the channel is full, high-rate events that the next tick replaces
//! (samples, host snapshots) or that are summaries of traffic (received-message events) are
//! dropped and counted; everything else (command results, notifications, warnings, opened
//! and closed endpoints) waits in a backlog and goes out, in order, as soon as there is
//! room. The counts reach the UI as `Event::Dropped` — nothing is lost silently.

use super::{DropCounts, Event, Stamped};
use crossbeam_channel::{Sender, TrySendError};
use std::collections::VecDeque;

/// Events the channel holds (the UI drains it every frame).
pub const CHANNEL_EVENTS: usize = 32_768;
/// Events that must not be dropped, held while the channel is full; past it even those are
/// counted and dropped (a UI that never drains).
pub const BACKLOG_EVENTS: usize = 65_536;

pub(super) struct EventQueue {
    tx: Sender<Stamped>,
    backlog: VecDeque<Stamped>,
    dropped: DropCounts,
    reported: DropCounts,
    /// Something went into the channel since `take_sent` last asked.
    sent: bool,
}

/// What an event may be dropped as, when the UI falls behind.
fn droppable(event: &Event) -> Option<fn(&mut DropCounts) -> &mut u64> {
    match event {
        Event::Data { .. } => Some(|d| &mut d.data),
        Event::Sample { .. } => Some(|d| &mut d.samples),
        Event::HostSnapshot { .. } => Some(|d| &mut d.host_snapshots),
        Event::Packets { .. } => Some(|d| &mut d.packet_batches),
        Event::Hello { .. }
        | Event::Done { .. }
        | Event::Opened { .. }
        | Event::OptionsApplied { .. }
        | Event::Closed { .. }
        | Event::Notification { .. }
        | Event::AssocGone { .. }
        | Event::Warning(_)
        | Event::SampleInterval { .. }
        | Event::Sampling { .. }
        | Event::Dropped { .. }
        | Event::CaptureStarted { .. }
        | Event::CaptureStats { .. }
        | Event::Lab { .. } => None,
    }
}

impl EventQueue {
    pub(super) fn new(tx: Sender<Stamped>) -> Self {
        EventQueue {
            tx,
            backlog: VecDeque::new(),
            dropped: DropCounts::default(),
            reported: DropCounts::default(),
            sent: false,
        }
    }

    /// Queues one event; false when the receiver is gone (the worker should stop).
    pub(super) fn push(&mut self, ev: Stamped) -> bool {
        if !self.flush() {
            return false;
        }
        if let Some(count) = droppable(&ev.event) {
            // Behind already: keep the backlog's order and make room for what matters.
            if !self.backlog.is_empty() {
                *count(&mut self.dropped) += 1;
                return true;
            }
            return match self.tx.try_send(ev) {
                Ok(()) => {
                    self.sent = true;
                    true
                }
                Err(TrySendError::Full(_)) => {
                    *count(&mut self.dropped) += 1;
                    true
                }
                Err(TrySendError::Disconnected(_)) => false,
            };
        }
        if self.backlog.is_empty() {
            match self.tx.try_send(ev) {
                Ok(()) => {
                    self.sent = true;
                    return true;
                }
                Err(TrySendError::Full(ev)) => self.backlog.push_back(ev),
                Err(TrySendError::Disconnected(_)) => return false,
            }
        } else if self.backlog.len() < BACKLOG_EVENTS {
            self.backlog.push_back(ev);
        } else {
            self.dropped.other += 1;
        }
        true
    }

    /// Sends what waited, then the drop counts if they changed; false when the receiver
    /// is gone.
    pub(super) fn flush(&mut self) -> bool {
        while let Some(ev) = self.backlog.pop_front() {
            match self.tx.try_send(ev) {
                Ok(()) => self.sent = true,
                Err(TrySendError::Full(ev)) => {
                    self.backlog.push_front(ev);
                    return true;
                }
                Err(TrySendError::Disconnected(_)) => return false,
            }
        }
        if self.dropped != self.reported {
            let t = self.last_t();
            match self.tx.try_send(Stamped { t, event: Event::Dropped { counts: self.dropped } }) {
                Ok(()) => {
                    self.reported = self.dropped;
                    self.sent = true;
                }
                Err(TrySendError::Full(_)) => {}
                Err(TrySendError::Disconnected(_)) => return false,
            }
        }
        true
    }

    /// Whether anything went into the channel since the last call: the receiver has
    /// something to wake for — a backlog that drained on a later turn or new drop counts
    /// as much as a fresh event.
    pub(super) fn take_sent(&mut self) -> bool {
        std::mem::take(&mut self.sent)
    }

    /// Events waiting for room (the UI is behind).
    pub(super) fn backlog(&self) -> usize {
        self.backlog.len()
    }

    fn last_t(&self) -> f64 {
        self.backlog.back().map_or(0.0, |e| e.t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::EpId;

    fn data(t: f64) -> Stamped {
        Stamped {
            t,
            event: Event::Data {
                ep: EpId(1),
                from: None,
                info: None,
                ip: Default::default(),
                len: 1,
                head: vec![1],
                digest: 0,
            },
        }
    }

    fn warning(t: f64, text: &str) -> Stamped {
        Stamped { t, event: Event::Warning(crate::worker::Warning::Text { text: text.into() }) }
    }

    #[test]
    fn a_stalled_receiver_costs_counts_not_memory_or_results() {
        let (tx, rx) = crossbeam_channel::bounded(4);
        let mut q = EventQueue::new(tx);
        for i in 0..4 {
            assert!(q.push(data(f64::from(i))));
        }
        // Full: data is counted and dropped, a warning waits in order.
        assert!(q.push(data(4.0)));
        assert!(q.push(warning(5.0, "first")));
        assert!(q.push(data(6.0)));
        assert!(q.push(warning(7.0, "second")));
        assert_eq!((q.dropped.data, q.backlog()), (2, 2));
        assert!(q.take_sent(), "the first four went in");
        assert!(!q.take_sent());
        // The UI drains: the warnings come in order, then the counts — and that is news
        // to wake the UI for, though nothing new was pushed.
        let first: Vec<Stamped> = rx.try_iter().collect();
        assert_eq!(first.len(), 4);
        assert!(q.flush());
        assert!(q.take_sent());
        let rest: Vec<Event> = rx.try_iter().map(|s| s.event).collect();
        assert_eq!(
            rest,
            vec![
                Event::Warning(crate::worker::Warning::Text { text: "first".into() }),
                Event::Warning(crate::worker::Warning::Text { text: "second".into() }),
                Event::Dropped { counts: DropCounts { data: 2, ..Default::default() } },
            ]
        );
        // Counts are said again only when they change.
        assert!(q.flush());
        assert_eq!(rx.try_iter().count(), 0);
        assert!(!q.take_sent());
        drop(rx);
        assert!(!q.push(warning(8.0, "nobody listens")));
    }
}
