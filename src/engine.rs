//! Layer 6: one loaded knowledge snapshot (knowledge, passages, index,
//! catalogs), ready to answer. Loading validates first, so a broken knowledge
//! base never becomes a snapshot. The on-disk index is keyed by a content
//! fingerprint: reused when the knowledge is unchanged, rebuilt otherwise.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use std::sync::Arc;

use crate::answer::{self, Answer, Catalog, Choice, Context, Profiles, Semantic};
use crate::chunk::{chunk_all, Passage};
use crate::knowledge::{self, KnowledgeBase, LoadError, Report};
use crate::search::{SearchError, SearchIndex, Thesaurus, Understood, SCHEMA_VERSION};

mod follow_up;
mod index_dir;
mod stage;

use index_dir::{build_in_memory, open_or_build};

pub use stage::{passage_text, Progress, SemanticOptions, SemanticStatus, Stage};

/// How many topics to suggest.
const SUGGESTIONS: usize = 6;
/// Hits considered before reranking and deduplication.
const CANDIDATES: usize = 40;

/// Where to load from and where the index lives.
#[derive(Debug, Clone)]
pub struct Options {
    /// The knowledge directory.
    pub knowledge_dir: PathBuf,
    /// The index directory; `None` keeps the index in memory.
    pub index_dir: Option<PathBuf>,
    /// Rebuild even when an index for this content exists.
    pub force_rebuild: bool,
    /// How much of the knowledge directory may be read.
    pub limits: knowledge::Limits,
    /// The semantic stage; `None` answers lexically (`semantic = false`).
    pub semantic: Option<SemanticOptions>,
}

/// Why a snapshot could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The knowledge base is unreadable or invalid.
    #[error(transparent)]
    Knowledge(#[from] LoadError),
    /// The index could not be built.
    #[error("cannot build index in {path}")]
    Index {
        /// Index directory.
        path: PathBuf,
        /// Cause.
        source: SearchError,
    },
}

/// Problems listed in full in [`EngineError::explain`]; more are counted.
const EXPLAINED_PROBLEMS: usize = 20;

impl EngineError {
    /// The knowledge problems behind the error, if that is what it is.
    pub fn problems(&self) -> &[knowledge::Problem] {
        match self {
            EngineError::Knowledge(LoadError::Invalid(report)) => &report.problems,
            _ => &[],
        }
    }

    /// One line for logs and the reload record: every problem of the
    /// knowledge (up to twenty, then a count) as `file:line:column: message`,
    /// or the error with each of its causes, the OS's among them.
    pub fn explain(&self) -> String {
        let problems = self.problems();
        if problems.is_empty() {
            let mut line = self.to_string();
            let mut cause = std::error::Error::source(self);
            while let Some(c) = cause {
                line.push_str(": ");
                line.push_str(&c.to_string());
                cause = c.source();
            }
            return line;
        }
        let errors: Vec<&knowledge::Problem> = problems.iter().filter(|p| p.is_error()).collect();
        let mut shown: Vec<String> = errors
            .iter()
            .take(EXPLAINED_PROBLEMS)
            .map(|p| format!("{}:{}:{}: {}", p.file, p.line, p.column, p.message))
            .collect();
        if errors.len() > shown.len() {
            shown.push(format!("and {} more", errors.len() - shown.len()));
        }
        format!("{self}: {}", shown.join("; "))
    }
}

/// How the snapshot's index was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexOrigin {
    /// An index for the same content was found and opened.
    Reused,
    /// The index was built on disk.
    Built,
    /// The index was built in memory (no index directory, or it was not writable).
    InMemory,
}

/// Facts about a load, for logs and reload summaries.
#[derive(Debug, Clone)]
pub struct LoadInfo {
    /// Content fingerprint (hex).
    pub fingerprint: String,
    /// How the index was obtained.
    pub origin: IndexOrigin,
    /// Time taken to load.
    pub took: Duration,
    /// Warnings found while validating.
    pub warnings: Report,
    /// Where the index lives, if on disk.
    pub index_path: Option<PathBuf>,
}

/// Time spent in each stage of answering one question.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stages {
    /// Reading the question: typos, synonyms, scope.
    pub understand: Duration,
    /// Finding and scoring passages.
    pub search: Duration,
    /// Reranking, highlighting, tools and courses.
    pub compose: Duration,
    /// The question's vector and its similarity with every passage.
    pub semantic: Duration,
}

/// A loaded knowledge snapshot. Immutable: reload builds a new one.
#[derive(Debug)]
pub struct Engine {
    /// The validated knowledge base.
    pub knowledge: KnowledgeBase,
    /// All passages; hits refer to them by ordinal.
    pub passages: Vec<Passage>,
    /// Facts about the load.
    pub info: LoadInfo,
    index: SearchIndex,
    thesaurus: Thesaurus,
    catalog: Catalog,
    profiles: Profiles,
    suggestions: Vec<String>,
    semantic: Option<Arc<Stage>>,
}

