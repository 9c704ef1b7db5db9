//! Layer 0: text tools shared by the layers above, with no knowledge of
//! articles, passages or Discord: [`analysis`] (words, compounds, folding,
//! stems: the one analysis the index and the questions share),
//! [`vocabulary`] (stop words, synonyms, compounds), [`distance`] (edit
//! distance), [`sorted`] (merging sorted id and position lists) and [`prose`]
//! (English for careerbot's own sentences).

pub mod analysis;
pub mod distance;
pub mod prose;
pub mod sorted;
pub mod vocabulary;
