//! Layer 3, pure: text in, vector out. A BERT-family sentence-transformers
//! model (all-MiniLM-L6-v2 by default, its weights inside the binary) run
//! on the CPU: WordPiece tokens, the encoder ([`bert`], on the SIMD
//! kernels of [`kernel`] and [`ops`]), mean pooling over
//! the real tokens and L2 normalisation, as sentence-transformers does, so
//! the dot product of two vectors is their cosine similarity. It knows
//! texts, not passages, indexes or questions; it never touches the network.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use tokenizers::{Tokenizer, TruncationParams};

mod bert;
mod kernel;
mod ops;

use bert::{Bert, Config};

/// The shipped model: all-MiniLM-L6-v2 (Apache-2.0), its weights in f16.
/// `models/all-MiniLM-L6-v2/SOURCE.md` says where they came from.
pub mod shipped {
    /// Its name, as `careerbot check` and `/readyz` show it.
    pub const NAME: &str = "all-MiniLM-L6-v2";
    /// `model.safetensors`. The files are returned by functions that are
    /// never inlined, not held in statics or consts, so that their bytes are
    /// only in the object code and not in the crate's metadata too, which
    /// every test binary and example would load (180 MB of it with consts).
    #[inline(never)]
    pub(super) fn weights() -> &'static [u8] {
        include_bytes!("../../models/all-MiniLM-L6-v2/model.safetensors")
    }
    /// `tokenizer.json`.
    #[inline(never)]
    pub(super) fn tokenizer() -> &'static [u8] {
        include_bytes!("../../models/all-MiniLM-L6-v2/tokenizer.json")
    }
    /// `config.json`.
    #[inline(never)]
    pub(super) fn config() -> &'static [u8] {
        include_bytes!("../../models/all-MiniLM-L6-v2/config.json")
    }
    /// The longest input, in tokens (`sentence_bert_config.json`).
    pub const MAX_TOKENS: usize = 256;
}

/// Why a model could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum SemanticError {
    /// A file of a model directory could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// `config.json` is not a BERT configuration.
    #[error("the model's config.json is not a BERT configuration: {0}")]
    Config(serde_json::Error),
    /// The tokenizer could not be read or used.
    #[error("the model's tokenizer: {0}")]
    Tokenizer(String),
    /// The weights do not fit the configuration, or inference failed.
    #[error("the model: {0}")]
    Model(String),
    /// A file of the model is not what it should be.
    #[error("{0}")]
    Invalid(String),
    /// The model pools in a way careerbot does not.
    #[error("the model pools with {0}; careerbot supports mean pooling only")]
    Pooling(String),
}

/// Largest `model.safetensors` read: a base-size model is under 500 MB
/// in f32. Loading holds the file and the weights as the encoder keeps
/// them (f16 when exact, else f32), so memory at load is at most about
/// 2.5 times this.
const WEIGHTS_FILE: u64 = 1 << 30;
/// Largest `tokenizer.json` read (a multilingual one is about 17 MB).
const TOKENIZER_FILE: u64 = 64 << 20;
/// Largest small JSON file of a model read.
const SMALL_FILE: u64 = 1 << 20;
/// The fewest tokens a model may read: the special tokens and a few words.
const MIN_TOKENS: u64 = 8;
/// The most a model may declare.
const MAX_TOKENS: u64 = 8192;
/// The most careerbot reads, whatever the model declares: BERT's own
/// length. Attention grows with the square of the tokens, and a member's
/// question must not cost seconds (a 2,000-token one took 8.7 s).
pub const READ_TOKENS: usize = 512;
/// Characters of a text given to the tokenizer: far more than any model
/// reads (a token is about four characters), so a long title or question
/// costs no more than a short one.
pub const MAX_TEXT_CHARS: usize = 4 * 4 * 512;

