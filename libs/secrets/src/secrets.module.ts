import { Module } from '@nestjs/common';
import { CredentialVault } from './credential-vault';

/** Secrets Wharf must keep but never show (registry endpoint credentials, webhook auth headers), sealed at rest. */
@Module({ providers: [CredentialVault], exports: [CredentialVault] })
export class SecretsModule {}
