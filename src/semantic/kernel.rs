//! The linear layers' arithmetic, `x Wᵀ + b`, written for the encoder's
//! shapes. A question is ten or twenty tokens: a general matrix product
//! (candle's, through the gemm crate) repacks the weights on every call,
//! which cost more than the arithmetic, and reading 4-byte weights was
//! the rest. Here the weights stay in the model's layout, one output row
//! after another, in f16 when that loses nothing (the shipped weights
//! are f16), and each row is widened once and taken against every input
//! row while it is in the cache. SIMD through `pulp`, chosen at run time
//! (AVX-512 or AVX2 with FMA where the CPU has them), without `unsafe`.

use pulp::{Arch, Simd, WithSimd};

/// Weight rows taken together: each input vector loaded serves this many.
const WEIGHT_ROWS: usize = 4;
/// Input rows taken together: each weight vector loaded serves this many.
const INPUT_ROWS: usize = 2;

/// A linear layer's weights and bias.
pub struct Dense {
    weights: Weights,
    bias: Vec<f32>,
    inputs: usize,
}

/// A layer's weights or a table's values, row-major, in f16 when that
/// loses nothing.
pub enum Weights {
    /// f16 bit patterns: every weight was exactly an f16.
    Half(Vec<u16>),
    /// Weights that f16 would round.
    Single(Vec<f32>),
}

impl Dense {
    /// The layer of `weight` (`outputs × inputs`) and `bias` (`outputs`).
    ///
    /// # Errors
    /// When the lengths disagree.
    pub fn new(weight: Weights, bias: Vec<f32>, inputs: usize) -> Result<Self, String> {
        if inputs == 0 || bias.is_empty() || weight.count() != bias.len() * inputs {
            return Err(format!(
                "a linear layer of {} weights for {} outputs of {inputs} inputs",
                weight.count(),
                bias.len()
            ));
        }
        Ok(Dense {
            weights: weight,
            bias,
            inputs,
        })
    }

    /// Its outputs.
    pub fn outputs(&self) -> usize {
        self.bias.len()
    }

    /// `x Wᵀ + b` for `x` of `rows × inputs`: `rows × outputs`. With
    /// `split`, the outputs are computed in two halves, on two of the
    /// thread pool's cores if it has two (call from inside the pool).
    ///
    /// # Errors
    /// When `x` is not whole rows of the layer's inputs.
    pub fn forward(&self, x: &[f32], split: bool) -> Result<Vec<f32>, String> {
        if !x.len().is_multiple_of(self.inputs) {
            return Err(format!(
                "{} inputs for a layer of {} a row",
                x.len(),
                self.inputs
            ));
        }
        let rows = x.len() / self.inputs;
        let outputs = self.outputs();
        let half = (outputs / 2).next_multiple_of(WEIGHT_ROWS);
        if !split || rayon::current_num_threads() < 2 || half == 0 || half >= outputs {
            return Ok(self.part(x, 0..outputs));
        }
        let (left, right) = rayon::join(|| self.part(x, 0..half), || self.part(x, half..outputs));
        let mut y = Vec::with_capacity(rows * outputs);
        for (l, r) in left
            .chunks_exact(half)
            .zip(right.chunks_exact(outputs - half))
        {
            y.extend_from_slice(l);
            y.extend_from_slice(r);
        }
        Ok(y)
    }

    /// Outputs `range` (starting at a multiple of `WEIGHT_ROWS`) of every
    /// row: `rows × range.len()`.
    fn part(&self, x: &[f32], range: std::ops::Range<usize>) -> Vec<f32> {
        let mut y = vec![0f32; x.len() / self.inputs * range.len()];
        Arch::new().dispatch(Rows {
            layer: self,
            x,
            range,
            y: &mut y,
        });
        y
    }
}

impl Weights {
    /// `values`, in f16 if every one is exactly an f16.
    pub fn from_f32(values: Vec<f32>) -> Self {
        let half: Option<Vec<u16>> = values.iter().map(|&w| exact_half(w)).collect();
        match half {
            Some(bits) => Weights::Half(bits),
            None => Weights::Single(values),
        }
    }

    /// f16 bit patterns, kept as they are if all are finite (widened to
    /// f32 otherwise, for the model's test text to find out).
    pub fn from_f16(bits: Vec<u16>) -> Self {
        if bits.iter().all(|b| b & 0x7c00 != 0x7c00) {
            return Weights::Half(bits);
        }
        Weights::Single(
            bits.into_iter()
                .map(|b| half::f16::from_bits(b).to_f32())
                .collect(),
        )
    }

