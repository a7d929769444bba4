//! The worker thread's loop: poll(2) on every socket and the wake eventfd, run commands,
//! read messages and notifications, pace bursts, and sample every association.

use super::Waker;
use super::bursts::{Burst, Bursts, SendResult};
use super::connects::Connects;
use super::dump_sampler::DumpSampler;
use super::method_choice::{Method, MethodChoice, Naming};
use super::protocol::*;
use super::queue::EventQueue;
use super::sampler::{Sample, Sampler};
use super::warning::Warning;
use crate::endpoint::{Endpoint, EndpointConfig, Style};
use crate::error::{Error, Result};
use crate::hz::KernelHz;
use crate::message::Received;
use crate::notification::{AssocChangeState, Notification, PeerAddrState};
use crate::options::{OptionValue, PeerAddrParams};
use crate::{AssocId, Scope, sys};
use crossbeam_channel::{Receiver, Sender, TryRecvError};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Messages read from one socket per loop turn, so one busy socket cannot starve others.
const READS_PER_TURN: usize = 256;
/// How long bursts may send in one loop turn, so commands, reads and samples go on
/// meanwhile. The send buffer usually pushes back (EAGAIN) well before; a shorter cap
/// measurably slows bursts (each break leaves a partly filled send queue waiting).
const SEND_TIME_PER_TURN: Duration = Duration::from_millis(200);
/// Send calls (each up to `bursts::SEND_BATCH` messages) between two looks at the clock
/// in a burst turn.
const CLOCK_EVERY_SENDS: u32 = 4;

struct Slot {
    ep: Endpoint,
    label: String,
    /// A listening one-to-one endpoint: readable means "accept".
    accepting: bool,
    /// Accepting failed (EMFILE, ENFILE, ENOBUFS…): not polled until then, so a full fd
    /// table is not a busy loop of failing accepts and warnings.
    accept_paused: Option<AcceptPause>,
    /// Associations seen in the last sample (to report the ones that go away).
    assocs: BTreeSet<AssocId>,
    sampler: Sampler,
    /// Made by peeloff: a one-association socket of the one-to-many kind, which reads no
    /// end of stream when its association ends (closed on the ending notification instead).
    peeled: bool,
}

/// Why and until when a listener is not accepting.
struct AcceptPause {
    until: Instant,
    backoff: Duration,
    /// Accepts refused in this episode (said when it ends).
    refused: u64,
}

/// The first pause after a failed accept; it doubles while accepts keep failing.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(250);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(8);
/// The most endpoints the worker holds; past it, listeners stop accepting (and say so).
const MAX_ENDPOINTS: usize = 50_000;

/// The share of a core sampling the worker's own associations may take by default.
const DEFAULT_SAMPLE_SHARE: u8 = 25;
/// How long to wait before opening a failed dump source again.
const DUMP_RETRY: Duration = Duration::from_secs(10);
/// How often a running capture's packet summaries are passed on: often enough that a
/// chunk timeline keeps up with the plots, seldom enough that a busy path makes few events.
const CAPTURE_DRAIN: Duration = Duration::from_millis(100);

/// A namespace's dump sampler, or why there is none (and when to try again).
type DumpSource = std::result::Result<DumpSampler, (String, Instant)>;

/// Associations by owner and id.
type Named = HashSet<(EpId, AssocId)>;

/// How one namespace's associations are sampled: its dump, and which way measured cheaper.
struct NsSampling {
    dump: DumpSource,
    choice: MethodChoice,
    /// The associations the last dump tick named: both verification tags in the entry (an
    /// entry seen before the handshake ended has no peer tag yet).
    named: Named,
}

/// The host view's sampler and its schedule.
struct HostWatch {
    sampler: crate::diag::reader::HostSampler,
    asked: Duration,
    every: Duration,
    max_share: f64,
    next: Instant,
}

impl HostWatch {
    /// The next period: as asked, unless the last snapshot cost more than `max_share` of it.
    fn reschedule(&mut self, cost: Duration, now: Instant) {
        self.every = schedule_within_share(self.asked, cost, self.max_share);
        self.next = now + self.every;
    }
}

/// The sampling period that keeps `cost` within `max_share` of a core: `asked`, or longer.
pub(crate) fn schedule_within_share(asked: Duration, cost: Duration, max_share: f64) -> Duration {
    let floor = cost.div_f64(max_share.clamp(0.01, 1.0));
    asked.max(floor)
}

pub(super) struct Engine {
    commands: Receiver<Request>,
    events: EventQueue,
    wake: Arc<OwnedFd>,
    waker: Waker,
    start: Instant,
    slots: BTreeMap<EpId, Slot>,
    next_ep: u32,
    bursts: Bursts,
    connects: Connects,
    sample_every: Duration,
    next_sample: Instant,
    /// Percent of a core sampling may take.
    sample_share: u8,
    /// One dump sampler per network namespace the worker's endpoints live in.
    dumps: BTreeMap<Option<String>, NsSampling>,
    /// What `Event::Sampling` said last.
    sampling_said: Option<Event>,
    host: Option<HostWatch>,
    /// The running packet capture.
    capture: Option<crate::capture::Capture>,
    /// The capture counters `Event::CaptureStats` said last.
    capture_said: Option<crate::capture::CaptureStats>,
    next_capture_drain: Instant,
    /// The two-path lab, once built (`Command::BuildLab`); its namespaces go with it.
    lab: Option<crate::lab::Lab>,
    /// Where capture files' bytes go when the file is on the driver's side of a line.
    capture_stream: Option<Sender<Vec<u8>>>,
    /// The time given to the events of one batch of received messages (see `service`).
    batch_t: Option<f64>,
}

