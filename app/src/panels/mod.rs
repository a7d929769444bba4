//! One file per panel. Each has `fn ui(&mut self, ui, cx)`: it reads `cx.model`, may change
//! the selection, and pushes commands into `cx.out` for the app to send after the pass.

pub mod associations;
pub mod endpoints;
pub mod host;
pub mod log;
pub mod options;
pub mod plots;
pub mod scenario;
pub mod send;
pub mod status;

use sctp_core::AssocId;
use sctp_core::model::Model;
use sctp_core::worker::{Command, EpId};

/// What is selected: an endpoint, and maybe one of its associations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Selection {
    pub ep: Option<EpId>,
    pub assoc: Option<AssocId>,
}

pub struct Ctx<'a> {
    pub model: &'a Model,
    pub sel: &'a mut Selection,
    pub out: &'a mut Vec<Command>,
    /// A worker is there to take commands (false while a recording is shown).
    pub live: bool,
}
