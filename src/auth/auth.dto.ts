import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class LoginDto {
  @ApiProperty({ example: 'admin' }) username: string;
  @ApiProperty() password: string;
}

export class RefreshTokenDto {
  @ApiProperty()
  @IsString()
  @MinLength(20)
  @MaxLength(200)
  refreshToken: string;
}

export class TokenPairDto {
  @ApiProperty({ description: 'JWT; send as `Authorization: Bearer <token>`' }) accessToken: string;
  @ApiProperty({ enum: ['Bearer'] }) tokenType: 'Bearer';
  @ApiProperty({ description: 'Seconds until the access token expires' }) expiresIn: number;
  @ApiProperty({ description: 'Exchange at /auth/refresh for a new pair; single use' }) refreshToken: string;
  @ApiProperty() refreshExpiresAt: string;
}

export class PrincipalDto {
  @ApiProperty({ enum: ['USER', 'API_CLIENT'] }) kind: string;
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: [String], description: 'Roles of a user, scopes of an API client' })
  permissions: string[];
}
