//! Faults on the real kernel (in the rig), asserting on what a user would see. This binary
//! changes process-wide limits (the open-files limit), so it runs apart from the others.

use sctp_core::notification::{AssocChangeState, PeerAddrState};
use sctp_core::options::{AssocInfo, OptionValue, PeerAddrParams, RtoInfo, Toggle};
use sctp_core::worker::{Command, EpId, Event};
use sctp_core::{Endpoint, EndpointConfig, Notification, Scope, SendInfo, Style};
use sctp_inspector_tests::harness::Harness;
use sctp_inspector_tests::topology::{TwoPaths, two_paths};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// One fault at a time: some change process-wide limits.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Short timers so failures are declared in seconds: rto 100–400 ms, heartbeats every
/// 200 ms, two failures per path, `assoc_max` for the association.
fn fast_timers(h: &mut Harness, ep: EpId, assoc_max: u16) {
    for value in [
        OptionValue::Rtoinfo(RtoInfo { initial: 200, max: 400, min: 100 }),
        OptionValue::PeerAddrParams(PeerAddrParams {
            hb_interval: 200,
            path_max_rxt: 2,
            heartbeat: Toggle::Enable,
            ..Default::default()
        }),
        OptionValue::Associnfo(AssocInfo { max_retrans: assoc_max, ..Default::default() }),
    ] {
        h.run(Command::SetOption { ep, scope: Scope::Future, value }).unwrap();
    }
}

fn open_fds() -> u64 {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count() as u64).unwrap_or(0)
}

