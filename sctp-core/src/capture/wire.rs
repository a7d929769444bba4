//! SCTP packets as captured: the IP layer (by `etherparse`) and the SCTP common header and
//! chunk list (RFC 9260 §3), and the Wireshark display filter that selects one association.
//! Pure: tested without sockets, and safe on any bytes (a packet from the wire or a file).

use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};

/// The IP protocol number of SCTP.
pub const IPPROTO_SCTP: u8 = 132;

/// A chunk type (RFC 9260 §3.2 and the extensions' RFCs), by its on-wire number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChunkKind {
    /// DATA (0): user data.
    Data,
    /// INIT (1): starts the four-way handshake.
    Init,
    /// INIT ACK (2): answers INIT with the state cookie.
    InitAck,
    /// SACK (3): acknowledges DATA.
    Sack,
    /// HEARTBEAT (4): probes a path.
    Heartbeat,
    /// HEARTBEAT ACK (5): answers a HEARTBEAT.
    HeartbeatAck,
    /// ABORT (6): ends the association at once.
    Abort,
    /// SHUTDOWN (7): starts the graceful close.
    Shutdown,
    /// SHUTDOWN ACK (8).
    ShutdownAck,
    /// ERROR (9): an operation error.
    Error,
    /// COOKIE ECHO (10): returns the state cookie.
    CookieEcho,
    /// COOKIE ACK (11): the handshake's last chunk.
    CookieAck,
    /// ECNE (12): explicit congestion notification echo.
    Ecne,
    /// CWR (13): congestion window reduced.
    Cwr,
    /// SHUTDOWN COMPLETE (14).
    ShutdownComplete,
    /// AUTH (15, RFC 4895).
    Auth,
    /// I-DATA (64, RFC 8260): interleaved user data.
    IData,
    /// ASCONF ACK (128, RFC 5061).
    AsconfAck,
    /// RE-CONFIG (130, RFC 6525): stream reconfiguration.
    Reconfig,
    /// PAD (132, RFC 4820).
    Pad,
    /// FORWARD TSN (192, RFC 3758): partial reliability.
    ForwardTsn,
    /// ASCONF (193, RFC 5061): address reconfiguration.
    Asconf,
    /// I-FORWARD-TSN (194, RFC 8260).
    IForwardTsn,
    /// Any other type number.
    Other(u8),
}

impl ChunkKind {
    /// The kind of a chunk type number.
    pub fn from_type(ty: u8) -> ChunkKind {
        use ChunkKind::*;
        match ty {
            0 => Data,
            1 => Init,
            2 => InitAck,
            3 => Sack,
            4 => Heartbeat,
            5 => HeartbeatAck,
            6 => Abort,
            7 => Shutdown,
            8 => ShutdownAck,
            9 => Error,
            10 => CookieEcho,
            11 => CookieAck,
            12 => Ecne,
            13 => Cwr,
            14 => ShutdownComplete,
            15 => Auth,
            64 => IData,
            128 => AsconfAck,
            130 => Reconfig,
            132 => Pad,
            192 => ForwardTsn,
            193 => Asconf,
            194 => IForwardTsn,
            other => Other(other),
        }
    }

    /// The name Wireshark and the RFCs use, e.g. `HEARTBEAT_ACK`.
    pub fn name(self) -> String {
        use ChunkKind::*;
        let s = match self {
            Data => "DATA",
            Init => "INIT",
            InitAck => "INIT_ACK",
            Sack => "SACK",
            Heartbeat => "HEARTBEAT",
            HeartbeatAck => "HEARTBEAT_ACK",
            Abort => "ABORT",
            Shutdown => "SHUTDOWN",
            ShutdownAck => "SHUTDOWN_ACK",
            Error => "ERROR",
            CookieEcho => "COOKIE_ECHO",
            CookieAck => "COOKIE_ACK",
            Ecne => "ECNE",
            Cwr => "CWR",
            ShutdownComplete => "SHUTDOWN_COMPLETE",
            Auth => "AUTH",
            IData => "I_DATA",
            AsconfAck => "ASCONF_ACK",
            Reconfig => "RE_CONFIG",
            Pad => "PAD",
            ForwardTsn => "FORWARD_TSN",
            Asconf => "ASCONF",
            IForwardTsn => "I_FORWARD_TSN",
            Other(n) => return format!("type {n}"),
        };
        s.to_string()
    }
}

