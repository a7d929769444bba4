//! `Endpoint`: one SCTP socket, one-to-many (SOCK_SEQPACKET) or one-to-one (SOCK_STREAM).
//! Each method names the syscall it makes; errors say what was attempted.

use crate::addr;
use crate::error::{Context, Error, Result};
use crate::hz::KernelHz;
use crate::info::{AssocStats, PathInfo, Status};
use crate::message::{self, Received, SendInfo};
use crate::notification::EventKind;
use crate::options::{EventSubscriptions, OptionValue, SockOpt};
use crate::sys::{self, Zeroable, ffi};
use crate::{AssocId, Scope};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

/// The socket's address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Family {
    /// AF_INET.
    #[default]
    Ipv4,
    /// AF_INET6 (also reaches IPv4 peers through v4-mapped addresses unless IPV6_V6ONLY is set).
    Ipv6,
}

/// gen_sctp's `seqpacket` (one-to-many) and `stream` (one-to-one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Style {
    /// SOCK_SEQPACKET: one socket carries many associations, told apart by association id.
    #[default]
    OneToMany,
    /// SOCK_STREAM: one association per socket, TCP-like (connect/accept).
    OneToOne,
}

/// The elementary (non-SCTP) socket options applied when an endpoint opens.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SocketOptions {
    /// SO_SNDBUF request, bytes (the kernel doubles it).
    pub sndbuf: Option<u32>,
    /// SO_RCVBUF request, bytes (the kernel doubles it).
    pub rcvbuf: Option<u32>,
    /// SO_REUSEADDR.
    pub reuseaddr: bool,
    /// SO_REUSEPORT.
    pub reuseport: bool,
    /// IP TOS / IPv6 traffic class byte.
    pub tos: Option<u8>,
    /// SO_PRIORITY: the queueing priority of sent packets.
    pub priority: Option<u32>,
    /// SO_DONTROUTE: send only to directly connected hosts, bypassing routing.
    pub dontroute: bool,
    /// SO_LINGER seconds (Some(0): close aborts).
    pub linger: Option<u32>,
    /// IPV6_V6ONLY, IPv6 endpoints only.
    pub ipv6_v6only: bool,
    /// Sends fail with EAGAIN instead of blocking when the send buffer is full.
    pub nonblocking_send: bool,
    /// IPV6_TCLASS on its own (IPv6 endpoints; `tos` sets the same byte there: give one).
    pub tclass: Option<u8>,
    /// Hop limit of sent packets: IP_TTL (IPv4), IPV6_UNICAST_HOPS (IPv6). 1..=255.
    pub ttl: Option<u8>,
    /// IP_RECVTOS, IPV6_RECVTCLASS, IP_RECVTTL: ask for the received packets' TOS, traffic
    /// class and TTL per message. Linux 6.1 accepts them on SCTP sockets and delivers none
    /// (see `IpRecvInfo`).
    pub recvtos: bool,
    /// IPV6_RECVTCLASS (IPv6 endpoints only): the traffic class of received packets.
    pub recvtclass: bool,
    /// IP_RECVTTL: the TTL of received packets.
    pub recvttl: bool,
}

/// What the kernel says the elementary options are after open (getsockopt of each): the
/// buffers as the kernel sized them (it doubles requests, capped by net.core.*mem_max),
/// the TTL and TOS in force whether set or defaulted.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AppliedOptions {
    /// SO_SNDBUF, bytes, as the kernel sized it.
    pub sndbuf: u32,
    /// SO_RCVBUF, bytes, as the kernel sized it.
    pub rcvbuf: u32,
    /// SO_REUSEADDR.
    pub reuseaddr: bool,
    /// SO_REUSEPORT.
    pub reuseport: bool,
    /// IP_TOS (IPv4) / IPV6_TCLASS (IPv6).
    pub tos: u8,
    /// IP_TTL (IPv4) / IPV6_UNICAST_HOPS (IPv6) of sent packets.
    pub ttl: u8,
    /// SO_PRIORITY.
    pub priority: u32,
    /// SO_DONTROUTE.
    pub dontroute: bool,
    /// SO_LINGER seconds when on.
    pub linger: Option<u32>,
    /// IPv6 endpoints only.
    pub ipv6_v6only: Option<bool>,
    /// IP_RECVTOS.
    pub recvtos: bool,
    /// IPv6 endpoints only.
    pub recvtclass: Option<bool>,
    /// IP_RECVTTL.
    pub recvttl: bool,
}

/// What to open: the same fields as the window's form and a scenario's `open` step.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EndpointConfig {
    /// IPv4 or IPv6 socket.
    pub family: Family,
    /// One-to-many or one-to-one socket.
    pub style: Style,
    /// Local addresses; empty = the wildcard address. More than one = multi-homed.
    pub addrs: Vec<IpAddr>,
    /// 0 = any free port.
    pub port: u16,
    /// A named network namespace (`ip netns add NAME`) to open the socket in.
    pub netns: Option<String>,
    /// Elementary socket options set before bind.
    pub options: SocketOptions,
}

/// One open SCTP socket (owns the fd; closed on drop), with a reassembly buffer for messages the
/// kernel delivers in parts.
#[derive(Debug)]
pub struct Endpoint {
    fd: OwnedFd,
    style: Style,
    family: Family,
    /// The named network namespace the socket lives in (peeloff must run there too).
    netns: Option<String>,
    /// Messages the kernel has delivered only in part (no MSG_EOR yet), per association
    /// and stream.
    partial: Reassembly,
    /// The receive buffer, kept between calls.
    buf: Vec<u8>,
}

