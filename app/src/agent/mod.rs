//! `sctp-inspector agent`: a headless exporter. A sampling task takes a `HostSnapshot` of
//! every SCTP association in one network namespace at a fixed interval (on a blocking
//! thread: the netlink dump and the /proc reads are syscalls), and an HTTP server on tokio
//! (axum) serves the latest one:
//!
//! - `GET /metrics`: Prometheus text exposition 0.0.4 (`metrics` says which series and why);
//! - `GET /api/snapshot`: the latest `HostSnapshot` as JSON, exactly its serde form;
//! - `GET /`: a short text page naming both and the sampler's health.
//!
//! It listens on 127.0.0.1:9755 unless told otherwise. The metrics name the peer addresses
//! and owning processes of every association on the host, so a non-loopback address is
//! refused unless a bearer token is set (`--token` or, kept out of `ps`, the environment
//! variable `SCTP_INSPECTOR_TOKEN`); with a token every request needs
//! `Authorization: Bearer TOKEN`. The HTTP socket is opened in the agent's own namespace,
//! whatever namespace `--netns` samples.
//!
//! Memory stays bounded: one snapshot (the sampler keeps at most `MAX_ASSOCS`), one rendered
//! exposition of at most `--max-series` associations and one JSON body, each rebuilt only
//! when a new snapshot arrives, and one render at a time.

pub mod metrics;
pub mod server;

#[cfg(test)]
mod tests;

pub use metrics::{AgentStats, render_metrics};
pub use server::router;

use axum::body::Bytes;
use sctp_core::diag::reader::{HostSampler, HostSnapshot};
use std::ffi::OsString;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};

/// Where the agent listens by default: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9755";
/// The environment variable a token can come from (so it does not show in `ps`).
pub const TOKEN_ENV: &str = "SCTP_INSPECTOR_TOKEN";
pub const DEFAULT_INTERVAL_MS: u64 = 1000;
pub const DEFAULT_MAX_SERIES: u64 = 2000;
/// How long open connections get to finish after a stop signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The `agent` subcommand's options.
#[derive(clap::Args)]
pub struct AgentArgs {
    /// Address and port to serve on. Any non-loopback address needs a token: the metrics
    /// name the peer addresses and owning processes of every SCTP association on the host.
    #[arg(long, value_name = "ADDR:PORT", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// Require `Authorization: Bearer TOKEN` on every request. Prefer the environment
    /// variable SCTP_INSPECTOR_TOKEN: an argument shows in `ps`.
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Sample this network namespace (a name under /run/netns, as `ip netns` makes them)
    /// instead of the agent's own.
    #[arg(long, value_name = "NAME")]
    pub netns: Option<String>,
    /// Take a snapshot every MS milliseconds (100..=60000).
    #[arg(long, value_name = "MS", default_value_t = DEFAULT_INTERVAL_MS,
          value_parser = clap::value_parser!(u64).range(sctp_core::worker::HOST_INTERVAL_MS))]
    pub interval_ms: u64,
    /// Export at most N associations per scrape; the rest are counted in
    /// sctp_agent_series_dropped(_total).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_SERIES,
          value_parser = clap::value_parser!(u64).range(0..=sctp_core::diag::MAX_ASSOCS as u64))]
    pub max_series: u64,
}

/// Everything the agent runs with.
#[derive(Clone)]
pub struct AgentConfig {
    pub listen: SocketAddr,
    pub token: Option<String>,
    pub netns: Option<String>,
    pub interval: Duration,
    pub max_series: usize,
}

impl std::fmt::Debug for AgentConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentConfig")
            .field("listen", &self.listen)
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("netns", &self.netns)
            .field("interval", &self.interval)
            .field("max_series", &self.max_series)
            .finish()
    }
}

/// Why the agent did not start or stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentError {
    /// The options were refused (a non-loopback address without a token, a bad token):
    /// exit status 2.
    Refused(String),
    /// The address could not be bound or the namespace could not be opened: exit status 2.
    Start(String),
    /// Something failed while running: exit status 1.
    Failed(String),
}

