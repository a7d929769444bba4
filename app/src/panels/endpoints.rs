//! Open endpoints (family, style, local addresses, port, namespace, socket options), and
//! per endpoint: listen, bindx add/remove, close.

use super::Ctx;
use crate::forms;
use crate::widgets::{explained, submit, text_field};
use egui::Ui;
use sctp_core::explain::Topic;
use sctp_core::worker::{Command, EpId};
use sctp_core::{EndpointConfig, Family, SocketOptions, Style};
use serde::{Deserialize, Serialize};

/// What the kernel does with recvtos / recvtclass / recvttl on SCTP sockets (the rig's
/// kernel test `elementary::recvtos_recvtclass_recvttl_are_accepted_on_sctp_but_no_control_message_is_delivered`).
pub const NOT_DELIVERED_ON_SCTP: &str = "Linux 6.1 accepts recvtos, recvtclass and recvttl on SCTP sockets but delivers \
     no TOS, traffic class or TTL with SCTP messages (UDP does); the log shows them per message if a kernel does.";

/// gen_sctp's elementary options that no Linux socket option stands behind, and whose they are.
pub const NOT_KERNEL_OPTIONS: [(&str, &str); 8] = [
    ("active", "Erlang runtime: how messages reach the owning process"),
    ("buffer", "Erlang runtime: the socket driver's user-level buffer"),
    ("mode", "Erlang runtime: data delivered as list or binary"),
    ("debug", "Erlang runtime: the socket driver's debug output"),
    ("high_msgq_watermark", "Erlang runtime: when the port's message queue counts as busy"),
    ("low_msgq_watermark", "Erlang runtime: when it stops counting as busy"),
    ("reuseport_lb", "the BSDs (SO_REUSEPORT_LB); Linux's reuseport balances already"),
    ("exclusiveaddruse", "Windows (SO_EXCLUSIVEADDRUSE)"),
];

#[derive(Serialize, Deserialize)]
#[serde(default)]
pub struct EndpointsPanel {
    pub label: String,
    pub family: Family,
    pub style: Style,
    pub addrs: String,
    pub port: String,
    pub netns: String,
    pub options: SocketOptions,
    pub sndbuf: String,
    pub rcvbuf: String,
    pub tos: String,
    pub tclass: String,
    pub ttl: String,
    pub priority: String,
    pub linger: String,
    pub backlog: String,
    pub bindx: String,
    #[serde(skip)]
    pub error: Option<String>,
}

impl Default for EndpointsPanel {
    fn default() -> Self {
        EndpointsPanel {
            label: "server".into(),
            family: Family::Ipv4,
            style: Style::OneToMany,
            addrs: "127.0.0.1".into(),
            port: "2006".into(),
            netns: String::new(),
            options: SocketOptions::default(),
            sndbuf: String::new(),
            rcvbuf: String::new(),
            tos: String::new(),
            tclass: String::new(),
            ttl: String::new(),
            priority: String::new(),
            linger: String::new(),
            backlog: "16".into(),
            bindx: String::new(),
            error: None,
        }
    }
}

impl EndpointsPanel {
    /// The endpoint described by the form, or what is wrong with it.
    pub fn config(&self) -> Result<EndpointConfig, String> {
        let addrs = forms::parse_ips("local addresses", &self.addrs)?;
        let port = forms::parse_num("port", &self.port, 0, 65535)? as u16;
        let optional = |field: &str, text: &str, min: u64, max: u64| -> Result<Option<u32>, String> {
            if text.trim().is_empty() {
                Ok(None)
            } else {
                forms::parse_num(field, text, min, max).map(|v| Some(v as u32))
            }
        };
        let options = SocketOptions {
            sndbuf: optional("sndbuf", &self.sndbuf, 1024, i32::MAX as u64)?,
            rcvbuf: optional("recbuf", &self.rcvbuf, 1024, i32::MAX as u64)?,
            tos: optional("tos", &self.tos, 0, 255)?.map(|v| v as u8),
            tclass: optional("tclass", &self.tclass, 0, 255)?.map(|v| v as u8),
            ttl: optional("ttl", &self.ttl, 1, 255)?.map(|v| v as u8),
            priority: optional("priority", &self.priority, 0, i32::MAX as u64)?,
            linger: optional("linger", &self.linger, 0, i32::MAX as u64)?,
            ..self.options.clone()
        };
        if self.family == Family::Ipv4 && addrs.iter().any(|a| a.is_ipv6()) {
            return Err("local addresses: an IPv4 endpoint cannot bind IPv6 addresses".into());
        }
        let netns = Some(self.netns.trim().to_string()).filter(|s| !s.is_empty());
        Ok(EndpointConfig { family: self.family, style: self.style, addrs, port, netns, options })
    }

