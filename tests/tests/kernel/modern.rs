//! The kernel's modern SCTP beyond gen_sctp: every such option set and read back (or, where
//! the kernel refuses or adjusts, exactly what it did), and their effects on the wire:
//! partial reliability abandons messages under loss and counts them.

use super::options::{association, endpoint, set_get_same};
use super::{cfg, sh_in};
use sctp_core::options::*;
use sctp_core::{Scope, SendInfo, Style};
use sctp_inspector_tests::open;
use sctp_inspector_tests::topology::two_paths;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

#[test]
fn modern_endpoint_options_read_back_as_set() {
    let ep = endpoint();
    let f = Scope::Future;
    for on in [false, true] {
        set_get_same(&ep, f, PrSupported(on));
        set_get_same(&ep, f, ReconfigSupported(on));
        set_get_same(&ep, f, AuthSupported(on));
        set_get_same(&ep, f, AsconfSupported(on));
        set_get_same(&ep, f, EcnSupported(on));
    }
    for t in [Toggle::Enable, Toggle::Disable, Toggle::Keep] {
        set_get_same(&ep, f, ExposePfState(t));
    }
    set_get_same(&ep, f, MaxBurst(7));
    set_get_same(&ep, f, Context(99));
    set_get_same(&ep, f, FragmentInterleave(1));
    set_get_same(&ep, f, PartialDeliveryPoint(4096));
    for policy in [PrPolicy::Ttl, PrPolicy::Rtx, PrPolicy::Prio] {
        set_get_same(&ep, f, DefaultPrinfo { policy, value: 500 });
    }
    // Fully reliable has no value: the kernel clears it.
    ep.set_option(f, &DefaultPrinfo { policy: PrPolicy::None, value: 5 }).unwrap();
    assert_eq!(ep.get_option::<DefaultPrinfo>(f).unwrap(), DefaultPrinfo { policy: PrPolicy::None, value: 0 });
    set_get_same(&ep, f, EnableStreamReset { reset_streams: true, reset_assoc: true, add_streams: true });
    set_get_same(&ep, f, EnableStreamReset::default());
    set_get_same(&ep, f, PeerAddrThresholds { addr: None, path_max_rxt: 4, pf_threshold: 2, ps_threshold: 3 });
    set_get_same(&ep, f, RemoteUdpEncapsPort { addr: None, port: 9899 });
    set_get_same(&ep, f, PlpmtudProbeInterval { addr: None, interval: 6000 });
    for s in [Scheduler::Prio, Scheduler::RoundRobin, Scheduler::Fcfs] {
        set_get_same(&ep, f, StreamScheduler(s));
    }
    // Fair capacity and weighted fair queueing came with Linux 6.2 (SCTP_SS_MAX grew): an
    // older kernel refuses them with EINVAL, which the error names.
    for s in [Scheduler::FairCapacity, Scheduler::WeightedFair] {
        match ep.set_option(f, &StreamScheduler(s)) {
            Ok(()) => assert_eq!(ep.get_option::<StreamScheduler>(f).unwrap(), StreamScheduler(s)),
            Err(e) => assert_eq!(e.errno_name(), Some("EINVAL"), "{s:?}: {e}"),
        }
    }
}

