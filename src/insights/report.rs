//! Reports on the insights store: knowledge gaps (what went unanswered or
//! was rated down, similar questions grouped) and usage statistics. Pure
//! over records: the same reports feed `/gaps`, `/stats`, `careerbot gaps`
//! and `careerbot stats`.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use super::quality::{quality, Quality};
use super::store::{
    Outcome, PassageRef, QuestionRecord, RatingRecord, ReloadRecord, SolutionRecord, Store,
};
use super::StoreError;
use crate::engine::Engine;
use crate::text::analysis::stems;
use crate::text::vocabulary::vocabulary;

/// Seconds in a day.
pub const DAY: i64 = 86_400;
/// Questions sharing at least this share of their content words (Jaccard)
/// with a group's first question join that group.
const SIMILAR: f64 = 0.5;
/// Distinct questions grouped at most (the most frequent first), so a
/// flood of one-off texts cannot make a report slow.
const MAX_DISTINCT: usize = 5_000;
/// Variants of a group's question kept in the report.
const VARIANTS: usize = 5;
/// Rows in each "most used" list.
const TOP: usize = 10;
/// Solutions to save a report lists at most.
pub const SOLUTIONS: usize = 100;

/// A group of similar questions the knowledge base served badly.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapGroup {
    /// Records in the group: declined + low confidence + rated down.
    pub count: usize,
    /// Declined as out of scope.
    pub declined: usize,
    /// Answered with low confidence.
    pub low_confidence: usize,
    /// 👎 ratings.
    pub rated_down: usize,
    /// The group's most frequent wording.
    pub example: String,
    /// Other wordings, most frequent first.
    pub variants: Vec<String>,
    /// The passage nearest to the question, if any: the one most often
    /// shown for it, or else the current knowledge's best match.
    pub closest: Option<PassageRef>,
    /// The heading of a moderators' answer (`community-answers.toml`)
    /// whose question is one of the group's, once one was written.
    pub answered: Option<String>,
}

/// `/gaps`: what the knowledge base does not answer well.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gaps {
    /// The period, in days.
    pub days: u32,
    /// The period's start (Unix seconds).
    pub since: i64,
    /// Records considered (declined, low-confidence and rated-down).
    pub records: usize,
    /// Groups, largest first.
    pub groups: Vec<GapGroup>,
    /// Help-forum solutions marked in the period and not yet saved as
    /// answers, latest first (at most [`SOLUTIONS`]).
    pub solutions: Vec<SolutionRecord>,
}

/// One day's questions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Day {
    /// The date, `YYYY-MM-DD` (UTC).
    pub date: String,
    /// Questions asked.
    pub questions: usize,
    /// Of those, answered (with any confidence).
    pub answered: usize,
    /// 👍 cast that day.
    pub up: usize,
    /// 👎 cast that day.
    pub down: usize,
}

/// How often something was the best passage of an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// The article.
    pub article: String,
    /// The section (empty for an article's total).
    pub section: String,
    /// Answers led by it.
    pub count: usize,
}

/// Ratings of one article's passages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArticleRatings {
    /// The article.
    pub article: String,
    /// 👍.
    pub up: usize,
    /// 👎.
    pub down: usize,
}

/// Reloads in the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reloads {
    /// That succeeded.
    pub ok: usize,
    /// That failed (the previous knowledge stayed).
    pub failed: usize,
    /// The latest, newest first (up to five).
    pub latest: Vec<ReloadRecord>,
}

/// `/stats`: how the bot is used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    /// The period, in days.
    pub days: u32,
    /// The period's start (Unix seconds).
    pub since: i64,
    /// Questions asked.
    pub questions: usize,
    /// Answered with confidence.
    pub answered: usize,
    /// Answered with low confidence.
    pub low_confidence: usize,
    /// Declined as out of scope.
    pub declined: usize,
    /// Share answered (any confidence) of the questions with text, 0 to 1.
    pub answered_rate: f64,
    /// Questions per day, oldest first (days without questions included).
    pub per_day: Vec<Day>,
    /// Articles that led answers most, by count.
    pub articles: Vec<Usage>,
    /// Sections that led answers most, by count.
    pub sections: Vec<Usage>,
    /// 👍/👎 per article, most rated first.
    pub ratings: Vec<ArticleRatings>,
    /// Reloads and their results.
    pub reloads: Reloads,
    /// Each article's use and ratings, and the articles never used or
    /// rated worse than the rest.
    pub quality: Quality,
}

