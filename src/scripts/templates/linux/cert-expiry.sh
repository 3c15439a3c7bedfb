#!/usr/bin/env bash
# Checks the TLS certificate a server presents (HOST:PORT) and exits 1 when it expires within
# WARN_DAYS days (2 when it cannot be read).
set -u
host=${HOST:?HOST is required}
port=${PORT:-443}
warn=${WARN_DAYS:-30}
cert=$(echo | timeout 15 openssl s_client -servername "$host" -connect "$host:$port" 2>/dev/null | openssl x509 -noout -enddate -subject -issuer 2>/dev/null)
if [ -z "$cert" ]; then echo "could not read a certificate from $host:$port" >&2; exit 2; fi
echo "$cert"
end=$(echo "$cert" | sed -n 's/^notAfter=//p')
days=$(( ( $(date -d "$end" +%s) - $(date +%s) ) / 86400 ))
echo "Expires in $days days"
[ "$days" -ge "$warn" ]
