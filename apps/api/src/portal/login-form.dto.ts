import { IsString, MaxLength, MinLength } from 'class-validator';

/** Harbor's portal login form (`application/x-www-form-urlencoded`). */
export class LoginForm {
  /** the user name (robots cannot log in to the portal) */
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  principal!: string;

  @IsString()
  @MaxLength(1024)
  password!: string;
}
