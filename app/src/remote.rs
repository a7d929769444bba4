//! The window attached to an agent (`sctp-inspector agent` on another host): a thread asks
//! `GET URL/api/snapshot` every interval with the bearer token and hands the snapshots
//! over a bounded channel; what the UI does not take in time is dropped and counted.

use crossbeam_channel::{Receiver, TrySendError, bounded};
use sctp_core::diag::reader::HostSnapshot;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub struct RemoteHost {
    pub url: String,
    rx: Receiver<Result<HostSnapshot, String>>,
    stop: Arc<AtomicBool>,
    dropped: Arc<AtomicU64>,
    started: Instant,
    pub last_error: Option<String>,
    pub received: u64,
}

/// One request: the snapshot, or what went wrong in the user's terms.
pub fn fetch(url: &str, token: &str) -> Result<HostSnapshot, String> {
    let endpoint = format!("{}/api/snapshot", url.trim_end_matches('/'));
    let mut req = ureq::get(&endpoint);
    if !token.is_empty() {
        req = req.header("Authorization", &format!("Bearer {token}"));
    }
    match req.call() {
        Ok(mut resp) => {
            resp.body_mut().read_json::<HostSnapshot>().map_err(|e| format!("{endpoint}: not a snapshot: {e}"))
        }
        Err(ureq::Error::StatusCode(401)) => Err(format!("{endpoint}: 401 — the agent wants a token (or another one)")),
        Err(e) => Err(format!("{endpoint}: {e}")),
    }
}

impl RemoteHost {
    pub fn attach(url: String, token: String, every: Duration, waker: Box<dyn Fn() + Send>) -> Self {
        let (tx, rx) = bounded(4);
        let stop = Arc::new(AtomicBool::new(false));
        let dropped = Arc::new(AtomicU64::new(0));
        let (stop2, dropped2, url2) = (Arc::clone(&stop), Arc::clone(&dropped), url.clone());
        std::thread::Builder::new()
            .name("agent client".into())
            .spawn(move || {
                while !stop2.load(Ordering::Relaxed) {
                    let result = fetch(&url2, &token);
                    match tx.try_send(result) {
                        Ok(()) => waker(),
                        Err(TrySendError::Full(_)) => {
                            dropped2.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(TrySendError::Disconnected(_)) => return,
                    }
                    std::thread::sleep(every);
                }
            })
            .expect("spawn the agent client thread");
        RemoteHost { url, rx, stop, dropped, started: Instant::now(), last_error: None, received: 0 }
    }

    /// Snapshots that arrived, with their time since attaching (seconds).
    pub fn drain(&mut self) -> Vec<(f64, HostSnapshot)> {
        let mut out = Vec::new();
        for r in self.rx.try_iter() {
            match r {
                Ok(s) => {
                    self.last_error = None;
                    self.received += 1;
                    out.push((self.started.elapsed().as_secs_f64(), s));
                }
                Err(e) => self.last_error = Some(e),
            }
        }
        out
    }

    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl Drop for RemoteHost {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