#[test]
fn modern_options_the_kernel_refuses_or_adjusts_say_so() {
    let ep = endpoint();
    let f = Scope::Future;
    // I-DATA needs net.sctp.intl_enable and fragment interleaving first.
    let e = ep.set_option(f, &InterleavingSupported(true)).unwrap_err();
    assert_eq!(e.errno_name(), Some("EPERM"), "{e}");
    // Interleaving across streams (2) is kept as "on" (1).
    ep.set_option(f, &FragmentInterleave(2)).unwrap();
    assert_eq!(ep.get_option::<FragmentInterleave>(f).unwrap(), FragmentInterleave(1));
    // Following the host's addresses needs a socket bound to all of them.
    let e = ep.set_option(f, &AutoAsconf(true)).unwrap_err();
    assert_eq!(e.errno_name(), Some("EINVAL"), "{e}");
    let wildcard = open(cfg(Style::OneToMany, vec![], 0, None));
    set_get_same(&wildcard, f, AutoAsconf(true));
    set_get_same(&wildcard, f, AutoAsconf(false));
    // Checked before the syscall: the message names the field.
    let e = ep.set_option(f, &PeerAddrThresholds { addr: None, path_max_rxt: 1, pf_threshold: 2, ps_threshold: 9 });
    assert!(e.unwrap_err().to_string().contains("pf_threshold (2) must not exceed path_max_rxt (1)"));
    let e = ep.set_option(f, &PrAssocStatus::default()).unwrap_err();
    assert!(e.to_string().contains("read-only"), "{e}");
    // The status needs an association.
    let e = ep.get_option_with(f, &PrAssocStatus { policy: PrPolicy::All, ..Default::default() }).unwrap_err();
    assert_eq!(e.errno_name(), Some("EINVAL"), "{e}");
}

#[test]
fn interleaving_is_allowed_where_the_namespace_enables_it() {
    let topo = two_paths();
    sh_in(&topo.a, "echo 1 > /proc/sys/net/sctp/intl_enable");
    let ep = open(cfg(Style::OneToMany, vec![], 0, Some(&topo.a)));
    ep.set_option(Scope::Future, &FragmentInterleave(1)).unwrap();
    set_get_same(&ep, Scope::Future, InterleavingSupported(true));
}

#[test]
fn a_stream_scheduler_and_a_streams_priority_on_one_association() {
    let (_server, client, assoc) = association();
    let a = Scope::Assoc(assoc);
    set_get_same(&client, a, StreamScheduler(Scheduler::Prio));
    client.set_option(a, &StreamSchedulerValue { stream: 2, value: 5 }).unwrap();
    let read = client.get_option_with(a, &StreamSchedulerValue { stream: 2, value: 0 }).unwrap();
    assert_eq!(read, StreamSchedulerValue { stream: 2, value: 5 });
    let other = client.get_option_with(a, &StreamSchedulerValue { stream: 3, value: 0 }).unwrap();
    assert_ne!(other.value, 5, "another stream keeps its own priority");
    let none = client.get_option_with(a, &PrAssocStatus { policy: PrPolicy::All, ..Default::default() }).unwrap();
    assert_eq!((none.abandoned_sent, none.abandoned_unsent), (0, 0), "nothing abandoned on a clean path");
}

