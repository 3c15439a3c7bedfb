#!/usr/bin/env bash
# Deletes files in /tmp and /var/tmp older than OLDER_THAN_DAYS (not touching sockets or files
# in use by systemd-private directories). DRY_RUN=true only lists what would go.
set -u
days=${OLDER_THAN_DAYS:-7}
dry=${DRY_RUN:-false}
total=0
for dir in /tmp /var/tmp; do
  [ -d "$dir" ] || continue
  while IFS= read -r -d '' f; do
    size=$(stat -c %s "$f" 2>/dev/null || echo 0)
    total=$((total + size))
    if [ "$dry" = "true" ]; then echo "would delete $f"; else rm -f -- "$f" && echo "deleted $f"; fi
  done < <(find "$dir" -xdev -type f -mtime +"$days" ! -path '*/systemd-private-*' -print0 2>/dev/null)
done
echo "$( [ "$dry" = "true" ] && echo 'Would free' || echo 'Freed' ) $((total / 1048576)) MB"
