//! The chunk timeline: the selected association's captured packets on the plots' time axis,
//! one row per peer address (path), sent above the row's line and received below, one
//! colour per kind of chunk — so a cwnd step lines up with the SACKs that caused it and a
//! path's failure with the HEARTBEATs that went unanswered. And the Wireshark filters for
//! the association, a time range, or the moments around a log entry.

use super::AppCommand;
use egui::{Color32, Ui, Vec2b};
use egui_plot::{Plot, PlotPoints, Points};
use sctp_core::AssocId;
use sctp_core::capture::{ChunkKind, PacketMark, WireId};
use sctp_core::model::Model;
use sctp_core::worker::EpId;
use std::net::SocketAddr;

/// Kinds of chunk drawn in one colour each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChunkClass {
    Data,
    Sack,
    Heartbeat,
    Handshake,
    Shutdown,
    Abort,
    Other,
}

impl ChunkClass {
    pub const ALL: [ChunkClass; 7] = [
        ChunkClass::Data,
        ChunkClass::Sack,
        ChunkClass::Heartbeat,
        ChunkClass::Handshake,
        ChunkClass::Shutdown,
        ChunkClass::Abort,
        ChunkClass::Other,
    ];

    pub fn of(kind: ChunkKind) -> ChunkClass {
        use ChunkKind as K;
        match kind {
            K::Data | K::IData => ChunkClass::Data,
            K::Sack => ChunkClass::Sack,
            K::Heartbeat | K::HeartbeatAck => ChunkClass::Heartbeat,
            K::Init | K::InitAck | K::CookieEcho | K::CookieAck => ChunkClass::Handshake,
            K::Shutdown | K::ShutdownAck | K::ShutdownComplete => ChunkClass::Shutdown,
            K::Abort | K::Error => ChunkClass::Abort,
            K::Ecne
            | K::Cwr
            | K::Auth
            | K::AsconfAck
            | K::Reconfig
            | K::Pad
            | K::ForwardTsn
            | K::Asconf
            | K::IForwardTsn
            | K::Other(_) => ChunkClass::Other,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ChunkClass::Data => "DATA",
            ChunkClass::Sack => "SACK",
            ChunkClass::Heartbeat => "HEARTBEAT / ACK",
            ChunkClass::Handshake => "INIT … COOKIE ACK",
            ChunkClass::Shutdown => "SHUTDOWN …",
            ChunkClass::Abort => "ABORT / ERROR",
            ChunkClass::Other => "other",
        }
    }

    pub fn color(self) -> Color32 {
        match self {
            ChunkClass::Data => Color32::from_rgb(31, 119, 180),
            ChunkClass::Sack => Color32::from_rgb(44, 160, 44),
            ChunkClass::Heartbeat => Color32::from_rgb(255, 127, 14),
            ChunkClass::Handshake => Color32::from_rgb(148, 103, 189),
            ChunkClass::Shutdown => Color32::from_rgb(140, 140, 140),
            ChunkClass::Abort => Color32::from_rgb(220, 50, 47),
            ChunkClass::Other => Color32::from_rgb(227, 119, 194),
        }
    }
}

/// One chunk placed on the timeline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed {
    pub t: f64,
    /// The row (peer address index) plus 0.2 for sent, minus 0.2 for received.
    pub y: f64,
    pub class: ChunkClass,
}

/// Whether a packet is the association's: by ports and verification tags once the dump gave
/// them, else by ports and peer addresses (before the first dump sample, or where
/// sampling is by getsockopt, which cannot read tags).
fn belongs(p: &PacketMark, id: Option<&WireId>, local_port: u16, peers: &[SocketAddr]) -> bool {
    match id {
        Some(id) => id.matches(p),
        None => {
            (p.src.port() == local_port && peers.contains(&p.dst))
                || (p.dst.port() == local_port && peers.contains(&p.src))
        }
    }
}

/// An association's captured chunks in the plots' window, worked out once per frame for
/// the timeline and its summary.
#[derive(Debug, Default)]
pub struct Placement {
    /// The rows: its peer addresses, in path order.
    pub rows: Vec<SocketAddr>,
    /// Every chunk placed.
    pub chunks: Vec<Placed>,
    /// Ports and tags, once a dump sample gave the tags.
    pub id: Option<WireId>,
}

/// The association's captured chunks within `[lo, hi]`.
pub fn place(model: &Model, ep: EpId, assoc: AssocId, (lo, hi): (f64, f64)) -> Placement {
    let Some(view) = model.endpoints.get(&ep) else { return Placement::default() };
    let Some(a) = view.assocs.get(&assoc) else { return Placement::default() };
    let rows: Vec<SocketAddr> = a.paths.iter().filter_map(|p| p.addr).collect();
    let id = model.wire_id(ep, assoc);
    let local_port = view.local_addrs.first().map_or(0, |a| a.port());
    let mut placed = Vec::new();
    for p in model.packets.iter().filter(|p| p.t >= lo && p.t <= hi) {
        if !belongs(p, id.as_ref(), local_port, &rows) {
            continue;
        }
        let (peer, sent) = if rows.contains(&p.dst) { (p.dst, true) } else { (p.src, false) };
        let Some(row) = rows.iter().position(|r| *r == peer) else { continue };
        let y = row as f64 + if sent { 0.2 } else { -0.2 };
        placed.extend(p.chunks.iter().map(|k| Placed { t: p.t, y, class: ChunkClass::of(*k) }));
    }
    Placement { rows, chunks: placed, id }
}

