import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { OptionalNotNull } from '../../common/validation';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { PageMetaDto } from '../../common/pagination';

export class CreateApiKeyDto {
  @ApiPropertyOptional({ example: 'CRM integration', minLength: 1, maxLength: 100, default: 'default', description: 'A label to tell keys apart.' })
  @OptionalNotNull()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;
}

export class ApiKeyDto {
  @ApiProperty({ example: '0b7a4c1e-5d2f-4e8a-9c3b-1f6d2e7a8b90' })
  id: string;

  @ApiProperty({ example: 'acme-telecom' })
  customer_id: string;

  @ApiProperty({ example: 'CRM integration' })
  name: string;

  @ApiProperty({ example: 'chk_Xq3vT9aB', description: 'The first characters of the key, to recognise it; not a secret.' })
  prefix: string;

  @ApiProperty({ example: '2024-12-02T21:04:40.701Z' })
  created_at: string;

  @ApiProperty({ type: String, nullable: true, example: null })
  revoked_at: string | null;
}

export class IssuedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ example: 'chk_Xq3vT9aBc2H7kLmN0pQrStUvWxYz1234567890abcde', description: 'The key itself. Shown only in this answer: store it now.' })
  key: string;
}

export class ApiKeyPageDto {
  @ApiProperty({ type: [ApiKeyDto] })
  data: ApiKeyDto[];

  @ApiProperty({ type: PageMetaDto })
  page: PageMetaDto;
}
