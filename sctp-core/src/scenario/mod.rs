//! Scenarios: repeatable sequences of what the window can do, with expectations, run on
//! the same worker and model as the window — headless (`sctp-inspector run FILE`) or step
//! by step in the window — and recordings of everything that happened (JSONL).

mod format;
pub mod profile;
pub mod record;
mod runner;

pub use format::{LoadError, MetricName, Scenario, ScopeName, Step};
pub use runner::{Progress, Runner, StepReport, summary};
