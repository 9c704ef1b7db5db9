//! Knowledge quality per article: how often each article led an answer,
//! how members rated it, and when it was last used; which articles were
//! never used in the period, and which are rated worse than the rest.
//! Pure over records.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use super::report::{date, DAY};
use super::store::{QuestionRecord, RatingRecord};

/// Votes an article needs before it can be called worse than the rest:
/// fewer say too little about it.
pub const MIN_VOTES: usize = 5;
/// The normal quantile of the one-sided 97.5 % confidence bound the 👎
/// share is judged by (Wilson's interval).
const Z: f64 = 1.96;
/// Articles listed as never used, at most.
const UNUSED: usize = 200;

/// One article's figures in the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleQuality {
    /// The article's title.
    pub article: String,
    /// Answers it led (its passage came first).
    pub first: usize,
    /// 👍 on its passages.
    pub up: usize,
    /// 👎 on its passages.
    pub down: usize,
    /// 👎 of all its votes, 0 to 1; `None` without votes.
    pub down_share: Option<f64>,
    /// The day (`YYYY-MM-DD`, UTC) it last led an answer, if it did.
    pub last_used: Option<String>,
}

/// An article whose 👎 share is above the rest's with enough votes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorseArticle {
    /// The article's title.
    pub article: String,
    /// Its 👎 share.
    pub down_share: f64,
    /// The lower end of its share's 95 % interval, which is above
    /// `rest_share`.
    pub lower_bound: f64,
    /// The 👎 share of every other article's votes.
    pub rest_share: f64,
    /// Its votes.
    pub votes: usize,
}

/// The knowledge's quality in one period.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Quality {
    /// Every article that led an answer or was rated, most used first.
    pub articles: Vec<ArticleQuality>,
    /// 👎 of all votes in the period, 0 to 1; `None` without votes.
    pub down_share: Option<f64>,
    /// The knowledge's articles that led no answer in the period (filled
    /// by [`Quality::with_knowledge`]), by title.
    pub unused: Vec<String>,
    /// Articles rated worse than the rest, worst first.
    pub worse: Vec<WorseArticle>,
}

#[derive(Default)]
struct Tally {
    first: usize,
    up: usize,
    down: usize,
    last: Option<i64>,
}

/// The period's quality per article, from its questions and ratings.
pub fn quality(questions: &[QuestionRecord], ratings: &[RatingRecord]) -> Quality {
    let mut tallies: HashMap<&str, Tally> = HashMap::new();
    for q in questions {
        if let Some(p) = &q.passage {
            let t = tallies.entry(&p.article).or_default();
            t.first += 1;
            t.last = t.last.max(Some(q.at));
        }
    }
    for r in ratings {
        if let Some(p) = &r.passage {
            let t = tallies.entry(&p.article).or_default();
            if r.up {
                t.up += 1;
            } else {
                t.down += 1;
            }
        }
    }
    let (up, down) = tallies
        .values()
        .fold((0, 0), |(u, d), t| (u + t.up, d + t.down));
    let mut articles: Vec<ArticleQuality> = tallies
        .into_iter()
        .map(|(article, t)| ArticleQuality {
            article: article.to_string(),
            first: t.first,
            up: t.up,
            down: t.down,
            down_share: share(t.down, t.up + t.down),
            last_used: t.last.map(|at| date(at.div_euclid(DAY))),
        })
        .collect();
    articles.sort_by(|a, b| {
        (b.first, b.up + b.down)
            .cmp(&(a.first, a.up + a.down))
            .then_with(|| a.article.cmp(&b.article))
    });
    let worse = worse(&articles, up, down);
    Quality {
        articles,
        down_share: share(down, up + down),
        unused: Vec::new(),
        worse,
    }
}

