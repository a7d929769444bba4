//! The teaching panel: while teaching mode is on, it stays open beside the window and
//! explains whatever was hovered last (a form field, a status value, a state, a plotted
//! number), with its unit, kernel default, range and the RFC section it comes from.

use crate::widgets::explanation;
use egui::{RichText, Ui};

/// The panel's contents for the topic with key `key` (as `Topic::key` makes them).
pub fn ui(ui: &mut Ui, key: Option<&str>) {
    ui.heading("Teaching");
    ui.label(RichText::new("Hover over a field, value, state or plot to see what it means.").weak());
    ui.separator();
    let Some(key) = key else { return };
    match sctp_core::explain::table() {
        Ok(table) => match table.get(key) {
            Some(e) => {
                ui.strong(title(key));
                ui.monospace(key);
                ui.add_space(4.0);
                explanation(ui, e);
            }
            None => {
                ui.label(format!("no explanation for {key}"));
            }
        },
        Err(why) => crate::widgets::error_line(ui, why),
    }
}

/// `option.rtoinfo.initial` → `rtoinfo: initial`; `state.assoc.cookie_wait` → `cookie wait`.
fn title(key: &str) -> String {
    let parts: Vec<&str> = key.split('.').collect();
    match parts.as_slice() {
        ["option", option, field] => format!("{option}: {field}"),
        ["state" | "metric", _, name] => name.replace('_', " "),
        [_, rest @ ..] => rest.join(" ").replace('_', " "),
        [] => String::new(),
    }
}
