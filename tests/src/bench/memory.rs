//! Event ingest and memory: how many notifications per second the model absorbs, and the
//! process's RSS as an hour of history fills the rings and then keeps arriving.

use super::{Row, Sizes, Verdict, rss_kib};
use sctp_core::AssocId;
use sctp_core::model::Model;
use sctp_core::notification::{AssocChangeState, Notification};
use sctp_core::worker::{EpId, Event, Stamped};
use std::time::Instant;

pub fn run(sizes: &Sizes, rows: &mut Vec<Row>) {
    // Ingest: notifications applied to the model (what the UI thread does per event).
    let mut model = Model::default();
    let n = 200_000u32;
    let events: Vec<Stamped> = (0..n)
        .map(|i| Stamped {
            t: f64::from(i) * 1e-4,
            event: Event::Notification {
                ep: EpId(1),
                notification: Notification::AssocChange {
                    assoc: AssocId(i as i32),
                    state: AssocChangeState::CommUp,
                    error: 0,
                    outbound_streams: 10,
                    inbound_streams: 10,
                    info: vec![],
                },
            },
        })
        .collect();
    let t0 = Instant::now();
    for e in &events {
        model.apply(e);
    }
    let rate = f64::from(n) / t0.elapsed().as_secs_f64();
    rows.push(Row::info(
        "ingest",
        "notifications/s the model (event log) absorbs",
        format!("{rate:.0}/s, log {} kept / {} dropped", model.log.len(), model.log.dropped()),
    ));
    drop(events);
    drop(model);

    // Memory: an hour of 10 Hz history for N associations × 4 series, then another hour.
    let before = rss_kib();
    let model = super::plots::filled_model(sizes.plot_associations, sizes.plot_points);
    let full = rss_kib();
    let mut model = model;
    let keys: Vec<_> = model.series.keys().copied().collect();
    let start = model.now;
    for i in 0..sizes.plot_points {
        let t = start + i as f64 * 0.1;
        for k in &keys {
            if let Some(s) = model.series.get_mut(k) {
                s.push([t, i as f64]);
            }
        }
    }
    let after = rss_kib();
    let (points, dropped) = model.series_totals();
    rows.push(Row::info("memory", "RSS before any history", format!("{} MiB", before / 1024)));
    rows.push(Row::info(
        "memory",
        format!(
            "RSS with one hour of history ({} assocs × 4 series × {} points)",
            sizes.plot_associations, sizes.plot_points
        ),
        format!("{} MiB", full / 1024),
    ));
    let growth = after as f64 / full.max(1) as f64;
    rows.push(Row {
        section: "memory",
        what: format!("RSS after a second hour ({points} points held, {dropped} dropped)"),
        ours: format!("{} MiB", after / 1024),
        anchor: format!("after the first hour {} MiB", full / 1024),
        ratio: format!("{growth:.2}×"),
        target: "flat once full (≤ 1.05×)".into(),
        verdict: if growth <= 1.05 { Verdict::Met } else { Verdict::Missed },
        note: None,
    });
}
