//! Shared helpers for integration tests: paths, engines, temporary knowledge bases.

#![allow(dead_code)]

pub mod community;
pub mod discord;
pub mod flood;
pub mod interactions;
pub mod limits;
pub mod process;

/// Discord's interaction callback types: the `type` of a response
/// (<https://discord.com/developers/docs/interactions/receiving-and-responding>).
pub mod callback {
    /// PONG, to a PING.
    pub const PONG: u64 = 1;
    /// CHANNEL_MESSAGE_WITH_SOURCE: a message in reply.
    pub const MESSAGE: u64 = 4;
    /// DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE: "thinking", edited later.
    pub const DEFERRED_MESSAGE: u64 = 5;
    /// DEFERRED_UPDATE_MESSAGE: a component press acknowledged, nothing shown.
    pub const DEFERRED_UPDATE: u64 = 6;
    /// UPDATE_MESSAGE: the component's message replaced.
    pub const UPDATE_MESSAGE: u64 = 7;
    /// APPLICATION_COMMAND_AUTOCOMPLETE_RESULT: choices.
    pub const AUTOCOMPLETE_RESULT: u64 = 8;
    /// MODAL: a form.
    pub const MODAL: u64 = 9;
}

/// Discord's message component types.
pub mod component {
    /// A text input, in a modal.
    pub const TEXT_INPUT: u64 = 4;
}

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use careerbot::engine::{Engine, Options};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped knowledge base.
pub fn seed_dir() -> PathBuf {
    root().join("knowledge")
}

/// A vendored foreign corpus.
pub fn corpus_dir(name: &str) -> PathBuf {
    root().join("tests/fixtures/corpora").join(name)
}

/// The shipped sentence-embedding model, loaded once per test binary.
pub fn model() -> std::sync::Arc<careerbot::semantic::Embedder> {
    static MODEL: OnceLock<std::sync::Arc<careerbot::semantic::Embedder>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            std::sync::Arc::new(careerbot::semantic::Embedder::shipped().expect("the model loads"))
        })
        .clone()
}

/// The semantic stage with the real model, embedding before it returns.
pub fn semantic() -> Option<careerbot::engine::SemanticOptions> {
    Some(careerbot::engine::SemanticOptions {
        model: model(),
        background: false,
        progress: None,
    })
}

/// The vectors the shipped model computed for a foreign corpus, kept in
/// `tests/fixtures/vectors/` (written by `careerbot index`), put where the
/// vector cache looks: a clean clone's tests then embed only the texts
/// that changed since. `quality.rs` checks a sample of them against the
/// model.
pub fn vectors_fixture(name: &str) -> PathBuf {
    root()
        .join("tests/fixtures/vectors")
        .join(format!("{name}.bin"))
}

fn seed_vectors(name: &str, index: &Path) {
    let fixture = vectors_fixture(name);
    let target = index.join("vectors").join(format!("{}.bin", model().id()));
    if fixture.is_file() && !target.exists() {
        std::fs::create_dir_all(index.join("vectors")).expect("vectors directory");
        std::fs::copy(&fixture, &target).expect("copy the vectors fixture");
    }
}

/// Loads a knowledge directory with the semantic stage on (the real
/// model), its index and passage vectors kept under the target directory,
/// so a later run embeds only what changed.
pub fn load_hybrid(dir: &Path) -> Engine {
    let name = dir
        .file_name()
        .map_or("kb".into(), |n| n.to_string_lossy().to_string());
    let index = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("hybrid")
        .join(&name);
    seed_vectors(&name, &index);
    let options = Options {
        knowledge_dir: dir.to_path_buf(),
        index_dir: Some(index),
        force_rebuild: false,
        limits: Default::default(),
        semantic: semantic(),
    };
    Engine::load(&options, &mut |_, _| {})
        .unwrap_or_else(|e| panic!("cannot load {}: {e}", dir.display()))
}

/// Loads a knowledge directory with an in-memory index.
pub fn load(dir: &Path) -> Engine {
    let options = Options {
        knowledge_dir: dir.to_path_buf(),
        index_dir: None,
        force_rebuild: false,
        limits: Default::default(),
        semantic: None,
    };
    Engine::load(&options, &mut |_, _| {})
        .unwrap_or_else(|e| panic!("cannot load {}: {e}", dir.display()))
}

/// The shipped knowledge base, loaded once per test binary.
pub fn seed() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| load(&seed_dir()))
}

/// Writes `files` (relative path, contents) into a fresh temporary directory.
pub fn knowledge(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (rel, bytes) in files {
        let path = dir.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        std::fs::write(&path, bytes).expect("write knowledge file");
    }
    dir
}

/// A small valid article.
pub const GOOD_ARTICLE: &str = "+++\ntitle = \"Data engineer\"\nsource = \"https://example.org/data-engineer\"\n+++\n\n## What a data engineer does\n\nA data engineer builds pipelines that move and clean data for analysts.\n\n## Salary\n\nData engineers earn a median salary of $120,000 in this example.\n";

/// A live, reloadable snapshot of `dir` with the semantic stage on (the
/// real model), as the bots serve it: the end-to-end tests use it. Each
/// knowledge directory gets an index directory of its own (careerbot
/// removes other indexes it finds in one), seeded with the vectors an
/// earlier test computed, so tests share the vectors of the texts they
/// have in common.
pub fn live_hybrid(dir: &Path) -> careerbot::live::Live {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-index");
    let key = blake3::hash(dir.as_os_str().as_encoded_bytes()).to_hex();
    let index = root.join(&key[..16]);
    let file = format!("{}.bin", model().id());
    let shared = root.join(&file);
    if shared.is_file() && !index.join("vectors").join(&file).exists() {
        std::fs::create_dir_all(index.join("vectors")).expect("vectors directory");
        std::fs::copy(&shared, index.join("vectors").join(&file)).expect("seed the vectors");
    }
    let options = Options {
        knowledge_dir: dir.to_path_buf(),
        index_dir: Some(index.clone()),
        force_rebuild: false,
        limits: Default::default(),
        semantic: semantic(),
    };
    let live = careerbot::live::Live::load(options)
        .unwrap_or_else(|e| panic!("cannot load {}: {e}", dir.display()));
    if !shared.is_file() {
        // Copied then renamed: another test never reads half a file.
        let staged = root.join(format!("{file}.{}", std::process::id()));
        if std::fs::copy(index.join("vectors").join(&file), &staged).is_ok() {
            let _ = std::fs::rename(&staged, &shared);
        }
    }
    live
}

/// The shipped knowledge base as a live, reloadable snapshot (in-memory index).
pub fn live(dir: &Path) -> careerbot::live::Live {
    let options = Options {
        knowledge_dir: dir.to_path_buf(),
        index_dir: None,
        force_rebuild: false,
        limits: Default::default(),
        semantic: None,
    };
    careerbot::live::Live::load(options)
        .unwrap_or_else(|e| panic!("cannot load {}: {e}", dir.display()))
}

/// Serves `interaction` as a transport would, resolved once at the edge
/// ([`Invocation`](careerbot::discord::invocation::Invocation)), without a
/// slot or a count.
pub fn serve_now(
    live: &careerbot::live::Live,
    settings: &careerbot::transport::service::Settings,
    interaction: &serenity::model::application::Interaction,
) -> careerbot::transport::service::Outcome {
    let invocation = careerbot::discord::invocation::Invocation::new(
        &settings.policy.moderator_roles,
        interaction,
    );
    careerbot::transport::service::serve_now(live, settings, &invocation)
}
