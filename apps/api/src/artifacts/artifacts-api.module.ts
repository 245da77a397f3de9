import { Module } from '@nestjs/common';
import { ArtifactsModule } from '@wharf/artifacts';
import { ImmutabilityModule } from '@wharf/immutability';
import { LabelsModule } from '@wharf/labels';
import { ScanReportsModule } from '@wharf/scanning';
import { ManagementModule } from '../management/management.module';
import { ArtifactManagementService } from './artifact-management.service';
import { ArtifactsController } from './artifacts.controller';

/** Management API /projects/{p}/repositories/{r}/artifacts: artifacts, copies, tags. */
@Module({
  imports: [ManagementModule, ArtifactsModule, LabelsModule, ImmutabilityModule, ScanReportsModule],
  controllers: [ArtifactsController],
  providers: [ArtifactManagementService],
})
export class ArtifactsApiModule {}
