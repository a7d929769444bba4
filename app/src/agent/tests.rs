//! Host tests of the agent: no kernel SCTP needed (hand-built snapshots, the router driven
//! in-process; one test opens a netlink socket and a loopback TCP port).

use super::metrics::{AgentStats, CONTENT_TYPE, count_dropped, escape_label_value, render_metrics};
use super::server::bearer_matches;
use super::{AgentState, check_listen, resolve_token, router, spawn_for_test};
use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode, header};
use openmetrics_parser::prometheus::parse_prometheus;
use openmetrics_parser::{MetricsExposition, PrometheusType, PrometheusValue};
use sctp_core::diag::owners::Owner;
use sctp_core::diag::reader::{HostAssoc, HostPath, HostSnapshot};
use sctp_core::diag::{DiagAssoc, DiagPrimary, PeerCapable};
use sctp_core::{AssocId, AssocState, AssocStats, PathState};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

type Exposition = MetricsExposition<PrometheusType, PrometheusValue>;

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn primary(addr: &str, srtt_ms: f64, rto_ms: u32, cwnd: u32) -> DiagPrimary {
    DiagPrimary {
        addr: Some(sa(addr)),
        state: PathState::Active,
        cwnd,
        srtt_jiffies: 0,
        srtt_ms,
        rto_ms,
        hb_interval_ms: 30_000.0,
        path_max_rxt: 5,
        sack_delay_ms: 200,
        sack_freq: 2,
        ssthresh: 70_000,
        partial_bytes_acked: 0,
        flight_size: 1200,
        error_count: 0,
    }
}

fn diag(inode: u32, state: AssocState, local: &str, peers: &[&str], primary: Option<DiagPrimary>) -> DiagAssoc {
    let locals = vec![sa(local)];
    let peers: Vec<SocketAddr> = peers.iter().map(|p| sa(p)).collect();
    DiagAssoc {
        inode,
        uid: 0,
        local_port: locals[0].port(),
        peer_port: peers[0].port(),
        locals,
        peers,
        state,
        tag: inode.wrapping_mul(7),
        peer_tag: inode.wrapping_mul(13),
        local_rwnd: 106_496,
        peer_rwnd: 65_536,
        unacked: 3,
        pending: 1,
        inbound_streams: 10,
        outbound_streams: 5,
        in_queue: 0,
        out_queue: 0,
        overall_error: 0,
        max_burst: 4,
        maxseg: 1452,
        peer_capable: PeerCapable::default(),
        recv_queue_bytes: 0,
        send_queue_bytes: 0,
        t3_rtx_expires_ms: None,
        stats: AssocStats::default(),
        primary,
    }
}

fn path(addr: &str, primary: bool, state: PathState, rto_ms: Option<u32>, rtx: Option<u32>) -> HostPath {
    HostPath { addr: ip(addr), primary, state, rto_ms, retransmissions: rtx, hb_active: Some(true) }
}

const ODD_COMMAND: &str = "we\"ird\\cmd\nx";

/// Two associations with two paths each: A (owner with an awkward command, v4, primary
/// known, assoc id known) and B (no owner, v6, no primary in the dump, no assoc id).
fn two_assocs() -> HostSnapshot {
    let mut a_diag = diag(
        100,
        AssocState::Established,
        "10.0.0.1:5000",
        &["10.0.1.2:6000", "10.0.0.2:6000"],
        Some(primary("10.0.0.2:6000", 12.5, 300, 4380)),
    );
    a_diag.stats = AssocStats {
        packets_out: 10,
        packets_in: 9,
        retransmitted_chunks: 3,
        gap_acks_in: 2,
        sacks_out: 4,
        sacks_in: 5,
        ..AssocStats::default()
    };
    let a = HostAssoc {
        diag: a_diag,
        assoc_id: Some(AssocId(7)),
        paths: vec![
            path("10.0.1.2", false, PathState::PotentiallyFailed, Some(1000), Some(5)),
            path("10.0.0.2", true, PathState::Active, Some(300), Some(1)),
        ],
        owner: Some(Owner { pid: 42, command: ODD_COMMAND.into() }),
    };
    let b = HostAssoc {
        diag: diag(200, AssocState::CookieEchoed, "[::1]:7000", &["[fd00::2]:7001", "[fd00::3]:7001"], None),
        assoc_id: None,
        paths: vec![
            path("fd00::2", false, PathState::Unconfirmed, None, None),
            path("fd00::3", false, PathState::Unknown, None, None),
        ],
        owner: None,
    };
    HostSnapshot {
        netns: Some("blue".into()),
        // B first and A twice (an interrupted dump can list one twice): the output is
        // sorted by inode and lists each once.
        assocs: vec![b, a.clone(), a],
        dump_us: 1500,
        ..HostSnapshot::default()
    }
}

