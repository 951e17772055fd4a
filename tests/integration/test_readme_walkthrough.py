"""README "Try it": its ```sh blocks, run in order with bash, as a newcomer pastes them.

The blocks start payserv and ``run.py listen`` themselves (and leave them running, as the
README says); this test only chooses free ports and a temporary data directory through
the environment, and kills the whole process group at the end.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.common import free_port

ROOT = Path(__file__).resolve().parents[2]
SECTION = re.compile(r"^## Try it\n(.*?)(?=^## )", re.MULTILINE | re.DOTALL)
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```\n", re.MULTILINE | re.DOTALL)
# Whatever the developer's shell has set must not change what the blocks do.
INHERITED_SETTINGS = ("DATABASE_URL", "SECRET_KEY", "TEST_MERCHANT_WEBHOOK_URL", "CHECK_STATUS_URL")
WALKTHROUGH_TIMEOUT = 150


def try_it_blocks(readme: str) -> list[str]:
    """The ```sh blocks of the "Try it" section, in order."""
    section = SECTION.search(readme)
    assert section, 'README.md has no "## Try it" section'
    return SH_BLOCK.findall(section.group(1))


def test_try_it_section_is_shell_blocks() -> None:
    blocks = try_it_blocks((ROOT / "README.md").read_text())
    assert len(blocks) >= 5
    script = "\n".join(blocks)
    for literal in ("order_", "pay_", "rfnd_", "eyJ"):
        assert not re.search(rf"\b{literal}[A-Za-z0-9]{{10,}}", script), f"literal id {literal}…"


def test_the_readme_walkthrough_runs(tmp_path: Path) -> None:
    script = tmp_path / "walkthrough.sh"
    blocks = try_it_blocks((ROOT / "README.md").read_text())
    script.write_text("set -euo pipefail\n" + "\n".join(blocks))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in INHERITED_SETTINGS}
    env |= {
        "PORT": str(port),
        "LISTEN_PORT": str(free_port()),
        "PAYSERV_DATA_DIR": str(tmp_path / "data"),
        # `python` in the README is this interpreter.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    }
    process = subprocess.Popen(
        ["bash", str(script)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: payserv and listen go with it
    )
    try:
        output, _ = process.communicate(timeout=WALKTHROUGH_TIMEOUT)
        logs = _logs(tmp_path / "data")
        assert process.returncode == 0, f"{output}\n{logs}"
        _check_output(output)
        # What the last block tells the user to open answers while payserv keeps running.
        for url in re.findall(r"^(?:checkout|dashboard|shop): +(\S+)", output, re.MULTILINE):
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200, url
    finally:
        _stop_group(process.pid)


def _check_output(output: str) -> None:
    verified = "X-Webhook-Signature=yes  webhook-signature=yes  -> 200"
    for event in ("payment.created", "payment.pending", "payment.success", "refund.processed"):
        assert re.search(rf"^{re.escape(event)} .*{re.escape(verified)}$", output, re.MULTILINE), (
            f"{event} not verified by run.py listen:\n{output}"
        )
    assert "payment.success success attempts: 1 answer: 200" in output
    assert '"captured":true' in output.replace(" ", "")
    assert '"card_last4":"1111"' in output.replace(" ", "")
    assert '"status":"processed"' in output.replace(" ", "")
    assert '"status":"duplicate"' in output.replace(" ", "")
    assert '"balance":145000' in output.replace(" ", "")
    assert re.search(r"^payment_status: (completed|failed)$", output, re.MULTILINE)
    assert "/checkout?order_id=order_" in output
    assert re.search(r"^paid: true$", output, re.MULTILINE), "the shop order was not paid"
    assert "callback: 303" in output
    atompay = [line for line in output.splitlines() if '"atompay_transaction_id"' in line]
    assert atompay and '"status":"success"' in atompay[-1].replace(" ", ""), "AtomPay not paid"


def _logs(data_dir: Path) -> str:
    return "\n".join(
        f"--- {log.name}\n{log.read_text(errors='replace')[-4000:]}"
        for log in sorted(data_dir.glob("*.log"))
    )


def _stop_group(pgid: int) -> None:
    """SIGTERM (payserv stops its embedded Postgres), then SIGKILL whatever is left."""
    for sig, grace in ((signal.SIGTERM, 30.0), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)
