//! Packet capture beside a recording: the SCTP packets of chosen network namespaces into a
//! pcapng file Wireshark opens, on the worker's clock, bounded by a size cap.
//!
//! A packet socket of our own rather than `dumpcap`: the worker already runs where the
//! associations are (inside a lab namespace, or inside a sandbox kernel), a socket opened
//! there needs no second program, no capture privileges for another binary and no pipe;
//! its kernel receive timestamps share the clock the recording's event times come from;
//! and a classic BPF filter keeps everything but SCTP in the kernel. `dumpcap` would add
//! ring buffers, which a size cap replaces here.
//!
//! One socket per namespace, all on one thread that writes the file; the worker drains the
//! packet summaries (`wire::PacketMark`) and the counters for its events.

pub mod wire;

use crate::error::{Context, Error, Result};
use crate::sys;
use pcap_file::DataLink;
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{InterfaceDescriptionBlock, InterfaceDescriptionOption};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::io::{BufWriter, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
pub use wire::{ChunkKind, PacketMark, Tags, WireId};

/// The size cap a capture gets when none is asked for, bytes.
pub const DEFAULT_MAX_BYTES: u64 = 256 << 20;
/// The smallest cap accepted: room for the headers and a handshake.
pub const MIN_MAX_BYTES: u64 = 64 << 10;
/// Packet summaries held between two drains by the worker; past it they are counted only.
const PENDING_MARKS: usize = 20_000;
/// Bytes kept of one packet: an SCTP packet the kernel segments later (GSO) can be up to
/// 64 KiB plus headers when captured on its way out.
const SNAPLEN: usize = 256 << 10;
/// The receive buffer asked for each packet socket (the kernel caps it at `rmem_max`).
const RCVBUF: i32 = 4 << 20;

/// What a capture has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureStats {
    /// Packets written to the file.
    pub packets: u64,
    /// Bytes of the file so far.
    pub bytes: u64,
    /// Packets not written because the file reached its size cap.
    pub over_cap: u64,
    /// Packets the kernel dropped before we read them (`PACKET_STATISTICS` tp_drops: the
    /// socket's receive buffer was full).
    pub kernel_drops: u64,
    /// Packet summaries dropped because the worker did not drain them in time (the file
    /// still has the packets).
    pub marks_dropped: u64,
}

impl CaptureStats {
    /// Packets seen but not in the file (size cap and kernel drops).
    pub fn lost(&self) -> u64 {
        self.over_cap + self.kernel_drops
    }
}

/// What the capture thread and the worker share.
#[derive(Default)]
struct Shared {
    stats: CaptureStats,
    marks: Vec<PacketMark>,
    /// Why the capture thread stopped early (a write error), once.
    failure: Option<String>,
}

/// A running capture; dropping it stops the thread and closes the file.
pub struct Capture {
    path: PathBuf,
    interfaces: Vec<String>,
    unix_at_zero: f64,
    stop: Arc<OwnedFd>,
    thread: Option<JoinHandle<()>>,
    shared: Arc<Mutex<Shared>>,
}

/// Where the capture of a recording goes: beside it, same name, `.pcapng` (never the
/// recording itself, should that already end in `.pcapng`).
pub fn beside(recording: &Path) -> PathBuf {
    let p = recording.with_extension("pcapng");
    if p != recording {
        return p;
    }
    let mut name = recording.as_os_str().to_owned();
    name.push(".pcapng");
    PathBuf::from(name)
}

/// The name a namespace's interface has in the file (and in the window).
pub fn interface_name(netns: Option<&str>) -> String {
    match netns {
        Some(ns) => format!("netns {ns}"),
        None => "host namespace".to_string(),
    }
}

/// Classic BPF over the network header (a SOCK_DGRAM packet socket's view): accept IPv4
/// with protocol 132 and IPv6 whose next header is 132, whole; drop everything else.
fn sctp_only_filter() -> [libc::sock_filter; 10] {
    const LDB: u16 = (libc::BPF_LD | libc::BPF_B | libc::BPF_ABS) as u16;
    const AND: u16 = (libc::BPF_ALU | libc::BPF_AND | libc::BPF_K) as u16;
    const JEQ: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
    const JA: u16 = (libc::BPF_JMP | libc::BPF_JA) as u16;
    const RET: u16 = (libc::BPF_RET | libc::BPF_K) as u16;
    let op = |code, jt, jf, k| libc::sock_filter { code, jt, jf, k };
    [
        op(LDB, 0, 0, 0),                             // 0: A = version byte
        op(AND, 0, 0, 0xf0),                          // 1
        op(JEQ, 0, 2, 0x40),                          // 2: IPv4? else 5
        op(LDB, 0, 0, 9),                             // 3: A = IPv4 protocol
        op(JA, 0, 0, 2),                              // 4: to 7
        op(JEQ, 0, 3, 0x60),                          // 5: IPv6? else 9
        op(LDB, 0, 0, 6),                             // 6: A = IPv6 next header
        op(JEQ, 0, 1, u32::from(wire::IPPROTO_SCTP)), // 7: SCTP? else 9
        op(RET, 0, 0, SNAPLEN as u32),                // 8: keep
        op(RET, 0, 0, 0),                             // 9: drop
    ]
}

