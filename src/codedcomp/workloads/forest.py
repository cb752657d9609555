"""Random-forest inference, the ensemble workload of papers 000 §II-A and 001 §II-A.

``f_i(x)`` is the class-probability vote of the ``i``-th decision tree for the digit image ``x``
(shape ``(10,)``), so ``F(x) = Σ_i f_i(x)`` is ``m`` times the forest's ``predict_proba`` and
``argmax F(x)`` is the forest's prediction.  The forest is scikit-learn's
``RandomForestClassifier(n_estimators=m, max_depth=depth, random_state=…, n_jobs=1)``
(``random_state`` derived from the seed; bootstrap samples, √64 = 8 features tried per split)
trained on the training part of :mod:`codedcomp.workloads.digits` (1437 images, offline); queries
are held-out images (shape ``(64,)``, intensities 0..16).  Training takes ≈ 0.25 s for ``m = 100``
and ≈ 2.5 s for ``m = 1000`` (plus ≈ 1 s for the first import of scikit-learn).

After training, the trees are flattened into a few compact arrays (child pointers, split feature
and threshold per node, one probability row per leaf) and the scikit-learn object is dropped, so the
pickle shipped to workers is small (≈ 6 KB per tree at depth 8: leaves keep their exact
bootstrap class counts as ``uint16``) and workers never retrain.
``partial`` walks all the task's trees at once, one vectorised step per level; ``exact`` walks each
tree on its own in plain Python, a separate path (the tests also check it against scikit-learn's
``predict_proba``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import check
from .base import Workload
from .digits import digits_split

N_CLASSES = 10


class RandomForest(Workload):
    """Σ of the class-probability votes of ``m`` trees of a digits random forest."""

    name = "random-forest"

    def __init__(self, *, m: int, seed: int | None = None, depth: int = 8) -> None:
        check(
            "RandomForest", "m", m, isinstance(m, (int, np.integer)) and m >= 1, "an integer >= 1"
        )
        check(
            "RandomForest",
            "depth",
            depth,
            isinstance(depth, (int, np.integer)) and depth >= 1,
            "an integer >= 1",
        )
        self.m = int(m)
        self.seed = seed
        self.depth = int(depth)
        self._seq = np.random.SeedSequence(seed)
        forest = self.train()
        self._flatten(forest)

    def train(self) -> Any:
        """Train (again) the scikit-learn forest this workload was built from."""
        from sklearn.ensemble import RandomForestClassifier

        x_train, y_train, _, _ = digits_split()
        forest = RandomForestClassifier(
            n_estimators=self.m,
            max_depth=self.depth,
            random_state=int(self._seq.generate_state(1)[0]),
            n_jobs=1,
        )
        return forest.fit(x_train.astype(np.float64), y_train)

    def _flatten(self, forest: Any) -> None:
        roots, lefts, rights, feats, thrs, leaf_rows, leaf_values = [], [], [], [], [], [], []
        offset = n_leaves = 0
        max_depth = 0
        for est in forest.estimators_:
            t = est.tree_
            n = t.node_count
            is_leaf = t.children_left < 0
            node = np.arange(n)
            roots.append(offset)
            # a leaf points to itself, so extra traversal steps keep it in place
            lefts.append(np.where(is_leaf, node, t.children_left) + offset)
            rights.append(np.where(is_leaf, node, t.children_right) + offset)
            feats.append(np.where(is_leaf, 0, t.feature))
            thrs.append(np.where(is_leaf, 0.0, t.threshold))
            row = np.full(n, -1)
            row[is_leaf] = n_leaves + np.arange(int(is_leaf.sum()))
            leaf_rows.append(row)
            # exact bootstrap counts: value = weighted counts / node weight (integer weights)
            counts = t.value[is_leaf, 0, :] * t.weighted_n_node_samples[is_leaf, None]
            leaf_values.append(np.rint(counts))
            offset += n
            n_leaves += int(is_leaf.sum())
            max_depth = max(max_depth, int(t.max_depth))
        check(
            "RandomForest",
            "n_classes",
            len(forest.classes_),
            len(forest.classes_) == N_CLASSES,
            f"{N_CLASSES} (digits)",
        )
        index = np.int32 if offset < 2**31 else np.int64
        self.roots = np.asarray(roots, dtype=index)
        self.left = np.concatenate(lefts).astype(index)
        self.right = np.concatenate(rights).astype(index)
        self.feature = np.concatenate(feats).astype(np.int8)
        threshold = np.concatenate(thrs).astype(np.float64)
        lossless = np.array_equal(threshold.astype(np.float32), threshold)
        self.threshold = threshold.astype(np.float32) if lossless else threshold
        self.leaf_row = np.concatenate(leaf_rows).astype(index)
        counts = np.concatenate(leaf_values)
        self.leaf_counts = counts.astype(np.uint16 if counts.max() < 2**16 else np.uint32)
        self.levels = max_depth
        self._derive()

    def _derive(self) -> None:
        """State rebuilt after unpickling: leaf probabilities, as scikit-learn computes them."""
        counts = self.leaf_counts.astype(np.float64)
        self.leaf_value = counts / counts.sum(axis=1, keepdims=True)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["leaf_value"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._derive()

    @property
    def n_nodes(self) -> int:
        return int(self.left.shape[0])

    def input(self, rng: np.random.Generator) -> np.ndarray:
        held_out = digits_split()[2]
        return held_out[rng.integers(len(held_out))].astype(np.float64)

    def _image(self, x: Any) -> np.ndarray:
        v = np.asarray(x, dtype=np.float64)
        check("RandomForest", "x.shape", v.shape, v.shape == (64,), "(64,)")
        # scikit-learn compares float32 features against float64 thresholds
        return v.astype(np.float32).astype(np.float64)

    def partial(self, indices: np.ndarray, x: Any) -> np.ndarray:
        v = self._image(x)
        node = self.roots[np.asarray(indices, dtype=np.int64)]
        for _ in range(self.levels):
            go_left = v[self.feature[node]] <= self.threshold[node]
            node = np.where(go_left, self.left[node], self.right[node])
        return self.leaf_value[self.leaf_row[node]].sum(axis=0).reshape(N_CLASSES)

    def exact(self, x: Any) -> np.ndarray:
        v = self._image(x).tolist()
        left, right = self.left.tolist(), self.right.tolist()
        feature, threshold = self.feature.tolist(), self.threshold.tolist()
        leaf_row = self.leaf_row.tolist()
        total = np.zeros(N_CLASSES)
        for root in self.roots.tolist():
            node = root
            while leaf_row[node] < 0:
                node = left[node] if v[feature[node]] <= threshold[node] else right[node]
            total += self.leaf_value[leaf_row[node]]
        return total
