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
use serenity::model::id::ChannelId;

use crate::config::Digest as DigestConfig;
use crate::discord::render::no_pings;
use crate::discord::reports::digest_embed;
use crate::insights::digest::{digest, Digest};
use crate::insights::{chart, unix_now, Recorder};

use super::service::off_the_runtime;

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

/// How long posting a digest may take before it counts as failed.
const POST_WITHIN: Duration = Duration::from_secs(60);

/// Posts this week's digest at `now` if it is due and no process claimed
/// it; a post that fails (or takes over a minute) gives the claim back.
/// A process that dies between its claim and its post loses that week's
/// digest: careerbot would rather miss a week than post one twice.
///
/// # Errors
/// When the store cannot be read, or Discord refuses the post.
pub async fn post_due(
    http: &Http,
    insights: &Recorder,
    config: DigestConfig,
    now: i64,
) -> anyhow::Result<Posted> {
    let claimed = off_the_runtime(|| {
        insights.read(|store| {
            let posted = store.digest_posted(config.schedule.week_of(now))?;
            let Some(week) = config.schedule.due(now, |_| posted) else {
                return Ok(None);
            };
            Ok(store.claim_digest(week, now)?.then_some(week))
        })
    })?;
    let Some(week) = claimed else {
        return Ok(Posted::Already);
    };
    let posted = match tokio::time::timeout(POST_WITHIN, post(http, insights, config, week)).await {
        Ok(posted) => posted,
        Err(_) => Err(anyhow::anyhow!("posting the digest took over a minute")),
    };
    if posted.is_err() {
        let released = off_the_runtime(|| insights.read(|store| store.release_digest(week)));
        if let Err(e) = released {
            tracing::warn!(error = %e, "the week's digest could not be given back; it will not be posted");
        }
    }
    posted.map(|()| Posted::Now)
}

/// The server of the digest's `channel`: the digest covers that community
/// alone.
///
/// # Errors
/// When the channel cannot be read, or is not a server's.
pub async fn guild_of(http: &Http, channel: ChannelId) -> anyhow::Result<u64> {
    match http.get_channel(channel).await {
        Ok(Channel::Guild(channel)) => Ok(channel.guild_id.get()),
        Ok(_) => anyhow::bail!("the digest channel {channel} is not a server's channel"),
        Err(e) => anyhow::bail!("cannot read the digest channel {channel}: {e}"),
    }
}

/// Builds the digest of the week starting `week` for the channel's server
/// and posts it there with its chart.
async fn post(
    http: &Http,
    insights: &Recorder,
    config: DigestConfig,
    week: i64,
) -> anyhow::Result<()> {
    let guild = guild_of(http, config.channel).await?;
    let (digest, with_chart) = off_the_runtime(|| {
        let digest = insights.read(|store| digest(store, week, Some(guild)))?;
        let message = message(&digest, true);
        Ok::<_, anyhow::Error>((digest, message))
    })?;
    send(http, config.channel, with_chart, || message(&digest, false)).await
}

/// Sends `message` in `channel`; when Discord refuses it for want of a
/// permission (Attach Files, most likely), sends the one `plain` makes
/// instead, once.
///
/// # Errors
/// When Discord refuses.
pub async fn send(
    http: &Http,
    channel: ChannelId,
    message: CreateMessage,
    plain: impl FnOnce() -> CreateMessage,
) -> anyhow::Result<()> {
    match channel.send_message(http, message).await {
        Ok(_) => Ok(()),
        Err(e) if forbidden(&e) => {
            tracing::warn!(error = %e, "the digest goes without its chart (can careerbot attach files there?)");
            channel
                .send_message(http, plain())
                .await
                .map(|_| ())
                .map_err(|e| anyhow::anyhow!("Discord refused the digest in {channel}: {e}"))
        }
        Err(e) => anyhow::bail!("Discord refused the digest in {channel}: {e}"),
    }
}

/// Whether Discord refused for want of a permission (HTTP 403).
fn forbidden(error: &serenity::Error) -> bool {
    matches!(
        error,
        serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(r))
            if r.status_code.as_u16() == 403
    )
}

/// The digest's message: its embed, with the week's chart when `chart` and
/// it can be drawn, pinging nobody.
pub fn message(digest: &Digest, chart: bool) -> CreateMessage {
    let embed = digest_embed(digest);
    let message = CreateMessage::new().allowed_mentions(no_pings());
    if !chart {
        return message.embed(embed);
    }
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
