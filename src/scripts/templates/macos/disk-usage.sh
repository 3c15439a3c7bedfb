#!/bin/bash
# Disk usage per volume and the largest folders in the home directories.
set -u
warn=${WARN_PERCENT:-90}
echo "== Volumes"; df -h -l
echo; echo "== Largest folders under /Users"
du -xhd 2 /Users 2>/dev/null | sort -rh | head -n 15
full=$(df -l | awk -v w="$warn" 'NR>1 { gsub("%","",$5); if ($5+0 >= w) print $9" "$5"%" }')
if [ -n "$full" ]; then echo; echo "WARNING: volumes at or above ${warn}%:"; echo "$full"; exit 1; fi
