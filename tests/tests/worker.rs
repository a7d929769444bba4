//! The worker thread on the real kernel: commands in, events out, samples of every path.

use sctp_core::model::{AssocMetric, PathMetric, SeriesKey};
use sctp_core::options::{OptionValue, RtoInfo};
use sctp_core::worker::{Command, Event, Reply, SampleMethod};
use sctp_core::{EndpointConfig, Scope, SendInfo, Style};
use sctp_inspector_tests::harness::Harness;
use sctp_inspector_tests::topology::{TwoPaths, two_paths};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

fn cfg(style: Style, addrs: Vec<std::net::IpAddr>, port: u16, netns: Option<&str>) -> EndpointConfig {
    EndpointConfig { style, addrs, port, netns: netns.map(str::to_string), ..Default::default() }
}

#[test]
fn connect_send_receive_and_sample_through_the_worker() {
    let mut h = Harness::new();
    h.until(Duration::from_secs(5), |e| matches!(e.event, Event::Hello { kernel_sctp: Ok(()), .. }));
    // The worker reports the kernel it runs on, with the SCTP sysctls of its namespace.
    let kernel = h.model.kernel.clone().expect("the Hello carries the kernel's facts");
    let rto_min = std::fs::read_to_string("/proc/sys/net/sctp/rto_min").unwrap();
    assert_eq!(kernel.sysctl("rto_min"), Some(rto_min.trim()));
    let server = h.open("server", cfg(Style::OneToMany, vec![[127, 0, 0, 1].into()], 0, None));
    h.run(Command::Listen { ep: server, backlog: 8 }).unwrap();
    let port = h.model.endpoints[&server].local_addrs[0].port();
    let client = h.open("client", cfg(Style::OneToMany, vec![], 0, None));
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let init = sctp_core::options::InitMsg { num_ostreams: 4, max_instreams: 4, ..Default::default() };
    let assoc =
        match h.run(Command::Connect { ep: client, addrs: vec![addr], init: Some(init), timeout_ms: Some(3000) }) {
            Ok(Reply::Assoc { assoc }) => assoc,
            other => panic!("connect: {other:?}"),
        };

    // A burst of 50 messages on stream 3 with PPID 46, all received.
    let info = SendInfo { assoc, stream: 3, ppid: 46, ..Default::default() };
    let sent =
        h.run(Command::Send { ep: client, info, payload: b"burst".to_vec(), count: 50, interval_ms: 0 }).unwrap();
    assert_eq!(sent, Reply::Sent { messages: 50, bytes: 250 });
    let mut got = 0;
    while got < 50 {
        let ev = h.until(Duration::from_secs(5), |e| matches!(e.event, Event::Data { .. }));
        let Event::Data { ep, info, len, .. } = ev.event else { unreachable!() };
        let info = info.unwrap();
        assert_eq!((ep, info.stream, info.ppid, len), (server, 3, 46, 5));
        got += 1;
    }

    // Out-of-range stream: the kernel's error, explained.
    let err = h.run(Command::Send {
        ep: client,
        info: SendInfo { stream: 4, ..info },
        payload: b"x".to_vec(),
        count: 1,
        interval_ms: 0,
    });
    assert!(err.unwrap_err().to_string().contains("EINVAL (Invalid argument) — 4 outbound streams negotiated (0..3)"));

    // Set an option and get the kernel's read-back.
    let set = h.run(Command::SetOption {
        ep: client,
        scope: Scope::Assoc(assoc),
        value: OptionValue::Rtoinfo(RtoInfo { initial: 500, max: 2000, min: 200 }),
    });
    assert_eq!(
        set.unwrap(),
        Reply::Option { value: OptionValue::Rtoinfo(RtoInfo { initial: 500, max: 2000, min: 200 }) }
    );

    // Samples arrive for the association, with its path, and become series.
    h.until(
        Duration::from_secs(2),
        |e| matches!(&e.event, Event::Sample { ep, assoc: a, .. } if *ep == client && *a == assoc),
    );
    h.until(
        Duration::from_secs(2),
        |e| matches!(&e.event, Event::Sample { ep, assoc: a, .. } if *ep == client && *a == assoc),
    );
    let view = &h.model.endpoints[&client].assocs[&assoc];
    // (Whether it had to slow down depends on how busy the machine is: not asserted.)
    // By whichever method measured cheaper here; the dump must at least be available.
    assert!(
        matches!(h.model.sampling, Some((SampleMethod::Dump | SampleMethod::GetsockoptCheaper { .. }, _, _))),
        "sampled by the sock_diag dump or, cheaper, by getsockopt: {:?}",
        h.model.sampling
    );
    assert_eq!(view.status.unwrap().outbound_streams, 4);
    assert_eq!(view.paths.len(), 1);
    assert_eq!(view.paths[0].addr, Some(addr));
    assert!(h.model.series[&SeriesKey::Path { ep: client, assoc, addr, metric: PathMetric::Cwnd }].len() >= 2);
    assert!(h.model.series.contains_key(&SeriesKey::Assoc {
        ep: client,
        assoc,
        metric: AssocMetric::PacketsOutPerSec
    }));
    assert!(h.wakeups.load(Ordering::Relaxed) > 0, "the repaint callback never ran");

    // Graceful end: the association goes away from the samples.
    h.run(Command::Eof { ep: client, assoc }).unwrap();
    h.until(
        Duration::from_secs(5),
        |e| matches!(&e.event, Event::AssocGone { ep, assoc: a } if *ep == client && *a == assoc),
    );
    h.run(Command::Close { ep: client }).unwrap();
    let err = h.run(Command::Eof { ep: client, assoc }).unwrap_err();
    assert_eq!(err.to_string(), format!("use endpoint ep{}: no such endpoint (closed?)", client.0));
}