/// PR-SCTP on a path that loses everything: messages older than their TTL (RFC 7496 §3.1)
/// are abandoned — counted by SCTP_PR_ASSOC_STATUS under the TTL policy, not under RTX —
/// then messages allowed no retransmission (§3.2) under RTX; once the path heals, the peer
/// skips them all (FORWARD TSN) and a reliable message sent after still arrives.
#[test]
fn ttl_messages_are_abandoned_under_loss_and_counted() {
    let topo = two_paths();
    let server_addr = SocketAddr::new(sctp_core::lab::TwoPaths::addr_b(1), 6100);
    let mut server = open(cfg(Style::OneToMany, vec![server_addr.ip()], 6100, Some(&topo.b)));
    server.listen(8).unwrap();
    let client = open(cfg(Style::OneToMany, vec![sctp_core::lab::TwoPaths::addr_a(1)], 0, Some(&topo.a)));
    client.set_option(Scope::Future, &RtoInfo { initial: 200, max: 400, min: 100 }).unwrap();
    let assoc = client.connect(&[server_addr], Duration::from_secs(5)).unwrap();
    topo.netem(1, "loss 100%").unwrap();
    let ttl = SendInfo { assoc, stream: 1, ppid: 7, time_to_live_ms: 150, ..Default::default() };
    for _ in 0..40 {
        client.send(&[1; 200], &ttl).unwrap();
    }
    let status =
        |policy| client.get_option_with(Scope::Assoc(assoc), &PrAssocStatus { policy, ..Default::default() }).unwrap();
    let deadline = Instant::now() + Duration::from_secs(4);
    let mut ttl_status = status(PrPolicy::Ttl);
    while ttl_status.abandoned_sent + ttl_status.abandoned_unsent == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        ttl_status = status(PrPolicy::Ttl);
    }
    let abandoned = ttl_status.abandoned_sent + ttl_status.abandoned_unsent;
    assert!(abandoned > 0, "TTL messages abandoned under 100 % loss: {ttl_status:?}");
    let all = status(PrPolicy::All);
    assert!(all.abandoned_sent + all.abandoned_unsent >= abandoned, "{all:?} vs {ttl_status:?}");
    let rtx = status(PrPolicy::Rtx);
    assert_eq!((rtx.abandoned_sent, rtx.abandoned_unsent), (0, 0), "no RTX-policy messages were sent");
    // Per stream: every TTL message went on stream 1, none on stream 2.
    let stream = |stream| {
        let t = PrStreamStatus { stream, policy: PrPolicy::Ttl, ..Default::default() };
        let s = client.get_option_with(Scope::Assoc(assoc), &t).unwrap();
        s.abandoned_sent + s.abandoned_unsent
    };
    // (Read later than the association's count, which may have grown meanwhile.)
    let on_1 = stream(1);
    assert!((abandoned..=40).contains(&on_1), "stream 1 has the association's TTL abandons: {on_1} vs {abandoned}");
    assert_eq!(stream(2), 0);

    // Limited retransmissions (RFC 7496 §3.2), still under loss: with 0 retransmissions
    // allowed, each message is given up at its first retransmission, under RTX this time.
    let once = SendInfo { assoc, stream: 2, ppid: 7, pr_policy: PrPolicy::Rtx, pr_value: 0, ..Default::default() };
    for _ in 0..5 {
        client.send(&[2; 100], &once).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(4);
    let mut rtx = status(PrPolicy::Rtx);
    while rtx.abandoned_sent + rtx.abandoned_unsent == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        rtx = status(PrPolicy::Rtx);
    }
    assert!(rtx.abandoned_sent + rtx.abandoned_unsent > 0, "RTX messages abandoned: {rtx:?}");

    topo.netem(1, "delay 1ms").unwrap();
    client.send(b"reliable after", &SendInfo { assoc, stream: 1, ppid: 8, ..Default::default() }).unwrap();
    let deadline = Instant::now() + Duration::from_secs(8);
    let mut got_after = false;
    while !got_after && Instant::now() < deadline {
        if let Some(sctp_core::Received::Data(m)) = server.recv_timeout(Duration::from_millis(200)).unwrap() {
            got_after = m.data == b"reliable after";
        }
    }
    assert!(got_after, "the reliable message after the abandoned ones arrived");
}

/// ASCONF (RFC 5061): with address reconfiguration on in both namespaces (it rides on
/// AUTH), an address the client adds with bindx after the association is up reaches the
/// server as SCTP_PEER_ADDR_CHANGE ADDED, and one it removes as REMOVED.
#[test]
fn an_address_added_by_bindx_reaches_the_peer_by_asconf() {
    use sctp_core::notification::PeerAddrState;
    use sctp_core::{Notification, Received};
    use sctp_inspector_tests::wait_for;
    let topo = two_paths();
    for ns in [&topo.a, &topo.b] {
        sh_in(ns, "echo 1 > /proc/sys/net/sctp/auth_enable && echo 1 > /proc/sys/net/sctp/addip_enable");
    }
    let server_addrs = vec![sctp_core::lab::TwoPaths::addr_b(1), sctp_core::lab::TwoPaths::addr_b(2)];
    let mut server = open(cfg(Style::OneToMany, server_addrs, 6300, Some(&topo.b)));
    server.listen(8).unwrap();
    let client = open(cfg(Style::OneToMany, vec![sctp_core::lab::TwoPaths::addr_a(1)], 0, Some(&topo.a)));
    assert_eq!(client.get_option::<AsconfSupported>(Scope::Future).unwrap(), AsconfSupported(true));
    let to = SocketAddr::new(sctp_core::lab::TwoPaths::addr_b(1), 6300);
    let assoc = client.connect(&[to], Duration::from_secs(5)).unwrap();
    let port = client.local_port().unwrap();
    let added = SocketAddr::new(sctp_core::lab::TwoPaths::addr_a(2), port);
    client.bindx_add(&[added]).unwrap();
    let change = |want: PeerAddrState| {
        move |r: &Received| {
            matches!(r, Received::Notification(Notification::PeerAddrChange { addr: Some(a), state, .. })
                if *a == added && *state == want)
        }
    };
    wait_for(&mut server, Duration::from_secs(5), change(PeerAddrState::Added));
    client.bindx_remove(&[added]).unwrap();
    wait_for(&mut server, Duration::from_secs(5), change(PeerAddrState::Removed));
    assert!(client.status(assoc).is_ok(), "the association lives on");
}

