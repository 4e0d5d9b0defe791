import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { ArrayUnique, IsArray, IsBoolean, IsIn, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import { ListQueryDto, PageMetaDto } from '../../common/pagination';
import { MAX_URL_LENGTH } from '../../webhooks/webhook-target.policy';
import { NOTICE_TYPES, type NoticeType } from '../operational-webhook.schema';

/** Optional, but not nullable: null is validated like any other value (and refused). */
const unlessAbsent = ValidateIf((_o, v) => v !== undefined);

export class CreateOperationalWebhookDto {
  @ApiProperty({ example: 'https://ops.example.com/callhooks-notices', description: 'Where the notices go (POST, signed with Standard Webhooks).' })
  @IsString()
  @MaxLength(MAX_URL_LENGTH)
  url: string;

  @ApiPropertyOptional({ enum: NOTICE_TYPES, isArray: true, uniqueItems: true, description: 'The notices it receives; omitted or empty: all of them.' })
  @unlessAbsent
  @IsArray()
  @ArrayUnique()
  @IsIn(NOTICE_TYPES, { each: true, message: `each must be one of ${NOTICE_TYPES.join(', ')}` })
  notice_types?: NoticeType[];

  @ApiPropertyOptional({ default: true })
  @unlessAbsent
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;
}

/** Every field optional; `description: null` clears it, a null elsewhere is refused. */
export class UpdateOperationalWebhookDto extends PartialType(CreateOperationalWebhookDto, { skipNullProperties: false }) {}

export class OperationalWebhookDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() url: string;
  @ApiProperty({ enum: NOTICE_TYPES, isArray: true, description: 'Empty: every notice type.' }) notice_types: NoticeType[];
  @ApiProperty() enabled: boolean;
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty() version: number;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class OperationalWebhookPageDto {
  @ApiProperty({ type: [OperationalWebhookDto] }) data: OperationalWebhookDto[];
  @ApiProperty({ type: PageMetaDto }) page: PageMetaDto;
}

export class ListOperationalWebhooksQueryDto extends ListQueryDto {}

export class OperationalWebhookSecretDto {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3xq1SdBl1tY=', description: 'Verifies the notices\u2019 webhook-signature (Standard Webhooks).' })
  secret: string;
}
