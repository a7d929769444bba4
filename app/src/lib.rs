//! sctp-inspector: the window (a view over `sctp_core::model::Model`) and its CLI.
//! Panels read the model and push `Command`s; only the worker touches sockets.

pub mod agent;
pub mod app;
pub mod decimate;
pub mod demo;
pub use sctp_core::forms;
pub mod headless;
pub mod panels;
pub mod remote;
pub mod widgets;

pub use app::InspectorApp;
