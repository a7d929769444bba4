//! Plots: time of one whole-window UI frame (headless egui, tessellated, no GPU) with
//! N associations × 4 series × one hour of 10 Hz samples, min/max decimated vs the same
//! series handed to egui_plot whole.

use super::{Row, Sizes, Verdict, percentile};
use sctp_core::model::{AssocMetric, AssocView, EndpointView, Model, PathMetric, SeriesKey};
use sctp_core::ring::Ring;
use sctp_core::worker::EpId;
use sctp_core::{AssocId, Style};
use sctp_inspector::app::{InspectorApp, UiState};
use std::time::Instant;

/// A model holding `assocs` associations with cwnd, srtt, rto (one path) and rwnd series of
/// `points` samples each.
pub fn filled_model(assocs: usize, points: usize) -> Model {
    let mut model = Model::default();
    let ep = EpId(1);
    let addr = "10.1.1.2:6000".parse().unwrap();
    let mut view = EndpointView {
        label: "server".into(),
        style: Style::OneToMany,
        local_addrs: vec![],
        config: None,
        assocs: Default::default(),
        closed: false,
    };
    for a in 0..assocs {
        let assoc = AssocId(a as i32 + 1);
        view.assocs.insert(assoc, AssocView::default());
        let keys = [
            SeriesKey::Path { ep, assoc, addr, metric: PathMetric::Cwnd },
            SeriesKey::Path { ep, assoc, addr, metric: PathMetric::SrttMs },
            SeriesKey::Path { ep, assoc, addr, metric: PathMetric::RtoMs },
            SeriesKey::Assoc { ep, assoc, metric: AssocMetric::Rwnd },
        ];
        for (k, key) in keys.into_iter().enumerate() {
            let mut ring = Ring::new(points);
            for i in 0..points {
                let t = i as f64 * 0.1;
                // A wandering signal with spikes, so decimation has work to do.
                let v = 1000.0 * (k + 1) as f64
                    + 300.0 * (t * 0.05 + a as f64).sin()
                    + if i % 977 == 0 { 5000.0 } else { 0.0 };
                ring.push([t, v]);
            }
            model.series.insert(key, ring);
        }
    }
    model.endpoints.insert(ep, view);
    model.now = points as f64 * 0.1;
    model
}

/// Median and p99 frame time in ms.
fn frames(app: &mut InspectorApp, n: usize) -> (f64, f64) {
    let ctx = egui::Context::default();
    let input = || egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1600.0, 1000.0))),
        ..Default::default()
    };
    // Warm-up: the first passes lay out fonts and grids.
    let frame = |app: &mut InspectorApp| {
        let mut out = ctx.run_ui(input(), |ui| app.ui(ui));
        // No renderer takes the font atlas here.
        out.textures_delta.clear();
        std::hint::black_box(ctx.tessellate(std::mem::take(&mut out.shapes), out.pixels_per_point));
    };
    for _ in 0..3 {
        frame(app);
    }
    let mut times: Vec<f64> = (0..n)
        .map(|_| {
            let t0 = Instant::now();
            frame(app);
            t0.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    (percentile(&times, 0.5), percentile(&times, 0.99))
}

pub fn run(sizes: &Sizes, rows: &mut Vec<Row>) {
    let model = filled_model(sizes.plot_associations, sizes.plot_points);
    let mut state = UiState::default();
    state.sel.ep = Some(EpId(1));
    state.sel.assoc = Some(AssocId(1));
    state.plots.window_s = sizes.plot_points as f64 * 0.1;
    let mut app = InspectorApp::with_worker(None, state);
    app.model = model;
    let (med, p99) = frames(&mut app, sizes.plot_frames);
    app.state.plots.decimate = false;
    let (naive_med, naive_p99) = frames(&mut app, sizes.plot_frames);
    let speedup = naive_med / med;
    let what = format!(
        "window frame, {} assocs × 4 series × {} points, whole history visible",
        sizes.plot_associations, sizes.plot_points
    );
    rows.push(Row {
        section: "plots",
        what: format!("{what}: median"),
        ours: format!("{med:.2} ms"),
        anchor: format!("undecimated {naive_med:.2} ms"),
        ratio: format!("{speedup:.1}× faster"),
        target: "≤ 2 ms and ≥ 10× faster".into(),
        verdict: if med <= 2.0 && speedup >= 10.0 { Verdict::Met } else { Verdict::Missed },
        note: None,
    });
    rows.push(Row {
        section: "plots",
        what: format!("{what}: p99"),
        ours: format!("{p99:.2} ms"),
        anchor: format!("undecimated {naive_p99:.2} ms"),
        ratio: format!("{:.1}× faster", naive_p99 / p99),
        target: String::new(),
        verdict: Verdict::Info,
        note: None,
    });
}
