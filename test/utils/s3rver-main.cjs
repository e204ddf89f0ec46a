// Runs s3rver (a real S3-protocol server, npm) as a child of the tests:
//   node --openssl-legacy-provider s3rver-main.cjs <directory> <bucket>
// It prints "s3rver listening on <port>" once ready and exits when its parent closes stdin.
// The legacy OpenSSL provider: s3rver encrypts ListObjectsV2 continuation tokens with DES,
// which Node's OpenSSL 3 refuses otherwise (every truncated listing would answer 500).
'use strict';
const S3rver = require('s3rver');

const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, vhostBuckets: false, configureBuckets: [{ name: bucket }] });
server.run().then(
  ({ port }) => process.stdout.write(`s3rver listening on ${port}\n`),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
