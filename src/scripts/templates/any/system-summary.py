#!/usr/bin/env python3
"""A one-screen summary: OS, uptime, CPU count, memory and disk usage (any OS with Python 3)."""
import os, platform, shutil, sys, time

print(f"Host:    {platform.node()}")
print(f"OS:      {platform.system()} {platform.release()} ({platform.machine()})")
print(f"Python:  {sys.version.split()[0]}")
print(f"CPUs:    {os.cpu_count()}")
if hasattr(os, "getloadavg"):
    print("Load:    " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
root = "C:\\" if os.name == "nt" else "/"
total, used, free = shutil.disk_usage(root)
print(f"Disk {root}: {used / 2**30:.1f} GiB used of {total / 2**30:.1f} GiB ({used / total:.0%})")
if os.path.exists("/proc/uptime"):
    up = float(open("/proc/uptime").read().split()[0])
    print(f"Uptime:  {up / 86400:.1f} days")
    mem = dict(line.split(":") for line in open("/proc/meminfo"))
    t, a = int(mem["MemTotal"].split()[0]), int(mem["MemAvailable"].split()[0])
    print(f"Memory:  {(t - a) / 2**20:.1f} GiB used of {t / 2**20:.1f} GiB")
print(f"Checked: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
