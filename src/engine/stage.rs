//! The semantic stage of a snapshot: the passages' vectors (from the
//! vector cache beside the index, else embedded now or in the background),
//! the knowledge base's calibration, and the question's vector (cached, the
//! model run under a process-wide bound of one run per core).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};

use crate::chunk::Passage;
use crate::search::vectors::{self, Calibration, Dense, Key, VectorCache};
use crate::semantic::Embedder;

/// Called with (embedded, to embed) while passages are embedded in the
/// foreground.
pub type Progress = Arc<dyn Fn(usize, usize) + Send + Sync>;

/// How a snapshot gets its semantic stage.
#[derive(Clone)]
pub struct SemanticOptions {
    /// The model, shared by every snapshot of the process.
    pub model: Arc<Embedder>,
    /// Embed in a background thread when there is more than a few seconds'
    /// work, serving lexically meanwhile (the servers); else embed before
    /// the snapshot is returned (the command line).
    pub background: bool,
    /// Foreground progress.
    pub progress: Option<Progress>,
}

impl std::fmt::Debug for SemanticOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SemanticOptions")
            .field("model", &self.model.name())
            .field("background", &self.background)
            .finish_non_exhaustive()
    }
}

/// What a snapshot is serving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SemanticStatus {
    /// `semantic = false`: lexical only.
    Off,
    /// Passages are being embedded; lexical until they are.
    Embedding {
        /// Embedded so far.
        done: usize,
        /// To embed.
        total: usize,
    },
    /// Hybrid: lexical and semantic.
    Ready,
    /// Embedding failed; lexical only.
    Failed(String),
}

impl SemanticStatus {
    /// `hybrid` or `lexical`, as `/readyz` and `careerbot check` say it.
    pub fn serving(&self) -> &'static str {
        if *self == SemanticStatus::Ready {
            "hybrid"
        } else {
            "lexical"
        }
    }
}

/// Passages embedded in the foreground even by a server: a few seconds.
const FOREGROUND_MAX: usize = 32;
/// Passages embedded between two saves of the vector cache in the
/// background, so a restart resumes where it stopped: at least this many,
/// and at least a quarter of what the cache already holds. Each save
/// rewrites the whole file, so a fixed step made the writes grow with the
/// square of the knowledge (a 100x handbook rewrote a file of up to 140 MB
/// every 64 texts); a step that grows with the cache keeps them within a
/// few times the file's final size, and a restart loses at most a quarter.
const SAVE_EVERY: usize = 64;
/// Question vectors kept; the least used go when it is full.
const QUERY_CACHE: usize = 1024;
/// Longest question cached, in bytes.
const QUERY_CACHE_TEXT: usize = 512;

/// The semantic stage of one snapshot.
pub struct Stage {
    model: Arc<Embedder>,
    dense: OnceLock<Dense>,
    failed: OnceLock<String>,
    done: AtomicUsize,
    total: usize,
    queries: quick_cache::sync::Cache<String, Arc<Vec<f32>>>,
}

impl std::fmt::Debug for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stage")
            .field("model", &self.model.name())
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

/// The texts a snapshot embeds: each passage under its headings, and each
/// heading alone (for the calibration).
struct Texts {
    passages: Vec<String>,
    headings: Vec<String>,
}

/// The text a passage is embedded from: under its article title and
/// headings, cut to what the model reads. Its hash keys the vector cache.
pub fn passage_text(passage: &Passage) -> String {
    Texts::of(std::slice::from_ref(passage))
        .passages
        .swap_remove(0)
}

impl Texts {
    fn of(passages: &[Passage]) -> Texts {
        // Only what the model reads is kept (and hashed): a heading or title
        // of a megabyte costs what a short one does.
        let cut =
            |text: String| crate::semantic::cut(&text, crate::semantic::MAX_TEXT_CHARS).to_string();
        let heading = |p: &Passage| {
            let label = p.section_label();
            cut(if label.is_empty() {
                p.article.clone()
            } else {
                label
            })
        };
        Texts {
            passages: passages
                .iter()
                .map(|p| {
                    let label = p.section_label();
                    let title = crate::semantic::cut(&p.article, crate::semantic::MAX_TEXT_CHARS);
                    let label = crate::semantic::cut(&label, crate::semantic::MAX_TEXT_CHARS);
                    cut(if label.is_empty() {
                        format!("{title}. {}", p.text)
                    } else {
                        format!("{title} › {label}. {}", p.text)
                    })
                })
                .collect(),
            headings: passages.iter().map(heading).collect(),
        }
    }

