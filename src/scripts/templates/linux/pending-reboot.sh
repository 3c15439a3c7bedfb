#!/usr/bin/env bash
# Reports whether the machine needs a reboot (Debian/Ubuntu flag file, RHEL needs-restarting,
# or a newer kernel installed than the one running). Exits 1 when a reboot is pending.
set -u
reasons=()
if [ -f /var/run/reboot-required ]; then
  reasons+=("/var/run/reboot-required exists")
  [ -f /var/run/reboot-required.pkgs ] && reasons+=("packages: $(tr '\n' ' ' < /var/run/reboot-required.pkgs)")
fi
if command -v needs-restarting >/dev/null 2>&1 && ! needs-restarting -r >/dev/null 2>&1; then
  reasons+=("needs-restarting -r reports a reboot is required")
fi
running=$(uname -r)
newest=$(ls -1 /lib/modules 2>/dev/null | sort -V | tail -n 1)
if [ -n "$newest" ] && [ "$newest" != "$running" ]; then
  reasons+=("kernel $newest is installed but $running is running")
fi
if [ ${#reasons[@]} -gt 0 ]; then
  echo "Reboot pending:"
  printf '  - %s\n' "${reasons[@]}"
  exit 1
fi
echo "No reboot pending (kernel $running)"