/// UDP encapsulation (RFC 6951): with net.sctp.udp_port open in both namespaces and the
/// peer's port set on the client, the association runs over UDP — the server namespace's
/// UDP counters rise (they stay still without it) — and data still arrives.
#[test]
fn udp_encapsulation_carries_the_association_over_udp() {
    use sctp_core::Received;
    use sctp_inspector_tests::wait_for;
    let topo = two_paths();
    for ns in [&topo.a, &topo.b] {
        // Listen for SCTP over UDP; sockets keep sending plain SCTP unless told the peer's port.
        sh_in(ns, "echo 9899 > /proc/sys/net/sctp/udp_port");
    }
    let udp_in = |ns: &str| -> u64 {
        let snmp = sh_in(ns, "cat /proc/net/snmp");
        let mut udp = snmp.lines().filter(|l| l.starts_with("Udp:"));
        let (names, values) = (udp.next().unwrap(), udp.next().unwrap());
        let i = names.split_whitespace().position(|n| n == "InDatagrams").unwrap();
        values.split_whitespace().nth(i).unwrap().parse().unwrap()
    };
    let to = SocketAddr::new(sctp_core::lab::TwoPaths::addr_b(1), 6400);
    let mut server = open(cfg(Style::OneToMany, vec![to.ip()], 6400, Some(&topo.b)));
    server.listen(8).unwrap();
    let mut exchange = |encaps: u16| {
        let client = open(cfg(Style::OneToMany, vec![sctp_core::lab::TwoPaths::addr_a(1)], 0, Some(&topo.a)));
        set_get_same(&client, Scope::Future, RemoteUdpEncapsPort { addr: None, port: encaps });
        let before = udp_in(&topo.b);
        let assoc = client.connect(&[to], Duration::from_secs(5)).unwrap();
        for _ in 0..20 {
            client.send(b"over udp", &SendInfo { assoc, stream: 0, ..Default::default() }).unwrap();
        }
        for _ in 0..20 {
            wait_for(&mut server, Duration::from_secs(5), |r| matches!(r, Received::Data(_)));
        }
        (before, udp_in(&topo.b))
    };
    let (before, after) = exchange(0);
    assert_eq!(before, after, "plain SCTP: no UDP datagrams");
    let (before, after) = exchange(9899);
    // Without encapsulation none arrive by UDP; with it, at least INIT, COOKIE ECHO and one
    // packet of DATA do (messages bundle, so not one each).
    assert!(after >= before + 3, "UDP datagrams into the server's namespace: {before} -> {after}");
}

