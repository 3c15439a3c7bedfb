// The install one-liners' scripts: /install.sh (Linux, macOS) and /install.ps1 (Windows).
// Each checks the enrollment key with the server (a cheap request, before ~100 MB are
// downloaded), downloads the agent build this server has for the machine, checks its SHA-256
// against the value written into the script, and enrolls and registers the service.
// A refused request still gets a script: one that says why and exits non-zero, so
// `curl … | sh` never ends silently with exit 0.
// NB: the key and server URL are spliced into a shell script, so both are checked against
// strict patterns first and single-quoted.
import { ValidationError } from '../lib/errors'
import { isLoopbackUrl, publicUrlPattern } from '../lib/urls'
import type { AgentBuild } from './builds'
import type { AgentPlatform } from '../protocol'

export const enrollmentKeyPattern = /^brz_[A-Za-z0-9_-]{16,64}$/

/** The path the scripts ask before downloading: is this key usable (cheap, rate limited like enrollment). */
export const installCheckPath = '/api/v1/agents/install-check'

function checked(server: string, key: string) {
  if (!enrollmentKeyPattern.test(key)) throw new ValidationError('key', 'give a Breeze enrollment key (brz_…) as ?key=')
  if (!publicUrlPattern.test(server)) throw new ValidationError('server', 'this server\'s public URL is not usable in an install script; set it under Settings → Public URL')
  return { server: server.replace(/\/+$/, ''), key }
}

/**
 * installCommands are the one-liners shown on the Add device page. note: curl without -f, so
 * that the script a refusal answers with (which says why and exits 1) reaches sh.
 */
export function installCommands(server: string, key: string) {
  const c = checked(server, key)
  return {
    unix: `curl -sSL '${c.server}/install.sh?key=${c.key}' | sudo sh`,
    windows: `powershell -NoProfile -ExecutionPolicy Bypass -Command "irm '${c.server}/install.ps1?key=${c.key}' | iex"`,
    manual: `breeze-agent install --server ${c.server} --key ${c.key}`,
  }
}

const missingBuildHint = "an administrator can build it on the Breeze server with 'npm run build' (or copy the build into the agents folder of its data directory)"
const loopbackNote = (server: string) => `warning: this server's public URL is ${server}, which only the server itself can reach; if this machine cannot connect, ask an administrator to set the public URL under Settings`

/** refusalSh is what /install.sh answers instead of an installer: the reason, and exit 1. */
export function refusalSh(message: string): string {
  return `#!/bin/sh\necho ${shQuote(`breeze: ${message}`)} >&2\nexit 1\n`
}

/** refusalPs1 is what /install.ps1 answers instead of an installer. */
export function refusalPs1(message: string): string {
  return `throw ${psQuote(`breeze: ${message}`)}\n`
}

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'"'"'`)}'`
}

function psQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`
}

export function installSh(server: string, key: string, builds: Map<AgentPlatform, AgentBuild>): string {
  const c = checked(server, key)
  const sums = (['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64'] as const).flatMap((p) => builds.has(p) ? [`    ${p}) sha='${builds.get(p)!.sha256}' ;;`] : []).join('\n')
  return `#!/bin/sh
# Breeze agent installer: checks the enrollment key, downloads the agent from this server,
# checks its SHA-256, enrolls this machine and registers the system service. Run as root.
# Environment: BREEZE_INSTALL_DIR (default /usr/local/bin), BREEZE_AGENT_CONFIG_DIR,
# BREEZE_NO_SERVICE=1 to enroll only (no service), BREEZE_INIT_SYSTEM=systemd|launchd|none
# to override what is detected.
# note: everything runs from main, called on the last line, so a cut-off download runs nothing.
set -eu
SERVER='${c.server}'
KEY='${c.key}'

