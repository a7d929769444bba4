//! The only module with `unsafe`: thin wrappers over the libc calls sctp-core makes.
//!
//! Each function names the syscall it makes and maps `-1` to `io::Error::last_os_error()`.
//! Everything above this module is safe, typed Rust.

// The mirrors stay complete, as the header has them; some are read only by the layout check.
#[cfg_attr(not(test), allow(dead_code))]
pub mod ffi;

#[cfg(test)]
mod c_layout;

use std::io;
use std::mem::size_of;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};

pub use ffi::Zeroable;

/// Runs a libc call and turns its `-1` into the thread's errno.
macro_rules! syscall {
    ($call:expr) => {{
        let res = $call;
        if res == -1 { Err(io::Error::last_os_error()) } else { Ok(res) }
    }};
}

/// The bytes of a plain C struct, as the kernel reads them.
pub fn bytes_of<T: Zeroable>(value: &T) -> &[u8] {
    // SAFETY: `T: Zeroable` has no references and no padding (ffi's `no_implicit_padding`
    // test), so all `size_of::<T>()` bytes are initialised for the borrow's lifetime.
    unsafe { std::slice::from_raw_parts((value as *const T).cast::<u8>(), size_of::<T>()) }
}

/// The bytes of a plain C struct, writable (for getsockopt).
fn bytes_of_mut<T: Zeroable>(value: &mut T) -> &mut [u8] {
    // SAFETY: as in `bytes_of`; and any byte pattern written is a valid `T`, because
    // `T: Zeroable` holds only integers and byte arrays.
    unsafe { std::slice::from_raw_parts_mut((value as *mut T).cast::<u8>(), size_of::<T>()) }
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, what.to_string())
}

/// Reads a plain C struct from the start of `bytes` (any alignment). Missing trailing bytes
/// (a shorter struct from an older kernel) read as zero; `None` if `bytes` is empty.
pub fn read_struct<T: Zeroable>(bytes: &[u8]) -> Option<T> {
    if bytes.is_empty() {
        return None;
    }
    let mut value = T::zeroed();
    let n = bytes.len().min(size_of::<T>());
    bytes_of_mut(&mut value)[..n].copy_from_slice(&bytes[..n]);
    Some(value)
}

