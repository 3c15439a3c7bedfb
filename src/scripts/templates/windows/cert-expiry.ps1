# Certificates in the machine store expiring within WarnDays days. Exits 1 when there are any.
param([int]$WarnDays = 30)
$limit = (Get-Date).AddDays($WarnDays)
$expiring = Get-ChildItem Cert:\LocalMachine\My | Where-Object { $_.NotAfter -lt $limit }
Get-ChildItem Cert:\LocalMachine\My | Select-Object Subject, NotAfter, Thumbprint | Sort-Object NotAfter | Format-Table -AutoSize | Out-String -Width 200
if ($expiring) { Write-Output "$(@($expiring).Count) certificate(s) expire before $limit"; exit 1 }
