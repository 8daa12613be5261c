import { redirect } from 'react-router'

/** The query keys of the listing pages (search, category); anything else is not theirs to judge. */
const LISTING_KEYS = new Set(['q', 'category', 'min', 'max', 'size', 'sort', 'page', 'limit'])

/**
 * Redirects (302) a GET to `href`, the listing's canonical link (`catalogPageHref` of its
 * validated query), when the request's listing parameters say the same thing another way:
 * the empty fields of a submitted filter form (`?q=&min=&max=&size=&sort=`), defaults
 * (`page=1`), another order, extra spaces, a repeated key, `limit` or a category on a category
 * page. So every state has one URL, and one entry in the page and listing caches. Other
 * parameters only count when there is a redirect anyway, which leaves them out.
 */
export function redirectToCanonicalListing(request: Request, href: string): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') return
  const url = new URL(request.url)
  const given = [...url.searchParams].filter(([key]) => LISTING_KEYS.has(key))
  const wanted = [...new URL(href, url.origin).searchParams]
  const same = given.length === wanted.length && given.every(([key, value], i) => wanted[i]?.[0] === key && wanted[i]?.[1] === value)
  if (!same) throw redirect(href, 302)
}
