//! `careerbot demo-insights`: a store of made-up records for trying the
//! moderators' reports (`/stats`, `careerbot stats --png`) without a
//! community. The records are the same on every run: each day of four
//! weeks gets questions on the knowledge's articles (some declined) and
//! ratings, one article rated down more than the rest.

use std::process::ExitCode;

use anyhow::Context as _;

use super::options;
use crate::config::Config;
use crate::engine::Engine;
use crate::insights::report::DAY;
use crate::insights::{Outcome, PassageRef, QuestionRecord, RatingRecord, Record, Store};

/// Days of made-up records, ending now.
const DAYS: i64 = 28;

/// Writes the demo store into the data directory `--data` names (`named`),
/// which must hold no store yet: real records are never mixed with
/// made-up ones.
pub(super) fn demo_insights(config: &Config, named: bool) -> anyhow::Result<ExitCode> {
    if !named {
        anyhow::bail!(
            "give demo-insights a directory of its own with --data DIR (never the bot's data directory)"
        );
    }
    let dir = &config.insights.options.data_dir;
    let file = dir.join(crate::insights::store::FILE);
    if file.exists() {
        anyhow::bail!(
            "{} already holds an insights store; give demo-insights an empty --data directory",
            dir.display()
        );
    }
    let engine = Engine::load(&options(config, false, None), &mut |_, _| {})
        .context("the demo's questions name the knowledge's articles")?;
    let titles: Vec<String> = engine.outline().into_iter().map(|(t, _)| t).collect();
    let records = records(&titles, crate::insights::unix_now());
    let mut store = Store::open(dir)?;
    store.write(&records)?;
    println!(
        "wrote {} made-up records over {DAYS} days to {}",
        records.len(),
        file.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The demo's records over the [`DAYS`] before `now`, on `titles`.
fn records(titles: &[String], now: i64) -> Vec<Record> {
    let mut seed: u64 = 0x5eed;
    let mut next = move |n: u64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 33) % n.max(1)
    };
    let mut out = Vec::new();
    for day in 0..DAYS {
        // Busier on weekdays, and growing.
        let weekday = (now / DAY - day).rem_euclid(7);
        let base = if weekday < 2 { 4 } else { 9 };
        let asked = base + (DAYS - day) as u64 / 4 + next(6);
        for i in 0..asked {
            let at = now - day * DAY - (i as i64 * 977) % DAY;
            let article = &titles[next(titles.len() as u64) as usize];
            let declined = next(6) == 0;
            let passage = (!declined).then(|| PassageRef {
                id: format!("{article}#demo"),
                article: article.clone(),
                section: String::new(),
            });
            let outcome = if declined {
                Outcome::Declined
            } else {
                Outcome::Answered
            };
            out.push(Record::Question(QuestionRecord {
                passage: passage.clone(),
                ..QuestionRecord::new(at, "a made-up question", outcome)
            }));
            // Every third answer is rated; the first article less kindly.
            if passage.is_some() && next(3) == 0 {
                let harsh = titles.first() == Some(article);
                out.push(Record::Rating(RatingRecord {
                    at,
                    guild: None,
                    user: None,
                    vote: format!("demo-{day}-{i}"),
                    question: "a made-up question".to_string(),
                    passage,
                    score: None,
                    up: next(if harsh { 3 } else { 8 }) != 0 && !(harsh && next(2) == 0),
                }));
            }
        }
    }
    out
}
