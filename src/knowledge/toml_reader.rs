//! A small reader over toml's spanned document tree that records every
//! problem (wrong type, missing key, unknown key) with its position instead of
//! stopping at the first one, as serde would.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::problem::{line_col, Problem};

/// Reads values out of one TOML file and collects problems about them.
pub(crate) struct TomlReader<'a> {
    text: &'a str,
    file: &'a str,
    /// Byte offset of `text` inside the file (front matter starts after `+++`).
    base_line: usize,
    pub problems: Vec<Problem>,
}

pub(crate) type Table<'i> = DeTable<'i>;

impl<'a> TomlReader<'a> {
    /// A reader for `text`, which starts on line `base_line + 1` of `file`.
    pub fn new(text: &'a str, file: &'a str, base_line: usize) -> Self {
        TomlReader {
            text,
            file,
            base_line,
            problems: Vec::new(),
        }
    }

    /// Parses the document, recording syntax errors; returns the parts that parsed.
    pub fn parse(&mut self) -> Option<Spanned<Table<'a>>> {
        let (table, errors) = DeTable::parse_recoverable(self.text);
        let failed = !errors.is_empty();
        for error in errors {
            let span = error.span().unwrap_or(0..0);
            let message = error.message().trim().trim_end_matches('.').to_string();
            self.problems.push(
                Problem::error(
                    self.file,
                    self.position(&span),
                    format!("invalid TOML: {}", lowercase_first(&message)),
                )
                .help("fix the TOML syntax (strings in double quotes, one key = value per line)"),
            );
        }
        // A document with syntax errors is not trusted for further checks:
        // recovery may have dropped keys, which would cause bogus "missing key" reports.
        (!failed).then_some(table)
    }

    /// File position of a byte span.
    pub fn position(&self, span: &Range<usize>) -> (usize, usize) {
        let (line, column) = line_col(self.text, span.start);
        (line + self.base_line, column)
    }

    /// Records an error at `span`.
    pub fn error(&mut self, span: &Range<usize>, message: String, help: &str) {
        let problem = Problem::error(self.file, self.position(span), message);
        self.problems.push(if help.is_empty() {
            problem
        } else {
            problem.help(help)
        });
    }

    /// Records a warning at `span`.
    pub fn warning(&mut self, span: &Range<usize>, message: String, help: &str) {
        let problem = Problem::warning(self.file, self.position(span), message);
        self.problems.push(if help.is_empty() {
            problem
        } else {
            problem.help(help)
        });
    }

    /// Reports keys of `table` that are not in `allowed`.
    pub fn check_keys(&mut self, table: &Table<'_>, allowed: &[&str], what: &str) {
        for key in table.keys() {
            if !allowed.contains(&key.get_ref().as_ref()) {
                let name = key.get_ref().to_string();
                let help = match closest(&name, allowed) {
                    Some(near) => format!(
                        "did you mean \"{near}\"? {what} keys are: {}",
                        allowed.join(", ")
                    ),
                    None => format!("{what} keys are: {}", allowed.join(", ")),
                };
                self.error(
                    &key.span(),
                    format!("unknown key \"{name}\" in {what}"),
                    &help,
                );
            }
        }
    }

    /// A string value; records a problem if it has another type, or is missing
    /// and `required`. `at` is the span used for a missing key.
    pub fn string(
        &mut self,
        table: &Table<'_>,
        key: &str,
        required: bool,
        what: &str,
        at: &Range<usize>,
    ) -> Option<Spanned<String>> {
        match table.get(key) {
            Some(value) => match value.get_ref() {
                DeValue::String(s) if s.trim().is_empty() => {
                    self.error(
                        &value.span(),
                        format!("\"{key}\" of {what} is empty"),
                        "write a value or remove the key",
                    );
                    None
                }
                DeValue::String(s) => Some(Spanned::new(value.span(), s.trim().to_string())),
                other => {
                    self.error(
                        &value.span(),
                        format!(
                            "\"{key}\" of {what} must be a string, found {}",
                            other.type_str()
                        ),
                        "put the value in double quotes",
                    );
                    None
                }
            },
            None => {
                if required {
                    self.error(
                        at,
                        format!("{what} has no \"{key}\""),
                        &format!("add {key} = \"...\""),
                    );
                }
                None
            }
        }
    }

    /// An array of strings; records a problem for anything else.
    pub fn strings(&mut self, table: &Table<'_>, key: &str, what: &str) -> Vec<String> {
        let Some(value) = table.get(key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = value.get_ref() else {
            self.error(
                &value.span(),
                format!("\"{key}\" of {what} must be an array of strings"),
                &format!("write {key} = [\"first\", \"second\"]"),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) if !s.trim().is_empty() => out.push(s.trim().to_string()),
                DeValue::String(_) => self.error(
                    &item.span(),
                    format!("empty string in \"{key}\" of {what}"),
                    "remove the empty entry",
                ),
                other => self.error(
                    &item.span(),
                    format!(
                        "\"{key}\" of {what} must hold strings, found {}",
                        other.type_str()
                    ),
                    "put each entry in double quotes",
                ),
            }
        }
        out
    }

    /// The tables of an array of tables (`[[key]]`); records a problem for anything else.
    pub fn tables<'t>(
        &mut self,
        table: &'t Table<'a>,
        key: &str,
        what: &str,
    ) -> Vec<(Range<usize>, &'t Table<'a>)> {
        let Some(value) = table.get(key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = value.get_ref() else {
            self.error(
                &value.span(),
                format!("\"{key}\" must be an array of tables"),
                &format!("start each {what} with a [[{key}]] line"),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::Table(t) => out.push((item.span(), t)),
                other => self.error(
                    &item.span(),
                    format!(
                        "each entry of \"{key}\" must be a table, found {}",
                        other.type_str()
                    ),
                    &format!("start each {what} with a [[{key}]] line"),
                ),
            }
        }
        out
    }
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The allowed key closest to a misspelt one, if any is close.
fn closest<'k>(name: &str, allowed: &[&'k str]) -> Option<&'k str> {
    crate::text::distance::closest(name, allowed, 2)
}
