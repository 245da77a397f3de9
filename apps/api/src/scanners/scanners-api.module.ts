import { Module } from '@nestjs/common';
import { ScannersModule } from '@wharf/scanners';
import { ManagementModule } from '../management/management.module';
import { ProjectScannerController, ScannersController } from './scanners.controller';
import { ScannerManagementService } from './scanner-management.service';

/** Management API /scanners and /projects/{p}/scanner. */
@Module({
  imports: [ManagementModule, ScannersModule],
  controllers: [ScannersController, ProjectScannerController],
  providers: [ScannerManagementService],
})
export class ScannersApiModule {}
