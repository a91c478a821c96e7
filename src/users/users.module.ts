import { Module } from '@nestjs/common';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  controllers: [UsersController],
  exports: [RefreshTokensRepository, UsersRepository, UsersService],
  providers: [RefreshTokensRepository, UsersRepository, UsersService],
})
export class UsersModule {}
