//! The tree endpoint -> association -> paths, with state badges; connect (blocking with a
//! timeout, or non-blocking) to one or several addresses with INIT parameters inline; per
//! association eof, abort, peeloff; per path set primary, heartbeat now, set peer primary.

use super::Ctx;
use crate::forms;
use crate::widgets::{assoc_state_color, badge, error_line, path_color, submit, text_field};
use egui::{RichText, Ui};
use sctp_core::explain::Topic;
use sctp_core::options::{InitMsg, OptionValue, PeerAddrParams, PrimaryAddr, SetPeerPrimaryAddr};
use sctp_core::worker::{Command, EpId};
use sctp_core::{AssocId, Scope};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

/// How far associations and paths are indented under their endpoint.
const INDENT: f32 = 16.0;

/// One line of the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Endpoint(EpId),
    Assoc(EpId, AssocId),
    /// A path, by its index in the association's paths.
    Path(EpId, AssocId, usize),
    /// A path the sampler could not read, by its index.
    Unreadable(EpId, AssocId, usize),
}

/// The tree's lines, in order: each open endpoint, its live associations, their paths.
pub fn rows(model: &sctp_core::model::Model) -> Vec<Row> {
    let mut rows = Vec::new();
    for (&ep, view) in model.endpoints.iter().filter(|(_, v)| !v.closed) {
        rows.push(Row::Endpoint(ep));
        for (&assoc, a) in view.assocs.iter().filter(|(_, a)| !a.gone) {
            rows.push(Row::Assoc(ep, assoc));
            rows.extend((0..a.paths.len()).filter(|i| a.paths[*i].addr.is_some()).map(|i| Row::Path(ep, assoc, i)));
            rows.extend((0..a.unreadable_paths.len()).map(|i| Row::Unreadable(ep, assoc, i)));
        }
    }
    rows
}

#[derive(Serialize, Deserialize)]
#[serde(default)]
pub struct AssociationsPanel {
    pub peers: String,
    pub port: String,
    pub ostreams: String,
    pub instreams: String,
    pub blocking: bool,
    pub timeout_ms: String,
    #[serde(skip)]
    pub error: Option<String>,
}

impl Default for AssociationsPanel {
    fn default() -> Self {
        AssociationsPanel {
            peers: "127.0.0.1".into(),
            port: "2006".into(),
            ostreams: "10".into(),
            instreams: "10".into(),
            blocking: true,
            timeout_ms: "3000".into(),
            error: None,
        }
    }
}

impl AssociationsPanel {
    pub fn connect_command(&self, ep: EpId) -> Result<Command, String> {
        let port = forms::parse_num("peer port", &self.port, 1, 65535)? as u16;
        let addrs = forms::parse_socket_addrs("peer addresses", &self.peers, Some(port))?;
        let init = InitMsg {
            num_ostreams: forms::parse_num("out streams", &self.ostreams, 1, 65535)? as u16,
            max_instreams: forms::parse_num("in streams", &self.instreams, 1, 65535)? as u16,
            ..Default::default()
        };
        let timeout_ms =
            if self.blocking { Some(forms::parse_num("timeout", &self.timeout_ms, 1, 600_000)?) } else { None };
        Ok(Command::Connect { ep, addrs, init: Some(init), timeout_ms })
    }

    pub fn ui(&mut self, ui: &mut Ui, cx: &mut Ctx) {
        self.tree(ui, cx);
        ui.separator();
        match cx.sel.ep.filter(|ep| cx.model.endpoints.get(ep).is_some_and(|v| !v.closed)) {
            Some(ep) => self.connect_form(ui, cx, ep),
            None => {
                ui.label("Select an endpoint to connect from it.");
            }
        }
    }

    fn tree(&mut self, ui: &mut Ui, cx: &mut Ctx) {
        ui.heading("Associations");
        let rows = rows(cx.model);
        // Only the rows in view are laid out: a thousand associations cost what a screenful does.
        let row_height = ui.spacing().interact_size.y + ui.spacing().item_spacing.y;
        egui::ScrollArea::vertical()
            .id_salt("association-tree")
            .max_height((ui.available_height() * 0.55).max(120.0))
            .auto_shrink([false, true])
            .show_rows(ui, row_height, rows.len(), |ui, range| {
                for row in &rows[range] {
                    Self::row(ui, cx, *row);
                }
            });
    }

