//! Faults on the real kernel (in the rig), asserting on what a user would see. This binary
//! changes process-wide limits (the open-files limit), so its cases run one at a time.
//!
//! `FAULTS_LONG=1` selects the long forms (30 s of flapping paths, 10,000 associations);
//! `RELIABILITY_OUT=DIR` makes each case write its row of `tests/reliability/results.md`
//! there. `tests/reliability/run` sets both.

use sctp_core::model::Logged;
use sctp_core::notification::{AssocChangeState, PeerAddrState};
use sctp_core::options::{AssocInfo, OptionValue, PeerAddrParams, RtoInfo, Toggle};
use sctp_core::worker::{Command, EpId, Event, Warning};
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

/// Resident memory of this process, KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap_or_default();
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0)
}

fn long_form() -> bool {
    std::env::var_os("FAULTS_LONG").is_some()
}

/// One case's row of the results table: descriptors and memory when it began, and what
/// it injected, checked and counted when it ends.
struct Report {
    case: &'static str,
    fds: u64,
    rss_kib: u64,
}

impl Report {
    fn start(case: &'static str) -> Report {
        Report { case, fds: open_fds(), rss_kib: rss_kib() }
    }

    /// Writes the row to `$RELIABILITY_OUT/<case>.md` when that is set. `messages`: sent
    /// and received, for cases that count them.
    fn finish(self, injected: &str, checked: &str, messages: Option<(usize, usize)>) {
        let Some(dir) = std::env::var_os("RELIABILITY_OUT") else { return };
        let (sent, received, lost) = match messages {
            Some((s, r)) => (s.to_string(), r.to_string(), s.saturating_sub(r).to_string()),
            None => ("–".into(), "–".into(), "–".into()),
        };
        let mib = |kib: u64| format!("{:.1}", kib as f64 / 1024.0);
        let row = format!(
            "| {} | {injected} | {checked} | {sent} | {received} | {lost} | {} → {} | {} → {} |\n",
            self.case,
            self.fds,
            open_fds(),
            mib(self.rss_kib),
            mib(rss_kib())
        );
        let path = std::path::Path::new(&dir).join(format!("{}.md", self.case.replace(' ', "-")));
        std::fs::write(&path, row).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }
}

/// The `peer` binary of this package: an SCTP peer in a process of its own.
struct PeerProcess {
    child: std::process::Child,
    lines: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
}

impl PeerProcess {
    fn start(args: &[String]) -> PeerProcess {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_peer"))
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start the peer process");
        let stdout = child.stdout.take().expect("the peer's stdout");
        PeerProcess { child, lines: std::io::BufRead::lines(std::io::BufReader::new(stdout)) }
    }

    /// The peer's next line that starts with `prefix`, passing over "connecting" (its exit
    /// status if it ended instead).
    fn expect(&mut self, prefix: &str) -> String {
        loop {
            match self.lines.next() {
                Some(Ok(line)) if line.starts_with(prefix) => return line,
                Some(Ok(line)) if line == "connecting" => continue,
                other => panic!("the peer said {other:?} instead of \"{prefix} …\"; it {:?}", self.child.wait()),
            }
        }
    }

    /// SIGKILL: the process ends without closing anything itself.
    fn kill(mut self) {
        self.child.kill().expect("SIGKILL the peer");
        self.child.wait().expect("reap the peer");
    }
}

/// A listener of `style` on 127.0.0.1:`port`, opened and listening through the worker.
fn loopback_listener(h: &mut Harness, style: Style, port: u16, backlog: i32) -> EpId {
    let config = EndpointConfig { style, addrs: vec![[127, 0, 0, 1].into()], port, ..Default::default() };
    let ep = h.open("listener", config);
    h.run(Command::Listen { ep, backlog }).unwrap();
    ep
}

/// A worker that has said hello.
fn started(h: Harness) -> Harness {
    let mut h = h;
    h.until(Duration::from_secs(5), |e| matches!(e.event, Event::Hello { .. }));
    h
}

fn addr_list(addrs: &[SocketAddr]) -> String {
    addrs.iter().map(SocketAddr::to_string).collect::<Vec<_>>().join(",")
}

/// Numbered 4-byte messages (`peer`'s) received by `ep`, until `count` arrived.
fn take_numbers(h: &mut Harness, ep: EpId, count: usize, into: &mut Vec<u32>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while into.len() < count {
        assert!(Instant::now() < deadline, "{} of {count} messages arrived", into.len());
        let Ok(ev) = h.worker.events().recv_timeout(Duration::from_millis(200)) else { continue };
        if let Event::Data { ep: at, head, .. } = &ev.event
            && *at == ep
        {
            into.push(u32::from_be_bytes(head[..4].try_into().expect("a 4-byte number")));
        }
        h.model.apply(&ev);
    }
}

