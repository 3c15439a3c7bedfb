// drizzle-kit config for the PostgreSQL migrations; run through `bun run db:generate`.
import { defineConfig } from 'drizzle-kit'

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/pg/index.ts',
  out: './migrations/postgres',
  casing: 'snake_case',
})