/// Opens and sets up one packet socket in the calling thread's namespace.
fn open_socket() -> Result<OwnedFd> {
    let fd = sys::packet_socket().map_err(|e| {
        let err = Error::os("open a packet socket (AF_PACKET)", &e);
        if e.raw_os_error() == Some(libc::EPERM) {
            err.with_detail("capturing needs CAP_NET_RAW: run as root, or `setcap cap_net_raw+ep` on the binary")
        } else {
            err
        }
    })?;
    sys::attach_filter(&fd, &sctp_only_filter()).context(|| "attach the SCTP-only BPF filter".into())?;
    sys::setsockopt(&fd, libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, &1i32)
        .context(|| "ask for receive timestamps (SO_TIMESTAMPNS)".into())?;
    // A smaller buffer than asked for only means earlier drops, which are counted.
    let _ = sys::setsockopt(&fd, libc::SOL_SOCKET, libc::SO_RCVBUF, &RCVBUF);
    // Packets queued before the filter was attached are not filtered: read them away.
    let mut buf = [0u8; 64];
    while sys::recv(&fd, &mut buf, libc::MSG_DONTWAIT).is_ok() {}
    let _ = sys::packet_statistics(&fd);
    Ok(fd)
}

fn unix_now() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default()
}

impl Capture {
    /// Starts capturing the SCTP packets of each namespace (`None`: the worker's own) into a
    /// new pcapng file at `path` (owner-only; a symbolic link there is refused), at most
    /// `max_bytes` long. `zero` is the instant the worker's clock counts from: packet
    /// summaries carry times on that clock.
    pub fn start(path: &Path, netns: &[Option<String>], max_bytes: u64, zero: Instant) -> Result<Capture> {
        Self::begin(path, netns, max_bytes, zero, None)
    }

    /// Like `start`, for a file written on the other side of a sandbox kernel's line: its
    /// bytes go into `stream` (blocking while the line is behind; the kernel then counts the
    /// packets it drops) and `path` is only its name over there.
    pub fn start_streamed(
        path: &Path,
        netns: &[Option<String>],
        max_bytes: u64,
        zero: Instant,
        stream: &crossbeam_channel::Sender<Vec<u8>>,
    ) -> Result<Capture> {
        Self::begin(path, netns, max_bytes, zero, Some(stream))
    }

