//! Validating the knowledge base: every problem with its file, line and
//! column, from the library (`knowledge::load`, `Engine::load`) and from
//! `careerbot check` / `careerbot ask` as a moderator runs them.

use crate::support;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use careerbot::chunk::chunk_all;
use careerbot::engine::{Engine, EngineError, Options};
use careerbot::knowledge::{self, LoadError, Problem, Report, Severity};
use support::{corpus_dir, knowledge, seed_dir, GOOD_ARTICLE};

// ---------------------------------------------------------------------------
// A knowledge base with one problem in almost every file.

/// `tools.toml` whose TOML does not parse (unterminated string on line 3).
const TOOLS_BAD_SYNTAX: &str =
    "[[category]]\nid = \"databases\"\nname = \"Databases\nkeywords = [\"database\"]\n";

/// `tools.toml` that parses but has an unknown key and a duplicate tool.
const TOOLS_BAD_KEYS: &str = r#"[[category]]
id = "databases"
name = "Databases"
keywords = ["database"]

[[category.tool]]
name = "MongoDB"
urll = "https://www.mongodb.com/"

[[category.tool]]
name = "MySQL"

[[category.tool]]
name = "mysql"
"#;

/// A course without url (line 1) and a duplicate course (title on line 13).
const COURSES_BROKEN: &str = r#"[[course]]
title = "Python for Everybody"
provider = "University of Michigan"
topics = ["python"]

[[course]]
title = "Web Basics"
provider = "UC Irvine"
url = "https://example.org/web"
topics = ["web"]

[[course]]
title = "Web Basics"
provider = "UC Irvine"
url = "https://example.org/web-2"
topics = ["web"]
"#;

const UNCLOSED_FRONT_MATTER: &str = "+++\ntitle = \"Unclosed\"\n\nBody text here.\n";
const BAD_TOML_FRONT_MATTER: &str =
    "+++\ntitle = \"Bad\"\nsummary = oops\n+++\n\nSome body text.\n";
const ONLY_MARKUP: &str = "---\ntitle: Empty\n---\n\n<InDocAd />\n\n:::tip\n:::\n";
/// Valid UTF-8 up to line 3, column 5.
const NOT_UTF8: &[u8] = b"# Notes\n\nabc \xff\xfe bad\n";
const BAD_YAML_FRONT_MATTER: &str =
    "---\ntitle: Yaml\ndescription: bad: colon: here\n---\n\nText body.\n";

/// One expected problem: file (relative), line, column, part of the message.
type Expected = (&'static str, usize, usize, &'static str);

/// Problems every broken knowledge base below has, whatever its tools.toml.
const COMMON_PROBLEMS: &[Expected] = &[
    ("courses.toml", 1, 1, "has no \"url\""),
    ("courses.toml", 13, 9, "duplicate course"),
    ("unclosed.md", 1, 1, "never closed"),
    ("bad-front.md", 3, 11, "invalid TOML"),
    ("empty.md", 4, 1, "no text to answer from"),
    ("notes/latin.md", 3, 5, "not valid UTF-8"),
    ("yaml.md", 3, 17, "invalid YAML front matter"),
];

/// The string on line 3 runs to the end of the line, where its closing quote is expected.
const TOOLS_SYNTAX_PROBLEMS: &[Expected] = &[("tools.toml", 3, 18, "invalid TOML")];

const TOOLS_KEY_PROBLEMS: &[Expected] = &[
    ("tools.toml", 8, 1, "unknown key \"urll\""),
    ("tools.toml", 14, 8, "duplicate tool \"mysql\""),
];

fn broken_knowledge(tools: &str) -> tempfile::TempDir {
    knowledge(&[
        ("good.md", GOOD_ARTICLE.as_bytes()),
        ("tools.toml", tools.as_bytes()),
        ("courses.toml", COURSES_BROKEN.as_bytes()),
        ("unclosed.md", UNCLOSED_FRONT_MATTER.as_bytes()),
        ("bad-front.md", BAD_TOML_FRONT_MATTER.as_bytes()),
        ("empty.md", ONLY_MARKUP.as_bytes()),
        ("notes/latin.md", NOT_UTF8),
        ("yaml.md", BAD_YAML_FRONT_MATTER.as_bytes()),
    ])
}

/// The path a problem in `dir` names for the file `rel`.
fn shown(dir: &Path, rel: &str) -> String {
    dir.join(rel).display().to_string()
}

fn expected(tools: &'static [Expected]) -> Vec<Expected> {
    COMMON_PROBLEMS.iter().chain(tools).copied().collect()
}

