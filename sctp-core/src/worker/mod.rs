//! The worker: one thread that owns every socket. Commands go in over a channel (and an
//! eventfd wakes the thread's poll); events come out over another, and a repaint callback
//! tells the UI there is something new. Nothing here knows about egui.

pub mod bursts;
pub mod connects;
pub mod dump_sampler;
mod engine;
pub mod flow;
mod line_capture;
pub mod method_choice;
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

/// Chunks (up to 64 KiB each) of capture files queued toward the far side of a line: past
/// this the capture thread waits, and the kernel counts what it drops meanwhile.
const CAPTURE_CHUNKS: usize = 64;

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
    /// The child is a sandbox kernel's rig: it stops on SIGTERM, not when its input closes.
    terminate_child: bool,
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
        Self::spawn_engine(waker, sample_interval, channel_events, None)
    }

    /// A worker whose packet captures are written on the far side of a line: their files'
    /// bytes come out of the receiver (a bounded queue), not into files here.
    pub fn spawn_streaming_captures(waker: Waker) -> std::io::Result<(WorkerHandle, Receiver<Vec<u8>>)> {
        let (tx, rx) = bounded(CAPTURE_CHUNKS);
        let handle = Self::spawn_engine(waker, Duration::from_millis(100), queue::CHANNEL_EVENTS, Some(tx))?;
        Ok((handle, rx))
    }

    fn spawn_engine(
        waker: Waker,
        sample_interval: Duration,
        channel_events: usize,
        capture_stream: Option<Sender<Vec<u8>>>,
    ) -> std::io::Result<WorkerHandle> {
        let (cmd_tx, cmd_rx) = unbounded();
        let (ev_tx, ev_rx) = bounded(channel_events.max(16));
        let wake = Arc::new(sys::eventfd()?);
        let worker_wake = Arc::clone(&wake);
        // HZ detection may sample the clock for a moment: do it here, not on the worker.
        crate::KernelHz::get();
        let thread = std::thread::Builder::new().name("sctp-core worker".into()).spawn(move || {
            let last_words = ev_tx.clone();
            let run = std::panic::AssertUnwindSafe(|| {
                engine::Engine::new(cmd_rx, ev_tx, worker_wake, waker, sample_interval, capture_stream).run()
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
            terminate_child: false,
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
            let why = read_events(from_child, |ev: Stamped| ev_tx.send(ev).is_ok(), &waker);
            last_words(&ev_tx, why, &waker);
        })?;
        Self::remote(cmd_tx, ev_rx, [writer, reader], child, false)
    }

    /// A handle on a worker in another process: its frame threads (writer first) and the child.
    fn remote(
        commands: Sender<Request>,
        events: Receiver<Stamped>,
        threads: [JoinHandle<()>; 2],
        child: std::process::Child,
        sandbox: bool,
    ) -> std::io::Result<WorkerHandle> {
        Ok(WorkerHandle {
            commands: Some(commands),
            events,
            wake: Arc::new(sys::eventfd()?),
            next_request: AtomicU64::new(1),
            threads: threads.into(),
            child: Some(child),
            terminate_child: sandbox,
        })
    }

    /// Boots a sandbox kernel with `rig` (tests/rig/rig: User-Mode Linux with SCTP) and
    /// drives `program worker --line /dev/ttyS1` inside it over the kernel's second serial
    /// line, passed as this process's pipes (`ssl1=fd:3,fd:4`). Requests toward the guest
    /// are flow-controlled by the credit it grants (`flow`): UML stalls the line for good
    /// when too much waits unread.
    pub fn spawn_sandbox(
        rig: &std::path::Path,
        program: &std::path::Path,
        waker: Waker,
    ) -> std::io::Result<WorkerHandle> {
        use std::process::{Command as Process, Stdio};
        let (down_read, down_write) = sys::pipe()?;
        let (up_read, up_write) = sys::pipe()?;
        let mut cmd = Process::new(rig);
        cmd.arg("run").arg("--").arg(program).args(["worker", "--line", "/dev/ttyS1"]);
        cmd.env("RIG_UML_ARGS", "ssl1=fd:3,fd:4")
            .env("RIG_QUIET_STOP", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        sys::pass_fds(&mut cmd, vec![down_read, up_write]);
        // Its own process group: a Ctrl-C meant for the app reaches the rig only through
        // the app, and the group can be killed whole.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd.spawn()?;
        // The child's copies are its own now: ours close with `cmd`.
        drop(cmd);
        let (cmd_tx, cmd_rx) = unbounded::<Request>();
        let (credit_tx, credit_rx) = unbounded::<u32>();
        let (ev_tx, ev_rx) = bounded(queue::CHANNEL_EVENTS);
        let captures = line_capture::LineCaptures::default();
        // Both threads may have news for the UI: the writer refuses a capture here.
        let waker = Arc::new(std::sync::Mutex::new(waker));
        let shared_waker = |w: &Arc<std::sync::Mutex<Waker>>| -> Waker {
            let w = Arc::clone(w);
            Box::new(move || (w.lock().unwrap_or_else(std::sync::PoisonError::into_inner))())
        };
        let (writer_captures, writer_events, writer_waker) = (captures.clone(), ev_tx.clone(), shared_waker(&waker));
        let waker = shared_waker(&waker);
        let writer = std::thread::Builder::new().name("sandbox frames out".into()).spawn(move || {
            use std::io::Write;
            let mut out = std::fs::File::from(down_write);
            let mut sender = flow::CreditSender::new(flow::WINDOW);
            loop {
                crossbeam_channel::select! {
                    recv(cmd_rx) -> req => match req {
                        Ok(req) => match writer_captures.before_sending(&req) {
                            Ok(()) => sender.queue(&remote::encode(&req)),
                            Err(refused) => {
                                let _ = writer_events.send(*refused);
                                writer_waker();
                            }
                        },
                        Err(_) => return,
                    },
                    recv(credit_rx) -> n => match n {
                        Ok(n) if sender.credit(n as usize).is_ok() => {}
                        _ => return,
                    },
                }
                let bytes = sender.take_sendable();
                if !bytes.is_empty() && out.write_all(&bytes).is_err() {
                    return;
                }
            }
        })?;
        let reader = std::thread::Builder::new().name("sandbox frames in".into()).spawn(move || {
            let input = std::fs::File::from(up_read);
            let why = read_events(
                input,
                |up: remote::Up| match up {
                    remote::Up::Event(ev) => {
                        captures.observe(&ev);
                        ev_tx.send(*ev).is_ok()
                    }
                    remote::Up::Credit(n) => credit_tx.send(n).is_ok(),
                    remote::Up::CaptureBytes(bytes) => match captures.write(&bytes) {
                        Some(failed) => ev_tx.send(failed).is_ok(),
                        None => true,
                    },
                },
                &waker,
            );
            last_words(&ev_tx, why, &waker);
        })?;
        Self::remote(cmd_tx, ev_rx, [writer, reader], child, true)
    }

    /// Whether the worker runs inside a sandbox kernel (`spawn_sandbox`).
    pub fn in_sandbox(&self) -> bool {
        self.terminate_child
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

    /// At most `n` of the events that arrived, without blocking.
    pub fn drain_at_most(&self, n: usize) -> Vec<Stamped> {
        self.events.try_iter().take(n).collect()
    }

    /// A handle whose events are whatever `events` holds, with no worker behind it (pure
    /// tests of what consumes events).
    #[cfg(test)]
    pub(crate) fn over_events(events: Receiver<Stamped>) -> WorkerHandle {
        WorkerHandle {
            commands: None,
            events,
            wake: Arc::new(sys::eventfd().expect("eventfd")),
            next_request: AtomicU64::new(1),
            threads: Vec::new(),
            child: None,
            terminate_child: false,
        }
    }
}

/// How long a sandbox's rig gets to stop its kernel before it is killed with its process
/// group (the rig itself kills a VM that has not stopped 5 s after its SIGTERM).
const SANDBOX_STOP_GRACE_S: u64 = 8;

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        // Closing the command channel and waking the thread makes it close every socket
        // and return.
        self.commands = None;
        let _ = sys::eventfd_signal(&*self.wake);
        // Nobody reads events any more: a sender blocked on a full channel must see that.
        self.events = crossbeam_channel::never();
        let mut threads = self.threads.drain(..);
        // The worker thread, or the writer to a worker process (it ends with the commands).
        if let Some(t) = threads.next() {
            let _ = t.join();
        }
        let readers: Vec<JoinHandle<()>> = threads.collect();
        let Some(mut child) = self.child.take() else {
            readers.into_iter().for_each(|t| drop(t.join()));
            return;
        };
        if self.terminate_child {
            // A sandbox's rig stops its kernel on SIGTERM, whatever stage its boot is at.
            let _ = sys::terminate(child.id());
        }
        // A worker process exits once its stdin closed (above), a rig once its kernel
        // stopped; one that does not is killed with its process group, so no process
        // outlives the handle and this never waits for good.
        let grace = Duration::from_secs(if self.terminate_child { SANDBOX_STOP_GRACE_S } else { 3 });
        let deadline = std::time::Instant::now() + grace;
        while matches!(child.try_wait(), Ok(None)) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        if matches!(child.try_wait(), Ok(None)) {
            // (only a sandbox's rig was started as a process group's leader)
            if self.terminate_child {
                let _ = sys::kill_process_group(child.id());
            }
            let _ = child.kill();
        }
        let _ = child.wait();
        // Its output ends with it, and the reader with its output; unless something it
        // started still holds the pipe: then the reader is left blocked in its read (it
        // only forwards to a channel nobody reads) rather than hang whoever drops this.
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        for t in readers {
            while !t.is_finished() && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            if t.is_finished() {
                let _ = t.join();
            }
        }
    }
}

/// Says why a worker process's events ended (the log's last line about it) and wakes the UI.
fn last_words(events: &Sender<Stamped>, why: String, waker: &Waker) {
    let _ = events.try_send(Stamped { t: 0.0, event: Event::Warning(Warning::WorkerStopped { what: why }) });
    waker();
}

/// Why a stream of frames ended.
enum FramesEnded {
    /// The other side closed it.
    Closed,
    /// A read failed.
    Failed(std::io::Error),
    /// A frame did not decode.
    Bad(remote::FrameError),
    /// The consumer stopped taking them.
    Dropped,
}

/// Reads frames from `input` until it ends or `each` says stop. After each read, `after`
/// learns how many bytes came and whether a frame was among them (to wake the UI, to grant
/// credit).
fn read_frames<T: serde::de::DeserializeOwned>(
    mut input: impl std::io::Read,
    mut each: impl FnMut(T) -> bool,
    mut after: impl FnMut(usize, bool),
) -> FramesEnded {
    let mut frames = remote::FrameReader::default();
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => return FramesEnded::Closed,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return FramesEnded::Failed(e),
        };
        frames.push(&buf[..n]);
        let mut any = false;
        loop {
            match frames.next_frame::<T>() {
                Ok(Some(v)) => {
                    any = true;
                    // Blocks while the UI is behind: the pipe, then the worker's own
                    // bounded queue, take the pressure (and count what they drop).
                    if !each(v) {
                        return FramesEnded::Dropped;
                    }
                }
                Ok(None) => break,
                Err(e) => return FramesEnded::Bad(e),
            }
        }
        after(n, any);
    }
}

