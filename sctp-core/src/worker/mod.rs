//! The worker: one thread that owns every socket. Commands go in over a channel (and an
//! eventfd wakes the thread's poll); events come out over another, and a repaint callback
//! tells the UI there is something new. Nothing here knows about egui.

pub mod bursts;
pub mod connects;
pub mod dump_sampler;
mod engine;
mod protocol;
pub mod queue;
pub mod sampler;
mod warning;

pub use protocol::*;
pub use warning::Warning;

use crate::sys;
use crossbeam_channel::{Receiver, Sender, bounded, unbounded};
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Called by the worker after it emitted events (the UI passes request_repaint_after).
pub type Waker = Box<dyn Fn() + Send>;

/// The other side of the worker thread: sends commands, receives stamped events. Dropping it stops the
/// thread, which closes every socket.
pub struct WorkerHandle {
    commands: Option<Sender<Request>>,
    events: Receiver<Stamped>,
    wake: Arc<OwnedFd>,
    next_request: AtomicU64,
    thread: Option<JoinHandle<()>>,
}

impl WorkerHandle {
    /// Starts the worker thread. `waker` runs on the worker thread after each burst of
    /// events; keep it cheap.
    pub fn spawn(waker: Waker) -> std::io::Result<WorkerHandle> {
        Self::spawn_with_interval(waker, Duration::from_millis(100))
    }

    /// Like `spawn`, sampling the worker's own associations every `sample_interval` from the start.
    pub fn spawn_with_interval(waker: Waker, sample_interval: Duration) -> std::io::Result<WorkerHandle> {
        Self::spawn_with(waker, sample_interval, queue::CHANNEL_EVENTS)
    }

    /// With the event channel holding at most `channel_events` (a stalled UI costs counted
    /// drops past it, see `queue`, not memory).
    pub fn spawn_with(waker: Waker, sample_interval: Duration, channel_events: usize) -> std::io::Result<WorkerHandle> {
        let (cmd_tx, cmd_rx) = unbounded();
        let (ev_tx, ev_rx) = bounded(channel_events.max(16));
        let wake = Arc::new(sys::eventfd()?);
        let worker_wake = Arc::clone(&wake);
        // HZ detection may sample the clock for a moment: do it here, not on the worker.
        crate::KernelHz::get();
        let thread = std::thread::Builder::new().name("sctp-core worker".into()).spawn(move || {
            let last_words = ev_tx.clone();
            let run = std::panic::AssertUnwindSafe(|| {
                engine::Engine::new(cmd_rx, ev_tx, worker_wake, waker, sample_interval).run()
            });
            if let Err(panic) = std::panic::catch_unwind(run) {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                // Never block here: a full channel keeps the UI's own view of the stop
                // (the channel closes and the window says the worker is gone).
                let _ = last_words.try_send(Stamped { t: 0.0, event: Event::Warning(Warning::WorkerStopped { what }) });
            }
        })?;
        Ok(WorkerHandle {
            commands: Some(cmd_tx),
            events: ev_rx,
            wake,
            next_request: AtomicU64::new(1),
            thread: Some(thread),
        })
    }

    /// Queues a command; returns the request id its `Event::Done` will carry.
    pub fn send(&self, command: Command) -> u64 {
        let id = self.next_request.fetch_add(1, Ordering::Relaxed);
        if let Some(tx) = &self.commands {
            // A send fails only if the worker is gone; its Done never comes and the UI
            // already shows the worker's last words in the log.
            let _ = tx.send(Request { id, command });
            let _ = sys::eventfd_signal(&*self.wake);
        }
        id
    }

    /// The event stream (blocking waits in tests and the headless runner).
    pub fn events(&self) -> &Receiver<Stamped> {
        &self.events
    }

    /// Everything that arrived since the last call, without blocking (the UI).
    pub fn drain(&self) -> Vec<Stamped> {
        self.events.try_iter().collect()
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        // Closing the command channel and waking the thread makes it close every socket
        // and return.
        self.commands = None;
        let _ = sys::eventfd_signal(&*self.wake);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