/// Reads `path` whole if it is a regular file of at most `max` bytes:
/// never a FIFO or device (which could block or never end).
fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, SemanticError> {
    let error = |source| SemanticError::Read {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(error)?;
    if !meta.is_file() {
        return Err(error(std::io::Error::other("not a regular file")));
    }
    if meta.len() > max {
        return Err(error(std::io::Error::other(format!(
            "{} bytes, more than the {max} read",
            meta.len()
        ))));
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(std::fs::File::open(path).map_err(error)?, max),
        &mut bytes,
    )
    .map_err(error)?;
    Ok(bytes)
}

/// The modules of a sentence-transformers pipeline careerbot computes:
/// the transformer, pooling and normalisation. Any other (a Dense
/// projection, say) would change the vectors without a word.
fn check_modules(modules: &serde_json::Value) -> Result<(), SemanticError> {
    let known = ["Transformer", "Pooling", "Normalize"];
    let kinds = modules.as_array().map(|m| {
        m.iter()
            .map(|m| m.get("type").and_then(|t| t.as_str()).unwrap_or("?"))
            .collect::<Vec<_>>()
    });
    let Some(kinds) = kinds else {
        return Err(SemanticError::Invalid(
            "modules.json is not a list of modules".into(),
        ));
    };
    match kinds
        .iter()
        .find(|k| !known.iter().any(|n| k.rsplit('.').next() == Some(n)))
    {
        Some(other) => Err(SemanticError::Invalid(format!(
            "modules.json: the module {other} is not one careerbot computes (only a BERT transformer, mean pooling and normalisation)"
        ))),
        None => Ok(()),
    }
}

/// Mean pooling, which careerbot does, or an error naming the pooling the
/// model asks for.
fn check_pooling(pooling: &serde_json::Value) -> Result<(), SemanticError> {
    let modes: Vec<String> = pooling
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, v)| k.starts_with("pooling_mode_") && v.as_bool() == Some(true))
        .map(|(k, _)| k.trim_start_matches("pooling_mode_").to_string())
        .collect();
    if let Some(mode) = pooling.get("pooling_mode") {
        return match mode.as_str() {
            Some("mean") if modes.iter().all(|m| m == "mean_tokens") => Ok(()),
            _ => Err(SemanticError::Pooling(format!("pooling_mode {mode}"))),
        };
    }
    let mean = pooling.get("pooling_mode_mean_tokens");
    match mean {
        None if modes.is_empty() => Ok(()),
        Some(serde_json::Value::Bool(true)) if modes.len() == 1 => Ok(()),
        _ if modes.is_empty() => Err(SemanticError::Invalid(format!(
            "1_Pooling/config.json: pooling_mode_mean_tokens is {}, not true",
            mean.map_or("missing".to_string(), ToString::to_string)
        ))),
        _ => Err(SemanticError::Pooling(modes.join(", "))),
    }
}

/// A loaded sentence-embedding model.
pub struct Embedder {
    name: String,
    id: String,
    model: Bert,
    tokenizer: Tokenizer,
    dimensions: usize,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("name", &self.name)
            .field("id", &self.id)
            .field("dimensions", &self.dimensions)
            .finish()
    }
}

impl Embedder {
    /// The model inside the binary.
    ///
    /// # Errors
    /// Only if the shipped files are damaged (a test loads them).
    pub fn shipped() -> Result<Self, SemanticError> {
        Embedder::from_bytes(
            shipped::NAME,
            shipped::weights(),
            shipped::tokenizer(),
            shipped::config(),
            shipped::MAX_TOKENS,
        )
    }

