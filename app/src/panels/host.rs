//! The Host view: every SCTP association in a network namespace, whoever owns it (the
//! kernel's sctp_diag dump, sampled by the worker or by an agent the window attached to).
//! A sortable, filterable table with virtualised rows; the selected association's paths,
//! primary-path plots and the change log derived from successive dumps. Read-only: the
//! inspector cannot change sockets it does not own, and says so.

use super::{AppCommand, Ctx};
use crate::decimate::decimate;
use crate::widgets::{assoc_state_color, badge, path_color};
use egui::{RichText, Ui};
use egui_plot::{Line, Plot, PlotPoints};
use sctp_core::diag::AssocKey;
use sctp_core::host::{HostMetric, HostModel, HostRow, HostSeries};
use sctp_core::worker::{Command, HOST_INTERVAL_MS, parse_interval};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SortBy {
    #[default]
    Owner,
    Local,
    Peer,
    State,
    Cwnd,
    Srtt,
    Rto,
    Rwnd,
    Retransmits,
}

#[derive(Serialize, Deserialize)]
#[serde(default)]
pub struct HostPanel {
    pub netns: String,
    pub interval_ms: String,
    pub filter: String,
    pub sort: SortBy,
    pub descending: bool,
    #[serde(skip)]
    pub selected: Option<AssocKey>,
    /// The source is an agent (URL + token) rather than this machine's kernel.
    pub agent_url: String,
    #[serde(skip)]
    pub agent_token: String,
    /// What is wrong with the interval as typed.
    #[serde(skip)]
    input_error: Option<String>,
    /// The filtered, sorted rows, worked out again only when a snapshot, the filter or
    /// the sort changes (not every frame: a host can hold 10,000 associations).
    #[serde(skip)]
    rows: Option<(RowsFor, Vec<AssocKey>)>,
}

/// What the cached rows were worked out for.
#[derive(Clone, PartialEq)]
struct RowsFor {
    snapshots: u64,
    filter: String,
    sort: SortBy,
    descending: bool,
}

impl Default for HostPanel {
    fn default() -> Self {
        HostPanel {
            netns: String::new(),
            interval_ms: "1000".into(),
            filter: String::new(),
            sort: SortBy::Owner,
            descending: false,
            selected: None,
            agent_url: "http://127.0.0.1:9755".into(),
            agent_token: String::new(),
            input_error: None,
            rows: None,
        }
    }
}

/// Header, sort key and width of each column (fixed, so header and virtualised rows line up).
const COLUMNS: [(&str, SortBy, f32); 9] = [
    ("owner", SortBy::Owner, 160.0),
    ("local", SortBy::Local, 150.0),
    ("peer", SortBy::Peer, 150.0),
    ("state", SortBy::State, 100.0),
    ("cwnd", SortBy::Cwnd, 70.0),
    ("srtt ms", SortBy::Srtt, 60.0),
    ("rto ms", SortBy::Rto, 60.0),
    ("peer rwnd", SortBy::Rwnd, 80.0),
    ("rtx", SortBy::Retransmits, 60.0),
];

fn cell<R>(ui: &mut Ui, column: usize, add: impl FnOnce(&mut Ui) -> R) -> R {
    let size = egui::vec2(COLUMNS[column].2, ui.spacing().interact_size.y);
    ui.allocate_ui_with_layout(size, egui::Layout::left_to_right(egui::Align::Center), |ui| {
        ui.set_min_width(size.x);
        add(ui)
    })
    .inner
}

fn owner_text(r: &HostRow) -> String {
    match &r.assoc.owner {
        Some(o) => format!("{} ({})", o.command, o.pid),
        None => format!("? (inode {})", r.assoc.diag.inode),
    }
}

fn local_text(r: &HostRow) -> String {
    let d = &r.assoc.diag;
    match d.locals.first() {
        Some(a) if d.locals.len() > 1 => format!("{}:{} +{}", a.ip(), d.local_port, d.locals.len() - 1),
        Some(a) => format!("{}:{}", a.ip(), d.local_port),
        None => format!("*:{}", d.local_port),
    }
}

fn peer_text(r: &HostRow) -> String {
    let d = &r.assoc.diag;
    let primary = d.primary.and_then(|p| p.addr).map(|a| a.ip()).or(d.peers.first().map(|a| a.ip()));
    match primary {
        Some(ip) if d.peers.len() > 1 => format!("{ip}:{} +{}", d.peer_port, d.peers.len() - 1),
        Some(ip) => format!("{ip}:{}", d.peer_port),
        None => format!("?:{}", d.peer_port),
    }
}

