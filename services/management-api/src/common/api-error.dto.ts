import { ApiProperty } from '@nestjs/swagger';
import { ERROR_CODES } from './api-error';

export class FieldProblemDto {
  @ApiProperty({ example: 'url' })
  field: string;

  @ApiProperty({ example: 'points at a private or loopback address (10.0.0.7)' })
  message: string;
}

export class ApiErrorDetailDto {
  @ApiProperty({ enum: Object.keys(ERROR_CODES), example: 'validation_failed' })
  code: string;

  @ApiProperty({ example: 'invalid request: url: points at a private or loopback address (10.0.0.7)' })
  message: string;

  @ApiProperty({ type: [FieldProblemDto] })
  fields: FieldProblemDto[];
}

/** The error body of every failed request (OpenAPI description of ApiErrorBody). */
export class ApiErrorDto {
  @ApiProperty({ type: ApiErrorDetailDto })
  error: ApiErrorDetailDto;

  @ApiProperty({ example: '6f1c2b7e-3d0a-4b8e-9a51-2f7d9c1e4a60', description: 'Also in the X-Request-Id response header and the logs.' })
  request_id: string;
}
