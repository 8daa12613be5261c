import { Link } from 'react-router'

/** "Previous / Page n of m / Next" links of a paginated list; nothing when it fits on one page. */
export function PageLinks({
  page,
  pages,
  href,
  previous = '← Previous',
  next = 'Next →',
}: {
  page: number
  pages: number
  href: (page: number) => string
  previous?: string
  next?: string
}) {
  if (pages <= 1) return null
  return (
    <nav aria-label="Pages" className="mt-4 flex items-center gap-4 text-sm">
      {page > 1 ? <Link to={href(page - 1)}>{previous}</Link> : null}
      <span>
        Page {page} of {pages}
      </span>
      {page < pages ? <Link to={href(page + 1)}>{next}</Link> : null}
    </nav>
  )
}
