//! The host view's source on the real kernel: the sctp_diag dump, joined with
//! /proc/net/sctp and /proc/*/fd, against `ss --sctp`, getsockopt and other programs'
//! associations (iperf3, sctp_darn from lksctp-tools).

use super::multihoming::{self, fast_timers};
use super::{cfg, loopback};
use sctp_core::diag::reader::{HostSampler, HostSnapshot};
use sctp_core::host::{HostChangeKind, HostModel};
use sctp_core::notification::PeerAddrState;
use sctp_core::{AssocState, Notification, PathState, Received, Style};
use sctp_inspector_tests::{open, wait_for};
use std::net::IpAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed when the test ends, however it ends.
struct Program(Child);

impl Drop for Program {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(cmd: &str, args: &[&str]) -> Program {
    let child = Command::new(cmd)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start {cmd} (the rig installs it): {e}"));
    Program(child)
}

/// Snapshots until `found` picks something, up to `timeout`; the last snapshot on failure.
/// Owners of new sockets are looked up at most every 2 s, so a test waits for them too.
/// (Callers allow 30 s: it returns as soon as the thing is there, and under QEMU TCG a
/// program starting beside the test takes seconds.)
fn wait_snapshot<T>(s: &mut HostSampler, timeout: Duration, mut found: impl FnMut(&HostSnapshot) -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        let snap = s.snapshot().expect("snapshot");
        if let Some(v) = found(&snap) {
            return v;
        }
        if Instant::now() > deadline {
            panic!("not found within {timeout:?}; last snapshot:\n{:#?}", snap.assocs);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `ss --sctp` prints `tag:` and `ptag:` in hex for each association; returns the fields
/// of the association whose tag is `tag`. The kernel's dump may skip an entry while other
/// tests' associations come and go during it, so a few dumps are tried.
fn ss_fields(tag: u32) -> Vec<(String, String)> {
    let want = format!("tag:{tag:x}");
    let mut text = String::new();
    for _ in 0..20 {
        let out = Command::new("ss").args(["--sctp", "-a", "-i", "-n", "-p"]).output().expect("run ss");
        text = String::from_utf8_lossy(&out.stdout).into_owned();
        if let Some(line) = text.lines().find(|l| l.split_whitespace().any(|w| w == want)) {
            return line
                .split_whitespace()
                .filter_map(|w| w.split_once(':'))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("ss shows no association with {want} in 20 dumps; the last:\n{text}")
}

fn field<'a>(fields: &'a [(String, String)], key: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or_else(|| panic!("ss printed no {key}:"))
}

#[test]
fn an_iperf3_association_appears_with_its_owner_and_agrees_with_ss() {
    sctp_inspector_tests::require_kernel_sctp();
    let _server = spawn("iperf3", &["-s", "-1", "-p", "5321"]);
    std::thread::sleep(Duration::from_millis(500));
    // Sending for longer than the test can take (it is killed when the test ends): on a slow
    // kernel (QEMU TCG) the waits below took longer than 8 s, and the association was gone.
    let _client = spawn("iperf3", &["-c", "127.0.0.1", "-p", "5321", "--sctp", "-t", "120", "-b", "2M"]);
    let mut s = HostSampler::open(None).expect("open the sock_diag sampler");
    // The client's data association: the peer port is the server's. The dump and
    // /proc/net/sctp are read one after the other: wait for a snapshot taken while the RTO
    // held still between the two reads (it drops from RTO.Initial at the first RTT sample).
    let a = wait_snapshot(&mut s, Duration::from_secs(30), |snap| {
        snap.assocs
            .iter()
            .find(|a| {
                a.diag.peer_port == 5321
                    && a.diag.state == AssocState::Established
                    && a.owner.is_some()
                    && a.paths.first().is_some_and(|p| p.rto_ms == a.diag.primary.map(|d| d.rto_ms))
            })
            .cloned()
    });
    let owner = a.owner.as_ref().expect("the owning process is found (root in the rig)");
    assert_eq!(owner.command, "iperf3");
    assert_ne!(owner.pid, std::process::id());
    assert_eq!(a.diag.peers, vec!["127.0.0.1:5321".parse().unwrap()]);
    assert!(a.diag.locals.iter().any(|l| l.ip() == IpAddr::from([127, 0, 0, 1])), "{:?}", a.diag.locals);
    assert!(a.assoc_id.is_some(), "joined with /proc/net/sctp/assocs");
    assert_eq!(a.paths.len(), 1);
    assert!(a.paths[0].primary && a.paths[0].state == PathState::Active);
    // /proc/net/sctp/remaddr prints rto in jiffies; converted, it is the dump's rto in ms.
    assert_eq!(a.paths[0].rto_ms, a.diag.primary.map(|p| p.rto_ms), "{:?}", a.paths[0]);
    let p = a.diag.primary.expect("sctp_info carries the primary path");
    assert!(p.cwnd > 0 && p.rto_ms > 0, "{p:?}");

    // Field by field against ss, which reads the same dump: the values that do not move.
    let ss = ss_fields(a.diag.tag);
    assert_eq!(field(&ss, "ptag"), format!("{:x}", a.diag.peer_tag));
    assert_eq!(field(&ss, "state"), "ESTAB");
    assert_eq!(field(&ss, "instrms").parse::<u16>().unwrap(), a.diag.inbound_streams);
    assert_eq!(field(&ss, "outstrms").parse::<u16>().unwrap(), a.diag.outbound_streams);
    assert_eq!(field(&ss, "maxburst").parse::<u32>().unwrap(), a.diag.max_burst);
    assert_eq!(field(&ss, "maxseg").parse::<u32>().unwrap(), a.diag.maxseg);
    // The server's side is there too, owned by the other iperf3.
    let server_side = wait_snapshot(&mut s, Duration::from_secs(30), |snap| {
        snap.assocs
            .iter()
            .find(|b| b.diag.local_port == 5321 && b.diag.tag == a.diag.peer_tag && b.owner.is_some())
            .cloned()
    });
    assert_eq!(server_side.diag.peer_tag, a.diag.tag);
    assert_eq!(server_side.owner.as_ref().map(|o| o.command.as_str()), Some("iperf3"));
}

/// A second copy of the inspector, as another process: its headless runner holds a
/// server and a client associated on loopback while this test watches them.
#[test]
fn another_inspector_process_s_associations_appear_with_their_owner() {
    let bin = std::env::current_exe().unwrap().parent().unwrap().parent().unwrap().join("sctp-inspector");
    let scratch = tempfile::tempdir().expect("a private scratch dir");
    let dir = scratch.path();
    let file = dir.join("hold.toml");
    // Held for longer than the test can take (the process is killed when it ends): under
    // QEMU TCG beside another test, a 20 s hold had ended before both ends were found.
    let hold = "[[step]]\ndo = \"sleep\"\nms = 120000\n";
    std::fs::write(&file, sctp_inspector_tests::loopback_scenario("hold an association", "", 5341, hold)).unwrap();
    let other = spawn(bin.to_str().unwrap(), &["run", file.to_str().unwrap()]);
    let mut s = HostSampler::open(None).expect("open the sock_diag sampler");
    // Both ends, owned, with their ids joined from /proc/net/sctp/assocs. That file is
    // walked by position like the dump, so while other tests open and close associations
    // a read can skip a line: an id missing from one snapshot appears in a later one.
    let ends = wait_snapshot(&mut s, Duration::from_secs(30), |snap| {
        let ends: Vec<_> = snap
            .assocs
            .iter()
            .filter(|a| (a.diag.local_port == 5341 || a.diag.peer_port == 5341) && a.owner.is_some())
            .cloned()
            .collect();
        (ends.len() == 2 && ends.iter().all(|a| a.assoc_id.is_some())).then_some(ends)
    });
    for a in &ends {
        let owner = a.owner.as_ref().unwrap();
        assert_eq!(owner.command, "sctp-inspector");
        assert_eq!(owner.pid, other.0.id());
        assert_eq!(a.diag.state, AssocState::Established);
        assert!(a.assoc_id.is_some(), "the owner's id, from /proc/net/sctp/assocs");
        let p = a.diag.primary.expect("sctp_info");
        assert_eq!(p.addr.map(|x| x.ip()), Some(IpAddr::from([127, 0, 0, 1])));
        assert_eq!(a.paths.len(), 1);
    }
    // Both ends of one association: the tags cross.
    let ids: Vec<_> = ends.iter().map(|a| (a.diag.local_port, a.diag.peer_port, a.diag.tag, a.diag.peer_tag)).collect();
    assert_eq!((ends[0].diag.tag, ends[0].diag.peer_tag), (ends[1].diag.peer_tag, ends[1].diag.tag), "{ids:?}");
    drop(other);
}

#[test]
fn a_sctp_darn_listener_and_our_client_agree_with_getsockopt() {
    let _darn = spawn("sctp_darn", &["-H", "127.0.0.1", "-P", "5322", "-l"]);
    let mut s = HostSampler::open(None).expect("open the sock_diag sampler");
    // sctp_darn's listening endpoint, owned by sctp_darn.
    let ep = wait_snapshot(&mut s, Duration::from_secs(30), |snap| {
        snap.endpoints.iter().find(|e| e.diag.port == 5322 && e.diag.listening && e.owner.is_some()).cloned()
    });
    assert_eq!(ep.owner.map(|o| o.command), Some("sctp_darn".to_string()));

    let client = open(cfg(Style::OneToMany, vec![IpAddr::from([127, 0, 0, 1])], 0, None));
    let assoc = client.connect(&[loopback(5322)], Duration::from_secs(5)).expect("connect to sctp_darn");
    client.send_on(assoc, 0, b"hello darn").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let inode = client.inode().unwrap();
    // Owners are looked up again at most every 2 s when a new socket appears.
    let ours = wait_snapshot(&mut s, Duration::from_secs(30), |snap| {
        snap.assocs.iter().find(|a| a.diag.inode == inode && a.owner.is_some()).cloned()
    });
    assert_eq!(ours.owner.as_ref().map(|o| o.pid), Some(std::process::id()));
    assert_eq!(ours.assoc_id, Some(assoc), "the owner's association id, from /proc/net/sctp/assocs");
    let status = client.status(assoc).unwrap();
    let stats = client.assoc_stats(assoc).unwrap();
    let d = &ours.diag;
    let p = d.primary.unwrap();
    assert_eq!(d.state, status.state);
    assert_eq!(d.peer_rwnd, status.rwnd, "idle: the peer's window");
    assert_eq!((d.inbound_streams, d.outbound_streams), (status.inbound_streams, status.outbound_streams));
    assert_eq!(d.maxseg, status.fragmentation_point, "the dump's maxseg is the fragmentation point");
    assert_eq!(p.addr, status.primary.addr);
    assert_eq!(p.state, status.primary.state);
    assert_eq!(p.cwnd, status.primary.cwnd);
    assert_eq!(p.rto_ms, status.primary.rto_ms);
    // srtt: both raw jiffies, same conversion.
    assert_eq!(p.srtt_jiffies, status.primary.srtt_jiffies);
    assert_eq!(p.srtt_ms, status.primary.srtt_ms);
    // Counters: a heartbeat may slip in between the two reads.
    let close = |a: u64, b: u64, what: &str| assert!(a.abs_diff(b) <= 2, "{what}: dump {a}, getsockopt {b}");
    close(d.stats.packets_out, stats.packets_out, "packets out");
    close(d.stats.packets_in, stats.packets_in, "packets in");
    close(d.stats.control_chunks_out, stats.control_chunks_out, "control chunks out");
    assert_eq!(d.stats.ordered_chunks_out, stats.ordered_chunks_out);
    assert_eq!(d.stats.ordered_chunks_out, 1, "the one message sent");
}

#[test]
fn the_raw_dump_decodes_to_what_the_sampler_reports() {
    let server = open(cfg(Style::OneToMany, vec![IpAddr::from([127, 0, 0, 1])], 5323, None));
    server.listen(8).unwrap();
    let v6 = sctp_core::EndpointConfig {
        family: sctp_core::Family::Ipv6,
        addrs: vec!["::1".parse().unwrap()],
        ..cfg(Style::OneToOne, vec![], 0, None)
    };
    let server6 = open(sctp_core::EndpointConfig { port: 5324, style: Style::OneToMany, ..v6.clone() });
    server6.listen(8).unwrap();
    let c4 = open(cfg(Style::OneToMany, vec![IpAddr::from([127, 0, 0, 1])], 0, None));
    c4.connect(&[loopback(5323)], Duration::from_secs(5)).unwrap();
    let c6 = open(v6);
    c6.connect(&["[::1]:5324".parse().unwrap()], Duration::from_secs(5)).unwrap();
    let mut s = HostSampler::open(None).unwrap();
    let raw = s.dump_raw().unwrap();
    let slices: Vec<&[u8]> = raw.iter().map(Vec::as_slice).collect();
    // dump_raw used sequence number 1; decode it as the unit tests do.
    let decoded = sctp_core::diag::decode_all(1, sctp_core::KernelHz::get(), &slices).unwrap();
    assert!(decoded.assocs.len() >= 4, "{:#?}", decoded.assocs);
    assert!(decoded.assocs.iter().any(|a| a.peers == vec!["[::1]:5324".parse().unwrap()]));
    assert!(decoded.endpoints.iter().any(|e| e.port == 5323 && e.listening));
    assert_eq!((decoded.malformed, decoded.dropped, decoded.interrupted), (0, 0, false));
    let live = s.dump().unwrap();
    // This test's own associations only: tests running beside it come and go between the
    // two dumps.
    let ours = |a: &&sctp_core::diag::DiagAssoc| [a.local_port, a.peer_port].iter().any(|p| [5323, 5324].contains(p));
    let key = |d: &sctp_core::diag::Dump| {
        let mut k: Vec<_> = d.assocs.iter().filter(ours).map(|a| a.key()).collect();
        k.sort();
        k
    };
    assert_eq!(key(&decoded), key(&live));
    if let Ok(dir) = std::env::var("SCTP_DIAG_CAPTURE") {
        // Fixture refresh: `SCTP_DIAG_CAPTURE=sctp-core/src/diag/testdata tests/rig/rig run --rw …`
        for (i, dg) in raw.iter().enumerate() {
            std::fs::write(format!("{dir}/dump-{i}.bin"), dg).unwrap();
        }
    }
}

#[test]
fn a_path_failure_shows_in_the_next_snapshot_after_the_kernel_notices() {
    let mut p = multihoming::two_path_association();
    fast_timers(&p.client);
    let mut s = HostSampler::open(Some(&p.topo.a)).expect("open the sampler in the lab namespace");
    let mut model = HostModel::default();
    let t0 = Instant::now();
    let snap = s.snapshot().unwrap();
    let inode = p.client.inode().unwrap();
    let before = snap.assocs.iter().find(|a| a.diag.inode == inode).cloned().expect("lab association dumped");
    assert_eq!(before.paths.len(), 2);
    assert!(before.paths.iter().all(|x| x.state == PathState::Active), "{:?}", before.paths);
    model.apply(0.0, snap);

    p.topo.link(1, false).unwrap();
    let path1 = multihoming::peer(1);
    // Send so the failure is noticed by retransmission as well as by heartbeat.
    for _ in 0..5 {
        let _ = p.client.send_on(p.assoc, 0, &[0u8; 100]);
    }
    let (_, _) = wait_for(&mut p.client, Duration::from_secs(20), |r| {
        matches!(r, Received::Notification(Notification::PeerAddrChange { addr, state: PeerAddrState::Unreachable, .. })
            if *addr == Some(path1))
    });
    let noticed = t0.elapsed().as_secs_f64();
    // One tick later the host view has it, from /proc/net/sctp/remaddr.
    let snap = s.snapshot().unwrap();
    let after = snap.assocs.iter().find(|a| a.diag.inode == inode).cloned().unwrap();
    let failed = after.paths.iter().find(|x| x.addr == path1.ip()).unwrap();
    assert_eq!(failed.state, PathState::Inactive, "{:?}", after.paths);
    model.apply(noticed, snap);
    assert!(
        model.changes.iter().any(|c| c.kind
            == HostChangeKind::PathState { addr: path1.ip(), from: PathState::Active, to: PathState::Inactive }),
        "{:?}",
        model.changes.iter().collect::<Vec<_>>()
    );
    p.topo.link(1, true).unwrap();
}
