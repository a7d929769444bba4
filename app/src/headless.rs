//! `sctp-inspector run FILE`: a scenario with no window, on the same worker and model as the
//! window. Prints a timeline as it goes, optionally records everything to JSONL, and ends
//! with the first failed step's reason.

use sctp_core::model::LogKind;
use sctp_core::scenario::{Progress, Runner, Scenario, StepReport};
use sctp_core::session::Session;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Why a run did not pass.
#[derive(Debug)]
pub enum RunError {
    /// The scenario file (or recording target) was unusable: exit status 2.
    Input(String),
    /// A step failed: exit status 1.
    Step(String),
    /// SIGINT or SIGTERM: stopped cleanly (the lab's namespaces removed), exit status 130.
    Interrupted,
}

pub struct Options<'a> {
    pub record: Option<&'a Path>,
    /// Capture the scenario's packets into this pcapng file, at most this many bytes.
    pub capture: Option<(&'a Path, u64)>,
    /// Also print every received message (not only notifications and results).
    pub verbose: bool,
    /// Which kernel to drive.
    pub kernel: crate::kernel::KernelChoice,
}

fn print_report(out: &mut dyn Write, r: &StepReport, total: usize) {
    let (mark, detail) = match &r.outcome {
        Ok(d) => ("ok", d.clone()),
        Err(e) => ("FAILED", e.clone()),
    };
    let detail = if detail.is_empty() { String::new() } else { format!(" — {detail}") };
    let _ =
        writeln!(out, "[{:>8.3}] step {:>2}/{total} {:<14} {} … {mark}{detail}", r.t, r.index + 1, r.verb, r.summary);
}

/// Ends a running capture so its last packets and counters are in the file and the
/// recording, and says what it holds.
fn stop_capture(session: &mut Session, out: &mut dyn Write) {
    if !session.model.capture.as_ref().is_some_and(|c| c.running) {
        return;
    }
    session.send(sctp_core::worker::Command::StopCapture);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while session.model.capture.as_ref().is_some_and(|c| c.running) && std::time::Instant::now() < deadline {
        session.pump_waiting(Duration::from_millis(20));
    }
    if let Some(c) = &session.model.capture {
        let _ = writeln!(
            out,
            "capture: {} packets, {} bytes in {}{}",
            c.stats.packets,
            c.stats.bytes,
            c.path.display(),
            if c.stats.lost() > 0 { format!(" ({} packets lost)", c.stats.lost()) } else { String::new() }
        );
    }
}

pub fn run(path: &Path, opts: &Options, out: &mut dyn Write) -> Result<(), RunError> {
    let scenario = Scenario::load(path).map_err(|e| RunError::Input(e.to_string()))?;
    let total = scenario.steps.len();
    let _ = writeln!(
        out,
        "scenario \"{}\" ({total} steps){}",
        scenario.name,
        if scenario.lab { ", in a two-path lab" } else { "" }
    );
    if !scenario.description.is_empty() {
        let _ = writeln!(out, "  {}", scenario.description.trim());
    }
    let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let (worker, said) = crate::kernel::start_worker(opts.kernel, || Box::new(|| {})).map_err(RunError::Input)?;
    if let Some(said) = said {
        let _ = writeln!(out, "{said}");
    }
    if worker.in_sandbox() {
        let why = match opts.kernel {
            crate::kernel::KernelChoice::Sandbox => "as --kernel sandbox asks",
            crate::kernel::KernelChoice::Auto | crate::kernel::KernelChoice::Host => "this host has no SCTP",
        };
        let _ = writeln!(out, "{why}: driving a sandbox kernel (User-Mode Linux)");
    }
    let mut session = Session::live(worker);
    if let Some(record) = opts.record {
        session.start_recording(record).map_err(RunError::Input)?;
    }
    let mut runner = Runner::new(scenario, base);
    if let Some((path, max_bytes)) = opts.capture {
        runner.capture_to(path.to_path_buf(), max_bytes);
    }
    session.open_scenario(runner);
    let mut printed_log = 0u64;
    // Ctrl-C and SIGTERM only raise a flag: the loop stops and every socket and the lab's
    // namespaces are cleaned up on the way out.
    let interrupted = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&interrupted))
            .map_err(|e| RunError::Input(format!("watch for signal {signal}: {e}")))?;
    }
    let mut record_err = None;
    let result = loop {
        if interrupted.load(Ordering::Relaxed) {
            break Err(RunError::Interrupted);
        }
        session.pump_waiting(Duration::from_millis(5));
        // Log lines of interest, in order, indented under the steps.
        let log = &session.model.log;
        let seen = log.dropped() + log.len() as u64;
        let fresh = (seen - printed_log) as usize;
        for e in log.iter().skip(log.len().saturating_sub(fresh)) {
            let show =
                matches!(e.kind, LogKind::Notification | LogKind::Warning) || (opts.verbose && e.kind == LogKind::Data);
            if show {
                let ep = e.ep.map(|ep| format!("ep{}", ep.0)).unwrap_or_default();
                let _ = writeln!(out, "[{:>8.3}]      · {ep} {}", e.t, e.text());
            }
        }
        printed_log = seen;
        let Some((progress, finished)) = session.advance_scenario() else {
            break Err(RunError::Step("the scenario stopped".into()));
        };
        for r in &finished {
            print_report(out, r, total);
        }
        record_err = record_err.or(session.take_recording_error());
        // The worker thread is gone (it panicked): nothing more will come. Fail the step in
        // progress rather than spin on an empty channel.
        if session.worker_gone() {
            break Err(RunError::Step("the worker thread stopped; no more events will come".into()));
        }
        match progress {
            Progress::Running => {}
            Progress::Finished => break Ok(()),
            Progress::Failed(why) => break Err(RunError::Step(why)),
        }
    };
    stop_capture(&mut session, out);
    // A failed step is the verdict; a recording that could not be written is reported
    // too, and fails an otherwise passing run.
    let record_err = record_err.or(session.take_recording_error());
    if let Some(e) = &record_err {
        let _ = writeln!(out, "{e}");
    }
    let result = match (result, record_err) {
        (Ok(()), Some(e)) => Err(RunError::Input(e)),
        (other, _) => other,
    };
    let _ = match &result {
        Ok(()) => writeln!(
            out,
            "PASS: all {total} steps ({} messages, {} notifications)",
            session.model.data_messages, session.model.notifications
        ),
        Err(RunError::Step(why)) => writeln!(out, "FAIL: {why}"),
        Err(RunError::Interrupted) => writeln!(out, "INTERRUPTED: stopped and cleaned up"),
        // Reported by the caller, like the errors before the run started.
        Err(RunError::Input(_)) => Ok(()),
    };
    result
}
