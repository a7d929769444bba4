//! Data path: the app's burst sender (worker, 1 KiB messages, one stream then ten) against
//! iperf3 --sctp and lksctp's sctp_test over the same loopback link, in messages/s, with
//! the receiver's model applying every event and its log staying bounded.

use super::{Row, Sizes, Spread, Verdict};
use sctp_core::model::Model;
use sctp_core::worker::{Command, EpId, Event, Reply, WorkerHandle};
use sctp_core::{EndpointConfig, SendInfo, SocketOptions, Style};
use std::net::SocketAddr;
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

const BUF: u32 = 1 << 20;

/// A one-to-many endpoint on 127.0.0.1:`port` with 1 MiB send and receive buffers.
pub(super) fn config(port: u16) -> EndpointConfig {
    EndpointConfig {
        style: Style::OneToMany,
        addrs: vec![[127, 0, 0, 1].into()],
        port,
        options: SocketOptions { sndbuf: Some(BUF), rcvbuf: Some(BUF), ..Default::default() },
        ..Default::default()
    }
}

struct Session {
    worker: WorkerHandle,
    model: Model,
    client: EpId,
    assoc: sctp_core::AssocId,
}

impl Session {
    fn wait(&mut self, id: u64) -> Result<Reply, String> {
        let model = &mut self.model;
        super::await_reply(&self.worker, id, Duration::from_secs(30), |s| model.apply(s))?.map_err(|e| e.to_string())
    }

    /// Sends `n` messages split over `streams` bursts; messages/s until all arrived.
    fn burst(&mut self, n: u32, streams: u16) -> Result<f64, String> {
        let (client, assoc) = (self.client, self.assoc);
        let before = self.model.data_messages;
        let t0 = Instant::now();
        for s in 0..streams {
            let info = SendInfo { assoc, stream: s, ppid: 46, ..Default::default() };
            self.worker.send(Command::Send {
                ep: client,
                info,
                payload: vec![0x5a; 1024],
                count: n / u32::from(streams),
                interval_ms: 0,
            });
        }
        let want = before + u64::from(n / u32::from(streams) * u32::from(streams));
        // As the window takes events: woken by the worker once per turn of its loop, then
        // everything queued at once (a blocking receive per event would wake this thread,
        // a futex call each way, for every message).
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.model.data_messages < want {
            let mut took = false;
            for s in self.worker.events().try_iter() {
                if let Event::Done { outcome: Err(e), .. } = &s.event {
                    return Err(e.to_string());
                }
                self.model.apply(&s);
                took = true;
            }
            if !took {
                if Instant::now() > deadline {
                    return Err(format!("only {} of {n} messages arrived", self.model.data_messages - before));
                }
                std::thread::park_timeout(Duration::from_millis(50));
            }
        }
        Ok(n as f64 / t0.elapsed().as_secs_f64())
    }
}

/// The worker with a server and a client associated with it over loopback (ten streams).
fn ours() -> Result<Session, String> {
    let this = std::thread::current();
    let worker = WorkerHandle::spawn(Box::new(move || this.unpark())).map_err(|e| e.to_string())?;
    let mut s = Session { worker, model: Model::default(), client: EpId(0), assoc: sctp_core::AssocId(0) };
    let Reply::Endpoint { ep: server } =
        s.wait(s.worker.send(Command::Open { label: "server".into(), config: config(9500) }))?
    else {
        return Err("open server".into());
    };
    s.wait(s.worker.send(Command::Listen { ep: server, backlog: 8 }))?;
    let Reply::Endpoint { ep: client } =
        s.wait(s.worker.send(Command::Open { label: "client".into(), config: config(0) }))?
    else {
        return Err("open client".into());
    };
    let init = sctp_core::options::InitMsg { num_ostreams: 10, max_instreams: 10, ..Default::default() };
    let to = vec![SocketAddr::from(([127, 0, 0, 1], 9500))];
    let Reply::Assoc { assoc } =
        s.wait(s.worker.send(Command::Connect { ep: client, addrs: to, init: Some(init), timeout_ms: Some(5000) }))?
    else {
        return Err("connect".into());
    };
    (s.client, s.assoc) = (client, assoc);
    Ok(s)
}

/// Runs of each measurement; the median is reported, for ours and the anchors alike. Rates
/// in the rig's VMs drift within a boot (iperf3 between 9,400 and 14,500 msg/s in QEMU), so
/// ours and the main anchor take turns: a drift then moves both.
const RUNS: usize = 5;

