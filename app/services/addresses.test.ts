// The address book behind /account/addresses against a real PostgreSQL database: editing,
// choosing the default and deleting, only ever on the owner's own addresses.
import { describe, expect, it } from 'vitest'
import { DomainError } from '#app/domain/errors.ts'
import { withTestRuntime } from '../../tests/fixtures/runtime.ts'
import { createUser } from '../../tests/fixtures/shop.ts'
import { deleteAddress, getAddress, listAddresses, saveAddress, setDefaultAddress, updateAddress } from './addresses.server.ts'

withTestRuntime('it_addresses')

const home = { name: 'Asha Rao', line1: '12 MG Road', city: 'Bengaluru', state: 'Karnataka', postalCode: '560001', country: 'IN', phone: '+919876543210' }
const office = { ...home, line1: '4 Residency Road', line2: 'Office, 3rd floor' }

async function rejection(p: Promise<unknown>): Promise<DomainError> {
  const err: unknown = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(DomainError)
  return err as DomainError
}

const defaults = async (userId: string) => (await listAddresses(userId)).map((a) => [a.line1, a.isDefault])

describe('editing the address book', () => {
  it('edits an address with the checkout’s rules, keeping the default where it was unless asked', async () => {
    const user = await createUser()
    const a = await saveAddress(user.id, home)
    const b = await saveAddress(user.id, office)
    const edited = await updateAddress(user.id, b.id, { ...office, city: ' Mysuru ', phone: '098450 12345', line2: '' })
    // Trimmed, phone in E.164, an empty line 2 dropped: what checkout would have stored.
    expect(edited).toEqual({ id: b.id, ...office, line2: undefined, city: 'Mysuru', phone: '+919845012345', isDefault: false })
    expect(await getAddress(user.id, b.id)).toEqual({ id: b.id, name: 'Asha Rao', line1: '4 Residency Road', city: 'Mysuru', state: 'Karnataka', postalCode: '560001', country: 'IN', phone: '+919845012345', isDefault: false })
    expect(await defaults(user.id)).toEqual([
      ['12 MG Road', true],
      ['4 Residency Road', false],
    ])
    await updateAddress(user.id, b.id, { ...office, city: 'Mysuru' }, { makeDefault: true })
    expect(await defaults(user.id)).toEqual([
      ['4 Residency Road', true],
      ['12 MG Road', false],
    ])
    // Editing the default without asking keeps it the default.
    expect((await updateAddress(user.id, b.id, { ...office, city: 'Mandya' })).isDefault).toBe(true)
    expect((await getAddress(user.id, a.id))?.isDefault).toBe(false)
  })

  it('refuses invalid input field by field, and an edit that duplicates another saved address', async () => {
    const user = await createUser()
    const a = await saveAddress(user.id, home)
    const b = await saveAddress(user.id, office)
    const invalid = await rejection(updateAddress(user.id, a.id, { ...home, postalCode: '!', phone: '12' }))
    expect(invalid.code).toBe('VALIDATION')
    expect(invalid.details?.fields).toEqual({ postalCode: 'Enter a valid PIN / postal code.', phone: expect.stringContaining('valid mobile number') })
    const duplicate = await rejection(updateAddress(user.id, b.id, { ...home, city: 'BENGALURU' }))
    expect(duplicate.code).toBe('CONFLICT')
    expect(await getAddress(user.id, b.id)).toMatchObject({ line1: '4 Residency Road' })
    // Saving an address unchanged is not a conflict with itself.
    expect((await updateAddress(user.id, a.id, home)).id).toBe(a.id)
  })

  it('moves the default to the address chosen', async () => {
    const user = await createUser()
    const a = await saveAddress(user.id, home)
    const b = await saveAddress(user.id, office)
    expect(await setDefaultAddress(user.id, b.id)).toMatchObject({ id: b.id, isDefault: true })
    expect(await defaults(user.id)).toEqual([
      ['4 Residency Road', true],
      ['12 MG Road', false],
    ])
    // Again: nothing changes, still one default.
    await setDefaultAddress(user.id, b.id)
    expect((await listAddresses(user.id)).filter((x) => x.isDefault).map((x) => x.id)).toEqual([b.id])
    await setDefaultAddress(user.id, a.id)
    expect((await listAddresses(user.id)).filter((x) => x.isDefault).map((x) => x.id)).toEqual([a.id])
  })

  it('never lets one shopper read, edit, make default or delete another’s address', async () => {
    const owner = await createUser()
    const other = await createUser()
    const mine = await saveAddress(owner.id, home)
    const theirs = await saveAddress(other.id, office)
    const before = await listAddresses(owner.id)

    expect(await getAddress(other.id, mine.id)).toBeNull()
    expect((await rejection(updateAddress(other.id, mine.id, { ...office, name: 'Intruder' }))).code).toBe('NOT_FOUND')
    expect((await rejection(updateAddress(other.id, mine.id, { ...office, name: 'Intruder' }, { makeDefault: true }))).code).toBe('NOT_FOUND')
    expect((await rejection(setDefaultAddress(other.id, mine.id))).code).toBe('NOT_FOUND')
    expect(await deleteAddress(other.id, mine.id)).toEqual({ deleted: false })
    for (const bad of ['not-an-id', '00000000-0000-0000-0000-000000000000']) {
      expect((await rejection(updateAddress(owner.id, bad, home))).code).toBe('NOT_FOUND')
      expect((await rejection(setDefaultAddress(owner.id, bad))).code).toBe('NOT_FOUND')
    }

    expect(await listAddresses(owner.id)).toEqual(before)
    expect(await listAddresses(other.id)).toEqual([expect.objectContaining({ id: theirs.id, name: 'Asha Rao', isDefault: true })])
  })

  it('deletes an address, and the newest other one becomes the default', async () => {
    const user = await createUser()
    const a = await saveAddress(user.id, home)
    const b = await saveAddress(user.id, office, { makeDefault: true })
    expect(await deleteAddress(user.id, b.id)).toEqual({ deleted: true })
    expect(await listAddresses(user.id)).toEqual([expect.objectContaining({ id: a.id, isDefault: true })])
    expect(await deleteAddress(user.id, b.id)).toEqual({ deleted: false })
  })
})