#[test]
fn connect_timeout_and_peeloff_through_the_worker() {
    let mut h = Harness::new();
    let topo = two_paths();
    topo.link(1, false).unwrap();
    let client = h.open("client", cfg(Style::OneToMany, vec![TwoPaths::addr_a(1)], 0, Some(&topo.a)));
    let rto = OptionValue::Rtoinfo(RtoInfo { initial: 100, max: 200, min: 100 });
    h.run(Command::SetOption { ep: client, scope: Scope::Future, value: rto }).unwrap();
    let err = h
        .run(Command::Connect {
            ep: client,
            addrs: vec![SocketAddr::new(TwoPaths::addr_b(1), 7000)],
            init: None,
            timeout_ms: Some(500),
        })
        .unwrap_err();
    assert_eq!(err.kind, sctp_core::error::ErrorKind::TimedOut, "{err}");
    assert!(err.to_string().contains("no COMM_UP in time; association"), "{err}");

    let server = h.open("server", cfg(Style::OneToMany, vec![TwoPaths::addr_b(2)], 7001, Some(&topo.b)));
    h.run(Command::Listen { ep: server, backlog: 4 }).unwrap();
    let client2 = h.open("client2", cfg(Style::OneToMany, vec![TwoPaths::addr_a(2)], 0, Some(&topo.a)));
    let to = SocketAddr::new(TwoPaths::addr_b(2), 7001);
    let Ok(Reply::Assoc { .. }) =
        h.run(Command::Connect { ep: client2, addrs: vec![to], init: None, timeout_ms: Some(3000) })
    else {
        panic!("connect over path 2 failed")
    };
    // The server's side of it shows up in its samples.
    let sample = h.until(Duration::from_secs(5), |e| matches!(&e.event, Event::Sample { ep, .. } if *ep == server));
    let Event::Sample { assoc: server_assoc, .. } = sample.event else { unreachable!() };
    let peeled = match h.run(Command::Peeloff { ep: server, assoc: server_assoc }) {
        Ok(Reply::Endpoint { ep }) => ep,
        other => panic!("peeloff: {other:?}"),
    };
    assert_eq!(h.model.endpoints[&peeled].style, Style::OneToOne);
    // The peeled-off association is sampled on its new endpoint.
    h.until(Duration::from_secs(2), |e| matches!(&e.event, Event::Sample { ep, .. } if *ep == peeled));
}

