import { Get, Param } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import type { RegistryInfo } from '@wharf/replication';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { RegistryIdParams } from '../registries/registry.dto';
import { ReplicationManagementService } from './replication-management.service';

/** Harbor's GET /api/v2.0/registries/{id}/info: what replication can do with the endpoint. */
@ManagementController('registries')
export class RegistryInfoController {
  constructor(private readonly replication: ReplicationManagementService) {}

  @Get(':id/info')
  async info(@CurrentPrincipal() principal: Principal, @Param() params: RegistryIdParams): Promise<RegistryInfo> {
    return this.replication.registryInfo(principal, params.id);
  }
}
