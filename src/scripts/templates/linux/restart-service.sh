#!/usr/bin/env bash
# Restarts a systemd service and shows its state afterwards. Exits non-zero if it is not active.
set -u
svc=${SERVICE_NAME:?SERVICE_NAME is required}
if ! systemctl list-unit-files --type=service --no-legend 2>/dev/null | awk '{print $1}' | grep -qx "${svc%.service}.service"; then
  echo "no such service: $svc" >&2
  exit 2
fi
systemctl restart "$svc"
sleep 2
systemctl --no-pager --lines=10 status "$svc"
systemctl is-active --quiet "$svc"