/// What a row is sorted by, worked out once per row rather than once per comparison.
enum SortKey {
    Text(String),
    Number(f64),
}

fn sort_key(r: &HostRow, sort: SortBy) -> SortKey {
    let p = r.assoc.diag.primary;
    let number = |v: Option<f64>| SortKey::Number(v.unwrap_or(0.0));
    match sort {
        SortBy::Owner => SortKey::Text(owner_text(r)),
        SortBy::Local => SortKey::Text(local_text(r)),
        SortBy::Peer => SortKey::Text(peer_text(r)),
        SortBy::State => SortKey::Text(format!("{:?}", r.assoc.diag.state)),
        SortBy::Cwnd => number(p.map(|p| f64::from(p.cwnd))),
        SortBy::Srtt => number(p.map(|p| p.srtt_ms)),
        SortBy::Rto => number(p.map(|p| f64::from(p.rto_ms))),
        SortBy::Rwnd => number(Some(f64::from(r.assoc.diag.peer_rwnd))),
        SortBy::Retransmits => number(Some(r.assoc.diag.stats.retransmitted_chunks as f64)),
    }
}

/// Rows that match `filter` (owner, addresses, state; case-insensitive), sorted.
pub fn visible_rows<'a>(host: &'a HostModel, filter: &str, sort: SortBy, descending: bool) -> Vec<&'a HostRow> {
    let needle = filter.trim().to_lowercase();
    let mut keyed: Vec<(SortKey, &HostRow)> = host
        .assocs
        .values()
        .filter(|r| {
            needle.is_empty()
                || [owner_text(r), local_text(r), peer_text(r), format!("{:?}", r.assoc.diag.state)]
                    .iter()
                    .any(|t| t.to_lowercase().contains(&needle))
        })
        .map(|r| (sort_key(r, sort), r))
        .collect();
    keyed.sort_by(|(a, _), (b, _)| {
        let o = match (a, b) {
            (SortKey::Text(a), SortKey::Text(b)) => a.cmp(b),
            (SortKey::Number(a), SortKey::Number(b)) => a.total_cmp(b),
            // One `sort` gives every row the same kind of key.
            (SortKey::Text(_), SortKey::Number(_)) => std::cmp::Ordering::Less,
            (SortKey::Number(_), SortKey::Text(_)) => std::cmp::Ordering::Greater,
        };
        if descending { o.reverse() } else { o }
    });
    keyed.into_iter().map(|(_, r)| r).collect()
}

impl HostPanel {
    pub fn ui(&mut self, ui: &mut Ui, cx: &mut Ctx) {
        self.controls(ui, cx);
        let host = &cx.model.host;
        ui.horizontal(|ui| {
            ui.label(format!("{} associations, {} endpoints", host.live_count(), host.endpoints.len()));
            if let Some(m) = &host.last {
                ui.label(format!("· dump {:.1} ms", m.dump_us as f64 / 1000.0));
                if m.interrupted {
                    badge(
                        ui,
                        "dump interrupted: the kernel's tables changed meanwhile",
                        egui::Color32::from_rgb(200, 140, 0),
                    );
                }
                if m.malformed + m.dropped > 0 {
                    ui.label(format!("· {} malformed, {} dropped", m.malformed, m.dropped));
                }
                for w in &m.warnings {
                    crate::widgets::error_line(ui, w);
                }
            }
            if let Some((ms, true)) = cx.model.host_interval {
                badge(
                    ui,
                    &format!("slowed to every {ms} ms (the dump's share of a core)"),
                    egui::Color32::from_rgb(200, 140, 0),
                );
            }
            if host.history_refused > 0 {
                ui.label(format!("· history kept for {} (not for {} more)", host.history.len(), host.history_refused));
            }
        });
        ui.horizontal(|ui| {
            ui.label("filter");
            ui.add(
                egui::TextEdit::singleline(&mut self.filter).desired_width(200.0).hint_text("owner, address, state"),
            );
        });
        let wanted = RowsFor {
            snapshots: host.snapshots,
            filter: self.filter.clone(),
            sort: self.sort,
            descending: self.descending,
        };
        if self.rows.as_ref().is_none_or(|(made_for, _)| *made_for != wanted) {
            let keys = visible_rows(host, &self.filter, self.sort, self.descending)
                .into_iter()
                .map(|r| r.assoc.diag.key())
                .collect();
            self.rows = Some((wanted, keys));
        }
        let keys = self.rows.as_ref().map(|(_, k)| k.clone()).unwrap_or_default();
        let table_h = (ui.available_height() * 0.4).max(120.0);
        // Wider than the window on a narrow screen: the table scrolls sideways too.
        egui::ScrollArea::horizontal().id_salt("host-table").auto_shrink([false, true]).show(ui, |ui| {
            ui.horizontal(|ui| {
                for (i, (name, key, _)) in COLUMNS.iter().enumerate() {
                    let arrow = if self.sort == *key { if self.descending { " (desc)" } else { " (asc)" } } else { "" };
                    if cell(ui, i, |ui| ui.selectable_label(self.sort == *key, format!("{name}{arrow}"))).clicked() {
                        if self.sort == *key {
                            self.descending = !self.descending;
                        } else {
                            self.sort = *key;
                        }
                    }
                }
            });
            let row_h = ui.spacing().interact_size.y;
            egui::ScrollArea::vertical().id_salt("host-rows").max_height(table_h).auto_shrink([false, true]).show_rows(
                ui,
                row_h,
                keys.len(),
                |ui, range| {
                    for r in keys[range].iter().filter_map(|k| host.assocs.get(k)) {
                        ui.horizontal(|ui| self.row(ui, r));
                    }
                },
            );
        });
        ui.separator();
        match self.selected.and_then(|k| host.assocs.get(&k)) {
            Some(r) => detail(ui, host, r),
            None => {
                ui.label("Select an association for its paths, plots and changes.");
            }
        }
    }

