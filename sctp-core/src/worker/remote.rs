//! The worker in another process: the same commands and events, as frames over a byte
//! stream (pipes to a child `sctp-inspector worker --stdio`; later a sandbox kernel's
//! serial line). A frame is a 4-byte big-endian length and that many bytes of JSON — the
//! serde shape recordings already use. Decoding is sans-IO: `FrameReader` takes bytes as
//! they come and yields whole frames, refusing a frame longer than `MAX_FRAME`.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The longest frame accepted, bytes: far above any event (a host snapshot of thousands of
/// associations is a few MiB), low enough that a corrupt length cannot exhaust memory.
pub const MAX_FRAME: usize = 64 << 20;

/// Why a byte stream is not a stream of frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// A length above `MAX_FRAME`.
    TooLong(usize),
    /// A frame's JSON does not decode (serde's reason).
    Malformed(String),
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::TooLong(n) => write!(f, "a frame of {n} bytes, above the {MAX_FRAME}-byte limit"),
            FrameError::Malformed(why) => write!(f, "a frame that does not decode: {why}"),
        }
    }
}

/// What goes up a serial line from a worker inside a sandbox kernel: its events, and the
/// credit that lets the driver send more (`worker::flow`). Pipes carry bare events.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Up {
    /// One event (boxed: events are large, credits small).
    Event(Box<crate::worker::Stamped>),
    /// The worker consumed this many more bytes of requests.
    Credit(u32),
    /// The next bytes of the running capture's file, which is written on the driver's side
    /// (base64 in the frame's JSON).
    CaptureBytes(#[serde(with = "crate::b64")] Vec<u8>),
}

/// One value as a frame.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let json = serde_json::to_vec(value).unwrap_or_default();
    let mut out = Vec::with_capacity(4 + json.len());
    out.extend((json.len() as u32).to_be_bytes());
    out.extend(json);
    out
}

/// Reassembles frames from bytes in any split.
#[derive(Default)]
pub struct FrameReader {
    buf: Vec<u8>,
}

impl FrameReader {
    /// Adds bytes as they arrived.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole frame decoded, `Ok(None)` until one is complete; an error is final
    /// (the stream cannot be resynchronised).
    pub fn next_frame<T: DeserializeOwned>(&mut self) -> Result<Option<T>, FrameError> {
        if self.buf.len() < 4 {
            return Ok(None);
        }
        let len = u32::from_be_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]) as usize;
        if len > MAX_FRAME {
            return Err(FrameError::TooLong(len));
        }
        if self.buf.len() < 4 + len {
            return Ok(None);
        }
        let value = serde_json::from_slice(&self.buf[4..4 + len]).map_err(|e| FrameError::Malformed(e.to_string()));
        self.buf.drain(..4 + len);
        value.map(Some)
    }

    /// Bytes held for a frame not yet complete.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::{Command, Event, Request, Stamped};

    #[test]
    fn frames_survive_any_split_and_keep_their_order() {
        let a = Request { id: 1, command: Command::StopCapture };
        let b = Request { id: 2, command: Command::SetSampleInterval { ms: 50 } };
        let bytes = [encode(&a), encode(&b)].concat();
        for split in 0..bytes.len() {
            let mut r = FrameReader::default();
            let mut got = Vec::new();
            for part in [&bytes[..split], &bytes[split..]] {
                r.push(part);
                while let Some(req) = r.next_frame::<Request>().unwrap() {
                    got.push(req);
                }
            }
            assert_eq!(got, [a.clone(), b.clone()], "split at {split}");
            assert_eq!(r.pending(), 0);
        }
        let ev = Stamped { t: 1.5, event: Event::SampleInterval { ms: 5 } };
        let mut r = FrameReader::default();
        r.push(&encode(&ev));
        assert_eq!(r.next_frame::<Stamped>().unwrap(), Some(ev));
    }

    #[test]
    fn a_corrupt_stream_is_refused_without_reading_past_it() {
        let mut r = FrameReader::default();
        r.push(&u32::MAX.to_be_bytes());
        assert_eq!(r.next_frame::<Request>(), Err(FrameError::TooLong(u32::MAX as usize)));
        let mut r = FrameReader::default();
        r.push(&[0, 0, 0, 3, b'{', b'x', b'}']);
        assert!(matches!(r.next_frame::<Request>(), Err(FrameError::Malformed(_))));
    }
}
