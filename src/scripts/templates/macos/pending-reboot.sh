#!/bin/bash
# Exits 1 when installed updates are waiting for a restart.
set -u
if softwareupdate --list 2>/dev/null | grep -qi 'restart'; then
  echo "Updates requiring a restart are pending:"; softwareupdate --list 2>/dev/null | grep -i -B1 'restart'; exit 1
fi
echo "No restart pending. Up since: $(sysctl -n kern.boottime | sed 's/.*} //')"
