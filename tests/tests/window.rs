//! The real window, driven through its accessibility tree (egui_kittest), against the real
//! kernel: open a multi-homed server and client through the endpoint form, connectx over
//! two paths, set an option through its form and see the kernel's read-back, send on
//! stream 3 with PPID 46 and see it in the receiver's log, take path 1 down and see the
//! event and the path's colour change.

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use sctp_core::Notification;
use sctp_core::model::Logged;
use sctp_core::notification::{AssocChangeState, PeerAddrState};
use sctp_core::options::{OptionName, OptionValue, RtoInfo};
use sctp_core::worker::{EpId, WorkerHandle};
use sctp_core::{AssocId, PathState};
use sctp_inspector::app::{InspectorApp, RightTab, UiState};
use sctp_inspector::panels::options::ScopeChoice;
use sctp_inspector_tests::require_kernel_sctp;
use sctp_inspector_tests::topology::two_paths;
use std::time::{Duration, Instant};

type H = Harness<'static, InspectorApp>;

fn window() -> H {
    require_kernel_sctp();
    let worker = WorkerHandle::spawn(Box::new(|| {})).unwrap();
    let app = InspectorApp::with_worker(Some(worker), UiState::default());
    Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_ui_state(|ui, app: &mut InspectorApp| app.ui(ui), app)
}