    /// A model from its files' bytes: safetensors weights (any float
    /// type; computed in f32), `tokenizer.json` and `config.json`.
    ///
    /// # Errors
    /// When a file is not what it should be.
    pub fn from_bytes(
        name: &str,
        weights: &[u8],
        tokenizer: &[u8],
        config: &[u8],
        max_tokens: usize,
    ) -> Result<Self, SemanticError> {
        let id = {
            let mut hasher = blake3::Hasher::new();
            for part in [config, tokenizer, weights] {
                hasher.update(&(part.len() as u64).to_le_bytes());
                hasher.update(part);
            }
            hasher.finalize().to_hex()[..16].to_string()
        };
        let config: Config = serde_json::from_slice(config).map_err(SemanticError::Config)?;
        let mut tokenizer = Tokenizer::from_bytes(tokenizer)
            .map_err(|e| SemanticError::Tokenizer(e.to_string()))?;
        let words = tokenizer.get_vocab_size(true);
        if words > config.vocab_size {
            return Err(SemanticError::Invalid(format!(
                "the tokenizer has {words} tokens and the word table (config.json's vocab_size) {}: some words would have no row",
                config.vocab_size
            )));
        }
        let max_length = max_tokens
            .min(config.max_position_embeddings)
            .min(READ_TOKENS);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length,
                ..TruncationParams::default()
            }))
            .map_err(|e| SemanticError::Tokenizer(e.to_string()))?;
        tokenizer.with_padding(None);
        let model = Bert::load(weights, &config).map_err(SemanticError::Model)?;
        let embedder = Embedder {
            name: name.to_string(),
            id,
            model,
            tokenizer,
            dimensions: config.hidden_size,
        };
        embedder.check()?;
        Ok(embedder)
    }

    /// A model that loads may still fail on its first text, or give every
    /// text the same vector (a zeroed last layer): find out now, at start,
    /// not in the middle of answering.
    fn check(&self) -> Result<(), SemanticError> {
        let v = self.embed(&[
            "What does a back-end developer do?",
            "a recipe for banana bread",
        ])?;
        let unit = |v: &[f32]| (cosine(v, v) - 1.0).abs() < 1e-3;
        if !v.iter().all(|v| unit(v)) || cosine(&v[0], &v[1]) > 0.999 {
            return Err(SemanticError::Invalid(
                "the model gives every text the same vector (or none): its weights are not a sentence-embedding model's".into(),
            ));
        }
        Ok(())
    }

    /// A sentence-transformers model directory: `config.json`,
    /// `tokenizer.json`, `model.safetensors`, and if present
    /// `sentence_bert_config.json` (its `max_seq_length`) and
    /// `1_Pooling/config.json` (which must pool by mean).
    ///
    /// # Errors
    /// When a file is missing or not what it should be.
    pub fn from_dir(dir: &Path) -> Result<Self, SemanticError> {
        let read = |name: &str, max: u64| read_bounded(&dir.join(name), max);
        // An optional file that is there must be right: a pooling or length
        // setting misread would load a wrong model without a word.
        let optional = |name: &str| -> Result<Option<serde_json::Value>, SemanticError> {
            let path = dir.join(name);
            if std::fs::symlink_metadata(&path).is_err() {
                return Ok(None);
            }
            let bytes = read_bounded(&path, SMALL_FILE)?;
            serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| SemanticError::Invalid(format!("{}: {e}", path.display())))
        };
        if let Some(pooling) = optional("1_Pooling/config.json")? {
            check_pooling(&pooling)?;
        }
        if let Some(modules) = optional("modules.json")? {
            check_modules(&modules)?;
        }
        let max_tokens = match optional("sentence_bert_config.json")? {
            Some(c) => match c.get("max_seq_length") {
                None => shipped::MAX_TOKENS,
                Some(n) => n
                    .as_u64()
                    .filter(|n| (MIN_TOKENS..=MAX_TOKENS).contains(n))
                    .map(|n| n as usize)
                    .ok_or_else(|| {
                        SemanticError::Invalid(format!(
                            "sentence_bert_config.json: max_seq_length {n} is not a number from {MIN_TOKENS} to {MAX_TOKENS}"
                        ))
                    })?,
            },
            None => shipped::MAX_TOKENS,
        };
        let name = dir.file_name().map_or_else(
            || dir.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Embedder::from_bytes(
            &name,
            &read("model.safetensors", WEIGHTS_FILE)?,
            &read("tokenizer.json", TOKENIZER_FILE)?,
            &read("config.json", SMALL_FILE)?,
            max_tokens,
        )
    }

    /// The model's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What identifies its files (a hash of them): vectors computed by
    /// one model are never used with another.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The length of its vectors.
    pub fn dimensions(&self) -> usize {
        self.dimensions
    }

    /// One unit vector per text, in order. Texts longer than the model's
    /// input are cut, as sentence-transformers cuts them.
    ///
    /// # Errors
    /// When tokenizing or inference fails.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, SemanticError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let run = std::panic::AssertUnwindSafe(|| self.run(texts));
        let vectors = std::panic::catch_unwind(run)
            .map_err(|_| SemanticError::Model("the model failed (a panic) on a text".into()))??;
        let unsound = vectors
            .iter()
            .position(|v| v.len() != self.dimensions || !v.iter().all(|x| x.is_finite()));
        if let Some(at) = unsound {
            return Err(SemanticError::Model(format!(
                "the model gave a vector that is not a number for {:?}",
                cut(texts[at], 60)
            )));
        }
        Ok(vectors)
    }

    /// Each text on its own (no padding), across the cores when there
    /// are several.
    fn run(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, SemanticError> {
        let texts: Vec<&str> = texts.iter().map(|t| cut(t, MAX_TEXT_CHARS)).collect();
        let encodings = self
            .tokenizer
            .encode_batch(texts, true)
            .map_err(|e| SemanticError::Tokenizer(e.to_string()))?;
        match encodings.as_slice() {
            // One text (a question): on the thread pool, each product
            // split across two cores.
            [one] => rayon::scope(|_| self.vector(one.get_ids(), true)).map(|v| vec![v]),
            // Several (passages, usually in the background): a core each,
            // on a pool of their own, so that a question never waits in
            // the queue behind a batch's texts; the two share the cores.
            _ => {
                let batch = || {
                    encodings
                        .par_iter()
                        .map(|e| self.vector(e.get_ids(), false))
                        .collect()
                };
                match batch_pool() {
                    Some(pool) => pool.install(batch),
                    None => batch(),
                }
            }
        }
    }

    /// The mean of a text's hidden states, as a unit vector.
    fn vector(&self, ids: &[u32], split: bool) -> Result<Vec<f32>, SemanticError> {
        let hidden = self
            .model
            .forward(ids, split)
            .map_err(SemanticError::Model)?;
        let mut mean = vec![0f32; self.dimensions];
        for row in hidden.chunks_exact(self.dimensions) {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += v;
            }
        }
        let norm = mean.iter().map(|m| m * m).sum::<f32>().sqrt().max(1e-12);
        for m in &mut mean {
            *m /= norm;
        }
        Ok(mean)
    }
}

