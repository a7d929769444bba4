//! The benchmark run (see README: "Benchmarks"). Inside the rig:
//! `bench --c-floor PATH [--smoke] [--only SECTION] [--out FILE]` prints the results table and writes it
//! with the date and kernel to FILE.

use sctp_inspector_tests::bench::{self, Row, Sizes};
use std::path::PathBuf;
use std::process::ExitCode;

/// One benchmark section: adds its rows, or says why it could not run.
type Section<'a> = dyn Fn(&mut Vec<Row>) -> Result<(), String> + 'a;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (mut smoke, mut out, mut floor, mut only) = (false, None, None, None);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--smoke" => smoke = true,
            "--out" => out = args.next().map(PathBuf::from),
            "--c-floor" => floor = args.next().map(PathBuf::from),
            "--only" => only = args.next(),
            other => {
                eprintln!(
                    "bench: unknown argument {other}; usage: bench --c-floor PATH [--smoke] [--only SECTION] [--out FILE]"
                );
                return ExitCode::from(2);
            }
        }
    }
    let Some(floor) = floor else {
        eprintln!("bench: --c-floor PATH (the compiled tests/bench/sampler_floor.c) is needed");
        return ExitCode::from(2);
    };
    let sizes = if smoke { Sizes::SMOKE } else { Sizes::FULL };
    let mut rows: Vec<Row> = Vec::new();
    let mut failed = false;
    let sections: [(&str, &Section); 5] = [
        ("sampler", &|rows| bench::sampler::run(&sizes, &floor, rows)),
        ("host", &|rows| bench::host::run(&sizes, rows)),
        ("plots", &|rows| {
            bench::plots::run(&sizes, rows);
            Ok(())
        }),
        ("data path", &|rows| bench::datapath::run(&sizes, rows)),
        ("memory", &|rows| {
            bench::memory::run(&sizes, rows);
            Ok(())
        }),
    ];
    for (name, section) in sections {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        eprintln!("bench: {name}…");
        if let Err(e) = section(&mut rows) {
            eprintln!("bench: {name} failed: {e}");
            rows.push(Row::info("error", name, e));
            failed = true;
        }
    }
    let kernel = sctp_core::process::kernel_release().unwrap_or_default();
    let hz = sctp_core::KernelHz::get();
    let date = std::process::Command::new("date")
        .arg("-u")
        .arg("+%Y-%m-%d %H:%M UTC")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let text = format!(
        "# Benchmark results\n\n{date} · kernel {kernel} (HZ {}) · {} run\n\n{}",
        hz.hz,
        if smoke { "smoke" } else { "full" },
        bench::table(&rows)
    );
    println!("{text}");
    if let Some(path) = out
        && let Err(e) = std::fs::write(&path, &text)
    {
        eprintln!("bench: write {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
