# Deletes temporary files older than OlderThanDays from the Windows and user temp folders and
# empties the recycle bin. -DryRun lists what would go.
param([int]$OlderThanDays = 7, [switch]$DryRun)
$ErrorActionPreference = 'SilentlyContinue'
$cutoff = (Get-Date).AddDays(-$OlderThanDays)
$folders = @("$env:SystemRoot\Temp") + (Get-ChildItem 'C:\Users' -Directory | ForEach-Object { Join-Path $_.FullName 'AppData\Local\Temp' })
$freed = 0
foreach ($folder in $folders) {
  if (-not (Test-Path $folder)) { continue }
  Get-ChildItem $folder -Recurse -File -Force | Where-Object { $_.LastWriteTime -lt $cutoff } | ForEach-Object {
    $freed += $_.Length
    if ($DryRun) { Write-Output "would delete $($_.FullName)" } else { Remove-Item $_.FullName -Force }
  }
}
if (-not $DryRun) { Clear-RecycleBin -Force -ErrorAction SilentlyContinue }
Write-Output ("{0} {1:N1} MB" -f ($(if ($DryRun) { 'Would free' } else { 'Freed' }), ($freed / 1MB)))
