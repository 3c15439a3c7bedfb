# The processes using the most CPU time and memory.
param([int]$Count = 10)
Write-Output "== Top $Count by CPU time"
Get-Process | Sort-Object CPU -Descending | Select-Object -First $Count Id, ProcessName, CPU, @{ n = 'MemoryMB'; e = { [math]::Round($_.WorkingSet64 / 1MB, 1) } } | Format-Table -AutoSize | Out-String
Write-Output "== Top $Count by memory"
Get-Process | Sort-Object WorkingSet64 -Descending | Select-Object -First $Count Id, ProcessName, CPU, @{ n = 'MemoryMB'; e = { [math]::Round($_.WorkingSet64 / 1MB, 1) } } | Format-Table -AutoSize | Out-String
