"""Compose health checks for the app's containers (the image has Python but no curl).

    python deploy/healthcheck.py http://127.0.0.1:8000/healthz
        healthy when the URL answers 200;
    python deploy/healthcheck.py http://web:8000/readyz worker
        healthy when /readyz reports its ``worker`` check ``ok`` (whatever the other
        checks say: /readyz answers 503 while, say, beat has not run yet).

Exit status 0 for healthy, 1 otherwise, with one line saying why.  Standard library
only, so it runs before Django could (and never imports the settings).
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request


def probe(url: str, check: str | None = None, timeout: float = 5.0) -> tuple[bool, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (http only)
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    except (OSError, ValueError) as error:
        return False, f"{url}: {type(error).__name__}: {error}"
    if check is None:
        return status == 200, f"{url}: {status}"
    try:
        state = json.loads(body)["checks"][check]["state"]
    except (ValueError, KeyError, TypeError):
        return False, f"{url}: {status}, no {check!r} check in the answer"
    return state == "ok", f"{url}: {check} {state}"


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3) or not argv[1].startswith(("http://", "https://")):
        print("usage: healthcheck.py URL [CHECK]", file=sys.stderr)
        return 2
    healthy, why = probe(argv[1], argv[2] if len(argv) == 3 else None)
    print(why)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
