import { Body, Get, HttpCode, Put } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { CurrentActor, type Actor } from '../management/current-actor.decorator';
import { ConfigurationsRequest, type ConfigurationsResponse } from './configuration.dto';
import { ConfigurationManagementService } from './configuration-management.service';

/** Harbor's /api/v2.0/configurations, for the settings Wharf has (system admins only). */
@ManagementController('configurations')
export class ConfigurationsController {
  constructor(private readonly configurations: ConfigurationManagementService) {}

  @Get()
  async get(@CurrentPrincipal() principal: Principal): Promise<ConfigurationsResponse> {
    return this.configurations.get(principal);
  }

  @Put()
  @HttpCode(200)
  async update(@CurrentActor() actor: Actor, @Body() body: ConfigurationsRequest): Promise<void> {
    await this.configurations.update(actor, body);
  }
}