fn is_assoc_change(ev: &sctp_core::worker::Stamped, at: EpId, want: AssocChangeState) -> Option<sctp_core::AssocId> {
    match &ev.event {
        Event::Notification { ep, notification: Notification::AssocChange { assoc, state, .. } }
            if *ep == at && *state == want =>
        {
            Some(*assoc)
        }
        _ => None,
    }
}

/// With the fd table full, accept fails with EMFILE while the listener stays readable:
/// the worker pauses accepting and says so once, instead of spinning on failed accepts and
/// flooding warnings; with room again it accepts every waiting peer.
#[test]
fn an_exhausted_fd_table_pauses_accepting_instead_of_spinning() {
    const PEERS: usize = 20;
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let report = Report::start("fd table full during accept");
    let mut h = started(Harness::new());
    let listener = loopback_listener(&mut h, Style::OneToOne, 5381, 64);
    let to = [SocketAddr::from(([127, 0, 0, 1], 5381))];
    let clients: Vec<Endpoint> = (0..PEERS)
        .map(|_| Endpoint::open(&EndpointConfig { style: Style::OneToOne, ..Default::default() }).unwrap())
        .collect();
    // Room for two more descriptors, then connect every client (connecting needs none).
    let before = sctp_core::test_door::set_open_files_limit(open_fds() + 2).unwrap();
    for c in &clients {
        c.connect_init(&to).unwrap();
    }
    let (mut pausing, mut warnings, mut accepted) = (0, 0, 0);
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(3) {
        let Ok(ev) = h.worker.events().recv_timeout(Duration::from_millis(100)) else { continue };
        h.model.apply(&ev);
        match &ev.event {
            Event::Warning(warning) => {
                warnings += 1;
                let emfile =
                    |w: &Warning| matches!(w, Warning::AcceptPaused { error, .. } if error.errno == Some(libc::EMFILE));
                pausing += usize::from(emfile(warning));
            }
            Event::Opened { ep, .. } if *ep != listener => accepted += 1,
            _ => {}
        }
    }
    sctp_core::test_door::set_open_files_limit(before).unwrap();
    assert_eq!(pausing, 1, "one warning for the episode");
    assert!(warnings <= 3, "{warnings} warnings in 3 s: the worker is flooding");
    assert!(accepted < PEERS, "the limit did not bite ({accepted} accepted)");
    // Room again: every waiting peer is accepted, and the worker says accepting resumed.
    h.until(
        Duration::from_secs(20),
        |e| matches!(&e.event, Event::Warning(Warning::AcceptingAgain { ep, .. }) if *ep == listener),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while h.model.endpoints.len() < 1 + PEERS {
        assert!(Instant::now() < deadline, "only {} of {PEERS} accepted", h.model.endpoints.len() - 1);
        if let Ok(ev) = h.worker.events().recv_timeout(Duration::from_millis(100)) {
            h.model.apply(&ev);
        }
    }
    drop((clients, h));
    report.finish(
        &format!("open-files limit at 2 above use while {PEERS} peers connect to a one-to-one listener"),
        &format!(
            "one \"pausing accepts (EMFILE)\" warning ({warnings} in all); all {PEERS} accepted once room is back"
        ),
        None,
    );
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
    let report = Report::start("UI stalled while a peer floods");
    let mut h = started(Harness::with_channel(CHANNEL));
    let server = loopback_listener(&mut h, Style::OneToMany, 5382, 8);
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
    assert!(h.model.log.iter().any(|e| matches!(e.what, Logged::Warning(Warning::FellBehind { .. }))));
    // Results still come back.
    h.run(Command::Listen { ep: server, backlog: 4 }).expect("a command after the flood");
    drop((h, client));
    report.finish(
        &format!("{MESSAGES} messages flood a {CHANNEL}-event channel nobody drains"),
        &format!(
            "at most {CHANNEL} events waited ({most_waiting}); {data} delivered + {dropped} counted as dropped; \
             the log says so; commands still answered"
        ),
        Some((MESSAGES, data + dropped as usize)),
    );
}

/// The peer's links are cut and then its process is SIGKILLed, so its kernel's ABORT never
/// arrives: after the kernel's timers the worker reports COMM_LOST, the accepted one-to-one
/// endpoint closes cleanly and its association is shown ended; the listener goes on and
/// accepts a new peer once the links are back.
#[test]
fn a_peer_killed_behind_cut_links_is_declared_lost_and_the_listener_goes_on() {
    const MESSAGES: u32 = 100;
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let report = Report::start("peer SIGKILLed behind cut links");
    let topo = two_paths();
    let mut h = started(Harness::new());
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
    let bind_a = TwoPaths::addrs_a().iter().map(ToString::to_string).collect::<Vec<_>>().join(",");
    let peer_args = |first: u32| {
        let messages = MESSAGES.to_string();
        ["--netns", &topo.a, "--bind", &bind_a, "--to", &addr_list(&to), "--messages", &messages]
            .into_iter()
            .map(String::from)
            .chain(["--first".into(), first.to_string()])
            .collect::<Vec<String>>()
    };
    let mut peer = PeerProcess::start(&peer_args(0));
    peer.expect("up");
    let accepted = match h
        .until(Duration::from_secs(10), |e| matches!(&e.event, Event::Opened { ep, .. } if *ep != listener))
        .event
    {
        Event::Opened { ep, .. } => ep,
        _ => unreachable!(),
    };
    peer.expect("sent");
    let mut numbers = Vec::new();
    take_numbers(&mut h, accepted, MESSAGES as usize, &mut numbers);

    topo.link(1, false).unwrap();
    topo.link(2, false).unwrap();
    peer.kill();
    h.until(Duration::from_secs(60), |e| is_assoc_change(e, accepted, AssocChangeState::CommLost).is_some());
    h.until(Duration::from_secs(10), |e| matches!(&e.event, Event::Closed { ep } if *ep == accepted));
    let assocs = &h.model.endpoints[&accepted].assocs;
    assert!(!assocs.is_empty() && assocs.values().all(|a| a.gone), "the association is shown ended");
    assert!(!h.model.endpoints[&listener].closed);

    // Links back: a new peer is accepted by the same listener.
    topo.link(1, true).unwrap();
    topo.link(2, true).unwrap();
    let mut again = PeerProcess::start(&peer_args(MESSAGES));
    again.expect("up");
    let second = match h
        .until(
            Duration::from_secs(10),
            |e| matches!(&e.event, Event::Opened { ep, .. } if *ep != listener && *ep != accepted),
        )
        .event
    {
        Event::Opened { ep, .. } => ep,
        _ => unreachable!(),
    };
    again.expect("sent");
    take_numbers(&mut h, second, 2 * MESSAGES as usize, &mut numbers);
    assert_eq!(numbers, (0..2 * MESSAGES).collect::<Vec<_>>(), "in order, exactly once");
    again.kill();
    drop((h, topo));
    report.finish(
        "both links of the peer cut, then its process SIGKILLed (its ABORT cannot arrive)",
        "COMM_LOST after the timers; the accepted one-to-one endpoint closed, its association shown ended; \
         the listener accepts a new peer process once the links are back",
        Some((2 * MESSAGES as usize, numbers.len())),
    );
}

/// The peer's process is SIGKILLed right after queueing its messages: its kernel still
/// delivers them and shuts the association down; every message arrives once, in order, and
/// the accepted endpoint closes cleanly.
#[test]
fn a_killed_peer_process_loses_nothing_it_sent_and_ends_cleanly() {
    const MESSAGES: usize = 2_000;
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let report = Report::start("peer SIGKILLed after sending");
    let mut h = started(Harness::new());
    let listener = loopback_listener(&mut h, Style::OneToOne, 5384, 4);
    let mut peer =
        PeerProcess::start(&["--to".into(), "127.0.0.1:5384".into(), "--messages".into(), MESSAGES.to_string()]);
    peer.expect("up");
    peer.expect("sent");
    peer.kill();
    let accepted = match h
        .until(Duration::from_secs(10), |e| matches!(&e.event, Event::Opened { ep, .. } if *ep != listener))
        .event
    {
        Event::Opened { ep, .. } => ep,
        _ => unreachable!(),
    };
    let mut numbers = Vec::new();
    take_numbers(&mut h, accepted, MESSAGES, &mut numbers);
    assert_eq!(numbers, (0..MESSAGES as u32).collect::<Vec<_>>(), "in order, exactly once");
    h.until(Duration::from_secs(30), |e| matches!(&e.event, Event::Closed { ep } if *ep == accepted));
    let ended = h.model.log.iter().any(|e| {
        matches!(e.notification(), Some(Notification::AssocChange { state: AssocChangeState::ShutdownComplete, .. }))
    });
    assert!(ended, "the association ended by the peer kernel's SHUTDOWN");
    assert!(h.model.endpoints[&accepted].assocs.values().all(|a| a.gone), "shown ended");
    drop(h);
    report.finish(
        "the peer process SIGKILLed right after queueing its messages (its kernel shuts down)",
        "every queued message delivered; SHUTDOWN_COMPLETE; accepted endpoint closed, association shown ended",
        Some((MESSAGES, numbers.len())),
    );
}

/// A peer that sent an ABORT with a reason: the log says COMM_LOST with the peer's cause
/// and reason text, the association is shown ended, the one-to-many endpoint goes on.
#[test]
fn a_peer_abort_shows_its_reason() {
    const REASON: &str = "maintenance window";
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let report = Report::start("peer ABORT with a reason");
    let mut h = started(Harness::new());
    let server = loopback_listener(&mut h, Style::OneToMany, 5385, 4);
    let client = Endpoint::open(&EndpointConfig::default()).unwrap();
    let at_client = client.connect(&[SocketAddr::from(([127, 0, 0, 1], 5385))], Duration::from_secs(5)).unwrap();
    let ev = h.until(Duration::from_secs(5), |e| is_assoc_change(e, server, AssocChangeState::CommUp).is_some());
    let assoc = is_assoc_change(&ev, server, AssocChangeState::CommUp).unwrap();
    // Sampled once, so the window shows the association before it ends.
    h.until(
        Duration::from_secs(5),
        |e| matches!(&e.event, Event::Sample { ep, assoc: a, .. } if *ep == server && *a == assoc),
    );
    client.abort(at_client, REASON.as_bytes()).unwrap();
    h.until(Duration::from_secs(10), |e| is_assoc_change(e, server, AssocChangeState::CommLost).is_some());
    let want = format!(
        "ASSOC_CHANGE CommLost assoc {} out 0 in 0; the peer's ABORT: User-Initiated Abort (cause 12) \"{REASON}\" \
         (RFC 9260 §3.3.10.12)",
        assoc.0
    );
    assert!(h.model.log.iter().any(|e| e.text() == want), "no \"{want}\" in the log");
    assert!(h.model.endpoints[&server].assocs[&assoc].gone, "shown ended as soon as COMM_LOST arrived");
    h.run(Command::Listen { ep: server, backlog: 4 }).expect("the endpoint goes on");
    drop((h, client));
    report.finish(
        &format!("the peer aborts with the reason \"{REASON}\""),
        "COMM_LOST logged with \"User-Initiated Abort (cause 12)\", the reason and its RFC section; \
         association shown ended; the endpoint goes on",
        None,
    );
}

/// The peer process dies behind cut links (its ABORT is lost) and starts again on the same
/// addresses and port before the links return: the worker's association sees a RESTART
/// (same association id), and messages from both lives arrive once, in order.
#[test]
fn a_peer_restarted_on_the_same_port_is_a_restart() {
    const MESSAGES: u32 = 50;
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let report = Report::start("peer restart on the same port");
    let topo = two_paths();
    let mut h = started(Harness::new());
    let config =
        EndpointConfig { addrs: TwoPaths::addrs_b(), port: 6110, netns: Some(topo.b.clone()), ..Default::default() };
    let server = h.open("server", config);
    fast_timers(&mut h, server, 40);
    h.run(Command::Listen { ep: server, backlog: 4 }).unwrap();
    let to: Vec<SocketAddr> = TwoPaths::addrs_b().into_iter().map(|ip| SocketAddr::new(ip, 6110)).collect();
    let bind_a = TwoPaths::addrs_a().iter().map(ToString::to_string).collect::<Vec<_>>().join(",");
    let peer_args = |first: u32| -> Vec<String> {
        let mut args: Vec<String> = ["--netns", &topo.a, "--bind", &bind_a, "--port", "6111", "--linger0"]
            .into_iter()
            .map(String::from)
            .collect();
        args.extend(["--to".into(), addr_list(&to), "--messages".into(), MESSAGES.to_string()]);
        args.extend(["--first".into(), first.to_string()]);
        args
    };
    let mut first = PeerProcess::start(&peer_args(0));
    first.expect("up");
    first.expect("sent");
    let ev = h.until(Duration::from_secs(10), |e| is_assoc_change(e, server, AssocChangeState::CommUp).is_some());
    let assoc = is_assoc_change(&ev, server, AssocChangeState::CommUp).unwrap();
    let mut numbers = Vec::new();
    take_numbers(&mut h, server, MESSAGES as usize, &mut numbers);

    topo.link(1, false).unwrap();
    topo.link(2, false).unwrap();
    first.kill();
    // The new process's INIT goes out while the links are still down (its retransmission,
    // 3 s later, gets through). Had the links come back first, the worker's next heartbeat
    // would have met no association on the peer's side and drawn an out-of-the-blue ABORT
    // (RFC 9260 §8.4): COMM_LOST, then the new process's association as a new one.
    let mut second = PeerProcess::start(&peer_args(MESSAGES));
    second.expect("connecting");
    std::thread::sleep(Duration::from_millis(100));
    topo.link(1, true).unwrap();
    topo.link(2, true).unwrap();
    second.expect("up");
    second.expect("sent");
    let ev = h.until(Duration::from_secs(10), |e| is_assoc_change(e, server, AssocChangeState::Restart).is_some());
    assert_eq!(is_assoc_change(&ev, server, AssocChangeState::Restart), Some(assoc), "the same association");
    take_numbers(&mut h, server, 2 * MESSAGES as usize, &mut numbers);
    assert_eq!(numbers, (0..2 * MESSAGES).collect::<Vec<_>>(), "in order, exactly once");
    assert!(h.model.log.iter().any(|e| matches!(
        e.notification(),
        Some(Notification::AssocChange { state: AssocChangeState::Restart, assoc: a, .. }) if *a == assoc
    )));
    assert!(!h.model.endpoints[&server].assocs[&assoc].gone, "the association lives on");
    second.kill();
    drop((h, topo));
    report.finish(
        "the peer process SIGKILLed behind cut links; a new process on the same addresses and port connects as \
         the links come back",
        "ASSOC_CHANGE RESTART on the same association id; messages of both lives in order, exactly once",
        Some((2 * MESSAGES as usize, numbers.len())),
    );
}

/// What `stream_through_a_fault` saw.
struct Streamed {
    received: Vec<u32>,
    h: Harness,
    topo: TwoPaths,
    /// The server's path 1 address.
    path1: SocketAddr,
}

/// Numbered messages through the worker over the two-path lab: a third sent, `fault`
/// applied once a sixth arrived, the rest sent; then, while `injecting` says the fault is
/// still going on, more in rounds of 100. Asserts every one arrived in order, exactly once.
fn stream_through_a_fault(port: u16, fault: impl FnOnce(&TwoPaths), injecting: impl Fn() -> bool) -> Streamed {
    const MESSAGES: u32 = 1_500;
    const ROUND: u32 = 100;
    let topo = two_paths();
    let mut h = started(Harness::new());
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
    let send = |h: &Harness, numbers: std::ops::Range<u32>| {
        for n in numbers {
            let info = SendInfo { assoc, ..Default::default() };
            let payload = n.to_be_bytes().to_vec();
            h.worker.send(Command::Send { ep: client, info, payload, count: 1, interval_ms: 0 });
        }
    };
    let mut received: Vec<u32> = Vec::new();
    send(&h, 0..MESSAGES / 3);
    take_numbers(&mut h, server, (MESSAGES / 6) as usize, &mut received);
    fault(&topo);
    send(&h, MESSAGES / 3..MESSAGES);
    take_numbers(&mut h, server, MESSAGES as usize, &mut received);
    let mut sent = MESSAGES;
    while injecting() {
        send(&h, sent..sent + ROUND);
        sent += ROUND;
        take_numbers(&mut h, server, sent as usize, &mut received);
    }
    assert_eq!(received, (0..sent).collect::<Vec<_>>(), "in order, exactly once");
    Streamed { received, h, topo, path1: to[0] }
}

/// The primary path goes down in the middle of a stream of numbered messages: every one
/// arrives, in order, exactly once, and the path change is in the log.
#[test]
fn the_primary_path_failing_mid_stream_loses_nothing() {
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let report = Report::start("primary path down mid-stream");
    // Path 1 is the primary (the first address connected to): take it down mid-stream.
    let Streamed { received, mut h, topo, path1 } =
        stream_through_a_fault(6200, |topo| topo.link(1, false).unwrap(), || false);
    let noticed = |m: &sctp_core::model::Model| {
        m.log.iter().any(|e| {
            matches!(
                e.notification(),
                Some(Notification::PeerAddrChange { addr: Some(a), state: PeerAddrState::Unreachable, .. })
                    if *a == path1
            )
        })
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while !noticed(&h.model) {
        assert!(Instant::now() < deadline, "the path failure never reached the log");
        if let Ok(ev) = h.worker.events().recv_timeout(Duration::from_millis(200)) {
            h.model.apply(&ev);
        }
    }
    topo.link(1, true).unwrap();
    drop((h, topo));
    report.finish(
        "the primary path's link taken down after 250 of 1,500 numbered messages arrived",
        "every message in order, exactly once; PEER_ADDR_CHANGE Unreachable for the path in the log",
        Some((received.len(), received.len())),
    );
}

/// 5 % loss and 50 ms ± 20 ms of jitter on the primary path: retransmissions and
/// reordering below, every message in order exactly once above, and the counters show it.
#[test]
fn loss_and_jitter_on_the_primary_path_lose_nothing() {
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let report = Report::start("loss and jitter on the primary path");
    let Streamed { received, h, topo, .. } =
        stream_through_a_fault(6201, |topo| topo.netem(1, "delay 50ms 20ms loss 5%").unwrap(), || false);
    let retransmitted: u64 = h
        .model
        .endpoints
        .values()
        .flat_map(|v| v.assocs.values())
        .filter_map(|a| a.stats.map(|s| s.retransmitted_chunks))
        .sum();
    assert!(retransmitted > 0, "5 % loss should have cost retransmissions");
    drop((h, topo));
    report.finish(
        "netem on the primary path: delay 50 ms ± 20 ms, 5 % loss",
        &format!("every message in order, exactly once; {retransmitted} chunks retransmitted (counters)"),
        Some((received.len(), received.len())),
    );
}

/// The paths go down in turn (one always up, the primary first) while numbered messages
/// flow: every one arrives, in order, exactly once, and the app goes on. Short form: a flip
/// every 0.7 s, 8 flips; long form (FAULTS_LONG): every 2 s for 30 s.
#[test]
fn flapping_paths_lose_nothing() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (every, flips) = if long_form() { (Duration::from_secs(2), 15) } else { (Duration::from_millis(700), 8) };
    let report = Report::start(if long_form() { "paths flapping, 30 s" } else { "paths flapping, short form" });
    let flapping = Arc::new(AtomicBool::new(true));
    let mut handle = None;
    let still = Arc::clone(&flapping);
    let Streamed { received, h, topo, .. } = stream_through_a_fault(
        6202,
        |topo| {
            let ns = topo.a.clone();
            let flapping = Arc::clone(&flapping);
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
                for flip in 0..flips {
                    let (down, up) = if flip % 2 == 0 { (1, 2) } else { (2, 1) };
                    set(up, true);
                    set(down, false);
                    std::thread::sleep(every);
                }
                set(1, true);
                set(2, true);
                flapping.store(false, Ordering::Relaxed);
            }));
        },
        move || still.load(Ordering::Relaxed),
    );
    if let Some(flapper) = handle {
        flapper.join().expect("the flapping thread");
    }
    let changes =
        h.model.log.iter().filter(|e| matches!(e.notification(), Some(Notification::PeerAddrChange { .. }))).count();
    assert!(changes > 0, "path changes reach the log");
    drop((h, topo));
    report.finish(
        &format!("each path's link down in turn, {flips} flips every {} ms, while messages flow", every.as_millis()),
        &format!("every message in order, exactly once; {changes} PEER_ADDR_CHANGE lines in the log"),
        Some((received.len(), received.len())),
    );
}

