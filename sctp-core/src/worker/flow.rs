//! Credit-based flow control for a byte line that must never hold much unread data — the
//! sandbox kernel's serial line, where more than about 4 KiB waiting toward the guest makes
//! User-Mode Linux throttle the line and never re-arm it (arch/um/drivers/line.c). The
//! sender may have at most `window` bytes written and not yet credited; the receiver grants
//! credit back (on the other direction, which has no such limit) as it consumes bytes, in
//! grants of at least `grant_every` bytes so acknowledgements stay few. Sans-IO: both
//! halves are plain state, tested against a model of the line.

use std::collections::VecDeque;

/// The most bytes toward the guest that may be in flight: half of what UML tolerates.
pub const WINDOW: usize = 2048;
/// The receiver returns credit in steps of this many bytes (or less, when idle).
pub const GRANT_EVERY: usize = 512;

/// The sending half: queues bytes and releases them as credit allows.
#[derive(Debug)]
pub struct CreditSender {
    window: usize,
    in_flight: usize,
    queued: VecDeque<u8>,
}

impl CreditSender {
    /// A sender that keeps at most `window` bytes unacknowledged.
    pub fn new(window: usize) -> Self {
        CreditSender { window: window.max(1), in_flight: 0, queued: VecDeque::new() }
    }

    /// Queues bytes to send (a whole frame, say).
    pub fn queue(&mut self, bytes: &[u8]) {
        self.queued.extend(bytes);
    }

    /// The bytes that may be written now (counted as in flight from here on).
    pub fn take_sendable(&mut self) -> Vec<u8> {
        let n = (self.window - self.in_flight).min(self.queued.len());
        self.in_flight += n;
        self.queued.drain(..n).collect()
    }

    /// The receiver consumed `n` more bytes; a grant larger than what is in flight is a
    /// protocol error (the receiver credits only bytes it read).
    pub fn credit(&mut self, n: usize) -> Result<(), String> {
        if n > self.in_flight {
            return Err(format!("a credit of {n} bytes with only {} in flight", self.in_flight));
        }
        self.in_flight -= n;
        Ok(())
    }

    /// Bytes written and not yet credited.
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// Bytes waiting for credit.
    pub fn queued(&self) -> usize {
        self.queued.len()
    }
}

/// The receiving half: counts consumed bytes and says when to grant them back.
#[derive(Debug, Default)]
pub struct CreditReceiver {
    ungranted: usize,
}

impl CreditReceiver {
    /// `n` bytes were read off the line (and will be processed): a grant to send back,
    /// once `grant_every` bytes have gathered.
    pub fn consumed(&mut self, n: usize, grant_every: usize) -> Option<usize> {
        self.ungranted += n;
        (self.ungranted >= grant_every).then(|| std::mem::take(&mut self.ungranted))
    }

    /// The line is idle: grant whatever is left, so a sender waiting on a last few bytes of
    /// credit is not stalled.
    pub fn idle(&mut self) -> Option<usize> {
        (self.ungranted > 0).then(|| std::mem::take(&mut self.ungranted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line that, like UML's, breaks for good when more than `limit` bytes wait unread.
    struct Line {
        waiting: VecDeque<u8>,
        limit: usize,
        most: usize,
    }

    impl Line {
        fn write(&mut self, bytes: &[u8]) {
            self.waiting.extend(bytes);
            self.most = self.most.max(self.waiting.len());
            assert!(
                self.waiting.len() <= self.limit,
                "{} bytes waiting: the line would throttle for good",
                self.waiting.len()
            );
        }
        fn read(&mut self, max: usize) -> Vec<u8> {
            let n = max.min(self.waiting.len());
            self.waiting.drain(..n).collect()
        }
    }

    #[test]
    fn ten_megabytes_cross_without_ever_overfilling_the_line() {
        let total = 10 << 20;
        let data: Vec<u8> = (0..total).map(|i| (i * 7 % 251) as u8).collect();
        let mut sender = CreditSender::new(WINDOW);
        let mut receiver = CreditReceiver::default();
        let mut line = Line { waiting: VecDeque::new(), limit: 4096, most: 0 };
        let mut got = Vec::with_capacity(total);
        // The application queues it in 64 KiB frames; the guest reads 1 byte at a time, as
        // UML's host side does, a few hundred per turn.
        for frame in data.chunks(64 << 10) {
            sender.queue(frame);
        }
        let mut turns = 0;
        while got.len() < total {
            turns += 1;
            assert!(turns < 10_000_000, "stalled with {} received", got.len());
            line.write(&sender.take_sendable());
            let read = line.read(300);
            got.extend_from_slice(&read);
            let grant = receiver
                .consumed(read.len(), GRANT_EVERY)
                .or_else(|| if read.is_empty() { receiver.idle() } else { None });
            if let Some(n) = grant {
                sender.credit(n).unwrap();
            }
        }
        assert!(got == data, "every byte, in order");
        assert!(line.most <= WINDOW, "at most the window waited on the line: {}", line.most);
        assert_eq!((sender.queued(), line.waiting.len()), (0, 0));
    }

    #[test]
    fn credit_for_bytes_never_sent_is_refused() {
        let mut s = CreditSender::new(8);
        s.queue(b"hello world");
        assert_eq!(s.take_sendable(), b"hello wo");
        assert_eq!(s.take_sendable(), b"", "the window is full");
        assert!(s.credit(9).is_err());
        s.credit(5).unwrap();
        assert_eq!(s.take_sendable(), b"rld");
        assert_eq!(s.in_flight(), 6);
    }

    #[test]
    fn grants_gather_until_the_step_or_an_idle_line() {
        let mut r = CreditReceiver::default();
        assert_eq!(r.consumed(300, 512), None);
        assert_eq!(r.consumed(300, 512), Some(600));
        assert_eq!(r.consumed(10, 512), None);
        assert_eq!(r.idle(), Some(10));
        assert_eq!(r.idle(), None);
    }
}
