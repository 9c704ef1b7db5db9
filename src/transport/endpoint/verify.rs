//! The checks a request passes before it is dispatched: the public key,
//! the signature headers and their timestamp window (before the body is
//! read), the Ed25519 signature over timestamp + body, and the replay
//! guard on the parsed interaction.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ed25519_dalek::{Signature, VerifyingKey};
use serenity::model::application::Interaction;

use crate::config::Secret;
use crate::discord::parse::parse_interaction;

use super::Endpoint;

/// The signature header: hex Ed25519 signature of timestamp + body.
pub const SIGNATURE: &str = "x-signature-ed25519";
/// The timestamp header: Unix seconds, as Discord sends it.
pub const TIMESTAMP: &str = "x-signature-timestamp";
/// Why the public key cannot be used. Never shows the key itself: a
/// token pasted into the wrong variable must not reach a log.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    /// No key configured.
    #[error("DISCORD_PUBLIC_KEY (or CAREERBOT_PUBLIC_KEY, or public_key in the config) is not set; copy the application's public key from the Discord developer portal (General Information)")]
    Missing,
    /// Not 64 hex characters.
    #[error("the public key (DISCORD_PUBLIC_KEY, CAREERBOT_PUBLIC_KEY or public_key) is not a valid Ed25519 public key: expected 64 hex characters, found {0} character(s)")]
    Length(usize),
    /// Not hex.
    #[error("the public key (DISCORD_PUBLIC_KEY, CAREERBOT_PUBLIC_KEY or public_key) is not a valid Ed25519 public key: it is not hexadecimal")]
    NotHex,
    /// 32 bytes, but not a point on the curve.
    #[error(
        "the public key (DISCORD_PUBLIC_KEY, CAREERBOT_PUBLIC_KEY or public_key) is not a valid Ed25519 public key: the bytes are not a curve point"
    )]
    NotAKey,
}

/// Parses the hex public key from the developer portal, without panicking
/// (serenity's `Verifier::new` panics on a bad key).
///
/// # Errors
/// When the key is missing, is not 64 hex characters, or is not a key.
pub fn parse_public_key(hex_key: Option<&Secret>) -> Result<VerifyingKey, KeyError> {
    let text = hex_key.map(|k| k.expose().trim()).unwrap_or("");
    if text.is_empty() {
        return Err(KeyError::Missing);
    }
    let chars = text.chars().count();
    if chars != 64 {
        return Err(KeyError::Length(chars));
    }
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(text, &mut bytes).map_err(|_| KeyError::NotHex)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::NotAKey)
}

/// Why a request was refused before dispatch. The response says only
/// which check failed, never the parser's details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// A signature header is missing.
    MissingSignature,
    /// A signature header is not what Discord sends.
    MalformedSignature,
    /// The timestamp is outside the allowed window.
    Stale,
    /// The signature does not verify.
    BadSignature,
    /// The body is over the size limit.
    TooLarge,
    /// The client did not send its body in time.
    Timeout,
    /// The body could not be read.
    Unreadable,
    /// The body is not an interaction (bad JSON or an unknown type).
    Malformed,
    /// A signed interaction already handled (a replay).
    Replay,
    /// careerbot failed to produce a response (its own fault).
    Internal,
}

impl Rejection {
    /// The HTTP status for it.
    pub fn status(self) -> StatusCode {
        match self {
            Rejection::MissingSignature
            | Rejection::MalformedSignature
            | Rejection::Stale
            | Rejection::BadSignature
            | Rejection::Replay => StatusCode::UNAUTHORIZED,
            Rejection::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Rejection::Timeout => StatusCode::REQUEST_TIMEOUT,
            Rejection::Unreadable | Rejection::Malformed => StatusCode::BAD_REQUEST,
            Rejection::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A short label (metrics and logs).
    pub fn reason(self) -> &'static str {
        match self {
            Rejection::MissingSignature => "missing_signature",
            Rejection::MalformedSignature => "malformed_signature",
            Rejection::Stale => "stale_timestamp",
            Rejection::BadSignature => "bad_signature",
            Rejection::TooLarge => "too_large",
            Rejection::Timeout => "timeout",
            Rejection::Unreadable => "unreadable",
            Rejection::Malformed => "malformed",
            Rejection::Replay => "replay",
            Rejection::Internal => "internal",
        }
    }

    fn message(self) -> &'static str {
        match self {
            Rejection::MissingSignature
            | Rejection::MalformedSignature
            | Rejection::Stale
            | Rejection::BadSignature
            | Rejection::Replay => "invalid request signature\n",
            Rejection::TooLarge => "request body too large\n",
            Rejection::Timeout => "request body not received in time\n",
            Rejection::Unreadable => "request body could not be read\n",
            Rejection::Malformed => "not a Discord interaction\n",
            Rejection::Internal => "internal error\n",
        }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        (
            self.status(),
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            self.message(),
        )
            .into_response()
    }
}

/// The signature headers of a request, checked for form and freshness.
#[derive(Debug, Clone)]
pub struct SignedHeaders {
    timestamp: String,
    signature: Signature,
}

impl Endpoint {
    /// Checks that both signature headers are present and well formed, and
    /// that the timestamp is within the window of `now`. Runs before the
    /// body is read.
    ///
    /// # Errors
    /// A missing, malformed or stale header.
    pub fn signature(
        &self,
        headers: &HeaderMap,
        now: SystemTime,
    ) -> Result<SignedHeaders, Rejection> {
        let (Some(signature), Some(timestamp)) = (headers.get(SIGNATURE), headers.get(TIMESTAMP))
        else {
            return Err(Rejection::MissingSignature);
        };
        let mut bytes = [0u8; 64];
        hex::decode_to_slice(signature.as_bytes(), &mut bytes)
            .map_err(|_| Rejection::MalformedSignature)?;
        let timestamp = timestamp
            .to_str()
            .ok()
            .filter(|t| !t.is_empty() && t.len() <= 20 && t.bytes().all(|b| b.is_ascii_digit()))
            .ok_or(Rejection::MalformedSignature)?;
        let sent: u64 = timestamp
            .parse()
            .map_err(|_| Rejection::MalformedSignature)?;
        let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        if now.abs_diff(sent) > self.limits.signature_window.as_secs() {
            return Err(Rejection::Stale);
        }
        Ok(SignedHeaders {
            timestamp: timestamp.to_string(),
            signature: Signature::from_bytes(&bytes),
        })
    }

    /// Checks the Ed25519 signature over timestamp + body.
    ///
    /// # Errors
    /// A signature that does not verify.
    pub fn verify(&self, signed: &SignedHeaders, body: &[u8]) -> Result<(), Rejection> {
        let mut message = Vec::with_capacity(signed.timestamp.len() + body.len());
        message.extend_from_slice(signed.timestamp.as_bytes());
        message.extend_from_slice(body);
        self.key
            .verify_strict(&message, &signed.signature)
            .map_err(|_| Rejection::BadSignature)
    }

    /// Parses a verified body and refuses an interaction already handled.
    pub(super) fn accept(&self, body: &[u8]) -> Result<Interaction, Rejection> {
        let interaction = parse_interaction(body).map_err(|e| {
            tracing::debug!(error = %e, "signed body is not an interaction");
            Rejection::Malformed
        })?;
        if !self.replays.first(interaction.id().get(), Instant::now()) {
            return Err(Rejection::Replay);
        }
        Ok(interaction)
    }
}
