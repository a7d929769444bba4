//! Packet capture beside a recording, on the real kernel, checked with tshark (a reader no
//! one here wrote): the pcapng opens, holds the association's life from INIT to SHUTDOWN
//! COMPLETE, its clock agrees with the recording's, and the display filter the app makes
//! for one association selects exactly that association's packets.

use sctp_core::capture::{PacketMark, WireId};
use sctp_core::notification::{Notification, PeerAddrState};
use sctp_core::scenario::record::{self, RecordLine};
use sctp_core::worker::{Event, Stamped};
use sctp_inspector::headless::{self, Options};
use sctp_inspector::kernel::KernelChoice;
use sctp_inspector_tests::require_kernel_sctp;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// tshark over the file with a display filter: one output line per packet, the fields asked.
fn tshark(file: &Path, filter: &str, fields: &[&str]) -> Vec<String> {
    let mut cmd = Command::new("tshark");
    cmd.args(["-n", "-r"]).arg(file).args(["-Y", filter, "-T", "fields", "-E", "separator=,"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("tshark runs (tests/rig/rig setup installs it)");
    assert!(out.status.success(), "tshark -Y {filter:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect()
}

fn events(lines: &[RecordLine]) -> impl Iterator<Item = &Stamped> {
    lines.iter().filter_map(|l| match l {
        RecordLine::Event(s) => Some(s),
        _ => None,
    })
}

#[test]
fn a_recorded_scenario_captures_its_packets_on_the_recording_clock() {
    require_kernel_sctp();
    recorded_scenario_with_packets(KernelChoice::Auto);
}

/// The same on a machine without SCTP: the worker and its capture inside a sandbox kernel,
/// the file written on this side of the line.
#[test]
#[ignore = "boots a sandbox kernel: run on the host with --ignored (tests/run does), not inside the rig"]
fn a_recorded_scenario_captures_its_packets_through_a_sandbox_kernel() {
    recorded_scenario_with_packets(KernelChoice::Sandbox);
}

fn recorded_scenario_with_packets(kernel: KernelChoice) {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("run.jsonl");
    let pcapng = sctp_core::capture::beside(&rec);
    let scenario = repo().join("assets/scenarios/heartbeat-path-failure.toml");
    let mut out = Vec::new();
    let opts = Options { record: Some(&rec), capture: Some((&pcapng, 64 << 20)), verbose: false, kernel };
    let result = headless::run(&scenario, &opts, &mut out);
    let out = String::from_utf8_lossy(&out);
    assert!(result.is_ok(), "{out}");
    assert_eq!(out.contains("driving a sandbox kernel"), kernel == KernelChoice::Sandbox, "{out}");
    assert!(out.contains("capture: ") && out.contains(&pcapng.display().to_string()), "{out}");

    let lines = record::load(&rec).unwrap();
    let unix_at_zero = events(&lines)
        .find_map(|s| match &s.event {
            Event::CaptureStarted { unix_at_zero, interfaces, .. } => {
                assert_eq!(interfaces.len(), 1, "{interfaces:?}");
                assert!(interfaces[0].starts_with("netns sctpA"), "lab side A: {interfaces:?}");
                Some(*unix_at_zero)
            }
            _ => None,
        })
        .expect("the recording says when the capture started");
    let last_stats = events(&lines)
        .filter_map(|s| match &s.event {
            Event::CaptureStats { stats, stopped, failure } => Some((*stats, *stopped, failure.clone())),
            _ => None,
        })
        .last()
        .expect("capture counters in the recording");
    let (stats, stopped, failure) = last_stats.clone();
    assert!(stopped && failure.is_none(), "{last_stats:?}");
    assert_eq!(stats.lost(), 0, "{stats:?}");
    let marks: Vec<PacketMark> = events(&lines)
        .flat_map(|s| match &s.event {
            Event::Packets { marks } => marks.clone(),
            _ => Vec::new(),
        })
        .collect();

    // tshark reads the file: every packet the worker counted is there, each one SCTP.
    let all = tshark(&pcapng, "sctp", &["frame.time_epoch", "sctp.chunk_type"]);
    assert_eq!(all.len() as u64, stats.packets, "packets in the file vs counted");
    assert_eq!(all.len(), marks.len(), "one summary per packet");
    let types: std::collections::BTreeSet<u8> =
        all.iter().flat_map(|l| l.split(',').skip(1).filter_map(|t| t.parse().ok())).collect();
    // INIT, INIT ACK, SACK, HEARTBEAT, HEARTBEAT ACK, ABORT, SHUTDOWN, SHUTDOWN ACK, COOKIE ECHO,
    // COOKIE ACK, SHUTDOWN COMPLETE, and DATA.
    for t in [0u8, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 14] {
        assert!(types.contains(&t), "chunk type {t} in the capture: {types:?}");
    }
    // The worker's summaries were made from the same packets: same times, same chunk lists.
    for (line, m) in all.iter().zip(&marks) {
        let mut fields = line.split(',');
        let epoch: f64 = fields.next().unwrap().parse().unwrap();
        assert!((epoch - (unix_at_zero + m.t)).abs() < 1e-5, "{line} vs {m:?}");
        let kinds: Vec<u8> = fields.filter_map(|t| t.parse().ok()).collect();
        assert_eq!(kinds.len(), m.chunks.len(), "{line} vs {m:?}");
    }

    // Same clock: the path-down notification and the HEARTBEAT whose send made the last
    // strike (RFC 9260 §8.2: the error counter rises as each heartbeat goes out unanswered).
    let down = events(&lines)
        .find_map(|s| match &s.event {
            Event::Notification {
                notification: Notification::PeerAddrChange { addr, state: PeerAddrState::Unreachable, .. },
                ..
            } if *addr == Some("10.1.1.2:6000".parse().unwrap()) => Some(s.t),
            _ => None,
        })
        .expect("path 1 went down");
    let down_unix = unix_at_zero + down;
    let heartbeats: Vec<f64> = tshark(&pcapng, "sctp.chunk_type == 4 && ip.dst == 10.1.1.2", &["frame.time_epoch"])
        .iter()
        .map(|l| l.parse().unwrap())
        .collect();
    let last_before = heartbeats.iter().copied().filter(|t| *t <= down_unix + 0.005).fold(f64::MIN, f64::max);
    let gap = down_unix - last_before;
    eprintln!("path down {gap:.4} s after the last HEARTBEAT to it");
    assert!(gap > -0.005 && gap < 0.1, "path down at {down_unix:.3}, last HEARTBEAT to it at {last_before:.3}");
    // Nothing came back over path 1 after the loss began, and heartbeats went on.
    assert!(heartbeats.iter().any(|t| *t > down_unix), "heartbeats continue to the unreachable address");

    // The display filter: the two associations share both ports; each filter selects its
    // own packets, together all of them, and the same ones the app's matcher picks.
    let replayed = record::replay(&lines);
    let (ep, client) = replayed.endpoints.iter().find(|(_, v)| v.label == "client").expect("client endpoint");
    let ids: Vec<WireId> = client.assocs.keys().filter_map(|a| replayed.wire_id(*ep, *a)).collect();
    assert_eq!(ids.len(), 2, "both associations named on the wire: {ids:?}");
    assert_eq!((ids[0].local_port, ids[0].peer_port), (5000, 6000));
    assert_ne!((ids[0].tag, ids[0].peer_tag), (ids[1].tag, ids[1].peer_tag));
    let ports = tshark(&pcapng, "sctp.port == 5000 && sctp.port == 6000", &["frame.number"]).len();
    let mut sum = 0;
    for id in &ids {
        let selected = tshark(&pcapng, &id.display_filter(None), &["frame.number"]).len();
        let matched = marks.iter().filter(|m| id.matches(m)).count();
        assert!(selected > 0, "{id:?}");
        assert_eq!(selected, matched, "tshark and the app's matcher agree for {id:?}");
        sum += selected;
    }
    assert_eq!(sum, ports, "the two filters split the port pair's packets exactly");
    let peer: SocketAddr = "10.2.2.2:6000".parse().unwrap();
    assert!(marks.iter().any(|m| m.dst == peer), "path 2 captured too");
}

#[test]
fn a_capture_that_cannot_start_fails_the_run_and_says_why() {
    require_kernel_sctp();
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("run.jsonl");
    // The capture's own file is a directory: it cannot be created.
    let blocked = dir.path().join("run.pcapng");
    std::fs::create_dir(&blocked).unwrap();
    let scenario = repo().join("assets/scenarios/lifecycle-teaching.toml");
    let mut out = Vec::new();
    let opts =
        Options { record: Some(&rec), capture: Some((&blocked, 64 << 20)), verbose: false, kernel: Default::default() };
    let result = headless::run(&scenario, &opts, &mut out);
    let out = String::from_utf8_lossy(&out);
    match result {
        Err(headless::RunError::Step(why)) => {
            assert!(why.contains("start the packet capture") && why.contains("run.pcapng"), "{why}")
        }
        other => panic!("expected a failed run, got {other:?}:\n{out}"),
    }
}

/// A capture past its size cap keeps a valid file no longer than the cap, counts every
/// packet it could not write, and says so once in the log (not once per packet); a second
/// capture is refused while one runs.
#[test]
fn a_capture_stops_growing_at_its_cap_and_counts_what_it_left_out() {
    use sctp_core::model::Logged;
    use sctp_core::worker::{Command, Reply, Warning};
    use sctp_core::{EndpointConfig, SendInfo, Style};
    use sctp_inspector_tests::harness::Harness;
    use std::time::Duration;

    let mut h = Harness::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("capped.pcapng");
    let cap = sctp_core::capture::MIN_MAX_BYTES;
    h.run(Command::StartCapture { path: file.clone(), netns: vec![None], max_bytes: cap }).unwrap();
    let again = h.run(Command::StartCapture { path: dir.path().join("b.pcapng"), netns: vec![None], max_bytes: cap });
    assert!(again.unwrap_err().to_string().contains("is running; stop it first"));

    let cfg = |port| EndpointConfig {
        style: Style::OneToMany,
        addrs: vec![[127, 0, 0, 1].into()],
        port,
        ..Default::default()
    };
    let server = h.open("server", cfg(0));
    h.run(Command::Listen { ep: server, backlog: 8 }).unwrap();
    let port = h.model.endpoints[&server].local_addrs[0].port();
    let client = h.open("client", cfg(0));
    let to = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(Reply::Assoc { assoc }) =
        h.run(Command::Connect { ep: client, addrs: vec![to], init: None, timeout_ms: Some(3000) })
    else {
        panic!("connect")
    };
    // 200 KB of DATA: three times the cap.
    let info = SendInfo { assoc, ..Default::default() };
    h.run(Command::Send { ep: client, info, payload: vec![7; 1000], count: 200, interval_ms: 0 }).unwrap();
    h.until(Duration::from_secs(10), |e| matches!(&e.event, Event::CaptureStats { stats, .. } if stats.over_cap > 0));
    h.run(Command::StopCapture).unwrap();
    let c = h.model.capture.clone().unwrap();
    assert!(!c.running);
    let len = std::fs::metadata(&file).unwrap().len();
    assert!(len <= cap && len == c.stats.bytes, "file {len} B, counted {} B, cap {cap}", c.stats.bytes);
    assert!(c.stats.over_cap > 0 && c.stats.packets > 10, "{:?}", c.stats);
    let written = tshark(&file, "sctp", &["frame.number"]).len() as u64;
    assert_eq!(written, c.stats.packets, "the capped file is whole: tshark reads every packet counted");
    let warned = h.model.log.iter().filter(|e| matches!(&e.what, Logged::Warning(Warning::CaptureLost { .. }))).count();
    assert!((1..=3).contains(&warned), "{warned} CaptureLost warnings");
    assert!(h.run(Command::StopCapture).unwrap_err().to_string().contains("no capture is running"));
}
