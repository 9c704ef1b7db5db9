#!/usr/bin/env python3
"""The Python hybrid a community could assemble instead of careerbot:
sentence-transformers all-MiniLM-L6-v2 on one thread, plus SQLite FTS5
(bm25) over the same passages, fused by reciprocal rank. Times one question
end to end (embed the question, FTS5 query, cosine against every passage,
fuse), each call timed on its own, cold (no question cache).

Set-up (not part of careerbot's build or tests; needs PyPI once):
    python3 -m venv /tmp/stvenv && /tmp/stvenv/bin/pip install sentence-transformers
    cargo run --release --example passages -- knowledge > /tmp/seed.jsonl
    /tmp/stvenv/bin/python benches/python_hybrid.py /tmp/seed.jsonl \
        tests/questions/seed.toml tests/questions/holdout-seed.toml

The model is loaded from models/all-MiniLM-L6-v2 (the files careerbot ships).
PERFORMANCE.md holds the figures beside `cargo bench --bench anchor`'s.
"""
import json
import sqlite3
import sys
import time
import tomllib

import torch
from sentence_transformers import SentenceTransformer

ROUNDS = 5


def load_questions(paths):
    out = []
    for p in paths:
        with open(p, "rb") as f:
            d = tomllib.load(f)
        out += [q["text"] for q in d.get("question", [])]
        out += [q["text"] for q in d.get("out_of_scope", [])]
    return out


def fts5(passages):
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE passages USING fts5(id UNINDEXED, title, section, body,"
        " tokenize = 'porter unicode61 remove_diacritics 2')"
    )
    db.executemany(
        "INSERT INTO passages (rowid, id, title, section, body) VALUES (?, ?, ?, ?, ?)",
        [(i, p["id"], p["article"], p["section"], p["text"]) for i, p in enumerate(passages)],
    )
    return db


def fts5_ranks(db, question):
    words = ['"%s"' % w.lower() for w in "".join(c if c.isalnum() else " " for c in question).split()]
    if not words:
        return []
    rows = db.execute(
        "SELECT rowid FROM passages WHERE passages MATCH ? "
        "ORDER BY bm25(passages, 0.0, 2.0, 2.0, 1.0) LIMIT 20",
        (" OR ".join(words),),
    ).fetchall()
    return [r[0] for r in rows]


def main():
    torch.set_num_threads(1)
    passages = [json.loads(l) for l in open(sys.argv[1])]
    questions = load_questions(sys.argv[2:])
    model = SentenceTransformer("models/all-MiniLM-L6-v2", device="cpu")
    model = model.float()
    texts = [f'{p["article"]} › {p["section"]}. {p["text"]}' for p in passages]
    vectors = model.encode(texts, convert_to_tensor=True, normalize_embeddings=True)
    db = fts5(passages)

    def ask(q):
        v = model.encode([q], convert_to_tensor=True, normalize_embeddings=True)[0]
        sims = vectors @ v
        dense = torch.topk(sims, min(20, len(passages))).indices.tolist()
        lexical = fts5_ranks(db, q)
        score = {}
        for ranks in (lexical, dense):
            for r, i in enumerate(ranks):
                score[i] = score.get(i, 0.0) + 1.0 / (60 + r)
        return sorted(score, key=lambda i: -score[i])[:3]

    for q in questions[:5]:
        ask(q)  # warm up
    times = []
    for _ in range(ROUNDS):
        for q in questions:
            t = time.perf_counter()
            ask(q)
            times.append(time.perf_counter() - t)
    times.sort()
    pick = lambda p: times[min(len(times) - 1, int(p * len(times)))] * 1e3
    print(f"python hybrid (sentence-transformers 1 thread + FTS5): {len(passages)} passages, "
          f"{len(questions)} questions x {ROUNDS}: median {pick(0.5):.2f} ms, p99 {pick(0.99):.2f} ms")


if __name__ == "__main__":
    main()
