import { Module } from '@nestjs/common';
import { ConfigView } from '@callhooks/config-view';
import { MATCHER_CONFIG, type MatcherConfig } from '../config/matcher.config';
import { CallEventsConsumer } from './call-events.consumer';
import { CompiledTemplates } from './compiled-templates';
import { EventMatcher } from './event-matcher';
import { MatcherMetrics } from './matcher.metrics';

@Module({
  controllers: [CallEventsConsumer],
  providers: [
    MatcherMetrics,
    {
      provide: EventMatcher,
      inject: [ConfigView, MATCHER_CONFIG],
      useFactory: (view: ConfigView, config: MatcherConfig) => new EventMatcher(view, new CompiledTemplates(config.matching.templateCacheSize)),
    },
  ],
})
export class MatchingModule {}
