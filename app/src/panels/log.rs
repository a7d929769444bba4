//! The event log: every notification, received message, command and result, on the
//! worker's clock. Filter by kind, by the selected association and by text; follow; clear;
//! copy. The log is a bounded ring: how many entries fell off is shown.

use super::Ctx;
use egui::{Color32, RichText, Ui};
use sctp_core::model::{LogEntry, LogKind};
use serde::{Deserialize, Serialize};

const KINDS: [LogKind; 6] =
    [LogKind::Notification, LogKind::Data, LogKind::Result, LogKind::Error, LogKind::Endpoint, LogKind::Warning];

#[derive(Serialize, Deserialize)]
#[serde(default)]
pub struct LogPanel {
    pub hidden: Vec<LogKind>,
    pub only_selected: bool,
    pub text: String,
    pub follow: bool,
    /// Entries before this time are hidden ("clear" keeps the ring, so a recording stays
    /// whole). Not saved: the worker's clock starts again at 0 in every session.
    #[serde(skip, default = "minus_infinity")]
    pub cleared_at: f64,
    /// Put the cursor in the filter on the next frame (a keyboard shortcut asked).
    #[serde(skip)]
    pub focus_filter: bool,
}

fn minus_infinity() -> f64 {
    f64::MIN
}

impl Default for LogPanel {
    fn default() -> Self {
        LogPanel {
            hidden: Vec::new(),
            only_selected: false,
            text: String::new(),
            follow: true,
            cleared_at: f64::MIN,
            focus_filter: false,
        }
    }
}

pub fn kind_color(kind: LogKind) -> Color32 {
    match kind {
        LogKind::Notification => Color32::from_rgb(120, 160, 230),
        LogKind::Data => Color32::from_rgb(110, 190, 110),
        LogKind::Result => Color32::from_rgb(200, 200, 200),
        LogKind::Error => Color32::from_rgb(235, 80, 70),
        LogKind::Endpoint => Color32::from_rgb(190, 160, 230),
        LogKind::Warning => Color32::from_rgb(240, 170, 30),
    }
}

impl LogPanel {
    pub fn visible<'a>(&self, entries: impl Iterator<Item = &'a LogEntry>, cx: &Ctx) -> Vec<&'a LogEntry> {
        let needle = self.text.to_lowercase();
        entries
            .filter(|e| e.t >= self.cleared_at && !self.hidden.contains(&e.kind))
            .filter(|e| {
                !self.only_selected || (e.ep == cx.sel.ep && (cx.sel.assoc.is_none() || e.assoc == cx.sel.assoc))
            })
            .filter(|e| needle.is_empty() || e.text().to_lowercase().contains(&needle))
            .collect()
    }

    pub fn ui(&mut self, ui: &mut Ui, cx: &mut Ctx) {
        ui.horizontal_wrapped(|ui| {
            ui.strong("Event log");
            for kind in KINDS {
                let mut shown = !self.hidden.contains(&kind);
                if ui.checkbox(&mut shown, RichText::new(format!("{kind:?}")).color(kind_color(kind))).changed() {
                    self.hidden.retain(|k| *k != kind);
                    if !shown {
                        self.hidden.push(kind);
                    }
                }
            }
            ui.checkbox(&mut self.only_selected, "selected only");
            let l = ui.label("Filter");
            let filter = ui.add(egui::TextEdit::singleline(&mut self.text).desired_width(120.0)).labelled_by(l.id);
            if std::mem::take(&mut self.focus_filter) {
                filter.request_focus();
            }
            ui.checkbox(&mut self.follow, "follow");
            if ui.button("Clear").clicked() {
                self.cleared_at = cx.model.now;
            }
            let rows = self.visible(cx.model.log.iter(), cx);
            if ui.button("Copy").clicked() {
                let text: Vec<String> = rows.iter().map(|e| format_entry(e)).collect();
                ui.ctx().copy_text(text.join("\n"));
            }
            ui.label(format!(
                "{} shown · {} kept · {} dropped",
                rows.len(),
                cx.model.log.len(),
                cx.model.log.dropped()
            ));
        });
        let rows = self.visible(cx.model.log.iter(), cx);
        let row_h = ui.text_style_height(&egui::TextStyle::Monospace);
        egui::ScrollArea::both().auto_shrink([false, false]).stick_to_bottom(self.follow).show_rows(
            ui,
            row_h,
            rows.len(),
            |ui, range| {
                let captured = cx.model.capture.is_some();
                for e in &rows[range] {
                    let label = egui::Label::new(RichText::new(format_entry(e)).monospace().color(kind_color(e.kind)))
                        .extend()
                        .sense(egui::Sense::click());
                    let row = ui.add(label);
                    if captured {
                        row.context_menu(|ui| {
                            if ui.button(AROUND).clicked() {
                                let assoc = e.ep.zip(e.assoc);
                                let range = Some((e.t - AROUND_S, e.t + AROUND_S));
                                if let Some(filter) = super::chunks::wireshark_filter(cx.model, assoc, range) {
                                    cx.out.push(super::AppCommand::Wireshark { filter });
                                }
                                ui.close();
                            }
                        });
                    }
                }
            },
        );
    }
}

/// The log entry's menu item that opens the packets around it.
pub const AROUND: &str = "Packets around this in Wireshark (±1 s)";
const AROUND_S: f64 = 1.0;

pub fn format_entry(e: &LogEntry) -> String {
    let ep = e.ep.map(|ep| format!("ep{}", ep.0)).unwrap_or_default();
    format!("{:>9.3}  {:<12} {:<4} {}", e.t, format!("{:?}", e.kind), ep, e.text())
}
