//! The question path: any UTF-8 text, through the engine on the shipped
//! knowledge base, to an answer. Invariants: no panic; at most the default
//! number of passages; highlights inside the passage text.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use careerbot::engine::{Engine, Options};
use libfuzzer_sys::fuzz_target;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let options = Options {
            knowledge_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../knowledge"),
            index_dir: None,
            force_rebuild: false,
            limits: Default::default(),
        };
        Engine::load(&options, &mut |_, _| {}).expect("the shipped knowledge base loads")
    })
}

fuzz_target!(|question: &str| {
    let answer = engine().ask(question);
    assert!(answer.passages().len() <= careerbot::answer::DEFAULT_PASSAGES);
    for p in answer.passages() {
        for &(start, end) in &p.highlights {
            assert!(start < end && end <= p.text.len(), "{}", p.id);
            assert!(p.text.is_char_boundary(start) && p.text.is_char_boundary(end));
        }
    }
});
