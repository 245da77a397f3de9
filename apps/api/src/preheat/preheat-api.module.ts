import { Module } from '@nestjs/common';
import { PreheatModule } from '@wharf/preheat';
import { ManagementModule } from '../management/management.module';
import { PreheatInstancesController } from './preheat-instances.controller';
import { PreheatManagementService } from './preheat-management.service';
import { PreheatPoliciesController } from './preheat-policies.controller';

/** Management API /p2p/preheat and /projects/{p}/preheat. */
@Module({
  imports: [ManagementModule, PreheatModule],
  controllers: [PreheatInstancesController, PreheatPoliciesController],
  providers: [PreheatManagementService],
})
export class PreheatApiModule {}
