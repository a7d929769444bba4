//! The status bar: whether the kernel has SCTP (and, if not, why and what to do), HZ,
//! sampling rate, and counts.

use super::Ctx;
use crate::widgets::error_line;
use egui::{Color32, Ui};
use sctp_core::worker::{Command, SampleMethod};

pub struct StatusBar;

const RATES_MS: [u64; 5] = [50, 100, 250, 500, 1000];
const SHARES: [u8; 4] = [10, 25, 50, 100];

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
            if cx.model.sandbox {
                ui.colored_label(Color32::from_rgb(120, 160, 230), "sandbox kernel (User-Mode Linux)").on_hover_text(
                    "This host's kernel has no SCTP: the worker runs inside a User-Mode Linux kernel the app \
                     booted (tests/rig/rig), and this window drives it over the kernel's serial line.",
                );
            }
            if let Some(k) = &cx.model.kernel {
                ui.label(format!("Linux {}", k.release));
            }
            if let Some(hz) = cx.model.hz {
                ui.label(format!("HZ {} ({:?})", hz.hz, hz.source))
                    .on_hover_text("The kernel reports srtt in jiffies; HZ converts it to ms.");
            }
            if let Some(caps) = super::kernel::reported(cx) {
                let (on, off) = super::kernel::summary(&caps);
                ui.label(format!("extensions on: {on}"))
                    .on_hover_text(format!("off: {off}. The Kernel tab says why and how to turn them on."));
            }
            ui.separator();
            ui.label("sample every");
            let current = cx.model.sample_interval_ms;
            for ms in RATES_MS {
                if ui.selectable_label(current == ms, format!("{ms} ms")).clicked() && current != ms {
                    cx.send(Command::SetSampleInterval { ms });
                }
            }
            if let Some((method, period_ms, slowed)) = &cx.model.sampling {
                let by = match method {
                    SampleMethod::Dump => ui.label("by sock_diag dump").on_hover_text(
                        "One netlink dump per namespace reads every association; getsockopt only for the \
                         other paths of associations that moved a packet.",
                    ),
                    SampleMethod::Getsockopt { why } => ui
                        .colored_label(Color32::from_rgb(230, 160, 40), "by getsockopt")
                        .on_hover_text(format!("Three calls per association: {why}")),
                    cheaper @ SampleMethod::GetsockoptCheaper { .. } => {
                        ui.label("by getsockopt (cheaper here)").on_hover_text(format!(
                            "Sampling {cheaper}. Syscalls are cheap on this kernel, and the dump re-walks the \
                             kernel's association table for every datagram; the dump is measured again now and then."
                        ))
                    }
                };
                by.on_hover_text("How the worker samples its own associations");
                if *slowed {
                    ui.colored_label(
                        Color32::from_rgb(230, 160, 40),
                        format!("slowed to every {period_ms} ms to stay within its share of a core"),
                    );
                }
            }
            let share = cx.model.sampler_share_percent;
            egui::ComboBox::from_id_salt("sampler-share")
                .selected_text(format!("max {share} % CPU"))
                .show_ui(ui, |ui| {
                    for p in SHARES {
                        if ui.selectable_label(share == p, format!("at most {p} % of a core")).clicked() && share != p {
                            cx.send(Command::SetSamplerShare { percent: p });
                        }
                    }
                })
                .response
                .on_hover_text("The most of a core sampling may take; past it, the period stretches");
            ui.separator();
            let (open, assocs) = cx.model.open_counts();
            ui.label(format!(
                "{open} endpoints · {assocs} associations · {} messages · {} notifications · log {} (dropped {})",
                cx.model.data_messages,
                cx.model.notifications,
                cx.model.log.len(),
                cx.model.log.dropped()
            ));
            let (bound, wanted) = cx.model.history_bound();
            if bound < wanted {
                ui.colored_label(
                    Color32::from_rgb(230, 160, 40),
                    format!("history {bound} of {wanted} points per series"),
                )
                .on_hover_text(
                    "So many series are plotted that each keeps a shorter history, so that all of them together \
                         stay within the memory budget; the oldest points were dropped (counted in the plots' header).",
                );
            }
            let d = cx.model.dropped_events;
            if d.total() > 0 {
                ui.colored_label(Color32::from_rgb(230, 160, 40), format!("behind: {} events dropped", d.total()))
                    .on_hover_text(format!(
                        "This window fell behind the worker, which dropped {} rather than grow memory.",
                        d.describe()
                    ));
            }
            if let Some(c) = &cx.model.capture {
                let s = c.stats;
                let text = format!(
                    "{} {} packets, {:.1} MiB{}",
                    if c.running { "capturing" } else { "captured" },
                    s.packets,
                    s.bytes as f64 / f64::from(1 << 20),
                    if s.lost() > 0 { format!(", {} lost", s.lost()) } else { String::new() }
                );
                let color = if s.lost() > 0 { Color32::from_rgb(230, 160, 40) } else { ui.visuals().text_color() };
                ui.colored_label(color, text).on_hover_text(format!(
                    "{} ({}); {} past the {} MiB cap, {} dropped by the kernel, {} packet summaries not shown",
                    c.path.display(),
                    c.interfaces.join(", "),
                    s.over_cap,
                    c.max_bytes >> 20,
                    s.kernel_drops,
                    s.marks_dropped + cx.model.packets.dropped()
                ));
            }
        });
    }
}
