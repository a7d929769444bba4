//! A network lab for multi-homing: two network namespaces, A and B, joined by two veth
//! pairs — two independent paths (10.1.1.0/24 over va1–vb1, 10.2.2.0/24 over va2–vb2) —
//! with netem and link control per path. Tests, the demo and scenarios use it. Each
//! instance has its own namespaces, so several run side by side. Needs root and iproute2
//! (the project's rig has both); removed again on drop.

use crate::error::{Error, Result};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A built lab: namespaces A and B joined by path 1 (10.1.1.1 <-> 10.1.1.2 over va1/vb1) and
/// path 2 (10.2.2.1 <-> 10.2.2.2 over va2/vb2); both namespaces are deleted on drop.
pub struct TwoPaths {
    /// Namespace of the "client" side.
    pub a: String,
    /// Namespace of the "server" side.
    pub b: String,
}

/// One side of the lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// Namespace A, the client side (va1, va2).
    #[default]
    A,
    /// Namespace B, the server side (vb1, vb2).
    B,
}

/// Where iproute2 is looked for: the system's own directories, never `PATH` (the lab runs
/// as root, and a PATH entry the user controls must not pick the program that runs).
const SYSTEM_DIRS: [&str; 4] = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];

fn system_program(name: &str) -> Option<PathBuf> {
    SYSTEM_DIRS.iter().map(|d| Path::new(d).join(name)).find(|p| p.is_file())
}

/// Runs an iproute2 command; the error names the command and what it said.
fn run(program: &str, args: &[&str]) -> Result<()> {
    let action = || format!("{program} {}", args.join(" "));
    let Some(path) = system_program(program) else {
        return Err(Error::unavailable(
            action(),
            format!("no {program} in {} (install iproute2; tests/rig/rig provides it)", SYSTEM_DIRS.join(", ")),
        ));
    };
    let out = Command::new(path).args(args).output().map_err(|e| {
        Error::os(action(), &e).with_detail("is iproute2 installed and are we root? (tests/rig/rig provides both)")
    })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Error::invalid(action(), String::from_utf8_lossy(&out.stderr).trim().to_string()))
    }
}

impl TwoPaths {
    /// Builds a lab with fresh namespaces (`sctpA<pid>x<n>`, `sctpB<pid>x<n>`), first deleting labs
    /// left by processes that are gone. Needs root and iproute2.
    pub fn new() -> Result<TwoPaths> {
        sweep_abandoned();
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        let t = TwoPaths { a: format!("sctpA{pid}x{n}"), b: format!("sctpB{pid}x{n}") };
        run("ip", &["netns", "add", &t.a])?;
        run("ip", &["netns", "add", &t.b])?;
        for path in 1..=2 {
            let (va, vb) = (format!("va{path}"), format!("vb{path}"));
            run(
                "ip",
                &["link", "add", "name", &va, "netns", &t.a, "type", "veth", "peer", "name", &vb, "netns", &t.b],
            )?;
            run("ip", &["-n", &t.a, "addr", "add", &format!("{}/24", Self::addr_a(path)), "dev", &va])?;
            run("ip", &["-n", &t.b, "addr", "add", &format!("{}/24", Self::addr_b(path)), "dev", &vb])?;
            run("ip", &["-n", &t.a, "link", "set", "dev", &va, "up"])?;
            run("ip", &["-n", &t.b, "link", "set", "dev", &vb, "up"])?;
        }
        run("ip", &["-n", &t.a, "link", "set", "dev", "lo", "up"])?;
        run("ip", &["-n", &t.b, "link", "set", "dev", "lo", "up"])?;
        Ok(t)
    }

    /// A's address on path 1 or 2.
    pub fn addr_a(path: u8) -> IpAddr {
        IpAddr::from([10, path, path, 1])
    }

    /// B's address on path 1 or 2.
    pub fn addr_b(path: u8) -> IpAddr {
        IpAddr::from([10, path, path, 2])
    }

