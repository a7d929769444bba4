//! Send and receive information (RFC 6458 §5.3: SCTP_SNDINFO, SCTP_PRINFO, SCTP_RCVINFO)
//! and the messages that carry it.
//!
//! PPID: the kernel passes the 32-bit payload protocol identifier through untouched, and
//! on the wire it is big-endian. Everywhere in this crate a PPID is the number IANA
//! assigns (46 = Diameter, 3 = M3UA) in host order; conversion to and from network order
//! happens only here and in `options::DefaultSendParam`.

use crate::AssocId;
use crate::addr;
use crate::cmsg::{self, CmsgBuf};
use crate::notification::Notification;
use crate::sys::{bytes_of, ffi, read_struct};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

/// The flags of a send: `sctp_sndinfo.snd_flags` (RFC 6458 §5.3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SendFlags {
    /// Deliver without regard to stream order (SCTP_UNORDERED).
    pub unordered: bool,
    /// Send to `SendInfo::dest` instead of the primary path (SCTP_ADDR_OVER).
    pub addr_over: bool,
    /// Abort the association; the data is the user abort reason (SCTP_ABORT).
    pub abort: bool,
    /// Graceful shutdown of the association after queued data (SCTP_EOF).
    pub eof: bool,
    /// Ask the peer to SACK at once (SCTP_SACK_IMMEDIATELY).
    pub sack_immediately: bool,
    /// Send to every association of a one-to-many socket (SCTP_SENDALL).
    pub sendall: bool,
}

impl SendFlags {
    /// The flags ORed together as the kernel's `snd_flags` value.
    pub fn bits(&self) -> u16 {
        [
            (self.unordered, ffi::SCTP_UNORDERED),
            (self.addr_over, ffi::SCTP_ADDR_OVER),
            (self.abort, ffi::SCTP_ABORT),
            (self.eof, ffi::SCTP_EOF),
            (self.sack_immediately, ffi::SCTP_SACK_IMMEDIATELY),
            (self.sendall, ffi::SCTP_SENDALL),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .fold(0, |acc, (_, bit)| acc | bit)
    }
}

/// Everything a send can say (gen_sctp's `#sctp_sndrcvinfo{}` plus RFC 6458's PR-SCTP TTL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SendInfo {
    /// The association to send on (`snd_assoc_id`); ignored on one-to-one sockets.
    pub assoc: AssocId,
    /// Outgoing stream number (`snd_sid`), below the association's outbound stream count.
    pub stream: u16,
    /// Payload protocol identifier (`snd_ppid`). Host order (see module docs).
    pub ppid: u32,
    /// `snd_flags`.
    pub flags: SendFlags,
    /// Opaque; comes back in send-failed notifications.
    pub context: u32,
    /// Partial reliability: give up after this many ms (0 = fully reliable).
    pub time_to_live_ms: u32,
    /// Partial reliability by another policy (RFC 7496): `Rtx` gives up after `pr_value`
    /// retransmissions, `Prio` drops the message first when the send buffer is full if
    /// `pr_value` is the highest (least important); `None`: `time_to_live_ms` decides.
    #[serde(default)]
    pub pr_policy: crate::options::PrPolicy,
    /// The value of `pr_policy`.
    #[serde(default)]
    pub pr_value: u32,
    /// The destination: with `addr_over`, the path to use; without an association, the
    /// peer to set one up with implicitly.
    pub dest: Option<SocketAddr>,
}

impl SendInfo {
    /// The control messages for sendmsg: SCTP_SNDINFO, and SCTP_PRINFO when a policy or a TTL is set.
    pub fn cmsgs(&self) -> CmsgBuf {
        let mut buf = CmsgBuf::default();
        let snd = ffi::sctp_sndinfo {
            snd_sid: self.stream,
            snd_flags: self.flags.bits(),
            snd_ppid: self.ppid.to_be(),
            snd_context: self.context,
            snd_assoc_id: self.assoc.0,
        };
        buf.push(ffi::IPPROTO_SCTP, ffi::SCTP_SNDINFO, bytes_of(&snd));
        use crate::options::PrPolicy;
        let pr = match self.pr_policy {
            PrPolicy::None | PrPolicy::All => {
                (self.time_to_live_ms > 0).then_some((ffi::SCTP_PR_SCTP_TTL, self.time_to_live_ms))
            }
            policy => Some((policy.raw(), self.pr_value)),
        };
        if let Some((pr_policy, pr_value)) = pr {
            let pr = ffi::sctp_prinfo { pr_policy, _pad: 0, pr_value };
            buf.push(ffi::IPPROTO_SCTP, ffi::SCTP_PRINFO, bytes_of(&pr));
        }
        buf
    }
}

