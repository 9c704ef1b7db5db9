//! Posting the weekly digest: `serve` checks the schedule at start and
//! then at each week's start (and hourly, so a changed clock is caught),
//! claims the week in the insights store so that no restart or replica
//! posts it twice, and posts it in `digest_channel` with its chart, pinging
//! nobody. `careerbot digest --post` posts it through the same path.

use std::sync::Arc;
use std::time::Duration;

use serenity::builder::{CreateAttachment, CreateMessage};
use serenity::http::Http;
use serenity::model::channel::Channel;

use crate::config::Digest as DigestConfig;
use crate::discord::render::no_pings;
use crate::discord::reports::digest_embed;
use crate::insights::digest::{digest, Digest};
use crate::insights::{chart, unix_now, Recorder};

/// The longest wait between two looks at the schedule.
const LOOK_EVERY: Duration = Duration::from_secs(3_600);

/// What one look at the schedule did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    /// This week's digest was posted now.
    Now,
    /// It was posted before (by this process, an earlier one, or another
    /// replica).
    Already,
}

/// Looks at the schedule now and then, posting each week's digest once,
/// until the task is dropped.
pub async fn run(http: Arc<Http>, insights: Arc<Recorder>, config: DigestConfig) {
    loop {
        match post_due(&http, &insights, config, unix_now()).await {
            Ok(Posted::Now) => tracing::info!(channel = %config.channel, "weekly digest posted"),
            Ok(Posted::Already) => {}
            Err(e) => {
                tracing::warn!(error = %e, "the weekly digest was not posted; trying again within the hour")
            }
        }
        let next = config.schedule.until_next(unix_now()).clamp(1, 3_600);
        let wait = Duration::from_secs(u64::try_from(next).unwrap_or(1)).min(LOOK_EVERY);
        tokio::time::sleep(wait).await;
    }
}

/// Posts this week's digest at `now` if it is due and no process claimed
/// it; a post that fails gives the claim back.
///
/// # Errors
/// When the store cannot be read, or Discord refuses the post.
pub async fn post_due(
    http: &Http,
    insights: &Recorder,
    config: DigestConfig,
    now: i64,
) -> anyhow::Result<Posted> {
    let claimed = super::service::off_the_runtime(|| {
        insights.read(|store| {
            let Some(week) = config.schedule.due(now, store.last_digest()?) else {
                return Ok(None);
            };
            Ok(store.claim_digest(week, now)?.then_some(week))
        })
    })?;
    let Some(week) = claimed else {
        return Ok(Posted::Already);
    };
    let posted = post(http, insights, config, now, week).await;
    if posted.is_err() {
        let released =
            super::service::off_the_runtime(|| insights.read(|store| store.release_digest(week)));
        if let Err(e) = released {
            tracing::warn!(error = %e, "the week's digest could not be given back; it will not be posted");
        }
    }
    posted.map(|()| Posted::Now)
}

/// Builds the digest of the week starting `week` for the channel's server
/// and posts it there with its chart.
async fn post(
    http: &Http,
    insights: &Recorder,
    config: DigestConfig,
    now: i64,
    week: i64,
) -> anyhow::Result<()> {
    // The channel's server, so the digest covers that community alone.
    let guild = match http.get_channel(config.channel).await {
        Ok(Channel::Guild(channel)) => Some(channel.guild_id.get()),
        Ok(_) => None,
        Err(e) => anyhow::bail!("cannot read the digest channel {}: {e}", config.channel),
    };
    let digest: Digest =
        super::service::off_the_runtime(|| insights.read(|store| digest(store, now, week, guild)))?;
    config
        .channel
        .send_message(http, message(&digest))
        .await
        .map_err(|e| anyhow::anyhow!("Discord refused the digest: {e}"))?;
    Ok(())
}

/// The digest's message: its embed, with the week's chart when it can be
/// drawn, pinging nobody.
pub fn message(digest: &Digest) -> CreateMessage {
    let embed = digest_embed(digest);
    let message = CreateMessage::new().allowed_mentions(no_pings());
    match chart::png(&digest.stats) {
        Ok(png) => message
            .embed(embed.image(format!("attachment://{}", chart::FILE)))
            .add_file(CreateAttachment::bytes(png, chart::FILE)),
        Err(e) => {
            tracing::warn!(error = %e, "the digest goes without its chart");
            message.embed(embed)
        }
    }
}
