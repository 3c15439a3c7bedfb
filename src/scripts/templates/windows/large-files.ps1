# The largest files under Path bigger than MinSizeMB.
param([string]$Path = 'C:\', [int]$MinSizeMB = 100, [int]$Limit = 25)
if (-not (Test-Path $Path)) { Write-Error "no such folder: $Path"; exit 2 }
Get-ChildItem -Path $Path -Recurse -File -Force -ErrorAction SilentlyContinue |
  Where-Object { $_.Length -gt ($MinSizeMB * 1MB) } |
  Sort-Object Length -Descending | Select-Object -First $Limit |
  ForEach-Object { "{0,10:N1} MB  {1:yyyy-MM-dd}  {2}" -f ($_.Length / 1MB), $_.LastWriteTime, $_.FullName }
