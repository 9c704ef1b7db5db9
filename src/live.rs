//! The served knowledge snapshot. Questions read the current [`Engine`]
//! through one atomic pointer; a reload validates and builds a complete new
//! snapshot beside it and swaps it in whole. A failed reload changes nothing.

use std::collections::BTreeSet;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use serde::Serialize;

use crate::engine::{Engine, EngineError, Options};
use crate::knowledge::{self, Change, DirLock, Limits, SourceFile};

/// How long a change waits for another careerbot process that is changing
/// the same knowledge directory.
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// One served knowledge snapshot and its version number. The version
/// travels with the engine, so whoever holds a snapshot knows exactly which
/// version answered. Derefs to the [`Engine`].
#[derive(Debug)]
pub struct Snapshot {
    /// Version number: 1 for the first load, one more for each good reload.
    pub version: u64,
    /// The knowledge and its index.
    pub engine: Engine,
}

impl Deref for Snapshot {
    type Target = Engine;
    fn deref(&self) -> &Engine {
        &self.engine
    }
}

/// The knowledge being served, and how to load its successor.
pub struct Live {
    current: ArcSwap<Snapshot>,
    options: Options,
    /// One reload at a time; questions never wait for it.
    reloading: Mutex<()>,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live")
            .field("version", &self.version())
            .finish()
    }
}

/// Why [`Live::edit`] changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The change itself was refused.
    #[error("{0}")]
    Refused(String),
    /// The knowledge base with the change would not load: nothing was written.
    #[error(transparent)]
    Invalid(EngineError),
    /// The file could not be written: it is as it was.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The change was written but the reload failed, so it was taken back.
    #[error("{0}; the change was taken back")]
    Reload(EngineError),
}

impl EditError {
    /// The knowledge problems behind it, if that is what it is.
    pub fn problems(&self) -> &[crate::knowledge::Problem] {
        match self {
            EditError::Invalid(e) | EditError::Reload(e) => e.problems(),
            _ => &[],
        }
    }

    /// One line for logs and the reload record, each knowledge problem
    /// named as [`EngineError::explain`] names them.
    pub fn explain(&self) -> String {
        match self {
            EditError::Invalid(e) => e.explain(),
            EditError::Reload(e) => format!("{}; the change was taken back", e.explain()),
            other => other.to_string(),
        }
    }
}

/// Changes to the knowledge directory, checked, and the files as they
/// will be read once they are made.
struct Edit {
    changes: Vec<Change>,
    /// Each changed file's bytes before (`None`: it did not exist).
    before: Vec<Option<Vec<u8>>>,
    /// The directory's files after the changes.
    after: Vec<SourceFile>,
}

impl Edit {
    /// `changes` to the directory `dir` read as `files`, if careerbot may
    /// make them.
    fn check(
        dir: &std::path::Path,
        limits: &Limits,
        mut files: Vec<SourceFile>,
        changes: Vec<Change>,
    ) -> Result<Self, EditError> {
        let refuse = |why: String| Err(EditError::Refused(why));
        let mut before = Vec::new();
        for change in &changes {
            let (rel, to) = match change {
                Change::Write { rel, .. } => (rel, None),
                Change::Retire { rel, to } => (rel, Some(to)),
            };
            if let Some(why) = knowledge::unwritable(dir, rel, limits) {
                return refuse(why);
            }
            if let Some(to) = to.filter(|to| dir.join(to).exists()) {
                return refuse(format!("{to} already exists; move it away first"));
            }
            let at = files.iter().position(|f| &f.rel == rel);
            match at.map(|i| files.remove(i).bytes) {
                Some(Err(problem)) => {
                    return refuse(format!("{rel} cannot be read: {}", problem.message))
                }
                Some(Ok(bytes)) => before.push(Some(bytes)),
                None => before.push(None),
            }
            let Change::Write { rel, text } = change else {
                continue;
            };
            let total: u64 = files
                .iter()
                .filter_map(|f| f.bytes.as_ref().ok())
                .map(|b| b.len() as u64)
                .sum();
            let size = text.len() as u64;
            if size > limits.max_article_bytes {
                return refuse(format!(
                    "{rel} would be {size} bytes, over max_article_bytes ({}); nothing was written",
                    limits.max_article_bytes
                ));
            }
            if total + size > limits.max_knowledge_bytes {
                return refuse(format!("the knowledge directory would hold {} bytes, over max_knowledge_bytes ({}); nothing was written", total + size, limits.max_knowledge_bytes));
            }
            files.push(SourceFile {
                rel: rel.clone(),
                display: dir.join(rel).display().to_string(),
                bytes: Ok(text.clone().into_bytes()),
            });
        }
        files.sort_by(|a, b| a.rel.cmp(&b.rel));
        Ok(Edit {
            changes,
            before,
            after: files,
        })
    }

