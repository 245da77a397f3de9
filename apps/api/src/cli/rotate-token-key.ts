import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule, loadConfig } from '@wharf/config';
import { DbModule } from '@wharf/db';
import { IamModule, TokenSigningKeys } from '@wharf/iam';
import { RedisModule } from '@wharf/redis';

/**
 * `npm run token-key:rotate`: adds a new docker token signing key. Every api replica signs with
 * it within a minute; tokens signed with the older keys stay valid until they expire (they keep
 * verifying as long as their key is kept). Not used with TOKEN_SIGNING_KEY_FILE (replace the
 * file and restart instead).
 */
@Module({})
class RotateModule {}

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.TOKEN_SIGNING_KEY_FILE) {
    console.error('TOKEN_SIGNING_KEY_FILE is set: rotate by replacing that file and restarting the api');
    process.exit(2);
  }
  const app = await NestFactory.createApplicationContext(
    { module: RotateModule, imports: [ConfigModule.forRoot(config), DbModule, RedisModule, IamModule] },
    { logger: ['error', 'warn'] },
  );
  try {
    const kid = await app.get(TokenSigningKeys).rotate();
    console.log(`new token signing key ${kid} is now the one that signs; older keys keep verifying`);
  } finally {
    await app.close();
  }
}

void main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