/// `part` of `whole`, when there is a whole.
fn share(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The articles with at least [`MIN_VOTES`] votes whose 👎 share is above
/// the rest's even at the lower end of its 95 % interval (Wilson's, which
/// holds for small counts): a share that high is unlikely to be chance.
fn worse(articles: &[ArticleQuality], up: usize, down: usize) -> Vec<WorseArticle> {
    let mut worse: Vec<WorseArticle> = articles
        .iter()
        .filter_map(|a| {
            let votes = a.up + a.down;
            let rest_votes = up + down - votes;
            if votes < MIN_VOTES || rest_votes == 0 {
                return None;
            }
            let rest_share = (down - a.down) as f64 / rest_votes as f64;
            let lower_bound = wilson_lower(a.down, votes);
            (lower_bound > rest_share).then(|| WorseArticle {
                article: a.article.clone(),
                down_share: a.down as f64 / votes as f64,
                lower_bound,
                rest_share,
                votes,
            })
        })
        .collect();
    worse.sort_by(|a, b| {
        b.lower_bound
            .total_cmp(&a.lower_bound)
            .then_with(|| a.article.cmp(&b.article))
    });
    worse
}

/// The lower end of Wilson's score interval for `k` successes in `n`.
fn wilson_lower(k: usize, n: usize) -> f64 {
    let n = n as f64;
    let p = k as f64 / n;
    let z2 = Z * Z;
    let centre = p + z2 / (2.0 * n);
    let spread = Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - spread) / (1.0 + z2 / n)).max(0.0)
}

impl Quality {
    /// Lists the articles of the knowledge (`titles`) that led no answer
    /// in the period, in title order (at most 200).
    pub fn with_knowledge<'a>(&mut self, titles: impl IntoIterator<Item = &'a str>) {
        let used: BTreeSet<&str> = self
            .articles
            .iter()
            .filter(|a| a.first > 0)
            .map(|a| a.article.as_str())
            .collect();
        let unused: BTreeSet<&str> = titles.into_iter().filter(|t| !used.contains(t)).collect();
        self.unused = unused
            .into_iter()
            .take(UNUSED)
            .map(str::to_string)
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insights::{Outcome, PassageRef};

    fn passage(article: &str) -> Option<PassageRef> {
        Some(PassageRef {
            id: format!("{article}#1"),
            article: article.to_string(),
            section: String::new(),
        })
    }

    fn asked(at: i64, article: &str) -> QuestionRecord {
        QuestionRecord {
            passage: passage(article),
            ..QuestionRecord::new(at, "q", Outcome::Answered)
        }
    }

    fn vote(article: &str, up: bool, n: usize) -> Vec<RatingRecord> {
        (0..n)
            .map(|i| RatingRecord {
                at: 0,
                guild: None,
                user: None,
                vote: format!("{article}{up}{i}"),
                question: "q".to_string(),
                passage: passage(article),
                score: None,
                up,
            })
            .collect()
    }

    #[test]
    fn articles_are_counted_and_one_rated_down_well_above_the_rest_with_enough_votes_is_named() {
        let questions = [
            asked(DAY, "Salaries"),
            asked(3 * DAY + 5, "Salaries"),
            asked(2 * DAY, "Courses"),
        ];
        let ratings: Vec<RatingRecord> = [
            vote("Salaries", true, 18),
            vote("Salaries", false, 2),
            vote("Courses", false, 6),
            vote("Courses", true, 1),
            // Rated down every time, but twice only: too few votes.
            vote("Tools", false, 2),
        ]
        .concat();
        let mut q = quality(&questions, &ratings);
        let salaries = &q.articles[0];
        assert_eq!(
            (
                salaries.article.as_str(),
                salaries.first,
                salaries.up,
                salaries.down
            ),
            ("Salaries", 2, 18, 2)
        );
        assert_eq!(salaries.last_used.as_deref(), Some("1970-01-04"));
        assert_eq!(salaries.down_share, Some(0.1));
        assert_eq!(q.articles[2].article, "Tools");
        assert_eq!(q.articles[2].last_used, None);
        assert_eq!(q.down_share, Some(10.0 / 29.0));
        let worse: Vec<&str> = q.worse.iter().map(|w| w.article.as_str()).collect();
        assert_eq!(worse, ["Courses"]);
        assert!(q.worse[0].lower_bound > q.worse[0].rest_share);

        q.with_knowledge(["Tools", "Salaries", "Courses", "About", "Tools"]);
        assert_eq!(q.unused, ["About", "Tools"]);
    }

    #[test]
    fn no_votes_no_verdict_and_an_empty_period_is_empty() {
        let q = quality(&[], &[]);
        assert_eq!(q, Quality::default());
        let all_down = quality(&[], &vote("Only", false, 40));
        assert!(all_down.worse.is_empty(), "no rest to compare with");
        assert!(wilson_lower(0, 10) == 0.0 && wilson_lower(10, 10) < 1.0);
    }
}
