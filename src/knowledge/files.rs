//! Reading the knowledge directory from disk: the only I/O of the knowledge
//! layer. Reading is confined to the knowledge root and bounded in size, so a
//! moderator's knowledge (or a careless link in it) can never make careerbot
//! serve a host file or run out of memory:
//!
//! - A symbolic link to a file is read only when its target resolves inside
//!   the root; one that points outside, dangles or makes a loop is an error
//!   naming where it points. Links to directories are never followed (a
//!   warning inside the root, an error outside it), so no walk can loop.
//! - No file is read past `max_article_bytes` (a bounded reader, not the
//!   size the file claims: `/proc` files claim 0), and reading stops once
//!   the directory holds more than `max_knowledge_bytes` in all.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use super::problem::Problem;
use super::{classify, LoadError, SourceFile};

/// Default of `max_article_bytes`: 4 MiB, over 100 times the shipped article.
pub const DEFAULT_MAX_ARTICLE_BYTES: u64 = 4 * 1024 * 1024;
/// Default of `max_knowledge_bytes`: 64 MiB, about 100 copies of the
/// tech-interview-handbook corpus.
pub const DEFAULT_MAX_KNOWLEDGE_BYTES: u64 = 64 * 1024 * 1024;

/// How much of the disk the knowledge directory may bring into memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest knowledge file read (`max_article_bytes`).
    pub max_article_bytes: u64,
    /// Largest total of all knowledge files (`max_knowledge_bytes`).
    pub max_knowledge_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_article_bytes: DEFAULT_MAX_ARTICLE_BYTES,
            max_knowledge_bytes: DEFAULT_MAX_KNOWLEDGE_BYTES,
        }
    }
}

/// Paths of the knowledge directory that are not knowledge, in gitignore
/// syntax: attribution files that travel with an imported corpus, drafts.
pub const IGNORE_FILE: &str = ".careerbotignore";