#[test]
fn scope_all_sets_read_back_and_close_ends_pending_work() {
    let mut h = Harness::new();
    let server = h.open("server", cfg(Style::OneToMany, vec![[127, 0, 0, 1].into()], 0, None));
    h.run(Command::Listen { ep: server, backlog: 8 }).unwrap();
    let port = h.model.endpoints[&server].local_addrs[0].port();
    let client = h.open("client", cfg(Style::OneToMany, vec![], 0, None));
    let to = vec![SocketAddr::from(([127, 0, 0, 1], port))];
    let Ok(Reply::Assoc { assoc }) =
        h.run(Command::Connect { ep: client, addrs: to, init: None, timeout_ms: Some(3000) })
    else {
        panic!("connect")
    };

    // "all" cannot be read back from the kernel; the endpoint's defaults are read instead.
    let sack = sctp_core::options::DelayedAck { delay: 120, freq: 2 };
    let set = h.run(Command::SetOption { ep: client, scope: Scope::All, value: OptionValue::DelayedAckTime(sack) });
    assert_eq!(set.unwrap(), Reply::Option { value: OptionValue::DelayedAckTime(sack) });
    // Options the kernel only takes for "future" or one association say so.
    let rto = RtoInfo { initial: 700, max: 3000, min: 300 };
    let err =
        h.run(Command::SetOption { ep: client, scope: Scope::All, value: OptionValue::Rtoinfo(rto) }).unwrap_err();
    assert_eq!(
        err.to_string(),
        "set rtoinfo (all associations): EINVAL (Invalid argument) — this kernel takes rtoinfo only for future associations or one association"
    );

    // A slow burst still running when its endpoint closes ends with an error, not silence.
    let info = SendInfo { assoc, ..Default::default() };
    h.worker.send(Command::Send { ep: client, info, payload: b"x".to_vec(), count: 100, interval_ms: 50 });
    h.run(Command::Close { ep: client }).unwrap();
    let want = format!(
        "send ep{} assoc {} stream 0 ppid 0 1 B ×100: ep{} was closed before the burst finished",
        client.0, assoc.0, client.0
    );
    assert!(h.model.log.iter().any(|e| e.text() == want), "no \"{want}\" in the log");
}

