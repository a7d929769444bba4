//! Send info round trips, send-failed with context and data, peeloff, graceful shutdown,
//! one-to-one endpoints and reassembly of partially delivered messages.

use super::{LOCALHOST, cfg, loopback};
use sctp_core::notification::AssocChangeState;
use sctp_core::options::InitMsg;
use sctp_core::{Endpoint, Notification, Received, Scope, SendFlags, SendInfo, SocketOptions, Style};
use sctp_inspector_tests::{open, wait_for};
use std::time::Duration;

const T: Duration = Duration::from_secs(5);

fn server(style: Style) -> Endpoint {
    let s = open(cfg(style, vec![LOCALHOST.into()], 0, None));
    s.set_option(Scope::Future, &InitMsg { num_ostreams: 10, max_instreams: 10, ..Default::default() }).unwrap();
    s.listen(8).unwrap();
    s
}

/// A one-to-many client with ten outbound streams, connected to `srv`.
fn ten_stream_client(srv: &Endpoint) -> (Endpoint, sctp_core::AssocId) {
    let client = open(cfg(Style::OneToMany, vec![], 0, None));
    client.set_option(Scope::Future, &InitMsg { num_ostreams: 10, ..Default::default() }).unwrap();
    let assoc = client.connect(&[loopback(srv.local_port().unwrap())], T).unwrap();
    (client, assoc)
}

fn data(r: &Received) -> Option<&sctp_core::Message> {
    match r {
        Received::Data(m) => Some(m),
        _ => None,
    }
}

#[test]
fn stream_ppid_and_unordered_arrive_in_the_receive_info() {
    let mut srv = server(Style::OneToMany);
    let (client, assoc) = ten_stream_client(&srv);
    let cases = [(3u16, 46u32, false), (7, 60, true), (0, 0xdead_beef, false)];
    for (stream, ppid, unordered) in cases {
        let flags = SendFlags { unordered, ..Default::default() };
        client.send(b"payload", &SendInfo { assoc, stream, ppid, flags, ..Default::default() }).unwrap();
        let (r, _) = wait_for(&mut srv, T, |r| data(r).is_some());
        let info = data(&r).unwrap().info.expect("rcvinfo");
        assert_eq!((info.stream, info.ppid, info.unordered), (stream, ppid, unordered));
        assert!(info.tsn > 0);
    }
}

/// One sendmmsg carries many copies of a message, each with the send info; more than
/// the batch limit is cut to it, and the receiver sees exactly as many as were counted.
#[test]
fn a_repeated_send_delivers_each_message_with_its_info_in_one_call() {
    let mut srv = server(Style::OneToMany);
    let (client, assoc) = ten_stream_client(&srv);
    let info = SendInfo { assoc, stream: 3, ppid: 46, ..Default::default() };
    let took = client.send_repeated(b"copy", &info, 1000).unwrap();
    assert_eq!(took, Endpoint::SEND_REPEATED_MAX, "one call sends at most the batch limit");
    assert_eq!(client.send_repeated(b"one", &info, 1).unwrap(), 1);
    let mut got = Vec::new();
    while got.len() < took + 1 {
        let (r, _) = wait_for(&mut srv, T, |r| data(r).is_some());
        let m = data(&r).unwrap();
        let i = m.info.expect("rcvinfo");
        assert_eq!((i.stream, i.ppid), (3, 46));
        got.push(m.data.clone());
    }
    assert!(got[..took].iter().all(|d| d == b"copy") && got[took] == b"one", "in order, none lost");
    assert!(sctp_inspector_tests::drain(&mut srv, Duration::from_millis(200)).iter().all(|r| data(r).is_none()));
    // An association that is not there: the first message fails, with the errno.
    let gone = SendInfo { assoc: sctp_core::AssocId(assoc.0 + 1000), ..info };
    let err = client.send_repeated(b"x", &gone, 8).unwrap_err();
    assert!(err.errno.is_some(), "{err}");
}

#[test]
fn send_failed_returns_context_and_the_original_data() {
    // No listener on this port: the implicit INIT is answered with ABORT and the queued
    // message comes back in a send-failed notification.
    let closed = open(cfg(Style::OneToMany, vec![LOCALHOST.into()], 0, None));
    let port = closed.local_port().unwrap();
    let mut client = open(cfg(Style::OneToMany, vec![], 0, None));
    let info = SendInfo { dest: Some(loopback(port)), stream: 1, ppid: 18, context: 4242, ..Default::default() };
    client.send(b"undeliverable", &info).unwrap();
    let (r, seen) = wait_for(&mut client, T, |r| matches!(r, Received::Notification(Notification::SendFailed { .. })));
    let Received::Notification(Notification::SendFailed { info, data, was_sent, .. }) = r else { unreachable!() };
    assert_eq!((info.context, info.stream, u32::from_be(info.ppid)), (4242, 1, 18));
    assert_eq!(data, b"undeliverable");
    assert!(!was_sent);
    // And the association attempt itself is reported as failed.
    let all: Vec<_> = seen
        .iter()
        .chain(sctp_inspector_tests::drain(&mut client, Duration::from_millis(300)).iter())
        .cloned()
        .collect();
    assert!(
        all.iter().any(|r| matches!(
            r,
            Received::Notification(Notification::AssocChange { state: AssocChangeState::CantStartAssoc, .. })
        )),
        "{all:?}"
    );
}