    /// Several weights one after another.
    pub fn concat(parts: Vec<Weights>) -> Self {
        if parts.iter().all(|p| matches!(p, Weights::Half(_))) {
            return Weights::Half(
                parts
                    .into_iter()
                    .flat_map(|p| match p {
                        Weights::Half(bits) => bits,
                        Weights::Single(_) => Vec::new(),
                    })
                    .collect(),
            );
        }
        Weights::Single(parts.into_iter().flat_map(Weights::into_f32).collect())
    }

    fn into_f32(self) -> Vec<f32> {
        match self {
            Weights::Half(bits) => bits
                .into_iter()
                .map(|b| half::f16::from_bits(b).to_f32())
                .collect(),
            Weights::Single(values) => values,
        }
    }

    /// How many values.
    pub fn count(&self) -> usize {
        match self {
            Weights::Half(bits) => bits.len(),
            Weights::Single(values) => values.len(),
        }
    }
}

/// A table of rows read one at a time (the word embeddings), kept as a
/// layer's weights are: half the memory when f16 loses nothing.
pub struct Table {
    weights: Weights,
    width: usize,
}

impl Table {
    /// The table of `values`, rows of `width`.
    ///
    /// # Errors
    /// When `values` is not whole rows.
    pub fn new(values: Weights, width: usize) -> Result<Self, String> {
        if width == 0 || !values.count().is_multiple_of(width) {
            return Err(format!(
                "a table of {} values in rows of {width}",
                values.count()
            ));
        }
        Ok(Table {
            weights: values,
            width,
        })
    }

    /// Adds row `index` to `out`; `None` when there is no such row.
    pub fn add_row(&self, index: usize, out: &mut [f32]) -> Option<()> {
        let span = index.checked_mul(self.width)?..(index + 1).checked_mul(self.width)?;
        let mut row = vec![0f32; self.width];
        match &self.weights {
            Weights::Half(bits) => widen(bits.get(span)?, &mut row),
            Weights::Single(values) => row.copy_from_slice(values.get(span)?),
        }
        for (o, r) in out.iter_mut().zip(&row) {
            *o += r;
        }
        Some(())
    }
}

/// `w` as an f16 bit pattern, if it is exactly one (and finite).
fn exact_half(w: f32) -> Option<u16> {
    let h = half::f16::from_f32(w);
    (h.is_finite() && h.to_f32().to_bits() == w.to_bits()).then(|| h.to_bits())
}

/// Finite f16 bit patterns widened to f32: the exponent and mantissa
/// moved into place and rebiased by one multiplication (which also
/// normalises subnormals), the sign put back. Branch-free, so that it
/// compiles to vector instructions.
#[inline(always)]
fn widen(h: &[u16], out: &mut [f32]) {
    // 2^112: the bias of f32's exponent (127) less f16's (15), as a power.
    let rebias = f32::from_bits((127 + 112) << 23);
    for (o, &h) in out.iter_mut().zip(h) {
        let h = u32::from(h);
        let magnitude = f32::from_bits((h & 0x7fff) << 13) * rebias;
        *o = f32::from_bits(magnitude.to_bits() | ((h & 0x8000) << 16));
    }
}

struct Rows<'a> {
    layer: &'a Dense,
    x: &'a [f32],
    range: std::ops::Range<usize>,
    y: &'a mut [f32],
}

impl WithSimd for Rows<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let Rows { layer, x, range, y } = self;
        let (inputs, outputs) = (layer.inputs, range.len());
        let xs: Vec<&[f32]> = x.chunks_exact(inputs).collect();
        let mut wide = vec![0f32; WEIGHT_ROWS * inputs];
        for (t, bias) in layer.bias[range.clone()].chunks(WEIGHT_ROWS).enumerate() {
            let j0 = t * WEIGHT_ROWS;
            let from = range.start + j0;
            let wide = &mut wide[..bias.len() * inputs];
            let span = from * inputs..(from + bias.len()) * inputs;
            match &layer.weights {
                Weights::Half(bits) => widen(&bits[span], wide),
                Weights::Single(w) => wide.copy_from_slice(&w[span]),
            }
            let wr: Vec<&[f32]> = wide.chunks_exact(inputs).collect();
            for (i, xt) in xs.chunks(INPUT_ROWS).enumerate() {
                let dots = block(simd, &wr, xt);
                for (dj, (row, b)) in dots.iter().zip(bias).enumerate() {
                    for (di, dot) in row.iter().enumerate().take(xt.len()) {
                        y[(i * INPUT_ROWS + di) * outputs + j0 + dj] = dot + b;
                    }
                }
            }
        }
    }
}

