// The test stack's S3 (moto) as storage, with its bucket created if this is the first test to use it.
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import { createStorage, s3Client, type S3Settings } from '../../activities/storage/index.js';
import type { Storage } from '../../activities/storage/types.js';

export async function testS3(): Promise<{ s3: S3Settings; storage: Storage }> {
  const s3 = inject('endpoints').s3;
  await s3Client(s3)
    .send(new CreateBucketCommand({ Bucket: s3.bucket }))
    .catch((err: Error) => {
      if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes(err.name)) throw err;
    });
  return { s3, storage: createStorage(s3) };
}