    pub fn ui(&mut self, ui: &mut Ui, cx: &mut Ctx) {
        egui::CollapsingHeader::new("Open endpoint").default_open(true).show(ui, |ui| self.open_form(ui, cx));
        ui.separator();
        let open: Vec<EpId> = cx.model.endpoints.iter().filter(|(_, v)| !v.closed).map(|(id, _)| *id).collect();
        if let Some(ep) = cx.sel.ep.filter(|e| open.contains(e)) {
            self.actions(ui, cx, ep);
        }
    }

    fn open_form(&mut self, ui: &mut Ui, cx: &mut Ctx) {
        text_field(ui, "Label", &mut self.label, 140.0);
        ui.horizontal(|ui| {
            ui.label("Family");
            ui.selectable_value(&mut self.family, Family::Ipv4, "IPv4");
            ui.selectable_value(&mut self.family, Family::Ipv6, "IPv6");
        });
        ui.horizontal(|ui| {
            ui.label("Style");
            ui.selectable_value(&mut self.style, Style::OneToMany, "one-to-many (seqpacket)");
            ui.selectable_value(&mut self.style, Style::OneToOne, "one-to-one (stream)");
        });
        text_field(ui, "Local addresses", &mut self.addrs, 180.0)
            .on_hover_text("Comma-separated; several = multi-homed; empty = wildcard");
        text_field(ui, "Port", &mut self.port, 60.0).on_hover_text("0 = any free port");
        text_field(ui, "Network namespace", &mut self.netns, 120.0).on_hover_text(
            "A name from `ip netns list`, or lab:a / lab:b for the Lab tab's namespaces; empty = the worker's own",
        );
        egui::CollapsingHeader::new("Socket options").show(ui, |ui| {
            let out = &mut *cx.out;
            let about = |field| Topic::EndpointOption(field);
            explained(text_field(ui, "sndbuf", &mut self.sndbuf, 80.0), about("sndbuf"), out);
            explained(text_field(ui, "recbuf", &mut self.rcvbuf, 80.0), about("rcvbuf"), out);
            explained(text_field(ui, "tos", &mut self.tos, 40.0), about("tos"), out);
            explained(text_field(ui, "priority", &mut self.priority, 40.0), about("priority"), out);
            explained(text_field(ui, "linger (s)", &mut self.linger, 40.0), about("linger"), out);
            explained(ui.checkbox(&mut self.options.reuseaddr, "reuseaddr"), about("reuseaddr"), out);
            explained(ui.checkbox(&mut self.options.reuseport, "reuseport"), about("reuseport"), out);
            explained(ui.checkbox(&mut self.options.dontroute, "dontroute"), about("dontroute"), out);
            explained(ui.checkbox(&mut self.options.ipv6_v6only, "ipv6_v6only"), about("ipv6_v6only"), out);
            let nonblocking = ui.checkbox(&mut self.options.nonblocking_send, "non-blocking send");
            explained(nonblocking, about("nonblocking_send"), out);
            explained(text_field(ui, "tclass", &mut self.tclass, 40.0), about("tclass"), out);
            explained(text_field(ui, "ttl", &mut self.ttl, 40.0), about("ttl"), out);
            for (on, name, what) in [
                (&mut self.options.recvtos, "recvtos", "IP_RECVTOS"),
                (&mut self.options.recvtclass, "recvtclass", "IPV6_RECVTCLASS (IPv6 endpoints)"),
                (&mut self.options.recvttl, "recvttl", "IP_RECVTTL"),
            ] {
                ui.checkbox(on, name).on_hover_text(format!("{what}. {NOT_DELIVERED_ON_SCTP}"));
            }
            ui.small(NOT_DELIVERED_ON_SCTP);
            ui.separator();
            ui.small("gen_sctp options that are not kernel socket options on Linux:");
            for (name, whose) in NOT_KERNEL_OPTIONS {
                ui.horizontal(|ui| {
                    ui.add_enabled(false, egui::Checkbox::new(&mut false, name));
                    ui.small(whose);
                });
            }
        });
        let mut error = self.error.take();
        submit(ui, "Open", &mut error, cx.out, || {
            self.config().map(|config| Command::Open { label: self.label.clone(), config })
        });
        self.error = error;
    }

