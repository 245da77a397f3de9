import { Module } from '@nestjs/common';
import { ArtifactsModule } from '@wharf/artifacts';
import { ScannersModule } from '@wharf/scanners';
import { ScanningModule } from '@wharf/scanning';
import { ManagementModule } from '../management/management.module';
import { ProjectScannerController, ScannersController } from './scanners.controller';
import { ScannerManagementService } from './scanner-management.service';
import { ScanManagementService } from './scan-management.service';
import { ArtifactScanController, ScanAllController, ScanMetricsController } from './scans.controller';

/** Management API /scanners, /projects/{p}/scanner, artifact scans, /system/scanAll and /scans/.../metrics. */
@Module({
  imports: [ManagementModule, ScannersModule, ScanningModule, ArtifactsModule],
  controllers: [ScannersController, ProjectScannerController, ArtifactScanController, ScanAllController, ScanMetricsController],
  providers: [ScannerManagementService, ScanManagementService],
})
export class ScannersApiModule {}
