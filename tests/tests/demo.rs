//! The real window under X (Xvfb in the rig), driven by `sctp-inspector demo` through a
//! two-path association, a path failure and an option change: it must finish and write
//! its four screenshots at the window's size.

use std::path::PathBuf;
use std::process::Command;

fn app_binary() -> PathBuf {
    // target/debug/deps/demo-HASH → target/debug/sctp-inspector
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(|deps| deps.parent()).unwrap().join("sctp-inspector")
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let be = |o: usize| u32::from_be_bytes(bytes[o..o + 4].try_into().unwrap());
    (be(16), be(20))
}

#[test]
fn demo_drives_the_window_and_writes_its_screenshots() {
    sctp_inspector_tests::require_kernel_sctp();
    assert!(std::env::var_os("DISPLAY").is_some(), "needs an X display: run inside `tests/rig/rig run --x11`");
    let scratch = tempfile::tempdir().expect("a private scratch dir");
    let out = scratch.path().join("shots");
    let bin = app_binary();
    let status = Command::new(&bin)
        .args(["demo", "--screenshots"])
        .arg(&out)
        .env("XDG_CACHE_HOME", std::env::temp_dir())
        .status()
        .unwrap_or_else(|e| panic!("run {}: {e}", bin.display()));
    assert!(status.success(), "demo exited with {status}");
    for name in
        ["01-two-paths.png", "02-path-failure.png", "03-recovered-options-readback.png", "04-receiver-log-send.png"]
    {
        let bytes = std::fs::read(out.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(png_size(&bytes), (1600, 1000), "{name}");
        assert!(bytes.len() > 100_000, "{name} is only {} bytes: an empty window?", bytes.len());
    }
}
