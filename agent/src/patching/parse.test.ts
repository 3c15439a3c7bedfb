// The package-manager parsers on recorded outputs of each OS (./fixtures).
import { describe, expect, test } from 'bun:test'
import { Value } from '@sinclair/typebox/value'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { scannedPatch } from '../../../src/protocol/patching'
import { aptLockHeld, parseAptSimulation, parseDnfCheckUpdate, parseDnfUpdateinfo, parseSoftwareUpdate, parseWindowsUpdate, parseWingetUpgrade, splitNevra } from './parse'

const fixture = (name: string) => readFileSync(path.join(import.meta.dir, 'fixtures', name), 'utf8')
const valid = (list: unknown[]) => { for (const p of list) expect(Value.Check(scannedPatch, p)).toBe(true) }

describe('apt', () => {
  test('Debian 12: upgrades with installed and new versions, security by origin, new packages skipped', () => {
    const list = parseAptSimulation(fixture('apt-dist-upgrade-debian12.txt'))
    valid(list)
    expect(list.map((p) => p.externalId)).toEqual(['libc6', 'libc-bin', 'curl', 'libcurl4', 'linux-image-amd64', 'openssh-client', 'tzdata'])
    const curl = list.find((p) => p.externalId === 'curl')!
    expect(curl).toMatchObject({ source: 'apt', version: '7.88.1-10+deb12u6', installedVersion: '7.88.1-10+deb12u5', classification: 'security', origin: 'Debian-Security:12/stable-security' })
    expect(list.find((p) => p.externalId === 'tzdata')!.classification).toBe('update')
    expect(list.find((p) => p.externalId === 'openssh-client')!.version).toBe('1:9.2p1-2+deb12u3')
    expect(list.find((p) => p.externalId === 'libc6')!).toMatchObject({ classification: 'security', rebootRequired: true })
    expect(list.filter((p) => p.classification === 'security').length).toBe(4)
  })
  test('Ubuntu 22.04: jammy-security origin marks security updates', () => {
    const list = parseAptSimulation(fixture('apt-dist-upgrade-ubuntu2204.txt'))
    valid(list)
    expect(list.map((p) => [p.externalId, p.classification])).toEqual([['libssl3', 'security'], ['openssl', 'security'], ['python3-update-manager', 'update'], ['snapd', 'update']])
  })
  test('a held lock is recognised, an empty upgrade is not a lock', () => {
    expect(aptLockHeld(fixture('apt-lock.txt'))).toBe(true)
    expect(aptLockHeld('0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.')).toBe(false)
    expect(parseAptSimulation(fixture('apt-lock.txt'))).toEqual([])
  })
})

describe('dnf', () => {
  test('RHEL 9 updateinfo text: severity, classification, advisory, kernel needs a reboot', () => {
    const list = parseDnfUpdateinfo(fixture('dnf-updateinfo-rhel9.txt'))
    valid(list)
    expect(list.length).toBe(8)
    expect(list.find((p) => p.externalId === 'xz-libs')).toMatchObject({ version: '5.2.5-8.el9_0.1', severity: 'critical', classification: 'security', origin: 'RHSA-2024:1784' })
    expect(list.find((p) => p.externalId === 'kernel')).toMatchObject({ severity: 'important', rebootRequired: true })
    expect(list.find((p) => p.externalId === 'tzdata')).toMatchObject({ classification: 'bugfix', severity: 'unknown' })
    expect(list.find((p) => p.externalId === 'NetworkManager')).toMatchObject({ version: '1:1.44.0-5.el9_3', classification: 'enhancement' })
  })
  test('dnf5 JSON: build time as release date', () => {
    const list = parseDnfUpdateinfo(fixture('dnf5-updateinfo-fedora40.json'))
    valid(list)
    expect(list.map((p) => p.externalId).sort()).toEqual(['curl', 'firefox', 'libcurl', 'python3-pip'])
    expect(list.find((p) => p.externalId === 'curl')).toMatchObject({ severity: 'moderate', classification: 'security', releasedAt: Date.UTC(2024, 3, 3, 11, 22, 9) })
    expect(list.find((p) => p.externalId === 'python3-pip')).toMatchObject({ severity: 'low', classification: 'enhancement' })
  })
  test('check-update lists packages without advisories, stops at Obsoleting', () => {
    const list = parseDnfCheckUpdate(fixture('dnf-check-update.txt'))
    valid(list)
    expect(list.map((p) => [p.externalId, p.version])).toEqual([['expat', '2.5.0-1.el9_3.1'], ['kernel', '5.14.0-362.24.2.el9_3'], ['vim-minimal', '2:8.2.2637-20.el9_1']])
    expect(splitNevra('bad')).toBeNull()
  })
})

describe('Windows Update', () => {
  test('KB, title, severity, classification, size, reboot, supersedence; one-element arrays as plain values', () => {
    const list = parseWindowsUpdate(fixture('windows-update-win11.json'))
    valid(list)
    expect(list[0]).toMatchObject({ source: 'windows_update', externalId: 'KB5036893', severity: 'critical', classification: 'security', rebootRequired: true, sizeBytes: 1273490431, supersedes: ['5035853', '5034765'], releasedAt: Date.parse('2024-04-09T00:00:00') })
    expect(list[1]).toMatchObject({ externalId: 'KB2267602', version: '200', classification: 'definition', severity: 'unknown', supersedes: [] })
    expect(list[2]).toMatchObject({ externalId: 'KB5036620', severity: 'important', classification: 'security', rebootRequired: false })
    expect(parseWindowsUpdate('')).toEqual([])
    expect(parseWindowsUpdate('{"KBArticleIDs":"5001","Title":"One","Categories":"Updates"}')[0]).toMatchObject({ externalId: 'KB5001', classification: 'update' })
  })
})

describe('macOS', () => {
  test('softwareupdate --list: label, version, size, restart action', () => {
    const list = parseSoftwareUpdate(fixture('softwareupdate-list-sonoma.txt'))
    valid(list)
    expect(list.map((p) => p.externalId)).toEqual(['macOS Sonoma 14.4.1-23E224', 'Safari17.4.1VenturaAuto-17.4.1', 'Command Line Tools for Xcode-15.3'])
    expect(list[0]).toMatchObject({ version: '14.4.1', title: 'macOS Sonoma 14.4.1', rebootRequired: true, sizeBytes: 1612346 * 1024 })
    expect(list[1]).toMatchObject({ version: '17.4.1', rebootRequired: false })
    expect(list[2].sizeBytes).toBe(751082 * 1024)
    expect(parseSoftwareUpdate('Software Update Tool\n\nFinding available software\nNo new software available.\n')).toEqual([])
  })
})

describe('winget', () => {
  test('upgrade table split at the header columns, spinner and footer skipped', () => {
    const list = parseWingetUpgrade(fixture('winget-upgrade.txt'))
    valid(list)
    expect(list.map((p) => [p.externalId, p.installedVersion, p.version])).toEqual([['Mozilla.Firefox', '124.0.2', '125.0.1'], ['7zip.7zip', '23.01', '24.05'], ['Microsoft.VisualStudioCode', '1.87.2', '1.88.1']])
    expect(list[0]).toMatchObject({ source: 'winget', classification: 'application', origin: 'winget' })
    expect(parseWingetUpgrade('No installed package found matching input criteria.')).toEqual([])
  })
})
