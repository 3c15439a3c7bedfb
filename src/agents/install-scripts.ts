// The install one-liners' scripts: /install.sh (Linux, macOS) and /install.ps1 (Windows).
// Each downloads the agent build this server has for the machine, checks its SHA-256 against
// the value written into the script, and runs `breeze-agent install --server … --key …`.
// NB: the key and server URL are spliced into a shell script, so both are checked against
// strict patterns first and single-quoted.
import { ValidationError } from '../lib/errors'
import type { AgentBuild } from './builds'
import type { AgentPlatform } from '../protocol'

export const enrollmentKeyPattern = /^brz_[A-Za-z0-9_-]{16,64}$/
const serverPattern = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~/-]*)?$/

function checked(server: string, key: string) {
  if (!enrollmentKeyPattern.test(key)) throw new ValidationError('key', 'give a Breeze enrollment key (brz_…) as ?key=')
  if (!serverPattern.test(server)) throw new ValidationError('server', 'this server\'s public URL is not usable in an install script; set BREEZE_PUBLIC_URL')
  return { server: server.replace(/\/+$/, ''), key }
}

/** installCommands are the one-liners shown on the Add device page. */
export function installCommands(server: string, key: string) {
  const c = checked(server, key)
  return {
    unix: `curl -fsSL '${c.server}/install.sh?key=${c.key}' | sudo sh`,
    windows: `powershell -NoProfile -ExecutionPolicy Bypass -Command "irm '${c.server}/install.ps1?key=${c.key}' | iex"`,
    manual: `breeze-agent install --server ${c.server} --key ${c.key}`,
  }
}

export function installSh(server: string, key: string, builds: Map<AgentPlatform, AgentBuild>): string {
  const c = checked(server, key)
  const sums = (['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64'] as const).map((p) => `  ${p}) SHA256='${builds.get(p)?.sha256 ?? ''}' ;;`).join('\n')
  return `#!/bin/sh
# Breeze agent installer: downloads the agent from this server, checks its SHA-256, enrolls
# this machine and registers the system service. Run as root.
# Environment: BREEZE_INSTALL_DIR (default /usr/local/bin), BREEZE_AGENT_CONFIG_DIR,
# BREEZE_NO_SERVICE=1 to enroll only (no service).
set -eu
SERVER='${c.server}'
KEY='${c.key}'

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) echo "breeze: unsupported system $(uname -s)" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64|amd64) arch=x64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) echo "breeze: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
platform="$os-$arch"
case "$platform" in
${sums}
esac
if [ -z "$SHA256" ]; then
  echo "breeze: this server has no agent build for $platform yet (an administrator can produce it with 'bun run build')" >&2
  exit 1
fi
if [ -z "\${BREEZE_INSTALL_DIR:-}" ] && [ "$(id -u)" != 0 ]; then
  echo "breeze: run as root, e.g. curl -fsSL '$SERVER/install.sh?key=…' | sudo sh" >&2
  exit 1
fi

dir="\${BREEZE_INSTALL_DIR:-/usr/local/bin}"
mkdir -p "$dir"
tmp="$dir/.breeze-agent.download.$$"
trap 'rm -f "$tmp"' EXIT
echo "breeze: downloading the agent for $platform"
if command -v curl >/dev/null 2>&1; then curl -fsSL "$SERVER/agents/$platform" -o "$tmp"
else wget -qO "$tmp" "$SERVER/agents/$platform"; fi
if command -v sha256sum >/dev/null 2>&1; then got=$(sha256sum "$tmp" | cut -d' ' -f1)
else got=$(shasum -a 256 "$tmp" | cut -d' ' -f1); fi
if [ "$got" != "$SHA256" ]; then
  echo "breeze: checksum mismatch for the downloaded agent (expected $SHA256, got $got)" >&2
  exit 1
fi
chmod 0755 "$tmp"
mv -f "$tmp" "$dir/breeze-agent"
trap - EXIT

if [ "\${BREEZE_NO_SERVICE:-}" = 1 ]; then
  exec "$dir/breeze-agent" enroll --server "$SERVER" --key "$KEY"
fi
exec "$dir/breeze-agent" install --server "$SERVER" --key "$KEY"
`
}

export function installPs1(server: string, key: string, builds: Map<AgentPlatform, AgentBuild>): string {
  const c = checked(server, key)
  const sha = builds.get('windows-x64')?.sha256 ?? ''
  return `# Breeze agent installer for Windows: downloads the agent from this server, checks its
# SHA-256, enrolls this machine and registers the Windows service. Run as Administrator.
$ErrorActionPreference = 'Stop'
$Server = '${c.server}'
$Key = '${c.key}'
$Sha256 = '${sha}'
if (-not $Sha256) { throw 'This server has no Windows agent build yet (an administrator can produce it with bun run build).' }
$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) { throw 'Run PowerShell as Administrator.' }
$dir = Join-Path $env:ProgramFiles 'Breeze'
New-Item -ItemType Directory -Force -Path $dir | Out-Null
$exe = Join-Path $dir 'breeze-agent.exe'
$tmp = "$exe.download"
Write-Host 'breeze: downloading the agent for windows-x64'
[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12
Invoke-WebRequest -UseBasicParsing -Uri "$Server/agents/windows-x64" -OutFile $tmp
$got = (Get-FileHash -Algorithm SHA256 -Path $tmp).Hash.ToLower()
if ($got -ne $Sha256) { Remove-Item -Force $tmp; throw "Checksum mismatch for the downloaded agent (expected $Sha256, got $got)." }
Move-Item -Force $tmp $exe
& $exe install --server $Server --key $Key
if ($LASTEXITCODE -ne 0) { throw "breeze-agent install failed with exit code $LASTEXITCODE" }
`
}
