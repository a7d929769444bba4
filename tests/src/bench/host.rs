//! The host monitor at scale: N associations on one host (one-to-many clients × one-to-many
//! servers on loopback, so a few hundred sockets hold ten thousand associations), read by
//! the sock_diag dump: syscalls, decode, the /proc join, the host model's update, its
//! memory; and the worker's own sampling by dump over the servers' N associations.

use super::{Row, Sizes, rss_kib};
use sctp_core::diag::reader::HostSampler;
use sctp_core::host::{HostLimits, HostModel};
use sctp_core::hz::KernelHz;
use sctp_core::worker::EpId;
use sctp_core::worker::dump_sampler::DumpSampler;
use sctp_core::{Endpoint, EndpointConfig, Style};
use sctp_inspector::app::{CentreTab, InspectorApp, UiState};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

const FIRST_PORT: u16 = 11_000;

fn loopback() -> Vec<IpAddr> {
    vec![IpAddr::from([127, 0, 0, 1])]
}

fn best_of<T>(rounds: usize, mut f: impl FnMut() -> Result<T, String>) -> Result<(Duration, T), String> {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..rounds.max(1) {
        let t0 = Instant::now();
        let out = f()?;
        best = best.min(t0.elapsed());
        last = Some(out);
    }
    Ok((best, last.expect("at least one round")))
}

fn per_assoc(d: Duration, n: usize) -> String {
    format!("{:.1} µs per association", d.as_secs_f64() * 1e6 / n.max(1) as f64)
}

