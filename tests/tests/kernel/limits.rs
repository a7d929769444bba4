//! Sizes the kernel decides, not fixed buffers: an endpoint with more local addresses than
//! a 64-entry buffer holds, and one endpoint with more than 4,096 associations.

use super::cfg;
use sctp_core::{AssocId, Endpoint, EndpointConfig, Style};
use sctp_inspector_tests::open;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

/// 127.0.0.1 .. 127.0.0.n: all on lo.
fn loopbacks(n: u8) -> Vec<IpAddr> {
    (1..=n).map(|i| IpAddr::V4(Ipv4Addr::new(127, 0, 0, i))).collect()
}

#[test]
fn every_address_of_a_150_address_association_is_listed() {
    let server = open(cfg(Style::OneToMany, vec![IpAddr::from([127, 0, 0, 1])], 5361, None));
    server.listen(4).unwrap();
    let client = open(cfg(Style::OneToMany, loopbacks(150), 0, None));
    assert_eq!(client.local_addrs(AssocId(0)).unwrap().len(), 150, "local addresses past the old 112");
    let assoc = client.connect(&[SocketAddr::from(([127, 0, 0, 1], 5361))], Duration::from_secs(5)).unwrap();
    assert_eq!(client.local_addrs(assoc).unwrap().len(), 150);
    // The server learns all 150 from the INIT: its peer list for the association.
    let deadline = Instant::now() + Duration::from_secs(5);
    let server_assoc = loop {
        if let Some(&id) = server.assoc_ids().unwrap().first() {
            break id;
        }
        assert!(Instant::now() < deadline, "no association on the server");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(server.peer_addrs(server_assoc).unwrap().len(), 150);
}

#[test]
fn an_endpoint_with_more_than_4096_associations_lists_them_all() {
    const N: usize = 4200;
    let server = open(cfg(Style::OneToMany, vec![IpAddr::from([127, 0, 0, 1])], 5362, None));
    server.listen(4096).unwrap();
    let peer = [SocketAddr::from(([127, 0, 0, 1], 5362))];
    let clients: Vec<Endpoint> = (0..N)
        .map(|_| {
            let ep = open(EndpointConfig { ..cfg(Style::OneToMany, vec![IpAddr::from([127, 0, 0, 1])], 0, None) });
            ep.connect_init(&peer).unwrap();
            ep
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let ids = server.assoc_ids().expect("the list, however long");
        if ids.len() == N {
            let distinct: std::collections::BTreeSet<_> = ids.iter().collect();
            assert_eq!(distinct.len(), N);
            break;
        }
        assert!(ids.len() < N, "{} listed, {N} exist", ids.len());
        assert!(Instant::now() < deadline, "only {} of {N} came up", ids.len());
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(clients);
}