/// With the fd table full, accept fails with EMFILE while the listener stays readable:
/// the worker pauses accepting and says so once, instead of spinning on failed accepts and
/// flooding warnings; with room again it accepts every waiting peer.
#[test]
fn an_exhausted_fd_table_pauses_accepting_instead_of_spinning() {
    const PEERS: usize = 20;
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
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

/// The window stops draining while a peer floods: the worker's channel stays bounded,
/// what it drops is counted, every received message is either delivered as an event or
/// counted, and command results still arrive afterwards.
#[test]
fn a_stalled_ui_costs_counted_drops_not_memory() {
    // A small channel, so a short flood overflows it (the real one holds 32,768 events).
    const CHANNEL: usize = 256;
    const MESSAGES: usize = 3_000;
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut h = Harness::with_channel(CHANNEL);
    h.until(Duration::from_secs(5), |e| matches!(e.event, Event::Hello { .. }));
    let config = EndpointConfig { addrs: vec![[127, 0, 0, 1].into()], port: 5382, ..Default::default() };
    let server = h.open("server", config);
    h.run(Command::Listen { ep: server, backlog: 8 }).unwrap();
    let client = Endpoint::open(&EndpointConfig::default()).unwrap();
    let assoc = client.connect(&[SocketAddr::from(([127, 0, 0, 1], 5382))], Duration::from_secs(5)).unwrap();
    // Nobody drains the events while the peer sends.
    let info = sctp_core::SendInfo { assoc, ..Default::default() };
    // Small messages fill the send buffer by count, not bytes; asking for an immediate SACK
    // now and then keeps the flood from waiting out delayed-SACK timers.
    let prompt =
        sctp_core::SendInfo { flags: sctp_core::SendFlags { sack_immediately: true, ..Default::default() }, ..info };
    for i in 0..MESSAGES {
        client.send(&(i as u32).to_be_bytes(), if i % 64 == 63 { &prompt } else { &info }).expect("send");
    }
    let (mut data, mut dropped, mut most_waiting) = (0usize, 0u64, 0usize);
    let deadline = Instant::now() + Duration::from_secs(120);
    while data + (dropped as usize) < MESSAGES {
        assert!(Instant::now() < deadline, "{data} delivered + {dropped} dropped of {MESSAGES}");
        most_waiting = most_waiting.max(h.worker.events().len());
        let Ok(ev) = h.worker.events().recv_timeout(Duration::from_millis(200)) else { continue };
        match &ev.event {
            Event::Data { .. } => data += 1,
            Event::Dropped { counts } => dropped = counts.data,
            _ => {}
        }
        h.model.apply(&ev);
    }
    assert_eq!(data + dropped as usize, MESSAGES, "every message delivered or counted, none twice");
    assert!(dropped > 0, "the flood should have filled the channel");
    assert!(most_waiting <= CHANNEL, "{most_waiting} events waited");
    assert!(h.model.log.iter().any(|e| e.text.starts_with("this window fell behind the worker")));
    // Results still come back.
    h.run(Command::Listen { ep: server, backlog: 4 }).expect("a command after the flood");
}

/// Both paths of a two-path association cut (no ABORT can arrive): after the kernel's
/// timers the worker reports COMM_LOST, the accepted one-to-one endpoint closes cleanly and
/// its association is shown ended; the listener goes on and accepts a new peer once the
/// links are back.
#[test]
fn a_silent_peer_is_declared_lost_and_the_listener_goes_on() {
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let topo = two_paths();
    let mut h = Harness::new();
    h.until(Duration::from_secs(5), |e| matches!(e.event, Event::Hello { .. }));
    let config = EndpointConfig {
        style: Style::OneToOne,
        addrs: TwoPaths::addrs_b(),
        port: 6100,
        netns: Some(topo.b.clone()),
        ..Default::default()
    };
    let listener = h.open("listener", config);
    fast_timers(&mut h, listener, 4);
    h.run(Command::Listen { ep: listener, backlog: 4 }).unwrap();
    let to: Vec<SocketAddr> = TwoPaths::addrs_b().into_iter().map(|ip| SocketAddr::new(ip, 6100)).collect();
    let client_config = |ns: &str| EndpointConfig {
        style: Style::OneToOne,
        addrs: TwoPaths::addrs_a(),
        netns: Some(ns.to_string()),
        ..Default::default()
    };
    let client = Endpoint::open(&client_config(&topo.a)).unwrap();
    client.connect(&to, Duration::from_secs(5)).unwrap();
    let accepted = match h
        .until(Duration::from_secs(10), |e| matches!(&e.event, Event::Opened { ep, .. } if *ep != listener))
        .event
    {
        Event::Opened { ep, .. } => ep,
        _ => unreachable!(),
    };

    h.until(Duration::from_secs(5), |e| matches!(&e.event, Event::Sample { ep, .. } if *ep == accepted));
    topo.link(1, false).unwrap();
    topo.link(2, false).unwrap();
    h.until(Duration::from_secs(60), |e| {
        matches!(&e.event, Event::Notification { ep, notification: Notification::AssocChange { state: AssocChangeState::CommLost, .. } } if *ep == accepted)
    });
    h.until(Duration::from_secs(10), |e| matches!(&e.event, Event::Closed { ep } if *ep == accepted));
    let assocs = &h.model.endpoints[&accepted].assocs;
    assert!(!assocs.is_empty() && assocs.values().all(|a| a.gone), "the association is shown ended");
    assert!(!h.model.endpoints[&listener].closed);

    // Links back: a new peer is accepted by the same listener.
    topo.link(1, true).unwrap();
    topo.link(2, true).unwrap();
    let again = Endpoint::open(&client_config(&topo.a)).unwrap();
    again.connect(&to, Duration::from_secs(10)).unwrap();
    h.until(
        Duration::from_secs(10),
        |e| matches!(&e.event, Event::Opened { ep, .. } if *ep != listener && *ep != accepted),
    );
    drop((client, again));
}

/// Numbered messages through the worker over the two-path lab, with `fault` applied after
/// a sixth of them arrived: returns the numbers in the order they arrived, the model, the
/// lab and the server's path 1 address.
fn stream_through_a_fault(port: u16, fault: impl FnOnce(&TwoPaths)) -> (Vec<u32>, Harness, TwoPaths, SocketAddr) {
    const MESSAGES: u32 = 1_500;
    let topo = two_paths();
    let mut h = Harness::new();
    h.until(Duration::from_secs(5), |e| matches!(e.event, Event::Hello { .. }));
    let in_ns =
        |ns: &str, addrs, port| EndpointConfig { addrs, port, netns: Some(ns.to_string()), ..Default::default() };
    let server = h.open("server", in_ns(&topo.b, TwoPaths::addrs_b(), port));
    let client = h.open("client", in_ns(&topo.a, TwoPaths::addrs_a(), 0));
    fast_timers(&mut h, server, 40);
    fast_timers(&mut h, client, 40);
    h.run(Command::Listen { ep: server, backlog: 4 }).unwrap();
    let to: Vec<SocketAddr> = TwoPaths::addrs_b().into_iter().map(|ip| SocketAddr::new(ip, port)).collect();
    let assoc = match h.run(Command::Connect { ep: client, addrs: to.clone(), init: None, timeout_ms: Some(5000) }) {
        Ok(sctp_core::worker::Reply::Assoc { assoc }) => assoc,
        other => panic!("connect: {other:?}"),
    };
    let send = |h: &Harness, n: u32| {
        let info = SendInfo { assoc, ..Default::default() };
        h.worker.send(Command::Send { ep: client, info, payload: n.to_be_bytes().to_vec(), count: 1, interval_ms: 0 });
    };
    let mut received: Vec<u32> = Vec::new();
    let mut take = |h: &mut Harness, until: usize| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while received.len() < until {
            assert!(Instant::now() < deadline, "{} of {until} arrived", received.len());
            let Ok(ev) = h.worker.events().recv_timeout(Duration::from_millis(200)) else { continue };
            if let Event::Data { ep, head, .. } = &ev.event
                && *ep == server
            {
                received.push(u32::from_be_bytes(head[..4].try_into().unwrap()));
            }
            h.model.apply(&ev);
        }
    };
    for n in 0..MESSAGES / 3 {
        send(&h, n);
    }
    take(&mut h, (MESSAGES / 6) as usize);
    fault(&topo);
    for n in MESSAGES / 3..MESSAGES {
        send(&h, n);
    }
    take(&mut h, MESSAGES as usize);
    assert_eq!(received, (0..MESSAGES).collect::<Vec<_>>(), "in order, exactly once");
    (received, h, topo, to[0])
}

