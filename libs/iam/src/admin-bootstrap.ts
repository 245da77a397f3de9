import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { generateSecret } from './robot.service';
import { UserService } from './user.service';

/**
 * Creates the `admin` system administrator on first start: with ADMIN_PASSWORD, or with a
 * random password announced once (never a known default). Only the replica whose insert wins
 * announces it; later starts leave the account alone (change the password through the API).
 */
@Injectable()
export class AdminBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrap.name);

  constructor(
    private readonly users: UserService,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const given = this.config.ADMIN_PASSWORD;
    const password = given ?? generateSecret();
    const created = await this.users.ensureAdmin(password);
    if (!created) return;
    if (given) {
      this.logger.log('created the system administrator "admin" with the password from ADMIN_PASSWORD');
    } else {
      // the one time a secret is printed: the operator has no other way to learn it
      process.stderr.write(`\n  Wharf created the system administrator "admin" with the password:\n\n      ${password}\n\n  It is shown only this once. Change it with PUT /api/v2.0/users/1/password.\n\n`);
    }
  }
}
