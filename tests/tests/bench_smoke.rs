//! The benchmark program runs every section (tiny sizes) and writes its table. It measures
//! nothing that can fail on a slow machine: only that the bench itself works.

use std::process::Command;

#[test]
fn bench_smoke_run_writes_every_section() {
    sctp_inspector_tests::require_kernel_sctp();
    let scratch = tempfile::tempdir().expect("a private scratch dir");
    let dir = scratch.path();
    let floor = dir.join("sampler_floor");
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/sampler_floor.c");
    let cc = Command::new("cc").args(["-O2", "-o"]).arg(&floor).arg(src).status().expect("a C compiler (gcc)");
    assert!(cc.success());
    let out = dir.join("results.md");
    let run = Command::new(env!("CARGO_BIN_EXE_bench"))
        .args(["--smoke", "--c-floor"])
        .arg(&floor)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "bench failed:\n{stderr}");
    let table = std::fs::read_to_string(&out).unwrap();
    for section in ["| sampler |", "| host |", "| plots |", "| data path |", "| ingest |", "| memory |"] {
        assert!(table.contains(section), "no {section} rows in:\n{table}");
    }
    assert!(!table.contains("| error |"), "{table}");
}
