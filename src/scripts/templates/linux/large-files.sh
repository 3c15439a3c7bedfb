#!/usr/bin/env bash
# The largest files under SEARCH_PATH that are bigger than MIN_SIZE_MB.
set -u
path=${SEARCH_PATH:-/}
min=${MIN_SIZE_MB:-100}
limit=${LIMIT:-25}
if [ ! -d "$path" ]; then echo "no such directory: $path" >&2; exit 2; fi
echo "Files over ${min} MB under $path (largest first):"
find "$path" -xdev -type f -size +"${min}"M -printf '%s\t%TY-%Tm-%Td\t%p\n' 2>/dev/null \
  | sort -rn | head -n "$limit" \
  | awk -F'\t' '{ printf "%10.1f MB  %s  %s\n", $1/1048576, $2, $3 }'
