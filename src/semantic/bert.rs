//! A BERT encoder on candle-nn: embeddings, then post-norm transformer
//! layers (self-attention, GELU feed-forward), as Hugging Face's
//! `BertModel` computes them. Written here rather than taken from
//! candle-transformers, whose hundred-odd other models tripled the build
//! time; the reference-vector test proves it against sentence-transformers.

use candle_core::{DType, Module as _, Result, Tensor};
use candle_nn::{embedding, layer_norm, Embedding, LayerNorm, VarBuilder};
use serde::Deserialize;

/// The part of a model's `config.json` the encoder needs.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    /// Word-piece vocabulary.
    pub vocab_size: usize,
    /// Width of every hidden state (the vector length).
    pub hidden_size: usize,
    /// Transformer layers.
    pub num_hidden_layers: usize,
    /// Attention heads per layer.
    pub num_attention_heads: usize,
    /// Width of the feed-forward layer.
    pub intermediate_size: usize,
    /// Longest input, in tokens.
    pub max_position_embeddings: usize,
    /// Token types (segments).
    pub type_vocab_size: usize,
    /// Layer norm epsilon.
    pub layer_norm_eps: f64,
    /// The feed-forward activation; `gelu` (erf) is what BERT uses.
    #[serde(default = "gelu")]
    pub hidden_act: String,
    /// `bert` (or absent): other architectures are refused.
    #[serde(default)]
    pub model_type: Option<String>,
    /// `absolute` (or absent): the relative kinds are not BERT's.
    #[serde(default)]
    pub position_embedding_type: Option<String>,
}

fn gelu() -> String {
    "gelu".to_string()
}

/// `x W^T + b`. `W^T` stays a transposed view of `W`, as candle-nn's
/// `Linear` keeps it: a contiguous copy ran 40% slower on a question's few
/// tokens (16 to 18 ms against 11 to 12 ms on one thread, one run).
struct Linear {
    weight_t: Tensor,
    bias: Tensor,
}

impl Linear {
    fn load(vb: VarBuilder, inputs: usize, outputs: usize) -> Result<Self> {
        let weight = vb.get((outputs, inputs), "weight")?;
        Ok(Linear {
            weight_t: weight.t()?,
            bias: vb.get(outputs, "bias")?,
        })
    }

    /// `x` is (rows, inputs).
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        x.matmul(&self.weight_t)?.broadcast_add(&self.bias)
    }
}

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    output: Linear,
    attention_norm: LayerNorm,
    intermediate: Linear,
    down: Linear,
    output_norm: LayerNorm,
}

impl Layer {
    fn load(vb: VarBuilder, c: &Config) -> Result<Self> {
        let (h, i) = (c.hidden_size, c.intermediate_size);
        let attention = vb.pp("attention");
        let own = attention.pp("self");
        Ok(Layer {
            query: Linear::load(own.pp("query"), h, h)?,
            key: Linear::load(own.pp("key"), h, h)?,
            value: Linear::load(own.pp("value"), h, h)?,
            output: Linear::load(attention.pp("output").pp("dense"), h, h)?,
            attention_norm: layer_norm(
                h,
                c.layer_norm_eps,
                attention.pp("output").pp("LayerNorm"),
            )?,
            intermediate: Linear::load(vb.pp("intermediate").pp("dense"), h, i)?,
            down: Linear::load(vb.pp("output").pp("dense"), i, h)?,
            output_norm: layer_norm(h, c.layer_norm_eps, vb.pp("output").pp("LayerNorm"))?,
        })
    }

    /// `x` is (batch, tokens, hidden); `bias` (batch, 1, 1, tokens) is 0
    /// for real tokens and very negative for padding.
    fn forward(&self, x: &Tensor, bias: &Tensor, heads: usize) -> Result<Tensor> {
        let (batch, tokens, hidden) = x.dims3()?;
        let rows = x.reshape((batch * tokens, hidden))?;
        let split = |t: Tensor| -> Result<Tensor> {
            t.reshape((batch, tokens, heads, hidden / heads))?
                .transpose(1, 2)?
                .contiguous()
        };
        let q = split(self.query.forward(&rows)?)?;
        let k = split(self.key.forward(&rows)?)?;
        let v = split(self.value.forward(&rows)?)?;
        let scale = 1.0 / ((hidden / heads) as f64).sqrt();
        let scores = (q.matmul(&k.t()?.contiguous()?)? * scale)?.broadcast_add(bias)?;
        let weights = candle_nn::ops::softmax_last_dim(&scores)?;
        let context = weights
            .matmul(&v)?
            .transpose(1, 2)?
            .reshape((batch * tokens, hidden))?;
        let attended = self
            .attention_norm
            .forward(&(self.output.forward(&context)? + &rows)?)?;
        let inner = self.intermediate.forward(&attended)?.gelu_erf()?;
        let out = self
            .output_norm
            .forward(&(self.down.forward(&inner)? + &attended)?)?;
        out.reshape((batch, tokens, hidden))
    }
}

