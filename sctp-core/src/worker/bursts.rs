//! Sends in bursts: `count` messages, one every `interval` or as fast as the socket takes
//! them, many bursts at once across the worker's turns. Sans-IO: the caller passes the
//! time, a budget check and a function that makes one send call (up to `SEND_BATCH`
//! messages of one burst: one sendmmsg); this queue decides what goes when, keeps each
//! stream's messages in the order they were asked for, and says which bursts finished —
//! so those rules are tested without a socket.

use super::EpId;
use super::protocol::Reply;
use crate::AssocId;
use crate::error::{Error, Result};
use crate::message::SendInfo;
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// How soon a burst the socket pushed back (EAGAIN) tries again, if POLLOUT does not
/// wake it first.
pub const RETRY_AFTER_WOULD_BLOCK: Duration = Duration::from_millis(1);

/// One `Command::Send` under way: `count` messages of one payload to one stream, one every `interval` (or as
/// fast as the socket takes them).
pub struct Burst {
    /// The request id its `Event::Done` will carry.
    pub request: u64,
    /// The command as `Command::describe` put it, for the log.
    pub command: String,
    /// The endpoint it sends on.
    pub ep: EpId,
    /// The SCTP_SNDINFO of every message: association, stream, PPID, flags, context.
    pub info: SendInfo,
    /// The bytes of each message.
    pub payload: Vec<u8>,
    left: u32,
    sent: u32,
    bytes: u64,
    interval: Duration,
    next: Instant,
    /// The socket said EAGAIN: poll for POLLOUT too, so freed buffer space wakes the loop
    /// before the short retry timer in `next` does.
    blocked: bool,
}

impl Burst {
    /// `count` messages (at least one), the first due when it is queued.
    pub fn new(
        request: u64,
        command: String,
        ep: EpId,
        info: SendInfo,
        payload: Vec<u8>,
        count: u32,
        interval: Duration,
    ) -> Burst {
        let left = count.max(1);
        let next = Instant::now();
        Burst { request, command, ep, info, payload, left, sent: 0, bytes: 0, interval, next, blocked: false }
    }

    fn stream(&self) -> (EpId, AssocId, u16) {
        (self.ep, self.info.assoc, self.info.stream)
    }
}

/// The most messages of one burst offered to one send call (one sendmmsg).
pub const SEND_BATCH: u32 = 32;

/// What one send call did.
pub enum SendResult {
    /// The kernel took this many of the messages offered (at least one).
    Sent(u32),
    /// EAGAIN: the send buffer is full.
    WouldBlock,
    /// Any other error: the burst ends with it.
    Failed(Error),
}

/// A burst that ended: its request, and the reply or the error (saying how far it got).
pub struct Finished {
    /// The request id of its `Send`.
    pub request: u64,
    /// The endpoint it sent on.
    pub ep: EpId,
    /// The command as `Command::describe` put it, for the log.
    pub command: String,
    /// `Reply::Sent` with the totals, or the error (with how many messages went before it).
    pub outcome: Result<Reply>,
}

/// Every burst under way, in the order they were asked for; the worker runs one `turn` per loop.
#[derive(Default)]
pub struct Bursts {
    queue: Vec<Burst>,
}

impl Bursts {
    /// Queues a burst, its first message due at `now`.
    pub fn push(&mut self, mut burst: Burst, now: Instant) {
        burst.next = now;
        self.queue.push(burst);
    }

    /// No burst is under way.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// When the next burst is due, if any is waiting. Only the first burst of each stream
    /// counts: the ones behind it cannot go before it, so their own (past) times must not
    /// make the worker's poll return at once and spin while the first one waits.
    pub fn next_due(&self) -> Option<Instant> {
        let mut heads = HashSet::new();
        self.queue.iter().filter(|b| heads.insert(b.stream())).map(|b| b.next).min()
    }

    /// Whether a burst on `ep` waits for its socket to take more (poll for POLLOUT).
    pub fn blocked_on(&self, ep: EpId) -> bool {
        self.queue.iter().any(|b| b.ep == ep && b.blocked)
    }

    /// `ep`'s socket can take more (POLLOUT).
    pub fn unblock(&mut self, ep: EpId) {
        for b in self.queue.iter_mut().filter(|b| b.ep == ep) {
            b.blocked = false;
        }
    }

    /// Takes out `ep`'s bursts (it closed).
    pub fn remove_endpoint(&mut self, ep: EpId) -> Vec<Burst> {
        let (gone, keep) = std::mem::take(&mut self.queue).into_iter().partition(|b| b.ep == ep);
        self.queue = keep;
        gone
    }