    fn actions(&mut self, ui: &mut Ui, cx: &mut Ctx, ep: EpId) {
        let Some(view) = cx.model.endpoints.get(&ep) else { return };
        ui.strong(format!("ep{} {}", ep.0, view.label));
        let addrs = view.local_addrs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        ui.label(format!("bound (kernel): {addrs}"));
        if let Some(a) = &view.applied {
            ui.label(applied_text(a)).on_hover_text(
                "Read back with getsockopt after open. The kernel doubles buffer requests (bookkeeping) and caps them \
                 at net.core.wmem_max / rmem_max.",
            );
        }
        ui.horizontal(|ui| {
            text_field(ui, "Backlog", &mut self.backlog, 40.0);
            if ui.button("Listen").clicked() {
                match forms::parse_num("backlog", &self.backlog, 1, 4096) {
                    Ok(b) => cx.send(Command::Listen { ep, backlog: b as i32 }),
                    Err(e) => self.error = Some(e),
                }
            }
            // A one-to-one socket cannot stop listening (listen(0) keeps a minimal queue).
            if view.style == Style::OneToMany && ui.button("Stop listening").clicked() {
                cx.send(Command::Listen { ep, backlog: 0 });
            }
        });
        ui.horizontal(|ui| {
            text_field(ui, "bindx", &mut self.bindx, 140.0);
            let port = view.local_addrs.first().map(|a| a.port());
            for (label, add) in [("Add", true), ("Remove", false)] {
                if ui.button(label).clicked() {
                    match forms::parse_socket_addrs("bindx", &self.bindx, port) {
                        Ok(addrs) if add => cx.send(Command::BindxAdd { ep, addrs }),
                        Ok(addrs) => cx.send(Command::BindxRemove { ep, addrs }),
                        Err(e) => self.error = Some(e),
                    }
                }
            }
        });
        if ui.button("Close endpoint").clicked() {
            cx.send(Command::Close { ep });
        }
    }
}

/// The read-back in one line: "kernel applied: sndbuf 425984 · recbuf … · ttl 64 · …".
pub fn applied_text(a: &sctp_core::AppliedOptions) -> String {
    let on = |b: bool| if b { "on" } else { "off" };
    let mut parts = vec![
        format!("sndbuf {}", a.sndbuf),
        format!("recbuf {}", a.rcvbuf),
        format!("tos {:#04x}", a.tos),
        format!("ttl {}", a.ttl),
        format!("priority {}", a.priority),
        format!("linger {}", a.linger.map_or("off".to_string(), |s| format!("{s} s"))),
        format!("reuseaddr {}", on(a.reuseaddr)),
        format!("reuseport {}", on(a.reuseport)),
        format!("dontroute {}", on(a.dontroute)),
        format!("recvtos {}", on(a.recvtos)),
        format!("recvttl {}", on(a.recvttl)),
    ];
    if let Some(v) = a.ipv6_v6only {
        parts.push(format!("ipv6_v6only {}", on(v)));
    }
    if let Some(v) = a.recvtclass {
        parts.push(format!("recvtclass {}", on(v)));
    }
    format!("kernel applied: {}", parts.join(" · "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_builds_a_multihomed_config_or_names_the_bad_field() {
        let mut p = EndpointsPanel { addrs: "10.1.1.2, 10.2.2.2".into(), port: "6000".into(), ..Default::default() };
        let c = p.config().unwrap();
        assert_eq!((c.addrs.len(), c.port, c.netns), (2, 6000, None));
        p.port = "65536".into();
        assert_eq!(p.config().unwrap_err(), "port: 65536 is out of range 0..=65535");
        p.port = "1".into();
        p.addrs = "::1".into();
        assert!(p.config().unwrap_err().contains("IPv4 endpoint cannot bind IPv6"));
        p.addrs = String::new();
        p.sndbuf = "12".into();
        assert_eq!(p.config().unwrap_err(), "sndbuf: 12 is out of range 1024..=2147483647");
        p.sndbuf = String::new();
        p.tos = "256".into();
        assert_eq!(p.config().unwrap_err(), "tos: 256 is out of range 0..=255");
        p.tos = "40".into();
        p.ttl = "0".into();
        assert_eq!(p.config().unwrap_err(), "ttl: 0 is out of range 1..=255");
        p.ttl = "64".into();
        p.tclass = "300".into();
        assert_eq!(p.config().unwrap_err(), "tclass: 300 is out of range 0..=255");
        p.tclass = String::new();
        p.linger = "0".into();
        let c = p.config().unwrap();
        assert_eq!((c.options.tos, c.options.linger, c.options.ttl), (Some(40), Some(0), Some(64)));
    }
}