impl Engine {
    pub(super) fn new(
        commands: Receiver<Request>,
        events: Sender<Stamped>,
        wake: Arc<OwnedFd>,
        waker: Waker,
        sample_every: Duration,
        capture_stream: Option<Sender<Vec<u8>>>,
    ) -> Self {
        let start = Instant::now();
        Engine {
            commands,
            events: EventQueue::new(events),
            wake,
            waker,
            start,
            slots: BTreeMap::new(),
            next_ep: 1,
            bursts: Bursts::default(),
            connects: Connects::default(),
            sample_every,
            next_sample: start,
            sample_share: DEFAULT_SAMPLE_SHARE,
            dumps: BTreeMap::new(),
            sampling_said: None,
            host: None,
            capture: None,
            capture_said: None,
            next_capture_drain: start,
            lab: None,
            capture_stream,
            batch_t: None,
        }
    }

    fn emit(&mut self, event: Event) {
        let t = self.batch_t.unwrap_or_else(|| self.start.elapsed().as_secs_f64());
        match &event {
            Event::Warning(w) => tracing::warn!(t, "{w}"),
            Event::Done { request, command, outcome: Err(e), .. } => tracing::info!(t, request, "{command}: {e}"),
            Event::Done { request, command, .. } => tracing::debug!(t, request, "{command}: ok"),
            Event::Notification { ep, notification } => tracing::debug!(t, ep = ep.0, "{notification:?}"),
            _ => tracing::trace!(t, "{event:?}"),
        }
        // False only when the handle is dropped; the closed command channel stops us next.
        let _ = self.events.push(Stamped { t, event });
    }

    pub(super) fn run(mut self) {
        let kernel_sctp = crate::kernel_sctp_available();
        self.emit(Event::Hello {
            hz: KernelHz::get(),
            kernel_sctp,
            sample_interval_ms: self.sample_every.as_millis() as u64,
            kernel: Some(crate::kernel_facts::KernelFacts::read()),
        });
        loop {
            let fds = self.poll();
            if !self.take_commands() {
                return;
            }
            for (ep, revents) in fds {
                if revents & libc::POLLOUT != 0 {
                    self.bursts.unblock(ep);
                }
                if revents & !libc::POLLOUT != 0 {
                    self.service(ep);
                }
            }
            self.run_bursts();
            // One clock reading for the timers of this turn (a syscall in User-Mode Linux).
            let now = Instant::now();
            self.check_connects(now);
            if now >= self.next_sample {
                self.sample_all();
            }
            if self.host.as_ref().is_some_and(|h| now >= h.next) {
                self.sample_host();
            }
            if self.capture.is_some() && now >= self.next_capture_drain {
                self.drain_capture();
            }
            let _ = self.events.flush();
            // Whatever reached the channel this turn, fresh or from the backlog.
            if self.events.take_sent() {
                (self.waker)();
            }
        }
    }

    /// Waits for the wake eventfd, any socket, or the next timer; returns which sockets
    /// are ready.
    fn poll(&mut self) -> Vec<(EpId, i16)> {
        let now = Instant::now();
        let mut due = self.next_sample;
        if let Some(h) = &self.host {
            due = due.min(h.next);
        }
        if self.capture.is_some() {
            due = due.min(self.next_capture_drain);
        }
        due = self.bursts.next_due().map_or(due, |b| b.min(due));
        due = self.connects.next_deadline().map_or(due, |c| c.min(due));
        due = self.slots.values().filter_map(|s| s.accept_paused.as_ref().map(|p| p.until)).fold(due, Instant::min);
        // Round up: a timeout rounded down to 0 ms would spin until the deadline. While
        // events wait for the UI to make room, look again soon.
        let cap = if self.events.backlog() > 0 { 10 } else { 1000 };
        let timeout = due.saturating_duration_since(now).as_micros().div_ceil(1000).min(cap) as i32;
        let mut pfds = vec![libc::pollfd { fd: self.wake.as_raw_fd(), events: libc::POLLIN, revents: 0 }];
        let ids: Vec<EpId> = self.slots.keys().copied().collect();
        pfds.extend(self.slots.iter().map(|(id, s)| {
            let blocked = self.bursts.blocked_on(*id);
            let events = if blocked { libc::POLLIN | libc::POLLOUT } else { libc::POLLIN };
            // A paused listener is left out (fd -1 is ignored by poll) until its pause ends.
            let paused = s.accept_paused.as_ref().is_some_and(|p| p.until > now);
            libc::pollfd { fd: if paused { -1 } else { s.ep.as_raw_fd() }, events, revents: 0 }
        }));
        if let Err(e) = sys::poll(&mut pfds, timeout) {
            if e.kind() != std::io::ErrorKind::Interrupted {
                self.emit(Event::Warning(Warning::PollFailed { error: e.to_string() }));
                std::thread::sleep(Duration::from_millis(10));
            }
            return Vec::new();
        }
        if pfds[0].revents != 0 {
            let _ = sys::eventfd_clear(&*self.wake);
        }
        ids.into_iter().zip(pfds[1..].iter().map(|p| p.revents)).collect()
    }

