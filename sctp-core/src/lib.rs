//! sctp-core: the Linux kernel's SCTP sockets (RFC 6458) as safe, typed Rust, modelled on
//! Erlang/OTP's gen_sctp, and the worker thread that owns them for the inspector window.
//!
//! Layers: `sys` (the only `unsafe`: libc calls and `#[repr(C)]` mirrors of
//! `<linux/sctp.h>`) -> pure codecs (`addr`, `cmsg`, `notification`, `options`, `info`,
//! `message`) -> `Endpoint` (one socket, typed methods) -> `worker` (owns every endpoint).

#![warn(missing_docs)]

pub mod addr;
pub mod b64;
pub mod capabilities;
pub mod capture;
pub mod cmsg;
pub mod diag;
pub mod endpoint;
pub mod error;
pub mod explain;
pub mod files;
pub mod forms;
pub mod fsm;
pub mod fuzzing;
pub mod host;
pub mod hz;
pub mod info;
pub mod kernel_facts;
pub mod lab;
pub mod message;
pub mod model;
pub mod notification;
pub mod options;
pub mod reassembly;
pub mod ring;
pub mod scenario;
pub mod series;
pub mod session;
// The one place allowed unsafe code (denied everywhere else by the workspace's lints).
// Private: everything above it is typed; tests reach raw calls only through `test_door`.
#[allow(unsafe_code)]
mod sys;
pub mod worker;

/// Raw syscalls for the rig's tests, which must check what the typed API hides (a socket's
/// flags, IP-level options, a raw SCTP socket). Compiled only with the `test-door` feature.
#[cfg(feature = "test-door")]
pub mod test_door {
    pub use crate::sys::{
        Zeroable, getsockopt, is_cloexec, is_nonblocking, recv, recvmsg, set_open_files_limit, setsockopt, socket,
    };
}

/// Facts about this process and kernel that benchmarks and the status bar report.
pub mod process {
    pub use crate::sys::{kernel_release, process_cpu_time, release_free_memory, thread_cpu_time};
}

pub use endpoint::{AppliedOptions, Endpoint, EndpointConfig, Family, SocketOptions, Style};
pub use error::{Error, ErrorKind, Result};
pub use hz::KernelHz;
pub use info::{AssocState, AssocStats, PathInfo, PathState, Status};
pub use message::{IpRecvInfo, Message, Received, RecvInfo, SendFlags, SendInfo};
pub use notification::{AssocChangeState, EventKind, Notification, PeerAddrState};
pub use options::{OptionName, OptionValue, SockOpt};

use serde::{Deserialize, Serialize};
use std::fmt;

/// An association id (`sctp_assoc_t`). On one-to-one sockets the kernel ignores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AssocId(pub i32);

/// What an option applies to: the endpoint's future, current or all associations, or one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// SCTP_FUTURE_ASSOC: associations set up from now on (the endpoint's defaults).
    #[default]
    Future,
    /// SCTP_CURRENT_ASSOC: every association that exists now.
    Current,
    /// SCTP_ALL_ASSOC: both.
    All,
    /// One association, by its id.
    Assoc(AssocId),
}

impl Scope {
    /// The value for an option struct's assoc_id field: SCTP_FUTURE_ASSOC (0), SCTP_CURRENT_ASSOC (1),
    /// SCTP_ALL_ASSOC (2), or the association's own id.
    pub fn assoc_id(self) -> i32 {
        match self {
            Scope::Future => sys::ffi::SCTP_FUTURE_ASSOC,
            Scope::Current => sys::ffi::SCTP_CURRENT_ASSOC,
            Scope::All => sys::ffi::SCTP_ALL_ASSOC,
            Scope::Assoc(id) => id.0,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Future => write!(f, "future associations"),
            Scope::Current => write!(f, "current associations"),
            Scope::All => write!(f, "all associations"),
            Scope::Assoc(id) => write!(f, "association {}", id.0),
        }
    }
}

/// Said wherever the kernel turns out to have no SCTP.
pub const NO_KERNEL_SCTP_HINT: &str = "this kernel has no SCTP: load it with `modprobe sctp`, \
     or let the app boot its sandbox kernel (`--kernel sandbox`; `tests/rig/rig check` says what it needs)";

/// Whether this kernel can open an SCTP socket; `Err` says why not.
pub fn kernel_sctp_available() -> Result<()> {
    Endpoint::open(&EndpointConfig::default()).map(drop)
}
