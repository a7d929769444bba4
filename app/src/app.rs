//! The eframe shell: owns the session (worker, model, recording, scenario), lays the panels
//! out, and after each pass sends the commands the panels emitted through it. File dialogs
//! run off the UI thread.

use crate::panels::associations::AssociationsPanel;
use crate::panels::endpoints::EndpointsPanel;
use crate::panels::host::HostPanel;
use crate::panels::log::LogPanel;
use crate::panels::options::OptionsPanel;
use crate::panels::plots::PlotsPanel;
use crate::panels::scenario;
use crate::panels::send::SendPanel;
use crate::panels::status::StatusBar;
use crate::panels::{AppCommand, Ctx, ScenarioControl, Selection};
use crate::remote::RemoteHost;

mod files;
use crossbeam_channel::Receiver;
use egui::Ui;
pub use files::FileAction;

use crate::shortcuts::{self, Shortcut};
use sctp_core::AssocId;
use sctp_core::worker::EpId;

fn theme_name(theme: egui::ThemePreference) -> &'static str {
    match theme {
        egui::ThemePreference::System => "as the desktop",
        egui::ThemePreference::Dark => "dark",
        egui::ThemePreference::Light => "light",
    }
}
use sctp_core::session::Session;
use sctp_core::worker::{Command, WorkerHandle};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// What the centre shows: the selected association's plots, or every association on the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum CentreTab {
    #[default]
    Plots,
    Host,
    /// The kernel's SCTP extensions and sysctls.
    Kernel,
    /// The selected association on RFC 9260's state diagram.
    Diagram,
    /// The selected association's paths as a graph, with their actions.
    Topology,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum RightTab {
    #[default]
    Options,
    Send,
    Scenario,
    Lab,
}

/// Everything about the window that persists across restarts.
#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
pub struct UiState {
    pub sel: Selection,
    pub tab: RightTab,
    pub centre: CentreTab,
    pub host: HostPanel,
    pub endpoints: EndpointsPanel,
    pub associations: AssociationsPanel,
    pub options: OptionsPanel,
    pub send: SendPanel,
    pub lab: crate::panels::lab::LabPanel,
    pub plots: PlotsPanel,
    pub log: LogPanel,
    /// Follow the desktop's dark or light preference, or always one of them.
    pub theme: egui::ThemePreference,
    /// The keyboard shortcuts overlay (F1).
    #[serde(skip)]
    pub show_help: bool,
    /// Teaching mode: the panel explaining the hovered field stays open.
    pub teaching: bool,
    /// The topic the teaching panel shows (the last one hovered).
    #[serde(skip)]
    pub explained: Option<String>,
    /// Capture the packets into a pcapng beside each recording.
    pub capture_packets: bool,
}

/// The capture file and filter to hand to Wireshark by hand, when it could not be started.
#[derive(Debug, Clone, PartialEq)]
pub struct Handoff {
    pub path: PathBuf,
    pub filter: String,
    /// Why Wireshark was not started.
    pub why: String,
}

pub const STORAGE_KEY: &str = "sctp-inspector";

/// The time a frame may spend taking in the worker's events; the rest waits for the next
/// frame (requested at once). At 60 frames/s that is 30 ms of model updates a second, about
/// 30,000 samples (a model update is ≈1 µs): 3,000 associations at 10 Hz. A sample round
/// arrives in one lump, so the frames that take it in are the slowest: this bounds them.
pub const PUMP_BUDGET: std::time::Duration = std::time::Duration::from_micros(500);

