//! Faults on the real kernel (in the rig), asserting on what a user would see. This binary
//! changes process-wide limits (the open-files limit), so it runs apart from the others.

use sctp_core::worker::{Command, Event};
use sctp_core::{Endpoint, EndpointConfig, Style};
use sctp_inspector_tests::harness::Harness;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

fn open_fds() -> u64 {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count() as u64).unwrap_or(0)
}

/// With the fd table full, accept fails with EMFILE while the listener stays readable:
/// the worker pauses accepting and says so once, instead of spinning on failed accepts and
/// flooding warnings; with room again it accepts every waiting peer.
#[test]
fn an_exhausted_fd_table_pauses_accepting_instead_of_spinning() {
    const PEERS: usize = 20;
    let mut h = Harness::new();
    h.until(Duration::from_secs(5), |e| matches!(e.event, Event::Hello { .. }));
    let config =
        EndpointConfig { style: Style::OneToOne, addrs: vec![[127, 0, 0, 1].into()], port: 5381, ..Default::default() };
    let listener = h.open("listener", config);
    h.run(Command::Listen { ep: listener, backlog: 64 }).unwrap();
    let to = [SocketAddr::from(([127, 0, 0, 1], 5381))];
    let clients: Vec<Endpoint> = (0..PEERS)
        .map(|_| Endpoint::open(&EndpointConfig { style: Style::OneToOne, ..Default::default() }).unwrap())
        .collect();
    // Room for two more descriptors, then connect every client (connecting needs none).
    let before = sctp_core::sys::set_open_files_limit(open_fds() + 2).unwrap();
    for c in &clients {
        c.connect_init(&to).unwrap();
    }
    let (mut pausing, mut warnings, mut accepted) = (0, 0, 0);
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(3) {
        let Ok(ev) = h.worker.events().recv_timeout(Duration::from_millis(100)) else { continue };
        h.model.apply(&ev);
        match &ev.event {
            Event::Warning { text } => {
                warnings += 1;
                pausing += usize::from(text.contains("pausing accepts") && text.contains("EMFILE"));
            }
            Event::Opened { ep, .. } if *ep != listener => accepted += 1,
            _ => {}
        }
    }
    sctp_core::sys::set_open_files_limit(before).unwrap();
    assert_eq!(pausing, 1, "one warning for the episode");
    assert!(warnings <= 3, "{warnings} warnings in 3 s: the worker is flooding");
    assert!(accepted < PEERS, "the limit did not bite ({accepted} accepted)");
    // Room again: every waiting peer is accepted, and the worker says accepting resumed.
    h.until(
        Duration::from_secs(20),
        |e| matches!(&e.event, Event::Warning { text } if text.contains("accepting again")),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while h.model.endpoints.len() < 1 + PEERS {
        assert!(Instant::now() < deadline, "only {} of {PEERS} accepted", h.model.endpoints.len() - 1);
        if let Ok(ev) = h.worker.events().recv_timeout(Duration::from_millis(100)) {
            h.model.apply(&ev);
        }
    }
    drop(clients);
}
