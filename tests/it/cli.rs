//! The command line as a user runs it: the real binary, its exit codes,
//! its text and JSON answers, and the on-disk index it keeps.

use crate::support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use support::process::{arg, free_port, request, serve_http_command, signal, wait_ready};
use support::seed_dir;

/// What one run of the binary did.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn context(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs careerbot with `args`, feeding `stdin` (or nothing).
fn careerbot(args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_careerbot"))
        .args(args)
        .current_dir(support::root())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start careerbot");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        pipe.write_all(input.as_bytes()).expect("write stdin");
        // Dropping the pipe closes stdin, ending the question list.
    }
    let out = child.wait_with_output().expect("wait for careerbot");
    let run = Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "{}", run.context());
    run
}

/// `ask` on the shipped knowledge base with a private index directory.
fn ask(extra: &[&str], stdin: Option<&str>) -> Run {
    let index = tempfile::tempdir().expect("temp dir");
    let seed = seed_dir();
    let mut args = vec![
        "ask",
        "--knowledge",
        arg(&seed),
        "--index",
        arg(index.path()),
    ];
    args.extend_from_slice(extra);
    careerbot(&args, stdin)
}

/// `ask --json QUESTION`: exactly one JSON object on stdout.
fn ask_json(question: &str) -> Value {
    let run = ask(&["--json", question], None);
    assert_eq!(run.code, Some(0), "{}", run.context());
    assert_eq!(
        run.stdout.lines().filter(|l| !l.trim().is_empty()).count(),
        1,
        "{}",
        run.context()
    );
    let answer: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not one JSON value ({e}): {}", run.stdout));
    assert!(answer.is_object(), "{answer}");
    answer
}

fn strings<'a>(values: &'a Value, key: &str) -> Vec<&'a str> {
    values
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {values}"))
        .iter()
        .map(|v| {
            v[key]
                .as_str()
                .unwrap_or_else(|| panic!("no string {key:?} in {v}"))
        })
        .collect()
}

