// Every test runs with the ECS instance-metadata credential provider switched off:
// the default credential chain of @alicloud/credentials would otherwise probe
// 100.100.100.200, an address no test may send traffic to.
process.env.ALIBABA_CLOUD_ECS_METADATA_DISABLED = 'true';
