//! Entry points for the fuzz targets (`sctp-core/fuzz`, cargo fuzz) — the decoders that
//! take bytes from the kernel or text from files. Each must return, never panic. The unit
//! test below also runs them over many pseudo-random inputs on every test run.

use crate::message::RecvInfo;
use crate::notification::Notification;

/// Notification bytes as recvmsg would hand them over.
pub fn notification(data: &[u8]) {
    let n = Notification::decode(data);
    let _ = (n.assoc(), n.kind_name(), crate::model::describe_notification(&n));
}

/// Ancillary data as recvmsg would hand it over.
pub fn cmsg(data: &[u8]) {
    let _ = crate::cmsg::parse(data);
    let _ = RecvInfo::from_cmsgs(data);
}

/// A sock_diag dump datagram, and /proc/net/sctp text.
pub fn diag(data: &[u8]) {
    let hz = crate::KernelHz { hz: 100, source: crate::hz::HzSource::Assumed };
    let _ = crate::diag::decode_all(1, hz, &[data]);
    let _ = crate::diag::reply_ends(data, 1);
    let text = String::from_utf8_lossy(data);
    let _ = crate::diag::procfs::parse_assocs(&text);
    let _ = crate::diag::procfs::parse_remaddr(&text);
}

/// A captured IP packet (the capture summarises every packet a packet socket hands over,
/// whatever another host sent), and the matcher over its summary.
pub fn packet(data: &[u8]) {
    if let Ok(mark) = crate::capture::wire::parse(data, 0.0, 0) {
        let id = crate::capture::WireId {
            local_port: mark.src.port(),
            peer_port: mark.dst.port(),
            tag: mark.vtag,
            peer_tag: 0,
        };
        assert!(id.matches(&mark));
        for k in &mark.chunks {
            let _ = k.name();
        }
    }
}

/// A scenario file's text.
pub fn scenario(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::scenario::Scenario::parse("fuzz.toml", text);
    }
}

/// A recording's bytes.
pub fn recording(data: &[u8]) {
    if let Ok(lines) = crate::scenario::record::parse("fuzz.jsonl", data) {
        let _ = crate::scenario::record::replay(&lines);
    }
}

/// Text typed into the forms: the bytes split at NUL into fields, each tried by every
/// form parser.
pub fn forms(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for field in text.split('\0') {
        let _ = crate::forms::parse_ips("f", field);
        let _ = crate::forms::parse_socket_addrs("f", field, Some(1));
        let _ = crate::forms::parse_socket_addrs("f", field, None);
        let _ = crate::forms::parse_num("f", field, 1, 65535);
        let _ = crate::forms::parse_hex("f", field);
        let _ = crate::worker::parse_interval(field, 1..=60_000);
    }
}