/// An association the sampler first met before its handshake ended (its peer's tag not yet
/// known, so listed under another key) is sampled once per tick afterwards — not twice, the
/// second time with its paths as they were when it was first met (seen in the demo: path
/// 2's srtt alternating between 100 ms and 0).
#[test]
fn an_association_met_during_its_handshake_is_sampled_once_per_tick() {
    use sctp_core::notification::AssocChangeState;
    use sctp_core::options::{OptionValue, RtoInfo};
    use sctp_inspector_tests::topology::{TwoPaths, two_paths};
    const INTERVAL_MS: u64 = 50;
    let topo = two_paths();
    let mut h = Harness::new();
    h.until(Duration::from_secs(5), |e| matches!(e.event, Event::Hello { .. }));
    let in_ns =
        |ns: &str, addrs, port| EndpointConfig { addrs, port, netns: Some(ns.to_string()), ..Default::default() };
    let server = h.open("server", in_ns(&topo.b, TwoPaths::addrs_b(), 6130));
    let client = h.open("client", in_ns(&topo.a, TwoPaths::addrs_a(), 0));
    h.run(Command::Listen { ep: server, backlog: 4 }).unwrap();
    let quick = OptionValue::Rtoinfo(RtoInfo { initial: 200, max: 400, min: 100 });
    h.run(Command::SetOption { ep: client, scope: sctp_core::Scope::Future, value: quick }).unwrap();
    // The INIT is lost: the association waits in COOKIE_WAIT while it is sampled.
    topo.link(1, false).unwrap();
    topo.link(2, false).unwrap();
    let to: Vec<SocketAddr> = TwoPaths::addrs_b().into_iter().map(|ip| SocketAddr::new(ip, 6130)).collect();
    let assoc = match h.run(Command::Connect { ep: client, addrs: to, init: None, timeout_ms: None }) {
        Ok(sctp_core::worker::Reply::Assoc { assoc }) => assoc,
        other => panic!("connect: {other:?}"),
    };
    h.until(Duration::from_secs(5), |e| {
        matches!(&e.event, Event::Sample { ep, assoc: a, status, .. }
            if *ep == client && *a == assoc && status.state == sctp_core::AssocState::CookieWait)
    });
    topo.link(1, true).unwrap();
    topo.link(2, true).unwrap();
    h.until(Duration::from_secs(10), |e| {
        matches!(&e.event, Event::Notification { ep, notification: sctp_core::Notification::AssocChange { state: AssocChangeState::CommUp, .. } } if *ep == client)
    });
    // The sampler never ticks faster than its interval: more samples than ticks means
    // some association was sampled twice in a tick.
    let (started, mut samples) = (std::time::Instant::now(), 0u64);
    while started.elapsed() < Duration::from_secs(2) {
        let Ok(ev) = h.worker.events().recv_timeout(Duration::from_millis(100)) else { continue };
        samples += u64::from(matches!(&ev.event, Event::Sample { ep, assoc: a, .. } if *ep == client && *a == assoc));
        h.model.apply(&ev);
    }
    let ticks = started.elapsed().as_millis() as u64 / INTERVAL_MS + 2;
    assert!(samples <= ticks, "{samples} samples of one association in {ticks} ticks at most");
}

/// A handshake and a shutdown slowed by 500 ms of delay on the path: the samples catch the
/// short-lived states, so the association's history walks RFC 9260 §4's diagram edge by
/// edge — COOKIE-WAIT, COOKIE-ECHOED, ESTABLISHED (by COMM_UP) — and ends CLOSED by
/// SHUTDOWN_COMPLETE.
#[test]
fn the_state_history_follows_the_rfc_diagram_through_a_slow_handshake_and_shutdown() {
    use sctp_core::AssocState::{Closed, CookieEchoed, CookieWait, Established};
    use sctp_core::fsm::Cause;
    use sctp_core::notification::AssocChangeState;
    let mut h = Harness::new();
    let topo = two_paths();
    topo.netem(1, "delay 500ms").unwrap();
    let server = h.open("server", cfg(Style::OneToMany, vec![TwoPaths::addr_b(1)], 7200, Some(&topo.b)));
    h.run(Command::Listen { ep: server, backlog: 4 }).unwrap();
    let client = h.open("client", cfg(Style::OneToMany, vec![TwoPaths::addr_a(1)], 0, Some(&topo.a)));
    let to = SocketAddr::new(TwoPaths::addr_b(1), 7200);
    let Ok(Reply::Assoc { assoc }) =
        h.run(Command::Connect { ep: client, addrs: vec![to], init: None, timeout_ms: Some(10_000) })
    else {
        panic!("connect over the delayed path failed")
    };
    h.run(Command::Eof { ep: client, assoc }).unwrap();
    h.until(
        Duration::from_secs(20),
        |e| matches!(&e.event, Event::AssocGone { ep, assoc: a } if *ep == client && *a == assoc),
    );
    let history = &h.model.endpoints[&client].assocs[&assoc].history;
    let steps: Vec<_> = history.transitions().map(|t| (t.from, t.to, t.cause)).collect();
    let edges: Vec<_> = history.transitions().filter_map(|t| t.edge()).map(|e| (e.from, e.to)).collect();
    assert!(edges.contains(&(CookieWait, CookieEchoed)), "{steps:?}");
    assert!(
        steps.contains(&(Some(CookieEchoed), Established, Cause::Notification(AssocChangeState::CommUp))),
        "{steps:?}"
    );
    let last = history.transitions().last().unwrap();
    assert_eq!((last.to, last.cause), (Closed, Cause::Notification(AssocChangeState::ShutdownComplete)), "{steps:?}");
    let times: Vec<f64> = history.transitions().map(|t| t.t).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
}

