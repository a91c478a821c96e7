import { Controller, Get, HttpCode, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Readable } from 'node:stream';
import { Access } from '../auth/access.decorators';
import { Role } from '../auth/principal';
import { csvLine } from '../common/csv';
import {
  AuditEntryDto,
  AuditExportQueryDto,
  AuditHeadDto,
  AuditPageDto,
  AuditPageQueryDto,
  AuditVerifyDto,
} from './audit.dto';
import { AuditService } from './audit.service';

const CSV_COLUMNS = [
  'seq',
  'at',
  'actorType',
  'actorId',
  'actorName',
  'actorRoles',
  'action',
  'targetType',
  'targetId',
  'requestId',
  'purpose',
  'changes',
  'position',
  'hash',
] as const;

@ApiTags('audit')
@Controller('audit')
@Access({ roles: [Role.AUDITOR] })
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'Audit entries, newest first, filtered; keyset-paginated by `before`' })
  @ApiOkResponse({ type: AuditPageDto })
  async getAuditEntries(@Query() query: AuditPageQueryDto): Promise<AuditPageDto> {
    const rows = await this.audit.find({ ...query, beforeSeq: query.before }, query.limit + 1);
    const items = rows.slice(0, query.limit).map(AuditEntryDto.from);
    return { items, next: rows.length > query.limit ? items[items.length - 1].seq : null };
  }

  @Get('export')
  @ApiOperation({ summary: 'Every matching entry, oldest first, streamed as NDJSON or CSV' })
  @ApiProduces('application/x-ndjson', 'text/csv')
  exportAuditEntries(@Query() query: AuditExportQueryDto): StreamableFile {
    const audit = this.audit;
    async function* lines(): AsyncGenerator<string> {
      if (query.format === 'csv') yield csvLine(CSV_COLUMNS);
      let afterSeq: string | undefined;
      for (;;) {
        const rows = await audit.find({ ...query, afterSeq }, 1000, 'ASC');
        for (const row of rows) {
          const dto = AuditEntryDto.from(row);
          if (query.format === 'csv') {
            yield csvLine([
              dto.seq,
              dto.at,
              dto.actorType,
              dto.actorId,
              dto.actorName,
              dto.actorRoles.join(' '),
              dto.action,
              dto.targetType,
              dto.targetId,
              dto.requestId,
              dto.purpose,
              dto.changes === null ? null : JSON.stringify(dto.changes),
              dto.seal?.position,
              dto.seal?.hash,
            ]);
          } else {
            yield JSON.stringify(dto) + '\n';
          }
        }
        if (rows.length < 1000) return;
        afterSeq = rows[rows.length - 1].seq;
      }
    }
    const csv = query.format === 'csv';
    return new StreamableFile(Readable.from(lines()), {
      type: csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      disposition: `attachment; filename="audit.${csv ? 'csv' : 'ndjson'}"`,
    });
  }

  @Post('verify')
  @HttpCode(200)
  @ApiOperation({ summary: 'Seal pending entries, recompute the whole chain, report the first broken link' })
  @ApiOkResponse({ type: AuditVerifyDto })
  async verifyAuditChain(): Promise<AuditVerifyDto> {
    const result = await this.audit.verify();
    return { ...result, message: describeVerification(result) };
  }

  @Get('head')
  @ApiOperation({ summary: 'The last sealed link: record its hash elsewhere to anchor the chain' })
  @ApiOkResponse({ type: AuditHeadDto })
  async getAuditHead(): Promise<AuditHeadDto> {
    const head = await this.audit.head();
    return {
      position: head?.position ?? null,
      seq: head?.seq ?? null,
      hash: head?.hash.toString('hex') ?? null,
      sealedAt: head?.sealedAt.toISOString() ?? null,
    };
  }
}

export function describeVerification(result: Omit<AuditVerifyDto, 'message'>): string {
  if (result.ok) {
    return (
      `all ${result.verified} sealed entries hold` +
      (result.pending ? `; ${result.pending} not sealed yet` : '')
    );
  }
  const b = result.firstBroken!;
  return b.reason === 'POSITION_GAP'
    ? `the chain is broken: the link at position ${b.position} is missing (${result.verified} entries before it hold)`
    : `the chain is broken at entry seq ${b.seq} (position ${b.position}): ${b.reason}; ${result.verified} entries before it hold`;
}