    /// A's addresses on both paths: 10.1.1.1 and 10.2.2.1 (bind all of them for a multi-homed endpoint).
    pub fn addrs_a() -> Vec<IpAddr> {
        vec![Self::addr_a(1), Self::addr_a(2)]
    }

    /// B's addresses on both paths: 10.1.1.2 and 10.2.2.2 (bind all of them for a multi-homed endpoint).
    pub fn addrs_b() -> Vec<IpAddr> {
        vec![Self::addr_b(1), Self::addr_b(2)]
    }

    /// `tc qdisc replace … netem SPEC` on A's side of a path (A -> B traffic), e.g.
    /// `"delay 50ms loss 2%"`.
    pub fn netem(&self, path: u8, spec: &str) -> Result<()> {
        self.netem_on(Side::A, path, spec)
    }

    /// `tc qdisc replace … netem SPEC` on one side of a path: A's side shapes A -> B
    /// traffic, B's side B -> A (loss of only the answers, for one).
    pub fn netem_on(&self, side: Side, path: u8, spec: &str) -> Result<()> {
        let (ns, dev) = match side {
            Side::A => (&self.a, format!("va{path}")),
            Side::B => (&self.b, format!("vb{path}")),
        };
        let mut args = vec!["-n", ns, "qdisc", "replace", "dev", &dev, "root", "netem"];
        args.extend(spec.split_whitespace());
        run("tc", &args)
    }

    /// Takes A's side of a path down or up.
    pub fn link(&self, path: u8, up: bool) -> Result<()> {
        run("ip", &["-n", &self.a, "link", "set", "dev", &format!("va{path}"), if up { "up" } else { "down" }])
    }
}

impl Drop for TwoPaths {
    fn drop(&mut self) {
        // Deleting a namespace removes its veth ends (and their peers) with it.
        for ns in [&self.a, &self.b] {
            let _ = run("ip", &["netns", "del", ns]);
        }
    }
}

/// What a lab is doing now, as the worker that owns it reports it (`Event::Lab`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LabState {
    /// Namespace A's name (`lab:a` in endpoint configs and scenarios).
    pub a: String,
    /// Namespace B's name (`lab:b`).
    pub b: String,
    /// Path 1 and path 2.
    pub paths: [PathState; 2],
    /// Programs the lab started (`LabChange::Traffic`), ended with it.
    #[serde(default)]
    pub programs: Vec<LabProgram>,
}

/// One lab path's link and impairments.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PathState {
    /// Whether A's side of the link is up.
    pub up: bool,
    /// The netem parameters on A's side (A -> B), empty for none.
    pub netem_a: String,
    /// The netem parameters on B's side (B -> A), empty for none.
    pub netem_b: String,
}

/// A program the lab started: what it runs, and as which process.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LabProgram {
    /// The command line, for the Lab tab.
    pub command: String,
    /// Its process id in the worker's kernel (the Host view names owners by pid).
    pub pid: u32,
}

/// A change to a built lab.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum LabChange {
    /// Replaces the netem qdisc on one side of a path (`""`: netem without impairments).
    Netem {
        /// Whose side: A's shapes A -> B, B's shapes B -> A.
        side: Side,
        /// Path 1 or 2.
        path: u8,
        /// tc netem parameters, such as `delay 50ms loss 2%`.
        spec: String,
    },
    /// Takes A's side of a path down or up.
    Link {
        /// Path 1 or 2.
        path: u8,
        /// Up (true) or down.
        up: bool,
    },
    /// Starts another program's association for the Host view: an iperf3 server in B and
    /// an `iperf3 --sctp` client in A sending to it over path 1 (ended with the lab).
    Traffic {
        /// How long the client sends, s (1..=3600).
        seconds: u32,
        /// Its rate, kbit/s (1..=1000000).
        kbit: u32,
    },
}

