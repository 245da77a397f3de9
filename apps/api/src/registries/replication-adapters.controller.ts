import { Get } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import type { RegistryType } from '@wharf/registries';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { RegistryManagementService } from './registry-management.service';

/** Harbor's /api/v2.0/replication/adapters: the registry types an endpoint may have (its UI builds the type list from it). */
@ManagementController('replication')
export class ReplicationAdaptersController {
  constructor(private readonly registries: RegistryManagementService) {}

  @Get('adapters')
  adapters(@CurrentPrincipal() principal: Principal): RegistryType[] {
    return this.registries.adapters(principal);
  }
}
