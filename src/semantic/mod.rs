//! Layer 3, pure: text in, vector out. A BERT-family sentence-transformers
//! model (all-MiniLM-L6-v2 by default, its weights inside the binary) run
//! on the CPU with candle: WordPiece tokens, the encoder ([`bert`]), mean pooling over
//! the real tokens and L2 normalisation, as sentence-transformers does, so
//! the dot product of two vectors is their cosine similarity. It knows
//! texts, not passages, indexes or questions; it never touches the network.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use tokenizers::{PaddingParams, Tokenizer, TruncationParams};

mod bert;

use bert::{Bert, Config};

/// The shipped model: all-MiniLM-L6-v2 (Apache-2.0), its weights in f16.
/// `models/all-MiniLM-L6-v2/SOURCE.md` says where they came from.
pub mod shipped {
    /// Its name, as `careerbot check` and `/readyz` show it.
    pub const NAME: &str = "all-MiniLM-L6-v2";
    /// `model.safetensors`.
    pub const WEIGHTS: &[u8] = include_bytes!("../../models/all-MiniLM-L6-v2/model.safetensors");
    /// `tokenizer.json`.
    pub const TOKENIZER: &[u8] = include_bytes!("../../models/all-MiniLM-L6-v2/tokenizer.json");
    /// `config.json`.
    pub const CONFIG: &[u8] = include_bytes!("../../models/all-MiniLM-L6-v2/config.json");
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
    Model(#[from] candle_core::Error),
    /// The model pools in a way careerbot does not.
    #[error("the model pools with {0}; careerbot supports mean pooling only")]
    Pooling(String),
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
            shipped::WEIGHTS,
            shipped::TOKENIZER,
            shipped::CONFIG,
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
        let max_length = max_tokens.min(config.max_position_embeddings);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length,
                ..TruncationParams::default()
            }))
            .map_err(|e| SemanticError::Tokenizer(e.to_string()))?;
        tokenizer.with_padding(Some(PaddingParams::default()));
        let vb = VarBuilder::from_slice_safetensors(weights, DType::F32, &Device::Cpu)?;
        let model = Bert::load(vb, &config)?;
        Ok(Embedder {
            name: name.to_string(),
            id,
            model,
            tokenizer,
            dimensions: config.hidden_size,
        })
    }

    /// A sentence-transformers model directory: `config.json`,
    /// `tokenizer.json`, `model.safetensors`, and if present
    /// `sentence_bert_config.json` (its `max_seq_length`) and
    /// `1_Pooling/config.json` (which must pool by mean).
    ///
    /// # Errors
    /// When a file is missing or not what it should be.
    pub fn from_dir(dir: &Path) -> Result<Self, SemanticError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|source| SemanticError::Read { path, source })
        };
        let optional = |name: &str| -> Option<serde_json::Value> {
            serde_json::from_slice(&std::fs::read(dir.join(name)).ok()?).ok()
        };
        if let Some(pooling) = optional("1_Pooling/config.json") {
            let mean = pooling["pooling_mode_mean_tokens"]
                .as_bool()
                .unwrap_or(true);
            if !mean {
                let modes: Vec<String> = pooling
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(k, v)| k.starts_with("pooling_mode_") && v.as_bool() == Some(true))
                    .map(|(k, _)| k.trim_start_matches("pooling_mode_").to_string())
                    .collect();
                return Err(SemanticError::Pooling(modes.join(", ")));
            }
        }
        let max_tokens = optional("sentence_bert_config.json")
            .and_then(|c| c["max_seq_length"].as_u64())
            .map_or(shipped::MAX_TOKENS, |n| n as usize);
        let name = dir.file_name().map_or_else(
            || dir.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Embedder::from_bytes(
            &name,
            &read("model.safetensors")?,
            &read("tokenizer.json")?,
            &read("config.json")?,
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
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| SemanticError::Tokenizer(e.to_string()))?;
        let rows = |f: &dyn Fn(&tokenizers::Encoding) -> &[u32]| -> Result<Tensor, SemanticError> {
            let rows = encodings
                .iter()
                .map(|e| Tensor::new(f(e), &Device::Cpu))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Tensor::stack(&rows, 0)?)
        };
        let ids = rows(&|e| e.get_ids())?;
        let mask = rows(&|e| e.get_attention_mask())?;
        let hidden = self.model.forward(&ids, &mask)?;
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
        let counts = mask.sum(1)?.clamp(1e-9, f64::MAX)?;
        let mean = summed.broadcast_div(&counts)?;
        let norms = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
        Ok(mean.broadcast_div(&norms)?.to_vec2::<f32>()?)
    }
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
            ("model.safetensors", shipped::WEIGHTS),
            ("tokenizer.json", shipped::TOKENIZER),
            ("config.json", shipped::CONFIG),
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
}
