import { Module } from '@nestjs/common';
import { ArtifactScanReports } from './artifact-scan-reports.service';
import { ScanReportReader } from './scan-report-reader';

/** Reading `scan_report` for artifact answers: scan and SBOM overviews, the vulnerabilities addition. */
@Module({
  providers: [ScanReportReader, ArtifactScanReports],
  exports: [ArtifactScanReports, ScanReportReader],
})
export class ScanReportsModule {}