/// Every path under `dir`, relative and sorted.
fn listing(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read index dir") {
            let path = entry.expect("dir entry").path();
            let rel = path.strip_prefix(base).expect("under base");
            out.push(rel.display().to_string());
            if path.is_dir() {
                walk(base, &path, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The index directories (one per content fingerprint) under `dir`.
fn index_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read index dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        // The passage vectors, beside the indexes.
        .filter(|p| !p.ends_with("vectors"))
        .collect();
    dirs.sort();
    dirs
}

/// A copy of the shipped knowledge base in a temp dir.
fn seed_copy() -> tempfile::TempDir {
    let copy = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(seed_dir()).expect("read knowledge/") {
        let path = entry.expect("dir entry").path();
        assert!(path.is_file(), "knowledge/ is flat: {}", path.display());
        std::fs::copy(&path, copy.path().join(path.file_name().expect("name")))
            .expect("copy knowledge file");
    }
    copy
}

// ---------------------------------------------------------------------------
// ask

#[test]
fn ask_prints_the_question_a_numbered_passage_with_its_heading_and_source() {
    let run = ask(&["What does a back-end developer do?"], None);
    assert_eq!(run.code, Some(0), "{}", run.context());
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines.first().copied(),
        Some("Q: What does a back-end developer do?"),
        "{}",
        run.stdout
    );
    assert!(
        lines.contains(&"[1] Back-end developer › What does a back-end developer do?"),
        "{}",
        run.stdout
    );
    assert!(
        lines
            .iter()
            .any(|l| l.trim() == "Source: https://www.coursera.org/articles/back-end-developer"),
        "{}",
        run.stdout
    );
    // In a pipe the passage is plain text (bold only at a terminal), wrapped.
    let words = run.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("working on server-side software"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("**"), "no markup in a pipe");
}

#[test]
fn ask_json_prints_one_object_with_passages_tools_and_courses() {
    let answer = ask_json("how much do back-end developers make");
    let object = answer.as_object().expect("object");
    for key in ["question", "answered", "passages", "tools", "courses"] {
        assert!(object.contains_key(key), "no {key:?} in {answer:#}");
    }
    assert_eq!(answer["question"], "how much do back-end developers make");
    assert_eq!(answer["answered"], true);
    let passages = answer["passages"].as_array().expect("passages array");
    assert!(!passages.is_empty());
    for p in passages {
        assert!(p["article"].is_string(), "{p}");
        assert!(p["section"].is_string(), "{p}");
        assert!(p["text"].is_string(), "{p}");
        assert!(p["source"].is_string() || p["source"].is_null(), "{p}");
        assert!(p["score"].is_number(), "{p}");
    }
    assert!(
        passages[0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("$100,376")),
        "{:#}",
        passages[0]
    );
    assert!(answer["tools"].is_array() && answer["courses"].is_array());
}

#[test]
fn ask_json_reads_one_question_per_stdin_line_and_answers_in_order() {
    let questions = [
        "how much do back-end developers make",
        "",
        "how do I bake sourdough bread",
        "🚀🚀🚀",
        "which databases should I learn",
    ];
    let input = questions.join("\n") + "\n";
    let run = ask(&["--json"], Some(&input));
    assert_eq!(run.code, Some(0), "{}", run.context());
    let answers: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(answers.len(), questions.len(), "{}", run.stdout);
    for (question, answer) in questions.iter().zip(&answers) {
        assert_eq!(answer["question"], *question, "{answer}");
    }
    assert_eq!(answers[0]["answered"], true);
    assert_eq!(answers[1]["answered"], false);
    assert_eq!(answers[3]["answered"], false);
    assert_eq!(answers[4]["answered"], true);
    let bread = &answers[2];
    assert_eq!(bread["answered"], false, "{bread}");
    assert!(
        bread["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("I don't know that one")),
        "{bread}"
    );
}

#[test]
fn ask_json_for_courses_lists_the_six_courses() {
    let answer = ask_json("where can I take a course?");
    let courses = &answer["courses"];
    let titles = strings(courses, "title");
    assert_eq!(titles.len(), 6, "{titles:?}");
    assert!(titles.contains(&"Python for Everybody"), "{titles:?}");
    assert!(
        titles.contains(&"IBM Full-Stack Cloud Developer"),
        "{titles:?}"
    );
    for provider in strings(courses, "provider") {
        assert!(!provider.is_empty());
    }
    for url in strings(courses, "url") {
        assert!(url.starts_with("https://"), "{url}");
    }
}

#[test]
fn ask_json_for_databases_lists_the_database_tools() {
    let answer = ask_json("which databases should I learn");
    let tools = answer["tools"].as_array().expect("tools array");
    let databases = tools
        .iter()
        .find(|t| {
            t["items"]
                .as_array()
                .is_some_and(|items| items.iter().any(|i| i == "MongoDB"))
        })
        .unwrap_or_else(|| panic!("no tool list with MongoDB: {tools:?}"));
    assert!(databases["category"].is_string(), "{databases}");
    let items: Vec<&str> = databases["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for db in ["MongoDB", "MySQL", "Oracle"] {
        assert!(items.contains(&db), "{items:?}");
    }
}

// ---------------------------------------------------------------------------
// index

#[test]
fn index_builds_once_is_reused_and_is_replaced_when_knowledge_changes() {
    let knowledge = seed_copy();
    let root = tempfile::tempdir().expect("temp dir");
    let index = root.path().join("index");
    let common = ["--knowledge", arg(knowledge.path()), "--index", arg(&index)];

    let run = careerbot(&[&["index"][..], &common].concat(), None);
    assert_eq!(run.code, Some(0), "{}", run.context());
    assert!(
        run.stdout.lines().any(|l| l.starts_with("indexed")),
        "{}",
        run.context()
    );
    let built = index_dirs(&index);
    assert_eq!(built.len(), 1, "{:?}", listing(&index));
    assert!(built[0].join("careerbot-ready").is_file());
    assert!(
        run.stdout.contains(&built[0].display().to_string()),
        "{}",
        run.stdout
    );
    let before = listing(&index);

    let run = careerbot(&[&["ask"][..], &common, &["salary"]].concat(), None);
    assert_eq!(run.code, Some(0), "{}", run.context());
    assert!(run.stdout.contains("$100,376"), "{}", run.stdout);
    assert_eq!(listing(&index), before, "ask rebuilt an unchanged index");

    let article = knowledge.path().join("backend-developer.md");
    let mut text = std::fs::read_to_string(&article).expect("read article");
    text.push_str(
        "\n## Mentoring circles\n\nZebra-striped mentoring circles help junior back-end developers grow.\n",
    );
    std::fs::write(&article, text).expect("write article");

    let run = careerbot(
        &[&["ask"][..], &common, &["zebra-striped mentoring circles"]].concat(),
        None,
    );
    assert_eq!(run.code, Some(0), "{}", run.context());
    assert!(
        run.stdout
            .lines()
            .any(|l| l == "[1] Back-end developer › Mentoring circles"),
        "the new paragraph is not the answer: {}",
        run.stdout
    );
    let rebuilt = index_dirs(&index);
    assert_eq!(rebuilt.len(), 1, "old index kept: {:?}", listing(&index));
    assert_ne!(rebuilt[0], built[0]);
    assert!(rebuilt[0].join("careerbot-ready").is_file());
}

#[test]
fn an_index_path_that_cannot_be_created_still_answers_from_memory_and_index_says_it_failed() {
    let root = tempfile::tempdir().expect("temp dir");
    let file = root.path().join("not-a-dir");
    std::fs::write(&file, "a regular file").expect("write file");
    let index = file.join("index");
    let seed = seed_dir();

    let run = careerbot(
        &[
            "ask",
            "--knowledge",
            arg(&seed),
            "--index",
            arg(&index),
            "how much do back-end developers make",
        ],
        None,
    );
    assert_eq!(run.code, Some(0), "{}", run.context());
    assert!(run.stdout.contains("$100,376"), "{}", run.context());
    assert!(
        run.stderr.contains("keeping the index in memory"),
        "a warning says so: {}",
        run.context()
    );

    let run = careerbot(
        &["index", "--knowledge", arg(&seed), "--index", arg(&index)],
        None,
    );
    // Saving the index is `index`'s whole job: not saving it is an error.
    assert_eq!(run.code, Some(2), "{}", run.context());
    assert!(
        run.stderr.contains("the index could not be written to")
            && run.stderr.contains("nothing was saved"),
        "{}",
        run.context()
    );
    assert!(
        !run.stderr.contains("Some("),
        "paths are shown plainly: {}",
        run.context()
    );
    assert!(file.is_file(), "the file in the way is left alone");
}

// ---------------------------------------------------------------------------
// arguments

#[test]
fn bad_arguments_exit_non_zero_with_a_usage_error() {
    for args in [
        &["ask", "--top", "0", "x"][..],
        &["ask", "--top", "many", "x"][..],
        &["ask", "--no-such-flag", "x"][..],
    ] {
        let run = careerbot(args, None);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.context());
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.context());
        assert!(
            run.stderr.starts_with("error: "),
            "{args:?}: {}",
            run.context()
        );
    }
    let run = careerbot(&["ask", "--top", "0", "x"], None);
    assert!(run.stderr.contains("--top"), "{}", run.context());
}