/// One captured SCTP packet, summarised: who sent it to whom, its verification tag and its chunks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PacketMark {
    /// When it was seen, on the worker's clock (seconds), from the kernel's receive timestamp.
    pub t: f64,
    /// Which capture interface (one per network namespace) saw it, 0-based.
    pub iface: u16,
    /// Sender address and SCTP port.
    pub src: SocketAddr,
    /// Receiver address and SCTP port.
    pub dst: SocketAddr,
    /// The common header's verification tag (RFC 9260 §3.1).
    pub vtag: u32,
    /// The Initiate Tag of an INIT or INIT ACK chunk in the packet: with `vtag` 0 (an INIT)
    /// it is the only tag that names the association.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_tag: Option<u32>,
    /// The chunks, in packet order.
    pub chunks: Vec<ChunkKind>,
    /// The IP packet's length on the wire, bytes.
    pub len: u32,
}

/// Why bytes are not an SCTP packet this module can summarise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotSctp {
    /// Not a parsable IPv4 or IPv6 packet (etherparse's reason).
    Ip(String),
    /// IP, but another protocol (its number).
    Protocol(u8),
    /// A fragment after the first: no SCTP header in it.
    Fragment,
    /// Shorter than the 12-byte SCTP common header.
    Short(usize),
}

impl std::fmt::Display for NotSctp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotSctp::Ip(e) => write!(f, "not an IP packet: {e}"),
            NotSctp::Protocol(p) => write!(f, "IP protocol {p}, not SCTP ({IPPROTO_SCTP})"),
            NotSctp::Fragment => write!(f, "a non-first IP fragment"),
            NotSctp::Short(n) => write!(f, "{n} bytes of SCTP, shorter than the 12-byte common header"),
        }
    }
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// Summarises an IP packet (from its IP header on). Chunks are read until one's length is
/// impossible (under 4 or past the end): what came before is kept, the rest is not guessed.
pub fn parse(ip: &[u8], t: f64, iface: u16) -> Result<PacketMark, NotSctp> {
    let sliced = etherparse::SlicedPacket::from_ip(ip).map_err(|e| NotSctp::Ip(e.to_string()))?;
    let (src, dst, payload) = match &sliced.net {
        Some(etherparse::NetSlice::Ipv4(v4)) => {
            (IpAddr::V4(v4.header().source_addr()), IpAddr::V4(v4.header().destination_addr()), v4.payload())
        }
        Some(etherparse::NetSlice::Ipv6(v6)) => {
            (IpAddr::V6(v6.header().source_addr()), IpAddr::V6(v6.header().destination_addr()), v6.payload())
        }
        _ => return Err(NotSctp::Ip("no IP header".into())),
    };
    if payload.ip_number.0 != IPPROTO_SCTP {
        return Err(NotSctp::Protocol(payload.ip_number.0));
    }
    if payload.fragmented {
        // A first fragment has the header; later ones do not. etherparse does not say
        // which, so a fragmented packet is summarised only when its header fits.
        if payload.payload.len() < 12 {
            return Err(NotSctp::Fragment);
        }
    }
    let sctp = payload.payload;
    if sctp.len() < 12 {
        return Err(NotSctp::Short(sctp.len()));
    }
    let sport = u16::from_be_bytes([sctp[0], sctp[1]]);
    let dport = u16::from_be_bytes([sctp[2], sctp[3]]);
    let vtag = be32(&sctp[4..8]);
    let mut chunks = Vec::new();
    let mut init_tag = None;
    let mut rest = &sctp[12..];
    while rest.len() >= 4 {
        let kind = ChunkKind::from_type(rest[0]);
        let len = usize::from(u16::from_be_bytes([rest[2], rest[3]]));
        if len < 4 || len > rest.len() {
            break;
        }
        if matches!(kind, ChunkKind::Init | ChunkKind::InitAck) && len >= 8 {
            init_tag = Some(be32(&rest[4..8]));
        }
        chunks.push(kind);
        rest = &rest[len.next_multiple_of(4).min(rest.len())..];
    }
    Ok(PacketMark {
        t,
        iface,
        src: SocketAddr::new(src, sport),
        dst: SocketAddr::new(dst, dport),
        vtag,
        init_tag,
        chunks,
        len: ip.len() as u32,
    })
}