/// SCTP_RCVINFO of a received message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RecvInfo {
    /// The association the message came on (`rcv_assoc_id`).
    pub assoc: AssocId,
    /// Incoming stream number (`rcv_sid`).
    pub stream: u16,
    /// Stream sequence number the peer gave the message (`rcv_ssn`); meaningless when unordered.
    pub ssn: u16,
    /// Sent unordered: SCTP_UNORDERED set in `rcv_flags`.
    pub unordered: bool,
    /// Payload protocol identifier (`rcv_ppid`). Host order.
    pub ppid: u32,
    /// TSN of one of the message's DATA chunks (`rcv_tsn`).
    pub tsn: u32,
    /// The association's cumulative TSN ack point when the message was delivered (`rcv_cumtsn`).
    pub cumtsn: u32,
    /// Opaque value set with the SCTP_CONTEXT option (`rcv_context`).
    pub context: u32,
}

impl RecvInfo {
    fn from_raw(r: &ffi::sctp_rcvinfo) -> Self {
        RecvInfo {
            assoc: AssocId(r.rcv_assoc_id),
            stream: r.rcv_sid,
            ssn: r.rcv_ssn,
            unordered: r.rcv_flags & ffi::SCTP_UNORDERED != 0,
            ppid: u32::from_be(r.rcv_ppid),
            tsn: r.rcv_tsn,
            cumtsn: r.rcv_cumtsn,
            context: r.rcv_context,
        }
    }

    /// Finds SCTP_RCVINFO among received control messages.
    pub fn from_cmsgs(control: &[u8]) -> Option<RecvInfo> {
        cmsg::parse(control)
            .iter()
            .find(|c| c.level == ffi::IPPROTO_SCTP && c.ty == ffi::SCTP_RCVINFO)
            .and_then(|c| read_struct::<ffi::sctp_rcvinfo>(c.data))
            .map(|r| RecvInfo::from_raw(&r))
    }
}

/// What the IP header of a received message said, when the kernel passed it on as control
/// messages (IP_RECVTOS, IP_RECVTTL, IPV6_RECVTCLASS, IPV6_RECVHOPLIMIT). Linux 6.1 accepts
/// those options on SCTP sockets but delivers none of these with SCTP messages (the rig's
/// kernel test proves it); they are decoded so a kernel that does is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct IpRecvInfo {
    /// IPv4 TOS byte (IP_TOS control message).
    pub tos: Option<u8>,
    /// IPv4 TTL (IP_TTL) or IPv6 hop limit (IPV6_HOPLIMIT).
    pub ttl: Option<u8>,
    /// IPv6 traffic class (IPV6_TCLASS).
    pub tclass: Option<u8>,
}

impl IpRecvInfo {
    /// True when the kernel delivered none of the values.
    pub fn is_empty(&self) -> bool {
        *self == IpRecvInfo::default()
    }

    /// IP_TOS (one byte), IP_TTL, IPV6_TCLASS and IPV6_HOPLIMIT (ints) among received
    /// control messages; a value of the wrong size is ignored.
    pub fn from_cmsgs(control: &[u8]) -> IpRecvInfo {
        let int = |data: &[u8]| -> Option<u8> {
            let v = i32::from_ne_bytes(data.get(..4)?.try_into().ok()?);
            u8::try_from(v).ok()
        };
        let mut out = IpRecvInfo::default();
        for c in cmsg::parse(control) {
            match (c.level, c.ty) {
                (libc::IPPROTO_IP, libc::IP_TOS) => out.tos = c.data.first().copied(),
                (libc::IPPROTO_IP, libc::IP_TTL) => out.ttl = int(c.data),
                (libc::IPPROTO_IPV6, libc::IPV6_TCLASS) => out.tclass = int(c.data),
                (libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT) => out.ttl = int(c.data),
                _ => {}
            }
        }
        out
    }

