#!/usr/bin/env bash
# Addresses, routes, DNS servers and listening ports.
set -u
echo "== Addresses"; ip -brief address 2>/dev/null || ifconfig
echo; echo "== Routes"; ip route 2>/dev/null || netstat -rn
echo; echo "== DNS"
if command -v resolvectl >/dev/null 2>&1; then resolvectl dns 2>/dev/null; else grep -E '^(nameserver|search)' /etc/resolv.conf; fi
echo; echo "== Listening ports"; ss -tulpn 2>/dev/null | head -n 50 || netstat -tulpn
