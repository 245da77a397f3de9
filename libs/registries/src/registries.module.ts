import { Module } from '@nestjs/common';
import { SecretsModule } from '@wharf/secrets';
import { RegistryReferences } from './registry-references';
import { RegistryService } from './registry.service';

/** Owns registry endpoints: their rows, their sealed credentials, what references them, their upstream clients. */
@Module({
  imports: [SecretsModule],
  providers: [RegistryReferences, RegistryService],
  exports: [RegistryService, RegistryReferences],
})
export class RegistriesModule {}
