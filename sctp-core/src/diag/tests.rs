//! The decoder over real dump bytes: `testdata/dump-*.bin` are the four datagrams of one
//! dump captured in the rig (UML 6.1) by the kernel test
//! `host::the_raw_dump_decodes_to_what_the_sampler_reports` (its SCTP_DIAG_CAPTURE
//! switch): an IPv4 one-to-many listener on 5323 and a client associated with it, an IPv6
//! pair on [::1]:5324, and whatever else the parallel tests held at that moment.

use super::*;
use crate::hz::HzSource;

const HZ: KernelHz = KernelHz { hz: 100, source: HzSource::Assumed };

fn fixture() -> Vec<&'static [u8]> {
    vec![
        include_bytes!("testdata/dump-0.bin"),
        include_bytes!("testdata/dump-1.bin"),
        include_bytes!("testdata/dump-2.bin"),
        include_bytes!("testdata/dump-3.bin"),
    ]
}

#[test]
fn a_real_dump_decodes_into_endpoints_and_associations() {
    let dump = decode_all(1, HZ, &fixture()).unwrap();
    assert_eq!((dump.malformed, dump.dropped, dump.interrupted), (0, 0, false));
    let v6 = dump.assocs.iter().find(|a| a.peers == vec!["[::1]:5324".parse().unwrap()]).expect("v6 association");
    assert_eq!(v6.state, AssocState::Established);
    assert_eq!(v6.peer_port, 5324);
    assert!(v6.locals.iter().any(|l| l.ip() == "::1".parse::<std::net::IpAddr>().unwrap()));
    let p = v6.primary.expect("sctp_info");
    assert_eq!(p.addr, Some("[::1]:5324".parse().unwrap()));
    assert_eq!(p.state, PathState::Active);
    assert!(p.cwnd >= 4380 && p.rto_ms >= 200 && p.hb_interval_ms > 0.0, "{p:?}");
    assert_eq!((v6.inbound_streams, v6.outbound_streams), (10, 10));
    // Both ends of the v4 association are in the dump: tags cross.
    let server_side = dump.assocs.iter().find(|a| a.local_port == 5323).expect("server side of 5323");
    let client_side = dump.assocs.iter().find(|a| a.peer_port == 5323).expect("client side of 5323");
    assert_eq!((server_side.tag, server_side.peer_tag), (client_side.peer_tag, client_side.tag));
    assert_ne!(server_side.tag, 0);
    let listener = dump.endpoints.iter().find(|e| e.port == 5323).expect("listening endpoint");
    assert!(listener.listening);
    assert_eq!(listener.inode, server_side.inode, "one-to-many: the listener holds the association");
    // One entry per socket although the kernel sends listeners twice.
    let mut inodes: Vec<u32> = dump.endpoints.iter().map(|e| e.inode).collect();
    inodes.dedup();
    assert_eq!(inodes.len(), dump.endpoints.len());
}

/// The kernel resumes a dump by position: with associations coming and going between two
/// datagrams it can send one again. Each association is kept once, the repeats counted.
#[test]
fn an_association_sent_twice_is_kept_once_and_counted() {
    let whole = decode_all(1, HZ, &fixture()).unwrap();
    let mut first = DumpDecoder::new(1, HZ);
    let all = fixture();
    first.feed(all[0]).unwrap();
    let in_first = first.finish().assocs.len() as u32;
    assert!(in_first > 0, "the first datagram holds associations");
    let mut twice = vec![all[0]];
    twice.extend(&all);
    let dump = decode_all(1, HZ, &twice).unwrap();
    assert_eq!(dump.assocs, whole.assocs);
    assert_eq!((dump.repeated, whole.repeated), (in_first, 0));
}

#[test]
fn replies_to_another_request_are_skipped() {
    let dump = decode_all(2, HZ, &fixture()).unwrap();
    assert!(dump.assocs.is_empty() && dump.endpoints.is_empty());
}

#[test]
fn the_kernel_errno_is_reported() {
    // NLMSG_ERROR with -ENOENT: what an unloaded sctp_diag module answers.
    let mut msg = Vec::new();
    let hdr = ffi::nlmsghdr { nlmsg_len: 36, nlmsg_type: ffi::NLMSG_ERROR, nlmsg_flags: 0, nlmsg_seq: 9, nlmsg_pid: 0 };
    msg.extend_from_slice(sys::bytes_of(&hdr));
    msg.extend_from_slice(sys::bytes_of(&ffi::nlmsgerr { error: -libc::ENOENT, msg: hdr }));
    assert_eq!(DumpDecoder::new(9, HZ).feed(&msg), Err(DumpError::Kernel(libc::ENOENT)));
    assert_eq!(reply_ends(&msg, 9), Err(DumpError::Kernel(libc::ENOENT)));
}

#[test]
fn truncated_and_corrupted_dumps_never_panic() {
    let whole: Vec<u8> = fixture()[0].to_vec();
    for cut in 0..whole.len() {
        let mut d = DumpDecoder::new(1, HZ);
        let _ = d.feed(&whole[..cut]);
        let _ = reply_ends(&whole[..cut], 1);
        d.finish();
    }
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..2_000 {
        let mut bytes = whole.clone();
        for _ in 0..4 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let i = (rng as usize) % bytes.len();
            bytes[i] = (rng >> 32) as u8;
        }
        let _ = decode_all(1, HZ, &[&bytes]);
    }
}

#[test]
fn the_request_is_what_inet_diag_expects() {
    let req = dump_request(7, libc::AF_INET6 as u8);
    assert_eq!(req.len(), 16 + 56);
    let hdr: ffi::nlmsghdr = sys::read_struct(&req).unwrap();
    assert_eq!((hdr.nlmsg_len, hdr.nlmsg_type, hdr.nlmsg_seq), (72, ffi::SOCK_DIAG_BY_FAMILY, 7));
    assert_eq!(hdr.nlmsg_flags, ffi::NLM_F_REQUEST | ffi::NLM_F_DUMP);
    let r: ffi::inet_diag_req_v2 = sys::read_struct(&req[16..]).unwrap();
    assert_eq!((r.sdiag_family, r.sdiag_protocol), (libc::AF_INET6 as u8, 132));
    assert_eq!((r.idiag_ext, r.idiag_states), (1 << 1, u32::MAX));
}