/// Receive buffer per recvmsg call; larger messages arrive in parts and are reassembled.
const RECV_CHUNK: usize = 65536;
/// The most addresses one association or endpoint is asked for (a bound on the buffer).
const MAX_ADDRS: usize = 1 << 16;
use crate::reassembly::{MAX_MESSAGE, PieceOf, Reassembly};

impl AsRawFd for Endpoint {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl AsFd for Endpoint {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// Runs `f` with the calling thread inside network namespace `name`, then returns.
///
/// `f` runs on a short-lived thread of its own that enters the namespace and ends with it:
/// the calling thread never changes namespace, so there is no switching back that could
/// fail and leave it (and every socket it opens later) in the wrong one. What `f` opens
/// stays bound to the namespace it was opened in.
pub(crate) fn in_netns<T: Send>(name: &str, f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    check_netns_name(name)?;
    let path = format!("/run/netns/{name}");
    let target = File::open(&path).context(|| format!("open network namespace {path}"))?;
    std::thread::scope(|scope| {
        let helper = std::thread::Builder::new()
            .name(format!("netns {name}"))
            .spawn_scoped(scope, || {
                sys::setns_net(&target).context(|| format!("enter network namespace {name}"))?;
                f()
            })
            .context(|| format!("start a thread for network namespace {name}"))?;
        helper.join().unwrap_or_else(|_| {
            Err(Error::unavailable(format!("work in network namespace {name}"), "the helper thread panicked"))
        })
    })
}

/// A name as `ip netns add` takes it: no path separators, not `.` or `..` (a name is
/// joined to /run/netns/, and must not reach any other file).
pub fn check_netns_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name != "."
        && name != ".."
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-@+".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            format!("use network namespace {name:?}"),
            "a namespace name is letters, digits and . _ - @ + (as `ip netns add` makes them), not a path",
        ))
    }
}

impl Endpoint {
    fn new(fd: OwnedFd, style: Style, family: Family, netns: Option<String>) -> Endpoint {
        Endpoint { fd, style, family, netns, partial: Reassembly::default(), buf: Vec::new() }
    }

    /// socket(2), the elementary options (setsockopt), bind(2) or SCTP_SOCKOPT_BINDX_ADD,
    /// and SCTP_RECVRCVINFO so every message carries its receive info.
    pub fn open(cfg: &EndpointConfig) -> Result<Endpoint> {
        let fd = match &cfg.netns {
            Some(ns) => in_netns(ns, || Self::socket(cfg))?,
            None => Self::socket(cfg)?,
        };
        let ep = Endpoint::new(fd, cfg.style, cfg.family, cfg.netns.clone());
        ep.apply_socket_options(&cfg.options)?;
        ep.set_int(ffi::SOL_SCTP, ffi::SCTP_RECVRCVINFO, 1, "enable SCTP_RECVRCVINFO")?;
        ep.bind_all(&cfg.addrs, cfg.port)?;
        Ok(ep)
    }

    fn socket(cfg: &EndpointConfig) -> Result<OwnedFd> {
        let domain = match cfg.family {
            Family::Ipv4 => libc::AF_INET,
            Family::Ipv6 => libc::AF_INET6,
        };
        let ty = match cfg.style {
            Style::OneToMany => libc::SOCK_SEQPACKET,
            Style::OneToOne => libc::SOCK_STREAM,
        };
        sys::socket(domain, ty, ffi::IPPROTO_SCTP).map_err(|e| {
            let err = Error::os(format!("open {:?} {:?} SCTP socket", cfg.family, cfg.style), &e);
            if matches!(e.raw_os_error(), Some(libc::ESOCKTNOSUPPORT | libc::EPROTONOSUPPORT)) {
                err.with_detail(crate::NO_KERNEL_SCTP_HINT)
            } else {
                err
            }
        })
    }

    fn set_int(&self, level: i32, name: i32, value: i32, what: &str) -> Result<()> {
        sys::setsockopt(&self.fd, level, name, &value).context(|| what.to_string())
    }

