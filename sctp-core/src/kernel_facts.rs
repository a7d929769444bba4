//! What the kernel under the worker is: its release, HZ, and the `net.sctp.*` sysctls that
//! decide which SCTP extensions it offers. Read by the worker (so it describes the kernel
//! the sockets live in) and shown in the status bar and in the diagnostics for bug reports.

use crate::error::{Context, Error, Result};
use crate::hz::KernelHz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Where the kernel lists the SCTP sysctls (present once the sctp module is loaded).
pub const SCTP_SYSCTL_DIR: &str = "/proc/sys/net/sctp";
/// More entries than any kernel has (6.1 has 37); past it the listing is cut, and said so.
const MAX_SYSCTLS: usize = 128;
/// Every SCTP sysctl is a number or a short word; longer values are cut.
const MAX_VALUE_BYTES: usize = 256;

/// The kernel the worker runs on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KernelFacts {
    /// `uname -r`.
    pub release: String,
    /// Jiffies per second, and how that was found.
    pub hz: KernelHz,
    /// `net.sctp.*` by name without the prefix (`rto_min` → "1000"), or why they could not be read.
    pub sysctls: std::result::Result<BTreeMap<String, String>, Error>,
}

impl KernelFacts {
    /// Reads the running kernel's facts (uname(2), HZ detection, /proc/sys/net/sctp) in the
    /// calling thread's network namespace.
    pub fn read() -> KernelFacts {
        Self::read_in(None)
    }

    /// The same, with the sysctls of network namespace `netns` (each namespace has its own
    /// `net.sctp.*`, and a new one starts from the kernel's defaults, not from the host's).
    pub fn read_in(netns: Option<&str>) -> KernelFacts {
        let sysctls = match netns {
            None => read_sysctls(Path::new(SCTP_SYSCTL_DIR)),
            Some(name) => crate::endpoint::in_netns(name, || read_sysctls(Path::new(SCTP_SYSCTL_DIR))),
        };
        KernelFacts {
            release: crate::sys::kernel_release().unwrap_or_else(|e| format!("unknown ({e})")),
            hz: KernelHz::get(),
            sysctls,
        }
    }

    /// One sysctl's value, trimmed.
    pub fn sysctl(&self, name: &str) -> Option<&str> {
        self.sysctls.as_ref().ok()?.get(name).map(String::as_str)
    }
}

/// Reads every file of a sysctl directory as `name → value` (trimmed, at most 256 bytes,
/// at most 128 entries; unreadable entries are skipped and subdirectories ignored).
pub fn read_sysctls(dir: &Path) -> Result<BTreeMap<String, String>> {
    let action = || format!("read the SCTP sysctls in {}", dir.display());
    let entries = std::fs::read_dir(dir).context(action)?;
    let mut out = BTreeMap::new();
    for entry in entries.flatten() {
        if out.len() == MAX_SYSCTLS {
            return Err(Error::limit(action(), format!("more than {MAX_SYSCTLS} entries")));
        }
        let path = entry.path();
        if !path.is_file() {
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else { continue };
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_VALUE_BYTES)]);
        // Multi-value sysctls are tab-separated; one space reads better.
        let value = text.split_whitespace().collect::<Vec<_>>().join(" ");
        out.insert(entry.file_name().to_string_lossy().into_owned(), value);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn a_sysctl_directory_reads_as_trimmed_values_and_skips_subdirectories() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("rto_min"), "1000\n").unwrap();
        std::fs::write(dir.path().join("sctp_wmem"), "4096\t16384\t4194304\n").unwrap();
        std::fs::write(dir.path().join("huge"), "x".repeat(10_000)).unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let s = read_sysctls(dir.path()).unwrap();
        assert_eq!(s["rto_min"], "1000");
        assert_eq!(s["sctp_wmem"], "4096 16384 4194304");
        assert_eq!(s["huge"].len(), MAX_VALUE_BYTES);
        assert!(!s.contains_key("sub"));
    }

    #[test]
    fn a_missing_directory_says_which_and_the_errno() {
        let e = read_sysctls(Path::new("/nonexistent/net/sctp")).unwrap_err();
        assert_eq!((e.kind, e.errno), (ErrorKind::Os, Some(libc::ENOENT)));
        assert!(e.to_string().contains("/nonexistent/net/sctp: ENOENT"), "{e}");
    }

    #[test]
    fn a_directory_with_too_many_entries_is_refused_not_read_forever() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..=MAX_SYSCTLS {
            std::fs::write(dir.path().join(format!("s{i}")), "1").unwrap();
        }
        assert_eq!(read_sysctls(dir.path()).unwrap_err().kind, ErrorKind::Limit);
    }
}