impl AgentError {
    pub fn exit_code(&self) -> u8 {
        match self {
            AgentError::Refused(_) | AgentError::Start(_) => 2,
            AgentError::Failed(_) => 1,
        }
    }
}

impl std::fmt::Display for AgentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AgentError::Refused(m) | AgentError::Start(m) | AgentError::Failed(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for AgentError {}

/// Refuses to serve the host's associations to the network without a token.
pub fn check_listen(listen: SocketAddr, token: Option<&str>) -> Result<(), String> {
    if token.is_none() && !listen.ip().to_canonical().is_loopback() {
        return Err(format!(
            "refusing to listen on {listen} without a token: the metrics name the peer addresses and \
             owning processes of every SCTP association on this host. Set a token in {TOKEN_ENV} \
             (or --token), or listen on a loopback address such as {DEFAULT_LISTEN}"
        ));
    }
    Ok(())
}

/// The token to require: `--token` if given, else the environment variable (an empty one
/// counts as unset). A token must be visible ASCII without spaces (it travels in a header).
pub fn resolve_token(flag: Option<String>, env: Option<OsString>) -> Result<Option<String>, String> {
    let token = match (flag, env) {
        (Some(t), _) => t,
        (None, Some(v)) if v.is_empty() => return Ok(None),
        (None, Some(v)) => v.into_string().map_err(|_| format!("{TOKEN_ENV} is not valid UTF-8"))?,
        (None, None) => return Ok(None),
    };
    if token.is_empty() {
        return Err("the token is empty".into());
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("a token is visible ASCII without spaces (it is sent in an HTTP header)".into());
    }
    Ok(Some(token))
}

/// How the agent names the namespace it samples: the name, or this process's own as
/// `net:[INODE]` (what `readlink /proc/self/ns/net` prints).
pub fn namespace_name(netns: Option<&str>) -> String {
    match netns {
        Some(n) => n.to_string(),
        None => std::fs::read_link("/proc/self/ns/net")
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "of this process".into()),
    }
}

struct Latest {
    /// Bumped by every publish and every recorded error (what the cached exposition is of).
    generation: u64,
    snapshot: Option<Arc<HostSnapshot>>,
    stats: AgentStats,
}

#[derive(Default)]
struct Cache {
    metrics: Option<(u64, Bytes)>,
    json: Option<(Arc<HostSnapshot>, Bytes)>,
}

/// What the sampler writes and the HTTP handlers read.
pub struct AgentState {
    pub netns: Option<String>,
    pub interval: Duration,
    pub max_series: usize,
    token: Option<String>,
    latest: RwLock<Latest>,
    /// Held while rendering: one render at a time, whatever the number of scrapers.
    cache: Mutex<Cache>,
}

impl AgentState {
    pub fn new(netns: Option<String>, interval: Duration, max_series: usize, token: Option<String>) -> Arc<Self> {
        Arc::new(AgentState {
            netns,
            interval,
            max_series,
            token,
            latest: RwLock::new(Latest { generation: 0, snapshot: None, stats: AgentStats::default() }),
            cache: Mutex::new(Cache::default()),
        })
    }