    fn apply_socket_options(&self, o: &SocketOptions) -> Result<()> {
        let sol = libc::SOL_SOCKET;
        if let Some(v) = o.sndbuf {
            self.set_int(sol, libc::SO_SNDBUF, v as i32, &format!("set SO_SNDBUF to {v}"))?;
        }
        if let Some(v) = o.rcvbuf {
            self.set_int(sol, libc::SO_RCVBUF, v as i32, &format!("set SO_RCVBUF to {v}"))?;
        }
        if o.reuseaddr {
            self.set_int(sol, libc::SO_REUSEADDR, 1, "set SO_REUSEADDR")?;
        }
        if o.reuseport {
            self.set_int(sol, libc::SO_REUSEPORT, 1, "set SO_REUSEPORT")?;
        }
        if let Some(tos) = o.tos {
            match self.family {
                Family::Ipv4 => {
                    self.set_int(libc::IPPROTO_IP, libc::IP_TOS, tos.into(), &format!("set IP_TOS to {tos}"))?
                }
                Family::Ipv6 => self.set_int(
                    libc::IPPROTO_IPV6,
                    libc::IPV6_TCLASS,
                    tos.into(),
                    &format!("set IPV6_TCLASS to {tos}"),
                )?,
            }
        }
        if let Some(p) = o.priority {
            self.set_int(sol, libc::SO_PRIORITY, p as i32, &format!("set SO_PRIORITY to {p}"))?;
        }
        if o.dontroute {
            self.set_int(sol, libc::SO_DONTROUTE, 1, "set SO_DONTROUTE")?;
        }
        if let Some(secs) = o.linger {
            let l = libc::linger { l_onoff: 1, l_linger: secs as i32 };
            sys::setsockopt(&self.fd, sol, libc::SO_LINGER, &l).context(|| format!("set SO_LINGER to {secs} s"))?;
        }
        if o.ipv6_v6only {
            if self.family != Family::Ipv6 {
                return Err(Error::invalid("set IPV6_V6ONLY", "only IPv6 endpoints have it"));
            }
            self.set_int(libc::IPPROTO_IPV6, libc::IPV6_V6ONLY, 1, "set IPV6_V6ONLY")?;
        }
        if o.nonblocking_send {
            sys::set_nonblocking(&self.fd, true).context(|| "set O_NONBLOCK".into())?;
        }
        let v6 = self.family == Family::Ipv6;
        if let Some(tc) = o.tclass {
            if !v6 {
                return Err(Error::invalid("set IPV6_TCLASS", "only IPv6 endpoints have it (IPv4: tos)"));
            }
            if o.tos.is_some_and(|t| t != tc) {
                return Err(Error::invalid(
                    "set IPV6_TCLASS",
                    "tos and tclass both set an IPv6 endpoint's traffic class, to different values: give one",
                ));
            }
            self.set_int(libc::IPPROTO_IPV6, libc::IPV6_TCLASS, tc.into(), &format!("set IPV6_TCLASS to {tc}"))?;
        }
        if let Some(ttl) = o.ttl {
            if ttl == 0 {
                return Err(Error::invalid("set the TTL", "0 is out of range 1..=255"));
            }
            let (level, name, what) = if v6 {
                (libc::IPPROTO_IPV6, libc::IPV6_UNICAST_HOPS, "IPV6_UNICAST_HOPS")
            } else {
                (libc::IPPROTO_IP, libc::IP_TTL, "IP_TTL")
            };
            self.set_int(level, name, ttl.into(), &format!("set {what} to {ttl}"))?;
        }
        if o.recvtos {
            self.set_int(libc::IPPROTO_IP, libc::IP_RECVTOS, 1, "set IP_RECVTOS")?;
        }
        if o.recvtclass {
            if !v6 {
                return Err(Error::invalid("set IPV6_RECVTCLASS", "only IPv6 endpoints have it (IPv4: recvtos)"));
            }
            self.set_int(libc::IPPROTO_IPV6, libc::IPV6_RECVTCLASS, 1, "set IPV6_RECVTCLASS")?;
        }
        if o.recvttl {
            self.set_int(libc::IPPROTO_IP, libc::IP_RECVTTL, 1, "set IP_RECVTTL")?;
        }
        Ok(())
    }

    fn get_int(&self, level: i32, name: i32, what: &str) -> Result<i32> {
        let mut v = 0i32;
        sys::getsockopt(&self.fd, level, name, &mut v).context(|| format!("get {what}"))?;
        Ok(v)
    }

    /// The elementary options as the kernel holds them: getsockopt of each (SO_SNDBUF,
    /// SO_RCVBUF, SO_REUSEADDR, SO_REUSEPORT, IP_TOS or IPV6_TCLASS, IP_TTL or
    /// IPV6_UNICAST_HOPS, SO_PRIORITY, SO_DONTROUTE, SO_LINGER, IPV6_V6ONLY, IP_RECVTOS,
    /// IPV6_RECVTCLASS, IP_RECVTTL).
    pub fn applied_options(&self) -> Result<AppliedOptions> {
        let sol = libc::SOL_SOCKET;
        let v6 = self.family == Family::Ipv6;
        let flag = |level, name, what: &str| self.get_int(level, name, what).map(|v| v != 0);
        let byte = |v: i32| u8::try_from(v).unwrap_or(u8::MAX);
        let mut linger = libc::linger { l_onoff: 0, l_linger: 0 };
        sys::getsockopt(&self.fd, sol, libc::SO_LINGER, &mut linger).context(|| "get SO_LINGER".into())?;
        Ok(AppliedOptions {
            sndbuf: self.get_int(sol, libc::SO_SNDBUF, "SO_SNDBUF")? as u32,
            rcvbuf: self.get_int(sol, libc::SO_RCVBUF, "SO_RCVBUF")? as u32,
            reuseaddr: flag(sol, libc::SO_REUSEADDR, "SO_REUSEADDR")?,
            reuseport: flag(sol, libc::SO_REUSEPORT, "SO_REUSEPORT")?,
            tos: byte(if v6 {
                self.get_int(libc::IPPROTO_IPV6, libc::IPV6_TCLASS, "IPV6_TCLASS")?
            } else {
                self.get_int(libc::IPPROTO_IP, libc::IP_TOS, "IP_TOS")?
            }),
            ttl: byte(if v6 {
                self.get_int(libc::IPPROTO_IPV6, libc::IPV6_UNICAST_HOPS, "IPV6_UNICAST_HOPS")?
            } else {
                self.get_int(libc::IPPROTO_IP, libc::IP_TTL, "IP_TTL")?
            }),
            priority: self.get_int(sol, libc::SO_PRIORITY, "SO_PRIORITY")? as u32,
            dontroute: flag(sol, libc::SO_DONTROUTE, "SO_DONTROUTE")?,
            linger: (linger.l_onoff != 0).then_some(linger.l_linger as u32),
            ipv6_v6only: if v6 { Some(flag(libc::IPPROTO_IPV6, libc::IPV6_V6ONLY, "IPV6_V6ONLY")?) } else { None },
            recvtos: flag(libc::IPPROTO_IP, libc::IP_RECVTOS, "IP_RECVTOS")?,
            recvtclass: if v6 {
                Some(flag(libc::IPPROTO_IPV6, libc::IPV6_RECVTCLASS, "IPV6_RECVTCLASS")?)
            } else {
                None
            },
            recvttl: flag(libc::IPPROTO_IP, libc::IP_RECVTTL, "IP_RECVTTL")?,
        })
    }

