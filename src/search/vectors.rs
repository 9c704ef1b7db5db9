//! Passage vectors beside the index: one file per model,
//! `vectors/<model id>.bin` in the index directory, holding each passage's
//! vector under a BLAKE3 hash of the text it was embedded from. A reload
//! embeds only the passages whose text is new; a damaged or foreign file
//! is ignored (and rebuilt), never trusted.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::semantic::{Embedder, SemanticError};

/// What a vectors file starts with.
const MAGIC: &[u8; 16] = b"careerbot-vecs1\n";

/// A passage's key: the hash of the text it is embedded from.
pub type Key = [u8; 32];

/// The key of `text`.
pub fn key(text: &str) -> Key {
    *blake3::hash(text.as_bytes()).as_bytes()
}

/// Vectors already computed, by key, for one model.
#[derive(Debug)]
pub struct VectorCache {
    path: Option<PathBuf>,
    dimensions: usize,
    entries: HashMap<Key, Vec<f32>>,
}

impl VectorCache {
    /// The cache of the model `model_id` (of `dimensions`) in the index
    /// directory `dir`, with what its file holds; an empty one in memory
    /// when `dir` is `None`, the file is missing, or it cannot be trusted.
    pub fn open(dir: Option<&Path>, model_id: &str, dimensions: usize) -> Self {
        let path = dir.map(|d| d.join("vectors").join(format!("{model_id}.bin")));
        let entries = path
            .as_deref()
            .and_then(|p| match read(p) {
                Ok(Some(bytes)) => decode(&bytes, dimensions).or_else(|| {
                    tracing::warn!(path = %p.display(), "passage vectors unreadable; embedding again");
                    None
                }),
                Ok(None) => None,
                Err(why) => {
                    tracing::warn!(path = %p.display(), why, "passage vectors not read; embedding again");
                    None
                }
            })
            .unwrap_or_default();
        VectorCache {
            path,
            dimensions,
            entries,
        }
    }

    /// How many vectors it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The vector of `key`, if computed.
    pub fn get(&self, key: &Key) -> Option<&[f32]> {
        self.entries.get(key).map(Vec::as_slice)
    }

    /// Keeps `vector` under `key`.
    pub fn insert(&mut self, key: Key, vector: Vec<f32>) {
        if vector.len() == self.dimensions {
            self.entries.insert(key, vector);
        }
    }

    /// Writes the vectors of `keep` to the file, atomically (a reader sees
    /// the old file or the new one); the others are dropped, so the file
    /// holds the current knowledge only. Nothing when in memory.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn save(&self, keep: &[Key]) -> std::io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let parent = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)?;
        let kept: Vec<(&Key, &Vec<f32>)> = keep
            .iter()
            .filter_map(|k| self.entries.get_key_value(k))
            .collect();
        let mut bytes = Vec::with_capacity(32 + kept.len() * (32 + 4 * self.dimensions));
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&(self.dimensions as u64).to_le_bytes());
        bytes.extend_from_slice(&(kept.len() as u64).to_le_bytes());
        for (key, vector) in kept {
            bytes.extend_from_slice(key);
            for x in vector {
                bytes.extend_from_slice(&x.to_le_bytes());
            }
        }
        let mut file = tempfile::NamedTempFile::new_in(parent)?;
        file.write_all(&bytes)?;
        file.as_file().sync_all()?;
        file.persist(path).map_err(|e| e.error)?;
        Ok(())
    }
}

/// Largest vectors file read: 680,000 texts of 384 dimensions.
const MAX_FILE: u64 = 1 << 30;

/// The bytes of the vectors file at `path`: `None` when there is none;
/// an error when it is not a regular file (a FIFO would block, a device
/// never end) or is larger than [`MAX_FILE`].
fn read(path: &Path) -> Result<Option<Vec<u8>>, &'static str> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(None);
    };
    if !meta.is_file() {
        return Err("not a regular file");
    }
    if meta.len() > MAX_FILE {
        return Err("larger than any knowledge base's vectors");
    }
    let mut bytes = Vec::new();
    let file = std::fs::File::open(path).map_err(|_| "cannot be opened")?;
    std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_FILE), &mut bytes)
        .map_err(|_| "cannot be read")?;
    Ok(Some(bytes))
}