/// Message rates of several runs, shown as "median msg/s (runs low–high)".
#[derive(Debug, Clone, Copy)]
struct Rates(Spread);

impl std::fmt::Display for Rates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Spread { median, low, high } = self.0;
        write!(f, "{median:.0} msg/s")?;
        if low < high {
            write!(f, " (runs {low:.0}–{high:.0})")?;
        }
        Ok(())
    }
}

/// The rates of `RUNS` results, or the first failure.
fn median(runs: Vec<Result<f64, String>>) -> Result<Rates, String> {
    Ok(Rates(Spread::of(runs.into_iter().collect::<Result<Vec<f64>, String>>()?)))
}

/// iperf3 --sctp over loopback, median of `RUNS`: messages/s of 1 KiB.
fn iperf3(seconds: u32, streams: u16) -> Result<Rates, String> {
    median((0..RUNS).map(|_| iperf3_once(seconds, streams, true)).collect())
}

/// iperf3 over TCP on loopback with the same writes and buffer, median of `RUNS`: what this
/// boot's loopback moves at all, in 1 KiB writes per second.
fn iperf3_tcp(seconds: u32) -> Result<Rates, String> {
    median((0..RUNS).map(|_| iperf3_once(seconds, 1, false)).collect())
}

/// iperf3 --sctp over loopback once: messages/s of 1 KiB.
fn iperf3_once(seconds: u32, streams: u16, sctp: bool) -> Result<f64, String> {
    let mut server = Process::new("iperf3")
        .args(["-s", "-1", "-p", "9600"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("iperf3: {e} (install iperf3)"))?;
    std::thread::sleep(Duration::from_millis(300));
    let mut args = vec!["-c", "127.0.0.1", "-p", "9600", "-l", "1024", "-J"];
    // TCP keeps its own buffer sizing: the rig's limits refuse a 1 MiB TCP window.
    if sctp {
        args.extend(["--sctp", "-w", "1M"]);
    }
    let t = seconds.to_string();
    let n = streams.to_string();
    args.extend(["-t", &t]);
    // `--nstreams 10` moved about 1 KiB in 2 s with this iperf3 (3.12): use ten parallel
    // associations as the ten-stream anchor instead.
    if streams > 1 {
        args.extend(["-P", &n]);
    }
    let out = Process::new("iperf3").args(&args).output().map_err(|e| format!("iperf3: {e}"))?;
    let _ = server.wait();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("iperf3 output: {e}"))?;
    let bps = json["end"]["sum_received"]["bits_per_second"]
        .as_f64()
        .ok_or_else(|| format!("iperf3 said: {}", json["error"].as_str().unwrap_or("no sum_received in its JSON")))?;
    Ok(bps / 8.0 / 1024.0)
}

