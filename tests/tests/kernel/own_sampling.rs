//! The worker's own associations sampled from the sock_diag dump (`DumpSampler`): the
//! samples say what getsockopt says, an idle association costs no getsockopt, an active
//! one costs one per path, and a two-path association lists both paths and follows its
//! primary.

use super::multihoming::{peer, two_path_association};
use super::{cfg, loopback};
use sctp_core::options::{PeerAddrParams, PrimaryAddr, Toggle};
use sctp_core::worker::dump_sampler::{DumpSampler, Tick};
use sctp_core::worker::sampler::Sample;
use sctp_core::worker::{EpId, PathSample};
use sctp_core::{AssocId, Endpoint, Scope, Style};
use sctp_inspector_tests::open;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

const PORT: u16 = 5331;

fn no_heartbeats(ep: &Endpoint) {
    ep.set_option(Scope::Future, &PeerAddrParams { heartbeat: Toggle::Disable, ..Default::default() }).unwrap();
}

/// A tick from a whole dump: under load the kernel's dump may skip entries (getsockopt then
/// stands in for them), so take the next — with the getsockopt calls of every attempt.
fn whole_tick(sampler: &mut DumpSampler, eps: &[(EpId, &Endpoint)]) -> Tick {
    let mut calls = 0;
    for _ in 0..20 {
        let mut tick = sampler.sample(eps).unwrap();
        // Path reads count; the one status call per skipped association does not.
        calls += tick.getsockopt_calls - tick.confirmed;
        // Whole: nothing skipped that getsockopt had to stand in for.
        if !tick.interrupted && tick.confirmed == 0 {
            tick.getsockopt_calls = calls;
            return tick;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("every dump was interrupted")
}

fn sample_of(tick: &Tick, ep: EpId) -> &[(AssocId, Sample)] {
    &tick.endpoints.iter().find(|e| e.ep == ep).expect("the endpoint is in the tick").samples
}

#[test]
fn own_associations_from_the_dump_agree_with_getsockopt_and_idle_ones_cost_no_call() {
    let server = open(cfg(Style::OneToMany, vec![IpAddr::from([127, 0, 0, 1])], PORT, None));
    no_heartbeats(&server);
    server.listen(8).unwrap();
    // One-to-one on the client side: both styles are matched.
    let client = open(cfg(Style::OneToOne, vec![], 0, None));
    no_heartbeats(&client);
    client.connect(&[loopback(PORT)], Duration::from_secs(5)).unwrap();
    let (s_ep, c_ep) = (EpId(1), EpId(2));
    let mut sampler = DumpSampler::open(None).expect("open the dump sampler");
    let eps = [(s_ep, &server), (c_ep, &client)];

    // A new association the dump skipped is not known yet, so nothing stands in for it:
    // it appears a tick later.
    let mut first = whole_tick(&mut sampler, &eps);
    for _ in 0..20 {
        if [s_ep, c_ep].iter().all(|ep| sample_of(&first, *ep).len() == 1) {
            break;
        }
        first = whole_tick(&mut sampler, &eps);
    }
    assert!(first.endpoints.iter().all(|e| e.unmatched == 0));
    let &[(id, ref s)] = sample_of(&first, s_ep) else { panic!("one server association") };
    let status = server.status(id).unwrap();
    assert_eq!(s.status, status, "the dump's status with the primary's mtu from getsockopt");
    let stats = server.assoc_stats(id).unwrap();
    assert_eq!(s.stats.unwrap().packets_out, stats.packets_out);
    assert_eq!(s.stats.unwrap().ordered_chunks_in, stats.ordered_chunks_in);
    assert!(matches!(&s.paths[..], [PathSample::Info(p)] if *p == status.primary));
    let &[(cid, ref c)] = sample_of(&first, c_ep) else { panic!("one client association") };
    assert_eq!(cid, client.status(AssocId(0)).unwrap().assoc, "one-to-one: the kernel's id");
    assert_eq!(c.status.primary.addr, Some(loopback(PORT)));

    // Idle, no heartbeats: nothing can have changed on a path, and nothing is read.
    let idle = whole_tick(&mut sampler, &eps);
    assert_eq!(idle.getsockopt_calls, 0, "an idle association costs no getsockopt");
    assert_eq!(sample_of(&idle, s_ep).len(), 1);

    // A message moves packets: the active associations' paths and PR-SCTP counters are read
    // again (one call each).
    client.send_on(AssocId(0), 0, b"tick").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let active = whole_tick(&mut sampler, &eps);
    assert_eq!(active.getsockopt_calls, 4, "the primary path and the abandoned count of each end, once");
    assert!(sample_of(&active, s_ep)[0].1.stats.unwrap().ordered_chunks_in >= 1);

    // The association ends: it is gone from the next tick.
    drop(client);
    std::thread::sleep(Duration::from_millis(300));
    let after = whole_tick(&mut sampler, &[(s_ep, &server)]);
    assert!(sample_of(&after, s_ep).is_empty(), "the aborted association is gone");
}

#[test]
fn a_two_path_association_lists_both_paths_and_follows_its_primary() {
    let p = two_path_association();
    let ep = EpId(1);
    let mut sampler = DumpSampler::open(Some(&p.topo.a)).expect("open the dump sampler in the client's namespace");
    for primary in [2, 1] {
        p.client.set_option(Scope::Assoc(p.assoc), &PrimaryAddr { addr: Some(peer(primary)) }).unwrap();
        let tick = whole_tick(&mut sampler, &[(ep, &p.client)]);
        let &[(id, ref s)] = sample_of(&tick, ep) else { panic!("one association") };
        assert_eq!(id, p.assoc);
        assert_eq!(s.status.primary.addr, Some(peer(primary)), "the dump follows the primary at once");
        let mut addrs: Vec<SocketAddr> = s
            .paths
            .iter()
            .map(|ps| match ps {
                PathSample::Info(i) => i.addr.unwrap(),
                PathSample::Unreadable { addr, error } => panic!("{addr}: {error}"),
            })
            .collect();
        addrs.sort();
        assert_eq!(addrs, vec![peer(1), peer(2)]);
        let other = peer(3 - primary);
        let info = p.client.path_info(p.assoc, other).unwrap();
        let sampled = s.paths.iter().find_map(|ps| match ps {
            PathSample::Info(i) if i.addr == Some(other) => Some(*i),
            _ => None,
        });
        // Heartbeats run every 200 ms: state, rto and mtu hold still between the reads.
        let sampled = sampled.unwrap();
        assert_eq!((sampled.state, sampled.rto_ms, sampled.mtu), (info.state, info.rto_ms, info.mtu));
    }
}

/// The getsockopt sampler reads the PR-SCTP abandoned count only when DATA went out or
/// data waits: an idle association costs SCTP_STATUS and the stats (the C floor's calls),
/// a heartbeat does not change that, and one that just carried a message gets its count
/// read again.
#[test]
fn the_getsockopt_sampler_reads_the_abandoned_count_only_after_data_went_out() {
    use sctp_core::worker::sampler::Sampler;
    let mut server = open(cfg(Style::OneToMany, vec![IpAddr::from([127, 0, 0, 1])], 0, None));
    no_heartbeats(&server);
    server.listen(8).unwrap();
    let client = open(cfg(Style::OneToMany, vec![], 0, None));
    no_heartbeats(&client);
    let assoc = client.connect(&[loopback(server.local_port().unwrap())], Duration::from_secs(5)).unwrap();
    let mut sampler = Sampler::default();
    let calls = |sampler: &mut Sampler| {
        let before = sampler.calls();
        let s = sampler.sample(&client, assoc, assoc).unwrap();
        assert_eq!(s.paths.len(), 1, "one path, the primary, carried by SCTP_STATUS");
        (sampler.calls() - before, s.stats.expect("stats").abandoned_messages)
    };
    assert_eq!(calls(&mut sampler), (4, 0), "first: status, peer list, stats, abandoned count");
    assert_eq!(calls(&mut sampler), (2, 0), "idle: status and stats only");
    // A heartbeat on demand: packets go out and come back, no DATA.
    let packets = || {
        let s = client.assoc_stats(assoc).unwrap();
        s.packets_out + s.packets_in
    };
    let before = packets();
    let demand =
        PeerAddrParams { hb_demand: true, address: Some(loopback(server.local_port().unwrap())), ..Default::default() };
    client.set_option(Scope::Assoc(assoc), &demand).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while packets() < before + 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(packets() >= before + 2, "the heartbeat and its ack were counted");
    assert_eq!(calls(&mut sampler), (2, 0), "a heartbeat sends no DATA: nothing to abandon");
    client.send_on(assoc, 0, b"moves DATA").unwrap();
    sctp_inspector_tests::wait_for(&mut server, Duration::from_secs(5), |r| matches!(r, sctp_core::Received::Data(_)));
    // The SACK comes back at once or after the delayed-ack timer: until then data waits.
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while client.status(assoc).unwrap().unacked > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(calls(&mut sampler), (3, 0), "DATA went out: the abandoned count is read again");
    assert_eq!(calls(&mut sampler), (2, 0), "idle again");
}