    fn begin(
        path: &Path,
        netns: &[Option<String>],
        max_bytes: u64,
        zero: Instant,
        stream: Option<&crossbeam_channel::Sender<Vec<u8>>>,
    ) -> Result<Capture> {
        let action = || format!("capture packets to {}", path.display());
        if netns.is_empty() {
            return Err(Error::invalid(action(), "no network namespace to capture in"));
        }
        if max_bytes < MIN_MAX_BYTES {
            return Err(Error::invalid(
                action(),
                format!("a size cap of {max_bytes} bytes is under the {MIN_MAX_BYTES}-byte minimum"),
            ));
        }
        let mut sockets = Vec::with_capacity(netns.len());
        for ns in netns {
            let fd = match ns {
                Some(name) => crate::endpoint::in_netns(name, open_socket)?,
                None => open_socket()?,
            };
            sockets.push(fd);
        }
        let sink: Box<dyn Write + Send> = match stream {
            Some(tx) => Box::new(Streamed(tx.clone())),
            None => {
                Box::new(crate::files::create_private(path, "create capture").map_err(|e| Error::invalid(action(), e))?)
            }
        };
        let mut writer = PcapNgWriter::new(BufWriter::with_capacity(64 << 10, Counted { sink, bytes: 0 }))
            .map_err(|e| Error::invalid(action(), format!("write the pcapng header: {e}")))?;
        let interfaces: Vec<String> = netns.iter().map(|ns| interface_name(ns.as_deref())).collect();
        for name in &interfaces {
            let idb = InterfaceDescriptionBlock {
                linktype: DataLink::RAW,
                snaplen: SNAPLEN as u32,
                options: vec![
                    InterfaceDescriptionOption::IfName(Cow::Owned(name.clone())),
                    // pcap-file writes timestamps in nanoseconds: say so (the default is µs).
                    InterfaceDescriptionOption::IfTsResol(9),
                ],
            };
            writer
                .write_pcapng_block(idb)
                .map_err(|e| Error::invalid(action(), format!("write an interface block: {e}")))?;
        }
        writer.get_mut().flush().map_err(|e| Error::os(action(), &e))?;
        // The section header and interface blocks count towards the cap too.
        let bytes = writer.get_ref().get_ref().bytes;
        let unix_at_zero = (unix_now().saturating_sub(zero.elapsed())).as_secs_f64();
        let stop = Arc::new(sys::eventfd().context(|| "create the capture's stop eventfd".into())?);
        let shared = Arc::new(Mutex::new(Shared::default()));
        shared.lock().unwrap_or_else(PoisonError::into_inner).stats.bytes = bytes;
        let looper = Looper { sockets, writer, max_bytes, unix_at_zero, shared: Arc::clone(&shared), bytes };
        let stop_fd = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("sctp-capture".into())
            .spawn(move || looper.run(&stop_fd))
            .context(|| "start the capture thread".into())?;
        Ok(Capture { path: path.to_path_buf(), interfaces, unix_at_zero, stop, thread: Some(thread), shared })
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's interfaces, one per namespace, in order (`PacketMark::iface` indexes it).
    pub fn interfaces(&self) -> &[String] {
        &self.interfaces
    }

    /// The Unix time (seconds) of the worker clock's zero: a pcapng timestamp minus this is
    /// the recording's `t`.
    pub fn unix_at_zero(&self) -> f64 {
        self.unix_at_zero
    }

    /// The packet summaries since the last call, the counters, and why the capture stopped
    /// early if it did.
    pub fn take(&self) -> (Vec<PacketMark>, CaptureStats, Option<String>) {
        let mut s = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        (std::mem::take(&mut s.marks), s.stats, s.failure.take())
    }

    /// Stops the thread, flushes and closes the file; returns the last summaries and counters.
    pub fn stop(mut self) -> (Vec<PacketMark>, CaptureStats, Option<String>) {
        self.halt();
        self.take()
    }

    fn halt(&mut self) {
        if let Some(t) = self.thread.take() {
            let _ = sys::eventfd_signal(&*self.stop);
            let _ = t.join();
        }
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.halt();
    }
}

/// Where the file's bytes go, counted.
struct Counted {
    sink: Box<dyn Write + Send>,
    bytes: u64,
}

impl Write for Counted {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.sink.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.sink.flush()
    }
}

/// A file's bytes on their way to the other side of a sandbox kernel's line.
struct Streamed(crossbeam_channel::Sender<Vec<u8>>);

impl Write for Streamed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.send(buf.to_vec()).map_err(|_| std::io::Error::other("the line to the driver is gone"))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The capture thread's state.
struct Looper {
    sockets: Vec<OwnedFd>,
    writer: PcapNgWriter<BufWriter<Counted>>,
    max_bytes: u64,
    unix_at_zero: f64,
    shared: Arc<Mutex<Shared>>,
    bytes: u64,
}

/// What one turn of reading a socket produced, published at its end.
#[derive(Default)]
struct Batch {
    packets: u64,
    over_cap: u64,
    marks: Vec<PacketMark>,
}

/// One packet as read, before it is written and summarised.
struct Seen<'a> {
    iface: u16,
    at: Duration,
    data: &'a [u8],
    original_len: usize,
}