/// The patterns of the root's [`IGNORE_FILE`] (none when there is no such
/// file), and a warning for the lines that are not valid patterns. The
/// file is read as knowledge files are: never through a link, never past
/// `max_article_bytes`, never a FIFO or a device; such a file is a warning
/// and no pattern is used.
///
/// Why not `ignore::WalkBuilder` with a custom ignore file name, which
/// would do the walk and this file in one: it opens each directory's
/// ignore file with `File::open` and reads its lines unbounded
/// (`GitignoreBuilder::add`), so a `.careerbotignore` that is a FIFO would
/// hang every reload, and one linked to `/dev/zero` or a huge file outside
/// the directory would be read whole. Here the one file is read like an
/// article, and `ignore` only matches its patterns. (`ignore` walks with
/// walkdir itself, so walkdir costs nothing more.)
fn ignore_file(dir: &Path, limits: &Limits) -> (ignore::gitignore::Gitignore, Option<Problem>) {
    let path = dir.join(IGNORE_FILE);
    let display = path.display().to_string();
    let none = ignore::gitignore::Gitignore::empty();
    let bytes = match read_bounded(&path, limits.max_article_bytes) {
        Ok(bytes) => bytes,
        Err(Unread::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => return (none, None),
        Err(unread) => {
            let why = match unread {
                Unread::TooLarge => format!(
                    "larger than max_article_bytes ({} bytes)",
                    limits.max_article_bytes
                ),
                Unread::NotAFile => "a link or not a regular file".to_string(),
                Unread::Io(e) => e.to_string(),
            };
            let problem = Problem::warning(&display, (1, 1), format!("not read, so no pattern is used: {why}"))
                .help("make it an ordinary file in the knowledge directory, one gitignore pattern per line");
            return (none, Some(problem));
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    let mut builder = ignore::gitignore::GitignoreBuilder::new(dir);
    let mut unused = 0;
    let mut first = None;
    for (n, line) in text.lines().enumerate() {
        if let Err(e) = builder.add_line(Some(path.clone()), line) {
            unused += 1;
            first.get_or_insert((n + 1, e.to_string()));
        }
    }
    let mut problem = first.map(|(line, e)| {
        Problem::warning(
            &display,
            (line, 1),
            format!("{unused} pattern(s) are not used: {e}"),
        )
        .help("write one gitignore pattern per line, e.g. SOURCE.md or drafts/")
    });
    let ignored = builder.build().unwrap_or_else(|e| {
        problem = Some(Problem::warning(
            &display,
            (1, 1),
            format!("no pattern is used: {e}"),
        ));
        ignore::gitignore::Gitignore::empty()
    });
    (ignored, problem)
}

/// What the walk saw at one path.
enum Entry {
    /// A symbolic link (below the root).
    Link,
    /// A regular file.
    File,
    /// A FIFO, socket or device.
    Special,
    /// An entry the walk could not read, with the OS's reason.
    Unreadable(String),
}

/// What is to be done with a path, before reading it.
enum Found {
    /// A regular file (or a link to one inside the root): read it from here.
    File(PathBuf),
    /// Not to be read, with why.
    Refused(Problem),
}

/// Reads every knowledge file under `dir` (hidden entries skipped), sorted by
/// path, within `limits`. A file that cannot or must not be read is returned
/// with its problem, for [`super::parse`] to report.
///
/// # Errors
/// When `dir` itself is missing or not a directory.
pub fn read_dir_with(dir: &Path, limits: &Limits) -> Result<Vec<SourceFile>, LoadError> {
    let io_error = |source: std::io::Error| LoadError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(dir).map_err(io_error)?;
    if !meta.is_dir() {
        return Err(io_error(std::io::Error::other("not a directory")));
    }
    let root = std::fs::canonicalize(dir).map_err(io_error)?;
    let relative = |path: &Path| {
        path.strip_prefix(dir)
            .unwrap_or(path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    };
    let mut files = Vec::new();
    let mut budget = Budget {
        limits,
        total: 0,
        spent: false,
    };
    let (ignored, ignore_problem) = ignore_file(dir, limits);
    if let Some(problem) = ignore_problem {
        files.push(SourceFile {
            display: dir.join(IGNORE_FILE).display().to_string(),
            rel: IGNORE_FILE.to_string(),
            bytes: Err(problem),
        });
    }
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !(e.file_name().to_string_lossy().starts_with('.')
                    || ignored
                        .matched(e.path(), e.file_type().is_dir())
                        .is_ignore())
        });
    for entry in walker {
        let Some((path, kind)) = entry_kind(entry) else {
            continue;
        };
        let rel = relative(&path);
        let display = path.display().to_string();
        let Some(found) = judge(path, kind, &rel, &display, &root) else {
            continue;
        };
        let bytes = match found {
            Found::Refused(problem) => Err(problem),
            Found::File(source) => match budget.read(&source, &display) {
                Some(read) => read,
                None => continue,
            },
        };
        files.push(SourceFile {
            display,
            rel,
            bytes,
        });
    }
    Ok(files)
}

/// What a walked entry is, and its path; `None` for a directory (walked
/// into) or an error that names no path.
fn entry_kind(entry: walkdir::Result<walkdir::DirEntry>) -> Option<(PathBuf, Entry)> {
    Some(match entry {
        // The root itself may be a link: it is what the moderator named.
        Ok(entry) if entry.depth() > 0 && entry.path_is_symlink() => {
            (entry.into_path(), Entry::Link)
        }
        Ok(entry) if entry.file_type().is_file() => (entry.into_path(), Entry::File),
        Ok(entry) if entry.file_type().is_dir() => return None,
        Ok(entry) => (entry.into_path(), Entry::Special),
        Err(e) => {
            let path = e.path().map(Path::to_path_buf)?;
            let reason = e
                .io_error()
                .map_or_else(|| e.to_string(), ToString::to_string);
            (path, Entry::Unreadable(reason))
        }
    })
}

/// Whether the entry at `path` (`rel` to the root, shown as `display`) is
/// read, refused with a problem, or of no concern (`None`).
fn judge(path: PathBuf, kind: Entry, rel: &str, display: &str, root: &Path) -> Option<Found> {
    // Only files careerbot would read matter; "notes.bak" does not.
    let knowledge = classify(rel).is_some();
    Some(match kind {
        Entry::Link => return resolve_link(&path, root, display, knowledge),
        Entry::File if knowledge => Found::File(path),
        Entry::Special if knowledge => Found::Refused(not_a_file(display)),
        Entry::File | Entry::Special => return misnamed_catalog(rel, display).map(Found::Refused),
        // A knowledge file that cannot be read is an error; anything else
        // (a `lost+found`, a private drafts directory) is only skipped,
        // with a warning naming the cause.
        Entry::Unreadable(reason) if knowledge => Found::Refused(
            Problem::error(display, (1, 1), format!("cannot read file: {reason}"))
                .help("fix the file's permissions, or remove it"),
        ),
        Entry::Unreadable(reason) => Found::Refused(
            Problem::warning(
                display,
                (1, 1),
                format!("skipped, cannot read it: {reason}"),
            )
            .help("fix its permissions if it holds knowledge"),
        ),
    })
}

/// A warning for a file at the root whose name is one or two letters (or
/// only its case) from a catalog's, which careerbot does not read: a
/// `course.toml` would otherwise leave the knowledge without courses,
/// silently.
fn misnamed_catalog(rel: &str, display: &str) -> Option<Problem> {
    let lower = rel.to_lowercase();
    if rel.contains('/') || !lower.ends_with(".toml") {
        return None;
    }
    let catalogs = [
        super::TOOLS_FILE,
        super::COURSES_FILE,
        super::community::FILE,
    ];
    let meant = crate::text::distance::closest(&lower, &catalogs, 2)?;
    Some(
        Problem::warning(
            display,
            (1, 1),
            format!("not read: careerbot reads {meant}"),
        )
        .help(format!("rename it to {meant} if it is that catalog")),
    )
}

/// The bytes read so far against [`Limits`].
struct Budget<'a> {
    limits: &'a Limits,
    total: u64,
    /// Whether `max_knowledge_bytes` has been reached: later files are not read.
    spent: bool,
}

impl Budget<'_> {
    /// The bytes of the file at `source` (shown as `display`), or why they
    /// are not read; `None` once the budget is spent.
    fn read(&mut self, source: &Path, display: &str) -> Option<Result<Vec<u8>, Problem>> {
        if self.spent {
            return None;
        }
        let limits = self.limits;
        let left = limits.max_knowledge_bytes.saturating_sub(self.total);
        Some(match read_bounded(source, limits.max_article_bytes.min(left)) {
            Ok(bytes) => {
                self.total += bytes.len() as u64;
                Ok(bytes)
            }
            Err(Unread::TooLarge) if left < limits.max_article_bytes => {
                self.spent = true;
                Err(Problem::error(
                    display,
                    (1, 1),
                    format!(
                        "the knowledge directory holds more than max_knowledge_bytes ({} bytes) from this file on",
                        limits.max_knowledge_bytes
                    ),
                )
                .help("remove files from the knowledge directory, or raise max_knowledge_bytes in careerbot.toml"))
            }
            Err(Unread::TooLarge) => Err(Problem::error(
                display,
                (1, 1),
                format!(
                    "file is larger than max_article_bytes ({} bytes)",
                    limits.max_article_bytes
                ),
            )
            .help("split the article into smaller files, or raise max_article_bytes in careerbot.toml")),
            Err(Unread::NotAFile) => Err(not_a_file(display)),
            Err(Unread::Io(e)) => Err(Problem::error(
                display,
                (1, 1),
                format!("cannot read file: {e}"),
            )
            .help("fix the file's permissions or link, or remove it")),
        })
    }
}