/// The start of a period of `days` days ending at `now`.
pub fn since(now: i64, days: u32) -> i64 {
    now.saturating_sub(i64::from(days).saturating_mul(DAY))
}

/// The knowledge gaps of the last `days` days in `guild` (`None`: every
/// server and direct messages). Groups whose questions were never answered
/// have no closest passage yet: see [`Gaps::find_closest`].
///
/// # Errors
/// When the store cannot be read.
pub fn gaps(store: &Store, now: i64, days: u32, guild: Option<u64>) -> Result<Gaps, StoreError> {
    let since = since(now, days);
    let questions = store.questions_in(since, guild)?;
    let ratings = store.ratings_in(since, guild)?;
    let mut gaps = group_gaps(days, since, &questions, &ratings);
    gaps.solutions = store.solutions_in(since, guild, Some(SOLUTIONS))?;
    Ok(gaps)
}

/// One distinct wording and what happened to it.
#[derive(Default)]
struct Wording {
    text: String,
    declined: usize,
    low_confidence: usize,
    rated_down: usize,
    passages: HashMap<String, (usize, PassageRef)>,
}

impl Wording {
    fn count(&self) -> usize {
        self.declined + self.low_confidence + self.rated_down
    }
}

/// Groups the bad records by wording, then similar wordings together.
pub fn group_gaps(
    days: u32,
    since: i64,
    questions: &[QuestionRecord],
    ratings: &[RatingRecord],
) -> Gaps {
    let (distinct, records) = wordings(questions, ratings);
    let mut out: Vec<GapGroup> = similar(distinct).into_iter().map(gap_group).collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.example.cmp(&b.example))
    });
    Gaps {
        days,
        since,
        records,
        groups: out,
        solutions: Vec::new(),
    }
}

/// The distinct wordings of the bad records, most frequent first (at most
/// [`MAX_DISTINCT`]), and how many records there were.
fn wordings(questions: &[QuestionRecord], ratings: &[RatingRecord]) -> (Vec<Wording>, usize) {
    let mut wordings: HashMap<String, Wording> = HashMap::new();
    let mut records = 0;
    let mut note = |text: &str, passage: Option<&PassageRef>, add: &dyn Fn(&mut Wording)| {
        let key = normalize(text);
        if key.is_empty() {
            return;
        }
        records += 1;
        let w = wordings.entry(key).or_default();
        if w.text.is_empty() {
            w.text = text.trim().to_string();
        }
        add(w);
        if let Some(p) = passage {
            w.passages
                .entry(p.id.clone())
                .or_insert_with(|| (0, p.clone()))
                .0 += 1;
        }
    };
    for q in questions {
        match q.outcome {
            Outcome::Declined => note(&q.question, None, &|w| w.declined += 1),
            Outcome::LowConfidence => {
                note(&q.question, q.passage.as_ref(), &|w| w.low_confidence += 1);
            }
            Outcome::Answered | Outcome::Empty => {}
        }
    }
    for r in ratings.iter().filter(|r| !r.up) {
        note(&r.question, r.passage.as_ref(), &|w| w.rated_down += 1);
    }
    let mut distinct: Vec<Wording> = wordings.into_values().collect();
    distinct.sort_by(|a, b| b.count().cmp(&a.count()).then_with(|| a.text.cmp(&b.text)));
    distinct.truncate(MAX_DISTINCT);
    (distinct, records)
}

/// Wordings in groups of similar content words: each joins the group whose
/// first wording it shares the most with, if enough.
fn similar(distinct: Vec<Wording>) -> Vec<Vec<Wording>> {
    let ignored = ignored();
    let content = |text: &str| content_words(text, &ignored);
    // Each group: its first wording's content words, and its members.
    let mut groups: Vec<(Vec<String>, Vec<Wording>)> = Vec::new();
    for wording in distinct {
        let words = content(&wording.text);
        let best = groups
            .iter()
            .enumerate()
            .filter(|(_, (g, _))| !words.is_empty() && !g.is_empty())
            .map(|(i, (g, _))| (i, jaccard(&words, g)))
            .filter(|(_, s)| *s >= SIMILAR)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((i, _)) => groups[i].1.push(wording),
            None => groups.push((words, vec![wording])),
        }
    }
    groups.into_iter().map(|(_, members)| members).collect()
}

/// The stems that say nothing of a question's content.
fn ignored() -> HashSet<String> {
    vocabulary()
        .stopwords
        .iter()
        .flat_map(|w| stems(w))
        .collect()
}

