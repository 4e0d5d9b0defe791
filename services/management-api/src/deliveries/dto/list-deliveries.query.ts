import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsDateTime } from '../../common/date-time';
import { NO_CONTROL_CHARACTERS, NO_CONTROL_CHARACTERS_MESSAGE } from '../../common/ids';
import { ListQueryDto } from '../../common/pagination';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../delivery.model';

/** Filters of the delivery log, on top of the usual paging. */
export class ListDeliveriesQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ maxLength: 100, description: 'Only deliveries of this webhook.' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(NO_CONTROL_CHARACTERS, { message: NO_CONTROL_CHARACTERS_MESSAGE })
  webhook_id?: string;

  @ApiPropertyOptional({ maxLength: 200, description: 'Only deliveries of events of this environment.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(NO_CONTROL_CHARACTERS, { message: NO_CONTROL_CHARACTERS_MESSAGE })
  environment_id?: string;

  @ApiPropertyOptional({ maxLength: 50, description: 'Only deliveries of this event, e.g. `Call:Hangup`.' })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  @Matches(NO_CONTROL_CHARACTERS, { message: NO_CONTROL_CHARACTERS_MESSAGE })
  event?: string;

  @ApiPropertyOptional({ maxLength: 100, description: 'Only deliveries about this call.' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(NO_CONTROL_CHARACTERS, { message: NO_CONTROL_CHARACTERS_MESSAGE })
  call_uuid?: string;

  @ApiPropertyOptional({ enum: DELIVERY_STATUSES, description: 'Only deliveries whose latest attempt has this outcome (PENDING: redelivery asked, no result yet).' })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;

  @ApiPropertyOptional({ format: 'date-time', description: 'Created at or after this time (ISO-8601).' })
  @IsOptional()
  @IsDateTime()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Created before this time (ISO-8601).' })
  @IsOptional()
  @IsDateTime()
  to?: string;
}
