import { Link } from 'react-router'

/**
 * "Previous / Page n of m / Next" links of a paginated list; nothing when it fits on one page.
 * With `pages` null the total is not known (the count was capped): "Page n" alone, and the next
 * link shows while `hasMore` says there is another page.
 */
export function PageLinks({
  page,
  pages,
  hasMore = false,
  href,
  previous = '← Previous',
  next = 'Next →',
}: {
  page: number
  pages: number | null
  hasMore?: boolean
  href: (page: number) => string
  previous?: string
  next?: string
}) {
  if (pages !== null && pages <= 1) return null
  const hasNext = pages === null ? hasMore : page < pages
  return (
    <nav aria-label="Pages" className="mt-4 flex items-center gap-4 text-sm">
      {page > 1 ? <Link to={href(page - 1)}>{previous}</Link> : null}
      <span>{pages === null ? <>Page {page}</> : <>Page {page} of {pages}</>}</span>
      {hasNext ? <Link to={href(page + 1)}>{next}</Link> : null}
    </nav>
  )
}
