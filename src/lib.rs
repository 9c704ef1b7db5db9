//! careerbot answers career questions from a knowledge base of articles,
//! tool lists and course pointers. Layers, in pipeline order; each uses
//! only the layers numbered before it (`use crate::` edges never point
//! up):
//!
//! 0. [`text`]: shared text tools: analysis (tokens, folding, stems), the
//!    vocabulary, edit distance, sorted merges.
//! 1. [`knowledge`]: read and validate the knowledge base.
//! 2. [`chunk`]: pure, article -> passages.
//! 3. [`semantic`]: pure, text -> vector: the sentence-embedding model
//!    (an own BERT encoder on the CPU; its weights inside the binary).
//! 4. [`search`]: tantivy schema, build and query (the only module that imports
//!    tantivy, besides text::analysis for its ASCII folding).
//! 5. [`answer`]: pure, question + hits + catalogs -> [`answer::Answer`].
//! 6. [`engine`]: one loaded knowledge snapshot: knowledge + index, ready
//!    to answer.
//! 7. [`live`]: the served snapshot, swapped whole on reload.
//! 8. [`eval`]: question sets and hit@k measures.
//! 9. [`insights`]: the durable record of questions, ratings and reloads,
//!    and the `/gaps` and `/stats` reports on it.
//! 10. [`discord`]: pure: commands (one file each), button ids, dispatch
//!     (Interaction -> what to do), render (Answer -> embed), replies to
//!     mentions and forum posts.
//! 11. [`config`]: defaults, careerbot.toml, the environment and flags,
//!     layered by figment -> Config (and each key's source), for the layers
//!     that start things.
//! 12. [`transport`]: the gateway bot (serenity client) and the HTTP
//!     interactions endpoint, through one `serve_one`: sockets, tasks, the
//!     in-flight bound, cooldowns, metrics, follow-ups, and the operators'
//!     routes both serve; on the gateway, mentions and forum posts too.
//! 13. [`cli`]: the command line.

pub mod answer;
pub mod chunk;
pub mod cli;
pub mod config;
pub mod discord;
pub mod engine;
pub mod eval;
pub mod insights;
pub mod knowledge;
pub mod live;
pub mod search;
pub mod semantic;
pub mod text;
pub mod transport;
