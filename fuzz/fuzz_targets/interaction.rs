//! Interaction handling: any bytes as an interaction body, through
//! `serve_now` (the path both transports share), to response JSON. Invariants: no panic; the response fits
//! Discord's limits; `allowed_mentions` pings nobody.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use careerbot::transport::service::{serve_now, Settings};
use careerbot::discord::parse::parse_interaction;
use careerbot::engine::Options;
use careerbot::live::Live;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

fn live() -> &'static Live {
    static LIVE: OnceLock<Live> = OnceLock::new();
    LIVE.get_or_init(|| {
        Live::load(Options {
            knowledge_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../knowledge"),
            index_dir: None,
            force_rebuild: false,
            limits: Default::default(),
        })
        .expect("the shipped knowledge base loads")
    })
}

fn chars(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

fn check(r: &Value) {
    let data = &r["data"];
    if matches!(r["type"].as_u64(), Some(4 | 7)) {
        let m = &data["allowed_mentions"];
        assert_eq!(m["parse"], json!([]), "{r}");
        assert_eq!(m["users"], json!([]), "{r}");
        assert_eq!(m["roles"], json!([]), "{r}");
    }
    assert!(chars(&data["content"]) <= 2000);
    for e in data["embeds"].as_array().into_iter().flatten() {
        assert!(chars(&e["title"]) <= 256 && chars(&e["description"]) <= 4096);
        assert!(chars(&e["footer"]["text"]) <= 2048);
        let fields = e["fields"].as_array().cloned().unwrap_or_default();
        assert!(fields.len() <= 25);
        let mut total = chars(&e["title"]) + chars(&e["description"]) + chars(&e["footer"]["text"]);
        for f in &fields {
            assert!(chars(&f["name"]) <= 256 && chars(&f["value"]) <= 1024);
            total += chars(&f["name"]) + chars(&f["value"]);
        }
        assert!(total <= 6000);
    }
    for row in data["components"].as_array().into_iter().flatten() {
        let buttons = row["components"].as_array().cloned().unwrap_or_default();
        assert!(buttons.len() <= 5);
        for b in &buttons {
            assert!(chars(&b["custom_id"]) <= 100);
        }
    }
    let choices = data["choices"].as_array().cloned().unwrap_or_default();
    assert!(choices.len() <= 25);
    for c in &choices {
        assert!(chars(&c["name"]) <= 100);
    }
}

fuzz_target!(|data: &[u8]| {
    // As the HTTP endpoint parses a body.
    let Ok(interaction) = parse_interaction(data) else {
        return;
    };
    let served = serve_now(live(), &Settings::default(), &interaction);
    let json = serde_json::to_value(&served.response).expect("a response serializes");
    check(&json);
});
