import { Module } from '@nestjs/common';
import { LabelService } from './label.service';

/** Owns labels (global and per project) and their attachments to artifacts. */
@Module({
  providers: [LabelService],
  exports: [LabelService],
})
export class LabelsModule {}
