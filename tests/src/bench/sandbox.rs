//! The sandbox kernel from the host, as the window drives it where the host has no SCTP:
//! a command's round trip over the serial line (anchor: the worker thread in this process),
//! and how fast the worker's events reach this side (anchor: how fast the worker inside
//! produced them, on its own clock). Runs on the host, never inside the rig.

use super::{Row, Sizes, Verdict, await_reply, percentile};
use sctp_core::SendInfo;
use sctp_core::worker::{Command, Event, Reply, Stamped, WorkerHandle};
use std::time::{Duration, Instant};

/// How long a command may take, the burst included.
const PATIENCE: Duration = Duration::from_secs(60);

fn run(worker: &WorkerHandle, command: Command) -> Result<Reply, String> {
    let what = command.describe();
    await_reply(worker, worker.send(command), PATIENCE, |_| {})?.map_err(|e| format!("{what}: {e}"))
}

/// Round trips of a command that touches no socket (so the host needs no SCTP), ms sorted.
fn round_trips(worker: &WorkerHandle, n: usize) -> Result<Vec<f64>, String> {
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        run(worker, Command::SetSampleInterval { ms: 100 + (i as u64 % 2) })?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    Ok(times)
}

pub fn run_section(sizes: &Sizes, rows: &mut Vec<Row>) -> Result<(), String> {
    let n = if sizes.messages >= 10_000 { 500 } else { 20 };
    let thread = WorkerHandle::spawn(Box::new(|| {})).map_err(|e| format!("start a worker thread: {e}"))?;
    // The thread's first sample and hello come first: not part of a round trip.
    std::thread::sleep(Duration::from_millis(200));
    let anchor = round_trips(&thread, n)?;
    drop(thread);
    let boot = Instant::now();
    let worker = crate::sandbox_worker(Box::new(|| {}));
    loop {
        let ev = worker.events().recv_timeout(Duration::from_secs(60)).map_err(|_| "no hello from the sandbox")?;
        if let Event::Hello { kernel_sctp, .. } = ev.event {
            kernel_sctp.map_err(|e| format!("the sandbox kernel has no SCTP: {e}"))?;
            break;
        }
    }
    let booted = boot.elapsed();
    let ours = round_trips(&worker, n)?;
    let (median, p99) = (percentile(&ours, 0.5), percentile(&ours, 0.99));
    let anchor_median = percentile(&anchor, 0.5);
    rows.push(Row {
        section: "sandbox",
        what: format!("command round trip host <-> sandbox kernel (SetSampleInterval -> Done), median of {n}"),
        ours: format!("{median:.3} ms (p99 {p99:.3} ms)"),
        anchor: format!("worker thread in this process {anchor_median:.3} ms"),
        ratio: format!("{:.0}× slower", median / anchor_median),
        target: String::new(),
        verdict: Verdict::Info,
        note: Some(
            "the request crosses the credit-controlled line into the guest, the worker there answers, and the \
             reply comes back up: two serial-line crossings and several User-Mode Linux context switches, against \
             two channel hand-offs in one process. A person clicking does not notice a millisecond."
                .into(),
        ),
    });
    rows.push(Row::info("sandbox", "boot to the worker's hello (User-Mode Linux, rig run)", format!("{booted:.2?}")));
    events(sizes, &worker, rows)?;
    drop(worker);
    super::plots::first_frame("sandbox", "sandbox", "window on this host, sandbox kernel booting behind it", rows);
    whole_window(sizes, rows)?;
    super::memory::associations_for_an_hour(sizes, rows);
    Ok(())
}

