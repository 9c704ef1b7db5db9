//! The last guard between a log event and stderr: each event is written as
//! exactly one line (a line break or carriage return inside a field, such
//! as a configured path, is written as `\n` or `\r`, so no field can forge
//! a line), and the configured secrets (the bot token, credentials in
//! `discord_api_base`) are written as `[redacted]` wherever a dependency's
//! message carries them (an HTTP error naming its URL, say).

use std::io::Write;
use std::sync::Arc;

/// Secrets shorter than this are not searched for: they would redact
/// ordinary words.
const SHORTEST_SECRET: usize = 8;

/// A `MakeWriter` whose writers guard each event's line.
#[derive(Debug, Clone)]
pub struct LogLines<M> {
    inner: M,
    secrets: Arc<[String]>,
}

impl<M> LogLines<M> {
    /// Guards the lines `inner` makes writers for, redacting `secrets`.
    pub fn new(inner: M, secrets: impl IntoIterator<Item = String>) -> Self {
        let secrets: Vec<String> = secrets
            .into_iter()
            .filter(|s| s.len() >= SHORTEST_SECRET)
            .collect();
        LogLines {
            inner,
            secrets: secrets.into(),
        }
    }
}

impl<'a, M: tracing_subscriber::fmt::MakeWriter<'a>> tracing_subscriber::fmt::MakeWriter<'a>
    for LogLines<M>
{
    type Writer = Guarded<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        Guarded {
            inner: self.inner.make_writer(),
            secrets: Arc::clone(&self.secrets),
        }
    }
}

/// One event's writer: the formatter writes the whole event at once.
pub struct Guarded<W> {
    inner: W,
    secrets: Arc<[String]>,
}

impl<W: Write> Write for Guarded<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.inner.write_all(&guard(buf, &self.secrets))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// `text` with each of `secrets` (of at least 8 bytes) as `[redacted]`.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut text = text.to_string();
    for secret in secrets.iter().filter(|s| s.len() >= SHORTEST_SECRET) {
        if text.contains(secret.as_str()) {
            text = text.replace(secret.as_str(), "[redacted]");
        }
    }
    text
}

/// `text` on one line: its line breaks and carriage returns written `\n`
/// and `\r`.
pub fn one_line(text: &str) -> String {
    text.replace('\n', "\\n").replace('\r', "\\r")
}

/// `event` (one formatted event, ending with its line break) as one line,
/// with `secrets` redacted.
fn guard(event: &[u8], secrets: &[String]) -> Vec<u8> {
    let (body, end) = match event.strip_suffix(b"\n") {
        Some(body) => (body, &b"\n"[..]),
        None => (event, &b""[..]),
    };
    let mut out = redact(&one_line(&String::from_utf8_lossy(body)), secrets).into_bytes();
    out.extend_from_slice(end);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_break_in_a_field_cannot_forge_a_line() {
        let event = b"INFO loaded path=/srv/kb\nERROR forged line\r\n";
        assert_eq!(
            guard(event, &[]),
            b"INFO loaded path=/srv/kb\\nERROR forged line\\r\n".to_vec()
        );
    }

    #[test]
    fn secrets_are_redacted_and_short_ones_ignored() {
        let lines = LogLines::new(
            std::io::sink,
            ["user:hunter22".to_string(), "t".to_string()],
        );
        assert_eq!(lines.secrets.len(), 1);
        let out = guard(
            b"WARN error sending request for url (http://user:hunter22@proxy/api)\n",
            &lines.secrets,
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "WARN error sending request for url (http://[redacted]@proxy/api)\n"
        );
    }
}
