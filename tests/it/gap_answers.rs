//! The write path of answers from Discord (`Live::edit` with
//! `community::plan`), attacked as someone who can change the knowledge
//! directory or run a second careerbot on it would: links, FIFOs, files
//! at the size caps, ignored files, planted temporary names, two processes.

use crate::support;

use std::path::Path;
use std::time::Duration;

use careerbot::engine::Options;
use careerbot::knowledge::community::{self, CommunityAnswer};
use careerbot::knowledge::Limits;
use careerbot::live::{EditError, Live};

const ARTICLE: &str = "# Careers\n\nA back-end developer builds servers, databases and APIs.\n";

fn options(dir: &Path, limits: Limits) -> Options {
    Options {
        knowledge_dir: dir.to_path_buf(),
        index_dir: None,
        force_rebuild: false,
        limits,
        semantic: None,
    }
}

fn answer(question: &str, text: &str) -> CommunityAnswer {
    CommunityAnswer {
        question: question.into(),
        heading: String::new(),
        answer: text.into(),
        by: "Ada".into(),
        at: "2026-12-07T10:00:00Z".into(),
        link: String::new(),
    }
}

/// Adds `answer` as the gap form does.
fn add(live: &Live, answer: &CommunityAnswer) -> Result<careerbot::live::ReloadSummary, EditError> {
    live.edit(|files| community::plan(files, answer).map_err(|e| e.to_string()))
}

/// A knowledge directory with one article, served.
fn served() -> (tempfile::TempDir, Live) {
    let dir = support::knowledge(&[("careers.md", ARTICLE.as_bytes())]);
    let live = Live::load(options(dir.path(), Limits::default())).expect("loads");
    (dir, live)
}

