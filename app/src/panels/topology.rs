//! The path topology of the selected association: this end's addresses on the left, each
//! peer address on the right, one edge per path (RFC 9260 §6.4: a path is a peer
//! address) coloured by its state, labelled with srtt, rto and cwnd; the primary drawn bold.
//! Each path has its one-click actions: make primary, heartbeat now, ask the peer to use
//! one of our addresses as its primary. A path that just changed state pulses for a few
//! seconds, ringed in its new colour and labelled with what it was.

use super::Ctx;
use super::associations::{heartbeat, set};
use crate::widgets::{explained, path_color};
use egui::{Align2, FontId, Pos2, Rect, RichText, Sense, Stroke, Ui, Vec2};
use sctp_core::explain::Topic;
use sctp_core::options::{OptionValue, PrimaryAddr, SetPeerPrimaryAddr};

/// How long a path's state change is animated, seconds.
pub const PULSE_S: f64 = 3.0;

/// The whole tab.
pub fn ui(ui: &mut Ui, cx: &mut Ctx) {
    let Some((ep, assoc)) = cx.sel.ep.zip(cx.sel.assoc) else {
        ui.label("Select an association to see its paths.");
        return;
    };
    let Some(view) = cx.model.endpoints.get(&ep) else { return };
    let Some(a) = view.assocs.get(&assoc) else { return };
    let local = view.local_addrs.clone();
    let paths = a.paths.clone();
    let primary = a.status.and_then(|s| s.primary.addr);
    ui.label(format!(
        "Association {} on ep{}: {} local address(es), {} path(s)",
        assoc.0,
        ep.0,
        local.len(),
        paths.len()
    ));
    let rows = paths.len().max(local.len()).max(1) as f32;
    let size = Vec2::new(ui.available_width().clamp(480.0, 900.0), 70.0 * rows + 30.0);
    let (rect, _) = ui.allocate_exact_size(size, Sense::hover());
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals().clone();
    let node = Vec2::new(170.0, 30.0);
    let row_y = |i: usize, n: usize| {
        let n = n.max(1) as f32;
        rect.top() + 15.0 + (i as f32 + 0.5) * (rect.height() - 30.0) / n
    };
    let left_x = rect.left() + 10.0 + node.x / 2.0;
    let right_x = rect.right() - 10.0 - node.x / 2.0;
    // This end's addresses share every path (the kernel picks the source per packet), so
    // the edges start from the middle of the local column.
    let hub = Pos2::new(left_x + node.x / 2.0, rect.center().y);
    for (i, addr) in local.iter().enumerate() {
        let c = Pos2::new(left_x, row_y(i, local.len()));
        let r = Rect::from_center_size(c, node);
        painter.rect_stroke(r, 4.0, Stroke::new(1.0, visuals.text_color()), egui::StrokeKind::Inside);
        painter.text(c, Align2::CENTER_CENTER, addr.to_string(), FontId::monospace(12.0), visuals.text_color());
        painter.line_segment([r.right_center(), hub], Stroke::new(1.0, visuals.weak_text_color()));
    }
    for (i, p) in paths.iter().enumerate() {
        let Some(addr) = p.addr else { continue };
        let c = Pos2::new(right_x, row_y(i, paths.len()));
        let r = Rect::from_center_size(c, node);
        let is_primary = Some(addr) == primary;
        let color = path_color(p.state);
        painter.line_segment([hub, r.left_center()], Stroke::new(if is_primary { 4.0 } else { 2.0 }, color));
        let mid = hub + (r.left_center() - hub) * 0.5;
        let label = format!(
            "{}{} · srtt {:.0} ms · rto {} ms · cwnd {}",
            if is_primary { "primary · " } else { "" },
            p.state.name(),
            p.srtt_ms,
            p.rto_ms,
            p.cwnd
        );
        painter.text(mid + Vec2::new(0.0, -4.0), Align2::CENTER_BOTTOM, label, FontId::proportional(12.0), color);
        painter.rect_filled(r, 4.0, color);
        painter.text(c, Align2::CENTER_CENTER, addr.to_string(), FontId::monospace(12.0), egui::Color32::BLACK);
        if let Some((at, before)) = cx.model.path_state_changed(ep, assoc, addr)
            && cx.live
            && (0.0..PULSE_S).contains(&(cx.model.now - at))
        {
            // A ring that grows and fades, once per second, until the change is PULSE_S old.
            let age = cx.model.now - at;
            let phase = (ui.input(|i| i.time) % 1.0) as f32;
            let fade = (1.0 - age / PULSE_S) as f32;
            let ring = r.expand(2.0 + 10.0 * phase);
            painter.rect_stroke(
                ring,
                6.0,
                Stroke::new(3.0, color.gamma_multiply(fade * (1.0 - phase))),
                egui::StrokeKind::Outside,
            );
            painter.text(
                r.center_bottom() + Vec2::new(0.0, 4.0),
                Align2::CENTER_TOP,
                format!("{} -> {} {:.1} s ago", before.name(), p.state.name(), age),
                FontId::proportional(11.0),
                color,
            );
            ui.ctx().request_repaint();
        }
        let resp = ui.interact(r, egui::Id::unique(("topology-path", addr)), Sense::hover());
        explained(resp, Topic::PathState(p.state), cx.out);
    }
    ui.add_space(6.0);
    egui::Grid::new("topology-actions").num_columns(4).show(ui, |ui| {
        for p in &paths {
            let Some(addr) = p.addr else { continue };
            ui.label(RichText::new(addr.to_string()).monospace());
            if ui.button("make primary").on_hover_text("SCTP_PRIMARY_ADDR on this association").clicked() {
                cx.send(set(ep, assoc, OptionValue::PrimaryAddr(PrimaryAddr { addr: Some(addr) })));
            }
            if ui.button("heartbeat now").on_hover_text("SCTP_PEER_ADDR_PARAMS with SPP_HB_DEMAND").clicked() {
                cx.send(heartbeat(ep, assoc, addr));
            }
            if let Some((at, before)) = cx.model.path_state_changed(ep, assoc, addr) {
                ui.label(format!("{} since {at:.1} s (was {})", p.state.name(), before.name()));
            }
            ui.end_row();
        }
        for addr in &local {
            ui.label(RichText::new(addr.to_string()).monospace());
            let ask = ui.button("ask peer to use as its primary");
            if ask.on_hover_text("SCTP_SET_PEER_PRIMARY_ADDR: an ASCONF to the peer (RFC 5061)").clicked() {
                cx.send(set(ep, assoc, OptionValue::SetPeerPrimaryAddr(SetPeerPrimaryAddr { addr: Some(*addr) })));
            }
            ui.end_row();
        }
    });
}
