import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { OperatorApi } from '../auth/auth.decorators';
import { ApiErrorDto } from '../common/api-error.dto';
import { ListQueryDto, type Page } from '../common/pagination';
import { CustomersService } from './customers.service';
import { ApiKeyDto, ApiKeyPageDto, CreateApiKeyDto, IssuedApiKeyDto } from './dto/api-key.dto';
import { CreateCustomerDto, CustomerDto, CustomerPageDto } from './dto/customer.dto';

@ApiTags('customers (operator)')
@OperatorApi()
@ApiBadRequestResponse({ type: ApiErrorDto, description: '`validation_failed`: the fields say what is wrong.' })
@Controller('v1/customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Post()
  @ApiOperation({ summary: 'Create a customer (tenant)' })
  @ApiCreatedResponse({ type: CustomerDto })
  @ApiConflictResponse({ type: ApiErrorDto, description: '`conflict`: the id is taken.' })
  create(@Body() dto: CreateCustomerDto): Promise<CustomerDto> {
    return this.customers.create(dto);
  }

  @Get()
  @ApiOperation({ summary: 'List customers' })
  @ApiOkResponse({ type: CustomerPageDto })
  list(@Query() query: ListQueryDto): Promise<Page<CustomerDto>> {
    return this.customers.list(query);
  }

  @Get(':customerId')
  @ApiOperation({ summary: 'Get a customer' })
  @ApiOkResponse({ type: CustomerDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  get(@Param('customerId') customerId: string): Promise<CustomerDto> {
    return this.customers.get(customerId);
  }

  @Post(':customerId/api-keys')
  @ApiOperation({ summary: 'Issue an API key', description: 'The key is in this answer only; MongoDB keeps its sha256.' })
  @ApiCreatedResponse({ type: IssuedApiKeyDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  issueKey(@Param('customerId') customerId: string, @Body() dto: CreateApiKeyDto): Promise<IssuedApiKeyDto> {
    return this.customers.issueKey(customerId, dto);
  }

  @Get(':customerId/api-keys')
  @ApiOperation({ summary: 'List a customer\u2019s API keys (without the keys)' })
  @ApiOkResponse({ type: ApiKeyPageDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  listKeys(@Param('customerId') customerId: string, @Query() query: ListQueryDto): Promise<Page<ApiKeyDto>> {
    return this.customers.listKeys(customerId, query);
  }

  @Delete(':customerId/api-keys/:keyId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key' })
  @ApiNoContentResponse({ description: 'Revoked (also when it already was).' })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  revokeKey(@Param('customerId') customerId: string, @Param('keyId') keyId: string): Promise<void> {
    return this.customers.revokeKey(customerId, keyId);
  }
}