/// Associations opened and ended by the thousand, through a one-to-one listener (accept)
/// and a one-to-many listener (peeloff): the worker's descriptors and threads return to
/// their baseline, memory stays near it, and the model forgets closed endpoints past its
/// limit. Short form 2,000 associations; long form (FAULTS_LONG) 10,000.
#[test]
fn opening_and_ending_thousands_of_associations_leaks_nothing() {
    const PER_ROUND: usize = 100;
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (accept_rounds, peel_rounds) = if long_form() { (80, 20) } else { (16, 4) };
    let total = (accept_rounds + peel_rounds) * PER_ROUND;
    let report = Report::start(if long_form() { "10,000 associations churned" } else { "2,000 associations churned" });
    let threads = || std::fs::read_dir("/proc/self/task").map(|d| d.count()).unwrap_or(0);
    let mut h = started(Harness::new());
    let accepting = loopback_listener(&mut h, Style::OneToOne, 5391, 256);
    let peeling = loopback_listener(&mut h, Style::OneToMany, 5392, 256);

    let clients = |port: u16| -> Vec<Endpoint> {
        let to = [SocketAddr::from(([127, 0, 0, 1], port))];
        (0..PER_ROUND)
            .map(|_| {
                let c = Endpoint::open(&EndpointConfig { style: Style::OneToOne, ..Default::default() }).unwrap();
                c.connect(&to, Duration::from_secs(10)).unwrap();
                c
            })
            .collect()
    };
    // Each peer's SHUTDOWN ends its accepted or peeled-off socket in the worker.
    let mut closed = 0;
    let mut wait_closed = |h: &mut Harness, target: usize| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while closed < target {
            if Instant::now() > deadline {
                let tail: Vec<&str> = h.model.log.iter().rev().take(30).map(|e| e.text()).collect();
                panic!("{closed} of {target} endpoints closed; the log ends with (last first):\n{}", tail.join("\n"));
            }
            let Ok(ev) = h.worker.events().recv_timeout(Duration::from_millis(200)) else { continue };
            closed += usize::from(matches!(&ev.event, Event::Closed { ep } if *ep != accepting && *ep != peeling));
            h.model.apply(&ev);
        }
    };
    // The baseline: after the first round, when the worker has every socket it keeps
    // (the listeners', and the sock_diag one that samples the one-to-many listener).
    let (mut fds_before, mut threads_before, mut rss_after_first_round) = (0, 0, 0);
    for round in 0..accept_rounds {
        drop(clients(5391));
        wait_closed(&mut h, (round + 1) * PER_ROUND);
        if round == 0 {
            (fds_before, threads_before, rss_after_first_round) = (open_fds(), threads(), rss_kib());
        }
    }
    for round in 0..peel_rounds {
        let peers = clients(5392);
        let live = |h: &Harness| -> Vec<sctp_core::AssocId> {
            h.model.endpoints[&peeling].assocs.iter().filter(|(_, a)| !a.gone).map(|(id, _)| *id).collect()
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while live(&h).len() < PER_ROUND {
            assert!(Instant::now() < deadline, "{} of {PER_ROUND} associations seen", live(&h).len());
            if let Ok(ev) = h.worker.events().recv_timeout(Duration::from_millis(100)) {
                h.model.apply(&ev);
            }
        }
        for assoc in live(&h) {
            h.run(Command::Peeloff { ep: peeling, assoc }).expect("peeloff");
        }
        drop(peers);
        wait_closed(&mut h, (accept_rounds + round + 1) * PER_ROUND);
    }
    assert_eq!(closed, total);
    let (fds_after, rss_after) = (open_fds(), rss_kib());
    let fd_list = || -> Vec<String> {
        let dir = std::fs::read_dir("/proc/self/fd").map(|d| d.flatten().collect::<Vec<_>>()).unwrap_or_default();
        dir.iter().map(|e| format!("{:?}", std::fs::read_link(e.path()))).collect()
    };
    assert!(fds_after <= fds_before, "descriptors: {fds_before} before, {fds_after} after: {:?}", fd_list());
    assert_eq!(threads(), threads_before, "threads");
    assert!(
        h.model.endpoints.len() <= sctp_core::model::KEEP_CLOSED + 2,
        "{} endpoints still held by the model",
        h.model.endpoints.len()
    );
    // The model keeps a bounded log and the last closed endpoints; past the first round,
    // memory must not grow with the number of associations.
    let growth = rss_after.saturating_sub(rss_after_first_round);
    assert!(growth < 8 << 10, "RSS grew {growth} KiB from after the first round to after {total} associations");
    drop(h);
    report.finish(
        &format!(
            "{} associations accepted from a one-to-one listener and {} peeled off a one-to-many one, \
             each ended by its peer",
            accept_rounds * PER_ROUND,
            peel_rounds * PER_ROUND
        ),
        &format!(
            "descriptors and threads as after the first 100; model holds at most {} closed endpoints; \
             RSS {:.1} MiB after the first 100, {:.1} MiB after all",
            sctp_core::model::KEEP_CLOSED,
            rss_after_first_round as f64 / 1024.0,
            rss_after as f64 / 1024.0
        ),
        None,
    );
}

