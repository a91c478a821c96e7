import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy as CustomStrategy } from 'passport-custom';
import { ExtractJwt, Strategy as JwtStrategyBase } from 'passport-jwt';
import { Strategy as LocalStrategyBase } from 'passport-local';
import { looksLikeApiKey } from '../api-clients/api-keys';
import { ApiClientsService } from '../api-clients/api-clients.service';
import { requestContextOf } from '../common/request-context';
import { SECRETS } from '../config/config.module';
import { Secrets } from '../config/secrets';
import { AccessTokenPayload, AuthService, JWT_AUDIENCE } from './auth.service';
import { loginCredentials } from './login-credentials';
import { ApiClientPrincipal, UserPrincipal } from './principal';
import { UserEntity } from '../users/user.entity';

/** Username and password of POST /auth/login. */
@Injectable()
export class LocalStrategy extends PassportStrategy(LocalStrategyBase, 'local') {
  constructor(private readonly auth: AuthService) {
    super({ passReqToCallback: true });
  }

  validate(request: FastifyRequest): Promise<UserEntity> {
    const { username, password } = loginCredentials(request.body);
    return this.auth.authenticate(requestContextOf(request), username, password);
  }
}

/** `Authorization: Bearer <access token>` of a user. */
@Injectable()
export class JwtStrategy extends PassportStrategy(JwtStrategyBase, 'jwt') {
  constructor(
    private readonly auth: AuthService,
    @Inject(SECRETS) secrets: Secrets,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: secrets.jwtSecret,
      algorithms: ['HS256'],
      audience: JWT_AUDIENCE,
      issuer: JWT_AUDIENCE,
    });
  }

  validate(payload: AccessTokenPayload): Promise<UserPrincipal | null> {
    return this.auth.principalFor(payload);
  }
}

/** An API client's key, as `X-Api-Key: <key>` or `Authorization: Bearer <key>`. */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(CustomStrategy, 'api-key') {
  constructor(private readonly clients: ApiClientsService) {
    super();
  }

  async validate(request: FastifyRequest): Promise<ApiClientPrincipal | null> {
    const header = request.headers['x-api-key'];
    const bearer = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const key = typeof header === 'string' ? header : bearer;
    if (!key || !looksLikeApiKey(key)) return null;
    return this.clients.authenticate(key);
  }
}
