//! `SocketAddr` <-> kernel socket addresses, and the packed address lists SCTP uses for
//! bindx, connectx and SCTP_GET_PEER_ADDRS / SCTP_GET_LOCAL_ADDRS (pure, no syscalls).

use crate::sys::{self, Zeroable};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

const SIN_LEN: usize = std::mem::size_of::<libc::sockaddr_in>();
const SIN6_LEN: usize = std::mem::size_of::<libc::sockaddr_in6>();

/// The C layout of `addr` and its length.
pub fn to_storage(addr: &SocketAddr) -> (libc::sockaddr_storage, usize) {
    let bytes = to_bytes(addr);
    let storage = sys::read_struct(&bytes).unwrap_or_else(libc::sockaddr_storage::zeroed);
    (storage, bytes.len())
}

/// The packed C bytes of one address: a `sockaddr_in` (16) or `sockaddr_in6` (28).
pub fn to_bytes(addr: &SocketAddr) -> Vec<u8> {
    match addr {
        SocketAddr::V4(a) => {
            let mut b = vec![0u8; SIN_LEN];
            b[0..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
            b[2..4].copy_from_slice(&a.port().to_be_bytes());
            b[4..8].copy_from_slice(&a.ip().octets());
            b
        }
        SocketAddr::V6(a) => {
            let mut b = vec![0u8; SIN6_LEN];
            b[0..2].copy_from_slice(&(libc::AF_INET6 as u16).to_ne_bytes());
            b[2..4].copy_from_slice(&a.port().to_be_bytes());
            b[4..8].copy_from_slice(&a.flowinfo().to_be_bytes());
            b[8..24].copy_from_slice(&a.ip().octets());
            b[24..28].copy_from_slice(&a.scope_id().to_ne_bytes());
            b
        }
    }
}

/// Addresses packed back to back, as bindx and connectx take them.
pub fn pack(addrs: &[SocketAddr]) -> Vec<u8> {
    addrs.iter().flat_map(to_bytes).collect()
}

/// Decodes one address at the start of `bytes`; returns it and how many bytes it used.
/// `None` for an unknown family or too few bytes.
pub fn from_bytes(bytes: &[u8]) -> Option<(SocketAddr, usize)> {
    let family = u16::from_ne_bytes(bytes.get(0..2)?.try_into().ok()?) as i32;
    let port = u16::from_be_bytes(bytes.get(2..4)?.try_into().ok()?);
    match family {
        libc::AF_INET if bytes.len() >= SIN_LEN => {
            let ip: [u8; 4] = bytes[4..8].try_into().ok()?;
            Some((SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::from(ip), port)), SIN_LEN))
        }
        libc::AF_INET6 if bytes.len() >= SIN6_LEN => {
            let flow = u32::from_be_bytes(bytes[4..8].try_into().ok()?);
            let ip: [u8; 16] = bytes[8..24].try_into().ok()?;
            let scope = u32::from_ne_bytes(bytes[24..28].try_into().ok()?);
            Some((SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::from(ip), port, flow, scope)), SIN6_LEN))
        }
        _ => None,
    }
}

/// Decodes a `sockaddr_storage`; `None` when its family is neither inet nor inet6
/// (e.g. all zero: "no address").
pub fn from_storage(storage: &libc::sockaddr_storage) -> Option<SocketAddr> {
    from_bytes(sys::bytes_of(storage)).map(|(a, _)| a)
}

/// Decodes `count` packed addresses (the tail of `struct sctp_getaddrs`). Stops at the
/// first address it cannot decode rather than guessing.
pub fn unpack(mut bytes: &[u8], count: usize) -> Vec<SocketAddr> {
    let mut out = Vec::with_capacity(count.min(64));
    while out.len() < count {
        let Some((addr, used)) = from_bytes(bytes) else {
            break;
        };
        out.push(addr);
        bytes = &bytes[used..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_bytes_are_laid_out_as_sockaddr_in() {
        let a: SocketAddr = "10.1.1.2:2006".parse().unwrap();
        let b = to_bytes(&a);
        assert_eq!(b.len(), 16);
        assert_eq!(u16::from_ne_bytes([b[0], b[1]]), libc::AF_INET as u16);
        assert_eq!(&b[2..4], &[0x07, 0xd6]); // 2006 in network order
        assert_eq!(&b[4..8], &[10, 1, 1, 2]);
        assert_eq!(from_bytes(&b), Some((a, 16)));
    }

    #[test]
    fn v6_round_trips_with_scope() {
        let a = SocketAddr::V6(SocketAddrV6::new("fe80::1".parse().unwrap(), 9, 0, 3));
        let b = to_bytes(&a);
        assert_eq!(b.len(), 28);
        assert_eq!(from_bytes(&b), Some((a, 28)));
    }

    #[test]
    fn packed_lists_mix_families() {
        let list: Vec<SocketAddr> =
            vec!["10.1.1.1:1".parse().unwrap(), "[::1]:2".parse().unwrap(), "10.2.2.1:3".parse().unwrap()];
        let packed = pack(&list);
        assert_eq!(packed.len(), 16 + 28 + 16);
        assert_eq!(unpack(&packed, 3), list);
        // A count larger than the bytes hold stops cleanly.
        assert_eq!(unpack(&packed[..20], 3).len(), 1);
    }

    #[test]
    fn storage_round_trips_and_zero_means_none() {
        let a: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let (s, len) = to_storage(&a);
        assert_eq!(len, 16);
        assert_eq!(from_storage(&s), Some(a));
        assert_eq!(from_storage(&libc::sockaddr_storage::zeroed()), None);
    }

    #[test]
    fn truncated_or_unknown_bytes_decode_to_none() {
        assert_eq!(from_bytes(&[]), None);
        assert_eq!(from_bytes(&[2, 0, 0]), None);
        let mut b = to_bytes(&"1.2.3.4:5".parse().unwrap());
        b[0] = 99;
        b[1] = 0;
        assert_eq!(from_bytes(&b), None);
    }
}