    /// Runs every queued command; false when the handle is gone (time to stop).
    fn take_commands(&mut self) -> bool {
        loop {
            match self.commands.try_recv() {
                Ok(req) => self.execute(req),
                Err(TryRecvError::Empty) => return true,
                Err(TryRecvError::Disconnected) => return false,
            }
        }
    }

    fn done(&mut self, request: u64, ep: Option<EpId>, command: String, outcome: Result<Reply>) {
        self.emit(Event::Done { request, ep, option: None, command, outcome });
    }

    fn slot(&self, ep: EpId) -> Result<&Slot> {
        self.slots.get(&ep).ok_or_else(|| no_endpoint(ep))
    }

    fn execute(&mut self, req: Request) {
        let describe = req.command.describe();
        tracing::debug!(request = req.id, "{describe}");
        let target = req.command.endpoint();
        let option = req.command.option();
        let outcome = match self.execute_now(req.id, &describe, req.command) {
            // The reply comes later: a burst being sent, a connect waiting for COMM_UP.
            Ok(None) => return,
            Ok(Some(reply)) => Ok(reply),
            Err(e) => Err(e),
        };
        self.emit(Event::Done { request: req.id, ep: target, option, command: describe, outcome });
    }

    fn connect(
        &mut self,
        ep: EpId,
        addrs: &[std::net::SocketAddr],
        init: Option<crate::options::InitMsg>,
    ) -> Result<AssocId> {
        let slot = self.slot(ep)?;
        if let Some(init) = init {
            slot.ep.set_option(Scope::Future, &init)?;
        }
        slot.ep.connect_init(addrs)
    }

    /// Runs one command: its reply, or `None` when the reply comes later (a burst is
    /// queued, a connect waits for COMM_UP).
    fn execute_now(&mut self, request: u64, describe: &str, command: Command) -> Result<Option<Reply>> {
        match command {
            Command::Open { label, config } => self.open(label, config).map(|ep| Some(Reply::Endpoint { ep })),
            Command::Close { ep } => {
                self.slot(ep)?;
                self.forget(ep);
                Ok(Some(Reply::Done))
            }
            Command::Listen { ep, backlog } => {
                let slot = self.slots.get_mut(&ep).ok_or_else(|| no_endpoint(ep))?;
                slot.ep.listen(backlog)?;
                // listen(0) on a one-to-one socket still listens (the kernel's minimum backlog).
                slot.accepting = slot.ep.style() == Style::OneToOne;
                Ok(Some(Reply::Done))
            }
            Command::BindxAdd { ep, addrs } => {
                self.slot(ep)?.ep.bindx_add(&addrs)?;
                self.announce_addrs(ep);
                Ok(Some(Reply::Done))
            }
            Command::BindxRemove { ep, addrs } => {
                self.slot(ep)?.ep.bindx_remove(&addrs)?;
                self.announce_addrs(ep);
                Ok(Some(Reply::Done))
            }
            Command::Eof { ep, assoc } => self.slot(ep)?.ep.eof(assoc).map(|()| Some(Reply::Done)),
            Command::Reconfigure { ep, assoc, request } => {
                self.slot(ep)?.ep.reconfigure(assoc, &request).map(|()| Some(Reply::Done))
            }
            Command::Abort { ep, assoc, reason } => {
                self.slot(ep)?.ep.abort(assoc, reason.as_bytes())?;
                if self.slot(ep)?.ep.style() == Style::OneToOne {
                    // A one-to-one abort happens at close (SO_LINGER 0).
                    self.forget(ep);
                }
                Ok(Some(Reply::Done))
            }
            Command::Peeloff { ep, assoc } => {
                let slot = self.slots.get_mut(&ep).ok_or_else(|| no_endpoint(ep))?;
                let peeled = slot.ep.peeloff(assoc)?;
                let label = format!("{} peeled {}", slot.label, assoc.0);
                // It left this endpoint now; its samples come from the new one. Said even
                // when no sample had listed it yet, or the old endpoint's view keeps it live.
                slot.assocs.remove(&assoc);
                self.emit(Event::AssocGone { ep, assoc });
                let new = self.adopt(peeled, label, None)?;
                if let Some(slot) = self.slots.get_mut(&new) {
                    slot.peeled = true;
                }
                Ok(Some(Reply::Endpoint { ep: new }))
            }
            Command::SetOption { ep, scope, value } => {
                let slot = self.slot(ep)?;
                slot.ep.set_value(scope, &value)?;
                if value.option_name().is_write_only() {
                    return Ok(Some(Reply::Done));
                }
                // Read back what the kernel applied (for per-path options, for that path).
                // The kernel refuses gets for "current"/"all": read the endpoint's defaults.
                let read_scope = match scope {
                    Scope::Current | Scope::All => Scope::Future,
                    other => other,
                };
                let read = slot
                    .ep
                    .get_value(read_scope, &readback_template(&value))
                    .map_err(|e| Error { action: format!("{} (set succeeded; read-back failed)", e.action), ..e })?;
                Ok(Some(Reply::Option { value: read }))
            }
            Command::GetOption { ep, scope, template } => {
                Ok(Some(Reply::Option { value: self.slot(ep)?.ep.get_value(scope, &template)? }))
            }
            Command::Subscribe { ep, scope, kind, on } => {
                self.slot(ep)?.ep.subscribe(scope, kind, on).map(|()| Some(Reply::Done))
            }
            Command::SetSampleInterval { ms } => {
                check_interval(ms, SAMPLE_INTERVAL_MS).map_err(|e| Error::invalid("set sample interval", e))?;
                self.sample_every = Duration::from_millis(ms);
                self.next_sample = Instant::now();
                self.emit(Event::SampleInterval { ms });
                Ok(Some(Reply::Done))
            }
            Command::SetSamplerShare { percent } => {
                if !(1..=100).contains(&percent) {
                    return Err(Error::invalid("set the sampler's share", format!("{percent} % out of range 1..=100")));
                }
                self.sample_share = percent;
                Ok(Some(Reply::Done))
            }
            Command::WatchHost { netns, interval_ms, max_core_share } => {
                check_interval(interval_ms, HOST_INTERVAL_MS).map_err(|e| Error::invalid("watch the host", e))?;
                if !(0.01..=1.0).contains(&max_core_share) {
                    return Err(Error::invalid(
                        "watch the host",
                        format!("core share {max_core_share} out of range 0.01..=1"),
                    ));
                }
                let netns = self.netns(netns.as_deref())?;
                let sampler = crate::diag::reader::HostSampler::open(netns.as_deref())?;
                let asked = Duration::from_millis(interval_ms);
                self.host =
                    Some(HostWatch { sampler, asked, every: asked, max_share: max_core_share, next: Instant::now() });
                Ok(Some(Reply::Done))
            }
            Command::StopWatchingHost => {
                self.host = None;
                Ok(Some(Reply::Done))
            }
            Command::StartCapture { path, netns, max_bytes } => {
                if let Some(c) = &self.capture {
                    return Err(Error::invalid(
                        describe,
                        format!("a capture to {} is running; stop it first", c.path().display()),
                    ));
                }
                let netns = netns.iter().map(|n| self.netns(n.as_deref())).collect::<Result<Vec<_>>>()?;
                let c = match &self.capture_stream {
                    Some(tx) => crate::capture::Capture::start_streamed(&path, &netns, max_bytes, self.start, tx)?,
                    None => crate::capture::Capture::start(&path, &netns, max_bytes, self.start)?,
                };
                self.emit(Event::CaptureStarted {
                    path,
                    interfaces: c.interfaces().to_vec(),
                    unix_at_zero: c.unix_at_zero(),
                    max_bytes,
                });
                self.capture = Some(c);
                self.capture_said = None;
                Ok(Some(Reply::Done))
            }
            Command::StopCapture => {
                let c = self.capture.take().ok_or_else(|| Error::invalid(describe, "no capture is running"))?;
                let (marks, stats, failure) = c.stop();
                self.report_capture(marks, stats, true, failure);
                Ok(Some(Reply::Done))
            }
            Command::BuildLab => {
                // The old lab's namespaces go first: a fresh lab never meets the old one's state.
                self.lab = None;
                self.lab = Some(crate::lab::Lab::build()?);
                self.emit_lab();
                Ok(Some(Reply::Done))
            }
            Command::RemoveLab => {
                self.lab.take().ok_or_else(|| Error::invalid(describe, "no lab is built"))?;
                self.emit_lab();
                Ok(Some(Reply::Done))
            }
            Command::Lab { change } => {
                let lab = self.lab.as_mut().ok_or_else(|| Error::invalid(describe, "no lab is built"))?;
                lab.apply(&change)?;
                self.emit_lab();
                Ok(Some(Reply::Done))
            }
            Command::Send { ep, info, payload, count, interval_ms } => {
                self.slot(ep)?;
                let interval = Duration::from_millis(interval_ms.into());
                let burst = Burst::new(request, describe.to_string(), ep, info, payload, count, interval);
                self.bursts.push(burst, Instant::now());
                Ok(None)
            }
            Command::Connect { ep, addrs, init, timeout_ms } => {
                let assoc = self.connect(ep, &addrs, init)?;
                let Some(ms) = timeout_ms else { return Ok(Some(Reply::Assoc { assoc })) };
                let deadline = Instant::now() + Duration::from_millis(ms);
                self.connects.wait(request, describe.to_string(), ep, assoc, deadline);
                Ok(None)
            }
        }
    }

