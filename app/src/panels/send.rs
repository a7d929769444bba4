//! Send on a chosen association, stream and PPID with flags, context and time-to-live;
//! payload as text, hex or a file; a repeat count and interval for bursts. An out-of-range
//! stream can still be sent, so the kernel's refusal can be seen.

use super::{AppCommand, Ctx};
use crate::app::FileAction;
use crate::forms::{self, PPID_PRESETS};
use crate::widgets::{explained, submit, text_field};
use egui::Ui;
use sctp_core::explain::Topic;
use sctp_core::worker::{Command, EpId};
use sctp_core::{AssocId, SendFlags, SendInfo};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PayloadKind {
    #[default]
    Text,
    Hex,
    File,
}

#[derive(Serialize, Deserialize)]
#[serde(default)]
pub struct SendPanel {
    pub stream: String,
    pub ppid: String,
    pub flags: SendFlags,
    pub dest: String,
    pub context: String,
    pub ttl_ms: String,
    /// Partial reliability by retransmissions or priority (TTL has its own field).
    pub pr_policy: sctp_core::options::PrPolicy,
    pub pr_value: String,
    pub kind: PayloadKind,
    pub text: String,
    pub hex: String,
    pub file: Option<PathBuf>,
    pub count: String,
    pub interval_ms: String,
    #[serde(skip)]
    pub error: Option<String>,
}

impl Default for SendPanel {
    fn default() -> Self {
        SendPanel {
            stream: "0".into(),
            ppid: "46".into(),
            flags: SendFlags::default(),
            dest: String::new(),
            context: "0".into(),
            ttl_ms: "0".into(),
            pr_policy: sctp_core::options::PrPolicy::None,
            pr_value: "0".into(),
            kind: PayloadKind::Text,
            text: "hello".into(),
            hex: String::new(),
            file: None,
            count: "1".into(),
            interval_ms: "0".into(),
            error: None,
        }
    }
}

impl SendPanel {
    pub fn payload(&self) -> Result<Vec<u8>, String> {
        match self.kind {
            PayloadKind::Text => Ok(self.text.as_bytes().to_vec()),
            PayloadKind::Hex => forms::parse_hex("payload", &self.hex),
            PayloadKind::File => {
                let path = self.file.as_ref().ok_or("payload: choose a file first")?;
                sctp_core::files::read_capped(path, sctp_core::files::MAX_PAYLOAD, "payload file")
            }
        }
    }

    pub fn command(&self, ep: EpId, assoc: AssocId) -> Result<Command, String> {
        let dest = if self.flags.addr_over {
            Some(forms::parse_socket_addrs("destination", &self.dest, None)?[0])
        } else {
            None
        };
        let info = SendInfo {
            assoc,
            stream: forms::parse_num("stream", &self.stream, 0, 65535)? as u16,
            ppid: forms::parse_num("ppid", &self.ppid, 0, u32::MAX as u64)? as u32,
            flags: self.flags,
            context: forms::parse_num("context", &self.context, 0, u32::MAX as u64)? as u32,
            time_to_live_ms: forms::parse_num("time-to-live", &self.ttl_ms, 0, u32::MAX as u64)? as u32,
            pr_policy: self.pr_policy,
            pr_value: forms::parse_num("PR value", &self.pr_value, 0, u32::MAX as u64)? as u32,
            dest,
        };
        Ok(Command::Send {
            ep,
            info,
            payload: self.payload()?,
            count: forms::parse_num("count", &self.count, 1, 1_000_000)? as u32,
            interval_ms: forms::parse_num("interval", &self.interval_ms, 0, 60_000)? as u32,
        })
    }

