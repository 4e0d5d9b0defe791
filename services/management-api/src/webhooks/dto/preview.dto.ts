import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { OptionalNotNull } from '../../common/validation';
import { IsIn, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import type { HttpMethod } from '@callhooks/contracts';
import { MAX_URL_LENGTH } from '../webhook-target.policy';
import { METHODS } from './webhook.dto';

/** A template not saved yet (the console's live preview while editing). */
export class TemplatePreviewDto {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: '{"call": "{{uuid}}", "seconds": "{{duration}}"}',
    description: 'The body template; null or absent previews the full payload.',
  })
  @IsOptional()
  @IsString()
  body?: string | null;

  @ApiPropertyOptional({ enum: METHODS, default: 'POST' })
  @ValidateIf((_o, v) => v !== undefined)
  @IsIn(METHODS, { message: 'must be GET or POST' })
  method?: HttpMethod;

  @ApiPropertyOptional({
    example: 'https://crm.example.com/hooks/calls',
    maxLength: MAX_URL_LENGTH,
    description: 'The target, to show where GET query parameters go; checked as a save checks it.',
  })
  @OptionalNotNull()
  @IsString()
  @MaxLength(MAX_URL_LENGTH)
  url?: string;
}

export class PreviewDto {
  @ApiProperty({ enum: METHODS, example: 'POST' })
  method: HttpMethod;

  @ApiProperty({ example: 'https://crm.example.com/hooks/calls', description: 'The URL called; for GET with the rendered fields as query parameters.' })
  url: string;

  @ApiProperty({
    nullable: true,
    example: { call: 'bfd7e62a-5a55-4286-9453-b4b4cfc5cca8', seconds: 417 },
    description: 'The JSON body sent (POST); null for GET.',
  })
  body: unknown;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    nullable: true,
    example: null,
    description: 'The query parameters added (GET); null for POST.',
  })
  query: Record<string, string> | null;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The sample call data rendered (the field catalog\u2019s examples).' })
  sample: Record<string, unknown>;
}