    fn bind_all(&self, addrs: &[IpAddr], port: u16) -> Result<()> {
        match addrs {
            [] => {
                let any = match self.family {
                    Family::Ipv4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                    Family::Ipv6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
                };
                self.bind(SocketAddr::new(any, port))
            }
            [one] => self.bind(SocketAddr::new(*one, port)),
            many => self.bindx_add(&many.iter().map(|ip| SocketAddr::new(*ip, port)).collect::<Vec<_>>()),
        }
    }

    /// bind(2) to one address.
    pub fn bind(&self, addr: SocketAddr) -> Result<()> {
        let (storage, len) = addr::to_storage(&addr);
        sys::bind(&self.fd, &storage, len).context(|| format!("bind to {addr}"))
    }

    /// setsockopt(SCTP_SOCKOPT_BINDX_ADD): add local addresses (same port as the endpoint).
    pub fn bindx_add(&self, addrs: &[SocketAddr]) -> Result<()> {
        sys::setsockopt_bytes(&self.fd, ffi::SOL_SCTP, ffi::SCTP_SOCKOPT_BINDX_ADD, &addr::pack(addrs))
            .map(drop)
            .context(|| format!("bindx add {}", list(addrs)))
    }

    /// setsockopt(SCTP_SOCKOPT_BINDX_REM): remove local addresses.
    pub fn bindx_remove(&self, addrs: &[SocketAddr]) -> Result<()> {
        sys::setsockopt_bytes(&self.fd, ffi::SOL_SCTP, ffi::SCTP_SOCKOPT_BINDX_REM, &addr::pack(addrs))
            .map(drop)
            .context(|| format!("bindx remove {}", list(addrs)))
    }

    /// One-to-many or one-to-one, as opened.
    pub fn style(&self) -> Style {
        self.style
    }

    /// IPv4 or IPv6, as opened.
    pub fn family(&self) -> Family {
        self.family
    }

    /// The named network namespace the socket was opened in (`None`: the process's own).
    pub fn netns(&self) -> Option<&str> {
        self.netns.as_deref()
    }

    /// listen(2). One-to-many: `backlog` 0 stops accepting new associations, > 0 starts.
    /// One-to-one: the accept queue length.
    pub fn listen(&self, backlog: i32) -> Result<()> {
        sys::listen(&self.fd, backlog).context(|| format!("listen (backlog {backlog})"))
    }

    /// accept4(2) on a listening one-to-one endpoint.
    pub fn accept(&self) -> Result<(Endpoint, Option<SocketAddr>)> {
        let (fd, from) = sys::accept(&self.fd).context(|| "accept".into())?;
        let ep = self.sibling(fd);
        Ok((ep, addr::from_storage(&from)))
    }

    /// getsockopt(SCTP_SOCKOPT_CONNECTX3), falling back to setsockopt(SCTP_SOCKOPT_CONNECTX)
    /// on kernels without it. Blocks until the association is up unless the socket is
    /// non-blocking.
    fn connectx_raw(&self, addrs: &[SocketAddr]) -> (AssocId, std::io::Result<()>) {
        let packed = addr::pack(addrs);
        let (id, res) = sys::connectx3(&self.fd, &packed);
        match res {
            Err(e) if e.raw_os_error() == Some(libc::ENOPROTOOPT) => {
                match sys::setsockopt_bytes(&self.fd, ffi::SOL_SCTP, ffi::SCTP_SOCKOPT_CONNECTX, &packed) {
                    Ok(id) => (AssocId(id), Ok(())),
                    Err(e) => (AssocId(0), Err(e)),
                }
            }
            res => (AssocId(id), res),
        }
    }

    /// Connects to one or more addresses of one peer and waits up to `timeout` for the
    /// association to come up (SO_SNDTIMEO bounds the kernel's wait).
    pub fn connect(&self, addrs: &[SocketAddr], timeout: Duration) -> Result<AssocId> {
        let action = || format!("connect to {}", list(addrs));
        // SO_SNDTIMEO of zero means "wait forever".
        if timeout < Duration::from_millis(1) {
            return Err(Error::invalid(action(), "the timeout must be at least 1 ms"));
        }
        let tv = libc::timeval { tv_sec: timeout.as_secs() as i64, tv_usec: timeout.subsec_micros() as i64 };
        sys::setsockopt(&self.fd, libc::SOL_SOCKET, libc::SO_SNDTIMEO, &tv).context(|| "set SO_SNDTIMEO".into())?;
        let (id, res) = self.connectx_raw(addrs);
        let reset = libc::timeval { tv_sec: 0, tv_usec: 0 };
        sys::setsockopt(&self.fd, libc::SOL_SOCKET, libc::SO_SNDTIMEO, &reset)
            .context(|| "reset SO_SNDTIMEO".into())?;
        match res {
            Ok(()) => Ok(id),
            Err(e) if matches!(e.raw_os_error(), Some(libc::EINPROGRESS | libc::EAGAIN | libc::ETIMEDOUT)) => {
                Err(Error::os(action(), &e)
                    .with_detail(format!("association not up within {} ms", timeout.as_millis())))
            }
            Err(e) => Err(Error::os(action(), &e)),
        }
    }

