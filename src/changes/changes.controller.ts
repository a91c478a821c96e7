import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, Ctx } from '../auth/access.decorators';
import { Role, Scope } from '../auth/principal';
import type { RequestContext } from '../common/request-context';
import { ChangeDto, ChangePageDto, ChangeQueryDto } from './changes.dto';
import { ChangesService } from './changes.service';

@ApiTags('changes')
@Controller('changes')
export class ChangesController {
  constructor(private readonly changes: ChangesService) {}

  @Get()
  // The feed shows full identifiers: administrators, who may reveal them anyway, and systems given the scope.
  @Access({ roles: [Role.ADMIN], scopes: [Scope.CHANGES_READ] })
  @ApiOperation({
    summary:
      'Every change to what a check depends on, in commit order, after a cursor; long poll with `wait`',
    description:
      'List entries, cases, measures and subjects, each with its state as committed and the rule-data version. ' +
      'Store `next` and ask again: no change is missed or repeated. 409 CHANGE_CURSOR_UNKNOWN for a cursor ' +
      'beyond the feed.',
  })
  @ApiOkResponse({ type: ChangePageDto })
  async getChanges(@Ctx() ctx: RequestContext, @Query() q: ChangeQueryDto): Promise<ChangePageDto> {
    const page = await this.changes.read(ctx, q.after, q.limit, q.wait);
    return { items: page.items.map(ChangeDto.from), next: page.next };
  }
}
