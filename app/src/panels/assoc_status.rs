//! The selected association's live status: SCTP_STATUS, every path's state, cwnd, srtt,
//! rto and mtu, and the association's counters (SCTP_GET_ASSOC_STATS), as last sampled.

use super::Ctx;
use crate::widgets::{badge, path_color};
use egui::{RichText, Ui};
use sctp_core::AssocId;
use sctp_core::worker::EpId;

pub fn ui(ui: &mut Ui, cx: &Ctx, ep: EpId, assoc: AssocId) {
    let Some(a) = cx.model.endpoints.get(&ep).and_then(|v| v.assocs.get(&assoc)) else { return };
    ui.strong(format!("Live status of association {}", assoc.0));
    if let Some(s) = a.status {
        egui::Grid::new("status").num_columns(2).show(ui, |ui| {
            for (k, v) in [
                ("state", format!("{:?}", s.state)),
                ("peer rwnd", format!("{} B", s.rwnd)),
                ("unacked / pending", format!("{} / {} chunks", s.unacked, s.pending)),
                ("streams in / out", format!("{} / {}", s.inbound_streams, s.outbound_streams)),
                ("fragmentation point", format!("{} B", s.fragmentation_point)),
                ("primary", s.primary.addr.map(|a| a.to_string()).unwrap_or_default()),
            ] {
                ui.label(k);
                ui.label(v);
                ui.end_row();
            }
        });
    }
    egui::Grid::new("paths").num_columns(6).striped(true).show(ui, |ui| {
        for h in ["path", "state", "cwnd", "srtt", "rto", "mtu"] {
            ui.label(RichText::new(h).weak());
        }
        ui.end_row();
        for p in &a.paths {
            ui.label(p.addr.map(|a| a.to_string()).unwrap_or_default());
            badge(ui, p.state.name(), path_color(p.state));
            ui.label(p.cwnd.to_string());
            ui.label(format!("{:.0} ms", p.srtt_ms));
            ui.label(format!("{} ms", p.rto_ms));
            ui.label(p.mtu.to_string());
            ui.end_row();
        }
    });
    if let Some(st) = a.stats {
        ui.label(format!(
            "packets out/in {}/{} · retransmitted {} · gap acks {} · SACKs in/out {}/{} · dup in {}",
            st.packets_out,
            st.packets_in,
            st.retransmitted_chunks,
            st.gap_acks_in,
            st.sacks_in,
            st.sacks_out,
            st.duplicate_chunks_in
        ));
    }
}
