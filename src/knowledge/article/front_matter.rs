//! Front matter: TOML between `+++` lines (careerbot's own keys, checked)
//! or YAML between `---` lines (from foreign sites: known keys read, others
//! ignored).

use super::super::problem::Problem;
use super::super::toml_reader::TomlReader;

const TOML_KEYS: &[&str] = &[
    "title",
    "source",
    "summary",
    "tags",
    "phrasings",
    "keywords",
];

pub(super) struct FrontMatter<'a> {
    pub fence: &'static str,
    pub text: &'a str,
    /// Line number of the first front matter line (after the fence).
    pub line: usize,
    pub body: &'a str,
    pub body_line: usize,
}

/// Splits off front matter; `Err(fence)` when it is opened but never closed.
pub(super) fn split_front_matter(text: &str) -> Result<Option<FrontMatter<'_>>, &'static str> {
    let first_line = text.lines().next().unwrap_or("").trim_end();
    let fence = match first_line {
        "+++" => "+++",
        "---" => "---",
        _ => return Ok(None),
    };
    let start = text.find('\n').map_or(text.len(), |i| i + 1);
    let mut offset = start;
    for (line, l) in (2..).zip(text[start..].split_inclusive('\n')) {
        if l.trim_end() == fence {
            let body_start = offset + l.len();
            return Ok(Some(FrontMatter {
                fence,
                text: &text[start..offset],
                line: 2,
                body: &text[body_start..],
                body_line: line + 1,
            }));
        }
        offset += l.len();
    }
    Err(fence)
}

/// What front matter says about an article.
#[derive(Default)]
pub(super) struct Meta {
    pub title: Option<String>,
    pub source: Option<String>,
    pub summary: Option<String>,
    pub tags: Vec<String>,
    pub phrasings: Vec<String>,
}

impl Meta {
    /// Reads TOML front matter starting at `line` of `file`.
    pub fn read_toml(&mut self, text: &str, file: &str, line: usize, problems: &mut Vec<Problem>) {
        let mut r = TomlReader::new(text, file, line - 1);
        if let Some(doc) = r.parse() {
            let t = doc.get_ref();
            let at = 0..0;
            r.check_keys(t, TOML_KEYS, "front matter");
            self.title = r
                .string(t, "title", false, "front matter", &at)
                .map(|s| s.into_inner());
            self.source = r
                .string(t, "source", false, "front matter", &at)
                .and_then(|s| {
                    if crate::knowledge::is_web_url(s.get_ref()) {
                        Some(s.into_inner())
                    } else {
                        r.error(
                            &s.span(),
                            format!("source \"{}\" is not a web address", s.get_ref()),
                            "write a full address starting with https://, without spaces",
                        );
                        None
                    }
                });
            self.summary = r
                .string(t, "summary", false, "front matter", &at)
                .map(|s| s.into_inner());
            self.tags = r.strings(t, "tags", "front matter");
            self.phrasings = r.strings(t, "phrasings", "front matter");
            self.phrasings
                .extend(r.strings(t, "keywords", "front matter"));
        }
        problems.append(&mut r.problems);
    }

    /// YAML front matter comes from foreign sites (Docusaurus, Jekyll, Hugo):
    /// known keys are read, others are ignored rather than refused.
    pub fn read_yaml(&mut self, text: &str, file: &str, line: usize, problems: &mut Vec<Problem>) {
        let Some(value) = parse_yaml(text, file, line, problems) else {
            return;
        };
        warn_of_wrong_types(&value, file, line, problems);
        let get_str = |key: &str| -> Option<String> {
            value
                .get(key)
                .and_then(|v| v.as_str())
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let get_list = |key: &str| -> Vec<String> {
            match value.get(key) {
                Some(serde_norway::Value::Sequence(items)) => items
                    .iter()
                    .filter_map(|i| i.as_str().map(|s| s.trim().to_string()))
                    .filter(|s| !s.is_empty())
                    .collect(),
                Some(serde_norway::Value::String(s)) => s
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect(),
                _ => Vec::new(),
            }
        };
        self.title = get_str("title");
        // Sites often give relative paths here; only a full web address is a source.
        self.source = get_str("source")
            .or_else(|| get_str("source_url"))
            .or_else(|| get_str("url"))
            .filter(|u| crate::knowledge::is_web_url(u));
        self.summary = get_str("summary").or_else(|| get_str("description"));
        self.tags = get_list("tags");
        self.phrasings = get_list("phrasings");
        self.phrasings.extend(get_list("keywords"));
    }
}

/// The YAML of front matter starting at `line` of `file`, or its syntax
/// error as a problem.
fn parse_yaml(
    text: &str,
    file: &str,
    line: usize,
    problems: &mut Vec<Problem>,
) -> Option<serde_norway::Value> {
    match serde_norway::from_str(text) {
        Ok(v) => Some(v),
        Err(e) => {
            let (l, c) = e
                .location()
                .map_or((1, 1), |loc| (loc.line(), loc.column()));
            let message = e.to_string();
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_string();
            problems.push(
                Problem::error(
                    file,
                    (line + l - 1, c),
                    format!("invalid YAML front matter: {message}"),
                )
                .help("fix the YAML between the --- lines, or quote values that contain a colon"),
            );
            None
        }
    }
}

/// Warns of keys careerbot reads that do not have the type it reads; other
/// keys are the site's business.
fn warn_of_wrong_types(
    value: &serde_norway::Value,
    file: &str,
    line: usize,
    problems: &mut Vec<Problem>,
) {
    for key in [
        "title",
        "description",
        "summary",
        "source",
        "source_url",
        "url",
    ] {
        if value
            .get(key)
            .is_some_and(|v| !v.is_string() && !v.is_null())
        {
            problems.push(
                Problem::warning(
                    file,
                    (line, 1),
                    format!("\"{key}\" in YAML front matter is not text, so it is ignored"),
                )
                .help(format!("write {key}: some text")),
            );
        }
    }
    for key in ["keywords", "tags", "phrasings"] {
        if value
            .get(key)
            .is_some_and(|v| !v.is_sequence() && !v.is_string() && !v.is_null())
        {
            problems.push(
                Problem::warning(
                    file,
                    (line, 1),
                    format!("\"{key}\" in YAML front matter is not a list, so it is ignored"),
                )
                .help(format!("write {key}: [first, second]")),
            );
        }
    }
}