    fn row(&mut self, ui: &mut Ui, r: &HostRow) {
        let key = r.assoc.diag.key();
        let d = &r.assoc.diag;
        let sel = self.selected == Some(key);
        if cell(ui, 0, |ui| ui.selectable_label(sel, owner_text(r))).clicked() {
            self.selected = Some(key);
        }
        cell(ui, 1, |ui| ui.label(local_text(r)));
        cell(ui, 2, |ui| ui.label(peer_text(r)));
        cell(ui, 3, |ui| match r.ended_at {
            Some(_) => badge(ui, "ended", egui::Color32::GRAY),
            None => badge(ui, &format!("{:?}", d.state), assoc_state_color(d.state)),
        });
        let p = d.primary;
        let texts = [
            p.map_or("-".into(), |p| p.cwnd.to_string()),
            p.map_or("-".into(), |p| format!("{:.0}", p.srtt_ms)),
            p.map_or("-".into(), |p| p.rto_ms.to_string()),
            d.peer_rwnd.to_string(),
            d.stats.retransmitted_chunks.to_string(),
        ];
        for (i, t) in texts.into_iter().enumerate() {
            cell(ui, 4 + i, |ui| ui.label(t));
        }
    }

    fn controls(&mut self, ui: &mut Ui, cx: &mut Ctx) {
        ui.horizontal(|ui| {
            ui.label(RichText::new("Host").strong());
            crate::widgets::text_field(ui, "namespace", &mut self.netns, 90.0)
                .on_hover_text("A network namespace (ip netns); empty: the inspector's own");
            crate::widgets::text_field(ui, "every ms", &mut self.interval_ms, 50.0);
            let watching = cx.model.host_interval.is_some();
            // Checked as typed: a bad interval is named, and Watch stays off until it is fixed.
            let interval = parse_interval(&self.interval_ms, HOST_INTERVAL_MS);
            if ui.add_enabled(cx.live && interval.is_ok(), egui::Button::new("Watch")).clicked()
                && let Ok(ms) = interval
            {
                cx.send(Command::WatchHost {
                    netns: Some(self.netns.trim().to_string()).filter(|n| !n.is_empty()),
                    interval_ms: ms,
                    max_core_share: 0.2,
                });
            }
            self.input_error = interval.err();
            if watching && ui.add_enabled(cx.live, egui::Button::new("Stop")).clicked() {
                cx.send(Command::StopWatchingHost);
            }
            ui.separator();
            crate::widgets::text_field(ui, "agent", &mut self.agent_url, 170.0)
                .on_hover_text("Watch another host: the URL of `sctp-inspector agent` there");
            ui.add(
                egui::TextEdit::singleline(&mut self.agent_token).password(true).desired_width(80.0).hint_text("token"),
            );
            if ui.button("Attach").clicked() {
                let to = (self.agent_url.trim().to_string(), self.agent_token.clone());
                cx.out.push(AppCommand::AttachHost(Some(to)));
            }
            if ui.button("Detach").clicked() {
                cx.out.push(AppCommand::AttachHost(None));
            }
        });
        if let Some(e) = &self.input_error {
            crate::widgets::error_line(ui, e);
        }
    }
}

