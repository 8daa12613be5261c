/**
 * The OpenAPI 3.1 description of `/api/v1`, served at `/api/v1/openapi.json`.
 * tests/integration/openapi.test.ts validates real responses against these schemas and
 * checks that `paths` holds exactly the /api/v1 routes of app/routes.ts with the methods they
 * answer, so a new route, method or change of shape not reflected here fails the build.
 */
import { MAX_LINE_QUANTITY } from './cart.ts'
import { CATALOG_SORTS, DEFAULT_API_LIMIT, MAX_LIMIT } from './catalog-query.ts'
import { MAX_ORDER_LINES, ORDER_STATUSES, PAYMENT_METHODS, PAYMENT_STATUSES } from './order.ts'
import { PERMISSIONS, ROLES } from './permissions.ts'
import { PRODUCT_STATUSES } from './product-input.ts'
import { DEFAULT_SHIPPING_METHOD, SHIPPING_METHODS } from './shipping.ts'
import { SIZE_RE } from './text.ts'
import { ADMIN_MODULE_IDS } from './user-access.ts'

type Json = Record<string, unknown>

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const json = (schema: Json, description: string) => ({ description, content: { 'application/json': { schema } } })
const errorResponse = (description: string) => json(ref('Error'), description)

/** `{ items, page, limit, total }` of one schema: every paginated answer of the API. */
const pageOf = (item: string): Json => ({
  type: 'object',
  required: ['items', 'page', 'limit', 'total'],
  properties: {
    items: { type: 'array', items: ref(item) },
    page: { type: 'integer', minimum: 1 },
    limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT },
    total: { type: 'integer', minimum: 0 },
  },
})

const role = { type: 'string', enum: [...ROLES] }
/** A size as staff name it ("M", "Free Size", "32"). */
const size = { type: 'string', pattern: SIZE_RE.source, maxLength: 10 }

/** The contract's `Product`; staff answers (`StaffProduct`) add their fields to it. */
const PRODUCT_REQUIRED = ['id', 'slug', 'name', 'description', 'category', 'brand', 'price', 'mrp', 'currency', 'sizes', 'totalStock', 'images', 'createdAt']
const PRODUCT_PROPERTIES: Json = {
  id: { type: 'string', format: 'uuid' },
  slug: { type: 'string' },
  name: { type: 'string' },
  description: { type: 'string' },
  category: { type: 'string', description: "the category's slug" },
  categoryName: { type: 'string', description: "extension: the category's display name" },
  brand: { type: 'string' },
  price: { type: 'integer', minimum: 0, description: 'selling price in minor units (paise)' },
  mrp: { type: 'integer', minimum: 0, description: 'maximum retail price in minor units' },
  currency: { type: 'string', minLength: 3, maxLength: 3 },
  sizes: { type: 'array', items: ref('ProductSize') },
  totalStock: { type: 'integer', minimum: 0 },
  images: { type: 'array', items: ref('ProductMedia') },
  createdAt: { type: 'string', format: 'date-time' },
}