impl LabChange {
    /// One line for the event log.
    pub fn describe(&self) -> String {
        match self {
            LabChange::Netem { side: Side::A, path, spec } => format!("lab: netem on path {path} (A -> B): {spec:?}"),
            LabChange::Netem { side: Side::B, path, spec } => format!("lab: netem on path {path} (B -> A): {spec:?}"),
            LabChange::Link { path, up } => format!("lab: path {path} link {}", if *up { "up" } else { "down" }),
            LabChange::Traffic { seconds, kbit } => format!("lab: iperf3 --sctp A -> B, {kbit} kbit/s for {seconds} s"),
        }
    }
}

/// A lab owned by the worker, with what has been done to it.
pub struct Lab {
    paths: TwoPaths,
    state: LabState,
    programs: Vec<std::process::Child>,
}

impl Lab {
    /// Builds a fresh two-path lab (`TwoPaths::new`), both links up, no netem.
    pub fn build() -> Result<Lab> {
        let paths = TwoPaths::new()?;
        let path = || PathState { up: true, netem_a: String::new(), netem_b: String::new() };
        let state = LabState { a: paths.a.clone(), b: paths.b.clone(), paths: [path(), path()], programs: Vec::new() };
        Ok(Lab { paths, state, programs: Vec::new() })
    }

    /// What it is doing now.
    pub fn state(&self) -> &LabState {
        &self.state
    }

    /// Applies a change; the state changes only when the command succeeded.
    pub fn apply(&mut self, change: &LabChange) -> Result<()> {
        let path = match change {
            LabChange::Netem { path, .. } | LabChange::Link { path, .. } => path,
            LabChange::Traffic { seconds, kbit } => return self.traffic(*seconds, *kbit, &change.describe()),
        };
        if !(1..=2).contains(path) {
            return Err(Error::invalid(change.describe(), format!("the lab has paths 1 and 2, not {path}")));
        }
        let slot = &mut self.state.paths[usize::from(*path - 1)];
        match change {
            LabChange::Netem { side, path, spec } => {
                self.paths.netem_on(*side, *path, spec)?;
                let kept = spec.split_whitespace().collect::<Vec<_>>().join(" ");
                match side {
                    Side::A => slot.netem_a = kept,
                    Side::B => slot.netem_b = kept,
                }
            }
            LabChange::Link { path, up } => {
                self.paths.link(*path, *up)?;
                slot.up = *up;
            }
            LabChange::Traffic { .. } => {}
        }
        Ok(())
    }

    /// An iperf3 server in B (one test, then it exits) and a client in A that starts a
    /// moment later, when the server listens. The arguments are numbers and the lab's own
    /// names only.
    fn traffic(&mut self, seconds: u32, kbit: u32, action: &str) -> Result<()> {
        if !(1..=3600).contains(&seconds) || !(1..=1_000_000).contains(&kbit) {
            return Err(Error::invalid(action, "seconds must be 1..=3600 and kbit/s 1..=1000000"));
        }
        let (Some(ip), Some(iperf3), Some(sh)) = (system_program("ip"), system_program("iperf3"), system_program("sh"))
        else {
            return Err(Error::unavailable(action, "iperf3, ip or sh is missing (install iperf3 and iproute2)"));
        };
        let to = TwoPaths::addr_b(1).to_string();
        let server_args = ["-s", "-1", "-p", "5201"].map(String::from).to_vec();
        let mut client_args = ["-c", &to, "-p", "5201", "--sctp", "-t"].map(String::from).to_vec();
        client_args.extend([seconds.to_string(), "-b".into(), format!("{kbit}K")]);
        // `ip netns exec NS iperf3 ARGS`, and what the Lab tab shows of it.
        let in_ns = |ns: &str, args: &[String]| {
            let mut argv: Vec<std::ffi::OsString> = vec![ip.clone().into(), "netns".into(), "exec".into(), ns.into()];
            argv.push(iperf3.clone().into());
            argv.extend(args.iter().map(Into::into));
            (argv, format!("iperf3 {}", args.join(" ")))
        };
        // Each program is the lab's as soon as it runs, so a failure after it still ends it.
        let mut spawn = |mut c: Command, command: String| {
            c.stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
            let child = c.spawn().map_err(|e| Error::os(action, &e))?;
            self.state.programs.push(LabProgram { command, pid: child.id() });
            self.programs.push(child);
            Ok::<(), Error>(())
        };
        let (argv, server) = in_ns(&self.state.b, &server_args);
        let mut c = Command::new(&argv[0]);
        c.args(&argv[1..]);
        spawn(c, server)?;
        // The client waits in sh (not here: the worker never sleeps) until the server listens.
        let (argv, client) = in_ns(&self.state.a, &client_args);
        let mut c = Command::new(sh);
        c.args(["-c", "sleep 0.5; exec \"$@\"", "sh"]).args(&argv);
        spawn(c, client)
    }

