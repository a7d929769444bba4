//! Live plots for the selected association: per path cwnd, srtt, rto, mtu and state; per
//! association rwnd, unacked/pending chunks and rates from the association counters. All
//! share one time axis (linked, with a moving window when following) and carry the
//! notifications of that association as vertical markers. Long series are min/max
//! decimated to the plot's pixel width.

use super::{AppCommand, Ctx};
use crate::decimate::decimate;
use crate::widgets::path_color;
use egui::{Color32, Id, Ui, Vec2b};
use egui_plot::{Legend, Line, Plot, PlotPoints, VLine};
use sctp_core::explain::Topic;
use sctp_core::model::{AssocMetric, LogKind, Model, PathMetric, SeriesKey};
use sctp_core::worker::EpId;
use sctp_core::{AssocId, Notification, PathState};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

#[derive(Serialize, Deserialize)]
#[serde(default)]
pub struct PlotsPanel {
    pub follow: bool,
    pub window_s: f64,
    pub markers: bool,
    /// Min/max decimation to the pixel width (off: every point goes to egui_plot).
    pub decimate: bool,
    /// Points held and dropped in all series, and the model time they were counted at:
    /// counting walks every series (tens of thousands with a thousand associations), so it
    /// is done once per `TOTALS_EVERY_S` of model time, not every frame.
    #[serde(skip)]
    totals: Option<(f64, (usize, u64))>,
}

/// How often (model time, s) the points-held label is counted again.
const TOTALS_EVERY_S: f64 = 0.5;

impl Default for PlotsPanel {
    fn default() -> Self {
        PlotsPanel { follow: true, window_s: 30.0, markers: true, decimate: true, totals: None }
    }
}

/// Colours for the lines of successive paths.
const PATH_COLORS: [Color32; 6] = [
    Color32::from_rgb(31, 119, 180),
    Color32::from_rgb(255, 127, 14),
    Color32::from_rgb(44, 160, 44),
    Color32::from_rgb(148, 103, 189),
    Color32::from_rgb(140, 86, 75),
    Color32::from_rgb(227, 119, 194),
];

/// A notification marker: when, what colour, what it said.
pub struct Marker {
    pub t: f64,
    pub color: Color32,
    pub text: String,
}

/// The notifications about one association (or its endpoint as a whole) that change its
/// state or a path's: association and address changes, failures, shutdown.
pub fn markers(model: &Model, ep: EpId, assoc: AssocId) -> Vec<Marker> {
    model
        .log
        .iter()
        .filter(|e| e.kind == LogKind::Notification && e.ep == Some(ep) && e.assoc.is_none_or(|a| a == assoc))
        .filter_map(|e| {
            let color = marker_color(e.notification()?)?;
            Some(Marker { t: e.t, color, text: e.text().to_string() })
        })
        .collect()
}

/// The colour of a notification's marker by what it says: a failure in the failed-path
/// colour, a suspicion in the potentially-failed one, recovery in the active one, other
/// state changes grey; `None` for notifications that are not state changes.
fn marker_color(n: &Notification) -> Option<Color32> {
    use sctp_core::notification::{AssocChangeState as A, PeerAddrState as P};
    Some(match n {
        Notification::AssocChange { state: A::CommLost | A::CantStartAssoc, .. }
        | Notification::PeerAddrChange { state: P::Unreachable, .. }
        | Notification::SendFailed { .. } => path_color(PathState::Inactive),
        Notification::PeerAddrChange { state: P::PotentiallyFailed, .. } | Notification::RemoteError { .. } => {
            path_color(PathState::PotentiallyFailed)
        }
        Notification::AssocChange { state: A::CommUp | A::Restart, .. }
        | Notification::PeerAddrChange { state: P::Available | P::Confirmed, .. } => path_color(PathState::Active),
        Notification::AssocChange { .. } | Notification::PeerAddrChange { .. } | Notification::Shutdown { .. } => {
            Color32::GRAY
        }
        _ => return None,
    })
}

