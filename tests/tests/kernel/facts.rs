//! The kernel's facts as the worker reports them (release, sysctls), checked against what
//! the kernel does with them: a new socket's RTO.Min is net.sctp.rto_min of its namespace.

use super::cfg;
use super::sh_in;
use sctp_core::capabilities::{Feature, capabilities};
use sctp_core::kernel_facts::KernelFacts;
use sctp_core::options::RtoInfo;
use sctp_core::{Scope, Style};
use sctp_inspector_tests::open;
use sctp_inspector_tests::topology::two_paths;
use std::process::Command;

#[test]
fn sysctls_are_read_per_namespace_and_are_what_new_sockets_get() {
    let topo = two_paths();
    // Only namespace a changes: each namespace has its own net.sctp.*.
    sh_in(&topo.a, "echo 777 > /proc/sys/net/sctp/rto_min && echo 1 > /proc/sys/net/sctp/reconf_enable");
    let in_a = KernelFacts::read_in(Some(&topo.a));
    let in_b = KernelFacts::read_in(Some(&topo.b));
    assert_eq!(in_a.sysctl("rto_min"), Some("777"));
    assert_eq!(in_b.sysctl("rto_min"), Some("1000"), "a new namespace starts from the kernel's default");
    for (ns, facts) in [(&topo.a, &in_a), (&topo.b, &in_b)] {
        let ep = open(cfg(Style::OneToMany, vec![], 0, Some(ns)));
        let rto: RtoInfo = ep.get_option(Scope::Future).unwrap();
        assert_eq!(Some(rto.min.to_string().as_str()), facts.sysctl("rto_min"), "in {ns}");
    }
    let reconf = |f: &KernelFacts| {
        capabilities(f.sysctls.as_ref().unwrap()).into_iter().find(|c| c.feature == Feature::StreamReconfig).unwrap()
    };
    assert!(reconf(&in_a).enabled && !reconf(&in_b).enabled);
    let uname = Command::new("uname").arg("-r").output().unwrap();
    assert_eq!(in_a.release, String::from_utf8_lossy(&uname.stdout).trim());
    assert!(KernelFacts::read_in(Some("no-such-ns")).sysctls.unwrap_err().to_string().contains("ENOENT"));
}
