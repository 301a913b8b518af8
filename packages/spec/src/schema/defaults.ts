/**
 * Defaults live in the schema (`default:`), and ajv fills them in while validating. Editors must
 * see those fields as optional; code after validation must see them as present. `Defaulted()`
 * marks a property both ways, and `Filled<>` is the static type of validated data.
 */
import { Type, type Static, type TArray, type TObject, type TOptional, type TProperties, type TRecord, type TSchema } from '@sinclair/typebox';

declare const DEFAULTED: unique symbol;

/** An optional property whose schema carries a `default` (a type-level mark only). */
export type TDefaulted<T extends TSchema> = TOptional<T> & { readonly [DEFAULTED]: true };

export function Defaulted<T extends TSchema>(schema: T): TDefaulted<T> {
  if (!('default' in schema)) throw new Error('Defaulted() needs a schema with a default');
  return Type.Optional(schema) as TDefaulted<T>;
}

type Unwrapped<T> = T extends TOptional<infer U> ? U : T;
type IsDefaulted<T> = T extends { readonly [DEFAULTED]: true } ? true : false;
type IsOptional<T> = T extends TOptional<TSchema> ? true : false;

type FilledObject<P extends TProperties> = {
  readonly [K in keyof P as IsOptional<P[K]> extends true ? (IsDefaulted<P[K]> extends true ? K : never) : K]: Filled<Unwrapped<P[K]>>;
} & {
  readonly [K in keyof P as IsOptional<P[K]> extends true ? (IsDefaulted<P[K]> extends true ? never : K) : never]?: Filled<Unwrapped<P[K]>>;
};

/** The static type of data that passed validation with defaults applied. */
export type Filled<T> =
  T extends TObject<infer P>
    ? FilledObject<P>
    : T extends TRecord<TSchema, infer V>
      ? Readonly<Record<string, Filled<V>>>
      : T extends TArray<infer I>
        ? readonly Filled<I>[]
        : T extends TSchema
          ? Static<T>
          : never;
