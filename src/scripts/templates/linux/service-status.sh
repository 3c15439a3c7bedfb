#!/usr/bin/env bash
# Shows whether a service is running. Exits 0 when active, 3 when not (for policies and alerts).
set -u
svc=${SERVICE_NAME:?SERVICE_NAME is required}
state=$(systemctl is-active "$svc" 2>/dev/null)
echo "$svc: ${state:-unknown}"
systemctl --no-pager --lines=5 status "$svc" 2>/dev/null || true
[ "$state" = "active" ] || exit 3
