//! The status bar: whether the kernel has SCTP (and, if not, why and what to do), HZ,
//! sampling rate, and counts.

use super::Ctx;
use crate::widgets::error_line;
use egui::{Color32, Ui};
use sctp_core::worker::Command;

pub struct StatusBar;

const RATES_MS: [u64; 5] = [50, 100, 250, 500, 1000];

impl StatusBar {
    pub fn ui(&mut self, ui: &mut Ui, cx: &mut Ctx) {
        ui.horizontal_wrapped(|ui| {
            match &cx.model.kernel_sctp {
                Some(Ok(())) => {
                    ui.colored_label(Color32::from_rgb(60, 180, 75), "kernel SCTP available");
                }
                Some(Err(e)) => error_line(ui, &format!("no kernel SCTP — {e}")),
                None => {
                    ui.label("starting…");
                }
            }
            if let Some(hz) = cx.model.hz {
                ui.label(format!("HZ {} ({:?})", hz.hz, hz.source))
                    .on_hover_text("The kernel reports srtt in jiffies; HZ converts it to ms.");
            }
            ui.separator();
            ui.label("sample every");
            let current = cx.model.sample_interval_ms;
            for ms in RATES_MS {
                if ui.selectable_label(current == ms, format!("{ms} ms")).clicked() && current != ms {
                    cx.out.push(Command::SetSampleInterval { ms });
                }
            }
            ui.separator();
            let open = cx.model.endpoints.values().filter(|v| !v.closed).count();
            let assocs: usize = cx
                .model
                .endpoints
                .values()
                .filter(|v| !v.closed)
                .map(|v| v.assocs.values().filter(|a| !a.gone).count())
                .sum();
            ui.label(format!(
                "{open} endpoints · {assocs} associations · {} messages · {} notifications · log {} (dropped {})",
                cx.model.data_messages,
                cx.model.notifications,
                cx.model.log.len(),
                cx.model.log.dropped()
            ));
        });
    }
}