/** What staff send for a product (prices in minor units); ProductCreate and ProductUpdate differ in what is required. */
const MONEY_INPUT = { type: 'integer', minimum: 0, maximum: 100_000_000_00 }
const PRODUCT_WRITE_PROPERTIES: Json = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  slug: { type: 'string', maxLength: 120, pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$', description: 'made from the name when left out on create; taken by another product → 409' },
  description: { type: 'string', maxLength: 5000 },
  category: { type: 'string', maxLength: 120, pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$', description: "the category's slug (or give `categoryId`)" },
  categoryId: { type: 'string', format: 'uuid', description: "the category's id (or give `category`)" },
  brand: { type: 'string', maxLength: 100 },
  price: { ...MONEY_INPUT, description: 'selling price, minor units' },
  mrp: { ...MONEY_INPUT, description: 'maximum retail price, minor units; not below `price`' },
  costPrice: { type: ['integer', 'null'], minimum: 0, maximum: 100_000_000_00, description: 'purchase price (cost) for profit reports, minor units; staff only' },
  status: { type: 'string', enum: [...PRODUCT_STATUSES], description: 'only `active` products are shown in the shop and the public API' },
  featured: { type: 'boolean', description: 'shown among the featured products of the home page' },
}

export const schemas: Record<string, Json> = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', description: 'VALIDATION, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT, OUT_OF_STOCK, STATE_NOT_ALLOWED, RATE_LIMITED, …' },
          message: { type: 'string' },
          fields: { type: 'object', additionalProperties: { type: 'string' }, description: 'field name → first problem (400 only)' },
          retryAfter: { type: 'integer', description: 'seconds (429 only)' },
        },
      },
    },
  },
  ProductSize: {
    type: 'object',
    required: ['size', 'stock'],
    properties: { size: { type: 'string' }, stock: { type: 'integer', minimum: 0 } },
  },
  ProductMedia: {
    type: 'object',
    required: ['url', 'type'],
    properties: { url: { type: 'string' }, type: { type: 'string', enum: ['image', 'video'] } },
  },
  Product: { type: 'object', required: PRODUCT_REQUIRED, properties: PRODUCT_PROPERTIES },
  ProductPage: pageOf('Product'),
  StaffProduct: {
    type: 'object',
    description: 'The answer of product writes: the `Product`, plus what staff need (status, cost price, category id, featured, media ids).',
    required: [...PRODUCT_REQUIRED, 'status', 'costPrice', 'categoryId', 'featured', 'updatedAt', 'media'],
    properties: {
      ...PRODUCT_PROPERTIES,
      status: { type: 'string', enum: [...PRODUCT_STATUSES] },
      costPrice: { type: ['integer', 'null'], minimum: 0, description: 'purchase price, minor units; null when not recorded' },
      categoryId: { type: 'string', format: 'uuid' },
      featured: { type: 'boolean', description: 'shown among the featured products of the home page' },
      updatedAt: { type: 'string', format: 'date-time' },
      media: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'url', 'type', 'position'],
          properties: { id: { type: 'string', format: 'uuid' }, url: { type: 'string' }, type: { type: 'string', enum: ['image', 'video'] }, position: { type: 'integer', minimum: 0 } },
        },
      },
    },
  },
  SizeStockInput: {
    type: 'object',
    required: ['size', 'stock'],
    properties: { size, stock: { type: 'integer', minimum: 0, maximum: 1_000_000 } },
  },
  ProductCreate: {
    type: 'object',
    description: 'Give `category` (slug) or `categoryId`. Left out: `slug` (made from the name), `description` and `brand` (empty), `costPrice` (null), `status` (active), `featured` (false).',
    required: ['name', 'price', 'mrp'],
    anyOf: [{ required: ['category'] }, { required: ['categoryId'] }],
    properties: {
      ...PRODUCT_WRITE_PROPERTIES,
      sizes: { type: 'array', minItems: 1, maxItems: 50, items: ref('SizeStockInput'), description: 'initial stock per size; each size once' },
    },
  },
  ProductUpdate: {
    type: 'object',
    description: 'Any of the fields (at least one); fields left out keep their value. `mrp` ≥ `price` is checked on the merged product. Stock is changed with PUT /products/{id}/stock.',
    minProperties: 1,
    properties: PRODUCT_WRITE_PROPERTIES,
  },
  StockUpdate: {
    type: 'object',
    required: ['sizes'],
    description: 'The listed sizes get exactly these counts (a new size is added); sizes not listed keep theirs. To take a size off sale, set it to 0.',
    properties: { sizes: { type: 'array', minItems: 1, maxItems: 50, items: ref('SizeStockInput'), description: 'each size once (case-insensitive)' } },
  },
  // ─── wishlist ───
  Wishlist: {
    type: 'object',
    required: ['items'],
    properties: { items: { type: 'array', items: ref('Product'), description: 'products still on sale, most recently added first' } },
  },
  WishlistAdd: {
    type: 'object',
    required: ['productId'],
    properties: { productId: { type: 'string', format: 'uuid' } },
  },
  OtpRequest: {
    type: 'object',
    required: ['phone'],
    properties: { phone: { type: 'string', description: 'E.164, or a national number (India by default)', examples: ['+919812345670'] } },
  },
  OtpVerify: {
    type: 'object',
    required: ['phone', 'code'],
    properties: { phone: { type: 'string' }, code: { type: 'string', pattern: '^\\d{6}$' } },
  },
  Ok: { type: 'object', required: ['ok'], properties: { ok: { type: 'boolean', const: true } } },
  AuthToken: {
    type: 'object',
    required: ['token', 'user'],
    properties: {
      token: { type: 'string', description: 'a JWT for `Authorization: Bearer …`' },
      user: {
        type: 'object',
        required: ['id', 'role', 'name', 'phone'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          role,
          name: { type: 'string' },
          phone: { type: ['string', 'null'] },
        },
      },
    },
  },
  Me: {
    type: 'object',
    required: ['user'],
    properties: {
      user: {
        type: 'object',
        required: ['id', 'role', 'name', 'phone', 'email', 'avatar', 'isPhoneVerified'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          role,
          name: { type: 'string' },
          phone: { type: ['string', 'null'] },
          email: { type: ['string', 'null'] },
          avatar: { type: ['string', 'null'] },
          isPhoneVerified: { type: 'boolean' },
        },
      },
    },
  },
  // ─── orders ───
  ShippingAddress: {
    type: 'object',
    required: ['name', 'line1', 'city', 'state', 'postalCode', 'country', 'phone'],
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 100 },
      line1: { type: 'string', minLength: 1, maxLength: 200 },
      line2: { type: 'string', maxLength: 200 },
      city: { type: 'string', minLength: 1, maxLength: 100 },
      state: { type: 'string', minLength: 1, maxLength: 100 },
      postalCode: { type: 'string', pattern: '^[A-Za-z0-9 -]{3,10}$' },
      country: { type: 'string', pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2; IN when not given' },
      phone: { type: 'string', description: 'E.164 in answers; requests may send a national number (India by default)' },
    },
  },
  PlaceOrder: {
    type: 'object',
    required: ['items', 'shippingAddress', 'paymentMethod'],
    description: 'Prices, tax and shipping are computed on the server from the catalogue; price fields sent by the client are ignored.',
    properties: {
      items: {
        type: 'array',
        minItems: 1,
        maxItems: MAX_ORDER_LINES,
        items: {
          type: 'object',
          required: ['productId', 'size', 'quantity'],
          properties: {
            productId: { type: 'string', format: 'uuid' },
            size,
            quantity: { type: 'integer', minimum: 1, maximum: MAX_LINE_QUANTITY },
          },
        },
      },
      shippingAddress: { ...ref('ShippingAddress'), description: '`country` may be left out (IN)' },
      paymentMethod: { type: 'string', enum: [...PAYMENT_METHODS] },
      shippingMethod: {
        type: 'string',
        enum: [...SHIPPING_METHODS],
        default: DEFAULT_SHIPPING_METHOD,
        description: 'extension: the delivery option; its fee is set by the server and answered as `shippingPrice`',
      },
    },
  },
  OrderItem: {
    type: 'object',
    required: ['productId', 'name', 'size', 'quantity', 'price'],
    properties: {
      productId: { type: 'string', format: 'uuid' },
      name: { type: 'string', description: 'the product name when ordered' },
      size: { type: 'string' },
      quantity: { type: 'integer', minimum: 1 },
      price: { type: 'integer', minimum: 0, description: 'unit price when ordered, minor units' },
      slug: { type: ['string', 'null'], description: "extension: the product's slug now, for links" },
    },
  },
  OrderEvent: {
    type: 'object',
    required: ['status', 'at'],
    properties: {
      status: { type: 'string', enum: [...ORDER_STATUSES] },
      at: { type: 'string', format: 'date-time' },
      note: { type: 'string' },
      actor: {
        type: ['object', 'null'],
        description: 'extension: the staff member who made the change; null when the customer or the system did',
        required: ['id', 'name', 'role'],
        properties: { id: { type: 'string', format: 'uuid' }, name: { type: 'string' }, role },
      },
    },
  },
  OrderPayment: {
    type: 'object',
    required: ['method', 'status', 'amount', 'providerOrderId', 'providerPaymentId'],
    properties: {
      method: { type: 'string', enum: [...PAYMENT_METHODS] },
      status: { type: 'string', enum: [...PAYMENT_STATUSES] },
      amount: { type: 'integer', minimum: 0 },
      providerOrderId: { type: ['string', 'null'] },
      providerPaymentId: { type: ['string', 'null'], description: 'Razorpay payment ids start with `pay_`' },
    },
  },
  Order: {
    type: 'object',
    required: ['id', 'userId', 'status', 'items', 'itemsPrice', 'taxPrice', 'shippingPrice', 'totalPrice', 'currency', 'paymentMethod', 'isPaid', 'shippingAddress', 'events', 'createdAt'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      number: { type: 'integer', minimum: 1, description: 'extension: the order number people see (#1042)' },
      userId: { type: 'string', format: 'uuid' },
      status: { type: 'string', enum: [...ORDER_STATUSES] },
      items: { type: 'array', items: ref('OrderItem') },
      itemsPrice: { type: 'integer', minimum: 0, description: 'minor units' },
      taxPrice: { type: 'integer', minimum: 0, description: 'minor units' },
      shippingPrice: { type: 'integer', minimum: 0, description: 'minor units' },
      shippingMethod: { type: 'string', enum: [...SHIPPING_METHODS], description: 'extension: the delivery option the order ships by' },
      totalPrice: { type: 'integer', minimum: 0, description: 'itemsPrice + taxPrice + shippingPrice' },
      currency: { type: 'string', minLength: 3, maxLength: 3 },
      paymentMethod: { type: 'string', enum: [...PAYMENT_METHODS] },
      isPaid: { type: 'boolean' },
      paidAt: { type: ['string', 'null'], format: 'date-time', description: 'extension' },
      shippingAddress: ref('ShippingAddress'),
      events: { type: 'array', items: ref('OrderEvent'), description: 'oldest first' },
      payment: { anyOf: [ref('OrderPayment'), { type: 'null' }], description: 'extension: the latest payment record' },
      razorpay: {
        anyOf: [ref('RazorpayCheckout'), { type: 'null' }],
        description: 'only in the answer of POST /orders for a Razorpay order: what Checkout needs to take the payment (null when Razorpay could not be reached; then ask POST /payments/razorpay/order)',
      },
      createdAt: { type: 'string', format: 'date-time' },
    },
  },
  OrderPage: pageOf('Order'),
  OrderStatusChange: {
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string', enum: [...ORDER_STATUSES] }, note: { type: 'string', maxLength: 500 } },
  },
  CancelOrder: {
    type: 'object',
    properties: { reason: { type: 'string', maxLength: 500 } },
  },
  OutOfStockError: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message', 'items'],
        properties: {
          code: { type: 'string', const: 'OUT_OF_STOCK' },
          message: { type: 'string', description: 'names every short item; nothing was taken or charged' },
          items: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['productId', 'size', 'requested', 'available'],
              properties: {
                productId: { type: 'string', format: 'uuid' },
                size: { type: 'string' },
                requested: { type: 'integer', minimum: 1, description: 'pieces of this size asked for (lines of one size summed)' },
                available: { type: 'integer', minimum: 0, description: '0 when sold out or no longer sold' },
                name: { type: ['string', 'null'], description: 'extension: the product name; null when it is no longer sold' },
              },
            },
          },
        },
      },
    },
  },
  ConflictError: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', const: 'CONFLICT' },
          message: { type: 'string' },
          fields: { type: 'object', additionalProperties: { type: 'string' }, description: 'the field in conflict (a taken product `slug`)' },
        },
      },
    },
  },
  // ─── payments (Razorpay) ───
  RazorpayCheckout: {
    type: 'object',
    required: ['keyId', 'razorpayOrderId', 'amount', 'currency', 'orderId', 'orderNumber', 'name', 'description', 'prefill'],
    description:
      'What Razorpay Checkout (web checkout.js or a mobile SDK) needs: pass `keyId` as `key`, `razorpayOrderId` as `order_id`, and `amount`, `currency`, `name`, `description`, `prefill` as they are. On success, send Checkout’s three `razorpay_*` fields to POST /payments/razorpay/verify.',
    properties: {
      keyId: { type: 'string', description: 'the public key id (rzp_live_… or rzp_test_…)' },
      razorpayOrderId: { type: 'string', pattern: '^order_', description: 'created once per order and reused by later calls' },
      amount: { type: 'integer', minimum: 0, description: 'the order total in minor units (paise)' },
      currency: { type: 'string', minLength: 3, maxLength: 3 },
      orderId: { type: 'string', format: 'uuid' },
      orderNumber: { type: 'integer', minimum: 1 },
      name: { type: 'string', description: 'the shop name, shown in Checkout' },
      description: { type: 'string' },
      prefill: {
        type: 'object',
        properties: { name: { type: 'string' }, email: { type: 'string' }, contact: { type: 'string', description: 'E.164' } },
      },
    },
  },
  RazorpayStart: {
    type: 'object',
    required: ['orderId'],
    properties: { orderId: { type: 'string', format: 'uuid' } },
  },
  RazorpayVerify: {
    type: 'object',
    required: ['orderId', 'razorpay_order_id', 'razorpay_payment_id', 'razorpay_signature'],
    description: 'Checkout’s success response, unchanged, plus the order it pays.',
    properties: {
      orderId: { type: 'string', format: 'uuid' },
      razorpay_order_id: { type: 'string', pattern: '^order_[A-Za-z0-9]+$' },
      razorpay_payment_id: { type: 'string', pattern: '^pay_[A-Za-z0-9]+$' },
      razorpay_signature: { type: 'string', description: 'hex HMAC-SHA256 of `razorpay_order_id|razorpay_payment_id`' },
    },
  },
  RazorpayWebhookAck: {
    type: 'object',
    required: ['ok', 'outcome'],
    properties: {
      ok: { type: 'boolean', const: true },
      outcome: { type: 'string', enum: ['processed', 'duplicate', 'ignored'], description: 'duplicate: this event id was handled before; ignored: an event the store does not act on' },
    },
  },
  // ─── staff: users and access ───
  AdminUser: {
    type: 'object',
    required: ['id', 'name', 'email', 'phone', 'role', 'permissions', 'assignedModules', 'effectivePermissions', 'createdAt', 'lastLoginAt'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      name: { type: 'string' },
      email: { type: ['string', 'null'] },
      phone: { type: ['string', 'null'], description: 'E.164' },
      role,
      permissions: { type: 'array', items: { type: 'string', enum: [...PERMISSIONS] }, description: 'grants on top of the role' },
      assignedModules: { type: 'array', items: { type: 'string', enum: [...ADMIN_MODULE_IDS] } },
      effectivePermissions: { type: 'array', items: { type: 'string', enum: [...PERMISSIONS] }, description: "the role's permissions plus the grants (all for an admin)" },
      createdAt: { type: 'string', format: 'date-time' },
      lastLoginAt: { type: ['string', 'null'], format: 'date-time' },
    },
  },
  AdminUserPage: pageOf('AdminUser'),
  AuditEntry: {
    type: 'object',
    required: ['id', 'action', 'entityType', 'entityId', 'before', 'after', 'requestId', 'createdAt', 'actor'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      action: { type: 'string', examples: ['user:access_change'] },
      entityType: { type: 'string' },
      entityId: { type: 'string' },
      before: { description: 'the changed fields before (JSON, or null)' },
      after: { description: 'the changed fields after (JSON, or null)' },
      requestId: { type: ['string', 'null'] },
      createdAt: { type: 'string', format: 'date-time' },
      actor: {
        type: ['object', 'null'],
        required: ['id', 'name', 'role'],
        properties: { id: { type: 'string', format: 'uuid' }, name: { type: 'string' }, role },
      },
    },
  },
  AdminUserDetail: {
    type: 'object',
    required: ['user', 'audit'],
    properties: { user: ref('AdminUser'), audit: { type: 'array', maxItems: 20, items: ref('AuditEntry'), description: 'the latest access changes of this user, newest first' } },
  },
  UserAccessChange: {
    type: 'object',
    description: 'Any of the three (at least one); lists replace the current ones.',
    minProperties: 1,
    additionalProperties: false,
    properties: {
      role,
      permissions: { type: 'array', maxItems: 50, items: { type: 'string', enum: [...PERMISSIONS] } },
      assignedModules: { type: 'array', maxItems: 50, items: { type: 'string', enum: [...ADMIN_MODULE_IDS] } },
    },
  },
}