/// A message over the 16 MiB reassembly limit, on a one-to-one and on a one-to-many socket:
/// read to its end, dropped and said; the association goes on (the next message arrives)
/// and no socket is closed over it.
#[test]
fn a_17_mib_message_is_discarded_and_the_association_goes_on() {
    const SIZE: usize = (17 << 20) + 5;
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let report = Report::start("17 MiB message, both socket styles");
    let mut h = Harness::new();
    h.until(Duration::from_secs(5), |e| matches!(e.event, Event::Hello { kernel_sctp: Ok(()), .. }));
    // SCTP refuses (EMSGSIZE) a message larger than the send buffer, which the kernel caps
    // at net.core.wmem_max: raise the caps (root in the rig) so 17 MiB can be sent at all,
    // and received without crawling through zero-window probes.
    for cap in ["wmem_max", "rmem_max"] {
        std::fs::write(format!("/proc/sys/net/core/{cap}"), (64u32 << 20).to_string()).expect("raise the cap");
    }
    // The clients live to the end: a peer closing would rightly close an accepted socket.
    let mut clients = Vec::new();
    for (style, port) in [(Style::OneToOne, 5371), (Style::OneToMany, 5372)] {
        let roomy = sctp_core::SocketOptions { rcvbuf: Some(32 << 20), ..Default::default() };
        let config =
            EndpointConfig { style, options: roomy, addrs: vec![[127, 0, 0, 1].into()], port, ..Default::default() };
        let listener = h.open("listener", config);
        h.run(Command::Listen { ep: listener, backlog: 4 }).unwrap();
        let big = sctp_core::SocketOptions { sndbuf: Some(32 << 20), ..Default::default() };
        let client =
            Endpoint::open(&EndpointConfig { style: Style::OneToOne, options: big, ..Default::default() }).unwrap();
        client.connect(&[SocketAddr::from(([127, 0, 0, 1], port))], Duration::from_secs(5)).unwrap();
        let sender = std::thread::spawn(move || {
            let huge = vec![7u8; SIZE];
            client.send(&huge, &SendInfo::default()).expect("send 17 MiB");
            client.send(b"after", &SendInfo::default()).expect("send after");
            client
        });
        let warning = h.until(Duration::from_secs(120), |e| matches!(&e.event, Event::Warning(_)));
        let Event::Warning(warning) = warning.event else { unreachable!() };
        assert!(
            matches!(warning, Warning::MessageTooLarge { len: SIZE, limit, .. } if limit < SIZE),
            "{style:?}: {warning:?}"
        );
        let data = h.until(Duration::from_secs(30), |e| matches!(&e.event, Event::Data { .. }));
        let Event::Data { head, .. } = data.event else { unreachable!() };
        assert_eq!(head, b"after", "{style:?}");
        clients.push(sender.join().unwrap());
        assert!(
            !h.model.log.iter().any(|e| matches!(e.what, Logged::Warning(Warning::ReceiveFailed { closed: true, .. }))),
            "{style:?}: no socket may be closed over an oversized message"
        );
        assert!(h.model.endpoints.values().all(|v| !v.closed), "{style:?}");
    }
    let delivered = clients.len();
    drop((h, clients));
    report.finish(
        &format!("a {SIZE}-byte message (over the 16 MiB limit), then a small one, to a one-to-one and to a one-to-many socket"),
        "the big one read to its end and reported as discarded; the small one delivered; no socket closed",
        Some((2, delivered)),
    );
}

