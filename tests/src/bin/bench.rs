//! The benchmark run (see README: "Benchmarks"). Inside the rig:
//! `bench --c-floor PATH [--smoke] [--only SECTION] [--out FILE]` prints the results table and writes it
//! with the date and kernel to FILE. On the host, `bench --sandbox [--smoke] [--out FILE]` measures
//! the sandbox kernel driven from here and appends its table to FILE. `--json FILE` also
//! writes the rows as JSON; `bench --merge A.json --merge B.json --out FILE` makes one table
//! of runs on several kernels.

use sctp_inspector_tests::bench::{self, Row, Sizes};
use std::path::PathBuf;
use std::process::ExitCode;

/// One benchmark section: adds its rows, or says why it could not run.
type Section<'a> = dyn Fn(&mut Vec<Row>) -> Result<(), String> + 'a;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (mut smoke, mut out, mut floor, mut only, mut sandbox) = (false, None, None, None, false);
    let (mut json, mut merge, mut skip) = (None, Vec::new(), Vec::new());
    while let Some(a) = args.next() {
        match a.as_str() {
            "--smoke" => smoke = true,
            "--out" => out = args.next().map(PathBuf::from),
            "--c-floor" => floor = args.next().map(PathBuf::from),
            "--only" => only = args.next(),
            "--skip" => skip.extend(args.next()),
            "--sandbox" => sandbox = true,
            "--json" => json = args.next().map(PathBuf::from),
            "--merge" => merge.extend(args.next().map(PathBuf::from)),
            other => {
                eprintln!(
                    "bench: unknown argument {other}; usage: bench --c-floor PATH [--smoke] [--only SECTION] \
                     [--skip SECTION]... [--out FILE] [--json FILE]"
                );
                return ExitCode::from(2);
            }
        }
    }
    let sizes = if smoke { Sizes::SMOKE } else { Sizes::FULL };
    if !merge.is_empty() {
        return merge_runs(&merge, out);
    }
    if sandbox {
        return sandbox_run(&sizes, smoke, out);
    }
    let Some(floor) = floor else {
        eprintln!("bench: --c-floor PATH (the compiled tests/bench/sampler_floor.c) is needed");
        return ExitCode::from(2);
    };
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
        if only.as_deref().is_some_and(|o| o != name) || skip.iter().any(|s| s == name) {
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
    let date = now();
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
    let vm = match std::env::var("RIG_INSIDE").as_deref() {
        Ok("qemu") => "QEMU",
        Ok("uml") => "UML",
        _ => "host",
    };
    let label = format!("{vm} {kernel} (HZ {})", hz.hz);
    if let Some(path) = json
        && let Err(e) = std::fs::write(&path, bench::to_json(&label, &rows).to_string())
    {
        eprintln!("bench: write {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// `bench --merge A.json --merge B.json --out FILE`: the runs' tables as one, a column group
/// per kernel. `--merge A.json,B.json` makes one column of two runs on the same kernel (their
/// rows together, the first one's kernel label).
fn merge_runs(files: &[PathBuf], out: Option<PathBuf>) -> ExitCode {
    let read = |f: &str| {
        std::fs::read_to_string(f)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).map_err(|e| e.to_string()))
            .map_err(|e| format!("read {f}: {e}"))
    };
    let column = |arg: &PathBuf| -> Result<serde_json::Value, String> {
        let arg = arg.to_string_lossy();
        let mut parts = arg.split(',');
        let mut first = read(parts.next().unwrap_or_default())?;
        for part in parts {
            let more = read(part)?;
            let rows = more.get("rows").and_then(|r| r.as_array()).cloned().unwrap_or_default();
            if let Some(into) = first.get_mut("rows").and_then(|r| r.as_array_mut()) {
                into.extend(rows);
            }
        }
        Ok(first)
    };
    let mut runs = Vec::new();
    for f in files {
        match column(f) {
            Ok(v) => runs.push(v),
            Err(e) => {
                eprintln!("bench: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let text = format!("# Benchmark results\n\n{} · one column group per kernel\n\n{}", now(), bench::merge(&runs));
    println!("{text}");
    if let Some(path) = out
        && let Err(e) = std::fs::write(&path, &text)
    {
        eprintln!("bench: write {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn now() -> String {
    std::process::Command::new("date")
        .arg("-u")
        .arg("+%Y-%m-%d %H:%M UTC")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// The sandbox section, on the host: its table appended to `out`.
fn sandbox_run(sizes: &Sizes, smoke: bool, out: Option<PathBuf>) -> ExitCode {
    eprintln!("bench: sandbox (from the host)…");
    let mut rows = Vec::new();
    let failed = bench::sandbox::run_section(sizes, &mut rows).map_err(|e| rows.push(Row::info("error", "sandbox", e)));
    let text = format!(
        "\n## From the host: the sandbox kernel, and the window that drives it\n\n{} · host kernel {} · {} run\n\n{}",
        now(),
        sctp_core::process::kernel_release().unwrap_or_default(),
        if smoke { "smoke" } else { "full" },
        bench::table(&rows)
    );
    println!("{text}");
    if let Some(path) = out {
        use std::io::Write;
        let appended = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .and_then(|mut f| f.write_all(text.as_bytes()));
        if let Err(e) = appended {
            eprintln!("bench: append to {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    if failed.is_err() { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