    /// Closes an endpoint; its unfinished bursts and connects end with an error.
    fn forget(&mut self, ep: EpId) {
        self.slots.remove(&ep);
        for b in self.bursts.remove_endpoint(ep) {
            let err = Error::gone(b.command.clone(), format!("ep{} was closed before the burst finished", ep.0));
            self.done(b.request, Some(b.ep), b.command, Err(err));
        }
        for c in self.connects.endpoint_closed(ep) {
            self.done(c.request, Some(c.ep), c.command, c.outcome);
        }
        self.emit(Event::Closed { ep });
    }

    fn open(&mut self, label: String, mut config: EndpointConfig) -> Result<EpId> {
        config.netns = self.netns(config.netns.as_deref())?;
        let ep = Endpoint::open(&config)?;
        subscribe_defaults(&ep)?;
        self.adopt(ep, label, Some(config))
    }

    /// A namespace as the worker's kernel names it: `lab:a` and `lab:b` are its lab's.
    fn netns(&self, name: Option<&str>) -> Result<Option<String>> {
        crate::lab::Lab::resolve(self.lab.as_ref(), name)
    }

    /// Says what the lab is doing now.
    fn emit_lab(&mut self) {
        let lab = self.lab.as_ref().map(|l| l.state().clone());
        self.emit(Event::Lab { lab });
    }

