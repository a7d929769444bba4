//! A scenario in the window: its steps with what each did, run all or one step at a time.
//! The session runs it; this panel shows it and asks for Run, Pause, Step or a file.

use super::{AppCommand, ScenarioControl};
use crate::app::FileAction;
use egui::{Color32, RichText, Ui};
use sctp_core::scenario::Runner;

pub fn ui(
    ui: &mut Ui,
    runner: Option<&Runner>,
    running: bool,
    result: Option<&Result<(), String>>,
    out: &mut Vec<AppCommand>,
) {
    ui.horizontal(|ui| {
        if ui.button("Open scenario…").clicked() {
            out.push(AppCommand::PickFile(FileAction::OpenScenario));
        }
        if runner.is_some() {
            let buttons: &[(&str, ScenarioControl)] = if running {
                &[("Pause", ScenarioControl::Pause)]
            } else {
                &[("Run", ScenarioControl::Run), ("Step", ScenarioControl::Step)]
            };
            for (label, control) in buttons {
                if ui.button(*label).clicked() {
                    out.push(AppCommand::Scenario(*control));
                }
            }
        }
    });
    let Some(runner) = runner else {
        ui.label("Open a scenario (TOML, see assets/scenarios/) to run it here step by step.");
        return;
    };
    ui.strong(&runner.scenario.name);
    if !runner.scenario.description.is_empty() {
        ui.label(RichText::new(reflow(&runner.scenario.description)).weak());
    }
    match result {
        Some(Ok(())) => {
            ui.colored_label(Color32::from_rgb(60, 180, 75), "passed");
        }
        Some(Err(e)) => {
            ui.colored_label(Color32::from_rgb(220, 50, 47), e);
        }
        None => {}
    }
    ui.separator();
    for (i, step) in runner.scenario.steps.iter().enumerate() {
        let report = runner.reports.iter().find(|r| r.index == i);
        let (mark, color) = match report.map(|r| &r.outcome) {
            Some(Ok(_)) => ("ok", Color32::from_rgb(60, 180, 75)),
            Some(Err(_)) => ("FAILED", Color32::from_rgb(220, 50, 47)),
            None if i == runner.current() => ("next", Color32::from_rgb(240, 170, 30)),
            None => ("", Color32::GRAY),
        };
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(format!("{:>2}", i + 1)).monospace());
            ui.label(RichText::new(mark).color(color).monospace());
            ui.label(sctp_core::scenario::summary(step));
        });
        if let Some(r) = report {
            let detail = match &r.outcome {
                Ok(d) | Err(d) => d,
            };
            if !detail.is_empty() {
                ui.label(RichText::new(format!("      {:.3}s  {detail}", r.t)).small().weak());
            }
        }
    }
}

/// A description as written in TOML (lines wrapped by hand) as paragraphs the panel wraps
/// itself: single line breaks become spaces, blank lines stay.
pub fn reflow(text: &str) -> String {
    text.trim()
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod reflow_tests {
    #[test]
    fn hand_wrapped_lines_join_and_paragraphs_stay() {
        assert_eq!(super::reflow("one\ntwo  three\n\nfour\n"), "one two three\n\nfour");
    }
}
