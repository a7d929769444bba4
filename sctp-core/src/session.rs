//! One session: a worker (none while a recording is shown), the model fed from its events,
//! a recording being written, the setup log that becomes a profile, and a scenario being
//! run — with one way in (`send`) and one way out (`pump`). The window and
//! `sctp-inspector run` both drive a `Session`, so a command is recorded, remembered for the
//! profile and fed to a scenario the same way whoever sends it:
//!
//! widget → AppCommand → `Session::send` → worker → syscall → event → `Session::pump` →
//! model (log, plots) + recording + scenario + setup log.

use crate::model::Model;
use crate::scenario::profile::SetupLog;
use crate::scenario::record::{self, RecordLine, Recorder};
use crate::scenario::{Progress, Runner, StepReport};
use crate::worker::{Command, Event, Request, Stamped, Warning, WorkerHandle};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A recording being written.
struct Recording {
    path: PathBuf,
    recorder: Recorder,
}

/// Everything a command goes through on its way out; apart from the model, so a scenario
/// can read the model while its commands are sent.
struct Outbound {
    worker: Option<WorkerHandle>,
    worker_gone: bool,
    setup: SetupLog,
    recording: Option<Recording>,
    /// Why the last recording stopped on its own (a write failed), until someone asks.
    recording_error: Option<String>,
    /// The recording this session shows instead of a live worker.
    viewing: Option<PathBuf>,
}

impl Outbound {
    /// The request id, or the warning saying why the command could not be sent (the command
    /// is described only then, so a payload is not copied just in case).
    fn send(&mut self, t: f64, command: Command) -> Result<u64, Warning> {
        let Some(worker) = self.worker.as_ref().filter(|_| !self.worker_gone) else {
            let why = match (&self.viewing, self.worker_gone) {
                (Some(_), _) => "this window shows a recording, it has no worker",
                (None, true) => "the worker has stopped",
                (None, false) => "this session has no worker",
            };
            return Err(Warning::NotSent { command: command.describe(), why: why.to_string() });
        };
        let id = worker.send(command.clone());
        self.setup.sent(id, &command);
        self.record(&RecordLine::Command { t, request: Request { id, command } });
        Ok(id)
    }

    fn record(&mut self, line: &RecordLine) {
        if let Some(r) = self.recording.as_mut()
            && let Err(e) = r.recorder.write(line)
        {
            self.recording_error = Some(format!("recording to {} stopped: {e}", r.path.display()));
            self.recording = None;
        }
    }
}

/// A worker (or a recording shown instead), the model its events build, and the recording, setup log and
/// scenario those events also feed.
pub struct Session {
    out: Outbound,
    /// What the session knows: every event `pump` applied, or the recording shown.
    pub model: Model,
    scenario: Option<Runner>,
    /// How the scenario ended, once it has.
    scenario_result: Option<Result<(), String>>,
}

/// Events `Session::pump_for` applies between two looks at the clock.
pub const PUMP_CHUNK: usize = 64;

impl Session {
    /// A live session over `worker`.
    pub fn live(worker: WorkerHandle) -> Session {
        Session::with_worker(Some(worker))
    }

    /// A session with a worker or, for layout tests, without one.
    pub fn with_worker(worker: Option<WorkerHandle>) -> Session {
        let mut model = Model::default();
        model.sandbox = worker.as_ref().is_some_and(WorkerHandle::in_sandbox);
        Session {
            out: Outbound {
                worker,
                worker_gone: false,
                setup: SetupLog::default(),
                recording: None,
                recording_error: None,
                viewing: None,
            },
            model,
            scenario: None,
            scenario_result: None,
        }
    }

    /// A recording read back into a session with no worker.
    pub fn view_recording(path: &Path) -> Result<Session, String> {
        let lines = record::load(path)?;
        let mut session = Session::with_worker(None);
        session.model = record::replay(&lines);
        session.out.viewing = Some(path.to_path_buf());
        Ok(session)
    }

    /// The worker; `None` when the session shows a recording (or was made without one).
    pub fn worker(&self) -> Option<&WorkerHandle> {
        self.out.worker.as_ref()
    }

    /// Whether commands can be sent (a worker, and it is still running).
    pub fn is_live(&self) -> bool {
        self.out.worker.is_some() && !self.out.worker_gone
    }

    /// The worker thread stopped (it panicked): no more events will come.
    pub fn worker_gone(&self) -> bool {
        self.out.worker_gone
    }

    /// The recording shown, when this session is one.
    pub fn viewing(&self) -> Option<&Path> {
        self.out.viewing.as_deref()
    }

