//! Recordings: one JSON object per line — every command sent, every event the worker
//! emitted (notifications, data, samples, results) and every scenario step's outcome, each
//! with the worker's clock. A recording replays into a `Model` without any socket.

use crate::model::Model;
use crate::worker::{Request, Stamped};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::Path;

/// One line of a recording (JSON Lines), tagged by its `"record"` key: `command`, `event` or `step`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum RecordLine {
    /// A command sent to the worker.
    Command {
        /// When it was sent, on the worker's clock: seconds, the latest event time seen by then.
        t: f64,
        /// The command with its request id (the id its `Done` event answers).
        request: Request,
    },
    /// An event the worker emitted (notification, data, sample, result…), with its time.
    Event(Stamped),
    /// How one scenario step ended.
    Step {
        /// When it finished: the worker's clock, seconds (the latest event seen by then).
        t: f64,
        /// The step's 0-based position in the scenario.
        index: usize,
        /// The step's `do` value, e.g. `expect_event`.
        verb: String,
        /// One line describing the step, as timelines show it.
        summary: String,
        /// Whether the step passed.
        ok: bool,
        /// What it did when it passed, or why it failed.
        detail: String,
    },
}

/// Writes a recording as it happens (line-buffered, so a crash loses at most one line).
pub struct Recorder {
    out: std::io::LineWriter<std::fs::File>,
    path: String,
}

impl Recorder {
    /// Creates (or truncates) the file at `path`, owner-only (0600); a symbolic link there is refused.
    pub fn create(path: &Path) -> Result<Recorder, String> {
        let file = crate::files::create_private(path, "create recording")?;
        Ok(Recorder { out: std::io::LineWriter::new(file), path: path.display().to_string() })
    }

    /// Appends one line; the error names the file.
    pub fn write(&mut self, line: &RecordLine) -> Result<(), String> {
        let json = serde_json::to_string(line).map_err(|e| format!("encode recording line: {e}"))?;
        writeln!(self.out, "{json}").map_err(|e| format!("write recording {}: {e}", self.path))
    }
}

/// Reads a recording; a bad line is reported with its number and the reason.
pub fn load(path: &Path) -> Result<Vec<RecordLine>, String> {
    let bytes = crate::files::read_capped(path, crate::files::MAX_DOCUMENT, "recording")?;
    parse(&path.display().to_string(), std::io::BufReader::new(&bytes[..]))
}

/// Parses recording text line by line (blank lines skipped); `name` labels errors as `NAME:LINE:COLUMN`.
pub fn parse(name: &str, reader: impl BufRead) -> Result<Vec<RecordLine>, String> {
    let mut out = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| format!("{name}:{}: cannot read: {e}", i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let rec = serde_json::from_str(&line)
            .map_err(|e| format!("{name}:{}:{}: not a recording line: {e}", i + 1, e.column()))?;
        out.push(rec);
    }
    Ok(out)
}

/// A model rebuilt from a recording's events.
pub fn replay(lines: &[RecordLine]) -> Model {
    let mut model = Model::default();
    for line in lines {
        if let RecordLine::Event(ev) = line {
            model.apply(ev);
        }
    }
    model
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::{Command, EpId, Event};

    #[test]
    fn lines_round_trip_and_replay_into_a_model() {
        let lines = vec![
            RecordLine::Command { t: 0.0, request: Request { id: 1, command: Command::Close { ep: EpId(1) } } },
            RecordLine::Event(Stamped {
                t: 0.5,
                event: Event::Warning(crate::worker::Warning::Text { text: "w".into() }),
            }),
            RecordLine::Step {
                t: 0.6,
                index: 0,
                verb: "close".into(),
                summary: "close x".into(),
                ok: true,
                detail: String::new(),
            },
        ];
        let text: String = lines.iter().map(|l| serde_json::to_string(l).unwrap() + "\n").collect();
        let back = parse("r.jsonl", text.as_bytes()).unwrap();
        assert_eq!(back, lines);
        let model = replay(&back);
        assert_eq!(model.log.len(), 1);
        assert_eq!(model.now, 0.5);
    }

    #[test]
    fn a_bad_line_is_named() {
        let e = parse("r.jsonl", "\n{\"record\":\"nope\"}\n".as_bytes()).unwrap_err();
        assert!(e.starts_with("r.jsonl:2:"), "{e}");
    }
}