/// The worker is in the middle of receiving a large message in pieces (partial delivery:
/// the message is larger than the receive buffer) when its association is peeled off: the
/// rest arrives on the new socket and the message is delivered whole, once, on the new
/// endpoint, with the right length and digest.
#[test]
fn a_peeloff_during_partial_delivery_keeps_the_message_whole() {
    const SIZE: usize = 1 << 20;
    const PORT: u16 = 6120;
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let report = Report::start("peeloff during partial delivery");
    for cap in ["wmem_max", "rmem_max"] {
        std::fs::write(format!("/proc/sys/net/core/{cap}"), (64u32 << 20).to_string()).expect("raise the cap");
    }
    let topo = two_paths();
    // 4 Mbit/s on the primary path: the message takes about 2 s to cross.
    topo.netem(1, "rate 4mbit").unwrap();
    let mut h = started(Harness::new());
    // A receive buffer far smaller than the message (the kernel doubles it: 128 KiB).
    const RCVBUF: u32 = 64 << 10;
    let config = EndpointConfig {
        addrs: TwoPaths::addrs_b(),
        port: PORT,
        netns: Some(topo.b.clone()),
        options: sctp_core::SocketOptions { rcvbuf: Some(RCVBUF), ..Default::default() },
        ..Default::default()
    };
    let server = h.open("server", config);
    h.run(Command::Listen { ep: server, backlog: 4 }).unwrap();
    let client = Endpoint::open(&EndpointConfig {
        style: Style::OneToOne,
        addrs: TwoPaths::addrs_a(),
        netns: Some(topo.a.clone()),
        options: sctp_core::SocketOptions { sndbuf: Some(4 << 20), ..Default::default() },
        ..Default::default()
    })
    .unwrap();
    let to: Vec<SocketAddr> = TwoPaths::addrs_b().into_iter().map(|ip| SocketAddr::new(ip, PORT)).collect();
    let at_client = client.connect(&to, Duration::from_secs(5)).unwrap();
    let ev = h.until(Duration::from_secs(5), |e| is_assoc_change(e, server, AssocChangeState::CommUp).is_some());
    let assoc = is_assoc_change(&ev, server, AssocChangeState::CommUp).unwrap();
    let message: Vec<u8> = (0..SIZE).map(|i| (i % 251) as u8).collect();
    let peeled = std::thread::scope(|s| {
        s.spawn(|| client.send(&message, &SendInfo { assoc: at_client, ..Default::default() }).expect("send"));
        // Acknowledged bytes beyond twice the receive buffer can only have been acknowledged
        // after the worker read pieces of the message: partial delivery is under way.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            assert!(Instant::now() < deadline, "the message does not cross");
            let status = client.status(at_client).expect("SCTP_STATUS");
            let outstanding = (usize::from(status.unacked) + usize::from(status.pending))
                * status.fragmentation_point.max(1) as usize;
            let queued = status.unacked > 0 || status.pending > 0;
            if queued && SIZE.saturating_sub(outstanding) > 4 * RCVBUF as usize {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        match h.run(Command::Peeloff { ep: server, assoc }) {
            Ok(sctp_core::worker::Reply::Endpoint { ep }) => ep,
            other => panic!("peeloff: {other:?}"),
        }
    });
    let ev = h.until(Duration::from_secs(30), |e| {
        assert!(!matches!(&e.event, Event::Data { ep, .. } if *ep == server), "a piece was delivered as a message");
        matches!(&e.event, Event::Data { ep, .. } if *ep == peeled)
    });
    let Event::Data { len, digest, .. } = ev.event else { unreachable!() };
    assert_eq!(len, SIZE, "the whole message, once");
    assert_eq!(digest, sctp_core::message::payload_digest(&message), "the same bytes");
    drop((h, client, topo));
    report.finish(
        &format!(
            "a {SIZE}-byte message at 4 Mbit/s into a {} KiB receive buffer; peeloff once over {} KiB was acknowledged",
            2 * RCVBUF / 1024,
            4 * RCVBUF / 1024
        ),
        "one message on the peeled-off endpoint with the full length and the sender's digest; none on the original",
        Some((1, 1)),
    );
}
