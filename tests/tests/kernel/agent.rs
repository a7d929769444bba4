//! The agent on the real kernel: `/metrics` fetched over HTTP parses as Prometheus text
//! (openmetrics-parser), agrees with getsockopt on a two-path association in the lab, and
//! shows a path failure in the first snapshot taken after the kernel noticed it.

use super::multihoming::{peer, two_path_association};
use openmetrics_parser::prometheus::parse_prometheus;
use openmetrics_parser::{PrometheusType, PrometheusValue};
use sctp_core::notification::PeerAddrState;
use sctp_core::{Notification, Received};
use sctp_inspector::agent::{AgentHandle, spawn_for_test};
use sctp_inspector_tests::wait_for;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const TOKEN: &str = "lab-token";

/// Every sample of every family: (family, labels, value).
type Samples = Vec<(String, HashMap<String, String>, f64)>;

struct Scraper {
    url: String,
}

impl Scraper {
    fn get(&self, token: Option<&str>) -> Result<String, ureq::Error> {
        let mut req = ureq::get(&self.url);
        if let Some(t) = token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        req.call()?.body_mut().read_to_string()
    }

    /// One scrape, parsed by a Prometheus text-format parser (a malformed exposition fails).
    fn scrape(&self) -> Samples {
        let text = self.get(Some(TOKEN)).expect("GET /metrics with the token");
        let exposition = parse_prometheus(&text).unwrap_or_else(|e| panic!("not Prometheus text ({e:?}):\n{text}"));
        let mut out = Vec::new();
        for (name, family) in &exposition.families {
            let counter = family.family_type == PrometheusType::Counter;
            for s in family.iter_samples() {
                let labels = s.get_labelset().unwrap().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                let value = match &s.value {
                    PrometheusValue::Gauge(n) | PrometheusValue::Unknown(n) => n.as_f64(),
                    PrometheusValue::Counter(c) => c.value.as_f64(),
                    other => panic!("{name}: unexpected {other:?}"),
                };
                assert!(!counter || value >= 0.0, "{name}: a negative counter");
                out.push((name.clone(), labels, value));
            }
        }
        out
    }
}

/// The value of `family` whose labels include every pair of `want`.
fn value(samples: &Samples, family: &str, want: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|(f, l, _)| f == family && want.iter().all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v)))
        .map(|(_, _, v)| *v)
}

/// Waits until a snapshot begun after this call is published: the one under way now may
/// predate whatever just happened, the one after it may not.
fn next_snapshot(agent: &AgentHandle) {
    let now = agent.state().stats().snapshots_total;
    let deadline = Instant::now() + Duration::from_secs(10);
    while agent.state().stats().snapshots_total < now + 2 {
        assert!(Instant::now() < deadline, "the agent stopped taking snapshots");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_agent_exports_the_lab_association_and_its_path_failure_as_prometheus_text() {
    let mut p = two_path_association();
    let (addr, agent) = spawn_for_test("127.0.0.1:0".parse().unwrap(), Some(TOKEN), Some(&p.topo.a)).expect("agent");
    let scraper = Scraper { url: format!("http://{addr}/metrics") };
    match scraper.get(None) {
        Err(ureq::Error::StatusCode(401)) => {}
        other => panic!("no token must be refused with 401, got {other:?}"),
    }

    let id = p.assoc.0.to_string();
    let path = |n: u8| peer(n).ip().to_string();
    let assoc_of = |s: &Samples| value(s, "sctp_assoc_state", &[("assoc_id", &id)]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while assoc_of(&scraper.scrape()).is_none() {
        assert!(Instant::now() < deadline, "the lab association never appeared in /metrics");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Field by field against getsockopt on the same association. A snapshot is compared
    // with getsockopt reads taken before and after it; values that moved in between
    // (heartbeats run every 200 ms) are only checked for their unit.
    let before = p.client.status(p.assoc).unwrap();
    let paths_before = [1, 2].map(|n| p.client.path_info(p.assoc, peer(n)).unwrap());
    next_snapshot(&agent);
    let first = scraper.scrape();
    let status = p.client.status(p.assoc).unwrap();
    let paths_after = [1, 2].map(|n| p.client.path_info(p.assoc, peer(n)).unwrap());
    let want = [("assoc_id", id.as_str())];
    assert_eq!(assoc_of(&first), Some(f64::from(status.state.raw())));
    assert_eq!(value(&first, "sctp_assoc_outbound_streams", &want), Some(f64::from(status.outbound_streams)));
    assert_eq!(value(&first, "sctp_assoc_inbound_streams", &want), Some(f64::from(status.inbound_streams)));
    assert_eq!(value(&first, "sctp_assoc_peer_rwnd_bytes", &want), Some(f64::from(status.rwnd)));
    if before.primary.cwnd == status.primary.cwnd {
        assert_eq!(value(&first, "sctp_primary_cwnd_bytes", &want), Some(f64::from(status.primary.cwnd)));
    }
    for (i, n) in [1, 2].into_iter().enumerate() {
        let on = [("assoc_id", id.as_str()), ("path", &path(n))];
        assert_eq!(value(&first, "sctp_path_state", &on), Some(2.0), "path {n} active");
        let rto = value(&first, "sctp_path_rto_seconds", &on).expect("every path's rto");
        // fast_timers: rto between 100 and 400 ms — in seconds here, not ms or jiffies.
        assert!((0.1..=0.4).contains(&rto), "path {n}: rto {rto} s");
        let (a, b) = (paths_before[i].rto_ms, paths_after[i].rto_ms);
        if a == b {
            assert!((rto * 1000.0 - f64::from(a)).abs() <= 10.0, "path {n}: rto {rto} s vs getsockopt {a} ms");
        }
    }
    let primary = status.primary.addr.expect("a primary path");
    let on_primary = [("assoc_id", id.as_str()), ("path", &primary.ip().to_string())];
    assert_eq!(value(&first, "sctp_path_primary", &on_primary), Some(1.0));

    // Path 1 fails; the kernel notices (heartbeats every 200 ms, two retransmissions).
    let failing = if primary == peer(1) { 1 } else { 2 };
    p.topo.link(failing, false).unwrap();
    for _ in 0..5 {
        let _ = p.client.send_on(p.assoc, 0, &[0u8; 100]);
    }
    let lost: SocketAddr = peer(failing);
    wait_for(&mut p.client, Duration::from_secs(20), |r| {
        matches!(r, Received::Notification(Notification::PeerAddrChange { addr, state: PeerAddrState::Unreachable, .. })
            if *addr == Some(lost))
    });
    // Within one tick of the kernel noticing, /metrics says the path is down.
    next_snapshot(&agent);
    let after = scraper.scrape();
    let on_lost = [("assoc_id", id.as_str()), ("path", &path(failing))];
    assert_eq!(value(&after, "sctp_path_state", &on_lost), Some(0.0), "the failed path is inactive in /metrics");
    p.topo.link(failing, true).unwrap();
    agent.stop().expect("the agent stops cleanly");
}
