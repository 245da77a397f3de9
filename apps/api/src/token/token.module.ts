import { Module } from '@nestjs/common';
import { ProjectsModule } from '@wharf/projects';
import { TokenController } from './token.controller';
import { TokenScopes } from './token-scopes';

/** /service/token: docker token authentication. */
@Module({
  imports: [ProjectsModule],
  controllers: [TokenController],
  providers: [TokenScopes],
  exports: [TokenScopes],
})
export class TokenModule {}
