"""Spectral clustering of sparse text (TF-IDF): unsup's cosine kNN graph beside scikit-learn's, in one run.

No downloads: a corpus with planted topics is generated. Each topic owns a slice of the vocabulary; a document
of Poisson(``--doc-len``) words draws each word from its topic's slice with probability ``--purity`` (Zipf
within the slice), otherwise from the whole vocabulary (Zipf, the shared background words). Counts become
TF-IDF with scikit-learn's ``TfidfTransformer`` (rows L2-normalised), a scipy CSR matrix that nobody densifies.

Each fit runs in a fresh child process (wall time and peak RSS of the whole process, corpus included):

* ``unsup``: ``SpectralClustering(k, metric="cosine", n_neighbors=10)`` on the sparse matrix;
* ``sklearn``: ``sklearn.cluster.SpectralClustering(k, affinity="nearest_neighbors", n_neighbors=10)`` (its
  Euclidean kNN on L2-normalised rows ranks neighbours as cosine does), ARPACK.

    python benchmarks/spectral_text.py --sizes 5000 20000
    python benchmarks/spectral_text.py --sizes 100000 --vocab 50000 --methods unsup
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import json  # noqa: E402
import multiprocessing as mp  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

METHODS = ("unsup", "sklearn")


def make_corpus(n: int, vocab: int, topics: int, doc_len: float, purity: float, seed: int):
    """TF-IDF CSR (n, vocab) and the planted topic of each document (n,)."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfTransformer

    rng = np.random.default_rng(seed)
    y = rng.integers(topics, size=n)
    lengths = np.maximum(rng.poisson(doc_len, size=n), 1)
    doc = np.repeat(np.arange(n), lengths)
    slice_size = vocab // topics
    # Zipf ranks (a = 1.3) folded into each range keep a few frequent words and a long tail, as in real text.
    in_topic = rng.random(len(doc)) < purity
    rank = rng.zipf(1.3, size=len(doc)) - 1
    words = np.where(in_topic, y[doc] * slice_size + rank % slice_size, rng.permutation(vocab)[rank % vocab])
    counts = sp.csr_matrix((np.ones(len(doc), np.float32), (doc, words)), shape=(n, vocab))
    counts.sum_duplicates()
    return TfidfTransformer().fit_transform(counts).astype(np.float32), y


def fit(method: str, X, k: int, n_neighbors: int, seed: int):
    if method == "unsup":
        from unsup.spectral import SpectralClustering

        return SpectralClustering(k, metric="cosine", n_neighbors=n_neighbors, random_state=seed).fit_predict(X)
    from sklearn.cluster import SpectralClustering

    model = SpectralClustering(k, affinity="nearest_neighbors", n_neighbors=n_neighbors, random_state=seed)
    return model.fit_predict(X)


def _child(method: str, args: argparse.Namespace, n: int, queue) -> None:
    from sklearn.metrics import adjusted_rand_score

    X, y = make_corpus(n, args.vocab, args.topics, args.doc_len, args.purity, args.seed)
    data_mb = (X.data.nbytes + X.indices.nbytes + X.indptr.nbytes) / 2**20
    t0 = time.perf_counter()
    labels = fit(method, X, args.topics, args.n_neighbors, args.seed)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ari = adjusted_rand_score(y, labels)
    queue.put(
        {
            "method": method,
            "n": n,
            "vocab": args.vocab,
            "nnz": int(X.nnz),
            "data_mb": round(data_mb, 1),
            "seconds": round(seconds, 2),
            "peak_rss_mb": round(peak, 1),
            "ari": round(ari, 4),
        }
    )


def run_one(method: str, args: argparse.Namespace, n: int) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(method, args, n, queue))
    proc.start()
    proc.join(args.timeout)
    if proc.is_alive():
        proc.kill()
        return {"method": method, "n": n, "error": f"timeout {args.timeout}s"}
    return queue.get() if not queue.empty() else {"method": method, "n": n, "error": "crashed"}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000], help="documents")
    p.add_argument("--vocab", type=int, default=20000)
    p.add_argument("--topics", type=int, default=20)
    p.add_argument("--doc-len", type=float, default=50.0, help="mean words per document")
    p.add_argument("--purity", type=float, default=0.15, help="share of a document's words from its topic")
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    p.add_argument("--n-neighbors", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timeout", type=float, default=1800)
    args = p.parse_args()
    print(f"# {os.cpu_count()} cores; vocab {args.vocab}, {args.topics} topics, purity {args.purity}")
    print(f"{'n':>8s} {'method':8s} {'nnz':>10s} {'dataMB':>7s} {'sec':>8s} {'peakMB':>8s} {'ARI':>7s}")
    rows = []
    for n in args.sizes:
        for method in args.methods:
            r = run_one(method, args, n)
            rows.append(r)
            if "error" in r:
                print(f"{n:8d} {method:8s} {r['error']}", flush=True)
                continue
            print(
                f"{n:8d} {method:8s} {r['nnz']:10d} {r['data_mb']:7.1f} {r['seconds']:8.2f} "
                f"{r['peak_rss_mb']:8.1f} {r['ari']:7.4f}",
                flush=True,
            )
    print(json.dumps({"benchmark": "spectral_text", "args": vars(args), "results": rows}))


if __name__ == "__main__":
    main()
