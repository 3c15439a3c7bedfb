// The schema builder of the protocol: plain TypeBox plus Nullable. Not Elysia's `t`:
// elysia/type-system pulls part of the server framework into the agent (about 10 MB of
// resident memory in the idle agent). Elysia validates these schemas as they are.
import { JavaScriptTypeBuilder, type SchemaOptions, type TNull, type TSchema, type TUnion } from '@sinclair/typebox'

class ProtocolTypeBuilder extends JavaScriptTypeBuilder {
  /** Nullable: the schema or null. */
  Nullable<T extends TSchema>(schema: T, options?: SchemaOptions): TUnion<[T, TNull]> {
    return this.Union([schema, this.Null()], options)
  }
}

export const t = new ProtocolTypeBuilder()
