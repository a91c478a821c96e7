import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { ApiClientsModule } from '../api-clients/api-clients.module';
import { SECRETS } from '../config/config.module';
import { Env } from '../config/env';
import { Secrets } from '../config/secrets';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService, JWT_AUDIENCE } from './auth.service';
import { ApiKeyStrategy, JwtStrategy, LocalStrategy } from './strategies';

@Module({
  controllers: [AuthController],
  imports: [
    ApiClientsModule,
    JwtModule.registerAsync({
      inject: [SECRETS, Env],
      useFactory: (secrets: Secrets, env: Env) => ({
        secret: secrets.jwtSecret,
        signOptions: {
          algorithm: 'HS256',
          audience: JWT_AUDIENCE,
          expiresIn: env.JWT_ACCESS_TTL_SECONDS,
          issuer: JWT_AUDIENCE,
        },
      }),
    }),
    PassportModule,
    UsersModule,
  ],
  providers: [ApiKeyStrategy, AuthService, JwtStrategy, LocalStrategy],
})
export class AuthModule {}
