"""lincomb splits long vectors over two threads (memory-bound encode): same result as one pass."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from codedcomp.codes.matmul import base
from codedcomp.codes.matmul.base import _halves, _spans, lincomb


@pytest.mark.parametrize("outputs", [1, 2, 5])  # 1, 2: complex inputs read in place
@pytest.mark.parametrize("real_part", [False, True])
@pytest.mark.parametrize("complex_coef", [False, True])
@pytest.mark.parametrize("complex_in", [False, True])
def test_two_thread_lincomb_equals_the_reference(
    complex_coef: bool, complex_in: bool, real_part: bool, outputs: int
) -> None:
    rng = np.random.default_rng(0)
    size = (1 << 20) + 3  # many 4 MiB blocks: the two-thread path; a ragged last block
    vecs = [rng.standard_normal(size) for _ in range(3)]
    if complex_in:
        vecs = [v + 1j * rng.standard_normal(size) for v in vecs]
        vecs[1] = vecs[1].real.copy()  # a real input among complex ones
    coef = rng.standard_normal((outputs, 3))
    if complex_coef:
        coef = coef + 1j * rng.standard_normal((outputs, 3))
    out, re2, im2 = lincomb(coef, vecs, real_part=real_part)
    ref = coef @ np.stack(vecs)
    want = ref.real if real_part else ref
    assert np.iscomplexobj(out) == (np.iscomplexobj(ref) and not real_part)
    np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-9)
    assert re2 == pytest.approx(float(np.sum(ref.real**2)), rel=1e-9)
    assert im2 == pytest.approx(float(np.sum(np.imag(ref) ** 2)), rel=1e-9, abs=1e-9)
    _, re0, im0 = lincomb(coef, vecs, real_part=real_part, stats=False)
    assert re0 == im0 == 0.0
    # imag=False: the real part's statistics only (a real-only decode never forms Im)
    out1, re1, im1 = lincomb(coef, vecs, real_part=real_part, imag=False)
    np.testing.assert_allclose(out1, want, rtol=1e-12, atol=1e-9)
    assert re1 == pytest.approx(re2, rel=1e-9)
    assert im1 == (0.0 if real_part else pytest.approx(im2, rel=1e-9, abs=1e-9))


@pytest.mark.parametrize("step", [1 << 15, 1 << 20])  # many blocks per thread; one
@pytest.mark.parametrize("cblas", [True, False])
@pytest.mark.parametrize("complex_in", [False, True])
def test_one_real_output_accumulates_alike_with_and_without_cblas(
    cblas: bool, complex_in: bool, step: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "_USE_CBLAS", cblas)
    monkeypatch.setattr(base, "_ONE_OUTPUT_STEP", step)
    if cblas:
        assert base._dgemv() is not None  # numpy's bundled OpenBLAS: the fast path is tested
    rng = np.random.default_rng(2)
    size = (1 << 20) + 4  # = 5 · 209716: C-shaped rows of 5
    vecs = [rng.standard_normal(size) + 1j * rng.standard_normal(size) for _ in range(4)]
    if not complex_in:
        vecs = [v.real.copy() for v in vecs]
    vecs[2] = vecs[2][::-1]  # a non-contiguous input among them
    coef = rng.standard_normal((1, 4)) + 1j * rng.standard_normal((1, 4))
    want = (coef @ np.stack(vecs)).real
    full = np.full((size // 5, 5), np.nan)
    out, re2, im2 = lincomb(coef, vecs, real_part=True, imag=False, dest=[full])
    np.testing.assert_allclose(full.ravel(), want[0], rtol=1e-12, atol=1e-9)
    assert re2 == pytest.approx(float(np.sum(want**2)), rel=1e-9) and im2 == 0.0
    out, _, _ = lincomb(coef, vecs, real_part=True, imag=False)
    np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("dtype", ["float32", ">f8"])
def test_one_real_output_into_an_unusual_destination_is_cast_not_overrun(dtype: str) -> None:
    rng = np.random.default_rng(3)
    size = 1 << 20
    vecs = [rng.standard_normal(size) + 1j * rng.standard_normal(size) for _ in range(3)]
    coef = rng.standard_normal((1, 3)) + 1j * rng.standard_normal((1, 3))
    big = np.zeros(2 * size, dtype=dtype)  # the BLAS path would write 8-byte doubles past it
    dest = big[:size].reshape(1024, 1024)
    lincomb(coef, vecs, real_part=True, imag=False, dest=[dest])
    want = (coef @ np.stack(vecs)).real[0]
    np.testing.assert_allclose(dest.ravel().astype(float), want, rtol=1e-5, atol=1e-5)
    assert not big[size:].any()


def test_halves_cut_at_a_row_boundary_and_only_long_ranges(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(base.os, "cpu_count", lambda: 2)  # as on a 1-core runner it is one range
    assert _halves(1000, 1) == [(0, 1000)]  # too short for a second thread
    size = (1 << 20) + 4  # = 5 · 209716
    (a, cut), (cut2, b) = _halves(size, 5)
    assert (a, b) == (0, size) and cut == cut2 and cut % 5 == 0 and abs(2 * cut - size) < 10
    assert _halves(size, size) == [(0, size)]  # one row: nothing to cut


def test_spans_cover_the_range_in_whole_blocks() -> None:
    assert _spans(100, 64) == [(0, 100)]  # too small for a second thread
    parts = _spans(10_000, 512)
    assert parts[0][0] == 0 and parts[-1][1] == 10_000
    assert all(a[1] == b[0] for a, b in pairwise(parts))
    assert all(lo % 512 == 0 for lo, _ in parts)


@pytest.mark.parametrize("complex_coef", [False, True])
@pytest.mark.parametrize("outputs", [1, 4])
@pytest.mark.parametrize("complex_in", [False, True])
def test_lincomb_writes_real_outputs_into_strided_blocks(
    outputs: int, complex_in: bool, complex_coef: bool
) -> None:
    rng = np.random.default_rng(1)
    rows, cols = 1500, 700  # 1500·700 > 4 MiB blocks: several cache blocks and two threads
    vecs = [rng.standard_normal(rows * cols) for _ in range(3)]
    if complex_in:
        vecs = [v + 1j * rng.standard_normal(v.size) for v in vecs]
    coef = rng.standard_normal((outputs, 3)) + complex_coef * 1j * rng.standard_normal((outputs, 3))
    big = np.full((rows, outputs * cols + 5), np.nan)  # blocks side by side: strided views
    dest = [big[:, i * cols : (i + 1) * cols] for i in range(outputs)]
    out, re2, _ = lincomb(coef, vecs, real_part=True, dest=dest)
    ref = (coef @ np.stack(vecs)).real
    assert out.shape == (outputs, 0)
    for i in range(outputs):
        np.testing.assert_allclose(dest[i], ref[i].reshape(rows, cols), rtol=1e-12, atol=1e-9)
    assert np.isnan(big[:, outputs * cols :]).all()  # nothing written outside the blocks
    assert re2 == pytest.approx(float(np.sum(ref**2)), rel=1e-9)


@pytest.mark.parametrize("outputs", [1, 2, 3])
@pytest.mark.parametrize("kind", ["complex64", "strided", "big-endian"])
def test_lincomb_takes_any_complex_layout(outputs: int, kind: str) -> None:
    rng = np.random.default_rng(2)
    size = 70_001
    base = [rng.standard_normal(2 * size) + 1j * rng.standard_normal(2 * size) for _ in range(3)]
    if kind == "complex64":
        vecs = [v[:size].astype(np.complex64) for v in base]
    elif kind == "strided":
        vecs = [v[::2] for v in base]
    else:
        vecs = [v[:size].astype(">c16") for v in base]
    coef = rng.standard_normal((outputs, 3)) + 1j * rng.standard_normal((outputs, 3))
    ref = coef @ np.stack([np.asarray(v, dtype=np.complex128) for v in vecs])
    for real_part in (False, True):
        out, _, _ = lincomb(coef, vecs, real_part=real_part)
        np.testing.assert_allclose(out, ref.real if real_part else ref, rtol=1e-10, atol=1e-9)


def test_lincomb_dest_wider_than_a_cache_block_is_filled_after() -> None:
    rng = np.random.default_rng(3)
    rows, cols = 3, 400_000  # one row is longer than a cache block
    vecs = [rng.standard_normal(rows * cols) for _ in range(2)]
    coef = np.exp(1j * rng.random((2, 2)))
    big = np.full((rows, 2 * cols + 1), np.nan)
    dest = [big[:, :cols], big[:, cols : 2 * cols]]
    out, _, _ = lincomb(coef, vecs, real_part=True, dest=dest)
    ref = (coef @ np.stack(vecs)).real
    assert out.shape == (2, 0)
    for i in range(2):
        np.testing.assert_allclose(dest[i], ref[i].reshape(rows, cols), rtol=1e-12, atol=1e-12)
    assert np.isnan(big[:, -1]).all()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_one_real_output_into_strided_rows_that_the_halves_must_not_split(
    dtype: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base.os, "cpu_count", lambda: 2)  # the two-thread cut on any runner
    rng = np.random.default_rng(4)
    rows, cols = 3, 100_003  # size // 2 is not a multiple of cols: the cut must round to a row
    assert (rows * cols) >= base._SPLIT_MIN and (rows * cols // 2) % cols
    big = np.full((rows, cols + 1), np.nan, dtype=dtype)
    dest = big[:, :cols]  # strided rows: written row block by row block, not through BLAS
    vecs = [rng.standard_normal(rows * cols) + 1j * rng.standard_normal(rows * cols)]
    vecs.append(rng.standard_normal(rows * cols))
    coef = rng.standard_normal((1, 2)) + 1j * rng.standard_normal((1, 2))
    lincomb(coef, vecs, real_part=True, imag=False, dest=[dest])
    want = (coef @ np.stack([v.astype(complex) for v in vecs])).real[0].reshape(rows, cols)
    np.testing.assert_allclose(dest.astype(float), want, rtol=1e-5, atol=1e-5)
    assert np.isnan(big[:, cols]).all()
