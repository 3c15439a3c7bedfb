// Version ordering per packaging scheme, checked against the orders dpkg, rpm, Windows and
// semver define (cases from dpkg's and rpm's own test suites and the semver spec).
import { describe, expect, test } from 'bun:test'
import { compareVersions, schemeOf, versionKey, type VersionScheme } from './versions'

/** Each list is strictly increasing; every pair is checked both ways. */
const ascending: Record<VersionScheme, string[]> = {
  dpkg: ['0.9', '1.0~~', '1.0~~a', '1.0~', '1.0~rc1', '1.0', '1.0-0ubuntu1', '1.0-1', '1.0-1ubuntu0.1', '1.0-1ubuntu1', '1.0a', '1.0+dfsg', '1.0.0', '1.1', '1.2.3-1', '1.10', '3.0.2-0ubuntu1.15', '3.0.13-1~deb12u1', '3.0.13-1', '3.0.13-1+b1', '1:0.1', '2:0.0.1'],
  rpm: ['0.9', '1.0~rc1', '1.0', '1.0^', '1.0^git1', '1.0a', '1.0.1', '1.0.1a', '1.1', '1.10', '2.0-1.el9', '2.0-2.el9', '2.0-10.el9', '2.1', '1:1.0'],
  windows: ['9.0', '10.0.19045.4291', '10.0.22000.1', '10.0.22631.3296', '120.0.6099.130', '120.0.6099.200', '121.0.1'],
  semver: ['0.9.9', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.2', '1.10.0', 'v2.0.0', '10.0.0'],
}

describe('version ordering', () => {
  for (const [scheme, list] of Object.entries(ascending) as [VersionScheme, string[]][]) {
    test(scheme, () => {
      for (let i = 0; i < list.length; i++) {
        for (let j = 0; j < list.length; j++) {
          const want = Math.sign(i - j)
          const got = compareVersions(list[i], list[j], scheme)
          if (got !== want) throw new Error(`${scheme}: ${list[i]} vs ${list[j]}: expected ${want}, got ${got}`)
        }
      }
    })
  }

  test('equal versions in each scheme', () => {
    expect(compareVersions('1.0', '1.00', 'dpkg')).toBe(0)
    expect(compareVersions('0:1.0', '1.0', 'dpkg')).toBe(0)
    expect(compareVersions('1.0', '1..0', 'rpm')).toBe(0)
    expect(compareVersions('1.2', '1.2.0', 'semver')).toBe(0)
    expect(compareVersions('1.0.0+build5', '1.0.0', 'semver')).toBe(0)
  })

  test('keys carry their scheme, and sources pick it', () => {
    expect(versionKey('1.0', 'dpkg')[0]).toBe('d')
    expect(versionKey('1.0', 'rpm')[0]).toBe('r')
    expect(schemeOf('dpkg')).toBe('dpkg')
    expect(schemeOf('rpm')).toBe('rpm')
    expect(schemeOf('registry')).toBe('windows')
    expect(schemeOf('snap')).toBe('semver')
    expect(schemeOf(null)).toBe('semver')
  })

  test('text that is not semver still orders by its segments', () => {
    expect(compareVersions('2023.10a', '2023.9', 'semver')).toBe(1)
    expect(compareVersions('r10', 'r9', 'semver')).toBe(1)
  })
})
