import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { OptionalNotNull } from '../../common/validation';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { PLATFORM_ID_MESSAGE, PLATFORM_ID_PATTERN } from '../../common/ids';
import { PageMetaDto } from '../../common/pagination';

export class CreateCustomerDto {
  @ApiPropertyOptional({
    example: 'acme-telecom',
    description: 'The platform\u2019s customer id (the one call legs carry). Generated (UUID) when omitted.',
    pattern: PLATFORM_ID_PATTERN.source,
  })
  @OptionalNotNull()
  @IsString()
  @Matches(PLATFORM_ID_PATTERN, { message: PLATFORM_ID_MESSAGE })
  id?: string;

  @ApiProperty({ example: 'Acme Telecom Ltd', minLength: 1, maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;
}

export class CustomerDto {
  @ApiProperty({ example: 'acme-telecom' })
  id: string;

  @ApiProperty({ example: 'Acme Telecom Ltd' })
  name: string;

  @ApiProperty({ example: '2024-12-02T21:04:40.701Z' })
  created_at: string;

  @ApiProperty({ example: '2024-12-02T21:04:40.701Z' })
  updated_at: string;
}

export class CustomerPageDto {
  @ApiProperty({ type: [CustomerDto] })
  data: CustomerDto[];

  @ApiProperty({ type: PageMetaDto })
  page: PageMetaDto;
}