    /// Makes the changes, in order; when one fails, those made are undone.
    fn apply(self, dir: &std::path::Path) -> Result<Undo, EditError> {
        let mut undo = Undo(Vec::new());
        for (change, before) in self.changes.into_iter().zip(self.before) {
            let (rel, done) = match &change {
                Change::Write { rel, text } => {
                    (rel, knowledge::write_atomic(dir, rel, text.as_bytes()))
                }
                Change::Retire { rel, to } => (rel, knowledge::rename(dir, rel, to)),
            };
            if let Err(source) = done {
                undo.run(dir);
                return Err(EditError::Write {
                    path: dir.join(rel),
                    source,
                });
            }
            undo.0.push((change, before));
        }
        Ok(undo)
    }
}

/// The changes made, with what each file held before, to put back.
struct Undo(Vec<(Change, Option<Vec<u8>>)>);

impl Undo {
    /// Puts every changed file back as it was, last change first.
    fn run(self, dir: &std::path::Path) {
        for (change, before) in self.0.into_iter().rev() {
            let (rel, restored) = match (&change, before) {
                (Change::Retire { rel, to }, _) => (rel, knowledge::rename(dir, to, rel)),
                (Change::Write { rel, .. }, Some(bytes)) => {
                    (rel, knowledge::write_atomic(dir, rel, &bytes))
                }
                (Change::Write { rel, .. }, None) => (rel, std::fs::remove_file(dir.join(rel))),
            };
            if let Err(error) = restored {
                tracing::error!(file = rel.as_str(), %error, "could not put the file back after a failed change");
            }
        }
    }
}

/// What a successful reload changed.
#[derive(Debug, Clone, Serialize)]
pub struct ReloadSummary {
    /// Version number of the snapshot now served (starts at 1).
    pub version: u64,
    /// Articles now served.
    pub articles: usize,
    /// Passages now served.
    pub passages: usize,
    /// Tools in the catalog.
    pub tools: usize,
    /// Courses in the catalog.
    pub courses: usize,
    /// Article titles that were added.
    pub added: Vec<String>,
    /// Article titles that were removed.
    pub removed: Vec<String>,
    /// Whether the content is the same as before.
    pub unchanged: bool,
    /// Warnings found while validating.
    pub warnings: usize,
    /// Time taken.
    #[serde(serialize_with = "millis")]
    pub took: Duration,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u128(d.as_millis())
}

impl Live {
    /// Serves `engine`, reloading later with `options`.
    pub fn new(engine: Engine, options: Options) -> Self {
        Live {
            current: ArcSwap::from_pointee(Snapshot { version: 1, engine }),
            options,
            reloading: Mutex::new(()),
        }
    }

    /// Loads the first snapshot.
    ///
    /// # Errors
    /// When the knowledge base is invalid or no index can be built.
    pub fn load(options: Options) -> Result<Self, EngineError> {
        let engine = Engine::load(&options, &mut |_, _| {})?;
        Ok(Live::new(engine, options))
    }

