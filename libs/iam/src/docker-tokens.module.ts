import { Module } from '@nestjs/common';
import { DockerTokenService } from './docker-token.service';
import { TokenSigningKeys } from './token-signing-keys';

/**
 * Docker token signing and issuing alone, for a module that hands tokens to a third party (P2P
 * preheat providers) without the rest of identity (IamModule's admin bootstrap has no place in
 * the worker). One instance per application: IamModule imports and re-exports it, so a key
 * rotation is seen by every issuer.
 */
@Module({
  providers: [TokenSigningKeys, DockerTokenService],
  exports: [TokenSigningKeys, DockerTokenService],
})
export class DockerTokensModule {}
