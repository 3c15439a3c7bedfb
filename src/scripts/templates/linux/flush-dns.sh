#!/usr/bin/env bash
# Flushes the local DNS cache with whatever resolver the system uses.
set -u
if command -v resolvectl >/dev/null 2>&1 && resolvectl flush-caches 2>/dev/null; then
  echo "Flushed systemd-resolved cache"; resolvectl statistics 2>/dev/null | grep -i 'cache' || true; exit 0
fi
if command -v systemd-resolve >/dev/null 2>&1 && systemd-resolve --flush-caches 2>/dev/null; then echo "Flushed systemd-resolved cache"; exit 0; fi
if systemctl is-active --quiet nscd 2>/dev/null; then nscd -i hosts && echo "Invalidated nscd hosts cache"; exit 0; fi
if systemctl is-active --quiet dnsmasq 2>/dev/null; then systemctl restart dnsmasq && echo "Restarted dnsmasq"; exit 0; fi
echo "No local DNS cache found (nothing to flush)"
