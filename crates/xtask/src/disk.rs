//! Disk space: a full run fills the target directory, and a full disk otherwise shows up as a
//! cascade of compiler errors in every stage after it.

use std::path::Path;
use std::process::{Command, Stdio};

/// What `cargo xtask test` wrote to an empty target directory at its peak, measured on a fresh
/// clone with `CARGO_INCREMENTAL=0` (as `.ci/run` sets it): 3.7 GB, rounded up.
pub const TEST_RUN_NEEDS_BYTES: u64 = 4_000_000_000;

/// What rustc, the linker and cargo print when a write fails for lack of space.
const DISK_FULL: &str = "No space left on device";

/// Warns, before anything is built, when the disk holding `dir` has less room than `needs`
/// bytes. It only warns: a target directory that is already warm needs far less.
pub fn warn_if_short(dir: &Path, needs: u64) {
    let Some(free) = free_bytes(dir) else { return };
    if free < needs {
        eprintln!(
            "warning: {} free on the disk holding {}; a run from an empty target directory writes \
             about {} there. Free some space, or point CARGO_TARGET_DIR at a larger disk.",
            gigabytes(free),
            dir.display(),
            gigabytes(needs)
        );
    }
}

/// The first line of a failure report when `output` shows the disk ran full, so that the
/// cause is read before the compiler errors it caused.
pub fn explain_failure(output: &str) -> Option<String> {
    output.contains(DISK_FULL).then(|| {
        format!(
            "the disk ran full ({DISK_FULL:?}): free some space, or point CARGO_TARGET_DIR at a \
             larger disk, then run again"
        )
    })
}

/// Bytes available to us on the file system holding `dir` (or its nearest existing
/// ancestor), from POSIX `df -Pk`; `None` when `df` is missing or says something else.
fn free_bytes(dir: &Path) -> Option<u64> {
    let existing = dir.ancestors().find(|d| d.exists())?;
    let out = Command::new("df").arg("-Pk").arg(existing).stdin(Stdio::null()).output().ok()?;
    if !out.status.success() {
        return None;
    }
    parse_df(&String::from_utf8_lossy(&out.stdout))
}

/// The "Available" column (1024-byte blocks) of `df -Pk`'s one data line, in bytes.
fn parse_df(text: &str) -> Option<u64> {
    let line = text.lines().nth(1)?;
    let available: u64 = line.split_whitespace().nth(3)?.parse().ok()?;
    available.checked_mul(1024)
}

fn gigabytes(bytes: u64) -> String {
    format!("{:.1} GB", bytes as f64 / 1e9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_available_column() {
        let df = "Filesystem     1024-blocks     Used Available Capacity Mounted on\n\
                  /dev/vda        263174212 92488240   3006516      97% /\n";
        assert_eq!(parse_df(df), Some(3_006_516 * 1024));
    }

    #[test]
    fn other_output_reads_as_unknown() {
        assert_eq!(parse_df("df: /nowhere: No such file or directory\n"), None);
        assert_eq!(parse_df("Filesystem 1024-blocks Used Available\n/dev/vda 10 5 lots 50% /\n"), None);
    }

    #[test]
    fn a_full_disk_is_named_first() {
        let output =
            "error: failed to build archive at `libaxum.rlib`: No space left on device (os error 28)";
        assert!(explain_failure(output).is_some_and(|m| m.starts_with("the disk ran full")));
        assert_eq!(explain_failure("error[E0425]: cannot find value `x`"), None);
    }

    #[test]
    fn gigabytes_have_one_decimal() {
        assert_eq!(gigabytes(3_671_000_000), "3.7 GB");
    }
}
