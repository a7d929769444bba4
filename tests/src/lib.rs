//! Helpers for tests that run on the real kernel inside the rig (`tests/rig/rig`):
//! a two-path topology in network namespaces with netem and link control, and waiting
//! for notifications with a readable failure message; and the benchmarks.

pub mod bench;

/// The two-path lab, with test-friendly panics.
pub mod topology {
    pub use sctp_core::lab::TwoPaths;

    /// A fresh two-path topology; panics with iproute2's message if it cannot be built.
    pub fn two_paths() -> TwoPaths {
        TwoPaths::new().unwrap_or_else(|e| panic!("build the two-path topology: {e}"))
    }
}

use sctp_core::{Endpoint, EndpointConfig, Received};
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
