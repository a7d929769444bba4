//! sctp-inspector: the window (a view over `sctp_core::model::Model`) and its CLI.
//! Panels read the model and push `AppCommand`s; only the worker touches sockets.

pub mod agent;
pub mod app;
pub mod decimate;
pub mod demo;
pub mod diagnostics;
pub use sctp_core::forms;
pub mod headless;
pub mod kernel;
pub mod panels;
pub mod remote;
pub mod shortcuts;
pub mod widgets;

pub use app::InspectorApp;

/// The window's icon (assets/icons, also installed with the desktop entry).
pub fn window_icon() -> Result<std::sync::Arc<egui::IconData>, String> {
    let png = include_bytes!("../../assets/icons/sctp-inspector-128.png");
    eframe::icon_data::from_png_bytes(png).map(std::sync::Arc::new).map_err(|e| e.to_string())
}