    pub fn ui(&mut self, ui: &mut Ui, cx: &mut Ctx) {
        let (Some(ep), Some(assoc)) = (cx.sel.ep, cx.sel.assoc) else {
            ui.label("Select an association to send on it.");
            return;
        };
        let status = cx.model.endpoints.get(&ep).and_then(|v| v.assocs.get(&assoc)).and_then(|a| a.status);
        ui.strong(format!("Send on ep{} association {}", ep.0, assoc.0));
        ui.horizontal(|ui| {
            explained(text_field(ui, "Stream", &mut self.stream, 50.0), Topic::SendField("stream"), cx.out);
            if let Some(s) = status {
                ui.label(format!("negotiated 0..{}", s.outbound_streams.saturating_sub(1)));
            }
        });
        ui.horizontal(|ui| {
            explained(text_field(ui, "PPID", &mut self.ppid, 80.0), Topic::SendField("ppid"), cx.out);
            egui::ComboBox::from_label("presets").selected_text("choose").show_ui(ui, |ui| {
                for (ppid, name) in PPID_PRESETS {
                    if ui.selectable_label(false, format!("{ppid} {name}")).clicked() {
                        self.ppid = ppid.to_string();
                    }
                }
            });
            if let Some(name) = self.ppid.trim().parse().ok().and_then(forms::ppid_name) {
                ui.label(name);
            }
        });
        ui.horizontal_wrapped(|ui| {
            explained(ui.label("flags"), Topic::SendField("flags"), cx.out);
            ui.checkbox(&mut self.flags.unordered, "unordered");
            ui.checkbox(&mut self.flags.sack_immediately, "sack_immediately");
            ui.checkbox(&mut self.flags.eof, "eof");
            ui.checkbox(&mut self.flags.abort, "abort");
            ui.checkbox(&mut self.flags.addr_over, "addr_over");
        });
        if self.flags.addr_over {
            let paths: Vec<String> = cx
                .model
                .endpoints
                .get(&ep)
                .and_then(|v| v.assocs.get(&assoc))
                .map(|a| a.paths.iter().filter_map(|p| p.addr).map(|a| a.to_string()).collect())
                .unwrap_or_default();
            ui.horizontal(|ui| {
                explained(text_field(ui, "Destination", &mut self.dest, 140.0), Topic::SendField("dest"), cx.out);
                for p in paths {
                    if ui.small_button(&p).clicked() {
                        self.dest = p;
                    }
                }
            });
        }
        ui.horizontal(|ui| {
            explained(text_field(ui, "Context", &mut self.context, 70.0), Topic::SendField("context"), cx.out);
            let ttl = text_field(ui, "Time-to-live (ms)", &mut self.ttl_ms, 60.0);
            explained(ttl, Topic::SendField("time_to_live_ms"), cx.out);
        });
        ui.horizontal(|ui| {
            use sctp_core::options::PrPolicy;
            let label = ui.label("PR policy");
            explained(label, Topic::SendField("pr_policy"), cx.out);
            for (p, name) in [(PrPolicy::None, "TTL / none"), (PrPolicy::Rtx, "RTX"), (PrPolicy::Prio, "PRIO")] {
                ui.selectable_value(&mut self.pr_policy, p, name);
            }
            if self.pr_policy != PrPolicy::None {
                let unit = if self.pr_policy == PrPolicy::Rtx { "Retransmissions" } else { "Priority" };
                explained(text_field(ui, unit, &mut self.pr_value, 50.0), Topic::SendField("pr_value"), cx.out);
            }
        });
        ui.horizontal(|ui| {
            ui.label("Payload");
            ui.selectable_value(&mut self.kind, PayloadKind::Text, "text");
            ui.selectable_value(&mut self.kind, PayloadKind::Hex, "hex");
            ui.selectable_value(&mut self.kind, PayloadKind::File, "file");
        });
        match self.kind {
            PayloadKind::Text => {
                text_field(ui, "Text", &mut self.text, 220.0);
            }
            PayloadKind::Hex => {
                text_field(ui, "Hex", &mut self.hex, 220.0);
            }
            PayloadKind::File => {
                ui.horizontal(|ui| {
                    if ui.button("Choose file…").clicked() {
                        cx.out.push(AppCommand::PickFile(FileAction::PayloadFile));
                    }
                    ui.label(self.file.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "no file".into()));
                });
            }
        }
        ui.horizontal(|ui| {
            text_field(ui, "Count", &mut self.count, 60.0);
            text_field(ui, "Interval (ms)", &mut self.interval_ms, 50.0);
        });
        let mut error = self.error.take();
        submit(ui, "Send now", &mut error, cx.out, || self.command(ep, assoc));
        self.error = error;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_send_with_flags_and_checks_fields() {
        let mut p = SendPanel { stream: "3".into(), ppid: "0x2e".into(), count: "10".into(), ..Default::default() };
        p.flags.unordered = true;
        let Command::Send { info, payload, count, .. } = p.command(EpId(1), AssocId(4)).unwrap() else { panic!() };
        assert_eq!((info.stream, info.ppid, info.flags.unordered, info.assoc, count), (3, 46, true, AssocId(4), 10));
        assert_eq!(payload, b"hello");
        p.stream = "65536".into();
        assert_eq!(p.command(EpId(1), AssocId(4)).unwrap_err(), "stream: 65536 is out of range 0..=65535");
        p.stream = "1".into();
        p.flags.addr_over = true;
        assert!(p.command(EpId(1), AssocId(4)).unwrap_err().starts_with("destination:"));
    }

    #[test]
    fn payload_kinds() {
        let p = SendPanel { kind: PayloadKind::Hex, hex: "01 02".into(), ..Default::default() };
        assert_eq!(p.payload().unwrap(), vec![1, 2]);
        let p = SendPanel { kind: PayloadKind::File, file: Some("/nonexistent/x".into()), ..Default::default() };
        assert!(p.payload().unwrap_err().starts_with("payload file /nonexistent/x: "));
        let p = SendPanel { kind: PayloadKind::File, file: None, ..Default::default() };
        assert_eq!(p.payload().unwrap_err(), "payload: choose a file first");
    }
}
