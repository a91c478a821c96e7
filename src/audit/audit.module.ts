import { Global, Module } from '@nestjs/common';
import { AuditSealer } from './audit-sealer.service';
import { AuditController } from './audit.controller';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';

/** The audit trail: every module records through AuditService inside its own transaction. */
@Global()
@Module({
  controllers: [AuditController],
  exports: [AuditService],
  providers: [AuditRepository, AuditSealer, AuditService],
})
export class AuditModule {}
