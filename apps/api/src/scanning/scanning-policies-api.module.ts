import { Module } from '@nestjs/common';
import { ScanningPoliciesModule } from '@wharf/scanning';
import { ManagementModule } from '../management/management.module';
import { CveAllowlistController } from './cve-allowlist.controller';
import { CveAllowlistManagementService } from './cve-allowlist-management.service';

/** Management API of scanning policies: /system/CVEAllowlist (a project's allowlist rides on /projects). */
@Module({
  imports: [ManagementModule, ScanningPoliciesModule],
  controllers: [CveAllowlistController],
  providers: [CveAllowlistManagementService],
})
export class ScanningPoliciesApiModule {}
