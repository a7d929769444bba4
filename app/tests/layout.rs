//! The window over a model fed by hand (no worker, no kernel): layout and form checks that
//! need no sockets. Kernel behaviour is tested in tests/tests/window.rs inside the rig.

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use sctp_core::info::{PathInfo, Status};
use sctp_core::model::Logged;
use sctp_core::worker::{EpId, Event, PathSample, Stamped, Warning};
use sctp_core::{AssocId, AssocState, KernelHz, PathState, Style};
use sctp_inspector::app::{InspectorApp, UiState};
use sctp_inspector::panels::AppCommand;

fn path(addr: &str, state: PathState) -> PathInfo {
    PathInfo {
        addr: Some(addr.parse().unwrap()),
        state,
        cwnd: 4380,
        srtt_ms: 20.0,
        srtt_jiffies: 2,
        rto_ms: 200,
        mtu: 1500,
    }
}

/// A sample of ep1's association 3, established, with these paths (the first is primary).
fn sample(paths: Vec<PathInfo>, tags: Option<sctp_core::capture::Tags>) -> Event {
    Event::Sample {
        ep: EpId(1),
        assoc: AssocId(3),
        status: Status {
            assoc: AssocId(3),
            state: AssocState::Established,
            rwnd: 100_000,
            unacked: 0,
            pending: 0,
            inbound_streams: 10,
            outbound_streams: 5,
            fragmentation_point: 1452,
            primary: paths[0],
        },
        paths: paths.into_iter().map(PathSample::Info).collect(),
        stats: None,
        tags,
    }
}

fn fed_app() -> InspectorApp {
    let mut app = InspectorApp::with_worker(None, UiState::default());
    let hz = KernelHz { hz: 100, source: sctp_core::hz::HzSource::CoarseClock };
    let events = [
        Event::Hello { hz, kernel_sctp: Ok(()), sample_interval_ms: 100, kernel: None },
        Event::Opened {
            ep: EpId(1),
            label: "client".into(),
            style: Style::OneToMany,
            local_addrs: vec![],
            config: None,
        },
        sample(vec![path("10.1.1.2:6000", PathState::Inactive), path("10.2.2.2:6000", PathState::Active)], None),
    ];
    for (i, event) in events.into_iter().enumerate() {
        app.session.model.apply(&Stamped { t: i as f64, event });
    }
    app
}

fn harness(app: InspectorApp) -> Harness<'static, InspectorApp> {
    Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_ui_state(|ui, app: &mut InspectorApp| app.ui(ui), app)
}

#[test]
fn the_tree_shows_each_path_with_its_state_and_the_primary() {
    let mut h = harness(fed_app());
    h.run_steps(2);
    assert!(h.query_by_label("ep1 client (OneToMany)").is_some());
    assert!(h.query_by_label("inactive").is_some());
    assert!(h.query_by_label("active").is_some());
    assert!(h.query_by_label("10.1.1.2:6000  (primary)").is_some());
    assert!(h.query_by_label("10.2.2.2:6000").is_some());
    assert!(h.query_by_label("in 10 out 5").is_some());
}

#[test]
fn bad_input_is_named_before_anything_is_sent() {
    let mut h = harness(fed_app());
    h.run_steps(1);
    h.get_by_role_and_label(Role::TextInput, "Port").set_text_value_accesskit("abc");
    h.run_steps(1);
    h.get_by_label("Open").click();
    h.run_steps(2);
    assert!(h.query_by_label("port: \"abc\" is not a number").is_some());
    assert!(h.state().outbox.is_empty());
    assert!(
        !h.state().session.model.log.iter().any(|e| matches!(e.what, Logged::Warning(Warning::NotSent { .. }))),
        "nothing reached the (absent) worker"
    );
}

