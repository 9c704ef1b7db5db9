//! The tool and course catalogs (`tools.toml`, `courses.toml`): parsed and
//! validated from text, every problem recorded with its position.

use std::collections::HashMap;

use serde::Serialize;

use super::problem::Problem;
use super::toml_reader::{Table, TomlReader};
use std::ops::Range;
use toml::Spanned;

/// A category of tools, e.g. programming languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolCategory {
    /// Lowercase slug, unique in the catalog.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Words in a question that mean this category.
    pub keywords: Vec<String>,
    /// One sentence about the category.
    pub description: Option<String>,
    /// The tools, in file order.
    pub tools: Vec<Tool>,
}

/// One tool: a language, framework, database, server...
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tool {
    /// Display name.
    pub name: String,
    /// One factual sentence.
    pub description: Option<String>,
    /// Official home page.
    pub url: Option<String>,
    /// Other names members type.
    pub aliases: Vec<String>,
}

/// A course pointer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Course {
    /// The course's own title.
    pub title: String,
    /// Who teaches it.
    pub provider: String,
    /// Where it is hosted.
    pub platform: Option<String>,
    /// Link to the course page.
    pub url: String,
    /// Words and phrases a question might use for it.
    pub topics: Vec<String>,
    /// beginner, intermediate or advanced.
    pub level: Option<String>,
    /// course, specialization, professional certificate...
    pub kind: Option<String>,
    /// One or two sentences.
    pub description: Option<String>,
}

const CATEGORY_KEYS: &[&str] = &["id", "name", "keywords", "description", "tool"];
const TOOL_KEYS: &[&str] = &["name", "description", "url", "aliases"];
const COURSE_KEYS: &[&str] = &[
    "title",
    "provider",
    "platform",
    "url",
    "topics",
    "level",
    "kind",
    "description",
];
const LEVELS: &[&str] = &["beginner", "intermediate", "advanced", "all levels"];

/// Parses `tools.toml`, returning the categories that are valid and every problem.
pub fn parse_tools(text: &str, file: &str) -> (Vec<ToolCategory>, Vec<Problem>) {
    let mut r = TomlReader::new(text, file, 0);
    let mut categories = Vec::new();
    let Some(doc) = r.parse() else {
        return (categories, r.problems);
    };
    r.check_keys(doc.get_ref(), &["category"], "tools.toml");
    let mut seen = SeenTools::default();
    for (span, table) in r.tables(doc.get_ref(), "category", "category") {
        r.check_keys(table, CATEGORY_KEYS, "a category");
        let id = r.string(table, "id", true, "a category", &span);
        let name = r.string(table, "name", true, "a category", &span);
        let keywords = r.strings(table, "keywords", "a category");
        let description = r.string(table, "description", false, "a category", &span);
        if let Some(id) = &id {
            check_category_id(&mut r, id, &mut seen.ids);
        }
        let category_name = name
            .as_ref()
            .map_or("?", |n| n.get_ref().as_str())
            .to_string();
        let mut names_here: HashMap<String, usize> = HashMap::new();
        let tools: Vec<Tool> = r
            .tables(table, "tool", "tool")
            .into_iter()
            .filter_map(|(tool_span, t)| {
                parse_tool(
                    &mut r,
                    t,
                    &tool_span,
                    &category_name,
                    &mut names_here,
                    &mut seen,
                )
            })
            .collect();
        if tools.is_empty() && !table.contains_key("tool") {
            // (Problems with listed tools were recorded as they were read.)
            r.warning(
                &span,
                format!("category \"{category_name}\" has no tools"),
                "add [[category.tool]] blocks under it",
            );
        }
        if let (Some(id), Some(name)) = (id, name) {
            categories.push(ToolCategory {
                id: id.into_inner(),
                name: name.into_inner(),
                keywords,
                description: description.map(|d| d.into_inner()),
                tools,
            });
        }
    }
    (categories, r.problems)
}

/// What `tools.toml` has defined so far, to find duplicates.
#[derive(Default)]
struct SeenTools {
    /// Category ids, with the line of each.
    ids: HashMap<String, usize>,
    /// Tool names and aliases (lowercase), with their category's name.
    homes: HashMap<String, String>,
}

/// Checks a category id: a lowercase slug, not used before.
fn check_category_id(
    r: &mut TomlReader<'_>,
    id: &Spanned<String>,
    seen_ids: &mut HashMap<String, usize>,
) {
    let slug_ok = id
        .get_ref()
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !slug_ok {
        r.error(
            &id.span(),
            format!("category id \"{}\" is not a lowercase slug", id.get_ref()),
            "use lowercase letters, digits, - and _ only, e.g. \"databases\"",
        );
    }
    if let Some(first) = seen_ids.insert(id.get_ref().clone(), r.position(&id.span()).0) {
        r.error(
            &id.span(),
            format!(
                "duplicate category id \"{}\" (first defined on line {first})",
                id.get_ref()
            ),
            "give each category its own id or merge the two",
        );
    }
}

