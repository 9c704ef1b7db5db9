//! Transports: the only layer (with `cli`) that touches sockets, tasks and
//! signals. Each one feeds interactions to [`crate::discord::dispatch`] and
//! delivers its responses.

pub mod gateway;
pub mod watch;

use serenity::http::{Http, HttpBuilder};

use crate::config::{Config, Secret};

/// An HTTP client for Discord's API, or for the Discord-compatible base the
/// config names (a rate-limiting proxy, or a test stand-in).
pub fn http(config: &Config, token: &Secret) -> Http {
    let mut builder = HttpBuilder::new(token.expose());
    if let Some(base) = &config.discord_api_base {
        // serenity ignores the proxy unless its own rate limiter is off.
        builder = builder
            .proxy(base.trim_end_matches('/'))
            .ratelimiter_disabled(true);
    }
    builder.build()
}
