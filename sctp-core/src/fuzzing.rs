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
        s
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
        }
    }
}
