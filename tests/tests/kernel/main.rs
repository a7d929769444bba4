//! sctp-core on the real kernel (run inside the rig: `tests/rig/rig`).

mod agent;
mod elementary;
mod facts;
mod host;
mod limits;
mod messaging;
mod modern;
mod multihoming;
mod options;
mod own_sampling;
mod sampling_method;
mod seed;

use sctp_core::{EndpointConfig, Family, Style};
use std::net::{IpAddr, SocketAddr};

pub const LOCALHOST: [u8; 4] = [127, 0, 0, 1];

pub fn cfg(style: Style, addrs: Vec<IpAddr>, port: u16, netns: Option<&str>) -> EndpointConfig {
    EndpointConfig { family: Family::Ipv4, style, addrs, port, netns: netns.map(str::to_string), ..Default::default() }
}

pub fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from((LOCALHOST, port))
}

/// Runs a shell script inside a network namespace (as root, in the rig); panics with its stderr.
pub fn sh_in(ns: &str, script: &str) -> String {
    let out = std::process::Command::new("ip")
        .args(["netns", "exec", ns, "sh", "-c", script])
        .output()
        .expect("run ip netns exec");
    assert!(out.status.success(), "{script} in {ns}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}
