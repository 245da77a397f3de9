import { Module } from '@nestjs/common';
import { LabelsModule } from '@wharf/labels';
import { ManagementModule } from '../management/management.module';
import { ArtifactLabelsController } from './artifact-labels.controller';
import { LabelManagementService } from './label-management.service';
import { LabelsController } from './labels.controller';

/** Management API /labels and the labels of an artifact. */
@Module({
  imports: [ManagementModule, LabelsModule],
  controllers: [LabelsController, ArtifactLabelsController],
  providers: [LabelManagementService],
})
export class LabelsApiModule {}