/// socket(2) with SOCK_CLOEXEC.
pub fn socket(domain: i32, ty: i32, protocol: i32) -> io::Result<OwnedFd> {
    // SAFETY: plain syscall with integer arguments.
    let fd = syscall!(unsafe { libc::socket(domain, ty | libc::SOCK_CLOEXEC, protocol) })?;
    // SAFETY: the kernel just returned this descriptor to us; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// setsockopt(2) with a byte buffer; returns the call's non-negative result (SCTP's old
/// CONNECTX returns the association id there).
pub fn setsockopt_bytes(fd: impl AsFd, level: i32, name: i32, value: &[u8]) -> io::Result<i32> {
    // SAFETY: `value` is valid for reads of `value.len()` bytes for the call's duration.
    syscall!(unsafe {
        libc::setsockopt(fd.as_fd().as_raw_fd(), level, name, value.as_ptr().cast(), value.len() as libc::socklen_t)
    })
}

/// setsockopt(2) with a plain C struct or integer.
pub fn setsockopt<T: Zeroable>(fd: impl AsFd, level: i32, name: i32, value: &T) -> io::Result<()> {
    setsockopt_bytes(fd, level, name, bytes_of(value)).map(drop)
}

/// getsockopt(SCTP_SOCKOPT_CONNECTX3): starts an association to the packed `addrs` and
/// returns its id. With O_NONBLOCK the result is EINPROGRESS and the id is still valid.
pub fn connectx3(fd: impl AsFd, addrs: &[u8]) -> (ffi::sctp_assoc_t, io::Result<()>) {
    #[repr(C)]
    struct GetaddrsOld {
        assoc_id: ffi::sctp_assoc_t,
        addr_num: i32,
        addrs: *const u8,
    }
    let mut param = GetaddrsOld { assoc_id: 0, addr_num: addrs.len() as i32, addrs: addrs.as_ptr() };
    let mut len = size_of::<GetaddrsOld>() as libc::socklen_t;
    // SAFETY: `param` is a valid in/out buffer of `len` bytes; the kernel reads `addr_num`
    // bytes through `param.addrs`, which points into the live `addrs` slice.
    let res = syscall!(unsafe {
        libc::getsockopt(
            fd.as_fd().as_raw_fd(),
            ffi::SOL_SCTP,
            ffi::SCTP_SOCKOPT_CONNECTX3,
            (&mut param as *mut GetaddrsOld).cast(),
            &mut len,
        )
    });
    // The kernel writes the id over the first field, also when it says EINPROGRESS.
    (param.assoc_id, res.map(drop))
}

/// getsockopt(2) into a byte buffer that also carries input (SCTP passes assoc ids and
/// addresses in); returns the length the kernel wrote back.
pub fn getsockopt_bytes(fd: impl AsFd, level: i32, name: i32, buf: &mut [u8]) -> io::Result<usize> {
    let mut len = buf.len() as libc::socklen_t;
    // SAFETY: `buf` is valid for writes of `len` bytes; `len` is a valid in/out pointer.
    syscall!(unsafe { libc::getsockopt(fd.as_fd().as_raw_fd(), level, name, buf.as_mut_ptr().cast(), &mut len,) })?;
    Ok(len as usize)
}

/// getsockopt(2) into a plain C struct that carries its input fields in.
pub fn getsockopt<T: Zeroable>(fd: impl AsFd, level: i32, name: i32, value: &mut T) -> io::Result<usize> {
    getsockopt_bytes(fd, level, name, bytes_of_mut(value))
}

/// bind(2).
pub fn bind(fd: impl AsFd, addr: &libc::sockaddr_storage, len: usize) -> io::Result<()> {
    if len > size_of::<libc::sockaddr_storage>() {
        return Err(invalid("address length larger than sockaddr_storage"));
    }
    // SAFETY: `addr` points to a sockaddr_storage, which holds at least `len` bytes.
    syscall!(unsafe {
        libc::bind(fd.as_fd().as_raw_fd(), (addr as *const libc::sockaddr_storage).cast(), len as libc::socklen_t)
    })?;
    Ok(())
}

/// listen(2).
pub fn listen(fd: impl AsFd, backlog: i32) -> io::Result<()> {
    // SAFETY: plain syscall with integer arguments.
    syscall!(unsafe { libc::listen(fd.as_fd().as_raw_fd(), backlog) })?;
    Ok(())
}

/// accept4(2) with SOCK_CLOEXEC; returns the new socket and the peer's address bytes.
pub fn accept(fd: impl AsFd) -> io::Result<(OwnedFd, libc::sockaddr_storage)> {
    let mut addr = libc::sockaddr_storage::zeroed();
    let mut len = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: `addr`/`len` are valid for writes and describe a full sockaddr_storage.
    let new = syscall!(unsafe {
        libc::accept4(
            fd.as_fd().as_raw_fd(),
            (&mut addr as *mut libc::sockaddr_storage).cast(),
            &mut len,
            libc::SOCK_CLOEXEC,
        )
    })?;
    // SAFETY: the kernel just returned this descriptor to us; nothing else owns it.
    Ok((unsafe { OwnedFd::from_raw_fd(new) }, addr))
}

/// shutdown(2).
pub fn shutdown(fd: impl AsFd, how: i32) -> io::Result<()> {
    // SAFETY: plain syscall with integer arguments.
    syscall!(unsafe { libc::shutdown(fd.as_fd().as_raw_fd(), how) })?;
    Ok(())
}

/// fcntl(2) F_GETFL/F_SETFL to switch O_NONBLOCK.
pub fn set_nonblocking(fd: impl AsFd, on: bool) -> io::Result<()> {
    // SAFETY: plain syscall with integer arguments.
    let flags = syscall!(unsafe { libc::fcntl(fd.as_fd().as_raw_fd(), libc::F_GETFL) })?;
    let flags = if on { flags | libc::O_NONBLOCK } else { flags & !libc::O_NONBLOCK };
    // SAFETY: plain syscall with integer arguments.
    syscall!(unsafe { libc::fcntl(fd.as_fd().as_raw_fd(), libc::F_SETFL, flags) })?;
    Ok(())
}

/// setrlimit(RLIMIT_NOFILE): sets the soft limit on open descriptors (kept under the hard
/// one) and returns the previous soft limit — for tests that exhaust the fd table.
#[cfg(feature = "test-door")]
pub fn set_open_files_limit(soft: u64) -> io::Result<u64> {
    let mut old = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: `old` is valid for writes.
    syscall!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut old) })?;
    let new = libc::rlimit { rlim_cur: soft.min(old.rlim_max), rlim_max: old.rlim_max };
    // SAFETY: `new` is a valid rlimit read by the kernel.
    syscall!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &new) })?;
    Ok(old.rlim_cur)
}

