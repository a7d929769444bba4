//! The I/O half of the host view: one netlink socket for the `sctp_diag` dump, the two
//! /proc files for every path, and the /proc walk for owners — all opened in the chosen
//! network namespace and kept open (a netlink socket and a /proc/net file stay bound to the
//! namespace they were opened in, so one sampler watches one namespace from any thread).

use super::owners::{Owner, Owners};
use super::procfs::{self, ProcIndex};
use super::{DiagAssoc, DiagEndpoint, Dump, DumpDecoder, DumpError};
use crate::AssocId;
use crate::endpoint::in_netns;
use crate::error::{Context, Error, Result};
use crate::hz::KernelHz;
use crate::info::PathState;
use crate::sys::{self, ffi};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fs::File;
use std::io::{Read, Seek};
use std::net::{IpAddr, SocketAddr};
use std::os::fd::OwnedFd;
use std::time::Instant;

/// One path of a host association: every path has state and rto (from
/// /proc/net/sctp/remaddr); cwnd and srtt only the primary (from the dump).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HostPath {
    /// The path's peer address (one of the dump's `INET_DIAG_PEERS`).
    pub addr: IpAddr,
    /// Whether it is the primary path (the dump's `sctpi_p_address`).
    pub primary: bool,
    /// From remaddr's STATE column; else the dump's for the primary; else unknown.
    pub state: PathState,
    /// Retransmission timeout, ms: remaddr's RTO column converted from jiffies, else the dump's for the
    /// primary; `None` when neither has it.
    pub rto_ms: Option<u32>,
    /// Retransmission timeouts counted on this path (remaddr's REM_ADDR_RTX); `None` without /proc.
    pub retransmissions: Option<u32>,
    /// Heartbeats enabled on this path (remaddr's HB_ACT); `None` without /proc.
    pub hb_active: Option<bool>,
}

/// One association anywhere on the host (in the sampled namespace).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostAssoc {
    /// What the dump said (its fields appear flattened in this one's JSON).
    #[serde(flatten)]
    pub diag: DiagAssoc,
    /// The id its owner uses (from /proc/net/sctp/assocs), when it could be matched.
    pub assoc_id: Option<AssocId>,
    /// One per peer address, in the dump's `INET_DIAG_PEERS` order.
    pub paths: Vec<HostPath>,
    /// The process holding the socket (from /proc/*/fd); `None` when this user cannot see it.
    pub owner: Option<Owner>,
}

/// An endpoint (socket) anywhere on the host, with the process that holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostEndpoint {
    /// What the dump said (its fields appear flattened in this one's JSON).
    #[serde(flatten)]
    pub diag: DiagEndpoint,
    /// The process holding the socket (from /proc/*/fd); `None` when this user cannot see it.
    pub owner: Option<Owner>,
}

/// Everything one tick learned about the host.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HostSnapshot {
    /// The network namespace (`None`: the sampler's own).
    pub netns: Option<String>,
    /// The sampling kernel's HZ, used to convert jiffies (`HostSampler` always sets it).
    pub hz: Option<KernelHz>,
    /// Every association, joined with its /proc paths and owner.
    pub assocs: Vec<HostAssoc>,
    /// Every endpoint (socket), with its owner.
    pub endpoints: Vec<HostEndpoint>,
    /// See `Dump`.
    pub interrupted: bool,
    /// Dump messages that could not be decoded (`Dump::malformed`).
    pub malformed: u32,
    /// Associations past `MAX_ASSOCS`, not kept (`Dump::dropped`).
    pub dropped: u32,
    /// What could not be read besides the dump (the /proc files), said once per snapshot.
    pub warnings: Vec<String>,
    /// Wall time the dump took, µs (what the sampler costs).
    pub dump_us: u64,
}

/// Watches one network namespace.
pub struct HostSampler {
    netns: Option<String>,
    diag: DiagSocket,
    assocs_file: Option<File>,
    remaddr_file: Option<File>,
    owners: Owners,
    hz: KernelHz,
}

/// The sock_diag netlink socket of one namespace: dumps, nothing else (what the worker's
/// own sampling needs; the host view adds the /proc files and owners around it).
pub struct DiagSocket {
    sock: OwnedFd,
    seq: u32,
    buf: Vec<u8>,
    hz: KernelHz,
}

const RECV_BUF: usize = 64 * 1024;

