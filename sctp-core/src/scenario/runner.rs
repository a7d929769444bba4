//! Runs a scenario against the worker, one step at a time, never blocking: the caller
//! feeds it every event (`observe`) and calls `advance` whenever something may have
//! changed. The headless runner loops on it; the window calls it once per frame.

use super::format::{MetricName, Scenario, ScopeName, Step};
use crate::lab::LabChange;
use crate::model::{AssocMetric, Model, PathMetric, describe_notification};
use crate::options::OptionValue;
use crate::worker::{Command, EpId, Event, Reply, Stamped};
use crate::{AssocId, EndpointConfig, Error, Notification, Scope, SendFlags, SendInfo};
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What one finished step did.
#[derive(Debug, Clone, PartialEq)]
pub struct StepReport {
    /// The step's 0-based position in the scenario.
    pub index: usize,
    /// The step's `do` value, e.g. `expect_event`.
    pub verb: &'static str,
    /// One line describing the step (see `summary`), for timelines.
    pub summary: String,
    /// When it finished, on the worker's clock: seconds, the latest event time seen by then.
    pub t: f64,
    /// `Ok`: what the step did (may be empty); `Err`: why it failed.
    pub outcome: Result<String, String>,
}

/// Where a run stands after `advance`.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// Steps remain: call `advance` again when an event arrived or time passed.
    Running,
    /// Every step passed.
    Finished,
    /// The run stopped: `step N (verb): why` for a failed step, or `build the lab: why`.
    Failed(String),
}

/// How to judge the worker's reply to a step's command.
enum Judge {
    Plain,
    Open(String),
    Connect { name: Option<String>, expect_error: Option<String> },
    Option { expect: Option<toml::Table>, expect_error: Option<String> },
    Send { expect_error: Option<String> },
    Peeloff(String),
}

enum Phase {
    Start,
    AwaitReply { request: u64, judge: Judge, deadline: Instant, limit: Duration },
    Poll { deadline: Instant, matched: u32 },
    Sleep { until: Instant },
}

/// Notifications and data kept for expectations (a ring; older ones fall off).
const HISTORY: usize = 20_000;

/// A scenario being run: the current step, the names its steps gave to endpoints and associations,
/// and the recent notifications and data that expectations are matched against.
pub struct Runner {
    /// The scenario being run.
    pub scenario: Scenario,
    base_dir: PathBuf,
    index: usize,
    phase: Phase,
    endpoints: HashMap<String, EpId>,
    assocs: HashMap<String, (EpId, AssocId)>,
    /// Recent notifications and data; `history_base` is the absolute index of the first.
    history: std::collections::VecDeque<Stamped>,
    history_base: usize,
    /// Per endpoint, the absolute history index after the last matched item.
    cursors: HashMap<EpId, usize>,
    /// The reply to the command the current step waits for, once it arrived.
    reply: Option<(u64, Result<Reply, Error>)>,
    /// The `BuildLab` request sent for a `lab = true` scenario.
    lab_request: Option<u64>,
    now: f64,
    /// The time `advance` was last called with: deadlines are measured from it.
    clock: Instant,
    /// One report per finished step, in order.
    pub reports: Vec<StepReport>,
    failure: Option<String>,
    capture: CaptureRequest,
}

/// A packet capture asked for with the run: not yet started, or the request that starts it.
enum CaptureRequest {
    None,
    Pending { path: PathBuf, max_bytes: u64 },
    Sent { request: u64 },
}

