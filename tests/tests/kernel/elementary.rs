//! gen_sctp's elementary options beyond the basics: tclass and ttl set and read back on
//! both families; recvtos / recvtclass / recvttl accepted by the kernel — and, on SCTP
//! sockets, never answered with a control message (proven against UDP in the same kernel,
//! where the same options and the same decoder do deliver).

use super::{LOCALHOST, cfg, loopback};
use sctp_core::{Endpoint, EndpointConfig, Family, IpRecvInfo, Received, SocketOptions, Style};
use sctp_inspector_tests::open;
use std::net::{IpAddr, Ipv6Addr, SocketAddr, UdpSocket};
use std::time::Duration;

const TOS: u8 = 0x28;
const TCLASS: u8 = 0x48;
const TTL: u8 = 17;

fn v6(style: Style, port: u16, options: SocketOptions) -> EndpointConfig {
    EndpointConfig {
        family: Family::Ipv6,
        style,
        addrs: vec![IpAddr::V6(Ipv6Addr::LOCALHOST)],
        port,
        options,
        ..Default::default()
    }
}

fn int(fd: impl std::os::fd::AsFd, level: i32, name: i32) -> i32 {
    let mut v = 0i32;
    sctp_core::test_door::getsockopt(fd, level, name, &mut v).unwrap();
    v
}

#[test]
fn tclass_and_ttl_are_set_and_read_back_on_both_families() {
    let six =
        open(v6(Style::OneToMany, 0, SocketOptions { tclass: Some(TCLASS), ttl: Some(TTL), ..Default::default() }));
    assert_eq!(int(&six, libc::IPPROTO_IPV6, libc::IPV6_TCLASS), i32::from(TCLASS));
    assert_eq!(int(&six, libc::IPPROTO_IPV6, libc::IPV6_UNICAST_HOPS), i32::from(TTL));
    let applied = six.applied_options().unwrap();
    assert_eq!(
        (applied.tos, applied.ttl, applied.ipv6_v6only, applied.recvtclass),
        (TCLASS, TTL, Some(false), Some(false))
    );

    let four = open(EndpointConfig {
        options: SocketOptions { ttl: Some(TTL), ..Default::default() },
        ..cfg(Style::OneToMany, vec![LOCALHOST.into()], 0, None)
    });
    assert_eq!(int(&four, libc::IPPROTO_IP, libc::IP_TTL), i32::from(TTL));
    // Unset, the TTL read back is the kernel's default (net.ipv4.ip_default_ttl).
    let plain = open(cfg(Style::OneToMany, vec![LOCALHOST.into()], 0, None));
    let default_ttl: u8 = std::fs::read_to_string("/proc/sys/net/ipv4/ip_default_ttl").unwrap().trim().parse().unwrap();
    assert_eq!(plain.applied_options().unwrap().ttl, default_ttl);

    // Mistakes are named before anything half-applies.
    let refused = |config: EndpointConfig| Endpoint::open(&config).unwrap_err().to_string();
    let v4 = |options| EndpointConfig { options, ..Default::default() };
    assert_eq!(
        refused(v4(SocketOptions { tclass: Some(TCLASS), ..Default::default() })),
        "set IPV6_TCLASS: only IPv6 endpoints have it (IPv4: tos)"
    );
    assert_eq!(
        refused(v4(SocketOptions { recvtclass: true, ..Default::default() })),
        "set IPV6_RECVTCLASS: only IPv6 endpoints have it (IPv4: recvtos)"
    );
    assert_eq!(
        refused(v4(SocketOptions { ttl: Some(0), ..Default::default() })),
        "set the TTL: 0 is out of range 1..=255"
    );
    assert_eq!(
        refused(v6(Style::OneToMany, 0, SocketOptions { tos: Some(0x20), tclass: Some(TCLASS), ..Default::default() })),
        "set IPV6_TCLASS: tos and tclass both set an IPv6 endpoint's traffic class, to different values: give one"
    );
}

/// One message from `client` to `server`; what its IP header info said.
fn ip_of_one_message(server: &mut Endpoint, client: &Endpoint, to: SocketAddr) -> IpRecvInfo {
    let assoc = client.connect(&[to], Duration::from_secs(5)).expect("connect");
    client.send_on(assoc, 0, b"what did the header say").unwrap();
    loop {
        match server.recv_timeout(Duration::from_secs(5)).unwrap() {
            Some(Received::Data(m)) => {
                assert!(m.info.is_some(), "SCTP_RCVINFO arrives: the control buffer works");
                return m.ip;
            }
            Some(Received::Notification(_)) => {}
            Some(other @ Received::TooLarge { .. }) => panic!("{other:?}"),
            None => panic!("no message within 5 s"),
        }
    }
}

