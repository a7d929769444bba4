//! Which way to sample a namespace's associations, by what each way measurably costs on
//! this kernel. The sock_diag dump reads every association in one netlink round trip per
//! family but the kernel re-walks its transport table for each datagram (CPU work);
//! getsockopt costs three syscalls per association. Where syscalls are dear (User-Mode
//! Linux: ≈50 µs each) the dump wins by 2–4×; where they are cheap (QEMU, bare metal:
//! 1–3 µs) getsockopt wins by 30× and more at 1,000 associations. So neither is right
//! everywhere: both are measured, the cheaper one is used, and the other is tried again
//! now and then (less often while it keeps losing) in case the balance moved. Sans-IO:
//! the worker says what a tick cost; this decides the next one.

use std::time::Duration;

/// A way to sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// One sock_diag dump (getsockopt only for what it lacks).
    Dump,
    /// getsockopt per association.
    Getsockopt,
}

impl Method {
    fn other(self) -> Method {
        match self {
            Method::Dump => Method::Getsockopt,
            Method::Getsockopt => Method::Dump,
        }
    }
}

/// Whether associations wait to be named by a dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// Every association was in a dump.
    Done,
    /// Some were not: a dump within `FIRST_PROBE` ticks, though getsockopt is cheaper.
    Wanted,
    /// A capture is running: its packets are named by those tags, for associations that
    /// may live only a few ticks, so every tick is a dump (no probe of getsockopt either).
    Capturing,
}

/// Weight of a new tick in the current method's smoothed cost.
const SMOOTHING: f64 = 0.25;

/// Ticks before the losing method is measured again; doubles while it keeps losing.
const FIRST_PROBE: u32 = 16;
/// At most this many ticks between measurements of the losing method (≈50 s at 10 Hz).
const MAX_PROBE: u32 = 512;
/// The other method must be this much cheaper to switch (a tick under 2/3 of the current
/// one's): a single probe is a noisy measurement, and with a 1.25 margin the methods took
/// turns in User-Mode Linux at 200 associations (17.5 against 22.5 ms a tick) ...
const SWITCH_RATIO: f64 = 1.5;
/// ... and save at least this much per tick: below it the difference is noise and not
/// worth a change of method.
const SWITCH_SAVING: Duration = Duration::from_micros(500);

/// The choice for one namespace, with the last cost measured for each method.
#[derive(Debug, Clone)]
pub struct MethodChoice {
    current: Method,
    dump: Option<Measured>,
    getsockopt: Option<Measured>,
    ticks_since_probe: u32,
    probe_every: u32,
    /// The costs (dump, getsockopt) the current method was chosen on.
    basis: Option<(Duration, Duration)>,
    /// The other method was measured since the last decision.
    undecided: bool,
    /// What the current method cost when it was last chosen (or kept).
    decided_on: Option<Duration>,
}

/// Two numbers of associations close enough for their costs to be compared.
fn comparable(a: usize, b: usize) -> bool {
    let d = a.abs_diff(b);
    d < 8 || d * 2 <= a.max(b)
}

/// One method's cost per tick, and the number of associations it was measured at.
#[derive(Debug, Clone, Copy)]
struct Measured {
    cost: Duration,
    assocs: usize,
}

impl Default for MethodChoice {
    fn default() -> Self {
        MethodChoice {
            current: Method::Dump,
            dump: None,
            getsockopt: None,
            ticks_since_probe: 0,
            probe_every: FIRST_PROBE,
            basis: None,
            undecided: false,
            decided_on: None,
        }
    }
}

impl MethodChoice {
    /// The method for the next tick of a namespace with `assocs` associations: an
    /// unmeasured method first, the loser again when its probe is due or when the number
    /// of associations moved by half since it was measured, otherwise the cheaper one.
    /// `naming`: whether some association was never in a dump, which alone carries the
    /// verification tags that name it in a capture.
    pub fn pick(&self, assocs: usize, naming: Naming) -> Method {
        if naming == Naming::Capturing {
            return Method::Dump;
        }
        let (Some(dump), Some(getsockopt)) = (self.dump, self.getsockopt) else {
            return if self.dump.is_none() { Method::Dump } else { Method::Getsockopt };
        };
        let loser = match self.current {
            Method::Dump => getsockopt,
            Method::Getsockopt => dump,
        };
        let moved = !comparable(assocs, loser.assocs);
        let name =
            naming == Naming::Wanted && self.current == Method::Getsockopt && self.ticks_since_probe >= FIRST_PROBE;
        if self.ticks_since_probe >= self.probe_every || moved || name { self.current.other() } else { self.current }
    }