#[test]
fn send_form_shows_the_negotiated_stream_range() {
    let mut app = fed_app();
    app.state.sel.ep = Some(EpId(1));
    app.state.sel.assoc = Some(AssocId(3));
    app.state.tab = sctp_inspector::app::RightTab::Send;
    let mut h = harness(app);
    h.run_steps(2);
    assert!(h.query_by_label("negotiated 0..4").is_some());
    assert!(h.query_by_label("Diameter").is_some(), "PPID 46 is named");
}

#[test]
fn a_window_without_a_worker_says_commands_go_nowhere() {
    let mut app = fed_app();
    app.state.sel.ep = Some(EpId(1));
    let mut h = harness(app);
    h.run_steps(1);
    h.get_by_label("Close endpoint").click();
    h.run_steps(2);
    assert!(h.state().session.model.log.iter().any(|e| e.text() == "close ep1: not sent — this session has no worker"));
}

#[test]
fn a_bad_host_interval_is_named_as_typed() {
    let mut app = fed_app();
    app.state.centre = sctp_inspector::app::CentreTab::Host;
    let mut h = harness(app);
    h.run_steps(1);
    h.get_by_role_and_label(Role::TextInput, "every ms").set_text_value_accesskit("1s");
    h.run_steps(2);
    assert!(h.query_by_label("interval \"1s\" is not a whole number of ms (100..=60000)").is_some());
    h.get_by_role_and_label(Role::TextInput, "every ms").set_text_value_accesskit("50");
    h.run_steps(2);
    assert!(h.query_by_label("50 ms is out of range 100..=60000 ms").is_some());
    assert!(h.state().outbox.is_empty());
}

#[test]
fn the_status_bar_says_how_samples_are_taken_and_when_sampling_slowed() {
    let mut app = fed_app();
    let why = "no sock_diag socket: the kernel's sctp_diag module is not loaded".to_string();
    let event = Event::Sampling {
        method: sctp_core::worker::SampleMethod::Getsockopt { why: why.clone() },
        period_ms: 400,
        slowed: true,
        share_percent: 25,
    };
    app.session.model.apply(&Stamped { t: 5.0, event });
    let mut h = harness(app);
    h.run_steps(2);
    assert!(h.query_by_label("by getsockopt").is_some());
    assert!(h.query_by_label("slowed to every 400 ms to stay within its share of a core").is_some());
    assert!(h.query_by(|n| n.value().as_deref() == Some("max 25 % CPU")).is_some(), "the share in force");
    assert!(h.state().session.model.log.iter().any(|e| e.text() == format!("sampling by getsockopt: {why}")));
}

#[test]
fn every_gen_sctp_elementary_option_is_in_the_form_and_the_non_kernel_ones_are_disabled() {
    let mut h = harness(fed_app());
    h.run_steps(1);
    h.get_by_label("Socket options").click();
    h.run_steps(2);
    let checkbox = |h: &Harness<'static, InspectorApp>, name: &str| {
        h.query_by_role_and_label(Role::CheckBox, name).map(|n| n.accesskit_node().is_disabled())
    };
    for name in ["reuseaddr", "reuseport", "dontroute", "ipv6_v6only", "recvtos", "recvtclass", "recvttl"] {
        assert_eq!(checkbox(&h, name), Some(false), "{name}: an enabled checkbox");
    }
    for name in ["sndbuf", "recbuf", "tos", "tclass", "ttl", "priority", "linger (s)"] {
        assert!(h.query_by_role_and_label(Role::TextInput, name).is_some(), "{name}: a field");
    }
    for (name, whose) in sctp_inspector::panels::endpoints::NOT_KERNEL_OPTIONS {
        assert_eq!(checkbox(&h, name), Some(true), "{name}: shown, disabled");
        assert!(h.query_by_label(whose).is_some(), "{name}: says whose option it is");
    }
    assert!(h.query_by_label(sctp_inspector::panels::endpoints::NOT_DELIVERED_ON_SCTP).is_some());
}

