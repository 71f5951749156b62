#!/usr/bin/env python3
"""Time the xAPI endpoint of a running `backpack serve --demo`.

Posts N `passed` statements (100 per request) for N different learners to
the demo academy's rule, then the same statements again, and prints
statements per second for each round (first: every one awarded; second:
every one a duplicate).

    backpack serve --demo --data-dir /tmp/bx        # note the xAPI token it prints
    scripts/bench-xapi.py --url http://127.0.0.1:8080 --token bpk_... --n 2000
"""

import argparse
import base64
import json
import time
import urllib.request
import uuid

ACTIVITY = "https://lms.demo.backpack.test/courses/data-literacy"


def post(url, token, statements):
    req = urllib.request.Request(
        url + "/xapi/statements",
        data=json.dumps(statements).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Experience-API-Version": "1.0.3",
            "Authorization": "Basic "
            + base64.b64encode(f"bench:{token}".encode()).decode(),
        },
    )
    with urllib.request.urlopen(req) as r:
        return r.headers.get("X-Backpack-Outcomes", "")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--n", type=int, default=2000)
    a = ap.parse_args()
    run = uuid.uuid4().hex[:8]
    statements = [
        {
            "id": str(uuid.uuid4()),
            "actor": {"mbox": f"mailto:xapi-{run}-{i}@example.org"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"},
            "object": {"id": ACTIVITY},
            "result": {"score": {"scaled": 0.9}, "success": True},
        }
        for i in range(a.n)
    ]
    for label in ["new learners (awarded)", "the same statements again (duplicates)"]:
        outcomes = {}
        start = time.perf_counter()
        for i in range(0, a.n, 100):
            for o in post(a.url, a.token, statements[i : i + 100]).split(", "):
                outcomes[o] = outcomes.get(o, 0) + 1
        secs = time.perf_counter() - start
        print(f"{label}: {a.n} statements in {secs:.2f} s = {a.n / secs:,.0f}/s {outcomes}")


if __name__ == "__main__":
    main()
