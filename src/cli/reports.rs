//! The moderators' reports on the command line, and pruning the store.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context as _;

use super::{emit, options};
use crate::config::Config;
use crate::engine::Engine;

/// Opens the insights store the config names, for the moderators' commands.
fn insights_store(config: &Config) -> anyhow::Result<crate::insights::Store> {
    let path = config
        .insights
        .options
        .data_dir
        .join(crate::insights::store::FILE);
    if !path.is_file() {
        anyhow::bail!(
            "no insights store at {}: the bot has recorded nothing yet, or data_dir points elsewhere",
            path.display()
        );
    }
    Ok(crate::insights::Store::open(
        &config.insights.options.data_dir,
    )?)
}

pub(super) fn gaps(
    config: &Config,
    days: u32,
    guild: Option<u64>,
    limit: usize,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let store = insights_store(config)?;
    // The current knowledge names the closest passage of questions never
    // answered; without it the report still lists the questions.
    let engine = match Engine::load(&options(config, false), &mut |_, _| {}) {
        Ok(engine) => Some(engine),
        Err(e) => {
            eprintln!("warning: without closest passages: cannot load the knowledge base: {e}");
            None
        }
    };
    let mut report =
        crate::insights::report::gaps(&store, crate::insights::unix_now(), days, guild)?;
    if let Some(engine) = &engine {
        // Text shows `limit` groups; JSON has all of them.
        let shown = if json { report.groups.len() } else { limit };
        report.find_closest(0..shown, engine);
    }
    if json {
        emit(&format!("{}\n", serde_json::to_string_pretty(&report)?))?;
    } else {
        emit(&report.to_text(limit))?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn stats(
    config: &Config,
    days: u32,
    guild: Option<u64>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let store = insights_store(config)?;
    let report = crate::insights::report::stats(&store, crate::insights::unix_now(), days, guild)?;
    if json {
        emit(&format!("{}\n", serde_json::to_string_pretty(&report)?))?;
    } else {
        emit(&report.to_text())?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn export(config: &Config) -> anyhow::Result<ExitCode> {
    let store = insights_store(config)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for record in store.export()? {
        serde_json::to_writer(&mut out, &record).context("cannot write to stdout")?;
        out.write_all(b"\n").context("cannot write to stdout")?;
    }
    out.flush().context("cannot write to stdout")?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn prune(config: &Config) -> anyhow::Result<ExitCode> {
    let mut store = insights_store(config)?;
    let pruned = store.prune(crate::insights::unix_now(), config.insights.options.max_age)?;
    println!(
        "deleted {} question(s), {} rating(s) and {} reload(s) older than {} day(s)",
        pruned.questions,
        pruned.ratings,
        pruned.reloads,
        config.insights.options.max_age.as_secs() / 86_400
    );
    Ok(ExitCode::SUCCESS)
}
