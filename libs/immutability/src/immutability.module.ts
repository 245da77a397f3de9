import { Module } from '@nestjs/common';
import { ImmutableRuleService } from './immutable-rule.service';
import { ImmutableTagGuard } from './immutable-tag-guard';

/** Owns tag immutability: the per-project rules and the check pushes and deletes make against them. */
@Module({
  providers: [ImmutableRuleService, ImmutableTagGuard],
  exports: [ImmutableRuleService, ImmutableTagGuard],
})
export class ImmutabilityModule {}
