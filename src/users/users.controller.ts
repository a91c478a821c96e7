import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, Ctx } from '../auth/access.decorators';
import { Role } from '../auth/principal';
import { IF_MATCH, parseIfMatch } from '../common/if-match';
import type { RequestContext } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import { UserCreateDto, UserPageDto, UserQueryDto, UserResponseDto, UserRolesDto } from './users.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller('users')
@Access({ roles: [Role.ADMIN] })
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @ApiOperation({ summary: 'Create a user' })
  @ApiCreatedResponse({ type: UserResponseDto })
  async createUser(@Ctx() ctx: RequestContext, @Body() body: UserCreateDto): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.users.create(ctx, body));
  }

  @Get()
  @ApiOperation({ summary: 'Users, by username' })
  @ApiOkResponse({ type: UserPageDto })
  async getUsers(@Query() query: UserQueryDto): Promise<UserPageDto> {
    const { items, total } = await this.users.list({
      role: query.role,
      disabled: query.disabled,
      text: query.text,
      offset: query.offset,
      limit: query.pageSize,
    });
    return { items: items.map(UserResponseDto.from), total, page: query.page, pageSize: query.pageSize };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One user' })
  @ApiOkResponse({ type: UserResponseDto })
  async getUser(@Param('id', UuidParam) id: string): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.users.get(id));
  }

  @Put(':id/roles')
  @ApiOperation({ summary: "Set a user's roles" })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: UserResponseDto })
  async setUserRoles(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
    @Body() body: UserRolesDto,
    @Headers('if-match') ifMatch?: string,
  ): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.users.setRoles(ctx, id, body.roles, parseIfMatch(ifMatch)));
  }

  @Post(':id/disable')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Disable a user: logins and tokens stop working at once' })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: UserResponseDto })
  async disableUser(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
    @Headers('if-match') ifMatch?: string,
  ): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.users.disable(ctx, id, parseIfMatch(ifMatch)));
  }

  @Post(':id/enable')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Enable a disabled user' })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: UserResponseDto })
  async enableUser(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
    @Headers('if-match') ifMatch?: string,
  ): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.users.enable(ctx, id, parseIfMatch(ifMatch)));
  }
}
