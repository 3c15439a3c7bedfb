// The schema builder of the protocol: plain TypeBox plus Nullable. Not Elysia's `t`:
// elysia/type-system pulls part of the server framework into the agent (about 10 MB of
// resident memory in the idle agent).
//
// The protocol is closed: every object refuses properties it does not declare (Object and
// Record default to additionalProperties: false), and every string, array and map is
// bounded; protocol.test.ts walks every exported schema and fails on one that is not.
import {
  JavaScriptTypeBuilder, type ObjectOptions, type SchemaOptions, type TNull, type TObject, type TProperties, type TRecordOrObject, type TSchema, type TUnion,
} from '@sinclair/typebox'

class ProtocolTypeBuilder extends JavaScriptTypeBuilder {
  /** Nullable: the schema or null. */
  Nullable<T extends TSchema>(schema: T, options?: SchemaOptions): TUnion<[T, TNull]> {
    return this.Union([schema, this.Null()], options)
  }

  /** Key: a map key of at most `maxLength` characters (a Record's key pattern; TypeBox drops maxLength there). */
  Key(maxLength: number, pattern = '[\\s\\S]'): ReturnType<JavaScriptTypeBuilder['String']> {
    return this.String({ pattern: `^${pattern}{0,${maxLength}}$` })
  }

  /** Object: closed unless the options say otherwise (they never should in the protocol). */
  override Object<T extends TProperties>(properties: T, options?: ObjectOptions): TObject<T> {
    return super.Object(properties, { additionalProperties: false, ...options })
  }

  /** Record: keys must match the key schema's pattern (TypeBox alone lets other keys through). */
  override Record<K extends TSchema, V extends TSchema>(key: K, value: V, options?: ObjectOptions): TRecordOrObject<K, V> {
    return super.Record(key, value, { additionalProperties: false, ...options })
  }
}

export const t = new ProtocolTypeBuilder()
