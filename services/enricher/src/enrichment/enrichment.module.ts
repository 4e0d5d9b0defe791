import { Module } from '@nestjs/common';
import { CallEnrichmentService } from './call-enrichment.service';
import { CallLegsConsumer } from './call-legs.consumer';
import { CallTimersScheduler } from './call-timers.scheduler';

/** Joins raw call legs into the six system events, exactly once, with state restored from its changelog. */
@Module({
  controllers: [CallLegsConsumer],
  providers: [CallEnrichmentService, CallTimersScheduler],
  exports: [CallEnrichmentService],
})
export class EnrichmentModule {}