/// fcntl(F_GETFD): whether the descriptor closes on exec (the rig's tests check it).
#[cfg(feature = "test-door")]
pub fn is_cloexec(fd: impl AsFd) -> io::Result<bool> {
    // SAFETY: plain syscall with integer arguments.
    let flags = syscall!(unsafe { libc::fcntl(fd.as_fd().as_raw_fd(), libc::F_GETFD) })?;
    Ok(flags & libc::FD_CLOEXEC != 0)
}

/// getsockopt(SCTP_SOCKOPT_PEELOFF_FLAGS): a new one-to-one socket for one association.
pub fn peeloff(fd: impl AsFd, assoc_id: ffi::sctp_assoc_t) -> io::Result<OwnedFd> {
    // The flags variant, so the new descriptor is close-on-exec from birth like every other
    // one here (it must not leak into the `ip`/`tc` the lab spawns).
    let mut arg = ffi::sctp_peeloff_flags_arg_t {
        p_arg: ffi::sctp_peeloff_arg_t { associd: assoc_id, sd: -1 },
        flags: libc::O_CLOEXEC as u32,
    };
    getsockopt(fd, ffi::SOL_SCTP, ffi::SCTP_SOCKOPT_PEELOFF_FLAGS, &mut arg)?;
    if arg.p_arg.sd < 0 {
        return Err(invalid("SCTP_SOCKOPT_PEELOFF_FLAGS returned no descriptor"));
    }
    // SAFETY: on success the kernel just created `arg.p_arg.sd` for this process; nothing
    // else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(arg.p_arg.sd) })
}

/// What recvmsg(2) returned besides the payload.
pub struct RecvMeta {
    pub len: usize,
    pub flags: i32,
    pub from: libc::sockaddr_storage,
    pub cmsg_len: usize,
}

/// recvmsg(2) into `buf`, with ancillary data into `cmsg` (8-byte aligned by the caller).
pub fn recvmsg(fd: impl AsFd, buf: &mut [u8], cmsg: &mut [u64], flags: i32) -> io::Result<RecvMeta> {
    let mut from = libc::sockaddr_storage::zeroed();
    let mut iov = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() };
    // SAFETY: msghdr is a plain C struct; all-zero is valid, fields are set below.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_name = (&mut from as *mut libc::sockaddr_storage).cast();
    msg.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cmsg.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of_val(cmsg);
    // SAFETY: every pointer in `msg` refers to a live buffer of the stated length.
    let n = syscall!(unsafe { libc::recvmsg(fd.as_fd().as_raw_fd(), &mut msg, flags) })?;
    Ok(RecvMeta { len: n as usize, flags: msg.msg_flags, from, cmsg_len: msg.msg_controllen })
}

/// sendmsg(2) of one buffer, optionally to `dest`, with prebuilt ancillary data.
pub fn sendmsg(
    fd: impl AsFd,
    dest: Option<(&libc::sockaddr_storage, usize)>,
    data: &[u8],
    cmsg: &[u64],
    cmsg_len: usize,
    flags: i32,
) -> io::Result<usize> {
    let mut iov = libc::iovec { iov_base: data.as_ptr() as *mut libc::c_void, iov_len: data.len() };
    let msg = send_header(dest, &mut iov, cmsg, cmsg_len)?;
    // SAFETY: every pointer in `msg` refers to a live buffer of the stated length; the
    // kernel only reads through them for sendmsg.
    let n = syscall!(unsafe { libc::sendmsg(fd.as_fd().as_raw_fd(), &msg, flags | libc::MSG_NOSIGNAL) })?;
    Ok(n as usize)
}