    /// A tick by `method` cost `cost` (the one-off work of naming new associations left
    /// out) at `assocs` associations; re-decides the method.
    pub fn record(&mut self, method: Method, cost: Duration, assocs: usize) {
        let slot = match method {
            Method::Dump => &mut self.dump,
            Method::Getsockopt => &mut self.getsockopt,
        };
        // The method in use is measured every tick: smooth it, so one tick slowed by
        // something else (another thread on a one-CPU machine) does not decide. A probe of
        // the other replaces its old, stale measurement.
        let smoothed = match *slot {
            Some(old) if method == self.current && old.assocs.abs_diff(assocs) * 10 <= old.assocs.max(assocs) => {
                // A tick counts at most double the smoothed cost: one preempted tick (the
                // whole machine's CPU went elsewhere) moves it by a quarter, not by its size.
                old.cost.mul_f64(1.0 - SMOOTHING) + cost.min(old.cost * 2).mul_f64(SMOOTHING)
            }
            _ => cost,
        };
        *slot = Some(Measured { cost: smoothed, assocs });
        let cost = smoothed;
        if method == self.current {
            self.ticks_since_probe = self.ticks_since_probe.saturating_add(1);
            // Its cost doubled or halved since the choice: the balance may have moved
            // (many more associations, busier ones): measure the other one next tick.
            if self.decided_on.is_some_and(|d| cost > d * 2 || cost * 2 < d) {
                self.decided_on = None;
                self.probe_every = FIRST_PROBE;
                self.ticks_since_probe = FIRST_PROBE;
            }
        } else {
            self.ticks_since_probe = 0;
            self.undecided = true;
        }
        let (Some(dump), Some(getsockopt)) = (self.dump, self.getsockopt) else { return };
        // Costs at different numbers of associations (while they are being set up, say)
        // say nothing about the methods: decide once both were measured at about the same.
        if !self.undecided || !comparable(dump.assocs, getsockopt.assocs) {
            return;
        }
        // Switch if the other method is clearly cheaper; measure it less often while it
        // clearly loses, as often as at first while the two are close.
        self.undecided = false;
        // Both costs grow about linearly with the associations: the other method's, scaled
        // to the count the current one was measured at, so "comparable" counts (within
        // half) do not tilt the choice.
        let (current, other) = match self.current {
            Method::Dump => (dump, getsockopt),
            Method::Getsockopt => (getsockopt, dump),
        };
        let (now, other_measured) = (current.cost, other.cost);
        let other = other.cost.mul_f64((current.assocs + 1) as f64 / (other.assocs + 1) as f64);
        if other.mul_f64(SWITCH_RATIO) < now && now - other >= SWITCH_SAVING {
            self.current = self.current.other();
            // Back off across switches too: where the two are close and ticks noisy (a
            // loaded one-CPU machine), each flip makes the next one wait twice as long.
            self.probe_every = (self.probe_every * 2).min(MAX_PROBE);
            self.basis = Some((dump.cost, getsockopt.cost));
            self.decided_on = Some(other_measured);
        } else {
            self.basis.get_or_insert((dump.cost, getsockopt.cost));
            let clear_loss = now.mul_f64(SWITCH_RATIO) < other;
            self.probe_every = if clear_loss { (self.probe_every * 2).min(MAX_PROBE) } else { FIRST_PROBE };
            self.decided_on = Some(now);
        }
    }