impl PlotsPanel {
    pub fn ui(&mut self, ui: &mut Ui, cx: &mut Ctx) {
        let Some((ep, assoc)) = target(cx) else {
            ui.centered_and_justified(|ui| ui.label("Select an association to plot it."));
            return;
        };
        ui.horizontal(|ui| {
            ui.strong(format!("ep{} association {}", ep.0, assoc.0));
            ui.checkbox(&mut self.follow, "follow");
            ui.add(egui::Slider::new(&mut self.window_s, 5.0..=3600.0).logarithmic(true).text("window (s)"));
            ui.checkbox(&mut self.markers, "event markers");
            ui.checkbox(&mut self.decimate, "decimate")
                .on_hover_text("Draw min/max per pixel column instead of every point");
            let now = cx.model.now;
            let (points, dropped) = match self.totals {
                Some((at, totals)) if (at..at + TOTALS_EVERY_S).contains(&now) => totals,
                _ => self.totals.insert((now, cx.model.series_totals())).1,
            };
            ui.label(format!("{points} points held, {dropped} dropped"));
        });
        let paths: Vec<SocketAddr> = cx
            .model
            .endpoints
            .get(&ep)
            .and_then(|v| v.assocs.get(&assoc))
            .map(|a| a.plotted_paths.iter().copied().collect())
            .unwrap_or_default();
        let marks = if self.markers { markers(cx.model, ep, assoc) } else { Vec::new() };
        // Until a whole window has passed, show the first one rather than empty history.
        let x_max = cx.model.now.max(self.window_s);
        let x_min = x_max - self.window_s;
        let cols = 2;
        let width = ((ui.available_width() - 24.0) / cols as f32).max(200.0);
        let height = ((ui.available_height() - 80.0) / 4.0).clamp(110.0, 260.0);
        egui::ScrollArea::vertical().show(ui, |ui| {
            egui::Grid::new("plots").num_columns(cols).show(ui, |ui| {
                let mut n = 0;
                let resolution = cx.model.hz.map(|hz| 1000.0 / f64::from(hz.hz));
                // The chunk timeline heads the left column, so its time axis lines up with
                // cwnd's below it; the capture's summary and hand-off sit beside it.
                if cx.model.capture.is_some() {
                    let (lo, hi) = (x_min, x_max);
                    let placement = super::chunks::place(cx.model, ep, assoc, (lo, hi));
                    let frame = super::chunks::Frame { window: (lo, hi), width, follow: self.follow, marks: &marks };
                    ui.vertical(|ui| super::chunks::timeline(ui, &placement, frame));
                    ui.vertical(|ui| super::chunks::summary(ui, cx.model, (ep, assoc), (lo, hi), &placement, cx.out));
                    ui.end_row();
                }
                for metric in PathMetric::ALL {
                    let lines: Vec<(String, Color32, SeriesKey)> = paths
                        .iter()
                        .enumerate()
                        .map(|(i, addr)| {
                            (
                                addr.to_string(),
                                PATH_COLORS[i % PATH_COLORS.len()],
                                SeriesKey::Path { ep, assoc, addr: *addr, metric },
                            )
                        })
                        .collect();
                    let title = match (metric, resolution) {
                        // The kernel keeps srtt in whole jiffies and smooths it in integer steps.
                        (PathMetric::SrttMs, Some(r)) => format!("{} — kernel resolution {r:.0} ms", metric.label()),
                        _ => metric.label().to_string(),
                    };
                    let about = (Topic::PathMetric(metric), &mut *cx.out);
                    self.plot(ui, cx.model, &title, about, &lines, &marks, (x_min, x_max), width, height);
                    n += 1;
                    if n % cols == 0 {
                        ui.end_row();
                    }
                }
                let groups: [(&str, &[AssocMetric]); 3] = [
                    ("peer rwnd (bytes)", &[AssocMetric::Rwnd]),
                    ("chunks: unacked, pending", &[AssocMetric::Unacked, AssocMetric::Pending]),
                    (
                        "per second: packets out/in, retransmits, gap acks",
                        &[
                            AssocMetric::PacketsOutPerSec,
                            AssocMetric::PacketsInPerSec,
                            AssocMetric::RetransmitsPerSec,
                            AssocMetric::GapAcksPerSec,
                            AssocMetric::AbandonedPerSec,
                        ],
                    ),
                ];
                for (title, metrics) in groups {
                    let lines: Vec<_> = metrics
                        .iter()
                        .enumerate()
                        .map(|(i, m)| {
                            (
                                m.label().to_string(),
                                PATH_COLORS[i % PATH_COLORS.len()],
                                SeriesKey::Assoc { ep, assoc, metric: *m },
                            )
                        })
                        .collect();
                    let about = (Topic::AssocMetric(metrics[0]), &mut *cx.out);
                    self.plot(ui, cx.model, title, about, &lines, &marks, (x_min, x_max), width, height);
                    n += 1;
                    if n % cols == 0 {
                        ui.end_row();
                    }
                }
            });
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn plot(
        &self,
        ui: &mut Ui,
        model: &Model,
        title: &str,
        (topic, out): (Topic<'_>, &mut Vec<AppCommand>),
        lines: &[(String, Color32, SeriesKey)],
        marks: &[Marker],
        (x_min, x_max): (f64, f64),
        width: f32,
        height: f32,
    ) {
        ui.vertical(|ui| {
            crate::widgets::explained(ui.label(title), topic, out);
            let mut plot = Plot::new(title)
                .width(width)
                .height(height)
                .legend(Legend::default())
                .link_axis(time_axis(), Vec2b::new(true, false))
                .link_cursor(time_axis(), Vec2b::new(true, false))
                .x_axis_label("s")
                .y_axis_min_width(Y_AXIS_WIDTH)
                .allow_scroll(!self.follow);
            if self.follow {
                plot = plot.auto_bounds(Vec2b::new(false, true));
            }
            // Every line includes 0, so a flat series is not drawn at the top or bottom
            // edge; the state plot always spans its four levels.
            plot = plot.include_y(0.0);
            if lines.iter().any(|(_, _, k)| matches!(k, SeriesKey::Path { metric: PathMetric::State, .. })) {
                plot = plot.include_y(3.0);
            }
            plot.show(ui, |pui| {
                if self.follow {
                    pui.set_plot_bounds_x(x_min..=x_max);
                }
                let b = pui.plot_bounds();
                let (lo, hi) = (b.min()[0], b.max()[0]);
                let columns = width as usize;
                for (name, color, key) in lines {
                    let Some(series) = model.series.get(key) else { continue };
                    let pts = if self.decimate {
                        decimate(series.as_slices(), lo, hi, columns)
                    } else {
                        series.iter().copied().collect()
                    };
                    pui.line(Line::new(name.clone(), PlotPoints::from(pts)).color(*color).allow_hover(false));
                }
                for m in marks.iter().filter(|m| m.t >= lo && m.t <= hi) {
                    // Unnamed, so markers stay out of the legend.
                    pui.vline(VLine::new("", m.t).color(m.color).width(1.0));
                }
            });
        });
    }
}

/// The y-axis width every plot on the time axis has, so their time scales line up (the chunk
/// timeline's labels are addresses).
pub const Y_AXIS_WIDTH: f32 = 96.0;

/// The id every plot on the time axis links its x axis and cursor with.
pub fn time_axis() -> Id {
    Id::unique("sctp-time")
}

/// The association to plot: the selected one, or the first of the selected endpoint.
fn target(cx: &Ctx) -> Option<(EpId, AssocId)> {
    let ep = cx.sel.ep?;
    let view = cx.model.endpoints.get(&ep)?;
    let assoc = cx.sel.assoc.or_else(|| view.assocs.iter().find(|(_, a)| !a.gone).map(|(id, _)| *id))?;
    Some((ep, assoc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sctp_core::notification::{AssocChangeState, PeerAddrState};
    use sctp_core::worker::{Event, Stamped};

    /// Markers come from the notifications' types, not their wording: a path failure in
    /// the failed colour, COMM_UP in the active one, a notification that changes no state
    /// none; another association's notification is not this one's marker.
    #[test]
    fn markers_are_coloured_by_what_the_notification_is() {
        let mut model = Model::default();
        let (ep, assoc) = (EpId(1), AssocId(3));
        let addr = Some("10.1.1.2:6000".parse().unwrap());
        for (t, notification) in [
            (1.0, Notification::PeerAddrChange { assoc, addr, state: PeerAddrState::Unreachable, error: 0 }),
            (2.0, Notification::SenderDry { assoc }),
            (3.0, Notification::Shutdown { assoc: AssocId(4) }),
            (
                4.0,
                Notification::AssocChange {
                    assoc,
                    state: AssocChangeState::CommUp,
                    error: 0,
                    outbound_streams: 1,
                    inbound_streams: 1,
                    info: vec![],
                },
            ),
        ] {
            model.apply(&Stamped { t, event: Event::Notification { ep, notification } });
        }
        let marks: Vec<(f64, Color32)> = markers(&model, ep, assoc).iter().map(|m| (m.t, m.color)).collect();
        assert_eq!(marks, vec![(1.0, path_color(PathState::Inactive)), (4.0, path_color(PathState::Active))]);
    }
}
