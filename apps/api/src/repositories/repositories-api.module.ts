import { Module } from '@nestjs/common';
import { ArtifactsModule } from '@wharf/artifacts';
import { ManagementModule } from '../management/management.module';
import { RepositoriesController } from './repositories.controller';
import { RepositoryManagementService } from './repository-management.service';

/** Management API /projects/{p}/repositories: list, read, describe, delete. */
@Module({
  imports: [ManagementModule, ArtifactsModule],
  controllers: [RepositoriesController],
  providers: [RepositoryManagementService],
})
export class RepositoriesApiModule {}
