//! A damaged index on disk is set aside and rebuilt from the knowledge, with
//! a warning: never a panic, never a crash loop. Seeded byte flips in every
//! kind of tantivy file, through the library, a reload and the binary.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use careerbot::engine::{Engine, IndexOrigin, Options};
use support::seed_dir;

const QUESTION: &str = "which databases should a back-end developer learn?";
/// The kinds of file a tantivy segment is made of.
const KINDS: [&str; 6] = ["term", "pos", "idx", "store", "fast", "fieldnorm"];
/// Seeds per kind: 60 damaged indexes in all.
const SEEDS: u64 = 10;

fn options(index: &Path) -> Options {
    Options {
        knowledge_dir: seed_dir(),
        index_dir: Some(index.to_path_buf()),
        force_rebuild: false,
        limits: Default::default(),
        semantic: None,
    }
}

fn load(index: &Path) -> Engine {
    Engine::load(&options(index), &mut |_, _| {}).expect("a damaged index is rebuilt, not fatal")
}

/// The passages answering the question, as ids.
fn answer(engine: &Engine) -> Vec<String> {
    engine
        .ask(QUESTION)
        .passages()
        .iter()
        .map(|p| p.id.clone())
        .collect()
}

/// xorshift64*: the same flips for the same seed, on every machine.
struct Flips(u64);

impl Flips {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// Flips 1 to 8 bytes of `file` at seeded places, each to another value.
fn damage(file: &Path, seed: u64) {
    let mut bytes = std::fs::read(file).expect("read index file");
    assert!(!bytes.is_empty(), "{} is empty", file.display());
    let mut flips = Flips(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let count = 1 + flips.next() % 8;
    for _ in 0..count {
        let at = (flips.next() % bytes.len() as u64) as usize;
        bytes[at] ^= 1 + (flips.next() % 255) as u8;
    }
    std::fs::write(file, bytes).expect("write damaged file");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
}

/// The one index directory (named by the content fingerprint) under `index`.
fn built(index: &Path) -> PathBuf {
    std::fs::read_dir(index)
        .expect("index dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            !p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .starts_with('.')
        })
        .expect("a built index")
}

/// The first file of a kind (by extension) in a built index.
fn file_of_kind(dir: &Path, kind: &str) -> PathBuf {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("index dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == kind))
        .collect();
    files.sort();
    files
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no .{kind} file"))
}

#[test]
fn every_damaged_file_kind_is_set_aside_and_rebuilt_and_the_question_is_answered() {
    let pristine_root = tempfile::tempdir().expect("temp dir");
    let clean = load(pristine_root.path());
    let expected = answer(&clean);
    assert!(
        !expected.is_empty(),
        "the question is answered on a clean index"
    );
    let pristine = built(pristine_root.path());
    let fingerprint = pristine.file_name().expect("name").to_owned();
    drop(clean);

    for kind in KINDS {
        for seed in 0..SEEDS {
            let root = tempfile::tempdir().expect("temp dir");
            let target = root.path().join(&fingerprint);
            copy_dir(&pristine, &target);
            damage(&file_of_kind(&target, kind), seed);
            let engine = load(root.path());
            assert_eq!(
                engine.info.origin,
                IndexOrigin::Built,
                ".{kind} seed {seed}: the damage was found and the index rebuilt"
            );
            assert_eq!(answer(&engine), expected, ".{kind} seed {seed}");
            let aside = root
                .path()
                .join(format!(".damaged-{}", fingerprint.to_string_lossy()));
            assert!(
                aside.is_dir(),
                ".{kind} seed {seed}: the damaged index is kept aside"
            );
            // The rebuilt index is whole: opening it again reuses it.
            drop(engine);
            assert_eq!(load(root.path()).info.origin, IndexOrigin::Reused);
        }
    }
}

#[test]
fn damaged_index_metadata_never_panics_and_the_question_is_answered() {
    let pristine_root = tempfile::tempdir().expect("temp dir");
    let expected = answer(&load(pristine_root.path()));
    let pristine = built(pristine_root.path());
    let fingerprint = pristine.file_name().expect("name").to_owned();
    for name in ["meta.json", ".managed.json"] {
        for seed in 0..SEEDS {
            let root = tempfile::tempdir().expect("temp dir");
            let target = root.path().join(&fingerprint);
            copy_dir(&pristine, &target);
            damage(&target.join(name), seed);
            // tantivy may still read a harmless change (to .managed.json,
            // say); either way the question is answered.
            let engine = load(root.path());
            assert_eq!(answer(&engine), expected, "{name} seed {seed}");
        }
    }
}

#[test]
fn a_reload_over_a_damaged_index_of_the_same_knowledge_rebuilds_it() {
    let root = tempfile::tempdir().expect("temp dir");
    let live = careerbot::live::Live::load(options(root.path())).expect("loads");
    let expected = answer(&live.current());
    damage(&file_of_kind(&built(root.path()), "term"), 7);
    let summary = live
        .reload()
        .expect("the reload rebuilds instead of failing");
    assert!(summary.unchanged, "same knowledge, same fingerprint");
    assert_eq!(live.current().info.origin, IndexOrigin::Built);
    assert_eq!(answer(&live.current()), expected);
}

#[test]
fn the_binary_answers_over_a_damaged_index_with_a_warning_and_exit_0() {
    let root = tempfile::tempdir().expect("temp dir");
    drop(load(root.path()));
    damage(&file_of_kind(&built(root.path()), "fieldnorm"), 3);
    let out = Command::new(env!("CARGO_BIN_EXE_careerbot"))
        .args(["--knowledge", support::process::arg(&seed_dir())])
        .args(["--index", support::process::arg(root.path())])
        .args(["ask", QUESTION])
        .env("CAREERBOT_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("run careerbot");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("index unusable"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out.stdout.is_empty());
}