/// One `[[category.tool]]` of category `category_name`, if it has a name.
/// A name or alias listed twice in the category is an error; one listed
/// in another category is a warning.
fn parse_tool(
    r: &mut TomlReader<'_>,
    t: &Table<'_>,
    span: &Range<usize>,
    category_name: &str,
    names_here: &mut HashMap<String, usize>,
    seen: &mut SeenTools,
) -> Option<Tool> {
    let what = format!("a tool of category \"{category_name}\"");
    r.check_keys(t, TOOL_KEYS, "a tool");
    let name = r.string(t, "name", true, &what, span);
    let description = r.string(t, "description", false, &what, span);
    let url = r.string(t, "url", false, &what, span);
    let aliases = r.strings(t, "aliases", &what);
    if let Some(url) = &url {
        check_url(r, url);
    }
    let name = name?;
    for label in std::iter::once(name.get_ref()).chain(aliases.iter()) {
        let key = label.to_lowercase();
        if let Some(first) = names_here.insert(key.clone(), r.position(&name.span()).0) {
            r.error(
                &name.span(),
                format!(
                    "duplicate tool \"{label}\" in category \"{category_name}\" (first on line {first})"
                ),
                "remove one of the two entries, or drop the clashing alias",
            );
        } else if let Some(other) = seen.homes.get(&key) {
            if other != category_name {
                r.warning(
                    &name.span(),
                    format!("tool \"{label}\" is also listed in category \"{other}\""),
                    "fine if it belongs to both; otherwise keep one",
                );
            }
        }
        seen.homes.insert(key, category_name.to_string());
    }
    Some(Tool {
        name: name.into_inner(),
        description: description.map(|d| d.into_inner()),
        url: url.map(|u| u.into_inner()),
        aliases,
    })
}

/// Parses `courses.toml`, returning the courses that are valid and every problem.
pub fn parse_courses(text: &str, file: &str) -> (Vec<Course>, Vec<Problem>) {
    let mut r = TomlReader::new(text, file, 0);
    let mut courses = Vec::new();
    let Some(doc) = r.parse() else {
        return (courses, r.problems);
    };
    r.check_keys(doc.get_ref(), &["course"], "courses.toml");
    let mut seen = SeenCourses::default();
    for (span, table) in r.tables(doc.get_ref(), "course", "course") {
        r.check_keys(table, COURSE_KEYS, "a course");
        let title = r.string(table, "title", true, "a course", &span);
        let what = match &title {
            Some(t) => format!("course \"{}\"", t.get_ref()),
            None => "a course".to_string(),
        };
        let provider = r.string(table, "provider", true, &what, &span);
        let platform = r.string(table, "platform", false, &what, &span);
        let url = r.string(table, "url", true, &what, &span);
        let topics = r.strings(table, "topics", &what);
        let level = r.string(table, "level", false, &what, &span);
        let kind = r.string(table, "kind", false, &what, &span);
        let description = r.string(table, "description", false, &what, &span);
        if let Some(level) = &level {
            if !LEVELS.contains(&level.get_ref().to_lowercase().as_str()) {
                r.error(
                    &level.span(),
                    format!("unknown level \"{}\" for {what}", level.get_ref()),
                    &format!("use one of: {}", LEVELS.join(", ")),
                );
            }
        }
        if let Some(url) = &url {
            check_url(&mut r, url);
        }
        check_duplicate_course(&mut r, &what, &title, &provider, &url, &mut seen);
        if topics.is_empty() {
            r.warning(
                &span,
                format!("{what} has no topics, so only generic course questions will find it"),
                "add topics = [\"...\"] with the subjects it teaches",
            );
        }
        if let (Some(title), Some(provider), Some(url)) = (title, provider, url) {
            courses.push(Course {
                title: title.into_inner(),
                provider: provider.into_inner(),
                platform: platform.map(|p| p.into_inner()),
                url: url.into_inner(),
                topics,
                level: level.map(|l| l.into_inner()),
                kind: kind.map(|k| k.into_inner()),
                description: description.map(|d| d.into_inner()),
            });
        }
    }
    (courses, r.problems)
}

/// What `courses.toml` has defined so far, to find duplicates.
#[derive(Default)]
struct SeenCourses {
    /// Normalised urls, with the line of each.
    urls: HashMap<String, usize>,
    /// (title, provider), lowercase, with the line of each.
    titles: HashMap<(String, String), usize>,
}