#[test]
fn recvtos_recvtclass_recvttl_are_accepted_on_sctp_but_no_control_message_is_delivered() {
    // The control: UDP in the same kernel delivers IP_TOS and IP_TTL, and the decoder the
    // SCTP receive path uses reads them.
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    for name in [libc::IP_RECVTOS, libc::IP_RECVTTL] {
        sctp_core::test_door::setsockopt(&rx, libc::IPPROTO_IP, name, &1i32).unwrap();
    }
    sctp_core::test_door::setsockopt(&tx, libc::IPPROTO_IP, libc::IP_TOS, &i32::from(TOS)).unwrap();
    sctp_core::test_door::setsockopt(&tx, libc::IPPROTO_IP, libc::IP_TTL, &i32::from(TTL)).unwrap();
    tx.send_to(b"udp", rx.local_addr().unwrap()).unwrap();
    let (mut buf, mut control) = ([0u8; 64], [0u64; 32]);
    let meta = sctp_core::test_door::recvmsg(&rx, &mut buf, &mut control, 0).unwrap();
    let udp = IpRecvInfo::from_cmsgs(&sctp_core::cmsg::word_bytes(&control, meta.cmsg_len));
    assert_eq!((udp.tos, udp.ttl), (Some(TOS), Some(TTL)), "UDP delivers both");

    // SCTP over IPv4: the kernel takes the options and sends back nothing.
    let asking = SocketOptions { recvtos: true, recvttl: true, ..Default::default() };
    let mut server =
        open(EndpointConfig { options: asking, ..cfg(Style::OneToMany, vec![LOCALHOST.into()], 5351, None) });
    server.listen(4).unwrap();
    let applied = server.applied_options().unwrap();
    assert!(applied.recvtos && applied.recvttl, "accepted: {applied:?}");
    let client = open(EndpointConfig {
        options: SocketOptions { tos: Some(TOS), ttl: Some(TTL), ..Default::default() },
        ..cfg(Style::OneToMany, vec![LOCALHOST.into()], 0, None)
    });
    // A raw socket sees the packets themselves: the sender's TOS and TTL are on the wire.
    let raw =
        sctp_core::test_door::socket(libc::AF_INET, libc::SOCK_RAW, libc::IPPROTO_SCTP).expect("a raw SCTP socket");
    let timeout = libc::timeval { tv_sec: 5, tv_usec: 0 };
    sctp_core::test_door::setsockopt(&raw, libc::SOL_SOCKET, libc::SO_RCVTIMEO, &timeout).unwrap();
    let ip = ip_of_one_message(&mut server, &client, loopback(5351));
    let client_port = client.local_addrs(sctp_core::AssocId(0)).unwrap()[0].port();
    let header = loop {
        let mut packet = [0u8; 2048];
        let n = sctp_core::test_door::recv(&raw, &mut packet, 0).expect("a packet on the raw socket within 5 s");
        // IPv4 header (IHL words), then the SCTP common header: source port first.
        let ihl = usize::from(packet[0] & 0x0f) * 4;
        if n >= ihl + 2 && u16::from_be_bytes([packet[ihl], packet[ihl + 1]]) == client_port {
            break (packet[1], packet[8]);
        }
    };
    // The low two TOS bits are ECN, which the stack owns: SCTP marks ECT(0) (0b10) when
    // ECN is on (net.sctp.ecn_enable), so 0x28 leaves as 0x2a.
    assert_eq!((header.0 & !0x03, header.1), (TOS, TTL), "the client's packets carry its TOS and TTL");
    assert!(
        ip.is_empty(),
        "this kernel delivered IP header info on SCTP ({ip:?}): the endpoint form's note that it does not is now wrong"
    );

    // SCTP over IPv6: recvtclass and recvttl, likewise.
    let asking = SocketOptions { recvtos: true, recvtclass: true, recvttl: true, ..Default::default() };
    let mut server = open(v6(Style::OneToMany, 5352, asking));
    server.listen(4).unwrap();
    assert_eq!(server.applied_options().unwrap().recvtclass, Some(true));
    let client =
        open(v6(Style::OneToMany, 0, SocketOptions { tclass: Some(TCLASS), ttl: Some(TTL), ..Default::default() }));
    let ip = ip_of_one_message(&mut server, &client, SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 5352));
    assert!(ip.is_empty(), "this kernel delivered IPv6 header info on SCTP ({ip:?}): update the form's note");
}
