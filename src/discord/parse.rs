//! Reading an interaction from Discord's JSON. serenity does the parsing;
//! this module first refuses the one shape known to make serenity's parser
//! panic instead of returning an error, so a malformed body is always an
//! error and never a panic.

use serde::Deserialize;
use serde_json::Value;
use serenity::model::application::Interaction;

/// Why a body is not an interaction.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// Not JSON, or not the JSON of an interaction.
    #[error("not an interaction: {0}")]
    Json(#[from] serde_json::Error),
    /// An image hash field holding text that is not ASCII.
    #[error("field `{0}` is not an image hash")]
    ImageHash(String),
}

/// The fields serenity reads as image hashes (`ImageHash`). Its parser
/// slices a 32- or 34-byte value by byte offsets, and so panics on one that
/// is not ASCII (serenity 0.12.5, `ImageHash::from_str`). A real hash is
/// hexadecimal, so such a value is refused here.
const IMAGE_HASH_KEYS: &[&str] = &[
    "asset",
    "avatar",
    "badge",
    "banner",
    "cover_image",
    "discovery_splash",
    "icon",
    "icon_hash",
    "image",
    "splash",
];

/// Parses an interaction from a request body.
///
/// # Errors
/// When the body is not JSON, not an interaction, or holds an image hash
/// that is not ASCII.
pub fn parse_interaction(body: &[u8]) -> Result<Interaction, ParseError> {
    // Without a byte above 0x7F or a `\u` escape, no text in the body can be
    // anything but ASCII, so serenity may parse it directly: most bodies,
    // and cheaper than going through a `Value`.
    if body.is_ascii() && !body.windows(2).any(|pair| pair == b"\\u") {
        return Ok(serde_json::from_slice(body)?);
    }
    let value: Value = serde_json::from_slice(body)?;
    interaction_from_value(&value)
}

/// Parses an interaction from JSON already read.
///
/// # Errors
/// As [`parse_interaction`].
pub fn interaction_from_value(value: &Value) -> Result<Interaction, ParseError> {
    if let Some(key) = bad_image_hash(value) {
        return Err(ParseError::ImageHash(key));
    }
    Ok(Interaction::deserialize(value)?)
}

/// The first image hash field whose text is not ASCII. serde_json stops
/// parsing at 128 levels of nesting, so the recursion is bounded.
fn bad_image_hash(value: &Value) -> Option<String> {
    match value {
        Value::Object(map) => map.iter().find_map(|(key, value)| match value {
            Value::String(text) if !text.is_ascii() && IMAGE_HASH_KEYS.contains(&key.as_str()) => {
                Some(key.clone())
            }
            _ => bad_image_hash(value),
        }),
        Value::Array(items) => items.iter().find_map(bad_image_hash),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_that_is_not_ascii_in_an_image_hash_is_found_at_any_depth() {
        let value = json!({ "data": { "resolved": { "users": [{ "avatar": "é".repeat(16) }] } } });
        assert_eq!(bad_image_hash(&value).as_deref(), Some("avatar"));
        // The same text elsewhere is a member's words, not a hash.
        let value = json!({ "data": { "options": [{ "value": "é".repeat(16) }] } });
        assert_eq!(bad_image_hash(&value), None);
        let value = json!({ "avatar": "f1eff024d9c85339c877985229ed8fec" });
        assert_eq!(bad_image_hash(&value), None);
    }

    #[test]
    fn an_escaped_character_cannot_slip_past_the_check() {
        // `\u00e9` is é: the body is ASCII, the avatar is not.
        let avatar = "\\u00e9".repeat(16);
        let body = format!(r#"{{"type": 2, "member": {{"user": {{"avatar": "{avatar}"}}}}}}"#);
        assert!(body.is_ascii());
        assert!(matches!(
            parse_interaction(body.as_bytes()),
            Err(ParseError::ImageHash(_))
        ));
    }

    #[test]
    fn a_body_that_is_not_json_is_an_error() {
        assert!(matches!(
            parse_interaction(b"{\"type\": 2,"),
            Err(ParseError::Json(_))
        ));
    }
}
