import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';
import { ListQueryDto, PageMetaDto } from '../../common/pagination';
import { RECOVERY_STATES } from '../recovery.schema';

export class StartRecoveryDto {
  @ApiProperty({ example: '2026-12-04T00:00:00Z', description: 'Deliveries created at or after this time.' })
  @IsISO8601({ strict: true }, { message: 'must be an ISO 8601 date-time' })
  since: string;

  @ApiPropertyOptional({ example: '2026-12-05T00:00:00Z', description: 'Deliveries created before this time; omitted: up to now.' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be an ISO 8601 date-time' })
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