/// SCTP-AUTH (RFC 4895) on both ends with a shared key: the server requires DATA to be
/// authenticated, the client learns that in the handshake (SCTP_PEER_AUTH_CHUNKS lists DATA),
/// and every DATA it sends travels with an AUTH chunk — seen on the wire by the capture.
#[test]
fn auth_keys_and_chunks_make_data_travel_with_auth() {
    use sctp_core::capture::{Capture, ChunkKind};
    use sctp_core::{AssocId, Received};
    use sctp_inspector_tests::wait_for;
    let f = Scope::Future;
    let key = AuthKey { key_number: 1, key_hex: "73 65 63 72 65 74".into() };
    let mut server = endpoint();
    let client = endpoint();
    for ep in [&server, &client] {
        set_get_same(ep, f, AuthSupported(true));
        ep.set_option(f, &key).unwrap();
        set_get_same(ep, f, AuthActiveKey { key_number: 1 });
    }
    server.set_option(f, &AuthChunk { chunk: 0 }).unwrap();
    let local = server.get_option_with(f, &LocalAuthChunks::default()).unwrap();
    assert!(local.chunks.split(", ").any(|c| c == "DATA"), "{local:?}");
    let e = client.set_option(f, &AuthChunk { chunk: 1 }).unwrap_err();
    assert!(e.to_string().contains("cannot be authenticated"), "{e}");

    let dir = tempfile::tempdir().unwrap();
    let capture = Capture::start(&dir.path().join("auth.pcapng"), &[None], 1 << 20, Instant::now()).unwrap();
    server.listen(8).unwrap();
    let port = server.local_port().unwrap();
    let assoc = client.connect(&[super::loopback(port)], Duration::from_secs(5)).unwrap();
    let peer = client.get_option_with(Scope::Assoc(assoc), &PeerAuthChunks::default()).unwrap();
    assert!(peer.chunks.split(", ").any(|c| c == "DATA"), "the client knows DATA must be authenticated: {peer:?}");
    client.send(b"authenticated", &SendInfo { assoc, stream: 0, ..Default::default() }).unwrap();
    wait_for(&mut server, Duration::from_secs(5), |r| matches!(r, Received::Data(m) if m.data == b"authenticated"));
    // A key in use cannot be deleted before it is deactivated.
    let e = client.set_option(Scope::Assoc(AssocId(assoc.0)), &AuthDeleteKey { key_number: 1 }).unwrap_err();
    assert!(e.errno_name().is_some(), "{e}");
    std::thread::sleep(Duration::from_millis(300));
    let (marks, _, failure) = capture.stop();
    assert!(failure.is_none());
    let data: Vec<_> = marks
        .iter()
        .filter(|m| m.dst.port() == port && m.chunks.contains(&ChunkKind::Data))
        .map(|m| m.chunks.clone())
        .collect();
    assert!(!data.is_empty(), "the DATA was captured");
    for chunks in &data {
        let auth = chunks.iter().position(|c| *c == ChunkKind::Auth);
        let first_data = chunks.iter().position(|c| *c == ChunkKind::Data);
        assert!(auth.is_some() && auth < first_data, "AUTH precedes DATA in {chunks:?}");
    }
}

/// Potentially failed (RFC 7829): with the PF state exposed and a PF threshold below
/// path_max_rxt, a path whose answers stop is first reported potentially failed, then
/// unreachable; data keeps flowing over the other path meanwhile.
#[test]
fn a_silent_path_is_potentially_failed_before_it_is_unreachable() {
    use sctp_core::notification::PeerAddrState;
    use sctp_core::{Notification, Received};
    use sctp_inspector_tests::wait_for;
    let topo = two_paths();
    let port = 6500;
    let mut server = open(cfg(Style::OneToMany, sctp_core::lab::TwoPaths::addrs_b(), port, Some(&topo.b)));
    server.listen(8).unwrap();
    let mut client = open(cfg(Style::OneToMany, sctp_core::lab::TwoPaths::addrs_a(), 0, Some(&topo.a)));
    let f = Scope::Future;
    client.set_option(f, &RtoInfo { initial: 300, max: 600, min: 100 }).unwrap();
    client
        .set_option(
            f,
            &PeerAddrParams { hb_interval: 200, path_max_rxt: 4, heartbeat: Toggle::Enable, ..Default::default() },
        )
        .unwrap();
    set_get_same(&client, f, ExposePfState(Toggle::Enable));
    set_get_same(&client, f, PeerAddrThresholds { addr: None, path_max_rxt: 4, pf_threshold: 1, ps_threshold: 65535 });
    let path1 = SocketAddr::new(sctp_core::lab::TwoPaths::addr_b(1), port);
    let path2 = SocketAddr::new(sctp_core::lab::TwoPaths::addr_b(2), port);
    client.connect(&[path1, path2], Duration::from_secs(5)).unwrap();
    topo.netem_on(sctp_core::lab::Side::B, 1, "loss 100%").unwrap();
    let change = |want: PeerAddrState| {
        move |r: &Received| {
            matches!(r, Received::Notification(Notification::PeerAddrChange { addr: Some(a), state, .. })
                if *a == path1 && *state == want)
        }
    };
    let (_, before) = wait_for(&mut client, Duration::from_secs(8), change(PeerAddrState::PotentiallyFailed));
    assert!(!before.iter().any(change(PeerAddrState::Unreachable)), "potentially failed comes first");
    wait_for(&mut client, Duration::from_secs(8), change(PeerAddrState::Unreachable));
    let _ = &mut server;
}

