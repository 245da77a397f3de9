import { Module } from '@nestjs/common';
import { CredentialVault } from './credential-vault';
import { RegistryReferences } from './registry-references';
import { RegistryService } from './registry.service';

/** Owns registry endpoints: their rows, their sealed credentials, what references them, their upstream clients. */
@Module({
  providers: [CredentialVault, RegistryReferences, RegistryService],
  exports: [RegistryService, RegistryReferences],
})
export class RegistriesModule {}