/// Where a link at `path` leads, confined to `root`. `None` when it is of no
/// concern: a link to a file that careerbot would not read anyway.
fn resolve_link(path: &Path, root: &Path, display: &str, knowledge_name: bool) -> Option<Found> {
    let written =
        std::fs::read_link(path).map_or_else(|_| "?".to_string(), |t| t.display().to_string());
    let refuse = |message: String, help: &str| {
        Some(Found::Refused(
            Problem::error(display, (1, 1), message).help(help),
        ))
    };
    let target = match std::fs::canonicalize(path) {
        Ok(target) => target,
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return refuse(
                format!("the link makes a loop (it points to {written})"),
                "point the link at a file, or remove it",
            )
        }
        Err(_) if !knowledge_name => return None,
        Err(e) => {
            return refuse(
                format!("cannot read file: the link points to {written}: {e}"),
                "point the link at a file inside the knowledge directory, or remove it",
            )
        }
    };
    let is_dir = target.is_dir();
    if !knowledge_name && !is_dir {
        return None;
    }
    if !target.starts_with(root) {
        let resolved = target.display().to_string();
        let shown = if resolved == written {
            resolved
        } else {
            format!("{written}, which is {resolved}")
        };
        return refuse(
            format!("the link points outside the knowledge directory, to {shown}"),
            "copy the file into the knowledge directory instead of linking to it",
        );
    }
    if is_dir {
        return Some(Found::Refused(
            Problem::warning(
                display,
                (1, 1),
                format!("links to directories are not followed (it points to {written})"),
            )
            .help("move or copy the directory into the knowledge directory"),
        ));
    }
    Some(Found::File(target))
}

/// The problem of a knowledge path that is not an ordinary file.
fn not_a_file(display: &str) -> Problem {
    Problem::error(display, (1, 1), "not a regular file")
        .help("knowledge files must be ordinary files; remove it")
}

