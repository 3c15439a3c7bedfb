// What a route tells the API reference beyond its schemas (Elysia passes `detail` through as the
// OpenAPI operation): a success status other than 200, or an answer that is not JSON. Spread
// into `detail`: `detail: { summary, tags, ...created }`.

export const created = { responses: { 201: { description: 'Created' } } }
export const accepted = { responses: { 202: { description: 'Accepted: the work runs in the background' } } }
export const noContent = { responses: { 204: { description: 'Done; no body' } } }
export const csvFile = { responses: { 200: { description: 'A CSV file', content: { 'text/csv': { schema: { type: 'string' as const } } } } } }
export const jsonOrCsvFile = {
  responses: { 200: { description: 'A JSON array or a CSV file, by `format`', content: { 'application/json': { schema: { type: 'array' as const, items: { type: 'object' as const } } }, 'text/csv': { schema: { type: 'string' as const } } } } },
}
