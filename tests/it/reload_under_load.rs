//! Reload under load: several threads ask questions without pause while
//! the knowledge base is reloaded many times, alternating a good knowledge
//! base, a changed one, and broken ones (bad TOML, an unclosed front
//! matter, a file that cannot be read as text). No question may fail, every
//! answer must come from exactly one snapshot, a broken reload must never
//! replace what is served, and the version must move exactly when a good
//! reload finishes.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use careerbot::engine::Options;
use careerbot::live::Live;

const GOOD: &str = "+++\ntitle = \"Data engineer\"\nsource = \"https://example.org/data-engineer\"\n+++\n\n## What a data engineer does\n\nA data engineer builds pipelines that move and clean data for analysts.\n\n## Salary\n\nData engineers earn a median salary of $120,000 in this example.\n";
const CHANGED: &str = "+++\ntitle = \"Data engineer\"\nsource = \"https://example.org/data-engineer\"\n+++\n\n## What a data engineer does\n\nA data engineer designs warehouses and streaming jobs for the analytics team.\n\n## Salary\n\nData engineers earn a median salary of $135,000 in the changed version.\n";
const TOOLS: &str = "[[category]]\nid = \"databases\"\nname = \"Databases\"\nkeywords = [\"databases\", \"database\"]\n\n[[category.tool]]\nname = \"PostgreSQL\"\n\n[[category.tool]]\nname = \"MySQL\"\n";

#[derive(Clone, Copy, Debug)]
enum Step {
    Good,
    Changed,
    BadToml,
    UnclosedFrontMatter,
    NotText,
}

fn write(dir: &std::path::Path, step: Step) {
    let article = dir.join("data-engineer.md");
    let tools = dir.join("tools.toml");
    let junk = dir.join("notes.md");
    let _ = std::fs::remove_file(&junk);
    std::fs::write(&tools, TOOLS).unwrap();
    match step {
        Step::Good => std::fs::write(&article, GOOD).unwrap(),
        Step::Changed => std::fs::write(&article, CHANGED).unwrap(),
        Step::BadToml => std::fs::write(&tools, "[[category]\nid = \"databases\"\n").unwrap(),
        Step::UnclosedFrontMatter => {
            std::fs::write(&junk, "+++\ntitle = \"Never closed\"\n\n## Body\n\nText.\n").unwrap();
        }
        // A file whose bytes are not UTF-8 text cannot be read as an article.
        Step::NotText => std::fs::write(&junk, [0xff, 0xfe, 0x00, 0x41, 0xc3, 0x28]).unwrap(),
    }
}

#[test]
fn questions_never_fail_or_mix_versions_while_reloads_come_and_go() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), Step::Good);
    let live = Arc::new(
        Live::load(Options {
            knowledge_dir: dir.path().to_path_buf(),
            index_dir: Some(dir.path().join(".index")),
            force_rebuild: false,
            limits: Default::default(),
            semantic: None,
        })
        .expect("first load"),
    );
    let stop = Arc::new(AtomicBool::new(false));
    let asked = Arc::new(AtomicUsize::new(0));
    let askers: Vec<_> = (0..3)
        .map(|t| {
            let (live, stop, asked) = (Arc::clone(&live), Arc::clone(&stop), Arc::clone(&asked));
            std::thread::spawn(move || ask_until_stopped(&live, t, &stop, &asked))
        })
        .collect();
    let (good, refused) = reload_five_rounds_of_good_and_broken(dir.path(), &live);
    stop.store(true, Ordering::SeqCst);
    for a in askers {
        a.join()
            .expect("asker did not panic")
            .expect("no failed question");
    }
    assert_eq!((good, refused), (20, 15));
    eprintln!(
        "{} questions answered by 3 threads during {} good and {} refused reloads",
        asked.load(Ordering::Relaxed),
        good,
        refused
    );
    assert!(
        asked.load(Ordering::Relaxed) > 100,
        "questions really ran during the reloads: {}",
        asked.load(Ordering::Relaxed)
    );
    assert_eq!(live.version(), 21);
}

const QUESTIONS: [&str; 4] = [
    "how much does a data engineer make?",
    "what does a data engineer do",
    "data engineer salary",
    "salary",
];

