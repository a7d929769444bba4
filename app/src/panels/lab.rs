//! The two-path lab, driven by hand: build it in the worker's kernel (the host's, or the
//! sandbox's), take a path's link down and up, put delay and loss on either direction, and
//! fill the endpoint form for a server in B or a client in A. What a failover looks like,
//! without writing a scenario.

use super::{AppCommand, Ctx};
use crate::widgets::error_line;
use egui::{RichText, Ui};
use sctp_core::lab::{LabChange, LabState, Side, TwoPaths};
use sctp_core::worker::Command;
use serde::{Deserialize, Serialize};

/// The netem text being edited per path (index 0 = path 1) and direction.
#[derive(Serialize, Deserialize)]
#[serde(default)]
pub struct LabPanel {
    pub netem_a: [String; 2],
    pub netem_b: [String; 2],
}

impl Default for LabPanel {
    fn default() -> Self {
        LabPanel {
            netem_a: ["delay 20ms".into(), "delay 100ms loss 1%".into()],
            netem_b: [String::new(), String::new()],
        }
    }
}

/// The port the fill-in buttons give the server.
const SERVER_PORT: u16 = 6000;

impl LabPanel {
    pub fn ui(&mut self, ui: &mut Ui, cx: &mut Ctx) {
        ui.heading("Two-path lab");
        ui.label(
            "Two network namespaces in the worker's kernel, A and B, joined by two links: path 1 \
             (10.1.1.1 <-> 10.1.1.2) and path 2 (10.2.2.1 <-> 10.2.2.2). Endpoints opened in lab:a and \
             lab:b are multi-homed over both; take a link down to watch the association fail over \
             (RFC 9260 §8.2).",
        );
        ui.add_enabled_ui(cx.live, |ui| match cx.model.lab.clone() {
            None => {
                if ui.button("Build the lab").clicked() {
                    cx.out.push(AppCommand::Worker(Command::BuildLab));
                }
            }
            Some(lab) => self.built(ui, cx, &lab),
        });
    }

    fn built(&mut self, ui: &mut Ui, cx: &mut Ctx, lab: &LabState) {
        ui.label(RichText::new(format!("namespaces: lab:a = {}, lab:b = {}", lab.a, lab.b)).small());
        ui.horizontal(|ui| {
            if ui.button("Fill endpoint form: server in B").clicked() {
                cx.out.push(AppCommand::FillEndpoint(EndpointFill::server()));
            }
            if ui.button("client in A").clicked() {
                cx.out.push(AppCommand::FillEndpoint(EndpointFill::client()));
            }
        });
        for (i, path) in lab.paths.iter().enumerate() {
            let n = i as u8 + 1;
            ui.separator();
            ui.horizontal(|ui| {
                ui.strong(format!("path {n}: {} <-> {}", TwoPaths::addr_a(n), TwoPaths::addr_b(n)));
                let (text, change) =
                    if path.up { (format!("Take path {n} down"), false) } else { (format!("Bring path {n} up"), true) };
                ui.label(if path.up { "link up" } else { "LINK DOWN" });
                if ui.button(text).on_hover_text("ip link set dev va… down/up, on A's side").clicked() {
                    cx.out.push(lab_command(LabChange::Link { path: n, up: change }));
                }
            });
            for (side, text, now) in
                [(Side::A, &mut self.netem_a[i], &path.netem_a), (Side::B, &mut self.netem_b[i], &path.netem_b)]
            {
                let direction = match side {
                    Side::A => "A -> B",
                    Side::B => "B -> A",
                };
                ui.horizontal(|ui| {
                    let l = ui.label(format!("netem {direction}"));
                    ui.add(egui::TextEdit::singleline(text).desired_width(150.0).hint_text("delay 50ms loss 2%"))
                        .labelled_by(l.id);
                    if ui.button("Apply").on_hover_text("tc qdisc replace … root netem …").clicked() {
                        cx.out.push(lab_command(LabChange::Netem { side, path: n, spec: text.clone() }));
                    }
                    ui.label(RichText::new(if now.is_empty() { "now: none" } else { now }).small());
                });
            }
        }
        ui.separator();
        ui.horizontal(|ui| {
            let start = ui.button("Start iperf3 traffic").on_hover_text(
                "Another program's association (iperf3 --sctp, A -> B over path 1, 1 Mbit/s for 60 s): \
                 watch it in the Host view, whoever owns it",
            );
            if start.clicked() {
                cx.out.push(lab_command(LabChange::Traffic { seconds: 60, kbit: 1000 }));
            }
        });
        for p in &lab.programs {
            ui.label(RichText::new(format!("started pid {}: {}", p.pid, p.command)).small());
        }
        ui.separator();
        if ui.button("Remove the lab").clicked() {
            cx.out.push(AppCommand::Worker(Command::RemoveLab));
        }
        if cx.model.endpoints.values().any(|v| {
            !v.closed && v.config.as_ref().and_then(|c| c.netns.as_ref()).is_some_and(|n| *n == lab.a || *n == lab.b)
        }) {
            error_line(ui, "endpoints are open in the lab: removing it takes their interfaces away");
        }
    }
}

fn lab_command(change: LabChange) -> AppCommand {
    AppCommand::Worker(Command::Lab { change })
}

/// What the lab's fill-in buttons put in the endpoint form.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointFill {
    pub label: &'static str,
    pub netns: &'static str,
    pub addrs: String,
    pub port: u16,
    /// The connect form's peer addresses and port too (the client's way to the server).
    pub connect_to: Option<(String, u16)>,
}

impl EndpointFill {
    /// A server on both of B's addresses, port 6000.
    pub fn server() -> Self {
        EndpointFill {
            label: "server",
            netns: "lab:b",
            addrs: listed(&TwoPaths::addrs_b()),
            port: SERVER_PORT,
            connect_to: None,
        }
    }

    /// A client on both of A's addresses, any port, connecting to the server's two.
    pub fn client() -> Self {
        EndpointFill {
            label: "client",
            netns: "lab:a",
            addrs: listed(&TwoPaths::addrs_a()),
            port: 0,
            connect_to: Some((listed(&TwoPaths::addrs_b()), SERVER_PORT)),
        }
    }
}

fn listed(addrs: &[std::net::IpAddr]) -> String {
    addrs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}
