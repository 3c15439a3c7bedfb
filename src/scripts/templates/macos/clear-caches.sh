#!/bin/bash
# Removes user cache files older than OLDER_THAN_DAYS from every home folder's Library/Caches.
set -u
days=${OLDER_THAN_DAYS:-14}
freed=0
for home in /Users/*; do
  cache="$home/Library/Caches"
  [ -d "$cache" ] || continue
  size=$(find "$cache" -type f -mtime +"$days" -exec stat -f %z {} + 2>/dev/null | awk '{s+=$1} END {print s+0}')
  find "$cache" -type f -mtime +"$days" -delete 2>/dev/null
  freed=$((freed + size))
  echo "$cache: freed $((size / 1048576)) MB"
done
echo "Total freed: $((freed / 1048576)) MB"
