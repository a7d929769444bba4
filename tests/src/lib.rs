//! Helpers for tests that run on the real kernel inside the rig (`tests/rig/rig`):
//! a two-path topology in network namespaces with netem and link control, and waiting
//! for notifications with a readable failure message; and the benchmarks.

pub mod bench;

/// A worker on the real kernel with a model fed from its events, as the window has.
pub mod harness {
    use crate::require_kernel_sctp;
    use sctp_core::EndpointConfig;
    use sctp_core::model::Model;
    use sctp_core::worker::{Command, EpId, Event, Reply, Stamped, WorkerHandle};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    pub struct Harness {
        pub worker: WorkerHandle,
        pub model: Model,
        /// How often the worker asked for a repaint.
        pub wakeups: Arc<AtomicUsize>,
    }

    impl Default for Harness {
        fn default() -> Self {
            Harness::new()
        }
    }

    /// A waker that counts how often the worker asked for a repaint.
    fn counting_waker() -> (Arc<AtomicUsize>, sctp_core::worker::Waker) {
        let wakeups = Arc::new(AtomicUsize::new(0));
        let w = Arc::clone(&wakeups);
        (
            wakeups,
            Box::new(move || {
                w.fetch_add(1, Ordering::Relaxed);
            }),
        )
    }

    impl Harness {
        /// A worker sampling every 50 ms; fails at once without kernel SCTP.
        pub fn new() -> Harness {
            Harness::with_channel(sctp_core::worker::queue::CHANNEL_EVENTS)
        }

        /// With the worker's event channel holding at most `events`.
        pub fn with_channel(events: usize) -> Harness {
            require_kernel_sctp();
            let (wakeups, waker) = counting_waker();
            let worker = WorkerHandle::spawn_with(waker, Duration::from_millis(50), events).unwrap();
            Harness { worker, model: Model::default(), wakeups }
        }

        /// Over a worker in another process: `sctp-inspector worker --stdio`, built beside
        /// the test binaries.
        pub fn in_process_of_its_own() -> Harness {
            require_kernel_sctp();
            let (wakeups, waker) = counting_waker();
            let worker = WorkerHandle::spawn_process(&crate::inspector_binary(), &["worker", "--stdio"], waker)
                .expect("start sctp-inspector worker --stdio");
            Harness { worker, model: Model::default(), wakeups }
        }

        /// Over a worker inside a sandbox kernel (tests/rig/rig boots it), on the host.
        pub fn in_a_sandbox() -> Harness {
            let (wakeups, waker) = counting_waker();
            Harness { worker: crate::sandbox_worker(waker), model: Model::default(), wakeups }
        }

        /// Feeds events to the model until `want` matches one.
        pub fn until(&mut self, timeout: Duration, mut want: impl FnMut(&Stamped) -> bool) -> Stamped {
            let deadline = Instant::now() + timeout;
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                let ev = self.worker.events().recv_timeout(left).unwrap_or_else(|_| {
                    let log: Vec<String> =
                        self.model.log.iter().map(|e| format!("  {:.3} {:?} {}", e.t, e.kind, e.text())).collect();
                    panic!("timed out; log:\n{}", log.join("\n"))
                });
                self.model.apply(&ev);
                if want(&ev) {
                    return ev;
                }
            }
        }

        /// Sends a command and waits for its result.
        pub fn run(&mut self, command: Command) -> Result<Reply, sctp_core::Error> {
            let id = self.worker.send(command);
            let ev = self
                .until(Duration::from_secs(10), |e| matches!(&e.event, Event::Done { request, .. } if *request == id));
            let Event::Done { outcome, .. } = ev.event else { unreachable!() };
            outcome
        }

        pub fn open(&mut self, label: &str, config: EndpointConfig) -> EpId {
            match self.run(Command::Open { label: label.into(), config }) {
                Ok(Reply::Endpoint { ep }) => ep,
                other => panic!("open {label}: {other:?}"),
            }
        }
    }
}

