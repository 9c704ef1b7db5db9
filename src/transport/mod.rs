//! Transports: the only layer (with `cli`) that touches sockets, tasks and
//! signals. Each one feeds interactions to [`crate::discord::dispatch`] and
//! delivers its responses.

pub mod gateway;
pub mod watch;

use anyhow::Context as _;
use serenity::http::{Http, HttpBuilder};
use serenity::model::application::Command;
use serenity::model::id::GuildId;

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

/// Registers careerbot's commands in `guild` (instant) or globally, replacing
/// whatever was registered before. Returns how many were registered.
///
/// # Errors
/// When Discord cannot be reached, refuses the token, or refuses the commands.
pub async fn register(http: &Http, guild: Option<GuildId>) -> anyhow::Result<usize> {
    let app = http
        .get_current_application_info()
        .await
        .context("cannot reach Discord, or it refused the token (is DISCORD_TOKEN a bot token?)")?;
    http.set_application_id(app.id);
    let commands = crate::discord::commands::definitions();
    let count = commands.len();
    match guild {
        Some(g) => g.set_commands(http, commands).await.map(|_| ()),
        None => Command::set_global_commands(http, commands)
            .await
            .map(|_| ()),
    }
    .context("Discord refused the commands")?;
    Ok(count)
}