    /// Non-blocking connect (gen_sctp connect_init / connectx_init): sends INIT and returns
    /// the association id at once; COMM_UP or CANT_STR_ASSOC arrives later as a
    /// notification.
    pub fn connect_init(&self, addrs: &[SocketAddr]) -> Result<AssocId> {
        let action = || format!("connect_init to {}", list(addrs));
        let was_nonblocking = self.is_nonblocking()?;
        sys::set_nonblocking(&self.fd, true).context(action)?;
        let (id, res) = self.connectx_raw(addrs);
        if !was_nonblocking {
            sys::set_nonblocking(&self.fd, false).context(action)?;
        }
        match res {
            Ok(()) => Ok(id),
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(id),
            Err(e) => Err(Error::os(action(), &e)),
        }
    }

    fn is_nonblocking(&self) -> Result<bool> {
        sys::is_nonblocking(&self.fd).context(|| "fcntl F_GETFL".into())
    }

    /// sendmsg(2) with SCTP_SNDINFO (and SCTP_PRINFO for a TTL).
    pub fn send(&self, data: &[u8], info: &SendInfo) -> Result<usize> {
        let cmsgs = info.cmsgs();
        let dest = info.dest.map(|d| addr::to_storage(&d));
        let res = sys::sendmsg(&self.fd, dest.as_ref().map(|(s, l)| (s, *l)), data, &cmsgs.words(), cmsgs.len(), 0);
        res.map_err(|e| self.explain_send_error(&e, info))
    }

    /// The most messages one `send_repeated` sends.
    pub const SEND_REPEATED_MAX: usize = sys::SENDMMSG_MAX;

    /// The same message `count` times (at most `SEND_REPEATED_MAX`) in one sendmmsg(2);
    /// how many the kernel took. One syscall for many small messages: where each syscall
    /// is dear (User-Mode Linux: a host round trip) it sets the pace of a burst.
    pub fn send_repeated(&self, data: &[u8], info: &SendInfo, count: usize) -> Result<usize> {
        if count <= 1 {
            return self.send(data, info).map(|_| 1);
        }
        let cmsgs = info.cmsgs();
        let dest = info.dest.map(|d| addr::to_storage(&d));
        let res = sys::sendmmsg_repeated(
            &self.fd,
            dest.as_ref().map(|(s, l)| (s, *l)),
            data,
            &cmsgs.words(),
            cmsgs.len(),
            count,
        );
        res.map_err(|e| self.explain_send_error(&e, info))
    }

    /// The short form: association, stream, bytes (PPID 0, no flags).
    pub fn send_on(&self, assoc: AssocId, stream: u16, data: &[u8]) -> Result<usize> {
        self.send(data, &SendInfo { assoc, stream, ..Default::default() })
    }

    fn explain_send_error(&self, e: &std::io::Error, info: &SendInfo) -> Error {
        let err = Error::os(format!("send on stream {} of association {}", info.stream, info.assoc.0), e);
        match e.raw_os_error() {
            Some(libc::EINVAL) => match self.status(info.assoc) {
                Ok(s) if info.stream >= s.outbound_streams => err.with_detail(format!(
                    "{} outbound streams negotiated (0..{})",
                    s.outbound_streams,
                    s.outbound_streams.saturating_sub(1)
                )),
                _ => err,
            },
            Some(libc::EPIPE) => err.with_detail("no such association on this endpoint (closed or never set up)"),
            Some(libc::EAGAIN) => err.with_detail("send buffer full (non-blocking send)"),
            _ => err,
        }
    }

    /// A sendmsg that carries an EOF or ABORT request rather than user data.
    fn send_control(&self, what: &str, assoc: AssocId, flags: message::SendFlags, data: &[u8]) -> Result<()> {
        let info = SendInfo { assoc, flags, ..Default::default() };
        self.send(data, &info).map(drop).map_err(|e| Error { action: format!("{what} association {}", assoc.0), ..e })
    }

    /// Graceful shutdown of one association: sendmsg with SCTP_EOF on one-to-many,
    /// shutdown(2) SHUT_WR on one-to-one.
    pub fn eof(&self, assoc: AssocId) -> Result<()> {
        match self.style {
            Style::OneToMany => {
                self.send_control("eof", assoc, message::SendFlags { eof: true, ..Default::default() }, &[])
            }
            Style::OneToOne => sys::shutdown(&self.fd, libc::SHUT_WR).context(|| "eof (shutdown SHUT_WR)".into()),
        }
    }

    /// setsockopt(SCTP_RESET_STREAMS / SCTP_RESET_ASSOC / SCTP_ADD_STREAMS): sends a stream
    /// reconfiguration request to the peer; its outcome comes as a notification.
    pub fn reconfigure(&self, assoc: AssocId, request: &crate::options::Reconfig) -> Result<()> {
        let action = || format!("{} on association {}", request.describe(), assoc.0);
        let (opt, bytes) = request.encode(assoc.0).map_err(|why| Error::invalid(action(), why))?;
        sys::setsockopt_bytes(&self.fd, ffi::SOL_SCTP, opt, &bytes).map(drop).map_err(|e| {
            let err = Error::os(action(), &e);
            match e.raw_os_error() {
                Some(libc::ENOPROTOOPT) => err.with_detail(
                    "stream reconfiguration is off here: net.sctp.reconf_enable = 1, or reconfig_supported on this socket, before the association starts",
                ),
                Some(libc::EPERM) => err.with_detail("this end did not enable the request (enable_stream_reset)"),
                Some(libc::EINPROGRESS) | Some(libc::EAGAIN) => err.with_detail("a reconfiguration request is still outstanding; wait for its notification"),
                _ => err,
            }
        })
    }

