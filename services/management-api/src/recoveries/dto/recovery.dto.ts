import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ValidateIf } from 'class-validator';
import { IsDateTime } from '../../common/date-time';
import { ListQueryDto, PageMetaDto } from '../../common/pagination';
import { RECOVERY_STATES } from '../recovery.schema';

export class StartRecoveryDto {
  @ApiProperty({ format: 'date-time', example: '2026-12-04T00:00:00Z', description: 'Deliveries created at or after this time.' })
  @IsDateTime()
  since: string;

  @ApiPropertyOptional({ format: 'date-time', example: '2026-12-05T00:00:00Z', description: 'Deliveries created before this time; omitted: up to now.' })
  // omitted is "up to now"; null is not a time (the document says a string)
  @ValidateIf((_o, v) => v !== undefined)
  @IsDateTime()
  until?: string;
}

export class RecoveryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: String, nullable: true }) webhook_id: string | null;
  @ApiProperty({ type: String, nullable: true }) environment_id: string | null;
  @ApiProperty() since: string;
  @ApiProperty({ type: String, nullable: true }) until: string | null;
  @ApiProperty({ enum: RECOVERY_STATES, description: 'RUNNING until every matched delivery was resent and its resend is over; then DONE.' }) state: string;
  @ApiProperty({ description: 'Deliveries of the window whose last status was FAILED (dead-lettered), found so far.' }) matched: number;
  @ApiProperty({ description: 'Of those, sent again (same delivery id and webhook-id, a fresh attempt and the usual retries).' }) requeued: number;
  @ApiProperty({ description: 'Resent and delivered.' }) delivered: number;
  @ApiProperty({ description: 'Resent and failed again (every retry used).' }) failed: number;
  @ApiProperty({ description: 'Matched but not sent: delivered or being resent by another recovery by then.' }) skipped: number;
  @ApiProperty() created_at: string;
  @ApiProperty({ type: String, nullable: true }) finished_at: string | null;
}

export class RecoveryPageDto {
  @ApiProperty({ type: [RecoveryDto] }) data: RecoveryDto[];
  @ApiProperty({ type: PageMetaDto }) page: PageMetaDto;
}

export class ListRecoveriesQueryDto extends ListQueryDto {}