/// lksctp's sctp_test sending `n` 1 KiB messages: messages/s of the sending side. It is a
/// conformance tool, not a throughput one (here it spends tens of ms per message), so it
/// sends far fewer messages than the other senders.
fn sctp_test(n: u32, streams: u16) -> Result<f64, String> {
    let mut server = Process::new("sctp_test")
        .args(["-H", "127.0.0.1", "-P", "9700", "-l", "-d", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("sctp_test: {e} (install lksctp-tools)"))?;
    std::thread::sleep(Duration::from_millis(300));
    let t0 = Instant::now();
    let status = Process::new("sctp_test")
        .args(["-H", "127.0.0.1", "-P", "9701", "-h", "127.0.0.1", "-p", "9700", "-s", "-c", "-1024", "-d", "0"])
        .args(["-x", &n.to_string(), "-M", &streams.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("sctp_test: {e}"))?;
    let secs = t0.elapsed().as_secs_f64();
    let _ = server.kill();
    let _ = server.wait();
    if !status.success() {
        return Err(format!("sctp_test client exited with {status}"));
    }
    Ok(n as f64 / secs)
}

fn ratio_row(what: String, ours: Rates, anchor_name: &str, anchor: Result<Rates, String>, target: Option<f64>) -> Row {
    let missed_note = |ratio: f64| -> Option<String> {
        let t = target?;
        (ratio < t).then(|| {
            if anchor_name.contains("one association") {
                "the same association, socket and send buffer as the one-stream row, with the messages spread over \
                 ten streams; the worker's per-message costs are the one-stream row's."
                    .to_string()
            } else {
                "iperf3 runs sender and receiver in two processes on separate sockets; the worker sends and receives \
                 on one thread: a burst goes out in sendmmsg calls of up to 32 messages, but every received \
                 message is a recvmsg of its own and an event. Next: recvmmsg, or receive on a second thread."
                    .to_string()
            }
        })
    };
    match anchor {
        Ok(a) => Row {
            section: "data path",
            what,
            ours: ours.to_string(),
            anchor: format!("{anchor_name} {a}"),
            ratio: format!("{:.2}×", ours.0.median / a.0.median),
            target: target.map(|t| format!("≥ {t}×")).unwrap_or_default(),
            verdict: match target {
                Some(t) if ours.0.median / a.0.median >= t => Verdict::Met,
                Some(_) => Verdict::Missed,
                None => Verdict::Info,
            },
            note: missed_note(ours.0.median / a.0.median),
        },
        Err(e) => {
            Row::info("data path", format!("{what} vs {anchor_name}"), format!("{ours}; {anchor_name} failed: {e}"))
        }
    }
}

pub fn run(sizes: &Sizes, rows: &mut Vec<Row>) -> Result<(), String> {
    let mut session = ours()?;
    let n = sizes.messages;
    // In turns: our one-stream burst, iperf3 --sctp with one association (as ours: the
    // anchor for one stream and for ten streams of it), our ten-stream burst.
    let (mut one, mut one_assoc, mut ten) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        one.push(session.burst(n, 1));
        one_assoc.push(iperf3_once(sizes.iperf_seconds, 1, true));
        ten.push(session.burst(n, 10));
    }
    let (one, ten, one_assoc) = (median(one)?, median(ten)?, median(one_assoc));
    let anchor = format!("iperf3 --sctp, median of {RUNS} in turns with ours");
    rows.push(ratio_row(
        format!("burst of {n} × 1 KiB, 1 stream, median of {RUNS}"),
        one,
        &anchor,
        one_assoc.clone(),
        Some(0.9),
    ));
    rows.push(ratio_row(
        format!("burst of {n} × 1 KiB, 10 streams of one association, median of {RUNS}"),
        ten,
        &format!("{anchor} (one association)"),
        one_assoc,
        Some(0.9),
    ));
    rows.push(ratio_row(
        format!("burst of {n} × 1 KiB, 10 streams of one association"),
        ten,
        "iperf3 --sctp -P 10 (ten associations)",
        iperf3(sizes.iperf_seconds, 10),
        None,
    ));
    rows.push(ratio_row(
        format!("burst of {n} × 1 KiB, 1 stream"),
        one,
        "the ceiling: iperf3 TCP over lo",
        iperf3_tcp(sizes.iperf_seconds),
        None,
    ));
    let few = sizes.sctp_test_messages;
    rows.push(ratio_row(
        format!("burst of {n} × 1 KiB, 1 stream"),
        one,
        &format!("sctp_test ({few} msgs)"),
        sctp_test(few, 1).map(|r| Rates(Spread::once(r))),
        None,
    ));
    rows.push(ratio_row(
        format!("burst of {n} × 1 KiB, 10 streams"),
        ten,
        &format!("sctp_test -M 10 ({few} msgs)"),
        sctp_test(few, 10).map(|r| Rates(Spread::once(r))),
        None,
    ));
    rows.push(Row::info(
        "data path",
        "receiver's event log after both bursts (bounded ring)",
        format!(
            "{} kept, {} dropped, cap {}",
            session.model.log.len(),
            session.model.log.dropped(),
            session.model.log.capacity()
        ),
    ));
    if std::env::var("RIG_INSIDE").as_deref() == Ok("uml") {
        // Last in the section, so that the rows above line up with the other kernel's.
        // (the rig passes the caller's RIG_CPU inside; unset, it pinned the VM)
        let placement = match std::env::var("RIG_CPU").as_deref() {
            Ok("") => {
                "any (RIG_CPU empty): a pinned User-Mode Linux slows iperf3 --sctp several times while ours speeds up"
            }
            _ => {
                "one (the rig's default): iperf3 --sctp runs several times slower than spread over the CPUs, ours faster"
            }
        };
        rows.push(Row::info("data path", "host CPUs this User-Mode Linux ran on", placement));
    }
    Ok(())
}
