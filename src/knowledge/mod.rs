//! Layer 1: read and validate the knowledge base (articles, tools, courses).
//!
//! Reading files is the only I/O here ([`read_dir`]); [`parse`] is a pure
//! function from file contents to a [`KnowledgeBase`] and every [`Problem`].
//! A knowledge base with errors is never returned by [`load`].

mod article;
mod catalog;
pub mod community;
mod files;
mod problem;
mod toml_reader;

use std::path::{Path, PathBuf};

pub use article::{inline, parse_article, squash, Article, Block, Format, Section};
pub use catalog::{is_web_url, parse_courses, parse_tools, web_host, Course, Tool, ToolCategory};
pub use community::Change;
pub use files::{
    read_dir_with, rename, unwritable, write_atomic, DirLock, Limits, DEFAULT_MAX_ARTICLE_BYTES,
    DEFAULT_MAX_KNOWLEDGE_BYTES,
};
pub use problem::{line_col, LineIndex, Problem, Report, Severity};

/// Name of the tool catalog in the knowledge directory.
pub const TOOLS_FILE: &str = "tools.toml";
/// Name of the course catalog in the knowledge directory.
pub const COURSES_FILE: &str = "courses.toml";

/// A validated knowledge base.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeBase {
    /// Articles sorted by path.
    pub articles: Vec<Article>,
    /// Tool categories in file order.
    pub tools: Vec<ToolCategory>,
    /// Courses in file order.
    pub courses: Vec<Course>,
}

/// One file of the knowledge directory, as read from disk.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the knowledge directory, with `/` separators.
    pub rel: String,
    /// Path as shown in problems (the directory as given, joined with `rel`).
    pub display: String,
    /// Raw contents, or the problem that kept them from being read.
    pub bytes: Result<Vec<u8>, Problem>,
}

/// Why a knowledge base could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The directory is missing or unreadable.
    #[error("cannot read knowledge directory {path}")]
    Io {
        /// The directory or file that failed.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The files were read but have errors.
    #[error("knowledge base has {} error(s)", .0.error_count())]
    Invalid(Report),
}

/// What kind of knowledge file a path is, if any.
fn classify(rel: &str) -> Option<Kind> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if rel == TOOLS_FILE {
        return Some(Kind::Tools);
    }
    if rel == COURSES_FILE {
        return Some(Kind::Courses);
    }
    if rel == community::FILE {
        return Some(Kind::Community);
    }
    let (stem, ext) = name.rsplit_once('.')?;
    // Licence files travel with imported corpora; they are attribution, not knowledge.
    let stem_upper = stem.to_ascii_uppercase();
    if ["LICENSE", "LICENCE", "COPYING", "NOTICE"].contains(&stem_upper.as_str()) {
        return None;
    }
    match ext.to_ascii_lowercase().as_str() {
        "md" | "mdx" | "markdown" => Some(Kind::Article(Format::Markdown)),
        "txt" => Some(Kind::Article(Format::Text)),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Article(Format),
    /// The moderators' answers ([`community::FILE`]).
    Community,
    Tools,
    Courses,
}

/// Reads every knowledge file under `dir` with the default [`Limits`]
/// (see [`read_dir_with`]).
///
/// # Errors
/// When `dir` itself is missing or not a directory.
pub fn read_dir(dir: &Path) -> Result<Vec<SourceFile>, LoadError> {
    read_dir_with(dir, &Limits::default())
}

/// `bytes` as text, or the problem of where they stop being UTF-8.
fn utf8<'a>(bytes: &'a [u8], display: &str) -> Result<&'a str, Problem> {
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = &bytes[..e.valid_up_to()];
        // The valid prefix is UTF-8 by definition, so this cannot fail.
        let prefix = std::str::from_utf8(valid).unwrap_or_default();
        Problem::error(
            display,
            line_col(prefix, prefix.len()),
            format!(
                "file is not valid UTF-8 (bad byte at offset {})",
                e.valid_up_to()
            ),
        )
        .help("save the file with UTF-8 encoding")
    })
}

/// Parses and validates knowledge files. Pure: returns what loaded and every problem.
pub fn parse(files: &[SourceFile]) -> (KnowledgeBase, Report) {
    let mut kb = KnowledgeBase::default();
    let mut problems = Vec::new();
    let mut ids: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let answers_file = files
        .iter()
        .any(|f| f.rel == community::FILE && f.bytes.is_ok());
    for file in files {
        // Both at once: a move of the Markdown answers is under way (or
        // was cut short); the data file holds them.
        if answers_file && file.rel == community::LEGACY_FILE {
            problems.push(
                Problem::warning(
                    &file.display,
                    (1, 1),
                    format!("not read: {} holds the community answers", community::FILE),
                )
                .help("remove this file once its answers are in the answers file"),
            );
            continue;
        }
        let bytes = match &file.bytes {
            Ok(bytes) => bytes,
            Err(problem) => {
                problems.push(problem.clone());
                continue;
            }
        };
        let Some(kind) = classify(&file.rel) else {
            continue;
        };
        let text = match utf8(bytes, &file.display) {
            Ok(text) => text,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        match kind {
            Kind::Tools => {
                let (tools, mut p) = parse_tools(text, &file.display);
                kb.tools = tools;
                problems.append(&mut p);
            }
            Kind::Courses => {
                let (courses, mut p) = parse_courses(text, &file.display);
                kb.courses = courses;
                problems.append(&mut p);
            }
            Kind::Article(_) | Kind::Community => {
                let (article, mut p) = match kind {
                    Kind::Article(format) => parse_article(text, &file.rel, &file.display, format),
                    _ => community::parse(text, &file.rel, &file.display),
                };
                problems.append(&mut p);
                let Some(article) = article else { continue };
                if let Some(other) = ids.insert(article.id.clone(), file.display.clone()) {
                    problems.push(
                        Problem::error(&file.display, (1, 1), format!("article id \"{}\" is also used by {other}", article.id))
                            .help("rename one of the two files; an article's id is its path without extension"),
                    );
                    continue;
                }
                if !article.is_empty() {
                    kb.articles.push(article);
                }
            }
        }
    }
    if kb.articles.is_empty() && !problems.iter().any(Problem::is_error) {
        problems.push(
            Problem::error("(knowledge directory)", (1, 1), "no articles found")
                .help("add Markdown (.md) or text (.txt) articles to the knowledge directory"),
        );
    }
    (kb, Report { problems })
}

/// Reads, parses and validates the knowledge base in `dir`.
///
/// # Errors
/// [`LoadError::Io`] when files cannot be read, [`LoadError::Invalid`] when
/// validation finds errors (the report holds every problem).
pub fn load(dir: &Path) -> Result<(KnowledgeBase, Vec<SourceFile>, Report), LoadError> {
    load_with(dir, &Limits::default())
}

/// [`load`] within `limits`.
///
/// # Errors
/// As [`load`].
pub fn load_with(
    dir: &Path,
    limits: &Limits,
) -> Result<(KnowledgeBase, Vec<SourceFile>, Report), LoadError> {
    check(read_dir_with(dir, limits)?)
}

/// Parses and validates knowledge files already read (see [`parse`]): the
/// knowledge base, the files and the warnings.
///
/// # Errors
/// [`LoadError::Invalid`] when validation finds errors.
pub fn check(
    files: Vec<SourceFile>,
) -> Result<(KnowledgeBase, Vec<SourceFile>, Report), LoadError> {
    let (kb, report) = parse(&files);
    if report.has_errors() {
        return Err(LoadError::Invalid(report));
    }
    Ok((kb, files, report))
}