    /// One turn at `now`: sends what is due through `send`, which is offered up to
    /// `SEND_BATCH` of a burst's messages at a time (one at a time when it is paced),
    /// until each burst is done, waits for its interval, or its socket pushes back, or
    /// `over_budget` says the turn has sent for long enough. A burst that waits holds back
    /// later bursts to the same stream of the same association, which could otherwise slip
    /// into freed buffer space first and reorder the messages. Returns the bursts that
    /// ended.
    pub fn turn(
        &mut self,
        now: Instant,
        over_budget: &mut dyn FnMut() -> bool,
        send: &mut dyn FnMut(&Burst, u32) -> SendResult,
    ) -> Vec<Finished> {
        let mut ended: Vec<(usize, Result<Reply>)> = Vec::new();
        let mut waiting: HashSet<(EpId, AssocId, u16)> = HashSet::new();
        for (i, b) in self.queue.iter_mut().enumerate() {
            if waiting.contains(&b.stream()) {
                continue;
            }
            if b.next > now {
                waiting.insert(b.stream());
                continue;
            }
            loop {
                if over_budget() {
                    b.next = now;
                    waiting.insert(b.stream());
                    break;
                }
                let offered = if b.interval.is_zero() { b.left.min(SEND_BATCH) } else { 1 };
                match send(b, offered) {
                    SendResult::Sent(n) => {
                        let n = n.clamp(1, offered);
                        b.sent += n;
                        b.bytes += u64::from(n) * b.payload.len() as u64;
                        b.left -= n;
                    }
                    SendResult::WouldBlock => {
                        b.blocked = true;
                        b.next = now + RETRY_AFTER_WOULD_BLOCK;
                        waiting.insert(b.stream());
                        break;
                    }
                    SendResult::Failed(e) => {
                        ended.push((i, Err(e)));
                        break;
                    }
                }
                if b.left == 0 {
                    ended.push((i, Ok(Reply::Sent { messages: b.sent, bytes: b.bytes })));
                    break;
                }
                if !b.interval.is_zero() {
                    b.next = now + b.interval;
                    waiting.insert(b.stream());
                    break;
                }
            }
        }
        let mut finished: Vec<Finished> = ended
            .into_iter()
            .rev()
            .map(|(i, outcome)| {
                let b = self.queue.remove(i);
                let outcome = outcome.map_err(|e| {
                    if b.sent > 0 {
                        e.with_detail(format!("after {} of {} messages", b.sent, b.sent + b.left))
                    } else {
                        e
                    }
                });
                Finished { request: b.request, ep: b.ep, command: b.command, outcome }
            })
            .collect();
        finished.reverse();
        finished
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn burst(request: u64, assoc: i32, stream: u16, count: u32, interval_ms: u64) -> Burst {
        let info = SendInfo { assoc: AssocId(assoc), stream, ..Default::default() };
        let payload = request.to_be_bytes().to_vec();
        Burst::new(
            request,
            format!("send {request}"),
            EpId(1),
            info,
            payload,
            count,
            Duration::from_millis(interval_ms),
        )
    }

    fn never() -> impl FnMut() -> bool {
        || false
    }

    /// A recorded socket: takes `room` messages, then says EAGAIN; as sendmmsg, a call
    /// takes what fits of those offered.
    struct Socket {
        room: usize,
        sent: Vec<u64>,
        calls: Vec<u32>,
    }

    impl Socket {
        fn new(room: usize) -> Socket {
            Socket { room, sent: vec![], calls: vec![] }
        }

        fn send(&mut self, b: &Burst, offered: u32) -> SendResult {
            self.calls.push(offered);
            if self.room == 0 {
                return SendResult::WouldBlock;
            }
            let n = (offered as usize).min(self.room);
            self.room -= n;
            self.sent.extend(std::iter::repeat_n(u64::from_be_bytes(b.payload[..8].try_into().unwrap()), n));
            SendResult::Sent(n as u32)
        }
    }

    #[test]
    fn a_burst_without_interval_sends_until_done_and_says_how_much() {
        let t0 = Instant::now();
        let mut q = Bursts::default();
        q.push(burst(1, 3, 0, 5, 0), t0);
        let mut socket = Socket::new(100);
        let done = q.turn(t0, &mut never(), &mut |b, n| socket.send(b, n));
        assert_eq!(socket.sent, vec![1; 5]);
        assert_eq!(done.len(), 1);
        assert!(matches!(done[0].outcome, Ok(Reply::Sent { messages: 5, bytes: 40 })));
        assert!(q.is_empty());
    }

    #[test]
    fn an_interval_paces_one_message_per_interval() {
        let t0 = Instant::now();
        let mut q = Bursts::default();
        q.push(burst(1, 3, 0, 3, 100), t0);
        let mut socket = Socket::new(100);
        assert!(q.turn(t0, &mut never(), &mut |b, n| socket.send(b, n)).is_empty());
        assert_eq!(q.next_due(), Some(t0 + Duration::from_millis(100)));
        // Not due yet: nothing goes.
        q.turn(t0 + Duration::from_millis(50), &mut never(), &mut |b, n| socket.send(b, n));
        assert_eq!(socket.sent.len(), 1);
        q.turn(t0 + Duration::from_millis(100), &mut never(), &mut |b, n| socket.send(b, n));
        let done = q.turn(t0 + Duration::from_millis(200), &mut never(), &mut |b, n| socket.send(b, n));
        assert_eq!(socket.sent.len(), 3);
        assert_eq!(done.len(), 1);
    }

    /// The socket pushes back: the burst waits (POLLOUT asked for, a short retry timer),
    /// and a later burst to the same stream does not overtake it when room appears —
    /// while a burst to another stream goes on.
    #[test]
    fn a_full_socket_blocks_a_stream_without_reordering_it() {
        let t0 = Instant::now();
        let mut q = Bursts::default();
        q.push(burst(1, 3, 0, 4, 0), t0);
        q.push(burst(2, 3, 0, 2, 0), t0);
        q.push(burst(3, 3, 7, 1, 0), t0);
        let mut socket = Socket::new(2);
        let done = q.turn(t0, &mut never(), &mut |b, n| socket.send(b, n));
        assert!(done.is_empty());
        assert_eq!(socket.sent, vec![1, 1], "burst 2 waits behind burst 1; burst 3 finds no room either");
        assert!(q.blocked_on(EpId(1)));
        assert_eq!(q.next_due(), Some(t0 + RETRY_AFTER_WOULD_BLOCK));
        q.unblock(EpId(1));
        assert!(!q.blocked_on(EpId(1)));
        socket.room = 100;
        let t1 = t0 + RETRY_AFTER_WOULD_BLOCK;
        let done = q.turn(t1, &mut never(), &mut |b, n| socket.send(b, n));
        assert_eq!(socket.sent, vec![1, 1, 1, 1, 2, 2, 3], "stream 0 in the order asked");
        assert_eq!(done.iter().map(|f| f.request).collect::<Vec<_>>(), vec![1, 2, 3]);
    }

    #[test]
    fn a_failed_send_ends_the_burst_saying_how_far_it_got() {
        let t0 = Instant::now();
        let mut q = Bursts::default();
        q.push(burst(1, 3, 0, 10, 0), t0);
        let mut n = 0;
        let done = q.turn(t0, &mut never(), &mut |_, _| {
            n += 1;
            if n <= 4 { SendResult::Sent(1) } else { SendResult::Failed(Error::invalid("send", "the peer went away")) }
        });
        let err = done[0].outcome.as_ref().unwrap_err().to_string();
        assert!(err.contains("after 4 of 10 messages"), "{err}");
        assert!(q.is_empty());
    }

    /// The turn's budget runs out: the burst stops where it is, stays due, and goes on
    /// next turn; later bursts to its stream wait for it.
    #[test]
    fn the_turn_budget_stops_a_burst_and_the_next_turn_goes_on() {
        let t0 = Instant::now();
        let mut q = Bursts::default();
        q.push(burst(1, 3, 0, 100, 0), t0);
        q.push(burst(2, 3, 0, 1, 0), t0);
        let mut socket = Socket::new(1000);
        let mut calls = 0;
        let mut budget = || {
            calls += 1;
            calls > 3
        };
        assert!(q.turn(t0, &mut budget, &mut |b, n| socket.send(b, n)).is_empty());
        assert_eq!(socket.sent, vec![1; 3 * SEND_BATCH as usize], "three calls of a full batch");
        assert_eq!(q.next_due(), Some(t0));
        let done = q.turn(t0, &mut never(), &mut |b, n| socket.send(b, n));
        assert_eq!(socket.sent.len(), 101);
        assert_eq!(*socket.sent.last().unwrap(), 2);
        assert_eq!(done.len(), 2);
    }

    /// An unpaced burst goes `SEND_BATCH` messages per call, a paced one a message per
    /// call; a call the socket takes only part of counts what it took, and the totals are
    /// exact.
    #[test]
    fn unpaced_bursts_go_in_batches_and_partial_batches_count_exactly() {
        let t0 = Instant::now();
        let mut q = Bursts::default();
        q.push(burst(1, 3, 0, 100, 0), t0);
        let mut socket = Socket::new(40);
        assert!(q.turn(t0, &mut never(), &mut |b, n| socket.send(b, n)).is_empty());
        assert_eq!(socket.calls, vec![SEND_BATCH; 3], "took a batch, then 8 of the next, then EAGAIN");
        assert_eq!(socket.sent.len(), 40);
        socket.room = 1000;
        socket.calls.clear();
        q.unblock(EpId(1));
        let done = q.turn(t0 + RETRY_AFTER_WOULD_BLOCK, &mut never(), &mut |b, n| socket.send(b, n));
        assert_eq!(socket.calls, vec![SEND_BATCH, 100 - 40 - SEND_BATCH]);
        assert!(matches!(done[0].outcome, Ok(Reply::Sent { messages: 100, bytes: 800 })));

        q.push(burst(2, 3, 0, 3, 10), t0);
        socket.calls.clear();
        q.turn(t0, &mut never(), &mut |b, n| socket.send(b, n));
        assert_eq!(socket.calls, vec![1], "a paced burst is offered one message");
    }

    #[test]
    fn closing_an_endpoint_takes_its_bursts_out() {
        let t0 = Instant::now();
        let mut q = Bursts::default();
        q.push(burst(1, 3, 0, 10, 50), t0);
        let gone = q.remove_endpoint(EpId(1));
        assert_eq!(gone.len(), 1);
        assert!(q.is_empty() && q.next_due().is_none());
    }
}