/// The entries of a vectors file, if it is one of `dimensions` whose every
/// value is a number.
fn decode(bytes: &[u8], dimensions: usize) -> Option<HashMap<Key, Vec<f32>>> {
    let rest = bytes.strip_prefix(MAGIC.as_slice())?;
    let number = |b: &[u8]| -> Option<usize> {
        usize::try_from(u64::from_le_bytes(b.get(..8)?.try_into().ok()?)).ok()
    };
    if number(rest)? != dimensions {
        return None;
    }
    let count = number(rest.get(8..)?)?;
    let body = rest.get(16..)?;
    let entry = 32 + 4 * dimensions;
    if body.len() != count.checked_mul(entry)? {
        return None;
    }
    let mut entries = HashMap::with_capacity(count);
    for chunk in body.chunks_exact(entry) {
        let key: Key = chunk[..32].try_into().ok()?;
        let vector: Vec<f32> = chunk[32..]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        if !vector.iter().all(|x| x.is_finite()) {
            return None;
        }
        entries.insert(key, vector);
    }
    Some(entries)
}

/// How many passages were embedded, and how many found in the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Embedded {
    /// Embedded now.
    pub computed: usize,
    /// Taken from the cache.
    pub reused: usize,
}

/// Passages embedded at once: enough to use the cores, little padding.
const BATCH: usize = 16;

/// The vector of each of `texts`, from `cache` where it holds one, else
/// from `embedder` (then kept in `cache`). `progress(done, total)` is
/// called after each batch.
///
/// # Errors
/// When the model fails.
pub fn embed_all(
    embedder: &Embedder,
    texts: &[String],
    cache: &mut VectorCache,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(Vec<Vec<f32>>, Embedded), SemanticError> {
    let keys: Vec<Key> = texts.iter().map(|t| key(t)).collect();
    let missing: Vec<usize> = (0..texts.len())
        .filter(|&i| cache.get(&keys[i]).is_none())
        .collect();
    let mut done = 0;
    for batch in missing.chunks(BATCH) {
        let batch_texts: Vec<&str> = batch.iter().map(|&i| texts[i].as_str()).collect();
        for (&i, vector) in batch.iter().zip(embedder.embed(&batch_texts)?) {
            cache.insert(keys[i], vector);
        }
        done += batch.len();
        progress(done, missing.len());
    }
    let vectors = keys
        .iter()
        .map(|k| cache.get(k).map(<[f32]>::to_vec).unwrap_or_default())
        .collect();
    let embedded = Embedded {
        computed: missing.len(),
        reused: texts.len() - missing.len(),
    };
    Ok((vectors, embedded))
}

/// Passage vectors in one block, for brute-force similarity: at a few
/// thousand passages a pass over all of them takes well under a
/// millisecond, so no approximate index is needed (PERFORMANCE.md says
/// where one would pay).
#[derive(Debug, Clone)]
pub struct Dense {
    dimensions: usize,
    rows: Vec<f32>,
    /// The knowledge base's own sense of "related" and "unrelated".
    pub calibration: Calibration,
}

/// Similarity levels read from the knowledge base itself, never from
/// questions: how similar a section's heading is to the passages of
/// *other* sections. A question less similar to the passage its words
/// point at than a heading typically is to an unrelated passage is not
/// about that passage; one as similar to a passage as only the closest
/// tenth of unrelated pairs are is about it, whatever its words.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibration {
    /// The median similarity of a heading and another section's passage.
    pub unrelated: f32,
    /// Its 90th percentile.
    pub related: f32,
}

/// Heading and passage pairs sampled per passage for the calibration.
const CALIBRATION_PAIRS: usize = 40;

impl Calibration {
    /// From each passage's heading vector (`headings[i]`, with the
    /// heading's text in `heading_keys[i]`) against the passages of other
    /// headings, sampled in a fixed order so a load is reproducible.
    pub fn measure(headings: &[Vec<f32>], heading_keys: &[Key], passages: &[Vec<f32>]) -> Self {
        let n = passages.len().min(headings.len());
        let mut sims: Vec<f32> = Vec::with_capacity(n * CALIBRATION_PAIRS);
        for i in 0..n {
            for k in 0..CALIBRATION_PAIRS.min(n) {
                // A fixed stride through the others, different per passage.
                let j = (i + 1 + k * 7919 + i * 104_729 % n.max(1)) % n;
                if heading_keys[j] != heading_keys[i] {
                    sims.push(crate::semantic::cosine(&headings[i], &passages[j]));
                }
            }
        }
        sims.sort_by(f32::total_cmp);
        let at = |q: f64| {
            if sims.is_empty() {
                1.0
            } else {
                sims[((sims.len() - 1) as f64 * q).round() as usize]
            }
        };
        Calibration {
            unrelated: at(0.5),
            related: at(0.9),
        }
    }
}

