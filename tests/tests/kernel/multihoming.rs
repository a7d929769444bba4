//! A multi-homed association over two real paths (two namespaces, two veth pairs).

use super::cfg;
use sctp_core::notification::{AssocChangeState, PeerAddrState};
use sctp_core::options::{AssocInfo, PeerAddrParams, PrimaryAddr, RtoInfo, Toggle};
use sctp_core::{AssocId, Endpoint, Notification, PathState, Received, Scope, SendInfo, Style};
use sctp_inspector_tests::topology::{TwoPaths, two_paths};
use sctp_inspector_tests::{open, wait_for};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const PORT: u16 = 6000;

/// Short timers so a failed path is noticed in about a second rather than minutes.
pub(super) fn fast_timers(ep: &Endpoint) {
    ep.set_option(Scope::Future, &RtoInfo { initial: 200, max: 400, min: 100 }).unwrap();
    ep.set_option(
        Scope::Future,
        &PeerAddrParams { hb_interval: 200, path_max_rxt: 2, heartbeat: Toggle::Enable, ..Default::default() },
    )
    .unwrap();
    ep.set_option(Scope::Future, &AssocInfo { max_retrans: 20, ..Default::default() }).unwrap();
}

pub(super) struct Pair {
    pub topo: TwoPaths,
    pub server: Endpoint,
    pub client: Endpoint,
    pub assoc: AssocId,
}

pub(super) fn peer(path: u8) -> SocketAddr {
    SocketAddr::new(TwoPaths::addr_b(path), PORT)
}

pub(super) fn two_path_association() -> Pair {
    associate_over(two_paths())
}

fn associate_over(topo: TwoPaths) -> Pair {
    let server = open(cfg(Style::OneToMany, TwoPaths::addrs_b(), PORT, Some(&topo.b)));
    fast_timers(&server);
    server.listen(8).unwrap();
    let client = open(cfg(Style::OneToMany, TwoPaths::addrs_a(), 0, Some(&topo.a)));
    fast_timers(&client);
    let assoc = client.connect(&[peer(1), peer(2)], Duration::from_secs(5)).unwrap();
    Pair { topo, server, client, assoc }
}

fn drain_data(server: &mut Endpoint, into: &mut Vec<Vec<u8>>) {
    while let Some(r) = server.try_recv().unwrap() {
        if let Received::Data(m) = r {
            into.push(m.data);
        }
    }
}

#[test]
fn both_paths_are_listed_with_their_info_and_primary_can_be_moved() {
    let p = two_path_association();
    let mut peers = p.client.peer_addrs(p.assoc).unwrap();
    peers.sort();
    assert_eq!(peers, vec![peer(1), peer(2)]);
    let mut locals = p.client.local_addrs(p.assoc).unwrap();
    locals.sort();
    assert_eq!(locals.iter().map(SocketAddr::ip).collect::<Vec<_>>(), TwoPaths::addrs_a());

    let paths = p.client.paths(p.assoc).unwrap();
    assert_eq!(paths.len(), 2);
    for (addr, info) in &paths {
        let info = info.as_ref().unwrap_or_else(|e| panic!("{addr}: {e}"));
        assert_eq!(info.addr, Some(*addr));
        assert!(matches!(info.state, PathState::Active | PathState::Unconfirmed), "{addr}: {:?}", info.state);
        assert!(info.mtu >= 1280 && info.cwnd > 0 && info.rto_ms >= 100, "{info:?}");
    }

    for path in [2, 1] {
        p.client.set_option(Scope::Assoc(p.assoc), &PrimaryAddr { addr: Some(peer(path)) }).unwrap();
        let back: PrimaryAddr = p.client.get_option(Scope::Assoc(p.assoc)).unwrap();
        assert_eq!(back.addr, Some(peer(path)));
        assert_eq!(p.client.status(p.assoc).unwrap().primary.addr, Some(peer(path)));
    }
}

#[test]
fn path_failure_fails_over_without_losing_messages_and_recovers() {
    let mut p = two_path_association();
    let mut client_events = Vec::new();
    let mut received = Vec::new();
    let total = 120;
    let started = Instant::now();
    let mut link_down_at = None;
    let mut unreachable_at = None;
    for i in 0..total {
        if i == 20 {
            p.topo.link(1, false).unwrap();
            link_down_at = Some(Instant::now());
        }
        let msg = format!("message {i:03}");
        p.client.send(msg.as_bytes(), &SendInfo { assoc: p.assoc, stream: 0, ..Default::default() }).unwrap();
        std::thread::sleep(Duration::from_millis(25));
        drain_data(&mut p.server, &mut received);
        while let Some(r) = p.client.try_recv().unwrap() {
            if unreachable_at.is_none()
                && matches!(
                    r,
                    Received::Notification(Notification::PeerAddrChange { state: PeerAddrState::Unreachable, .. })
                )
            {
                unreachable_at = Some(Instant::now());
            }
            client_events.push(r);
        }
    }
    // Everything sent gets there, in order, over path 2.
    let deadline = Instant::now() + Duration::from_secs(10);
    while received.len() < total && Instant::now() < deadline {
        p.server.recv_timeout(Duration::from_millis(100)).unwrap().into_iter().for_each(|r| {
            if let Received::Data(m) = r {
                received.push(m.data)
            }
        });
    }
    let want: Vec<Vec<u8>> = (0..total).map(|i| format!("message {i:03}").into_bytes()).collect();
    assert_eq!(received.len(), total, "lost messages after {:?}", started.elapsed());
    assert_eq!(received, want);

    // The client was told path 1 became unreachable.
    let unreachable = client_events.iter().find_map(|r| match r {
        Received::Notification(Notification::PeerAddrChange { addr, state: PeerAddrState::Unreachable, .. }) => *addr,
        _ => None,
    });
    assert_eq!(unreachable, Some(peer(1)), "events: {client_events:#?}");
    let detect = unreachable_at.unwrap().duration_since(link_down_at.unwrap());
    eprintln!("path 1 reported unreachable {detect:?} after link down");
    assert_eq!(p.client.path_info(p.assoc, peer(1)).unwrap().state, PathState::Inactive);
    assert_eq!(p.client.status(p.assoc).unwrap().state, sctp_core::AssocState::Established);

    // Link up: heartbeats find the path again.
    p.topo.link(1, true).unwrap();
    let (avail, _) = wait_for(&mut p.client, Duration::from_secs(10), |r| {
        matches!(r, Received::Notification(Notification::PeerAddrChange { state: PeerAddrState::Available, .. }))
    });
    let Received::Notification(Notification::PeerAddrChange { addr, .. }) = avail else { unreachable!() };
    assert_eq!(addr, Some(peer(1)));
    assert_eq!(p.client.path_info(p.assoc, peer(1)).unwrap().state, PathState::Active);
    assert!(!client_events.iter().any(|r| matches!(
        r,
        Received::Notification(Notification::AssocChange { state: AssocChangeState::CommLost, .. })
    )));
}

