//! The association state diagram of RFC 9260 §4: the states as boxes, the transitions as
//! arrows; for the selected association (live or recorded) the current state is lit, the
//! transitions it took are drawn bold, and a table lists each change with its time and
//! what showed it (a sample or an ASSOC_CHANGE).

use super::{AppCommand, Ctx};
use crate::widgets::{assoc_state_color, explained};
use egui::{Align2, Color32, FontId, Pos2, Rect, RichText, Sense, Stroke, Ui, Vec2};
use sctp_core::AssocState;
use sctp_core::explain::Topic;
use sctp_core::fsm::{self, Cause, EDGES, History};

/// Where each state sits on a 4 × 7 grid (column, row); CLOSED is drawn at the top, where
/// associations start, and again at the bottom, where they end.
fn cell(state: AssocState, ending: bool) -> (f32, f32) {
    match state {
        AssocState::Closed if ending => (1.5, 6.0),
        AssocState::Closed => (1.5, 0.0),
        AssocState::CookieWait => (0.0, 1.0),
        AssocState::CookieEchoed => (0.0, 2.0),
        AssocState::Established => (1.5, 3.0),
        AssocState::ShutdownPending => (0.5, 4.0),
        AssocState::ShutdownSent => (0.5, 5.0),
        AssocState::ShutdownReceived => (2.5, 4.0),
        AssocState::ShutdownAckSent => (2.5, 5.0),
        _ => (3.0, 0.0),
    }
}

fn name(state: AssocState) -> &'static str {
    match state {
        AssocState::Closed => "CLOSED",
        AssocState::CookieWait => "COOKIE-WAIT",
        AssocState::CookieEchoed => "COOKIE-ECHOED",
        AssocState::Established => "ESTABLISHED",
        AssocState::ShutdownPending => "SHUTDOWN-PENDING",
        AssocState::ShutdownSent => "SHUTDOWN-SENT",
        AssocState::ShutdownReceived => "SHUTDOWN-RECEIVED",
        AssocState::ShutdownAckSent => "SHUTDOWN-ACK-SENT",
        AssocState::Empty => "EMPTY",
        AssocState::Other(_) => "?",
    }
}

/// The whole tab for the selected association (or the bare diagram with none).
pub fn ui(ui: &mut Ui, cx: &mut Ctx) {
    let selected = cx.sel.ep.zip(cx.sel.assoc);
    let history = selected
        .and_then(|(ep, assoc)| cx.model.endpoints.get(&ep).and_then(|v| v.assocs.get(&assoc)))
        .map(|a| &a.history);
    match selected {
        Some((ep, assoc)) => ui.label(format!("Association {} on ep{} (RFC 9260 §4)", assoc.0, ep.0)),
        None => ui.label("Select an association to see where it is in its life (RFC 9260 §4)."),
    };
    let empty = History::default();
    let history = history.unwrap_or(&empty);
    // The lit box in words too (for screen readers, and for tests).
    if let Some(state) = history.current().filter(|_| selected.is_some()) {
        let ended = state == AssocState::Closed && history_ended(history);
        ui.label(format!("now: {}{}", name(state), if ended { " (ended)" } else { "" }));
    }
    egui::ScrollArea::vertical().id_salt("fsm-scroll").show(ui, |ui| {
        diagram(ui, history, cx.out);
        ui.strong("What it went through");
        changes(ui, history);
    });
}

