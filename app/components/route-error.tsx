import { isRouteErrorResponse, Link } from 'react-router'

/** A page's error shown inside its layout (403, 404, anything else), never a stack trace. */
export function RouteError({ error, backTo, backLabel }: { error: unknown; backTo: string; backLabel: string }) {
  let title = 'Something went wrong'
  let message = 'This page could not be shown. Please try again in a moment.'
  if (isRouteErrorResponse(error)) {
    if (error.status === 403) {
      title = 'Not allowed'
      message = 'Your account does not have access to this. Ask an admin if you need it.'
    } else if (error.status === 404) {
      title = 'Not found'
      message = typeof error.data === 'string' ? error.data : 'There is nothing here. It may have been removed, or the address is mistyped.'
    } else if (typeof error.data === 'string' && error.status < 500) {
      message = error.data
    }
  }
  return (
    <div className="py-12">
      <h1 className="text-2xl font-bold tracking-tight">{title}</h1>
      <p className="mt-4 text-stone-600">{message}</p>
      <p className="mt-6">
        <Link to={backTo} className="font-medium text-brand-700 underline">
          {backLabel}
        </Link>
      </p>
    </div>
  )
}
