//! Files the user hands the inspector (payloads, scenarios, recordings, profiles) and files
//! it writes for them. Reads take only regular files and stop at a cap — a FIFO or
//! `/dev/zero` would otherwise never end, a huge file would fill memory. Writes create the
//! file private to the user (0600: recordings hold payloads and addresses) and refuse to
//! write through a symbolic link.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

/// The most a payload file may hold (the largest message the inspector reassembles).
pub const MAX_PAYLOAD: u64 = 16 << 20;
/// The most a scenario, profile or recording file may hold.
pub const MAX_DOCUMENT: u64 = 256 << 20;

/// The whole of a regular file of at most `cap` bytes; the error names the file and what
/// was wrong with it.
pub fn read_capped(path: &Path, cap: u64, what: &str) -> Result<Vec<u8>, String> {
    let name = path.display();
    let file = File::open(path).map_err(|e| format!("{what} {name}: {e}"))?;
    let meta = file.metadata().map_err(|e| format!("{what} {name}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{what} {name}: not a regular file (a device or pipe may never end)"));
    }
    if meta.len() > cap {
        return Err(format!("{what} {name}: {} bytes is over the {} limit", meta.len(), human(cap)));
    }
    // The file may grow after the check: read one byte past the cap to notice.
    let mut out = Vec::with_capacity(meta.len() as usize);
    file.take(cap + 1).read_to_end(&mut out).map_err(|e| format!("{what} {name}: {e}"))?;
    if out.len() as u64 > cap {
        return Err(format!("{what} {name}: grew past the {} limit while being read", human(cap)));
    }
    Ok(out)
}

/// Like `read_capped`, as UTF-8 text.
pub fn read_text_capped(path: &Path, cap: u64, what: &str) -> Result<String, String> {
    String::from_utf8(read_capped(path, cap, what)?)
        .map_err(|e| format!("{what} {}: not UTF-8 text (byte {})", path.display(), e.utf8_error().valid_up_to()))
}

/// Creates (or truncates) `path` readable and writable by its owner only; a symbolic link
/// at `path` is refused rather than followed.
pub fn create_private(path: &Path, what: &str) -> Result<File, String> {
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => {
                format!(
                    "{what} {}: is a symbolic link; not writing through it (choose the file itself)",
                    path.display()
                )
            }
            _ => format!("{what} {}: {e}", path.display()),
        })
}

/// `relative` inside `base`: a scenario names its payload files relative to its own folder,
/// and may not reach outside it (no absolute paths, no `..`).
pub fn inside(base: &Path, relative: &str) -> Result<PathBuf, String> {
    let rel = Path::new(relative);
    if rel.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir)) {
        return Err(format!(
            "file {relative:?}: must be a path inside the scenario's folder (no absolute path, no ..)"
        ));
    }
    Ok(base.join(rel))
}

fn human(bytes: u64) -> String {
    if bytes >= 1 << 20 { format!("{} MiB", bytes >> 20) } else { format!("{bytes} bytes") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn scratch() -> tempfile::TempDir {
        tempfile::tempdir().expect("a scratch dir")
    }

    #[test]
    fn devices_pipes_and_oversized_files_are_refused_not_read() {
        assert_eq!(
            read_capped(Path::new("/dev/zero"), 10, "payload file").unwrap_err(),
            "payload file /dev/zero: not a regular file (a device or pipe may never end)"
        );
        let dir = scratch();
        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        // Opening a FIFO for reading blocks until a writer comes: open it with one.
        let _writer = OpenOptions::new().read(true).write(true).open(&fifo).unwrap();
        assert!(
            read_capped(&fifo, 10, "payload file")
                .unwrap_err()
                .ends_with("not a regular file (a device or pipe may never end)")
        );
        let big = dir.path().join("big");
        std::fs::write(&big, vec![0u8; 11]).unwrap();
        assert!(read_capped(&big, 10, "payload file").unwrap_err().ends_with("11 bytes is over the 10 bytes limit"));
        assert_eq!(read_capped(&big, 11, "payload file").unwrap().len(), 11);
    }

    #[test]
    fn written_files_are_private_and_links_are_not_followed() {
        let dir = scratch();
        let path = dir.path().join("rec.jsonl");
        create_private(&path, "recording").unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, b"keep").unwrap();
        let link = dir.path().join("link.jsonl");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(create_private(&link, "recording").unwrap_err().contains("is a symbolic link"));
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
    }

    #[test]
    fn scenario_files_stay_inside_the_scenario_folder() {
        let base = Path::new("/s");
        assert_eq!(inside(base, "data/p.bin").unwrap(), PathBuf::from("/s/data/p.bin"));
        assert_eq!(inside(base, "./p.bin").unwrap(), PathBuf::from("/s/./p.bin"));
        for bad in ["/etc/shadow", "../p.bin", "data/../../p.bin"] {
            assert!(inside(base, bad).unwrap_err().contains("inside the scenario's folder"), "{bad}");
        }
    }
}
