//! sctp-inspector: see and drive SCTP associations on a real Linux kernel stack.

use clap::{Parser, Subcommand};
use sctp_inspector::app::{InspectorApp, STORAGE_KEY, UiState};
use sctp_inspector::demo::Demo;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(version, about = "See and drive SCTP associations on a real Linux kernel stack", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    /// Which kernel to drive: this host's if it has SCTP, else a sandbox kernel
    /// (User-Mode Linux, booted by tests/rig/rig without root) with the worker inside.
    #[arg(long, value_enum, default_value_t, global = true)]
    kernel: sctp_inspector::kernel::KernelChoice,
    /// Benchmarks: print the time from start to the first frame shown, then close.
    #[arg(long, hide = true)]
    first_frame_and_exit: bool,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a scenario file with no window; exit status 0 = every step passed, 1 = a step
    /// failed (the message says which and why), 2 = the file could not be used.
    Run {
        /// The scenario (TOML; see assets/scenarios/README.md).
        file: PathBuf,
        /// Write every command, event, metric sample and step result to this JSONL file.
        #[arg(long)]
        record: Option<PathBuf>,
        /// Also capture the scenario's SCTP packets into a pcapng beside the recording (same
        /// name, .pcapng), on the recording's clock: the lab's side A (both paths), or this
        /// namespace without a lab. Needs CAP_NET_RAW.
        #[arg(long, requires = "record")]
        capture: bool,
        /// The capture file's size cap, MiB; past it packets are counted, not written.
        #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
        capture_max_mib: u64,
        /// Also print every received message.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Run the scripted two-path demo in the window and save screenshots (its lab is built
    /// by the worker: in the rig's kernel, or in the sandbox kernel where the host has no SCTP).
    Demo {
        /// Folder for the PNGs.
        #[arg(long, default_value = "screenshots")]
        screenshots: PathBuf,
    },
    /// Serve every SCTP association on this host (or in one network namespace) over HTTP with
    /// no window: Prometheus metrics at /metrics, the latest snapshot as JSON at /api/snapshot.
    ///
    /// It listens on 127.0.0.1:9755 by default. The metrics reveal the peer addresses and the
    /// owning processes of every association on the host, so binding a non-loopback address
    /// is refused (exit status 2) unless a token is set: then every request needs
    /// `Authorization: Bearer TOKEN`. Set the token in the environment variable
    /// SCTP_INSPECTOR_TOKEN rather than with --token, which shows in `ps`. Stops with exit
    /// status 0 on SIGTERM or SIGINT; exit status 2 when the address cannot be bound.
    Agent(sctp_inspector::agent::AgentArgs),
    /// The worker alone, driven by another sctp-inspector over a byte stream: commands in,
    /// events out, as length-prefixed JSON frames. It closes every socket and exits when its
    /// input closes.
    Worker {
        /// Take requests on stdin and write events to stdout.
        #[arg(long, required_unless_present = "line", conflicts_with = "line")]
        stdio: bool,
        /// Use this serial line (a sandbox kernel's /dev/ttyS1), raw, with credit-based flow
        /// control toward this side.
        #[arg(long)]
        line: Option<PathBuf>,
    },
}

fn native_options() -> eframe::NativeOptions {
    // The app id is the X11 WM_CLASS / Wayland app id: the desktop entry's StartupWMClass.
    let mut viewport = egui::ViewportBuilder::default()
        .with_inner_size([1600.0, 1000.0])
        .with_title("sctp-inspector")
        .with_app_id("sctp-inspector");
    match sctp_inspector::window_icon() {
        Ok(icon) => viewport = viewport.with_icon(icon),
        Err(e) => eprintln!("sctp-inspector: the window icon: {e}"),
    }
    eframe::NativeOptions { viewport, ..Default::default() }
}

/// The window, closing once its first frame is on screen and saying when that was (the
/// start-up benchmark). The second frame's start is the first one's end.
struct FirstFrame {
    app: InspectorApp,
    started: std::time::Instant,
    frames: u32,
}

impl eframe::App for FirstFrame {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frames += 1;
        if self.frames == 2 {
            println!("first frame after {:.1} ms", self.started.elapsed().as_secs_f64() * 1e3);
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
        }
        self.app.ui(ui);
        ui.ctx().request_repaint();
    }
}

