//! Files the window reads and writes: the dialogs (run off the UI thread), and what happens
//! once a file is chosen — payloads, recordings, scenarios and profiles, CSV export.

use super::{InspectorApp, RightTab};
use sctp_core::scenario::{Runner, Scenario};
use sctp_core::session::Session;
use std::path::PathBuf;

/// What a file dialog was opened for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileAction {
    PayloadFile,
    OpenRecording,
    RecordTo,
    OpenScenario,
    ExportCsv,
    SaveProfile,
    OpenProfile,
}

impl InspectorApp {
    pub(super) fn start_file_dialog(&mut self, action: FileAction) {
        let (tx, rx) = crossbeam_channel::bounded(1);
        std::thread::spawn(move || {
            let dialog = rfd::FileDialog::new();
            let picked = match action {
                FileAction::PayloadFile => dialog.set_title("Payload file").pick_file(),
                FileAction::OpenRecording => {
                    dialog.set_title("Open recording").add_filter("JSONL", &["jsonl"]).pick_file()
                }
                FileAction::OpenScenario | FileAction::OpenProfile => {
                    dialog.set_title("Open scenario or profile").add_filter("TOML", &["toml"]).pick_file()
                }
                FileAction::SaveProfile => dialog.set_title("Save profile").set_file_name("profile.toml").save_file(),
                FileAction::RecordTo => {
                    dialog.set_title("Record session to").set_file_name("session.jsonl").save_file()
                }
                FileAction::ExportCsv => dialog.set_title("Export series").set_file_name("series.csv").save_file(),
            };
            let _ = tx.send(picked);
        });
        self.file_pick = Some((action, rx));
    }

    pub(super) fn poll_file_dialog(&mut self) {
        if let Some((action, rx)) = &self.file_pick
            && let Ok(picked) = rx.try_recv()
        {
            let action = *action;
            self.file_pick = None;
            if let Some(path) = picked {
                self.file_chosen(action, path);
            }
        }
    }

    /// Replaces the session with a recording (the worker and its sockets go).
    pub(super) fn open_recording(&mut self, path: PathBuf) {
        match Session::view_recording(&path) {
            Ok(session) => {
                self.session = session;
                self.state.sel = Default::default();
                self.scenario_running = false;
            }
            Err(e) => self.notice = Some(e),
        }
    }

    /// What happens once a file is chosen (tests call this directly, as rerun does).
    pub fn file_chosen(&mut self, action: FileAction, path: PathBuf) {
        self.notice = None;
        match action {
            FileAction::PayloadFile => self.state.send.file = Some(path),
            FileAction::OpenRecording => {
                let live = self.session.viewing().is_none() && self.session.model.endpoints.values().any(|v| !v.closed);
                if live {
                    self.confirm_open_recording = Some(path);
                } else {
                    self.open_recording(path);
                }
            }
            FileAction::RecordTo => match self.session.start_recording(&path) {
                Ok(()) if self.state.capture_packets => self.start_capture_beside(&path),
                Ok(()) => {}
                Err(e) => self.notice = Some(e),
            },
            FileAction::OpenScenario | FileAction::OpenProfile => match Scenario::load(&path) {
                Ok(s) => {
                    let base = path.parent().map(PathBuf::from).unwrap_or_default();
                    self.session.open_scenario(Runner::new(s, base));
                    // Nothing runs until asked: a file opens sockets and sends, so its steps
                    // are shown first and wait for Run or Step.
                    self.scenario_running = false;
                    if action == FileAction::OpenProfile {
                        self.notice = Some(format!(
                            "profile {} loaded: review its steps in the Scenario tab, then press Run",
                            path.display()
                        ));
                    }
                    self.state.tab = RightTab::Scenario;
                }
                Err(e) => self.notice = Some(e.to_string()),
            },
            FileAction::SaveProfile => {
                if self.session.setup().is_empty() {
                    self.notice = Some("save profile: nothing set up in this session yet".into());
                    return;
                }
                let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                let written =
                    self.session.setup().to_toml(&name).and_then(|text| write_private(&path, "save profile", &text));
                if let Err(e) = written {
                    self.notice = Some(e);
                }
            }
            FileAction::ExportCsv => {
                let (Some(ep), Some(assoc)) = (self.state.sel.ep, self.state.sel.assoc) else {
                    self.notice = Some("export: select an association first".into());
                    return;
                };
                if let Err(e) = write_private(&path, "export to", &self.session.model.series_csv(ep, assoc)) {
                    self.notice = Some(e);
                }
            }
        }
    }
}

/// Writes `text` to a new private file (0600, never through a symbolic link).
fn write_private(path: &std::path::Path, what: &str, text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut file = sctp_core::files::create_private(path, what)?;
    file.write_all(text.as_bytes()).map_err(|e| format!("{what} {}: {e}", path.display()))
}