impl Dense {
    /// The block of `vectors` (each of `dimensions`; one of another length
    /// counts as zeros, similar to nothing).
    pub fn new(dimensions: usize, vectors: &[Vec<f32>], calibration: Calibration) -> Self {
        let mut rows = Vec::with_capacity(vectors.len() * dimensions);
        for v in vectors {
            if v.len() == dimensions {
                rows.extend_from_slice(v);
            } else {
                rows.extend(std::iter::repeat_n(0.0, dimensions));
            }
        }
        Dense {
            dimensions,
            rows,
            calibration,
        }
    }

    /// How many passages it holds.
    pub fn len(&self) -> usize {
        self.rows.len().checked_div(self.dimensions).unwrap_or(0)
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cosine similarity of `query` (a unit vector) with each passage,
    /// by ordinal.
    pub fn similarities(&self, query: &[f32]) -> Vec<f32> {
        if query.len() != self.dimensions || self.dimensions == 0 {
            return vec![0.0; self.len()];
        }
        self.rows
            .chunks_exact(self.dimensions)
            .map(|row| crate::semantic::cosine(row, query))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::semantic::test_model as model;

    #[test]
    fn a_second_build_embeds_only_what_changed_and_a_damaged_file_is_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let texts: Vec<String> = ["Databases store data.", "Servers answer requests."]
            .map(String::from)
            .to_vec();
        let open = || VectorCache::open(Some(dir.path()), "m", model().dimensions());
        let mut cache = open();
        let (first, embedded) = embed_all(model(), &texts, &mut cache, &mut |_, _| {}).unwrap();
        assert_eq!(
            embedded,
            Embedded {
                computed: 2,
                reused: 0
            }
        );
        let keys: Vec<Key> = texts.iter().map(|t| key(t)).collect();
        cache.save(&keys).unwrap();

        let changed = vec![texts[0].clone(), "APIs connect programs.".to_string()];
        let mut cache = open();
        assert_eq!(cache.len(), 2, "read back");
        let mut calls = Vec::new();
        let (again, embedded) = embed_all(model(), &changed, &mut cache, &mut |d, t| {
            calls.push((d, t))
        })
        .unwrap();
        assert_eq!(
            embedded,
            Embedded {
                computed: 1,
                reused: 1
            }
        );
        assert_eq!(calls, [(1, 1)]);
        assert_eq!(
            again[0], first[0],
            "the unchanged passage's vector, as stored"
        );
        assert!(
            VectorCache::open(Some(dir.path()), "m", 3).is_empty(),
            "vectors of another length are not used"
        );

        let file = dir.path().join("vectors").join("m.bin");
        let mut bytes = std::fs::read(&file).unwrap();
        bytes.truncate(bytes.len() - 3);
        std::fs::write(&file, &bytes).unwrap();
        assert!(open().is_empty(), "a truncated file is not trusted");
        std::fs::write(&file, b"careerbot-vecs1\n\xff\xff\xff\xff\xff\xff\xff\xff").unwrap();
        assert!(open().is_empty(), "nor a forged header");
    }

    #[test]
    fn a_vectors_file_that_is_a_fifo_oversized_or_not_numbers_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let vectors = dir.path().join("vectors");
        std::fs::create_dir(&vectors).unwrap();
        let file = vectors.join("m.bin");
        let made = std::process::Command::new("mkfifo")
            .arg(&file)
            .status()
            .unwrap();
        assert!(made.success());
        assert!(
            VectorCache::open(Some(dir.path()), "m", 2).is_empty(),
            "a FIFO is refused, not waited on"
        );
        std::fs::remove_file(&file).unwrap();

        // One entry whose vector holds a NaN.
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&2u64.to_le_bytes());
        bytes.extend_from_slice(&1u64.to_le_bytes());
        bytes.extend_from_slice(&key("a"));
        bytes.extend_from_slice(&f32::NAN.to_le_bytes());
        bytes.extend_from_slice(&1.0f32.to_le_bytes());
        std::fs::write(&file, &bytes).unwrap();
        assert!(VectorCache::open(Some(dir.path()), "m", 2).is_empty());

        let big = std::fs::File::create(&file).unwrap();
        big.set_len(MAX_FILE + 1).unwrap();
        assert!(
            VectorCache::open(Some(dir.path()), "m", 2).is_empty(),
            "a file larger than any knowledge base's vectors is not read"
        );
    }
}