/// The window with a demo driving it.
struct DemoApp {
    app: InspectorApp,
    demo: Demo,
    failure: std::sync::Arc<std::sync::Mutex<Option<String>>>,
}

impl eframe::App for DemoApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        if !self.demo.tick(&mut self.app, ui.ctx()) {
            *self.failure.lock().unwrap_or_else(|e| e.into_inner()) = self.demo.failure.clone();
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
        }
        self.app.ui(ui);
    }
}

fn main() -> ExitCode {
    let started = std::time::Instant::now();
    let cli = Cli::parse();
    sctp_inspector::diagnostics::init_log();
    let result = match cli.command {
        Some(Cmd::Agent(args)) => return sctp_inspector::agent::main(args),
        Some(Cmd::Worker { stdio: _, line }) => {
            let served = match line {
                Some(path) => sctp_core::worker::open_line(&path)
                    .map_err(|e| std::io::Error::other(format!("open {}: {e}", path.display())))
                    .and_then(|(input, output)| {
                        sctp_core::worker::serve_over(input, output, sctp_core::worker::Link::Line)
                    }),
                None => sctp_core::worker::serve(std::io::stdin(), std::io::stdout()),
            };
            return match served {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("sctp-inspector worker: {e}");
                    ExitCode::from(1)
                }
            };
        }
        Some(Cmd::Run { file, record, capture, capture_max_mib, verbose }) => {
            let pcapng = record.as_deref().filter(|_| capture).map(sctp_core::capture::beside);
            let capture = pcapng.as_deref().map(|p| (p, capture_max_mib << 20));
            let opts =
                sctp_inspector::headless::Options { record: record.as_deref(), capture, verbose, kernel: cli.kernel };
            return match sctp_inspector::headless::run(&file, &opts, &mut std::io::stdout()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(sctp_inspector::headless::RunError::Step(_)) => ExitCode::from(1),
                Err(sctp_inspector::headless::RunError::Interrupted) => ExitCode::from(130),
                Err(sctp_inspector::headless::RunError::Input(e)) => {
                    eprintln!("sctp-inspector run: {e}");
                    ExitCode::from(2)
                }
            };
        }
        None => eframe::run_native(
            "sctp-inspector",
            native_options(),
            Box::new(move |cc| {
                let state: UiState = cc.storage.and_then(|s| eframe::get_value(s, STORAGE_KEY)).unwrap_or_default();
                let app = InspectorApp::new(&cc.egui_ctx, state, cli.kernel)?;
                Ok(if cli.first_frame_and_exit {
                    Box::new(FirstFrame { app, started, frames: 0 })
                } else {
                    Box::new(app)
                })
            }),
        ),
        Some(Cmd::Demo { screenshots }) => {
            if let Err(e) = std::fs::create_dir_all(&screenshots) {
                eprintln!("sctp-inspector demo: create {}: {e}", screenshots.display());
                return ExitCode::FAILURE;
            }
            let failure = std::sync::Arc::new(std::sync::Mutex::new(None));
            let f = std::sync::Arc::clone(&failure);
            let options = eframe::NativeOptions { persist_window: false, ..native_options() };
            let r = eframe::run_native(
                "sctp-inspector-demo",
                options,
                Box::new(move |cc| {
                    let app = InspectorApp::new(&cc.egui_ctx, UiState::default(), cli.kernel)?;
                    Ok(Box::new(DemoApp { app, demo: Demo::new(screenshots), failure: f }))
                }),
            );
            if let Some(e) = failure.lock().unwrap_or_else(|e| e.into_inner()).take() {
                eprintln!("sctp-inspector {e}");
                return ExitCode::FAILURE;
            }
            r
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sctp-inspector: {e}");
            ExitCode::FAILURE
        }
    }
}