/// PR-SCTP's abandoned messages reach the plots: under total loss, messages with a 150 ms
/// lifetime are given up, and the association's "abandoned messages/s" series rises (read
/// with the dump sampler's path reads, by SCTP_PR_ASSOC_STATUS).
#[test]
fn abandoned_pr_sctp_messages_are_plotted() {
    use sctp_core::model::SeriesKey;
    let topo = two_paths();
    let mut h = Harness::new();
    h.until(Duration::from_secs(5), |e| matches!(e.event, Event::Hello { .. }));
    let server = h.open("server", cfg(Style::OneToMany, vec![TwoPaths::addr_b(1)], 6140, Some(&topo.b)));
    let client = h.open("client", cfg(Style::OneToMany, vec![TwoPaths::addr_a(1)], 0, Some(&topo.a)));
    h.run(Command::Listen { ep: server, backlog: 4 }).unwrap();
    let quick = OptionValue::Rtoinfo(RtoInfo { initial: 200, max: 400, min: 100 });
    h.run(Command::SetOption { ep: client, scope: Scope::Future, value: quick }).unwrap();
    let to = SocketAddr::new(TwoPaths::addr_b(1), 6140);
    let Ok(Reply::Assoc { assoc }) =
        h.run(Command::Connect { ep: client, addrs: vec![to], init: None, timeout_ms: Some(3000) })
    else {
        panic!("connect")
    };
    topo.netem(1, "loss 100%").unwrap();
    let info = SendInfo { assoc, stream: 0, time_to_live_ms: 150, ..Default::default() };
    h.run(Command::Send { ep: client, info, payload: vec![5; 300], count: 40, interval_ms: 0 }).unwrap();
    let key = SeriesKey::Assoc { ep: client, assoc, metric: AssocMetric::AbandonedPerSec };
    let rose = |m: &sctp_core::model::Model| m.series.get(&key).is_some_and(|s| s.iter().any(|p| p[1] > 0.0));
    let deadline = std::time::Instant::now() + Duration::from_secs(8);
    while !rose(&h.model) && std::time::Instant::now() < deadline {
        h.until(Duration::from_secs(2), |e| matches!(e.event, Event::Sample { .. }));
    }
    assert!(
        rose(&h.model),
        "abandoned/s rose: {:?}",
        h.model.series.get(&key).map(|s| s.iter().copied().collect::<Vec<_>>())
    );
    let total = h.model.endpoints[&client].assocs[&assoc].stats.map(|s| s.abandoned_messages).unwrap_or(0);
    assert!(total > 0 && total <= 40, "{total} of the 40 messages abandoned");
}