/// A text's content stems, sorted and distinct.
fn content_words(text: &str, ignored: &HashSet<String>) -> Vec<String> {
    let mut s: Vec<String> = stems(text)
        .into_iter()
        .filter(|s| !ignored.contains(s))
        .collect();
    s.sort_unstable();
    s.dedup();
    s
}

/// One group's counts, example, variants and most often shown passage.
fn gap_group(members: Vec<Wording>) -> GapGroup {
    let mut passages: HashMap<String, (usize, PassageRef)> = HashMap::new();
    for m in &members {
        for (id, (n, p)) in &m.passages {
            passages
                .entry(id.clone())
                .or_insert_with(|| (0, p.clone()))
                .0 += n;
        }
    }
    let example = members[0].text.clone();
    let closest = passages
        .into_values()
        .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.id.cmp(&a.1.id)))
        .map(|(_, p)| p);
    GapGroup {
        count: members.iter().map(Wording::count).sum(),
        declined: members.iter().map(|m| m.declined).sum(),
        low_confidence: members.iter().map(|m| m.low_confidence).sum(),
        rated_down: members.iter().map(|m| m.rated_down).sum(),
        variants: members
            .iter()
            .skip(1)
            .take(VARIANTS)
            .map(|m| m.text.clone())
            .collect(),
        example,
        closest,
        answered: None,
    }
}

/// Lower case, single spaces, no surrounding punctuation: "Salary?? " and
/// "salary" are one wording.
fn normalize(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}

fn jaccard(a: &[String], b: &[String]) -> f64 {
    let both = a.iter().filter(|x| b.binary_search(x).is_ok()).count();
    let union = a.len() + b.len() - both;
    if union == 0 {
        0.0
    } else {
        both as f64 / union as f64
    }
}

/// Usage statistics of the last `days` days in `guild` (`None`: every
/// server and direct messages).
///
/// # Errors
/// When the store cannot be read.
pub fn stats(store: &Store, now: i64, days: u32, guild: Option<u64>) -> Result<Stats, StoreError> {
    let since = since(now, days);
    let questions = store.questions_in(since, guild)?;
    let ratings = store.ratings_in(since, guild)?;
    // Reloads concern the whole bot, not one server.
    let reloads = store.reloads_since(since)?;
    Ok(summarize(days, since, now, &questions, &ratings, &reloads))
}

/// Counts the records of one period.
pub fn summarize(
    days: u32,
    since: i64,
    now: i64,
    questions: &[QuestionRecord],
    ratings: &[RatingRecord],
    reloads: &[ReloadRecord],
) -> Stats {
    let count = |o: Outcome| questions.iter().filter(|q| q.outcome == o).count();
    let (answered, low_confidence, declined) = (
        count(Outcome::Answered),
        count(Outcome::LowConfidence),
        count(Outcome::Declined),
    );
    let with_text = answered + low_confidence + declined;
    let answered_rate = if with_text == 0 {
        0.0
    } else {
        (answered + low_confidence) as f64 / with_text as f64
    };
    let (articles, sections) = usage(questions);
    Stats {
        days,
        since,
        questions: questions.len(),
        answered,
        low_confidence,
        declined,
        answered_rate,
        per_day: per_day(since, now, questions, ratings),
        articles,
        sections,
        ratings: ratings_per_article(ratings),
        reloads: Reloads {
            ok: reloads.iter().filter(|r| r.ok).count(),
            failed: reloads.iter().filter(|r| !r.ok).count(),
            latest: reloads.iter().rev().take(5).cloned().collect(),
        },
        quality: quality(questions, ratings),
    }
}

/// Questions, answered questions, 👍 and 👎 of each day from `since` to
/// `now`, empty days included (at most a year of them).
fn per_day(
    since: i64,
    now: i64,
    questions: &[QuestionRecord],
    ratings: &[RatingRecord],
) -> Vec<Day> {
    let mut per_day: BTreeMap<i64, [usize; 4]> = BTreeMap::new();
    let (first, last) = (since.div_euclid(DAY), now.div_euclid(DAY));
    // At most a year of days, so a huge period stays readable; records
    // outside them (older, or dated after now by a wrong clock) are not
    // days of the period.
    for day in first.max(last - 365)..=last {
        per_day.insert(day, [0; 4]);
    }
    for q in questions {
        if let Some(e) = per_day.get_mut(&q.at.div_euclid(DAY)) {
            e[0] += 1;
            if matches!(q.outcome, Outcome::Answered | Outcome::LowConfidence) {
                e[1] += 1;
            }
        }
    }
    for r in ratings {
        if let Some(e) = per_day.get_mut(&r.at.div_euclid(DAY)) {
            e[if r.up { 2 } else { 3 }] += 1;
        }
    }
    per_day
        .into_iter()
        .map(|(day, [questions, answered, up, down])| Day {
            date: date(day),
            questions,
            answered,
            up,
            down,
        })
        .collect()
}

