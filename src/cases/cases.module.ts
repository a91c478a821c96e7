import { Module } from '@nestjs/common';
import { ListingsModule } from '../listings/listings.module';
import { RulesModule } from '../rules/rules.module';
import { SubjectsModule } from '../subjects/subjects.module';
import { CasesController } from './cases.controller';
import { CasesRepository } from './cases.repository';
import { CasesService } from './cases.service';

@Module({
  controllers: [CasesController],
  exports: [CasesService],
  imports: [ListingsModule, RulesModule, SubjectsModule],
  providers: [CasesRepository, CasesService],
})
export class CasesModule {}
