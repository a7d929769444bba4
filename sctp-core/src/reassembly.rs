//! Messages the kernel hands out in pieces (a message larger than one receive, or partial
//! delivery), put back together — one per association and stream, because with fragment
//! interleaving (SCTP_FRAGMENT_INTERLEAVE) pieces of several messages arrive mixed on one
//! socket. Pure: fed pieces, it says when a message is complete. Bounded: each message at
//! most `MAX_MESSAGE` bytes and all of them together at most `MAX_HELD` (past that the
//! message is read to its end and reported too large, not kept).

use crate::AssocId;
use std::collections::HashMap;

/// The largest message reassembled; a larger one is reported, not kept.
pub const MAX_MESSAGE: usize = 16 << 20;
/// All messages in progress together.
pub const MAX_HELD: usize = 64 << 20;

/// Which message a piece belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PieceOf {
    /// The piece is of a notification (MSG_NOTIFICATION), not data; notifications are keyed
    /// with association 0 and stream 0.
    pub notification: bool,
    /// The association the data arrived on (SCTP_RCVINFO `rcv_assoc_id`).
    pub assoc: AssocId,
    /// The stream the data arrived on (SCTP_RCVINFO `rcv_sid`).
    pub stream: u16,
}

#[derive(Debug, Default)]
struct Partial {
    bytes: Vec<u8>,
    /// Bytes received past the limits (not kept).
    overflow: usize,
}

/// A finished message: its bytes, and how many more arrived than could be kept.
#[derive(Debug, PartialEq, Eq)]
pub struct Whole {
    /// The message as kept: at most `MAX_MESSAGE` bytes.
    pub bytes: Vec<u8>,
    /// Bytes that arrived past the limits and were not kept (0: the message is whole).
    pub overflow: usize,
}

/// Messages being put back together, one per (notification, association, stream); bounded by
/// `MAX_MESSAGE` each and `MAX_HELD` in all.
#[derive(Debug, Default)]
pub struct Reassembly {
    parts: HashMap<PieceOf, Partial>,
    held: usize,
}

impl Reassembly {
    /// Adds one piece; the whole message when `end` (MSG_EOR) says it is the last.
    pub fn add(&mut self, of: PieceOf, piece: &[u8], end: bool) -> Option<Whole> {
        let p = self.parts.entry(of).or_default();
        let room = MAX_MESSAGE.saturating_sub(p.bytes.len()).min(MAX_HELD.saturating_sub(self.held));
        let keep = piece.len().min(room);
        p.bytes.extend_from_slice(&piece[..keep]);
        p.overflow += piece.len() - keep;
        self.held += keep;
        if !end {
            return None;
        }
        let done = self.parts.remove(&of).unwrap_or_default();
        self.held -= done.bytes.len();
        Some(Whole { bytes: done.bytes, overflow: done.overflow })
    }

    /// Forgets a message whose delivery was aborted (PARTIAL_DELIVERY_EVENT).
    pub fn abandon(&mut self, assoc: AssocId, stream: u16) {
        if let Some(p) = self.parts.remove(&PieceOf { notification: false, assoc, stream }) {
            self.held -= p.bytes.len();
        }
    }

    /// Everything in progress for one association, moved out (peeloff: the rest of those
    /// messages arrives on the new socket).
    pub fn take_assoc(&mut self, assoc: AssocId) -> Reassembly {
        let keys: Vec<PieceOf> = self.parts.keys().filter(|k| k.assoc == assoc).copied().collect();
        let mut out = Reassembly::default();
        for k in keys {
            if let Some(p) = self.parts.remove(&k) {
                self.held -= p.bytes.len();
                out.held += p.bytes.len();
                out.parts.insert(k, p);
            }
        }
        out
    }

    /// Forgets everything (the peer closed).
    pub fn clear(&mut self) {
        *self = Reassembly::default();
    }

    /// Bytes held in messages not yet complete.
    pub fn held(&self) -> usize {
        self.held
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(assoc: i32, stream: u16) -> PieceOf {
        PieceOf { notification: false, assoc: AssocId(assoc), stream }
    }

    #[test]
    fn interleaved_pieces_of_two_associations_make_two_whole_messages() {
        let mut r = Reassembly::default();
        assert_eq!(r.add(of(1, 0), b"AAAA", false), None);
        assert_eq!(r.add(of(2, 0), b"bbbb", false), None);
        assert_eq!(r.add(of(1, 0), b"AA", true), Some(Whole { bytes: b"AAAAAA".to_vec(), overflow: 0 }));
        assert_eq!(
            r.add(of(2, 3), b"other stream", true),
            Some(Whole { bytes: b"other stream".to_vec(), overflow: 0 })
        );
        assert_eq!(r.add(of(2, 0), b"bb", true), Some(Whole { bytes: b"bbbbbb".to_vec(), overflow: 0 }));
        assert_eq!(r.held(), 0);
    }

    #[test]
    fn a_peeled_off_association_takes_its_pieces_along() {
        let mut old = Reassembly::default();
        old.add(of(1, 0), b"first half ", false);
        old.add(of(2, 0), b"stays", false);
        let mut new = old.take_assoc(AssocId(1));
        assert_eq!(new.add(of(1, 0), b"second half", true).unwrap().bytes, b"first half second half");
        assert_eq!((old.held(), new.held()), (5, 0));
    }

    #[test]
    fn limits_count_instead_of_keeping_and_aborts_free_memory() {
        let mut r = Reassembly::default();
        let chunk = vec![0u8; 1 << 20];
        for _ in 0..16 {
            r.add(of(1, 0), &chunk, false);
        }
        let whole = r.add(of(1, 0), &chunk, true).unwrap();
        assert_eq!((whole.bytes.len(), whole.overflow), (MAX_MESSAGE, 1 << 20));
        r.add(of(2, 0), &chunk, false);
        r.abandon(AssocId(2), 0);
        assert_eq!(r.held(), 0);
        // All messages together stay under MAX_HELD.
        for a in 0..8 {
            for _ in 0..12 {
                r.add(of(a, 0), &chunk, false);
            }
        }
        assert!(r.held() <= MAX_HELD, "{}", r.held());
    }
}
