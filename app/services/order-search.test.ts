// The staff order list against a real PostgreSQL database: finding orders by the phone staff
// type (any format, or the last digits), by number and id, combined with filters, and the
// bounded count that keeps the list fast at a million orders.
import { beforeAll, describe, expect, it } from 'vitest'
import type { OrderStatus } from '#app/domain/order.ts'
import { getDb } from '#app/utils/db.server.ts'
import { withTestRuntime } from '../../tests/fixtures/runtime.ts'
import { createProduct } from '../../tests/fixtures/shop.ts'
import { queryRows } from '../../tests/integration/helpers.ts'
import { listOrders, phoneSearchDigits, STAFF_COUNT_LIMIT } from './orders.server.ts'

const database = withTestRuntime('it_order_search')

let product: { id: string; name: string; price: number }
const asha = { id: '', phone: '+919876543210' }
const ravi = { id: '', phone: '+919812345678' }
// Ravi sends a gift to his mother, whose number also ends in 3210.
const mother = '+917000003210'

async function user(phone: string, name: string): Promise<string> {
  return (await getDb().user.create({ data: { phone, name }, select: { id: true } })).id
}

/** An order written directly (the staff list only reads): `items` lines of one piece each. */
async function order(userId: string, shipTo: string, opts: { status?: OrderStatus; items?: number; createdAt?: Date } = {}) {
  const items = opts.items ?? 1
  return getDb().order.create({
    data: {
      userId,
      status: opts.status ?? 'processing',
      itemsPrice: product.price * items,
      taxPrice: 0,
      shippingPrice: 0,
      totalPrice: product.price * items,
      paymentMethod: 'cod',
      shippingAddress: { name: 'Someone', line1: '1 Road', city: 'Pune', state: 'Maharashtra', postalCode: '411001', country: 'IN', phone: shipTo },
      createdAt: opts.createdAt ?? new Date(),
      items: { create: Array.from({ length: items }, (_, i) => ({ productId: product.id, name: product.name, size: `S${i}`, quantity: 1, price: product.price })) },
    },
    select: { id: true, number: true },
  })
}

const ids = async (q: string, extra: { status?: OrderStatus } = {}) => (await listOrders({ q, ...extra, page: 1, limit: 50 })).items.map((o) => o.id).sort()

let ashaOwn: string[]
let ashaGift: string
let raviOwn: string
let raviGift: string

beforeAll(async () => {
  product = await createProduct({ sizes: { S0: 5 } })
  asha.id = await user(asha.phone, 'Asha Rao')
  ravi.id = await user(ravi.phone, 'Ravi Kumar')
  const day = 86_400_000
  ashaOwn = [
    (await order(asha.id, asha.phone, { createdAt: new Date(Date.now() - 3 * day), items: 2 })).id,
    (await order(asha.id, asha.phone, { status: 'pending_payment', createdAt: new Date(Date.now() - 2 * day) })).id,
  ]
  // Asha orders for a friend: the shipping phone is not hers, her account phone still finds it.
  ashaGift = (await order(asha.id, '+919900011122', { createdAt: new Date(Date.now() - day) })).id
  // Ravi ships to Asha's number (typed the national way): her number finds it through the address.
  raviOwn = (await order(ravi.id, '98765 43210')).id
  raviGift = (await order(ravi.id, mother)).id
})

