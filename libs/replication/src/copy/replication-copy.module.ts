import { Module } from '@nestjs/common';
import { ArtifactsModule } from '@wharf/artifacts';
import { RegistriesModule } from '@wharf/registries';
import { RegistryCoreModule } from '@wharf/registry-core';
import { RemoteCatalogService } from '../adapters/remote-catalog.service';
import { ReplicationRegistries } from '../adapters/replication-registries';
import { ARTIFACT_COPIER, REMOTE_CATALOG } from '../replication-copy';
import { ReplicationArtifactCopier } from './artifact-copier';
import { BlobLocations } from './blob-locations';
import { CopySides } from './copy-sides.factory';
import { LocalRegistry } from './local-registry';

/**
 * Replication's copy engine and registry adapters: ARTIFACT_COPIER (one item at a time, for the
 * worker's replication job) and REMOTE_CATALOG (what a remote endpoint holds, for policies).
 * The control side's ReplicationModule imports it.
 * Needs the QUOTA_LEDGER port bound by the app (QuotaLedgerModule), as every blob writer does.
 */
@Module({
  imports: [ArtifactsModule, RegistryCoreModule, RegistriesModule],
  providers: [
    LocalRegistry,
    ReplicationRegistries,
    BlobLocations,
    CopySides,
    ReplicationArtifactCopier,
    RemoteCatalogService,
    { provide: ARTIFACT_COPIER, useExisting: ReplicationArtifactCopier },
    { provide: REMOTE_CATALOG, useExisting: RemoteCatalogService },
  ],
  exports: [ARTIFACT_COPIER, REMOTE_CATALOG],
})
export class ReplicationCopyModule {}
