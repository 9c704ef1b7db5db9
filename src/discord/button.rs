//! The buttons careerbot puts under its messages, as one type. A button's
//! `custom_id` is its [`Display`](std::fmt::Display) form and is read back
//! with [`FromStr`](std::str::FromStr); nothing else builds or parses ids.
//! Buttons keep no server state: the asker, the page and (for a rating)
//! the rated passage are in the id, so they work after a restart.

use std::fmt;
use std::str::FromStr;

use serenity::model::id::UserId;

use super::limits;
use crate::chunk::Passage;

/// One of careerbot's buttons.
#[derive(Debug, Clone, PartialEq)]
pub enum Button {
    /// "More answers": show `page` of the answer to `asker`'s question.
    More {
        /// Who asked, and so may page.
        asker: UserId,
        /// The page to show.
        page: usize,
    },
    /// 👍 (`up`) or 👎 on the passage shown at `page`.
    Rate {
        /// Who asked.
        asker: UserId,
        /// The page the rated passage was on.
        page: usize,
        /// 👍 or 👎.
        up: bool,
        /// The rated passage and its score in the answer; `None` on a
        /// button from before ratings named their passage.
        rated: Option<Rated>,
    },
    /// A page of `/topics`, for `asker`.
    Topics {
        /// Who asked, and so may page.
        asker: UserId,
        /// The page to show.
        page: usize,
    },
    /// A page of `/gaps` over `days` days, for the moderator `asker`.
    Gaps {
        /// The moderator who asked for the report.
        asker: UserId,
        /// The page to show.
        page: usize,
        /// The period the report covers.
        days: u32,
    },
}

/// The passage a rating is about, as a button carries it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rated {
    /// [`passage_key`] of the passage's id.
    pub key: PassageKey,
    /// Its score in the answer, to three decimals.
    pub score: f32,
}

/// A short, fixed-length name of a passage id (16 hex digits of its
/// BLAKE3 hash): a passage id can be longer than a custom id allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassageKey(String);

const KEY_LEN: usize = 16;

impl PassageKey {
    /// The key of the passage with this id.
    pub fn of(id: &str) -> Self {
        PassageKey(blake3::hash(id.as_bytes()).to_hex()[..KEY_LEN].to_string())
    }

    /// The passage among `passages` whose id has this key.
    pub fn find<'a>(&self, passages: &'a [Passage]) -> Option<&'a Passage> {
        passages.iter().find(|p| PassageKey::of(&p.id) == *self)
    }
}

impl FromStr for PassageKey {
    type Err = UnknownButton;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() == KEY_LEN && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(PassageKey(s.to_ascii_lowercase()))
        } else {
            Err(UnknownButton)
        }
    }
}

impl Button {
    /// Who may press it: the member the message was for.
    pub fn asker(&self) -> UserId {
        match self {
            Button::More { asker, .. }
            | Button::Rate { asker, .. }
            | Button::Topics { asker, .. }
            | Button::Gaps { asker, .. } => *asker,
        }
    }

    /// Its label in metrics: a fixed string.
    pub fn label(&self) -> &'static str {
        match self {
            Button::More { .. } => "more",
            Button::Rate { .. } => "rate",
            Button::Topics { .. } => "topics",
            Button::Gaps { .. } => "gaps",
        }
    }

    /// Its custom id.
    pub fn id(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Button {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Button::More { asker, page } => write!(f, "more:{asker}:{page}"),
            Button::Rate {
                asker,
                page,
                up,
                rated,
            } => {
                let kind = if *up { "rate-up" } else { "rate-down" };
                write!(f, "{kind}:{asker}:{page}")?;
                match rated {
                    Some(Rated { key, score }) => write!(f, ":{score:.3}:{}", key.0),
                    None => Ok(()),
                }
            }
            Button::Topics { asker, page } => write!(f, "topics:{asker}:{page}"),
            Button::Gaps { asker, page, days } => write!(f, "gaps:{asker}:{page}:{days}"),
        }
    }
}

/// A custom id that is not one of careerbot's buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not one of careerbot's buttons")]
pub struct UnknownButton;

impl FromStr for Button {
    type Err = UnknownButton;

