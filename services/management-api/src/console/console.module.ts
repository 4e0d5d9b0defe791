import { Logger, Module, type OnModuleInit, Inject } from '@nestjs/common';
import { findConsoleRoot } from './console-assets';
import { ConsoleController } from './console.controller';
import { CONSOLE_ROOT } from './console.tokens';

/**
 * The admin console: web pages served at /console/ (and / redirects there) that call only
 * the public REST API of this service with the customer's API key. No build step: the
 * files in services/management-api/console are served as they are.
 */
@Module({
  controllers: [ConsoleController],
  providers: [{ provide: CONSOLE_ROOT, useFactory: () => findConsoleRoot() }],
})
export class ConsoleModule implements OnModuleInit {
  private readonly logger = new Logger('ConsoleModule');

  constructor(@Inject(CONSOLE_ROOT) private readonly root: string | null) {}

  onModuleInit(): void {
    if (this.root === null) this.logger.warn('console files not found: /console answers 404 (copy services/management-api/console beside the build)');
  }
}