/// Reads a worker process's event frames until they end; returns why, for the log.
fn read_events<T: serde::de::DeserializeOwned>(
    input: impl std::io::Read,
    each: impl FnMut(T) -> bool,
    waker: &Waker,
) -> String {
    match read_frames(input, each, |_, any| {
        if any {
            waker();
        }
    }) {
        FramesEnded::Closed => "the worker process closed its output (it exited)".to_string(),
        FramesEnded::Failed(e) => format!("reading from the worker process failed: {e}"),
        FramesEnded::Bad(e) => format!("the worker process sent {e}"),
        FramesEnded::Dropped => "nobody reads the events any more".to_string(),
    }
}

/// How `serve` talks to its driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Pipes: event frames up, request frames down, the pipes' own flow control.
    Pipes,
    /// A sandbox kernel's serial line: `remote::Up` frames (events and credit) up; requests
    /// down only as far as the credit granted (`flow`).
    Line,
}

/// Opens a sandbox kernel's serial line for `serve` (O_RDWR|O_NOCTTY, raw mode): the read
/// half and the write half.
pub fn open_line(path: &std::path::Path) -> std::io::Result<(std::fs::File, std::fs::File)> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new().read(true).write(true).custom_flags(libc::O_NOCTTY).open(path)?;
    sys::make_raw(&file)?;
    let writer = file.try_clone()?;
    Ok((file, writer))
}