/// sendmmsg(2): the same buffer and ancillary data `count` times in one call (at most
/// `SENDMMSG_MAX`); how many messages the kernel took. Like sendmmsg, an error after the
/// first message is not reported here: the next call meets it.
pub fn sendmmsg_repeated(
    fd: impl AsFd,
    dest: Option<(&libc::sockaddr_storage, usize)>,
    data: &[u8],
    cmsg: &[u64],
    cmsg_len: usize,
    count: usize,
) -> io::Result<usize> {
    let mut iov = libc::iovec { iov_base: data.as_ptr() as *mut libc::c_void, iov_len: data.len() };
    let msg_hdr = send_header(dest, &mut iov, cmsg, cmsg_len)?;
    let mut msgs = [libc::mmsghdr { msg_hdr, msg_len: 0 }; SENDMMSG_MAX];
    let count = count.min(SENDMMSG_MAX);
    // SAFETY: the first `count` entries each point at the same live iovec, data, address
    // and control buffer, which the kernel only reads; it writes only `msg_len`.
    let n = syscall!(unsafe {
        libc::sendmmsg(fd.as_fd().as_raw_fd(), msgs.as_mut_ptr(), count as libc::c_uint, libc::MSG_NOSIGNAL)
    })?;
    Ok(n as usize)
}

/// The most messages one `sendmmsg_repeated` sends.
pub const SENDMMSG_MAX: usize = 64;

/// A msghdr for sending `iov`, to `dest` if given, with `cmsg_len` bytes of `cmsg`.
fn send_header(
    dest: Option<(&libc::sockaddr_storage, usize)>,
    iov: &mut libc::iovec,
    cmsg: &[u64],
    cmsg_len: usize,
) -> io::Result<libc::msghdr> {
    if cmsg_len > std::mem::size_of_val(cmsg) {
        return Err(invalid("control data length larger than its buffer"));
    }
    if dest.is_some_and(|(_, len)| len > size_of::<libc::sockaddr_storage>()) {
        return Err(invalid("address length larger than sockaddr_storage"));
    }
    // SAFETY: msghdr is a plain C struct; all-zero is valid, fields are set below.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    if let Some((addr, len)) = dest {
        msg.msg_name = (addr as *const libc::sockaddr_storage) as *mut libc::c_void;
        msg.msg_namelen = len as libc::socklen_t;
    }
    msg.msg_iov = iov;
    msg.msg_iovlen = 1;
    if cmsg_len > 0 {
        msg.msg_control = cmsg.as_ptr() as *mut libc::c_void;
        msg.msg_controllen = cmsg_len;
    }
    Ok(msg)
}

/// poll(2) on one descriptor for `events`; true if any requested event is ready.
pub fn poll_one(fd: impl AsFd, events: i16, timeout_ms: i32) -> io::Result<bool> {
    let mut pfd = libc::pollfd { fd: fd.as_fd().as_raw_fd(), events, revents: 0 };
    // SAFETY: `pfd` is one valid pollfd.
    let n = syscall!(unsafe { libc::poll(&mut pfd, 1, timeout_ms) })?;
    Ok(n > 0)
}

/// poll(2) on many descriptors; fills each `revents`.
pub fn poll(fds: &mut [libc::pollfd], timeout_ms: i32) -> io::Result<usize> {
    // SAFETY: `fds` is a valid slice of pollfd for the call's duration.
    let n = syscall!(unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) })?;
    Ok(n as usize)
}

/// setns(2) into the network namespace behind `ns` (an nsfs file) for the calling thread.
pub fn setns_net(ns: impl AsFd) -> io::Result<()> {
    // SAFETY: plain syscall with integer arguments.
    syscall!(unsafe { libc::setns(ns.as_fd().as_raw_fd(), libc::CLONE_NEWNET) })?;
    Ok(())
}

/// sysconf(3) is not enough for the kernel's HZ (it reports USER_HZ); uname(2) for the
/// release string that finds /boot/config-RELEASE.
pub fn kernel_release() -> io::Result<String> {
    // SAFETY: utsname is a plain C struct of byte arrays; all-zero is valid.
    let mut uts: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `uts` is valid for writes.
    syscall!(unsafe { libc::uname(&mut uts) })?;
    let bytes: Vec<u8> = uts.release.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// fcntl(2) F_GETFL: whether O_NONBLOCK is set.
pub fn is_nonblocking(fd: impl AsFd) -> io::Result<bool> {
    // SAFETY: plain syscall with integer arguments.
    let flags = syscall!(unsafe { libc::fcntl(fd.as_fd().as_raw_fd(), libc::F_GETFL) })?;
    Ok(flags & libc::O_NONBLOCK != 0)
}

/// eventfd(2), non-blocking: the worker's wake-up for new commands.
pub fn eventfd() -> io::Result<OwnedFd> {
    // SAFETY: plain syscall with integer arguments.
    let fd = syscall!(unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) })?;
    // SAFETY: the kernel just returned this descriptor to us; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// write(2) of one counter increment to an eventfd.