    /// Makes `snapshot` the latest; `took` is how long taking it took.
    pub fn publish(&self, snapshot: HostSnapshot, took: Duration) {
        let dropped = metrics::count_dropped(&snapshot, self.max_series) as u64;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs_f64());
        let mut l = self.latest.write().unwrap_or_else(PoisonError::into_inner);
        l.generation += 1;
        let s = &mut l.stats;
        s.snapshots_total += 1;
        s.last_sample_ok = true;
        s.last_dump_seconds = snapshot.dump_us as f64 / 1e6;
        s.last_sample_seconds = took.as_secs_f64();
        s.last_snapshot_unix_seconds = now;
        s.series_dropped_total += dropped;
        l.snapshot = Some(Arc::new(snapshot));
    }

    /// Counts a failed snapshot (the previous snapshot stays the latest).
    pub fn record_error(&self, error: &str) {
        let mut l = self.latest.write().unwrap_or_else(PoisonError::into_inner);
        l.generation += 1;
        l.stats.sample_errors_total += 1;
        l.stats.last_sample_ok = false;
        l.stats.last_error = Some(error.to_string());
    }

    pub fn stats(&self) -> AgentStats {
        self.latest.read().unwrap_or_else(PoisonError::into_inner).stats.clone()
    }

    pub fn snapshot(&self) -> Option<Arc<HostSnapshot>> {
        self.latest.read().unwrap_or_else(PoisonError::into_inner).snapshot.clone()
    }

    fn current(&self) -> (u64, Option<Arc<HostSnapshot>>, AgentStats) {
        let l = self.latest.read().unwrap_or_else(PoisonError::into_inner);
        (l.generation, l.snapshot.clone(), l.stats.clone())
    }

    /// The exposition of the latest snapshot, rendered once per snapshot (blocking: call it
    /// off the async threads).
    pub fn metrics_text(&self) -> Bytes {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        let (generation, snapshot, stats) = self.current();
        if let Some((g, body)) = &cache.metrics
            && *g == generation
        {
            return body.clone();
        }
        cache.metrics = None;
        let (text, _) = metrics::render(snapshot.as_deref(), &stats, self.max_series);
        let body = Bytes::from(text);
        cache.metrics = Some((generation, body.clone()));
        body
    }

    /// The latest snapshot as JSON (None before the first), serialized once per snapshot.
    pub fn snapshot_json(&self) -> Option<Result<Bytes, String>> {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        let snapshot = self.snapshot()?;
        if let Some((s, body)) = &cache.json
            && Arc::ptr_eq(s, &snapshot)
        {
            return Some(Ok(body.clone()));
        }
        cache.json = None;
        Some(serde_json::to_vec(&*snapshot).map_err(|e| e.to_string()).map(|v| {
            let body = Bytes::from(v);
            cache.json = Some((snapshot, body.clone()));
            body
        }))
    }
}

/// Opens the sampler on a blocking thread (entering a namespace and opening netlink are
/// syscalls).
async fn open_sampler(netns: Option<String>) -> Result<HostSampler, String> {
    tokio::task::spawn_blocking(move || HostSampler::open(netns.as_deref()).map_err(|e| e.to_string()))
        .await
        .map_err(|e| format!("open the sampler: {e}"))?
}

/// Takes a snapshot every `state.interval` until `stop` turns true. A failure is counted
/// and logged once until it changes or clears; the last good snapshot stays served.
async fn sample_loop(state: Arc<AgentState>, sampler: HostSampler, mut stop: watch::Receiver<bool>) {
    let mut ticker = tokio::time::interval(state.interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sampler = Some(sampler);
    let mut logged: Option<String> = None;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let st = Arc::clone(&state);
        let taken = sampler.take();
        let result = tokio::task::spawn_blocking(move || -> (Option<HostSampler>, Option<String>) {
            // A sampler lost to a panic is opened again.
            let mut s = match taken {
                Some(s) => s,
                None => match HostSampler::open(st.netns.as_deref()) {
                    Ok(s) => s,
                    Err(e) => {
                        let e = format!("open the sampler again: {e}");
                        st.record_error(&e);
                        return (None, Some(e));
                    }
                },
            };
            let started = Instant::now();
            match s.snapshot() {
                Ok(snap) => {
                    st.publish(snap, started.elapsed());
                    (Some(s), None)
                }
                // Keep the sampler: the next dump may work (module loaded, namespace back).
                Err(e) => {
                    let e = e.to_string();
                    st.record_error(&e);
                    (Some(s), Some(e))
                }
            }
        })
        .await;
        let error = match result {
            Ok((s, e)) => {
                sampler = s;
                e
            }
            Err(join) => {
                let e = format!("the sampler panicked: {join}");
                state.record_error(&e);
                Some(e)
            }
        };
        match (&error, &logged) {
            (Some(e), Some(l)) if e == l => {}
            (Some(e), _) => tracing::warn!("snapshot failed: {e}"),
            (None, Some(_)) => tracing::warn!("snapshots work again"),
            (None, None) => {}
        }
        logged = error;
    }
}

