/** Address book: a user's saved shipping addresses (default first), saved and deleted only by their owner. */
import { MAX_SAVED_ADDRESSES } from '#app/domain/checkout.ts'
import { DomainError } from '#app/domain/errors.ts'
import { ShippingAddressSchema, type ShippingAddress } from '#app/domain/order.ts'
import { getDb } from '#app/utils/db.server.ts'

export interface SavedAddress extends ShippingAddress {
  id: string
  isDefault: boolean
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const addressSelect = { id: true, name: true, line1: true, line2: true, city: true, state: true, postalCode: true, country: true, phone: true, isDefault: true } as const

type AddressRow = { id: string; name: string; line1: string; line2: string | null; city: string; state: string; postalCode: string; country: string; phone: string; isDefault: boolean }

function toSaved(r: AddressRow): SavedAddress {
  const { line2, ...rest } = r
  return line2 ? { ...rest, line2 } : rest
}

/** The shipping fields alone (what an order snapshots). */
export function toShippingAddress(a: SavedAddress): ShippingAddress {
  const { id: _id, isDefault: _isDefault, ...address } = a
  return address
}

/** The address as checkout would take it (the same schema), or a VALIDATION error naming each field. */
function parseAddress(input: ShippingAddress): ShippingAddress {
  const parsed = ShippingAddressSchema.safeParse(input)
  if (!parsed.success) {
    const fields: Record<string, string> = {}
    for (const issue of parsed.error.issues) fields[String(issue.path[0] ?? '_')] ??= issue.message
    throw new DomainError('VALIDATION', Object.values(fields)[0] ?? 'Check the address.', { fields })
  }
  return parsed.data
}

function notFound(): DomainError {
  return new DomainError('NOT_FOUND', 'That address is not in your address book.')
}

function sameAddress(a: ShippingAddress, b: ShippingAddress): boolean {
  const norm = (s: string | undefined) => (s ?? '').trim().toLowerCase()
  return (['name', 'line1', 'line2', 'city', 'state', 'postalCode', 'country', 'phone'] as const).every((k) => norm(a[k]) === norm(b[k]))
}

/** The user's saved addresses, the default first, then the newest. */
export async function listAddresses(userId: string): Promise<SavedAddress[]> {
  const rows = await getDb().address.findMany({ where: { userId }, select: addressSelect, orderBy: [{ isDefault: 'desc' }, { createdAt: 'desc' }, { id: 'desc' }] })
  return rows.map(toSaved)
}

/** One of the user's addresses, or null (also for another user's). */
export async function getAddress(userId: string, addressId: string): Promise<SavedAddress | null> {
  if (!UUID.test(addressId)) return null
  const row = await getDb().address.findFirst({ where: { id: addressId, userId }, select: addressSelect })
  return row ? toSaved(row) : null
}

/**
 * Saves an address to the user's book (validated here too). An identical address already
 * saved is returned instead of a duplicate; the first address becomes the default.
 */
export async function saveAddress(userId: string, input: ShippingAddress, opts: { makeDefault?: boolean } = {}): Promise<SavedAddress> {
  const address = parseAddress(input)
  return getDb().$transaction(async (tx) => {
    // One writer per user at a time, so the limit and the single default hold under concurrency.
    await tx.$queryRaw`SELECT id FROM users WHERE id = ${userId}::uuid FOR UPDATE`
    const existing = (await tx.address.findMany({ where: { userId }, select: addressSelect })).map(toSaved)
    const same = existing.find((a) => sameAddress(a, address))
    const makeDefault = Boolean(opts.makeDefault) || existing.length === 0
    if (same) {
      if (makeDefault && !same.isDefault) {
        await tx.address.updateMany({ where: { userId, isDefault: true }, data: { isDefault: false } })
        await tx.address.update({ where: { id: same.id }, data: { isDefault: true } })
        return { ...same, isDefault: true }
      }
      return same
    }
    if (existing.length >= MAX_SAVED_ADDRESSES) {
      throw new DomainError('CONFLICT', `You can keep up to ${MAX_SAVED_ADDRESSES} addresses. Delete one to save another.`)
    }
    if (makeDefault) await tx.address.updateMany({ where: { userId, isDefault: true }, data: { isDefault: false } })
    const row = await tx.address.create({
      data: { userId, ...address, line2: address.line2 ?? null, isDefault: makeDefault },
      select: addressSelect,
    })
    return toSaved(row)
  })
}

/** Deletes one of the user's addresses (no-op when it is gone); the newest other one becomes the default. */
export async function deleteAddress(userId: string, addressId: string): Promise<{ deleted: boolean }> {
  if (!UUID.test(addressId)) return { deleted: false }
  return getDb().$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM users WHERE id = ${userId}::uuid FOR UPDATE`
    const row = await tx.address.findFirst({ where: { id: addressId, userId }, select: { isDefault: true } })
    if (!row) return { deleted: false }
    await tx.address.delete({ where: { id: addressId } })
    if (row.isDefault) {
      const next = await tx.address.findFirst({ where: { userId }, select: { id: true }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] })
      if (next) await tx.address.update({ where: { id: next.id }, data: { isDefault: true } })
    }
    return { deleted: true }
  })
}

/**
 * Changes one of the user's addresses (NOT_FOUND for anyone else's). Orders keep their own
 * copy, so editing never rewrites history. Another saved address with the same fields is a
 * CONFLICT rather than a silent duplicate. `makeDefault` makes it the default; otherwise the
 * default stays where it is.
 */
export async function updateAddress(userId: string, addressId: string, input: ShippingAddress, opts: { makeDefault?: boolean } = {}): Promise<SavedAddress> {
  if (!UUID.test(addressId)) throw notFound()
  const address = parseAddress(input)
  return getDb().$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM users WHERE id = ${userId}::uuid FOR UPDATE`
    const existing = (await tx.address.findMany({ where: { userId }, select: addressSelect })).map(toSaved)
    const current = existing.find((a) => a.id === addressId)
    if (!current) throw notFound()
    if (existing.some((a) => a.id !== addressId && sameAddress(a, address))) {
      throw new DomainError('CONFLICT', 'You already have this address saved. Edit that one, or delete one of the two.')
    }
    const makeDefault = Boolean(opts.makeDefault) && !current.isDefault
    if (makeDefault) await tx.address.updateMany({ where: { userId, isDefault: true }, data: { isDefault: false } })
    const row = await tx.address.update({
      where: { id: addressId },
      data: { ...address, line2: address.line2 ?? null, ...(makeDefault ? { isDefault: true } : {}) },
      select: addressSelect,
    })
    return toSaved(row)
  })
}

/** Makes one of the user's addresses the default (the one checkout offers first); NOT_FOUND for anyone else's. */
export async function setDefaultAddress(userId: string, addressId: string): Promise<SavedAddress> {
  if (!UUID.test(addressId)) throw notFound()
  return getDb().$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM users WHERE id = ${userId}::uuid FOR UPDATE`
    const current = await tx.address.findFirst({ where: { id: addressId, userId }, select: { id: true, isDefault: true } })
    if (!current) throw notFound()
    if (!current.isDefault) {
      await tx.address.updateMany({ where: { userId, isDefault: true }, data: { isDefault: false } })
      await tx.address.update({ where: { id: addressId }, data: { isDefault: true }, select: { id: true } })
    }
    const row = await tx.address.findUniqueOrThrow({ where: { id: addressId }, select: addressSelect })
    return toSaved(row)
  })
}
