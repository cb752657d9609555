"""lincomb splits long vectors over two threads (memory-bound encode): same result as one pass."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from codedcomp.codes.matmul.base import _spans, lincomb


@pytest.mark.parametrize("complex_coef", [False, True])
@pytest.mark.parametrize("complex_in", [False, True])
def test_two_thread_lincomb_equals_the_reference(complex_coef: bool, complex_in: bool) -> None:
    rng = np.random.default_rng(0)
    size = 1 << 20  # many 4 MiB blocks: the two-thread path
    vecs = [rng.standard_normal(size) for _ in range(3)]
    if complex_in:
        vecs = [v + 1j * rng.standard_normal(size) for v in vecs]
    coef = rng.standard_normal((5, 3))
    if complex_coef:
        coef = coef + 1j * rng.standard_normal((5, 3))
    out, re2, im2 = lincomb(coef, vecs)
    ref = coef @ np.stack(vecs)
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-9)
    assert re2 == pytest.approx(float(np.sum(ref.real**2)), rel=1e-9)
    assert im2 == pytest.approx(float(np.sum(np.imag(ref) ** 2)), rel=1e-9, abs=1e-9)


def test_spans_cover_the_range_in_whole_blocks() -> None:
    assert _spans(100, 64) == [(0, 100)]  # too small for a second thread
    parts = _spans(10_000, 512)
    assert parts[0][0] == 0 and parts[-1][1] == 10_000
    assert all(a[1] == b[0] for a, b in pairwise(parts))
    assert all(lo % 512 == 0 for lo, _ in parts)
