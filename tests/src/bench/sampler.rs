//! Sampler: one full sample (status with the primary path, every other path's info,
//! association counters) of a server with N two-path associations — sctp-core's sampler vs
//! a C program making the same getsockopt calls, in the same boot — and the CPU share when
//! the worker samples them at 10 Hz.

use super::{Row, Sizes, Spread, Verdict, process_cpu, rss_kib};
use sctp_core::model::Model;
use sctp_core::worker::dump_sampler::DumpSampler;
use sctp_core::worker::sampler::Sampler;
use sctp_core::worker::{Command, EpId, Event, Reply, WorkerHandle};
use sctp_core::{AssocId, Endpoint, EndpointConfig, Style};
use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::process::Command as Process;
use std::time::{Duration, Instant};

const LOCAL: [[u8; 4]; 2] = [[127, 0, 0, 1], [127, 0, 0, 2]];

pub(super) fn two_addrs() -> Vec<IpAddr> {
    LOCAL.iter().map(|a| IpAddr::from(*a)).collect()
}

pub(super) fn server_config(port: u16) -> EndpointConfig {
    EndpointConfig { style: Style::OneToMany, addrs: two_addrs(), port, ..Default::default() }
}

/// N client sockets, each bound to both loopback addresses, connecting to `port` on both.
fn clients(n: usize, port: u16) -> Result<Vec<Endpoint>, String> {
    let peers: Vec<SocketAddr> = LOCAL.iter().map(|a| SocketAddr::from((*a, port))).collect();
    (0..n)
        .map(|_| {
            let ep = Endpoint::open(&EndpointConfig { addrs: two_addrs(), ..Default::default() })
                .map_err(|e| e.to_string())?;
            ep.connect_init(&peers).map_err(|e| e.to_string())?;
            Ok(ep)
        })
        .collect()
}

