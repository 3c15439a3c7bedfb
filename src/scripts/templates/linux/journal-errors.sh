#!/usr/bin/env bash
# Errors and worse from the system journal over the last HOURS hours (syslog if no journal).
set -u
hours=${HOURS:-24}
max=${MAX_LINES:-200}
if command -v journalctl >/dev/null 2>&1; then
  echo "Journal entries with priority err or worse, last ${hours} h:"
  journalctl --no-pager -p err --since "-${hours}h" -n "$max" -o short-iso 2>/dev/null
  echo
  echo "Count by unit:"
  journalctl --no-pager -p err --since "-${hours}h" -o json 2>/dev/null | grep -o '"_SYSTEMD_UNIT":"[^"]*"' | sort | uniq -c | sort -rn | head -n 15
else
  for f in /var/log/syslog /var/log/messages; do [ -r "$f" ] && grep -iE 'error|fail|crit' "$f" | tail -n "$max"; done
fi
