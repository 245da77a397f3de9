import { Module } from '@nestjs/common';
import { ArtifactsModule } from '@wharf/artifacts';
import { EventsModule } from '@wharf/events';
import { IamModule } from '@wharf/iam';
import { RegistryCoreModule } from '@wharf/registry-core';
import { ScannersModule } from '@wharf/scanners';
import { SbomAccessories } from './scans/sbom-accessories';
import { ScanAll } from './scans/scan-all';
import { ScanEventConsumer } from './scans/scan-event-consumer';
import { ScanLauncher } from './scans/scan-launcher';
import { ScanReportStore } from './scans/scan-report-store';
import { ScanRobots } from './scans/scan-robots';
import { ScanTaskRunner } from './scans/scan-task-runner';

const services = [ScanReportStore, ScanLauncher, ScanRobots, ScanTaskRunner, SbomAccessories, ScanAll, ScanEventConsumer];

/**
 * Scans (the scan side of vulnerability scanning): launching scans as executions of vendor SCAN
 * (SCAN_ALL for scan all), running them against the registration's adapter with a short-lived
 * project robot, and writing `scan_report` rows (their only writer).
 */
@Module({
  imports: [ArtifactsModule, EventsModule, IamModule, RegistryCoreModule, ScannersModule],
  providers: services,
  exports: services,
})
export class ScanningModule {}