fn invalid_report(dir: &Path) -> Report {
    match knowledge::load(dir) {
        Err(LoadError::Invalid(report)) => report,
        Err(e) => panic!("expected an invalid report, got {e}"),
        Ok((kb, _, _)) => panic!("a broken knowledge base loaded: {kb:?}"),
    }
}

/// Asserts that `report` holds exactly the `expected` errors, each at its place with a help.
fn assert_report(dir: &Path, report: &Report, expected: &[Expected]) {
    for (rel, line, column, message) in expected {
        let file = shown(dir, rel);
        let found = report.problems.iter().find(|p| {
            p.file == file && p.line == *line && p.column == *column && p.message.contains(message)
        });
        let problem = found
            .unwrap_or_else(|| panic!("no problem {rel}:{line}:{column} {message:?} in\n{report}"));
        assert_eq!(problem.severity, Severity::Error, "{problem}");
        assert!(
            problem.help.as_deref().is_some_and(|h| !h.is_empty()),
            "no help for {problem}"
        );
    }
    assert_eq!(
        report.error_count(),
        expected.len(),
        "unexpected extra errors:\n{report}"
    );
}

fn careerbot(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_careerbot"))
        .args(args)
        .current_dir(support::root())
        .stdin(Stdio::null())
        .output()
        .expect("run careerbot")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn path_arg(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}

// ---------------------------------------------------------------------------
// The library reports every problem.

#[test]
fn check_reports_every_problem_with_file_line_and_column() {
    for (tools, tool_problems) in [
        (TOOLS_BAD_SYNTAX, TOOLS_SYNTAX_PROBLEMS),
        (TOOLS_BAD_KEYS, TOOLS_KEY_PROBLEMS),
    ] {
        let dir = broken_knowledge(tools);
        let report = invalid_report(dir.path());
        assert_report(dir.path(), &report, &expected(tool_problems));
    }
}

#[test]
fn unknown_tool_key_suggests_the_key_that_was_meant() {
    let dir = broken_knowledge(TOOLS_BAD_KEYS);
    let report = invalid_report(dir.path());
    let unknown = report
        .problems
        .iter()
        .find(|p| p.message.contains("unknown key \"urll\""))
        .expect("unknown key reported");
    let help = unknown.help.as_deref().unwrap_or("");
    assert!(help.contains("did you mean \"url\""), "{help}");
    let duplicate = report
        .problems
        .iter()
        .find(|p| p.message.contains("duplicate tool"))
        .expect("duplicate tool reported");
    assert!(
        duplicate.message.contains("first on line 11"),
        "{duplicate}"
    );
}

#[test]
fn parse_returns_what_loaded_beside_every_problem() {
    let dir = broken_knowledge(TOOLS_BAD_KEYS);
    let files = knowledge::read_dir(dir.path()).expect("read broken dir");
    let (kb, report) = knowledge::parse(&files);
    assert_report(dir.path(), &report, &expected(TOOLS_KEY_PROBLEMS));
    // The good article and the valid catalog entries still parse.
    assert!(
        kb.articles.iter().any(|a| a.title == "Data engineer"),
        "{:?}",
        kb.articles.iter().map(|a| &a.title).collect::<Vec<_>>()
    );
    let course_titles: Vec<&str> = kb.courses.iter().map(|c| c.title.as_str()).collect();
    assert!(course_titles.contains(&"Web Basics"), "{course_titles:?}");
    assert!(!course_titles.contains(&"Python for Everybody"));
    let tools: Vec<&str> = kb.tools[0].tools.iter().map(|t| t.name.as_str()).collect();
    assert!(
        tools.contains(&"MongoDB") && tools.contains(&"MySQL"),
        "{tools:?}"
    );
}

#[test]
fn problems_display_as_path_line_column_severity_message_and_help() {
    let dir = broken_knowledge(TOOLS_BAD_KEYS);
    let report = invalid_report(dir.path());
    let problem: &Problem = report
        .problems
        .iter()
        .find(|p| p.message.contains("urll"))
        .expect("unknown key reported");
    let shown_text = problem.to_string();
    let mut lines = shown_text.lines();
    assert_eq!(
        lines.next(),
        Some(
            format!(
                "{}:8:1: error: {}",
                shown(dir.path(), "tools.toml"),
                problem.message
            )
            .as_str()
        )
    );
    assert!(lines.next().is_some_and(|l| l.starts_with("  help: ")));
}

// ---------------------------------------------------------------------------
// `careerbot check`

#[test]
fn check_prints_every_problem_with_help_and_exits_1() {
    let dir = broken_knowledge(TOOLS_BAD_KEYS);
    let out = careerbot(&["check", "--knowledge", path_arg(dir.path())]);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    for (rel, line, column, message) in expected(TOOLS_KEY_PROBLEMS) {
        let head = format!("{}:{line}:{column}: error: ", shown(dir.path(), rel));
        let at = lines
            .iter()
            .position(|l| l.starts_with(&head) && l.contains(message))
            .unwrap_or_else(|| panic!("no line {head}{message} in\n{stdout}"));
        assert!(
            lines
                .get(at + 1)
                .is_some_and(|next| next.trim_start().starts_with("help: ")),
            "no help line after {head} in\n{stdout}"
        );
    }
    assert!(stdout.contains("9 error(s)"), "{stdout}");
}

#[test]
fn check_exits_0_when_there_are_only_warnings() {
    let courses = "[[course]]\ntitle = \"Python for Everybody\"\nprovider = \"University of Michigan\"\nurl = \"https://www.coursera.org/specializations/python\"\n";
    let dir = knowledge(&[
        ("data-engineer.md", GOOD_ARTICLE.as_bytes()),
        ("courses.toml", courses.as_bytes()),
    ]);
    let out = careerbot(&["check", "--knowledge", path_arg(dir.path())]);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    let head = format!("{}:1:1: warning: ", shown(dir.path(), "courses.toml"));
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with(&head) && l.contains("no topics")),
        "{stdout}"
    );
    assert!(stdout.contains("0 error(s), 1 warning(s)"), "{stdout}");
}

