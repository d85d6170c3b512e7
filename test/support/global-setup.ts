import { startS3Server } from '../../src/local-stack/s3-server';
import { startTemporalDevServer } from '../../src/local-stack/temporal-dev-server';

/**
 * One Temporal dev server and one S3 server per test run (temporal.md §1.1: createFromExistingServer).
 * Their addresses reach the test workers through the environment. BRFLOW_NO_SERVERS=1 skips them (unit runs).
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.BRFLOW_NO_SERVERS === '1') return;
  const [temporal, s3] = await Promise.all([startTemporalDevServer(), startS3Server()]);
  (globalThis as Record<string, unknown>).__brflowServers = [temporal, s3];
  process.env.BRFLOW_TEST_TEMPORAL_ADDRESS = temporal.address;
  process.env.BRFLOW_TEST_S3_ENDPOINT = s3.endpoint;
  process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
  process.env.AWS_REGION = s3.region;
}