impl Looper {
    fn run(mut self, stop: &OwnedFd) {
        let mut buf = vec![0u8; SNAPLEN];
        let mut cmsg = [0u64; 8];
        let mut last_stats = Instant::now();
        loop {
            let mut pfds: Vec<libc::pollfd> = std::iter::once(stop.as_fd())
                .chain(self.sockets.iter().map(|s| s.as_fd()))
                .map(|fd| libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 })
                .collect();
            let stopping = match sys::poll(&mut pfds, 250) {
                Ok(_) => pfds[0].revents != 0,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => false,
                Err(e) => {
                    self.fail(format!("poll the packet sockets: {e}"));
                    true
                }
            };
            // On the way out, read what is queued once more: the last packets are the ones
            // that explain how an association ended.
            for i in 0..self.sockets.len() {
                if stopping || pfds[i + 1].revents != 0 {
                    self.read_queued(i, &mut buf, &mut cmsg);
                }
            }
            if let Err(e) = self.writer.get_mut().flush() {
                self.fail(format!("write the capture file: {e}"));
                return;
            }
            if stopping || last_stats.elapsed() >= Duration::from_secs(1) {
                last_stats = Instant::now();
                let drops: u64 =
                    self.sockets.iter().filter_map(|s| sys::packet_statistics(s).ok()).map(|(_, d)| u64::from(d)).sum();
                self.shared().stats.kernel_drops += drops;
            }
            if stopping {
                return;
            }
        }
    }

    fn shared(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn fail(&self, why: String) {
        tracing::warn!("capture stopped: {why}");
        self.shared().failure.get_or_insert(why);
    }

    /// Reads what one socket has queued (at most a bounded batch, so no socket starves the others).
    fn read_queued(&mut self, i: usize, buf: &mut [u8], cmsg: &mut [u64]) {
        let mut batch = Batch::default();
        for _ in 0..1024 {
            let meta = match sys::recvmsg(&self.sockets[i], buf, cmsg, libc::MSG_TRUNC | libc::MSG_DONTWAIT) {
                Ok(m) => m,
                Err(_) => break,
            };
            let ll: Option<libc::sockaddr_ll> = sys::read_struct(sys::bytes_of(&meta.from));
            // Loopback shows each packet twice, leaving and arriving: keep the arrival.
            if ll.is_some_and(|l| l.sll_pkttype == libc::PACKET_OUTGOING && l.sll_hatype == libc::ARPHRD_LOOPBACK) {
                continue;
            }
            let control = crate::cmsg::word_bytes(cmsg, meta.cmsg_len);
            let at = crate::cmsg::parse(&control)
                .into_iter()
                .find(|c| c.level == libc::SOL_SOCKET && c.ty == libc::SCM_TIMESTAMPNS && c.data.len() >= 16)
                .map(|c| {
                    let sec = i64::from_ne_bytes(c.data[..8].try_into().unwrap_or_default());
                    let nsec = i64::from_ne_bytes(c.data[8..16].try_into().unwrap_or_default());
                    Duration::new(sec.max(0) as u64, nsec.clamp(0, 999_999_999) as u32)
                })
                .unwrap_or_else(unix_now);
            let kept = meta.len.min(buf.len());
            self.handle(Seen { iface: i as u16, at, data: &buf[..kept], original_len: meta.len }, &mut batch);
        }
        self.publish(batch);
    }

    /// Hands a batch to the worker under one lock (not one per packet).
    fn publish(&self, batch: Batch) {
        let bytes = self.bytes;
        let mut s = self.shared();
        s.stats.bytes = bytes;
        s.stats.packets += batch.packets;
        s.stats.over_cap += batch.over_cap;
        let room = PENDING_MARKS.saturating_sub(s.marks.len());
        s.stats.marks_dropped += batch.marks.len().saturating_sub(room) as u64;
        s.marks.extend(batch.marks.into_iter().take(room));
    }

    fn handle(&mut self, p: Seen, batch: &mut Batch) {
        // Block: 32 bytes of header and trailer plus the data padded to 4.
        let block_len = 32 + p.data.len().next_multiple_of(4) as u64;
        let mut over_cap = false;
        if self.bytes + block_len <= self.max_bytes {
            let epb = EnhancedPacketBlock {
                interface_id: u32::from(p.iface),
                timestamp: p.at,
                original_len: p.original_len as u32,
                data: Cow::Borrowed(p.data),
                options: vec![],
            };
            match self.writer.write_pcapng_block(epb) {
                Ok(n) => self.bytes += n as u64,
                Err(e) => self.fail(format!("write the capture file: {e}")),
            }
        } else {
            over_cap = true;
        }
        if over_cap {
            batch.over_cap += 1;
        } else {
            batch.packets += 1;
        }
        let t = p.at.as_secs_f64() - self.unix_at_zero;
        batch.marks.extend(wire::parse(p.data, t, p.iface).ok());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_jumps_land_on_its_own_instructions() {
        let f = sctp_only_filter();
        for (i, ins) in f.iter().enumerate() {
            let ja = ins.code == (libc::BPF_JMP | libc::BPF_JA) as u16;
            let jmp = ins.code & 0x07 == libc::BPF_JMP as u16;
            if ja {
                assert!(i + 1 + (ins.k as usize) < f.len());
            } else if jmp {
                assert!(i + 1 + usize::from(ins.jt) < f.len() && i + 1 + usize::from(ins.jf) < f.len());
            }
        }
        assert_eq!(f[9].k, 0, "the last instruction drops");
    }

    #[test]
    fn the_capture_goes_beside_the_recording_and_never_over_it() {
        assert_eq!(beside(Path::new("/r/run.jsonl")), Path::new("/r/run.pcapng"));
        assert_eq!(beside(Path::new("run")), Path::new("run.pcapng"));
        assert_eq!(beside(Path::new("odd.pcapng")), Path::new("odd.pcapng.pcapng"));
    }

    #[test]
    fn bad_requests_are_refused_before_any_socket_opens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.pcapng");
        let e = Capture::start(&path, &[], DEFAULT_MAX_BYTES, Instant::now()).err().unwrap();
        assert!(e.to_string().contains("no network namespace"), "{e}");
        let e = Capture::start(&path, &[None], 10, Instant::now()).err().unwrap();
        assert!(e.to_string().contains("minimum"), "{e}");
        assert!(!path.exists());
    }
}