    /// The snapshot to answer one question with. It stays valid (and
    /// unchanged) for as long as the caller holds it, across reloads.
    pub fn current(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// Version of the snapshot being served.
    pub fn version(&self) -> u64 {
        self.current.load().version
    }

    /// Loads the knowledge directory again and, if it is valid, serves it.
    /// Blocking (it builds an index): call it off the async runtime.
    ///
    /// # Errors
    /// When the new knowledge base is invalid or cannot be indexed; the
    /// current snapshot keeps being served.
    pub fn reload(&self) -> Result<ReloadSummary, EngineError> {
        let _one_at_a_time = self.one_at_a_time();
        let started = Instant::now();
        let engine = Engine::load(&self.options, &mut |_, _| {})?;
        Ok(self.swap(engine, started))
    }

    /// The reload lock. A reload asked for while another runs waits for
    /// it, then reads the directory afresh: a change made meanwhile is
    /// never swallowed.
    fn one_at_a_time(&self) -> std::sync::MutexGuard<'_, ()> {
        match self.reloading.try_lock() {
            Ok(guard) => guard,
            Err(std::sync::TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => {
                tracing::info!("a reload is already running; this one runs when it ends");
                self.reloading
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
            }
        }
    }

    /// Changes files of the knowledge directory, then reloads, as one step
    /// no other reload (a `/reload`, SIGHUP or `--watch`) runs inside, and
    /// no other careerbot process sharing the directory changes it inside
    /// ([`DirLock`]). `plan` gets the directory as the knowledge reader
    /// reads it (confined, bounded: a refused file carries its problem)
    /// and gives the changes. They are checked (no links, nothing hidden or
    /// ignored, within `max_article_bytes` and `max_knowledge_bytes`) and
    /// the knowledge base with them is validated before anything is
    /// written; files are replaced atomically; if the reload then fails,
    /// the old files are put back. Blocking: call it off the async runtime.
    ///
    /// # Errors
    /// Why nothing changed ([`EditError`]).
    pub fn edit(
        &self,
        plan: impl FnOnce(&[SourceFile]) -> Result<Vec<Change>, String>,
    ) -> Result<ReloadSummary, EditError> {
        let _one_at_a_time = self.one_at_a_time();
        let dir = &self.options.knowledge_dir;
        let _no_other_process = DirLock::acquire(dir, LOCK_WAIT)
            .map_err(|e| EditError::Refused(format!("cannot lock the knowledge directory: {e}")))?;
        let started = Instant::now();
        let files = knowledge::read_dir_with(dir, &self.options.limits)
            .map_err(|e| EditError::Invalid(e.into()))?;
        let changes = plan(&files).map_err(EditError::Refused)?;
        let edit = Edit::check(dir, &self.options.limits, files, changes)?;
        // What is validated here is what is served: the directory is not read again.
        let (knowledge, _, warnings) =
            knowledge::check(edit.after.clone()).map_err(|e| EditError::Invalid(e.into()))?;
        let undo = edit.apply(dir)?;
        Engine::from_knowledge(&self.options, knowledge, warnings, &mut |_, _| {})
            .map(|engine| self.swap(engine, started))
            .map_err(|e| {
                undo.run(dir);
                EditError::Reload(e)
            })
    }

    /// Serves `engine`, loaded since `started`, and says what changed; the
    /// caller holds the reload lock.
    fn swap(&self, engine: Engine, started: Instant) -> ReloadSummary {
        let old = self.current();
        let titles = |e: &Engine| -> BTreeSet<String> {
            e.knowledge
                .articles
                .iter()
                .map(|a| a.title.clone())
                .collect()
        };
        let (before, after) = (titles(&old), titles(&engine));
        let version = old.version + 1;
        let summary = ReloadSummary {
            version,
            articles: engine.knowledge.articles.len(),
            passages: engine.passages.len(),
            tools: engine.knowledge.tools.iter().map(|c| c.tools.len()).sum(),
            courses: engine.knowledge.courses.len(),
            added: after.difference(&before).cloned().collect(),
            removed: before.difference(&after).cloned().collect(),
            unchanged: engine.info.fingerprint == old.info.fingerprint,
            warnings: engine.info.warnings.warning_count(),
            took: started.elapsed(),
        };
        // Only reloads (serialized above) store, so `old` is still current:
        // the version moves exactly when the new snapshot is served.
        self.current.store(Arc::new(Snapshot { version, engine }));
        summary
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A knowledge directory holding one article, A, served from memory.
    fn one_article() -> (tempfile::TempDir, Live) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.md"),
            "# A\n\nFirst text about careers.\n",
        )
        .unwrap();
        let live = Live::load(Options {
            knowledge_dir: dir.path().to_path_buf(),
            index_dir: None,
            force_rebuild: false,
            limits: Default::default(),
            semantic: None,
        })
        .unwrap();
        (dir, live)
    }

    fn write(rel: &str, text: &str) -> Change {
        Change::Write {
            rel: rel.into(),
            text: text.into(),
        }
    }

    #[test]
    fn a_reload_asked_for_while_another_runs_waits_then_reads_the_directory_afresh() {
        let (dir, live) = one_article();
        let live = Arc::new(live);
        // Another reload is running: it holds the lock.
        let running = live.reloading.lock().unwrap();
        let waiting = std::thread::spawn({
            let live = Arc::clone(&live);
            move || live.reload()
        });
        std::thread::sleep(Duration::from_millis(50));
        assert!(!waiting.is_finished(), "it waits for the running reload");
        // A change made while it waits is what it loads.
        std::fs::write(
            dir.path().join("b.md"),
            "# B\n\nSecond text about careers.\n",
        )
        .unwrap();
        drop(running);
        let summary = waiting.join().unwrap().expect("the waiting reload runs");
        assert_eq!(summary.added, ["B"]);
        assert_eq!(live.current().knowledge.articles.len(), 2);
    }

    #[test]
    fn an_edit_is_validated_before_it_is_written_and_served_once_written() {
        let (dir, live) = one_article();
        let summary = live
            .edit(|files| {
                assert!(
                    files.iter().all(|f| f.rel != "b.md"),
                    "b.md does not exist yet"
                );
                Ok(vec![write("b.md", "# B\n\nSecond text about careers.\n")])
            })
            .expect("a valid edit");
        assert_eq!(summary.added, ["B"]);
        assert_eq!(live.version(), 2);
        assert!(dir.path().join("b.md").exists());
        // b.txt would share b.md's article id: refused, and nothing written.
        let error = live
            .edit(|_| Ok(vec![write("b.txt", "Third text.\n")]))
            .expect_err("two articles with one id");
        assert!(matches!(error, EditError::Invalid(_)), "{error}");
        assert!(!error.problems().is_empty());
        assert!(!dir.path().join("b.txt").exists(), "nothing was written");
        let refused = live.edit(|_| Err("no".to_string()));
        assert!(matches!(refused, Err(EditError::Refused(_))));
        assert_eq!(live.version(), 2, "neither failed edit reloaded");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(
            leftovers.is_empty(),
            "no temporary file is left: {leftovers:?}"
        );
    }
}
