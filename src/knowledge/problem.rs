//! Problems found while reading the knowledge base: where they are, what is
//! wrong and how to fix it. Problems are data, not errors, so that `check` can
//! report every one of them.

use std::fmt;

use serde::Serialize;

/// How serious a problem is: errors stop a knowledge base from being served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth fixing, but the knowledge base still loads.
    Warning,
    /// The knowledge base is refused until this is fixed.
    Error,
}

/// One problem at a file position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// The file as the moderator would type it, e.g. `knowledge/tools.toml`.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong, lowercase, naming the offending value.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl Problem {
    /// An error at `file:line:column`.
    pub fn error(file: &str, (line, column): (usize, usize), message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Error,
            file: file.to_string(),
            line,
            column,
            message: message.into(),
            help: None,
        }
    }

    /// A warning at `file:line:column`.
    pub fn warning(file: &str, at: (usize, usize), message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Warning,
            ..Problem::error(file, at, message)
        }
    }

    /// Adds a hint on how to fix the problem.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Whether this problem stops the knowledge base from loading.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {severity}: {}",
            self.file, self.line, self.column, self.message
        )?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// Every problem found in one pass over the knowledge base.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Problems in file order.
    pub problems: Vec<Problem>,
}

impl Report {
    /// Whether any problem is an error.
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(Problem::is_error)
    }

    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.problems.iter().filter(|p| p.is_error()).count()
    }

    /// Number of warnings.
    pub fn warning_count(&self) -> usize {
        self.problems.len() - self.error_count()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for problem in &self.problems {
            writeln!(f, "{problem}")?;
        }
        write!(
            f,
            "{} error(s), {} warning(s)",
            self.error_count(),
            self.warning_count()
        )
    }
}

/// 1-based line and column (in characters) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Line starts of a text, for many line lookups in one pass: [`line_col`]
/// scans from the start each time, which is quadratic over a whole article.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text` (one pass).
    pub fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    /// 1-based line of a byte offset, as [`line_col`] counts it.
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset)
    }

    /// 1-based line and column of a byte offset in `text` (the text it
    /// indexes), as [`line_col`] gives them, without scanning from the start.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line(offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0).min(offset);
        (line, text[start..offset].chars().count() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_agrees_with_line_col_at_every_offset() {
        let text = "ab\n\ncd\né\n";
        let index = LineIndex::new(text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(
                index.line(offset),
                line_col(text, offset).0,
                "offset {offset}"
            );
            assert_eq!(
                index.line_col(text, offset),
                line_col(text, offset),
                "offset {offset}"
            );
        }
    }

    #[test]
    fn line_col_counts_lines_and_characters_from_one() {
        let text = "ab\ncdé\nf";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, 8), (3, 1));
        assert_eq!(line_col(text, 7), (2, 4));
        assert_eq!(line_col(text, 999), (3, 2));
    }

    #[test]
    fn problem_display_names_file_line_column_and_help() {
        let p = Problem::error("knowledge/tools.toml", (14, 1), "unknown key \"nmae\"")
            .help("did you mean \"name\"?");
        assert_eq!(
            p.to_string(),
            "knowledge/tools.toml:14:1: error: unknown key \"nmae\"\n  help: did you mean \"name\"?"
        );
    }
}