fn detail(ui: &mut Ui, host: &HostModel, r: &HostRow) {
    let a = &r.assoc;
    let d = &a.diag;
    let me = std::process::id();
    let whose = match &a.owner {
        Some(o) if o.pid == me => "owned by this inspector — open it from the endpoints panel to drive it".to_string(),
        Some(o) => {
            format!("owned by {} (pid {}): read-only — the inspector does not own this socket", o.command, o.pid)
        }
        None => "owner unknown (another user's process, or gone): read-only".to_string(),
    };
    ui.label(RichText::new(whose).italics());
    ui.horizontal_wrapped(|ui| {
        ui.label(format!(
            "assoc id {} · inode {} · tags {:08x}/{:08x} · streams in {} out {} · unacked {} · pending {} · rwnd ours {} peer {} · maxseg {}",
            a.assoc_id.map_or("?".to_string(), |i| i.0.to_string()),
            d.inode,
            d.tag,
            d.peer_tag,
            d.inbound_streams,
            d.outbound_streams,
            d.unacked,
            d.pending,
            d.local_rwnd,
            d.peer_rwnd,
            d.maxseg
        ));
    });
    ui.horizontal_wrapped(|ui| {
        for p in &a.paths {
            badge(
                ui,
                &format!("{}{} {}", p.addr, if p.primary { " (primary)" } else { "" }, p.state.name()),
                path_color(p.state),
            );
            ui.label(p.rto_ms.map_or(String::new(), |r| format!("rto {r} ms")));
        }
    });
    let key = d.key();
    ui.columns(2, |cols| {
        if let Some(h) = host.history.get(&key) {
            let plot_h = 110.0;
            for metric in [HostMetric::PrimaryCwnd, HostMetric::PrimarySrttMs, HostMetric::PeerRwnd] {
                let Some(series) = h.series.get(&HostSeries::Assoc(metric)) else { continue };
                cols[0].label(metric.label());
                let (x0, x1) = series.iter().next().zip(series.last()).map_or((0.0, 1.0), |(a, b)| (a[0], b[0]));
                let pts = decimate(series.as_slices(), x0, x1, 400);
                Plot::new(("host-plot", metric as u8))
                    .height(plot_h)
                    .allow_scroll(false)
                    .show(&mut cols[0], |p| p.line(Line::new(metric.label(), PlotPoints::from(pts))));
            }
        } else {
            cols[0].label("No history kept for this association (the history cap is reached).");
        }
        cols[1].label(RichText::new("changes").strong());
        egui::ScrollArea::vertical().id_salt("host-changes").max_height(360.0).show(&mut cols[1], |ui| {
            for c in host.changes_of(key) {
                let text = format!("{:>8.1}s  {}", c.t, c.kind.describe());
                if c.kind.is_failure() {
                    ui.colored_label(egui::Color32::from_rgb(220, 80, 60), text);
                } else {
                    ui.label(text);
                }
            }
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use sctp_core::diag::reader::{HostAssoc, HostSnapshot};

    fn snap_with(owners: &[(&str, u32)]) -> HostSnapshot {
        let dump = sctp_core::diag::decode_all(
            1,
            sctp_core::KernelHz { hz: 100, source: sctp_core::hz::HzSource::Assumed },
            &[include_bytes!("../../../sctp-core/src/diag/testdata/dump-0.bin")],
        )
        .unwrap();
        let assocs = dump
            .assocs
            .into_iter()
            .zip(owners.iter().cycle())
            .map(|(diag, (cmd, pid))| HostAssoc {
                diag,
                assoc_id: None,
                paths: vec![],
                owner: Some(sctp_core::diag::owners::Owner { pid: *pid, command: cmd.to_string() }),
            })
            .collect();
        HostSnapshot { assocs, ..Default::default() }
    }

    #[test]
    fn filter_and_sort_pick_rows() {
        let mut host = HostModel::default();
        host.apply(0.0, snap_with(&[("diameterd", 10), ("m3ua-gw", 20)]));
        let all = visible_rows(&host, "", SortBy::Owner, false);
        assert!(all.len() >= 2);
        assert!(owner_text(all[0]) <= owner_text(all[all.len() - 1]));
        let m3ua = visible_rows(&host, "M3UA", SortBy::Owner, false);
        assert!(!m3ua.is_empty() && m3ua.iter().all(|r| owner_text(r).starts_with("m3ua-gw")));
        let desc = visible_rows(&host, "", SortBy::Rwnd, true);
        assert!(desc.windows(2).all(|w| w[0].assoc.diag.peer_rwnd >= w[1].assoc.diag.peer_rwnd));
        assert!(visible_rows(&host, "no such thing", SortBy::Owner, false).is_empty());
    }
}
