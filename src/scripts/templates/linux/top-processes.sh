#!/usr/bin/env bash
# The processes using the most CPU and memory right now.
set -u
n=${COUNT:-10}
echo "== Top $n by CPU"
ps -eo pid,user,pcpu,pmem,rss,etime,comm --sort=-pcpu | head -n $((n + 1))
echo
echo "== Top $n by memory"
ps -eo pid,user,pcpu,pmem,rss,etime,comm --sort=-rss | head -n $((n + 1))
echo
echo "== Load: $(cut -d' ' -f1-3 /proc/loadavg)  Memory: $(free -h | awk '/Mem:/ {print $3" used of "$2}')"
