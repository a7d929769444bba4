//! `sctp-inspector demo --screenshots DIR`: drives the real window through a two-path
//! association with traffic, a path failure and its recovery, an option set with the
//! kernel's read-back, and saves PNGs of the window at each stage (eframe's own
//! screenshot). The lab and its iperf3 traffic are built by the worker, in the rig's kernel
//! or in the sandbox kernel where the host has no SCTP.

use crate::app::{InspectorApp, RightTab};
use crate::panels::options::ScopeChoice;
use crate::panels::{AppCommand, Ctx};
use sctp_core::lab::{LabChange, Side, TwoPaths};
use sctp_core::options::{InitMsg, OptionName};
use sctp_core::worker::{Command, EpId};
use sctp_core::{AssocId, EndpointConfig, Scope, SendInfo, Style};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

const PORT: u16 = 6000;

/// What happens, each a number of seconds after the step before it has run. A step whose
/// precondition (an endpoint, an association) is not there yet waits for it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    Open,
    Listen,
    Connect,
    Traffic,
    Shot(&'static str),
    LinkDown,
    /// The Lab tab while path 1 is down.
    ShowLab,
    LinkUp,
    SetOption,
    ShowReceiver,
    /// Another program's association (iperf3 in the lab), for the Host view.
    ForeignTraffic,
    WatchHost,
    SelectForeign,
    /// A second client on path 2 slowed to 400 ms, so samples catch COOKIE-WAIT/ECHOED.
    OpenSlow,
    ConnectSlow,
    ShutdownSlow,
    /// The slow association on the state diagram, with the teaching panel open.
    ShowDiagram,
    ShowKernel,
    /// The first client's association as a path graph.
    ShowPaths,
    /// The stream-reset teaching scenario, run in the Scenario tab.
    RunTeachingScenario,
    /// Its server's log: the SSNs start again at 0 after the reset.
    ShowTeachingResult,
    Quit,
}

const TIMELINE: &[(f64, Step)] = &[
    (0.0, Step::Open),
    (0.3, Step::Listen),
    (0.3, Step::Connect),
    (0.5, Step::Traffic),
    (6.0, Step::Shot("01-two-paths.png")),
    (0.5, Step::LinkDown),
    (4.0, Step::Shot("02-path-failure.png")),
    (0.2, Step::ShowLab),
    (0.8, Step::Shot("10-lab-link-down.png")),
    (0.5, Step::LinkUp),
    (3.0, Step::SetOption),
    (1.5, Step::Shot("03-recovered-options-readback.png")),
    (0.5, Step::ShowReceiver),
    (1.5, Step::Shot("04-receiver-log-send.png")),
    (0.5, Step::ForeignTraffic),
    (1.0, Step::WatchHost),
    (2.0, Step::SelectForeign),
    (3.0, Step::Shot("05-host-view.png")),
    (0.5, Step::OpenSlow),
    (0.5, Step::ConnectSlow),
    (3.0, Step::ShutdownSlow),
    (3.0, Step::ShowDiagram),
    (1.0, Step::Shot("06-state-diagram-teaching.png")),
    (0.5, Step::ShowKernel),
    (1.0, Step::Shot("07-kernel-extensions.png")),
    (0.5, Step::ShowPaths),
    (1.5, Step::Shot("08-paths.png")),
    (0.5, Step::RunTeachingScenario),
    (3.0, Step::ShowTeachingResult),
    (1.0, Step::Shot("09-teaching-scenario.png")),
    (1.0, Step::Quit),
];

/// How long a step may wait for its precondition.
const PATIENCE_S: f64 = 20.0;

pub struct Demo {
    /// When the previous step ran.
    last: Option<Instant>,
    next: usize,
    out: PathBuf,
    requested: usize,
    saved: Arc<AtomicUsize>,
    /// Where the demo's packet capture goes (removed with the demo).
    scratch: Option<tempfile::TempDir>,
    /// Set when a step failed; the demo stops and the process exits non-zero.
    pub failure: Option<String>,
}

