//! Keyboard shortcuts: one table, read by the window each frame and listed by the help
//! overlay (F1), so what is bound and what is shown cannot drift apart.

use egui::{Context, Key, KeyboardShortcut, Modifiers};

/// What a shortcut asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortcut {
    /// Send the last message again (same endpoint, association, stream, flags, payload).
    SendAgain,
    /// Pause the plots and the log, or follow them again.
    ToggleFollow,
    FocusLogFilter,
    NextAssociation,
    PreviousAssociation,
    OpenScenario,
    SaveProfile,
    RecordSession,
    Help,
    /// Teaching mode: the explanation panel stays open.
    Teach,
}

pub const SHORTCUTS: [(KeyboardShortcut, Shortcut, &str); 10] = [
    (KeyboardShortcut::new(Modifiers::COMMAND, Key::Enter), Shortcut::SendAgain, "send the last message again"),
    (KeyboardShortcut::new(Modifiers::COMMAND, Key::P), Shortcut::ToggleFollow, "pause or follow plots and log"),
    (KeyboardShortcut::new(Modifiers::COMMAND, Key::F), Shortcut::FocusLogFilter, "filter the event log"),
    (KeyboardShortcut::new(Modifiers::ALT, Key::ArrowDown), Shortcut::NextAssociation, "next association"),
    (KeyboardShortcut::new(Modifiers::ALT, Key::ArrowUp), Shortcut::PreviousAssociation, "previous association"),
    (KeyboardShortcut::new(Modifiers::COMMAND, Key::O), Shortcut::OpenScenario, "open a scenario or profile"),
    (KeyboardShortcut::new(Modifiers::COMMAND, Key::S), Shortcut::SaveProfile, "save this session as a profile"),
    (KeyboardShortcut::new(Modifiers::COMMAND, Key::R), Shortcut::RecordSession, "record this session"),
    (KeyboardShortcut::new(Modifiers::NONE, Key::F1), Shortcut::Help, "show or hide this list"),
    (KeyboardShortcut::new(Modifiers::NONE, Key::F2), Shortcut::Teach, "teaching mode: explain what is hovered"),
];

/// The shortcuts pressed since the last frame (consumed, so widgets do not also see them).
pub fn pressed(ctx: &Context) -> Vec<Shortcut> {
    ctx.input_mut(|i| SHORTCUTS.iter().filter(|(keys, _, _)| i.consume_shortcut(keys)).map(|(_, s, _)| *s).collect())
}

/// The help overlay: every shortcut and what it does.
pub fn help(ctx: &Context, open: &mut bool) {
    egui::Window::new("Keyboard shortcuts").open(open).collapsible(false).resizable(false).show(ctx, |ui| {
        egui::Grid::new("shortcuts").num_columns(2).striped(true).show(ui, |ui| {
            for (keys, _, what) in &SHORTCUTS {
                ui.monospace(ctx.format_shortcut(keys));
                ui.label(*what);
                ui.end_row();
            }
        });
    });
}
