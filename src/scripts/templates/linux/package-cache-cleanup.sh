#!/usr/bin/env bash
# Frees disk space: package manager caches and old journal files (keeps JOURNAL_KEEP_DAYS days).
set -u
keep=${JOURNAL_KEEP_DAYS:-14}
before=$(df -P / | awk 'NR==2 {print $4}')
if command -v apt-get >/dev/null 2>&1; then apt-get clean && apt-get -y -qq autoremove >/dev/null && echo "apt cache cleaned, unused packages removed"; fi
if command -v dnf >/dev/null 2>&1; then dnf -q clean all && echo "dnf cache cleaned"; fi
if command -v yum >/dev/null 2>&1 && ! command -v dnf >/dev/null 2>&1; then yum -q clean all && echo "yum cache cleaned"; fi
if command -v journalctl >/dev/null 2>&1; then journalctl --vacuum-time="${keep}d" 2>&1 | tail -n 1; fi
after=$(df -P / | awk 'NR==2 {print $4}')
echo "Freed $(( (after - before) / 1024 )) MB on /"
