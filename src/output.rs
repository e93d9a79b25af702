//! Writing rendered files: everything is rendered first; then each changed
//! file goes to a temp file in DIR and is renamed over its target. Unchanged
//! files are not touched (their mtime stays).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::render::RenderedFile;

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Unchanged,
    Created,
    Updated,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {source}")]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

fn err(path: &Path, source: io::Error) -> WriteError {
    WriteError {
        path: path.to_path_buf(),
        source,
    }
}

/// Write `files` into `dir` atomically per file. All temp files are written
/// and synced before the first rename, so a failure while writing leaves DIR
/// exactly as it was.
pub fn write_all(dir: &Path, files: &[RenderedFile]) -> Result<Vec<(String, Outcome)>, WriteError> {
    fs::create_dir_all(dir).map_err(|e| err(dir, e))?;
    let mut staged = Vec::new();
    let mut outcomes = Vec::new();
    for f in files {
        let target = dir.join(f.name);
        let outcome = match fs::read(&target) {
            Ok(existing) if existing == f.contents.as_bytes() && mode_matches(&target, f.mode) => Outcome::Unchanged,
            Ok(_) => Outcome::Updated,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Outcome::Created,
            Err(e) => return Err(err(&target, e)),
        };
        outcomes.push((f.name.to_string(), outcome));
        if outcome == Outcome::Unchanged {
            continue;
        }
        let staged_file = stage(dir, f).map_err(|e| err(&target, e));
        match staged_file {
            Ok(tmp) => staged.push((tmp, target)),
            Err(e) => {
                drop(staged); // temp files delete themselves
                return Err(e);
            }
        }
    }
    for (tmp, target) in staged {
        tmp.persist(&target).map_err(|e| err(&target, e.error))?;
    }
    Ok(outcomes)
}

fn stage(dir: &Path, f: &RenderedFile) -> io::Result<tempfile::NamedTempFile> {
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{}.", f.name))
        .suffix(".ocgen-tmp")
        .tempfile_in(dir)?;
    tmp.write_all(f.contents.as_bytes())?;
    set_mode(tmp.path(), f.mode)?;
    tmp.as_file().sync_all()?;
    Ok(tmp)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn mode_matches(path: &Path, mode: u32) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o777 == mode)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn mode_matches(_: &Path, _: u32) -> bool {
    true
}

/// A file whose content on disk differs from what would be rendered.
#[derive(Debug, Clone)]
pub struct Stale {
    pub name: &'static str,
    /// `missing`, `modified` or `mode`.
    pub reason: &'static str,
    pub diff: String,
}

/// Compare rendered files with DIR without writing.
pub fn compare(dir: &Path, files: &[RenderedFile]) -> Vec<Stale> {
    let mut stale = Vec::new();
    for f in files {
        let target = dir.join(f.name);
        let (old, reason) = match fs::read(&target) {
            Ok(bytes) => (String::from_utf8_lossy(&bytes).into_owned(), "modified"),
            Err(_) => (String::new(), "missing"),
        };
        if reason == "modified" && old == f.contents {
            if !mode_matches(&target, f.mode) {
                stale.push(Stale {
                    name: f.name,
                    reason: "mode",
                    diff: format!("mode of {} should be {:o}\n", f.name, f.mode),
                });
            }
            continue;
        }
        let old_name = if reason == "missing" {
            "/dev/null".to_string()
        } else {
            format!("a/{}", f.name)
        };
        let diff = similar::TextDiff::from_lines(&old, &f.contents)
            .unified_diff()
            .context_radius(3)
            .header(&old_name, &format!("b/{}", f.name))
            .to_string();
        stale.push(Stale {
            name: f.name,
            reason,
            diff,
        });
    }
    stale
}
