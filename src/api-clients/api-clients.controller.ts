import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, Ctx } from '../auth/access.decorators';
import { Role } from '../auth/principal';
import type { RequestContext } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import {
  ApiClientCreateDto,
  ApiClientCreatedDto,
  ApiClientQueryDto,
  ApiClientResponseDto,
} from './api-clients.dto';
import { ApiClientsService } from './api-clients.service';

@ApiTags('api-clients')
@Controller('api-clients')
@Access({ roles: [Role.ADMIN] })
export class ApiClientsController {
  constructor(private readonly clients: ApiClientsService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API client; the answer holds its key, shown this once only' })
  @ApiCreatedResponse({ type: ApiClientCreatedDto })
  async createApiClient(
    @Ctx() ctx: RequestContext,
    @Body() body: ApiClientCreateDto,
  ): Promise<ApiClientCreatedDto> {
    const { client, key } = await this.clients.create(ctx, body.name, body.scopes);
    return { ...ApiClientResponseDto.from(client), key };
  }

  @Get()
  @ApiOperation({ summary: 'API clients (without keys)' })
  @ApiOkResponse({ type: [ApiClientResponseDto] })
  async getApiClients(@Query() query: ApiClientQueryDto): Promise<ApiClientResponseDto[]> {
    return (await this.clients.list(query.includeRevoked)).map(ApiClientResponseDto.from);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke an API client: its key stops working at once' })
  @ApiOkResponse({ type: ApiClientResponseDto })
  async revokeApiClient(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
  ): Promise<ApiClientResponseDto> {
    return ApiClientResponseDto.from(await this.clients.revoke(ctx, id));
  }
}