#[test]
fn peeloff_moves_the_association_and_data_still_flows() {
    let mut srv = server(Style::OneToMany);
    let mut client = open(cfg(Style::OneToMany, vec![], 0, None));
    let assoc = client.connect(&[loopback(srv.local_port().unwrap())], T).unwrap();
    client.send(b"before", &SendInfo { assoc, ..Default::default() }).unwrap();
    let (r, _) = wait_for(&mut srv, T, |r| data(r).is_some());
    let server_assoc = data(&r).unwrap().info.unwrap().assoc;

    let mut peeled = srv.peeloff(server_assoc).unwrap();
    assert_eq!(peeled.style(), Style::OneToOne);
    assert!(
        sctp_core::test_door::is_cloexec(&peeled).unwrap(),
        "a peeled-off socket must not leak into spawned programs"
    );
    assert!(!srv.assoc_ids().unwrap().contains(&server_assoc), "association still on the one-to-many socket");
    client.send(b"after", &SendInfo { assoc, ..Default::default() }).unwrap();
    let (r, _) = wait_for(&mut peeled, T, |r| data(r).is_some());
    assert_eq!(data(&r).unwrap().data, b"after");
    // And the other way, on the peeled-off socket.
    peeled.send(b"reply", &SendInfo::default()).unwrap();
    let (r, _) = wait_for(&mut client, T, |r| data(r).is_some());
    assert_eq!(data(&r).unwrap().data, b"reply");
}

#[test]
fn graceful_eof_gives_shutdown_events_on_both_sides() {
    let mut srv = server(Style::OneToMany);
    let mut client = open(cfg(Style::OneToMany, vec![], 0, None));
    let assoc = client.connect(&[loopback(srv.local_port().unwrap())], T).unwrap();
    client.send(b"last words", &SendInfo { assoc, ..Default::default() }).unwrap();
    client.eof(assoc).unwrap();
    let (_, before) = wait_for(&mut srv, T, |r| matches!(r, Received::Notification(Notification::Shutdown { .. })));
    assert!(
        before.iter().any(|r| data(r).is_some_and(|m| m.data == b"last words")),
        "data before shutdown: {before:?}"
    );
    wait_for(&mut srv, T, |r| {
        matches!(r, Received::Notification(Notification::AssocChange { state: AssocChangeState::ShutdownComplete, .. }))
    });
    wait_for(&mut client, T, |r| {
        matches!(r, Received::Notification(Notification::AssocChange { state: AssocChangeState::ShutdownComplete, .. }))
    });
    assert!(client.assoc_ids().unwrap().is_empty());
}

#[test]
fn one_to_one_listen_accept_connect_and_eof() {
    let listener = server(Style::OneToOne);
    let client = open(cfg(Style::OneToOne, vec![], 0, None));
    client.connect(&[loopback(listener.local_port().unwrap())], T).unwrap();
    let (mut conn, from) = listener.accept().unwrap();
    assert_eq!(from.map(|a| a.ip()), Some(LOCALHOST.into()));
    client.send_on(sctp_core::AssocId(0), 2, b"one-to-one").unwrap();
    let (r, _) = wait_for(&mut conn, T, |r| data(r).is_some());
    assert_eq!(data(&r).unwrap().info.unwrap().stream, 2);
    client.eof(sctp_core::AssocId(0)).unwrap();
    wait_for(&mut conn, T, |r| matches!(r, Received::Notification(Notification::Shutdown { .. })));
}

#[test]
fn large_messages_are_reassembled_without_losing_a_byte() {
    let big = SocketOptions { sndbuf: Some(1 << 20), rcvbuf: Some(1 << 20), ..Default::default() };
    let mut srv = open(sctp_core::EndpointConfig {
        options: big.clone(),
        ..cfg(Style::OneToMany, vec![LOCALHOST.into()], 0, None)
    });
    srv.listen(8).unwrap();
    let client = open(sctp_core::EndpointConfig { options: big, ..cfg(Style::OneToMany, vec![], 0, None) });
    let assoc = client.connect(&[loopback(srv.local_port().unwrap())], T).unwrap();
    let payload: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    client.send(&payload, &SendInfo { assoc, ..Default::default() }).unwrap();
    let (r, _) = wait_for(&mut srv, Duration::from_secs(10), |r| data(r).is_some());
    let m = data(&r).unwrap();
    assert_eq!(m.data.len(), payload.len());
    assert!(m.data == payload, "payload bytes differ");
}

