import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { FilterQuery, Model } from 'mongoose';
import { ValidationError } from '@callhooks/contracts';
import { QueryInt } from './validation';

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 200;
const MAX_PAGE_NUMBER = 1_000_000;
const MAX_CURSOR_LENGTH = 512;

export type SortOrder = 'asc' | 'desc';

/** Paging and ordering of every list: by creation date, then id, so pages never overlap or skip. */
export class ListQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT, description: 'Items per page.' })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_LIMIT)
  limit?: number;

  @ApiPropertyOptional({
    maxLength: MAX_CURSOR_LENGTH,
    description: 'Opaque cursor from `page.next_cursor` of the previous page (any other value is a 400). Not combinable with `page`.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CURSOR_LENGTH)
  cursor?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE_NUMBER,
    description: 'Page number (1-based), for tables that jump to a page. Not combinable with `cursor`.',
  })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_NUMBER)
  page?: number;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc', description: 'Order by creation date: newest first (desc) or oldest first (asc).' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: SortOrder;
}

export class PageMetaDto {
  @ApiProperty({ example: 50 })
  limit: number;

  @ApiProperty({ enum: ['asc', 'desc'], example: 'desc' })
  order: SortOrder;

  @ApiProperty({ example: 1234, description: 'Items matching the filters, over all pages.' })
  total: number;

  @ApiProperty({ type: Number, nullable: true, example: null, description: 'The page number asked for, if paging by number.' })
  page: number | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'eyJ0IjoxNzMzMTczNDgwNzAxLCJpIjoiM2Y2ZiJ9',
    description: 'Cursor of the next page; null on the last page.',
  })
  next_cursor: string | null;
}

export interface Page<T> {
  data: T[];
  page: PageMetaDto;
}

interface Cursor {
  t: number;
  i: string;
  o: SortOrder;
}

/** The ids items are paged by (UUIDs, platform ids, `<customer>:<environment>` keys) are far shorter. */
const MAX_CURSOR_ID_LENGTH = 200;
/** ECMAScript dates span ±8.64e15 ms around 1970; a cursor time outside is no date MongoDB could compare. */
const MAX_DATE_MILLIS = 8.64e15;

function isDateMillis(t: unknown): t is number {
  return typeof t === 'number' && Number.isSafeInteger(t) && Math.abs(t) <= MAX_DATE_MILLIS;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

export function decodeCursor(text: string, order: SortOrder): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  const c = parsed as Partial<Cursor> | null;
  if (!c || typeof c !== 'object' || !isDateMillis(c.t) || typeof c.i !== 'string' || c.i.length > MAX_CURSOR_ID_LENGTH || (c.o !== 'asc' && c.o !== 'desc')) {
    throw new ValidationError('invalid cursor', [{ field: 'cursor', message: 'is not a cursor returned by this API' }]);
  }
  if (c.o !== order) {
    throw new ValidationError('cursor and order disagree', [{ field: 'cursor', message: `was made for order=${c.o}; pass the same order` }]);
  }
  return c as Cursor;
}

interface Pageable {
  _id: unknown;
  created_at: Date;
}

/**
 * One page of a collection, ordered by (created_at, _id). The cursor names the last item
 * seen, so a page does not shift when items are added meanwhile; `page` (skip) is there
 * for tables that jump to a page number.
 */
export async function findPage<T extends Pageable>(model: Model<T>, filter: FilterQuery<T>, query: ListQueryDto): Promise<{ items: T[]; meta: PageMetaDto }> {
  if (query.cursor !== undefined && query.page !== undefined) {
    throw new ValidationError('cursor and page cannot be combined', [{ field: 'page', message: 'cannot be combined with cursor' }]);
  }
  const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
  const order: SortOrder = query.order ?? 'desc';
  const dir = order === 'asc' ? 1 : -1;
  const cmp = order === 'asc' ? '$gt' : '$lt';

  let pageFilter: FilterQuery<T> = filter;
  if (query.cursor !== undefined) {
    const c = decodeCursor(query.cursor, order);
    const at = new Date(c.t);
    pageFilter = { $and: [filter, { $or: [{ created_at: { [cmp]: at } }, { created_at: at, _id: { [cmp]: c.i } }] }] } as FilterQuery<T>;
  }
  const find = model
    .find(pageFilter)
    .sort({ created_at: dir, _id: dir })
    .limit(limit + 1);
  if (query.page !== undefined) find.skip((query.page - 1) * limit);
  const [found, total] = await Promise.all([find.lean<T[]>().exec(), model.countDocuments(filter).exec()]);
  const items = found.slice(0, limit);
  const last = items[items.length - 1];
  const next_cursor = found.length > limit && last ? encodeCursor({ t: last.created_at.getTime(), i: String(last._id), o: order }) : null;
  return { items, meta: { limit, order, total, page: query.page ?? null, next_cursor } };
}