/// The priority scheduler (RFC 8260 §3.2) decides which queued message goes out next: with
/// a slow path keeping most of a burst queued, messages on the high-priority stream (value
/// 0) sent after 40 low-priority ones (value 10) overtake them; first-come-first-served
/// sends them last.
#[test]
fn the_priority_scheduler_lets_a_stream_overtake_queued_messages() {
    use sctp_core::Received;
    let topo = two_paths();
    topo.netem(1, "delay 40ms").unwrap();
    let mut position_of_high = Vec::new();
    for (port, scheduler) in [(6600, Scheduler::Fcfs), (6601, Scheduler::Prio)] {
        let to = SocketAddr::new(sctp_core::lab::TwoPaths::addr_b(1), port);
        let mut server = open(cfg(Style::OneToMany, vec![to.ip()], port, Some(&topo.b)));
        server.listen(8).unwrap();
        let client = open(cfg(Style::OneToMany, vec![sctp_core::lab::TwoPaths::addr_a(1)], 0, Some(&topo.a)));
        let assoc = client.connect(&[to], Duration::from_secs(5)).unwrap();
        let a = Scope::Assoc(assoc);
        set_get_same(&client, a, StreamScheduler(scheduler));
        if scheduler == Scheduler::Prio {
            client.set_option(a, &StreamSchedulerValue { stream: 1, value: 10 }).unwrap();
            client.set_option(a, &StreamSchedulerValue { stream: 2, value: 0 }).unwrap();
        }
        for _ in 0..40 {
            client.send(&[1; 1000], &SendInfo { assoc, stream: 1, ..Default::default() }).unwrap();
        }
        for _ in 0..5 {
            client.send(&[2; 1000], &SendInfo { assoc, stream: 2, ..Default::default() }).unwrap();
        }
        let mut order = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        while order.len() < 45 && Instant::now() < deadline {
            if let Some(Received::Data(m)) = server.recv_timeout(Duration::from_millis(200)).unwrap() {
                order.push(m.info.map(|i| i.stream).unwrap_or(0));
            }
        }
        assert_eq!(order.len(), 45, "{scheduler:?}: every message arrived");
        position_of_high.push(order.iter().rposition(|s| *s == 2).unwrap());
    }
    let (fcfs, prio) = (position_of_high[0], position_of_high[1]);
    eprintln!("the last high-priority message arrived {fcfs}th (FCFS) and {prio}th (PRIO) of 45");
    assert_eq!(fcfs, 44, "first come, first served: the high-priority messages come last");
    assert!(prio < 30, "with priorities they overtake the queue: last one received at {prio} of 45");
}

