import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsString, MaxLength, MinLength } from 'class-validator';
import { PageMetaDto } from '../../common/pagination';
import { WebhookDto } from '../../webhooks/dto/webhook.dto';

export const MAX_SUBSCRIPTIONS = 1000;

export class PutEnvironmentDto {
  @ApiProperty({ example: 'ITD2024', minLength: 1, maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: 'Asia/Jerusalem', maxLength: 64, description: 'IANA time zone: start_at and answer_at of this environment\u2019s calls are in it.' })
  @IsString()
  @MaxLength(64)
  timezone: string;
}

export class EnvironmentDto {
  @ApiProperty({ example: 'env-42', description: 'The platform\u2019s environment id.' })
  id: string;

  @ApiProperty({ example: 'ITD2024' })
  name: string;

  @ApiProperty({ example: 'Asia/Jerusalem' })
  timezone: string;

  @ApiProperty({ type: [String], example: ['3f6f1c2e-8a4b-4d2a-9c51-7e2b1d0a9f43'], description: 'The webhooks subscribed in this environment.' })
  webhook_ids: string[];

  @ApiProperty({ example: 2 })
  version: number;

  @ApiProperty({ example: '2024-12-02T21:04:40.701Z' })
  created_at: string;

  @ApiProperty({ example: '2024-12-02T21:04:40.701Z' })
  updated_at: string;
}

export class EnvironmentPageDto {
  @ApiProperty({ type: [EnvironmentDto] })
  data: EnvironmentDto[];

  @ApiProperty({ type: PageMetaDto })
  page: PageMetaDto;
}

export class ReplaceSubscriptionsDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'string', maxLength: 64 },
    maxItems: MAX_SUBSCRIPTIONS,
    example: ['3f6f1c2e-8a4b-4d2a-9c51-7e2b1d0a9f43'],
    description: 'The complete list of subscribed webhooks (duplicates are ignored).',
  })
  @IsArray()
  @ArrayMaxSize(MAX_SUBSCRIPTIONS)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  webhook_ids: string[];
}

export class AddSubscriptionDto {
  @ApiProperty({ example: '3f6f1c2e-8a4b-4d2a-9c51-7e2b1d0a9f43', maxLength: 64 })
  @IsString()
  @MaxLength(64)
  webhook_id: string;
}

export class SubscribedWebhooksDto {
  @ApiProperty({ example: 'env-42' })
  environment_id: string;

  @ApiProperty({ type: [WebhookDto] })
  data: WebhookDto[];
}