/// The display filter for the association (when its tags are known), within a time range
/// on the worker's clock; without the association, every SCTP packet in the range.
pub fn wireshark_filter(model: &Model, assoc: Option<(EpId, AssocId)>, range: Option<(f64, f64)>) -> Option<String> {
    let capture = model.capture.as_ref()?;
    let range_unix = range.map(|(a, b)| (capture.unix_time(a), capture.unix_time(b)));
    match assoc.and_then(|(ep, a)| model.wire_id(ep, a)) {
        Some(id) => Some(id.display_filter(range_unix)),
        None => Some(sctp_core::capture::wire::time_filter(range_unix)),
    }
}

/// How the timeline is drawn: the plots' window, width, whether it follows the clock,
/// and the notification markers the plots draw too.
pub struct Frame<'a> {
    pub window: (f64, f64),
    pub width: f32,
    pub follow: bool,
    pub marks: &'a [super::plots::Marker],
}

/// Draws the timeline of the chunks placed.
pub fn timeline(ui: &mut Ui, placement: &Placement, frame: Frame) {
    let (lo, hi) = frame.window;
    let width = frame.width;
    let (rows, placed) = (&placement.rows, &placement.chunks);
    ui.label("chunks on the wire: sent above each path's line, received below");
    let labels: Vec<String> = rows.iter().map(ToString::to_string).collect();
    let height = 50.0 + 34.0 * rows.len().max(1) as f32;
    Plot::new("chunk-timeline")
        .width(width)
        .height(height)
        .link_axis(super::plots::time_axis(), Vec2b::new(true, false))
        .link_cursor(super::plots::time_axis(), Vec2b::new(true, false))
        .include_y(-0.5)
        .include_y(rows.len() as f64 - 0.5)
        .allow_scroll(false)
        .x_axis_label("s")
        .y_axis_min_width(super::plots::Y_AXIS_WIDTH)
        .show_grid(Vec2b::new(true, false))
        .y_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .show(ui, |pui| {
            if frame.follow {
                pui.set_plot_bounds_x(lo..=hi);
            }
            for m in frame.marks.iter().filter(|m| m.t >= lo && m.t <= hi) {
                pui.vline(egui_plot::VLine::new("", m.t).color(m.color).width(1.0));
            }
            for class in ChunkClass::ALL {
                let pts: Vec<[f64; 2]> = placed.iter().filter(|p| p.class == class).map(|p| [p.t, p.y]).collect();
                if pts.is_empty() {
                    continue;
                }
                pui.points(Points::new(class.label(), PlotPoints::from(pts)).color(class.color()).radius(2.5));
            }
        });
}

/// Beside the timeline: the capture, the chunk colours with their counts in the window, and
/// the buttons that hand the association (or the window shown) to Wireshark.
pub fn summary(
    ui: &mut Ui,
    model: &Model,
    (ep, assoc): (EpId, AssocId),
    window: (f64, f64),
    placement: &Placement,
    out: &mut Vec<AppCommand>,
) {
    let Some(capture) = &model.capture else { return };
    ui.label(format!("packet capture: {}", capture.path.display()));
    ui.label(match placement.id {
        Some(id) => format!(
            "this association on the wire: ports {} <-> {}, tags 0x{:08x} / 0x{:08x}",
            id.local_port, id.peer_port, id.tag, id.peer_tag
        ),
        None => "verification tags not known yet: packets matched by ports and addresses".to_string(),
    });
    let placed = &placement.chunks;
    egui::Grid::new("chunk-legend").num_columns(4).show(ui, |ui| {
        for (i, class) in ChunkClass::ALL.iter().enumerate() {
            let n = placed.iter().filter(|p| p.class == *class).count();
            let (swatch, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
            ui.painter().rect_filled(swatch, 2.0, class.color());
            ui.label(format!("{} {n}", class.label()));
            if i % 2 == 1 {
                ui.end_row();
            }
        }
    });
    let tip = format!("Opens {} in Wireshark with a display filter", capture.path.display());
    if ui.button("Wireshark: association").on_hover_text(&tip).clicked()
        && let Some(filter) = wireshark_filter(model, Some((ep, assoc)), None)
    {
        out.push(AppCommand::Wireshark { filter });
    }
    if ui.button("Wireshark: window shown").on_hover_text(tip).clicked()
        && let Some(filter) = wireshark_filter(model, Some((ep, assoc)), Some(window))
    {
        out.push(AppCommand::Wireshark { filter });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sctp_core::worker::{Event, Stamped};

    #[test]
    fn every_chunk_kind_has_a_class_and_handshake_chunks_share_one() {
        for ty in 0..=255u8 {
            let _ = ChunkClass::of(ChunkKind::from_type(ty));
        }
        assert_eq!(ChunkClass::of(ChunkKind::CookieEcho), ChunkClass::of(ChunkKind::Init));
        assert_ne!(ChunkClass::of(ChunkKind::Sack), ChunkClass::of(ChunkKind::Data));
    }

    #[test]
    fn without_a_capture_there_is_no_filter_and_with_one_time_is_unix_time() {
        let mut model = Model::default();
        assert_eq!(wireshark_filter(&model, None, None), None);
        model.apply(&Stamped {
            t: 0.0,
            event: Event::CaptureStarted {
                path: "/x.pcapng".into(),
                interfaces: vec!["host namespace".into()],
                unix_at_zero: 1000.0,
                max_bytes: 1 << 20,
            },
        });
        let f = wireshark_filter(&model, None, Some((1.5, 2.0))).unwrap();
        assert_eq!(f, "sctp && frame.time_epoch >= 1001.500000 && frame.time_epoch <= 1002.000000");
    }
}