/// The [`TOP`] most used articles, and sections, by the questions' best passages.
fn usage(questions: &[QuestionRecord]) -> (Vec<Usage>, Vec<Usage>) {
    let mut articles: HashMap<&str, usize> = HashMap::new();
    let mut sections: HashMap<(&str, &str), usize> = HashMap::new();
    for p in questions.iter().filter_map(|q| q.passage.as_ref()) {
        *articles.entry(&p.article).or_default() += 1;
        *sections.entry((&p.article, &p.section)).or_default() += 1;
    }
    let mut articles: Vec<Usage> = articles
        .into_iter()
        .map(|(a, count)| Usage {
            article: a.to_string(),
            section: String::new(),
            count,
        })
        .collect();
    let mut sections: Vec<Usage> = sections
        .into_iter()
        .map(|((a, s), count)| Usage {
            article: a.to_string(),
            section: s.to_string(),
            count,
        })
        .collect();
    for list in [&mut articles, &mut sections] {
        list.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| (&a.article, &a.section).cmp(&(&b.article, &b.section)))
        });
        list.truncate(TOP);
    }
    (articles, sections)
}

/// 👍 and 👎 per article of the rated passages, most rated first.
fn ratings_per_article(ratings: &[RatingRecord]) -> Vec<ArticleRatings> {
    let mut rated: HashMap<&str, (usize, usize)> = HashMap::new();
    for r in ratings {
        let article = r
            .passage
            .as_ref()
            .map_or("(unknown passage)", |p| &p.article);
        let e = rated.entry(article).or_default();
        if r.up {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
    }
    let mut ratings: Vec<ArticleRatings> = rated
        .into_iter()
        .map(|(a, (up, down))| ArticleRatings {
            article: a.to_string(),
            up,
            down,
        })
        .collect();
    ratings.sort_by(|a, b| {
        (b.up + b.down)
            .cmp(&(a.up + a.down))
            .then_with(|| a.article.cmp(&b.article))
    });
    ratings
}

/// The UTC time `at` (Unix seconds) stands for, when the calendar reaches
/// it (years -9999 to 9999).
fn utc(at: i64) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp(at).ok()
}

