#!/bin/bash
# Restarts a launchd service by label (system domain), e.g. com.apple.cfprefsd.xpc.daemon.
set -u
label=${SERVICE_LABEL:?SERVICE_LABEL is required}
if ! launchctl print "system/$label" >/dev/null 2>&1; then echo "no such system service: $label" >&2; exit 2; fi
launchctl kickstart -k "system/$label"
sleep 1
launchctl print "system/$label" | grep -E 'state|pid' | head -n 5