describe('staff order search', () => {
  it('reads what staff type as a phone: the whole number in any format, or its last 4+ digits', () => {
    for (const typed of ['+91 98765 43210', '9876543210', '98765-43210', '09876543210', '919876543210', '(+91) 98765.43210']) {
      expect(phoneSearchDigits(typed), typed).toBe('9876543210')
    }
    expect(phoneSearchDigits('3210')).toBe('3210')
    expect(phoneSearchDigits('43 210')).toBe('43210')
    // Other countries need their code, and then the whole international number is matched.
    expect(phoneSearchDigits('+44 7700 900123')).toBe('447700900123')
    expect(phoneSearchDigits('210')).toBeNull()
    expect(phoneSearchDigits('Asha')).toBeNull()
    expect(phoneSearchDigits('#1042')).toBeNull()
  })

  it('finds a customer’s orders by the full number in every format, through the account or the shipping address', async () => {
    const expected = [...ashaOwn, ashaGift, raviOwn].sort()
    for (const typed of ['+91 98765 43210', '9876543210', '98765 43210', '09876543210', '+919876543210']) {
      expect(await ids(typed), typed).toEqual(expected)
    }
    expect(await ids('98123 45678')).toEqual([raviOwn, raviGift].sort())
    expect(await ids(mother)).toEqual([raviGift])
  })

  it('finds orders by the last four or more digits, and never by fewer', async () => {
    expect(await ids('3210')).toEqual([...ashaOwn, ashaGift, raviOwn, raviGift].sort())
    expect(await ids('43210')).toEqual([...ashaOwn, ashaGift, raviOwn].sort())
    expect(await ids('5678')).toEqual([raviOwn, raviGift].sort())
    // Digits from the middle of a number are not its end.
    expect(await ids('98765')).toEqual([])
    expect(await ids('210')).toEqual([])
  })

  it('combines the search with the other filters and shows who ordered what', async () => {
    expect(await ids('3210', { status: 'pending_payment' })).toEqual([ashaOwn[1]])
    const page = await listOrders({ q: '+91 98765 43210', page: 1, limit: 50 })
    expect(page).toMatchObject({ total: 4, totalIsLowerBound: false, hasMore: false })
    // Newest first; the customer is the account holder, not the shipping name.
    expect(page.items.map((o) => o.id)).toEqual([raviOwn, ashaGift, ashaOwn[1], ashaOwn[0]])
    expect(page.items[3]).toMatchObject({ itemCount: 2, status: 'processing', paymentMethod: 'cod', customer: { id: asha.id, name: 'Asha Rao', phone: asha.phone } })
    expect(page.items[0]!.customer).toEqual({ id: ravi.id, name: 'Ravi Kumar', phone: ravi.phone })
  })

  it('still finds an order by its number or id, and nothing for text that is neither', async () => {
    const [row] = await queryRows<{ id: string; number: number }>(database.url(), 'SELECT id::text, number FROM orders WHERE id = $1::uuid', [raviGift])
    expect(await ids(`#${row!.number}`)).toEqual([raviGift])
    expect(await ids(row!.id)).toEqual([raviGift])
    expect(await ids('Asha')).toEqual([])
  })

  it('counts up to STAFF_COUNT_LIMIT, then says "more" and pages on without a total', async () => {
    const small = await listOrders({ page: 1, limit: 2 })
    expect(small).toMatchObject({ total: 5, totalIsLowerBound: false, hasMore: true })
    expect((await listOrders({ page: 3, limit: 2 })).hasMore).toBe(false)

    await queryRows(
      database.url(),
      `INSERT INTO orders (id, user_id, status, items_price, tax_price, shipping_price, total_price, payment_method, shipping_address, created_at, updated_at)
       SELECT gen_random_uuid(), $1::uuid, 'delivered', 100, 0, 0, 100, 'cod', jsonb_build_object('phone', '+91900000' || lpad(g::text, 4, '0')), now() - interval '30 days' - g * interval '1 minute', now()
         FROM generate_series(1, $2::int) AS g`,
      [ravi.id, STAFF_COUNT_LIMIT],
    )
    const all = await listOrders({ page: 1, limit: 25 })
    expect(all).toMatchObject({ total: STAFF_COUNT_LIMIT, totalIsLowerBound: true, hasMore: true })
    expect(all.items).toHaveLength(25)
    // A filter that matches fewer is counted exactly again, and the phone search still finds its few.
    expect(await listOrders({ status: 'processing', page: 1, limit: 25 })).toMatchObject({ total: 4, totalIsLowerBound: false })
    expect(await ids('+91 98765 43210')).toEqual([...ashaOwn, ashaGift, raviOwn].sort())
    expect(await ids('90000 00042')).toHaveLength(1)
  })
})
