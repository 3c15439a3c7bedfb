# Installed Windows updates (hotfixes), newest first, and the date of the last one.
param([int]$Count = 30)
$fixes = Get-HotFix | Sort-Object InstalledOn -Descending
$fixes | Select-Object -First $Count HotFixID, Description, InstalledOn, InstalledBy | Format-Table -AutoSize | Out-String -Width 200
if ($fixes) { Write-Output "Last update installed on $($fixes[0].InstalledOn)" }