fn refusal(result: Result<careerbot::live::ReloadSummary, EditError>) -> String {
    match result {
        Err(EditError::Refused(why)) => why,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_link_to_a_host_file_is_refused_and_never_read() {
    let (dir, live) = served();
    let secret = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(secret.path(), "DISCORD_TOKEN=hunter2\n").unwrap();
    let file = dir.path().join(community::FILE);
    std::os::unix::fs::symlink(secret.path(), &file).unwrap();
    let why = refusal(add(&live, &answer("What is DISCORD_TOKEN?", "A secret.")));
    assert!(why.contains("outside the knowledge directory"), "{why}");
    assert!(!why.contains("hunter2"), "{why}");
    assert_eq!(live.version(), 1, "still serving the old knowledge");
    assert!(std::fs::symlink_metadata(&file)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_to_string(secret.path()).unwrap(),
        "DISCORD_TOKEN=hunter2\n"
    );
    let served = live.current();
    assert!(served.passages.iter().all(|p| !p.text.contains("hunter2")));
    // A link inside the directory is refused too: writing would replace it.
    std::fs::remove_file(&file).unwrap();
    std::fs::write(dir.path().join("inside.toml"), "").unwrap();
    std::os::unix::fs::symlink(dir.path().join("inside.toml"), &file).unwrap();
    let why = refusal(add(&live, &answer("q?", "A.")));
    assert!(why.contains("symbolic link"), "{why}");
}

#[test]
fn a_fifo_is_refused_at_once_and_reloads_go_on() {
    let (dir, live) = served();
    let file = dir.path().join(community::FILE);
    let made = std::process::Command::new("mkfifo")
        .arg(&file)
        .status()
        .unwrap();
    assert!(made.success());
    let live = std::sync::Arc::new(live);
    let (tx, rx) = std::sync::mpsc::channel();
    let task = std::sync::Arc::clone(&live);
    std::thread::spawn(move || {
        let _ = tx.send(add(&task, &answer("q?", "A.")).map(|_| ()));
    });
    let result = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the submit does not hang on a FIFO");
    let Err(EditError::Refused(why)) = result else {
        panic!("expected a refusal, got {result:?}")
    };
    assert!(why.contains("not a regular file"), "{why}");
    std::fs::remove_file(&file).unwrap();
    assert!(live.reload().is_ok(), "the reload lock is free");
}

#[test]
fn an_answer_that_would_pass_max_article_bytes_is_refused_before_anything_is_written() {
    let dir = support::knowledge(&[("careers.md", ARTICLE.as_bytes())]);
    let limits = Limits {
        max_article_bytes: 2_000,
        ..Limits::default()
    };
    let live = Live::load(options(dir.path(), limits)).expect("loads");
    let mut last = None;
    let text = "Employers look for projects you can show and explain. ".repeat(5);
    let refused = loop {
        match add(&live, &answer("What do employers want?", &text)) {
            Ok(_) => last = Some(std::fs::read(dir.path().join(community::FILE)).unwrap()),
            Err(e) => break e,
        }
    };
    let EditError::Refused(why) = &refused else {
        panic!("expected a refusal, got {refused:?}")
    };
    assert!(why.contains("max_article_bytes (2000)"), "{why}");
    let on_disk = std::fs::read(dir.path().join(community::FILE)).unwrap();
    assert_eq!(Some(on_disk.clone()), last, "the file is as before");
    assert!(on_disk.len() <= 2_000);
    assert!(live.reload().is_ok(), "the next reload loads");
}

#[test]
fn an_oversized_answers_file_is_refused_without_being_read_whole() {
    let (dir, live) = served();
    let file = dir.path().join(community::FILE);
    std::fs::File::create(&file)
        .unwrap()
        .set_len(64 * 1024 * 1024)
        .unwrap();
    let why = refusal(add(&live, &answer("q?", "A.")));
    assert!(why.contains("max_article_bytes"), "{why}");
    assert_eq!(std::fs::metadata(&file).unwrap().len(), 64 * 1024 * 1024);
}

#[test]
fn an_ignored_answers_file_is_refused_with_the_reason() {
    let (dir, live) = served();
    std::fs::write(dir.path().join(".careerbotignore"), "community-*\n").unwrap();
    let why = refusal(add(&live, &answer("q?", "A.")));
    assert!(why.contains("ignored by .careerbotignore"), "{why}");
    assert!(!dir.path().join(community::FILE).exists());
}

#[test]
fn a_link_planted_at_a_temporary_name_changes_nothing() {
    let (dir, live) = served();
    let victim = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(victim.path(), "untouched").unwrap();
    // Every name the old writer could have used, and a few more.
    for name in [
        format!(".{}.{}.tmp", community::FILE, std::process::id()),
        ".careerbot-.tmp".to_string(),
        format!(".{}.tmp", community::FILE),
    ] {
        std::os::unix::fs::symlink(victim.path(), dir.path().join(name)).unwrap();
    }
    add(
        &live,
        &answer("How do I ask for a raise?", "Bring numbers."),
    )
    .expect("added");
    assert_eq!(std::fs::read_to_string(victim.path()).unwrap(), "untouched");
    let meta = std::fs::symlink_metadata(dir.path().join(community::FILE)).unwrap();
    assert!(meta.file_type().is_file(), "an ordinary file, not a link");
}

#[test]
fn a_markdown_answers_file_moves_into_the_answers_file_and_is_kept_aside() {
    let legacy = "# Community answers\n\n## Raises\n\n<!-- phrasings: how do I ask for a raise? -->\n\nBring numbers to the meeting.\n";
    let dir = support::knowledge(&[
        ("careers.md", ARTICLE.as_bytes()),
        (community::LEGACY_FILE, legacy.as_bytes()),
    ]);
    let live = Live::load(options(dir.path(), Limits::default())).expect("loads");
    let before = live.current().passages.clone();
    add(
        &live,
        &answer("Can I work remotely?", "Many teams hire remotely."),
    )
    .expect("added");
    assert!(!dir.path().join(community::LEGACY_FILE).exists());
    assert_eq!(
        std::fs::read_to_string(dir.path().join(community::MIGRATED_FILE)).unwrap(),
        legacy,
        "the old file is kept as it was"
    );
    let after = &live.current().passages;
    let raise = |ps: &[careerbot::chunk::Passage]| {
        ps.iter()
            .find(|p| p.text.contains("Bring numbers"))
            .map(|p| (p.id.clone(), p.text.clone(), p.keywords.clone()))
    };
    assert_eq!(
        raise(after),
        raise(&before),
        "the old answer is served as before"
    );
    assert!(after.iter().any(|p| p.text == "Many teams hire remotely."));
}

/// The knowledge directory a child process adds answers to.
const CHILD_DIR: &str = "CAREERBOT_TEST_GAP_DIR";

#[test]
#[ignore = "run by two_processes_sharing_the_knowledge_directory_keep_every_answer"]
fn child_adds_five_answers() {
    let dir = std::env::var(CHILD_DIR).expect("run by the parent test");
    let who = std::process::id();
    let live = Live::load(options(Path::new(&dir), Limits::default())).expect("loads");
    for n in 0..5 {
        let question = format!("question {n} from process {who}?");
        add(&live, &answer(&question, "An answer.")).expect("every answer is added");
    }
}

#[test]
fn two_processes_sharing_the_knowledge_directory_keep_every_answer() {
    let dir = support::knowledge(&[("careers.md", ARTICLE.as_bytes())]);
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..2)
        .map(|_| {
            std::process::Command::new(&exe)
                .args([
                    "--ignored",
                    "--exact",
                    "gap_answers::child_adds_five_answers",
                    "--test-threads=1",
                ])
                .env(CHILD_DIR, dir.path())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(
            child.wait().unwrap().success(),
            "each child added its answers"
        );
    }
    let text = std::fs::read_to_string(dir.path().join(community::FILE)).unwrap();
    let live = Live::load(options(dir.path(), Limits::default())).expect("loads");
    let questions: Vec<_> = live
        .current()
        .passages
        .iter()
        .filter(|p| p.article_id == community::ID)
        .map(|p| p.keywords[0].clone())
        .collect();
    assert_eq!(questions.len(), 10, "{text}");
}

#[test]
fn with_both_answer_files_the_markdown_one_is_skipped_with_a_warning_and_answers_still_go_in() {
    let legacy = "# Community answers\n\n## Raises\n\n<!-- phrasings: how do I ask for a raise? -->\n\nBring numbers.\n";
    let dir = support::knowledge(&[
        ("careers.md", ARTICLE.as_bytes()),
        (community::LEGACY_FILE, legacy.as_bytes()),
    ]);
    let live = Live::load(options(dir.path(), Limits::default())).expect("loads");
    add(&live, &answer("Can I work remotely?", "Often.")).expect("added");
    // A moderator (or a cut-short move) puts the Markdown file back.
    std::fs::write(dir.path().join(community::LEGACY_FILE), legacy).unwrap();
    let (_, _, report) = careerbot::knowledge::load(dir.path()).expect("still loads");
    assert!(report
        .problems
        .iter()
        .any(|p| p.file.ends_with(community::LEGACY_FILE) && p.message.contains("not read")));
    let summary = add(&live, &answer("Any courses?", "Yes, six.")).expect("added");
    assert_eq!(summary.warnings, 1);
    let passages = &live.current().passages;
    assert_eq!(
        passages
            .iter()
            .filter(|p| p.article_id == community::ID)
            .count(),
        3,
        "the moved answer and the two new ones"
    );
}
