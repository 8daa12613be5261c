import { type RouteConfig, index, layout, route } from '@react-router/dev/routes'

export default [
  layout('routes/_shop.tsx', [
    index('routes/_shop._index.tsx'),
    route('products/:slug', 'routes/_shop.products.$slug.tsx'),
  ]),
  route('*', 'routes/$.tsx'),
] satisfies RouteConfig