    /// Sends a command to the worker, records it and remembers it for the profile; its id,
    /// or `None` (and a log line saying why) when there is no worker to send it to.
    pub fn send(&mut self, command: Command) -> Option<u64> {
        match self.out.send(self.model.now, command) {
            Ok(id) => Some(id),
            Err(not_sent) => {
                self.model.warn(self.model.now, not_sent);
                None
            }
        }
    }

    /// Applies every event waiting from the worker: to the model, the scenario, the setup
    /// log and the recording. Returns how many there were.
    pub fn pump(&mut self) -> usize {
        let Some(worker) = &self.out.worker else { return 0 };
        let events = worker.drain();
        let n = events.len();
        for ev in events {
            self.apply(ev);
        }
        n
    }

    /// Like `pump`, but stops once `budget` is spent (the clock is read every
    /// `PUMP_CHUNK` events) and leaves the rest queued, so a frame that takes in a whole
    /// sample round of many associations stays short. Returns how many it applied and
    /// whether more wait.
    pub fn pump_for(&mut self, budget: Duration) -> (usize, bool) {
        let started = std::time::Instant::now();
        let mut n = 0;
        loop {
            let Some(worker) = &self.out.worker else { return (n, false) };
            let events = worker.drain_at_most(PUMP_CHUNK);
            if events.is_empty() {
                return (n, false);
            }
            n += events.len();
            for ev in events {
                self.apply(ev);
            }
            if started.elapsed() >= budget {
                let more = self.out.worker.as_ref().is_some_and(|w| !w.events().is_empty());
                return (n, more);
            }
        }
    }

    /// Like `pump`, but waits up to `wait` for the first event (for a loop with nothing
    /// else to do); notices when the worker thread has gone.
    pub fn pump_waiting(&mut self, wait: Duration) -> usize {
        let Some(worker) = &self.out.worker else { return 0 };
        match worker.events().recv_timeout(wait) {
            Ok(ev) => {
                self.apply(ev);
                1 + self.pump()
            }
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => 0,
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => {
                self.out.worker_gone = true;
                0
            }
        }
    }

    fn apply(&mut self, ev: Stamped) {
        self.model.apply(&ev);
        if let Some(runner) = self.scenario.as_mut() {
            runner.observe(&ev);
        }
        self.out.setup.observe(&ev);
        self.out.record(&RecordLine::Event(ev));
    }

    /// Starts writing everything to a recording. Started mid-session, the recording first
    /// says which endpoints are open already, so it replays with them.
    pub fn start_recording(&mut self, path: &Path) -> Result<(), String> {
        let mut recorder = Recorder::create(path)?;
        for (ep, v) in self.model.endpoints.iter().filter(|(_, v)| !v.closed) {
            let opened = Event::Opened {
                ep: *ep,
                label: v.label.clone(),
                style: v.style,
                local_addrs: v.local_addrs.clone(),
                config: v.config.clone(),
            };
            let mut events = vec![opened];
            if let Some(applied) = &v.applied {
                events.push(Event::OptionsApplied { ep: *ep, applied: applied.clone() });
            }
            for event in events {
                recorder.write(&RecordLine::Event(Stamped { t: self.model.now, event }))?;
            }
        }
        self.out.recording = Some(Recording { path: path.to_path_buf(), recorder });
        self.out.recording_error = None;
        Ok(())
    }

    /// Stops writing the recording; the file keeps every line written so far.
    pub fn stop_recording(&mut self) {
        self.out.recording = None;
    }

    /// Where the session is being recorded to.
    pub fn recording_path(&self) -> Option<&Path> {
        self.out.recording.as_ref().map(|r| r.path.as_path())
    }

    /// Why the recording stopped on its own, once.
    pub fn take_recording_error(&mut self) -> Option<String> {
        self.out.recording_error.take()
    }

    /// The setup so far, for "Save profile".
    pub fn setup(&self) -> &SetupLog {
        &self.out.setup
    }

    /// Opens a scenario (replacing one opened before); it runs as `advance_scenario` is called.
    pub fn open_scenario(&mut self, runner: Runner) {
        self.scenario = Some(runner);
        self.scenario_result = None;
    }

    /// The scenario opened last, running or ended.
    pub fn scenario(&self) -> Option<&Runner> {
        self.scenario.as_ref()
    }

    /// How the scenario ended: `Ok`, or why it failed; `None` while it runs or when none is open.
    pub fn scenario_result(&self) -> Option<&Result<(), String>> {
        self.scenario_result.as_ref()
    }