pub fn run(sizes: &Sizes, rows: &mut Vec<Row>) -> Result<(), String> {
    let n = sizes.host_associations;
    let servers_n = (n as f64).sqrt().ceil() as usize;
    let clients_n = n.div_ceil(servers_n);
    let open = |config: EndpointConfig| Endpoint::open(&config).map_err(|e| e.to_string());
    let servers = (0..servers_n)
        .map(|i| {
            let port = FIRST_PORT + i as u16;
            let ep = open(EndpointConfig { style: Style::OneToMany, addrs: loopback(), port, ..Default::default() })?;
            ep.listen(4096).map_err(|e| e.to_string())?;
            Ok(ep)
        })
        .collect::<Result<Vec<_>, String>>()?;
    let set_up = Instant::now();
    let clients = (0..clients_n)
        .map(|_| {
            let ep = open(EndpointConfig { style: Style::OneToMany, addrs: loopback(), ..Default::default() })?;
            for i in 0..servers_n {
                let peer = SocketAddr::from(([127, 0, 0, 1], FIRST_PORT + i as u16));
                ep.connect_init(&[peer]).map_err(|e| e.to_string())?;
            }
            Ok(ep)
        })
        .collect::<Result<Vec<_>, String>>()?;
    let total = servers_n * clients_n;
    let mut sampler = HostSampler::open(None).map_err(|e| e.to_string())?;
    // Both ends are on this host: the dump lists every association twice.
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let listed = sampler.dump().map_err(|e| e.to_string())?.assocs.len();
        if listed >= 2 * total {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!("only {listed} of {} association ends came up", 2 * total));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let setup_s = set_up.elapsed().as_secs_f64();
    let ends = 2 * total;
    let rounds = sizes.sample_rounds;

    let (dump_t, raw) = best_of(rounds, || sampler.dump_raw().map_err(|e| e.to_string()))?;
    let bytes: usize = raw.iter().map(Vec::len).sum();
    rows.push(Row::info(
        "host",
        format!(
            "sock_diag dump of {ends} association ends ({total} associations, both ends on this host; {} datagrams, {} KiB), best of {rounds}",
            raw.len(),
            bytes / 1024
        ),
        format!("{:.1} ms · {}", dump_t.as_secs_f64() * 1e3, per_assoc(dump_t, ends)),
    ));
    let datagrams: Vec<&[u8]> = raw.iter().map(Vec::as_slice).collect();
    // The replies carry the request's sequence number (nlmsghdr bytes 8..12).
    let seq = raw.first().and_then(|d| d.get(8..12)).map_or(0, |b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
    let (decode_t, dump) = best_of(rounds, || {
        sctp_core::diag::decode_all(seq, KernelHz::get(), &datagrams).map_err(|e| format!("{e:?}"))
    })?;
    if dump.assocs.len() < ends {
        return Err(format!("the decoder found {} of {ends} association ends", dump.assocs.len()));
    }
    rows.push(Row::info(
        "host",
        format!("decode of that dump ({} associations, {} endpoints)", dump.assocs.len(), dump.endpoints.len()),
        per_assoc(decode_t, dump.assocs.len()),
    ));
    let (snap_t, snap) = best_of(rounds, || sampler.snapshot().map_err(|e| e.to_string()))?;
    rows.push(Row::info(
        "host",
        format!(
            "snapshot: dump + decode + /proc/net/sctp join + owners ({} paths)",
            snap.assocs.iter().map(|a| a.paths.len()).sum::<usize>()
        ),
        format!("{:.1} ms · {}", snap_t.as_secs_f64() * 1e3, per_assoc(snap_t, snap.assocs.len())),
    ));
    let rss_before = rss_kib();
    let mut model = HostModel::default();
    let mut t = 0.0;
    let (apply_t, ()) = best_of(rounds, || {
        t += 1.0;
        model.apply(t, snap.clone());
        Ok(())
    })?;
    drop(snap);
    let rss_after = rss_kib();
    // The Host view over that model: the whole window's frame, rows virtualised.
    let state = UiState { centre: CentreTab::Host, ..Default::default() };
    let mut app = InspectorApp::with_worker(None, state);
    app.session.model.host = model;
    let (median, p99) = super::plots::frames(&mut app, sizes.plot_frames);
    let model = std::mem::take(&mut app.session.model.host);
    rows.push(Row::info(
        "host",
        format!(
            "window frame, Host view with {} associations (table sorted and filtered once per snapshot): median / p99",
            model.live_count()
        ),
        format!("{median:.2} ms / {p99:.2} ms"),
    ));
    rows.push(Row::info(
        "host",
        format!("host model update with {} associations (clone of the snapshot included)", model.live_count()),
        per_assoc(apply_t, model.live_count()),
    ));
    rows.push(Row::info(
        "memory",
        format!(
            "host model holding {} associations (history for the first {} only)",
            model.live_count(),
            HostLimits::default().assocs_with_history
        ),
        format!("+{} MiB RSS", rss_after.saturating_sub(rss_before) / 1024),
    ));

    // The worker's own sampling: the servers' associations by dump.
    let mut own = DumpSampler::open(None).map_err(|e| e.to_string())?;
    let eps: Vec<(EpId, &Endpoint)> = servers.iter().enumerate().map(|(i, ep)| (EpId(i as u32 + 1), ep)).collect();
    let first = Instant::now();
    let tick = own.sample(&eps).map_err(|e| e.to_string())?;
    let first_t = first.elapsed();
    let sampled: usize = tick.endpoints.iter().map(|e| e.samples.len()).sum();
    let (idle_t, idle) = best_of(rounds, || own.sample(&eps).map_err(|e| e.to_string()))?;
    rows.push(Row::info(
        "host",
        format!(
            "own sampling by dump of {sampled} associations of {servers_n} endpoints: an idle tick ({} getsockopt; the first tick, which names every association, took {:.0} ms and {} calls)",
            idle.getsockopt_calls,
            first_t.as_secs_f64() * 1e3,
            tick.getsockopt_calls
        ),
        format!("{:.1} ms · {}", idle_t.as_secs_f64() * 1e3, per_assoc(idle_t, sampled)),
    ));
    rows.push(Row::info("host", format!("setting up {total} associations"), format!("{setup_s:.1} s")));
    drop(clients);
    drop(servers);
    super::sampler::settle();
    Ok(())
}