fn parse(text: &str) -> Exposition {
    match parse_prometheus(text) {
        Ok(e) => e,
        Err(e) => panic!("not valid Prometheus text ({e:?}):\n{text}"),
    }
}

/// Every sample of `family` as (labels, value).
fn samples(e: &Exposition, family: &str) -> Vec<(HashMap<String, String>, f64)> {
    let f = e.families.get(family).unwrap_or_else(|| panic!("no family {family}"));
    f.iter_samples()
        .map(|s| {
            let labels =
                s.get_labelset().unwrap().iter().map(|(k, v)| (k.clone(), v.clone())).collect::<HashMap<_, _>>();
            let value = match &s.value {
                PrometheusValue::Gauge(n) | PrometheusValue::Unknown(n) => n.as_f64(),
                PrometheusValue::Counter(c) => c.value.as_f64(),
                other => panic!("{family}: unexpected value {other:?}"),
            };
            (labels, value)
        })
        .collect()
}

/// The value of `family` for the sample whose labels include all of `want`.
fn value(e: &Exposition, family: &str, want: &[(&str, &str)]) -> Option<f64> {
    let hits: Vec<f64> = samples(e, family)
        .into_iter()
        .filter(|(l, _)| want.iter().all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v)))
        .map(|(_, v)| v)
        .collect();
    assert!(hits.len() <= 1, "{family} {want:?} matches {} samples", hits.len());
    hits.first().copied()
}

fn stats() -> AgentStats {
    AgentStats {
        snapshots_total: 17,
        sample_errors_total: 2,
        last_error: Some("dump SCTP associations: ENOENT".into()),
        last_sample_ok: true,
        last_dump_seconds: 0.0015,
        last_sample_seconds: 0.004,
        last_snapshot_unix_seconds: Some(1_700_000_000.5),
        series_dropped_total: 9,
    }
}

