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
        EventQueue { tx, backlog: VecDeque::new(), dropped: DropCounts::default(), reported: DropCounts::default() }
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
                Ok(()) => true,
                Err(TrySendError::Full(_)) => {
                    *count(&mut self.dropped) += 1;
                    true
                }
                Err(TrySendError::Disconnected(_)) => false,
            };
        }
        if self.backlog.is_empty() {
            match self.tx.try_send(ev) {
                Ok(()) => return true,
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
                Ok(()) => {}
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
                Ok(()) => self.reported = self.dropped,
                Err(TrySendError::Full(_)) => {}
                Err(TrySendError::Disconnected(_)) => return false,
            }
        }
        true
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
        // The UI drains: the warnings come in order, then the counts.
        let first: Vec<Stamped> = rx.try_iter().collect();
        assert_eq!(first.len(), 4);
        assert!(q.flush());
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
        drop(rx);
        assert!(!q.push(warning(8.0, "nobody listens")));
    }
}
