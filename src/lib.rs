//! careerbot answers career questions from a knowledge base of articles,
//! tool lists and course pointers. Layers, in pipeline order:
//!
//! 1. [`knowledge`]: read and validate the knowledge base.
//! 2. [`chunk`]: pure, article -> passages.
//! 3. [`search`]: tantivy schema, build and query (the only module that imports tantivy).
//! 4. [`answer`]: pure, question + hits + catalogs -> [`answer::Answer`].
//! 5. [`engine`]: one loaded knowledge snapshot: knowledge + index, ready to answer.
//! 6. [`live`]: the served snapshot, swapped whole on reload.
//! 7. [`discord`]: commands, dispatch (Interaction -> response), render (Answer -> embed).
//! 8. [`eval`]: question sets and hit@k measures.
//! 9. [`insights`]: the durable record of questions, ratings and reloads,
//!    and the `/gaps` and `/stats` reports on it.
//! 10. [`metrics`]: counters and histograms for operators (Prometheus text).
//! 11. [`transport`]: the gateway bot (serenity client) and the HTTP
//!     interactions endpoint, which deliver dispatch responses.
//! 12. [`cli`]: the command line.
//!
//! [`sorted`] merges sorted id and position lists for [`search`] and [`answer`].

pub mod answer;
pub mod chunk;
pub mod cli;
pub mod config;
pub mod discord;
pub mod engine;
pub mod eval;
pub mod expiring;
pub mod insights;
pub mod knowledge;
pub mod live;
pub mod metrics;
pub mod search;
pub mod sorted;
pub mod transport;
pub mod vocabulary;
