//! `/proc/net/sctp/assocs` and `/proc/net/sctp/remaddr`: the association id of each dumped
//! association, and rto/state/retransmissions of every path (the dump describes only the
//! primary). Pure parsers over the files' text; columns as `net/sctp/proc.c` prints them.

use crate::AssocId;
use crate::info::PathState;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::IpAddr;

/// One line of `/proc/net/sctp/assocs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcAssoc {
    /// ASSOC-ID column: the id the owning process uses for it (`sctp_assoc_t`).
    pub assoc_id: AssocId,
    /// INODE column: the socket that holds it.
    pub inode: u32,
    /// LPORT column: local port.
    pub local_port: u16,
    /// RPORT column: the peer's port.
    pub peer_port: u16,
    /// The peer addresses after `<->` (RADDRS), in printed order.
    pub peers: Vec<IpAddr>,
    /// The peer address marked `*` (the primary path).
    pub primary: Option<IpAddr>,
}

/// One line of `/proc/net/sctp/remaddr`: a path.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProcPath {
    /// ADDR column: the path's peer address.
    pub addr: IpAddr,
    /// ASSOC_ID column: the association the path belongs to.
    pub assoc_id: AssocId,
    /// Heartbeats enabled on this path.
    pub hb_active: bool,
    /// The kernel prints the transport's rto raw, in jiffies (measured: 100 at HZ 100 for
    /// the 1 s rto_min), unlike the dump and getsockopt, which give ms.
    pub rto_jiffies: u32,
    /// MAX_PATH_RTX column: Path.Max.Retrans (RFC 9260 §8.2).
    pub path_max_rxt: u32,
    /// Retransmissions (timeouts) counted on this path.
    pub retransmissions: u32,
    /// STATE column: the transport state (inactive, potentially failed, active, unconfirmed).
    pub state: PathState,
}

fn parse_ip(token: &str) -> Option<IpAddr> {
    token.trim_start_matches('*').parse().ok()
}

/// Parses `/proc/net/sctp/assocs`; lines it cannot read are skipped and counted.
pub fn parse_assocs(text: &str) -> (Vec<ProcAssoc>, u32) {
    let mut out = Vec::new();
    let mut bad = 0;
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        match parse_assoc_line(line) {
            Some(a) => out.push(a),
            None => bad += 1,
        }
    }
    (out, bad)
}

fn parse_assoc_line(line: &str) -> Option<ProcAssoc> {
    let tokens: Vec<&str> = line.split_whitespace().collect();
    // ASSOC SOCK STY SST ST HBKT ASSOC-ID TX_QUEUE RX_QUEUE UID INODE LPORT RPORT LADDRS <-> RADDRS ...
    let assoc_id = AssocId(tokens.get(6)?.parse().ok()?);
    let inode = tokens.get(10)?.parse().ok()?;
    let local_port = tokens.get(11)?.parse().ok()?;
    let peer_port = tokens.get(12)?.parse().ok()?;
    let arrow = tokens.iter().position(|t| *t == "<->")?;
    let mut peers = Vec::new();
    let mut primary = None;
    for t in &tokens[arrow + 1..] {
        let Some(ip) = parse_ip(t) else { break };
        if t.starts_with('*') {
            primary = Some(ip);
        }
        peers.push(ip);
    }
    Some(ProcAssoc { assoc_id, inode, local_port, peer_port, peers, primary })
}

/// Parses `/proc/net/sctp/remaddr`; lines it cannot read are skipped and counted.
pub fn parse_remaddr(text: &str) -> (Vec<ProcPath>, u32) {
    let mut out = Vec::new();
    let mut bad = 0;
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let t: Vec<&str> = line.split_whitespace().collect();
        // ADDR ASSOC_ID HB_ACT RTO MAX_PATH_RTX REM_ADDR_RTX START STATE
        let parsed = (|| {
            Some(ProcPath {
                addr: parse_ip(t.first()?)?,
                assoc_id: AssocId(t.get(1)?.parse().ok()?),
                hb_active: t.get(2)?.parse::<u32>().ok()? != 0,
                rto_jiffies: t.get(3)?.parse().ok()?,
                path_max_rxt: t.get(4)?.parse().ok()?,
                retransmissions: t.get(5)?.parse().ok()?,
                state: PathState::from_raw(t.get(7)?.parse().ok()?),
            })
        })();
        match parsed {
            Some(p) => out.push(p),
            None => bad += 1,
        }
    }
    (out, bad)
}

