//! One file per panel. Each has `fn ui(&mut self, ui, cx)`: it reads `cx.model`, may change
//! the selection, and pushes `AppCommand`s into `cx.out`, which the app applies after the
//! pass, in order (the egui demo app's way): a panel never sends or opens anything itself.

pub mod assoc_status;
pub mod associations;
pub mod chunks;
pub mod diagram;
pub mod endpoints;
pub mod host;
pub mod kernel;
pub mod lab;
pub mod log;
pub mod options;
pub mod plots;
pub mod scenario;
pub mod send;
pub mod status;
pub mod teach;
pub mod topology;

use crate::app::FileAction;
use sctp_core::AssocId;
use sctp_core::model::Model;
use sctp_core::worker::{Command, EpId};

/// Everything the window can be asked to do.
#[derive(Debug, Clone, PartialEq)]
pub enum AppCommand {
    /// A command for the worker, sent through the session (recorded, kept for the profile).
    Worker(Command),
    /// Ask for a file in a dialog (run off the UI thread).
    PickFile(FileAction),
    Scenario(ScenarioControl),
    StopRecording,
    /// Leave the recording shown for a new live session.
    BackToLive,
    /// Open the recording waiting for confirmation (true), or keep the live session.
    ConfirmOpenRecording(bool),
    /// Attach the Host view to an agent (URL, token), or back to this machine (`None`).
    AttachHost(Option<(String, String)>),
    /// Put the diagnostics report (versions, kernel, sysctls, last errors) on the clipboard.
    CopyDiagnostics,
    /// The topic (an `explain::Topic` key) the teaching panel shows: the one hovered.
    Explain(String),
    /// Put a lab endpoint's settings into the endpoint form (and the connect form).
    FillEndpoint(lab::EndpointFill),
    /// Open the packet capture in Wireshark with this display filter (or, without
    /// Wireshark, show the file and the filter to copy).
    Wireshark {
        filter: String,
    },
}

/// The Scenario tab's buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScenarioControl {
    Run,
    Pause,
    /// One step (a step that waits goes on by itself until it completes).
    Step,
}

/// What is selected: an endpoint, and maybe one of its associations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Selection {
    pub ep: Option<EpId>,
    pub assoc: Option<AssocId>,
}

pub struct Ctx<'a> {
    pub model: &'a Model,
    pub sel: &'a mut Selection,
    pub out: &'a mut Vec<AppCommand>,
    /// A worker is there to take commands (false while a recording is shown).
    pub live: bool,
}

impl Ctx<'_> {
    /// Queues a command for the worker.
    pub fn send(&mut self, command: Command) {
        self.out.push(AppCommand::Worker(command));
    }
}