/// A loopback burst inside the sandbox: every received message is an event the host gets.
fn events(sizes: &Sizes, worker: &WorkerHandle, rows: &mut Vec<Row>) -> Result<(), String> {
    // Inside the sandbox nothing else binds: a fixed port.
    let to = std::net::SocketAddr::from(([127, 0, 0, 1], 7400));
    let open = |label: &str, port: u16| {
        // The data-path section's endpoint and its 1 MiB buffers: with the kernel's default
        // 16 KiB send buffer a burst of small messages waits on SACKs every ≈20 messages.
        match run(worker, Command::Open { label: label.into(), config: super::datapath::config(port) })? {
            Reply::Endpoint { ep } => Ok(ep),
            other => Err(format!("open {label}: {other:?}")),
        }
    };
    let server = open("server", to.port())?;
    run(worker, Command::Listen { ep: server, backlog: 8 })?;
    let client = open("client", 0)?;
    let Reply::Assoc { assoc } =
        run(worker, Command::Connect { ep: client, addrs: vec![to], init: None, timeout_ms: Some(5000) })?
    else {
        return Err("connect: no association".into());
    };
    let count = sizes.messages;
    let info = SendInfo { assoc, stream: 1, ppid: 46, ..Default::default() };
    let id = worker.send(Command::Send { ep: client, info, payload: vec![b'x'; 100], count, interval_ms: 0 });
    let mut tally = Tally::default();
    await_reply(worker, id, PATIENCE, |ev| tally.see(ev, server))?.map_err(|e| format!("the burst: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while tally.received + tally.dropped < u64::from(count) && Instant::now() < deadline {
        if let Ok(ev) = worker.events().recv_timeout(Duration::from_millis(500)) {
            tally.see(&ev, server);
        }
    }
    let Tally { received, dropped, first, last } = tally;
    let (Some((host_first, guest_first)), Some((host_last, guest_last))) = (first, last) else {
        return Err("no message events reached the host".into());
    };
    let host_s = host_last.duration_since(host_first).as_secs_f64().max(1e-6);
    let guest_s = (guest_last - guest_first).max(1e-6);
    let (host_rate, guest_rate) = (received as f64 / host_s, received as f64 / guest_s);
    rows.push(Row {
        section: "sandbox",
        what: format!(
            "received-message events reaching the host: {count} × 100 B over loopback inside ({received} arrived, \
             {dropped} dropped by the worker's queue)"
        ),
        ours: format!("{host_rate:.0} events/s"),
        anchor: format!("made inside {guest_rate:.0} events/s"),
        ratio: format!("{:.2}×", host_rate / guest_rate),
        target: "≥ 0.9×, none dropped".into(),
        verdict: if host_rate >= 0.9 * guest_rate && dropped == 0 { Verdict::Met } else { Verdict::Missed },
        note: Some(
            "the line keeps up with what the worker inside makes: what it makes is the limit (the worker sends \
             and receives the burst itself, inside User-Mode Linux, where every syscall is a host round trip). \
             The ≈500/s seen before had two causes: this burst ran on the kernel's default 16 KiB send buffer \
             (it now has 1 MiB, as the data-path section), and the process serving the line woke and flushed \
             the line once per event (it now wakes once per turn of the worker and writes all that is queued)."
                .into(),
        ),
    });
    Ok(())
}

/// The burst's message events as they reach the host: counts, and the first and last
/// arrival on this side's clock and the worker's.
#[derive(Default)]
struct Tally {
    received: u64,
    dropped: u64,
    first: Option<(Instant, f64)>,
    last: Option<(Instant, f64)>,
}

impl Tally {
    fn see(&mut self, ev: &Stamped, server: sctp_core::worker::EpId) {
        match &ev.event {
            Event::Data { ep, .. } if *ep == server => {
                self.received += 1;
                let now = (Instant::now(), ev.t);
                self.first.get_or_insert(now);
                self.last = Some(now);
            }
            Event::Dropped { counts } => self.dropped = counts.data,
            _ => {}
        }
    }
}

/// The whole window on this host, where a machine without SCTP runs it, over live
/// associations in a new sandbox kernel: K one-to-many servers and K clients inside, every
/// client connected to every server over both loopback addresses. Both ends of each are the
/// worker's, so the window holds 2K² ≥ N associations (as many as the rig's row, whose
/// clients are outside the worker), sampled there at 10 Hz, every sample crossing the line.
fn whole_window(sizes: &Sizes, rows: &mut Vec<Row>) -> Result<(), String> {
    use sctp_core::model::Model;
    let worker = crate::sandbox_worker(Box::new(|| {}));
    let mut model = Model::default();
    let mut call = |command: Command| {
        let what = command.describe();
        await_reply(&worker, worker.send(command), PATIENCE, |s| model.apply(s))?.map_err(|e| format!("{what}: {e}"))
    };
    call(Command::SetSamplerShare { percent: 100 })?;
    call(Command::SetSampleInterval { ms: 100 })?;
    let k = (sizes.associations as f64 / 2.0).sqrt().ceil() as u16;
    let endpoint = |reply| match reply {
        Reply::Endpoint { ep } => Ok(ep),
        other => Err(format!("open: {other:?}")),
    };
    let mut servers = Vec::new();
    for i in 0..k {
        let ep = endpoint(call(Command::Open {
            label: format!("server {i}"),
            config: super::sampler::server_config(7500 + i),
        })?)?;
        call(Command::Listen { ep, backlog: 1024 })?;
        servers.push((ep, 7500 + i));
    }
    for i in 0..k {
        let config = super::sampler::server_config(0);
        let client = endpoint(call(Command::Open { label: format!("client {i}"), config })?)?;
        for &(_, port) in &servers {
            let addrs = super::sampler::two_addrs().into_iter().map(|a| std::net::SocketAddr::new(a, port)).collect();
            call(Command::Connect { ep: client, addrs, init: None, timeout_ms: Some(10_000) })?;
        }
    }
    let n = usize::from(k) * usize::from(k);
    let first_server = servers[0].0;
    let mut app = super::sampler::window_on(worker, model, first_server);
    // Until a sample of every association end reached this side.
    let deadline = Instant::now() + PATIENCE;
    loop {
        let sampled =
            app.session.model.endpoints.values().map(|v| v.assocs.values().filter(|a| a.status.is_some()).count());
        if sampled.sum::<usize>() >= 2 * n {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!("not every one of the {n} associations' ends was sampled within a minute"));
        }
        super::plots::paced_frames(&mut app, 10, Duration::from_millis(16));
    }
    let what = format!(
        "whole window on this host, {} live associations (both ends of {n} in the sandbox kernel, sampled there at \
         10 Hz; tree, one association's plots, log)",
        2 * n
    );
    super::sampler::window_rows("sandbox", &what, sizes.plot_frames * 5, &mut app, rows);
    Ok(())
}
