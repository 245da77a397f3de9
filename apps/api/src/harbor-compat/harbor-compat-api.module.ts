import { Module } from '@nestjs/common';
import { ArtifactsModule } from '@wharf/artifacts';
import { ManagementModule } from '../management/management.module';
import { RobotsApiModule } from '../robots/robots-api.module';
import { SystemController } from '../system/system.controller';
import { SystemInfoService } from '../system/system-info.service';
import { HarborCompatController, ProjectRobotsV1Controller } from './harbor-compat.controller';
import { HarborCompatService } from './harbor-compat.service';
import { ProjectRobotsV1Service } from './project-robots-v1.service';

/** Harbor's system endpoints and the Harbor v2.0 paths its clients call beside Wharf's own resources. */
@Module({
  imports: [ManagementModule, ArtifactsModule, RobotsApiModule],
  controllers: [SystemController, HarborCompatController, ProjectRobotsV1Controller],
  providers: [SystemInfoService, HarborCompatService, ProjectRobotsV1Service],
})
export class HarborCompatApiModule {}
