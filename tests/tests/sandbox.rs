//! The worker inside a sandbox kernel, driven from the host (which has no SCTP): the
//! session works as with the worker thread, over the kernel's serial line with credit-based
//! flow control; and nothing is left running after. Boots User-Mode Linux itself, so it
//! runs on the host (`tests/run` runs it there), never inside the rig.

use sctp_core::worker::{Command, Event, Reply};
use sctp_core::{EndpointConfig, SendInfo, Style};
use sctp_inspector_tests::harness::Harness;
use std::net::SocketAddr;
use std::time::Duration;

#[test]
#[ignore = "boots a sandbox kernel: run on the host with --ignored (tests/run does), not inside the rig"]
fn a_session_drives_a_worker_inside_a_sandbox_kernel() {
    let mut h = Harness::in_a_sandbox();
    let hello = h.until(Duration::from_secs(60), |e| matches!(e.event, Event::Hello { .. }));
    let Event::Hello { kernel_sctp, kernel, .. } = hello.event else { unreachable!() };
    assert!(kernel_sctp.is_ok(), "the sandbox kernel has SCTP: {kernel_sctp:?}");
    assert!(kernel.is_some_and(|k| !k.release.is_empty()));
    let pid = h.worker.process_id().unwrap();
    let cfg = |addrs: Vec<std::net::IpAddr>| EndpointConfig { style: Style::OneToMany, addrs, ..Default::default() };
    let server = h.open("server", cfg(vec![[127, 0, 0, 1].into()]));
    h.run(Command::Listen { ep: server, backlog: 8 }).unwrap();
    let port = h.model.endpoints[&server].local_addrs[0].port();
    let client = h.open("client", cfg(vec![]));
    let to = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(Reply::Assoc { assoc }) =
        h.run(Command::Connect { ep: client, addrs: vec![to], init: None, timeout_ms: Some(5000) })
    else {
        panic!("connect in the sandbox")
    };
    // 256 KiB of payload toward the guest (about 1 MiB of frames): many credit windows.
    let info = SendInfo { assoc, stream: 3, ppid: 46, ..Default::default() };
    let sent = h.run(Command::Send { ep: client, info, payload: vec![7; 64 << 10], count: 4, interval_ms: 0 }).unwrap();
    assert_eq!(sent, Reply::Sent { messages: 4, bytes: 4 * (64 << 10) });
    while h.model.data_messages < 4 {
        h.until(Duration::from_secs(30), |e| matches!(e.event, Event::Data { .. }));
    }
    drop(h);
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists(), "the sandbox's rig is gone");
}

/// Every shipped scenario runs on this host through the sandbox kernel, as `sctp-inspector
/// run` does on a machine without SCTP, and says so: lab scenarios too, their namespaces,
/// links and netem built by the worker inside the sandbox.
#[test]
#[ignore = "boots sandbox kernels: run on the host with --ignored (tests/run does), not inside the rig"]
fn shipped_scenarios_pass_on_a_sandbox_kernel() {
    use sctp_inspector::headless::{self, Options};
    use sctp_inspector::kernel::KernelChoice;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().join("assets/scenarios");
    let host_has_sctp = sctp_core::kernel_sctp_available().is_ok();
    let (mut ran, mut labs) = (0, 0);
    for entry in std::fs::read_dir(&dir).unwrap() {
        let file = entry.unwrap().path();
        if file.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let scenario = sctp_core::scenario::Scenario::load(&file).unwrap();
        let mut out = Vec::new();
        // As a person would run it here: auto, which picks the sandbox on a host without SCTP.
        let kernel = if host_has_sctp { KernelChoice::Sandbox } else { KernelChoice::Auto };
        let opts = Options { record: None, capture: None, verbose: false, kernel };
        let result = headless::run(&file, &opts, &mut out);
        let out = String::from_utf8_lossy(&out);
        assert!(result.is_ok(), "{}: {result:?}\n{out}", file.display());
        assert!(out.contains("driving a sandbox kernel"), "{out}");
        assert!(out.contains(&format!("PASS: all {} steps", scenario.steps.len())), "{out}");
        ran += 1;
        labs += usize::from(scenario.lab);
    }
    assert!(ran >= 9 && labs >= 3, "{ran} scenarios, {labs} with a lab");
}