    /// The method in use, and the costs per tick (dump, getsockopt) it was chosen on —
    /// fixed until the next switch, so saying them does not change with every tick.
    pub fn state(&self) -> (Method, Option<(Duration, Duration)>) {
        (self.current, self.basis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// Runs `ticks` ticks where each method costs what `cost` says at `assocs`; returns
    /// the methods used.
    fn run(choice: &mut MethodChoice, ticks: usize, assocs: usize, cost: impl Fn(Method) -> Duration) -> Vec<Method> {
        (0..ticks)
            .map(|_| {
                let m = choice.pick(assocs, Naming::Done);
                choice.record(m, cost(m), assocs);
                m
            })
            .collect()
    }

    /// User-Mode Linux at 1,000 idle associations: dump 61 ms, getsockopt 216 ms.
    fn uml(m: Method) -> Duration {
        match m {
            Method::Dump => 61 * MS,
            Method::Getsockopt => 216 * MS,
        }
    }

    /// QEMU at 1,000 idle associations: dump 438 ms, getsockopt 12.6 ms.
    fn qemu(m: Method) -> Duration {
        match m {
            Method::Dump => 438 * MS,
            Method::Getsockopt => Duration::from_micros(12_600),
        }
    }

    #[test]
    fn dear_syscalls_keep_the_dump_after_one_measurement_of_getsockopt() {
        let mut c = MethodChoice::default();
        let used = run(&mut c, 40, 1000, uml);
        assert_eq!(&used[..2], &[Method::Dump, Method::Getsockopt]);
        assert!(used[2..18].iter().all(|m| *m == Method::Dump), "{used:?}");
        assert_eq!(c.state(), (Method::Dump, Some((61 * MS, 216 * MS))));
    }

    #[test]
    fn cheap_syscalls_switch_to_getsockopt_on_the_second_tick() {
        let mut c = MethodChoice::default();
        let used = run(&mut c, 10, 1000, qemu);
        assert_eq!(&used[..2], &[Method::Dump, Method::Getsockopt]);
        assert!(used[2..].iter().all(|m| *m == Method::Getsockopt), "{used:?}");
        assert_eq!(c.state().0, Method::Getsockopt);
    }

    #[test]
    fn the_losing_method_is_measured_less_often_while_it_keeps_losing() {
        let mut c = MethodChoice::default();
        let used = run(&mut c, 5000, 1000, qemu);
        let probes: Vec<usize> = used.iter().enumerate().filter(|(_, m)| **m == Method::Dump).map(|(i, _)| i).collect();
        let gaps: Vec<usize> = probes.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(gaps.windows(2).all(|g| g[1] >= g[0]), "gaps grow: {gaps:?}");
        assert_eq!(*gaps.last().unwrap(), MAX_PROBE as usize + 1, "{gaps:?}");
        // Its probes cost ≈ 438 ms each: well under 1 % of the ticks once backed off.
        assert!(probes.len() < 20, "{} probes of the dump in 5000 ticks", probes.len());
    }

    #[test]
    fn when_the_balance_moves_the_method_follows() {
        let mut c = MethodChoice::default();
        run(&mut c, 100, 1000, uml);
        assert_eq!(c.state().0, Method::Dump);
        // The same associations, now on a kernel where the dump got dear: the next probe
        // of getsockopt (within MAX_PROBE ticks) switches.
        let used = run(&mut c, MAX_PROBE as usize + 2, 1000, qemu);
        assert_eq!(*used.last().unwrap(), Method::Getsockopt, "{used:?}");
        // Chosen on the dump's smoothed cost (on its way up from 61 ms) against the probe.
        let (Method::Getsockopt, Some((dump, getsockopt))) = c.state() else { panic!("{:?}", c.state()) };
        assert!(dump > 100 * MS && dump < 438 * MS, "{dump:?}");
        assert_eq!(getsockopt, Duration::from_micros(12_600));
        // What it was chosen on stays put while the getsockopt ticks vary.
        run(&mut c, 10, 1000, |m| if m == Method::Dump { 438 * MS } else { 11 * MS });
        assert_eq!(c.state(), (Method::Getsockopt, Some((dump, getsockopt))));
    }

    #[test]
    fn small_differences_do_not_switch() {
        let mut c = MethodChoice::default();
        // 0.3 ms saved: under SWITCH_SAVING, though 3× cheaper.
        run(
            &mut c,
            50,
            10,
            |m| if m == Method::Dump { Duration::from_micros(450) } else { Duration::from_micros(150) },
        );
        assert_eq!(c.state().0, Method::Dump);
        // 20 % cheaper: under SWITCH_RATIO.
        let mut c = MethodChoice::default();
        run(&mut c, 50, 1000, |m| if m == Method::Dump { 100 * MS } else { 80 * MS });
        assert_eq!(c.state().0, Method::Dump);
    }

    #[test]
    fn costs_at_counts_a_little_apart_are_compared_per_association() {
        // Both cost 100 µs an association: getsockopt measured at 600 is not cheaper than
        // the dump at 1000, though 60 ms is well under 100 ms.
        let mut c = MethodChoice::default();
        c.record(Method::Dump, 100 * MS, 1000);
        c.record(Method::Getsockopt, 60 * MS, 600);
        assert_eq!(c.state().0, Method::Dump);
    }

    #[test]
    fn many_more_associations_measure_the_loser_again_at_once() {
        let mut c = MethodChoice::default();
        run(&mut c, 3, 10, qemu);
        assert_eq!(c.state().0, Method::Getsockopt);
        // Ten became a thousand: the dump is measured at the next tick, not in 16.
        assert_eq!(c.pick(1000, Naming::Done), Method::Dump);
        // A few more or fewer do not.
        assert_eq!(c.pick(12, Naming::Done), Method::Getsockopt);
    }

    #[test]
    fn costs_measured_while_associations_come_up_decide_nothing() {
        let mut c = MethodChoice::default();
        // UML costs, but the getsockopt probe comes while only 20 of 1000 are up: cheap.
        c.record(c.pick(0, Naming::Done), 61 * MS, 1000);
        assert_eq!(c.pick(20, Naming::Done), Method::Getsockopt);
        c.record(Method::Getsockopt, 4 * MS, 20);
        assert_eq!(c.state(), (Method::Dump, None), "no decision on 4 ms at 20 against 61 ms at 1000");
        // All up: getsockopt is measured again at once, and then it loses.
        assert_eq!(c.pick(1000, Naming::Done), Method::Getsockopt);
        c.record(Method::Getsockopt, 216 * MS, 1000);
        assert_eq!(c.state(), (Method::Dump, Some((61 * MS, 216 * MS))));

        // QEMU's costs: a probe at 400 against the dump at 1000 decides nothing; the
        // dump's next tick, at 500, makes the two comparable, and that tick switches.
        let mut c = MethodChoice::default();
        c.record(Method::Dump, 484 * MS, 1000);
        c.record(Method::Getsockopt, Duration::from_micros(4_400), 400);
        assert_eq!(c.state(), (Method::Dump, None));
        c.record(Method::Dump, 190 * MS, 500);
        assert_eq!(c.state(), (Method::Getsockopt, Some((190 * MS, Duration::from_micros(4_400)))));
    }

    /// Associations set up over many ticks (the counts each method is measured at keep
    /// changing): once all are up, getsockopt with QEMU's costs and the dump with UML's,
    /// whatever was decided on the way.
    #[test]
    fn a_ramp_of_associations_ends_on_the_cheaper_method() {
        // The method in use 40 ticks after associations came up `step` a tick to 1,000.
        let after_ramp = |step: usize, dump: &dyn Fn(usize) -> Duration, getsockopt: &dyn Fn(usize) -> Duration| {
            let mut c = MethodChoice::default();
            let mut n = 0;
            for _ in 0..(1000 / step + 40) {
                let m = c.pick(n, Naming::Done);
                c.record(m, if m == Method::Dump { dump(n) } else { getsockopt(n) }, n);
                n = (n + step).min(1000);
            }
            c.state().0
        };
        let qemu_dump = |n: usize| Duration::from_micros(300 + 450 * n as u64);
        let qemu_getsockopt = |n: usize| Duration::from_micros(11 * n as u64);
        // And UML's, where the dump wins at 1,000.
        let uml_dump = |n: usize| Duration::from_micros(2000 + 60 * n as u64);
        let uml_getsockopt = |n: usize| Duration::from_micros(216 * n as u64);
        for step in [1, 5, 20, 50, 100, 400] {
            assert_eq!(after_ramp(step, &qemu_dump, &qemu_getsockopt), Method::Getsockopt, "QEMU, {step} a tick");
            assert_eq!(after_ramp(step, &uml_dump, &uml_getsockopt), Method::Dump, "UML, {step} a tick");
        }
    }

    #[test]
    fn an_association_never_dumped_brings_a_dump_within_the_first_probe_interval() {
        let mut c = MethodChoice::default();
        run(&mut c, 40, 1000, qemu);
        assert_eq!(c.state().0, Method::Getsockopt);
        // Right after a probe of the dump, a new association waits up to FIRST_PROBE ticks ...
        let mut c = MethodChoice::default();
        run(&mut c, 2, 1000, qemu);
        let mut waited = 0;
        while c.pick(1000, Naming::Wanted) == Method::Getsockopt {
            c.record(Method::Getsockopt, qemu(Method::Getsockopt), 1000);
            waited += 1;
        }
        assert_eq!(waited, FIRST_PROBE);
        // ... and without new associations the dump waits for its own (longer) turn.
        c.record(Method::Dump, qemu(Method::Dump), 1000);
        let mut waited = 0;
        while c.pick(1000, Naming::Done) == Method::Getsockopt {
            c.record(Method::Getsockopt, qemu(Method::Getsockopt), 1000);
            waited += 1;
        }
        assert!(waited > FIRST_PROBE as usize, "{waited}");
        // While a capture runs: every tick, and getsockopt stays the choice for after it.
        for _ in 0..5 {
            assert_eq!(c.pick(1000, Naming::Capturing), Method::Dump);
            c.record(Method::Dump, qemu(Method::Dump), 1000);
        }
        assert_eq!(c.pick(1000, Naming::Done), Method::Getsockopt);
    }
}