#[test]
fn ipv6_endpoints_carry_data_and_v4_peers_show_as_mapped() {
    let v6 = |addrs: Vec<std::net::IpAddr>| sctp_core::EndpointConfig {
        family: sctp_core::Family::Ipv6,
        addrs,
        ..Default::default()
    };
    let mut srv = open(v6(vec!["::1".parse().unwrap()]));
    srv.listen(8).unwrap();
    let port = srv.local_port().unwrap();
    let client = open(v6(vec![]));
    let assoc = client.connect(&[std::net::SocketAddr::new("::1".parse().unwrap(), port)], T).unwrap();
    client.send(b"over IPv6", &SendInfo { assoc, stream: 1, ..Default::default() }).unwrap();
    let (r, _) = wait_for(&mut srv, T, |r| data(r).is_some());
    let m = data(&r).unwrap();
    assert_eq!(m.data, b"over IPv6");
    assert_eq!(m.from.map(|a| a.ip()), Some("::1".parse().unwrap()));

    // An IPv6 wildcard endpoint with mapped addresses on sees an IPv4 peer as ::ffff:a.b.c.d.
    let mut dual = open(v6(vec![]));
    dual.set_option(Scope::Future, &sctp_core::options::MappedV4(true)).unwrap();
    dual.listen(8).unwrap();
    let dual_port = dual.local_port().unwrap();
    let v4 = open(cfg(Style::OneToMany, vec![], 0, None));
    let a = v4.connect(&[loopback(dual_port)], T).unwrap();
    v4.send(b"from v4", &SendInfo { assoc: a, ..Default::default() }).unwrap();
    let (r, _) = wait_for(&mut dual, T, |r| data(r).is_some());
    assert_eq!(data(&r).unwrap().from.map(|a| a.ip()), Some("::ffff:127.0.0.1".parse().unwrap()));
}

#[test]
fn elementary_socket_options_are_applied_at_open() {
    let options = SocketOptions {
        sndbuf: Some(256 * 1024),
        rcvbuf: Some(256 * 1024),
        reuseaddr: true,
        reuseport: true,
        tos: Some(0x28),
        priority: Some(4),
        dontroute: true,
        linger: Some(2),
        ipv6_v6only: false,
        nonblocking_send: true,
        ttl: Some(17),
        recvtos: true,
        recvttl: true,
        ..Default::default()
    };
    let ep = open(sctp_core::EndpointConfig { options, ..cfg(Style::OneToMany, vec![LOCALHOST.into()], 0, None) });
    let int = |level, name| {
        let mut v = 0i32;
        sctp_core::test_door::getsockopt(&ep, level, name, &mut v).unwrap();
        v
    };
    // Linux caps the request at net.core.[wr]mem_max and doubles it (bookkeeping overhead).
    let max =
        |f: &str| std::fs::read_to_string(format!("/proc/sys/net/core/{f}")).unwrap().trim().parse::<i32>().unwrap();
    assert_eq!(int(libc::SOL_SOCKET, libc::SO_SNDBUF), 2 * (256 * 1024).min(max("wmem_max")));
    assert_eq!(int(libc::SOL_SOCKET, libc::SO_RCVBUF), 2 * (256 * 1024).min(max("rmem_max")));
    assert_eq!(int(libc::SOL_SOCKET, libc::SO_REUSEADDR), 1);
    assert_eq!(int(libc::SOL_SOCKET, libc::SO_REUSEPORT), 1);
    assert_eq!(int(libc::IPPROTO_IP, libc::IP_TOS), 0x28);
    assert_eq!(int(libc::SOL_SOCKET, libc::SO_PRIORITY), 4);
    assert_eq!(int(libc::SOL_SOCKET, libc::SO_DONTROUTE), 1);
    assert!(sctp_core::test_door::is_nonblocking(&ep).unwrap());
    let mut l = libc::linger { l_onoff: 0, l_linger: 0 };
    sctp_core::test_door::getsockopt(&ep, libc::SOL_SOCKET, libc::SO_LINGER, &mut l).unwrap();
    assert_eq!((l.l_onoff, l.l_linger), (1, 2));
    assert_eq!(int(libc::IPPROTO_IP, libc::IP_TTL), 17);
    assert_eq!(int(libc::IPPROTO_IP, libc::IP_RECVTOS), 1);
    assert_eq!(int(libc::IPPROTO_IP, libc::IP_RECVTTL), 1);
    // The read-back the window shows says the same.
    let applied = ep.applied_options().unwrap();
    assert_eq!(applied.sndbuf as i32, int(libc::SOL_SOCKET, libc::SO_SNDBUF));
    assert_eq!((applied.tos, applied.ttl, applied.priority, applied.linger), (0x28, 17, 4, Some(2)));
    assert!(applied.reuseaddr && applied.reuseport && applied.dontroute && applied.recvtos && applied.recvttl);
    assert_eq!((applied.ipv6_v6only, applied.recvtclass), (None, None), "IPv6-only options on IPv4");

    // Asking for IPV6_V6ONLY on an IPv4 endpoint is named as the mistake it is.
    let bad = SocketOptions { ipv6_v6only: true, ..Default::default() };
    let err = sctp_core::Endpoint::open(&sctp_core::EndpointConfig { options: bad, ..Default::default() }).unwrap_err();
    assert_eq!(err.to_string(), "set IPV6_V6ONLY: only IPv6 endpoints have it");
}
