/**
 * Where the embedded S3 keeps local mode's bucket, apart from embedded-s3.ts so that commands
 * that read its folder directly (`batches ls|cat`, `query`) do not load the AWS SDK to know it.
 */

/** The landing bucket of local mode. */
export const LOCAL_BUCKET = 'sluice-local';

/**
 * How s3rver names the files of an object in its data folder: `<bucket>/<key>` plus these
 * suffixes, the metadata written after the body (s3rver-delimiter-listing.mjs, a plain-JS
 * worker file, keeps its own copy of the object suffix).
 */
export const S3RVER_FILE_SUFFIXES = { object: '._S3rver_object', metadata: '._S3rver_metadata.json' } as const;