/// Finds each dumped association's id and paths: keyed by (inode, local port, peer port),
/// which names one association (one socket cannot hold two to the same peer port on the
/// same addresses); when several match, the peer address lists decide.
#[derive(Debug, Default)]
pub struct ProcIndex {
    by_socket: HashMap<(u32, u16, u16), Vec<ProcAssoc>>,
    paths: HashMap<AssocId, Vec<ProcPath>>,
}

impl ProcIndex {
    /// Indexes parsed `assocs` lines by socket and ports, and `remaddr` lines by association id.
    pub fn new(assocs: Vec<ProcAssoc>, paths: Vec<ProcPath>) -> Self {
        let mut index = ProcIndex::default();
        for a in assocs {
            index.by_socket.entry((a.inode, a.local_port, a.peer_port)).or_default().push(a);
        }
        for p in paths {
            index.paths.entry(p.assoc_id).or_default().push(p);
        }
        index
    }

    /// The id of the association on socket `inode` between these ports with these peers.
    pub fn assoc_id(&self, inode: u32, local_port: u16, peer_port: u16, peers: &[IpAddr]) -> Option<AssocId> {
        let candidates = self.by_socket.get(&(inode, local_port, peer_port))?;
        match candidates.as_slice() {
            [one] => Some(one.assoc_id),
            many => many.iter().find(|a| peers.iter().all(|p| a.peers.contains(p))).map(|a| a.assoc_id),
        }
    }

    /// The paths (`remaddr` lines) of association `id`; empty when it has none.
    pub fn paths(&self, id: AssocId) -> &[ProcPath] {
        self.paths.get(&id).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Read in the rig (UML 6.1): a one-to-one server and a v6 one-to-many client with a
    // v4 peer; the v6 local address is printed in full.
    const ASSOCS: &str = " ASSOC     SOCK   STY SST ST HBKT ASSOC-ID TX_QUEUE RX_QUEUE UID INODE LPORT RPORT LADDRS <-> RADDRS HBINT INS OUTS MAXRT T1X T2X RTXC wmema wmemq sndbuf rcvbuf
1ca00473 50c820d3 2   1   3  0       4        0      332       0   443 5000  40781  127.0.0.1 <-> *127.0.0.1 \t    3000    10    10   10    0    0        0        1        0   212992   212992
7e32b5d7 439479a3 0   7   3  0       3        0        0       0   442 40781  5000  127.0.0.1 0000:0000:0000:0000:0000:0000:0000:0001 <-> *127.0.0.1 \t    3000    10    10   10    0    0        0        1        0   212992   212992
";
    const REMADDR: &str = "ADDR ASSOC_ID HB_ACT RTO MAX_PATH_RTX REM_ADDR_RTX START STATE
127.0.0.1  4 1 300 5 0 0 2
127.0.0.1  3 1 100 5 0 0 2
10.0.2.2  3 1 3000 5 7 0 0
";

    #[test]
    fn assocs_lines_give_id_inode_ports_and_primary() {
        let (a, bad) = parse_assocs(ASSOCS);
        assert_eq!(bad, 0);
        assert_eq!(a.len(), 2);
        assert_eq!((a[0].assoc_id, a[0].inode, a[0].local_port, a[0].peer_port), (AssocId(4), 443, 5000, 40781));
        assert_eq!(a[1].primary, Some("127.0.0.1".parse().unwrap()));
        assert_eq!(a[1].peers.len(), 1);
    }

    #[test]
    fn remaddr_lines_give_every_path() {
        let (p, bad) = parse_remaddr(REMADDR);
        assert_eq!(bad, 0);
        assert_eq!(p[2].state, PathState::Inactive);
        assert_eq!((p[2].rto_jiffies, p[2].retransmissions, p[2].assoc_id), (3000, 7, AssocId(3)));
        let index = ProcIndex::new(parse_assocs(ASSOCS).0, p);
        let id = index.assoc_id(442, 40781, 5000, &["127.0.0.1".parse().unwrap()]).unwrap();
        assert_eq!(id, AssocId(3));
        assert_eq!(index.paths(id).len(), 2);
        assert_eq!(index.assoc_id(442, 1, 5000, &[]), None);
    }

    #[test]
    fn garbage_lines_are_counted_not_fatal() {
        let (a, bad) = parse_assocs("header\nnot a line\n\u{1F600} x y\n");
        assert!(a.is_empty());
        assert_eq!(bad, 2);
        let (p, bad) = parse_remaddr("header\n1.2.3.4 x\n");
        assert!(p.is_empty());
        assert_eq!(bad, 1);
    }
}