const query = (name: string, schema: Json, description: string) => ({ name, in: 'query', required: false, description, schema })

const unauthenticated = errorResponse('Missing, invalid or expired token')
const rateLimited = errorResponse('Too many requests (`Retry-After` and `RateLimit-*` headers)')
const orderId = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }
const unavailable = errorResponse('UNAVAILABLE: the store is starting or too busy; nothing was changed, retry after `Retry-After` seconds')
/** Every operation may answer these two (the rate limit covers all of /api/v1 but the signed webhook). */
const retryLater = { '429': rateLimited, '503': unavailable }
const bearer = [{ bearerAuth: [] }]
const productIdParam = { name: 'idOrSlug', in: 'path', required: true, description: "the product's id (writes take the id, not a slug)", schema: { type: 'string', format: 'uuid' } }
/** POST /user/wishlist's answer: 201 with `added: true`, 200 with `added: false`. */
const wishlistAdded = (added: boolean): Json => ({
  type: 'object',
  required: ['productId', 'added'],
  properties: { productId: { type: 'string', format: 'uuid' }, added: { type: 'boolean', const: added } },
})
const userIdParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }
const forbidden = (permission: string) => errorResponse(`FORBIDDEN: not staff with \`${permission}\``)

export const paths: Record<string, Json> = {
  '/auth/otp/request': {
    post: {
      operationId: 'requestOtp',
      tags: ['auth'],
      summary: 'Send a one-time sign-in code by SMS',
      requestBody: { required: true, content: { 'application/json': { schema: ref('OtpRequest') } } },
      responses: {
        '202': json(ref('Ok'), 'Code sent (or silently ignored)'),
        '400': errorResponse('Invalid phone number or body'),
        '429': errorResponse('Too many requests, or codes asked for this number too often (`Retry-After`)'),
        '503': errorResponse('UNAVAILABLE: the store is starting or busy, or the code could not be sent just now'),
      },
    },
  },
  '/auth/otp/verify': {
    post: {
      operationId: 'verifyOtp',
      tags: ['auth'],
      summary: 'Exchange phone + code for a bearer token',
      requestBody: { required: true, content: { 'application/json': { schema: ref('OtpVerify') } } },
      responses: {
        '200': json(ref('AuthToken'), 'Signed in'),
        '400': errorResponse('Invalid body, or wrong or expired code'),
        '401': errorResponse('Wrong or expired code'),
        ...retryLater,
      },
    },
  },
  '/me': {
    get: {
      operationId: 'getMe',
      tags: ['auth'],
      summary: 'The signed-in user',
      security: bearer,
      responses: { '200': json(ref('Me'), 'The user'), '401': unauthenticated, ...retryLater },
    },
  },
  '/products': {
    get: {
      operationId: 'listProducts',
      tags: ['catalogue'],
      summary: 'Search and list active products',
      description:
        'Text search is full-text (English stemming, prefixes) with typo tolerance on names and brands. Without `sort`, a text search is ordered by relevance and everything else by newest. Out-of-range values are rejected (400), never clamped.',
      parameters: [
        query('page', { type: 'integer', minimum: 1, default: 1 }, 'Page number, from 1'),
        query('limit', { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_API_LIMIT }, 'Products per page'),
        query('q', { type: 'string', maxLength: 100 }, 'Search text'),
        query('category', { type: 'string', pattern: '^[a-z0-9-]+$' }, 'Category slug'),
        query('minPrice', { type: 'integer', minimum: 0 }, 'Lowest price, minor units'),
        query('maxPrice', { type: 'integer', minimum: 0 }, 'Highest price, minor units (not below minPrice)'),
        query('size', size, 'Only products with this size in stock'),
        query('sort', { type: 'string', enum: [...CATALOG_SORTS] }, 'Order of results'),
      ],
      responses: { '200': json(ref('ProductPage'), 'A page of products'), '400': errorResponse('Invalid query parameters (`fields` says which)'), ...retryLater },
    },
    post: {
      operationId: 'createProduct',
      tags: ['catalogue admin'],
      summary: 'Create a product (staff with `product:create`)',
      description: 'Audited; the shop and the public API show it at once when `active`.',
      security: bearer,
      requestBody: { required: true, content: { 'application/json': { schema: ref('ProductCreate') } } },
      responses: {
        '201': { ...json(ref('StaffProduct'), 'The new product'), headers: { Location: { description: 'The product in the API', schema: { type: 'string' } } } },
        '400': errorResponse('Invalid body, MRP below the price, or an unknown category (`fields` says which)'),
        '401': unauthenticated,
        '403': forbidden('product:create'),
        '409': json(ref('ConflictError'), 'CONFLICT: another product already uses this slug'),
        ...retryLater,
      },
    },
  },
  '/products/{idOrSlug}': {
    get: {
      operationId: 'getProduct',
      tags: ['catalogue'],
      summary: 'One active product by id or slug',
      parameters: [{ name: 'idOrSlug', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { '200': json(ref('Product'), 'The product'), '404': errorResponse('No such active product'), ...retryLater },
    },
    put: {
      operationId: 'updateProduct',
      tags: ['catalogue admin'],
      summary: 'Change a product (staff with `product:update`)',
      description: 'Any status (draft and archived products too). Audited with the changed fields; an answer with nothing changed writes nothing.',
      security: bearer,
      parameters: [productIdParam],
      requestBody: { required: true, content: { 'application/json': { schema: ref('ProductUpdate') } } },
      responses: {
        '200': json(ref('StaffProduct'), 'The product as it is now'),
        '400': errorResponse('Invalid body, no field given, MRP below the price, or an unknown category (`fields` says which)'),
        '401': unauthenticated,
        '403': forbidden('product:update'),
        '404': errorResponse('No product with this id'),
        '409': json(ref('ConflictError'), 'CONFLICT: another product already uses this slug'),
        ...retryLater,
      },
    },
    delete: {
      operationId: 'archiveProduct',
      tags: ['catalogue admin'],
      summary: 'Archive a product (staff with `product:delete`)',
      description: 'Hidden from the shop and the public API, kept for orders and reports. Repeating it answers 204 again.',
      security: bearer,
      parameters: [productIdParam],
      responses: {
        '204': { description: 'Archived' },
        '401': unauthenticated,
        '403': forbidden('product:delete'),
        '404': errorResponse('No product with this id'),
        ...retryLater,
      },
    },
  },
  '/products/{id}/stock': {
    put: {
      operationId: 'setProductStock',
      tags: ['catalogue admin'],
      summary: 'Set stock per size (staff with `stock:update`)',
      description: 'The shop and the public API show the new stock as soon as this answers. Audited.',
      security: bearer,
      parameters: [{ ...productIdParam, name: 'id' }],
      requestBody: { required: true, content: { 'application/json': { schema: ref('StockUpdate') } } },
      responses: {
        '200': json(ref('StaffProduct'), 'The product with its new stock'),
        '400': errorResponse('Invalid body: a negative or fractional count, a size listed twice, … (`fields` says which)'),
        '401': unauthenticated,
        '403': forbidden('stock:update'),
        '404': errorResponse('No product with this id'),
        ...retryLater,
      },
    },
  },
  '/user/wishlist': {
    get: {
      operationId: 'getWishlist',
      tags: ['wishlist'],
      summary: "The caller's wishlist",
      security: bearer,
      responses: { '200': json(ref('Wishlist'), 'The wishlisted products'), '401': unauthenticated, ...retryLater },
    },
    post: {
      operationId: 'addToWishlist',
      tags: ['wishlist'],
      summary: 'Add a product to the wishlist',
      security: bearer,
      requestBody: { required: true, content: { 'application/json': { schema: ref('WishlistAdd') } } },
      responses: {
        '201': json(wishlistAdded(true), 'Added'),
        '200': json(wishlistAdded(false), 'It was there already; nothing changed'),
        '400': errorResponse('Invalid body'),
        '401': unauthenticated,
        '404': errorResponse('No such product on sale'),
        ...retryLater,
      },
    },
  },
  '/user/wishlist/{productId}': {
    delete: {
      operationId: 'removeFromWishlist',
      tags: ['wishlist'],
      summary: 'Remove a product from the wishlist',
      security: bearer,
      parameters: [{ name: 'productId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
      responses: {
        '204': { description: 'Not (or no longer) in the wishlist; also when it was not there' },
        '401': unauthenticated,
        '404': errorResponse('No product with this id ever existed'),
        ...retryLater,
      },
    },
  },
  '/orders': {
    get: {
      operationId: 'listMyOrders',
      tags: ['orders'],
      summary: "The caller's own orders, newest first",
      security: bearer,
      parameters: [
        query('page', { type: 'integer', minimum: 1, default: 1 }, 'Page number, from 1'),
        query('limit', { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_API_LIMIT }, 'Orders per page'),
      ],
      responses: {
        '200': json(ref('OrderPage'), 'A page of orders'),
        '400': errorResponse('Invalid query parameters (`fields` says which)'),
        '401': unauthenticated,
        ...retryLater,
      },
    },
    post: {
      operationId: 'placeOrder',
      tags: ['orders'],
      summary: 'Place an order',
      description:
        'All or nothing: every size is taken only if enough is left, else nothing changes and 409 OUT_OF_STOCK lists the short items. Cash on delivery starts as `processing`, Razorpay as `pending_payment`. With `Idempotency-Key`, a repeated request (also one sent in parallel) creates no second order: it answers 201 with the first order and `Idempotent-Replayed: true`.',
      security: bearer,
      parameters: [
        {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description: 'A key chosen by the client per checkout; the same key with a different body is refused (409 CONFLICT).',
          schema: { type: 'string', pattern: '^[\\x21-\\x7e]{8,100}$' },
        },
      ],
      requestBody: { required: true, content: { 'application/json': { schema: ref('PlaceOrder') } } },
      responses: {
        '201': {
          ...json(ref('Order'), 'The order (the first one again for a repeated Idempotency-Key)'),
          headers: {
            Location: { description: 'The order', schema: { type: 'string' } },
            'Idempotent-Replayed': { description: '`true` when this answers a repeated Idempotency-Key', schema: { type: 'string', const: 'true' } },
          },
        },
        '400': errorResponse('Invalid body or Idempotency-Key (`fields` says which)'),
        '401': unauthenticated,
        '409': json({ oneOf: [ref('OutOfStockError'), ref('ConflictError')] }, 'OUT_OF_STOCK (with the short items), or CONFLICT: the Idempotency-Key was used for a different order'),
        ...retryLater,
      },
    },
  },
  '/orders/{id}': {
    get: {
      operationId: 'getOrder',
      tags: ['orders'],
      summary: 'One order: its owner, or staff with `order:read`',
      security: bearer,
      parameters: [orderId],
      responses: {
        '200': json(ref('Order'), 'The order'),
        '401': unauthenticated,
        '404': errorResponse("No such order, or someone else's"),
        ...retryLater,
      },
    },
  },
  '/orders/{id}/status': {
    put: {
      operationId: 'changeOrderStatus',
      tags: ['orders'],
      summary: 'Move an order on (staff with `order:update`)',
      description:
        'Allowed moves: pending_payment → processing | cancelled; processing → shipped | cancelled; shipped → out_for_delivery | delivered | cancelled; out_for_delivery → delivered | cancelled; delivered → returned. Cancelling needs `order:cancel`; the warehouse only ships and delivers. Cancelling and returning put the stock back. Audited.',
      security: bearer,
      parameters: [orderId],
      requestBody: { required: true, content: { 'application/json': { schema: ref('OrderStatusChange') } } },
      responses: {
        '200': json(ref('Order'), 'The order, with the new event'),
        '400': errorResponse('Invalid body (`fields` says which)'),
        '401': unauthenticated,
        '403': errorResponse('Not staff with `order:update`, or this role may not make this move'),
        '404': errorResponse('No such order'),
        '422': errorResponse('STATE_NOT_ALLOWED: the order cannot make this move from its current status'),
        ...retryLater,
      },
    },
  },
  '/orders/{id}/cancel': {
    post: {
      operationId: 'cancelOrder',
      tags: ['orders'],
      summary: 'Cancel an order: its owner before it ships, or staff with `order:cancel`',
      description: 'The stock goes back. The body is optional.',
      security: bearer,
      parameters: [orderId],
      requestBody: { required: false, content: { 'application/json': { schema: ref('CancelOrder') } } },
      responses: {
        '200': json(ref('Order'), 'The cancelled order'),
        '400': errorResponse('Invalid body'),
        '401': unauthenticated,
        '403': errorResponse('Staff who may read but not cancel orders'),
        '404': errorResponse("No such order, or someone else's"),
        '422': errorResponse('STATE_NOT_ALLOWED: already shipped (for the owner), delivered or cancelled'),
        ...retryLater,
      },
    },
  },
  '/payments/razorpay/order': {
    post: {
      operationId: 'startRazorpayPayment',
      tags: ['payments'],
      summary: 'Razorpay Checkout data for your order awaiting payment',
      description: 'Creates the Razorpay order on the first call and reuses it afterwards (a retry after a failed attempt pays the same Razorpay order).',
      security: bearer,
      requestBody: { required: true, content: { 'application/json': { schema: ref('RazorpayStart') } } },
      responses: {
        '200': json(ref('RazorpayCheckout'), 'What Checkout needs'),
        '400': errorResponse('Invalid body, a cash-on-delivery order, or online payment not available on this store (choose cash on delivery)'),
        '401': unauthenticated,
        '404': errorResponse("No such order, or someone else's"),
        '422': errorResponse('STATE_NOT_ALLOWED: already paid, or cancelled'),
        '429': rateLimited,
        '503': errorResponse('UNAVAILABLE: Razorpay could not be reached (try again or choose cash on delivery), or the store is starting or busy'),
      },
    },
  },
  '/payments/razorpay/verify': {
    post: {
      operationId: 'verifyRazorpayPayment',
      tags: ['payments'],
      summary: 'Confirm a payment with Checkout’s signed response',
      description: 'The signature must be Razorpay’s and the Razorpay order this order’s; then the order is paid and moves to `processing`. Repeating it answers the paid order again.',
      security: bearer,
      requestBody: { required: true, content: { 'application/json': { schema: ref('RazorpayVerify') } } },
      responses: {
        '200': json(ref('Order'), 'The order, paid'),
        '400': errorResponse('Invalid body, a signature that does not verify, or a Razorpay order that is not this order’s: nothing changed'),
        '401': unauthenticated,
        '404': errorResponse("No such order, or someone else's"),
        '422': errorResponse('STATE_NOT_ALLOWED: the order was cancelled before the payment arrived (it will be refunded)'),
        ...retryLater,
      },
    },
  },
  '/payments/razorpay/webhook': {
    post: {
      operationId: 'razorpayWebhook',
      tags: ['payments'],
      summary: 'Razorpay’s webhook (called by Razorpay, not by apps)',
      description:
        'No bearer token: the raw body must carry a valid `X-Razorpay-Signature` (HMAC-SHA256 with the webhook secret). Events are deduplicated by `X-Razorpay-Event-Id`. payment.captured and order.paid mark the order paid; payment.failed records the failed attempt (the order keeps waiting until it expires); other events are acknowledged.',
      security: [],
      parameters: [
        { name: 'X-Razorpay-Signature', in: 'header', required: true, schema: { type: 'string' } },
        { name: 'X-Razorpay-Event-Id', in: 'header', required: false, schema: { type: 'string' } },
      ],
      requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', description: 'A Razorpay event: `{ event, payload: { payment: { entity }, order?: { entity } }, … }`' } } } },
      responses: {
        '200': json(ref('RazorpayWebhookAck'), 'Accepted (also for a repeated delivery)'),
        '400': errorResponse('Missing or invalid signature, or not a Razorpay event'),
        '413': errorResponse('Body too large'),
        '503': errorResponse('UNAVAILABLE: webhooks are not configured on this store (no RAZORPAY_WEBHOOK_SECRET), or the store is starting or busy; Razorpay retries'),
      },
    },
  },
  '/admin/users': {
    get: {
      operationId: 'searchUsers',
      tags: ['admin'],
      summary: 'Search users (staff with `user:read`)',
      description: '`q` matches name, email or phone; newest first.',
      security: bearer,
      parameters: [
        query('q', { type: 'string', maxLength: 100 }, 'Name, email or phone'),
        query('page', { type: 'integer', minimum: 1, maximum: 10_000, default: 1 }, 'Page number, from 1'),
        query('limit', { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_API_LIMIT }, 'Users per page'),
      ],
      responses: {
        '200': json(ref('AdminUserPage'), 'A page of users'),
        '400': errorResponse('Invalid query parameters (`fields` says which)'),
        '401': unauthenticated,
        '403': forbidden('user:read'),
        ...retryLater,
      },
    },
  },
  '/admin/users/{id}': {
    get: {
      operationId: 'getUserAccess',
      tags: ['admin'],
      summary: 'One user with their recent access changes (staff with `user:read`)',
      security: bearer,
      parameters: [userIdParam],
      responses: {
        '200': json(ref('AdminUserDetail'), 'The user and the audit of their access'),
        '401': unauthenticated,
        '403': forbidden('user:read'),
        '404': errorResponse('No such user'),
        ...retryLater,
      },
    },
    patch: {
      operationId: 'changeUserAccess',
      tags: ['admin'],
      summary: "Change a user's role, permissions or modules (staff with `user:update`)",
      description: 'Audited (`user:access_change`, before and after). Only an admin may change an admin account, grant the admin role, or grant a permission they do not hold themselves.',
      security: bearer,
      parameters: [userIdParam],
      requestBody: { required: true, content: { 'application/json': { schema: ref('UserAccessChange') } } },
      responses: {
        '200': json({ type: 'object', required: ['user'], properties: { user: ref('AdminUser') } }, 'The user as they are now'),
        '400': errorResponse('Invalid body: an unknown role, permission, module or field, or none given (`fields` says which)'),
        '401': unauthenticated,
        '403': errorResponse('FORBIDDEN: not staff with `user:update`, or a change only an admin may make'),
        '404': errorResponse('No such user'),
        '422': errorResponse('STATE_NOT_ALLOWED: an admin cannot remove their own admin role'),
        ...retryLater,
      },
    },
  },
  '/openapi.json': {
    get: {
      operationId: 'getOpenApiDocument',
      tags: ['meta'],
      summary: 'This document',
      responses: {
        '200': json(
          {
            type: 'object',
            required: ['openapi', 'info', 'servers', 'paths', 'components'],
            properties: { openapi: { type: 'string', const: '3.1.0' }, info: { type: 'object' }, servers: { type: 'array' }, paths: { type: 'object' }, components: { type: 'object' } },
          },
          'The OpenAPI 3.1 document',
        ),
        ...retryLater,
      },
    },
  },
}

/** The whole document; `serverUrl` is the shop's public origin. */
export function buildOpenApiDocument({ serverUrl }: { serverUrl: string }) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Store API',
      version: '1.0.0',
      description: 'JSON in and out. Prices are integer minor units (paise) with a currency code. Errors are `{ "error": { "code", "message", "fields"? } }`.',
    },
    servers: [{ url: `${serverUrl.replace(/\/$/, '')}/api/v1` }],
    tags: [{ name: 'auth' }, { name: 'catalogue' }, { name: 'catalogue admin' }, { name: 'wishlist' }, { name: 'orders' }, { name: 'payments' }, { name: 'admin' }, { name: 'meta' }],
    paths,
    components: {
      schemas,
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'From POST /auth/otp/verify' } },
    },
  }
}