#[test]
fn warnings_do_not_stop_the_engine_from_loading() {
    let courses = "[[course]]\ntitle = \"Python for Everybody\"\nprovider = \"University of Michigan\"\nurl = \"https://www.coursera.org/specializations/python\"\n";
    let dir = knowledge(&[
        ("data-engineer.md", GOOD_ARTICLE.as_bytes()),
        ("courses.toml", courses.as_bytes()),
    ]);
    let engine = support::load(dir.path());
    assert_eq!(engine.info.warnings.warning_count(), 1);
    assert_eq!(engine.knowledge.courses.len(), 1);
    let answer = engine.ask("data engineer salary");
    assert!(answer.is_answered(), "{:?}", answer.message());
    assert!(answer.passages()[0].text.contains("$120,000"));
}

#[test]
fn check_passes_the_shipped_knowledge_base() {
    let out = careerbot(&["check", "--knowledge", path_arg(&seed_dir())]);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(stdout.contains("0 error(s)"), "{stdout}");
    assert!(!stdout.contains(": error: "), "{stdout}");
}

#[test]
fn check_json_prints_a_report_with_every_problem() {
    let dir = broken_knowledge(TOOLS_BAD_KEYS);
    let out = careerbot(&["check", "--json", "--knowledge", path_arg(dir.path())]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("check --json prints one JSON document");
    let problems = report["problems"].as_array().expect("problems array");
    let wanted = expected(TOOLS_KEY_PROBLEMS);
    assert_eq!(problems.len(), wanted.len(), "{report:#}");
    for (rel, line, column, message) in wanted {
        let file = shown(dir.path(), rel);
        assert!(
            problems.iter().any(|p| p["severity"] == "error"
                && p["file"] == file.as_str()
                && p["line"] == line
                && p["column"] == column
                && p["message"].as_str().is_some_and(|m| m.contains(message))
                && p["help"].as_str().is_some_and(|h| !h.is_empty())),
            "no {rel}:{line}:{column} {message:?} in {report:#}"
        );
    }
}

// ---------------------------------------------------------------------------
// Every load path validates first.

#[test]
fn engine_load_refuses_a_broken_knowledge_base_with_the_full_report() {
    let dir = broken_knowledge(TOOLS_BAD_KEYS);
    let index = tempfile::tempdir().expect("temp dir");
    let options = Options {
        knowledge_dir: dir.path().to_path_buf(),
        index_dir: Some(index.path().join("index")),
        force_rebuild: false,
        limits: Default::default(),
        semantic: None,
    };
    match Engine::load(&options, &mut |_, _| {}) {
        Err(EngineError::Knowledge(LoadError::Invalid(report))) => {
            assert_report(dir.path(), &report, &expected(TOOLS_KEY_PROBLEMS));
        }
        Err(e) => panic!("expected an invalid report, got {e}"),
        Ok(_) => panic!("a broken knowledge base became an engine"),
    }
    assert!(
        !index.path().join("index").exists(),
        "no index is built for a broken knowledge base"
    );
}

#[test]
fn ask_on_a_broken_knowledge_base_exits_1_prints_the_problems_and_no_answer() {
    let dir = broken_knowledge(TOOLS_BAD_KEYS);
    let index = tempfile::tempdir().expect("temp dir");
    let out = careerbot(&[
        "ask",
        "--knowledge",
        path_arg(dir.path()),
        "--index",
        path_arg(index.path()),
        "salary",
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "answer printed: {}",
        text(&out.stdout)
    );
    for (rel, line, column, _) in expected(TOOLS_KEY_PROBLEMS) {
        let head = format!("{}:{line}:{column}: error: ", shown(dir.path(), rel));
        assert!(
            stderr.lines().any(|l| l.starts_with(&head)),
            "no {head} in\n{stderr}"
        );
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn missing_knowledge_dir_is_a_one_line_error_without_panic() {
    let parent = tempfile::tempdir().expect("temp dir");
    let missing = parent.path().join("no-such-knowledge");
    for command in ["check", "ask"] {
        let mut args = vec![
            command,
            "--knowledge",
            path_arg(&missing),
            "--index",
            path_arg(parent.path()),
        ];
        if command == "ask" {
            args.push("salary");
        }
        let out = careerbot(&args);
        let stderr = text(&out.stderr);
        assert!(
            out.status.code().is_some_and(|c| c != 0),
            "{command}: {:?}",
            out.status
        );
        assert!(!stderr.contains("panicked"), "{command}: {stderr}");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{command}: {stderr}");
        assert!(lines[0].starts_with("error: "), "{command}: {stderr}");
        assert!(
            lines[0].contains(&missing.display().to_string()),
            "{command}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{command}: {}", text(&out.stdout));
    }
    let options = Options {
        knowledge_dir: missing.clone(),
        index_dir: None,
        force_rebuild: false,
        limits: Default::default(),
        semantic: None,
    };
    match Engine::load(&options, &mut |_, _| {}) {
        Err(EngineError::Knowledge(LoadError::Io { path, .. })) => assert_eq!(path, missing),
        Err(e) => panic!("expected an i/o error, got {e}"),
        Ok(_) => panic!("a missing directory loaded"),
    }
}

#[test]
fn missing_knowledge_dir_error_names_the_cause_once() {
    let parent = tempfile::tempdir().expect("temp dir");
    let missing = parent.path().join("no-such-knowledge");
    let out = careerbot(&["check", "--knowledge", path_arg(&missing)]);
    let stderr = text(&out.stderr);
    let line = stderr.lines().next().unwrap_or("");
    // `{:#}` prints the cause chain; a cause that is also in its parent's
    // message shows up twice.
    let parts: Vec<&str> = line.split(": ").collect();
    assert!(
        parts.windows(2).all(|w| w[0] != w[1]),
        "cause repeated in {line:?}"
    );
}

// ---------------------------------------------------------------------------
// Foreign formats: Docusaurus YAML front matter and MDX markup.

const DOCUSAURUS_ARTICLE: &str = r#"---
id: negotiation
title: Negotiation
description: Learn the basics of negotiation and the services you can use
keywords:
  [
    FAANG,
    tech,
    negotiation,
    total compensation,
    salary,
  ]
sidebar_label: Complete salary negotiation guide
---

<head>
  <title>What you need to know about negotiation | Tech Interview Handbook</title>
  <meta property="og:image" content="https://example.org/negotiation.png" />
</head>

import InDocAd from './\_components/InDocAd';

## Always negotiate

Recruiters expect candidates to negotiate the initial offer.

:::tip Expert tip

Get paid more with a negotiation coach.

:::

<InDocAd />

<div className="note">
  <span>Visible banner</span>
</div>

## Negotiation services

Negotiation services <b>guide</b> you through the whole process.
"#;

/// Markup that must never reach a passage.
const MARKUP: &[&str] = &[
    ":::",
    "<head",
    "</head>",
    "<title",
    "<meta",
    "og:image",
    "<InDocAd",
    "import InDocAd",
    "className",
    "<div",
    "<span",
    "<b>",
    "</b>",
];

#[test]
fn docusaurus_yaml_front_matter_gives_title_and_summary() {
    let dir = knowledge(&[("contents/negotiation.md", DOCUSAURUS_ARTICLE.as_bytes())]);
    let (kb, _, report) = knowledge::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert!(report.problems.is_empty(), "{report}");
    let article = &kb.articles[0];
    assert_eq!(article.id, "contents/negotiation");
    assert_eq!(article.title, "Negotiation");
    assert_eq!(
        article.summary.as_deref(),
        Some("Learn the basics of negotiation and the services you can use")
    );
    assert!(
        article.phrasings.iter().any(|p| p == "total compensation"),
        "{:?}",
        article.phrasings
    );
}

#[test]
fn docusaurus_markup_never_reaches_passage_text() {
    let dir = knowledge(&[("contents/negotiation.md", DOCUSAURUS_ARTICLE.as_bytes())]);
    let (kb, _, _) = knowledge::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let passages = chunk_all(&kb.articles);
    let all: Vec<&str> = passages.iter().map(|p| p.text.as_str()).collect();
    // Tags are markup; the text an element shows is content.
    assert!(all.iter().any(|t| t.contains("Visible banner")), "{all:#?}");
    for p in &passages {
        for markup in MARKUP {
            assert!(
                !p.text.contains(markup),
                "{markup:?} in passage {:?}",
                p.text
            );
        }
    }
    // The prose around the markup is kept, including inside the admonition.
    for prose in [
        "Recruiters expect candidates to negotiate the initial offer.",
        "Get paid more with a negotiation coach.",
        "Negotiation services guide you through the whole process.",
    ] {
        assert!(
            all.iter().any(|t| t.contains(prose)),
            "{prose:?} lost: {all:?}"
        );
    }
}

#[test]
fn vendored_docusaurus_files_load_with_titles_summaries_and_clean_passages() {
    let dir = corpus_dir("tech-interview-handbook");
    let (kb, _, _) = knowledge::load(&dir).unwrap_or_else(|e| panic!("{e}"));
    let negotiation = kb
        .articles
        .iter()
        .find(|a| a.path.ends_with("contents/negotiation.md"))
        .expect("negotiation article");
    assert_eq!(negotiation.title, "Negotiation");
    assert!(negotiation
        .summary
        .as_deref()
        .is_some_and(|s| s.starts_with("Learn the basics of negotiation")));
    let behavioral = kb
        .articles
        .iter()
        .find(|a| a.path.ends_with("contents/behavioral-interview.md"))
        .expect("behavioral interview article");
    assert_eq!(
        behavioral.title,
        "Behavioral interviews for Software Engineers: How to prepare"
    );
    for p in chunk_all(&kb.articles) {
        for markup in [
            ":::",
            "<head",
            "<meta",
            "<InDocAd",
            "import InDocAd",
            "className=",
        ] {
            assert!(
                !p.text.contains(markup),
                "{markup:?} in passage {} of {}",
                p.id,
                p.article
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Vendored corpora and licence files.

#[test]
fn vendored_corpora_pass_check_and_answer_a_question() {
    for (name, question, expect) in [
        (
            "tech-interview-handbook",
            "should i negotiate my first job offer or just accept it",
            "recruiters expect candidates to negotiate",
        ),
        (
            "system-design-primer",
            "what does a load balancer actually do",
            "distribute incoming client requests to computing resources",
        ),
    ] {
        let dir = corpus_dir(name);
        let out = careerbot(&["check", "--knowledge", path_arg(&dir)]);
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{name}: {stdout}");
        assert!(stdout.contains(" 0 error(s)"), "{name}: {stdout}");

        let answer = support::load(&dir).ask(question);
        assert!(answer.is_answered(), "{name}: {:?}", answer.message());
        assert!(
            answer
                .passages()
                .iter()
                .any(|p| p.text.to_lowercase().contains(expect)),
            "{name}: {:?}",
            answer
                .passages()
                .iter()
                .map(|p| &p.text)
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn license_files_are_not_articles() {
    let dir = knowledge(&[
        ("data-engineer.md", GOOD_ARTICLE.as_bytes()),
        (
            "LICENSE",
            b"MIT License\n\nPermission is hereby granted, free of charge.\n",
        ),
        // Not even read: a broken licence file is no problem.
        ("LICENSE.txt", b"\xff\xfe not utf-8"),
        ("vendor/LICENSE.md", b"+++\nnever closed\n"),
        ("vendor/license.txt", b"Permission is hereby granted.\n"),
    ]);
    let (kb, files, report) = knowledge::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert!(report.problems.is_empty(), "{report}");
    let ids: Vec<&str> = kb.articles.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, vec!["data-engineer"]);
    assert!(
        files
            .iter()
            .all(|f| !f.rel.to_lowercase().contains("license")),
        "{:?}",
        files.iter().map(|f| &f.rel).collect::<Vec<_>>()
    );

    for (name, licence) in [
        ("tech-interview-handbook", "LICENSE"),
        ("system-design-primer", "LICENSE.txt"),
    ] {
        let dir = corpus_dir(name);
        assert!(dir.join(licence).is_file(), "{name} ships {licence}");
        let (kb, _, _) = knowledge::load(&dir).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            kb.articles
                .iter()
                .all(|a| !a.path.to_uppercase().contains("LICENSE")),
            "{name}: {:?}",
            kb.articles.iter().map(|a| &a.path).collect::<Vec<_>>()
        );
    }
}

#[test]
fn an_unreadable_article_is_a_problem_and_an_unrelated_broken_link_is_ignored() {
    let dir = knowledge(&[("good.md", GOOD_ARTICLE.as_bytes())]);
    std::os::unix::fs::symlink("/nonexistent/target.md", dir.path().join("gone.md"))
        .expect("symlink");
    std::os::unix::fs::symlink("/nonexistent/notes", dir.path().join("notes.bak"))
        .expect("symlink");
    let files = knowledge::read_dir(dir.path()).expect("the directory itself is readable");
    let (_, report) = knowledge::parse(&files);
    let errors: Vec<&Problem> = report.problems.iter().filter(|p| p.is_error()).collect();
    assert_eq!(errors.len(), 1, "{report}");
    assert!(errors[0].file.ends_with("gone.md"), "{report}");
    assert!(
        errors[0].message.starts_with("cannot read file"),
        "{report}"
    );
}

// ---------------------------------------------------------------------------
// Reading is confined to the knowledge directory and bounded in size.

/// A host file outside the knowledge directory, holding a marker that must
/// never reach a passage.
fn host_secret() -> tempfile::TempDir {
    let host = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        host.path().join("environ.md"),
        "# Host\n\nDISCORD_TOKEN=host-secret-marker and the discord public key\n",
    )
    .expect("write host file");
    std::fs::create_dir(host.path().join("share")).expect("mkdir");
    std::fs::write(
        host.path().join("share/doc.md"),
        "# Doc\n\nhost-secret-marker in a shared directory\n",
    )
    .expect("write host file");
    host
}

fn errors_of(report: &Report) -> Vec<&Problem> {
    report.problems.iter().filter(|p| p.is_error()).collect()
}

#[test]
fn a_link_out_of_the_knowledge_directory_is_an_error_naming_where_it_points_and_is_never_read() {
    let host = host_secret();
    let dir = knowledge(&[("good.md", GOOD_ARTICLE.as_bytes())]);
    let outside = host.path().join("environ.md");
    std::os::unix::fs::symlink(&outside, dir.path().join("env.md")).expect("symlink");
    std::os::unix::fs::symlink(host.path().join("share"), dir.path().join("share"))
        .expect("symlink");
    let files = knowledge::read_dir(dir.path()).expect("readable");
    assert!(
        files.iter().all(|f| f
            .bytes
            .as_ref()
            .map_or(true, |b| !String::from_utf8_lossy(b)
                .contains("host-secret-marker"))),
        "no host file was read"
    );
    let (kb, report) = knowledge::parse(&files);
    let errors = errors_of(&report);
    assert_eq!(errors.len(), 2, "{report}");
    let file_link = errors
        .iter()
        .find(|p| p.file.ends_with("env.md"))
        .expect("file link");
    assert!(
        file_link
            .message
            .contains("outside the knowledge directory")
            && file_link.message.contains(&outside.display().to_string()),
        "{report}"
    );
    let dir_link = errors
        .iter()
        .find(|p| p.file.ends_with("share"))
        .expect("directory link");
    assert!(
        dir_link.message.contains("outside the knowledge directory"),
        "{report}"
    );
    assert!(
        kb.articles.iter().all(|a| a.id == "good"),
        "only the article inside loads"
    );

    let out = careerbot(&["--knowledge", path_arg(dir.path()), "check"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let printed = text(&out.stdout);
    assert!(
        printed.contains("env.md:1:1: error: the link points outside"),
        "{printed}"
    );
    assert!(!printed.contains("host-secret-marker"), "{printed}");

    let ask = careerbot(&[
        "--knowledge",
        path_arg(dir.path()),
        "ask",
        "what is the discord public key",
    ]);
    assert_eq!(
        ask.status.code(),
        Some(1),
        "a knowledge base with such a link is not served"
    );
    assert!(!text(&ask.stdout).contains("host-secret-marker"));
}

#[test]
fn a_link_inside_the_knowledge_directory_is_followed_and_a_directory_link_is_not() {
    let dir = knowledge(&[
        ("guides/data.md", GOOD_ARTICLE.as_bytes()),
        (
            "other/deep.md",
            b"# Deep\n\nA text about deep sea careers.\n",
        ),
    ]);
    std::os::unix::fs::symlink("guides/data.md", dir.path().join("latest.md")).expect("symlink");
    std::os::unix::fs::symlink("other", dir.path().join("again")).expect("symlink");
    let (kb, report) = knowledge::parse(&knowledge::read_dir(dir.path()).expect("readable"));
    assert!(!report.has_errors(), "{report}");
    let ids: Vec<&str> = kb.articles.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["guides/data", "latest", "other/deep"], "{report}");
    let warning = report
        .problems
        .iter()
        .find(|p| p.file.ends_with("again"))
        .expect("the directory link is reported");
    assert_eq!(warning.severity, Severity::Warning);
    assert!(warning.message.contains("not followed"), "{report}");
}

#[test]
fn a_link_loop_is_reported_not_followed() {
    let dir = knowledge(&[("good.md", GOOD_ARTICLE.as_bytes())]);
    std::os::unix::fs::symlink("b.md", dir.path().join("a.md")).expect("symlink");
    std::os::unix::fs::symlink("a.md", dir.path().join("b.md")).expect("symlink");
    std::os::unix::fs::symlink(".", dir.path().join("here")).expect("symlink");
    let (_, report) = knowledge::parse(&knowledge::read_dir(dir.path()).expect("readable"));
    let errors = errors_of(&report);
    assert_eq!(errors.len(), 2, "{report}");
    assert!(
        errors.iter().all(|p| p.message.contains("loop")),
        "{report}"
    );
}

#[test]
fn a_file_over_max_article_bytes_is_an_error_and_is_not_read() {
    let dir = knowledge(&[("good.md", GOOD_ARTICLE.as_bytes())]);
    // Sparse: 10 GiB on paper, nothing on disk. Reading it whole would take 10 GiB.
    let huge = std::fs::File::create(dir.path().join("huge.txt")).expect("create");
    huge.set_len(10 << 30).expect("sparse file");
    let limits = knowledge::Limits {
        max_article_bytes: 1024,
        ..knowledge::Limits::default()
    };
    std::fs::write(dir.path().join("long.md"), "# Long\n\n".repeat(200)).expect("write");
    let files = knowledge::read_dir_with(dir.path(), &limits).expect("readable");
    let (_, report) = knowledge::parse(&files);
    let errors = errors_of(&report);
    assert_eq!(errors.len(), 2, "{report}");
    assert!(
        errors.iter().all(|p| p
            .message
            .contains("larger than max_article_bytes (1024 bytes)")),
        "{report}"
    );
    let out = careerbot(&["--knowledge", path_arg(dir.path()), "check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout)
        .contains("huge.txt:1:1: error: file is larger than max_article_bytes (4194304 bytes)"));
}

#[test]
fn reading_stops_at_max_knowledge_bytes() {
    let article = |n: usize| format!("# Article {n}\n\n{}\n", "Words about careers. ".repeat(30));
    let files: Vec<(String, String)> = (0..5).map(|n| (format!("a{n}.md"), article(n))).collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_bytes()))
        .collect();
    let dir = knowledge(&refs);
    let each = article(0).len() as u64;
    let limits = knowledge::Limits {
        max_knowledge_bytes: each * 2 + each / 2,
        ..knowledge::Limits::default()
    };
    let read = knowledge::read_dir_with(dir.path(), &limits).expect("readable");
    let total: usize = read
        .iter()
        .filter_map(|f| f.bytes.as_ref().ok())
        .map(Vec::len)
        .sum();
    assert!(
        total as u64 <= limits.max_knowledge_bytes,
        "read {total} bytes"
    );
    let (_, report) = knowledge::parse(&read);
    let errors = errors_of(&report);
    assert_eq!(
        errors.len(),
        1,
        "one error, at the file that crossed the line: {report}"
    );
    assert!(errors[0].file.ends_with("a2.md"), "{report}");
    assert!(
        errors[0].message.contains("max_knowledge_bytes"),
        "{report}"
    );
}

#[test]
fn a_knowledge_directory_given_as_a_link_is_read_without_complaint() {
    let real = knowledge(&[("good.md", GOOD_ARTICLE.as_bytes())]);
    let holder = tempfile::tempdir().expect("temp dir");
    let link = holder.path().join("knowledge");
    std::os::unix::fs::symlink(real.path(), &link).expect("symlink");
    let (kb, report) = knowledge::parse(&knowledge::read_dir(&link).expect("readable"));
    assert!(report.problems.is_empty(), "{report}");
    assert_eq!(kb.articles.len(), 1);
}

#[test]
fn careerbotignore_keeps_attribution_and_drafts_out_of_the_knowledge_base() {
    let dir = knowledge(&[
        ("data-engineer.md", GOOD_ARTICLE.as_bytes()),
        (
            "SOURCE.md",
            b"# Source\n\n- Repository: https://example.org/corpus\n",
        ),
        ("drafts/idea.md", b"# Idea\n\nNot ready yet.\n"),
        (
            "drafts/ready.md",
            b"# Ready\n\nThis one is ready to answer from.\n",
        ),
        (
            ".careerbotignore",
            b"# attribution, not knowledge\nSOURCE.md\ndrafts/*\n!drafts/ready.md\n",
        ),
    ]);
    let (kb, _, report) = knowledge::load(dir.path()).expect("loads");
    let ids: Vec<&str> = kb.articles.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, vec!["data-engineer", "drafts/ready"], "{report:?}");
    assert_eq!(report.problems.len(), 0, "{report:?}");
}

#[test]
fn the_foreign_corpora_ignore_their_source_files() {
    for name in [
        "git-novice",
        "coding-interview-university",
        "system-design-primer",
    ] {
        let (kb, _, _) = knowledge::load(&corpus_dir(name)).expect("corpus loads");
        assert!(!kb.articles.is_empty());
        assert!(
            kb.articles.iter().all(|a| !a.path.ends_with("SOURCE.md")),
            "{name}: {:?}",
            kb.articles.iter().map(|a| &a.path).collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_careerbotignore_pattern_that_cannot_be_read_is_a_warning_not_a_failure() {
    let dir = knowledge(&[
        ("data-engineer.md", GOOD_ARTICLE.as_bytes()),
        (".careerbotignore", b"{unclosed\nnotes.md\n"),
        ("notes.md", b"# Notes\n\nPrivate notes.\n"),
    ]);
    let (kb, _, report) = knowledge::load(dir.path()).expect("loads");
    let warning = report
        .problems
        .iter()
        .find(|p| p.file.ends_with(".careerbotignore"))
        .expect("the bad pattern is reported");
    assert_eq!(warning.severity, Severity::Warning, "{warning:?}");
    assert!(warning.message.contains("{unclosed"), "{}", warning.message);
    // The good pattern still applies.
    assert!(kb.articles.iter().all(|a| a.id != "notes"));
}

#[test]
fn a_careerbotignore_that_is_a_link_or_too_large_is_not_read() {
    let outside = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(outside.path(), "SECRET_TOKEN=abc{def\n").unwrap();
    let dir = knowledge(&[("data-engineer.md", GOOD_ARTICLE.as_bytes())]);
    std::os::unix::fs::symlink(outside.path(), dir.path().join(".careerbotignore")).unwrap();
    let (_, _, report) = knowledge::load(dir.path()).expect("loads");
    let warning = report
        .problems
        .iter()
        .find(|p| p.file.ends_with(".careerbotignore"))
        .expect("reported");
    assert!(warning.message.contains("a link"), "{}", warning.message);
    assert!(!warning.message.contains("SECRET"), "{}", warning.message);
    std::fs::remove_file(dir.path().join(".careerbotignore")).unwrap();
    let limits = knowledge::Limits {
        max_article_bytes: 1_000,
        ..Default::default()
    };
    std::fs::write(dir.path().join(".careerbotignore"), "x\n".repeat(1_000)).unwrap();
    let (_, _, report) = knowledge::load_with(dir.path(), &limits).expect("loads");
    assert!(report
        .problems
        .iter()
        .any(|p| p.file.ends_with(".careerbotignore") && p.message.contains("max_article_bytes")));
}

#[test]
fn a_catalog_under_a_name_one_letter_off_is_a_warning_not_silence() {
    let courses = "[[course]]\ntitle = \"Python for Everybody\"\nprovider = \"University of Michigan\"\nurl = \"https://www.coursera.org/specializations/python\"\nlevel = \"beginner\"\n";
    let dir = knowledge(&[
        ("data-engineer.md", GOOD_ARTICLE.as_bytes()),
        ("course.toml", courses.as_bytes()),
        ("Tools.toml", b"[[category]]\n"),
        ("book.toml", b"title = \"not a catalog\"\n"),
        ("drafts/courses.tom", b"x"),
    ]);
    let (kb, _, report) = knowledge::load(dir.path()).expect("loads");
    assert!(kb.courses.is_empty(), "not read");
    let said: Vec<(&str, &str)> = report
        .problems
        .iter()
        .map(|p| (p.file.rsplit('/').next().unwrap_or(""), p.message.as_str()))
        .collect();
    assert_eq!(
        said,
        [
            ("Tools.toml", "not read: careerbot reads tools.toml"),
            ("course.toml", "not read: careerbot reads courses.toml"),
        ],
        "{report}"
    );
    assert!(report
        .problems
        .iter()
        .all(|p| p.severity == Severity::Warning));
}
