//! The desktop entry and the icons it names: valid for desktop-file-validate (installed by
//! tests/run), naming the binary and an icon that exists in every size it is shipped in.

use std::path::PathBuf;
use std::process::Command;

fn assets() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../assets")
}

#[test]
fn the_desktop_entry_is_valid_and_names_what_is_shipped() {
    let entry = assets().join("sctp-inspector.desktop");
    let out = Command::new("desktop-file-validate")
        .arg(&entry)
        .output()
        .expect("desktop-file-validate (Debian package desktop-file-utils; tests/run installs it)");
    let said = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && said.trim().is_empty(), "desktop-file-validate: {said}");
    let text = std::fs::read_to_string(&entry).unwrap();
    let key = |k: &str| text.lines().find_map(|l| l.strip_prefix(&format!("{k}="))).unwrap_or_default().to_string();
    assert_eq!(key("Exec"), env!("CARGO_PKG_NAME"), "Exec runs the installed binary");
    assert_eq!(key("StartupWMClass"), "sctp-inspector", "the window's app id (main.rs)");
    let icon = key("Icon");
    assert!(assets().join(format!("icons/{icon}.svg")).is_file(), "the scalable icon");
    for size in [16, 32, 48, 64, 128, 256] {
        let png = assets().join(format!("icons/{icon}-{size}.png"));
        let img = image::open(&png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
        assert_eq!((img.width(), img.height()), (size, size), "{}", png.display());
    }
}

#[test]
fn the_window_icon_decodes() {
    let icon = sctp_inspector::window_icon().expect("the embedded icon");
    assert_eq!((icon.width, icon.height), (128, 128));
    assert_eq!(icon.rgba.len(), 128 * 128 * 4);
}
