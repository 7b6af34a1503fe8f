#!/usr/bin/env python3
"""How `edoc open --from-json` grows with the batch: whole processes, one run per size.

    python benchmarks/batch_open.py                    # 5,000, 10,000 and 20,000 requests
    python benchmarks/batch_open.py --sizes 1000 2000

Each batch is registered into a new store; the table gives the wall time, the time per
thousand requests (flat when the cost is linear) and the peak memory of the process.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import EDOC, env_for, timed  # noqa: E402

REQUEST = {
    "client_type": "user", "name": "Иванов Иван", "iin": "900101301233", "email": "ivanov@example.kz",
    "category": "consultation", "channel": "phone", "topic": "profile", "subject": "Смена e-mail",
    "description": "Клиент хочет сменить адрес почты в профиле", "faq_checked": True,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 10000, 20000])
    opts = parser.parse_args()
    print("| requests | wall | per 1,000 | peak memory |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="edoc-batch-") as tmp:
        for size in opts.sizes:
            folder = Path(tmp) / str(size)
            folder.mkdir(mode=0o700)
            batch = folder / "requests.json"
            batch.write_text(json.dumps([REQUEST] * size, ensure_ascii=False), encoding="utf-8")
            wall, rss, code = timed([*EDOC, "open", "--from-json", str(batch)], env_for(folder / "tickets.json"))
            if code != 0:
                raise SystemExit(f"edoc open --from-json exited {code} at {size} requests")
            print(f"| {size:,} | {wall:.2f} s | {wall / size * 1000:.2f} s | {rss // 1024} MiB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