type Window<'a> = egui_kittest::Harness<'a, sctp_inspector::app::InspectorApp>;

/// The whole window on this host over a new sandbox kernel, once the kernel said hello.
fn sandbox_window() -> Window<'static> {
    use sctp_inspector::app::{InspectorApp, UiState};
    let worker = sctp_inspector_tests::sandbox_worker(Box::new(|| {}));
    let app = InspectorApp::with_worker(Some(worker), UiState::default());
    let mut h = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_ui_state(|ui, app: &mut InspectorApp| app.ui(ui), app);
    until(&mut h, "the sandbox's hello", &|app| app.session.model.kernel_sctp == Some(Ok(())));
    h
}

/// Runs frames until `cond` holds, at most 60 s.
fn until(h: &mut Window<'_>, what: &str, cond: &dyn Fn(&sctp_inspector::app::InspectorApp) -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !cond(h.state()) {
        assert!(std::time::Instant::now() < deadline, "waited 60 s for {what}");
        h.run_steps(1);
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Through the Send tab: `text` on stream 3 with PPID 46 on the selected association, then
/// waits for the server's log to show it.
fn send_3_46_and_see_it_arrive(h: &mut Window<'_>, text: &str, server: sctp_core::worker::EpId) {
    use egui::accesskit::Role;
    use egui_kittest::kittest::Queryable;
    use sctp_core::model::Logged;
    h.state_mut().state.tab = sctp_inspector::app::RightTab::Send;
    h.run_steps(1);
    h.get_by_role_and_label(Role::TextInput, "Stream").set_text_value_accesskit("3");
    h.get_by_role_and_label(Role::TextInput, "PPID").set_text_value_accesskit("46");
    h.get_by_role_and_label(Role::TextInput, "Text").set_text_value_accesskit(text);
    h.run_steps(1);
    h.get_by_label("Send now").click();
    until(h, "the message at the server", &|app| {
        app.session.model.log.iter().any(|e| {
            e.ep == Some(server)
                && matches!(&e.what, Logged::Data { info: Some(i), .. } if i.stream == 3 && i.ppid == 46)
        })
    });
}

/// The window on this host over a sandbox kernel, as a person on a laptop without SCTP gets
/// it: the status bar says which kernel; open a server and a client through the forms,
/// connect, send on stream 3 with PPID 46 and see it in the server's log.
#[test]
#[ignore = "boots a sandbox kernel: run on the host with --ignored (tests/run does), not inside the rig"]
fn the_window_drives_a_sandbox_kernel_through_its_forms() {
    use egui::accesskit::Role;
    use egui_kittest::kittest::Queryable;
    use sctp_inspector::app::InspectorApp;
    let mut h = sandbox_window();
    h.run_steps(1);
    assert!(h.query_by_label("sandbox kernel (User-Mode Linux)").is_some());
    assert!(h.query_by_label("kernel SCTP available").is_some());
    let ep = |app: &InspectorApp, label: &str| {
        app.session.model.endpoints.iter().find(|(_, v)| v.label == label).map(|(id, _)| *id)
    };
    let open = |h: &mut Window<'_>, label: &str, port: &str| {
        h.get_by_role_and_label(Role::TextInput, "Label").set_text_value_accesskit(label);
        h.get_by_role_and_label(Role::TextInput, "Local addresses").set_text_value_accesskit("127.0.0.1");
        h.get_by_role_and_label(Role::TextInput, "Port").set_text_value_accesskit(port);
        h.run_steps(1);
        h.get_by_label("Open").click();
        until(h, label, &|app| ep(app, label).is_some());
        ep(h.state(), label).unwrap()
    };
    let server = open(&mut h, "server", "2099");
    h.state_mut().state.sel.ep = Some(server);
    h.run_steps(2);
    h.get_by_label("Listen").click();
    h.run_steps(2);
    let client = open(&mut h, "client", "0");
    h.state_mut().state.sel.ep = Some(client);
    h.run_steps(1);
    h.get_by_role_and_label(Role::TextInput, "Peer addresses").set_text_value_accesskit("127.0.0.1");
    h.get_by_role_and_label(Role::TextInput, "Peer port").set_text_value_accesskit("2099");
    h.run_steps(1);
    h.get_by_label("Connect").click();
    let assoc_of = |app: &InspectorApp| {
        app.session.model.endpoints.get(&client).and_then(|v| v.assocs.iter().find(|(_, a)| !a.gone)).map(|(id, _)| *id)
    };
    until(&mut h, "the association", &|app| assoc_of(app).is_some());
    h.state_mut().state.sel.assoc = assoc_of(h.state());
    send_3_46_and_see_it_arrive(&mut h, "hello from the host", server);
}

