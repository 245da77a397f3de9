import { Module } from '@nestjs/common';
import { RegistriesModule } from '@wharf/registries';
import { ManagementModule } from '../management/management.module';
import { RegistriesController } from './registries.controller';
import { RegistryManagementService } from './registry-management.service';
import { ReplicationAdaptersController } from './replication-adapters.controller';

/** Management API /registries and /replication/adapters (AuditModule is global, from AppModule). */
@Module({
  imports: [ManagementModule, RegistriesModule],
  controllers: [RegistriesController, ReplicationAdaptersController],
  providers: [RegistryManagementService],
})
export class RegistriesApiModule {}