fn wait_for_assocs(server: &Endpoint, n: usize) -> Result<Vec<AssocId>, String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ids = server.assoc_ids().map_err(|e| e.to_string())?;
        if ids.len() >= n {
            return Ok(ids);
        }
        if Instant::now() > deadline {
            return Err(format!("only {} of {n} associations came up", ids.len()));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One sample of every association, the way the worker takes it; returns the number of
/// getsockopt calls made.
fn sample(sampler: &mut Sampler, server: &Endpoint, ids: &[AssocId]) -> Result<u64, String> {
    let before = sampler.calls();
    for &id in ids {
        sampler.sample(server, id, id).map_err(|e| e.to_string())?;
    }
    Ok(sampler.calls() - before)
}

/// The C floor's best sample time in µs over the associations of `on` (handed to it as its
/// stdin), best of `rounds`.
fn c_floor(c_floor: &Path, rounds: usize, on: &Endpoint) -> Result<f64, String> {
    use std::os::fd::AsFd;
    let fd = on.as_fd().try_clone_to_owned().map_err(|e| format!("dup the sampled socket: {e}"))?;
    let out = Process::new(c_floor)
        .arg(rounds.to_string())
        .stdin(fd)
        .output()
        .map_err(|e| format!("run {}: {e}", c_floor.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("floor_us_per_sample ")?.trim().parse().ok())
        .ok_or_else(|| format!("{} said: {text}{}", c_floor.display(), String::from_utf8_lossy(&out.stderr)))
}

/// Turns of ours and the C floor over the same associations.
const TURNS: usize = 5;

/// Waits until the kernel has no associations left (closing sockets shut theirs down in
/// the background, which would load whatever is measured next).
pub(super) fn settle() {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let lines = std::fs::read_to_string("/proc/net/sctp/assocs").map(|t| t.lines().count()).unwrap_or(1);
        if lines <= 1 {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub fn run(sizes: &Sizes, floor_program: &Path, rows: &mut Vec<Row>) -> Result<(), String> {
    let n = sizes.associations;
    settle();
    // sctp-core, same calls as the worker's sampler.
    let server = Endpoint::open(&server_config(9200)).map_err(|e| e.to_string())?;
    server.listen(1024).map_err(|e| e.to_string())?;
    let clients = clients(n, 9200)?;
    let ids = wait_for_assocs(&server, n)?;
    let mut sampler = Sampler::default();
    // The first sample also reads each association's peer list (cached afterwards).
    sample(&mut sampler, &server, &ids)?;
    // Per turn: our best of a few samples, then the C floor's over the same associations.
    // Where a syscall's cost moves within a boot (User-Mode Linux: 8 to 87 µs seen), it
    // then moves both.
    let rounds = sizes.sample_rounds.div_ceil(2);
    let (mut ours, mut floors, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let mut calls = 0;
    for _ in 0..TURNS {
        let mut best = f64::MAX;
        for _ in 0..rounds {
            let t0 = Instant::now();
            calls = sample(&mut sampler, &server, &ids)?;
            best = best.min(t0.elapsed().as_secs_f64() * 1e6);
        }
        let floor = c_floor(floor_program, rounds, &server)?;
        ours.push(best);
        floors.push(floor);
        ratios.push(best / floor);
    }
    let by_dump = dump_sampling(&server, sizes.sample_rounds)?;
    drop(clients);
    drop(server);
    settle();
    let (floors, ratios) = (Spread::of(floors), Spread::of(ratios));
    let (best, floor, ratio) = (Spread::of(ours).median, floors.median, ratios.median);
    let anchor =
        format!("C floor {:.1} ms (turns {:.1}–{:.1})", floor / 1000.0, floors.low / 1000.0, floors.high / 1000.0);
    rows.push(Row {
        section: "sampler",
        what: format!(
            "one sample: {n} associations × 2 paths ({calls} getsockopt), best of {rounds}, in {TURNS} turns with the C \
             floor over the same associations: medians (the ratio: of the turns' ratios, {:.2}–{:.2}×)",
            ratios.low, ratios.high
        ),
        ours: format!("{:.1} ms", best / 1000.0),
        anchor: anchor.clone(),
        ratio: format!("{ratio:.2}×"),
        target: "≤ 1.0×".into(),
        verdict: if ratio <= 1.0 { Verdict::Met } else { Verdict::Missed },
        note: (ratio > 1.0).then(|| {
            format!(
                "the same {calls} calls as the C floor; the difference is our own work per association (each reply \
                 turned into typed values, the sample built and handed on): {:.1} µs here, which counts where user \
                 code is slow to run (QEMU TCG emulates it, ≈10× slower than this host's CPU).",
                (best - floor) / n as f64
            )
        }),
    });
    // The dump is what reads associations other programs own; for our own the worker times
    // both methods and samples by the cheaper (the process CPU row names it): which one
    // wins depends on the kernel's syscall cost, so these rows carry no target.
    let dump_rows = [
        ("idle associations: one dump, getsockopt only where a packet moved", by_dump.idle, by_dump.idle_calls),
        (
            "every association active: the dump + its other path and primary mtu by getsockopt",
            by_dump.busy,
            by_dump.busy_calls,
        ),
    ];
    for (what, t, calls) in dump_rows {
        rows.push(Row {
            section: "sampler",
            what: format!(
                "by sock_diag dump, {n} associations × 2 paths, {what} ({calls} getsockopt), best of {}",
                sizes.sample_rounds
            ),
            ours: format!("{:.1} ms", t / 1000.0),
            anchor: anchor.clone(),
            ratio: format!("{:.2}×", t / floor),
            target: String::new(),
            verdict: Verdict::Info,
            note: None,
        });
    }
    // The C floor makes three calls per association: SCTP_STATUS, the other path, the stats.
    let per_call = floor / (3 * n) as f64;
    rows.push(Row::info(
        "sampler",
        "cost of one getsockopt on this kernel (C floor / calls)",
        format!("{per_call:.1} µs"),
    ));
    worker_share(sizes, per_call, &by_dump, rows)
}

/// The dump sampler's tick over the server's associations, best of `rounds`, µs: idle
/// (as found) and with every association's paths marked changed.
struct DumpTimes {
    idle: f64,
    idle_calls: usize,
    busy: f64,
    busy_calls: usize,
}

fn dump_sampling(server: &Endpoint, rounds: usize) -> Result<DumpTimes, String> {
    let mut sampler = DumpSampler::open(None).map_err(|e| e.to_string())?;
    let eps = [(EpId(1), server)];
    // The first tick names every association (SCTP_STATUS once each).
    sampler.sample(&eps).map_err(|e| e.to_string())?;
    let mut tick = |busy: bool| -> Result<(f64, usize), String> {
        let mut best = f64::MAX;
        let mut calls = 0;
        for _ in 0..rounds {
            if busy {
                sampler.invalidate_all();
            }
            let t0 = Instant::now();
            calls = sampler.sample(&eps).map_err(|e| e.to_string())?.getsockopt_calls;
            best = best.min(t0.elapsed().as_secs_f64() * 1e6);
        }
        Ok((best, calls))
    };
    let (idle, idle_calls) = tick(false)?;
    let (busy, busy_calls) = tick(true)?;
    Ok(DumpTimes { idle, idle_calls, busy, busy_calls })
}

/// The worker sampling N associations at 10 Hz: its process's CPU share.
fn worker_share(sizes: &Sizes, per_call_us: f64, by_dump: &DumpTimes, rows: &mut Vec<Row>) -> Result<(), String> {
    let n = sizes.associations;
    let worker =
        WorkerHandle::spawn_with_interval(Box::new(|| {}), Duration::from_millis(100)).map_err(|e| e.to_string())?;
    let wait = |id: u64| super::await_reply(&worker, id, Duration::from_secs(30), |_| {})?.map_err(|e| e.to_string());
    let ep = match wait(worker.send(Command::Open { label: "server".into(), config: server_config(9400) }))? {
        Reply::Endpoint { ep } => ep,
        other => return Err(format!("open: {other:?}")),
    };
    wait(worker.send(Command::Listen { ep, backlog: 1024 }))?;
    // Measured at the rate asked, not capped by the default share of a core.
    wait(worker.send(Command::SetSamplerShare { percent: 100 }))?;
    // The events go into a model, as in the window.
    let mut model = Model::default();
    let rss_before = rss_kib();
    let _clients = clients(n, 9400)?;
    // Wait until one sampling round covers every association.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = BTreeSet::new();
    while seen.len() < n {
        if Instant::now() > deadline {
            return Err(format!("the worker sampled only {} of {n} associations", seen.len()));
        }
        if let Ok(s) = worker.events().recv_timeout(Duration::from_secs(1)) {
            if let Event::Sample { assoc, .. } = s.event {
                seen.insert(assoc);
            }
            model.apply(&s);
        }
    }
    // Drained once per frame, as the window does (a consumer that waits on every event
    // would pay a futex wake per event, which User-Mode Linux charges a host round trip).
    let (cpu0, t0) = (process_cpu(), Instant::now());
    let mut samples = 0u64;
    let mut applying = Duration::ZERO;
    while t0.elapsed() < sizes.cpu_window {
        std::thread::sleep(Duration::from_millis(16));
        let events = worker.drain();
        let t = Instant::now();
        for s in events {
            samples += u64::from(matches!(s.event, Event::Sample { .. }));
            model.apply(&s);
        }
        applying += t.elapsed();
    }
    let rss_after = rss_kib();
    let wall = t0.elapsed().as_secs_f64();
    let share = (process_cpu() - cpu0).as_secs_f64() / wall * 100.0;
    let rate = samples as f64 / wall / n as f64;
    let method = model.sampling.as_ref().map_or("method not said".to_string(), |(m, ..)| m.to_string());
    rows.push(Row {
        section: "sampler",
        what: format!("process CPU (worker + model) sampling {n} associations at 10 Hz ({method}; achieved {rate:.1} Hz)"),
        ours: format!("{share:.0} % of a core"),
        anchor: String::new(),
        ratio: String::new(),
        target: "< 5 %".into(),
        verdict: if share < 5.0 { Verdict::Met } else { Verdict::Missed },
        note: (share >= 5.0).then(|| {
            format!(
                "per tick: one dump of every association end in the namespace ({:.1} ms here, with both ends of all {n} \
                 associations on this host; the kernel restarts its transport walk for each 32 KiB datagram, so the cost \
                 per association grows with their number), a few getsockopt for associations whose heartbeats moved a \
                 packet, and the model's update ({:.0} µs per sample here, mostly first-touch page faults while the series \
                 grow — User-Mode Linux takes each one to the host). Every syscall is a host round trip here ({per_call_us:.1} µs per getsockopt; QEMU/TCG was \
                 measured at ≈2.3 µs, bare metal ≈1 µs). On this kernel: sample less often, or let the share cap \
                 stretch the period (the status bar says when it does).",
                by_dump.idle / 1000.0,
                applying.as_secs_f64() * 1e6 / samples.max(1) as f64,
            )
        }),
    });
    rows.push(Row::info(
        "sampler",
        format!("model update per sample (of those {samples} samples; wall time, the worker shares the CPU)"),
        format!("{:.1} µs", applying.as_secs_f64() * 1e6 / samples.max(1) as f64),
    ));
    rows.push(Row::info(
        "memory",
        format!("RSS before and after {n} associations ({} points in the model)", model.series_totals().0),
        format!("{} MiB → {} MiB", rss_before / 1024, rss_after / 1024),
    ));
    whole_window(sizes, worker, model, ep, rows);
    Ok(())
}

/// The whole window over those live associations, as a person has it: the tree of every
/// association, one association's plots, the log, samples of all of them arriving at 10 Hz,
/// a frame every 16 ms. The frame's own time (events taken in, laid out, tessellated).
fn whole_window(sizes: &Sizes, worker: WorkerHandle, model: Model, ep: EpId, rows: &mut Vec<Row>) {
    let n = sizes.associations;
    let mut app = window_on(worker, model, ep);
    let what = format!("whole window, {n} live associations sampled at 10 Hz (tree, one association's plots, log)");
    window_rows("plots", &what, sizes.plot_frames * 5, &mut app, rows);
}

/// The window driving `worker`, its model so far, `ep`'s first association selected.
pub(super) fn window_on(worker: WorkerHandle, model: Model, ep: EpId) -> sctp_inspector::app::InspectorApp {
    use sctp_inspector::app::{InspectorApp, UiState};
    let mut state = UiState::default();
    state.sel.ep = Some(ep);
    state.sel.assoc = model.endpoints.get(&ep).and_then(|v| v.assocs.keys().next().copied());
    let mut app = InspectorApp::with_worker(Some(worker), state);
    app.session.model = model;
    app
}

/// `frames` frames of `app` paced at 16 ms: the UI thread's CPU per frame (median, p99,
/// mean; target p99 ≤ 4 ms) and the wall time, as two rows named by `what`.
pub(super) fn window_rows(
    section: &'static str,
    what: &str,
    frames: usize,
    app: &mut sctp_inspector::app::InspectorApp,
    rows: &mut Vec<Row>,
) {
    let dropped_before = app.session.model.dropped_events.samples;
    let (wall, cpu) = super::plots::paced_frames(app, frames, Duration::from_millis(16));
    let dropped = app.session.model.dropped_events.samples - dropped_before;
    let (median, p99) = (super::percentile(&cpu, 0.5), super::percentile(&cpu, 0.99));
    let mean = cpu.iter().sum::<f64>() / cpu.len().max(1) as f64;
    // User-Mode Linux's thread CPU clock moves in whole jiffies (10 ms): most frames read
    // 0 and a few 10 or 20. Its mean over many frames still holds; a p99 does not.
    let coarse = cpu.iter().filter(|c| **c == 0.0).count() * 2 > cpu.len();
    rows.push(Row {
        section,
        what: format!(
            "{what}, a frame every 16 ms: the UI thread's CPU per frame, median / p99 / mean ({dropped} samples \
             dropped meanwhile)"
        ),
        ours: format!("{median:.2} ms / {p99:.2} ms / {mean:.2} ms"),
        anchor: String::new(),
        ratio: String::new(),
        target: "p99 ≤ 4 ms".into(),
        verdict: match (coarse, p99 <= 4.0) {
            (true, _) => Verdict::Info,
            (false, true) => Verdict::Met,
            (false, false) => Verdict::Missed,
        },
        note: Some(format!(
            "CPU time of the thread drawing the frame (the events it takes in, layout, tessellation); the wall \
             time also holds whatever else ran on its CPU meanwhile (in the rig's one-CPU machines, the worker's \
             sampling). A frame takes in events for at most {} µs and leaves the rest to the next one.{}",
            sctp_inspector::app::PUMP_BUDGET.as_micros(),
            if coarse {
                " Here the thread CPU clock moves in whole jiffies, so only the mean is a measurement; no verdict."
            } else {
                ""
            }
        )),
    });
    rows.push(Row::info(
        section,
        format!("{what}: wall time per frame, median / p99"),
        format!("{:.2} ms / {:.2} ms", super::percentile(&wall, 0.5), super::percentile(&wall, 0.99)),
    ));
}