/// An association's two verification tags, from the kernel's sock_diag dump
/// (`sctpi_tag`, `sctpi_peer_tag`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tags {
    /// Our verification tag: the peer puts it in every packet it sends us.
    pub tag: u32,
    /// The peer's verification tag: we put it in every packet we send (0 until the handshake gave it).
    pub peer_tag: u32,
}

/// What names one association on the wire: both ports and both verification tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireId {
    /// Our SCTP port.
    pub local_port: u16,
    /// The peer's SCTP port.
    pub peer_port: u16,
    /// Our verification tag: the peer puts it in every packet it sends us.
    pub tag: u32,
    /// The peer's verification tag: we put it in every packet we send.
    pub peer_tag: u32,
}

impl WireId {
    /// Whether a packet belongs to this association: its ports are this association's, and
    /// its verification tag is one of the two (or, for an INIT, whose tag is 0, its
    /// Initiate Tag is). The same rule as `display_filter`.
    pub fn matches(&self, p: &PacketMark) -> bool {
        let ports = (p.src.port() == self.local_port && p.dst.port() == self.peer_port)
            || (p.src.port() == self.peer_port && p.dst.port() == self.local_port);
        let tags = [self.tag, self.peer_tag];
        ports && (tags.contains(&p.vtag) || p.init_tag.is_some_and(|t| tags.contains(&t)))
    }

    /// A Wireshark/tshark display filter that selects this association's packets, and no
    /// other association's (another one on the same ports has other tags), optionally
    /// within a time range (Unix seconds).
    pub fn display_filter(&self, range: Option<(f64, f64)>) -> String {
        // Plain `==` and `||` rather than a set (`in {…}`), whose separator changed between
        // Wireshark releases.
        let (t, p) = (self.tag, self.peer_tag);
        let mut f = format!(
            "sctp.port == {} && sctp.port == {} && (sctp.verification_tag == 0x{t:08x} || \
             sctp.verification_tag == 0x{p:08x} || sctp.init_initiate_tag == 0x{t:08x} || \
             sctp.init_initiate_tag == 0x{p:08x})",
            self.local_port, self.peer_port
        );
        if let Some((from, to)) = range {
            f.push_str(&format!(" && {}", epoch_range(from, to)));
        }
        f
    }
}

fn epoch_range(from: f64, to: f64) -> String {
    format!("frame.time_epoch >= {from:.6} && frame.time_epoch <= {to:.6}")
}