pub fn eventfd_signal(fd: impl AsFd) -> io::Result<()> {
    let one: u64 = 1;
    // SAFETY: writes 8 bytes from a live u64.
    syscall!(unsafe { libc::write(fd.as_fd().as_raw_fd(), (&one as *const u64).cast(), 8) })?;
    Ok(())
}

/// read(2) of an eventfd's counter, clearing it; EAGAIN (nothing pending) is not an error.
pub fn eventfd_clear(fd: impl AsFd) -> io::Result<()> {
    let mut v: u64 = 0;
    // SAFETY: reads at most 8 bytes into a live u64.
    match syscall!(unsafe { libc::read(fd.as_fd().as_raw_fd(), (&mut v as *mut u64).cast(), 8) }) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
        Err(e) => Err(e),
    }
}

/// clock_getres(2) of CLOCK_MONOTONIC_COARSE: one jiffy of the running kernel, in ns.
pub fn coarse_clock_resolution_ns() -> io::Result<u64> {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec.
    syscall!(unsafe { libc::clock_getres(libc::CLOCK_MONOTONIC_COARSE, &mut ts) })?;
    Ok(ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
}

/// getrusage(2) RUSAGE_SELF: user + system CPU time of this process.
pub fn process_cpu_time() -> io::Result<std::time::Duration> {
    // SAFETY: rusage is a plain C struct; all-zero is valid, and getrusage fills it.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is valid for writes.
    syscall!(unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) })?;
    let tv = |t: libc::timeval| std::time::Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Ok(tv(ru.ru_utime) + tv(ru.ru_stime))
}