    fn all(&self) -> Vec<String> {
        let mut all = self.passages.clone();
        let mut seen = std::collections::HashSet::new();
        for h in &self.headings {
            if seen.insert(h) {
                all.push(h.clone());
            }
        }
        all
    }
}

impl Stage {
    /// Starts the stage for `passages`, with the vector cache in
    /// `index_dir`: ready when returned if the vectors were cached or the
    /// work is small or `options.background` is false; else embedding in a
    /// background thread, which stops when the stage is dropped.
    pub fn start(
        options: &SemanticOptions,
        passages: &[Passage],
        index_dir: Option<&Path>,
    ) -> Arc<Stage> {
        let texts = Texts::of(passages);
        let all = texts.all();
        let model = Arc::clone(&options.model);
        let cache = VectorCache::open(index_dir, model.id(), model.dimensions());
        let missing = all
            .iter()
            .filter(|t| cache.get(&vectors::key(t)).is_none())
            .count();
        let stage = Arc::new(Stage {
            model,
            dense: OnceLock::new(),
            failed: OnceLock::new(),
            done: AtomicUsize::new(0),
            total: missing,
            queries: quick_cache::sync::Cache::new(QUERY_CACHE),
        });
        let job = Job {
            stage: Arc::downgrade(&stage),
            model: Arc::clone(&options.model),
            texts,
            all,
            cache,
            dir: index_dir.map(Path::to_path_buf),
        };
        if options.background && missing > FOREGROUND_MAX {
            tracing::info!(
                passages = missing,
                "embedding the knowledge in the background; answering lexically until it is done"
            );
            let spawned = std::thread::Builder::new()
                .name("careerbot-embed".into())
                .spawn(move || job.run(None));
            if let Err(e) = spawned {
                let _ = stage.failed.set(e.to_string());
            }
        } else {
            job.run(options.progress.as_ref());
        }
        stage
    }

    /// How many of the texts `passages` need (passages and headings) the
    /// vector cache in `index_dir` holds for `model`, and how many there
    /// are: what a server would embed before serving hybrid.
    pub fn cached(
        model: &Embedder,
        passages: &[Passage],
        index_dir: Option<&Path>,
    ) -> (usize, usize) {
        let all = Texts::of(passages).all();
        let cache = VectorCache::open(index_dir, model.id(), model.dimensions());
        let held = all
            .iter()
            .filter(|t| cache.get(&vectors::key(t)).is_some())
            .count();
        (held, all.len())
    }

    /// What the stage serves now.
    pub fn status(&self) -> SemanticStatus {
        if self.dense.get().is_some() {
            SemanticStatus::Ready
        } else if let Some(why) = self.failed.get() {
            SemanticStatus::Failed(why.clone())
        } else {
            SemanticStatus::Embedding {
                done: self.done.load(Ordering::Relaxed),
                total: self.total,
            }
        }
    }

    /// The model's name.
    pub fn model_name(&self) -> &str {
        self.model.name()
    }

    /// The passages' vectors, once embedded.
    pub fn dense(&self) -> Option<&Dense> {
        self.dense.get()
    }

    /// Forgets the questions' vectors: the next questions run the model
    /// again (benchmarks measure it so).
    pub fn forget_questions(&self) {
        self.queries.clear();
    }

    /// The vector of `question`, from the cache or the model (run under the
    /// process-wide bound). `None` when the model fails.
    pub fn query(&self, question: &str) -> Option<Arc<Vec<f32>>> {
        let cacheable = question.len() <= QUERY_CACHE_TEXT;
        if cacheable {
            if let Some(cached) = self.queries.get(question) {
                return Some(cached);
            }
        }
        let vector = {
            let _run = GATE.enter();
            self.model.embed(&[question])
        };
        let vector = match vector {
            Ok(mut v) if !v.is_empty() => Arc::new(v.swap_remove(0)),
            Ok(_) => return None,
            Err(e) => {
                tracing::warn!(error = %e, "the model failed on a question; answering lexically");
                return None;
            }
        };
        if cacheable {
            self.queries
                .insert(question.to_string(), Arc::clone(&vector));
        }
        Some(vector)
    }
}