/// One asker: the questions in turn (from the `t`th), each answered from
/// one snapshot's passages and never mixing the two versions' salaries,
/// until `stop`; every answer counted in `asked`.
fn ask_until_stopped(
    live: &Live,
    t: usize,
    stop: &AtomicBool,
    asked: &AtomicUsize,
) -> Result<(), String> {
    let mut i = t;
    while !stop.load(Ordering::SeqCst) {
        let snapshot = live.current();
        let q = QUESTIONS[i % QUESTIONS.len()];
        i += 1;
        let answer = snapshot.ask(q);
        if !answer.is_answered() {
            return Err(format!("v{}: {q:?} was not answered", snapshot.version));
        }
        // Every passage shown is a passage of this very snapshot.
        for p in answer.passages() {
            if !snapshot
                .passages
                .iter()
                .any(|s| s.id == p.id && s.text == p.text)
            {
                return Err(format!(
                    "v{}: {q:?} showed a passage from another version: {}",
                    snapshot.version, p.text
                ));
            }
        }
        // And no answer mixes the two salary figures.
        let all: String = answer.passages().iter().map(|p| p.text.as_str()).collect();
        if all.contains("$120,000") && all.contains("$135,000") {
            return Err(format!("v{}: mixed versions: {all}", snapshot.version));
        }
        asked.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

/// Five rounds of good, changed and broken knowledge, each reloaded: a
/// good one is served once its reload finishes, a broken one changes
/// nothing. The good and refused reloads, counted.
fn reload_five_rounds_of_good_and_broken(dir: &std::path::Path, live: &Live) -> (usize, usize) {
    let steps = [
        Step::Changed,
        Step::BadToml,
        Step::Good,
        Step::UnclosedFrontMatter,
        Step::Changed,
        Step::NotText,
        Step::Good,
    ];
    let (mut good, mut refused) = (0, 0);
    for round in 0..5 {
        for step in steps {
            write(dir, step);
            let before = live.current();
            let result = live.reload();
            let after = live.current();
            match (step, result) {
                (Step::Good | Step::Changed, Ok(summary)) => {
                    good += 1;
                    assert_eq!(
                        summary.version,
                        before.version + 1,
                        "round {round}: {step:?}"
                    );
                    assert_eq!(
                        after.version, summary.version,
                        "served once the reload finished"
                    );
                    let salary = if matches!(step, Step::Good) {
                        "$120,000"
                    } else {
                        "$135,000"
                    };
                    assert!(
                        after.passages.iter().any(|p| p.text.contains(salary)),
                        "{step:?} is what is served"
                    );
                }
                (Step::Good | Step::Changed, Err(e)) => {
                    panic!("round {round}: {step:?} failed: {e}")
                }
                (_, Ok(summary)) => panic!("round {round}: {step:?} was accepted: {summary:?}"),
                (_, Err(_)) => {
                    refused += 1;
                    assert_eq!(
                        after.version, before.version,
                        "a broken reload changes nothing"
                    );
                    assert_eq!(after.info.fingerprint, before.info.fingerprint);
                    assert!(
                        Arc::ptr_eq(&before, &after),
                        "the same snapshot is still served"
                    );
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    (good, refused)
}

#[test]
fn a_deleted_or_corrupted_index_directory_is_rebuilt_from_knowledge() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), Step::Good);
    let index = dir.path().join(".index");
    let options = || Options {
        knowledge_dir: dir.path().to_path_buf(),
        index_dir: Some(index.clone()),
        force_rebuild: false,
        limits: Default::default(),
        semantic: None,
    };
    let live = Live::load(options()).expect("first load");
    let served = live.current().ask("salary").passages()[0].text.clone();

    // Deleted while running: the next reload builds it again; answers go on.
    std::fs::remove_dir_all(&index).unwrap();
    assert!(
        live.current().ask("salary").is_answered(),
        "the open index keeps answering"
    );
    live.reload().expect("reload rebuilds a deleted index");
    assert!(index.is_dir());
    assert_eq!(live.current().ask("salary").passages()[0].text, served);

    // Corrupted: every file of the index truncated to garbage.
    for entry in walkdir::WalkDir::new(&index) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            std::fs::write(entry.path(), b"garbage").unwrap();
        }
    }
    let restarted = Live::load(options()).expect("a corrupt index is rebuilt at start");
    assert_eq!(restarted.current().ask("salary").passages()[0].text, served);
    live.reload().expect("and on reload");
    assert!(live.current().ask("salary").is_answered());
}