fn diagram(ui: &mut Ui, history: &History, out: &mut Vec<AppCommand>) {
    let size = Vec2::new(ui.available_width().clamp(420.0, 760.0), 460.0);
    let (rect, _) = ui.allocate_exact_size(size, Sense::hover());
    let box_size = Vec2::new(140.0, 28.0);
    let at = |state: AssocState, ending: bool| {
        let (c, r) = cell(state, ending);
        let x = rect.left() + 20.0 + box_size.x / 2.0 + c * (rect.width() - 40.0 - box_size.x) / 3.0;
        let y = rect.top() + 10.0 + box_size.y / 2.0 + r * (rect.height() - 20.0 - box_size.y) / 6.0;
        Pos2::new(x, y)
    };
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals().clone();
    let quiet = visuals.weak_text_color();
    let taken_color = Color32::from_rgb(60, 140, 230);
    for e in &EDGES {
        let from = at(e.from, false);
        // A shutdown ends at the bottom CLOSED; a handshake that failed goes back to the top.
        let ending = e.to == AssocState::Closed && !matches!(e.from, AssocState::CookieWait | AssocState::CookieEchoed);
        let to = at(e.to, ending);
        // Leave and enter at the boxes' edges, not their centres.
        let dir = (to - from).normalized();
        let clip = |p: Pos2, sign: f32| {
            let t = (box_size.x / 2.0 / dir.x.abs().max(1e-3)).min(box_size.y / 2.0 / dir.y.abs().max(1e-3));
            p + dir * t * sign
        };
        // Two-way pairs (CLOSED <-> COOKIE-WAIT) are drawn side by side, not on one line.
        let side = if fsm::find_edge(e.to, e.from).is_some() { Vec2::new(-dir.y, dir.x) * 7.0 } else { Vec2::ZERO };
        let (a, b) = (clip(from, 1.0) + side, clip(to, -1.0) + side);
        let taken = history.last_taken(e);
        let stroke = match taken {
            Some(_) => Stroke::new(3.0, taken_color),
            None => Stroke::new(1.0, quiet),
        };
        painter.arrow(a, b - a, stroke);
        let mid = a + (b - a) * 0.5 + Vec2::new(4.0, -2.0);
        let label = match taken {
            Some(t) => format!("{} ({t:.2} s)", e.trigger),
            None => e.trigger.to_string(),
        };
        let color = if taken.is_some() { taken_color } else { quiet };
        painter.text(mid, Align2::LEFT_BOTTOM, label, FontId::proportional(10.0), color);
    }
    let current = history.current();
    for (state, ending) in fsm::STATES.iter().map(|s| (*s, false)).chain([(AssocState::Closed, true)]) {
        let centre = at(state, ending);
        let r = Rect::from_center_size(centre, box_size);
        let lit = current == Some(state) && (state != AssocState::Closed || ending == history_ended(history));
        let fill = if lit { assoc_state_color(state) } else { visuals.extreme_bg_color };
        painter.rect_filled(r, 4.0, fill);
        painter.rect_stroke(r, 4.0, Stroke::new(1.0, visuals.text_color()), egui::StrokeKind::Inside);
        let text = if lit { Color32::BLACK } else { visuals.text_color() };
        painter.text(centre, Align2::CENTER_CENTER, name(state), FontId::proportional(13.0), text);
        let resp = ui.interact(r, egui::Id::unique(("fsm-state", name(state), ending)), Sense::hover());
        explained(resp, Topic::AssocState(state), out);
    }
}

/// Whether the association has ended (its last state is CLOSED after another state), so
/// the bottom CLOSED is lit rather than the top one.
fn history_ended(history: &History) -> bool {
    history.transitions().last().is_some_and(|t| t.from.is_some())
}

fn changes(ui: &mut Ui, history: &History) {
    if history.transitions().next().is_none() {
        ui.label(RichText::new("no state seen yet").weak());
        return;
    }
    egui::Grid::new("fsm-changes").num_columns(3).striped(true).show(ui, |ui| {
        for h in ["time", "state", "shown by"] {
            ui.label(RichText::new(h).weak());
        }
        ui.end_row();
        for t in history.transitions() {
            ui.label(format!("{:.3} s", t.t));
            let step = match (t.from, t.edge()) {
                (Some(from), Some(e)) => format!("{} -> {} ({})", name(from), name(t.to), e.trigger),
                (Some(from), None) => format!("{} -> {} (steps between too short to sample)", name(from), name(t.to)),
                (None, _) => format!("first seen {}", name(t.to)),
            };
            ui.label(step);
            ui.label(match t.cause {
                Cause::Sampled => "sample".to_string(),
                Cause::Notification(n) => format!("ASSOC_CHANGE {n:?}"),
            });
            ui.end_row();
        }
    });
    if history.dropped > 0 {
        ui.label(RichText::new(format!("{} older changes dropped", history.dropped)).weak());
    }
    ui.add_space(6.0);
    ui.label(RichText::new(format!("From any state: {} ({})", fsm::ABORT_EDGE.0, fsm::ABORT_EDGE.1)).weak());
}
