import { Global, Module } from '@nestjs/common';
import { EventsModule } from '@wharf/events';
import { QUOTA_LEDGER } from '@wharf/registry-core';
import { QuotaLedger } from './quota-ledger';

/**
 * Supplies the quota ledger behind registry-core's QUOTA_LEDGER port. Global, and imported once
 * by each app's root module: BlobStore (a platform lib) and the content libs inject the port,
 * and none of them imports this domain lib.
 */
@Global()
@Module({
  imports: [EventsModule],
  providers: [QuotaLedger, { provide: QUOTA_LEDGER, useExisting: QuotaLedger }],
  exports: [QuotaLedger, QUOTA_LEDGER],
})
export class QuotaLedgerModule {}