/// clock_gettime(2) CLOCK_THREAD_CPUTIME_ID: CPU time of the calling thread (a frame's own
/// cost, apart from what other threads took meanwhile on a shared core).
pub fn thread_cpu_time() -> io::Result<std::time::Duration> {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec.
    syscall!(unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) })?;
    Ok(std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

/// malloc_trim(3): hands memory that was freed back to the system, so RSS measured next
/// reflects what is in use (benchmarks).
pub fn release_free_memory() {
    // SAFETY: malloc_trim only walks glibc's own heap bookkeeping; 0 keeps no padding.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// socket(2) AF_NETLINK / SOCK_DGRAM with SOCK_CLOEXEC: a netlink socket of `protocol`
/// (NETLINK_SOCK_DIAG for the `sctp_diag` dump), in the calling thread's network namespace.
pub fn netlink_socket(protocol: i32) -> io::Result<OwnedFd> {
    socket(libc::AF_NETLINK, libc::SOCK_DGRAM, protocol)
}

/// send(2) of one datagram.
pub fn send(fd: impl AsFd, data: &[u8]) -> io::Result<usize> {
    let fd = fd.as_fd().as_raw_fd();
    // SAFETY: `data` is valid for reads of `data.len()` bytes for the call's duration.
    let n = syscall!(unsafe { libc::send(fd, data.as_ptr().cast(), data.len(), libc::MSG_NOSIGNAL) })?;
    Ok(n as usize)
}

/// recv(2) of one datagram into `buf`; returns its length. With MSG_TRUNC in `flags` the
/// length is the datagram's real one even when `buf` was too short.
pub fn recv(fd: impl AsFd, buf: &mut [u8], flags: i32) -> io::Result<usize> {
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes for the call's duration.
    let n = syscall!(unsafe { libc::recv(fd.as_fd().as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), flags) })?;
    Ok(n as usize)
}

/// socket(2) AF_PACKET / SOCK_DGRAM for every protocol (ETH_P_ALL), non-blocking, with
/// SOCK_CLOEXEC: sees every packet of every interface of the calling thread's network
/// namespace, from its network header on. Needs CAP_NET_RAW.
pub fn packet_socket() -> io::Result<OwnedFd> {
    socket(libc::AF_PACKET, libc::SOCK_DGRAM | libc::SOCK_NONBLOCK, i32::from((libc::ETH_P_ALL as u16).to_be()))
}

/// setsockopt(2) SOL_SOCKET/SO_ATTACH_FILTER: a classic BPF program that picks the packets
/// the socket receives (the kernel copies it).
pub fn attach_filter(fd: impl AsFd, program: &[libc::sock_filter]) -> io::Result<()> {
    let len = u16::try_from(program.len()).map_err(|_| invalid("BPF program longer than 65535 instructions"))?;
    let prog = libc::sock_fprog { len, filter: program.as_ptr().cast_mut() };
    // SAFETY: `prog` and the instructions it points at are live for the call; the kernel
    // only reads them (and copies the program).
    syscall!(unsafe {
        libc::setsockopt(
            fd.as_fd().as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_ATTACH_FILTER,
            (&prog as *const libc::sock_fprog).cast(),
            size_of::<libc::sock_fprog>() as libc::socklen_t,
        )
    })?;
    Ok(())
}

/// getsockopt(2) SOL_PACKET/PACKET_STATISTICS: packets received and dropped (no room in the
/// receive buffer) by a packet socket since the last call — the kernel resets both.
pub fn packet_statistics(fd: impl AsFd) -> io::Result<(u32, u32)> {
    let mut stats = [0u32; 2];
    getsockopt(fd, libc::SOL_PACKET, libc::PACKET_STATISTICS, &mut stats)?;
    Ok((stats[0], stats[1]))
}

/// tcgetattr(3), cfmakeraw(3), tcsetattr(3): an 8-bit clean terminal line — no echo, no
/// line editing, no character translation (a serial line carrying frames).
pub fn make_raw(fd: impl AsFd) -> io::Result<()> {
    let fd = fd.as_fd().as_raw_fd();
    // SAFETY: termios is a plain C struct; all-zero is valid and tcgetattr fills it.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: `t` is a valid termios for the call.
    syscall!(unsafe { libc::tcgetattr(fd, &mut t) })?;
    // SAFETY: `t` was filled by tcgetattr; cfmakeraw only edits its flags.
    unsafe { libc::cfmakeraw(&mut t) };
    // SAFETY: `t` is a valid termios for the call.
    syscall!(unsafe { libc::tcsetattr(fd, libc::TCSANOW, &t) })?;
    Ok(())
}

/// pipe2(2) with O_CLOEXEC: (read end, write end).
pub fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0i32; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    syscall!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    // SAFETY: the kernel just returned these two descriptors to us; nothing else owns them.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Makes the child `cmd` starts have `fds[i]` as its descriptor 3 + i (fcntl(2) F_DUPFD and
/// dup2(2) between fork and exec; the copies are not close-on-exec).
pub fn pass_fds(cmd: &mut std::process::Command, fds: Vec<OwnedFd>) {
    use std::os::unix::process::CommandExt;
    let raw: Vec<i32> = fds.iter().map(|f| f.as_raw_fd()).collect();
    // The originals stay open in this process until the child has its copies.
    let keep = std::sync::Arc::new(fds);
    let hold = std::sync::Arc::clone(&keep);
    // SAFETY: the closure runs in the child between fork and exec and calls only fcntl and
    // dup2, which are async-signal-safe; it touches no locks and allocates nothing (the fd
    // list was built before fork).
    unsafe {
        cmd.pre_exec(move || {
            let _ = &hold;
            // First above every target, so no target clobbers a source still to be copied.
            let mut high = [0i32; 8];
            for (i, fd) in raw.iter().enumerate().take(8) {
                high[i] = libc::fcntl(*fd, libc::F_DUPFD, 100);
                if high[i] < 0 {
                    return Err(io::Error::last_os_error());
                }
            }
            for (i, fd) in high.iter().enumerate().take(raw.len().min(8)) {
                if libc::dup2(*fd, 3 + i as i32) < 0 {
                    return Err(io::Error::last_os_error());
                }
            }
            Ok(())
        })
    };
    drop(keep);
}

/// kill(2) with SIGTERM: asks a process to stop (the rig passes it on to its VM).
pub fn terminate(pid: u32) -> io::Result<()> {
    kill(pid_arg(pid)?, libc::SIGTERM)
}

/// kill(2) with SIGKILL on the process group `pgid`: a child started as a group leader,
/// with whatever it started that stayed in its group.
pub fn kill_process_group(pgid: u32) -> io::Result<()> {
    kill(-pid_arg(pgid)?, libc::SIGKILL)
}

fn pid_arg(pid: u32) -> io::Result<libc::pid_t> {
    libc::pid_t::try_from(pid).map_err(|_| invalid("pid out of range"))
}

fn kill(pid: libc::pid_t, signal: libc::c_int) -> io::Result<()> {
    // SAFETY: plain syscall with integer arguments.
    syscall!(unsafe { libc::kill(pid, signal) })?;
    Ok(())
}
