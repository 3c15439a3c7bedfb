#!/usr/bin/env bash
# Disk usage per filesystem, and the largest directories under PATH_TO_SCAN.
# Exits 1 when a filesystem is fuller than WARN_PERCENT.
set -u
warn=${WARN_PERCENT:-90}
scan=${PATH_TO_SCAN:-/}
echo "== Filesystems"
df -hPT -x tmpfs -x devtmpfs -x squashfs -x overlay 2>/dev/null || df -hP
echo
echo "== Largest directories under $scan"
du -xh --max-depth=1 "$scan" 2>/dev/null | sort -rh | head -n 15
full=$(df -P -x tmpfs -x devtmpfs -x squashfs -x overlay 2>/dev/null | awk -v w="$warn" 'NR>1 { gsub("%","",$5); if ($5+0 >= w) print $6" "$5"%" }')
if [ -n "$full" ]; then
  echo
  echo "WARNING: filesystems at or above ${warn}%:"
  echo "$full"
  exit 1
fi