#[test]
fn opening_a_profile_shows_its_steps_and_waits_for_run() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.toml");
    std::fs::write(&profile, "name = \"p\"\n[[step]]\ndo = \"open\"\nendpoint = \"server\"\nport = 2999\n").unwrap();
    let mut app = fed_app();
    app.file_chosen(sctp_inspector::app::FileAction::OpenProfile, profile.clone());
    assert!(app.session.scenario().is_some(), "{:?}", app.notice);
    assert!(!app.scenario_running, "a profile must not run before the user asks");
    assert_eq!(
        app.notice.as_deref(),
        Some(
            format!("profile {} loaded: review its steps in the Scenario tab, then press Run", profile.display())
                .as_str()
        )
    );
    // A device is refused by name, not read forever.
    app.file_chosen(sctp_inspector::app::FileAction::OpenScenario, "/dev/zero".into());
    assert!(app.notice.as_deref().is_some_and(|n| n.contains("not a regular file")), "{:?}", app.notice);
}

#[test]
fn a_recording_started_mid_session_replays_with_its_endpoints() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("late.jsonl");
    let mut app = fed_app();
    app.file_chosen(sctp_inspector::app::FileAction::RecordTo, path.clone());
    assert_eq!(app.notice, None);
    drop(app);
    let lines = sctp_core::scenario::record::load(&path).unwrap();
    let replayed = sctp_core::scenario::record::replay(&lines);
    let view = replayed.endpoints.get(&EpId(1)).expect("the endpoint open when recording began");
    assert_eq!((view.label.as_str(), view.style), ("client", Style::OneToMany));
}

#[test]
fn opening_a_recording_asks_before_ending_a_live_session() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.jsonl");
    std::fs::write(&path, "").unwrap();
    let mut h = harness(fed_app());
    h.state_mut().file_chosen(sctp_inspector::app::FileAction::OpenRecording, path.clone());
    h.run_steps(2);
    assert!(h.state().session.viewing().is_none(), "nothing replaced yet");
    assert!(h.query_by_label_contains("ends this live session: its 1 open endpoints").is_some());
    h.get_by_label("Keep the live session").click();
    h.run_steps(2);
    assert!(h.state().session.viewing().is_none() && h.state().session.model.endpoints.contains_key(&EpId(1)));
    h.state_mut().file_chosen(sctp_inspector::app::FileAction::OpenRecording, path.clone());
    h.run_steps(1);
    h.get_by_label("Open it").click();
    h.run_steps(2);
    assert_eq!(h.state().session.viewing(), Some(path.as_path()));
    assert!(h.state().session.model.endpoints.is_empty(), "the (empty) recording's view, not the session's");
    // Commands from a recording's window go nowhere, and the log says why.
    h.state_mut().outbox.push(AppCommand::Worker(sctp_core::worker::Command::StopWatchingHost));
    h.run_steps(1);
    let last = h.state().session.model.log.last().map(|e| e.text().to_string()).unwrap_or_default();
    assert!(last.ends_with("not sent — this window shows a recording, it has no worker"), "{last}");
}