/// Runs frames until `cond` holds for the app (the worker works in real time meanwhile).
fn until(h: &mut H, what: &str, cond: impl Fn(&InspectorApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        h.run_steps(1);
        if cond(h.state()) {
            return;
        }
        if Instant::now() > deadline {
            let log: Vec<String> =
                h.state().session.model.log.iter().map(|e| format!("  {:.3} {}", e.t, e.text())).collect();
            panic!("waited 15 s for {what}; log:\n{}", log.join("\n"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn type_into(h: &H, label: &str, text: &str) {
    h.get_by_role_and_label(Role::TextInput, label).set_text_value_accesskit(text);
}

fn endpoint(app: &InspectorApp, label: &str) -> Option<EpId> {
    app.session.model.endpoints.iter().find(|(_, v)| v.label == label).map(|(id, _)| *id)
}

fn first_assoc(app: &InspectorApp, ep: EpId) -> Option<AssocId> {
    app.session.model.endpoints.get(&ep)?.assocs.iter().find(|(_, a)| !a.gone && a.paths.len() == 2).map(|(id, _)| *id)
}

fn open_endpoint(h: &mut H, label: &str, addrs: &str, port: &str, netns: &str) -> EpId {
    type_into(h, "Label", label);
    type_into(h, "Local addresses", addrs);
    type_into(h, "Port", port);
    type_into(h, "Network namespace", netns);
    h.run_steps(1);
    h.get_by_label("Open").click();
    until(h, &format!("endpoint {label}"), |app| endpoint(app, label).is_some());
    endpoint(h.state(), label).unwrap()
}

#[test]
fn build_a_two_path_association_change_it_send_and_watch_a_path_fail() {
    let topo = two_paths();
    let mut h = window();
    until(&mut h, "the worker's hello", |app| app.session.model.kernel_sctp == Some(Ok(())));
    assert!(h.query_by_label("kernel SCTP available").is_some());

    let server = open_endpoint(&mut h, "server", "10.1.1.2, 10.2.2.2", "6000", &topo.b);
    h.state_mut().state.sel.ep = Some(server);
    h.run_steps(1);
    // What the kernel applied is read back and shown (unset: the kernel's defaults).
    let applied = h.state().session.model.endpoints[&server].applied.clone().expect("read back after open");
    assert_eq!((applied.ttl, applied.reuseaddr, applied.ipv6_v6only), (64, false, None));
    assert!(h.query_by_label(&sctp_inspector::panels::endpoints::applied_text(&applied)).is_some());
    // Let the layout settle before clicking (the read-back line above Listen arrives with
    // the endpoint's events).
    h.run_steps(2);
    h.get_by_label("Listen").click();
    until(&mut h, "listen result", |app| {
        app.session
            .model
            .log
            .iter()
            .any(|e| matches!(&e.what, Logged::Result { command, outcome: Ok(_) } if command.starts_with("listen ep")))
    });

    let client = open_endpoint(&mut h, "client", "10.1.1.1, 10.2.2.1", "0", &topo.a);
    h.state_mut().state.sel.ep = Some(client);
    h.run_steps(1);
    type_into(&h, "Peer addresses", "10.1.1.2, 10.2.2.2");
    type_into(&h, "Peer port", "6000");
    h.run_steps(1);
    h.get_by_label("Connect").click();
    until(&mut h, "a two-path association", |app| first_assoc(app, client).is_some());
    let assoc = first_assoc(h.state(), client).unwrap();
    // Select it in the tree, as a person would.
    h.get_by_label(&format!("assoc {}", assoc.0)).click();
    h.run_steps(2);
    assert_eq!(h.state().state.sel.assoc, Some(assoc));
    until(&mut h, "both paths active on both ends", |app| {
        [client, server].iter().all(|ep| {
            app.session.model.endpoints[ep]
                .assocs
                .values()
                .any(|a| a.paths.iter().filter(|p| p.state == PathState::Active).count() == 2)
        })
    });
    h.run_steps(1);
    // Four badges in the tree (two paths on each end) and two in the live status table.
    assert_eq!(h.query_all_by_label("active").count(), 6, "path badges that say active");

    // Options: rtoinfo for this association through the form; the kernel's values come back.
    {
        let o = &mut h.state_mut().state.options;
        o.option = OptionName::Rtoinfo;
        o.scope = ScopeChoice::ThisAssociation;
    }
    h.run_steps(1);
    // An untouched form asks the kernel by itself and shows its values (RTO.Initial 3 s).
    until(&mut h, "the form's own Get", |app| {
        app.session.model.option_reads.contains_key(&(client, OptionName::Rtoinfo))
    });
    h.run_steps(2);
    assert_eq!(h.get_by_role_and_label(Role::TextInput, "initial (ms)").value().as_deref(), Some("3000"));
    type_into(&h, "initial (ms)", "500");
    type_into(&h, "max (ms)", "2000");
    type_into(&h, "min (ms)", "200");
    h.run_steps(1);
    h.get_by_label("Set").click();
    let want = OptionValue::Rtoinfo(RtoInfo { initial: 500, max: 2000, min: 200 });
    until(&mut h, "rtoinfo read-back", |app| {
        app.session.model.option_reads.get(&(client, OptionName::Rtoinfo)) == Some(&want)
    });
    h.run_steps(1);
    assert!(h.query_by_label("2000").is_some(), "the kernel column shows max 2000");

    // peer_addr_params: heartbeat every 200 ms, 2 retransmissions before a path fails.
    h.state_mut().state.options.option = OptionName::PeerAddrParams;
    h.run_steps(1);
    type_into(&h, "hb_interval (ms)", "200");
    type_into(&h, "path_max_rxt", "2");
    h.state_mut().state.options.drafts.get_mut("peer_addr_params").unwrap().insert("heartbeat".into(), "Enable".into());
    h.run_steps(1);
    h.get_by_label("Set").click();
    until(&mut h, "peer_addr_params read-back", |app| {
        matches!(app.session.model.option_reads.get(&(client, OptionName::PeerAddrParams)),
            Some(OptionValue::PeerAddrParams(p)) if p.hb_interval == 200 && p.path_max_rxt == 2)
    });

    // Send on stream 3 with PPID 46; the receiver's log shows it.
    h.state_mut().state.tab = RightTab::Send;
    h.run_steps(1);
    type_into(&h, "Stream", "3");
    type_into(&h, "PPID", "46");
    type_into(&h, "Text", "diameter says hi");
    h.run_steps(1);
    h.get_by_label("Send now").click();
    until(&mut h, "the message at the server", |app| {
        app.session.model.log.iter().any(|e| {
            e.ep == Some(server)
                && matches!(&e.what, Logged::Data { info: Some(i), .. } if i.stream == 3 && i.ppid == 46)
        })
    });

    // Path 1 down: the event is logged and the path turns inactive (red) in the tree.
    topo.link(1, false).unwrap();
    let peer1: std::net::SocketAddr = "10.1.1.2:6000".parse().unwrap();
    until(&mut h, "path 1 inactive", |app| {
        app.session.model.endpoints[&client].assocs[&assoc]
            .paths
            .iter()
            .any(|p| p.addr == Some(peer1) && p.state == PathState::Inactive)
    });
    until(&mut h, "the unreachable event", |app| {
        app.session.model.log.iter().any(|e| {
            matches!(
                e.notification(),
                Some(Notification::PeerAddrChange { addr: Some(a), state: PeerAddrState::Unreachable, .. })
                    if *a == peer1
            )
        })
    });
    h.run_steps(1);
    // The badge is drawn in the state's colour (widgets::path_color): red for inactive.
    assert!(h.query_by_label("inactive").is_some(), "the path's badge says inactive");
    // The Paths tab says when the path changed, and from what.
    h.state_mut().state.sel.assoc = Some(assoc);
    h.state_mut().state.centre = sctp_inspector::app::CentreTab::Topology;
    h.run_steps(2);
    assert!(h.query_by_label_contains("inactive since").is_some(), "the change is dated on the Paths tab");
}

/// A scenario opened in the window runs to the end with its timeline shown; the live
/// session is recorded, reopened without sockets and a series exported as CSV.
#[test]
fn run_a_scenario_in_the_window_record_it_and_reopen_the_recording() {
    use sctp_inspector::app::FileAction;
    let mut h = window();
    until(&mut h, "the worker's hello", |app| app.session.model.kernel_sctp == Some(Ok(())));
    let scratch = tempfile::tempdir().expect("a private scratch dir");
    let dir = scratch.path();
    let recording = dir.join("session.jsonl");
    // Recorded with packets: a capture of this namespace's loopback beside the recording.
    h.state_mut().state.capture_packets = true;
    h.state_mut().file_chosen(FileAction::RecordTo, recording.clone());
    // Like the shipped abort example, with a pause so the sampler sees the association.
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/scenarios/seed-client-abort.toml");
    let text = std::fs::read_to_string(shipped)
        .unwrap()
        .replace("2007", "2030")
        .replace("[[step]]\ndo = \"abort\"", "[[step]]\ndo = \"sleep\"\nms = 600\n\n[[step]]\ndo = \"abort\"");
    let scenario = dir.join("abort.toml");
    std::fs::write(&scenario, text).unwrap();
    h.state_mut().file_chosen(FileAction::OpenScenario, scenario);
    h.run_steps(1);
    assert!(h.query_by_label_contains("The client aborts").is_some(), "the scenario's name is shown");
    h.get_by_label("Run").click();
    until(&mut h, "the scenario to finish", |app| app.session.scenario_result().is_some());
    assert_eq!(h.state().session.scenario_result(), Some(&Ok(())));
    h.run_steps(1);
    assert!(h.query_by_label("passed").is_some());
    assert_eq!(h.query_all_by_label("ok").count(), 8, "every step marked ok in the timeline");

    // The session's setup saves as a profile: a scenario that rebuilds it.
    let profile = dir.join("profile.toml");
    h.state_mut().file_chosen(FileAction::SaveProfile, profile.clone());
    assert_eq!(h.state().notice, None);
    let saved = sctp_core::scenario::Scenario::load(&profile).unwrap();
    let verbs: Vec<&str> = saved.steps.iter().map(|s| s.verb()).collect();
    assert_eq!(verbs, ["open", "listen", "open", "connect"], "{}", std::fs::read_to_string(&profile).unwrap());

    // Pick the server's association while it is still live, for the export below.
    let server = endpoint(h.state(), "server").unwrap();
    let assoc =
        *h.state().session.model.endpoints[&server].assocs.keys().next().expect("the server's association was sampled");
    until(&mut h, "packet summaries", |app| app.session.model.packets.len() > 4);
    // Loopback shows each packet leaving and arriving; the capture keeps one of the two.
    let inits = h
        .state()
        .session
        .model
        .packets
        .iter()
        // Other tests run beside this one on loopback: count this scenario's (port 2030).
        .filter(|p| p.dst.port() == 2030 && p.chunks.contains(&sctp_core::capture::ChunkKind::Init))
        .count();
    assert_eq!(inits, 1, "one INIT, captured once");
    h.get_by_label("Stop recording").click();
    until(&mut h, "the capture to stop", |app| app.session.model.capture.as_ref().is_some_and(|c| !c.running));
    let capture = h.state().session.model.capture.clone().unwrap();
    assert_eq!(capture.path, dir.join("session.pcapng"));
    assert_eq!(capture.interfaces, ["host namespace"]);
    assert!(capture.stats.packets >= 5 && capture.stats.lost() == 0, "{:?}", capture.stats);
    let file_len = std::fs::metadata(&capture.path).unwrap().len();
    assert_eq!(file_len, capture.stats.bytes, "every byte counted is in the file");

    h.state_mut().file_chosen(FileAction::OpenRecording, recording.clone());
    h.run_steps(1);
    // The live session still has endpoints open: the window asks first.
    assert!(h.state().session.worker().is_some(), "nothing ends before the person confirms");
    h.get_by_label("Open it").click();
    h.run_steps(2);
    assert!(h.state().session.worker().is_none(), "a recording is browsed without a worker");
    assert!(h.query_by_label(&format!("viewing recording {}", recording.display())).is_some());
    assert!(
        h.state().session.model.log.iter().any(|e| matches!(
            e.notification(),
            Some(Notification::AssocChange { state: AssocChangeState::CommLost, .. })
        )),
        "the abort is in the replayed log"
    );
    h.state_mut().state.sel = sctp_inspector::panels::Selection { ep: Some(server), assoc: Some(assoc) };
    // The recording carries the packet summaries: the chunk timeline is there without a worker.
    h.run_steps(2);
    assert!(h.query_by_label("chunks on the wire: sent above each path's line, received below").is_some());
    assert!(h.query_by_label("Wireshark: association").is_some());
    let csv = dir.join("series.csv");
    h.state_mut().file_chosen(FileAction::ExportCsv, csv.clone());
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("series,t_s,value\n"));
    assert!(text.lines().any(|l| l.starts_with("path 127.0.0.1:") && l.contains(" Cwnd,")), "{text}");
}

/// A program this window does not own (iperf3, client and server) shows in the Host view
/// with its owner, and selecting it says the view is read-only.
#[test]
fn the_host_view_shows_another_programs_association_read_only() {
    let mut h = window();
    let spawn = |args: &[&str]| {
        std::process::Command::new("iperf3")
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start iperf3 (the rig installs it)")
    };
    let mut server = spawn(&["-s", "-1", "-p", "5341"]);
    std::thread::sleep(Duration::from_millis(400));
    // Sends until killed below: on a loaded machine the waits can outlast a short run, and an
    // ended association has no owner to show.
    let mut client = spawn(&["-c", "127.0.0.1", "-p", "5341", "--sctp", "-t", "120", "-b", "1M"]);
    h.get_by_label("Host: every association").click();
    h.run_steps(2);
    type_into(&h, "every ms", "200");
    h.run_steps(1);
    h.get_by_label("Watch").click();
    until(&mut h, "an iperf3 association in the Host view", |app| {
        app.session.model.host.assocs.values().any(|r| r.assoc.owner.as_ref().is_some_and(|o| o.command == "iperf3"))
    });
    h.run_steps(2);
    let row = h.query_all_by_label_contains("iperf3 (").next().expect("a row labelled with the owner");
    row.click();
    h.run_steps(2);
    assert!(h.query_by_label_contains("read-only — the inspector does not own this socket").is_some());
    assert!(h.query_by_label_contains("127.0.0.1 (primary) active").is_some(), "the primary path is marked");
    let _ = client.kill();
    let _ = server.kill();
    let _ = (client.wait(), server.wait());
}

/// The window attached to an agent (as it would be to another host's): it shows the
/// associations the agent's dump sees, here one a test endpoint holds.
#[test]
fn the_host_view_attaches_to_an_agent_with_a_token() {
    let mut h = window();
    let server = sctp_inspector_tests::open(sctp_core::EndpointConfig {
        addrs: vec![[127, 0, 0, 1].into()],
        port: 5351,
        ..Default::default()
    });
    server.listen(4).unwrap();
    let client = sctp_inspector_tests::open(sctp_core::EndpointConfig {
        addrs: vec![[127, 0, 0, 1].into()],
        ..Default::default()
    });
    client.connect(&["127.0.0.1:5351".parse().unwrap()], Duration::from_secs(5)).unwrap();
    let (addr, agent) =
        sctp_inspector::agent::spawn_for_test("127.0.0.1:0".parse().unwrap(), Some("s3cret"), None).expect("agent");
    h.get_by_label("Host: every association").click();
    h.run_steps(2);
    type_into(&h, "agent", &format!("http://{addr}"));
    h.get_by_role(Role::PasswordInput).set_text_value_accesskit("s3cret");
    h.run_steps(1);
    h.get_by_label("Attach").click();
    until(&mut h, "the agent's associations in the Host view", |app| {
        app.session.model.host.assocs.values().any(|r| r.assoc.diag.peer_port == 5351)
    });
    assert!(h.state().remote.as_ref().is_some_and(|r| r.last_error.is_none()));
    h.run_steps(1);
    assert!(h.query_by_label_contains(&format!("attached to http://{addr}")).is_some());
    // A wrong token is refused and said so.
    h.state_mut().attach(Some((format!("http://{addr}"), "wrong".into())));
    until(&mut h, "the 401 to show", |app| {
        app.remote.as_ref().and_then(|r| r.last_error.as_ref()).is_some_and(|e| e.contains("401"))
    });
    agent.stop().unwrap();
}
