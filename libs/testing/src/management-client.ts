import { TEST_SERVERS } from './servers';

/** A thin REST client of the management API for whole-system tests, the demo and the benchmark. */
export class ManagementClient {
  constructor(
    readonly baseUrl: string,
    private readonly bearer: string,
  ) {}

  async request<T>(method: string, path: string, body?: unknown, expected: number[] = [200, 201, 202, 204], headers: Record<string, string> = {}): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { ...headers, authorization: `Bearer ${this.bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!expected.includes(res.status)) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Creates a customer with the operator token and returns a client acting with its new API key. */
  static async forNewCustomer(baseUrl: string, operatorToken: string, customerId: string): Promise<ManagementClient> {
    const operator = new ManagementClient(baseUrl, operatorToken);
    await operator.request('POST', '/v1/customers', { id: customerId, name: `Customer ${customerId}` });
    const key = await operator.request<{ key: string }>('POST', `/v1/customers/${customerId}/api-keys`, { name: 'e2e' });
    return new ManagementClient(baseUrl, key.key);
  }
}

export const MONGO_URI = TEST_SERVERS.mongoUri;