    /// The namespace an endpoint, capture or host view names: `lab:a` and `lab:b` are this
    /// lab's (an error without a lab); other names pass unchanged.
    pub fn resolve(lab: Option<&Lab>, netns: Option<&str>) -> Result<Option<String>> {
        let Some(side) = netns.and_then(|n| n.strip_prefix("lab:")) else {
            return Ok(netns.map(str::to_string));
        };
        let what = || format!("namespace lab:{side}");
        let lab = lab.ok_or_else(|| {
            Error::invalid(what(), "no lab is built (build one in the Lab panel, or `lab = true` in a scenario)")
        })?;
        match side {
            "a" => Ok(Some(lab.state.a.clone())),
            "b" => Ok(Some(lab.state.b.clone())),
            other => Err(Error::invalid(what(), format!("the lab's sides are a and b, not {other:?}"))),
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        // Before the namespaces go: nothing the lab started outlives it.
        for p in &mut self.programs {
            let _ = p.kill();
            let _ = p.wait();
        }
    }
}

/// The process that made a lab namespace, from its name (`sctpA<pid>x<n>`, `sctpB…`).
pub fn lab_owner(ns: &str) -> Option<u32> {
    let rest = ns.strip_prefix("sctpA").or_else(|| ns.strip_prefix("sctpB"))?;
    let (pid, n) = rest.split_once('x')?;
    n.parse::<u32>().ok()?;
    pid.parse().ok()
}

/// Deletes lab namespaces whose process is gone (killed before it could clean up).
fn sweep_abandoned() {
    let Ok(names) = std::fs::read_dir("/run/netns") else { return };
    for entry in names.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = lab_owner(&name)
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = run("ip", &["netns", "del", &name]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Lab, LabChange, Side, lab_owner};

    #[test]
    fn lab_names_need_a_lab_and_a_side() {
        assert_eq!(Lab::resolve(None, None).unwrap(), None);
        assert_eq!(Lab::resolve(None, Some("blue")).unwrap().as_deref(), Some("blue"));
        let no_lab = Lab::resolve(None, Some("lab:a")).unwrap_err().to_string();
        assert!(no_lab.contains("lab:a") && no_lab.contains("no lab is built"), "{no_lab}");
    }

    #[test]
    fn lab_changes_say_what_they_do() {
        let netem = LabChange::Netem { side: Side::B, path: 2, spec: "loss 5%".into() };
        assert_eq!(netem.describe(), "lab: netem on path 2 (B -> A): \"loss 5%\"");
        assert_eq!(LabChange::Link { path: 1, up: false }.describe(), "lab: path 1 link down");
        let json = serde_json::to_string(&netem).unwrap();
        assert_eq!(json, r#"{"action":"netem","side":"b","path":2,"spec":"loss 5%"}"#);
    }

    #[test]
    fn lab_namespace_names_tell_their_process() {
        assert_eq!(lab_owner("sctpA1234x0"), Some(1234));
        assert_eq!(lab_owner("sctpB77x12"), Some(77));
        for other in ["sctpA1234", "sctpAx1", "blue", "sctpC1x1", "sctpA12x", "sctpA-1x2"] {
            assert_eq!(lab_owner(other), None, "{other}");
        }
    }
}