    fn row(ui: &mut Ui, cx: &mut Ctx, row: Row) {
        let model = cx.model;
        match row {
            Row::Endpoint(ep) => {
                let Some(view) = model.endpoints.get(&ep) else { return };
                let selected = cx.sel.ep == Some(ep) && cx.sel.assoc.is_none();
                let title = format!("ep{} {} ({:?})", ep.0, view.label, view.style);
                if ui.selectable_label(selected, RichText::new(title).strong()).clicked() {
                    *cx.sel = super::Selection { ep: Some(ep), assoc: None };
                }
            }
            Row::Assoc(ep, assoc) => {
                let Some(a) = model.endpoints.get(&ep).and_then(|v| v.assocs.get(&assoc)) else { return };
                ui.horizontal(|ui| {
                    ui.add_space(INDENT);
                    let sel = cx.sel.ep == Some(ep) && cx.sel.assoc == Some(assoc);
                    if ui.selectable_label(sel, format!("assoc {}", assoc.0)).clicked() {
                        *cx.sel = super::Selection { ep: Some(ep), assoc: Some(assoc) };
                    }
                    if let Some(s) = a.status {
                        let state = badge(ui, &format!("{:?}", s.state), assoc_state_color(s.state));
                        crate::widgets::explained(state, Topic::AssocState(s.state), cx.out);
                        ui.label(format!("in {} out {}", s.inbound_streams, s.outbound_streams));
                    }
                });
            }
            Row::Path(ep, assoc, i) => {
                let Some(a) = model.endpoints.get(&ep).and_then(|v| v.assocs.get(&assoc)) else { return };
                let Some(p) = a.paths.get(i) else { return };
                let Some(addr) = p.addr else { return };
                let primary = a.status.and_then(|s| s.primary.addr);
                ui.horizontal(|ui| {
                    ui.add_space(INDENT);
                    let state = badge(ui, p.state.name(), path_color(p.state));
                    crate::widgets::explained(state, Topic::PathState(p.state), cx.out);
                    let mark = if Some(addr) == primary { "  (primary)" } else { "" };
                    ui.label(format!("{addr}{mark}"));
                    if ui.small_button("primary").on_hover_text("Set as primary path").clicked() {
                        cx.send(set(ep, assoc, OptionValue::PrimaryAddr(PrimaryAddr { addr: Some(addr) })));
                    }
                    if ui.small_button("heartbeat").on_hover_text("Send a heartbeat now").clicked() {
                        cx.send(heartbeat(ep, assoc, addr));
                    }
                });
            }
            Row::Unreadable(ep, assoc, i) => {
                let Some(a) = model.endpoints.get(&ep).and_then(|v| v.assocs.get(&assoc)) else { return };
                let Some((addr, e)) = a.unreadable_paths.get(i) else { return };
                ui.horizontal(|ui| {
                    ui.add_space(INDENT);
                    error_line(ui, &format!("{addr}: {e}"));
                });
            }
        }
    }

    fn connect_form(&mut self, ui: &mut Ui, cx: &mut Ctx, ep: EpId) {
        ui.strong(format!("Connect from ep{}", ep.0));
        text_field(ui, "Peer addresses", &mut self.peers, 180.0)
            .on_hover_text("Comma-separated; several addresses of one peer = connectx");
        text_field(ui, "Peer port", &mut self.port, 60.0);
        ui.horizontal(|ui| {
            text_field(ui, "Out streams", &mut self.ostreams, 40.0);
            text_field(ui, "In streams", &mut self.instreams, 40.0);
        });
        ui.horizontal(|ui| {
            ui.checkbox(&mut self.blocking, "wait for COMM_UP");
            if self.blocking {
                text_field(ui, "Timeout (ms)", &mut self.timeout_ms, 60.0);
            }
        });
        let command = self.connect_command(ep);
        submit(ui, "Connect", &mut self.error, cx.out, || command);
        if let Some(assoc) = cx.sel.assoc {
            ui.separator();
            ui.strong(format!("Association {}", assoc.0));
            ui.horizontal(|ui| {
                if ui.button("EOF").on_hover_text("Graceful shutdown").clicked() {
                    cx.send(Command::Eof { ep, assoc });
                }
                if ui.button("Abort").clicked() {
                    cx.send(Command::Abort { ep, assoc, reason: "aborted from sctp-inspector".into() });
                }
                if ui.button("Peeloff").on_hover_text("Move to its own one-to-one socket").clicked() {
                    cx.send(Command::Peeloff { ep, assoc });
                }
            });
            let locals = cx.model.endpoints.get(&ep).map(|v| v.local_addrs.clone()).unwrap_or_default();
            ui.horizontal_wrapped(|ui| {
                ui.label("Ask peer to use as primary:");
                for addr in locals {
                    if ui.small_button(addr.to_string()).clicked() {
                        let v = OptionValue::SetPeerPrimaryAddr(SetPeerPrimaryAddr { addr: Some(addr) });
                        cx.send(set(ep, assoc, v));
                    }
                }
            });
        }
    }
}

/// Sets an option on one association.
pub(super) fn set(ep: EpId, assoc: AssocId, value: OptionValue) -> Command {
    Command::SetOption { ep, scope: Scope::Assoc(assoc), value }
}

/// Asks for a heartbeat to `addr` now (SCTP_PEER_ADDR_PARAMS with SPP_HB_DEMAND).
pub(super) fn heartbeat(ep: EpId, assoc: AssocId, addr: SocketAddr) -> Command {
    set(
        ep,
        assoc,
        OptionValue::PeerAddrParams(PeerAddrParams { address: Some(addr), hb_demand: true, ..Default::default() }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_form_builds_connectx_with_initmsg() {
        let p = AssociationsPanel { peers: "10.1.1.2, 10.2.2.2".into(), port: "6000".into(), ..Default::default() };
        let Command::Connect { addrs, init, timeout_ms, .. } = p.connect_command(EpId(1)).unwrap() else { panic!() };
        assert_eq!(addrs.len(), 2);
        assert_eq!(init.unwrap().num_ostreams, 10);
        assert_eq!(timeout_ms, Some(3000));
        let bad = AssociationsPanel { ostreams: "0".into(), ..Default::default() };
        assert_eq!(bad.connect_command(EpId(1)).unwrap_err(), "out streams: 0 is out of range 1..=65535");
    }
}