fn explain(e: DumpError) -> Error {
    match e {
        DumpError::Kernel(errno) if errno == libc::ENOENT => Error {
            action: "dump SCTP associations (sock_diag)".into(),
            kind: crate::error::ErrorKind::Unavailable,
            errno: Some(errno),
            detail: Some("the kernel's sctp_diag module is not loaded: `modprobe sctp_diag`".into()),
        },
        DumpError::Kernel(errno) => {
            Error::os("dump SCTP associations (sock_diag)", &std::io::Error::from_raw_os_error(errno))
        }
        DumpError::Malformed(what) => Error::malformed("decode the sock_diag dump", what),
    }
}

impl DiagSocket {
    /// Opens the socket in `netns`, or in this thread's own namespace.
    pub fn open(netns: Option<&str>) -> Result<Self> {
        let open = || sys::netlink_socket(ffi::NETLINK_SOCK_DIAG).context(|| "open a sock_diag netlink socket".into());
        let sock = match netns {
            Some(ns) => in_netns(ns, open)?,
            None => open()?,
        };
        Self::from_socket(sock)
    }

    fn from_socket(sock: OwnedFd) -> Result<Self> {
        // The kernel answers at once; the timeout only keeps a lost reply from hanging the worker.
        let timeout = libc::timeval { tv_sec: 2, tv_usec: 0 };
        sys::setsockopt(&sock, libc::SOL_SOCKET, libc::SO_RCVTIMEO, &timeout)
            .context(|| "set a receive timeout on the sock_diag socket".into())?;
        Ok(DiagSocket { sock, seq: 0, buf: vec![0; RECV_BUF], hz: KernelHz::get() })
    }

    /// The raw datagrams of one dump (what the decoder's tests are built from).
    pub fn dump_raw(&mut self) -> Result<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        self.exchange(|dg, seq| {
            out.push(dg.to_vec());
            super::reply_ends(dg, seq).map_err(explain)
        })?;
        Ok(out)
    }

    /// One dump: a request and the replies up to NLMSG_DONE.
    pub fn dump(&mut self) -> Result<Dump> {
        let mut decoder = DumpDecoder::new(self.seq.wrapping_add(1), self.hz);
        self.exchange(|dg, _| decoder.feed(dg).map_err(explain))?;
        Ok(decoder.finish())
    }

    /// Sends the request for each family and hands every reply datagram to `each`, which
    /// says when the reply to this family is complete.
    fn exchange(&mut self, mut each: impl FnMut(&[u8], u32) -> Result<bool>) -> Result<()> {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        // Both families: AF_UNSPEC would be refused by inet_diag, so one request each.
        for family in [libc::AF_INET as u8, libc::AF_INET6 as u8] {
            let req = super::dump_request(seq, family);
            sys::send(&self.sock, &req).context(|| "send the sock_diag dump request".into())?;
            loop {
                let n = sys::recv(&self.sock, &mut self.buf, libc::MSG_TRUNC)
                    .context(|| "receive the sock_diag dump".into())?;
                if n > self.buf.len() {
                    return Err(Error::malformed(
                        "receive the sock_diag dump",
                        format!("a {n}-byte datagram does not fit the {}-byte buffer", self.buf.len()),
                    ));
                }
                if each(&self.buf[..n], seq)? {
                    break;
                }
            }
        }
        Ok(())
    }
}

impl HostSampler {
    /// Opens the netlink socket (and the /proc files) in `netns`, or in this thread's own
    /// namespace.
    pub fn open(netns: Option<&str>) -> Result<Self> {
        let open_all = || -> Result<(OwnedFd, Option<File>, Option<File>)> {
            let sock =
                sys::netlink_socket(ffi::NETLINK_SOCK_DIAG).context(|| "open a sock_diag netlink socket".into())?;
            // /proc/thread-self/net is this thread's namespace at open time.
            let assocs = File::open("/proc/thread-self/net/sctp/assocs").ok();
            let remaddr = File::open("/proc/thread-self/net/sctp/remaddr").ok();
            Ok((sock, assocs, remaddr))
        };
        let (sock, assocs_file, remaddr_file) = match netns {
            Some(ns) => in_netns(ns, open_all)?,
            None => open_all()?,
        };
        Ok(HostSampler {
            netns: netns.map(str::to_string),
            diag: DiagSocket::from_socket(sock)?,
            assocs_file,
            remaddr_file,
            owners: Owners::default(),
            hz: KernelHz::get(),
        })
    }

    /// The namespace it watches, as given to `open` (`None`: the one the opening thread was in).
    pub fn netns(&self) -> Option<&str> {
        self.netns.as_deref()
    }

