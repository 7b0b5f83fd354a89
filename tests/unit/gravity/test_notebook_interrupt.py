"""A notebook's interrupt stops a parallel bootstrap at once and leaves the kernel usable."""

from __future__ import annotations

import textwrap
import time

import pytest
from jupyter_client.manager import start_new_kernel

# Forty refits of one second on two workers: about 20 s if the interrupt waited for them.
BOOTSTRAP = textwrap.dedent(
    """
    import time
    import pandas as pd
    from forecasting.gravity.ge import pair_bootstrap_draws

    def slow_mean(frame):
        time.sleep(1.0)
        return pd.DataFrame({"term": ["mean"], "estimate": [frame.y.mean()]})

    data = pd.DataFrame({"exporter": list("AABB"), "importer": list("ABAB"), "y": [1.0, 2.0, 3.0, 4.0]})
    print("started", flush=True)
    pair_bootstrap_draws(data, slow_mean, draws=40, n_jobs=2)
    """
)


def _outputs(client, msg_id: str, *, until_text: str | None = None) -> tuple[list[str], list[str]]:
    """Streams and error names of one cell, until it is idle (or until a stream holds ``until_text``)."""
    streams, errors = [], []
    while True:
        message = client.get_iopub_msg(timeout=60)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = message["msg_type"], message["content"]
        if kind == "stream":
            streams.append(content["text"])
            if until_text is not None and until_text in content["text"]:
                return streams, errors
        elif kind == "error":
            errors.append(content["ename"])
        elif kind == "status" and content["execution_state"] == "idle":
            return streams, errors


@pytest.mark.slow
def test_a_kernel_interrupt_stops_the_bootstrap_workers_at_once() -> None:
    # Jupyter interrupts the kernel's whole process group, as a terminal's Ctrl-C does. The
    # standard library's pool ran every queued refit first: the interrupt took effect 16 s late.
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        msg_id = client.execute(BOOTSTRAP)
        before, _ = _outputs(client, msg_id, until_text="started")
        time.sleep(3.0)  # the workers are up and busy
        interrupted = time.monotonic()
        manager.interrupt_kernel()
        reply = client.get_shell_msg(timeout=60)
        waited = time.monotonic() - interrupted
        streams, errors = _outputs(client, msg_id)
        assert reply["content"]["status"] == "error" and errors == ["KeyboardInterrupt"]
        assert waited < 6.0, f"the interrupt took effect after {waited:.1f} s"
        assert "".join(before).strip() == "started" and streams == []  # no worker printed anything
        after = client.execute_interactive("print(6 * 7)", timeout=60)
        assert after["content"]["status"] == "ok"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
