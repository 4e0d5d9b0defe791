import { Type, types, type Resolver } from 'avsc';

/** Raised when bytes are not a Confluent-framed Avro record of a schema we can resolve. */
export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}

/**
 * Reads records written with one writer schema as our reader schema (the contract), as the
 * Avro specification resolves schemas: fields matched by name (order does not matter), writer
 * fields we do not know skipped, reader fields the writer lacks taken from their default, int
 * promoted to long etc. Whatever the bytes, `decode` returns a value valid for the reader
 * schema or throws a DecodeError; `ResolvingDecoder.for` throws a DecodeError when the writer
 * can never be read (a required field missing, a type that does not promote).
 *
 * Three departures from avsc's own resolver, all for the specification:
 * - an enum symbol we do not know is an error of the record that carries it, not of every
 *   record of its writer (avsc refuses the whole writer schema);
 * - array and map block counts are checked against the bytes left before avsc reads them:
 *   avsc would otherwise loop a forged count of 2^60 items, blocking the event loop;
 * - an int is 32 bits: avsc reads any varint up to 2^53 as one, so the decoded value is
 *   checked against the reader, and a writer int read as a long, float or double is checked
 *   in the bytes.
 */
export class ResolvingDecoder {
  private constructor(
    private readonly reader: Type,
    /** The reader widened with the writer's extra enum symbols, when it has any; decodes. */
    private readonly widened: Type,
    private readonly resolver: Resolver | undefined,
    private readonly writer: Type,
    /** Whether the bytes are walked before avsc reads them (see `needsWalk`). */
    private readonly walkFirst: boolean,
  ) {}

  /**
   * `writerSchema`: the schema the record was written with (parsed JSON from the registry);
   * `readerSchema`: ours. `reader` may be given when already built (it is per contract).
   */
  static for(writerSchema: unknown, readerSchema: object, reader: Type = Type.forSchema(readerSchema as never)): ResolvingDecoder {
    let writer: Type;
    try {
      writer = Type.forSchema(writerSchema as never);
    } catch (err) {
      throw new DecodeError(`the writer schema is not a valid Avro schema: ${(err as Error).message}`);
    }
    if (writer.equals(reader)) return new ResolvingDecoder(reader, reader, undefined, writer, needsWalk(writer, false));
    let widened = reader;
    try {
      const extra = extraEnumSymbols(writer, reader);
      if (extra.size > 0) {
        const schema = structuredClone(readerSchema);
        widenEnums(schema, extra);
        widened = Type.forSchema(schema as never);
      }
      const resolver = widened.createResolver(writer, { ignoreNamespaces: true } as never);
      return new ResolvingDecoder(reader, widened, resolver, writer, needsWalk(writer, true));
    } catch (err) {
      // whatever fails here, the writer is the cause: it must not pass for a registry outage
      throw new DecodeError(
        `cannot read the writer schema as ${reader.name ?? reader.typeName}: ${incompatibility(widened, writer) ?? (err as Error).message}`,
      );
    }
  }

  decode(payload: Buffer): unknown {
    let value: unknown;
    try {
      if (this.walkFirst) skipValue(this.writer, payload, { pos: 0 });
      value = this.widened.fromBuffer(payload, this.resolver);
    } catch (err) {
      throw err instanceof DecodeError ? err : new DecodeError(`the body does not match its schema: ${(err as Error).message}`);
    }
    // what the bytes decoded to must be a value of ours: an unknown enum symbol (read through
    // the widened reader) or an int beyond 32 bits is not
    const symbols: string[] = [];
    const others: string[] = [];
    this.reader.isValid(value, {
      errorHook: (path, v, type) => {
        const at = `${JSON.stringify(v)} at ${path.join('.')}`;
        if (type instanceof types.EnumType) symbols.push(at);
        else others.push(`${at} is not a valid ${type.typeName}`);
      },
    });
    if (others.length > 0) throw new DecodeError(`the body does not match its schema: ${others.join(', ')}`);
    if (symbols.length > 0) throw new DecodeError(`unknown enum symbol ${symbols.join(', ')}`);
    return value;
  }
}

/** Names the top-level reader field a writer cannot be resolved to, for a readable reason. */
function incompatibility(reader: Type, writer: Type): string | undefined {
  if (!(reader instanceof types.RecordType) || !(writer instanceof types.RecordType)) return undefined;
  if (unqualified(reader.name) !== unqualified(writer.name)) return `the writer's record is ${writer.name}, ours ${reader.name}`;
  for (const field of reader.fields) {
    const written = writer.field(field.name);
    if (!written) {
      if (field.defaultValue() === undefined) return `field ${field.name} is missing and has no default`;
      continue;
    }
    try {
      field.type.createResolver(written.type, { ignoreNamespaces: true } as never);
    } catch (err) {
      return `field ${field.name}: ${(err as Error).message}`;
    }
  }
  return undefined;
}

/** Every named type of a schema (records, enums, fixed), visited once. */
function walk(type: Type, visit: (t: Type) => void, seen = new Set<Type>()): void {
  if (seen.has(type)) return;
  seen.add(type);
  visit(type);
  if (type instanceof types.RecordType) for (const f of type.fields) walk(f.type, visit, seen);
  else if (type instanceof types.ArrayType) walk(type.itemsType, visit, seen);
  else if (type instanceof types.MapType) walk(type.valuesType, visit, seen);
  else if (Type.isType(type, 'union')) for (const t of unionBranches(type)) walk(t, visit, seen);
}