/// The far end of `WorkerHandle::spawn_process` (and of `spawn_sandbox`, over `Link::Line`):
/// runs a worker thread here, takes request frames from `input` and writes event frames to
/// `output`, until `input` closes (then every socket is closed and it returns).
pub fn serve(input: impl std::io::Read + Send + 'static, output: impl std::io::Write) -> std::io::Result<()> {
    serve_over(input, output, Link::Pipes)
}

/// `serve` over either kind of link.
pub fn serve_over(
    input: impl std::io::Read + Send + 'static,
    output: impl std::io::Write,
    link: Link,
) -> std::io::Result<()> {
    let mut output = std::io::BufWriter::new(output);
    // The worker wakes this loop once per turn of its own, and the loop then writes every
    // event queued and flushes once. Waiting on the event channel itself woke it for each
    // event, with a flush (a write to the line) each: ≈500 events/s through the sandbox.
    let (wake_tx, wake_rx) = bounded::<()>(1);
    let waker: Waker = Box::new(move || {
        let _ = wake_tx.try_send(());
    });
    // Over a line the driver is on another kernel with another filesystem: capture files
    // are written there, their bytes sent up as frames.
    let (handle, captured) = match link {
        Link::Pipes => (WorkerHandle::spawn(waker)?, crossbeam_channel::never()),
        Link::Line => WorkerHandle::spawn_streaming_captures(waker)?,
    };
    let handle = Arc::new(handle);
    let (stop_tx, stop_rx) = bounded::<String>(1);
    let (credit_tx, mut credit_rx) = unbounded::<usize>();
    let to_worker = Arc::clone(&handle);
    let reader = std::thread::Builder::new().name("requests in".into()).spawn(move || {
        let mut credit = flow::CreditReceiver::default();
        let send = |req: Request| {
            to_worker.send_request(req);
            true
        };
        let grant = |n, _| {
            if link == Link::Line
                && let Some(grant) = credit.consumed(n, flow::GRANT_EVERY)
            {
                let _ = credit_tx.send(grant);
            }
        };
        let why = match read_frames(input, send, grant) {
            FramesEnded::Closed | FramesEnded::Dropped => String::new(),
            FramesEnded::Failed(e) => format!("read requests: {e}"),
            FramesEnded::Bad(e) => format!("the driver sent {e}"),
        };
        drop(to_worker);
        let _ = stop_tx.send(why);
    })?;
    let result = loop {
        crossbeam_channel::select! {
            recv(credit_rx) -> grant => {
                use std::io::Write;
                let Ok(grant) = grant else {
                    // The request reader ended (its stop is on the way): no more credit.
                    credit_rx = crossbeam_channel::never();
                    continue;
                };
                if let Err(e) = output.write_all(&remote::encode(&remote::Up::Credit(grant as u32))).and_then(|()| output.flush()) {
                    break Err(e);
                }
            },
            recv(captured) -> bytes => {
                use std::io::Write;
                if let Ok(bytes) = bytes
                    && let Err(e) = output.write_all(&remote::encode(&remote::Up::CaptureBytes(bytes)))
                {
                    break Err(e);
                }
            },
            recv(wake_rx) -> woke => {
                if let Err(e) = write_events(&handle, &captured, &mut output, link) {
                    break Err(e);
                }
                // The worker ended (its waker went with it): what it said last is written.
                if woke.is_err() {
                    break Ok(());
                }
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

/// Writes every event queued, each preceded by the capture bytes queued before it, and
/// flushes once (capture bytes written on their own included).
fn write_events(
    handle: &WorkerHandle,
    captured: &Receiver<Vec<u8>>,
    output: &mut impl std::io::Write,
    link: Link,
) -> std::io::Result<()> {
    for ev in handle.events().try_iter() {
        // A capture's bytes were queued before the events that follow them (its stop joins
        // the writing thread first): send them first, so the file is whole when the driver
        // reads that the capture stopped.
        for bytes in captured.try_iter() {
            output.write_all(&remote::encode(&remote::Up::CaptureBytes(bytes)))?;
        }
        let frame = match link {
            Link::Pipes => remote::encode(&ev),
            Link::Line => remote::encode(&remote::Up::Event(Box::new(ev))),
        };
        output.write_all(&frame)?;
    }
    output.flush()
}

#[cfg(test)]
mod tests {
    use super::WorkerHandle;
    use std::time::{Duration, Instant};

    fn alive(pid: u32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|stat| stat.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')))
    }

    fn pid_in(file: &std::path::Path) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(pid) = std::fs::read_to_string(file).ok().and_then(|s| s.trim().parse().ok()) {
                return pid;
            }
            assert!(Instant::now() < deadline, "the stand-in rig never wrote {}", file.display());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// A rig that ignores SIGTERM, with one process in its group and one in a session of its
    /// own both holding the line: ending the handle still returns, kills the group, and does
    /// not wait for the process it cannot reach.
    #[test]
    fn a_sandbox_whose_rig_does_not_stop_is_killed_with_its_group_and_never_hangs_the_caller() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let rig = dir.path().join("rig");
        let (in_group, elsewhere) = (dir.path().join("in-group"), dir.path().join("elsewhere"));
        std::fs::write(
            &rig,
            format!(
                "#!/bin/sh\ntrap '' TERM\n\
                 setsid sh -c 'echo $$ > {elsewhere}; exec sleep 60' &\n\
                 sh -c 'echo $$ > {in_group}; exec sleep 60' &\nwait\n",
                elsewhere = elsewhere.display(),
                in_group = in_group.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&rig, std::fs::Permissions::from_mode(0o755)).unwrap();
        let handle = WorkerHandle::spawn_sandbox(&rig, std::path::Path::new("/bin/true"), Box::new(|| {})).unwrap();
        let rig_pid = handle.process_id().unwrap();
        let (in_group, elsewhere) = (pid_in(&in_group), pid_in(&elsewhere));
        let began = Instant::now();
        let (done_tx, done) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            drop(handle);
            let _ = done_tx.send(());
        });
        let ended = done.recv_timeout(Duration::from_secs(30));
        let took = began.elapsed();
        let still_elsewhere = alive(elsewhere);
        let _ = std::process::Command::new("kill").arg("-9").arg(elsewhere.to_string()).status();
        assert!(still_elsewhere, "the process outside the group was out of reach (the test's premise)");
        assert!(ended.is_ok(), "ending the handle was still waiting after {took:?}");
        assert!(took >= Duration::from_secs(super::SANDBOX_STOP_GRACE_S), "the rig had its grace: {took:?}");
        assert!(!alive(rig_pid), "the rig was killed");
        assert!(!alive(in_group), "what the rig started in its group was killed");
    }
}
