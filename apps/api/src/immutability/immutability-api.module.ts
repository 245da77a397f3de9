import { Module } from '@nestjs/common';
import { ImmutabilityModule } from '@wharf/immutability';
import { ManagementModule } from '../management/management.module';
import { ImmutableRuleManagementService } from './immutable-rule-management.service';
import { ImmutableRulesController } from './immutable-rules.controller';

/** Management API /projects/{p}/immutabletagrules. */
@Module({
  imports: [ManagementModule, ImmutabilityModule],
  controllers: [ImmutableRulesController],
  providers: [ImmutableRuleManagementService],
})
export class ImmutabilityApiModule {}
