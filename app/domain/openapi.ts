/**
 * The OpenAPI 3.1 description of `/api/v1`, served at `/api/v1/openapi.json`.
 * tests/integration/openapi.test.ts validates real responses against these schemas, so a
 * change of shape that is not reflected here fails the build. Other areas add their paths
 * and schemas to `paths` / `schemas` below.
 */
import { CATALOG_SORTS, DEFAULT_API_LIMIT, MAX_LIMIT } from './catalog-query.ts'

type Json = Record<string, unknown>

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const json = (schema: Json, description: string) => ({ description, content: { 'application/json': { schema } } })
const errorResponse = (description: string) => json(ref('Error'), description)

const ROLES = ['user', 'admin', 'account_manager', 'warehouse', 'accountant']

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
  Product: {
    type: 'object',
    required: ['id', 'slug', 'name', 'description', 'category', 'brand', 'price', 'mrp', 'currency', 'sizes', 'totalStock', 'images', 'createdAt'],
    properties: {
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
    },
  },
  ProductPage: {
    type: 'object',
    required: ['items', 'page', 'limit', 'total'],
    properties: {
      items: { type: 'array', items: ref('Product') },
      page: { type: 'integer', minimum: 1 },
      limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT },
      total: { type: 'integer', minimum: 0 },
    },
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
          role: { type: 'string', enum: ROLES },
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
          role: { type: 'string', enum: ROLES },
          name: { type: 'string' },
          phone: { type: ['string', 'null'] },
          email: { type: ['string', 'null'] },
          avatar: { type: ['string', 'null'] },
          isPhoneVerified: { type: 'boolean' },
        },
      },
    },
  },
}

const query = (name: string, schema: Json, description: string) => ({ name, in: 'query', required: false, description, schema })

const rateLimited = errorResponse('Too many requests (`Retry-After` and `RateLimit-*` headers)')

export const paths: Record<string, Json> = {
  '/auth/otp/request': {
    post: {
      operationId: 'requestOtp',
      tags: ['auth'],
      summary: 'Send a one-time sign-in code by SMS',
      requestBody: { required: true, content: { 'application/json': { schema: ref('OtpRequest') } } },
      responses: { '202': json(ref('Ok'), 'Code sent (or silently ignored)'), '400': errorResponse('Invalid phone number or body'), '429': rateLimited },
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
        '429': rateLimited,
      },
    },
  },
  '/me': {
    get: {
      operationId: 'getMe',
      tags: ['auth'],
      summary: 'The signed-in user',
      security: [{ bearerAuth: [] }],
      responses: { '200': json(ref('Me'), 'The user'), '401': errorResponse('Missing, invalid or expired token'), '429': rateLimited },
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
        query('size', { type: 'string', maxLength: 10 }, 'Only products with this size in stock'),
        query('sort', { type: 'string', enum: [...CATALOG_SORTS] }, 'Order of results'),
      ],
      responses: { '200': json(ref('ProductPage'), 'A page of products'), '400': errorResponse('Invalid query parameters (`fields` says which)'), '429': rateLimited },
    },
  },
  '/products/{idOrSlug}': {
    get: {
      operationId: 'getProduct',
      tags: ['catalogue'],
      summary: 'One active product by id or slug',
      parameters: [{ name: 'idOrSlug', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { '200': json(ref('Product'), 'The product'), '404': errorResponse('No such active product'), '429': rateLimited },
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
    tags: [{ name: 'auth' }, { name: 'catalogue' }],
    paths,
    components: {
      schemas,
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'From POST /auth/otp/verify' } },
    },
  }
}
