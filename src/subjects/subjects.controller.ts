import { Body, Controller, Get, Headers, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ArrayMinSize, IsArray, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { ApiProperty } from '@nestjs/swagger';
import { Access, Ctx } from '../auth/access.decorators';
import { IDENTIFIER_REVEALER_ROLES, Role, Scope } from '../auth/principal';
import { IF_MATCH, parseIfMatch } from '../common/if-match';
import type { RequestContext } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import {
  IdentifierInputDto,
  RevealQueryDto,
  SubjectCreateDto,
  SubjectPageDto,
  SubjectResponseDto,
  SubjectRevealedIdentifierDto,
  SubjectSearchDto,
  SubjectUpdateDto,
} from './subjects.dto';
import { SubjectsService } from './subjects.service';
import { Idempotent } from '../idempotency/idempotent.decorator';

class SubjectIdentifiersAddDto {
  @ApiProperty({ type: [IdentifierInputDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => IdentifierInputDto)
  identifiers: IdentifierInputDto[];
}

const READERS = { roles: [Role.REVIEWER, Role.RECORDER, Role.APPROVER], scopes: [Scope.RECORDS_READ] };
const WRITERS = { roles: [Role.RECORDER], scopes: [Scope.RECORDS_WRITE] };

@ApiTags('subjects')
@Controller('subjects')
export class SubjectsController {
  constructor(private readonly subjects: SubjectsService) {}

  @Post()
  @Idempotent()
  @Access(WRITERS)
  @ApiOperation({
    summary: 'Record a subject (person or organisation); 409 with the existing id if an identifier is taken',
  })
  @ApiCreatedResponse({ type: SubjectResponseDto })
  async createSubject(
    @Ctx() ctx: RequestContext,
    @Body() body: SubjectCreateDto,
  ): Promise<SubjectResponseDto> {
    return SubjectResponseDto.from(await this.subjects.create(ctx, body));
  }

  @Post('search')
  @HttpCode(200)
  @Access(READERS)
  @ApiOperation({
    summary: 'Find subjects by exact identifier, name (current, former, alias; fuzzy) and organisation',
    description: 'A POST so that identifiers never appear in URLs or access logs. Every search is audited.',
  })
  @ApiOkResponse({ type: SubjectPageDto })
  async searchSubjects(@Ctx() ctx: RequestContext, @Body() body: SubjectSearchDto): Promise<SubjectPageDto> {
    const { items, total } = await this.subjects.search(ctx, body);
    return {
      items: items.map((row) => ({ ...SubjectResponseDto.from(row), score: Number(row.score) })),
      total,
      page: body.page,
      pageSize: body.pageSize,
    };
  }

  @Get(':id')
  @Access(READERS)
  @ApiOperation({ summary: 'One subject, identifiers masked; the read is audited' })
  @ApiOkResponse({ type: SubjectResponseDto })
  async getSubject(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
  ): Promise<SubjectResponseDto> {
    return SubjectResponseDto.from(await this.subjects.read(ctx, id));
  }

  @Patch(':id')
  @Access(WRITERS)
  @ApiHeader(IF_MATCH)
  @ApiOperation({ summary: "Change a subject's names or organisation" })
  @ApiOkResponse({ type: SubjectResponseDto })
  async updateSubject(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
    @Body() body: SubjectUpdateDto,
    @Headers('if-match') ifMatch?: string,
  ): Promise<SubjectResponseDto> {
    return SubjectResponseDto.from(await this.subjects.update(ctx, id, body, parseIfMatch(ifMatch)));
  }

  @Post(':id/identifiers')
  @Idempotent()
  @Access(WRITERS)
  @ApiHeader(IF_MATCH)
  @ApiOperation({ summary: 'Add identifiers to a subject' })
  @ApiCreatedResponse({ type: SubjectResponseDto })
  async addSubjectIdentifiers(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
    @Body() body: SubjectIdentifiersAddDto,
    @Headers('if-match') ifMatch?: string,
  ): Promise<SubjectResponseDto> {
    return SubjectResponseDto.from(
      await this.subjects.addIdentifiers(ctx, id, body.identifiers, parseIfMatch(ifMatch)),
    );
  }

  @Get(':id/identifiers/revealed')
  @Access({ roles: [...IDENTIFIER_REVEALER_ROLES] })
  @ApiOperation({
    summary: 'The full identifiers, for recorders and approvers; audited with the purpose given',
  })
  @ApiOkResponse({ type: [SubjectRevealedIdentifierDto] })
  revealSubjectIdentifiers(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
    @Query() query: RevealQueryDto,
  ): Promise<SubjectRevealedIdentifierDto[]> {
    return this.subjects.reveal(ctx, id, query.purpose);
  }
}
