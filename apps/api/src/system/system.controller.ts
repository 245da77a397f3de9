import { Get, Header } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { SystemInfoService, type PublicSystemInfo, type Statistics, type SystemInfo } from './system-info.service';

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
  async info(@CurrentPrincipal() principal: Principal): Promise<PublicSystemInfo | SystemInfo> {
    return this.system.info(principal);
  }

  @Get('systeminfo/volumes')
  async volumes(@CurrentPrincipal() principal: Principal): Promise<{ storage: { total: number; free: number }[] }> {
    return this.system.volumes(principal);
  }

  @Get('statistics')
  async statistics(@CurrentPrincipal() principal: Principal): Promise<Statistics> {
    return this.system.statistics(principal);
  }
}
