/** Cart shapes and form schemas, shared by the browser forms and the server. */
import { z } from 'zod'
import type { Totals } from './pricing.ts'
import { sizeText } from './text.ts'

/** No line may hold more than this many pieces. */
export const MAX_LINE_QUANTITY = 10

export const QuantitySchema = z.coerce
  .number({ error: 'Choose a quantity.' })
  .int('Choose a whole number.')
  .min(1, 'Choose at least 1.')
  .max(MAX_LINE_QUANTITY, `At most ${MAX_LINE_QUANTITY} of one item per order.`)

export const AddToCartSchema = z.object({
  productId: z.uuid('Choose a product.'),
  size: sizeText('Choose a size.'),
  quantity: QuantitySchema.default(1),
})

export const UpdateLineSchema = z.object({
  lineId: z.uuid('Unknown cart line.'),
  quantity: QuantitySchema,
})

export const RemoveLineSchema = z.object({ lineId: z.uuid('Unknown cart line.') })

export interface CartLineView {
  id: string
  productId: string
  slug: string
  name: string
  image: string | null
  size: string
  quantity: number
  unitPrice: number
  lineTotal: number
  currency: string
  /** pieces of this size in stock now */
  available: number
  outOfStock: boolean
  /** quantity is above what is in stock */
  exceedsStock: boolean
  /** the product was archived or the size removed: cannot be bought */
  unavailable: boolean
}

export interface CartView {
  id: string | null
  lines: CartLineView[]
  itemCount: number
  currency: string
  totals: Totals
  /** every line can be bought as it stands */
  ready: boolean
}
