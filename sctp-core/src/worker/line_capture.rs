//! Capture files of a worker inside a sandbox kernel, kept on this side of the line: the
//! person chose a path on this machine, and the sandbox sees this filesystem read-only. The
//! file is created here when the `StartCapture` request goes down (so a bad path is refused
//! here, with its reason), the guest streams the file's bytes up (`remote::Up::CaptureBytes`),
//! and the file is closed when the capture stops or is refused.

use super::{Command, Event, Request, Stamped, Warning};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

/// The capture file being written, shared by the thread that sends requests down and the
/// one that reads what comes up.
#[derive(Clone, Default)]
pub(super) struct LineCaptures(Arc<Mutex<Slot>>);

#[derive(Default)]
struct Slot {
    open: Option<Open>,
    /// The worker clock's time of the last event, for events made up on this side.
    last_t: f64,
}

struct Open {
    request: u64,
    path: PathBuf,
    file: std::fs::File,
    /// A write here failed: said once, the rest of the bytes dropped.
    failed: bool,
}

impl LineCaptures {
    fn slot(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Before a request goes down: a `StartCapture` gets its file created here. `Err` holds
    /// the refusal to report in the request's place (the request is not sent).
    pub(super) fn before_sending(&self, req: &Request) -> Result<(), Box<Stamped>> {
        let Command::StartCapture { path, .. } = &req.command else { return Ok(()) };
        let mut slot = self.slot();
        let refuse = |t: f64, detail: String| {
            Box::new(Stamped {
                t,
                event: Event::Done {
                    request: req.id,
                    ep: None,
                    option: None,
                    command: req.command.describe(),
                    outcome: Err(crate::Error::invalid(format!("capture packets to {}", path.display()), detail)),
                },
            })
        };
        if let Some(open) = &slot.open {
            return Err(refuse(slot.last_t, format!("a capture to {} is running; stop it first", open.path.display())));
        }
        match crate::files::create_private(path, "create capture") {
            Ok(file) => {
                slot.open = Some(Open { request: req.id, path: path.clone(), file, failed: false });
                Ok(())
            }
            Err(e) => Err(refuse(slot.last_t, e)),
        }
    }

    /// The next bytes of the open file; a write that fails is reported once, as the event
    /// to pass on.
    pub(super) fn write(&self, bytes: &[u8]) -> Option<Stamped> {
        let mut slot = self.slot();
        let t = slot.last_t;
        let open = slot.open.as_mut().filter(|o| !o.failed)?;
        match open.file.write_all(bytes) {
            Ok(()) => None,
            Err(e) => {
                open.failed = true;
                let why = format!("write {}: {e}", open.path.display());
                Some(Stamped { t, event: Event::Warning(Warning::CaptureFailed { why }) })
            }
        }
    }

    /// Every event that comes up: the file closes when its capture stopped or was refused.
    pub(super) fn observe(&self, ev: &Stamped) {
        let mut slot = self.slot();
        slot.last_t = slot.last_t.max(ev.t);
        let ends = match &ev.event {
            Event::CaptureStats { stopped, .. } => *stopped,
            Event::Done { request, outcome: Err(_), .. } => slot.open.as_ref().is_some_and(|o| o.request == *request),
            _ => false,
        };
        if ends {
            slot.open = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(id: u64, path: PathBuf) -> Request {
        Request { id, command: Command::StartCapture { path, netns: vec![None], max_bytes: 1 << 20 } }
    }

    fn refusal(ev: Box<Stamped>) -> String {
        match ev.event {
            Event::Done { outcome: Err(e), .. } => e.to_string(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_capture_over_the_line_lands_in_a_file_here_and_closes_when_it_stops() {
        let dir = tempfile::tempdir().unwrap();
        let captures = LineCaptures::default();
        let path = dir.path().join("a.pcapng");
        captures.before_sending(&start(1, path.clone())).unwrap();
        let second = refusal(captures.before_sending(&start(2, dir.path().join("b.pcapng"))).unwrap_err());
        assert!(second.contains("a.pcapng is running"), "{second}");
        assert!(!dir.path().join("b.pcapng").exists(), "a refused capture leaves no file");
        assert!(captures.write(b"pcapng ").is_none());
        assert!(captures.write(b"bytes").is_none());
        let stats = Event::CaptureStats { stats: Default::default(), stopped: true, failure: None };
        captures.observe(&Stamped { t: 2.0, event: stats });
        assert!(captures.write(b" after the stop").is_none());
        assert_eq!(std::fs::read(&path).unwrap(), b"pcapng bytes");
        // Stopped: the next capture may start; one the guest refuses closes it again.
        captures.before_sending(&start(3, dir.path().join("c.pcapng"))).unwrap();
        let refused = crate::Error::invalid("capture", "no such namespace");
        let done = Event::Done { request: 3, ep: None, option: None, command: String::new(), outcome: Err(refused) };
        captures.observe(&Stamped { t: 3.0, event: done });
        captures.before_sending(&start(4, dir.path().join("d.pcapng"))).unwrap();
    }

    #[test]
    fn a_path_that_cannot_be_created_is_refused_here_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let captures = LineCaptures::default();
        let why = refusal(captures.before_sending(&start(1, dir.path().join("no/such/dir/x.pcapng"))).unwrap_err());
        assert!(why.contains("x.pcapng") && why.contains("No such file"), "{why}");
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, b"keep me").unwrap();
        let link = dir.path().join("link.pcapng");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let why = refusal(captures.before_sending(&start(2, link)).unwrap_err());
        assert!(why.contains("symbolic link"), "{why}");
        assert_eq!(std::fs::read(&target).unwrap(), b"keep me", "nothing is written through a link");
    }
}
