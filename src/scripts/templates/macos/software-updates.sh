#!/bin/bash
# Lists the macOS software updates available (exits 1 when any is recommended).
set -u
out=$(softwareupdate --list 2>&1)
echo "$out"
echo "$out" | grep -q 'No new software available' && exit 0
echo "$out" | grep -q 'Recommended: YES' && exit 1
exit 0