    /// Takes an endpoint into the worker: non-blocking (the worker never waits on a
    /// socket), numbered, announced.
    fn adopt(&mut self, ep: Endpoint, label: String, config: Option<EndpointConfig>) -> Result<EpId> {
        sys::set_nonblocking(&ep, true).map_err(|e| Error::os("set O_NONBLOCK", &e))?;
        let id = EpId(self.next_ep);
        self.next_ep += 1;
        let style = ep.style();
        let local_addrs = ep.local_addrs(AssocId(0)).unwrap_or_default();
        self.slots.insert(
            id,
            Slot {
                ep,
                label: label.clone(),
                accepting: false,
                accept_paused: None,
                assocs: BTreeSet::new(),
                sampler: Sampler::default(),
                peeled: false,
            },
        );
        let applied = self.slots.get(&id).map(|s| s.ep.applied_options());
        self.emit(Event::Opened { ep: id, label, style, local_addrs, config });
        match applied {
            Some(Ok(applied)) => self.emit(Event::OptionsApplied { ep: id, applied }),
            Some(Err(error)) => self.emit(Event::Warning(Warning::OptionsNotReadBack { ep: id, error })),
            None => {}
        }
        Ok(id)
    }

    fn announce_addrs(&mut self, ep: EpId) {
        if let Some(slot) = self.slots.get(&ep) {
            let (label, style) = (slot.label.clone(), slot.ep.style());
            let local_addrs = slot.ep.local_addrs(AssocId(0)).unwrap_or_default();
            self.emit(Event::Opened { ep, label, style, local_addrs, config: None });
        }
    }

