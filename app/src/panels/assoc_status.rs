//! The selected association's live status: SCTP_STATUS, every path's state, cwnd, srtt,
//! rto and mtu, and the association's counters (SCTP_GET_ASSOC_STATS), as last sampled.

use super::Ctx;
use crate::widgets::{badge, explained, path_color};
use egui::{RichText, Ui};
use sctp_core::AssocId;
use sctp_core::explain::Topic;
use sctp_core::worker::EpId;

pub fn ui(ui: &mut Ui, cx: &mut Ctx, ep: EpId, assoc: AssocId) {
    let Some(a) = cx.model.endpoints.get(&ep).and_then(|v| v.assocs.get(&assoc)) else { return };
    ui.strong(format!("Live status of association {}", assoc.0));
    if let Some(s) = a.status {
        egui::Grid::new("status").num_columns(2).show(ui, |ui| {
            for (k, field, v) in [
                ("state", "state", format!("{:?}", s.state)),
                ("peer rwnd", "rwnd", format!("{} B", s.rwnd)),
                ("unacked / pending", "unacked", format!("{} / {} chunks", s.unacked, s.pending)),
                ("streams in / out", "inbound_streams", format!("{} / {}", s.inbound_streams, s.outbound_streams)),
                ("fragmentation point", "fragmentation_point", format!("{} B", s.fragmentation_point)),
                ("primary", "primary", s.primary.addr.map(|a| a.to_string()).unwrap_or_default()),
            ] {
                explained(ui.label(k), Topic::StatusField(field), cx.out);
                let value = ui.label(v);
                if field == "state" {
                    explained(value, Topic::AssocState(s.state), cx.out);
                }
                ui.end_row();
            }
        });
    }
    egui::Grid::new("paths").num_columns(6).striped(true).show(ui, |ui| {
        for (h, field) in [
            ("path", "addr"),
            ("state", "state"),
            ("cwnd", "cwnd"),
            ("srtt", "srtt_ms"),
            ("rto", "rto_ms"),
            ("mtu", "mtu"),
        ] {
            explained(ui.label(RichText::new(h).weak()), Topic::PathField(field), cx.out);
        }
        ui.end_row();
        for p in &a.paths {
            ui.label(p.addr.map(|a| a.to_string()).unwrap_or_default());
            let state = badge(ui, p.state.name(), path_color(p.state));
            explained(state, Topic::PathState(p.state), cx.out);
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