/// The dot products of up to `WEIGHT_ROWS` weight rows with up to
/// `INPUT_ROWS` input rows (entries beyond them are zero).
#[inline(always)]
fn block<S: Simd>(simd: S, w: &[&[f32]], x: &[&[f32]]) -> [[f32; INPUT_ROWS]; WEIGHT_ROWS] {
    if let (&[w0, w1, w2, w3], &[x0, x1]) = (w, x) {
        return tile(simd, [w0, w1, w2, w3], [x0, x1]);
    }
    std::array::from_fn(|j| {
        std::array::from_fn(|i| match (w.get(j), x.get(i)) {
            (Some(w), Some(x)) => dot(simd, w, x),
            _ => 0.0,
        })
    })
}

/// One dot product.
#[inline(always)]
pub fn dot<S: Simd>(simd: S, a: &[f32], b: &[f32]) -> f32 {
    let (av, at) = S::as_simd_f32s(a);
    let (bv, bt) = S::as_simd_f32s(b);
    let mut acc = simd.splat_f32s(0.0);
    for (a, b) in av.iter().zip(bv) {
        acc = simd.mul_add_f32s(*a, *b, acc);
    }
    simd.reduce_sum_f32s(acc) + at.iter().zip(bt).map(|(a, b)| a * b).sum::<f32>()
}