impl Demo {
    pub fn new(out: PathBuf) -> Self {
        Demo {
            last: None,
            next: 0,
            out,
            requested: 0,
            saved: Arc::new(AtomicUsize::new(0)),
            scratch: None,
            failure: None,
        }
    }

    fn ep(app: &InspectorApp, label: &str) -> Option<EpId> {
        app.session.model.endpoints.iter().find(|(_, v)| v.label == label && !v.closed).map(|(id, _)| *id)
    }

    fn first_assoc(app: &InspectorApp, ep: EpId) -> Option<AssocId> {
        app.session.model.endpoints.get(&ep)?.assocs.iter().find(|(_, a)| !a.gone).map(|(id, _)| *id)
    }

    /// Runs the steps that are due; returns false once the demo is over.
    pub fn tick(&mut self, app: &mut InspectorApp, ctx: &egui::Context) -> bool {
        let last = *self.last.get_or_insert_with(Instant::now);
        while self.failure.is_none() && self.next < TIMELINE.len() {
            let (delay, step) = TIMELINE[self.next];
            let waited = last.elapsed().as_secs_f64();
            if waited < delay {
                break;
            }
            match self.run(step, app, ctx) {
                Ok(()) => {
                    self.next += 1;
                    self.last = Some(Instant::now());
                    break;
                }
                Err(e) if waited > delay + PATIENCE_S => self.failure = Some(format!("demo step {step:?}: {e}")),
                Err(_) => break,
            }
        }
        ctx.request_repaint_after(std::time::Duration::from_millis(50));
        let done = self.next >= TIMELINE.len() && self.saved.load(Ordering::SeqCst) >= self.requested;
        !(done || self.failure.is_some())
    }

