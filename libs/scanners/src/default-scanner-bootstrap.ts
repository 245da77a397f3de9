import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { ScannerRegistrations } from './scanner-registrations';

export const DEFAULT_SCANNER_NAME = 'Wharf scanner';

/**
 * On api start: with SCANNER_URL set and no scanner registered yet, registers Wharf's own
 * scanner as the default one (with SCANNER_API_KEY as its Bearer credential when set). Once any
 * registration exists the variable changes nothing: registrations are managed, not configured.
 */
@Injectable()
export class DefaultScannerBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger(DefaultScannerBootstrap.name);

  constructor(
    private readonly config: AppConfig,
    private readonly registrations: ScannerRegistrations,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const url = this.config.SCANNER_URL?.replace(/\/+$/, '');
    if (!url) return;
    const key = this.config.SCANNER_API_KEY;
    const registered = await this.registrations.registerFirst({
      name: DEFAULT_SCANNER_NAME,
      description: "Wharf's own vulnerability and SBOM scanner",
      url,
      auth: key ? 'Bearer' : '',
      accessCredential: key,
      isDefault: true,
    });
    if (registered) this.logger.log(`registered ${url} as the default scanner "${DEFAULT_SCANNER_NAME}" (${registered.uuid})`);
  }
}
