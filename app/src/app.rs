//! The eframe shell: owns the worker handle and the model, lays the panels out, and after
//! each pass sends the commands the panels emitted. File dialogs run off the UI thread.

use crate::panels::associations::AssociationsPanel;
use crate::panels::endpoints::EndpointsPanel;
use crate::panels::log::LogPanel;
use crate::panels::options::OptionsPanel;
use crate::panels::plots::PlotsPanel;
use crate::panels::send::SendPanel;
use crate::panels::status::StatusBar;
use crate::panels::{Ctx, Selection};
use crossbeam_channel::Receiver;
use egui::Ui;
use sctp_core::model::Model;
use sctp_core::worker::{Command, WorkerHandle};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum RightTab {
    #[default]
    Options,
    Send,
}

/// Everything about the window that persists across restarts.
#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
pub struct UiState {
    pub sel: Selection,
    pub tab: RightTab,
    pub endpoints: EndpointsPanel,
    pub associations: AssociationsPanel,
    pub options: OptionsPanel,
    pub send: SendPanel,
    pub plots: PlotsPanel,
    pub log: LogPanel,
}

pub const STORAGE_KEY: &str = "sctp-inspector";

pub struct InspectorApp {
    pub worker: Option<WorkerHandle>,
    pub model: Model,
    pub state: UiState,
    file_pick: Option<Receiver<Option<PathBuf>>>,
    /// Commands emitted by the last pass (kept for tests to inspect before they are sent).
    pub outbox: Vec<Command>,
}

impl InspectorApp {
    /// A window over a live worker; `repaint` wakes the UI when events arrive.
    pub fn new(ctx: &egui::Context, state: UiState) -> std::io::Result<Self> {
        let ctx = ctx.clone();
        let worker = WorkerHandle::spawn(Box::new(move || ctx.request_repaint_after(Duration::from_millis(10))))?;
        Ok(Self::with_worker(Some(worker), state))
    }

    pub fn with_worker(worker: Option<WorkerHandle>, state: UiState) -> Self {
        InspectorApp { worker, model: Model::default(), state, file_pick: None, outbox: Vec::new() }
    }

    /// Moves the worker's new events into the model.
    pub fn pump(&mut self) {
        if let Some(w) = &self.worker {
            for ev in w.drain() {
                self.model.apply(&ev);
            }
        }
    }

    /// Sends what the panels asked for.
    pub fn flush(&mut self) {
        for c in self.outbox.drain(..) {
            match &self.worker {
                Some(w) => {
                    w.send(c);
                }
                None => self.model.log(
                    self.model.now,
                    sctp_core::model::LogKind::Warning,
                    None,
                    None,
                    format!("{}: not sent — this window shows a recording, it has no worker", c.describe()),
                ),
            }
        }
    }

    /// One frame of the whole window.
    pub fn ui(&mut self, ui: &mut Ui) {
        self.pump();
        self.poll_file_dialog();
        let s = &mut self.state;
        let mut cx = Ctx { model: &self.model, sel: &mut s.sel, out: &mut self.outbox };
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
            });
            ui.separator();
            egui::ScrollArea::vertical().id_salt("right-scroll").show(ui, |ui| match s.tab {
                RightTab::Options => s.options.ui(ui, &mut cx),
                RightTab::Send => s.send.ui(ui, &mut cx),
            });
        });
        egui::Panel::bottom("log").default_size(230.0).resizable(true).show(ui, |ui| s.log.ui(ui, &mut cx));
        egui::CentralPanel::default().show(ui, |ui| s.plots.ui(ui, &mut cx));
        if std::mem::take(&mut s.send.wants_file) {
            self.start_file_dialog();
        }
        self.flush();
    }

    fn start_file_dialog(&mut self) {
        let (tx, rx) = crossbeam_channel::bounded(1);
        std::thread::spawn(move || {
            let _ = tx.send(rfd::FileDialog::new().set_title("Payload file").pick_file());
        });
        self.file_pick = Some(rx);
    }

    fn poll_file_dialog(&mut self) {
        if let Some(rx) = &self.file_pick
            && let Ok(picked) = rx.try_recv()
        {
            self.file_pick = None;
            if let Some(path) = picked {
                self.state.send.file = Some(path);
            }
        }
    }
}

impl eframe::App for InspectorApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        InspectorApp::ui(self, ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, &self.state);
    }
}
