import { Module } from '@nestjs/common';
import { RegistriesModule } from '@wharf/registries';
import { ManagementModule } from '../management/management.module';
import { RetentionModule } from '@wharf/retention';
import { ScanningPoliciesModule } from '@wharf/scanning';
import { ConfigurationManagementService } from './configuration-management.service';
import { ConfigurationsController } from './configurations.controller';
import { MemberManagementService } from './member-management.service';
import { ProjectManagementService } from './project-management.service';
import { ProjectMembersController } from './project-members.controller';
import { ProjectMetadataController } from './project-metadata.controller';
import { ProjectMetadataManagementService } from './project-metadata-management.service';
import { ProjectsController } from './projects.controller';

/** Management API /projects: projects, metadata, members, summary; /configurations. */
@Module({
  imports: [ManagementModule, RegistriesModule, RetentionModule, ScanningPoliciesModule],
  controllers: [ProjectsController, ProjectMetadataController, ProjectMembersController, ConfigurationsController],
  providers: [ProjectManagementService, ProjectMetadataManagementService, MemberManagementService, ConfigurationManagementService],
})
export class ProjectsApiModule {}