/// A course whose url, or whose title and provider, an earlier course has
/// is an error.
fn check_duplicate_course(
    r: &mut TomlReader<'_>,
    what: &str,
    title: &Option<Spanned<String>>,
    provider: &Option<Spanned<String>>,
    url: &Option<Spanned<String>>,
    seen: &mut SeenCourses,
) {
    if let Some(url) = url {
        let key = url.get_ref().trim_end_matches('/').to_lowercase();
        if let Some(first) = seen.urls.insert(key, r.position(&url.span()).0) {
            r.error(
                &url.span(),
                format!("duplicate course: {what} has the same url as the course on line {first}"),
                "remove one of the two courses",
            );
        }
    }
    if let (Some(title), Some(provider)) = (title, provider) {
        let key = (
            title.get_ref().to_lowercase(),
            provider.get_ref().to_lowercase(),
        );
        if let Some(first) = seen.titles.insert(key, r.position(&title.span()).0) {
            r.error(
                &title.span(),
                format!(
                    "duplicate course: {what} by {} is already on line {first}",
                    provider.get_ref()
                ),
                "remove one of the two courses",
            );
        }
    }
}

/// Whether `url` is a web address Discord accepts as a link: http(s), a
/// host, no spaces or control characters.
pub fn is_web_url(url: &str) -> bool {
    web_host(url).is_some_and(|host| !host.is_empty())
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The host (with any port) of an http(s) address: what follows the scheme,
/// up to the path, query or fragment.
pub fn web_host(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    rest.split(['/', '?', '#']).next()
}

fn check_url(r: &mut TomlReader<'_>, url: &toml::Spanned<String>) {
    let u = url.get_ref();
    if !is_web_url(u) {
        r.error(
            &url.span(),
            format!("\"{u}\" is not a web address"),
            "write a full address starting with https://",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tools_parse_categories_tools_and_aliases() {
        let text = r#"
[[category]]
id = "databases"
name = "Databases"
keywords = ["database", "db"]

[[category.tool]]
name = "MongoDB"
aliases = ["mongo"]
url = "https://www.mongodb.com/"
"#;
        let (cats, problems) = parse_tools(text, "tools.toml");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(cats.len(), 1);
        assert_eq!(cats[0].tools[0].name, "MongoDB");
        assert_eq!(cats[0].tools[0].aliases, vec!["mongo"]);
    }

    #[test]
    fn tools_report_every_problem_with_its_line() {
        let text = r#"[[category]]
id = "Data Bases"
name = "Databases"
colour = "blue"

[[category.tool]]
nmae = "MongoDB"

[[category.tool]]
name = "MySQL"

[[category.tool]]
name = "mysql"
"#;
        let (_, problems) = parse_tools(text, "tools.toml");
        let lines: Vec<(usize, &str)> = problems
            .iter()
            .map(|p| (p.line, p.message.as_str()))
            .collect();
        assert!(
            lines
                .iter()
                .any(|(l, m)| *l == 2 && m.contains("not a lowercase slug")),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|(l, m)| *l == 4 && m.contains("unknown key \"colour\"")),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|(l, m)| *l == 7 && m.contains("unknown key \"nmae\"")),
            "{lines:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.message.contains("has no \"name\"")),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|(l, m)| *l == 13 && m.contains("duplicate tool \"mysql\"")),
            "{lines:?}"
        );
        let nmae = problems
            .iter()
            .find(|p| p.message.contains("nmae"))
            .unwrap();
        assert!(nmae
            .help
            .as_deref()
            .unwrap_or("")
            .contains("did you mean \"name\""));
    }

    #[test]
    fn bad_toml_syntax_is_one_error_with_position() {
        let (cats, problems) = parse_tools("[[category]]\nid = \"x\nname = 3\n", "tools.toml");
        assert!(cats.is_empty());
        assert!(!problems.is_empty());
        assert!(problems
            .iter()
            .all(|p| p.is_error() && p.message.starts_with("invalid TOML")));
        assert_eq!(problems[0].line, 2);
    }

    #[test]
    fn course_without_url_and_duplicate_course_are_errors() {
        let text = r#"[[course]]
title = "Python for Everybody"
provider = "University of Michigan"
topics = ["python"]

[[course]]
title = "Python for Everybody"
provider = "University of Michigan"
url = "https://example.org/py"
topics = ["python"]

[[course]]
title = "Python for Everybody"
provider = "University of Michigan"
url = "ftp:/nope"
level = "expert"
"#;
        let (courses, problems) = parse_courses(text, "courses.toml");
        let msgs: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {}", p.line, p.message))
            .collect();
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("1: ") && m.contains("has no \"url\"")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("13: ") && m.contains("duplicate course")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.contains("not a web address")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.contains("unknown level \"expert\"")),
            "{msgs:?}"
        );
        assert_eq!(courses.len(), 2);
    }
}