/// The receive side's reassembly as recvmsg drives it: each 3-byte record is one piece
/// (association, stream, length, MSG_EOR), an aborted partial delivery, or a peeloff that
/// moves an association's messages to a second socket. Checked against a plain model: every
/// finished message is exactly the bytes added for it, in order, and `held` is their sum.
pub fn reassembly(data: &[u8]) {
    use crate::AssocId;
    use crate::reassembly::{PieceOf, Reassembly};
    use std::collections::HashMap;
    // Two sockets: the original and the one an association was peeled off to.
    let mut sockets = [Reassembly::default(), Reassembly::default()];
    let mut peeled: Option<AssocId> = None;
    let mut expected: HashMap<PieceOf, Vec<u8>> = HashMap::new();
    for (i, r) in data.chunks_exact(3).enumerate() {
        let assoc = AssocId(i32::from(r[0] & 3));
        let of = PieceOf { notification: r[0] & 4 != 0, assoc, stream: u16::from(r[0] >> 3 & 3) };
        let socket = usize::from(peeled == Some(assoc));
        match r[1] >> 6 {
            0 | 1 => {
                let piece: Vec<u8> = (0..r[2]).map(|k| (i as u8).wrapping_add(k)).collect();
                let end = r[1] & 1 == 1;
                expected.entry(of).or_default().extend_from_slice(&piece);
                if let Some(whole) = sockets[socket].add(of, &piece, end) {
                    assert_eq!(whole.overflow, 0);
                    assert_eq!(whole.bytes, expected.remove(&of).unwrap_or_default());
                }
            }
            2 if !of.notification => {
                sockets[socket].abandon(assoc, of.stream);
                expected.remove(&of);
            }
            _ if peeled.is_none() => {
                sockets[1] = sockets[0].take_assoc(assoc);
                peeled = Some(assoc);
            }
            _ => {}
        }
        let held: usize = expected.values().map(Vec::len).sum();
        assert_eq!(sockets[0].held() + sockets[1].held(), held);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// xorshift: deterministic, so a failure reproduces.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn bytes(&mut self, max: usize) -> Vec<u8> {
            let n = (self.next() % max as u64) as usize;
            (0..n).map(|_| self.next() as u8).collect()
        }
    }

    /// Valid-looking starts (a real notification type, a plausible cmsg header, scenario
    /// and recording text) with random tails and flips, so the decoders get past their
    /// first checks.
    fn seeds() -> Vec<Vec<u8>> {
        let mut s: Vec<Vec<u8>> = (0x8000u16..=0x800e)
            .map(|t| {
                let mut b = vec![0u8; 160];
                b[0..2].copy_from_slice(&t.to_ne_bytes());
                b[4..8].copy_from_slice(&160u32.to_ne_bytes());
                b
            })
            .collect();
        let mut c = vec![0u8; 48];
        c[0..8].copy_from_slice(&44usize.to_ne_bytes());
        c[8..12].copy_from_slice(&132i32.to_ne_bytes());
        c[12..16].copy_from_slice(&3i32.to_ne_bytes());
        s.push(c);
        s.push(b"name = \"x\"\n[[step]]\ndo = \"send\"\nendpoint = \"a\"\nflags = [\"unordered\"]\n".to_vec());
        s.push(include_bytes!("diag/testdata/dump-0.bin").to_vec());
        s.push(br#"{"record":"event","t":1.0,"event":"warning","text":"w"}"#.to_vec());
        // An IPv4 SCTP packet with an INIT chunk.
        let mut p = vec![0x45, 0, 0, 52, 0, 0, 0x40, 0, 64, 132, 0, 0, 10, 1, 1, 1, 10, 1, 1, 2];
        p.extend([0x13, 0x88, 0x17, 0x70, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 20]);
        p.extend([0xab; 16]);
        s.push(p);
        s
    }

    /// Inputs the fuzzers found crashes with, kept fixed.
    #[test]
    fn what_the_fuzzers_found_stays_fixed() {
        // An NLMSG_ERROR whose errno is i32::MIN: negating it overflowed.
        let min_errno: &[u8] = &[0x14, 0, 0, 0, 0x02, 0, 0x02, 0, 0x01, 0, 0, 0, 0xd3, 0x02, 0, 0, 0, 0, 0, 0x80];
        let found: [&[u8]; 1] = [min_errno];
        for data in found {
            notification(data);
            cmsg(data);
            diag(data);
            scenario(data);
            recording(data);
            forms(data);
            reassembly(data);
            packet(data);
        }
    }

    #[test]
    fn decoders_survive_random_and_mutated_input() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let seeds = seeds();
        for i in 0..20_000 {
            let mut data = if i % 2 == 0 { rng.bytes(300) } else { seeds[i % seeds.len()].clone() };
            for _ in 0..(rng.next() % 8) {
                if data.is_empty() {
                    break;
                }
                let at = (rng.next() as usize) % data.len();
                data[at] = rng.next() as u8;
            }
            data.truncate((rng.next() as usize) % (data.len() + 1));
            notification(&data);
            cmsg(&data);
            scenario(&data);
            recording(&data);
            diag(&data);
            forms(&data);
            reassembly(&data);
            packet(&data);
        }
    }
}