    /// Reads what one ready socket has (bounded per turn).
    fn service(&mut self, ep: EpId) {
        let Some(slot) = self.slots.get_mut(&ep) else { return };
        if slot.accepting {
            if self.slots.len() >= MAX_ENDPOINTS {
                let limit = Error::limit("accept", format!("the worker holds {MAX_ENDPOINTS} endpoints, its limit"));
                self.pause_accepting(ep, limit);
                return;
            }
            let Some(slot) = self.slots.get_mut(&ep) else { return };
            match slot.ep.accept() {
                Ok((conn, from)) => {
                    let label = format!("{} <- {}", slot.label, from.map(|a| a.to_string()).unwrap_or_default());
                    if let Some(p) = slot.accept_paused.take() {
                        self.emit(Event::Warning(Warning::AcceptingAgain { ep, refused: p.refused }));
                    }
                    if let Err(error) = subscribe_defaults(&conn).and_then(|()| self.adopt(conn, label, None)) {
                        self.emit(Event::Warning(Warning::AcceptedNotAdopted { error }));
                    }
                }
                Err(e) if e.errno == Some(libc::EAGAIN) => {}
                Err(e) => self.pause_accepting(ep, e),
            }
            return;
        }
        let mut out = Vec::new();
        let mut failure = None;
        for _ in 0..READS_PER_TURN {
            match slot.ep.try_recv() {
                Ok(Some(r)) => out.push(r),
                Ok(None) => break,
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        let peeled = slot.peeled;
        let mut ended = None;
        // One clock reading for the batch: they were read together, and where the clock is
        // a syscall (User-Mode Linux has no vDSO: ≈50 µs) one per message cost as much as
        // the recvmsg itself.
        self.batch_t = Some(self.start.elapsed().as_secs_f64());
        for r in out {
            if peeled
                && let Received::Notification(Notification::AssocChange { assoc, state, .. }) = &r
                && matches!(
                    state,
                    AssocChangeState::CommLost | AssocChangeState::ShutdownComplete | AssocChangeState::CantStartAssoc
                )
            {
                ended = Some(*assoc);
            }
            self.received(ep, r);
        }
        self.batch_t = None;
        if let Some(assoc) = ended {
            // Its only association is over and nothing can come after.
            self.emit(Event::Warning(Warning::PeeledOffClosed { ep, assoc }));
            self.forget(ep);
            return;
        }
        if let Some(error) = failure {
            let style = self.slots.get(&ep).map(|s| s.ep.style());
            if style == Some(Style::OneToOne) {
                // A one-to-one socket whose association has ended reads EOF or errors
                // forever: close it.
                self.emit(Event::Warning(Warning::ReceiveFailed { ep, error, closed: true }));
                self.forget(ep);
            } else {
                // A one-to-many socket reports a pending socket error once; it stays usable.
                self.emit(Event::Warning(Warning::ReceiveFailed { ep, error, closed: false }));
            }
        }
    }

    /// Stops polling a listener whose accepts fail, for a backoff that doubles while they
    /// keep failing; says so once per episode, not once per attempt.
    fn pause_accepting(&mut self, ep: EpId, error: Error) {
        let Some(slot) = self.slots.get_mut(&ep) else { return };
        let now = Instant::now();
        let (backoff, refused, first) = match slot.accept_paused.take() {
            Some(p) => ((p.backoff * 2).min(ACCEPT_BACKOFF_MAX), p.refused + 1, false),
            None => (ACCEPT_BACKOFF, 1, true),
        };
        slot.accept_paused = Some(AcceptPause { until: now + backoff, backoff, refused });
        if first {
            let retry_ms = u64::try_from(backoff.as_millis()).unwrap_or(u64::MAX);
            self.emit(Event::Warning(Warning::AcceptPaused { ep, error, retry_ms }));
        }
    }

    fn received(&mut self, ep: EpId, r: Received) {
        match r {
            Received::Data(m) => {
                let head = m.data[..m.data.len().min(DATA_HEAD)].to_vec();
                let digest = crate::message::payload_digest(&m.data);
                self.emit(Event::Data { ep, from: m.from, info: m.info, ip: m.ip, len: m.data.len(), head, digest });
            }
            Received::TooLarge { from, info, len, limit } => {
                let stream = info.map(|i| i.stream);
                self.emit(Event::Warning(Warning::MessageTooLarge { ep, from, stream, len, limit }));
            }
            Received::Notification(n) => {
                if let Notification::PeerAddrChange {
                    assoc, state: PeerAddrState::Added | PeerAddrState::Removed, ..
                } = &n
                    && let Some(slot) = self.slots.get_mut(&ep)
                {
                    slot.sampler.invalidate(*assoc);
                }
                // Any path change: the dump sampler reads every path of it next tick.
                if let Notification::PeerAddrChange { assoc, .. } = &n
                    && let Some(slot) = self.slots.get(&ep)
                    && let Some(NsSampling { dump: Ok(d), .. }) =
                        self.dumps.get_mut(&slot.ep.netns().map(str::to_string))
                {
                    d.invalidate(ep, *assoc);
                }
                // The notification first, then the connect's result: whoever acts on the
                // result has already seen the association come up.
                let resolves = n.clone();
                self.emit(Event::Notification { ep, notification: n });
                self.resolve_connect(ep, &resolves);
            }
        }
    }

    /// COMM_UP or CANT_STR_ASSOC completes a connect that waits for it.
    fn resolve_connect(&mut self, ep: EpId, n: &Notification) {
        let Notification::AssocChange { assoc, state, .. } = n else { return };
        if let Some(c) = self.connects.assoc_change(ep, *assoc, *state) {
            self.done(c.request, Some(c.ep), c.command, c.outcome);
        }
    }

    fn check_connects(&mut self, now: Instant) {
        let slots = &self.slots;
        let state_of = |ep, assoc| slots.get(&ep).and_then(|s| s.ep.status(assoc).ok()).map(|s| s.state);
        for c in self.connects.expire(now, state_of) {
            self.done(c.request, Some(c.ep), c.command, c.outcome);
        }
    }

    /// Sends what is due (the pacing and ordering rules are in `bursts`).
    fn run_bursts(&mut self) {
        if self.bursts.is_empty() {
            return;
        }
        let started = Instant::now();
        let slots = &self.slots;
        // The clock every few sends, not every send: where it is a syscall it doubled the
        // cost of a small message.
        let mut sends = 0u32;
        let mut over_budget = || {
            sends = sends.wrapping_add(1);
            sends.is_multiple_of(CLOCK_EVERY_SENDS) && started.elapsed() > SEND_TIME_PER_TURN
        };
        let finished = self.bursts.turn(started, &mut over_budget, &mut |b, offered| {
            let Some(slot) = slots.get(&b.ep) else { return SendResult::Failed(no_endpoint(b.ep)) };
            match slot.ep.send_repeated(&b.payload, &b.info, offered as usize) {
                Ok(n) => SendResult::Sent(u32::try_from(n).unwrap_or(offered)),
                Err(e) if e.errno == Some(libc::EAGAIN) => SendResult::WouldBlock,
                Err(e) => SendResult::Failed(e),
            }
        });
        for f in finished {
            self.done(f.request, Some(f.ep), f.command, f.outcome);
        }
    }

    fn sample_host(&mut self) {
        let Some(h) = self.host.as_mut() else { return };
        let started = Instant::now();
        let result = h.sampler.snapshot();
        let now = Instant::now();
        h.reschedule(now - started, now);
        let interval_ms = h.every.as_millis() as u64;
        let slowed = h.every > h.asked;
        match result {
            Ok(snapshot) => self.emit(Event::HostSnapshot { snapshot: Box::new(snapshot), interval_ms, slowed }),
            Err(e) => {
                // A failing dump would fail every tick: stop and say why once.
                self.host = None;
                self.emit(Event::Warning(Warning::HostViewStopped { error: e }));
            }
        }
    }

    /// Passes on what the capture thread saw since the last drain: the packet summaries, and
    /// the counters when they changed; a capture that failed on its own is ended.
    fn drain_capture(&mut self) {
        self.next_capture_drain = Instant::now() + CAPTURE_DRAIN;
        let Some(c) = &self.capture else { return };
        let (marks, stats, failure) = c.take();
        let stopped = failure.is_some();
        if stopped {
            self.capture = None;
        }
        self.report_capture(marks, stats, stopped, failure);
    }

    fn report_capture(
        &mut self,
        marks: Vec<crate::capture::PacketMark>,
        stats: crate::capture::CaptureStats,
        stopped: bool,
        failure: Option<String>,
    ) {
        if !marks.is_empty() {
            self.emit(Event::Packets { marks });
        }
        if stopped || self.capture_said != Some(stats) {
            self.capture_said = Some(stats);
            self.emit(Event::CaptureStats { stats, stopped, failure });
        }
    }

    /// Samples every association the worker owns: by one sock_diag dump per namespace,
    /// or by getsockopt where the dump is unavailable; then schedules the next sample
    /// within the configured share of a core.
    fn sample_all(&mut self) {
        let started = Instant::now();
        let mut by_netns: BTreeMap<Option<String>, Vec<EpId>> = BTreeMap::new();
        for (id, slot) in &self.slots {
            if !slot.accepting {
                by_netns.entry(slot.ep.netns().map(str::to_string)).or_default().push(*id);
            }
        }
        self.dumps.retain(|ns, _| by_netns.contains_key(ns));
        let mut method = SampleMethod::Dump;
        for (netns, eps) in by_netns {
            let live = live_assocs(&self.slots, &eps);
            let ns = self.dumps.entry(netns.clone()).or_insert_with(|| NsSampling::open(&netns));
            let naming = match (self.capture.is_some(), live.is_subset(&ns.named)) {
                (true, _) => Naming::Capturing,
                (false, true) => Naming::Done,
                (false, false) => Naming::Wanted,
            };
            let assocs = live.len();
            let pick = ns.choice.pick(assocs, naming);
            let tick = Instant::now();
            let by_dump = match pick {
                Method::Dump => self.sample_by_dump(&netns, &eps),
                Method::Getsockopt => {
                    self.sample_each_by_getsockopt(&eps);
                    Ok((Duration::ZERO, None))
                }
            };
            let cost = tick.elapsed();
            let Some(ns) = self.dumps.get_mut(&netns) else { continue };
            let here = match by_dump {
                Ok((one_off, named)) => {
                    ns.choice.record(pick, cost.saturating_sub(one_off), assocs);
                    if let Some(named) = named {
                        ns.named = named;
                    }
                    match ns.choice.state() {
                        (Method::Getsockopt, Some((dump, getsockopt))) => SampleMethod::GetsockoptCheaper {
                            dump_us: dump.as_micros() as u64,
                            getsockopt_us: getsockopt.as_micros() as u64,
                        },
                        _ => SampleMethod::Dump,
                    }
                }
                Err(why) => {
                    self.sample_each_by_getsockopt(&eps);
                    SampleMethod::Getsockopt { why }
                }
            };
            // Across namespaces, say the one that matters most: a dump that cannot serve,
            // then getsockopt by choice.
            method = match (method, here) {
                (m @ SampleMethod::Getsockopt { .. }, _) | (_, m @ SampleMethod::Getsockopt { .. }) => m,
                (m @ SampleMethod::GetsockoptCheaper { .. }, _) | (_, m) => m,
            };
        }
        let now = Instant::now();
        let period = schedule_within_share(self.sample_every, now - started, f64::from(self.sample_share) / 100.0);
        self.next_sample = now + period;
        let said = Event::Sampling {
            method,
            period_ms: period.as_millis() as u64,
            slowed: period > self.sample_every,
            share_percent: self.sample_share,
        };
        if self.sampling_said.as_ref() != Some(&said) {
            self.sampling_said = Some(said.clone());
            self.emit(said);
        }
    }

    /// Each endpoint by getsockopt.
    fn sample_each_by_getsockopt(&mut self, eps: &[EpId]) {
        for &ep in eps {
            let (samples, listed) = self.sample_by_getsockopt(ep);
            self.report(ep, samples, listed);
        }
    }

    /// One namespace's endpoints from one dump: how long naming new associations took (a
    /// one-off cost, not the method's) and the associations it named with both tags, or
    /// why the dump cannot serve.
    fn sample_by_dump(
        &mut self,
        netns: &Option<String>,
        eps: &[EpId],
    ) -> std::result::Result<(Duration, Option<Named>), String> {
        let source = &mut self.dumps.entry(netns.clone()).or_insert_with(|| NsSampling::open(netns)).dump;
        if let Err((_, since)) = source
            && since.elapsed() >= DUMP_RETRY
        {
            *source = open_dump(netns);
        }
        let sampler = source.as_mut().map_err(|(why, _)| why.clone())?;
        let list: Vec<(EpId, &Endpoint)> =
            eps.iter().filter_map(|id| self.slots.get(id).map(|s| (*id, &s.ep))).collect();
        let tick = match sampler.sample(&list) {
            Ok(tick) => tick,
            Err(e) => {
                let why = format!("the sock_diag dump failed: {e}");
                *source = Err((why.clone(), Instant::now()));
                return Err(why);
            }
        };
        let naming = Duration::from_micros(tick.matching_us);
        let named = tick
            .endpoints
            .iter()
            .flat_map(|es| es.samples.iter().map(move |(a, s)| (es.ep, *a, s.tags)))
            .filter(|(_, _, tags)| tags.is_some_and(|t| t.tag != 0 && t.peer_tag != 0))
            .map(|(ep, a, _)| (ep, a))
            .collect();
        for es in tick.endpoints {
            if es.unmatched > 0 {
                // Not expected: an association the dump shows could not be named; getsockopt
                // can, so the endpoint is not left half-sampled.
                let (samples, listed) = self.sample_by_getsockopt(es.ep);
                self.report(es.ep, samples, listed);
            } else {
                // Every association the endpoint had is in the samples unless getsockopt
                // found it gone: the list is complete.
                let listed = Some(es.samples.iter().map(|(a, _)| *a).collect());
                self.report(es.ep, es.samples, listed);
            }
        }
        Ok((naming, Some(named)))
    }

    /// One endpoint by getsockopt: the samples and every association the kernel listed
    /// (`None` when the list could not be read: then nothing is reported gone).
    fn sample_by_getsockopt(&mut self, ep: EpId) -> (Vec<(AssocId, Sample)>, Option<BTreeSet<AssocId>>) {
        let Some(slot) = self.slots.get_mut(&ep) else { return (Vec::new(), None) };
        let assocs: BTreeSet<AssocId> = match slot.ep.style() {
            Style::OneToMany => match slot.ep.assoc_ids() {
                Ok(ids) => ids.into_iter().collect(),
                Err(_) => {
                    // Sample what was known; a failed read is not "all gone".
                    let known: Vec<AssocId> = slot.assocs.iter().copied().collect();
                    let samples = known
                        .into_iter()
                        .filter_map(|a| slot.sampler.sample(&slot.ep, a, a).ok().map(|s| (a, s)))
                        .collect();
                    return (samples, None);
                }
            },
            // A one-to-one socket has at most one; its status tells the real id.
            Style::OneToOne if !slot.accepting => {
                slot.ep.status(AssocId(0)).ok().map(|s| s.assoc).into_iter().collect()
            }
            Style::OneToOne => BTreeSet::new(),
        };
        let mut samples = Vec::new();
        for &assoc in &assocs {
            let query = if slot.ep.style() == Style::OneToOne { AssocId(0) } else { assoc };
            let Ok(s) = slot.sampler.sample(&slot.ep, assoc, query) else { continue };
            samples.push((assoc, s));
        }
        slot.sampler.retain(&assocs);
        (samples, Some(assocs))
    }

    /// Emits the samples, and the associations gone since the last tick — only when
    /// `listed` (every association the endpoint has now) is known: a partial read never
    /// reports an association gone.
    fn report(&mut self, ep: EpId, samples: Vec<(AssocId, Sample)>, listed: Option<BTreeSet<AssocId>>) {
        let Some(slot) = self.slots.get_mut(&ep) else { return };
        let gone: Vec<AssocId> = match listed {
            Some(listed) => {
                let gone = slot.assocs.difference(&listed).copied().collect();
                slot.assocs = listed;
                gone
            }
            None => {
                slot.assocs.extend(samples.iter().map(|(a, _)| *a));
                Vec::new()
            }
        };
        for (assoc, s) in samples {
            self.emit(Event::Sample { ep, assoc, status: s.status, paths: s.paths, stats: s.stats, tags: s.tags });
        }
        for assoc in gone {
            self.emit(Event::AssocGone { ep, assoc });
        }
    }
}

/// The associations of these endpoints, as last listed.
fn live_assocs(slots: &BTreeMap<EpId, Slot>, eps: &[EpId]) -> HashSet<(EpId, AssocId)> {
    eps.iter()
        .filter_map(|id| slots.get(id).map(|s| (id, s)))
        .flat_map(|(id, s)| s.assocs.iter().map(|a| (*id, *a)))
        .collect()
}

impl NsSampling {
    fn open(netns: &Option<String>) -> Self {
        NsSampling { dump: open_dump(netns), choice: MethodChoice::default(), named: Default::default() }
    }
}

fn open_dump(netns: &Option<String>) -> DumpSource {
    DumpSampler::open(netns.as_deref()).map_err(|e| (format!("no sock_diag socket: {e}"), Instant::now()))
}

/// The notifications every endpoint the worker owns delivers: all but SENDER_DRY, which
/// fires after every send that empties the queue and would drown the log (the events
/// option turns it on).
fn subscribe_defaults(ep: &Endpoint) -> Result<()> {
    ep.subscribe_all()?;
    ep.subscribe(Scope::Future, crate::EventKind::SenderDry, false)
}

fn no_endpoint(ep: EpId) -> Error {
    Error::gone(format!("use endpoint ep{}", ep.0), "no such endpoint (closed?)")
}

/// What to read back after a set: the same option, for the same path where it has one,
/// without one-shot request flags.
fn readback_template(value: &OptionValue) -> OptionValue {
    match value {
        OptionValue::PeerAddrParams(p) => {
            OptionValue::PeerAddrParams(PeerAddrParams { address: p.address, ..PeerAddrParams::default() })
        }
        // Keyed by a path or a stream: read that one back (the values are overwritten).
        OptionValue::PeerAddrThresholds(_)
        | OptionValue::RemoteUdpEncapsPort(_)
        | OptionValue::PlpmtudProbeInterval(_)
        | OptionValue::StreamSchedulerValue(_) => value.clone(),
        other => other.option_name().default_value(),
    }
}

#[cfg(test)]
mod tests {
    use super::schedule_within_share;
    use crate::worker::{HOST_INTERVAL_MS, SAMPLE_INTERVAL_MS, parse_interval};
    use std::time::Duration;

    #[test]
    fn an_interval_typed_by_a_person_is_checked_and_the_error_says_why() {
        assert_eq!(parse_interval(" 250 ", HOST_INTERVAL_MS), Ok(250));
        assert_eq!(parse_interval("10", SAMPLE_INTERVAL_MS), Ok(10));
        assert_eq!(parse_interval("10", HOST_INTERVAL_MS), Err("10 ms is out of range 100..=60000 ms".to_string()));
        assert_eq!(
            parse_interval("1s", HOST_INTERVAL_MS),
            Err("interval \"1s\" is not a whole number of ms (100..=60000)".to_string())
        );
        assert!(parse_interval("-5", HOST_INTERVAL_MS).is_err());
    }

    #[test]
    fn the_host_period_stretches_to_keep_within_its_core_share() {
        let ms = Duration::from_millis;
        assert_eq!(schedule_within_share(ms(100), ms(5), 0.2), ms(100));
        // 50 ms of work may take 20 % of a core only every 250 ms.
        assert_eq!(schedule_within_share(ms(100), ms(50), 0.2), ms(250));
        // A nonsense share is clamped rather than dividing by zero.
        assert_eq!(schedule_within_share(ms(100), ms(1), 0.0), ms(100));
    }
}
