//! What every response sent to Discord must satisfy: its limits, and
//! `allowed_mentions` that ping nobody. Shared by the dispatch tests and
//! the property tests.

#![allow(dead_code)]

use serde_json::{json, Value};

/// Every message response must ping nobody.
pub fn assert_pings_nobody(response: &Value) {
    let kind = response["type"].as_u64().unwrap_or(0);
    if matches!(
        kind,
        super::callback::MESSAGE | super::callback::UPDATE_MESSAGE
    ) {
        let mentions = &response["data"]["allowed_mentions"];
        assert_eq!(mentions["parse"], json!([]), "{response:#}");
        assert_eq!(mentions["users"], json!([]));
        assert_eq!(mentions["roles"], json!([]));
        assert_eq!(mentions["replied_user"], json!(false));
    }
}

/// Discord's limits on a response, checked on its JSON.
pub fn assert_within_limits(r: &Value) {
    let chars = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    let data = &r["data"];
    assert!(chars(&data["content"]) <= 2000, "content");
    for embed in data["embeds"].as_array().into_iter().flatten() {
        let mut total =
            chars(&embed["title"]) + chars(&embed["description"]) + chars(&embed["footer"]["text"]);
        assert!(
            chars(&embed["title"]) <= 256,
            "title {}",
            chars(&embed["title"])
        );
        assert!(chars(&embed["description"]) <= 4096, "description");
        assert!(chars(&embed["footer"]["text"]) <= 2048, "footer");
        let fields = embed["fields"].as_array().cloned().unwrap_or_default();
        assert!(fields.len() <= 25, "fields {}", fields.len());
        for f in &fields {
            assert!((1..=256).contains(&chars(&f["name"])), "field name");
            assert!(
                (1..=1024).contains(&chars(&f["value"])),
                "field value {}",
                chars(&f["value"])
            );
            total += chars(&f["name"]) + chars(&f["value"]);
        }
        assert!(total <= 6000, "embed total {total}");
    }
    let rows = data["components"].as_array().cloned().unwrap_or_default();
    assert!(rows.len() <= 5);
    for row in &rows {
        let buttons = row["components"].as_array().cloned().unwrap_or_default();
        assert!(buttons.len() <= 5);
        for b in &buttons {
            assert!(chars(&b["custom_id"]) <= 100);
        }
    }
    for c in data["choices"].as_array().into_iter().flatten() {
        assert!((1..=100).contains(&chars(&c["name"])));
    }
    assert!(data["choices"].as_array().map_or(0, Vec::len) <= 25);
}

/// A message (a channel message's body, or a response's `data`) pings
/// `only` (a user id) and nobody else, or nobody at all with `None`, not
/// even the author of the message it replies to.
pub fn assert_pings_only(message: &Value, only: Option<u64>) {
    let mentions = &message["allowed_mentions"];
    assert_eq!(mentions["parse"], json!([]), "{message:#}");
    assert_eq!(mentions["roles"], json!([]), "{message:#}");
    let users = match only {
        Some(user) => json!([user.to_string()]),
        None => json!([]),
    };
    assert_eq!(mentions["users"], users, "{message:#}");
    assert_eq!(mentions["replied_user"], json!(false), "{message:#}");
}

/// Discord's limits on a modal (type 9 response).
pub fn assert_modal_within_limits(r: &Value) {
    let chars = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    assert_eq!(r["type"], super::callback::MODAL, "{r:#}");
    let data = &r["data"];
    assert!((1..=45).contains(&chars(&data["title"])), "title");
    assert!((1..=100).contains(&chars(&data["custom_id"])), "custom id");
    let rows = data["components"].as_array().cloned().unwrap_or_default();
    assert!((1..=5).contains(&rows.len()), "rows");
    for row in &rows {
        for input in row["components"].as_array().into_iter().flatten() {
            assert_eq!(input["type"], super::component::TEXT_INPUT, "a text input");
            assert!((1..=45).contains(&chars(&input["label"])), "label");
            assert!((1..=100).contains(&chars(&input["custom_id"])), "custom id");
            assert!(chars(&input["placeholder"]) <= 100, "placeholder");
            let max = input["max_length"].as_u64().unwrap_or(4000);
            assert!(max <= 4000, "max_length");
            assert!(chars(&input["value"]) as u64 <= max, "value");
        }
    }
}
