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
  category: { id: string; slug: string; name: string }
  brand: string
  price: number
  mrp: number
  currency: string
  sizes: ProductSizeView[]
  totalStock: number
  images: ProductMediaView[]
  createdAt: string
}
