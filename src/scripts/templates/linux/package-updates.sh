#!/usr/bin/env bash
# Lists the package updates available (apt, dnf, yum or zypper), security ones marked.
set -u
if command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq >/dev/null 2>&1 || echo "(could not refresh package lists; showing cached data)"
  apt list --upgradable 2>/dev/null | tail -n +2
  echo "$(apt list --upgradable 2>/dev/null | tail -n +2 | wc -l) updates, $(apt list --upgradable 2>/dev/null | grep -c -- '-security') from security"
elif command -v dnf >/dev/null 2>&1; then
  dnf -q check-update; rc=$?; [ $rc -eq 100 ] && exit 0 || exit $rc
elif command -v yum >/dev/null 2>&1; then
  yum -q check-update; rc=$?; [ $rc -eq 100 ] && exit 0 || exit $rc
elif command -v zypper >/dev/null 2>&1; then
  zypper -q list-updates
else
  echo "no supported package manager found" >&2; exit 2
fi