fn json(v: &impl serde::Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Whether `actual` has every field of `expected` with an equal value.
fn has_fields(actual: &Value, expected: &toml::Table) -> Result<(), String> {
    for (k, want) in expected {
        let want = json(want);
        match actual.get(k) {
            Some(got) if *got == want => {}
            Some(got) => return Err(format!("{k} is {got}, expected {want}")),
            None => return Err(format!("no field {k}")),
        }
    }
    Ok(())
}

/// The fields of a notification (its enum variant's body).
fn notification_fields(n: &Notification) -> Value {
    match json(n) {
        Value::Object(m) => m.into_iter().next().map(|(_, v)| v).unwrap_or(Value::Null),
        other => other,
    }
}

/// The option's fields as `expect` names them (a single-value option's is `value`).
fn option_fields(v: &OptionValue) -> Value {
    Value::Object(v.fields())
}

fn send_flags(names: &[String]) -> Result<SendFlags, String> {
    let mut f = SendFlags::default();
    for n in names {
        match n.as_str() {
            "unordered" => f.unordered = true,
            "addr_over" => f.addr_over = true,
            "eof" => f.eof = true,
            "abort" => f.abort = true,
            "sack_immediately" => f.sack_immediately = true,
            "sendall" => f.sendall = true,
            other => {
                return Err(format!(
                    "unknown send flag \"{other}\" (expected unordered, addr_over, eof, abort, sack_immediately, sendall)"
                ));
            }
        }
    }
    Ok(f)
}

fn hex(text: &str) -> Result<Vec<u8>, String> {
    crate::message::parse_hex(text).map_err(|e| format!("hex payload: {e}"))
}

impl Runner {
    /// `base_dir`: where relative payload files are found (the scenario's folder).
    pub fn new(scenario: Scenario, base_dir: PathBuf) -> Runner {
        Runner {
            scenario,
            base_dir,
            index: 0,
            phase: Phase::Start,
            endpoints: HashMap::new(),
            assocs: HashMap::new(),
            history: Default::default(),
            history_base: 0,
            cursors: HashMap::new(),
            reply: None,
            lab_request: None,
            now: 0.0,
            clock: Instant::now(),
            reports: Vec::new(),
            failure: None,
            capture: CaptureRequest::None,
        }
    }

    /// Captures the scenario's packets into a pcapng file at `path`: those of the lab's side
    /// A (`lab:a`, both paths; every packet between A and B passes there), or of the worker's
    /// own namespace without a lab. Starts before the first step; a capture that cannot start
    /// fails the run.
    pub fn capture_to(&mut self, path: PathBuf, max_bytes: u64) {
        self.capture = CaptureRequest::Pending { path, max_bytes };
    }

    /// The step that runs next (for a timeline view).
    pub fn current(&self) -> usize {
        self.index
    }

    /// Every event the worker emits goes through here.
    pub fn observe(&mut self, ev: &Stamped) {
        self.now = self.now.max(ev.t);
        match &ev.event {
            Event::Done { request, outcome, .. } => {
                if matches!(self.phase, Phase::AwaitReply { request: r, .. } if r == *request) {
                    self.reply = Some((*request, outcome.clone()));
                }
                if let (CaptureRequest::Sent { request: r }, Err(e)) = (&self.capture, outcome)
                    && r == request
                {
                    self.failure.get_or_insert_with(|| format!("start the packet capture: {e}"));
                }
                if let (Some(r), Err(e)) = (self.lab_request, outcome)
                    && r == *request
                {
                    self.failure.get_or_insert_with(|| format!("build the lab: {e}"));
                }
            }
            Event::Notification { .. } | Event::Data { .. } => {
                if self.history.len() == HISTORY {
                    self.history.pop_front();
                    self.history_base += 1;
                }
                self.history.push_back(ev.clone());
            }
            _ => {}
        }
    }

    fn within(&self, ms: Option<u64>) -> Instant {
        self.clock + Duration::from_millis(ms.unwrap_or(self.scenario.within_ms))
    }

    fn ep(&self, name: &str) -> Result<EpId, String> {
        self.endpoints.get(name).copied().ok_or_else(|| {
            let mut known: Vec<&str> = self.endpoints.keys().map(String::as_str).collect();
            known.sort();
            format!(
                "no endpoint named \"{name}\" (opened so far: {})",
                if known.is_empty() { "none".into() } else { known.join(", ") }
            )
        })
    }

    /// A named association, or the endpoint's only/first live one.
    fn assoc(&self, model: &Model, ep: EpId, name: Option<&str>) -> Result<AssocId, String> {
        if let Some(name) = name {
            return self.assocs.get(name).map(|(_, a)| *a).ok_or_else(|| format!("no association named \"{name}\""));
        }
        // The newest association the notifications say is up, else the first sampled one.
        let mut live: Vec<AssocId> = Vec::new();
        for s in &self.history {
            if let Event::Notification { ep: e, notification: Notification::AssocChange { assoc, state, .. } } =
                &s.event
                && *e == ep
            {
                live.retain(|a| a != assoc);
                if matches!(state, crate::AssocChangeState::CommUp | crate::AssocChangeState::Restart) {
                    live.push(*assoc);
                }
            }
        }
        let sampled = model.endpoints.get(&ep).and_then(|v| v.assocs.iter().find(|(_, a)| !a.gone).map(|(id, _)| *id));
        live.last()
            .copied()
            .or(sampled)
            .ok_or_else(|| "the endpoint has no association yet (name one with `as`)".to_string())
    }

    fn scope(&self, model: &Model, ep: EpId, assoc: Option<&str>, scope: &ScopeName) -> Result<Scope, String> {
        Ok(match (assoc, scope) {
            (Some(_), _) => Scope::Assoc(self.assoc(model, ep, assoc)?),
            (None, ScopeName::Future) => Scope::Future,
            (None, ScopeName::Current) => Scope::Current,
            (None, ScopeName::All) => Scope::All,
        })
    }

    fn needs_lab(&self) -> Result<(), String> {
        if self.scenario.lab { Ok(()) } else { Err("this step needs `lab = true` at the top of the scenario".into()) }
    }

    fn finish(&mut self, outcome: Result<String, String>) {
        let step = &self.scenario.steps[self.index];
        let report = StepReport { index: self.index, verb: step.verb(), summary: summary(step), t: self.now, outcome };
        if let Err(e) = &report.outcome {
            self.failure = Some(format!("step {} ({}): {e}", self.index + 1, report.verb));
        }
        self.reports.push(report);
        self.index += 1;
        self.phase = Phase::Start;
    }

    /// Moves the scenario on as far as it can without waiting, at `now` (every deadline
    /// and sleep is measured against it, so the judging is tested without waiting).
    pub fn advance(&mut self, model: &Model, now: Instant, send: &mut dyn FnMut(Command) -> Option<u64>) -> Progress {
        self.clock = now;
        loop {
            if let Some(f) = &self.failure {
                return Progress::Failed(f.clone());
            }
            if self.index >= self.scenario.steps.len() {
                return Progress::Finished;
            }
            match std::mem::replace(&mut self.phase, Phase::Start) {
                Phase::Start => {
                    // The lab is built by the worker, in its kernel. Commands run in order, so
                    // the steps after it find it there; a failed build fails the run at its reply.
                    if self.index == 0 && self.scenario.lab && self.lab_request.is_none() {
                        match send(Command::BuildLab) {
                            Some(request) => self.lab_request = Some(request),
                            None => return Progress::Failed("build the lab: no worker".into()),
                        }
                    }
                    if let CaptureRequest::Pending { path, max_bytes } =
                        std::mem::replace(&mut self.capture, CaptureRequest::None)
                    {
                        let netns = vec![self.scenario.lab.then(|| "lab:a".to_string())];
                        // The worker runs commands in order: the capture is on before the first step's.
                        match send(Command::StartCapture { path, netns, max_bytes }) {
                            Some(request) => self.capture = CaptureRequest::Sent { request },
                            None => return Progress::Failed("start the packet capture: no worker".into()),
                        }
                    }
                    match self.start(model, send) {
                        Ok(Some(phase)) => self.phase = phase,
                        Ok(None) => self.finish(Ok(String::new())),
                        Err(e) => self.finish(Err(e)),
                    }
                }
                Phase::AwaitReply { request, judge, deadline, limit } => {
                    match self.reply.take().filter(|(r, _)| *r == request) {
                        Some((_, outcome)) => {
                            let verdict = self.judge(judge, outcome);
                            self.finish(verdict);
                        }
                        None if now > deadline => {
                            self.finish(Err(format!("no reply from the worker within {} s", limit.as_secs())))
                        }
                        None => {
                            self.phase = Phase::AwaitReply { request, judge, deadline, limit };
                            return Progress::Running;
                        }
                    }
                }
                Phase::Poll { deadline, matched } => match self.poll(model, matched) {
                    Ok(PollResult::Done(text)) => self.finish(Ok(text)),
                    Ok(PollResult::Partial(m)) if now <= deadline => {
                        self.phase = Phase::Poll { deadline, matched: m };
                        return Progress::Running;
                    }
                    Ok(PollResult::Partial(m)) => {
                        let why = self.unmet(model, m);
                        self.finish(Err(why));
                    }
                    Err(e) => self.finish(Err(e)),
                },
                Phase::Sleep { until } => {
                    if now >= until {
                        self.finish(Ok(String::new()));
                    } else {
                        self.phase = Phase::Sleep { until };
                        return Progress::Running;
                    }
                }
            }
        }
    }

    /// Starts the current step: sends its command or sets up its wait. `None` = done already.
    fn start(&mut self, model: &Model, send: &mut dyn FnMut(Command) -> Option<u64>) -> Result<Option<Phase>, String> {
        let step = self.scenario.steps[self.index].clone();
        // How long a command's reply may take: its own time limit or duration, plus a margin.
        let limit = match &step {
            Step::Connect { wait: true, .. } => {
                Duration::from_millis(self.scenario.within_ms) + Duration::from_secs(10)
            }
            Step::Send { count, interval_ms, .. } => {
                Duration::from_millis(u64::from(*count) * u64::from(*interval_ms)) + Duration::from_secs(30)
            }
            _ => Duration::from_secs(30),
        };
        // `None`: nothing can carry the command (a session showing a recording has no worker).
        let reply = |request: Option<u64>, judge: Judge| match request {
            Some(request) => Ok(Phase::AwaitReply { request, judge, limit, deadline: self.clock + limit }),
            None => Err("not sent: this session has no worker".to_string()),
        };
        let phase = match step {
            Step::Open { endpoint, family, style, addrs, port, netns, options } => {
                if self.endpoints.contains_key(&endpoint) {
                    return Err(format!("an endpoint named \"{endpoint}\" is already open"));
                }
                if netns.as_deref().is_some_and(|n| n.starts_with("lab:")) {
                    self.needs_lab()?;
                }
                let config = EndpointConfig { family, style, addrs, port, netns, options };
                reply(send(Command::Open { label: endpoint.clone(), config }), Judge::Open(endpoint))?
            }
            Step::Listen { endpoint, backlog } => {
                reply(send(Command::Listen { ep: self.ep(&endpoint)?, backlog }), Judge::Plain)?
            }
            Step::Bindx { endpoint, add, remove } => {
                let ep = self.ep(&endpoint)?;
                let command = match (add.is_empty(), remove.is_empty()) {
                    (false, true) => Command::BindxAdd { ep, addrs: add },
                    (true, false) => Command::BindxRemove { ep, addrs: remove },
                    _ => return Err("bindx takes either `add` or `remove` addresses".into()),
                };
                reply(send(command), Judge::Plain)?
            }
            Step::Connect { endpoint, to, name, ostreams, instreams, wait, expect_error } => {
                let ep = self.ep(&endpoint)?;
                let init = (ostreams.is_some() || instreams.is_some()).then(|| crate::options::InitMsg {
                    // 0 = leave as is.
                    num_ostreams: ostreams.unwrap_or(0),
                    max_instreams: instreams.unwrap_or(0),
                    ..Default::default()
                });
                let timeout_ms = wait.then_some(self.scenario.within_ms);
                reply(
                    send(Command::Connect { ep, addrs: to, init, timeout_ms }),
                    Judge::Connect { name, expect_error },
                )?
            }
            Step::SetOption { endpoint, assoc, scope, value, expect, expect_error } => {
                let ep = self.ep(&endpoint)?;
                let scope = self.scope(model, ep, assoc.as_deref(), &scope)?;
                reply(send(Command::SetOption { ep, scope, value }), Judge::Option { expect, expect_error })?
            }
            Step::GetOption { endpoint, assoc, scope, option, value, expect } => {
                let ep = self.ep(&endpoint)?;
                let scope = self.scope(model, ep, assoc.as_deref(), &scope)?;
                let template = match value {
                    None => option.default_value(),
                    Some(fields) => {
                        let v = serde_json::json!({ "option": option.as_str(), "value": json(&fields) });
                        serde_json::from_value(v).map_err(|e| format!("{} request fields: {e}", option.as_str()))?
                    }
                };
                reply(send(Command::GetOption { ep, scope, template }), Judge::Option { expect, expect_error: None })?
            }
            Step::Send {
                endpoint,
                assoc,
                stream,
                ppid,
                flags,
                context,
                ttl_ms,
                pr_policy,
                pr_value,
                to,
                text,
                hex: hex_text,
                file,
                count,
                interval_ms,
                expect_error,
            } => {
                let ep = self.ep(&endpoint)?;
                let payload = match (text, hex_text, file) {
                    (Some(t), None, None) => t.into_bytes(),
                    (None, Some(h), None) => hex(&h)?,
                    (None, None, Some(f)) => {
                        let path = crate::files::inside(&self.base_dir, &f)?;
                        crate::files::read_capped(&path, crate::files::MAX_PAYLOAD, "payload file")?
                    }
                    (None, None, None) => Vec::new(),
                    _ => return Err("give one of text, hex or file".into()),
                };
                let flags = send_flags(&flags)?;
                // No name: the newest association, or none yet (an implicit one via `to`).
                let assoc = match assoc.as_deref() {
                    Some(name) => self.assoc(model, ep, Some(name))?,
                    None => self.assoc(model, ep, None).unwrap_or_default(),
                };
                let info = SendInfo {
                    assoc,
                    stream,
                    ppid,
                    flags,
                    context,
                    time_to_live_ms: ttl_ms,
                    pr_policy,
                    pr_value,
                    dest: to,
                };
                reply(send(Command::Send { ep, info, payload, count, interval_ms }), Judge::Send { expect_error })?
            }
            Step::Eof { endpoint, assoc } => {
                let ep = self.ep(&endpoint)?;
                let assoc = self.assoc(model, ep, assoc.as_deref())?;
                reply(send(Command::Eof { ep, assoc }), Judge::Plain)?
            }
            Step::Reconfigure { endpoint, assoc, request } => {
                let ep = self.ep(&endpoint)?;
                let assoc = self.assoc(model, ep, assoc.as_deref())?;
                reply(send(Command::Reconfigure { ep, assoc, request }), Judge::Plain)?
            }
            Step::Abort { endpoint, assoc, reason } => {
                let ep = self.ep(&endpoint)?;
                let assoc = self.assoc(model, ep, assoc.as_deref())?;
                reply(send(Command::Abort { ep, assoc, reason }), Judge::Plain)?
            }
            Step::Peeloff { endpoint, assoc, name } => {
                let ep = self.ep(&endpoint)?;
                let assoc = self.assoc(model, ep, assoc.as_deref())?;
                reply(send(Command::Peeloff { ep, assoc }), Judge::Peeloff(name))?
            }
            Step::Close { endpoint } => {
                let ep = self.ep(&endpoint)?;
                self.endpoints.remove(&endpoint);
                reply(send(Command::Close { ep }), Judge::Plain)?
            }
            Step::ExpectEvent { endpoint, within_ms, .. } | Step::ExpectData { endpoint, within_ms, .. } => {
                self.ep(&endpoint)?;
                Phase::Poll { deadline: self.within(within_ms), matched: 0 }
            }
            Step::ExpectMetric { endpoint, within_ms, .. } => {
                self.ep(&endpoint)?;
                Phase::Poll { deadline: self.within(within_ms), matched: 0 }
            }
            Step::Sleep { ms } => Phase::Sleep { until: self.clock + Duration::from_millis(ms) },
            Step::Netem { path, spec, side } => {
                self.needs_lab()?;
                reply(send(Command::Lab { change: LabChange::Netem { side, path, spec } }), Judge::Plain)?
            }
            Step::Link { path, up } => {
                self.needs_lab()?;
                reply(send(Command::Lab { change: LabChange::Link { path, up } }), Judge::Plain)?
            }
        };
        Ok(Some(phase))
    }

    fn judge(&mut self, judge: Judge, outcome: Result<Reply, Error>) -> Result<String, String> {
        let expected_failure =
            |expect_error: &Option<String>, outcome: &Result<Reply, Error>| match (expect_error, outcome) {
                (Some(want), Err(e)) if e.to_string().contains(want.as_str()) => {
                    Some(Ok(format!("failed as expected: {e}")))
                }
                (Some(want), Err(e)) => Some(Err(format!("expected an error containing \"{want}\", got: {e}"))),
                (Some(want), Ok(r)) => {
                    Some(Err(format!("expected an error containing \"{want}\", but it succeeded: {r:?}")))
                }
                (None, _) => None,
            };
        match judge {
            Judge::Plain => outcome.map(|_| String::new()).map_err(|e| e.to_string()),
            Judge::Open(name) | Judge::Peeloff(name) => match outcome {
                Ok(Reply::Endpoint { ep }) => {
                    self.endpoints.insert(name, ep);
                    Ok(format!("ep{}", ep.0))
                }
                Ok(other) => Err(format!("unexpected reply {other:?}")),
                Err(e) => Err(e.to_string()),
            },
            Judge::Connect { name, expect_error } => {
                if let Some(v) = expected_failure(&expect_error, &outcome) {
                    return v;
                }
                match outcome {
                    Ok(Reply::Assoc { assoc }) => {
                        if let Some(n) = name {
                            let ep = self.endpoint_of_current_step()?;
                            self.assocs.insert(n, (ep, assoc));
                        }
                        Ok(format!("association {}", assoc.0))
                    }
                    Ok(other) => Err(format!("unexpected reply {other:?}")),
                    Err(e) => Err(e.to_string()),
                }
            }
            Judge::Option { expect, expect_error } => {
                if let Some(v) = expected_failure(&expect_error, &outcome) {
                    return v;
                }
                match outcome {
                    Ok(Reply::Option { value }) => {
                        let fields = option_fields(&value);
                        if let Some(want) = &expect {
                            has_fields(&fields, want).map_err(|e| format!("kernel read back {fields}: {e}"))?;
                        }
                        Ok(format!("kernel: {fields}"))
                    }
                    Ok(Reply::Done) => Ok(String::new()),
                    Ok(other) => Err(format!("unexpected reply {other:?}")),
                    Err(e) => Err(e.to_string()),
                }
            }
            Judge::Send { expect_error } => {
                if let Some(v) = expected_failure(&expect_error, &outcome) {
                    return v;
                }
                match outcome {
                    Ok(Reply::Sent { messages, bytes }) => Ok(format!("{messages} messages, {bytes} bytes")),
                    Ok(other) => Err(format!("unexpected reply {other:?}")),
                    Err(e) => Err(e.to_string()),
                }
            }
        }
    }

    fn endpoint_of_current_step(&self) -> Result<EpId, String> {
        match &self.scenario.steps[self.index] {
            Step::Connect { endpoint, .. } => self.ep(endpoint),
            _ => Err("internal: not a connect step".into()),
        }
    }

    /// The events on `ep` not yet used by an expectation, with their absolute indices.
    fn unseen(&self, ep: EpId) -> impl Iterator<Item = (usize, &Stamped)> {
        let base = self.history_base;
        let from = self.cursors.get(&ep).copied().unwrap_or(0).max(base);
        self.history.iter().enumerate().skip(from - base).map(move |(i, s)| (i + base, s)).filter(
            move |(_, s)| match &s.event {
                Event::Notification { ep: e, .. } | Event::Data { ep: e, .. } => *e == ep,
                _ => false,
            },
        )
    }

    fn poll(&mut self, model: &Model, matched: u32) -> Result<PollResult, String> {
        let step = self.scenario.steps[self.index].clone();
        match step {
            Step::ExpectEvent { endpoint, kind, fields, name, .. } => {
                let ep = self.ep(&endpoint)?;
                let found = self.unseen(ep).find_map(|(i, s)| match &s.event {
                    Event::Notification { notification, .. }
                        if notification.kind() == Some(kind)
                            && has_fields(&notification_fields(notification), &fields).is_ok() =>
                    {
                        Some((i, notification.clone()))
                    }
                    _ => None,
                });
                Ok(match found {
                    Some((i, n)) => {
                        self.cursors.insert(ep, i + 1);
                        if let (Some(name), Some(assoc)) = (name, n.assoc()) {
                            self.assocs.insert(name, (ep, assoc));
                        }
                        PollResult::Done(describe_notification(&n))
                    }
                    None => PollResult::Partial(0),
                })
            }
            Step::ExpectData { endpoint, stream, ppid, text, hex: hex_text, count, name, .. } => {
                let ep = self.ep(&endpoint)?;
                let want_payload = match (text, hex_text) {
                    (Some(t), _) => Some(t.into_bytes()),
                    (None, Some(h)) => Some(hex(&h)?),
                    (None, None) => None,
                };
                let mut m = matched;
                let mut last = None;
                let mut cursor = None;
                for (i, s) in self.unseen(ep) {
                    let Event::Data { info, len, head, digest, .. } = &s.event else { continue };
                    // The event keeps the first bytes; the digest stands for the rest.
                    let ok = stream.is_none_or(|st| info.is_some_and(|x| x.stream == st))
                        && ppid.is_none_or(|p| info.is_some_and(|x| x.ppid == p))
                        && want_payload.as_ref().is_none_or(|w| {
                            *len == w.len()
                                && head[..] == w[..head.len().min(w.len())]
                                && (w.len() <= head.len() || *digest == crate::message::payload_digest(w))
                        });
                    if ok {
                        m += 1;
                        last = *info;
                        cursor = Some(i + 1);
                        if m >= count {
                            break;
                        }
                    }
                }
                if let Some(c) = cursor {
                    self.cursors.insert(ep, c);
                }
                if let (Some(name), Some(info)) = (&name, last) {
                    self.assocs.insert(name.clone(), (ep, info.assoc));
                }
                Ok(if m >= count { PollResult::Done(format!("{m} message(s)")) } else { PollResult::Partial(m) })
            }
            Step::ExpectMetric { endpoint, assoc, path, metric, above, below, equals, .. } => {
                let ep = self.ep(&endpoint)?;
                let Ok(assoc) = self.assoc(model, ep, assoc.as_deref()) else { return Ok(PollResult::Partial(0)) };
                let value = metric_value(model, ep, assoc, path, metric)?;
                let Some(v) = value else { return Ok(PollResult::Partial(0)) };
                let ok = match (&equals, above, below) {
                    (Some(e), _, _) => v.text == *e,
                    (None, a, b) => a.is_none_or(|a| v.number > a) && b.is_none_or(|b| v.number < b),
                };
                Ok(if ok { PollResult::Done(format!("{metric} = {}", v.text)) } else { PollResult::Partial(0) })
            }
            _ => Err("internal: not an expectation".into()),
        }
    }

    /// Says what an expectation wanted and what happened instead.
    fn unmet(&self, model: &Model, matched: u32) -> String {
        let step = &self.scenario.steps[self.index];
        let seen = |ep_name: &str| -> String {
            let Ok(ep) = self.ep(ep_name) else { return String::new() };
            let items: Vec<String> = self
                .unseen(ep)
                .map(|(_, s)| match &s.event {
                    Event::Notification { notification, .. } => describe_notification(notification),
                    Event::Data { info, len, .. } => {
                        format!(
                            "data {len} B stream {} ppid {}",
                            info.map_or(0, |i| i.stream),
                            info.map_or(0, |i| i.ppid)
                        )
                    }
                    _ => String::new(),
                })
                .collect();
            if items.is_empty() {
                "nothing arrived".into()
            } else {
                let n = items.len();
                let shown = items.into_iter().rev().take(6).collect::<Vec<_>>().join("; ");
                format!("{n} other event(s) arrived, latest: {shown}")
            }
        };
        match step {
            Step::ExpectEvent { endpoint, kind, fields, within_ms, .. } => format!(
                "expected {} {} on {endpoint} within {} ms; {}",
                kind.name(),
                json(fields),
                within_ms.unwrap_or(self.scenario.within_ms),
                seen(endpoint)
            ),
            Step::ExpectData { endpoint, count, within_ms, .. } => format!(
                "expected {count} matching message(s) on {endpoint} within {} ms, got {matched}; {}",
                within_ms.unwrap_or(self.scenario.within_ms),
                seen(endpoint)
            ),
            Step::ExpectMetric { endpoint, assoc, path, metric, above, below, equals, within_ms } => {
                let now = self
                    .ep(endpoint)
                    .ok()
                    .and_then(|ep| self.assoc(model, ep, assoc.as_deref()).ok().map(|a| (ep, a)))
                    .and_then(|(ep, a)| metric_value(model, ep, a, *path, *metric).ok().flatten())
                    .map_or("no sample".to_string(), |v| v.text);
                let cond = match (equals, above, below) {
                    (Some(e), _, _) => format!("= {e}"),
                    (None, a, b) => [a.map(|a| format!("> {a}")), b.map(|b| format!("< {b}"))]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" and "),
                };
                let on = path.map(|p| format!(" of path {p}")).unwrap_or_default();
                format!(
                    "expected {metric}{on} {cond} within {} ms; last value: {now}",
                    within_ms.unwrap_or(self.scenario.within_ms)
                )
            }
            _ => "expectation not met".into(),
        }
    }
}

