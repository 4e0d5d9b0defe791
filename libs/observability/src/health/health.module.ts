import { Controller, Get, Global, Module, OnApplicationShutdown } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule, type HealthIndicatorResult } from '@nestjs/terminus';
import { LivenessChecks } from './liveness';
import { ReadinessChecks } from './readiness';

const CHECK_TIMEOUT_MS = 3000;

@ApiExcludeController()
@Controller()
class HealthController implements OnApplicationShutdown {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly readiness: ReadinessChecks,
    private readonly liveness: LivenessChecks,
  ) {}

  /**
   * Liveness: the process and its event loop answer, and nothing registered says a restart of
   * the process is due (a Kafka consumer down for too long while Kafka answers). Dependencies
   * are not checked here, so a Kafka outage does not restart every pod.
   */
  @Get('healthz')
  @HealthCheck()
  live() {
    return this.health.check(this.liveness.entries().map(([name, check]) => () => this.run(name, check)));
  }

  /** Readiness: every registered dependency check passes within a few seconds. */
  @Get('readyz')
  @HealthCheck()
  ready() {
    return this.health.check(
      this.readiness.entries().map(([name, check]) => () => (this.readiness.isShuttingDown() ? this.indicators.check(name).down({ reason: 'shutting down' }) : this.run(name, check))),
    );
  }

  /** One registered check as a terminus indicator: up when it resolves within CHECK_TIMEOUT_MS, down with its reason otherwise. */
  private async run(name: string, check: () => Promise<unknown>): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(name);
    try {
      await withTimeout(check(), CHECK_TIMEOUT_MS);
      return indicator.up();
    } catch (err) {
      return indicator.down({ reason: (err as Error).message });
    }
  }

  onApplicationShutdown(): void {
    this.readiness.markShuttingDown();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [ReadinessChecks, LivenessChecks],
  exports: [ReadinessChecks, LivenessChecks],
})
export class HealthModule {}
