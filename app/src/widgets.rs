//! Small reusable pieces: state colours and badges, validated text fields.

use egui::{Color32, RichText, Ui};
use sctp_core::{AssocState, PathState};

pub fn path_color(state: PathState) -> Color32 {
    match state {
        PathState::Active => Color32::from_rgb(60, 180, 75),
        PathState::PotentiallyFailed => Color32::from_rgb(240, 170, 30),
        PathState::Inactive => Color32::from_rgb(220, 50, 47),
        PathState::Unconfirmed => Color32::from_rgb(120, 140, 200),
        PathState::Unknown | PathState::Other(_) => Color32::GRAY,
    }
}

pub fn assoc_state_color(state: AssocState) -> Color32 {
    match state {
        AssocState::Established => Color32::from_rgb(60, 180, 75),
        AssocState::CookieWait | AssocState::CookieEchoed => Color32::from_rgb(120, 140, 200),
        AssocState::ShutdownPending
        | AssocState::ShutdownSent
        | AssocState::ShutdownReceived
        | AssocState::ShutdownAckSent => Color32::from_rgb(240, 170, 30),
        _ => Color32::GRAY,
    }
}

/// A coloured pill with a short text.
pub fn badge(ui: &mut Ui, text: &str, color: Color32) {
    egui::Frame::new().fill(color).inner_margin(egui::Margin::symmetric(4, 0)).corner_radius(3.0).show(ui, |ui| {
        ui.label(RichText::new(text).color(Color32::BLACK).small());
    });
}

/// A single-line text field with its label (labelled for accessibility and tests).
pub fn text_field(ui: &mut Ui, label: &str, text: &mut String, width: f32) -> egui::Response {
    ui.horizontal(|ui| {
        let l = ui.label(label);
        ui.add(egui::TextEdit::singleline(text).desired_width(width)).labelled_by(l.id)
    })
    .inner
}

/// Shows a validation or kernel error in red, wrapped.
pub fn error_line(ui: &mut Ui, text: &str) {
    ui.colored_label(Color32::from_rgb(220, 50, 47), text);
}

/// A button that builds a command from a form: on a click the command is queued, or the
/// form's error is kept and shown under the button until the next try.
pub fn submit(
    ui: &mut Ui,
    label: &str,
    error: &mut Option<String>,
    out: &mut Vec<crate::panels::AppCommand>,
    build: impl FnOnce() -> Result<sctp_core::worker::Command, String>,
) {
    if ui.button(label).clicked() {
        match build() {
            Ok(c) => {
                *error = None;
                out.push(crate::panels::AppCommand::Worker(c));
            }
            Err(e) => *error = Some(e),
        }
    }
    if let Some(e) = error {
        error_line(ui, e);
    }
}