#[test]
fn processes_sharing_an_index_directory_build_it_once_without_errors() {
    let index = tempfile::tempdir().expect("temp dir");
    let seed = seed_dir();
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_careerbot"))
                .args([
                    "--knowledge",
                    arg(&seed),
                    "--index",
                    arg(index.path()),
                    "ask",
                    "--json",
                    "salary",
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start careerbot")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert!(stderr.is_empty(), "no warning, no fallback: {stderr}");
        let answer: Value = serde_json::from_slice(&out.stdout).expect("one JSON answer");
        assert_eq!(answer["answered"], true);
    }
    let dirs = index_dirs(index.path());
    assert_eq!(dirs.len(), 1, "one index, no staging left behind: {dirs:?}");
    assert!(dirs[0].join("careerbot-ready").is_file());
}

#[test]
fn a_rebuild_removes_only_old_careerbot_indexes() {
    let index = tempfile::tempdir().expect("temp dir");
    // Someone else's directory that merely looks like an index name.
    let foreign = index.path().join("0123456789abcdef");
    std::fs::create_dir(&foreign).expect("mkdir");
    std::fs::write(foreign.join("keep.txt"), "mine").expect("write");
    let run = careerbot(
        &[
            "--knowledge",
            arg(&seed_dir()),
            "--index",
            arg(index.path()),
            "index",
        ],
        None,
    );
    assert_eq!(run.code, Some(0), "{}", run.context());
    assert!(
        foreign.join("keep.txt").is_file(),
        "a directory without the ready marker is not touched"
    );
}

#[test]
fn a_stdin_line_that_is_not_utf8_is_read_lossily_and_the_batch_goes_on() {
    let index = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_careerbot"))
        .args([
            "--knowledge",
            arg(&seed_dir()),
            "--index",
            arg(index.path()),
            "ask",
            "--json",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start careerbot");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"salary\n\xff\xfe\ndatabases\n")
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answers: Vec<Value> = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(answers.len(), 3);
    assert_eq!(answers[0]["answered"], true);
    assert_eq!(answers[1]["answered"], false);
    assert_eq!(answers[2]["question"], "databases");
}

#[test]
fn serve_http_without_or_with_a_bad_public_key_exits_2_without_echoing_it() {
    let out = serve_http_command(&[("DISCORD_TOKEN", "t")], "127.0.0.1:0")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("DISCORD_PUBLIC_KEY") && stderr.contains("is not set"),
        "{stderr}"
    );

    let pasted_token = "MTE5MDAwMDAwMDAwMDAwMDAwMQ.GhJkLm.not-a-public-key";
    let out = serve_http_command(
        &[("DISCORD_TOKEN", "t"), ("DISCORD_PUBLIC_KEY", pasted_token)],
        "127.0.0.1:0",
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("not a valid Ed25519 public key"),
        "{stderr}"
    );
    assert!(!stderr.contains(pasted_token), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn serve_http_answers_health_checks_and_exits_0_on_sigterm_without_logging_secrets() {
    let port = free_port();
    let index = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    // Any valid key: the public key of the all-42 test seed.
    let key = "197f6b23e16c8532c6abc838facd5ea789be0c76b2920334039bfa8b3d368d61";
    let token = "loopback-secret-token-value";
    let child = serve_http_command(
        &[
            ("DISCORD_TOKEN", token),
            ("DISCORD_PUBLIC_KEY", key),
            ("CAREERBOT_INDEX", arg(index.path())),
            ("CAREERBOT_DATA", arg(data.path())),
        ],
        &format!("127.0.0.1:{port}"),
    )
    .spawn()
    .unwrap();
    let get = |path: &str| request(port, "GET", path, &[], b"");
    let ready = wait_ready(port);
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    assert!(ready.contains("knowledge version 1"), "{ready}");
    assert!(get("/healthz").unwrap().starts_with("HTTP/1.1 200"));
    // The shipped knowledge is embedded in the background, served by words
    // until it is done: /readyz says which, and turns to hybrid.
    assert!(
        ready.contains("serving hybrid")
            || ready.contains("serving lexical until the passages are embedded"),
        "{ready}"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let now = get("/readyz").unwrap_or_default();
        if now.contains("serving hybrid (words and meaning)") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never hybrid: {now}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }

    signal(child.id(), "-TERM");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("serving interactions over HTTP"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(token),
        "the token is never logged: {stderr}"
    );
    assert!(!stderr.contains(key), "nor the public key: {stderr}");
}

/// `ask` on a copy-free private index with `env` set, as a member would run it.
fn ask_with_env(env: &[(&str, &str)], args: &[&str]) -> Run {
    let index = tempfile::tempdir().expect("temp dir");
    let seed = seed_dir();
    let mut command = Command::new(env!("CARGO_BIN_EXE_careerbot"));
    command
        .args(["--knowledge", arg(&seed), "--index", arg(index.path())])
        .args(args)
        .current_dir(support::root())
        .stdin(Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().expect("run careerbot");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A question the words do not settle (its best passage holds little of
/// it, or others come close): the model runs.
const LOOSE_QUESTION: &str = "do be devs talk to product managers or just code all day";

#[test]
fn every_passage_carries_its_semantic_similarity_or_null_when_the_model_is_off() {
    let similarities = |env: &[(&str, &str)]| -> Vec<Value> {
        let run = ask_with_env(env, &["ask", "--json", LOOSE_QUESTION]);
        assert_eq!(run.code, Some(0), "{}", run.context());
        let answer: Value = serde_json::from_str(&run.stdout).expect("JSON");
        let passages = answer["passages"].as_array().expect("passages").clone();
        assert!(!passages.is_empty(), "{answer}");
        passages.iter().map(|p| p["semantic"].clone()).collect()
    };
    let on = similarities(&[]);
    assert!(
        on.iter()
            .all(|s| s.as_f64().is_some_and(|x| (-1.0..=1.0).contains(&x))),
        "{on:?}"
    );
    let off = similarities(&[("CAREERBOT_SEMANTIC", "false")]);
    assert!(off.iter().all(Value::is_null), "{off:?}");
}

#[test]
fn explain_shows_the_scope_decision_and_each_candidates_parts_and_check_says_what_is_served() {
    let run = ask_with_env(&[], &["ask", "--explain", LOOSE_QUESTION]);
    assert_eq!(run.code, Some(0), "{}", run.context());
    assert!(
        run.stderr.contains("semantic: in scope"),
        "{}",
        run.context()
    );
    assert!(
        run.stderr.contains("lexical") && run.stderr.contains("score"),
        "{}",
        run.context()
    );
    let nothing = ask_with_env(&[], &["ask", "--explain", "the"]);
    assert!(
        nothing.stderr.contains("there is no question"),
        "{}",
        nothing.context()
    );
    let off = ask_with_env(&[("CAREERBOT_SEMANTIC", "false")], &["check"]);
    assert!(off.stdout.contains("semantic = false"), "{}", off.context());
    let on = ask_with_env(&[], &["check"]);
    assert!(
        on.stdout
            .contains("semantic: all-MiniLM-L6-v2; lexical until embedded: 0 of"),
        "a fresh index directory holds no vectors yet: {}",
        on.context()
    );
}

#[test]
fn a_question_s_control_characters_are_shown_escaped_not_run_by_the_terminal() {
    let run = ask(
        &[],
        Some("salary \u{1b}[2J\u{1b}]0;title\u{7} \u{202e}gnp\n"),
    );
    assert_eq!(run.code, Some(0), "{}", run.context());
    let question = run.stdout.lines().next().unwrap_or("");
    assert!(question.starts_with("Q: salary"), "{}", run.context());
    for raw in ['\u{1b}', '\u{7}', '\u{202e}'] {
        assert!(
            !run.stdout.contains(raw),
            "{raw:?} reached the terminal: {}",
            run.context()
        );
    }
    assert!(question.contains("\\u{1b}[2J"), "shown escaped: {question}");
}

#[test]
fn a_reader_that_stops_early_is_no_error() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_careerbot"))
        .args(["ask"])
        .current_dir(support::root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start careerbot");
    // The reader goes away before careerbot writes its answers.
    drop(child.stdout.take());
    let mut pipe = child.stdin.take().expect("stdin pipe");
    pipe.write_all("salary\n".repeat(500).as_bytes())
        .expect("write stdin");
    drop(pipe);
    let out = child.wait_with_output().expect("wait for careerbot");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}