pub struct InspectorApp {
    /// The worker, model, recording, setup log and scenario: shared with `run`.
    pub session: Session,
    pub state: UiState,
    file_pick: Option<(FileAction, Receiver<Option<PathBuf>>)>,
    /// What the last pass asked for, applied after it (kept for tests to inspect first).
    pub outbox: Vec<AppCommand>,
    /// Whether the opened scenario runs on its own (or waits for Step).
    pub scenario_running: bool,
    /// The last message sent from the Send form, for "send again" (Ctrl+Enter).
    pub last_send: Option<Command>,
    /// A recording chosen while a live session has endpoints open: opened only once the
    /// person confirms, since it ends the live session.
    pub confirm_open_recording: Option<PathBuf>,
    /// Messages for the person (file errors and the like), shown in the status bar.
    pub notice: Option<String>,
    repaint: Option<egui::Context>,
    /// The agent the Host view is attached to, if any.
    pub remote: Option<RemoteHost>,
    /// Text to put on the clipboard at the end of this frame.
    clipboard: Option<String>,
    /// The program "Open in Wireshark" starts (tests point it elsewhere).
    pub wireshark: PathBuf,
    /// A hand-off shown for copying, when Wireshark could not be started.
    pub handoff: Option<Handoff>,
    /// Which kernel the worker runs on (`--kernel`), for a new live session.
    pub kernel: crate::kernel::KernelChoice,
}

impl InspectorApp {
    /// A window over a live worker; `repaint` wakes the UI when events arrive.
    pub fn new(ctx: &egui::Context, state: UiState, kernel: crate::kernel::KernelChoice) -> std::io::Result<Self> {
        let ctx = ctx.clone();
        let (worker, said) = Self::spawn_worker(&ctx, kernel).map_err(std::io::Error::other)?;
        let mut app = Self::with_worker(Some(worker), state);
        app.repaint = Some(ctx);
        app.kernel = kernel;
        app.notice = said;
        Ok(app)
    }

    fn spawn_worker(
        ctx: &egui::Context,
        kernel: crate::kernel::KernelChoice,
    ) -> Result<(WorkerHandle, Option<String>), String> {
        crate::kernel::start_worker(kernel, || {
            let ctx = ctx.clone();
            Box::new(move || ctx.request_repaint_after(Duration::from_millis(10)))
        })
    }

    pub fn with_worker(worker: Option<WorkerHandle>, state: UiState) -> Self {
        InspectorApp {
            session: Session::with_worker(worker),
            state,
            file_pick: None,
            outbox: Vec::new(),
            scenario_running: false,
            last_send: None,
            confirm_open_recording: None,
            notice: None,
            repaint: None,
            remote: None,
            clipboard: None,
            wireshark: PathBuf::from("wireshark"),
            handoff: None,
            kernel: crate::kernel::KernelChoice::Auto,
        }
    }

    /// Moves the worker's new events into the model (and the recording and scenario), for at
    /// most `PUMP_BUDGET` per frame: a sample round of a thousand associations is taken in
    /// over a few frames rather than stalling one, and the next frame comes at once.
    pub fn pump(&mut self) {
        if let Some(r) = self.remote.as_mut() {
            for (t, snap) in r.drain() {
                self.session.model.host.apply(t, snap);
            }
        }
        let (_, more) = self.session.pump_for(PUMP_BUDGET);
        if more && let Some(ctx) = &self.repaint {
            ctx.request_repaint();
        }
        if let Some(e) = self.session.take_recording_error() {
            self.notice = Some(e);
        }
    }

