# Checks the places Windows records a pending restart. Exits 1 when one is pending.
$reasons = @()
if (Test-Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending') { $reasons += 'Component Based Servicing' }
if (Test-Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired') { $reasons += 'Windows Update' }
$pfro = Get-ItemProperty 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager' -Name PendingFileRenameOperations -ErrorAction SilentlyContinue
if ($pfro) { $reasons += 'Pending file rename operations' }
$active = (Get-ItemProperty 'HKLM:\SYSTEM\CurrentControlSet\Control\ComputerName\ActiveComputerName').ComputerName
$pending = (Get-ItemProperty 'HKLM:\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName').ComputerName
if ($active -ne $pending) { $reasons += "Computer rename ($active -> $pending)" }
$boot = (Get-CimInstance Win32_OperatingSystem).LastBootUpTime
if ($reasons.Count -gt 0) { Write-Output "Reboot pending: $($reasons -join '; ')"; Write-Output "Last boot: $boot"; exit 1 }
Write-Output "No reboot pending. Last boot: $boot"