enum PollResult {
    Done(String),
    Partial(u32),
}

struct MetricValue {
    number: f64,
    text: String,
}

fn metric_value(
    model: &Model,
    ep: EpId,
    assoc: AssocId,
    path: Option<std::net::SocketAddr>,
    metric: MetricName,
) -> Result<Option<MetricValue>, String> {
    let Some(a) = model.endpoints.get(&ep).and_then(|v| v.assocs.get(&assoc)) else { return Ok(None) };
    let num = |v: f64| Some(MetricValue { number: v, text: format!("{v}") });
    Ok(match (metric, path) {
        (MetricName::Path(m), Some(addr)) => {
            let Some(p) = a.paths.iter().find(|p| p.addr == Some(addr)) else { return Ok(None) };
            match m {
                PathMetric::Cwnd => num(f64::from(p.cwnd)),
                PathMetric::SrttMs => num(p.srtt_ms),
                PathMetric::RtoMs => num(f64::from(p.rto_ms)),
                PathMetric::Mtu => num(f64::from(p.mtu)),
                PathMetric::State => Some(MetricValue { number: p.state.level(), text: p.state.name().into() }),
            }
        }
        (MetricName::Assoc(m), None) => {
            let Some(s) = a.status else { return Ok(None) };
            match m {
                AssocMetric::Rwnd => num(f64::from(s.rwnd)),
                AssocMetric::Unacked => num(f64::from(s.unacked)),
                AssocMetric::Pending => num(f64::from(s.pending)),
                other => return Err(format!("{other:?} is not a metric scenarios can expect")),
            }
        }
        (MetricName::Path(_), None) => return Err(format!("{metric} is a path metric: it needs `path`")),
        (MetricName::Assoc(_), Some(_)) => return Err(format!("{metric} is an association metric: leave out `path`")),
    })
}

