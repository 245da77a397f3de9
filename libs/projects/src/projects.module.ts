import { Module } from '@nestjs/common';
import { ProjectLookupService } from './project-lookup.service';

/** Owns projects: the namespace every repository lives in. */
@Module({
  providers: [ProjectLookupService],
  exports: [ProjectLookupService],
})
export class ProjectsModule {}
