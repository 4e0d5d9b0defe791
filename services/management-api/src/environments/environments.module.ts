import { Module } from '@nestjs/common';
import { ConfigPublishingModule } from '../config-publishing/config-publishing.module';
import { EnvironmentsController } from './environments.controller';
import { EnvironmentsService } from './environments.service';

@Module({
  imports: [ConfigPublishingModule],
  controllers: [EnvironmentsController],
  providers: [EnvironmentsService],
  exports: [EnvironmentsService],
})
export class EnvironmentsModule {}