/// Fingerprint of everything that shapes the index: the passages (so a
/// change of content or of chunking both count), their catalog-free metadata,
/// and the analysis version.
pub fn fingerprint(passages: &[Passage]) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(format!("careerbot index v{SCHEMA_VERSION}\n").as_bytes());
    let mut field = |s: &str| {
        hasher.update(&(s.len() as u64).to_le_bytes());
        hasher.update(s.as_bytes());
    };
    for p in passages {
        field(&p.id);
        field(&p.article);
        field(&p.section.join("\u{1f}"));
        field(&p.text);
        field(&p.keywords.join("\u{1f}"));
        field(&p.tags.join("\u{1f}"));
    }
    hasher.finalize().to_hex()[..16].to_string()
}

impl Engine {
    /// Loads the knowledge base, validates it, and opens or builds its index.
    /// `progress(done, total)` reports indexing progress.
    ///
    /// # Errors
    /// When the knowledge base is unreadable or invalid, or no index can be built.
    pub fn load(
        options: &Options,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Engine, EngineError> {
        let started = Instant::now();
        let (knowledge, _files, warnings) =
            knowledge::load_with(&options.knowledge_dir, &options.limits)?;
        let mut engine = Engine::from_knowledge(options, knowledge, warnings, progress)?;
        engine.info.took = started.elapsed();
        Ok(engine)
    }

    /// Builds a snapshot from a knowledge base already read and validated
    /// (with its `warnings`), opening or building its index as
    /// [`Engine::load`] does.
    ///
    /// # Errors
    /// When no index can be built.
    pub fn from_knowledge(
        options: &Options,
        knowledge: KnowledgeBase,
        warnings: knowledge::Report,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Engine, EngineError> {
        let started = Instant::now();
        let passages = chunk_all(&knowledge.articles);
        let fingerprint = fingerprint(&passages);
        let (index, origin, index_path) = match &options.index_dir {
            Some(dir) => open_or_build(
                dir,
                &fingerprint,
                &passages,
                options.force_rebuild,
                progress,
            )?,
            None => (
                build_in_memory(&passages, progress)?,
                IndexOrigin::InMemory,
                None,
            ),
        };
        let info = LoadInfo {
            fingerprint,
            origin,
            took: Duration::ZERO,
            warnings,
            index_path,
        };
        let mut engine = Engine::assemble(knowledge, passages, index, info);
        engine.semantic = options
            .semantic
            .as_ref()
            .map(|o| Stage::start(o, &engine.passages, options.index_dir.as_deref()));
        engine.info.took = started.elapsed();
        Ok(engine)
    }

    fn assemble(
        knowledge: KnowledgeBase,
        passages: Vec<Passage>,
        index: SearchIndex,
        info: LoadInfo,
    ) -> Engine {
        crate::search::warm_up();
        let catalog = Catalog::new(&knowledge.tools, &knowledge.courses);
        let mut thesaurus = thesaurus(&knowledge);
        thesaurus.bind(&index);
        let profiles = Profiles::new(&passages, &catalog);
        let suggestions = suggestions(&knowledge, &passages);
        Engine {
            knowledge,
            passages,
            info,
            index,
            thesaurus,
            catalog,
            profiles,
            suggestions,
            semantic: None,
        }
    }

    /// Answers a question with the default number of passages.
    pub fn ask(&self, question: &str) -> Answer {
        self.ask_with(question, answer::DEFAULT_PASSAGES)
    }

    /// Answers a question with up to `max_passages` passages.
    pub fn ask_with(&self, question: &str, max_passages: usize) -> Answer {
        self.ask_staged(question, max_passages).0
    }

    /// [`Engine::ask_with`], with the time each stage took.
    pub fn ask_staged(&self, question: &str, max_passages: usize) -> (Answer, Stages) {
        let started = Instant::now();
        let understood = self.index.understand(question, &self.thesaurus);
        let understood_at = Instant::now();
        let hits = self.hits(&understood, max_passages);
        let searched_at = Instant::now();
        let similarity = self.similarity(question, &understood, &hits, max_passages);
        let semantic_at = Instant::now();
        let ctx = self.context(max_passages, similarity.as_ref());
        let answer = answer::compose(question, &understood, &hits, &ctx);
        let stages = Stages {
            understand: understood_at - started,
            search: searched_at - understood_at,
            semantic: semantic_at - searched_at,
            compose: semantic_at.elapsed(),
        };
        (answer, stages)
    }

    /// How the answer to `question` was chosen: its understanding, and the
    /// candidates with their lexical and semantic parts, for `ask --explain`.
    pub fn trace(&self, question: &str) -> (Understood, Choice) {
        let understood = self.index.understand(question, &self.thesaurus);
        let hits = self.hits(&understood, answer::DEFAULT_PASSAGES);
        let similarity = self.similarity(question, &understood, &hits, answer::DEFAULT_PASSAGES);
        let ctx = self.context(answer::DEFAULT_PASSAGES, similarity.as_ref());
        let choice = answer::choose(&understood, &hits, &ctx);
        (understood, choice)
    }

    /// What the snapshot serves: lexical, or hybrid once its passages are embedded.
    pub fn semantic_status(&self) -> SemanticStatus {
        self.semantic
            .as_ref()
            .map_or(SemanticStatus::Off, |s| s.status())
    }

    /// The knowledge base's similarity levels, once its passages are embedded.
    pub fn calibration(&self) -> Option<crate::search::vectors::Calibration> {
        self.semantic
            .as_ref()
            .and_then(|s| s.dense())
            .map(|d| d.calibration)
    }

    /// Forgets the cached question vectors, so the next questions run the
    /// model: for benchmarks of the cold path.
    pub fn forget_questions(&self) {
        if let Some(stage) = &self.semantic {
            stage.forget_questions();
        }
    }

    /// The semantic model's name, when the stage is on.
    pub fn semantic_model(&self) -> Option<&str> {
        self.semantic.as_ref().map(|s| s.model_name())
    }

    fn hits(&self, understood: &Understood, max_passages: usize) -> Vec<crate::search::Hit> {
        if understood.in_scope {
            self.index
                .search(understood, CANDIDATES.max(max_passages * 3))
        } else {
            Vec::new()
        }
    }

    fn context<'a>(
        &'a self,
        max_passages: usize,
        similarity: Option<&'a (Vec<f32>, crate::search::vectors::Calibration)>,
    ) -> Context<'a> {
        Context {
            passages: &self.passages,
            catalog: &self.catalog,
            profiles: &self.profiles,
            suggestions: &self.suggestions,
            max_passages,
            semantic: similarity.map(|(similarity, calibration)| Semantic {
                similarity,
                calibration: *calibration,
            }),
        }
    }

