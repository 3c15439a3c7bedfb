# Microsoft Defender antivirus state. Exits 1 when real-time protection is off or signatures
# are older than MaxSignatureAgeDays.
param([int]$MaxSignatureAgeDays = 3)
$s = Get-MpComputerStatus -ErrorAction SilentlyContinue
if (-not $s) { Write-Error 'Microsoft Defender is not available on this machine'; exit 2 }
$s | Select-Object AMServiceEnabled, AntivirusEnabled, RealTimeProtectionEnabled, AntivirusSignatureLastUpdated, AntivirusSignatureAge, QuickScanEndTime, FullScanEndTime | Format-List
if (-not $s.RealTimeProtectionEnabled) { Write-Output 'PROBLEM: real-time protection is off'; exit 1 }
if ($s.AntivirusSignatureAge -gt $MaxSignatureAgeDays) { Write-Output "PROBLEM: signatures are $($s.AntivirusSignatureAge) days old"; exit 1 }
