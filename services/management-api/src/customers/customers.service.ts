import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { randomUUID } from 'node:crypto';
import type { Model } from 'mongoose';
import { ConflictError, NotFoundError } from '@callhooks/contracts';
import { ApiKeyAuthenticator } from '../auth/api-key.authenticator';
import { PLATFORM_ID_PATTERN } from '../common/ids';
import { isDuplicateKey } from '../database/duplicate-key';
import { findPage, type ListQueryDto, type Page } from '../common/pagination';
import { generateApiKey } from './api-key.codec';
import { ApiKey } from './api-key.schema';
import { Customer } from './customer.schema';
import type { ApiKeyDto, CreateApiKeyDto, IssuedApiKeyDto } from './dto/api-key.dto';
import type { CreateCustomerDto, CustomerDto } from './dto/customer.dto';

/** Customers (tenants) and their API keys; used by the operator only. */
@Injectable()
export class CustomersService {
  constructor(
    @InjectModel(Customer.name) private readonly customers: Model<Customer>,
    @InjectModel(ApiKey.name) private readonly keys: Model<ApiKey>,
    private readonly authenticator: ApiKeyAuthenticator,
  ) {}

  async create(dto: CreateCustomerDto): Promise<CustomerDto> {
    const id = dto.id ?? randomUUID();
    try {
      const created = await this.customers.create({ _id: id, name: dto.name });
      return presentCustomer(created.toObject());
    } catch (err) {
      if (isDuplicateKey(err)) throw new ConflictError(`customer ${id} already exists`, { id });
      throw err;
    }
  }

  async list(query: ListQueryDto): Promise<Page<CustomerDto>> {
    const { items, meta } = await findPage(this.customers, {}, query);
    return { data: items.map(presentCustomer), page: meta };
  }

  async get(id: string): Promise<CustomerDto> {
    return presentCustomer(await this.existing(id));
  }

  /** Issues a key; the answer is the only place the key ever appears. */
  async issueKey(customerId: string, dto: CreateApiKeyDto): Promise<IssuedApiKeyDto> {
    await this.existing(customerId);
    const fresh = generateApiKey();
    const created = await this.keys.create({ _id: randomUUID(), customer_id: customerId, name: dto.name ?? 'default', prefix: fresh.prefix, hash: fresh.hash });
    return { ...presentKey(created.toObject()), key: fresh.key };
  }

  async listKeys(customerId: string, query: ListQueryDto): Promise<Page<ApiKeyDto>> {
    await this.existing(customerId);
    const { items, meta } = await findPage(this.keys, { customer_id: customerId }, query);
    return { data: items.map(presentKey), page: meta };
  }

  /** Revokes a key (idempotent); it is refused from now on. */
  async revokeKey(customerId: string, keyId: string): Promise<void> {
    const key = await this.keys.findOne({ _id: keyId, customer_id: customerId }).lean().exec();
    if (!key) throw new NotFoundError(`API key ${keyId} not found for customer ${customerId}`, { id: keyId });
    if (!key.revoked_at) await this.keys.updateOne({ _id: keyId }, { $set: { revoked_at: new Date() } }).exec();
    this.authenticator.forget(keyId);
  }

  private async existing(id: string): Promise<Customer> {
    const found = PLATFORM_ID_PATTERN.test(id) ? await this.customers.findById(id).lean().exec() : null;
    if (!found) throw new NotFoundError(`customer ${id} not found`, { id });
    return found;
  }
}

function presentCustomer(c: Customer): CustomerDto {
  return { id: c._id, name: c.name, created_at: c.created_at.toISOString(), updated_at: c.updated_at.toISOString() };
}

function presentKey(k: ApiKey): ApiKeyDto {
  return {
    id: k._id,
    customer_id: k.customer_id,
    name: k.name,
    prefix: k.prefix,
    created_at: k.created_at.toISOString(),
    revoked_at: k.revoked_at?.toISOString() ?? null,
  };
}
