#!/usr/bin/env python3
"""Fetches URL and reports status and latency; exits 1 on an error status or a timeout."""
import os, ssl, sys, time, urllib.request, urllib.error

url = os.environ.get("URL") or sys.exit("URL is required")
expect = int(os.environ.get("EXPECT_STATUS", "200"))
timeout = float(os.environ.get("TIMEOUT_SECONDS", "10"))
start = time.monotonic()
try:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": "Breeze-check"}), timeout=timeout, context=ssl.create_default_context()) as r:
        status = r.status
except urllib.error.HTTPError as e:
    status = e.code
except Exception as e:  # DNS, connection refused, TLS, timeout
    print(f"{url}: FAILED after {time.monotonic() - start:.2f}s: {e}")
    sys.exit(1)
print(f"{url}: HTTP {status} in {(time.monotonic() - start) * 1000:.0f} ms")
sys.exit(0 if status == expect else 1)
