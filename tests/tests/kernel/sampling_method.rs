//! The worker samples its own associations by the sock_diag dump or by getsockopt,
//! whichever measured cheaper on the running kernel (User-Mode Linux, with dear syscalls,
//! keeps the dump; QEMU, with cheap ones, goes to getsockopt at a few hundred
//! associations). Whatever it chose: every association keeps being sampled, each is named
//! by a dump (its verification tags), and a choice of getsockopt says costs that justify it.

use super::{cfg, loopback};
use sctp_core::worker::{Command, Event, SampleMethod};
use sctp_core::{AssocId, Endpoint, EndpointConfig, Style};
use sctp_inspector_tests::harness::Harness;
use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;
use std::time::{Duration, Instant};

const PORT: u16 = 5347;
const PEERS: usize = 200;

#[test]
fn every_association_is_sampled_and_named_whichever_method_is_cheaper() {
    let mut h = Harness::new();
    let server = h.open("server", cfg(Style::OneToMany, vec![IpAddr::from([127, 0, 0, 1])], PORT, None));
    h.run(Command::Listen { ep: server, backlog: 64 }).unwrap();
    h.run(Command::SetSampleInterval { ms: 20 }).unwrap();
    // The peers are this test's own sockets: only the server's ends are the worker's.
    let peers: Vec<Endpoint> = (0..PEERS)
        .map(|_| {
            let c = Endpoint::open(&EndpointConfig { style: Style::OneToOne, ..Default::default() }).unwrap();
            c.connect_init(&[loopback(PORT)]).unwrap();
            c
        })
        .collect();

    // Every association up, sampled and named (tags only come from a dump sample).
    let live_named = |h: &Harness| {
        let v = &h.model.endpoints[&server];
        let live: Vec<_> = v.assocs.values().filter(|a| !a.gone).collect();
        (live.len(), live.iter().filter(|a| a.tags.is_some()).count())
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while live_named(&h) != (PEERS, PEERS) {
        assert!(Instant::now() < deadline, "(live, named) = {:?} of {PEERS}", live_named(&h));
        if let Ok(ev) = h.worker.events().recv_timeout(Duration::from_millis(100)) {
            h.model.apply(&ev);
        }
    }

    // Long enough for the first measurement of both methods and a later probe of the
    // losing one (16 ticks): every association is sampled all along.
    let mut samples: BTreeMap<AssocId, usize> = BTreeMap::new();
    let (mut methods, mut changes): (HashSet<String>, Vec<(f64, String)>) = (HashSet::new(), Vec::new());
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(6) {
        let Ok(ev) = h.worker.events().recv_timeout(Duration::from_millis(100)) else { continue };
        h.model.apply(&ev);
        match &ev.event {
            Event::Sample { ep, assoc, .. } if *ep == server => *samples.entry(*assoc).or_default() += 1,
            Event::Sampling { method, .. } => {
                let m = method.to_string();
                methods.insert(m.clone());
                if changes.last().is_none_or(|(_, last)| *last != m) {
                    changes.push((ev.t, m));
                }
            }
            _ => {}
        }
    }
    assert_eq!(samples.len(), PEERS, "associations sampled in 6 s");
    let fewest = samples.values().min().copied().unwrap_or_default();
    assert!(fewest >= 3, "an association got only {fewest} samples in 6 s");
    eprintln!("sampling {PEERS} associations: {methods:?}; fewest samples {fewest}");
    match &h.model.sampling {
        Some((SampleMethod::Dump, ..)) => {}
        Some((SampleMethod::GetsockoptCheaper { dump_us, getsockopt_us }, ..)) => {
            assert!(*getsockopt_us as f64 * 1.5 < *dump_us as f64, "chosen on {getsockopt_us} µs vs {dump_us} µs")
        }
        other => panic!("the dump should serve here: {other:?}"),
    }
    // The choice is said when it changes, not at every probe (at 20 ms a tick, a probe
    // every 16 ticks or more: 7 or more in 6 s). Where the two costs are close and the
    // machine is loaded it may change a few times, each change waiting twice as long.
    assert!(changes.len() <= 4, "{changes:#?}");
    drop(peers);
}
