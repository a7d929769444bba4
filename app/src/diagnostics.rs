//! Diagnostics: the `tracing` log (filtered by RUST_LOG, written to stderr) for the window,
//! `run`, the worker and the agent; and the "Copy diagnostics" report for bug reports.

use sctp_core::model::{LogKind, Model};
use std::fmt::Write as _;

/// The filter when RUST_LOG is unset: warnings and errors only.
const DEFAULT_FILTER: &str = "warn";
/// Warnings and errors the report carries, newest last.
const REPORT_LAST_PROBLEMS: usize = 20;

/// Starts the diagnostic log on stderr, filtered by RUST_LOG (`warn` when unset, e.g.
/// `RUST_LOG=sctp_core::worker=debug` for every command the worker runs). A RUST_LOG that
/// does not parse is said on stderr, naming the fault, and the default is used.
pub fn init_log() {
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => EnvFilter::try_new(&spec).unwrap_or_else(|e| {
            eprintln!("sctp-inspector: RUST_LOG={spec:?} is not a filter ({e}); using {DEFAULT_FILTER:?}");
            EnvFilter::new(DEFAULT_FILTER)
        }),
        _ => EnvFilter::new(DEFAULT_FILTER),
    };
    // Fails only when a subscriber is already set (tests): that one keeps working.
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

/// What the session is showing, for the report's first lines.
pub enum Source<'a> {
    /// A live session with a worker on this machine's kernel.
    Live,
    /// A recording being viewed.
    Recording(&'a std::path::Path),
}

/// A plain-text report for a bug report: versions, the kernel and its SCTP sysctls as the
/// worker read them, how sampling runs, what was dropped, and the last warnings and errors.
pub fn report(model: &Model, source: Source<'_>) -> String {
    let mut out = String::new();
    let w = &mut out;
    // Writing to a String cannot fail.
    let _ = writeln!(w, "sctp-inspector {} ({})", env!("CARGO_PKG_VERSION"), std::env::consts::ARCH);
    let _ = match source {
        Source::Live => writeln!(w, "session: live"),
        Source::Recording(path) => writeln!(w, "session: viewing recording {}", path.display()),
    };
    let _ = match &model.kernel {
        Some(k) => writeln!(w, "kernel: {} (HZ {} from {:?})", k.release, k.hz.hz, k.hz.source),
        None => match model.hz {
            Some(hz) => writeln!(w, "kernel: release not reported (HZ {} from {:?})", hz.hz, hz.source),
            None => writeln!(w, "kernel: not reported yet"),
        },
    };
    let _ = match &model.kernel_sctp {
        Some(Ok(())) => writeln!(w, "kernel SCTP: available"),
        Some(Err(e)) => writeln!(w, "kernel SCTP: unavailable — {e}"),
        None => writeln!(w, "kernel SCTP: not reported yet"),
    };
    match model.kernel.as_ref().map(|k| &k.sysctls) {
        Some(Ok(sysctls)) => {
            let _ = writeln!(w, "sysctls ({}):", sysctls.len());
            for (name, value) in sysctls {
                let _ = writeln!(w, "  net.sctp.{name} = {value}");
            }
        }
        Some(Err(e)) => {
            let _ = writeln!(w, "sysctls: {e}");
        }
        None => {
            let _ = writeln!(w, "sysctls: not reported");
        }
    }
    let _ = match &model.sampling {
        Some((method, period, slowed)) => writeln!(
            w,
            "sampling: {method:?} every {period} ms{} (share {} %)",
            if *slowed { ", slowed to stay in its share" } else { "" },
            model.sampler_share_percent
        ),
        None => writeln!(w, "sampling: not started"),
    };
    let (open_eps, assocs) = model.open_counts();
    let _ = writeln!(w, "endpoints: {open_eps} open of {}; live associations: {assocs}", model.endpoints.len());
    let d = &model.dropped_events;
    let _ = writeln!(w, "events: {} seen; dropped: {}", model.events_seen, d.describe());
    let _ =
        writeln!(w, "RUST_LOG: {}", std::env::var("RUST_LOG").unwrap_or_else(|_| format!("unset ({DEFAULT_FILTER})")));
    let problems: Vec<_> = model.log.iter().filter(|e| matches!(e.kind, LogKind::Warning | LogKind::Error)).collect();
    let skip = problems.len().saturating_sub(REPORT_LAST_PROBLEMS);
    let _ = writeln!(w, "last warnings and errors ({} of {}):", problems.len() - skip, problems.len());
    for e in &problems[skip..] {
        let _ = writeln!(w, "  {:>9.3} s {:?}: {}", e.t, e.kind, e.text());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use sctp_core::kernel_facts::KernelFacts;
    use sctp_core::worker::{Event, Stamped, Warning};
    use sctp_core::{Error, KernelHz};

    #[test]
    fn the_report_names_kernel_sysctls_drops_and_only_the_last_problems() {
        let mut m = Model::default();
        let hz = KernelHz { hz: 250, source: sctp_core::hz::HzSource::Assumed };
        let sysctls = [("rto_min".to_string(), "1000".to_string()), ("udp_port".into(), "0".into())];
        let kernel = KernelFacts { release: "6.1.0-test".into(), hz, sysctls: Ok(sysctls.into_iter().collect()) };
        let hello = Event::Hello { hz, kernel_sctp: Ok(()), sample_interval_ms: 100, kernel: Some(kernel) };
        m.apply(&Stamped { t: 0.0, event: hello });
        for i in 0..25 {
            let warning = Warning::Text { text: format!("warning {i}") };
            m.apply(&Stamped { t: f64::from(i), event: Event::Warning(warning) });
        }
        let r = report(&m, Source::Live);
        assert!(r.contains("kernel: 6.1.0-test (HZ 250"), "{r}");
        assert!(r.contains("kernel SCTP: available"), "{r}");
        assert!(r.contains("  net.sctp.rto_min = 1000\n"), "{r}");
        assert!(r.contains("last warnings and errors (20 of 26):"), "{r}");
        assert!(r.contains("warning 24") && !r.contains("warning 4\n"), "{r}");
    }

    #[test]
    fn a_kernel_without_sctp_and_unreadable_sysctls_are_said() {
        let mut m = Model::default();
        let hz = KernelHz { hz: 100, source: sctp_core::hz::HzSource::Assumed };
        let no_sctp = Error::invalid("open an SCTP socket", "no SCTP");
        let kernel = KernelFacts { release: "6.8".into(), hz, sysctls: Err(Error::invalid("read sysctls", "gone")) };
        let hello = Event::Hello { hz, kernel_sctp: Err(no_sctp), sample_interval_ms: 100, kernel: Some(kernel) };
        m.apply(&Stamped { t: 0.0, event: hello });
        let r = report(&m, Source::Recording(std::path::Path::new("/tmp/x.jsonl")));
        assert!(r.contains("session: viewing recording /tmp/x.jsonl"), "{r}");
        assert!(r.contains("kernel SCTP: unavailable — open an SCTP socket: no SCTP"), "{r}");
        assert!(r.contains("sysctls: read sysctls: gone"), "{r}");
    }
}
