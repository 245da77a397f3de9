import { Global, Module } from '@nestjs/common';
import { EventsModule } from '@wharf/events';
import { IamModule } from '@wharf/iam';
import { QUOTA_LEDGER } from '@wharf/registry-core';
import { QuotaLedger } from './quota-ledger';
import { RememberingQuotaLedger } from './remembering-quota-ledger';

/**
 * Supplies the quota ledger behind registry-core's QUOTA_LEDGER port. Global, and imported once
 * by each app's root module: BlobStore (a platform lib) and the content libs inject the port,
 * and none of them imports this domain lib. The port is the ledger with the projects that have
 * no limit remembered (RememberingQuotaLedger): their pushes skip the early budget read.
 */
@Global()
@Module({
  imports: [EventsModule, IamModule],
  providers: [QuotaLedger, RememberingQuotaLedger, { provide: QUOTA_LEDGER, useExisting: RememberingQuotaLedger }],
  exports: [QuotaLedger, QUOTA_LEDGER],
})
export class QuotaLedgerModule {}
