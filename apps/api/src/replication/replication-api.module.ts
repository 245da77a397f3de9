import { Module } from '@nestjs/common';
import { RegistriesModule } from '@wharf/registries';
import { ReplicationModule } from '@wharf/replication';
import { ManagementModule } from '../management/management.module';
import { RegistryInfoController } from './registry-info.controller';
import { ReplicationExecutionsController } from './replication-executions.controller';
import { ReplicationManagementService } from './replication-management.service';
import { ReplicationPoliciesController } from './replication-policies.controller';

/** Management API /replication/policies, /replication/executions and /registries/{id}/info (AuditModule is global, from AppModule). */
@Module({
  imports: [ManagementModule, RegistriesModule, ReplicationModule],
  controllers: [ReplicationPoliciesController, ReplicationExecutionsController, RegistryInfoController],
  providers: [ReplicationManagementService],
})
export class ReplicationApiModule {}
