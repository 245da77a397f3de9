import { Module } from '@nestjs/common';
import { EventsModule } from '@wharf/events';
import { ImmutabilityModule } from '@wharf/immutability';
import { MetricsModule } from '@wharf/metrics';
import { RegistryCoreModule } from '@wharf/registry-core';
import { ArtifactAdditionsService } from './artifact-additions.service';
import { CopyArtifactCommand } from './commands/copy-artifact.command';
import { DeleteArtifactCommand } from './commands/delete-artifact.command';
import { StoreManifestCommand } from './commands/store-manifest.command';
import { TagCommands } from './commands/tag.commands';
import { TagWriter } from './commands/tag-writer';
import { ManifestCache } from './manifest-cache';
import { PullTimeRecorder } from './pull-time-recorder';
import { ArtifactQueries } from './queries/artifact-queries';
import { ManifestQueries } from './queries/manifest-queries';
import { RegistryListingService } from './registry-listing.service';
import { RepositoryService } from './repository.service';

const commands = [StoreManifestCommand, TagCommands, DeleteArtifactCommand, CopyArtifactCommand];
const queries = [ArtifactQueries, ManifestQueries, RegistryListingService];

/**
 * Owns repositories, artifacts, tags and their references. Changes go through the commands
 * (`commands/`: store a manifest, tags, deep delete, copy), which /v2, the management API, the
 * proxy cache and the jobs all call; reads through the queries (`queries/`).
 */
@Module({
  imports: [RegistryCoreModule, ImmutabilityModule, EventsModule, MetricsModule],
  providers: [...commands, ...queries, TagWriter, ManifestCache, PullTimeRecorder, RepositoryService, ArtifactAdditionsService],
  exports: [...commands, ...queries, RepositoryService, ArtifactAdditionsService],
})
export class ArtifactsModule {}
