//! The encoder's other arithmetic, on one text's rows: layer
//! normalisation, the GELU activation, and self-attention with its
//! softmax. `exp` and `erf` are written to compile to vector instructions
//! (no branches, no library calls) inside `pulp`'s dispatch, which picks
//! the CPU's widest SIMD at run time.

use pulp::{Arch, Simd, WithSimd};

use super::kernel::dot;

/// `e^x` to about one part in 10⁷: `x = k ln 2 + r` with `|r| ≤ ln 2 / 2`,
/// `e^r` by its Taylor series to the 7th power (the first term left out
/// is under 10⁻⁸), `2^k` put in the exponent bits. Saturates outside
/// `[-87, 88]` instead of reaching zero or infinity.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    // ln 2 in two parts: the high one exact in f32, so `k ln 2` loses
    // nothing where it matters (Cody and Waite).
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    let x = x.clamp(-87.0, 88.0);
    let k = (x * std::f32::consts::LOG2_E + 0.5).floor();
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let mut p = 1.0 / 5040.0;
    for c in [
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        p = p * r + c;
    }
    p * f32::from_bits(((k as i32 + 127) as u32) << 23)
}

/// The error function to under 6 × 10⁻⁷: Hastings' rational
/// approximation (Abramowitz and Stegun, 7.1.26, itself within
/// 1.5 × 10⁻⁷; f32 rounding is the rest).
#[inline(always)]
pub fn erf(x: f32) -> f32 {
    let a = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * a);
    let mut p = 1.061_405_4;
    for c in [-1.453_152, 1.421_413_8, -0.284_496_74, 0.254_829_6] {
        p = p * t + c;
    }
    (1.0 - p * t * exp(-a * a)).copysign(x)
}

/// GELU as BERT computes it, `x Φ(x)` with the exact (erf) normal CDF.
pub fn gelu(x: &mut [f32]) {
    Arch::new().dispatch(|| {
        for v in x.iter_mut() {
            *v = 0.5 * *v * (1.0 + erf(*v * std::f32::consts::FRAC_1_SQRT_2));
        }
    });
}

/// Normalises each row of `x` (rows of `gamma.len()`) to mean 0 and
/// variance 1, then scales by `gamma` and shifts by `beta`.
pub fn layer_norm(x: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) {
    Arch::new().dispatch(|| {
        let n = gamma.len() as f32;
        for row in x.chunks_exact_mut(gamma.len()) {
            let mean = row.iter().sum::<f32>() / n;
            let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
            let scale = 1.0 / (var + eps).sqrt();
            for ((v, g), b) in row.iter_mut().zip(gamma).zip(beta) {
                *v = (*v - mean) * scale * g + b;
            }
        }
    });
}

/// Multi-head self-attention over one text. `qkv` holds a row per token:
/// its query, key and value, each `hidden` wide and split into `heads`
/// equal parts. Returns the attended values, a row of `hidden` per token.
pub fn attention(qkv: &[f32], hidden: usize, heads: usize) -> Vec<f32> {
    let tokens = qkv.len() / (3 * hidden);
    let mut out = vec![0f32; tokens * hidden];
    Arch::new().dispatch(Attention {
        qkv,
        hidden,
        heads,
        out: &mut out,
    });
    out
}

struct Attention<'a> {
    qkv: &'a [f32],
    hidden: usize,
    heads: usize,
    out: &'a mut [f32],
}

impl WithSimd for Attention<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let Attention {
            qkv,
            hidden,
            heads,
            out,
        } = self;
        let width = hidden / heads;
        let scale = 1.0 / (width as f32).sqrt();
        let rows: Vec<&[f32]> = qkv.chunks_exact(3 * hidden).collect();
        let mut weights = vec![0f32; rows.len()];
        for (query, context) in rows.iter().zip(out.chunks_exact_mut(hidden)) {
            for head in 0..heads {
                let part = head * width..(head + 1) * width;
                let q = &query[part.clone()];
                for (w, row) in weights.iter_mut().zip(&rows) {
                    *w = dot(simd, q, &row[hidden + part.start..hidden + part.end]) * scale;
                }
                softmax(&mut weights);
                let context = &mut context[part.clone()];
                for (w, row) in weights.iter().zip(&rows) {
                    let value = &row[2 * hidden + part.start..2 * hidden + part.end];
                    for (c, v) in context.iter_mut().zip(value) {
                        *c += w * v;
                    }
                }
            }
        }
    }
}

/// `x` turned into probabilities, in place.
#[inline(always)]
fn softmax(x: &mut [f32]) {
    let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in x.iter_mut() {
        *v = exp(*v - max);
        sum += *v;
    }
    let inverse = 1.0 / sum;
    for v in x.iter_mut() {
        *v *= inverse;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Points across `[from, to]`.
    fn grid(from: f32, to: f32, n: usize) -> impl Iterator<Item = f32> {
        (0..=n).map(move |i| from + (to - from) * i as f32 / n as f32)
    }

    #[test]
    fn exp_is_within_a_few_parts_in_ten_million() {
        let worst = grid(-87.0, 88.0, 200_000)
            .map(|x| {
                let (ours, exact) = (f64::from(exp(x)), f64::from(x).exp());
                ((ours - exact) / exact).abs()
            })
            .fold(0.0, f64::max);
        assert!(worst < 4e-7, "exp is off by {worst} (relative)");
        assert!(exp(-1000.0) > 0.0 && exp(1000.0).is_finite());
    }

    #[test]
    fn erf_is_within_its_published_bound() {
        let worst = grid(-6.0, 6.0, 200_000)
            .map(|x| (f64::from(erf(x)) - libm::erf(f64::from(x))).abs())
            .fold(0.0, f64::max);
        assert!(worst < 6e-7, "erf is off by {worst}");
        assert_eq!(erf(0.0), 0.0);
        assert_eq!(erf(-0.5), -erf(0.5));
    }

    #[test]
    fn gelu_layer_norm_and_attention_match_their_definitions() {
        let mut x = vec![-3.0, -0.5, 0.0, 0.5, 3.0];
        gelu(&mut x);
        let want = [-0.004_049_73, -0.154_268_5, 0.0, 0.345_731_5, 2.995_950_3];
        for (g, w) in x.iter().zip(want) {
            assert!((g - w).abs() < 1e-5, "{g} against {w}");
        }

        let mut rows = vec![1.0, 2.0, 3.0, 4.0, -2.0, 0.0, 2.0, 4.0];
        layer_norm(&mut rows, &[1.0; 4], &[0.5; 4], 0.0);
        let unit = 1.0 / 1.25f32.sqrt();
        assert!((rows[0] - (0.5 - 1.5 * unit)).abs() < 1e-6);
        assert!(rows[4..]
            .iter()
            .zip(&rows[..4])
            .all(|(a, b)| (a - b).abs() < 1e-6));

        // Two tokens, one head of width 2: the second token's key matches
        // the first query far better, so the first row takes its value.
        let qkv = vec![
            10.0, 0.0, /* key */ 0.0, 0.0, /* value */ 1.0, 1.0, //
            0.0, 0.0, /* key */ 10.0, 0.0, /* value */ 5.0, -5.0,
        ];
        let out = attention(&qkv, 2, 1);
        let w = 1.0 / (1.0 + (-100.0 / 2f32.sqrt()).exp());
        assert!((out[0] - (w * 5.0 + (1.0 - w))).abs() < 1e-4, "{out:?}");
        // The second query sees equal scores: the mean of the values.
        assert!(
            (out[2] - 3.0).abs() < 1e-5 && (out[3] + 2.0).abs() < 1e-5,
            "{out:?}"
        );
    }
}