    /// ABORT one association (sendmsg with SCTP_ABORT; `reason` goes to the peer as the
    /// user-initiated abort cause). One-to-one: SO_LINGER 0, so the close that follows
    /// aborts.
    pub fn abort(&self, assoc: AssocId, reason: &[u8]) -> Result<()> {
        match self.style {
            Style::OneToMany => {
                self.send_control("abort", assoc, message::SendFlags { abort: true, ..Default::default() }, reason)
            }
            Style::OneToOne => {
                let l = libc::linger { l_onoff: 1, l_linger: 0 };
                sys::setsockopt(&self.fd, libc::SOL_SOCKET, libc::SO_LINGER, &l)
                    .context(|| "abort (SO_LINGER 0 before close)".into())
            }
        }
    }

    /// recvmsg(2) until a whole message or notification is in (MSG_EOR), reassembling
    /// partial deliveries. Blocks if the socket does; `Ok(None)` on a non-blocking socket
    /// with nothing (more) to read — bytes read so far are kept for the next call.
    pub fn recv(&mut self) -> Result<Option<Received>> {
        self.recv_flags(0)
    }

    /// Like `recv`, never blocking (MSG_DONTWAIT).
    pub fn try_recv(&mut self) -> Result<Option<Received>> {
        self.recv_flags(libc::MSG_DONTWAIT)
    }