    /// One frame of the whole window.
    pub fn ui(&mut self, ui: &mut Ui) {
        self.pump();
        self.poll_file_dialog();
        if ui.ctx().options(|o| o.theme_preference) != self.state.theme {
            ui.ctx().set_theme(self.state.theme);
        }
        for pressed in shortcuts::pressed(ui.ctx()) {
            self.shortcut(pressed);
        }
        shortcuts::help(ui.ctx(), &mut self.state.show_help);
        egui::Panel::top("menu").show(ui, |ui| self.menu(ui));
        if self.state.teaching {
            egui::Panel::right("teach")
                .default_size(300.0)
                .resizable(true)
                .show(ui, |ui| crate::panels::teach::ui(ui, self.state.explained.as_deref()));
        }
        let s = &mut self.state;
        let live = self.session.is_live();
        let mut cx = Ctx { model: &self.session.model, sel: &mut s.sel, out: &mut self.outbox, live };
        egui::Panel::top("status").show(ui, |ui| StatusBar.ui(ui, &mut cx));
        egui::Panel::left("left").default_size(380.0).resizable(true).show(ui, |ui| {
            egui::ScrollArea::vertical().id_salt("left-scroll").show(ui, |ui| {
                s.endpoints.ui(ui, &mut cx);
                ui.separator();
                s.associations.ui(ui, &mut cx);
            });
        });
        egui::Panel::right("right").default_size(430.0).resizable(true).show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.selectable_value(&mut s.tab, RightTab::Options, "Options");
                ui.selectable_value(&mut s.tab, RightTab::Send, "Send");
                ui.selectable_value(&mut s.tab, RightTab::Scenario, "Scenario");
                ui.selectable_value(&mut s.tab, RightTab::Lab, "Lab");
            });
            ui.separator();
            egui::ScrollArea::vertical().id_salt("right-scroll").show(ui, |ui| match s.tab {
                RightTab::Options => {
                    s.options.ui(ui, &mut cx);
                    if let (Some(ep), Some(assoc)) = (cx.sel.ep, cx.sel.assoc) {
                        ui.separator();
                        crate::panels::assoc_status::ui(ui, &mut cx, ep, assoc);
                    }
                }
                RightTab::Send => s.send.ui(ui, &mut cx),
                RightTab::Lab => s.lab.ui(ui, &mut cx),
                RightTab::Scenario => scenario::ui(
                    ui,
                    self.session.scenario(),
                    self.scenario_running,
                    self.session.scenario_result(),
                    cx.out,
                ),
            });
        });
        egui::Panel::bottom("log").default_size(230.0).resizable(true).show(ui, |ui| s.log.ui(ui, &mut cx));
        egui::CentralPanel::default().show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.selectable_value(&mut s.centre, CentreTab::Plots, "Plots");
                ui.selectable_value(&mut s.centre, CentreTab::Host, "Host: every association");
                ui.selectable_value(&mut s.centre, CentreTab::Topology, "Paths");
                ui.selectable_value(&mut s.centre, CentreTab::Diagram, "State diagram");
                ui.selectable_value(&mut s.centre, CentreTab::Kernel, "Kernel: SCTP extensions");
                if let Some(r) = &self.remote {
                    ui.label(format!("attached to {} ({} snapshots, {} dropped)", r.url, r.received, r.dropped()));
                    if let Some(e) = &r.last_error {
                        crate::widgets::error_line(ui, e);
                    }
                }
            });
            ui.separator();
            match s.centre {
                CentreTab::Plots => s.plots.ui(ui, &mut cx),
                CentreTab::Host => s.host.ui(ui, &mut cx),
                CentreTab::Kernel => crate::panels::kernel::ui(ui, &cx),
                CentreTab::Diagram => crate::panels::diagram::ui(ui, &mut cx),
                CentreTab::Topology => crate::panels::topology::ui(ui, &mut cx),
            }
        });
        let step = self.apply_commands();
        if let Some(text) = self.clipboard.take() {
            ui.ctx().copy_text(text);
        }
        self.drive_scenario(step);
    }

    /// Applies what the pass asked for, in order; whether one scenario step was asked for.
    pub fn apply_commands(&mut self) -> bool {
        let mut step = false;
        for command in std::mem::take(&mut self.outbox) {
            match command {
                AppCommand::Worker(c) => {
                    if matches!(c, Command::Send { .. }) {
                        self.last_send = Some(c.clone());
                    }
                    // Without a worker the session logs why it was not sent.
                    self.session.send(c);
                }
                AppCommand::PickFile(action) => self.start_file_dialog(action),
                AppCommand::Scenario(ScenarioControl::Run) => self.scenario_running = true,
                AppCommand::Scenario(ScenarioControl::Pause) => self.scenario_running = false,
                AppCommand::Scenario(ScenarioControl::Step) => step = true,
                AppCommand::StopRecording => {
                    self.session.stop_recording();
                    if self.session.model.capture.as_ref().is_some_and(|c| c.running) {
                        self.session.send(Command::StopCapture);
                    }
                }
                AppCommand::BackToLive => self.back_to_live(),
                AppCommand::ConfirmOpenRecording(yes) => {
                    if let Some(path) = self.confirm_open_recording.take()
                        && yes
                    {
                        self.open_recording(path);
                    }
                }
                AppCommand::AttachHost(to) => self.attach(to),
                AppCommand::Wireshark { filter } => self.open_in_wireshark(filter),
                AppCommand::Explain(key) => self.state.explained = Some(key),
                AppCommand::FillEndpoint(fill) => {
                    let form = &mut self.state.endpoints;
                    form.label = fill.label.into();
                    form.netns = fill.netns.into();
                    form.addrs = fill.addrs;
                    form.port = fill.port.to_string();
                    if let Some((peers, port)) = fill.connect_to {
                        self.state.associations.peers = peers;
                        self.state.associations.port = port.to_string();
                    }
                }
                AppCommand::CopyDiagnostics => {
                    let source = match self.session.viewing() {
                        Some(path) => crate::diagnostics::Source::Recording(path),
                        None => crate::diagnostics::Source::Live,
                    };
                    let report = crate::diagnostics::report(&self.session.model, source);
                    self.notice =
                        Some(format!("diagnostics copied to the clipboard ({} lines)", report.lines().count()));
                    self.clipboard = Some(report);
                }
            }
        }
        step
    }

    /// Starts Wireshark on the capture with `filter`; without Wireshark (or the file), shows
    /// the file and the filter to copy instead.
    fn open_in_wireshark(&mut self, filter: String) {
        let Some(mut path) = self.session.model.capture.as_ref().map(|c| c.path.clone()) else {
            self.notice = Some("Wireshark: no packet capture in this session (record with packet capture on)".into());
            return;
        };
        // A recording moved with its capture: look beside the recording too.
        if !path.exists()
            && let Some(beside) = self.session.viewing().map(sctp_core::capture::beside).filter(|p| p.exists())
        {
            path = beside;
        }
        if !path.exists() {
            self.handoff =
                Some(Handoff { why: format!("{} is not there (moved or deleted?)", path.display()), path, filter });
            return;
        }
        let started = std::process::Command::new(&self.wireshark)
            .arg("-r")
            .arg(&path)
            .args(["-Y", &filter])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        match started {
            Ok(mut child) => {
                // Reaped when it exits, so no zombie stays behind.
                std::thread::spawn(move || child.wait());
                self.notice = Some(format!("Wireshark opened {} with filter: {filter}", path.display()));
            }
            Err(e) => {
                let why = format!("could not start {}: {e}", self.wireshark.display());
                self.handoff = Some(Handoff { path, filter, why });
            }
        }
    }

    /// The namespaces a capture started from the window covers: the lab's side A when there
    /// is a lab (every packet between A and B passes there), else the selected endpoint's,
    /// else those of every open endpoint, else the window's own.
    fn capture_namespaces(&self) -> Vec<Option<String>> {
        if self.session.model.lab.is_some() {
            return vec![Some("lab:a".into())];
        }
        let netns_of = |v: &sctp_core::model::EndpointView| v.config.as_ref().and_then(|c| c.netns.clone());
        let model = &self.session.model;
        if let Some(v) = self.state.sel.ep.and_then(|ep| model.endpoints.get(&ep)) {
            return vec![netns_of(v)];
        }
        let all: std::collections::BTreeSet<Option<String>> =
            model.endpoints.values().filter(|v| !v.closed).map(netns_of).collect();
        if all.is_empty() { vec![None] } else { all.into_iter().collect() }
    }

    /// Starts a capture beside the recording at `recording`.
    pub(crate) fn start_capture_beside(&mut self, recording: &std::path::Path) {
        let netns = self.capture_namespaces();
        self.session.send(Command::StartCapture {
            path: sctp_core::capture::beside(recording),
            netns,
            max_bytes: sctp_core::capture::DEFAULT_MAX_BYTES,
        });
    }

    /// Attaches the Host view to an agent (`Some((url, token))`) or back to this machine.
    pub fn attach(&mut self, to: Option<(String, String)>) {
        self.remote = None;
        self.session.model.host.reset();
        if let Some((url, token)) = to {
            if self.session.model.host_interval.is_some() {
                self.session.send(Command::StopWatchingHost);
            }
            let every =
                Duration::from_millis(self.state.host.interval_ms.trim().parse().unwrap_or(1000).clamp(100, 60_000));
            let ctx = self.repaint.clone();
            let waker = Box::new(move || {
                if let Some(c) = &ctx {
                    c.request_repaint();
                }
            });
            self.remote = Some(RemoteHost::attach(url, token, every, waker));
        }
    }

    /// What a keyboard shortcut does (the table is in `shortcuts`).
    fn shortcut(&mut self, pressed: Shortcut) {
        match pressed {
            Shortcut::SendAgain => match self.last_send.clone() {
                Some(c) => self.outbox.push(AppCommand::Worker(c)),
                None => self.notice = Some("send again: nothing has been sent from the Send form yet".into()),
            },
            Shortcut::ToggleFollow => {
                let follow = !self.state.plots.follow;
                self.state.plots.follow = follow;
                self.state.log.follow = follow;
            }
            Shortcut::FocusLogFilter => self.state.log.focus_filter = true,
            Shortcut::NextAssociation => self.step_association(1),
            Shortcut::PreviousAssociation => self.step_association(-1),
            Shortcut::OpenScenario => self.outbox.push(AppCommand::PickFile(FileAction::OpenScenario)),
            Shortcut::SaveProfile => self.outbox.push(AppCommand::PickFile(FileAction::SaveProfile)),
            Shortcut::RecordSession => self.outbox.push(AppCommand::PickFile(FileAction::RecordTo)),
            Shortcut::Help => self.state.show_help = !self.state.show_help,
            Shortcut::Teach => self.state.teaching = !self.state.teaching,
        }
    }

    /// Selects the next (or previous) live association, in the tree's order, wrapping.
    fn step_association(&mut self, by: isize) {
        let all: Vec<(EpId, AssocId)> = self
            .session
            .model
            .endpoints
            .iter()
            .filter(|(_, v)| !v.closed)
            .flat_map(|(ep, v)| v.assocs.iter().filter(|(_, a)| !a.gone).map(move |(a, _)| (*ep, *a)))
            .collect();
        if all.is_empty() {
            return;
        }
        let sel = &mut self.state.sel;
        let at = all.iter().position(|(ep, a)| Some(*ep) == sel.ep && Some(*a) == sel.assoc);
        let next = match at {
            Some(i) => (i as isize + by).rem_euclid(all.len() as isize) as usize,
            None if by > 0 => 0,
            None => all.len() - 1,
        };
        (sel.ep, sel.assoc) = (Some(all[next].0), Some(all[next].1));
    }

    fn menu(&mut self, ui: &mut Ui) {
        let mut asked = Vec::new();
        ui.horizontal(|ui| {
            if ui.button("Open recording…").clicked() {
                asked.push(AppCommand::PickFile(FileAction::OpenRecording));
            }
            match (self.session.recording_path(), self.session.viewing()) {
                (Some(path), _) => {
                    if ui.button("Stop recording").clicked() {
                        asked.push(AppCommand::StopRecording);
                    }
                    ui.label(format!("recording to {}", path.display()));
                }
                (None, None) => {
                    if ui.button("Record session…").clicked() {
                        asked.push(AppCommand::PickFile(FileAction::RecordTo));
                    }
                    ui.checkbox(&mut self.state.capture_packets, "with packets").on_hover_text(
                        "Also capture the SCTP packets into a pcapng beside the recording, on its clock \
                         (needs CAP_NET_RAW); the plots then show a chunk timeline and can open Wireshark",
                    );
                }
                (None, Some(path)) => {
                    ui.label(format!("viewing recording {}", path.display()));
                    if ui.button("Back to a live session").clicked() {
                        asked.push(AppCommand::BackToLive);
                    }
                }
            }
            if ui
                .button("Save profile…")
                .on_hover_text("This session's endpoints, connects and options, as a scenario file")
                .clicked()
            {
                asked.push(AppCommand::PickFile(FileAction::SaveProfile));
            }
            if ui.button("Open profile…").clicked() {
                asked.push(AppCommand::PickFile(FileAction::OpenProfile));
            }
            if ui.button("Export plotted series (CSV)…").clicked() {
                asked.push(AppCommand::PickFile(FileAction::ExportCsv));
            }
            ui.separator();
            egui::ComboBox::from_label("Theme").selected_text(theme_name(self.state.theme)).show_ui(ui, |ui| {
                for theme in [egui::ThemePreference::System, egui::ThemePreference::Dark, egui::ThemePreference::Light]
                {
                    ui.selectable_value(&mut self.state.theme, theme, theme_name(theme));
                }
            });
            if ui
                .button("Copy diagnostics")
                .on_hover_text(
                    "Versions, kernel, HZ, SCTP sysctls, sampling, drops and the last errors, for a bug report",
                )
                .clicked()
            {
                asked.push(AppCommand::CopyDiagnostics);
            }
            ui.toggle_value(&mut self.state.teaching, "Teaching (F2)")
                .on_hover_text("Keep a panel open that explains whatever you hover, with its RFC section");
            if ui.button("Shortcuts (F1)").clicked() {
                self.state.show_help = !self.state.show_help;
            }
            if let Some(n) = &self.notice {
                crate::widgets::error_line(ui, n);
            }
        });
        if let Some(h) = self.handoff.clone() {
            let mut open = true;
            egui::Window::new("Wireshark hand-off").open(&mut open).collapsible(false).show(ui.ctx(), |ui| {
                ui.label(&h.why);
                ui.label("Open the capture in Wireshark yourself, with this display filter:");
                ui.monospace(h.path.display().to_string());
                ui.add(egui::TextEdit::multiline(&mut h.filter.as_str()).code_editor().desired_width(480.0));
                ui.horizontal(|ui| {
                    if ui.button("Copy filter").clicked() {
                        self.clipboard = Some(h.filter.clone());
                    }
                    if ui.button("Copy tshark command").clicked() {
                        self.clipboard = Some(format!("tshark -r '{}' -Y '{}'", h.path.display(), h.filter));
                    }
                });
            });
            if !open {
                self.handoff = None;
            }
        }
        if let Some(path) = &self.confirm_open_recording {
            ui.horizontal(|ui| {
                let (open, _) = self.session.model.open_counts();
                crate::widgets::error_line(
                    ui,
                    &format!(
                        "Opening {} ends this live session: its {open} open endpoints and their associations close.",
                        path.display()
                    ),
                );
                if ui.button("Open it").clicked() {
                    asked.push(AppCommand::ConfirmOpenRecording(true));
                }
                if ui.button("Keep the live session").clicked() {
                    asked.push(AppCommand::ConfirmOpenRecording(false));
                }
            });
        }
        self.outbox.extend(asked);
    }

    /// A fresh live session in place of the recording shown.
    fn back_to_live(&mut self) {
        // A fresh session: nothing of the recording (selection, scenario, setup) stays.
        self.state.sel = Default::default();
        self.scenario_running = false;
        let worker = match self.repaint.clone().map(|ctx| Self::spawn_worker(&ctx, self.kernel)) {
            Some(Ok((w, said))) => {
                self.notice = said;
                Some(w)
            }
            Some(Err(e)) => {
                self.notice = Some(e);
                None
            }
            None => None,
        };
        self.session = Session::with_worker(worker);
    }

    /// Runs the opened scenario: continuously while running, or one step on request.
    fn drive_scenario(&mut self, step: bool) {
        if !(self.scenario_running || step) {
            return;
        }
        let Some((_, finished)) = self.session.advance_scenario() else { return };
        if step && !finished.is_empty() {
            self.scenario_running = false;
        } else if step {
            // A step that waits keeps going on its own until it completes.
            self.scenario_running = true;
        }
        if let Some(ctx) = &self.repaint {
            ctx.request_repaint_after(Duration::from_millis(20));
        }
    }
}

impl eframe::App for InspectorApp {
    /// Runs even while the window is hidden: keeps the event channel drained (and the
    /// recording written) when no frame is drawn.
    fn logic(&mut self, _ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.pump();
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        InspectorApp::ui(self, ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, &self.state);
    }
}
