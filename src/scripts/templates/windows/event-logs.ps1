# Errors and critical events from the System and Application logs over the last Hours hours.
param([int]$Hours = 24, [int]$MaxEvents = 200)
$since = (Get-Date).AddHours(-$Hours)
foreach ($log in 'System', 'Application') {
  Write-Output "== $log (errors and critical since $since)"
  Get-WinEvent -FilterHashtable @{ LogName = $log; Level = 1, 2; StartTime = $since } -MaxEvents $MaxEvents -ErrorAction SilentlyContinue |
    Select-Object TimeCreated, Id, ProviderName, @{ n = 'Message'; e = { ($_.Message -split "`n")[0] } } |
    Format-Table -AutoSize -Wrap | Out-String -Width 200
}
