//! The seed's examples (gen_sctp's documentation examples, on the real kernel).

use super::{LOCALHOST, cfg, loopback};
use sctp_core::notification::AssocChangeState;
use sctp_core::options::InitMsg;
use sctp_core::{AssocId, Notification, Received, Scope, SendInfo, Style};
use sctp_inspector_tests::{open, wait_for};
use std::time::Duration;

const T: Duration = Duration::from_secs(5);

fn comm_up(r: &Received) -> Option<AssocId> {
    match r {
        Received::Notification(Notification::AssocChange { assoc, state: AssocChangeState::CommUp, .. }) => {
            Some(*assoc)
        }
        _ => None,
    }
}

/// A server on port 2006 receives and reports messages; a client with 5 outbound streams
/// sends on stream 0 (delivered) and on stream 5 (refused with a clear error).
#[test]
fn server_2006_and_client_with_five_streams() {
    let mut server = open(cfg(Style::OneToMany, vec![LOCALHOST.into()], 2006, None));
    server.listen(16).unwrap();
    let client = open(cfg(Style::OneToMany, vec![], 0, None));
    client.set_option(Scope::Future, &InitMsg { num_ostreams: 5, ..Default::default() }).unwrap();
    let assoc = client.connect(&[loopback(2006)], T).unwrap();
    let status = client.status(assoc).unwrap();
    assert_eq!(status.outbound_streams, 5);

    let sent = client.send(b"Test 0", &SendInfo { assoc, stream: 0, ppid: 46, ..Default::default() }).unwrap();
    assert_eq!(sent, 6);
    let (got, _) = wait_for(&mut server, T, |r| matches!(r, Received::Data(_)));
    let Received::Data(m) = got else { unreachable!() };
    assert_eq!(m.data, b"Test 0");
    let info = m.info.expect("receive info");
    assert_eq!((info.stream, info.ppid), (0, 46));
    assert_eq!(m.from.map(|a| a.ip()), Some(LOCALHOST.into()));

    let err = client.send(b"Test 5", &SendInfo { assoc, stream: 5, ..Default::default() }).unwrap_err();
    assert_eq!(err.errno, Some(libc::EINVAL));
    assert_eq!(
        err.to_string(),
        format!(
            "send on stream 5 of association {}: EINVAL (Invalid argument) — 5 outbound streams negotiated (0..4)",
            assoc.0
        )
    );
}

/// The client aborts; the server sees an association change with COMM_LOST.
#[test]
fn client_abort_is_seen_as_comm_lost() {
    let mut server = open(cfg(Style::OneToMany, vec![LOCALHOST.into()], 0, None));
    server.listen(16).unwrap();
    let port = server.local_port().unwrap();
    let client = open(cfg(Style::OneToMany, vec![], 0, None));
    let assoc = client.connect(&[loopback(port)], T).unwrap();
    let (up, _) = wait_for(&mut server, T, |r| comm_up(r).is_some());
    let server_assoc = comm_up(&up).unwrap();

    client.abort(assoc, b"bye").unwrap();
    let (lost, _) = wait_for(&mut server, T, |r| {
        matches!(r, Received::Notification(Notification::AssocChange { state: AssocChangeState::CommLost, .. }))
    });
    let Received::Notification(Notification::AssocChange { assoc: lost_assoc, info, .. }) = lost else {
        unreachable!()
    };
    assert_eq!(lost_assoc, server_assoc);
    // The trailing info carries the ABORT chunk with the user's reason in it.
    assert!(info.windows(3).any(|w| w == b"bye"), "abort reason not in {info:?}");
}

/// A client connects without blocking to two servers and sees COMM_UP for both.
#[test]
fn nonblocking_connects_to_two_servers() {
    let servers: Vec<_> = (0..2)
        .map(|_| {
            let s = open(cfg(Style::OneToMany, vec![LOCALHOST.into()], 0, None));
            s.listen(16).unwrap();
            s
        })
        .collect();
    let mut client = open(cfg(Style::OneToMany, vec![], 0, None));
    let ids: Vec<AssocId> =
        servers.iter().map(|s| client.connect_init(&[loopback(s.local_port().unwrap())]).unwrap()).collect();
    assert_ne!(ids[0], ids[1]);
    let mut up = Vec::new();
    while up.len() < 2 {
        let (r, _) = wait_for(&mut client, T, |r| comm_up(r).is_some());
        up.push(comm_up(&r).unwrap());
    }
    up.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(up, want);
}
