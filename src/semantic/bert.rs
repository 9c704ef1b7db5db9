//! A BERT encoder: embeddings, then post-norm transformer layers
//! (self-attention, GELU feed-forward), as Hugging Face's `BertModel`
//! computes them, one text at a time on plain `f32` rows. The weights come
//! from a safetensors file. The reference-vector test proves it against
//! sentence-transformers; PERFORMANCE.md says why it is not candle's.

use safetensors::{Dtype, SafeTensors};
use serde::Deserialize;

use super::kernel::{Dense, Table, Weights};
use super::ops::{attention, gelu, layer_norm};

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
    #[serde(default = "gelu_name")]
    pub hidden_act: String,
    /// `bert` (or absent): other architectures are refused.
    #[serde(default)]
    pub model_type: Option<String>,
    /// `absolute` (or absent): the relative kinds are not BERT's.
    #[serde(default)]
    pub position_embedding_type: Option<String>,
}

fn gelu_name() -> String {
    "gelu".to_string()
}

/// The tensors of a safetensors file, under a `bert.` prefix or none.
struct Tensors<'a> {
    file: SafeTensors<'a>,
    prefix: &'static str,
}

impl<'a> Tensors<'a> {
    fn new(bytes: &'a [u8]) -> Result<Self, String> {
        let file = SafeTensors::deserialize(bytes)
            .map_err(|e| format!("model.safetensors is not a safetensors file: {e}"))?;
        let prefix = if file
            .tensor("bert.embeddings.word_embeddings.weight")
            .is_ok()
        {
            "bert."
        } else {
            ""
        };
        Ok(Tensors { file, prefix })
    }

    /// Tensor `name` of `shape` as weights: f16 files stay f16 (never
    /// widened whole: the word table would take twice its memory at load).
    fn weights(&self, name: &str, shape: &[usize]) -> Result<Weights, String> {
        let view = self.view(name, shape)?;
        if view.dtype() != Dtype::F16 {
            return self.get(name, shape).map(Weights::from_f32);
        }
        let bits: Vec<u16> = view
            .data()
            .chunks_exact(2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .collect();
        if bits.len() != shape.iter().product::<usize>() {
            return Err(format!("{name} holds the wrong number of values"));
        }
        Ok(Weights::from_f16(bits))
    }

    fn view(
        &self,
        name: &str,
        shape: &[usize],
    ) -> Result<safetensors::tensor::TensorView<'a>, String> {
        let view = self
            .file
            .tensor(&format!("{}{name}", self.prefix))
            .map_err(|_| format!("the weights have no {name}"))?;
        if view.shape() != shape {
            return Err(format!("{name} is {:?}, not {shape:?}", view.shape()));
        }
        Ok(view)
    }