/// The dot products of `WEIGHT_ROWS` weight rows with `INPUT_ROWS` input
/// rows, all of one length: eight accumulators in registers.
#[inline(always)]
fn tile<S: Simd>(
    simd: S,
    w: [&[f32]; WEIGHT_ROWS],
    x: [&[f32]; INPUT_ROWS],
) -> [[f32; INPUT_ROWS]; WEIGHT_ROWS] {
    let ws = w.map(S::as_simd_f32s);
    let xs = x.map(S::as_simd_f32s);
    let z = simd.splat_f32s(0.0);
    let (mut a00, mut a01, mut a10, mut a11) = (z, z, z, z);
    let (mut a20, mut a21, mut a30, mut a31) = (z, z, z, z);
    let lanes = ws[0].0.iter().zip(ws[1].0).zip(ws[2].0).zip(ws[3].0);
    for ((((w0, w1), w2), w3), (x0, x1)) in lanes.zip(xs[0].0.iter().zip(xs[1].0)) {
        a00 = simd.mul_add_f32s(*w0, *x0, a00);
        a01 = simd.mul_add_f32s(*w0, *x1, a01);
        a10 = simd.mul_add_f32s(*w1, *x0, a10);
        a11 = simd.mul_add_f32s(*w1, *x1, a11);
        a20 = simd.mul_add_f32s(*w2, *x0, a20);
        a21 = simd.mul_add_f32s(*w2, *x1, a21);
        a30 = simd.mul_add_f32s(*w3, *x0, a30);
        a31 = simd.mul_add_f32s(*w3, *x1, a31);
    }
    let acc = [[a00, a01], [a10, a11], [a20, a21], [a30, a31]];
    std::array::from_fn(|j| {
        std::array::from_fn(|i| {
            let tail: f32 = ws[j].1.iter().zip(xs[i].1).map(|(a, b)| a * b).sum();
            simd.reduce_sum_f32s(acc[j][i]) + tail
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic spread of values, some exactly f16 and some not.
    fn values(n: usize, seed: u64, exact: bool) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let v = ((s >> 40) as f32 / (1u64 << 24) as f32) - 0.5;
                if exact {
                    half::f16::from_f32(v).to_f32()
                } else {
                    v
                }
            })
            .collect()
    }

    fn naive(x: &[f32], w: &[f32], b: &[f32], inputs: usize) -> Vec<f32> {
        let rows = x.len() / inputs;
        let mut y = Vec::new();
        for i in 0..rows {
            for (j, b) in b.iter().enumerate() {
                let dot: f64 = (0..inputs)
                    .map(|k| f64::from(x[i * inputs + k]) * f64::from(w[j * inputs + k]))
                    .sum();
                y.push(dot as f32 + b);
            }
        }
        y
    }

    #[test]
    fn widening_matches_half_on_every_finite_f16() {
        let bits: Vec<u16> = (0..=u16::MAX)
            .filter(|&h| half::f16::from_bits(h).is_finite())
            .collect();
        let mut out = vec![0f32; bits.len()];
        widen(&bits, &mut out);
        for (h, o) in bits.iter().zip(&out) {
            assert_eq!(
                o.to_bits(),
                half::f16::from_bits(*h).to_f32().to_bits(),
                "{h:#06x}"
            );
        }
    }

    #[test]
    fn the_product_matches_the_definition_for_every_shape() {
        // Inputs off the vector width, outputs off the tile, odd rows,
        // weights in f16 and in f32.
        for (rows, inputs, outputs) in [(1, 3, 1), (3, 37, 5), (12, 384, 10), (33, 64, 7)] {
            for exact in [true, false] {
                let x = values(rows * inputs, 1, false);
                let w = values(outputs * inputs, 2, exact);
                let b = values(outputs, 3, false);
                let layer = Dense::new(Weights::from_f32(w.clone()), b.clone(), inputs).unwrap();
                assert_eq!(matches!(layer.weights, Weights::Half(_)), exact);
                for split in [false, true] {
                    let got = layer.forward(&x, split).unwrap();
                    let want = naive(&x, &w, &b, inputs);
                    assert_eq!(got.len(), want.len());
                    for (g, w) in got.iter().zip(&want) {
                        assert!(
                            (g - w).abs() < 1e-4,
                            "{rows}x{inputs}x{outputs}: {g} against {w}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn f16_weights_stay_f16_unless_one_is_not_finite() {
        let one = half::f16::from_f32(1.0).to_bits();
        assert!(matches!(Weights::from_f16(vec![one, 0]), Weights::Half(_)));
        let infinite = Weights::from_f16(vec![one, 0x7c00]);
        assert!(matches!(&infinite, Weights::Single(v) if v[0] == 1.0 && v[1].is_infinite()));
        let joined = Weights::concat(vec![
            Weights::from_f16(vec![one]),
            Weights::from_f32(vec![0.1]),
        ]);
        assert!(matches!(&joined, Weights::Single(v) if v == &vec![1.0, 0.1]));
        let both = Weights::concat(vec![
            Weights::from_f16(vec![one]),
            Weights::from_f16(vec![0]),
        ]);
        assert!(matches!(&both, Weights::Half(b) if b == &vec![one, 0]));
    }

    #[test]
    fn wrong_lengths_are_errors() {
        assert!(Dense::new(Weights::from_f32(vec![0.0; 5]), vec![0.0; 2], 3).is_err());
        assert!(Dense::new(Weights::from_f32(vec![0.0; 6]), vec![0.0; 2], 0).is_err());
        assert!(Dense::new(Weights::from_f32(vec![]), vec![], 3).is_err());
        let layer = Dense::new(Weights::from_f32(vec![0.0; 6]), vec![0.0; 2], 3).unwrap();
        assert!(layer.forward(&[1.0; 4], false).is_err());
        assert_eq!(layer.forward(&[], true).unwrap(), Vec::<f32>::new());
    }

    #[test]
    fn a_table_adds_the_rows_it_has_and_refuses_others() {
        let table = Table::new(Weights::from_f32(vec![1.0, 2.0, 3.0, 0.1]), 2).unwrap();
        let mut out = vec![10.0, 10.0];
        assert_eq!(table.add_row(1, &mut out), Some(()));
        assert_eq!(out, vec![13.0, 10.1]);
        assert_eq!(table.add_row(2, &mut out), None);
        assert_eq!(table.add_row(usize::MAX, &mut out), None);
        assert!(Table::new(Weights::from_f32(vec![1.0; 3]), 2).is_err());
    }

    #[test]
    fn a_weight_f16_cannot_hold_keeps_the_layer_in_f32() {
        let layer = Dense::new(Weights::from_f32(vec![1e-9, 70000.0]), vec![0.0], 2).unwrap();
        assert!(matches!(layer.weights, Weights::Single(_)));
        assert_eq!(
            layer.forward(&[1.0, 1.0], false).unwrap(),
            vec![1e-9 + 70000.0]
        );
    }
}
