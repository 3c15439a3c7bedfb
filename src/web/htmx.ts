// Every htmx header name Breeze reads or writes, in one place.

export const HX = {
  request: 'hx-request',
  boosted: 'hx-boosted',
  target: 'hx-target',
  trigger: 'hx-trigger',
  /** Response: client-side navigation without a full reload. */
  location: 'HX-Location',
  redirect: 'HX-Redirect',
  refresh: 'HX-Refresh',
  retarget: 'HX-Retarget',
  reswap: 'HX-Reswap',
  triggerEvent: 'HX-Trigger',
  pushUrl: 'HX-Push-Url',
} as const

export function isHtmx(request: Request): boolean {
  return request.headers.get(HX.request) === 'true'
}

/** The id of the element an htmx request will swap into, when it is not a boosted navigation. */
export function htmxTarget(request: Request): string | null {
  if (!isHtmx(request) || request.headers.get(HX.boosted) === 'true') return null
  return request.headers.get(HX.target)
}
