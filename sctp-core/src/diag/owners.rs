//! Socket inode → the process that holds it, as `ss -p` finds it: every `/proc/PID/fd/*`
//! link that reads `socket:[INODE]`. Only processes this user may inspect are seen (root
//! sees all); the rest stay unknown, which the views say. The walk costs one readlink per
//! open descriptor on the host, so `Owners` repeats it only when an inode it has not seen
//! appears, and then at most once per `min_interval`.

use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

/// A process holding a socket (a socket shared after fork has several; the first found).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    /// Process id (the `/proc/PID` directory it was found under).
    pub pid: u32,
    /// `/proc/PID/comm`: the command name, at most 15 bytes.
    pub command: String,
}

/// Extracts INODE from a `socket:[INODE]` link target.
pub fn socket_inode(link: &str) -> Option<u32> {
    link.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok()
}

/// One walk of `proc` (normally `/proc`): inode → owner for every socket it can see.
pub fn scan(proc: &Path) -> HashMap<u32, Owner> {
    let mut found = HashMap::new();
    let Ok(entries) = std::fs::read_dir(proc) else { return found };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else { continue };
        let mut command = None;
        for fd in fds.flatten() {
            let Ok(target) = std::fs::read_link(fd.path()) else { continue };
            let Some(inode) = target.to_str().and_then(socket_inode) else { continue };
            let command = command.get_or_insert_with(|| {
                std::fs::read_to_string(entry.path().join("comm")).map(|c| c.trim_end().to_string()).unwrap_or_default()
            });
            found.entry(inode).or_insert_with(|| Owner { pid, command: command.clone() });
        }
    }
    found
}

/// Cached owners, walked again only for new inodes and not more often than `min_interval`.
pub struct Owners {
    proc: std::path::PathBuf,
    known: HashMap<u32, Owner>,
    /// Inodes looked for and not found (other users' processes, or gone).
    unknown: HashSet<u32>,
    last_scan: Option<Instant>,
    min_interval: Duration,
    /// How many times /proc has been walked so far.
    pub scans: u64,
}

impl Default for Owners {
    fn default() -> Self {
        Owners::new("/proc", Duration::from_secs(2))
    }
}

impl Owners {
    /// A cache over the `proc` directory (normally `/proc`) that walks it at most once per
    /// `min_interval`.
    pub fn new(proc: impl Into<std::path::PathBuf>, min_interval: Duration) -> Self {
        Owners {
            proc: proc.into(),
            known: HashMap::new(),
            unknown: HashSet::new(),
            last_scan: None,
            min_interval,
            scans: 0,
        }
    }

    /// Owners for `inodes`, walking /proc again if one is new and the last walk is old enough.
    pub fn lookup(&mut self, inodes: &HashSet<u32>, now: Instant) -> &HashMap<u32, Owner> {
        let new = inodes.iter().any(|i| !self.known.contains_key(i) && !self.unknown.contains(i));
        let due = self.last_scan.is_none_or(|t| now.duration_since(t) >= self.min_interval);
        if new && due {
            self.known = scan(&self.proc);
            self.scans += 1;
            self.last_scan = Some(now);
            self.unknown = inodes.iter().filter(|i| !self.known.contains_key(i)).copied().collect();
        }
        // Forget sockets that are gone, so memory follows the host.
        self.known.retain(|i, _| inodes.contains(i));
        self.unknown.retain(|i| inodes.contains(i));
        &self.known
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_links_parse() {
        assert_eq!(socket_inode("socket:[443]"), Some(443));
        assert_eq!(socket_inode("pipe:[443]"), None);
        assert_eq!(socket_inode("socket:[x]"), None);
        assert_eq!(socket_inode("socket:[99999999999]"), None);
    }

    #[test]
    fn this_process_owns_its_sockets() {
        // Any socket family will do on the host: the walk only reads links.
        let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let _ = sock;
        let me = std::process::id();
        let found = scan(Path::new("/proc"));
        assert!(found.values().any(|o| o.pid == me), "no socket of pid {me} found");
        let mut owners = Owners::new("/proc", Duration::from_secs(3600));
        let inodes: HashSet<u32> = found.iter().filter(|(_, o)| o.pid == me).map(|(i, _)| *i).collect();
        assert_eq!(owners.lookup(&inodes, Instant::now()).len(), inodes.len());
        assert_eq!(owners.scans, 1);
        // Nothing new: no second walk.
        owners.lookup(&inodes, Instant::now());
        assert_eq!(owners.scans, 1);
    }
}
