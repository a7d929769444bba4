//! Every shipped scenario runs on the real kernel and leaves a recording that says so;
//! failing expectations and impossible steps say exactly what differed.

use sctp_core::scenario::Scenario;
use sctp_core::scenario::record::{self, RecordLine};
use sctp_core::worker::Event;
use sctp_inspector::headless::{self, Options, RunError};
use sctp_inspector_tests::require_kernel_sctp;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// A path in this test process's private scratch directory (mkdtemp). It lives as long as
/// the process; the rig's /tmp is a tmpfs that ends with the boot.
fn scratch(name: &str) -> PathBuf {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a private scratch dir")).path().join(name)
}

fn run(path: &Path, record: Option<&Path>) -> (Result<(), RunError>, String) {
    let mut out = Vec::new();
    let r =
        headless::run(path, &Options { record, capture: None, verbose: false, kernel: Default::default() }, &mut out);
    (r, String::from_utf8_lossy(&out).into_owned())
}

#[test]
fn every_shipped_scenario_passes_and_its_recording_replays() {
    require_kernel_sctp();
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("assets/scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "shipped scenarios: {files:?}");
    for file in files {
        let scenario = Scenario::load(&file).unwrap();
        let rec = scratch(&format!("{}.jsonl", file.file_stem().unwrap().to_string_lossy()));
        let (result, out) = run(&file, Some(&rec));
        assert!(result.is_ok(), "{}:\n{out}", file.display());
        assert!(out.contains(&format!("PASS: all {} steps", scenario.steps.len())), "{out}");

        let lines = record::load(&rec).unwrap();
        let steps: Vec<_> = lines
            .iter()
            .filter_map(|l| match l {
                RecordLine::Step { ok, .. } => Some(*ok),
                _ => None,
            })
            .collect();
        assert_eq!(steps.len(), scenario.steps.len(), "{}: one step line per step", file.display());
        assert!(steps.iter().all(|ok| *ok));
        let commands = lines.iter().filter(|l| matches!(l, RecordLine::Command { .. })).count();
        assert!(commands > 0);
        let samples = lines
            .iter()
            .filter(|l| matches!(l, RecordLine::Event(s) if matches!(s.event, Event::Sample { .. })))
            .count();
        let notifications = lines
            .iter()
            .filter(|l| matches!(l, RecordLine::Event(s) if matches!(s.event, Event::Notification { .. })))
            .count();
        assert!(notifications > 0, "{}: no notifications recorded", file.display());
        // Replayed without sockets, the recording rebuilds what the run saw.
        let model = record::replay(&lines);
        assert_eq!(model.notifications as usize, notifications);
        assert!(!model.endpoints.is_empty());
        if samples > 0 {
            assert!(!model.series.is_empty(), "samples recorded but no series rebuilt");
        }
    }
}

/// A scenario whose last step waits for a loss that never comes (or, with "CommUp", for
/// what does come), on its own port.
fn expecting(port: u16, state: &str) -> String {
    let step = format!(
        "[[step]]\ndo = \"expect_event\"\nendpoint = \"server\"\nkind = \"assoc_change\"\nfields = {{ state = \"{state}\" }}\n"
    );
    sctp_inspector_tests::loopback_scenario("expects a loss that never comes", "within_ms = 400", port, &step)
}

#[test]
fn a_failing_expectation_says_what_was_expected_and_what_happened() {
    require_kernel_sctp();
    let file = scratch("failing.toml");
    std::fs::write(&file, expecting(2020, "CommLost")).unwrap();
    let (result, out) = run(&file, None);
    let Err(RunError::Step(why)) = result else { panic!("should fail:\n{out}") };
    assert!(
        why.starts_with(
            r#"step 5 (expect_event): expected assoc_change {"state":"CommLost"} on server within 400 ms; "#
        ),
        "{why}"
    );
    assert!(why.contains("ASSOC_CHANGE CommUp"), "says what arrived instead: {why}");
    assert!(out.contains(&format!("FAIL: {why}")), "{out}");
}

#[test]
fn impossible_steps_fail_clearly() {
    require_kernel_sctp();
    // A name no step opened is found when the file loads, before any socket exists.
    let file = scratch("impossible-name.toml");
    std::fs::write(&file, "name = \"x\"\n[[step]]\ndo = \"listen\"\nendpoint = \"nope\"\n").unwrap();
    match run(&file, None) {
        (Err(RunError::Input(why)), _) => assert_eq!(
            why,
            format!(
                "{}:2:1: step 1: no endpoint named \"nope\" is opened before this step (opened: none)",
                file.display()
            )
        ),
        other => panic!("{other:?}"),
    }
    let cases = [
        (
            "name = \"x\"\n[[step]]\ndo = \"open\"\nendpoint = \"s\"\n[[step]]\ndo = \"send\"\nendpoint = \"s\"\nflags = [\"urgent\"]\n",
            "step 2 (send): unknown send flag \"urgent\" (expected unordered, addr_over, eof, abort, sack_immediately, sendall)",
        ),
        (
            "name = \"x\"\n[[step]]\ndo = \"link\"\npath = 1\nup = false\n",
            "step 1 (link): this step needs `lab = true` at the top of the scenario",
        ),
    ];
    for (i, (text, want)) in cases.into_iter().enumerate() {
        let file = scratch(&format!("impossible{i}.toml"));
        std::fs::write(&file, text).unwrap();
        let (result, out) = run(&file, None);
        match result {
            Err(RunError::Step(why)) => assert_eq!(why, want, "{out}"),
            other => panic!("case {i}: {other:?}\n{out}"),
        }
    }
}

#[test]
fn the_command_line_exit_status_tells_pass_fail_and_bad_input() {
    require_kernel_sctp();
    let bin = std::env::current_exe().unwrap().parent().unwrap().parent().unwrap().join("sctp-inspector");
    // Own ports: other tests in this binary run the shipped scenarios at the same time.
    let passing = scratch("cli-passing.toml");
    std::fs::write(&passing, expecting(2022, "CommUp")).unwrap();
    let pass = Command::new(&bin).arg("run").arg(&passing).output().unwrap();
    assert_eq!(pass.status.code(), Some(0), "{}", String::from_utf8_lossy(&pass.stdout));

    let failing = scratch("cli-failing.toml");
    std::fs::write(&failing, expecting(2021, "CommLost")).unwrap();
    let fail = Command::new(&bin).arg("run").arg(&failing).output().unwrap();
    assert_eq!(fail.status.code(), Some(1));

    let bad = scratch("bad.toml");
    std::fs::write(&bad, "name = \"x\"\n[[step]]\ndo = \"listen\"\nendpoint = \"s\"\nbacklog = \"many\"\n").unwrap();
    let out = Command::new(&bin).arg("run").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.trim(),
        format!("sctp-inspector run: {}:5:11: step 1: invalid type: string \"many\", expected i32", bad.display())
    );
}