/// Serves `state` on `listener` and samples into it until `stop` resolves (to the reason
/// printed); then stops sampling and gives open connections `SHUTDOWN_GRACE` to finish.
async fn serve(
    listener: TcpListener,
    state: Arc<AgentState>,
    sampler: HostSampler,
    stop: impl Future<Output = String>,
) -> Result<String, AgentError> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let sampling = tokio::spawn(sample_loop(Arc::clone(&state), sampler, stop_rx.clone()));
    let mut server_stop = stop_rx;
    let server = axum::serve(listener, router(Arc::clone(&state)))
        .with_graceful_shutdown(async move {
            let _ = server_stop.wait_for(|s| *s).await;
        })
        .into_future();
    let mut server = std::pin::pin!(server);
    let reason = tokio::select! {
        r = &mut server => {
            let _ = stop_tx.send(true);
            let _ = sampling.await;
            let why = r.err().map(|e| e.to_string()).unwrap_or_else(|| "no error".into());
            return Err(AgentError::Failed(format!("the HTTP server stopped by itself: {why}")));
        }
        reason = stop => reason,
    };
    let _ = stop_tx.send(true);
    // Connections still busy after the grace period are dropped with the runtime.
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, &mut server).await;
    let _ = sampling.await;
    Ok(reason)
}

/// Opens the sampler and binds the listener: what can fail before serving.
async fn start(config: &AgentConfig) -> Result<(TcpListener, HostSampler, Arc<AgentState>), AgentError> {
    check_listen(config.listen, config.token.as_deref()).map_err(AgentError::Refused)?;
    let sampler = open_sampler(config.netns.clone()).await.map_err(AgentError::Start)?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| AgentError::Start(format!("cannot listen on {}: {e}", config.listen)))?;
    let state = AgentState::new(config.netns.clone(), config.interval, config.max_series, config.token.clone());
    Ok((listener, sampler, state))
}

fn runtime() -> Result<tokio::runtime::Runtime, AgentError> {
    // One thread serves HTTP; dumps and renders run on tokio's blocking pool.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| AgentError::Failed(format!("start the tokio runtime: {e}")))
}

/// Runs the agent in this thread until SIGTERM or SIGINT.
pub fn run(config: AgentConfig) -> Result<(), AgentError> {
    use tokio::signal::unix::{SignalKind, signal};
    runtime()?.block_on(async {
        let (listener, sampler, state) = start(&config).await?;
        let handler =
            |kind: SignalKind, name: &str| signal(kind).map_err(|e| AgentError::Failed(format!("handle {name}: {e}")));
        let mut term = handler(SignalKind::terminate(), "SIGTERM")?;
        let mut int = handler(SignalKind::interrupt(), "SIGINT")?;
        let addr = listener.local_addr().map_err(|e| AgentError::Failed(format!("read the bound address: {e}")))?;
        println!(
            "sctp-inspector agent: serving http://{addr}/metrics (namespace {}, every {} ms)",
            namespace_name(config.netns.as_deref()),
            config.interval.as_millis()
        );
        let stop = async move {
            tokio::select! {
                _ = term.recv() => "SIGTERM".to_string(),
                _ = int.recv() => "SIGINT".to_string(),
            }
        };
        tracing::info!(%addr, netns = namespace_name(config.netns.as_deref()), "serving");
        let reason = serve(listener, state, sampler, stop).await?;
        tracing::info!(reason, "stopped");
        println!("sctp-inspector agent: stopped on {reason}");
        Ok(())
    })
}

