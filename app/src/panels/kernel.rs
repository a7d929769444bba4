//! The Kernel tab: the kernel under the worker (release, HZ), which SCTP extensions it
//! offers new associations and why the others are off, and every `net.sctp.*` sysctl.

use super::Ctx;
use crate::widgets::error_line;
use egui::{Color32, RichText, Ui};
use sctp_core::capabilities::{Capability, capabilities};

const ON: Color32 = Color32::from_rgb(60, 180, 75);
const OFF: Color32 = Color32::from_rgb(150, 150, 150);

/// The capabilities of the reported kernel, if it has reported its sysctls.
pub fn reported(cx: &Ctx) -> Option<Vec<Capability>> {
    cx.model.kernel.as_ref().and_then(|k| k.sysctls.as_ref().ok()).map(capabilities)
}

/// One line for the status bar: the extensions on and off.
pub fn summary(caps: &[Capability]) -> (String, String) {
    let names =
        |on: bool| caps.iter().filter(|c| c.enabled == on).map(|c| c.feature.name()).collect::<Vec<_>>().join(", ");
    (names(true), names(false))
}

/// The whole tab.
pub fn ui(ui: &mut Ui, cx: &Ctx) {
    let Some(kernel) = &cx.model.kernel else {
        ui.label(if cx.live {
            "The worker has not reported its kernel yet."
        } else {
            "This recording was made before the worker reported its kernel."
        });
        return;
    };
    ui.heading(format!("Linux {} · HZ {}", kernel.release, kernel.hz.hz));
    ui.label("What this kernel offers new associations, from its net.sctp.* sysctls (per network namespace).");
    let sysctls = match &kernel.sysctls {
        Ok(s) => s,
        Err(e) => {
            error_line(ui, &e.to_string());
            return;
        }
    };
    ui.add_space(6.0);
    // One block per extension: its facts on a line, the reason and remedy wrapped below it.
    for c in capabilities(sysctls) {
        ui.horizontal(|ui| {
            ui.add_sized([170.0, 18.0], egui::Label::new(RichText::new(c.feature.name()).strong()));
            let (color, state) = if c.enabled { (ON, "on") } else { (OFF, "off") };
            ui.add_sized([28.0, 18.0], egui::Label::new(RichText::new(state).color(color)));
            ui.monospace(&c.setting);
            ui.label(RichText::new(c.feature.rfc()).weak());
        });
        if let Some(note) = &c.note {
            ui.indent(("capability-note", c.feature.name()), |ui| {
                ui.add(egui::Label::new(note.as_str()).wrap());
            });
        }
        ui.add_space(3.0);
    }
    ui.add_space(8.0);
    egui::CollapsingHeader::new(format!("all {} net.sctp.* sysctls", sysctls.len())).show(ui, |ui| {
        egui::Grid::new("sysctls").num_columns(2).striped(true).show(ui, |ui| {
            for (name, value) in sysctls {
                ui.monospace(format!("net.sctp.{name}"));
                ui.monospace(value);
                ui.end_row();
            }
        });
    });
}