/// Ctrl-C during a lab scenario: the runner stops with 130 and its namespaces are gone.
#[test]
fn an_interrupted_lab_run_cleans_up_its_namespaces() {
    require_kernel_sctp();
    let bin = std::env::current_exe().unwrap().parent().unwrap().parent().unwrap().join("sctp-inspector");
    let file = scratch("interrupted-lab.toml");
    std::fs::write(&file, "name = \"wait in the lab\"\nlab = true\n[[step]]\ndo = \"sleep\"\nms = 60000\n").unwrap();
    let mut child = Command::new(&bin).arg("run").arg(&file).stdout(std::process::Stdio::null()).spawn().unwrap();
    let pid = child.id();
    let mine = || -> Vec<String> {
        std::fs::read_dir("/run/netns")
            .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter(|n| sctp_core::lab::lab_owner(n) == Some(pid))
            .collect()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while mine().len() < 2 {
        assert!(std::time::Instant::now() < deadline, "the run never built its lab");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(Command::new("kill").args(["-INT", &pid.to_string()]).status().unwrap().success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status:?}");
    assert!(mine().is_empty(), "left behind: {:?}", mine());
}

/// expect_data compares the whole message, not only the first 1,024 bytes the event keeps.
#[test]
fn expect_data_checks_every_byte_of_a_long_message() {
    require_kernel_sctp();
    let sent = "A".repeat(3000);
    let scenario = |port: u16, expected: &str| {
        let steps = format!(
            "[[step]]\ndo = \"send\"\nendpoint = \"client\"\ntext = \"{sent}\"\n\n\
             [[step]]\ndo = \"expect_data\"\nendpoint = \"server\"\ntext = \"{expected}\"\n"
        );
        sctp_inspector_tests::loopback_scenario("long", "within_ms = 1500", port, &steps)
    };
    let same = scratch("long-same.toml");
    std::fs::write(&same, scenario(2031, &sent)).unwrap();
    let (result, out) = run(&same, None);
    assert!(result.is_ok(), "{out}");
    // Differs only in the last byte, far past the kept head.
    let last_differs = scratch("long-last-differs.toml");
    std::fs::write(&last_differs, scenario(2032, &format!("{}B", &sent[..2999]))).unwrap();
    let (result, out) = run(&last_differs, None);
    assert!(matches!(result, Err(RunError::Step(_))), "a message that differs at byte 3000 must not match:\n{out}");
}

/// The shipped stream-reset scenario, checked in its recording: the receiver's SSNs on
/// stream 1 run 0, 1 and, after the reset, 0 again (RFC 6525 §5.2.2).
#[test]
fn a_stream_reset_restarts_the_sequence_numbers_at_the_peer() {
    require_kernel_sctp();
    let rec = scratch("stream-reset.jsonl");
    let (result, out) = run(&repo().join("assets/scenarios/stream-reset.toml"), Some(&rec));
    assert!(result.is_ok(), "{out}");
    let lines = record::load(&rec).unwrap();
    let server = lines
        .iter()
        .find_map(|l| match l {
            RecordLine::Event(s) => match &s.event {
                Event::Opened { ep, label, .. } if label == "server" => Some(*ep),
                _ => None,
            },
            _ => None,
        })
        .unwrap();
    let ssns: Vec<u16> = lines
        .iter()
        .filter_map(|l| match l {
            RecordLine::Event(s) => match &s.event {
                Event::Data { ep, info: Some(info), .. } if *ep == server && info.stream == 1 => Some(info.ssn),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert_eq!(ssns, [0, 1, 0], "{out}");
}