    /// " tos 0x28 ttl 64" — empty when nothing was delivered.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        if let Some(t) = self.tos {
            out.push_str(&format!(" tos {t:#04x}"));
        }
        if let Some(t) = self.tclass {
            out.push_str(&format!(" tclass {t:#04x}"));
        }
        if let Some(t) = self.ttl {
            out.push_str(&format!(" ttl {t}"));
        }
        out
    }
}

/// A user message, reassembled if the kernel delivered it in parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// The peer address it came from (recvmsg's msg_name); `None` if the kernel gave none.
    pub from: Option<SocketAddr>,
    /// Its SCTP_RCVINFO; `None` when the kernel sent no such control message.
    pub info: Option<RecvInfo>,
    /// From the IP header, when the kernel passes it on (see `IpRecvInfo`).
    #[serde(default, skip_serializing_if = "IpRecvInfo::is_empty")]
    pub ip: IpRecvInfo,
    /// The payload, all pieces joined.
    pub data: Vec<u8>,
}

/// What one receive produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Received {
    /// A user message.
    Data(Message),
    /// An SCTP event (MSG_NOTIFICATION set on the read), decoded.
    Notification(Notification),
    /// A message longer than the reassembly limit: read to its end and dropped. The
    /// association is unharmed; the next message arrives as usual.
    TooLarge {
        /// The peer address it came from, as in `Message::from`.
        from: Option<SocketAddr>,
        /// SCTP_RCVINFO of its last piece.
        info: Option<RecvInfo>,
        /// Its whole length, bytes.
        len: usize,
        /// The reassembly limit it exceeded, bytes.
        limit: usize,
    },
}

/// Builds a received item from a complete buffer (pure: used by `Endpoint::recv`).
pub fn assemble(is_notification: bool, from: Option<SocketAddr>, control: &[u8], data: Vec<u8>) -> Received {
    if is_notification {
        Received::Notification(Notification::decode(&data))
    } else {
        Received::Data(Message { from, info: RecvInfo::from_cmsgs(control), ip: IpRecvInfo::from_cmsgs(control), data })
    }
}

/// FNV-1a, 64 bits, of a whole payload: a received-message event keeps only the first bytes
/// and this, so an expectation can check all of a long message without the event holding it.
pub fn payload_digest(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// Hex digits to bytes; spaces anywhere are ignored ("de ad be ef", "deadbeef").
pub fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if let Some(bad) = digits.iter().position(|b| !b.is_ascii_hexdigit()) {
        let ch = text.chars().filter(|c| !c.is_whitespace()).nth(bad).unwrap_or('?');
        return Err(format!("'{ch}' at position {bad} is not a hex digit"));
    }
    if !digits.len().is_multiple_of(2) {
        return Err(format!("odd number of hex digits ({})", digits.len()));
    }
    let nibble = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
    Ok(digits.chunks_exact(2).map(|p| nibble(p[0]) << 4 | nibble(p[1])).collect())
}

