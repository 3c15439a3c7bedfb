#!/bin/bash
# Flushes the macOS DNS cache.
set -eu
dscacheutil -flushcache
killall -HUP mDNSResponder
echo "DNS cache flushed"
