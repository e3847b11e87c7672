//! Copies of the release build configured for a deployment, as a deployer would make them with
//! `scripts/configure-dist.py` (for the tests of the runtime configuration).

use std::path::Path;
use std::process::Command;

use super::static_server::dist_dir;

/// Copies the build folder (its files and the `login-field/` pages) into `to`.
pub fn copy_dist(to: &Path) {
    copy_folder(&dist_dir(), to);
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
    for entry in std::fs::read_dir(from)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", from.display()))
        .flatten()
    {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
        }
    }
}

/// Runs `scripts/configure-dist.py <dir> <options…>`; panics with its message if it fails.
pub fn configure(dir: &Path, options: &[&str]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/configure-dist.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(dir)
        .args(options)
        .output()
        .expect("run python3 scripts/configure-dist.py");
    assert!(
        out.status.success(),
        "configure-dist.py {options:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A copy of the build in `to`, configured with `options`.
pub fn configured_copy(to: &Path, options: &[&str]) {
    copy_dist(to);
    configure(to, options);
}