/// The two-path lab inside the sandbox, driven from the window on this host as a student
/// would: build it in the Lab tab, fill the forms from it, connect over both paths, send on
/// stream 3 / PPID 46, take path 1's link down and see the path fail and the lab say so.
#[test]
#[ignore = "boots a sandbox kernel: run on the host with --ignored (tests/run does), not inside the rig"]
fn the_window_fails_a_path_over_in_a_lab_inside_the_sandbox() {
    use egui_kittest::kittest::Queryable;
    use sctp_core::{PathState, Scope};
    use sctp_inspector::app::{InspectorApp, RightTab};
    use sctp_inspector::panels::AppCommand;
    let mut h = sandbox_window();
    h.state_mut().state.tab = RightTab::Lab;
    h.run_steps(2);
    h.get_by_label("Build the lab").click();
    until(&mut h, "the lab", &|app| app.session.model.lab.is_some());
    h.run_steps(2);
    let ep = |app: &InspectorApp, label: &str| {
        app.session.model.endpoints.iter().find(|(_, v)| v.label == label).map(|(id, _)| *id)
    };
    let open = |h: &mut Window<'_>, fill: &str, label: &str| {
        h.get_by_label(fill).click();
        h.run_steps(2);
        h.get_by_label("Open").click();
        until(h, label, &|app| ep(app, label).is_some());
        ep(h.state(), label).unwrap()
    };
    let server = open(&mut h, "Fill endpoint form: server in B", "server");
    assert_eq!(h.state().session.model.endpoints[&server].local_addrs.len(), 2, "the server is on both paths");
    h.state_mut().state.sel.ep = Some(server);
    h.run_steps(2);
    h.get_by_label("Listen").click();
    h.run_steps(2);
    let client = open(&mut h, "client in A", "client");
    // Quick failure detection, as the demo has it: heartbeats every 300 ms, two misses.
    for value in sctp_core::options::quick_failure_detection() {
        let command = sctp_core::worker::Command::SetOption { ep: client, scope: Scope::Future, value };
        h.state_mut().outbox.push(AppCommand::Worker(command));
    }
    h.state_mut().state.sel.ep = Some(client);
    h.run_steps(2);
    h.get_by_label("Connect").click();
    let paths_of = |app: &InspectorApp| {
        let view = app.session.model.endpoints.get(&client)?;
        view.assocs.iter().find(|(_, a)| !a.gone).map(|(id, a)| (*id, a.paths.clone()))
    };
    until(&mut h, "an association over both paths", &|app| paths_of(app).is_some_and(|(_, p)| p.len() == 2));
    h.state_mut().state.sel.assoc = paths_of(h.state()).map(|(id, _)| id);
    send_3_46_and_see_it_arrive(&mut h, "over the lab", server);
    h.state_mut().state.tab = RightTab::Lab;
    h.run_steps(2);
    h.get_by_label("Take path 1 down").click();
    h.run_steps(2);
    let path1: SocketAddr = "10.1.1.2:6000".parse().unwrap();
    until(&mut h, "path 1 failed", &|app| {
        paths_of(app).is_some_and(|(_, p)| p.iter().any(|p| p.addr == Some(path1) && p.state == PathState::Inactive))
    });
    assert!(h.state().session.model.lab.as_ref().is_some_and(|l| !l.paths[0].up && l.paths[1].up));
    h.run_steps(2);
    assert!(h.query_by_label("LINK DOWN").is_some(), "the Lab tab shows path 1 down");
    // Path 2 carries the association on.
    let path2: SocketAddr = "10.2.2.2:6000".parse().unwrap();
    assert!(
        paths_of(h.state())
            .is_some_and(|(_, p)| p.iter().any(|p| p.addr == Some(path2) && p.state == PathState::Active)),
        "{:?}",
        paths_of(h.state())
    );
}