/// The thread pool for embedding several texts at once, one thread a
/// core; `None` (the global pool is used) if it cannot be built.
fn batch_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|n| format!("careerbot-embed-{n}"))
            .build()
            .ok()
    })
    .as_ref()
}

/// The first `max` characters of `text`.
pub fn cut(text: &str, max: usize) -> &str {
    text.char_indices()
        .nth(max)
        .map_or(text, |(at, _)| &text[..at])
}

/// The cosine similarity of two unit vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The shipped model, loaded once per test binary.
#[cfg(test)]
pub(crate) fn test_model() -> &'static Embedder {
    static MODEL: std::sync::OnceLock<Embedder> = std::sync::OnceLock::new();
    MODEL.get_or_init(|| Embedder::shipped().expect("the shipped model loads"))
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::test_model as model;

    #[test]
    fn the_shipped_files_are_the_ones_source_md_names() {
        use sha2::Digest as _;
        let source = include_str!("../../models/all-MiniLM-L6-v2/SOURCE.md");
        for (file, bytes) in [
            ("model.safetensors", shipped::weights()),
            ("tokenizer.json", shipped::tokenizer()),
            ("config.json", shipped::config()),
        ] {
            let sha = hex::encode(sha2::Sha256::digest(bytes));
            let row = format!("| `{file}` | `{sha}` |");
            assert!(source.contains(&row), "SOURCE.md lacks {row}");
        }
    }

    #[test]
    fn vectors_match_sentence_transformers_reference_vectors() {
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/semantic/reference.json"))
                .expect("the fixture");
        let texts: Vec<&str> = fixture["texts"]
            .as_array()
            .expect("texts")
            .iter()
            .filter_map(serde_json::Value::as_str)
            .collect();
        let expected: Vec<Vec<f32>> =
            serde_json::from_value(fixture["vectors"].clone()).expect("vectors");
        assert_eq!(texts.len(), expected.len());
        let ours = model().embed(&texts).expect("embeds");
        for ((text, ours), theirs) in texts.iter().zip(&ours).zip(&expected) {
            assert_eq!(ours.len(), 384);
            let norm: f32 = theirs.iter().map(|x| x * x).sum::<f32>().sqrt();
            let cos = cosine(ours, theirs) / norm;
            assert!(cos >= 0.999, "{text:?}: cosine {cos}");
        }
        // One at a time (no padding) gives the same vector as in a batch.
        let alone = model().embed(&texts[..1]).expect("embeds");
        assert!(cosine(&alone[0], &ours[0]) > 0.9999);
    }

    #[test]
    fn a_paraphrase_is_closer_than_an_unrelated_sentence() {
        let v = model()
            .embed(&[
                "my app crawls when lots of users show up",
                "scaling a web application under heavy traffic",
                "a recipe for banana bread",
            ])
            .expect("embeds");
        assert!(cosine(&v[0], &v[1]) > cosine(&v[0], &v[2]) + 0.1);
        assert!(model().embed(&[]).expect("nothing").is_empty());
    }

    /// A model directory with the shipped files (the weights linked, not
    /// copied), `edit` applied to it.
    fn model_dir(edit: impl FnOnce(&Path)) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/all-MiniLM-L6-v2");
        std::os::unix::fs::symlink(
            shipped.join("model.safetensors"),
            dir.path().join("model.safetensors"),
        )
        .unwrap();
        for file in [
            "tokenizer.json",
            "config.json",
            "sentence_bert_config.json",
            "modules.json",
        ] {
            std::fs::copy(shipped.join(file), dir.path().join(file)).unwrap();
        }
        std::fs::create_dir(dir.path().join("1_Pooling")).unwrap();
        std::fs::copy(
            shipped.join("1_Pooling/config.json"),
            dir.path().join("1_Pooling/config.json"),
        )
        .unwrap();
        edit(dir.path());
        dir
    }

    /// The shipped weights with the last layer norm zeroed: every text's
    /// vector is then zero.
    fn weights_with_zero_output() -> Vec<u8> {
        use safetensors::tensor::TensorView;
        let file = safetensors::SafeTensors::deserialize(shipped::weights()).unwrap();
        let zeros = vec![0u8; 384 * 2];
        let tensors: Vec<(String, TensorView)> = file
            .tensors()
            .into_iter()
            .map(|(name, view)| {
                if name.starts_with("encoder.layer.5.output.LayerNorm") {
                    let zero = TensorView::new(view.dtype(), view.shape().to_vec(), &zeros);
                    (name, zero.unwrap())
                } else {
                    (name, view)
                }
            })
            .collect();
        safetensors::serialize(tensors, None).unwrap()
    }

    fn config_with(dir: &Path, key: &str, value: serde_json::Value) {
        let path = dir.join("config.json");
        let mut config: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        config[key] = value;
        std::fs::write(path, serde_json::to_vec(&config).unwrap()).unwrap();
    }

    #[test]
    fn a_model_directory_that_is_not_right_is_a_clear_error_never_a_panic_or_a_hang() {
        let refused = |edit: &dyn Fn(&Path), expect: &str| {
            let dir = model_dir(edit);
            let error = Embedder::from_dir(dir.path()).err().map(|e| e.to_string());
            let error =
                error.unwrap_or_else(|| panic!("loaded a model that should fail: {expect}"));
            assert!(error.contains(expect), "{error} (expected {expect})");
            assert!(!error.contains('\n'), "one line: {error}");
        };
        refused(&|d| config_with(d, "hidden_size", 0.into()), "zero");
        refused(
            &|d| config_with(d, "vocab_size", 10_000.into()),
            "word table",
        );
        refused(
            &|d| {
                std::fs::write(
                    d.join("1_Pooling/config.json"),
                    r#"{"word_embedding_dimension": 384, "pooling_mode": "cls"}"#,
                )
                .unwrap()
            },
            "pooling_mode",
        );
        refused(
            &|d| {
                let mut modules: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(d.join("modules.json")).unwrap())
                        .unwrap();
                modules.as_array_mut().unwrap().push(serde_json::json!(
                    {"idx": 3, "name": "3", "path": "3_Dense", "type": "sentence_transformers.models.Dense"}
                ));
                std::fs::write(d.join("modules.json"), modules.to_string()).unwrap();
            },
            "sentence_transformers.models.Dense",
        );
        refused(
            &|d| {
                std::fs::remove_file(d.join("model.safetensors")).unwrap();
                std::fs::write(d.join("model.safetensors"), weights_with_zero_output()).unwrap();
            },
            "same vector",
        );
        refused(&|d| config_with(d, "num_hidden_layers", 0.into()), "zero");
        refused(
            &|d| config_with(d, "model_type", "roberta".into()),
            "roberta",
        );
        refused(
            &|d| config_with(d, "position_embedding_type", "relative_key_query".into()),
            "relative_key_query",
        );
        refused(
            &|d| {
                std::fs::write(
                    d.join("1_Pooling/config.json"),
                    r#"{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false,}"#,
                )
                .unwrap()
            },
            "1_Pooling/config.json",
        );
        refused(
            &|d| {
                std::fs::write(
                    d.join("1_Pooling/config.json"),
                    r#"{"pooling_mode_mean_tokens": "false"}"#,
                )
                .unwrap()
            },
            "not true",
        );
        refused(
            &|d| {
                std::fs::write(
                    d.join("sentence_bert_config.json"),
                    r#"{"max_seq_length": 2}"#,
                )
                .unwrap()
            },
            "max_seq_length",
        );
        // A FIFO is refused without being opened: reading it would block.
        refused(
            &|d| {
                std::fs::remove_file(d.join("tokenizer.json")).unwrap();
                let made = std::process::Command::new("mkfifo")
                    .arg(d.join("tokenizer.json"))
                    .status()
                    .unwrap();
                assert!(made.success());
            },
            "not a regular file",
        );
        let fine = model_dir(|_| {});
        let model =
            Embedder::from_dir(fine.path()).expect("the shipped files load from a directory");
        assert_eq!(model.dimensions(), 384);
    }

    #[test]
    fn a_text_far_longer_than_the_model_reads_is_cut_before_tokenizing() {
        let long = "backend ".repeat(100_000);
        assert_eq!(cut(&long, MAX_TEXT_CHARS).chars().count(), MAX_TEXT_CHARS);
        assert_eq!(cut("é€", 1), "é");
        let vectors = model().embed(&[&long]).unwrap();
        assert_eq!(vectors[0].len(), 384);
    }
}
