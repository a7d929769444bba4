//! Which kernel the app drives: this host's, or — where the host has no SCTP (WSL2, many
//! containers and laptops) — a sandbox kernel: the project's User-Mode Linux rig, booted
//! without root, with the worker inside and this process outside (`--kernel`).

use sctp_core::worker::{Waker, WorkerHandle};
use std::path::PathBuf;

/// `--kernel`: where the worker runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum KernelChoice {
    /// This host's kernel when it has SCTP, else the sandbox.
    #[default]
    Auto,
    /// This host's kernel, SCTP or not (without it, the window says what to do).
    Host,
    /// A User-Mode Linux kernel with SCTP (tests/rig/rig), the worker inside it.
    Sandbox,
}

/// The rig that boots the sandbox: $SCTP_INSPECTOR_RIG, else tests/rig/rig in the current
/// directory or one above it, or above this program (target/…/ inside the repository).
fn rig() -> Result<PathBuf, String> {
    if let Some(rig) = std::env::var_os("SCTP_INSPECTOR_RIG").map(PathBuf::from) {
        return if rig.is_file() {
            Ok(rig)
        } else {
            Err(format!("no sandbox kernel: SCTP_INSPECTOR_RIG={} is not a file", rig.display()))
        };
    }
    let starts = [std::env::current_dir().ok(), std::env::current_exe().ok()];
    starts
        .iter()
        .flatten()
        .flat_map(|p| p.ancestors())
        .map(|dir| dir.join("tests/rig/rig"))
        .find(|rig| rig.is_file())
        .ok_or_else(|| {
            "no sandbox kernel: tests/rig/rig not found here or above (run from the repository, or set \
             SCTP_INSPECTOR_RIG)"
                .to_string()
        })
}

/// Whether the rig can boot: `rig check` (a package query, no install). `Err` says what is
/// missing and the one command that installs it, as the rig words it.
pub fn sandbox_ready(rig: &std::path::Path) -> Result<(), String> {
    let out = std::process::Command::new(rig)
        .arg("check")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("no sandbox kernel: run {} check: {e}", rig.display()))?;
    if out.status.success() {
        return Ok(());
    }
    let said = String::from_utf8_lossy(&out.stderr);
    let said = said.lines().map(|l| l.trim_start_matches("rig: ").trim()).filter(|l| !l.is_empty());
    Err(format!("no sandbox kernel: {}", said.collect::<Vec<_>>().join("; ")))
}

/// The sctp-inspector binary the sandbox runs as its worker: this program, or (when this is
/// a test binary under target/…/deps) the one cargo built beside it.
pub fn inspector_binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("find this program: {e}"))?;
    if exe.file_name().is_some_and(|n| n == "sctp-inspector") {
        return Ok(exe);
    }
    exe.ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join("sctp-inspector"))
        .find(|p| p.is_file())
        .ok_or_else(|| format!("no sctp-inspector binary beside {} to run in the sandbox", exe.display()))
}

/// Starts the worker where `choice` says; `Auto` falls back to the host when the sandbox
/// cannot start (the window then says why the host has no SCTP). `waker` makes the waker
/// each attempt takes (a failed sandbox start consumes one). Returns the worker and what
/// to tell the person about the choice, if anything.
pub fn start_worker(choice: KernelChoice, waker: impl Fn() -> Waker) -> Result<(WorkerHandle, Option<String>), String> {
    let inside_rig = std::env::var_os("RIG_INSIDE").is_some_and(|v| !v.is_empty());
    let sandbox = match choice {
        KernelChoice::Host => false,
        KernelChoice::Sandbox => true,
        KernelChoice::Auto => !inside_rig && sctp_core::kernel_sctp_available().is_err(),
    };
    if !sandbox {
        return WorkerHandle::spawn(waker()).map(|w| (w, None)).map_err(|e| format!("start the worker: {e}"));
    }
    let started = rig().and_then(|rig| {
        sandbox_ready(&rig)?;
        WorkerHandle::spawn_sandbox(&rig, &inspector_binary()?, waker())
            .map_err(|e| format!("start the sandbox kernel: {e}"))
    });
    match (started, choice) {
        // The status bar says which kernel; nothing more to tell.
        (Ok(w), _) => Ok((w, None)),
        (Err(e), KernelChoice::Sandbox) => Err(e),
        (Err(e), _) => WorkerHandle::spawn(waker())
            .map(|w| (w, Some(format!("{e}; driving this host's kernel"))))
            .map_err(|e| format!("start the worker: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::sandbox_ready;

    /// A rig whose packages are missing (`check` as tests/rig/rig says it): the reason
    /// carries the one command that installs them.
    #[test]
    fn a_sandbox_without_its_packages_names_the_install_command() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let rig = dir.path().join("rig");
        std::fs::write(
            &rig,
            "#!/bin/sh\n[ \"$1\" = check ] || exit 1\necho 'rig: missing Debian packages: user-mode-linux' >&2\n\
             echo 'rig: install them with: sudo apt-get install -y user-mode-linux' >&2\nexit 2\n",
        )
        .unwrap();
        std::fs::set_permissions(&rig, std::fs::Permissions::from_mode(0o755)).unwrap();
        let why = sandbox_ready(&rig).unwrap_err();
        assert_eq!(
            why,
            "no sandbox kernel: missing Debian packages: user-mode-linux; install them with: sudo apt-get install -y \
             user-mode-linux"
        );
        let gone = sandbox_ready(&dir.path().join("no-rig")).unwrap_err();
        assert!(gone.contains("no-rig check") && gone.contains("No such file"), "{gone}");
    }
}
