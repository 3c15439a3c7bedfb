#!/usr/bin/env bash
# Who is logged in now, and the most recent logins.
set -u
echo "== Logged in now"; who -u || true
echo; echo "== Recent logins"; last -n "${COUNT:-20}" -w 2>/dev/null || echo "(no login history available)"
