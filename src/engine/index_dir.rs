//! The index directory, the snapshot's second job beside answering: an
//! index per content fingerprint, opened when complete, else built in a
//! staging directory of this process's own and renamed into place (so a
//! half-built index is never opened and processes sharing the directory
//! agree), a damaged one set aside, stale ones removed; in memory when the
//! directory cannot be written.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::chunk::Passage;
use crate::search::{SearchError, SearchIndex};

use super::{EngineError, IndexOrigin};

/// Marker written into an index directory once it is complete.
const READY_FILE: &str = "careerbot-ready";

pub(super) fn build_in_memory(
    passages: &[Passage],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<SearchIndex, EngineError> {
    SearchIndex::build(passages, None, progress).map_err(|source| EngineError::Index {
        path: PathBuf::from("(memory)"),
        source,
    })
}

/// Opens `dir/<fingerprint>` if complete, else builds it beside and renames
/// it into place, so a half-built index is never opened. Falls back to an
/// in-memory index when the directory cannot be written.
pub(super) fn open_or_build(
    dir: &Path,
    fingerprint: &str,
    passages: &[Passage],
    force: bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(SearchIndex, IndexOrigin, Option<PathBuf>), EngineError> {
    let target = dir.join(fingerprint);
    if !force && target.join(READY_FILE).is_file() {
        match SearchIndex::open(&target, passages.len()) {
            Ok(index) => return Ok((index, IndexOrigin::Reused, Some(target))),
            Err(e) => {
                let aside = set_aside(dir, &target, fingerprint, &e.to_string());
                tracing::warn!(
                    path = %target.display(),
                    error = %e,
                    set_aside = aside.as_ref().map(|p| p.display().to_string()),
                    "index unusable: set aside, rebuilding from the knowledge"
                );
            }
        }
    }
    // A forced rebuild, or an index found unusable, replaces what is there.
    let replace = force || target.exists();
    match build_on_disk(dir, &target, fingerprint, passages, replace, progress) {
        Ok(index) => {
            remove_stale(dir, fingerprint);
            Ok((index, IndexOrigin::Built, Some(target)))
        }
        Err(BuildError::Io(e)) => {
            tracing::warn!(path = %dir.display(), error = %e, "index directory not usable, keeping the index in memory");
            Ok((
                build_in_memory(passages, progress)?,
                IndexOrigin::InMemory,
                None,
            ))
        }
        Err(BuildError::Search(source)) => Err(EngineError::Index {
            path: target,
            source,
        }),
    }
}

/// Moves an unusable index out of the way, for an operator to look at, in
/// place of any earlier copy set aside for the same fingerprint. `None`
/// when it could not be moved (it is then replaced by the rebuild).
fn set_aside(dir: &Path, target: &Path, fingerprint: &str, why: &str) -> Option<PathBuf> {
    let aside = dir.join(format!(".damaged-{fingerprint}"));
    let _ = std::fs::remove_dir_all(&aside);
    std::fs::rename(target, &aside).ok()?;
    // Also dates the directory, which is removed an hour after this.
    let _ = std::fs::write(aside.join("careerbot-damaged"), format!("{why}\n"));
    Some(aside)
}

enum BuildError {
    Io(std::io::Error),
    Search(SearchError),
}

impl From<std::io::Error> for BuildError {
    fn from(e: std::io::Error) -> Self {
        BuildError::Io(e)
    }
}

impl From<SearchError> for BuildError {
    fn from(e: SearchError) -> Self {
        match e {
            e if e.is_io() => BuildError::Io(std::io::Error::other(e.to_string())),
            other => BuildError::Search(other),
        }
    }
}

/// Builds in a staging directory of this process's own and renames it into
/// place. Processes sharing an index directory may build the same
/// fingerprint at once: the first rename wins and the others use its result.
fn build_on_disk(
    dir: &Path,
    target: &Path,
    fingerprint: &str,
    passages: &[Passage],
    replace: bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<SearchIndex, BuildError> {
    std::fs::create_dir_all(dir)?;
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let staging = dir.join(format!(
        ".build-{fingerprint}-{}-{nonce}",
        std::process::id()
    ));
    std::fs::create_dir(&staging)?;
    let built = SearchIndex::build(passages, Some(&staging), progress)
        .map_err(BuildError::from)
        .and_then(|index| {
            drop(index);
            std::fs::write(staging.join(READY_FILE), fingerprint).map_err(BuildError::from)
        });
    if let Err(e) = built {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    if replace && target.exists() {
        // Unusable or forced: the old copy goes; open snapshots keep their mapped files.
        let _ = std::fs::remove_dir_all(target);
    }
    if std::fs::rename(&staging, target).is_err() {
        // Another process renamed the same fingerprint into place first: use it.
        let _ = std::fs::remove_dir_all(&staging);
        if !target.join(READY_FILE).is_file() {
            return Err(BuildError::Io(std::io::Error::other(format!(
                "cannot move the new index into {}",
                target.display()
            ))));
        }
    }
    Ok(SearchIndex::open(target, passages.len())?)
}

/// Removes complete indexes of other fingerprints (directories holding the
/// ready marker, nothing else), and staging directories and damaged indexes
/// set aside an hour ago or more.
/// An open snapshot keeps working: its files stay mapped until it is dropped.
fn remove_stale(dir: &Path, keep: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let abandoned = |path: &Path| {
        std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(3600))
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let path = entry.path();
        let old_index = name.len() == 16
            && name != keep
            && name.chars().all(|c| c.is_ascii_hexdigit())
            && path.join(READY_FILE).is_file();
        let old_staging =
            (name.starts_with(".build-") || name.starts_with(".damaged-")) && abandoned(&path);
        if old_index || old_staging {
            if let Err(e) = std::fs::remove_dir_all(&path) {
                tracing::debug!(path = %path.display(), error = %e, "could not remove old index");
            }
        }
    }
}