/// The encoder: token ids in, one hidden state per token out.
pub struct Bert {
    words: Embedding,
    positions: Embedding,
    types: Embedding,
    norm: LayerNorm,
    layers: Vec<Layer>,
    heads: usize,
}

impl Bert {
    /// The encoder of `config`, its weights from `vb` (with or without a
    /// `bert.` prefix).
    ///
    /// # Errors
    /// When a weight is missing or of the wrong shape, or the activation is
    /// not GELU.
    pub fn load(vb: VarBuilder, c: &Config) -> Result<Self> {
        if c.hidden_act != "gelu" {
            candle_core::bail!("activation {:?}: only gelu is supported", c.hidden_act);
        }
        if c.model_type.as_deref().is_some_and(|t| t != "bert") {
            candle_core::bail!("model_type {:?}: only bert is supported", c.model_type);
        }
        if c.position_embedding_type
            .as_deref()
            .is_some_and(|t| t != "absolute")
        {
            candle_core::bail!(
                "position_embedding_type {:?}: only absolute is supported",
                c.position_embedding_type
            );
        }
        let sizes = [
            c.vocab_size,
            c.hidden_size,
            c.num_hidden_layers,
            c.intermediate_size,
            c.type_vocab_size,
        ];
        if sizes.contains(&0) || c.max_position_embeddings < 8 {
            candle_core::bail!("a size in config.json is zero (or under 8 positions)");
        }
        if c.num_attention_heads == 0 || !c.hidden_size.is_multiple_of(c.num_attention_heads) {
            candle_core::bail!("hidden_size is not a multiple of num_attention_heads");
        }
        let vb = if vb.contains_tensor("bert.embeddings.word_embeddings.weight") {
            vb.pp("bert")
        } else {
            vb
        };
        let e = vb.pp("embeddings");
        let h = c.hidden_size;
        let layers = (0..c.num_hidden_layers)
            .map(|n| Layer::load(vb.pp("encoder").pp("layer").pp(n), c))
            .collect::<Result<Vec<_>>>()?;
        // The word table is half the model's weights and a question reads a
        // few of its rows: kept in f16 (the shipped weights' own precision),
        // its rows widened when read. That is 23 MB instead of 47 MB.
        let words = e.pp("word_embeddings").set_dtype(DType::F16);
        Ok(Bert {
            words: embedding(c.vocab_size, h, words)?,
            positions: embedding(c.max_position_embeddings, h, e.pp("position_embeddings"))?,
            types: embedding(c.type_vocab_size, h, e.pp("token_type_embeddings"))?,
            norm: layer_norm(h, c.layer_norm_eps, e.pp("LayerNorm"))?,
            layers,
            heads: c.num_attention_heads,
        })
    }

    /// Hidden states (batch, tokens, hidden) of `ids` (batch, tokens), with
    /// `mask` (batch, tokens) 1 for real tokens and 0 for padding.
    ///
    /// # Errors
    /// When the shapes disagree.
    pub fn forward(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (_, tokens) = ids.dims2()?;
        let positions = Tensor::arange(0u32, tokens as u32, ids.device())?;
        let x = self
            .words
            .forward(ids)?
            .to_dtype(DType::F32)?
            .broadcast_add(&self.positions.forward(&positions)?)?
            .broadcast_add(&self.types.forward(&ids.zeros_like()?)?)?;
        let mut x = self.norm.forward(&x)?;
        // 0 where a token may be attended to, a large negative where not.
        let bias = ((mask.to_dtype(DType::F32)? - 1.0)? * 1e9)?
            .unsqueeze(1)?
            .unsqueeze(1)?;
        for layer in &self.layers {
            x = layer.forward(&x, &bias, self.heads)?;
        }
        Ok(x)
    }
}