/// Whether the vector cache is saved after `unsaved` new vectors, with
/// `cached` held in all ([`SAVE_EVERY`]).
fn save_due(unsaved: usize, cached: usize) -> bool {
    unsaved >= SAVE_EVERY.max(cached / 4)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The embedding work of one stage.
struct Job {
    stage: Weak<Stage>,
    model: Arc<Embedder>,
    texts: Texts,
    all: Vec<String>,
    cache: VectorCache,
    dir: Option<PathBuf>,
}

impl Job {
    fn run(mut self, progress: Option<&Progress>) {
        let keys: Vec<Key> = self.all.iter().map(|t| vectors::key(t)).collect();
        let mut missing: Vec<usize> = (0..self.all.len())
            .filter(|&i| self.cache.get(&keys[i]).is_none())
            .collect();
        // Similar lengths together: less padding in each batch.
        missing.sort_by_key(|&i| self.all[i].len());
        let total = missing.len();
        let mut done = 0;
        let mut unsaved = 0;
        for chunk in missing.chunks(SAVE_EVERY) {
            let Some(stage) = self.stage.upgrade() else {
                return; // the snapshot is gone: a reload replaced it
            };
            let texts: Vec<String> = chunk.iter().map(|&i| self.all[i].clone()).collect();
            let embedded = {
                let _run = GATE.enter();
                vectors::embed_all(&self.model, &texts, &mut self.cache, &mut |_, _| {})
            };
            if let Err(e) = embedded {
                tracing::warn!(error = %e, "cannot embed the knowledge; answering lexically");
                let _ = stage.failed.set(e.to_string());
                return;
            }
            done += chunk.len();
            stage.done.store(done, Ordering::Relaxed);
            if let Some(progress) = progress {
                progress(done, total);
            }
            unsaved += chunk.len();
            if done < total && save_due(unsaved, self.cache.len()) {
                self.save(&keys);
                unsaved = 0;
            }
        }
        if total > 0 {
            self.save(&keys);
        }
        if let Some(stage) = self.stage.upgrade() {
            let _ = stage.dense.set(self.dense());
            if total > 0 {
                tracing::info!(
                    passages = total,
                    "the knowledge is embedded: answering with meaning too"
                );
            }
        }
    }

    fn save(&self, keys: &[Key]) {
        if let Err(e) = self.cache.save(keys) {
            let dir = self.dir.as_deref().map(Path::display);
            tracing::warn!(dir = dir.map(tracing::field::display), error = %e, "cannot save the passage vectors; they are kept in memory");
        }
    }

    fn dense(&self) -> Dense {
        let vector = |t: &String| {
            self.cache
                .get(&vectors::key(t))
                .map(<[f32]>::to_vec)
                .unwrap_or_default()
        };
        let passages: Vec<Vec<f32>> = self.texts.passages.iter().map(vector).collect();
        let headings: Vec<Vec<f32>> = self.texts.headings.iter().map(vector).collect();
        let heading_keys: Vec<Key> = self
            .texts
            .headings
            .iter()
            .map(|h| vectors::key(h))
            .collect();
        let calibration = Calibration::measure(&headings, &heading_keys, &passages);
        Dense::new(self.model.dimensions(), &passages, calibration)
    }
}

/// Runs of the model at once in this process: one per core, whatever
/// asks (questions, background embedding), so that questions queue here,
/// behind the in-flight bound, rather than in the runtime. A run may use
/// more than one core (a question's products are split across two, a
/// batch takes a core per text on its own pool), so runs share the cores
/// rather than wait for one another: a question is never stuck behind a
/// background batch (`semantic::Embedder::embed`).
struct Gate {
    running: Mutex<usize>,
    freed: Condvar,
}

static GATE: Gate = Gate {
    running: Mutex::new(0),
    freed: Condvar::new(),
};

struct Entered;

impl Gate {
    fn enter(&'static self) -> Entered {
        let limit = std::thread::available_parallelism().map_or(1, usize::from);
        let mut running = lock(&self.running);
        while *running >= limit {
            running = self
                .freed
                .wait(running)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *running += 1;
        Entered
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        let mut running = lock(&GATE.running);
        *running = running.saturating_sub(1);
        GATE.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_passages() -> Vec<Passage> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let (kb, _, _) = crate::knowledge::load(&root.join("knowledge")).unwrap();
        crate::chunk::chunk_all(&kb.articles)
    }

    fn wait_ready(stage: &Stage) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        while stage.status() != SemanticStatus::Ready {
            assert!(
                !matches!(stage.status(), SemanticStatus::Failed(_)),
                "{:?}",
                stage.status()
            );
            assert!(
                std::time::Instant::now() < deadline,
                "not embedded in 2 minutes"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    #[test]
    fn a_server_embeds_in_the_background_and_a_restart_resumes_from_the_saved_vectors() {
        let passages = seed_passages();
        let dir = tempfile::tempdir().unwrap();
        let options = SemanticOptions {
            model: Arc::new(Embedder::shipped().unwrap()),
            background: true,
            progress: None,
        };
        let (held, total) = Stage::cached(&options.model, &passages, Some(dir.path()));
        assert_eq!(held, 0);
        assert!(
            total > FOREGROUND_MAX,
            "the seed needs the background: {total}"
        );

        // Half the texts embedded before a "restart": the cache holds them.
        let half: Vec<String> = Texts::of(&passages)
            .all()
            .into_iter()
            .take(total / 2)
            .collect();
        let mut cache = VectorCache::open(Some(dir.path()), options.model.id(), 384);
        vectors::embed_all(&options.model, &half, &mut cache, &mut |_, _| {}).unwrap();
        let keys: Vec<Key> = half.iter().map(|t| vectors::key(t)).collect();
        cache.save(&keys).unwrap();
        assert_eq!(
            Stage::cached(&options.model, &passages, Some(dir.path())).0,
            total / 2
        );

        let stage = Stage::start(&options, &passages, Some(dir.path()));
        match stage.status() {
            SemanticStatus::Embedding { total: left, .. } => {
                assert_eq!(left, total - total / 2, "only what is missing")
            }
            SemanticStatus::Ready => {}
            other => panic!("{other:?}"),
        }
        wait_ready(&stage);
        assert_eq!(
            Stage::cached(&options.model, &passages, Some(dir.path())),
            (total, total),
            "every vector saved"
        );
        let dense = stage.dense().unwrap();
        assert_eq!(dense.len(), passages.len());
        assert!(dense.calibration.unrelated < dense.calibration.related);

        let again = Stage::start(&options, &passages, Some(dir.path()));
        assert_eq!(
            again.status(),
            SemanticStatus::Ready,
            "all cached: ready at once"
        );
        let question = again.query("how much do back-end developers earn").unwrap();
        let cached = again.query("how much do back-end developers earn").unwrap();
        assert!(
            Arc::ptr_eq(&question, &cached),
            "a repeated question is not embedded again"
        );
    }

    #[test]
    fn saves_write_a_few_times_the_final_file_and_a_restart_loses_at_most_a_quarter() {
        for total in [10, 64, 1_480, 91_000, 900_000] {
            let (mut cached, mut unsaved, mut written, mut most_lost) = (0, 0, 0, 0);
            while cached < total {
                let step = SAVE_EVERY.min(total - cached);
                cached += step;
                unsaved += step;
                most_lost = most_lost.max(unsaved);
                if cached < total && save_due(unsaved, cached) {
                    written += cached;
                    unsaved = 0;
                }
            }
            written += cached; // the last save
            assert!(written <= 6 * total, "{total}: {written} vectors written");
            assert!(
                most_lost <= total / 4 + SAVE_EVERY,
                "{total}: {most_lost} unsaved at once"
            );
        }
        assert!(save_due(SAVE_EVERY, 0) && !save_due(SAVE_EVERY - 1, 0));
        assert!(!save_due(SAVE_EVERY, 10_000) && save_due(2_500, 10_000));
    }

    #[test]
    fn a_megabyte_title_or_heading_is_cut_to_what_the_model_reads() {
        let mut passages = seed_passages();
        passages[0].article = "T".repeat(1_000_000);
        passages[1].section = vec!["H".repeat(1_000_000)];
        let texts = Texts::of(&passages);
        let longest = texts
            .passages
            .iter()
            .chain(&texts.headings)
            .map(|t| t.chars().count())
            .max()
            .unwrap();
        assert_eq!(longest, crate::semantic::MAX_TEXT_CHARS);
    }
}
