import { Module } from '@nestjs/common';
import { AdminBootstrap } from './admin-bootstrap';
import { Authenticator } from './authenticator';
import { DockerTokenService } from './docker-token.service';
import { LoginThrottle } from './login-throttle';
import { MemberService } from './member.service';
import { PasswordHasher } from './password-hasher';
import { ProjectAccess } from './project-access';
import { RevocationEpochs } from './revocation-epochs';
import { RobotService } from './robot.service';
import { TokenSigningKeys } from './token-signing-keys';
import { UserService } from './user.service';

/**
 * Owns identities (users, robots), project membership, the permission model and docker tokens.
 * Creates the first-start `admin` account when imported by the api.
 */
@Module({
  providers: [AdminBootstrap, PasswordHasher, LoginThrottle, RevocationEpochs, UserService, RobotService, MemberService, ProjectAccess, Authenticator, TokenSigningKeys, DockerTokenService],
  exports: [UserService, RobotService, MemberService, ProjectAccess, Authenticator, TokenSigningKeys, DockerTokenService, RevocationEpochs],
})
export class IamModule {}