/// The `sctp-inspector` binary cargo built beside the test binaries (target/…/deps/..).
pub fn inspector_binary() -> std::path::PathBuf {
    sctp_inspector::kernel::inspector_binary().unwrap_or_else(|e| panic!("{e} (cargo test --workspace builds it)"))
}

/// A worker inside a sandbox kernel booted by this repository's rig (on the host).
pub fn sandbox_worker(waker: sctp_core::worker::Waker) -> sctp_core::worker::WorkerHandle {
    let rig = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rig/rig");
    sctp_core::worker::WorkerHandle::spawn_sandbox(&rig, &inspector_binary(), waker)
        .expect("start a sandbox kernel with tests/rig/rig")
}

/// The two-path lab, with test-friendly panics.
pub mod topology {
    pub use sctp_core::lab::TwoPaths;

    /// A fresh two-path topology; panics with iproute2's message if it cannot be built.
    pub fn two_paths() -> TwoPaths {
        TwoPaths::new().unwrap_or_else(|e| panic!("build the two-path topology: {e}"))
    }
}

use sctp_core::{Endpoint, EndpointConfig, Received};

/// Scenario text: `top` (top-level keys after the name), a one-to-many server on
/// 127.0.0.1:`port` listening, a client associated with it as "c", then `then` (more
/// `[[step]]` tables).
pub fn loopback_scenario(name: &str, top: &str, port: u16, then: &str) -> String {
    format!(
        "name = \"{name}\"\n{top}\n\
         [[step]]\ndo = \"open\"\nendpoint = \"server\"\naddrs = [\"127.0.0.1\"]\nport = {port}\n\n\
         [[step]]\ndo = \"listen\"\nendpoint = \"server\"\n\n\
         [[step]]\ndo = \"open\"\nendpoint = \"client\"\n\n\
         [[step]]\ndo = \"connect\"\nendpoint = \"client\"\nto = [\"127.0.0.1:{port}\"]\nas = \"c\"\n\n{then}"
    )
}
use std::time::{Duration, Instant};

/// Fails the test at once, with the reason, when the kernel has no SCTP: these tests
/// must run in the rig, never pass vacuously on a host without SCTP.
pub fn require_kernel_sctp() {
    if let Err(e) = sctp_core::kernel_sctp_available() {
        panic!("kernel SCTP is needed for this test: {e}");
    }
}

/// Opens an endpoint with every notification subscribed.
pub fn open(cfg: EndpointConfig) -> Endpoint {
    require_kernel_sctp();
    let ep = Endpoint::open(&cfg).unwrap_or_else(|e| panic!("open {cfg:?}: {e}"));
    ep.subscribe_all().expect("subscribe to all notifications");
    ep
}

/// Receives until `want` matches, up to `timeout`. Everything received on the way is
/// returned too, so a failing test can show what did arrive.
pub fn wait_for(
    ep: &mut Endpoint,
    timeout: Duration,
    mut want: impl FnMut(&Received) -> bool,
) -> (Received, Vec<Received>) {
    let deadline = Instant::now() + timeout;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            panic!("timed out after {timeout:?}; received meanwhile:\n{}", describe(&seen));
        }
        match ep.recv_timeout(left).expect("receive") {
            Some(r) if want(&r) => return (r, seen),
            Some(r) => seen.push(r),
            None => {}
        }
    }
}

/// Receives everything that arrives within `window`.
pub fn drain(ep: &mut Endpoint, window: Duration) -> Vec<Received> {
    let deadline = Instant::now() + window;
    let mut out = Vec::new();
    while let Some(r) = ep.recv_timeout(deadline.saturating_duration_since(Instant::now())).expect("receive") {
        out.push(r);
    }
    out
}

pub fn describe(items: &[Received]) -> String {
    items.iter().map(|r| format!("  {r:?}")).collect::<Vec<_>>().join("\n")
}
