import { Module } from '@nestjs/common';
import { ArtifactsModule } from '@wharf/artifacts';
import { IamModule } from '@wharf/iam';
import { ScanningModule } from './scanning.module';
import { CveAllowlists } from './policies/cve-allowlists';
import { ProjectPullSettingsReader } from './policies/project-pull-settings';
import { PullPolicy } from './policies/pull-policy';
import { ScanReportQueries } from './policies/scan-report-queries';

const services = [CveAllowlists, ProjectPullSettingsReader, PullPolicy, ScanReportQueries];

/** The policy side of scanning: CVE allowlists, the pull policy /v2 asks (scans it needs come from ScanningModule's SCAN_REQUESTER), the report reads preheat uses. */
@Module({
  imports: [ArtifactsModule, IamModule, ScanningModule],
  providers: services,
  exports: services,
})
export class ScanningPoliciesModule {}