/// The keyboard shortcuts do what the help overlay (F1) says they do, and the overlay lists
/// every one of them.
#[test]
fn keyboard_shortcuts_do_what_the_help_says() {
    use egui::{Key, Modifiers};
    let mut h = harness(fed_app());
    h.run_steps(1);
    h.key_press(Key::F1);
    h.run_steps(2);
    for (_, _, what) in &sctp_inspector::shortcuts::SHORTCUTS {
        assert!(h.query_by_label(what).is_some(), "the help lists \"{what}\"");
    }
    h.key_press(Key::F1);
    h.run_steps(2);
    assert!(h.query_by_label("filter the event log").is_none(), "F1 again hides it");

    // Next association: from nothing selected to the only live one.
    h.key_press_modifiers(Modifiers::ALT, Key::ArrowDown);
    h.run_steps(1);
    assert_eq!((h.state().state.sel.ep, h.state().state.sel.assoc), (Some(EpId(1)), Some(AssocId(3))));

    // Pause and follow: plots and log together.
    assert!(h.state().state.plots.follow && h.state().state.log.follow);
    h.key_press_modifiers(Modifiers::COMMAND, Key::P);
    h.run_steps(1);
    assert!(!h.state().state.plots.follow && !h.state().state.log.follow);

    // The log's filter gets the cursor.
    h.key_press_modifiers(Modifiers::COMMAND, Key::F);
    h.run_steps(2);
    assert!(h.get_by_role_and_label(Role::TextInput, "Filter").is_focused(), "the filter has the focus");

    // Send again: nothing yet, then the last message from the Send form once more (this
    // window has no worker, so each attempt is logged as not sent).
    h.key_press_modifiers(Modifiers::COMMAND, Key::Enter);
    h.run_steps(1);
    assert_eq!(h.state().notice.as_deref(), Some("send again: nothing has been sent from the Send form yet"));
    let send = sctp_core::worker::Command::Send {
        ep: EpId(1),
        info: sctp_core::SendInfo { assoc: AssocId(3), ..Default::default() },
        payload: b"again".to_vec(),
        count: 1,
        interval_ms: 0,
    };
    h.state_mut().outbox.push(AppCommand::Worker(send));
    h.run_steps(1);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Enter);
    h.run_steps(1);
    let attempts = h
        .state()
        .session
        .model
        .log
        .iter()
        .filter(|e| {
            matches!(&e.what, Logged::Warning(Warning::NotSent { command, .. })
                if command.starts_with("send ep1 assoc 3 stream 0 ppid 0 5 B"))
        })
        .count();
    assert_eq!(attempts, 2, "sent, then sent again");
}

/// The theme switch in the menu: light and dark, remembered in the window's state.
#[test]
fn the_theme_switch_sets_light_or_dark() {
    let mut h = harness(fed_app());
    h.run_steps(1);
    for (choice, theme, dark) in
        [("light", egui::ThemePreference::Light, false), ("dark", egui::ThemePreference::Dark, true)]
    {
        h.get_by_label("Theme").click();
        h.run_steps(2);
        h.get_by_label(choice).click();
        h.run_steps(2);
        assert_eq!(h.state().state.theme, theme);
        assert_eq!(h.ctx.options(|o| o.theme_preference), theme);
        assert_eq!(h.ctx.global_style().visuals.dark_mode, dark, "{choice}");
    }
}

/// The kernel's report as Linux 6.1 makes it by default (values read in the rig).
fn with_kernel_facts(mut app: InspectorApp) -> InspectorApp {
    let hz = KernelHz { hz: 100, source: sctp_core::hz::HzSource::CoarseClock };
    let sysctls = [("prsctp_enable", "1"), ("reconf_enable", "0"), ("intl_enable", "0"), ("pf_enable", "1")]
        .into_iter()
        .chain([("pf_expose", "0"), ("ecn_enable", "1"), ("auth_enable", "0"), ("addip_enable", "0")])
        .chain([("udp_port", "0"), ("encap_port", "0"), ("plpmtud_probe_interval", "0"), ("rto_min", "1000")])
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let kernel = sctp_core::kernel_facts::KernelFacts { release: "6.1.0-test".into(), hz, sysctls: Ok(sysctls) };
    let hello = Event::Hello { hz, kernel_sctp: Ok(()), sample_interval_ms: 100, kernel: Some(kernel) };
    app.session.model.apply(&Stamped { t: 9.0, event: hello });
    app
}

