import { Module } from '@nestjs/common';
import { EventsModule } from '@wharf/events';
import { ImmutabilityModule } from '@wharf/immutability';
import { RegistryCoreModule } from '@wharf/registry-core';
import { ArtifactAdditionsService } from './artifact-additions.service';
import { ArtifactCatalogService } from './artifact-catalog.service';
import { ManifestCache } from './manifest-cache';
import { ManifestService } from './manifest.service';
import { PullTimeRecorder } from './pull-time-recorder';
import { RegistryListingService } from './registry-listing.service';
import { RepositoryService } from './repository.service';
import { UpstreamManifestStore } from './upstream-manifest-store';

/** Owns repositories, artifacts, tags and their references. */
@Module({
  imports: [RegistryCoreModule, ImmutabilityModule, EventsModule],
  providers: [ManifestService, ManifestCache, RegistryListingService, PullTimeRecorder, RepositoryService, ArtifactCatalogService, ArtifactAdditionsService, UpstreamManifestStore],
  exports: [ManifestService, RegistryListingService, RepositoryService, ArtifactCatalogService, ArtifactAdditionsService, UpstreamManifestStore],
})
export class ArtifactsModule {}