    /// The raw datagrams of one dump.
    pub fn dump_raw(&mut self) -> Result<Vec<Vec<u8>>> {
        self.diag.dump_raw()
    }

    /// One dump, decoded (no /proc join).
    pub fn dump(&mut self) -> Result<Dump> {
        self.diag.dump()
    }

    /// Dump + /proc join + owners.
    pub fn snapshot(&mut self) -> Result<HostSnapshot> {
        let started = Instant::now();
        let dump = self.dump()?;
        let dump_us = started.elapsed().as_micros() as u64;
        let mut warnings = Vec::new();
        let index = self.proc_index(&mut warnings);
        let inodes: HashSet<u32> =
            dump.assocs.iter().map(|a| a.inode).chain(dump.endpoints.iter().map(|e| e.inode)).collect();
        let owners = self.owners.lookup(&inodes, Instant::now());
        let assocs = dump
            .assocs
            .into_iter()
            .map(|diag| {
                let peer_ips: Vec<IpAddr> = diag.peers.iter().map(SocketAddr::ip).collect();
                let assoc_id =
                    index.as_ref().and_then(|i| i.assoc_id(diag.inode, diag.local_port, diag.peer_port, &peer_ips));
                let proc_paths = match (&index, assoc_id) {
                    (Some(i), Some(id)) => i.paths(id),
                    _ => &[],
                };
                let primary_ip = diag.primary.and_then(|p| p.addr).map(|a| a.ip());
                let paths = peer_ips
                    .iter()
                    .map(|&ip| {
                        let p = proc_paths.iter().find(|p| same_ip(p.addr, ip));
                        let is_primary = primary_ip.is_some_and(|pip| same_ip(pip, ip));
                        HostPath {
                            addr: ip,
                            primary: is_primary,
                            state: match (p, diag.primary) {
                                (Some(p), _) => p.state,
                                (None, Some(prim)) if is_primary => prim.state,
                                _ => PathState::Unknown,
                            },
                            rto_ms: p
                                .map(|p| self.hz.jiffies_to_ms(p.rto_jiffies).round() as u32)
                                .or(diag.primary.filter(|_| is_primary).map(|p| p.rto_ms)),
                            retransmissions: p.map(|p| p.retransmissions),
                            hb_active: p.map(|p| p.hb_active),
                        }
                    })
                    .collect();
                let owner = owners.get(&diag.inode).cloned();
                HostAssoc { diag, assoc_id, paths, owner }
            })
            .collect();
        let endpoints = dump
            .endpoints
            .into_iter()
            .map(|diag| {
                let owner = owners.get(&diag.inode).cloned();
                HostEndpoint { diag, owner }
            })
            .collect();
        Ok(HostSnapshot {
            netns: self.netns.clone(),
            hz: Some(self.hz),
            assocs,
            endpoints,
            interrupted: dump.interrupted,
            malformed: dump.malformed,
            dropped: dump.dropped,
            warnings,
            dump_us,
        })
    }

    fn proc_index(&mut self, warnings: &mut Vec<String>) -> Option<ProcIndex> {
        let read = |f: &mut Option<File>, name: &str, warnings: &mut Vec<String>| -> Option<String> {
            let Some(file) = f.as_mut() else {
                warnings.push(format!("/proc/net/sctp/{name} is not readable: other paths show no rto/state"));
                return None;
            };
            let mut text = String::new();
            match file.rewind().and_then(|()| file.read_to_string(&mut text)) {
                Ok(_) => Some(text),
                Err(e) => {
                    warnings.push(format!("read /proc/net/sctp/{name}: {e}"));
                    None
                }
            }
        };
        let assocs = read(&mut self.assocs_file, "assocs", warnings)?;
        let remaddr = read(&mut self.remaddr_file, "remaddr", warnings)?;
        let (a, bad_a) = procfs::parse_assocs(&assocs);
        let (p, bad_p) = procfs::parse_remaddr(&remaddr);
        if bad_a + bad_p > 0 {
            warnings.push(format!("{} lines of /proc/net/sctp/assocs and remaddr could not be read", bad_a + bad_p));
        }
        Some(ProcIndex::new(a, p))
    }
}

/// A v4 address and its v4-mapped v6 form are the same peer (the dump and /proc may print
/// either, depending on the socket's family).
pub(crate) fn same_ip(a: IpAddr, b: IpAddr) -> bool {
    a.to_canonical() == b.to_canonical()
}