    /// Tensor `name` of `shape`, widened to f32.
    fn get(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>, String> {
        let view = self.view(name, shape)?;
        let bytes = view.data();
        let values: Vec<f32> = match view.dtype() {
            Dtype::F32 => bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
            Dtype::F16 => bytes
                .chunks_exact(2)
                .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect(),
            Dtype::BF16 => bytes
                .chunks_exact(2)
                .map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect(),
            Dtype::F64 => bytes
                .chunks_exact(8)
                .map(|b| {
                    f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32
                })
                .collect(),
            other => {
                return Err(format!(
                    "{name} is {other:?}: weights must be F16, BF16, F32 or F64"
                ))
            }
        };
        if values.len() != shape.iter().product::<usize>() {
            return Err(format!("{name} holds the wrong number of values"));
        }
        Ok(values)
    }

    /// A linear layer's weight and bias (`outputs × inputs`).
    fn linear(&self, name: &str, inputs: usize, outputs: usize) -> Result<Dense, String> {
        Dense::new(
            self.weights(&format!("{name}.weight"), &[outputs, inputs])?,
            self.get(&format!("{name}.bias"), &[outputs])?,
            inputs,
        )
    }

    fn norm(&self, name: &str, width: usize, eps: f32) -> Result<Norm, String> {
        Ok(Norm {
            gamma: self.get(&format!("{name}.weight"), &[width])?,
            beta: self.get(&format!("{name}.bias"), &[width])?,
            eps,
        })
    }
}

/// A layer normalisation's scale, shift and epsilon.
struct Norm {
    gamma: Vec<f32>,
    beta: Vec<f32>,
    eps: f32,
}

impl Norm {
    fn apply(&self, x: &mut [f32]) {
        layer_norm(x, &self.gamma, &self.beta, self.eps);
    }
}

/// `a += b`, element by element.
fn add(a: &mut [f32], b: &[f32]) {
    for (a, b) in a.iter_mut().zip(b) {
        *a += b;
    }
}

struct Layer {
    /// Query, key and value in one product: their weights one after another.
    qkv: Dense,
    output: Dense,
    attention_norm: Norm,
    intermediate: Dense,
    down: Dense,
    output_norm: Norm,
}

impl Layer {
    fn load(t: &Tensors, n: usize, c: &Config) -> Result<Self, String> {
        let (h, i, eps) = (c.hidden_size, c.intermediate_size, c.layer_norm_eps as f32);
        let at = |part: &str| format!("encoder.layer.{n}.{part}");
        let (mut weights, mut biases) = (Vec::new(), Vec::new());
        for part in ["query", "key", "value"] {
            let name = at(&format!("attention.self.{part}"));
            weights.push(t.weights(&format!("{name}.weight"), &[h, h])?);
            biases.extend(t.get(&format!("{name}.bias"), &[h])?);
        }
        Ok(Layer {
            qkv: Dense::new(Weights::concat(weights), biases, h)?,
            output: t.linear(&at("attention.output.dense"), h, h)?,
            attention_norm: t.norm(&at("attention.output.LayerNorm"), h, eps)?,
            intermediate: t.linear(&at("intermediate.dense"), h, i)?,
            down: t.linear(&at("output.dense"), i, h)?,
            output_norm: t.norm(&at("output.LayerNorm"), h, eps)?,
        })
    }

    /// The layer over `x`, a row of `hidden` per token.
    fn forward(
        &self,
        x: &[f32],
        hidden: usize,
        heads: usize,
        split: bool,
    ) -> Result<Vec<f32>, String> {
        let context = attention(&self.qkv.forward(x, split)?, hidden, heads);
        let mut attended = self.output.forward(&context, split)?;
        add(&mut attended, x);
        self.attention_norm.apply(&mut attended);
        let mut inner = self.intermediate.forward(&attended, split)?;
        gelu(&mut inner);
        let mut out = self.down.forward(&inner, split)?;
        add(&mut out, &attended);
        self.output_norm.apply(&mut out);
        Ok(out)
    }
}

/// The encoder: token ids in, one hidden state per token out.
pub struct Bert {
    words: Table,
    positions: Vec<f32>,
    /// The first token type's embedding: every token is of the first.
    token_type: Vec<f32>,
    norm: Norm,
    layers: Vec<Layer>,
    hidden: usize,
    heads: usize,
}

impl Bert {
    /// The encoder of `config`, its weights from a safetensors file's
    /// bytes (with or without a `bert.` prefix; f32, f16 or bf16).
    ///
    /// # Errors
    /// When a weight is missing or of the wrong shape, or the
    /// configuration is not one this encoder computes.
    pub fn load(weights: &[u8], c: &Config) -> Result<Self, String> {
        check(c)?;
        let t = Tensors::new(weights)?;
        let h = c.hidden_size;
        let eps = c.layer_norm_eps as f32;
        let types = t.get(
            "embeddings.token_type_embeddings.weight",
            &[c.type_vocab_size, h],
        )?;
        Ok(Bert {
            words: Table::new(
                t.weights("embeddings.word_embeddings.weight", &[c.vocab_size, h])?,
                h,
            )?,
            positions: t.get(
                "embeddings.position_embeddings.weight",
                &[c.max_position_embeddings, h],
            )?,
            token_type: types[..h].to_vec(),
            norm: t.norm("embeddings.LayerNorm", h, eps)?,
            layers: (0..c.num_hidden_layers)
                .map(|n| Layer::load(&t, n, c))
                .collect::<Result<_, _>>()?,
            hidden: h,
            heads: c.num_attention_heads,
        })
    }

