/** The public shape of a product (the `/api/v1` contract's `Product`). */
export interface ProductSizeView {
  size: string
  stock: number
}

export interface ProductMediaView {
  url: string
  type: 'image' | 'video'
}

export interface ProductView {
  id: string
  slug: string
  name: string
  description: string
  /** the category's slug (the contract's flat `category`) */
  category: string
  /** extension: the category's display name */
  categoryName: string
  brand: string
  price: number
  mrp: number
  currency: string
  sizes: ProductSizeView[]
  totalStock: number
  images: ProductMediaView[]
  createdAt: string
}

/** A page of products: the `/api/v1/products` answer. */
export interface ProductPage {
  items: ProductView[]
  page: number
  limit: number
  total: number
}

export interface CategoryView {
  id: string
  slug: string
  name: string
  description: string
}

/**
 * The id of the product page's purchase form (the cart feature renders it in the page's
 * `<aside aria-label="Buy">`); the page's size radios join it through `form="add-to-cart"`.
 */
export const PURCHASE_FORM_ID = 'add-to-cart'
