// drizzle-kit config for the SQLite migrations; run through `bun run db:generate`.
import { defineConfig } from 'drizzle-kit'

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema/sqlite/index.ts',
  out: './migrations/sqlite',
  casing: 'snake_case',
})