/**
 * Whether `decode` walks the writer's bytes before avsc reads them: when the writer has arrays
 * or maps (their block counts), and when a writer int is resolved to another type (a value
 * beyond 32 bits would pass for a long, a float or a double, so its range is checked there).
 */
function needsWalk(writer: Type, resolved: boolean): boolean {
  let found = false;
  walk(writer, (t) => (found ||= t instanceof types.ArrayType || t instanceof types.MapType || (resolved && t.typeName === 'int')));
  return found;
}

const unionBranches = (type: Type): Type[] => (type as unknown as { types: Type[] }).types;

const unqualified = (name: string | undefined) => (name ?? '').split('.').pop()!;

/** Per reader enum (unqualified name) without a default, the writer's symbols it lacks. */
function extraEnumSymbols(writer: Type, reader: Type): Map<string, string[]> {
  const ours = new Map<string, types.EnumType>();
  walk(reader, (t) => t instanceof types.EnumType && ours.set(unqualified(t.name), t));
  const extra = new Map<string, string[]>();
  walk(writer, (t) => {
    if (!(t instanceof types.EnumType)) return;
    const mine = ours.get(unqualified(t.name));
    if (!mine || (mine as unknown as { default?: string }).default !== undefined) return;
    const missing = t.symbols.filter((s) => !mine.symbols.includes(s));
    if (missing.length > 0) extra.set(unqualified(t.name), missing);
  });
  return extra;
}

/** Appends the extra symbols to the enum definitions of a schema in JSON form. */
function widenEnums(schema: unknown, extra: Map<string, string[]>): void {
  if (Array.isArray(schema)) {
    schema.forEach((s) => widenEnums(s, extra));
    return;
  }
  if (!schema || typeof schema !== 'object') return;
  const s = schema as { type?: unknown; name?: string; symbols?: string[]; fields?: Array<{ type: unknown }>; items?: unknown; values?: unknown };
  if (s.type === 'enum' && Array.isArray(s.symbols)) {
    const more = extra.get(unqualified(s.name));
    if (more) s.symbols = [...s.symbols, ...more];
    return;
  }
  if (Array.isArray(s.fields)) s.fields.forEach((f) => widenEnums(f.type, extra));
  if (s.items !== undefined) widenEnums(s.items, extra);
  if (s.values !== undefined) widenEnums(s.values, extra);
  if (typeof s.type === 'object') widenEnums(s.type, extra);
}

interface Cursor {
  pos: number;
}

function truncated(): never {
  throw new DecodeError('the body does not match its schema: truncated');
}

/** A zig-zag varint long, as a number (precision beyond 2^53 does not matter to the checks). */
function readLong(buf: Buffer, c: Cursor): number {
  let n = 0;
  let scale = 1;
  for (let i = 0; ; i++) {
    if (c.pos >= buf.length || i >= 10) truncated();
    const b = buf[c.pos++];
    n += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) break;
    scale *= 128;
  }
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

function advance(buf: Buffer, c: Cursor, bytes: number): void {
  if (bytes < 0 || c.pos + bytes > buf.length) truncated();
  c.pos += bytes;
}

/**
 * Walks one value of `type` without building it, checking every length, index and block count
 * against the bytes there are. A block of n items needs at least n bytes unless its items take
 * none, and a block of more zero-width items than the bytes left is refused too: nothing we read
 * is an array of nulls.
 */
function skipValue(type: Type, buf: Buffer, c: Cursor): void {
  if (type instanceof types.RecordType) {
    for (const f of type.fields) skipValue(f.type, buf, c);
  } else if (Type.isType(type, 'union')) {
    const branches = unionBranches(type);
    const index = readLong(buf, c);
    if (index < 0 || index >= branches.length) throw new DecodeError(`the body does not match its schema: union index ${index}`);
    skipValue(branches[index], buf, c);
  } else if (type instanceof types.ArrayType || type instanceof types.MapType) {
    for (;;) {
      let count = readLong(buf, c);
      if (count === 0) return;
      if (count < 0) {
        count = -count;
        readLong(buf, c); // the block's size in bytes
      }
      if (count > buf.length - c.pos) throw new DecodeError(`the body does not match its schema: a block of ${count} items in ${buf.length - c.pos} bytes`);
      for (let i = 0; i < count; i++) {
        if (type instanceof types.MapType) {
          advance(buf, c, readLong(buf, c));
          skipValue(type.valuesType, buf, c);
        } else {
          skipValue(type.itemsType, buf, c);
        }
      }
    }
  } else if (type instanceof types.EnumType) {
    const index = readLong(buf, c);
    if (index < 0 || index >= type.symbols.length) throw new DecodeError(`the body does not match its schema: enum index ${index}`);
  } else {
    switch (type.typeName) {
      case 'null':
        return;
      case 'boolean':
        return advance(buf, c, 1);
      case 'int': {
        const n = readLong(buf, c);
        if (n < -0x80000000 || n > 0x7fffffff) throw new DecodeError(`the body does not match its schema: ${n} is not a valid int`);
        return;
      }
      case 'long':
        readLong(buf, c);
        return;
      case 'float':
        return advance(buf, c, 4);
      case 'double':
        return advance(buf, c, 8);
      case 'string':
      case 'bytes':
        return advance(buf, c, readLong(buf, c));
      case 'fixed':
        return advance(buf, c, (type as types.FixedType).size);
      default:
        // logical types are not enabled, so every type is one of the above
        throw new DecodeError(`the writer schema has a type this decoder does not know: ${type.typeName}`);
    }
  }
}