/// A display filter for every SCTP packet, or those within a time range (Unix seconds).
pub fn time_filter(range: Option<(f64, f64)>) -> String {
    match range {
        Some((from, to)) => format!("sctp && {}", epoch_range(from, to)),
        None => "sctp".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An IPv4 packet from 10.1.1.1:5000 to 10.1.1.2:6000 with the given SCTP body.
    fn ipv4(sctp: &[u8]) -> Vec<u8> {
        let total = 20 + sctp.len();
        let mut p = vec![0x45, 0, (total >> 8) as u8, total as u8, 0, 0, 0x40, 0, 64, IPPROTO_SCTP, 0, 0];
        p.extend([10, 1, 1, 1, 10, 1, 1, 2]);
        p.extend_from_slice(sctp);
        p
    }

    fn common(vtag: u32) -> Vec<u8> {
        let mut h = vec![0x13, 0x88, 0x17, 0x70];
        h.extend(vtag.to_be_bytes());
        h.extend([0; 4]);
        h
    }

    #[test]
    fn init_has_its_initiate_tag_and_bundles_are_listed_in_order() {
        let mut init = common(0);
        init.extend([1, 0, 0, 20]);
        init.extend(0xdead_beef_u32.to_be_bytes());
        init.extend([0; 12]);
        let m = parse(&ipv4(&init), 1.5, 2).unwrap();
        assert_eq!(m.src, "10.1.1.1:5000".parse().unwrap());
        assert_eq!(m.dst, "10.1.1.2:6000".parse().unwrap());
        assert_eq!((m.vtag, m.init_tag, m.chunks.clone(), m.iface), (0, Some(0xdead_beef), vec![ChunkKind::Init], 2));

        // A SACK and a DATA of 5 bytes (padded to 8) bundled, then a HEARTBEAT.
        let mut b = common(7);
        b.extend([3, 0, 0, 16]);
        b.extend([0; 12]);
        b.extend([0, 3, 0, 21]);
        b.extend([0; 17]);
        b.extend([0; 3]);
        b.extend([4, 0, 0, 4]);
        let m = parse(&ipv4(&b), 0.0, 0).unwrap();
        assert_eq!(m.chunks, vec![ChunkKind::Sack, ChunkKind::Data, ChunkKind::Heartbeat]);
        assert_eq!(m.init_tag, None);
    }

    #[test]
    fn impossible_chunk_lengths_end_the_list_without_panicking() {
        for bad_len in [0u16, 3, 200] {
            let mut b = common(7);
            b.extend([11, 0, 0, 4]);
            b.extend([6, 0]);
            b.extend(bad_len.to_be_bytes());
            let m = parse(&ipv4(&b), 0.0, 0).unwrap();
            assert_eq!(m.chunks, vec![ChunkKind::CookieAck], "length {bad_len}");
        }
        assert_eq!(parse(&ipv4(&[0; 5]), 0.0, 0), Err(NotSctp::Short(5)));
        assert!(matches!(parse(&[0x45, 0, 0], 0.0, 0), Err(NotSctp::Ip(_))));
        let mut udp = ipv4(&common(1));
        udp[9] = 17;
        assert_eq!(parse(&udp, 0.0, 0), Err(NotSctp::Protocol(17)));
    }

    #[test]
    fn every_byte_prefix_of_a_packet_parses_or_errs() {
        let mut b = common(7);
        b.extend([1, 0, 0, 20]);
        b.extend([0xab; 16]);
        let p = ipv4(&b);
        for n in 0..p.len() {
            let _ = parse(&p[..n], 0.0, 0);
        }
    }

    #[test]
    fn the_matcher_and_the_filter_name_the_same_packets() {
        let id = WireId { local_port: 5000, peer_port: 6000, tag: 0x11, peer_tag: 0x22 };
        let mark = |vtag, init_tag, sport, dport| PacketMark {
            t: 0.0,
            iface: 0,
            src: SocketAddr::new([10, 1, 1, 1].into(), sport),
            dst: SocketAddr::new([10, 1, 1, 2].into(), dport),
            vtag,
            init_tag,
            chunks: vec![],
            len: 0,
        };
        assert!(id.matches(&mark(0x22, None, 5000, 6000)));
        assert!(id.matches(&mark(0x11, None, 6000, 5000)));
        assert!(id.matches(&mark(0, Some(0x11), 5000, 6000)), "our INIT");
        assert!(!id.matches(&mark(0x33, None, 5000, 6000)), "another association on the same ports");
        assert!(!id.matches(&mark(0, Some(0x44), 5000, 6000)), "another association's INIT");
        assert!(!id.matches(&mark(0x22, None, 5000, 6001)), "another port");
        assert_eq!(
            id.display_filter(Some((10.0, 11.5))),
            "sctp.port == 5000 && sctp.port == 6000 && (sctp.verification_tag == 0x00000011 || \
             sctp.verification_tag == 0x00000022 || sctp.init_initiate_tag == 0x00000011 || \
             sctp.init_initiate_tag == 0x00000022) && frame.time_epoch >= 10.000000 && frame.time_epoch <= 11.500000"
        );
    }
}
