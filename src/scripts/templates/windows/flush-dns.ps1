# Flushes the Windows DNS client cache.
Clear-DnsClientCache
Write-Output "DNS client cache flushed ($((Get-DnsClientCache).Count) entries now cached)"
