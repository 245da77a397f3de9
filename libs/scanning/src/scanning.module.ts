import { Module } from '@nestjs/common';
import { ArtifactsModule } from '@wharf/artifacts';
import { EventsModule } from '@wharf/events';
import { IamModule } from '@wharf/iam';
import { RegistryCoreModule } from '@wharf/registry-core';
import { ScannersModule } from '@wharf/scanners';
import { SbomAccessories } from './scans/sbom-accessories';
import { ScanAll } from './scans/scan-all';
import { ScanEventConsumer } from './scans/scan-event-consumer';
import { SCAN_REQUESTER } from './scan-requester';
import { ScanLauncher } from './scans/scan-launcher';
import { ScanReportStore } from './scans/scan-report-store';
import { ScanRequesterService } from './scans/scan-requester.service';
import { ScanRobots } from './scans/scan-robots';
import { ScanTaskRunner } from './scans/scan-task-runner';

const services = [ScanReportStore, ScanLauncher, ScanRobots, ScanTaskRunner, SbomAccessories, ScanAll, ScanEventConsumer, ScanRequesterService];

/**
 * Scans (the scan side of vulnerability scanning): launching scans as executions of vendor SCAN
 * (SCAN_ALL for scan all), running them against the registration's adapter with a short-lived
 * project robot, and writing `scan_report` rows (their only writer). Binds SCAN_REQUESTER, the scan
 * the policy side asks for before a proxy-cache project serves a newly cached artifact.
 */
@Module({
  imports: [ArtifactsModule, EventsModule, IamModule, RegistryCoreModule, ScannersModule],
  providers: [...services, { provide: SCAN_REQUESTER, useExisting: ScanRequesterService }],
  exports: [...services, SCAN_REQUESTER],
})
export class ScanningModule {}