/// One line describing a step, for timelines.
pub fn summary(step: &Step) -> String {
    let addrs = |a: &[std::net::SocketAddr]| a.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    match step {
        Step::Open { endpoint, style, addrs: a, port, netns, .. } => format!(
            "open {endpoint} {style:?} [{}] port {port}{}",
            a.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
            netns.as_ref().map(|n| format!(" in {n}")).unwrap_or_default()
        ),
        Step::Listen { endpoint, backlog } => format!("listen {endpoint} (backlog {backlog})"),
        Step::Bindx { endpoint, add, remove } => format!("bindx {endpoint} +[{}] -[{}]", addrs(add), addrs(remove)),
        Step::Connect { endpoint, to, wait, .. } => {
            format!("{} {endpoint} -> {}", if *wait { "connect" } else { "connect_init" }, addrs(to))
        }
        Step::SetOption { endpoint, value, .. } => {
            format!(
                "set {} on {endpoint} to {}",
                value.name(),
                json(value).get("value").cloned().unwrap_or(Value::Null)
            )
        }
        Step::GetOption { endpoint, option, .. } => format!("get {} on {endpoint}", option.as_str()),
        Step::Send { endpoint, stream, ppid, count, .. } => {
            format!(
                "send from {endpoint} on stream {stream} ppid {ppid}{}",
                if *count > 1 { format!(" ×{count}") } else { String::new() }
            )
        }
        Step::ExpectEvent { endpoint, kind, fields, .. } => {
            format!("expect {} {} on {endpoint}", kind.name(), json(fields))
        }
        Step::ExpectData { endpoint, stream, ppid, count, .. } => format!(
            "expect {count} message(s) on {endpoint}{}{}",
            stream.map(|s| format!(" stream {s}")).unwrap_or_default(),
            ppid.map(|p| format!(" ppid {p}")).unwrap_or_default()
        ),
        Step::ExpectMetric { endpoint, path, metric, .. } => {
            format!("expect {metric}{} on {endpoint}", path.map(|p| format!(" of {p}")).unwrap_or_default())
        }
        Step::Sleep { ms } => format!("sleep {ms} ms"),
        Step::Eof { endpoint, .. } => format!("eof {endpoint}"),
        Step::Reconfigure { endpoint, request, .. } => format!("{} on {endpoint}", request.describe()),
        Step::Abort { endpoint, .. } => format!("abort {endpoint}"),
        Step::Peeloff { endpoint, name, .. } => format!("peeloff from {endpoint} as {name}"),
        Step::Close { endpoint } => format!("close {endpoint}"),
        Step::Netem { path, spec, side: crate::lab::Side::A } => format!("netem path {path}: {spec}"),
        Step::Netem { path, spec, side: crate::lab::Side::B } => format!("netem path {path} (B's side): {spec}"),
        Step::Link { path, up } => format!("link {path} {}", if *up { "up" } else { "down" }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notification::AssocChangeState;

    fn runner(steps: &str) -> Runner {
        let text = format!("name = \"t\"\nwithin_ms = 1000\n{steps}");
        Runner::new(Scenario::parse("t.toml", &text).unwrap(), PathBuf::from("."))
    }

    const OPEN: &str = "[[step]]\ndo = \"open\"\nendpoint = \"a\"\n";

    /// Hands out request ids 1, 2, … and keeps what was sent.
    fn worker(sent: &mut Vec<Command>) -> impl FnMut(Command) -> Option<u64> + '_ {
        move |c| {
            sent.push(c);
            Some(sent.len() as u64)
        }
    }

    fn done(request: u64, outcome: std::result::Result<Reply, Error>) -> Stamped {
        Stamped { t: 0.0, event: Event::Done { request, ep: None, option: None, command: String::new(), outcome } }
    }

    fn assoc_change(t: f64, state: AssocChangeState) -> Stamped {
        let notification = Notification::AssocChange {
            assoc: AssocId(7),
            state,
            error: 0,
            outbound_streams: 1,
            inbound_streams: 1,
            info: vec![],
        };
        Stamped { t, event: Event::Notification { ep: EpId(4), notification } }
    }

    #[test]
    fn a_command_step_fails_when_no_reply_comes_in_time() {
        let (model, t0) = (Model::default(), Instant::now());
        let mut r = runner(OPEN);
        let mut sent = Vec::new();
        assert_eq!(r.advance(&model, t0, &mut worker(&mut sent)), Progress::Running);
        assert_eq!(sent.len(), 1);
        let later = t0 + Duration::from_secs(29);
        assert_eq!(r.advance(&model, later, &mut worker(&mut sent)), Progress::Running);
        let too_late = t0 + Duration::from_secs(31);
        let why = "step 1 (open): no reply from the worker within 30 s".to_string();
        assert_eq!(r.advance(&model, too_late, &mut worker(&mut sent)), Progress::Failed(why));
        assert_eq!(sent.len(), 1, "nothing sent twice");
    }

    #[test]
    fn a_reply_ends_the_step_and_later_steps_use_what_it_named() {
        let (model, t0) = (Model::default(), Instant::now());
        let mut r = runner(&format!("{OPEN}[[step]]\ndo = \"listen\"\nendpoint = \"a\"\nbacklog = 3\n"));
        let mut sent = Vec::new();
        r.advance(&model, t0, &mut worker(&mut sent));
        r.observe(&done(1, Ok(Reply::Endpoint { ep: EpId(4) })));
        assert_eq!(r.advance(&model, t0, &mut worker(&mut sent)), Progress::Running);
        assert_eq!(sent[1], Command::Listen { ep: EpId(4), backlog: 3 });
        r.observe(&done(2, Ok(Reply::Done)));
        assert_eq!(r.advance(&model, t0, &mut worker(&mut sent)), Progress::Finished);
        assert_eq!(r.reports.iter().map(|s| s.outcome.is_ok()).collect::<Vec<_>>(), vec![true, true]);
    }

    /// An expectation matches by kind and fields; when time runs out it says what it
    /// wanted and what came instead.
    #[test]
    fn an_expected_event_is_matched_by_kind_and_fields_or_explained() {
        let (model, t0) = (Model::default(), Instant::now());
        let expect = "[[step]]\ndo = \"expect_event\"\nendpoint = \"a\"\nkind = \"assoc_change\"\nfields = { state = \"CommLost\" }\n";
        for (arrives, verdict) in [(AssocChangeState::CommLost, true), (AssocChangeState::CommUp, false)] {
            let mut r = runner(&format!("{OPEN}{expect}"));
            let mut sent = Vec::new();
            r.advance(&model, t0, &mut worker(&mut sent));
            r.observe(&done(1, Ok(Reply::Endpoint { ep: EpId(4) })));
            assert_eq!(r.advance(&model, t0, &mut worker(&mut sent)), Progress::Running);
            r.observe(&assoc_change(0.5, arrives));
            let progress = r.advance(&model, t0 + Duration::from_millis(1500), &mut worker(&mut sent));
            if verdict {
                assert_eq!(progress, Progress::Finished);
            } else {
                let Progress::Failed(why) = progress else { panic!("{progress:?}") };
                assert!(why.contains("expected assoc_change {\"state\":\"CommLost\"} on a within 1000 ms"), "{why}");
                assert!(why.contains("ASSOC_CHANGE CommUp"), "{why}");
            }
        }
    }

    #[test]
    fn a_sleep_ends_when_its_time_has_passed() {
        let (model, t0) = (Model::default(), Instant::now());
        let mut r = runner("[[step]]\ndo = \"sleep\"\nms = 500\n");
        let mut sent = Vec::new();
        assert_eq!(r.advance(&model, t0, &mut worker(&mut sent)), Progress::Running);
        let early = t0 + Duration::from_millis(499);
        assert_eq!(r.advance(&model, early, &mut worker(&mut sent)), Progress::Running);
        let time = t0 + Duration::from_millis(500);
        assert_eq!(r.advance(&model, time, &mut worker(&mut sent)), Progress::Finished);
        assert!(sent.is_empty());
    }
}
