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
    let keys: Vec<_> = model.series.keys().collect();
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

/// The window's model after an hour of 10 Hz samples of N two-path associations, fed as
/// the worker's events (so the shared points budget applies): the process's RSS growth and
/// the history each series kept. Pure model work, measured on the host.
pub fn associations_for_an_hour(sizes: &Sizes, rows: &mut Vec<Row>) {
    use sctp_core::model::MIN_POINTS_PER_SERIES;
    use sctp_core::worker::PathSample;
    use sctp_core::{AssocState, AssocStats, PathInfo, PathState, Status};
    let (n, ticks) = (sizes.associations, sizes.plot_points);
    let before = rss_kib();
    let mut model = Model::default();
    let ep = EpId(1);
    model.apply(&Stamped {
        t: 0.0,
        event: Event::Opened {
            ep,
            label: "server".into(),
            style: sctp_core::Style::OneToMany,
            local_addrs: vec![],
            config: None,
        },
    });
    let path = |addr: &str, cwnd: u32| PathInfo {
        addr: Some(addr.parse().unwrap()),
        state: PathState::Active,
        cwnd,
        srtt_ms: 1.0,
        srtt_jiffies: 1,
        rto_ms: 200,
        mtu: 1500,
    };
    let started = Instant::now();
    for tick in 0..ticks {
        let t = tick as f64 * 0.1;
        for a in 0..n {
            let primary = path("10.1.1.2:6000", 4380 + (tick % 97) as u32);
            let status = Status {
                assoc: AssocId(a as i32 + 1),
                state: AssocState::Established,
                rwnd: 106_496,
                unacked: (tick % 3) as u16,
                pending: 0,
                inbound_streams: 10,
                outbound_streams: 10,
                fragmentation_point: 1452,
                primary,
            };
            let stats = AssocStats { packets_out: tick as u64, packets_in: tick as u64, ..Default::default() };
            model.apply(&Stamped {
                t,
                event: Event::Sample {
                    ep,
                    assoc: status.assoc,
                    status,
                    paths: vec![PathSample::Info(primary), PathSample::Info(path("10.2.2.2:6000", 4380))],
                    stats: Some(stats),
                    tags: None,
                },
            });
        }
    }
    let took = started.elapsed();
    let after = rss_kib();
    let (kept, max) = model.history_bound();
    let (points, dropped) = model.series_totals();
    rows.push(Row::info(
        "memory",
        format!(
            "RSS growth with {n} two-path associations × {:.0} min of 10 Hz samples, fed to the window's model ({} \
             series; model only, on this host, {:.1} µs a sample)",
            ticks as f64 / 600.0,
            model.series.len(),
            took.as_secs_f64() * 1e6 / (ticks * n).max(1) as f64
        ),
        format!(
            "+{} MiB; history bound {kept} points a series ({:.0} s at 10 Hz; an hour is {max}, the floor \
             {MIN_POINTS_PER_SERIES}): {points} held, {dropped} dropped",
            after.saturating_sub(before) / 1024,
            kept as f64 / 10.0
        ),
    ));
}