/// I-DATA (RFC 8260) where both namespaces allow it: the association carries its messages
/// in I-DATA chunks instead of DATA, as the capture shows.
#[test]
fn interleaving_puts_i_data_chunks_on_the_wire() {
    use sctp_core::Received;
    use sctp_core::capture::{Capture, ChunkKind};
    use sctp_inspector_tests::wait_for;
    let topo = two_paths();
    for ns in [&topo.a, &topo.b] {
        sh_in(ns, "echo 1 > /proc/sys/net/sctp/intl_enable");
    }
    let to = SocketAddr::new(sctp_core::lab::TwoPaths::addr_b(1), 6700);
    let mut server = open(cfg(Style::OneToMany, vec![to.ip()], 6700, Some(&topo.b)));
    let client = open(cfg(Style::OneToMany, vec![sctp_core::lab::TwoPaths::addr_a(1)], 0, Some(&topo.a)));
    for ep in [&server, &client] {
        ep.set_option(Scope::Future, &FragmentInterleave(1)).unwrap();
        set_get_same(ep, Scope::Future, InterleavingSupported(true));
    }
    server.listen(8).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let capture =
        Capture::start(&dir.path().join("idata.pcapng"), &[Some(topo.a.clone())], 1 << 20, Instant::now()).unwrap();
    let assoc = client.connect(&[to], Duration::from_secs(5)).unwrap();
    client.send(b"interleavable", &SendInfo { assoc, stream: 1, ..Default::default() }).unwrap();
    wait_for(&mut server, Duration::from_secs(5), |r| matches!(r, Received::Data(m) if m.data == b"interleavable"));
    std::thread::sleep(Duration::from_millis(200));
    let (marks, _, _) = capture.stop();
    let chunks: Vec<ChunkKind> = marks.iter().flat_map(|m| m.chunks.iter().copied()).collect();
    assert!(chunks.contains(&ChunkKind::IData), "I-DATA on the wire: {chunks:?}");
    assert!(!chunks.contains(&ChunkKind::Data), "no plain DATA: {chunks:?}");
}

/// The other two reconfiguration requests (RFC 6525 §6.3.3, §6.3.4) with both ends' consent:
/// adding streams is answered by SCTP_STREAM_CHANGE_EVENT and the association has more
/// outbound streams after; an association reset by SCTP_ASSOC_RESET_EVENT at both ends.
/// And SCTP_CONTEXT: the receiver's default context comes with every message it gets.
#[test]
fn adding_streams_resetting_the_association_and_the_receive_context() {
    use sctp_core::{Notification, Received};
    use sctp_inspector_tests::wait_for;
    let f = Scope::Future;
    let mut server = endpoint();
    let mut client = endpoint();
    let consent = EnableStreamReset { reset_streams: true, reset_assoc: true, add_streams: true };
    for ep in [&server, &client] {
        set_get_same(ep, f, ReconfigSupported(true));
        set_get_same(ep, f, consent);
    }
    set_get_same(&server, f, Context(4242));
    server.listen(8).unwrap();
    let assoc = client.connect(&[super::loopback(server.local_port().unwrap())], Duration::from_secs(5)).unwrap();
    let before = client.status(assoc).unwrap().outbound_streams;
    client.reconfigure(assoc, &Reconfig::AddStreams { inbound: 0, outbound: 3 }).unwrap();
    wait_for(
        &mut client,
        Duration::from_secs(5),
        |r| matches!(r, Received::Notification(Notification::StreamChange { flags, .. }) if flags & 0xc == 0),
    );
    assert_eq!(client.status(assoc).unwrap().outbound_streams, before + 3);

    client.reconfigure(assoc, &Reconfig::ResetAssoc).unwrap();
    let reset =
        |r: &Received| matches!(r, Received::Notification(Notification::AssocReset { flags, .. }) if flags & 0xc == 0);
    wait_for(&mut client, Duration::from_secs(5), reset);
    wait_for(&mut server, Duration::from_secs(5), reset);

    client.send(b"with context", &SendInfo { assoc, stream: before + 2, ..Default::default() }).unwrap();
    let (got, _) = wait_for(&mut server, Duration::from_secs(5), |r| matches!(r, Received::Data(_)));
    let Received::Data(m) = got else { unreachable!() };
    let info = m.info.expect("receive info");
    assert_eq!((info.stream, info.context), (before + 2, 4242), "a new stream, and the server's default context");
}