    fn from_str(id: &str) -> Result<Self, Self::Err> {
        if id.len() > limits::CUSTOM_ID {
            return Err(UnknownButton);
        }
        let mut parts = id.split(':');
        let kind = parts.next().ok_or(UnknownButton)?;
        let asker = parts
            .next()
            .and_then(|a| a.parse::<u64>().ok())
            .filter(|a| *a != 0)
            .map(UserId::new)
            .ok_or(UnknownButton)?;
        let page = parts
            .next()
            .and_then(|p| p.parse::<usize>().ok())
            .ok_or(UnknownButton)?;
        let rest: Vec<&str> = parts.collect();
        match (kind, rest.as_slice()) {
            ("more", []) => Ok(Button::More { asker, page }),
            ("topics", []) => Ok(Button::Topics { asker, page }),
            ("rate-up" | "rate-down", rest) => {
                let rated = match rest {
                    [] => None,
                    [score, key] => Some(Rated {
                        score: score
                            .parse::<f32>()
                            .ok()
                            .filter(|s| s.is_finite())
                            .ok_or(UnknownButton)?,
                        key: key.parse()?,
                    }),
                    _ => return Err(UnknownButton),
                };
                Ok(Button::Rate {
                    asker,
                    page,
                    up: kind == "rate-up",
                    rated,
                })
            }
            // An id without its period (or with a bad one) pages the default.
            ("gaps", rest) if rest.len() <= 1 => Ok(Button::Gaps {
                asker,
                page,
                days: rest
                    .first()
                    .and_then(|d| d.parse::<u32>().ok())
                    .map_or(super::period::DEFAULT_DAYS, |d| {
                        d.clamp(1, super::period::MAX_DAYS)
                    }),
            }),
            _ => Err(UnknownButton),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(button: &Button) -> Button {
        let id = button.id();
        assert!(id.chars().count() <= limits::CUSTOM_ID, "{id}");
        id.parse().expect("its own id parses")
    }

    #[test]
    fn every_button_reads_back_from_its_id_at_the_largest_values() {
        let asker = UserId::new(u64::MAX);
        let buttons = [
            Button::More {
                asker,
                page: usize::MAX,
            },
            Button::Rate {
                asker,
                page: usize::MAX,
                up: false,
                rated: Some(Rated {
                    key: PassageKey::of(&"a-very-long-article-id#section".repeat(20)),
                    score: 98_765.5,
                }),
            },
            Button::Rate {
                asker,
                page: 3,
                up: true,
                rated: None,
            },
            Button::Gaps {
                asker,
                page: usize::MAX,
                days: u32::MAX,
            },
        ];
        for button in &buttons {
            let back = round_trip(button);
            match (button, &back) {
                (Button::Gaps { days, .. }, Button::Gaps { days: read, .. }) => {
                    assert_eq!(*read, (*days).clamp(1, crate::discord::period::MAX_DAYS));
                }
                _ => assert_eq!(&back, button),
            }
        }
    }

    #[test]
    fn ids_that_are_not_careerbots_are_refused() {
        for id in [
            "",
            "more",
            "more:abc:1",
            "more:0:1",
            "more:1:1:extra",
            "rate-up:1:0:1.0",
            "rate-up:1:0:nan:0123456789abcdef",
            "rate-up:1:0:1.0:not-hex-at-all!!",
            "rate-up:1:99999999999999999999999",
            "gaps:1:0:30:1",
            "other:1:1",
        ] {
            assert_eq!(id.parse::<Button>(), Err(UnknownButton), "{id:?}");
        }
    }

    #[test]
    fn a_passage_key_finds_its_passage_and_no_other() {
        let passage = |id: &str| Passage {
            id: id.to_string(),
            article_id: String::new(),
            article: String::new(),
            section: Vec::new(),
            text: String::new(),
            spans: Vec::new(),
            source: None,
            keywords: Vec::new(),
            tags: Vec::new(),
            position: 0,
        };
        let passages = [passage("a#one"), passage("a#two")];
        let key = PassageKey::of("a#two");
        assert_eq!(key.find(&passages).map(|p| p.id.as_str()), Some("a#two"));
        assert!(PassageKey::of("a#gone").find(&passages).is_none());
    }
}