/// The same session over a worker thread and over a worker process (`sctp-inspector
/// worker --stdio`, frames over pipes): open, listen, connect, a burst on stream 3 with
/// PPID 46 received whole, samples, close — the same replies and events either way.
#[test]
fn a_worker_process_answers_exactly_as_the_worker_thread() {
    let mut outcomes = Vec::new();
    for process in [false, true] {
        let mut h = if process { Harness::in_process_of_its_own() } else { Harness::new() };
        h.until(Duration::from_secs(10), |e| matches!(e.event, Event::Hello { kernel_sctp: Ok(()), .. }));
        assert_eq!(h.worker.process_id().is_some(), process);
        let server = h.open("server", cfg(Style::OneToMany, vec![[127, 0, 0, 1].into()], 0, None));
        h.run(Command::Listen { ep: server, backlog: 8 }).unwrap();
        let port = h.model.endpoints[&server].local_addrs[0].port();
        let client = h.open("client", cfg(Style::OneToMany, vec![], 0, None));
        let to = SocketAddr::from(([127, 0, 0, 1], port));
        let Ok(Reply::Assoc { assoc }) =
            h.run(Command::Connect { ep: client, addrs: vec![to], init: None, timeout_ms: Some(3000) })
        else {
            panic!("connect (process: {process})")
        };
        let info = SendInfo { assoc, stream: 3, ppid: 46, ..Default::default() };
        let sent =
            h.run(Command::Send { ep: client, info, payload: vec![9; 1000], count: 200, interval_ms: 0 }).unwrap();
        // Some arrived while waiting for the send's reply: count them all in the model.
        while h.model.data_messages < 200 {
            let ev = h.until(Duration::from_secs(5), |e| matches!(e.event, Event::Data { .. }));
            let Event::Data { ep, info, len, .. } = ev.event else { unreachable!() };
            assert_eq!((ep, info.map(|i| (i.stream, i.ppid)), len), (server, Some((3, 46)), 1000));
        }
        assert_eq!(h.model.data_messages, 200, "every message once (process: {process})");
        h.until(Duration::from_secs(5), |e| matches!(&e.event, Event::Sample { ep, .. } if *ep == client));
        let err = h.run(Command::Close { ep: sctp_core::worker::EpId(999) }).unwrap_err();
        h.run(Command::Close { ep: client }).unwrap();
        outcomes.push((sent, err.to_string()));
    }
    assert_eq!(outcomes[0], outcomes[1], "thread and process answer alike");
}

/// A worker process that dies is reported as stopped, with why; a handle dropped takes its
/// process with it — nothing is left running.
#[test]
fn a_dead_worker_process_is_reported_and_none_outlives_its_handle() {
    use sctp_core::worker::Warning;
    let mut h = Harness::in_process_of_its_own();
    h.until(Duration::from_secs(10), |e| matches!(e.event, Event::Hello { .. }));
    let pid = h.worker.process_id().unwrap();
    std::process::Command::new("kill").args(["-9", &pid.to_string()]).status().unwrap();
    let ev = h.until(Duration::from_secs(5), |e| matches!(e.event, Event::Warning(Warning::WorkerStopped { .. })));
    assert!(format!("{:?}", ev.event).contains("exited"), "{:?}", ev.event);
    drop(h);

    let h = Harness::in_process_of_its_own();
    let pid = h.worker.process_id().unwrap();
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    let started = std::time::Instant::now();
    drop(h);
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists(), "the worker process is gone (and reaped)");
    assert!(started.elapsed() < Duration::from_secs(3), "it ended when its input closed, not by the kill");
}