    /// Moves the open scenario on as far as it can without waiting: its commands go out as
    /// `send` sends (recorded, remembered for the profile), and each step that finished is
    /// written to the recording. Returns the progress and the steps this call finished;
    /// `None` when no scenario is open or it has ended.
    pub fn advance_scenario(&mut self) -> Option<(Progress, Vec<StepReport>)> {
        if self.scenario_result.is_some() {
            return None;
        }
        let runner = self.scenario.as_mut()?;
        let reported = runner.reports.len();
        let (out, model) = (&mut self.out, &self.model);
        let mut refused = Vec::new();
        let mut send = |command: Command| match out.send(model.now, command) {
            Ok(id) => Some(id),
            Err(not_sent) => {
                refused.push(not_sent);
                None
            }
        };
        let progress = runner.advance(model, std::time::Instant::now(), &mut send);
        let finished: Vec<StepReport> = runner.reports[reported..].to_vec();
        for warning in refused {
            self.model.warn(self.model.now, warning);
        }
        for r in &finished {
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
            self.out.record(&line);
        }
        match &progress {
            Progress::Running => {}
            Progress::Finished => self.scenario_result = Some(Ok(())),
            Progress::Failed(why) => self.scenario_result = Some(Err(why.clone())),
        }
        Some((progress, finished))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Style;
    use crate::scenario::Scenario;
    use crate::worker::EpId;

    /// A session with no worker (showing a recording) sends nothing: `send` says why in the
    /// log, and a scenario's first command fails its step at once instead of waiting 30 s
    /// for a reply that cannot come.
    #[test]
    fn without_a_worker_commands_are_refused_at_once() {
        let mut session = Session::with_worker(None);
        assert_eq!(session.send(Command::StopWatchingHost), None);
        let last = session.model.log.last().map(|e| e.text().to_string()).unwrap_or_default();
        assert!(last.ends_with("not sent — this session has no worker"), "{last}");

        let text = "name = \"s\"\n[[step]]\ndo = \"open\"\nendpoint = \"a\"\n";
        let scenario = Scenario::parse("s.toml", text).unwrap();
        session.open_scenario(Runner::new(scenario, PathBuf::from(".")));
        let (progress, finished) = session.advance_scenario().expect("a scenario is open");
        let why = "not sent: this session has no worker";
        assert_eq!(progress, Progress::Failed(format!("step 1 (open): {why}")));
        assert_eq!(finished.len(), 1);
        assert_eq!(session.scenario_result(), Some(&Err(format!("step 1 (open): {why}"))));
        assert!(session.advance_scenario().is_none(), "an ended scenario stays ended");
    }

    /// A budgeted pump takes what fits and leaves the rest, in order, for the next call.
    #[test]
    fn a_budgeted_pump_stops_at_its_budget_and_leaves_the_rest_in_order() {
        let (tx, rx) = crossbeam_channel::unbounded();
        for ms in 0..1000u64 {
            tx.send(Stamped { t: ms as f64, event: Event::SampleInterval { ms } }).unwrap();
        }
        let mut session = Session::live(WorkerHandle::over_events(rx));
        // No time at all: one chunk, then the clock says stop.
        assert_eq!(session.pump_for(Duration::ZERO), (PUMP_CHUNK, true));
        assert_eq!(session.model.sample_interval_ms, PUMP_CHUNK as u64 - 1);
        assert_eq!(session.pump_for(Duration::ZERO), (PUMP_CHUNK, true));
        assert_eq!(session.model.sample_interval_ms, 2 * PUMP_CHUNK as u64 - 1);
        // Time enough: the rest, and nothing is said to wait.
        assert_eq!(session.pump_for(Duration::from_secs(60)), (1000 - 2 * PUMP_CHUNK, false));
        assert_eq!(session.model.sample_interval_ms, 999);
        assert_eq!(session.pump_for(Duration::from_secs(60)), (0, false));
    }

    /// A recording started mid-session begins with the endpoints already open, so it
    /// replays with them; viewing it gives a session with no worker.
    #[test]
    fn a_recording_started_mid_session_replays_its_endpoints() {
        let mut session = Session::with_worker(None);
        let opened = Event::Opened {
            ep: EpId(3),
            label: "server".into(),
            style: Style::OneToMany,
            local_addrs: vec!["127.0.0.1:5000".parse().unwrap()],
            config: None,
        };
        session.model.apply(&Stamped { t: 1.0, event: opened });
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        session.start_recording(&path).unwrap();
        assert_eq!(session.recording_path(), Some(path.as_path()));
        session.stop_recording();
        let viewed = Session::view_recording(&path).unwrap();
        assert_eq!(viewed.viewing(), Some(path.as_path()));
        assert!(!viewed.is_live());
        assert_eq!(viewed.model.endpoints[&EpId(3)].label, "server");
    }
}