    fn run(&mut self, step: Step, app: &mut InspectorApp, ctx: &egui::Context) -> Result<(), String> {
        // The worker runs its commands in order: the lab is built and shaped before the
        // endpoints open in it.
        let worker = |app: &mut InspectorApp, command| app.outbox.push(AppCommand::Worker(command));
        let netem =
            |path, spec: &str| Command::Lab { change: LabChange::Netem { side: Side::A, path, spec: spec.into() } };
        match step {
            Step::Open => {
                worker(app, Command::BuildLab);
                // Delays in place before the association starts: the kernel takes its first
                // RTT sample per path as srtt outright.
                worker(app, netem(1, "delay 20ms"));
                worker(app, netem(2, "delay 100ms 5ms loss 1%"));
                for (label, ns, addrs, port) in
                    [("server", "lab:b", TwoPaths::addrs_b(), PORT), ("client", "lab:a", TwoPaths::addrs_a(), 0)]
                {
                    let config = EndpointConfig {
                        style: Style::OneToMany,
                        addrs,
                        port,
                        netns: Some(ns.into()),
                        ..Default::default()
                    };
                    worker(app, Command::Open { label: label.into(), config });
                }
                // The packets of side A (both paths), for the chunk timeline above the plots.
                let scratch = tempfile::tempdir().map_err(|e| format!("scratch directory: {e}"))?;
                worker(
                    app,
                    Command::StartCapture {
                        path: scratch.path().join("demo.pcapng"),
                        netns: vec![Some("lab:a".into())],
                        max_bytes: 64 << 20,
                    },
                );
                self.scratch = Some(scratch);
            }
            Step::Listen => {
                let (server, client) =
                    (Self::ep(app, "server").ok_or("no server")?, Self::ep(app, "client").ok_or("no client")?);
                for ep in [server, client] {
                    for value in sctp_core::options::quick_failure_detection() {
                        app.outbox.push(AppCommand::Worker(Command::SetOption { ep, scope: Scope::Future, value }));
                    }
                }
                app.outbox.push(AppCommand::Worker(Command::Listen { ep: server, backlog: 8 }));
                app.state.sel.ep = Some(client);
            }
            Step::Connect => {
                let client = Self::ep(app, "client").ok_or("no client")?;
                let addrs = TwoPaths::addrs_b().into_iter().map(|ip| SocketAddr::new(ip, PORT)).collect();
                let init = InitMsg { num_ostreams: 10, max_instreams: 10, ..Default::default() };
                app.outbox.push(AppCommand::Worker(Command::Connect {
                    ep: client,
                    addrs,
                    init: Some(init),
                    timeout_ms: Some(3000),
                }));
            }
            Step::Traffic => {
                let client = Self::ep(app, "client").ok_or("no client")?;
                let assoc = Self::first_assoc(app, client).ok_or("the association did not come up")?;
                app.state.sel.assoc = Some(assoc);
                let info = SendInfo { assoc, stream: 3, ppid: 46, ..Default::default() };
                let payload = vec![b'x'; 1000];
                app.outbox.push(AppCommand::Worker(Command::Send {
                    ep: client,
                    info,
                    payload,
                    count: 100_000,
                    interval_ms: 10,
                }));
            }
            Step::Shot(name) => {
                let path = self.out.join(name);
                let saved = Arc::clone(&self.saved);
                self.requested += 1;
                ctx.request_screenshot(move |img| {
                    if let Err(e) = save_png(&path, &img) {
                        eprintln!("demo: {e}");
                    } else {
                        println!("demo: wrote {}", path.display());
                    }
                    saved.fetch_add(1, Ordering::SeqCst);
                });
            }
            Step::LinkDown => worker(app, Command::Lab { change: LabChange::Link { path: 1, up: false } }),
            Step::ShowLab => app.state.tab = RightTab::Lab,
            Step::LinkUp => worker(app, Command::Lab { change: LabChange::Link { path: 1, up: true } }),
            Step::SetOption => {
                // Through the options form, as a person would: maxseg 1001 on this association;
                // the kernel rounds it to a multiple of 4 and the form highlights that.
                let client = Self::ep(app, "client").ok_or("no client")?;
                let opts = &mut app.state.options;
                opts.option = OptionName::Maxseg;
                opts.scope = ScopeChoice::ThisAssociation;
                opts.texts.insert((OptionName::Maxseg, "value".into()), "1001".into());
                app.state.tab = RightTab::Options;
                let mut cx =
                    Ctx { model: &app.session.model, sel: &mut app.state.sel, out: &mut app.outbox, live: true };
                app.state.options.submit(&mut cx, client, true);
            }
            Step::ShowReceiver => {
                let server = Self::ep(app, "server").ok_or("no server")?;
                let assoc = Self::first_assoc(app, server).ok_or("no server association")?;
                app.state.sel.ep = Some(server);
                app.state.sel.assoc = Some(assoc);
                app.state.tab = RightTab::Send;
                app.state.send.stream = "3".into();
                app.state.log.only_selected = true;
            }
            Step::ForeignTraffic => {
                worker(app, Command::Lab { change: LabChange::Traffic { seconds: 60, kbit: 1000 } })
            }
            Step::WatchHost => {
                let ns = "lab:a".to_string();
                app.state.centre = crate::app::CentreTab::Host;
                app.state.host.netns = ns.clone();
                app.outbox.push(AppCommand::Worker(Command::WatchHost {
                    netns: Some(ns),
                    interval_ms: 250,
                    max_core_share: 0.2,
                }));
            }
            Step::SelectForeign => {
                let key = app
                    .session
                    .model
                    .host
                    .assocs
                    .iter()
                    .find(|(_, r)| r.assoc.owner.as_ref().is_some_and(|o| o.command == "iperf3"))
                    .map(|(k, _)| *k)
                    .ok_or("no iperf3 association in the Host view yet")?;
                app.state.host.selected = Some(key);
            }
            Step::OpenSlow => {
                worker(app, netem(2, "delay 400ms"));
                let config = EndpointConfig {
                    style: Style::OneToMany,
                    addrs: vec![TwoPaths::addr_a(2)],
                    netns: Some("lab:a".into()),
                    ..Default::default()
                };
                worker(app, Command::Open { label: "slow".into(), config });
            }
            Step::ConnectSlow => {
                let slow = Self::ep(app, "slow").ok_or("no slow endpoint")?;
                let to = SocketAddr::new(TwoPaths::addr_b(2), PORT);
                app.outbox.push(AppCommand::Worker(Command::Connect {
                    ep: slow,
                    addrs: vec![to],
                    init: None,
                    timeout_ms: Some(10_000),
                }));
            }
            Step::ShutdownSlow => {
                let slow = Self::ep(app, "slow").ok_or("no slow endpoint")?;
                let assoc = Self::first_assoc(app, slow).ok_or("the slow association did not come up")?;
                app.state.sel = crate::panels::Selection { ep: Some(slow), assoc: Some(assoc) };
                app.outbox.push(AppCommand::Worker(Command::Eof { ep: slow, assoc }));
            }
            Step::ShowDiagram => {
                let (ep, assoc) = app.state.sel.ep.zip(app.state.sel.assoc).ok_or("nothing selected")?;
                let history = &app.session.model.endpoints.get(&ep).ok_or("no slow endpoint")?.assocs;
                let ended =
                    history.get(&assoc).and_then(|a| a.history.current()) == Some(sctp_core::AssocState::Closed);
                if !ended {
                    return Err("the slow association has not ended yet".into());
                }
                app.state.centre = crate::app::CentreTab::Diagram;
                app.state.teaching = true;
                app.state.explained = Some("state.assoc.cookie_echoed".into());
            }
            Step::ShowKernel => {
                app.state.centre = crate::app::CentreTab::Kernel;
                app.state.teaching = false;
            }
            Step::ShowPaths => {
                let client = Self::ep(app, "client").ok_or("no client")?;
                let assoc = Self::first_assoc(app, client).ok_or("no client association")?;
                app.state.sel = crate::panels::Selection { ep: Some(client), assoc: Some(assoc) };
                app.state.centre = crate::app::CentreTab::Topology;
            }
            Step::RunTeachingScenario => {
                let file = std::path::PathBuf::from("assets/scenarios/stream-reset.toml");
                if !file.is_file() {
                    return Err(format!("{} not found: run the demo from the repository", file.display()));
                }
                app.file_chosen(crate::app::FileAction::OpenScenario, file);
                app.scenario_running = true;
                app.state.log.only_selected = true;
            }
            Step::ShowTeachingResult => {
                match app.session.scenario_result() {
                    Some(Ok(())) => {}
                    Some(Err(e)) => return Err(format!("the teaching scenario failed: {e}")),
                    None => return Err("the teaching scenario is still running".into()),
                }
                // The scenario's server: the newest endpoint of that name.
                let server = app
                    .session
                    .model
                    .endpoints
                    .iter()
                    .rev()
                    .find(|(_, v)| v.label == "server")
                    .map(|(id, _)| *id)
                    .ok_or("no server endpoint")?;
                let assoc = Self::first_assoc(app, server);
                app.state.sel = crate::panels::Selection { ep: Some(server), assoc };
                app.state.centre = crate::app::CentreTab::Plots;
            }
            Step::Quit => {}
        }
        Ok(())
    }
}

fn save_png(path: &std::path::Path, img: &egui::ColorImage) -> Result<(), String> {
    let [w, h] = img.size;
    let bytes: Vec<u8> = img.pixels.iter().flat_map(|c| c.to_array()).collect();
    let buf = image::RgbaImage::from_raw(w as u32, h as u32, bytes).ok_or("screenshot has the wrong size")?;
    buf.save(path).map_err(|e| format!("save {}: {e}", path.display()))
}
