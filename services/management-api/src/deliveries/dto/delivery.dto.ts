import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageMetaDto } from '../../common/pagination';
import { DELIVERY_STATUSES } from '../delivery.model';

export class DeliveryAttemptDto {
  @ApiProperty({ example: 1 }) attempt: number;
  @ApiProperty({ enum: ['SUCCEEDED', 'RETRYING', 'FAILED', 'GONE', 'BLOCKED', 'BREAKER_OPEN'], description: 'BREAKER_OPEN: not attempted (the target’s circuit breaker was open), rescheduled.' })
  outcome: string;
  @ApiProperty({ type: Number, nullable: true, example: 200 }) status_code: number | null;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'timeout, connection_refused, dns, tls, http_status, redirect, blocked_address, breaker_open, webhook_disabled, …' })
  error_class: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 83 }) latency_ms: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'The first bytes of the response body (or the error message).' }) response_snippet: string | null;
  @ApiProperty({ format: 'date-time' }) attempted_at: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) next_attempt_at: Date | null;
}

export class DeliveryDto {
  @ApiProperty({ description: 'The delivery id: the `webhook-id` header of every attempt.' }) id: string;
  @ApiProperty() webhook_id: string;
  @ApiProperty({ type: String, nullable: true }) environment_id: string | null;
  @ApiProperty({ example: 'Call:Hangup' }) event: string;
  @ApiProperty() event_id: string;
  @ApiProperty({ type: String, nullable: true }) call_uuid: string | null;
  @ApiProperty({ enum: ['EVENT', 'TEST', 'REDELIVERY'] }) origin: string;
  @ApiProperty({ enum: ['GET', 'POST'] }) method: string;
  @ApiProperty() url: string;
  @ApiProperty({ type: String, nullable: true }) request_body: string | null;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status: string;
  @ApiProperty() attempt_count: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) last_attempt_at: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) next_attempt_at: Date | null;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ format: 'date-time' }) updated_at: Date;
}

export class DeliveryWithAttemptsDto extends DeliveryDto {
  @ApiProperty({ type: [DeliveryAttemptDto] }) attempts: DeliveryAttemptDto[];
}

export class DeliveryPageDto {
  @ApiProperty({ type: [DeliveryDto] }) data: DeliveryDto[];
  @ApiProperty({ type: PageMetaDto }) page: PageMetaDto;
}

export class RedeliveryDto {
  @ApiProperty() delivery_id: string;
  @ApiProperty({ description: 'The number of the attempt that was queued.' }) attempt: number;
}

export class TestSendDto {
  @ApiProperty() delivery_id: string;
  @ApiProperty({ enum: ['DONE', 'PENDING'], description: 'PENDING: no result within the wait; read it later at /v1/deliveries/{delivery_id}.' })
  state: 'DONE' | 'PENDING';
  @ApiPropertyOptional({ type: DeliveryAttemptDto }) attempt?: DeliveryAttemptDto;
}
