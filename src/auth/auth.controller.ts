import { Body, Controller, Get, HttpCode, Post, Req, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiBody, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { RequestContext } from '../common/request-context';
import { UserPasswordChangeDto } from '../users/users.dto';
import { UsersService } from '../users/users.service';
import { Access, Ctx, Public } from './access.decorators';
import { LocalAuthGuard } from './access.guard';
import { LoginDto, PrincipalDto, RefreshTokenDto, TokenPairDto } from './auth.dto';
import { AuthService, TokenPair } from './auth.service';
import { ALL_ROLES, ALL_SCOPES } from './principal';
import { UserEntity } from '../users/user.entity';

/** Marks the route the stricter login rate limit applies to. */
export const LOGIN_RATE_LIMIT = 'rate:login';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
  ) {}

  @Post('login')
  @Public()
  @SetMetadata(LOGIN_RATE_LIMIT, true)
  @UseGuards(LocalAuthGuard)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Log in: a short-lived access token and a refresh token',
    description: '5 failed logins within 15 minutes lock the username for 15 minutes (AUTH_LOCKED).',
  })
  @ApiBody({ type: LoginDto })
  @ApiOkResponse({ type: TokenPairDto })
  login(
    @Ctx() ctx: RequestContext,
    @Req() request: FastifyRequest & { user: UserEntity },
  ): Promise<TokenPair> {
    return this.auth.login(ctx, request.user);
  }

  @Post('refresh')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange a refresh token for a new pair (the old token is revoked)' })
  @ApiOkResponse({ type: TokenPairDto })
  refresh(@Ctx() ctx: RequestContext, @Body() body: RefreshTokenDto): Promise<TokenPair> {
    return this.auth.refresh(ctx, body.refreshToken);
  }

  @Post('logout')
  @Public()
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke the refresh token (and every token rotated from the same login)' })
  @ApiNoContentResponse()
  logout(@Ctx() ctx: RequestContext, @Body() body: RefreshTokenDto): Promise<void> {
    return this.auth.logout(ctx, body.refreshToken);
  }

  @Get('me')
  @Access({ roles: ALL_ROLES, scopes: ALL_SCOPES })
  @ApiOperation({ summary: 'Who the credentials belong to' })
  @ApiOkResponse({ type: PrincipalDto })
  getMe(@Ctx() ctx: RequestContext): PrincipalDto {
    const p = ctx.principal!;
    return p.kind === 'USER'
      ? { kind: p.kind, id: p.id, name: p.username, permissions: p.roles }
      : { kind: p.kind, id: p.id, name: p.name, permissions: p.scopes };
  }

  @Post('password')
  @Access({ roles: ALL_ROLES })
  @HttpCode(204)
  @ApiOperation({ summary: 'Change your own password; your other sessions end' })
  @ApiNoContentResponse()
  async changePassword(@Ctx() ctx: RequestContext, @Body() body: UserPasswordChangeDto): Promise<void> {
    const principal = ctx.principal!;
    await this.users.changeOwnPassword(ctx, principal.id, body.currentPassword, body.newPassword);
  }
}
