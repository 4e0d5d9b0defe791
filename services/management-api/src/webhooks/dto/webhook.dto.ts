import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { EVENT_NAMES, type EventName, type HttpMethod } from '@callhooks/contracts';
import { ListQueryDto, PageMetaDto } from '../../common/pagination';
import { QueryBoolean } from '../../common/validation';
import { HEADER_VALUE_PATTERN, MAX_HEADER_NAME_LENGTH, MAX_HEADER_VALUE_LENGTH, MAX_HEADERS } from '../webhook-headers.policy';
import { MAX_URL_LENGTH } from '../webhook-target.policy';
import { WebhookHealthDto } from '../../webhook-health/dto/webhook-stats.dto';

export const METHODS = ['GET', 'POST'] as const;
export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_DESCRIPTION_LENGTH = 500;

const EVENT_MESSAGE = `must be exactly one of: ${EVENT_NAMES.join(', ')}`;
/** Present means "set": null is refused for fields that cannot be empty (validation skips only undefined). */
const unlessAbsent = ValidateIf((_o, v) => v !== undefined);

const BODY_EXAMPLE = '{"call": "{{uuid}}", "from": "{{caller_id_number}}", "seconds": "{{duration}}", "note": "Call {{uuid}} ended: {{cause}}"}';

/** The highest `rate_limit` (requests per second). */
export const MAX_RATE_LIMIT = 10_000;

export class CreateWebhookDto {
  @ApiPropertyOptional({ default: true, example: true })
  @unlessAbsent
  @IsBoolean()
  enabled?: boolean;

  @ApiProperty({ enum: EVENT_NAMES, example: 'Call:Hangup', description: 'The one event that triggers the webhook.' })
  @IsIn(EVENT_NAMES, { message: EVENT_MESSAGE })
  event: EventName;

  @ApiPropertyOptional({ enum: METHODS, default: 'POST', example: 'POST', description: 'GET sends the rendered top-level fields as query parameters.' })
  @unlessAbsent
  @IsIn(METHODS, { message: 'must be GET or POST' })
  method?: HttpMethod;

  @ApiProperty({
    example: 'https://crm.example.com/hooks/calls',
    maxLength: MAX_URL_LENGTH,
    description: 'http or https; private, loopback, link-local and metadata addresses are refused.',
  })
  @IsString()
  @MaxLength(MAX_URL_LENGTH)
  url: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: BODY_EXAMPLE,
    description:
      'The JSON body template (at most 64 KiB). A string that is exactly "{{field}}" becomes the field\u2019s typed value; {{field}} inside a longer string is text. ' +
      'Unknown fields and invalid JSON are refused. null or absent: the full payload is sent.',
  })
  @IsOptional()
  @IsString()
  body?: string | null;

  @ApiPropertyOptional({
    type: 'object',
    maxProperties: MAX_HEADERS,
    additionalProperties: { type: 'string', minLength: 1, maxLength: MAX_HEADER_VALUE_LENGTH, pattern: HEADER_VALUE_PATTERN },
    example: { Authorization: 'Bearer crm-token-123', 'X-Tenant': 'acme' },
    description:
      `Custom headers (at most ${MAX_HEADERS}): names are RFC 9110 tokens of at most ${MAX_HEADER_NAME_LENGTH} characters, given once whatever their case; ` +
      'protocol and signature headers cannot be overridden; values are visible ASCII, spaces and tabs, not starting or ending with whitespace.',
  })
  @unlessAbsent
  @IsObject()
  headers?: Record<string, string>;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'Hangups to the CRM', maxLength: MAX_DESCRIPTION_LENGTH })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  description?: string | null;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: MAX_RATE_LIMIT,
    example: 10,
    description: 'At most this many requests per second to this webhook\u2019s URL (a CRM\u2019s API quota): the dispatcher spaces them out, without using up attempts. null: no limit.',
  })
  @IsOptional()
  @IsInt({ message: 'must be a whole number of requests per second' })
  @Min(1)
  @Max(MAX_RATE_LIMIT)
  rate_limit?: number | null;
}

