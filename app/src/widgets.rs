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
pub fn badge(ui: &mut Ui, text: &str, color: Color32) -> egui::Response {
    egui::Frame::new()
        .fill(color)
        .inner_margin(egui::Margin::symmetric(4, 0))
        .corner_radius(3.0)
        .show(ui, |ui| ui.label(RichText::new(text).color(Color32::BLACK).small()))
        .inner
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

/// Attaches a topic's explanation (from `sctp_core::explain`) to a widget: shown on hover,
/// and while hovered it is the topic the teaching panel shows.
pub fn explained(
    resp: egui::Response,
    topic: sctp_core::explain::Topic<'_>,
    out: &mut Vec<crate::panels::AppCommand>,
) -> egui::Response {
    let Some(e) = sctp_core::explain::explain(topic) else { return resp };
    if resp.hovered() {
        out.push(crate::panels::AppCommand::Explain(topic.key()));
    }
    resp.on_hover_ui(|ui| {
        ui.set_max_width(360.0);
        explanation(ui, e);
    })
}

/// An explanation: its text, then unit, kernel default, range and where it is defined.
pub fn explanation(ui: &mut Ui, e: &sctp_core::explain::Explanation) {
    ui.label(&e.text);
    egui::Grid::new("explanation-facts").num_columns(2).show(ui, |ui| {
        for (k, v) in [("unit", &e.unit), ("default", &e.default), ("range", &e.range)] {
            if let Some(v) = v {
                ui.label(RichText::new(k).weak());
                ui.label(v);
                ui.end_row();
            }
        }
        ui.label(RichText::new("defined in").weak());
        ui.label(&e.rfc);
        ui.end_row();
    });
}