/// srtt is reported by the kernel in jiffies; with a known netem delay on a path, the
/// value in ms must land near it whatever the kernel's HZ.
///
/// The delay is in place before the association starts, so the path's first RTT sample
/// (which the kernel takes as srtt outright) is the shaped one. The kernel smooths in whole
/// jiffies (srtt - srtt/8 + rtt/8), so srtt stops moving once srtt/8 == rtt/8: at HZ=100 and
/// 300 ms that leaves it anywhere in 240..=310 ms, and a first sample inflated by a busy
/// machine comes down only that far. The accepted band allows for both; a wrong HZ (250 or
/// 1000 instead of 100) would put the value at 0.4× or 0.1× — far outside it.
#[test]
fn srtt_in_ms_matches_a_known_netem_delay() {
    let topo = two_paths();
    topo.netem(2, "delay 300ms").unwrap();
    let p = associate_over(topo);
    // Heartbeats every ~200 ms + RTO confirm and measure both paths.
    std::thread::sleep(Duration::from_millis(4000));
    let slow = p.client.path_info(p.assoc, peer(2)).unwrap();
    let fast = p.client.path_info(p.assoc, peer(1)).unwrap();
    let hz = sctp_core::KernelHz::get();
    eprintln!("HZ {hz:?}; path 2 (300 ms netem): {slow:?}; path 1: {fast:?}");
    assert_eq!(slow.state, PathState::Active, "path 2 not confirmed yet: {slow:?}");
    assert!((240.0..=450.0).contains(&slow.srtt_ms), "srtt {} ms with a 300 ms delay (HZ {hz:?})", slow.srtt_ms);
    assert!(fast.srtt_ms < 150.0, "unshaped path srtt {} ms", fast.srtt_ms);
    assert!(slow.rto_ms as f64 >= slow.srtt_ms);
}

/// The worker's sampler: SCTP_STATUS supplies the primary path, the cached peer list the
/// others; after the primary moves, the sample follows it.
#[test]
fn the_sampler_reports_every_path_with_the_primary_from_status() {
    let p = two_path_association();
    let mut sampler = sctp_core::worker::sampler::Sampler::default();
    for primary in [1, 2, 1] {
        p.client.set_option(Scope::Assoc(p.assoc), &PrimaryAddr { addr: Some(peer(primary)) }).unwrap();
        let s = sampler.sample(&p.client, p.assoc, p.assoc).unwrap();
        assert_eq!(s.status.primary.addr, Some(peer(primary)));
        let mut addrs: Vec<SocketAddr> = s
            .paths
            .iter()
            .map(|ps| match ps {
                sctp_core::worker::PathSample::Info(i) => i.addr.unwrap(),
                sctp_core::worker::PathSample::Unreadable { addr, error } => panic!("{addr}: {error}"),
            })
            .collect();
        addrs.sort();
        assert_eq!(addrs, vec![peer(1), peer(2)]);
        assert!(s.stats.is_some());
    }
}

/// Opening sockets in the lab's namespaces never moves the calling thread out of its own,
/// whether the open succeeds or fails (the namespace work runs on a helper thread).
#[test]
fn the_calling_thread_stays_in_its_own_namespace() {
    let topo = sctp_inspector_tests::topology::two_paths();
    let ns = || std::fs::metadata("/proc/thread-self/ns/net").map(|m| std::os::unix::fs::MetadataExt::ino(&m)).unwrap();
    let home = ns();
    let ok = open(cfg(Style::OneToMany, TwoPaths::addrs_a(), 0, Some(&topo.a)));
    assert_eq!(ns(), home);
    // 10.2.2.2 lives in namespace b: binding it in a fails, and the thread is still home.
    let err = Endpoint::open(&cfg(Style::OneToMany, TwoPaths::addrs_b(), 0, Some(&topo.a))).unwrap_err();
    assert_eq!(err.errno, Some(libc::EADDRNOTAVAIL), "{err}");
    assert_eq!(ns(), home);
    // The socket opened there is still in namespace a: it binds a's addresses.
    assert_eq!(ok.local_addrs(AssocId(0)).unwrap().len(), 2);
}