pub(crate) fn sender(from: &libc::sockaddr_storage) -> Option<SocketAddr> {
    addr::from_storage(from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_header_values_are_read_from_their_control_messages() {
        let mut buf = CmsgBuf::default();
        buf.push(libc::IPPROTO_IP, libc::IP_TOS, &[0x28]);
        buf.push(libc::IPPROTO_IP, libc::IP_TTL, &17i32.to_ne_bytes());
        buf.push(libc::IPPROTO_IPV6, libc::IPV6_TCLASS, &0xb8i32.to_ne_bytes());
        let bytes = cmsg::word_bytes(&buf.words(), buf.len());
        let ip = IpRecvInfo::from_cmsgs(&bytes);
        assert_eq!(ip, IpRecvInfo { tos: Some(0x28), ttl: Some(17), tclass: Some(0xb8) });
        assert_eq!(ip.describe(), " tos 0x28 tclass 0xb8 ttl 17");
        // A hop limit out of a byte's range, a short int, nothing at all: nothing invented.
        let mut odd = CmsgBuf::default();
        odd.push(libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT, &(-1i32).to_ne_bytes());
        odd.push(libc::IPPROTO_IP, libc::IP_TTL, &[1, 2]);
        let bytes = cmsg::word_bytes(&odd.words(), odd.len());
        assert!(IpRecvInfo::from_cmsgs(&bytes).is_empty());
        assert!(IpRecvInfo::from_cmsgs(&[]).is_empty());
    }

    #[test]
    fn the_digest_sees_every_byte() {
        // FNV-1a's published test vectors.
        assert_eq!(payload_digest(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(payload_digest(b"a"), 0xaf63_dc4c_8601_ec8c);
        let mut long = vec![7u8; 5000];
        let d = payload_digest(&long);
        long[4999] = 8;
        assert_ne!(payload_digest(&long), d, "a difference past the kept head changes it");
    }

    #[test]
    fn hex_payloads() {
        assert_eq!(parse_hex("de ad BE ef"), Ok(vec![0xde, 0xad, 0xbe, 0xef]));
        assert_eq!(parse_hex(""), Ok(vec![]));
        assert_eq!(parse_hex("abc"), Err("odd number of hex digits (3)".into()));
        assert_eq!(parse_hex("zz"), Err("'z' at position 0 is not a hex digit".into()));
        // Non-ASCII input is an error, not a panic.
        assert_eq!(parse_hex("aéb"), Err("'é' at position 1 is not a hex digit".into()));
    }

    #[test]
    fn flags_map_to_kernel_bits() {
        let f = SendFlags { unordered: true, eof: true, sack_immediately: true, ..Default::default() };
        assert_eq!(f.bits(), 1 | 8 | libc::MSG_FIN as u16);
        assert_eq!(SendFlags::default().bits(), 0);
        assert_eq!(SendFlags { addr_over: true, abort: true, sendall: true, ..Default::default() }.bits(), 2 | 4 | 64);
    }

    #[test]
    fn sndinfo_cmsg_carries_network_order_ppid_and_prinfo_only_with_ttl() {
        let info = SendInfo { assoc: AssocId(3), stream: 5, ppid: 46, context: 7, ..Default::default() };
        let buf = info.cmsgs();
        let bytes = cmsg::word_bytes(&buf.words(), buf.len());
        let parsed = cmsg::parse(&bytes);
        assert_eq!(parsed.len(), 1);
        assert_eq!((parsed[0].level, parsed[0].ty), (132, ffi::SCTP_SNDINFO));
        // sctp_sndinfo: sid 0, flags 2, ppid 4, context 8, assoc 12
        assert_eq!(&parsed[0].data[0..2], &5u16.to_ne_bytes());
        assert_eq!(&parsed[0].data[4..8], &46u32.to_be_bytes());
        assert_eq!(&parsed[0].data[12..16], &3i32.to_ne_bytes());

        let ttl = SendInfo { time_to_live_ms: 250, ..info }.cmsgs();
        let bytes = cmsg::word_bytes(&ttl.words(), ttl.len());
        let parsed = cmsg::parse(&bytes);
        assert_eq!(parsed.len(), 2);
        // sctp_prinfo: policy 0 (u16), value 4
        assert_eq!(&parsed[1].data[0..2], &ffi::SCTP_PR_SCTP_TTL.to_ne_bytes());
        assert_eq!(&parsed[1].data[4..8], &250u32.to_ne_bytes());
    }

    #[test]
    fn rcvinfo_is_found_in_control_data() {
        // sctp_rcvinfo: sid 0, ssn 2, flags 4, ppid 8, tsn 12, cumtsn 16, context 20, assoc 24
        let mut raw = vec![0u8; 28];
        raw[0..2].copy_from_slice(&3u16.to_ne_bytes());
        raw[2..4].copy_from_slice(&9u16.to_ne_bytes());
        raw[4..6].copy_from_slice(&1u16.to_ne_bytes());
        raw[8..12].copy_from_slice(&46u32.to_be_bytes());
        raw[12..16].copy_from_slice(&1000u32.to_ne_bytes());
        raw[24..28].copy_from_slice(&4i32.to_ne_bytes());
        let mut buf = CmsgBuf::default();
        buf.push(132, ffi::SCTP_RCVINFO, &raw);
        let control = cmsg::word_bytes(&buf.words(), buf.len());
        let info = RecvInfo::from_cmsgs(&control).unwrap();
        assert_eq!(
            (info.stream, info.ssn, info.unordered, info.ppid, info.tsn, info.assoc),
            (3, 9, true, 46, 1000, AssocId(4))
        );
        assert_eq!(RecvInfo::from_cmsgs(&[]), None);
    }
}