fn ymd(date: time::Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// `YYYY-MM-DD` of a day number since 1970-01-01 (proleptic Gregorian);
/// `day N` for one beyond the calendar (a damaged record).
pub fn date(day: i64) -> String {
    day.checked_mul(DAY)
        .and_then(utc)
        .map_or_else(|| format!("day {day}"), |t| ymd(t.date()))
}

/// `YYYY-MM-DD HH:MM` (UTC) of a Unix time; `N s` for one beyond the
/// calendar (a damaged record).
pub fn datetime(at: i64) -> String {
    utc(at).map_or_else(
        || format!("{at} s"),
        |t| format!("{} {:02}:{:02}", ymd(t.date()), t.hour(), t.minute()),
    )
}

/// "Article › Section", or the article alone for its opening.
pub fn section_label(article: &str, section: &str) -> String {
    if section.is_empty() {
        format!("{article} (opening)")
    } else {
        format!("{article} › {section}")
    }
}

/// A passage as "Article › Section (id)".
pub fn passage_label(p: &PassageRef) -> String {
    format!("{} ({})", section_label(&p.article, &p.section), p.id)
}

/// What a group's count is made of, e.g. "3 declined · 1 👎".
pub fn breakdown(g: &GapGroup) -> String {
    let mut parts = Vec::new();
    if g.declined > 0 {
        parts.push(format!("{} declined", g.declined));
    }
    if g.low_confidence > 0 {
        parts.push(format!("{} low confidence", g.low_confidence));
    }
    if g.rated_down > 0 {
        parts.push(format!("{} 👎", g.rated_down));
    }
    parts.join(" · ")
}

impl Gaps {
    /// Gives the groups in `range` that have no closest passage the
    /// current knowledge's best match for their example, if any (one search
    /// per group, so only for the groups shown).
    pub fn find_closest(&mut self, range: std::ops::Range<usize>, engine: &Engine) {
        let end = range.end.min(self.groups.len());
        for g in &mut self.groups[range.start.min(end)..end] {
            if g.closest.is_none() {
                g.closest = engine.closest(&g.example).map(|p| PassageRef {
                    id: p.id.clone(),
                    article: p.article.clone(),
                    section: p.section_label(),
                });
            }
        }
    }

    /// Marks each group in `range` that a moderators' answer in `engine`'s
    /// knowledge answers: one of the answer's questions is as similar to one
    /// of the group's as the group's own questions are to each other. Only
    /// for the groups shown: the answers are many when moderators are busy.
    pub fn mark_answered(&mut self, range: std::ops::Range<usize>, engine: &Engine) {
        let end = range.end.min(self.groups.len());
        let shown = range.start.min(end)..end;
        if shown.is_empty() {
            return;
        }
        let ignored = ignored();
        let mut answers: Vec<(Vec<String>, String)> = Vec::new();
        for p in &engine.passages {
            if p.article_id != crate::knowledge::community::ID {
                continue;
            }
            let heading = p.section_label();
            for k in &p.keywords {
                let words = content_words(k, &ignored);
                if !words.is_empty() {
                    answers.push((words, heading.clone()));
                }
            }
        }
        for g in &mut self.groups[shown] {
            let wordings = std::iter::once(&g.example).chain(&g.variants);
            g.answered = wordings
                .map(|w| content_words(w, &ignored))
                .filter(|words| !words.is_empty())
                .find_map(|words| {
                    answers
                        .iter()
                        .find(|(asked, _)| jaccard(&words, asked) >= SIMILAR)
                        .map(|(_, heading)| heading.clone())
                });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(at: i64, text: &str, outcome: Outcome) -> QuestionRecord {
        QuestionRecord::new(at, text, outcome)
    }

    #[test]
    fn dates_are_gregorian() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(19_782), "2024-02-29");
        assert_eq!(date(-1), "1969-12-31");
        assert_eq!(datetime(1_764_000_000), "2025-11-24 16:00");
        assert_eq!(datetime(-1), "1969-12-31 23:59");
        assert_eq!(date(i64::MAX), format!("day {}", i64::MAX));
        assert_eq!(datetime(i64::MIN), format!("{} s", i64::MIN));
    }

    #[test]
    fn similar_wordings_form_one_group_and_different_ones_do_not() {
        let questions = vec![
            q(1, "How do I become a game developer?", Outcome::Declined),
            q(2, "how do i become a game developer", Outcome::Declined),
            q(3, "How to become a game developer", Outcome::Declined),
            q(4, "Who won the world cup?", Outcome::Declined),
            q(5, "how much do backend developers earn", Outcome::Answered),
        ];
        let gaps = group_gaps(7, 0, &questions, &[]);
        assert_eq!(gaps.records, 4);
        assert_eq!(gaps.groups.len(), 2, "{gaps:#?}");
        assert_eq!(gaps.groups[0].count, 3);
        assert_eq!(gaps.groups[0].example, "How do I become a game developer?");
        assert_eq!(
            gaps.groups[0].variants,
            vec!["How to become a game developer"]
        );
        assert_eq!(gaps.groups[1].example, "Who won the world cup?");
        assert!(gaps.groups[1].closest.is_none());
    }

    #[test]
    fn stats_count_outcomes_days_articles_and_ratings() {
        let day = |n: i64| n * DAY + 60;
        let mut answered = q(day(10), "salary?", Outcome::Answered);
        answered.passage = Some(PassageRef {
            id: "a#pay".into(),
            article: "Back-end".into(),
            section: "Pay".into(),
        });
        let questions = vec![
            answered.clone(),
            answered,
            q(day(10), "cup?", Outcome::Declined),
            q(day(12), "", Outcome::Empty),
        ];
        let ratings = vec![RatingRecord {
            at: day(11),
            guild: None,
            user: None,
            vote: "v".into(),
            question: "salary?".into(),
            passage: questions[0].passage.clone(),
            score: None,
            up: false,
        }];
        let s = summarize(3, day(10) - 60, day(12), &questions, &ratings, &[]);
        assert_eq!((s.questions, s.answered, s.declined), (4, 2, 1));
        assert!((s.answered_rate - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(s.per_day.len(), 3, "{:?}", s.per_day);
        assert_eq!(s.per_day[0].questions, 3);
        assert_eq!(s.per_day[1].questions, 0);
        assert_eq!(s.articles[0].count, 2);
        assert_eq!(s.sections[0].section, "Pay");
        assert_eq!((s.ratings[0].up, s.ratings[0].down), (0, 1));
    }
}
