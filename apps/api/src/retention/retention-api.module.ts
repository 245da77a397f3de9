import { Module } from '@nestjs/common';
import { RetentionModule } from '@wharf/retention';
import { ManagementModule } from '../management/management.module';
import { RetentionManagementService } from './retention-management.service';
import { RetentionsController } from './retentions.controller';

/** Management API /retentions: tag retention policies, their runs, tasks and logs. */
@Module({
  imports: [ManagementModule, RetentionModule],
  controllers: [RetentionsController],
  providers: [RetentionManagementService],
})
export class RetentionApiModule {}