#[test]
fn the_kernel_tab_lists_extensions_on_and_off_with_the_remedy_and_every_sysctl() {
    let mut h = harness(with_kernel_facts(fed_app()));
    h.run_steps(2);
    assert!(h.query_by_label("Linux 6.1.0-test").is_some(), "the status bar names the kernel");
    assert!(h.query_by_label("extensions on: PR-SCTP, potentially-failed paths, ECN").is_some());
    h.get_by_label("Kernel: SCTP extensions").click();
    h.run_steps(2);
    assert!(h.query_by_label("Linux 6.1.0-test · HZ 100").is_some());
    assert!(h.query_by_label("net.sctp.reconf_enable = 0").is_some());
    assert!(h.query_by_label("RFC 6525").is_some());
    let remedy =
        "off for new associations: sysctl -w net.sctp.reconf_enable=1, or per socket with SCTP_RECONFIG_SUPPORTED";
    assert!(h.query_by_label(remedy).is_some());
    h.get_by_label("all 12 net.sctp.* sysctls").click();
    h.run_steps(2);
    assert!(h.query_by_label("net.sctp.rto_min").is_some());
}

/// What the last frame put on the clipboard.
fn copied(h: &Harness<'static, InspectorApp>) -> Vec<String> {
    h.output()
        .platform_output
        .commands
        .iter()
        .filter_map(|c| match c {
            egui::OutputCommand::CopyText(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

/// The fed app with a capture: the client bound to 10.1.1.1:5000, its association's tags
/// from a dump sample, and three packets of it plus one of another association on the
/// same ports.
fn with_capture(mut app: InspectorApp, file: &std::path::Path) -> InspectorApp {
    use sctp_core::capture::{ChunkKind, PacketMark, Tags};
    let local: std::net::SocketAddr = "10.1.1.1:5000".parse().unwrap();
    let peer: std::net::SocketAddr = "10.1.1.2:6000".parse().unwrap();
    let mark = |t, out: bool, vtag, chunks| PacketMark {
        t,
        iface: 0,
        src: if out { local } else { peer },
        dst: if out { peer } else { local },
        vtag,
        init_tag: None,
        chunks,
        len: 100,
    };
    let mut events = vec![
        Event::Opened {
            ep: EpId(1),
            label: "client".into(),
            style: Style::OneToMany,
            local_addrs: vec![local],
            config: None,
        },
        Event::CaptureStarted {
            path: file.to_path_buf(),
            interfaces: vec!["netns lab".into()],
            unix_at_zero: 1_700_000_000.0,
            max_bytes: 1 << 20,
        },
        Event::Packets {
            marks: vec![
                mark(2.1, true, 0x22, vec![ChunkKind::Data, ChunkKind::Data]),
                mark(2.2, false, 0x11, vec![ChunkKind::Sack]),
                mark(2.3, true, 0x22, vec![ChunkKind::Heartbeat]),
                mark(2.4, true, 0x99, vec![ChunkKind::Data]),
            ],
        },
    ];
    events.insert(1, sample(vec![path("10.1.1.2:6000", PathState::Active)], Some(Tags { tag: 0x11, peer_tag: 0x22 })));
    for event in events {
        app.session.model.apply(&Stamped { t: 3.0, event });
    }
    app.state.sel.ep = Some(EpId(1));
    app.state.sel.assoc = Some(AssocId(3));
    app
}

#[test]
fn the_chunk_timeline_counts_the_associations_chunks_and_hands_them_to_wireshark() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("run.pcapng");
    std::fs::write(&file, b"").unwrap();
    let mut app = with_capture(InspectorApp::with_worker(None, UiState::default()), &file);
    app.wireshark = dir.path().join("no-wireshark-here");
    let mut h = harness(app);
    h.run_steps(2);
    assert!(h.query_by_label("chunks on the wire: sent above each path's line, received below").is_some());
    // The other association's DATA (tag 0x99) on the same ports is not this one's.
    assert!(h.query_by_label("DATA 2").is_some());
    assert!(h.query_by_label("SACK 1").is_some());
    assert!(h.query_by_label("HEARTBEAT / ACK 1").is_some());
    assert!(h.query_by_label_contains("tags 0x00000011 / 0x00000022").is_some());
    h.get_by_label("Wireshark: association").click();
    h.run_steps(4);
    assert!(h.query_by_label_contains("no-wireshark-here").is_some(), "the hand-off says why");
    h.get_by_label("Copy filter").click();
    h.step();
    let copied = copied(&h);
    assert_eq!(copied.len(), 1, "{copied:?}");
    assert!(copied[0].starts_with("sctp.port == 5000 && sctp.port == 6000"), "{}", copied[0]);
    assert!(copied[0].contains("sctp.verification_tag == 0x00000022"), "{}", copied[0]);
}

#[test]
fn copy_diagnostics_puts_the_report_on_the_clipboard() {
    let mut h = harness(with_kernel_facts(fed_app()));
    h.run_steps(2);
    h.get_by_label("Copy diagnostics").click();
    h.step();
    let copied = copied(&h);
    assert_eq!(copied.len(), 1, "{copied:?}");
    assert!(copied[0].contains("kernel: 6.1.0-test (HZ 100"), "{}", copied[0]);
    assert!(copied[0].contains("net.sctp.reconf_enable = 0"), "{}", copied[0]);
    h.run_steps(2);
    assert!(h.query_by_label_contains("diagnostics copied to the clipboard").is_some());
}

#[test]
fn the_state_diagram_lists_what_the_selected_association_went_through() {
    let mut app = fed_app();
    let ended = sctp_core::Notification::AssocChange {
        assoc: AssocId(3),
        state: sctp_core::AssocChangeState::ShutdownComplete,
        error: 0,
        outbound_streams: 0,
        inbound_streams: 0,
        info: vec![],
    };
    app.session.model.apply(&Stamped { t: 7.5, event: Event::Notification { ep: EpId(1), notification: ended } });
    let mut h = harness(app);
    h.run_steps(2);
    h.get_by_label("State diagram").click();
    h.run_steps(2);
    assert!(h.query_by_label_contains("Select an association").is_some(), "nothing selected yet");
    // Ended associations leave the tree; the diagram still shows a selected one's history.
    h.state_mut().state.sel = sctp_inspector::panels::Selection { ep: Some(EpId(1)), assoc: Some(AssocId(3)) };
    h.run_steps(2);
    assert!(h.query_by_label("Association 3 on ep1 (RFC 9260 §4)").is_some());
    assert!(h.query_by_label("first seen ESTABLISHED").is_some());
    assert!(h.query_by_label("ESTABLISHED -> CLOSED (steps between too short to sample)").is_some());
    assert!(h.query_by_label("ASSOC_CHANGE ShutdownComplete").is_some());
    assert!(h.query_by_label("7.500 s").is_some());
    assert!(h.query_by_label("now: CLOSED (ended)").is_some(), "the bottom CLOSED is lit");
}

/// Through a connect and an abort: COOKIE-WAIT lit while the handshake waits, ESTABLISHED
/// at COMM_UP, the ending CLOSED after COMM_LOST.
#[test]
fn the_state_diagram_lights_each_state_through_a_connect_and_an_abort() {
    use sctp_core::{AssocChangeState, Notification};
    let mut app = fed_app();
    let change = |state| Notification::AssocChange {
        assoc: AssocId(5),
        state,
        error: 0,
        outbound_streams: 1,
        inbound_streams: 1,
        info: vec![],
    };
    let mut waiting = sample(vec![path("10.1.1.2:6000", PathState::Active)], None);
    if let Event::Sample { assoc, status, .. } = &mut waiting {
        *assoc = AssocId(5);
        status.assoc = AssocId(5);
        status.state = AssocState::CookieWait;
    }
    app.session.model.apply(&Stamped { t: 10.0, event: waiting });
    app.state.sel = sctp_inspector::panels::Selection { ep: Some(EpId(1)), assoc: Some(AssocId(5)) };
    app.state.centre = sctp_inspector::app::CentreTab::Diagram;
    let mut h = harness(app);
    h.run_steps(2);
    assert!(h.query_by_label("now: COOKIE-WAIT").is_some());
    let up =
        Stamped { t: 10.2, event: Event::Notification { ep: EpId(1), notification: change(AssocChangeState::CommUp) } };
    h.state_mut().session.model.apply(&up);
    h.run_steps(2);
    assert!(h.query_by_label("now: ESTABLISHED").is_some());
    let lost = Stamped {
        t: 11.0,
        event: Event::Notification { ep: EpId(1), notification: change(AssocChangeState::CommLost) },
    };
    h.state_mut().session.model.apply(&lost);
    h.run_steps(2);
    assert!(h.query_by_label("now: CLOSED (ended)").is_some());
    assert!(h.query_by_label("ASSOC_CHANGE CommLost").is_some());
}

#[test]
fn teaching_mode_explains_the_hovered_plot_with_its_rfc() {
    let mut app = fed_app();
    app.state.sel = sctp_inspector::panels::Selection { ep: Some(EpId(1)), assoc: Some(AssocId(3)) };
    let mut h = harness(app);
    h.run_steps(2);
    assert!(h.query_by_label("Teaching").is_none(), "the panel is closed until asked for");
    h.key_press(egui::Key::F2);
    h.run_steps(2);
    assert!(h.state().state.teaching);
    assert!(h.query_by_label_contains("Hover over a field").is_some());
    h.get_by_label("cwnd (bytes)").hover();
    h.run_steps(3);
    assert_eq!(h.state().state.explained.as_deref(), Some("metric.path.cwnd"));
    let e = sctp_core::explain::explain(sctp_core::explain::Topic::PathMetric(sctp_core::model::PathMetric::Cwnd))
        .expect("cwnd is explained");
    assert!(h.query_by_label("metric.path.cwnd").is_some(), "the panel names the topic");
    // Twice: in the hover's tooltip and in the panel, which stays.
    assert_eq!(h.query_all_by_label(&e.rfc).count(), 2, "where it is defined: {}", e.rfc);
}

#[test]
fn the_paths_tab_draws_each_path_and_its_actions_reach_the_session() {
    let mut app = fed_app();
    app.state.sel = sctp_inspector::panels::Selection { ep: Some(EpId(1)), assoc: Some(AssocId(3)) };
    let mut h = harness(app);
    h.run_steps(2);
    h.get_by_label("Paths").click();
    h.run_steps(2);
    assert!(h.query_by_label("Association 3 on ep1: 0 local address(es), 2 path(s)").is_some());
    let buttons: Vec<_> = h.query_all_by_label("make primary").collect();
    assert_eq!(buttons.len(), 2, "one per path");
    buttons[1].click();
    h.run_steps(2);
    // No worker here: the session says the command was not sent, naming it.
    let sent: Vec<String> = h
        .state()
        .session
        .model
        .log
        .iter()
        .filter_map(|e| match &e.what {
            Logged::Warning(Warning::NotSent { command, .. }) => Some(command.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0], "set primary_addr on ep1 (association 3)");
}

/// A thousand associations: the tree lays out only the rows in view (the first are there,
/// the last are not until scrolled to), and a frame stays cheap.
#[test]
fn the_association_tree_lays_out_only_the_rows_in_view() {
    let mut app = fed_app();
    for n in 10..1010 {
        let mut s =
            sample(vec![path("10.1.1.2:6000", PathState::Active), path("10.2.2.2:6000", PathState::Active)], None);
        if let Event::Sample { assoc, status, .. } = &mut s {
            *assoc = AssocId(n);
            status.assoc = AssocId(n);
        }
        app.session.model.apply(&Stamped { t: 3.0, event: s });
    }
    assert_eq!(sctp_inspector::panels::associations::rows(&app.session.model).len(), 1 + 1001 * 3);
    let mut h = harness(app);
    h.run_steps(2);
    assert!(h.query_by_label("assoc 10").is_some(), "the first rows are laid out");
    assert!(h.query_by_label("assoc 1009").is_none(), "rows out of view are not");
    let started = std::time::Instant::now();
    h.run_steps(10);
    let per_frame = started.elapsed() / 10;
    eprintln!("window frame with 1001 associations in the tree: {per_frame:?}");
}