    /// Waits up to `timeout` (poll(2)) for one message or notification.
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<Option<Received>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(r) = self.try_recv()? {
                return Ok(Some(r));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            sys::poll_one(&self.fd, libc::POLLIN, left.as_millis().max(1) as i32)
                .context(|| "poll for receive".into())?;
        }
    }

    fn recv_flags(&mut self, flags: i32) -> Result<Option<Received>> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.resize(RECV_CHUNK, 0);
        let result = self.recv_into(&mut buf, flags);
        self.buf = buf;
        result
    }

    fn recv_into(&mut self, buf: &mut [u8], flags: i32) -> Result<Option<Received>> {
        // Room for SCTP_RCVINFO and the IP-level messages a kernel might add.
        let mut control = [0u64; 32];
        loop {
            let meta = match sys::recvmsg(&self.fd, buf, &mut control, flags) {
                Ok(m) => m,
                Err(e) if matches!(e.raw_os_error(), Some(libc::EAGAIN)) => return Ok(None),
                Err(e) => return Err(Error::os("receive", &e)),
            };
            if meta.len == 0 && meta.flags & libc::MSG_EOR == 0 {
                // A read of 0 bytes: the one-to-one peer closed.
                self.partial.clear();
                return Err(Error::gone("receive", "the peer closed the association (end of stream)"));
            }
            let notification = meta.flags & ffi::MSG_NOTIFICATION != 0;
            let control = crate::cmsg::word_bytes(&control, meta.cmsg_len);
            // Every piece of a data message carries its SCTP_RCVINFO: that names the
            // message it belongs to, even when pieces of several arrive interleaved.
            let info = message::RecvInfo::from_cmsgs(&control);
            let of = PieceOf {
                notification,
                assoc: info.filter(|_| !notification).map_or(AssocId(0), |i| i.assoc),
                stream: info.filter(|_| !notification).map_or(0, |i| i.stream),
            };
            let Some(whole) = self.partial.add(of, &buf[..meta.len], meta.flags & libc::MSG_EOR != 0) else {
                continue;
            };
            if whole.overflow > 0 {
                return Ok(Some(Received::TooLarge {
                    from: message::sender(&meta.from),
                    info,
                    len: whole.bytes.len() + whole.overflow,
                    limit: MAX_MESSAGE,
                }));
            }
            let received = message::assemble(notification, message::sender(&meta.from), &control, whole.bytes);
            // An aborted partial delivery: that message will not be finished.
            if let Received::Notification(crate::Notification::PartialDelivery { assoc, stream, .. }) = &received {
                self.partial.abandon(*assoc, *stream as u16);
            }
            return Ok(Some(received));
        }
    }

    /// Reads an option for `scope`: getsockopt(O::OPTNAME).
    pub fn get_option<O: SockOpt>(&self, scope: Scope) -> Result<O> {
        self.get_option_with(scope, &O::default())
    }

    /// Reads an option whose request carries input beyond the scope (peer_addr_params of
    /// one address): the template's fields go in, the kernel's answer comes out.
    pub fn get_option_with<O: SockOpt>(&self, scope: Scope, template: &O) -> Result<O> {
        let mut raw = template.encode(scope.assoc_id());
        sys::getsockopt(&self.fd, ffi::SOL_SCTP, O::OPTNAME, &mut raw)
            .context(|| format!("get {} ({})", O::NAME, scope))?;
        Ok(O::decode(&raw))
    }

    /// Validates, then setsockopt(O::OPTNAME).
    pub fn set_option<O: SockOpt>(&self, scope: Scope, value: &O) -> Result<()> {
        value.validate().map_err(|why| Error::invalid(format!("set {} ({})", O::NAME, scope), why))?;
        sys::setsockopt(&self.fd, ffi::SOL_SCTP, O::OPTNAME, &value.encode(scope.assoc_id())).map_err(|e| {
            let err = Error::os(format!("set {} ({})", O::NAME, scope), &e);
            match (e.raw_os_error(), scope) {
                (Some(libc::EINVAL), Scope::Current | Scope::All) => err.with_detail(format!(
                    "this kernel takes {} only for future associations or one association",
                    O::NAME
                )),
                _ => err,
            }
        })
    }

    /// `get_option_with` for any option, through `OptionValue` (the template picks it).
    pub fn get_value(&self, scope: Scope, template: &OptionValue) -> Result<OptionValue> {
        macro_rules! dispatch {
            ($($v:ident: $t:ty),*) => {
                match template {
                    $(OptionValue::$v(t) => self.get_option_with::<$t>(scope, t).map(OptionValue::$v),)*
                }
            };
        }
        crate::with_options!(dispatch)
    }

    /// `set_option` for any option, through `OptionValue`.
    pub fn set_value(&self, scope: Scope, value: &OptionValue) -> Result<()> {
        macro_rules! dispatch {
            ($($v:ident: $t:ty),*) => {
                match value {
                    $(OptionValue::$v(v) => self.set_option::<$t>(scope, v),)*
                }
            };
        }
        crate::with_options!(dispatch)
    }

    /// setsockopt(SCTP_EVENT): switch one notification type.
    pub fn subscribe(&self, scope: Scope, kind: EventKind, on: bool) -> Result<()> {
        let ev =
            ffi::sctp_event { se_assoc_id: scope.assoc_id(), se_type: kind.sn_type(), se_on: u8::from(on), _pad: 0 };
        sys::setsockopt(&self.fd, ffi::SOL_SCTP, ffi::SCTP_EVENT, &ev).context(|| {
            format!("{} {} events ({scope})", if on { "subscribe to" } else { "unsubscribe from" }, kind.name())
        })
    }

    /// getsockopt(SCTP_EVENT): whether one notification type is on.
    pub fn subscribed(&self, scope: Scope, kind: EventKind) -> Result<bool> {
        let mut ev = ffi::sctp_event { se_assoc_id: scope.assoc_id(), se_type: kind.sn_type(), se_on: 0, _pad: 0 };
        sys::getsockopt(&self.fd, ffi::SOL_SCTP, ffi::SCTP_EVENT, &mut ev)
            .context(|| format!("get {} subscription", kind.name()))?;
        Ok(ev.se_on != 0)
    }

    /// Subscribes to every notification type (setsockopt(SCTP_EVENT) once per type).
    pub fn subscribe_all(&self) -> Result<()> {
        let all = EventSubscriptions::all();
        for kind in all.on {
            self.subscribe(Scope::Future, kind, true)?;
        }
        Ok(())
    }

    /// The socket's inode (what the sock_diag dump and /proc name it by): stat(2) of
    /// /proc/self/fd/N, which follows the link to the socket.
    pub fn inode(&self) -> Result<u32> {
        use std::os::unix::fs::MetadataExt;
        let path = format!("/proc/self/fd/{}", self.fd.as_raw_fd());
        let meta = std::fs::metadata(&path).context(|| format!("stat {path}"))?;
        Ok(meta.ino() as u32)
    }

    /// getsockopt(SCTP_STATUS).
    pub fn status(&self, assoc: AssocId) -> Result<Status> {
        let mut raw = ffi::sctp_status::zeroed();
        raw.sstat_assoc_id = assoc.0;
        sys::getsockopt(&self.fd, ffi::SOL_SCTP, ffi::SCTP_STATUS, &mut raw)
            .context(|| format!("get status of association {}", assoc.0))?;
        Ok(Status::from_raw(&raw, KernelHz::get()))
    }

    /// getsockopt(SCTP_GET_PEER_ADDR_INFO) for one path.
    pub fn path_info(&self, assoc: AssocId, peer: SocketAddr) -> Result<PathInfo> {
        let mut raw = ffi::sctp_paddrinfo::zeroed();
        raw.0.spinfo_assoc_id = assoc.0;
        raw.0.spinfo_address = addr::to_storage(&peer).0;
        sys::getsockopt(&self.fd, ffi::SOL_SCTP, ffi::SCTP_GET_PEER_ADDR_INFO, &mut raw).map_err(|e| {
            let err = Error::os(format!("get info of path {peer} (association {})", assoc.0), &e);
            if e.raw_os_error() == Some(libc::EACCES) {
                err.with_detail("the path is potentially-failed and net.sctp.pf_expose hides such paths")
            } else {
                err
            }
        })?;
        Ok(PathInfo::from_raw(&raw, KernelHz::get()))
    }

    /// Every path of an association: SCTP_GET_PEER_ADDRS, then SCTP_GET_PEER_ADDR_INFO per
    /// address. One path's failure does not hide the others.
    pub fn paths(&self, assoc: AssocId) -> Result<Vec<(SocketAddr, Result<PathInfo>)>> {
        Ok(self.peer_addrs(assoc)?.into_iter().map(|a| (a, self.path_info(assoc, a))).collect())
    }

    /// getsockopt(SCTP_GET_PEER_ADDRS).
    pub fn peer_addrs(&self, assoc: AssocId) -> Result<Vec<SocketAddr>> {
        self.getaddrs(ffi::SCTP_GET_PEER_ADDRS, assoc)
            .context(|| format!("get peer addresses of association {}", assoc.0))
    }

    /// getsockopt(SCTP_GET_LOCAL_ADDRS); association 0 = the endpoint's bound addresses.
    pub fn local_addrs(&self, assoc: AssocId) -> Result<Vec<SocketAddr>> {
        self.getaddrs(ffi::SCTP_GET_LOCAL_ADDRS, assoc)
            .context(|| format!("get local addresses (association {})", assoc.0))
    }

    fn getaddrs(&self, optname: i32, assoc: AssocId) -> std::io::Result<Vec<SocketAddr>> {
        let header = std::mem::size_of::<ffi::sctp_getaddrs>();
        let mut room = 64;
        loop {
            let mut buf = vec![0u8; header + room * std::mem::size_of::<libc::sockaddr_in6>()];
            buf[..4].copy_from_slice(&assoc.0.to_ne_bytes());
            match sys::getsockopt_bytes(&self.fd, ffi::SOL_SCTP, optname, &mut buf) {
                // The kernel says ENOMEM when the addresses do not fit: grow and ask again.
                Err(e) if e.raw_os_error() == Some(libc::ENOMEM) && room < MAX_ADDRS => room *= 4,
                Err(e) => return Err(e),
                Ok(_) => {
                    // The kernel reports only the address bytes in optlen (not the header),
                    // so the count in the header bounds the walk.
                    let count = u32::from_ne_bytes(buf[4..8].try_into().unwrap_or([0; 4])) as usize;
                    return Ok(addr::unpack(&buf[header..], count));
                }
            }
        }
    }

    /// getsockopt(SCTP_GET_ASSOC_STATS). Reading resets the max-RTO observation.
    pub fn assoc_stats(&self, assoc: AssocId) -> Result<AssocStats> {
        let mut raw = ffi::sctp_assoc_stats::zeroed();
        raw.sas_assoc_id = assoc.0;
        sys::getsockopt(&self.fd, ffi::SOL_SCTP, ffi::SCTP_GET_ASSOC_STATS, &mut raw)
            .context(|| format!("get stats of association {}", assoc.0))?;
        Ok(AssocStats::from_raw(&raw))
    }

    /// getsockopt(SCTP_PR_ASSOC_STATUS, every policy): messages the association abandoned,
    /// sent and unsent together.
    pub fn abandoned_messages(&self, assoc: AssocId) -> Result<u64> {
        use crate::options::{PrAssocStatus, PrPolicy};
        let s =
            self.get_option_with(Scope::Assoc(assoc), &PrAssocStatus { policy: PrPolicy::All, ..Default::default() })?;
        Ok(s.abandoned_sent + s.abandoned_unsent)
    }

    /// getsockopt(SCTP_GET_ASSOC_NUMBER), then SCTP_GET_ASSOC_ID_LIST with room for that
    /// many and some to spare: the associations of a one-to-many endpoint, however many.
    pub fn assoc_ids(&self) -> Result<Vec<AssocId>> {
        for _ in 0..4 {
            let mut number = 0u32;
            sys::getsockopt(&self.fd, ffi::SOL_SCTP, ffi::SCTP_GET_ASSOC_NUMBER, &mut number)
                .context(|| "count associations".into())?;
            let room = number as usize + number as usize / 8 + 16;
            let mut buf = vec![0u8; 4 + 4 * room];
            match sys::getsockopt_bytes(&self.fd, ffi::SOL_SCTP, ffi::SCTP_GET_ASSOC_ID_LIST, &mut buf) {
                // More came up between the two calls than the spare room holds: count again.
                Err(e) if e.raw_os_error() == Some(libc::EINVAL) => continue,
                Err(e) => return Err(Error::os("list associations", &e)),
                Ok(len) => {
                    let n = u32::from_ne_bytes(buf[..4].try_into().unwrap_or([0; 4])) as usize;
                    return Ok(buf[4..len.max(4)]
                        .chunks_exact(4)
                        .take(n)
                        .map(|c| AssocId(i32::from_ne_bytes([c[0], c[1], c[2], c[3]])))
                        .collect());
                }
            }
        }
        Err(Error::limit("list associations", "the number kept growing faster than the list could be read"))
    }

    /// getsockopt(SCTP_SOCKOPT_PEELOFF): moves one association to a new one-to-one socket.
    /// The kernel creates that socket in the calling thread's network namespace and
    /// refuses (EINVAL) if it is not the endpoint's, so the call runs inside it.
    /// A message of that association the kernel had begun to deliver here goes along: its
    /// remaining pieces arrive on the new socket.
    pub fn peeloff(&mut self, assoc: AssocId) -> Result<Endpoint> {
        let peel = || sys::peeloff(&self.fd, assoc.0).context(|| format!("peeloff association {}", assoc.0));
        let fd = match &self.netns {
            Some(ns) => in_netns(ns, peel)?,
            None => peel()?,
        };
        let mut peeled = self.sibling(fd);
        peeled.partial = self.partial.take_assoc(assoc);
        Ok(peeled)
    }

    /// A one-to-one endpoint made from this one (accept, peeloff).
    fn sibling(&self, fd: OwnedFd) -> Endpoint {
        Endpoint::new(fd, Style::OneToOne, self.family, self.netns.clone())
    }

    /// setsockopt(SCTP_EXPOSE_POTENTIALLY_FAILED_STATE): report PF paths (value 1) instead
    /// of hiding them.
    pub fn expose_potentially_failed(&self, scope: Scope, on: bool) -> Result<()> {
        let v = ffi::sctp_assoc_value { assoc_id: scope.assoc_id(), assoc_value: u32::from(on) };
        sys::setsockopt(&self.fd, ffi::SOL_SCTP, ffi::SCTP_EXPOSE_POTENTIALLY_FAILED_STATE, &v)
            .context(|| "set SCTP_EXPOSE_POTENTIALLY_FAILED_STATE".into())
    }

    /// The endpoint's port (from its bound addresses).
    pub fn local_port(&self) -> Result<u16> {
        let addrs = self.local_addrs(AssocId(0))?;
        addrs.first().map(SocketAddr::port).ok_or_else(|| Error::invalid("get local port", "the endpoint is not bound"))
    }
}

fn list(addrs: &[SocketAddr]) -> String {
    addrs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}
