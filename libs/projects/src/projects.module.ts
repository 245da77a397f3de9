import { Module } from '@nestjs/common';
import { IamModule } from '@wharf/iam';
import { ProjectLookupService } from './project-lookup.service';
import { RememberedProjectLookup } from './remembered-project-lookup';
import { ProjectService } from './project.service';
import { SystemSettingsService } from './system-settings.service';

/** Owns projects: the namespace every repository lives in, its metadata and storage quota. */
@Module({
  imports: [IamModule],
  providers: [ProjectLookupService, RememberedProjectLookup, ProjectService, SystemSettingsService],
  exports: [ProjectLookupService, RememberedProjectLookup, ProjectService, SystemSettingsService, IamModule],
})
export class ProjectsModule {}
