import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { CredentialCipher } from './credential-cipher';
import { resolveCredentialKey } from './credential-key';

/**
 * The configured CredentialCipher, for the services. The key is resolved on first use, not at
 * boot, so a process that never touches a secret never generates a key file.
 */
@Injectable()
export class CredentialVault {
  private readonly logger = new Logger(CredentialVault.name);
  private cipher?: CredentialCipher;

  constructor(private readonly config: AppConfig) {}

  seal(plain: string): string {
    return this.resolved().seal(plain);
  }

  open(sealed: string): string {
    return this.resolved().open(sealed);
  }

  /** Whether a stored value is sealed (values stored before sealing existed are not). */
  static isSealed(stored: string): boolean {
    return stored.startsWith('v1:');
  }

  private resolved(): CredentialCipher {
    if (this.cipher) return this.cipher;
    const { key, generated, source } = resolveCredentialKey({
      key: this.config.REGISTRY_CREDENTIAL_KEY,
      keyFile: this.config.REGISTRY_CREDENTIAL_KEY_FILE,
      generatedFile: this.config.REGISTRY_CREDENTIAL_KEY_GENERATED_FILE,
    });
    this.cipher = new CredentialCipher(key);
    if (source === this.config.REGISTRY_CREDENTIAL_KEY_GENERATED_FILE) {
      // losing this file makes every stored secret unreadable: say so loudly
      this.logger.warn(
        `secrets (registry credentials, webhook auth headers) are sealed with a ${generated ? 'newly generated' : 'generated'} key in ${source} (key id ${this.cipher.keyId}); ` +
          'production should set REGISTRY_CREDENTIAL_KEY or REGISTRY_CREDENTIAL_KEY_FILE and back the key up',
      );
    }
    return this.cipher;
  }
}
