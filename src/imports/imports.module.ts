import { Module } from '@nestjs/common';
import { CasesModule } from '../cases/cases.module';
import { RulesModule } from '../rules/rules.module';
import { SubjectsModule } from '../subjects/subjects.module';
import { ImportsController } from './imports.controller';
import { ImportsService } from './imports.service';

@Module({
  controllers: [ImportsController],
  imports: [CasesModule, RulesModule, SubjectsModule],
  providers: [ImportsService],
})
export class ImportsModule {}
