"""The encoder runs numpy's BLAS on one thread: small products on a thread pool spin-wait."""

from __future__ import annotations

from threadpoolctl import threadpool_info

from briefings.stories.embed import UseEmbedder


def test_loading_the_encoder_leaves_blas_one_thread() -> None:
    UseEmbedder().encode(["Mexico answers U.S. tariffs on steel"])
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)
