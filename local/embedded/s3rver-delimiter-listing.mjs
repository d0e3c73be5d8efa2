// A fix for s3rver 3.7's ListObjects with a delimiter, which `aws s3 ls` sends without
// --recursive: s3rver skips every folder more than one delimiter below the prefix, so
// prefixes whose objects all sit deeper (streams/<stream>/year=…/) were never listed.
// This walk descends into such a folder until it finds the first object under a common
// prefix, then skips the rest of that prefix. Plain JavaScript: it runs in the embedded
// S3's worker thread (see embedded-s3-worker.mjs).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const S3Object = require('s3rver/lib/models/object');
const { walk } = require('s3rver/lib/utils');

const OBJECT_SUFFIX = '._S3rver_object';

/** Replaces `store.listObjects` for listings with a delimiter; others go to s3rver's own. */
export function fixDelimiterListing(store) {
  const listObjects = store.listObjects.bind(store);
  const decode = (keyPath) => store.constructor.decodeKeyPath(keyPath);
  store.listObjects = async (bucket, options) => {
    const { delimiter, prefix = '', startAfter = '', maxKeys = Number.POSITIVE_INFINITY } = options;
    if (!delimiter) return listObjects(bucket, options);
    const root = store.getBucketPath(bucket);
    const keyOf = (path) => decode(path.slice(root.length + 1));
    const commonPrefixes = new Set();
    const commonPrefixOf = (key) => {
      const at = key.indexOf(delimiter, prefix.length);
      return at === -1 ? undefined : key.slice(0, at + delimiter.length);
    };
    const descend = (folder) => {
      const key = `${keyOf(folder)}/`;
      if (!key.startsWith(prefix)) return prefix.startsWith(key);
      const common = commonPrefixOf(key);
      return common === undefined || !commonPrefixes.has(common);
    };
    const keys = [];
    let isTruncated = false;
    for (const path of walk(root, descend)) {
      if (!path.endsWith(OBJECT_SUFFIX)) continue;
      const key = keyOf(path.slice(0, -OBJECT_SUFFIX.length));
      if (key <= startAfter || !key.startsWith(prefix)) continue;
      const common = commonPrefixOf(key);
      if (common !== undefined) {
        commonPrefixes.add(common);
        continue;
      }
      if (keys.length >= maxKeys) {
        isTruncated = true;
        break;
      }
      keys.push(key);
    }
    const objects = [];
    for (const key of keys) {
      const metadata = await store.getMetadata(bucket, key).catch((error) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (metadata) objects.push(new S3Object(bucket, key, null, metadata));
    }
    return { objects, commonPrefixes: [...commonPrefixes].sort(), isTruncated };
  };
}
