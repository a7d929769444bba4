//! `sctp-inspector run FILE`: a scenario with no window, on the same worker and model as the
//! window. Prints a timeline as it goes, optionally records everything to JSONL, and ends
//! with the first failed step's reason.

use sctp_core::model::{LogKind, Model};
use sctp_core::scenario::record::{RecordLine, Recorder};
use sctp_core::scenario::{Progress, Runner, Scenario, StepReport};
use sctp_core::worker::{Command, Request, WorkerHandle};
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
    /// Also print every received message (not only notifications and results).
    pub verbose: bool,
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

pub fn run(path: &Path, opts: &Options, out: &mut dyn Write) -> Result<(), RunError> {
    let scenario = Scenario::load(path).map_err(|e| RunError::Input(e.to_string()))?;
    let total = scenario.steps.len();
    let mut recorder = opts.record.map(Recorder::create).transpose().map_err(RunError::Input)?;
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
    let mut runner = Runner::new(scenario, base);
    let worker = WorkerHandle::spawn(Box::new(|| {})).map_err(|e| RunError::Input(format!("start the worker: {e}")))?;
    let mut model = Model::default();
    let mut printed_log = 0u64;
    let mut printed_steps = 0;
    let mut record_err = None;
    let mut worker_gone = false;
    // Ctrl-C and SIGTERM only raise a flag: the loop stops and every socket and the lab's
    // namespaces are cleaned up on the way out.
    let interrupted = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&interrupted))
            .map_err(|e| RunError::Input(format!("watch for signal {signal}: {e}")))?;
    }
    let result = loop {
        if interrupted.load(Ordering::Relaxed) {
            break Err(RunError::Interrupted);
        }
        loop {
            let ev = match worker.events().recv_timeout(Duration::from_millis(5)) {
                Ok(ev) => ev,
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => break,
                // The worker thread is gone (it panicked): nothing more will come. Fail the
                // step in progress rather than spin on an empty channel.
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => {
                    worker_gone = true;
                    break;
                }
            };
            model.apply(&ev);
            runner.observe(&ev);
            if let Some(r) = recorder.as_mut() {
                record_err = record_err.or(r.write(&RecordLine::Event(ev)).err());
            }
            if worker.events().is_empty() {
                break;
            }
        }
        // Log lines of interest, in order, indented under the steps.
        let seen = model.log.dropped() + model.log.len() as u64;
        let fresh = (seen - printed_log) as usize;
        for e in model.log.iter().skip(model.log.len().saturating_sub(fresh)) {
            let show =
                matches!(e.kind, LogKind::Notification | LogKind::Warning) || (opts.verbose && e.kind == LogKind::Data);
            if show {
                let ep = e.ep.map(|ep| format!("ep{}", ep.0)).unwrap_or_default();
                let _ = writeln!(out, "[{:>8.3}]      · {ep} {}", e.t, e.text);
            }
        }
        printed_log = seen;
        let mut send = |command: Command| {
            let id = worker.send(command.clone());
            if let Some(r) = recorder.as_mut() {
                record_err = record_err
                    .take()
                    .or(r.write(&RecordLine::Command { t: model.now, request: Request { id, command } }).err());
            }
            id
        };
        let progress = runner.advance(&model, &mut send);
        for r in &runner.reports[printed_steps..] {
            print_report(out, r, total);
            if let Some(rec) = recorder.as_mut() {
                let (ok, detail) = match &r.outcome {
                    Ok(d) => (true, d.clone()),
                    Err(e) => (false, e.clone()),
                };
                let line = RecordLine::Step {
                    t: r.t,
                    index: r.index,
                    verb: r.verb.into(),
                    summary: r.summary.clone(),
                    ok,
                    detail,
                };
                record_err = record_err.or(rec.write(&line).err());
            }
        }
        printed_steps = runner.reports.len();
        if worker_gone {
            break Err(RunError::Step("the worker thread stopped; no more events will come".into()));
        }
        match progress {
            Progress::Running => {}
            Progress::Finished => break Ok(()),
            Progress::Failed(why) => break Err(RunError::Step(why)),
        }
    };
    // A failed step is the verdict; a recording that could not be written is reported
    // too, and fails an otherwise passing run.
    if let Some(e) = &record_err {
        let _ = writeln!(out, "recording: {e}");
    }
    let result = match (result, record_err) {
        (Ok(()), Some(e)) => Err(RunError::Input(e)),
        (other, _) => other,
    };
    let _ = match &result {
        Ok(()) => writeln!(
            out,
            "PASS: all {total} steps ({} messages, {} notifications)",
            model.data_messages, model.notifications
        ),
        Err(RunError::Step(why)) => writeln!(out, "FAIL: {why}"),
        Err(RunError::Interrupted) => writeln!(out, "INTERRUPTED: stopped and cleaned up"),
        // Reported by the caller, like the errors before the run started.
        Err(RunError::Input(_)) => Ok(()),
    };
    result
}
