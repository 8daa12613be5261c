import { describe, expect, it } from 'vitest'
import { effectivePermissions, hasPermission, PERMISSIONS, ROLE_PERMISSIONS, ROLES } from './permissions.ts'

describe('hasPermission', () => {
  it('refuses anonymous callers', () => {
    expect(hasPermission(null, 'order:read')).toBe(false)
    expect(hasPermission(undefined, 'user:read')).toBe(false)
  })

  it('gives admin every permission, even with no grants', () => {
    for (const p of PERMISSIONS) expect(hasPermission({ role: 'admin', permissions: [] }, p)).toBe(true)
  })

  it('gives each role exactly its defaults', () => {
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      for (const p of PERMISSIONS) {
        expect(hasPermission({ role, permissions: [] }, p), `${role} ${p}`).toBe(ROLE_PERMISSIONS[role].includes(p))
      }
    }
  })

  it('adds per-user grants on top of the role', () => {
    const warehouse = { role: 'warehouse' as const, permissions: ['report:read'] }
    expect(hasPermission(warehouse, 'report:read')).toBe(true)
    expect(hasPermission(warehouse, 'stock:update')).toBe(true)
    expect(hasPermission(warehouse, 'user:update')).toBe(false)
    expect(hasPermission({ role: 'user', permissions: ['order:read'] }, 'order:read')).toBe(true)
  })

  it('a plain user holds nothing, and user management stays with admin by default', () => {
    expect(effectivePermissions({ role: 'user', permissions: [] })).toEqual([])
    expect(ROLES.filter((role) => hasPermission({ role, permissions: [] }, 'user:update'))).toEqual(['admin'])
  })

  it('ignores unknown grant strings', () => {
    expect(effectivePermissions({ role: 'accountant', permissions: ['nonsense', 'stock:update'] }).sort()).toEqual(['order:read', 'payment:update', 'report:read', 'stock:update'])
  })
})