say() { printf 'breeze: %s\\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# The checksum of this server's build for a platform; empty when it has none.
build_sha256() {
  sha=''
  case "$1" in
${sums}
  esac
  printf '%s' "$sha"
}

# systemd (only when it runs as the init system), launchd on macOS, or none.
init_system() {
  if [ -n "\${BREEZE_INIT_SYSTEM:-}" ]; then printf '%s' "$BREEZE_INIT_SYSTEM"; return; fi
  if [ "$os" = darwin ]; then printf launchd; return; fi
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then printf systemd; else printf none; fi
}

# Ask the server whether the key is usable before downloading the agent.
check_key() {
  body="{\\"key\\":\\"$KEY\\"}"
  if command -v curl >/dev/null 2>&1; then
    answer=$(curl -sS -X POST -H 'content-type: application/json' --data "$body" -w '\\n%{http_code}' "$SERVER${installCheckPath}") || die "cannot reach $SERVER to check the enrollment key"
    code=$(printf '%s\\n' "$answer" | tail -n 1)
    text=$(printf '%s\\n' "$answer" | sed '$d')
  elif wget -q -O /dev/null --header='content-type: application/json' --post-data="$body" "$SERVER${installCheckPath}"; then
    code=200; text=''
  else
    code='refused'; text=''
  fi
  [ "$code" = 200 ] && return 0
  reason=$(printf '%s' "$text" | sed -n 's/.*"message":"\\([^"]*\\)".*/\\1/p')
  die "the server refused this enrollment key: \${reason:-HTTP $code}"
}

download() {
  if command -v curl >/dev/null 2>&1; then curl -fsSL --compressed -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then wget -qO "$2" "$1"
  else die "this installer needs curl or wget"; fi
}

main() {
${isLoopbackUrl(c.server) ? `  say ${shQuote(loopbackNote(c.server))}\n` : ''}  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) die "unsupported system $(uname -s)" ;;
  esac
  case "$(uname -m)" in
    x86_64|amd64) arch=x64 ;;
    aarch64|arm64) arch=arm64 ;;
    *) die "unsupported architecture $(uname -m)" ;;
  esac
  platform="$os-$arch"
  sha=$(build_sha256 "$platform")
  [ -n "$sha" ] || die "this server has no agent build for $platform yet; ${missingBuildHint}"
  init=$(init_system)
  if [ -z "\${BREEZE_INSTALL_DIR:-}" ] && [ "$(id -u)" != 0 ]; then
    die "run as root, e.g. curl -sSL '$SERVER/install.sh?key=…' | sudo sh"
  fi
  check_key

  dir="\${BREEZE_INSTALL_DIR:-/usr/local/bin}"
  mkdir -p "$dir"
  tmp="$dir/.breeze-agent.download.$$"
  trap 'rm -f "$tmp"' EXIT
  say "downloading the agent for $platform"
  download "$SERVER/agents/$platform" "$tmp"
  if command -v sha256sum >/dev/null 2>&1; then got=$(sha256sum "$tmp" | cut -d' ' -f1)
  else got=$(shasum -a 256 "$tmp" | cut -d' ' -f1); fi
  [ "$got" = "$sha" ] || die "checksum mismatch for the downloaded agent (expected $sha, got $got)"
  chmod 0755 "$tmp"
  mv -f "$tmp" "$dir/breeze-agent"
  trap - EXIT

  if [ "\${BREEZE_NO_SERVICE:-}" = 1 ]; then
    exec "$dir/breeze-agent" enroll --server "$SERVER" --key "$KEY"
  fi
  case "$init" in
    systemd|launchd) exec "$dir/breeze-agent" install --server "$SERVER" --key "$KEY" ;;
  esac
  "$dir/breeze-agent" enroll --server "$SERVER" --key "$KEY"
  say "no systemd here: the agent is enrolled but not running as a service."
  say "start it now with:   $dir/breeze-agent run"
  say "and have your init system start that command at boot (an OpenRC or runit service, or an @reboot cron entry)."
}

main "$@"
`
}

export function installPs1(server: string, key: string, builds: Map<AgentPlatform, AgentBuild>): string {
  const c = checked(server, key)
  const sha = builds.get('windows-x64')?.sha256 ?? ''
  return `# Breeze agent installer for Windows: checks the enrollment key, downloads the agent from this
# server, checks its SHA-256, enrolls this machine and registers the Windows service. Run as Administrator.
$ErrorActionPreference = 'Stop'
# The progress bar makes Invoke-WebRequest many times slower on Windows PowerShell 5.1.
$ProgressPreference = 'SilentlyContinue'
$Server = '${c.server}'
$Key = '${c.key}'
$Sha256 = '${sha}'
${isLoopbackUrl(c.server) ? `Write-Warning ${psQuote(loopbackNote(c.server))}\n` : ''}if (-not $Sha256) { throw ${psQuote(`breeze: this server has no agent build for windows-x64 yet; ${missingBuildHint}`)} }
$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) { throw 'breeze: run PowerShell as Administrator.' }
[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12
try {
  Invoke-RestMethod -UseBasicParsing -Method Post -Uri "$Server${installCheckPath}" -ContentType 'application/json' -Body (@{ key = $Key } | ConvertTo-Json) | Out-Null
} catch {
  $reason = $_.ErrorDetails.Message
  try { $reason = ($reason | ConvertFrom-Json).error.message } catch {}
  if (-not $reason) { $reason = $_.Exception.Message }
  throw "breeze: the server refused this enrollment key: $reason"
}
$dir = Join-Path $env:ProgramFiles 'Breeze'
New-Item -ItemType Directory -Force -Path $dir | Out-Null
$exe = Join-Path $dir 'breeze-agent.exe'
$tmp = "$exe.download"
Write-Host 'breeze: downloading the agent for windows-x64'
Invoke-WebRequest -UseBasicParsing -Uri "$Server/agents/windows-x64" -OutFile $tmp
$got = (Get-FileHash -Algorithm SHA256 -Path $tmp).Hash.ToLower()
if ($got -ne $Sha256) { Remove-Item -Force $tmp; throw "breeze: checksum mismatch for the downloaded agent (expected $Sha256, got $got)." }
Move-Item -Force $tmp $exe
& $exe install --server $Server --key $Key
if ($LASTEXITCODE -ne 0) { throw "breeze: breeze-agent install failed with exit code $LASTEXITCODE" }
`
}
