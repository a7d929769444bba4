//! A scenario in the window: its steps with what each did, run all or one step at a time.
//! The app owns the runner (it needs the worker); this panel shows it and sets intents.

use egui::{Color32, RichText, Ui};
use sctp_core::scenario::Runner;

/// What the person asked for in this pass.
#[derive(Default)]
pub struct ScenarioIntents {
    pub open: bool,
    pub step: bool,
    pub run: bool,
    pub pause: bool,
}

pub fn ui(
    ui: &mut Ui,
    runner: Option<&Runner>,
    running: bool,
    result: Option<&Result<(), String>>,
    intents: &mut ScenarioIntents,
) {
    ui.horizontal(|ui| {
        intents.open |= ui.button("Open scenario…").clicked();
        if runner.is_some() {
            if running {
                intents.pause |= ui.button("Pause").clicked();
            } else {
                intents.run |= ui.button("Run").clicked();
                intents.step |= ui.button("Step").clicked();
            }
        }
    });
    let Some(runner) = runner else {
        ui.label("Open a scenario (TOML, see assets/scenarios/) to run it here step by step.");
        return;
    };
    ui.strong(&runner.scenario.name);
    if !runner.scenario.description.is_empty() {
        ui.label(RichText::new(runner.scenario.description.trim()).weak());
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
