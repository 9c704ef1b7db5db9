//! The moderators' reports on the command line, and pruning the store.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context as _;

use super::{emit, options, report_text};
use crate::config::Config;
use crate::engine::Engine;

/// Opens the insights store the config names, for the moderators'
/// commands; `None` (and a note on stderr) when there is none yet: a fresh
/// install has recorded nothing, which is not an error.
fn insights_store(config: &Config) -> anyhow::Result<Option<crate::insights::Store>> {
    let dir = &config.insights.options.data_dir;
    let path = dir.join(crate::insights::store::FILE);
    if !path.is_file() {
        eprintln!(
            "no records yet: there is no insights store at {} (the bot has recorded nothing, or data_dir points elsewhere)",
            path.display()
        );
        return Ok(None);
    }
    Ok(Some(crate::insights::Store::open(dir)?))
}

pub(super) fn gaps(
    config: &Config,
    days: u32,
    guild: Option<u64>,
    limit: usize,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let now = crate::insights::unix_now();
    let Some(store) = insights_store(config)? else {
        let since = crate::insights::report::since(now, days);
        let report = crate::insights::report::group_gaps(days, since, &[], &[]);
        return print_report(json, &report, &report_text::gaps_text(&report, limit));
    };
    // The current knowledge names the closest passage of questions never
    // answered; without it the report still lists the questions.
    let engine = match Engine::load(&options(config, false, None), &mut |_, _| {}) {
        Ok(engine) => Some(engine),
        Err(e) => {
            eprintln!("warning: without closest passages: cannot load the knowledge base: {e}");
            None
        }
    };
    let mut report = crate::insights::report::gaps(&store, now, days, guild)?;
    if let Some(engine) = &engine {
        // Text shows `limit` groups; JSON has all of them.
        let shown = if json { report.groups.len() } else { limit };
        report.find_closest(0..shown, engine);
        report.mark_answered(0..shown, engine);
    }
    print_report(json, &report, &report_text::gaps_text(&report, limit))
}

/// Prints `report` as JSON, or as `text`.
fn print_report(
    json: bool,
    report: &impl serde::Serialize,
    text: &str,
) -> anyhow::Result<ExitCode> {
    if json {
        emit(&format!("{}\n", serde_json::to_string_pretty(report)?))?;
    } else {
        emit(text)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `careerbot stats`: as text, as JSON (`how.0`), or the articles' table
/// (`how.1`).
pub(super) fn stats(
    config: &Config,
    days: u32,
    guild: Option<u64>,
    (json, articles): (bool, bool),
    png: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    let now = crate::insights::unix_now();
    let mut report = match insights_store(config)? {
        Some(store) => crate::insights::report::stats(&store, now, days, guild)?,
        None => {
            let since = crate::insights::report::since(now, days);
            crate::insights::report::summarize(days, since, now, &[], &[], &[])
        }
    };
    // The current knowledge names the articles never used.
    match Engine::load(&options(config, false, None), &mut |_, _| {}) {
        Ok(engine) => {
            let titles = engine.outline().into_iter().map(|(title, _)| title);
            let titles: Vec<String> = titles.collect();
            report
                .quality
                .with_knowledge(titles.iter().map(String::as_str));
        }
        Err(e) => {
            eprintln!(
                "warning: without the articles never used: cannot load the knowledge base: {e}"
            );
        }
    }
    if let Some(path) = png {
        let chart = crate::insights::chart::png(&report)?;
        std::fs::write(path, chart)
            .with_context(|| format!("cannot write the chart to {}", path.display()))?;
        eprintln!("wrote the chart to {}", path.display());
    }
    if articles {
        emit(&report_text::articles_table(&report))?;
        return Ok(ExitCode::SUCCESS);
    }
    print_report(json, &report, &report_text::stats_text(&report))
}

pub(super) fn export(config: &Config) -> anyhow::Result<ExitCode> {
    let Some(store) = insights_store(config)? else {
        return Ok(ExitCode::SUCCESS);
    };
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
    let Some(mut store) = insights_store(config)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let pruned = store.prune(crate::insights::unix_now(), config.insights.options.max_age)?;
    println!(
        "deleted {} question(s), {} rating(s), {} reload(s) and {} solution(s) to save older than {} day(s)",
        pruned.questions,
        pruned.ratings,
        pruned.reloads,
        pruned.solutions,
        config.insights.options.max_age.as_secs() / 86_400
    );
    Ok(ExitCode::SUCCESS)
}

/// `careerbot digest`: this week's digest, as text or JSON (`json`), or
/// posted in `digest_channel` (`post`).
pub(super) fn digest(
    config: &Config,
    guild: Option<u64>,
    json: bool,
    post: bool,
) -> anyhow::Result<ExitCode> {
    let now = crate::insights::unix_now();
    let schedule = config.serving.digest.map_or(
        crate::insights::digest::Schedule {
            weekday: 0,
            hour: 9,
        },
        |d| d.schedule,
    );
    let week = schedule.week_of(now);
    let Some(store) = insights_store(config)? else {
        if post {
            return Ok(ExitCode::SUCCESS);
        }
        // Nothing recorded yet: an empty digest, as gaps and stats show.
        let digest = crate::insights::digest::Digest::empty(week);
        return print_report(json, &digest, &report_text::digest_text(&digest));
    };
    if post {
        return super::servers::post_digest(config, &store, week);
    }
    let digest = crate::insights::digest::digest(&store, week, guild)?;
    print_report(json, &digest, &report_text::digest_text(&digest))
}
