import { Module } from '@nestjs/common';
import { GcModule } from '@wharf/gc';
import { ManagementModule } from '../management/management.module';
import { GcController } from './gc.controller';
import { GcManagementService } from './gc-management.service';

/** Management API /system/gc: GC schedule, manual runs, history, logs and stop (JobsModule is global, from AppModule). */
@Module({
  imports: [ManagementModule, GcModule],
  controllers: [GcController],
  providers: [GcManagementService],
})
export class GcApiModule {}