    /// Hidden states of one text's token ids, a row of the hidden size per
    /// token. With `split`, each layer's products take two cores (see
    /// [`Dense::forward`]).
    ///
    /// # Errors
    /// When a token id is outside the vocabulary or there are more tokens
    /// than positions.
    pub fn forward(&self, ids: &[u32], split: bool) -> Result<Vec<f32>, String> {
        let h = self.hidden;
        if ids.len() * h > self.positions.len() {
            return Err(format!("{} tokens, more than the model reads", ids.len()));
        }
        let mut x = vec![0f32; ids.len() * h];
        for ((row, &id), position) in x
            .chunks_exact_mut(h)
            .zip(ids)
            .zip(self.positions.chunks_exact(h))
        {
            self.words
                .add_row(id as usize, row)
                .ok_or_else(|| format!("token {id} is outside the vocabulary"))?;
            add(row, position);
            add(row, &self.token_type);
        }
        self.norm.apply(&mut x);
        for layer in &self.layers {
            x = layer.forward(&x, h, self.heads, split)?;
        }
        Ok(x)
    }
}

/// A configuration this encoder computes: BERT with GELU, absolute
/// positions and sizes that fit together.
fn check(c: &Config) -> Result<(), String> {
    if c.hidden_act != "gelu" {
        return Err(format!(
            "activation {:?}: only gelu is supported",
            c.hidden_act
        ));
    }
    if c.model_type.as_deref().is_some_and(|t| t != "bert") {
        return Err(format!(
            "model_type {:?}: only bert is supported",
            c.model_type
        ));
    }
    if c.position_embedding_type
        .as_deref()
        .is_some_and(|t| t != "absolute")
    {
        return Err(format!(
            "position_embedding_type {:?}: only absolute is supported",
            c.position_embedding_type
        ));
    }
    let sizes = [
        c.vocab_size,
        c.hidden_size,
        c.num_hidden_layers,
        c.intermediate_size,
        c.type_vocab_size,
    ];
    if sizes.contains(&0) || c.max_position_embeddings < 8 {
        return Err("a size in config.json is zero (or under 8 positions)".into());
    }
    if c.num_attention_heads == 0 || !c.hidden_size.is_multiple_of(c.num_attention_heads) {
        return Err("hidden_size is not a multiple of num_attention_heads".into());
    }
    if !(c.layer_norm_eps > 0.0 && c.layer_norm_eps < 1.0) {
        return Err("layer_norm_eps is not between 0 and 1".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_float_type_is_read_and_others_are_refused_by_name() {
        use safetensors::tensor::TensorView;
        let f64s: Vec<u8> = [1.5f64, -2.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let bf16s: Vec<u8> = [1.5f32, -2.0]
            .iter()
            .flat_map(|v| half::bf16::from_f32(*v).to_le_bytes())
            .collect();
        let ints = vec![1u8, 2];
        let file = safetensors::serialize(
            [
                ("a", TensorView::new(Dtype::F64, vec![2], &f64s).unwrap()),
                ("b", TensorView::new(Dtype::BF16, vec![2], &bf16s).unwrap()),
                ("c", TensorView::new(Dtype::I8, vec![2], &ints).unwrap()),
            ],
            None,
        )
        .unwrap();
        let t = Tensors::new(&file).unwrap();
        assert_eq!(t.get("a", &[2]).unwrap(), vec![1.5, -2.0]);
        assert_eq!(t.get("b", &[2]).unwrap(), vec![1.5, -2.0]);
        assert!(t.get("c", &[2]).unwrap_err().contains("I8"));
        assert!(t.get("a", &[3]).unwrap_err().contains("not [3]"));
        assert!(t.get("d", &[2]).unwrap_err().contains("no d"));
    }
}