/// The worker builds the two-path lab in its own kernel: `lab:a` and `lab:b` name its
/// namespaces for endpoints, a link taken down fails that path of a multi-homed
/// association, bad changes are refused and named, and removing it deletes the namespaces.
#[test]
fn the_worker_builds_and_drives_the_two_path_lab() {
    use sctp_core::lab::{LabChange, Side, TwoPaths};
    use sctp_core::options::{PeerAddrParams, Toggle};
    use sctp_core::{Notification, PeerAddrState};
    let mut h = Harness::new();
    let no_lab = h.run(Command::Open { label: "x".into(), config: cfg(Style::OneToMany, vec![], 0, Some("lab:a")) });
    assert!(no_lab.unwrap_err().to_string().contains("no lab is built"));
    h.run(Command::BuildLab).unwrap();
    let lab = h.model.lab.clone().expect("Event::Lab came before the reply");
    assert!(std::path::Path::new(&format!("/run/netns/{}", lab.a)).exists());
    assert!(lab.paths.iter().all(|p| p.up && p.netem_a.is_empty()));
    let server = h.open("server", cfg(Style::OneToMany, TwoPaths::addrs_b(), 7000, Some("lab:b")));
    assert_eq!(h.model.endpoints[&server].config.as_ref().unwrap().netns.as_deref(), Some(lab.b.as_str()));
    h.run(Command::Listen { ep: server, backlog: 4 }).unwrap();
    let client = h.open("client", cfg(Style::OneToMany, TwoPaths::addrs_a(), 0, Some("lab:a")));
    let fast = PeerAddrParams { hb_interval: 200, path_max_rxt: 1, heartbeat: Toggle::Enable, ..Default::default() };
    h.run(Command::SetOption { ep: client, scope: Scope::Future, value: OptionValue::PeerAddrParams(fast) }).unwrap();
    let rto = RtoInfo { initial: 300, max: 1000, min: 100 };
    h.run(Command::SetOption { ep: client, scope: Scope::Future, value: OptionValue::Rtoinfo(rto) }).unwrap();
    let to = TwoPaths::addrs_b().into_iter().map(|ip| SocketAddr::new(ip, 7000)).collect();
    h.run(Command::Connect { ep: client, addrs: to, init: None, timeout_ms: Some(5000) }).unwrap();
    h.run(Command::Lab { change: LabChange::Netem { side: Side::B, path: 2, spec: "delay  5ms".into() } }).unwrap();
    assert_eq!(h.model.lab.as_ref().unwrap().paths[1].netem_b, "delay 5ms");
    for (bad, why) in [
        (LabChange::Link { path: 3, up: false }, "paths 1 and 2, not 3"),
        (LabChange::Netem { side: Side::A, path: 1, spec: "wobble 3".into() }, "tc -n"),
    ] {
        let e = h.run(Command::Lab { change: bad }).unwrap_err().to_string();
        assert!(e.contains(why), "{e}");
    }
    h.run(Command::Lab { change: LabChange::Link { path: 1, up: false } }).unwrap();
    assert!(!h.model.lab.as_ref().unwrap().paths[0].up);
    let failed = SocketAddr::new(TwoPaths::addr_b(1), 7000);
    h.until(Duration::from_secs(15), |e| {
        matches!(&e.event, Event::Notification { ep, notification: Notification::PeerAddrChange { addr, state, .. } }
            if *ep == client && *addr == Some(failed) && *state == PeerAddrState::Unreachable)
    });
    let bad_side = h.run(Command::Open { label: "y".into(), config: cfg(Style::OneToMany, vec![], 0, Some("lab:c")) });
    assert!(bad_side.unwrap_err().to_string().contains("sides are a and b"));
    let e = h.run(Command::Lab { change: LabChange::Traffic { seconds: 0, kbit: 100 } }).unwrap_err().to_string();
    assert!(e.contains("seconds must be 1..=3600"), "{e}");
    h.run(Command::Lab { change: LabChange::Traffic { seconds: 30, kbit: 100 } }).unwrap();
    let programs = h.model.lab.as_ref().unwrap().programs.clone();
    assert_eq!(programs.len(), 2, "{programs:?}");
    assert!(programs[0].command.contains("iperf3 -s") && programs[1].command.contains("--sctp"), "{programs:?}");
    let alive = |pid: u32| std::path::Path::new(&format!("/proc/{pid}")).exists();
    assert!(programs.iter().all(|p| alive(p.pid)));
    h.run(Command::RemoveLab).unwrap();
    assert!(!programs.iter().any(|p| alive(p.pid)), "the lab's programs end with it");
    assert_eq!(h.model.lab, None);
    assert!(!std::path::Path::new(&format!("/run/netns/{}", lab.a)).exists());
    assert!(h.run(Command::RemoveLab).unwrap_err().to_string().contains("no lab is built"));
}