#[test]
fn render_parses_with_every_name_label_and_value() {
    let (text, dropped) = render_metrics(&two_assocs(), &stats(), 2000);
    assert_eq!(dropped, 0);
    let e = parse(&text);

    let mut names: Vec<&str> = e.families.keys().map(String::as_str).collect();
    names.sort_unstable();
    let mut want = vec![
        "sctp_assoc_state",
        "sctp_assoc_peer_rwnd_bytes",
        "sctp_assoc_local_rwnd_bytes",
        "sctp_assoc_unacked_chunks",
        "sctp_assoc_pending_chunks",
        "sctp_assoc_inbound_streams",
        "sctp_assoc_outbound_streams",
        "sctp_assoc_packets_sent_total",
        "sctp_assoc_packets_received_total",
        "sctp_assoc_retransmitted_chunks_total",
        "sctp_assoc_gap_acks_received_total",
        "sctp_assoc_sacks_sent_total",
        "sctp_assoc_sacks_received_total",
        "sctp_primary_cwnd_bytes",
        "sctp_primary_srtt_seconds",
        "sctp_primary_rto_seconds",
        "sctp_primary_ssthresh_bytes",
        "sctp_primary_flight_size_bytes",
        "sctp_path_state",
        "sctp_path_rto_seconds",
        "sctp_path_retransmissions_total",
        "sctp_path_primary",
        "sctp_associations",
        "sctp_agent_associations",
        "sctp_agent_dump_interrupted",
        "sctp_agent_up",
        "sctp_agent_snapshots_total",
        "sctp_agent_sample_errors_total",
        "sctp_agent_last_sample_success",
        "sctp_agent_dump_seconds",
        "sctp_agent_sample_seconds",
        "sctp_agent_last_snapshot_timestamp_seconds",
        "sctp_agent_max_series",
        "sctp_agent_series_dropped",
        "sctp_agent_series_dropped_total",
    ];
    want.sort_unstable();
    assert_eq!(names, want);
    for name in &want {
        let ty = &e.families[*name].family_type;
        let counter = name.ends_with("_total");
        assert_eq!(*ty == PrometheusType::Counter, counter, "{name} is a {ty:?}");
        if !counter {
            assert_eq!(*ty, PrometheusType::Gauge, "{name}");
        }
    }

    // A: every label, the awkward command unescaped back to what it was.
    let a = samples(&e, "sctp_assoc_state").into_iter().find(|(l, _)| l["inode"] == "100").expect("A exported");
    let expect_a: HashMap<String, String> = [
        ("netns", "blue"),
        ("pid", "42"),
        ("command", ODD_COMMAND),
        ("local", "10.0.0.1"),
        ("local_port", "5000"),
        ("peer", "10.0.0.2"),
        ("peer_port", "6000"),
        ("assoc_id", "7"),
        ("inode", "100"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(a, (expect_a, 4.0));
    assert!(text.contains(r#"command="we\"ird\\cmd\nx""#), "escaped on the wire:\n{text}");
    // B: no owner, no assoc id; the peer is the first one when the dump names no primary.
    let b = samples(&e, "sctp_assoc_state").into_iter().find(|(l, _)| l["inode"] == "200").expect("B exported");
    assert_eq!(b.1, 3.0);
    for (k, v) in [("pid", ""), ("command", ""), ("assoc_id", ""), ("local", "::1"), ("peer", "fd00::2")] {
        assert_eq!(b.0[k], v, "B's {k}");
    }
    assert_eq!(samples(&e, "sctp_assoc_state").len(), 2, "A is listed twice in the snapshot, once in the output");

    let a_is = [("inode", "100")];
    let b_is = [("inode", "200")];
    assert_eq!(value(&e, "sctp_assoc_peer_rwnd_bytes", &a_is), Some(65_536.0));
    assert_eq!(value(&e, "sctp_assoc_local_rwnd_bytes", &b_is), Some(106_496.0));
    assert_eq!(value(&e, "sctp_assoc_unacked_chunks", &a_is), Some(3.0));
    assert_eq!(value(&e, "sctp_assoc_pending_chunks", &a_is), Some(1.0));
    assert_eq!(value(&e, "sctp_assoc_inbound_streams", &a_is), Some(10.0));
    assert_eq!(value(&e, "sctp_assoc_outbound_streams", &a_is), Some(5.0));
    assert_eq!(value(&e, "sctp_assoc_packets_sent_total", &a_is), Some(10.0));
    assert_eq!(value(&e, "sctp_assoc_packets_received_total", &a_is), Some(9.0));
    assert_eq!(value(&e, "sctp_assoc_retransmitted_chunks_total", &a_is), Some(3.0));
    assert_eq!(value(&e, "sctp_assoc_gap_acks_received_total", &a_is), Some(2.0));
    assert_eq!(value(&e, "sctp_assoc_sacks_sent_total", &a_is), Some(4.0));
    assert_eq!(value(&e, "sctp_assoc_sacks_received_total", &a_is), Some(5.0));
    assert_eq!(value(&e, "sctp_assoc_retransmitted_chunks_total", &b_is), Some(0.0));

    // Primary path: seconds from ms; B has none.
    assert_eq!(value(&e, "sctp_primary_srtt_seconds", &a_is), Some(0.0125));
    assert_eq!(value(&e, "sctp_primary_rto_seconds", &a_is), Some(0.3));
    assert_eq!(value(&e, "sctp_primary_cwnd_bytes", &a_is), Some(4380.0));
    assert_eq!(value(&e, "sctp_primary_ssthresh_bytes", &a_is), Some(70_000.0));
    assert_eq!(value(&e, "sctp_primary_flight_size_bytes", &a_is), Some(1200.0));
    assert_eq!(value(&e, "sctp_primary_srtt_seconds", &b_is), None);
    assert_eq!(samples(&e, "sctp_primary_cwnd_bytes").len(), 1);

    // Paths.
    assert_eq!(samples(&e, "sctp_path_state").len(), 4);
    assert_eq!(value(&e, "sctp_path_state", &[("inode", "100"), ("path", "10.0.0.2")]), Some(2.0));
    assert_eq!(value(&e, "sctp_path_state", &[("inode", "100"), ("path", "10.0.1.2")]), Some(1.0));
    assert_eq!(value(&e, "sctp_path_state", &[("inode", "200"), ("path", "fd00::2")]), Some(3.0));
    assert_eq!(value(&e, "sctp_path_state", &[("inode", "200"), ("path", "fd00::3")]), Some(-1.0));
    assert_eq!(value(&e, "sctp_path_rto_seconds", &[("path", "10.0.1.2")]), Some(1.0));
    assert_eq!(samples(&e, "sctp_path_rto_seconds").len(), 2, "B's paths have no rto");
    assert_eq!(value(&e, "sctp_path_retransmissions_total", &[("path", "10.0.1.2")]), Some(5.0));
    assert_eq!(value(&e, "sctp_path_primary", &[("path", "10.0.0.2")]), Some(1.0));
    assert_eq!(value(&e, "sctp_path_primary", &[("path", "10.0.1.2")]), Some(0.0));
    let path_labels = &samples(&e, "sctp_path_primary")[0].0;
    assert_eq!(path_labels.len(), 10, "association labels + path: {path_labels:?}");

    // Host and agent.
    assert_eq!(value(&e, "sctp_associations", &[("state", "established")]), Some(1.0));
    assert_eq!(value(&e, "sctp_associations", &[("state", "cookie_echoed")]), Some(1.0));
    assert_eq!(value(&e, "sctp_associations", &[("state", "closed")]), Some(0.0));
    assert_eq!(value(&e, "sctp_associations", &[("state", "other")]), Some(0.0));
    assert_eq!(samples(&e, "sctp_associations").len(), 10);
    assert_eq!(value(&e, "sctp_agent_associations", &[]), Some(2.0));
    assert_eq!(value(&e, "sctp_agent_up", &[]), Some(1.0));
    assert_eq!(value(&e, "sctp_agent_snapshots_total", &[]), Some(17.0));
    assert_eq!(value(&e, "sctp_agent_sample_errors_total", &[]), Some(2.0));
    assert_eq!(value(&e, "sctp_agent_dump_seconds", &[]), Some(0.0015));
    assert_eq!(value(&e, "sctp_agent_series_dropped", &[]), Some(0.0));
    assert_eq!(value(&e, "sctp_agent_series_dropped_total", &[]), Some(9.0));
    assert_eq!(value(&e, "sctp_agent_max_series", &[]), Some(2000.0));
}

#[test]
fn label_values_are_escaped() {
    let mut out = String::new();
    escape_label_value("a\\b\"c\nd\te", &mut out);
    assert_eq!(out, "a\\\\b\\\"c\\nd\te");
}

/// `n` established associations, inodes n..=1 (reverse order).
fn many(n: u32) -> HostSnapshot {
    let assocs = (1..=n)
        .rev()
        .map(|i| HostAssoc {
            diag: diag(i, AssocState::Established, "10.0.0.1:5000", &[&format!("10.0.0.2:{}", 6000 + i)], None),
            assoc_id: Some(AssocId(i as i32)),
            paths: vec![path("10.0.0.2", true, PathState::Active, Some(300), Some(0))],
            owner: None,
        })
        .collect();
    HostSnapshot { assocs, ..HostSnapshot::default() }
}

#[test]
fn the_cap_exports_at_most_max_series_and_counts_the_rest() {
    let snap = many(5);
    let (text, dropped) = render_metrics(&snap, &AgentStats::default(), 2);
    assert_eq!(dropped, 3);
    assert_eq!(count_dropped(&snap, 2), 3);
    let e = parse(&text);
    let mut inodes: Vec<String> =
        samples(&e, "sctp_assoc_state").into_iter().map(|(l, _)| l["inode"].clone()).collect();
    inodes.sort();
    assert_eq!(inodes, ["1", "2"], "the lowest inodes stay, whatever the dump order");
    assert_eq!(samples(&e, "sctp_path_state").len(), 2);
    assert_eq!(value(&e, "sctp_agent_series_dropped", &[]), Some(3.0));
    // The host-wide counts cover every association, exported or not.
    assert_eq!(value(&e, "sctp_associations", &[("state", "established")]), Some(5.0));
    assert_eq!(value(&e, "sctp_agent_associations", &[]), Some(5.0));

    let (text, dropped) = render_metrics(&snap, &AgentStats::default(), 0);
    assert_eq!(dropped, 5);
    assert!(samples(&parse(&text), "sctp_assoc_state").is_empty());
    assert_eq!(render_metrics(&snap, &AgentStats::default(), 5).1, 0);

    // The total counts each snapshot's leftovers once, however often it is scraped.
    let state = AgentState::new(None, Duration::from_secs(1), 2, None);
    state.publish(snap.clone(), Duration::from_millis(3));
    let _ = state.metrics_text();
    let _ = state.metrics_text();
    state.publish(snap, Duration::from_millis(3));
    assert_eq!(state.stats().series_dropped_total, 6);
    let e = parse(std::str::from_utf8(&state.metrics_text()).unwrap());
    assert_eq!(value(&e, "sctp_agent_series_dropped_total", &[]), Some(6.0));
    assert_eq!(value(&e, "sctp_agent_snapshots_total", &[]), Some(2.0));
}

#[test]
fn a_non_loopback_address_needs_a_token() {
    for addr in ["0.0.0.0:9755", "[::]:9755", "10.1.2.3:80", "[fd00::1]:9755"] {
        let err = check_listen(sa(addr), None).expect_err(addr);
        assert!(err.contains("peer addresses") && err.contains("SCTP_INSPECTOR_TOKEN"), "{err}");
        assert_eq!(check_listen(sa(addr), Some("t0ken")), Ok(()), "{addr} with a token");
    }
    for addr in ["127.0.0.1:9755", "127.1.2.3:1", "[::1]:9755", "[::ffff:127.0.0.1]:9755"] {
        assert_eq!(check_listen(sa(addr), None), Ok(()), "{addr}");
    }
}

#[test]
fn the_token_comes_from_the_flag_or_the_environment() {
    assert_eq!(resolve_token(None, None), Ok(None));
    assert_eq!(resolve_token(None, Some("".into())), Ok(None));
    assert_eq!(resolve_token(None, Some("env-t".into())), Ok(Some("env-t".into())));
    assert_eq!(resolve_token(Some("flag-t".into()), Some("env-t".into())), Ok(Some("flag-t".into())));
    assert!(resolve_token(Some(String::new()), None).is_err());
    assert!(resolve_token(Some("has space".into()), None).is_err());
    assert!(resolve_token(None, Some("line\nbreak".into())).is_err());
}

#[test]
fn bearer_headers_are_matched_exactly() {
    let h = |s: &str| HeaderValue::from_str(s).unwrap();
    assert!(bearer_matches(Some(&h("Bearer s3cret")), "s3cret"));
    assert!(bearer_matches(Some(&h("bearer s3cret")), "s3cret"));
    assert!(!bearer_matches(None, "s3cret"));
    assert!(!bearer_matches(Some(&h("Bearer s3cre")), "s3cret"));
    assert!(!bearer_matches(Some(&h("Bearer s3cret2")), "s3cret"));
    assert!(!bearer_matches(Some(&h("Basic s3cret")), "s3cret"));
    assert!(!bearer_matches(Some(&h("Bearers3cret")), "s3cret"));
    assert!(!bearer_matches(Some(&h("Bearer")), "s3cret"));
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn get(uri: &str, auth: Option<&str>) -> Request<Body> {
    let mut r = Request::get(uri);
    if let Some(a) = auth {
        r = r.header(header::AUTHORIZATION, a);
    }
    r.body(Body::empty()).unwrap()
}

async fn call(state: &Arc<AgentState>, req: Request<Body>) -> (StatusCode, HashMap<String, String>, String) {
    let resp = router(Arc::clone(state)).oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().iter().map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string())).collect();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    (status, headers, String::from_utf8(body.to_vec()).unwrap())
}

#[test]
fn with_a_token_every_request_needs_it() {
    rt().block_on(async {
        let state = AgentState::new(None, Duration::from_secs(1), 2000, Some("s3cret".into()));
        state.publish(two_assocs(), Duration::from_millis(2));
        for uri in ["/", "/metrics", "/api/snapshot", "/nowhere"] {
            let (status, headers, body) = call(&state, get(uri, None)).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{uri} without a header");
            assert_eq!(headers.get("www-authenticate").map(String::as_str), Some("Bearer realm=\"sctp-inspector\""));
            assert!(!body.contains("sctp_"), "{uri} leaked: {body}");
            let (status, _, _) = call(&state, get(uri, Some("Bearer wrong"))).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{uri} with a wrong token");
        }
        for uri in ["/", "/metrics", "/api/snapshot"] {
            let (status, _, _) = call(&state, get(uri, Some("Bearer s3cret"))).await;
            assert_eq!(status, StatusCode::OK, "{uri} with the token");
        }
        let (status, _, _) = call(&state, get("/nowhere", Some("Bearer s3cret"))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // No token configured: no header needed.
        let open = AgentState::new(None, Duration::from_secs(1), 2000, None);
        let (status, _, body) = call(&open, get("/", None)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("/metrics") && body.contains("/api/snapshot"), "{body}");
    });
}

#[test]
fn metrics_route_serves_the_text_format_and_follows_the_sampler() {
    rt().block_on(async {
        let state = AgentState::new(Some("blue".into()), Duration::from_secs(1), 2000, None);
        // Before the first snapshot: only the agent's own series.
        let (status, headers, body) = call(&state, get("/metrics", None)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-type"], CONTENT_TYPE);
        let e = parse(&body);
        assert!(!e.families.contains_key("sctp_assoc_state") && !e.families.contains_key("sctp_associations"));
        assert_eq!(value(&e, "sctp_agent_up", &[]), Some(1.0));

        state.publish(two_assocs(), Duration::from_millis(2));
        let (_, _, body) = call(&state, get("/metrics", None)).await;
        let e = parse(&body);
        assert_eq!(samples(&e, "sctp_assoc_state").len(), 2);
        assert_eq!(value(&e, "sctp_agent_last_sample_success", &[]), Some(1.0));

        // A failed sample: counted, and the last good snapshot stays served.
        state.record_error("dump SCTP associations (sock_diag): ENOENT");
        let (_, _, body) = call(&state, get("/metrics", None)).await;
        let e = parse(&body);
        assert_eq!(value(&e, "sctp_agent_sample_errors_total", &[]), Some(1.0));
        assert_eq!(value(&e, "sctp_agent_last_sample_success", &[]), Some(0.0));
        assert_eq!(samples(&e, "sctp_assoc_state").len(), 2);
        let (_, _, page) = call(&state, get("/", None)).await;
        assert!(page.contains("last error: dump SCTP associations (sock_diag): ENOENT"), "{page}");
    });
}

#[test]
fn snapshot_route_serves_the_snapshot_as_its_own_json() {
    rt().block_on(async {
        let state = AgentState::new(None, Duration::from_secs(1), 2000, None);
        state.record_error("no sctp_diag");
        let (status, _, body) = call(&state, get("/api/snapshot", None)).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body.contains("no sctp_diag"), "{body}");

        let snap = two_assocs();
        state.publish(snap.clone(), Duration::from_millis(2));
        let (status, headers, body) = call(&state, get("/api/snapshot", None)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-type"], "application/json");
        let back: HostSnapshot = serde_json::from_str(&body).unwrap();
        assert_eq!(back, snap);
    });
}

/// Over a real loopback socket: the helper starts the whole agent (sampler included: a
/// netlink socket, which any Linux opens; without sctp_diag the dumps fail and are counted)
/// and stops it.
#[test]
fn spawned_agent_serves_on_loopback_and_stops() {
    use std::io::{Read, Write};
    let (addr, handle) = spawn_for_test(sa("127.0.0.1:0"), Some("tok"), None).expect("agent starts");
    assert_ne!(addr.port(), 0);
    let fetch = |auth: &str| {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(s, "GET /metrics HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    };
    assert!(fetch("").starts_with("HTTP/1.1 401"));
    let ok = fetch("Authorization: Bearer tok\r\n");
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(ok.contains("sctp_agent_up 1"), "{ok}");
    // A snapshot or an error is recorded within a few intervals.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while handle.state().stats().snapshots_total + handle.state().stats().sample_errors_total == 0 {
        assert!(std::time::Instant::now() < deadline, "the sampler never ran");
        std::thread::sleep(Duration::from_millis(20));
    }
    handle.stop().expect("stops cleanly");
    assert!(std::net::TcpStream::connect(addr).is_err(), "still listening after stop");

    // Refused before it starts: a public address with no token.
    let err = spawn_for_test(sa("0.0.0.0:0"), None, None).err().expect("refused");
    assert_eq!(err.exit_code(), 2);
}

/// The shipped Grafana dashboard queries only metrics the agent exports.
#[test]
fn the_dashboard_uses_only_exported_metric_names() {
    let dashboard = include_str!("../../../assets/grafana/sctp-inspector.json");
    serde_json::from_str::<serde_json::Value>(dashboard).expect("the dashboard is JSON");
    let (text, _) = render_metrics(&two_assocs(), &stats(), 2000);
    let exported = parse(&text).families.into_keys().collect::<std::collections::BTreeSet<_>>();
    let used: std::collections::BTreeSet<String> = dashboard
        .match_indices("sctp_")
        .map(|(i, _)| dashboard[i..].chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect())
        .collect();
    assert!(used.len() >= 10, "{used:?}");
    let unknown: Vec<&String> = used.difference(&exported).collect();
    assert!(unknown.is_empty(), "the dashboard uses {unknown:?}, which the agent does not export");
}
