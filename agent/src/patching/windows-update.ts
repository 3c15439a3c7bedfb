// The PowerShell the Windows provider runs: a search of the Windows Update Agent through its COM
// API (Microsoft.Update.Session) for updates not installed and not hidden, printed as JSON in
// the shape ./parse.ts parseWindowsUpdate reads (fixtures/windows-update-win11.json).
export const windowsUpdateScript = `
$ErrorActionPreference = 'Stop'
$session = New-Object -ComObject Microsoft.Update.Session
$searcher = $session.CreateUpdateSearcher()
$result = $searcher.Search("IsInstalled=0 and IsHidden=0")
$list = @()
foreach ($u in $result.Updates) {
  $list += [pscustomobject]@{
    UpdateID = $u.Identity.UpdateID
    RevisionNumber = $u.Identity.RevisionNumber
    KBArticleIDs = @($u.KBArticleIDs)
    Title = $u.Title
    MsrcSeverity = $u.MsrcSeverity
    Categories = @($u.Categories | ForEach-Object { $_.Name })
    MaxDownloadSize = [int64]$u.MaxDownloadSize
    RebootRequired = ($u.InstallationBehavior.RebootBehavior -ne 0)
    LastDeploymentChangeTime = $u.LastDeploymentChangeTime.ToString('s')
    SupersededUpdateIDs = @($u.SupersededUpdateIDs)
  }
}
if ($list.Count -eq 0) { '[]' } else { ConvertTo-Json -InputObject $list -Depth 4 }
`
