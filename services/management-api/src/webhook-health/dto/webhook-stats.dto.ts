import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { FAILURE_CLASSES, HEALTH_WINDOWS, type HealthWindow } from '../health-buckets';

export class StatsQueryDto {
  @ApiPropertyOptional({ enum: HEALTH_WINDOWS, default: '24h', description: 'The time window: the last hour (per-minute series), day or week (per-hour series).' })
  @IsOptional()
  @IsIn(HEALTH_WINDOWS, { message: `must be one of ${HEALTH_WINDOWS.join(', ')}` })
  window?: HealthWindow;
}

export class FailuresDto {
  @ApiProperty({ example: 12 }) total: number;
  @ApiProperty({ example: 2, description: 'Answered 4xx (410 included).' }) http_4xx: number;
  @ApiProperty({ example: 9, description: 'Answered 5xx.' }) http_5xx: number;
  @ApiProperty({ example: 0, description: 'Answered a redirect (redirects are not followed).' }) http_3xx: number;
  @ApiProperty({ example: 1, description: 'No answer within the attempt timeout.' }) timeout: number;
  @ApiProperty({ example: 0, description: 'Connection refused or reset, DNS, TLS, network.' }) connection: number;
  @ApiProperty({ example: 0, description: 'The target address is not allowed (SSRF guard).' }) blocked: number;
  @ApiProperty({ example: 0 }) other: number;
}

export class LatencyDto {
  @ApiProperty({ type: Number, nullable: true, example: 42, description: 'Estimated from a histogram (bins 5, 10, 20, 35, 50, 75, 100, 150 ms … 60 s), within the width of its bin.' })
  p50: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 180 }) p95: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 950 }) p99: number | null;
}

export class LastAttemptDto {
  @ApiProperty({ example: '2026-12-05T06:01:02.003Z' }) at: string;
  @ApiProperty({ type: Number, nullable: true, example: 503 }) status_code: number | null;
  @ApiProperty({ type: String, nullable: true, example: 'http_status', description: 'The error class of a failure; null for a success.' }) error: string | null;
}

export class BreakerDto {
  @ApiProperty({ enum: ['closed', 'open', 'unknown'], description: 'The circuit breaker of the webhook\u2019s target origin, as the latest results show it.' })
  state: string;
  @ApiProperty({ type: String, nullable: true, description: 'Time of the result that told it.' }) as_of: string | null;
}

export class SeriesPointDto {
  @ApiProperty() start: string;
  @ApiProperty() attempts: number;
  @ApiProperty() successes: number;
  @ApiProperty() failures: number;
  @ApiProperty({ type: Number, nullable: true }) latency_p50_ms: number | null;
  @ApiProperty({ type: Number, nullable: true }) latency_p95_ms: number | null;
}

export const HEALTH_STATUSES = ['healthy', 'failing', 'disabled', 'no_traffic'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export class WebhookHealthDto {
  @ApiProperty({ enum: HEALTH_STATUSES, description: 'disabled; failing (the latest attempts failed, since `failing_since`); healthy (the latest attempt succeeded); no_traffic (no attempt yet).' })
  status: HealthStatus;
  @ApiProperty({ type: String, nullable: true, description: 'The first failure after the last success.' }) failing_since: string | null;
  @ApiProperty({ example: 0 }) consecutive_failures: number;
  @ApiProperty({ type: Number, nullable: true, example: 0.98, description: 'Over the last 24 h.' }) success_rate_24h: number | null;
  @ApiProperty({ example: 1200, description: 'Over the last 24 h.' }) attempts_24h: number;
  @ApiProperty({ type: LastAttemptDto, nullable: true }) last_success: LastAttemptDto | null;
  @ApiProperty({ type: LastAttemptDto, nullable: true }) last_failure: LastAttemptDto | null;
  @ApiProperty({ type: BreakerDto }) breaker: BreakerDto;
}

export class WebhookStatsDto {
  @ApiProperty({ format: 'uuid' }) webhook_id: string;
  @ApiProperty({ enum: HEALTH_WINDOWS }) window: string;
  @ApiProperty({ description: 'Start of the first bucket of the window.' }) from: string;
  @ApiProperty() to: string;
  @ApiProperty({ description: 'HTTP attempts made (or refused by the SSRF guard); jobs postponed by an open breaker are not attempts.' }) attempts: number;
  @ApiProperty() successes: number;
  @ApiProperty({ type: FailuresDto, description: `Failures by class: ${FAILURE_CLASSES.join(', ')}.` }) failures: FailuresDto;
  @ApiProperty({ type: Number, nullable: true, example: 0.97 }) success_rate: number | null;
  @ApiProperty({ type: LatencyDto }) latency_ms: LatencyDto;
  @ApiProperty({ type: LastAttemptDto, nullable: true }) last_success: LastAttemptDto | null;
  @ApiProperty({ type: LastAttemptDto, nullable: true }) last_failure: LastAttemptDto | null;
  @ApiProperty() consecutive_failures: number;
  @ApiProperty({ type: String, nullable: true }) failing_since: string | null;
  @ApiProperty({ type: BreakerDto }) breaker: BreakerDto;
  @ApiProperty({ enum: HEALTH_STATUSES }) status: HealthStatus;
  @ApiProperty({ type: [SeriesPointDto], description: 'Per minute (1h) or per hour (24h, 7d), oldest first, empty buckets included: the console\u2019s chart.' })
  series: SeriesPointDto[];
}