/** Every field optional; `body: null`, `description: null` and `rate_limit: null` clear them. */
export class UpdateWebhookDto extends PartialType(CreateWebhookDto, { skipNullProperties: false }) {}

export class WebhookDto {
  @ApiProperty({ example: '3f6f1c2e-8a4b-4d2a-9c51-7e2b1d0a9f43' })
  id: string;

  @ApiProperty({ example: true })
  enabled: boolean;

  @ApiProperty({ enum: EVENT_NAMES, example: 'Call:Hangup' })
  event: EventName;

  @ApiProperty({ enum: METHODS, example: 'POST' })
  method: HttpMethod;

  @ApiProperty({ example: 'https://crm.example.com/hooks/calls' })
  url: string;

  @ApiProperty({ type: String, nullable: true, example: BODY_EXAMPLE })
  body: string | null;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { 'X-Tenant': 'acme' } })
  headers: Record<string, string>;

  @ApiProperty({ type: String, nullable: true, example: 'Hangups to the CRM' })
  description: string | null;

  @ApiProperty({ type: Number, nullable: true, example: null, description: 'Requests per second at most; null: no limit.' })
  rate_limit: number | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'Why the system disabled the webhook (its receiver answered 410 Gone, or every attempt failed for the auto-disable period); null otherwise.',
  })
  disabled_reason: string | null;

  @ApiProperty({ type: String, nullable: true, example: null, description: 'When the webhook was disabled (by an admin or the system); null while enabled.' })
  disabled_at: string | null;

  @ApiProperty({ example: 3, description: 'Grows with every change (also a secret rotation).' })
  version: number;

  @ApiProperty({ example: '2024-12-02T21:04:40.701Z' })
  created_at: string;

  @ApiProperty({ example: '2024-12-02T21:10:02.118Z' })
  updated_at: string;
}

export class WebhookWithHealthDto extends WebhookDto {
  @ApiPropertyOptional({ type: WebhookHealthDto, description: 'With `include=health` only.' })
  health?: WebhookHealthDto;
}

export class WebhookPageDto {
  @ApiProperty({ type: [WebhookWithHealthDto] })
  data: WebhookWithHealthDto[];

  @ApiProperty({ type: PageMetaDto })
  page: PageMetaDto;
}

export class ListWebhooksQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: EVENT_NAMES, description: 'Only webhooks of this event.' })
  @IsOptional()
  @IsIn(EVENT_NAMES, { message: EVENT_MESSAGE })
  event?: EventName;

  @ApiPropertyOptional({ type: Boolean, description: 'Only enabled (true) or disabled (false) webhooks.' })
  @IsOptional()
  @QueryBoolean()
  @IsBoolean({ message: 'must be true or false' })
  enabled?: boolean;

  @ApiPropertyOptional({ example: 'crm.example.com', maxLength: MAX_URL_LENGTH, description: 'Only webhooks whose URL contains this text (case-insensitive).' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_URL_LENGTH)
  url?: string;

  @ApiPropertyOptional({ example: 'https://crm.example.com/', maxLength: MAX_URL_LENGTH, description: 'Only webhooks whose URL starts with this text.' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_URL_LENGTH)
  url_prefix?: string;

  @ApiPropertyOptional({ enum: ['health'], description: '`health` adds each webhook\u2019s health summary (status, failing since, 24 h success rate, breaker).' })
  @IsOptional()
  @IsIn(['health'], { message: 'must be health' })
  include?: 'health';
}

export class SigningSecretDto {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3xq1SdBl1tY=' })
  secret: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '2024-12-03T21:04:40.701Z',
    description: 'When a retired secret stops being used; null for the current one.',
  })
  expires_at: string | null;
}

export class WebhookSecretDto {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3xq1SdBl1tY=', description: 'The current signing secret (Standard Webhooks).' })
  secret: string;

  @ApiProperty({ type: [SigningSecretDto], description: 'Retired secrets still signing deliveries until they expire (after a rotation).' })
  previous: SigningSecretDto[];
}