    /// The question's similarity with every passage, with the knowledge
    /// base's calibration: `None` when the stage is off or not ready, there
    /// is no question, or the words alone settle it ([`answer::settled`]).
    /// The model reads the question with the typos the understanding
    /// corrected put right: it is weak on "waht langauges".
    fn similarity(
        &self,
        question: &str,
        understood: &Understood,
        hits: &[crate::search::Hit],
        max_passages: usize,
    ) -> Option<(Vec<f32>, crate::search::vectors::Calibration)> {
        let stage = self.semantic.as_ref()?;
        let dense = stage.dense()?;
        if understood.is_empty() {
            return None;
        }
        let lexical = answer::choose(understood, hits, &self.context(max_passages, None));
        if answer::settled(&lexical.candidates, lexical.confidence) {
            return None;
        }
        let text = self.corrected(question, understood);
        let vector = stage.query(&text)?;
        Some((dense.similarities(&vector), dense.calibration))
    }

    /// `question` with each corrected word replaced by the knowledge base's
    /// word for it.
    fn corrected(&self, question: &str, understood: &Understood) -> String {
        let corrections = understood.corrections();
        if corrections.is_empty() {
            return question.to_string();
        }
        question
            .split_whitespace()
            .map(|word| {
                let bare = word
                    .trim_matches(|c: char| !c.is_alphanumeric())
                    .to_lowercase();
                corrections
                    .iter()
                    .find(|(typed, _)| *typed == bare)
                    .and_then(|(_, stem)| self.profiles.surface(stem))
                    .map_or(word.to_string(), str::to_string)
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The passage nearest to a question, in or out of scope: the best
    /// search hit for whatever of it the knowledge base knows. `None` when
    /// no word of it is known.
    pub fn closest(&self, question: &str) -> Option<&Passage> {
        let understood = self.index.understand(question, &self.thesaurus);
        if understood.is_empty() {
            return None;
        }
        let hits = self.index.search(&understood, 1);
        hits.first().and_then(|h| self.passages.get(h.ord))
    }

    /// How the engine reads a question: its concepts and whether it is in scope.
    pub fn understand(&self, question: &str) -> crate::search::Understood {
        self.index.understand(question, &self.thesaurus)
    }

    /// Articles with their section headings, in knowledge order.
    pub fn outline(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for p in &self.passages {
            if out.last().map(|(title, _)| title) != Some(&p.article) {
                out.push((p.article.clone(), Vec::new()));
            }
            let label = p.section_label();
            if let Some((_, sections)) = out.last_mut() {
                if !label.is_empty() && !sections.contains(&label) {
                    sections.push(label);
                }
            }
        }
        out
    }

    /// What kind of text the passage `ord` is (a link list, a self-check,
    /// under a generic heading), as the answers read it.
    pub fn form(&self, ord: usize) -> answer::Form {
        self.profiles.form(ord)
    }

    /// What the knowledge base covers, in a few words for the bot's own
    /// sentences: its largest articles' titles ("Back-end developer";
    /// "Sharding, Caching and 14 more topics").
    pub fn about(&self) -> String {
        const NAMED: usize = 3;
        // Text per title, in knowledge order: one pass, an index per title.
        let mut sizes: Vec<(&str, usize)> = Vec::new();
        let mut at: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for p in &self.passages {
            let i = *at.entry(&p.article).or_insert_with(|| {
                sizes.push((&p.article, 0));
                sizes.len() - 1
            });
            sizes[i].1 += p.text.len();
        }
        // Largest first; ties keep knowledge order.
        sizes.sort_by_key(|s| std::cmp::Reverse(s.1));
        let mut named: Vec<String> = sizes
            .iter()
            .take(NAMED)
            .map(|(t, _)| t.to_string())
            .collect();
        if sizes.len() > NAMED {
            named.push(format!("{} more topics", sizes.len() - NAMED));
        }
        crate::text::prose::natural_list(&named)
    }

    /// Texts worth suggesting while a member types a question: section
    /// headings and the moderators' alternate phrasings.
    pub fn suggestible(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for p in &self.passages {
            let heading = p.section.last().cloned().into_iter();
            let phrasings = p
                .keywords
                .iter()
                .filter(|k| k.split_whitespace().count() > 1)
                .cloned();
            for text in heading.chain(phrasings) {
                if seen.insert(text.to_lowercase()) {
                    out.push(text);
                }
            }
        }
        out
    }
}

/// The built-in vocabulary plus each tool with its aliases as a synonym
/// group, and the catalog entries with the words that name them.
fn thesaurus(kb: &KnowledgeBase) -> Thesaurus {
    let mut groups = Vec::new();
    let mut entries = Vec::new();
    for category in &kb.tools {
        let mut words = category.keywords.clone();
        words.push(category.name.clone());
        entries.push((words, vec![category.name.clone()]));
        for tool in &category.tools {
            let mut group = vec![tool.name.clone()];
            group.extend(tool.aliases.iter().cloned());
            entries.push((group.clone(), vec![tool.name.clone()]));
            groups.push(group);
        }
    }
    for course in &kb.courses {
        let mut words = course.topics.clone();
        words.push(course.title.clone());
        words.push(course.provider.clone());
        words.extend(course.platform.iter().cloned());
        entries.push((words, vec![course.title.clone(), course.provider.clone()]));
    }
    Thesaurus::new(&groups, &entries)
}

/// A few topics to try: the sections of a small knowledge base, or the
/// biggest articles of a large one.
fn suggestions(kb: &KnowledgeBase, passages: &[Passage]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if kb.articles.len() <= 2 {
        for p in passages {
            if let Some(top) = p.section.first() {
                if !out.contains(top) {
                    out.push(top.clone());
                }
            }
        }
    }
    if out.len() < 3 {
        // One pass over the passages, not one per article: knowledge bases
        // can hold many thousands of articles.
        let mut per_article: std::collections::HashMap<&str, usize> =
            std::collections::HashMap::new();
        for p in passages {
            *per_article.entry(p.article_id.as_str()).or_default() += 1;
        }
        let mut articles: Vec<(&str, usize)> = kb
            .articles
            .iter()
            .map(|a| {
                (
                    a.title.as_str(),
                    per_article.get(a.id.as_str()).copied().unwrap_or(0),
                )
            })
            .collect();
        articles.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        out = articles.into_iter().map(|(t, _)| t.to_string()).collect();
    }
    out.truncate(SUGGESTIONS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explain_names_the_os_cause_of_an_unreadable_directory_and_every_problem_place() {
        let missing = tempfile::tempdir().unwrap().path().join("gone");
        let error = knowledge::load(&missing).map(|_| ()).unwrap_err();
        let line = EngineError::Knowledge(error).explain();
        assert!(line.contains("No such file or directory"), "{line}");

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.md"), "# A\n\nText.\n").unwrap();
        std::fs::write(dir.path().join("tools.toml"), "[[category]\n").unwrap();
        let error = knowledge::load(dir.path()).map(|_| ()).unwrap_err();
        let line = EngineError::Knowledge(error).explain();
        assert!(line.contains("tools.toml:1:"), "{line}");
    }
}