/// The primary path goes down in the middle of a stream of numbered messages: every one
/// arrives, in order, exactly once, and the path change is in the log.
#[test]
fn the_primary_path_failing_mid_stream_loses_nothing() {
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // Path 1 is the primary (the first address connected to): take it down mid-stream.
    let (_, mut h, topo, path1) = stream_through_a_fault(6200, |topo| topo.link(1, false).unwrap());
    let noticed = |m: &sctp_core::model::Model| {
        m.log.iter().any(|e| e.text.starts_with(&format!("PEER_ADDR_CHANGE {path1} {:?}", PeerAddrState::Unreachable)))
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while !noticed(&h.model) {
        assert!(Instant::now() < deadline, "the path failure never reached the log");
        if let Ok(ev) = h.worker.events().recv_timeout(Duration::from_millis(200)) {
            h.model.apply(&ev);
        }
    }
    topo.link(1, true).unwrap();
}

/// 5 % loss and 50 ms ± 20 ms of jitter on the primary path: retransmissions and
/// reordering below, every message in order exactly once above, and the counters show it.
#[test]
fn loss_and_jitter_on_the_primary_path_lose_nothing() {
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (_, h, _topo, _) = stream_through_a_fault(6201, |topo| topo.netem(1, "delay 50ms 20ms loss 5%").unwrap());
    let retransmitted: u64 = h
        .model
        .endpoints
        .values()
        .flat_map(|v| v.assocs.values())
        .filter_map(|a| a.stats.map(|s| s.retransmitted_chunks))
        .sum();
    assert!(retransmitted > 0, "5 % loss should have cost retransmissions");
}

/// Associations accepted and ended by the thousand: the worker's descriptors and threads
/// return to their baseline, and the model forgets closed endpoints past its limit.
#[test]
fn accepting_and_ending_thousands_of_associations_leaks_nothing() {
    const ROUNDS: usize = 20;
    const PER_ROUND: usize = 100;
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let threads = || std::fs::read_dir("/proc/self/task").map(|d| d.count()).unwrap_or(0);
    let mut h = Harness::new();
    h.until(Duration::from_secs(5), |e| matches!(e.event, Event::Hello { .. }));
    let config =
        EndpointConfig { style: Style::OneToOne, addrs: vec![[127, 0, 0, 1].into()], port: 5391, ..Default::default() };
    let listener = h.open("listener", config);
    h.run(Command::Listen { ep: listener, backlog: 256 }).unwrap();
    let (fds_before, threads_before) = (open_fds(), threads());
    let to = [SocketAddr::from(([127, 0, 0, 1], 5391))];
    let mut closed = 0;
    for _ in 0..ROUNDS {
        let clients: Vec<Endpoint> = (0..PER_ROUND)
            .map(|_| {
                let c = Endpoint::open(&EndpointConfig { style: Style::OneToOne, ..Default::default() }).unwrap();
                c.connect(&to, Duration::from_secs(10)).unwrap();
                c
            })
            .collect();
        drop(clients);
        // Each peer's SHUTDOWN ends its accepted socket in the worker.
        let target = closed + PER_ROUND;
        let deadline = Instant::now() + Duration::from_secs(60);
        while closed < target {
            assert!(Instant::now() < deadline, "{closed} of {target} accepted endpoints closed");
            let Ok(ev) = h.worker.events().recv_timeout(Duration::from_millis(200)) else { continue };
            closed += usize::from(matches!(&ev.event, Event::Closed { ep } if *ep != listener));
            h.model.apply(&ev);
        }
    }
    assert_eq!(closed, ROUNDS * PER_ROUND);
    // The worker closes its sampling socket at its next tick once no association is left.
    let deadline = Instant::now() + Duration::from_secs(5);
    while open_fds() > fds_before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(open_fds() <= fds_before, "descriptors: {} before, {} after", fds_before, open_fds());
    assert_eq!(threads(), threads_before, "threads");
    assert!(
        h.model.endpoints.len() <= sctp_core::model::KEEP_CLOSED + 1,
        "{} endpoints still held by the model",
        h.model.endpoints.len()
    );
}

/// The paths flip in turn (one always up, the primary going down first) while numbered
/// messages flow: every one arrives, in order, exactly once. A short form: flips every
/// 0.7 s for as long as the stream lasts (the 30 s of 2 s flaps is the long form).
#[test]
fn flapping_paths_lose_nothing() {
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let flapper = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let mut handle = None;
    let (_, _h, topo, _) = stream_through_a_fault(6202, |topo| {
        let ns = topo.a.clone();
        let running = std::sync::Arc::clone(&flapper);
        handle = Some(std::thread::spawn(move || {
            let set = |path: u8, up: bool| {
                let dev = format!("va{path}");
                let state = if up { "up" } else { "down" };
                let ok = std::process::Command::new("/usr/sbin/ip")
                    .args(["-n", &ns, "link", "set", "dev", &dev, state])
                    .status()
                    .is_ok_and(|s| s.success());
                assert!(ok, "ip link set {dev} {state} in {ns}");
            };
            for flip in 0..8 {
                if !running.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let (down, up) = if flip % 2 == 0 { (1, 2) } else { (2, 1) };
                set(up, true);
                set(down, false);
                std::thread::sleep(Duration::from_millis(700));
            }
            set(1, true);
            set(2, true);
        }));
    });
    flapper.store(false, std::sync::atomic::Ordering::Relaxed);
    if let Some(h) = handle {
        h.join().expect("the flapping thread");
    }
    drop(topo);
}
