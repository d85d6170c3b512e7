/** Addresses of the servers global-setup started; a test that needs one fails clearly when it is absent. */
export function testTemporalAddress(): string {
  const a = process.env.BRFLOW_TEST_TEMPORAL_ADDRESS;
  if (!a) throw new Error('no Temporal dev server: run the suite through jest with global-setup (not BRFLOW_NO_SERVERS=1)');
  return a;
}

export function testS3Endpoint(): string {
  const e = process.env.BRFLOW_TEST_S3_ENDPOINT;
  if (!e) throw new Error('no S3 server: run the suite through jest with global-setup (not BRFLOW_NO_SERVERS=1)');
  return e;
}
