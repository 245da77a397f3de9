import { Get, Header } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { SystemInfoService } from './system-info.service';
import type { StatisticsResponse, SystemInfoResponse, SystemVolumesResponse } from './system.dto';

/** Harbor's system endpoints: ping, systeminfo (+ volumes), statistics. */
@ManagementController()
export class SystemController {
  constructor(private readonly system: SystemInfoService) {}

  /** Anyone, as Harbor: `Pong` in plain text. */
  @Get('ping')
  @Header('content-type', 'text/plain; charset=utf-8')
  ping(): string {
    return 'Pong';
  }

  @Get('systeminfo')
  async info(@CurrentPrincipal() principal: Principal): Promise<SystemInfoResponse> {
    return this.system.info(principal);
  }

  @Get('systeminfo/volumes')
  async volumes(@CurrentPrincipal() principal: Principal): Promise<SystemVolumesResponse> {
    return this.system.volumes(principal);
  }

  @Get('statistics')
  async statistics(@CurrentPrincipal() principal: Principal): Promise<StatisticsResponse> {
    return this.system.statistics(principal);
  }
}
