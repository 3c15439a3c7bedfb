# Restarts a Windows service and reports its status. Exits 1 if it does not come back running.
param([Parameter(Mandatory = $true)][string]$ServiceName)
$svc = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
if (-not $svc) { Write-Error "no such service: $ServiceName"; exit 2 }
Restart-Service -Name $ServiceName -Force
$svc.WaitForStatus('Running', '00:00:30')
$svc = Get-Service -Name $ServiceName
Write-Output "$($svc.DisplayName) ($($svc.Name)): $($svc.Status)"
if ($svc.Status -ne 'Running') { exit 1 }
