/** newId returns a time-ordered UUIDv7, the id of every row. */
export function newId(): string {
  return Bun.randomUUIDv7()
}