/// `sctp-inspector agent ARGS`: the exit status is 0 after a signal, 2 when the options are
/// refused or the address cannot be bound, 1 on other failures.
pub fn main(args: AgentArgs) -> ExitCode {
    let config = match resolve_token(args.token, std::env::var_os(TOKEN_ENV)) {
        Ok(token) => AgentConfig {
            listen: args.listen,
            token,
            netns: args.netns,
            interval: Duration::from_millis(args.interval_ms),
            max_series: usize::try_from(args.max_series).unwrap_or(usize::MAX),
        },
        Err(e) => {
            eprintln!("sctp-inspector agent: {e}");
            return ExitCode::from(2);
        }
    };
    match run(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sctp-inspector agent: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// An agent running on its own thread (see `spawn`); dropping it stops it.
pub struct AgentHandle {
    addr: SocketAddr,
    state: Arc<AgentState>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<(), AgentError>>>,
}

impl AgentHandle {
    /// The address it is bound to (the real port when asked for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn state(&self) -> &Arc<AgentState> {
        &self.state
    }

    /// Waits until the first snapshot is in (true) or `timeout` passes (false).
    pub fn wait_for_snapshot(&self, timeout: Duration) -> bool {
        let until = Instant::now() + timeout;
        loop {
            if self.state.snapshot().is_some() {
                return true;
            }
            if Instant::now() >= until {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Stops the server and the sampler and waits for its thread.
    pub fn stop(mut self) -> Result<(), AgentError> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), AgentError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take().map(std::thread::JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(AgentError::Failed("the agent thread panicked".into())),
            None => Ok(()),
        }
    }
}

impl Drop for AgentHandle {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// Runs an agent on its own thread (a current-thread runtime) and returns once it listens.
pub fn spawn(config: AgentConfig) -> Result<AgentHandle, AgentError> {
    type Ready = Result<(SocketAddr, Arc<AgentState>), AgentError>;
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Ready>();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("sctp-agent".into())
        .spawn(move || {
            let fail = |e: AgentError, tx: &std::sync::mpsc::Sender<Ready>| {
                let _ = tx.send(Err(e.clone()));
                Err(e)
            };
            let rt = match runtime() {
                Ok(rt) => rt,
                Err(e) => return fail(e, &ready_tx),
            };
            rt.block_on(async {
                let (listener, sampler, state) = match start(&config).await {
                    Ok(started) => started,
                    Err(e) => return fail(e, &ready_tx),
                };
                let addr = match listener.local_addr() {
                    Ok(a) => a,
                    Err(e) => return fail(AgentError::Failed(format!("read the bound address: {e}")), &ready_tx),
                };
                let _ = ready_tx.send(Ok((addr, Arc::clone(&state))));
                // A dropped handle stops it too.
                let stop = async move {
                    let _ = stop_rx.await;
                    "stop".to_string()
                };
                serve(listener, state, sampler, stop).await.map(drop)
            })
        })
        .map_err(|e| AgentError::Failed(format!("start the agent thread: {e}")))?;
    match ready_rx.recv() {
        Ok(Ok((addr, state))) => Ok(AgentHandle { addr, state, stop: Some(stop_tx), thread: Some(thread) }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => {
            let _ = thread.join();
            Err(AgentError::Failed("the agent thread ended before it listened".into()))
        }
    }
}

/// For tests: an agent on `listen` (port 0 picks one) sampling `netns` every 100 ms, with
/// the default series cap; returns the bound address and the handle that stops it.
pub fn spawn_for_test(
    listen: SocketAddr,
    token: Option<&str>,
    netns: Option<&str>,
) -> Result<(SocketAddr, AgentHandle), AgentError> {
    let handle = spawn(AgentConfig {
        listen,
        token: token.map(str::to_string),
        netns: netns.map(str::to_string),
        interval: Duration::from_millis(100),
        max_series: DEFAULT_MAX_SERIES as usize,
    })?;
    Ok((handle.addr(), handle))
}
