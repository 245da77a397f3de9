import { Module } from '@nestjs/common';
import { ProjectsModule } from '@wharf/projects';
import { ManagementAuthGuard } from './management-auth.guard';
import { ProjectAuthorizer } from './project-authorizer';

/** What every /api/v2.0 controller shares: Basic authentication and project access decisions. */
@Module({
  imports: [ProjectsModule],
  providers: [ManagementAuthGuard, ProjectAuthorizer],
  exports: [ManagementAuthGuard, ProjectAuthorizer, ProjectsModule],
})
export class ManagementModule {}
