//! Two network namespaces, A and B, joined by two veth pairs: two independent paths
//! (10.1.1.0/24 over va1–vb1, 10.2.2.0/24 over va2–vb2). Each instance has its own
//! namespaces, so tests using it run in parallel without seeing each other. Needs root
//! and iproute2 (the rig has both); removed again on drop.

use std::net::IpAddr;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

static NEXT: AtomicU32 = AtomicU32::new(0);

pub struct TwoPaths {
    /// Namespace of the "client" side.
    pub a: String,
    /// Namespace of the "server" side.
    pub b: String,
}

/// Runs a command and panics with its stderr if it fails.
fn run(program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {program}: {e} (is iproute2 installed? tests run inside tests/rig/rig)"));
    assert!(
        out.status.success(),
        "{program} {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    );
}

impl TwoPaths {
    pub fn new() -> TwoPaths {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        let t = TwoPaths { a: format!("sctpA{pid}x{n}"), b: format!("sctpB{pid}x{n}") };
        run("ip", &["netns", "add", &t.a]);
        run("ip", &["netns", "add", &t.b]);
        for path in 1..=2 {
            let (va, vb) = (format!("va{path}"), format!("vb{path}"));
            run("ip", &["link", "add", &va, "netns", &t.a, "type", "veth", "peer", "name", &vb, "netns", &t.b]);
            run("ip", &["-n", &t.a, "addr", "add", &format!("{}/24", Self::addr_a(path)), "dev", &va]);
            run("ip", &["-n", &t.b, "addr", "add", &format!("{}/24", Self::addr_b(path)), "dev", &vb]);
            run("ip", &["-n", &t.a, "link", "set", &va, "up"]);
            run("ip", &["-n", &t.b, "link", "set", &vb, "up"]);
        }
        run("ip", &["-n", &t.a, "link", "set", "lo", "up"]);
        run("ip", &["-n", &t.b, "link", "set", "lo", "up"]);
        t
    }

    /// A's address on path 1 or 2.
    pub fn addr_a(path: u8) -> IpAddr {
        IpAddr::from([10, path, path, 1])
    }

    /// B's address on path 1 or 2.
    pub fn addr_b(path: u8) -> IpAddr {
        IpAddr::from([10, path, path, 2])
    }

    pub fn addrs_a() -> Vec<IpAddr> {
        vec![Self::addr_a(1), Self::addr_a(2)]
    }

    pub fn addrs_b() -> Vec<IpAddr> {
        vec![Self::addr_b(1), Self::addr_b(2)]
    }

    /// `tc qdisc replace … netem SPEC` on A's side of a path (A → B traffic), e.g.
    /// "delay 50ms" or "loss 5%".
    pub fn netem(&self, path: u8, spec: &str) {
        let dev = format!("va{path}");
        let mut args = vec!["-n", &self.a, "qdisc", "replace", "dev", &dev, "root", "netem"];
        args.extend(spec.split_whitespace());
        run("tc", &args);
    }

    /// Takes A's side of a path down or up.
    pub fn link(&self, path: u8, up: bool) {
        run("ip", &["-n", &self.a, "link", "set", &format!("va{path}"), if up { "up" } else { "down" }]);
    }
}

impl Default for TwoPaths {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TwoPaths {
    fn drop(&mut self) {
        // Deleting a namespace removes its veth ends (and their peers) with it.
        for ns in [&self.a, &self.b] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}
