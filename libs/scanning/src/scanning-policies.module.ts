import { Module } from '@nestjs/common';
import { ArtifactsModule } from '@wharf/artifacts';
import { CveAllowlists } from './policies/cve-allowlists';
import { PullPolicy } from './policies/pull-policy';
import { ScanReportQueries } from './policies/scan-report-queries';

const services = [CveAllowlists, PullPolicy, ScanReportQueries];

/** The policy side of scanning: CVE allowlists, the pull policy /v2 asks, the report reads preheat uses. */
@Module({
  imports: [ArtifactsModule],
  providers: services,
  exports: services,
})
export class ScanningPoliciesModule {}