/// `bench --sandbox --smoke` (what tests/bench/run runs on the host after the rig's
/// sections) measures the round trip, event throughput, the window over the sandbox's
/// associations and the model's memory, and appends its table.
#[test]
#[ignore = "boots a sandbox kernel: run on the host with --ignored (tests/run does), not inside the rig"]
fn the_sandbox_benchmark_appends_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results.md");
    std::fs::write(&out, "# Benchmark results\n").unwrap();
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_bench"))
        .args(["--smoke", "--sandbox", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "bench failed:\n{}", String::from_utf8_lossy(&run.stderr));
    let table = std::fs::read_to_string(&out).unwrap();
    assert!(table.starts_with("# Benchmark results\n"), "appended, not replaced:\n{table}");
    for row in [
        "command round trip host <-> sandbox kernel",
        "received-message events reaching the host",
        "whole window on this host, 32 live associations",
        "RSS growth with 20 two-path associations",
    ] {
        assert!(table.contains(row), "no {row:?} row in:\n{table}");
    }
    assert!(!table.contains("| error |"), "{table}");
}

/// Every process under `pid` (children, their children…), from /proc.
fn descendants(pid: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let child: u32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            // pid (comm) state ppid …: comm may hold spaces, so read after its ')'.
            let ppid = stat.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse().ok()?;
            Some((child, ppid))
        })
        .collect();
    let mut found = vec![pid];
    let mut i = 0;
    while i < found.len() {
        let p = found[i];
        found.extend(parents.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    found.remove(0);
    found
}

/// Adds what runs under `root` now to `seen` (processes handed to init once their parent
/// ended are no longer found under it: call this while they still are).
fn add_descendants(root: u32, seen: &mut Vec<u32>) {
    for p in descendants(root) {
        if !seen.contains(&p) {
            seen.push(p);
        }
    }
}

/// `sctp-inspector run --kernel sandbox SCENARIO`, its output to `stdout`.
fn run_in_a_sandbox(scenario: &std::path::Path, stdout: std::process::Stdio) -> std::process::Child {
    std::process::Command::new(sctp_inspector_tests::inspector_binary())
        .args(["run", "--kernel", "sandbox"])
        .arg(scenario)
        .stdout(stdout)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

fn wait_gone(pids: &[u32], what: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let alive = || pids.iter().copied().filter(|p| std::path::Path::new(&format!("/proc/{p}")).exists()).count();
    while alive() > 0 {
        assert!(std::time::Instant::now() < deadline, "{what}: {} of {pids:?} still running after 30 s", alive());
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Either side dying: the sandbox kernel killed under a session is reported as the worker
/// stopped; the app killed mid-run leaves no User-Mode Linux behind.
#[test]
#[ignore = "boots sandbox kernels: run on the host with --ignored (tests/run does), not inside the rig"]
fn either_side_dying_is_reported_and_leaves_nothing_running() {
    use sctp_core::worker::Warning;
    let mut h = Harness::in_a_sandbox();
    h.until(Duration::from_secs(60), |e| matches!(e.event, Event::Hello { .. }));
    let rig = h.worker.process_id().unwrap();
    let under = descendants(rig);
    assert!(!under.is_empty(), "the rig runs its kernel as child processes");
    let pids: Vec<String> = under.iter().map(u32::to_string).collect();
    std::process::Command::new("kill").arg("-9").args(&pids).status().unwrap();
    let ev = h.until(Duration::from_secs(30), |e| matches!(e.event, Event::Warning(Warning::WorkerStopped { .. })));
    eprintln!("after the kernel was killed: {:?}", ev.event);
    drop(h);
    wait_gone(&under, "the killed kernel's processes");
    assert!(!std::path::Path::new(&format!("/proc/{rig}")).exists(), "the rig was reaped");

    // The app killed mid-run: the kernel reads the end of its line, its worker ends, and
    // the kernel powers off.
    let scenario =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/scenarios/heartbeat-path-failure.toml");
    let mut app = run_in_a_sandbox(&scenario, std::process::Stdio::piped());
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(app.stdout.take().unwrap()));
    let started = lines.by_ref().map_while(Result::ok).find(|l| l.contains("step  2/"));
    assert!(started.is_some(), "the scenario got going in the sandbox");
    let under = descendants(app.id());
    assert!(!under.is_empty());
    app.kill().unwrap();
    app.wait().unwrap();
    wait_gone(&under, "the sandbox of a killed app");

    // The app killed while its sandbox boots: its worker never saw the line, so the rig
    // notices it lost its parent and stops the kernel.
    for ms in [100, 500, 1000] {
        let mut app = run_in_a_sandbox(&scenario, std::process::Stdio::null());
        std::thread::sleep(Duration::from_millis(ms));
        let rig = descendants(app.id()).first().copied().expect("the app started its rig");
        app.kill().unwrap();
        app.wait().unwrap();
        // Whatever the orphaned rig still starts, until it is gone.
        let mut started = vec![rig];
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while std::path::Path::new(&format!("/proc/{rig}")).exists() {
            assert!(std::time::Instant::now() < deadline, "the rig of an app killed at {ms} ms still runs after 60 s");
            add_descendants(rig, &mut started);
            std::thread::sleep(Duration::from_millis(10));
        }
        wait_gone(&started, &format!("the sandbox of an app killed {ms} ms into its boot"));
    }
}

/// A sandbox ended at any moment of its boot (the window closed at once, a scenario that
/// fails its first step) ends promptly and leaves nothing running: the rig stops a kernel
/// that is still booting, and a rig that does not stop is killed with all it started.
#[test]
#[ignore = "boots sandbox kernels: run on the host with --ignored (tests/run does), not inside the rig"]
fn a_sandbox_ended_while_it_boots_ends_promptly_and_leaves_nothing_running() {
    let lifetimes_ms = [0, 20, 60, 120, 200, 300, 450, 650, 900, 1300, 1800, 2500];
    for (i, &ms) in lifetimes_ms.iter().enumerate() {
        let worker = sctp_inspector_tests::sandbox_worker(Box::new(|| {}));
        let rig = worker.process_id().unwrap();
        std::thread::sleep(Duration::from_millis(ms));
        // Everything the rig started so far, and what starts while it is being stopped.
        let mut started = descendants(rig);
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let began = std::time::Instant::now();
        std::thread::spawn(move || {
            drop(worker);
            let _ = done_tx.send(());
        });
        while done_rx.try_recv().is_err() {
            assert!(
                began.elapsed() < Duration::from_secs(30),
                "run {i}: a sandbox ended {ms} ms after its start was still ending after 30 s"
            );
            add_descendants(rig, &mut started);
            std::thread::sleep(Duration::from_millis(5));
        }
        eprintln!(
            "ended {ms} ms after its start: took {:?}, {} processes under the rig",
            began.elapsed(),
            started.len()
        );
        assert!(!std::path::Path::new(&format!("/proc/{rig}")).exists(), "run {i}: the rig was reaped");
        wait_gone(&started, &format!("run {i} ({ms} ms): what the rig started"));
    }
}

/// The rig's own watchdog: a command that outlives `--timeout` has its VM stopped, the rig
/// says so and exits 101, and nothing it started (the VM's processes, its timers) is left.
#[test]
#[ignore = "boots a sandbox kernel: run on the host with --ignored (tests/run does), not inside the rig"]
fn the_rig_stops_a_vm_that_outlives_its_timeout_and_leaves_nothing_running() {
    let rig = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rig/rig");
    let child = std::process::Command::new(rig)
        .args(["run", "--timeout", "4", "--", "sleep", "120"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (done_tx, done) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done_tx.send(child.wait_with_output());
    });
    let mut started = Vec::new();
    let out = loop {
        if let Ok(out) = done.recv_timeout(Duration::from_millis(20)) {
            break out.unwrap();
        }
        add_descendants(pid, &mut started);
        assert!(started.len() < 10_000);
    };
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(101), "rig said: {said}");
    assert!(said.contains("timed out after 4 s"), "rig said: {said}");
    assert!(started.len() > 3, "the VM's processes were seen: {started:?}");
    wait_gone(&started, "what the timed-out rig started");
}