/// Why a file was not read.
enum Unread {
    /// Over the byte limit.
    TooLarge,
    /// A directory, device or FIFO where a file was expected (it changed).
    NotAFile,
    /// The OS refused.
    Io(std::io::Error),
}

/// Reads at most `limit` bytes of `path`, never more, whatever size the file
/// claims. The last component is opened without following links, and
/// without blocking, so a file swapped for a link or a FIFO after the walk
/// looked at it is refused, not read.
fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, Unread> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| match e.raw_os_error() {
        Some(libc::ELOOP) => Unread::NotAFile,
        _ => Unread::Io(e),
    })?;
    let meta = file.metadata().map_err(Unread::Io)?;
    if !meta.is_file() {
        return Err(Unread::NotAFile);
    }
    if meta.len() > limit {
        return Err(Unread::TooLarge);
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(Unread::Io)?;
    if bytes.len() as u64 > limit {
        return Err(Unread::TooLarge);
    }
    Ok(bytes)
}

/// Replaces the file `rel` of the knowledge directory `dir` with `bytes`,
/// atomically: a reader (careerbot's own, `--watch`, an editor, git) sees
/// the old file or the new one, never part of either. The bytes go to a
/// new hidden file beside it with an unpredictable name, created
/// exclusively (so no file or link planted in advance is followed), are
/// synced, and the file is renamed over the old one; then the directory is
/// synced, so the rename survives a crash.
///
/// # Errors
/// When the file cannot be written or renamed; the old file is left as it was.
pub fn write_atomic(dir: &Path, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let target = dir.join(rel);
    let parent = target.parent().unwrap_or(dir).to_path_buf();
    let mut builder = tempfile::Builder::new();
    builder.prefix(".careerbot-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        // The file keeps its permissions (never setuid, setgid or sticky);
        // a new one is readable as the others are.
        let mode = std::fs::symlink_metadata(&target)
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map_or(0o644, |m| m.permissions().mode() & 0o777);
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    let mut file = builder.tempfile_in(&parent)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(&target).map_err(|e| e.error)?;
    std::fs::File::open(&parent)?.sync_all()
}

/// Renames `from` to `to` (both relative to `dir`) and syncs the directory.
///
/// # Errors
/// When the rename fails; nothing changed.
pub fn rename(dir: &Path, from: &str, to: &str) -> std::io::Result<()> {
    std::fs::rename(dir.join(from), dir.join(to))?;
    std::fs::File::open(dir)?.sync_all()
}

/// Why careerbot will not write the file `rel` of the knowledge directory
/// `dir`, if it will not: it is a link or not an ordinary file (writing
/// would replace or follow it), or careerbot would not read it back as
/// knowledge (hidden, or matched by [`IGNORE_FILE`]).
pub fn unwritable(dir: &Path, rel: &str, limits: &Limits) -> Option<String> {
    let path = dir.join(rel);
    match std::fs::symlink_metadata(&path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Some(format!(
                "{rel} is a symbolic link; careerbot writes only ordinary files in the knowledge directory"
            ))
        }
        Ok(meta) if !meta.is_file() => return Some(format!("{rel} is not an ordinary file")),
        _ => {}
    }
    if rel.split('/').any(|part| part.starts_with('.')) {
        return Some(format!("{rel} is hidden, so careerbot would not read it"));
    }
    let (ignored, _) = ignore_file(dir, limits);
    ignored
        .matched_path_or_any_parents(&path, false)
        .is_ignore()
        .then(|| {
            format!(
                "{rel} is ignored by {IGNORE_FILE}, so an answer written there would not be served"
            )
        })
}

/// An advisory lock on the knowledge directory, held while careerbot
/// changes a file in it: other careerbot processes sharing the directory
/// wait for it, so no change is lost between a read and a write. Released
/// when dropped.
#[derive(Debug)]
pub struct DirLock {
    _directory: std::fs::File,
}

impl DirLock {
    /// Locks `dir`, waiting at most `wait` for another holder.
    ///
    /// # Errors
    /// When the directory cannot be opened or locked, or another process
    /// held it all the while (`TimedOut`).
    pub fn acquire(dir: &Path, wait: std::time::Duration) -> std::io::Result<Self> {
        let directory = std::fs::File::open(dir)?;
        let deadline = std::time::Instant::now() + wait;
        loop {
            match directory.try_lock() {
                Ok(()) => {
                    return Ok(DirLock {
                        _directory: directory,
                    })
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(e),
                Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "another careerbot is changing the knowledge directory",
                    ))
                }
            }
        }
    }
}
