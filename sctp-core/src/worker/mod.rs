//! The worker: one thread that owns every socket. Commands go in over a channel (and an
//! eventfd wakes the thread's poll); events come out over another, and a repaint callback
//! tells the UI there is something new. Nothing here knows about egui.

pub mod bursts;
pub mod connects;
pub mod dump_sampler;
mod engine;
pub mod flow;
mod protocol;
pub mod queue;
pub mod remote;
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
    /// The worker thread, or the threads that carry frames to and from a worker process.
    threads: Vec<JoinHandle<()>>,
    /// The worker process, when the worker runs in one.
    child: Option<std::process::Child>,
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
            threads: vec![thread],
            child: None,
        })
    }

    /// Starts a worker in another process (`program args…`, e.g. `sctp-inspector worker
    /// --stdio`) and drives it over its stdin and stdout, exactly as the thread: the same
    /// commands and events, as `remote` frames. Its stderr is left to this process's.
    pub fn spawn_process(program: &std::path::Path, args: &[&str], waker: Waker) -> std::io::Result<WorkerHandle> {
        use std::process::{Command as Process, Stdio};
        let mut child = Process::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let (Some(to_child), Some(from_child)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            return Err(std::io::Error::other("the worker process has no stdin/stdout pipes"));
        };
        let (cmd_tx, cmd_rx) = unbounded::<Request>();
        let (ev_tx, ev_rx) = bounded(queue::CHANNEL_EVENTS);
        let writer = std::thread::Builder::new().name("worker frames out".into()).spawn(move || {
            let mut out = std::io::BufWriter::new(to_child);
            // Ends when the handle drops its sender: closing the pipe tells the worker to stop.
            for req in cmd_rx {
                use std::io::Write;
                if out.write_all(&remote::encode(&req)).and_then(|()| out.flush()).is_err() {
                    return;
                }
            }
        })?;
        let reader = std::thread::Builder::new().name("worker frames in".into()).spawn(move || {
            use std::io::Read;
            let mut input = from_child;
            let mut frames = remote::FrameReader::default();
            let mut buf = vec![0u8; 64 << 10];
            let why = loop {
                match input.read(&mut buf) {
                    Ok(0) => break "the worker process closed its output (it exited)".to_string(),
                    Ok(n) => frames.push(&buf[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => break format!("reading from the worker process failed: {e}"),
                }
                let mut any = false;
                loop {
                    match frames.next_frame::<Stamped>() {
                        Ok(Some(ev)) => {
                            any = true;
                            // Blocks while the UI is behind: the pipe, then the worker's own
                            // bounded queue, take the pressure (and count what they drop).
                            if ev_tx.send(ev).is_err() {
                                return;
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            let what = format!("the worker process sent {e}");
                            let _ = ev_tx
                                .try_send(Stamped { t: 0.0, event: Event::Warning(Warning::WorkerStopped { what }) });
                            return;
                        }
                    }
                }
                if any {
                    waker();
                }
            };
            let _ = ev_tx.try_send(Stamped { t: 0.0, event: Event::Warning(Warning::WorkerStopped { what: why }) });
            waker();
        })?;
        Ok(WorkerHandle {
            commands: Some(cmd_tx),
            events: ev_rx,
            wake: Arc::new(sys::eventfd()?),
            next_request: AtomicU64::new(1),
            threads: vec![writer, reader],
            child: Some(child),
        })
    }

    /// The process the worker runs in, if it runs in one (its pid, for tests and diagnostics).
    pub fn process_id(&self) -> Option<u32> {
        self.child.as_ref().map(std::process::Child::id)
    }

    /// Queues a command; returns the request id its `Event::Done` will carry.
    pub fn send(&self, command: Command) -> u64 {
        let id = self.next_request.fetch_add(1, Ordering::Relaxed);
        self.send_request(Request { id, command });
        id
    }

    /// Queues a request that already has its id (the far end of a worker process keeps
    /// the ids its driver chose).
    pub fn send_request(&self, request: Request) {
        if let Some(tx) = &self.commands {
            // A send fails only if the worker is gone; its Done never comes and the UI
            // already shows the worker's last words in the log.
            let _ = tx.send(request);
            let _ = sys::eventfd_signal(&*self.wake);
        }
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
        // Nobody reads events any more: a sender blocked on a full channel must see that.
        self.events = crossbeam_channel::never();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        if let Some(mut child) = self.child.take() {
            // It exits once its stdin closed (above); one that does not is killed, so no
            // process outlives the handle.
            let deadline = std::time::Instant::now() + Duration::from_secs(3);
            while matches!(child.try_wait(), Ok(None)) && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if matches!(child.try_wait(), Ok(None)) {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
    }
}

/// The far end of `WorkerHandle::spawn_process`: runs a worker thread here, takes request
/// frames from `input` and writes event frames to `output`, until `input` closes (then every
/// socket is closed and it returns).
pub fn serve(input: impl std::io::Read + Send + 'static, output: impl std::io::Write) -> std::io::Result<()> {
    let mut output = std::io::BufWriter::new(output);
    let handle = Arc::new(WorkerHandle::spawn(Box::new(|| {}))?);
    let (stop_tx, stop_rx) = bounded::<String>(1);
    let to_worker = Arc::clone(&handle);
    let reader = std::thread::Builder::new().name("requests in".into()).spawn(move || {
        let mut input = input;
        let mut frames = remote::FrameReader::default();
        let mut buf = vec![0u8; 64 << 10];
        let why = loop {
            match input.read(&mut buf) {
                Ok(0) => break String::new(),
                Ok(n) => frames.push(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => break format!("read requests: {e}"),
            }
            loop {
                match frames.next_frame::<Request>() {
                    Ok(Some(req)) => to_worker.send_request(req),
                    Ok(None) => break,
                    Err(e) => return stop_tx.send(format!("the driver sent {e}")).unwrap_or(()),
                }
            }
        };
        drop(to_worker);
        let _ = stop_tx.send(why);
    })?;
    let result = loop {
        crossbeam_channel::select! {
            recv(handle.events()) -> ev => match ev {
                Ok(ev) => {
                    use std::io::Write;
                    let written = output.write_all(&remote::encode(&ev));
                    // Flush when nothing else is waiting, so events are not held back.
                    let written = written.and_then(|()| if handle.events().is_empty() { output.flush() } else { Ok(()) });
                    if let Err(e) = written {
                        break Err(e);
                    }
                }
                Err(_) => break Ok(()),
            },
            recv(stop_rx) -> why => {
                let why = why.unwrap_or_default();
                break if why.is_empty() { Ok(()) } else { Err(std::io::Error::other(why)) };
            }
        }
    };
    drop(handle);
    let _ = reader.join();
    result
}
