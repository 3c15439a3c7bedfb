# Reports a service's status; exits 3 when it is not running (for policies and alerts).
param([Parameter(Mandatory = $true)][string]$ServiceName)
$svc = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
if (-not $svc) { Write-Error "no such service: $ServiceName"; exit 2 }
$cim = Get-CimInstance Win32_Service -Filter "Name='$($svc.Name)'"
Write-Output "$($svc.DisplayName) ($($svc.Name)): $($svc.Status), start mode $($cim.StartMode)"
if ($svc.Status -ne 'Running') { exit 3 }
